// `riec-broker --config F --check` as an operator runs it before (re)starting
// the service, and the start itself refusing the same problems: the real
// binary, a config file, certificates made by certs/.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "integration/integration.h"

namespace riec::testing {
namespace {

using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;

// A socket listening on a loopback port: what "the port is taken" means.
class TakenPort {
 public:
  TakenPort() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && listen(fd_, 1) == 0 &&
        getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
      port_ = ntohs(a.sin_port);
    }
  }
  ~TakenPort() { close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

class ConfigCheckTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = std::make_unique<TempDir>("riec-check"); }

  struct Settings {
    std::string listen = "127.0.0.1:0";
    std::string cert = TestPki().server_cert();
    std::string key = TestPki().server_key();
    std::string client_ca = TestPki().ca_cert();
    std::string policy = ExamplePolicy();
    std::string metrics_listen;
  };
  std::string WriteConfig(const Settings& s) {
    const std::string path = *dir_ / "broker.yaml";
    std::ofstream out(path);
    out << "listen: " << s.listen << "\ntls:\n  cert: " << s.cert << "\n  key: " << s.key
        << "\n  client_ca: " << s.client_ca << "\ndata_dir: " << (*dir_ / "data") << "\nkey_dir: " << (*dir_ / "keys")
        << "\npolicy: " << s.policy << "\nadmin_socket: off\n";
    if (!s.metrics_listen.empty()) out << "metrics:\n  listen: " << s.metrics_listen << "\n";
    return path;
  }
  CommandResult Check(const std::string& config) { return RunCommand({BrokerBinary(), "--config", config, "--check"}); }

  // A copy of `from` in this test's directory with `mode`.
  std::string CopyWithMode(const std::string& from, const std::string& name, std::filesystem::perms mode) {
    const std::string to = *dir_ / name;
    std::filesystem::copy_file(from, to, std::filesystem::copy_options::overwrite_existing);
    std::filesystem::permissions(to, mode);
    return to;
  }

  std::unique_ptr<TempDir> dir_;
};

TEST_F(ConfigCheckTest, AGoodConfigurationHasNoProblems) {
  const std::string config = WriteConfig({.metrics_listen = "127.0.0.1:0"});
  CommandResult r = Check(config);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr(config + ": no problems found"));
  // It checked, and started nothing: no store, no keys.
  EXPECT_FALSE(std::filesystem::exists(*dir_ / "data"));
  EXPECT_FALSE(std::filesystem::exists(*dir_ / "keys"));
}

TEST_F(ConfigCheckTest, EveryProblemIsListedAndTheBrokerRefusesToStartOnThem) {
  // A key anyone may read, a policy that does not parse, a CA that did not
  // issue the server certificate, an OPRF key file left readable, and the
  // port taken.
  const std::string key = CopyWithMode(TestPki().server_key(), "broker.key", std::filesystem::perms(0644));
  const std::string policy = *dir_ / "convenant.yaml";
  std::ofstream(policy) << "convenant: [unclosed\n";
  Pki other(*dir_ / "other-pki", "another-convenant");
  ASSERT_TRUE(other.Create().ok());
  std::filesystem::create_directories(*dir_ / "keys");
  std::filesystem::permissions(*dir_ / "keys", std::filesystem::perms(0700));
  std::ofstream(*dir_ / "keys/oprf.key") << "not a key\n";
  std::filesystem::permissions(*dir_ / "keys/oprf.key", std::filesystem::perms(0644));
  TakenPort taken;
  ASSERT_NE(taken.port(), 0);
  const std::string config = WriteConfig({.listen = absl::StrCat("127.0.0.1:", taken.port()),
                                          .key = key,
                                          .client_ca = other.ca_cert(),
                                          .policy = policy});

  CommandResult r = Check(config);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("error: tls.key: " + key + " holds a secret but others may use it "
                               "(mode 644); run: chmod 600 " + key));
  EXPECT_THAT(r.out, HasSubstr("error: key_dir: " + (*dir_ / "keys/oprf.key") + " holds a secret"));
  EXPECT_THAT(r.out, HasSubstr("error: policy: "));
  EXPECT_THAT(r.out, HasSubstr("does not chain to the CA of tls.client_ca (" + other.ca_cert() + ")"));
  EXPECT_THAT(r.out, ContainsRegex("error: listen: cannot listen on 127\\.0\\.0\\.1:[0-9]+: Address already in use"));
  EXPECT_THAT(r.out, HasSubstr(": 5 problems (errors stop the broker from starting"));

  // The broker itself refuses to start, naming the same problems at once
  // (the port it finds taken when it binds).
  CommandResult start = RunCommand({BrokerBinary(), "--config", config});
  EXPECT_EQ(start.exit_code, 1);
  EXPECT_THAT(start.err, HasSubstr("cannot start: 4 problems: tls.key: " + key));
  EXPECT_THAT(start.err, HasSubstr("holds a secret but others may use it"));
  EXPECT_THAT(start.err, HasSubstr("does not chain to the CA of tls.client_ca"));
  EXPECT_FALSE(std::filesystem::exists(*dir_ / "data")) << "a refused start leaves no store behind";
}

TEST_F(ConfigCheckTest, ACertificateExpiringWithin30DaysIsAWarningNotAnOutage) {
  CommandResult issued = RunCommand({SourceDir() + "/certs/issue-server.sh", "--ca", TestPki().ca_dir(), "--host",
                                     "localhost", "--ip", "127.0.0.1", "--out", *dir_ / "short", "--days", "10"});
  ASSERT_EQ(issued.exit_code, 0) << issued.err;
  const std::string config =
      WriteConfig({.cert = *dir_ / "short/broker.crt", .key = *dir_ / "short/broker.key"});

  CommandResult r = Check(config);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, ContainsRegex("warning: tls.cert: .*short/broker.crt expires on [0-9-]+ [0-9:]+ UTC, in "
                                   "(9|10) days: renew it"));
  EXPECT_THAT(r.out, Not(HasSubstr("error:")));
  EXPECT_THAT(r.out, HasSubstr(": 1 problem (errors stop"));

  // The broker starts, and says so in its log.
  BrokerProcess::Options o;
  o.config_file = config;
  o.work_dir = dir_->path();
  auto broker = BrokerProcess::Start(TestPki(), o);
  ASSERT_TRUE(broker.ok()) << broker.status();
  EXPECT_THAT((*broker)->Output(), ContainsRegex("\"level\":\"warning\",\"msg\":\"tls.cert: .* expires on"));
  EXPECT_EQ((*broker)->Stop(), 0);
}

}  // namespace
}  // namespace riec::testing
