#include "support/support.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "log/disclosure_log.h"
#include "storage/rocksdb_store.h"
#include <iostream>

namespace riec::testing {
namespace {

std::string Env(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : fallback;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

pid_t Spawn(const std::vector<std::string>& argv, const std::string& out, const std::string& err,
            bool testing = false) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = err == out ? o : ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int in = ::open("/dev/null", O_RDONLY);
    dup2(in, 0);
    dup2(o, 1);
    dup2(e, 2);
    if (testing) setenv("RIEC_TESTING", "1", 1);
    execv(args[0], args.data());
    _exit(127);
  }
  return pid;
}

}  // namespace

std::string SourceDir() { return Env("RIEC_SOURCE_DIR", RIEC_DEFAULT_SOURCE_DIR); }
std::string BinaryDir() { return Env("RIEC_BINARY_DIR", RIEC_DEFAULT_BINARY_DIR); }
std::string RiecBinary() { return BinaryDir() + "/clients/cli/riec"; }
std::string BrokerBinary() { return BinaryDir() + "/broker/main/riec-broker"; }
std::string SynthBinary() { return BinaryDir() + "/tests/synth/riec-synth"; }
std::string WitnessBinary() { return BinaryDir() + "/clients/witness/riec-witness"; }
std::string ExamplePolicy() { return SourceDir() + "/policy/convenants/riec-oost-brabant.yaml"; }

TempDir::TempDir(const std::string& label) {
  std::string tmpl = (std::filesystem::temp_directory_path() / ("riec-" + label + "-XXXXXX")).string();
  path_ = mkdtemp(tmpl.data());
}

TempDir::~TempDir() {
  if (std::getenv("RIEC_KEEP_TEST_DIRS") == nullptr) {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
}

CommandResult RunCommand(const std::vector<std::string>& argv) {
  char out_tmpl[] = "/tmp/riec-run-out-XXXXXX";
  char err_tmpl[] = "/tmp/riec-run-err-XXXXXX";
  close(mkstemp(out_tmpl));
  close(mkstemp(err_tmpl));
  CommandResult r;
  pid_t pid = Spawn(argv, out_tmpl, err_tmpl);
  int status = 0;
  waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = Slurp(out_tmpl);
  r.err = Slurp(err_tmpl);
  unlink(out_tmpl);
  unlink(err_tmpl);
  return r;
}

Pki::Pki(std::string dir, std::string convenant) : dir_(std::move(dir)), convenant_(std::move(convenant)) {}

absl::Status Pki::Create() {
  const std::string certs = SourceDir() + "/certs/";
  CommandResult ca = RunCommand({certs + "make-ca.sh", "--convenant", convenant_, "--out", ca_dir()});
  if (ca.exit_code != 0) return absl::InternalError("make-ca.sh: " + ca.err);
  CommandResult server = RunCommand({certs + "issue-server.sh", "--ca", ca_dir(), "--host", "localhost",
                                     "--ip", "127.0.0.1", "--out", dir_ + "/server"});
  if (server.exit_code != 0) return absl::InternalError("issue-server.sh: " + server.err);
  return absl::OkStatus();
}

Pki::Files Pki::Client(const std::string& partner, const std::string& role, const std::string& name,
                       const std::string& convenant) {
  const std::string c = convenant.empty() ? convenant_ : convenant;
  const std::string id = absl::StrCat(c, "/", partner, "/", role, "/", name);
  auto it = issued_.find(id);
  if (it != issued_.end()) return it->second;
  const std::string out = absl::StrCat(dir_, "/clients/", c);
  std::vector<std::string> argv = {SourceDir() + "/certs/issue-client.sh", "--ca", ca_dir(),
                                   "--convenant", c, "--partner", partner, "--role", role,
                                   "--out", out};
  if (!name.empty()) {
    argv.push_back("--name");
    argv.push_back(name);
  }
  CommandResult r = RunCommand(argv);
  if (r.exit_code != 0) {
    std::cerr << "issue-client.sh failed: " << r.err;
    return Files{};
  }
  const std::string base = absl::StrCat(out, "/", partner, "-", role, name.empty() ? "" : "-", name);
  Files f{base + ".crt", base + ".key"};
  issued_[id] = f;
  return f;
}

absl::StatusOr<std::string> Process::Launch(const std::vector<std::string>& argv, const std::string& work_dir,
                                            const std::string& ready, bool testing) {
  std::filesystem::remove(ready);
  const std::string name = std::filesystem::path(argv[0]).filename();
  output_file_ = absl::StrCat(work_dir, "/", name, "-", std::chrono::steady_clock::now().time_since_epoch().count(),
                              ".log");
  pid_ = Spawn(argv, output_file_, output_file_, testing);
  for (int i = 0; i < 300; ++i) {  // up to 30 s on a loaded machine
    if (std::filesystem::exists(ready)) {
      std::string content(absl::StripAsciiWhitespace(Slurp(ready)));
      if (!content.empty()) return content;
    }
    if (!Alive()) {
      return absl::InternalError(absl::StrCat(name, " exited with status ", exit_status(), ": ", Output()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return absl::DeadlineExceededError(absl::StrCat(name, " did not start: ", Output()));
}

absl::StatusOr<std::unique_ptr<BrokerProcess>> BrokerProcess::Start(const Pki& pki, const Options& o) {
  auto b = std::unique_ptr<BrokerProcess>(new BrokerProcess());
  const std::string ready = o.work_dir + "/ready";
  if (!o.config_file.empty()) {
    std::vector<std::string> argv = {BrokerBinary(), "--config", o.config_file, "--ready-file", ready};
    argv.insert(argv.end(), o.extra_flags.begin(), o.extra_flags.end());
    auto address = b->Launch(argv, o.work_dir, ready, false);
    if (!address.ok()) return address.status();
    b->address_ = *std::move(address);
    return b;
  }
  std::vector<std::string> argv = {BrokerBinary(), "--listen", "127.0.0.1:0",
                                   "--tls-cert", pki.server_cert(), "--tls-key", pki.server_key(),
                                   "--tls-client-ca", o.client_ca.empty() ? pki.ca_cert() : o.client_ca,
                                   "--policy", o.policy,
                                   "--data-dir", o.data_dir, "--key-dir", o.key_dir,
                                   "--services", o.services, "--ready-file", ready};
  if (!o.crl_dir.empty()) {
    argv.push_back("--tls-crl-dir");
    argv.push_back(o.crl_dir);
  }
  if (!o.test_clock.empty()) {
    argv.push_back("--test-clock");
    argv.push_back(o.test_clock);
  }
  argv.insert(argv.end(), o.extra_flags.begin(), o.extra_flags.end());
  auto address = b->Launch(argv, o.work_dir, ready, !o.test_clock.empty());
  if (!address.ok()) return address.status();
  b->address_ = *std::move(address);
  return b;
}

absl::StatusOr<std::unique_ptr<WitnessProcess>> WitnessProcess::Start(const std::string& config,
                                                                      const std::string& work_dir) {
  auto w = std::unique_ptr<WitnessProcess>(new WitnessProcess());
  auto address = w->Launch({WitnessBinary(), "serve", "--config", config}, work_dir, work_dir + "/ready", false);
  if (!address.ok()) return address.status();
  w->address_ = *std::move(address);
  return w;
}

Process::~Process() {
  if (Alive()) Stop();
}

bool Process::Alive() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return false;
  }
  return true;
}

int Process::Stop() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void Process::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

std::string Process::Output() const { return Slurp(output_file_); }

sdk::ConnectionOptions Connection(Pki& pki, const std::string& address, const std::string& partner,
                                  const std::string& role, const std::string& pseudonymiser) {
  Pki::Files f = pki.Client(partner, role);
  sdk::ConnectionOptions o;
  o.broker = address;
  o.pseudonymiser = pseudonymiser;
  o.ca_file = pki.ca_cert();
  o.cert_file = f.cert;
  o.key_file = f.key;
  o.server_name = "localhost";
  o.timeout = absl::Seconds(60);
  return o;
}

std::unique_ptr<sdk::Client> Connect(Pki& pki, const std::string& address,
                                     const std::string& partner, const std::string& role) {
  auto c = sdk::Client::Connect(Connection(pki, address, partner, role));
  if (!c.ok()) {
    std::cerr << "cannot connect as " << partner << "/" << role << ": " << c.status() << "\n";
    return nullptr;
  }
  return *std::move(c);
}

absl::StatusOr<std::string> RawCall(Pki& pki, const std::string& address,
                                    const std::string& partner, const std::string& role,
                                    const std::string& method, const std::string& request,
                                    const std::vector<std::pair<std::string, std::string>>& metadata) {
  Pki::Files f = pki.Client(partner, role);
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = Slurp(pki.ca_cert());
  ssl.pem_cert_chain = Slurp(f.cert);
  ssl.pem_private_key = Slurp(f.key);
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride("localhost");
  args.SetMaxSendMessageSize(64 << 20);
  grpc::GenericStub stub(grpc::CreateCustomChannel(address, grpc::SslCredentials(ssl), args));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  for (const auto& [k, v] : metadata) ctx.AddMetadata(k, v);
  grpc::Slice slice(request.data(), request.size());
  grpc::ByteBuffer in(&slice, 1), out;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  grpc::Status status;
  stub.UnaryCall(&ctx, method, grpc::StubOptions(), &in, &out, [&](grpc::Status s) {
    std::lock_guard<std::mutex> l(mu);
    status = std::move(s);
    done = true;
    cv.notify_all();
  });
  std::unique_lock<std::mutex> l(mu);
  cv.wait(l, [&] { return done; });
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
  }
  std::vector<grpc::Slice> slices;
  (void)out.Dump(&slices);
  std::string bytes;
  for (const auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return bytes;
}

std::string FakeBsn(int n) {
  for (int k = n;; k += 1000) {
    std::string d = absl::StrCat(99000000 + k % 1000000);
    int sum = 0;
    for (int i = 0; i < 8; ++i) sum += (9 - i) * (d[i] - '0');
    const int check = sum % 11;
    if (check < 10) return d + std::to_string(check);
  }
}

CommandResult Riec(Pki& pki, const std::string& address, const std::string& partner,
                   const std::string& role, const std::vector<std::string>& args) {
  Pki::Files f = pki.Client(partner, role);
  std::vector<std::string> argv = {RiecBinary(), "--broker", address, "--server-name", "localhost",
                                   "--ca", pki.ca_cert(), "--cert", f.cert, "--key", f.key};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv);
}

absl::StatusOr<std::vector<v1::LogRecord>> ReadLog(const std::string& data_dir) {
  auto store = storage::OpenRocksDbStore(data_dir);
  if (!store.ok()) return store.status();
  auto log = log::DisclosureLog::Open(store->get());
  if (!log.ok()) return log.status();
  std::vector<v1::LogRecord> out;
  for (uint64_t i = 0; i < (*log)->Size(); ++i) {
    auto bytes = (*log)->ReadRecord(i);
    if (!bytes.ok()) return bytes.status();
    v1::LogRecord r;
    if (!r.ParseFromString(*bytes)) return absl::DataLossError(absl::StrCat("record ", i, " unreadable"));
    out.push_back(std::move(r));
  }
  return out;
}

absl::StatusOr<std::string> DumpStore(const std::string& data_dir) {
  auto store = storage::OpenRocksDbStore(data_dir);
  if (!store.ok()) return store.status();
  std::string out;
  for (int t = 0; t < storage::kTableCount; ++t) {
    absl::Status s = storage::ScanPrefix(**store, static_cast<storage::Table>(t), "",
                                         [&](absl::string_view k, absl::string_view v) {
                                           out.append(k.data(), k.size());
                                           out.push_back('\n');
                                           out.append(v.data(), v.size());
                                           out.push_back('\n');
                                           return true;
                                         });
    if (!s.ok()) return s;
  }
  return out;
}

}  // namespace riec::testing
