// The operator's metrics, scraped by a real Prometheus server (Debian's
// `prometheus`, started in a temporary directory) from a real broker, and
// checked through Prometheus' HTTP query API, as an operator's dashboard and
// alerts would read them (docs/operations.md, "Monitor").
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <set>
#include <thread>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "httplib.h"
#include "integration/integration.h"

namespace riec::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A port nobody listens on now (the kernel's choice for port 0).
int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  close(fd);
  return port;
}

class Prometheus {
 public:
  // Starts prometheus scraping `target` every second, over HTTPS with
  // `client` as its certificate when given; empty on failure.
  static std::unique_ptr<Prometheus> Start(const std::string& dir, const std::string& target,
                                           const Pki::Files* client = nullptr) {
    const std::string config = dir + "/prometheus.yml";
    std::ofstream out(config);
    out << "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
           "scrape_configs:\n  - job_name: riec-broker\n    static_configs:\n"
           "      - targets: ['" << target << "']\n";
    if (client != nullptr) {
      out << "    scheme: https\n    tls_config:\n      ca_file: " << TestPki().ca_cert()
          << "\n      cert_file: " << client->cert << "\n      key_file: " << client->key
          << "\n      server_name: localhost\n";
    }
    out.close();
    auto p = std::unique_ptr<Prometheus>(new Prometheus());
    p->address_ = absl::StrCat("127.0.0.1:", FreePort());
    const std::string log = dir + "/prometheus.log";
    p->pid_ = fork();
    if (p->pid_ == 0) {
      freopen(log.c_str(), "w", stdout);
      freopen(log.c_str(), "a", stderr);
      execl("/usr/bin/prometheus", "prometheus", ("--config.file=" + config).c_str(),
            ("--storage.tsdb.path=" + dir + "/tsdb").c_str(),
            ("--web.listen-address=" + p->address_).c_str(), "--log.level=warn", nullptr);
      _exit(127);
    }
    return p;
  }
  ~Prometheus() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }

  // The value of the one series `query` selects, or nullopt while there is
  // none (Prometheus starting, not scraped yet).
  std::optional<double> Value(const std::string& query) {
    httplib::Client client("http://" + address_);
    auto res = client.Get("/api/v1/query", httplib::Params{{"query", query}}, httplib::Headers{});
    if (!res || res->status != 200) return std::nullopt;
    google::protobuf::Struct body;
    if (!google::protobuf::util::JsonStringToMessage(res->body, &body).ok()) return std::nullopt;
    const auto& result = body.fields().at("data").struct_value().fields().at("result").list_value();
    if (result.values_size() != 1) return std::nullopt;
    const auto& value = result.values(0).struct_value().fields().at("value").list_value();
    double v = 0;
    if (!absl::SimpleAtod(value.values(1).string_value(), &v)) return std::nullopt;
    return v;
  }

  // Whether Prometheus accepts `query` (it parses and evaluates): the
  // error it gives otherwise.
  absl::Status Check(const std::string& query) {
    httplib::Client client("http://" + address_);
    auto res = client.Get("/api/v1/query", httplib::Params{{"query", query}}, httplib::Headers{});
    if (!res) return absl::UnavailableError("prometheus does not answer");
    if (res->status != 200) return absl::InvalidArgumentError(res->body);
    return absl::OkStatus();
  }

  // Waits (up to two minutes: Prometheus scrapes every second) until
  // `query` has the value `want`; returns the last value seen.
  std::optional<double> WaitFor(const std::string& query, double want) {
    std::optional<double> v;
    for (int i = 0; i < 1200; ++i) {
      v = Value(query);
      if (v && *v == want) break;
      usleep(100 * 1000);
    }
    return v;
  }

 private:
  Prometheus() = default;
  pid_t pid_ = -1;
  std::string address_;
};

class MetricsTest : public BrokerTest {
 protected:
  void SetUp() override {
    extra_flags_ = {"--metrics-listen", "127.0.0.1:0"};
    if (std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()).find("Tls") !=
        std::string::npos) {
      extra_flags_.push_back("--metrics-tls");
    }
    BrokerTest::SetUp();
    FindMetricsAddress();
  }
  // The broker's first log line says where its metrics are.
  void FindMetricsAddress() {
    std::smatch m;
    const std::string out = broker_->Output();
    ASSERT_TRUE(std::regex_search(out, m, std::regex("metrics on (127\\.0\\.0\\.1:[0-9]+)"))) << out;
    metrics_address_ = m[1];
  }
  std::string metrics_address_;
};

TEST_F(MetricsTest, PrometheusScrapesTheBrokerAndSeesWhatHappened) {
  auto prometheus = Prometheus::Start(dir_->path(), metrics_address_);
  ASSERT_TRUE(prometheus);

  // Traffic: three identifiers pseudonymised by a gemeente, a refused
  // signal by UWV (a purpose it does not take part in).
  auto gemeente = As("gemeente-eindhoven");
  std::vector<sdk::SubjectValue> values;
  for (int i = 1; i <= 3; ++i) values.push_back({v1::PERSON_BSN, FakeBsn(i)});
  auto subjects = gemeente->Subjects(values);
  ASSERT_TRUE(subjects.ok()) << subjects.status();
  auto uwv = As("uwv");
  v1::RegisterSignalRequest bibob;
  bibob.set_purpose("bibob");
  bibob.set_theme("vergunning");
  *bibob.add_subjects() = (*subjects)[0];
  ASSERT_EQ(uwv->RegisterSignal(bibob).status().code(), absl::StatusCode::kPermissionDenied);

  // An open event stream of politie's system, that has read all there is.
  auto politie = As("politie");
  std::thread stream([&] { (void)politie->Subscribe(0, [](const v1::Event&) { return true; }); });

  EXPECT_EQ(prometheus->WaitFor("up{job=\"riec-broker\"}", 1), 1);
  EXPECT_EQ(prometheus->WaitFor("riec_grpc_open_streams", 1), 1);
  EXPECT_EQ(prometheus->WaitFor("riec_events_waiting{partner=\"politie\",role=\"partner-system\"}", 0), 0);
  EXPECT_EQ(prometheus->WaitFor("riec_oprf_evaluations_total{partner=\"gemeente-eindhoven\"}", 3), 3);
  EXPECT_EQ(prometheus->WaitFor("riec_grpc_requests_total{method=\"/riec.v1.Signals/RegisterSignal\","
                                "code=\"PERMISSION_DENIED\"}", 1), 1);
  const auto evaluated = prometheus->Value(
      "riec_grpc_requests_total{method=\"/riec.v1.Pseudonymiser/Evaluate\",code=\"OK\"}");
  ASSERT_TRUE(evaluated);
  EXPECT_GE(*evaluated, 1);
  EXPECT_EQ(prometheus->WaitFor("riec_grpc_request_duration_seconds_count{method=\"/riec.v1.Pseudonymiser/"
                                "Evaluate\"}", *evaluated), *evaluated);
  // The refusal is a disclosure-log record: appended (fsynced) at least once.
  EXPECT_GE(prometheus->Value("riec_log_append_duration_seconds_count").value_or(0), 1);
  EXPECT_GE(prometheus->Value("riec_store{figure=\"live_sst_bytes\"}").value_or(-1), 0);
  EXPECT_GE(prometheus->Value("riec_store_block_cache_lookups_total{result=\"hit\"}").value_or(-1), 0);
  EXPECT_GT(prometheus->Value("process_resident_memory_bytes").value_or(0), 0);
  EXPECT_GT(prometheus->Value("riec_certificate_not_after_seconds{certificate=\"server\"}").value_or(0),
            absl::ToDoubleSeconds(absl::Now() - absl::UnixEpoch()));

  // The log's size as Prometheus has it (scraped after the refusal's
  // record, the last one written) is the log the broker wrote.
  const std::optional<double> records = prometheus->Value("riec_log_records");
  ASSERT_TRUE(records);

  // What a scrape holds names no identifier or pseudonym.
  httplib::Client scrape("http://" + metrics_address_);
  auto res = scrape.Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_THAT(res->get_header_value("Content-Type"), HasSubstr("text/plain; version=0.0.4"));
  // Neither the identifiers, nor their pseudonyms (hex or base64), nor
  // anything shaped like one (metric names hold underscores, never '+').
  for (const auto& v : values) EXPECT_THAT(res->body, Not(HasSubstr(v.value)));
  for (const auto& s : *subjects) {
    EXPECT_THAT(res->body, Not(HasSubstr(absl::BytesToHexString(s.pseudonym()))));
    EXPECT_THAT(res->body, Not(HasSubstr(absl::Base64Escape(s.pseudonym()).substr(0, 40))));
  }
  EXPECT_FALSE(std::regex_search(res->body, std::regex("[0-9a-fA-F]{24,}|[A-Za-z0-9+/]{40,}")))
      << res->body;
  EXPECT_EQ(scrape.Get("/other")->status, 404);

  // deploy/: every series the dashboard and the alert rules read is one the
  // broker exposes, and every dashboard query is one Prometheus takes.
  auto slurp = [](const std::string& path) {
    std::ifstream in(SourceDir() + "/" + path);
    EXPECT_TRUE(in) << path;
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  const std::string dashboard = slurp("deploy/grafana-dashboard.json");
  const std::string alerts = slurp("deploy/prometheus-alerts.yml");
  const std::regex name("\\b((riec|process)_[a-z_]+?)(_bucket|_sum|_count)?\\b");
  std::set<std::string> exposed;
  {
    std::istringstream lines(res->body);
    for (std::string line; std::getline(lines, line);) {
      if (line.starts_with("# TYPE ")) exposed.insert(line.substr(7, line.find(' ', 7) - 7));
    }
  }
  int names = 0;
  for (const std::string* text : {&dashboard, &alerts}) {
    for (auto it = std::sregex_iterator(text->begin(), text->end(), name); it != std::sregex_iterator(); ++it) {
      EXPECT_TRUE(exposed.contains((*it)[1])) << "deploy/ reads " << (*it)[0] << ", which the broker does not expose";
      ++names;
    }
  }
  EXPECT_GT(names, 20);
  google::protobuf::Struct board;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(dashboard, &board).ok());
  int queries = 0;
  for (const auto& panel : board.fields().at("panels").list_value().values()) {
    for (const auto& target : panel.struct_value().fields().at("targets").list_value().values()) {
      std::string expr = target.struct_value().fields().at("expr").string_value();
      absl::StrReplaceAll({{"$job", "riec-broker"}, {"$instance", ".*"}, {"$__rate_interval", "1m"}}, &expr);
      const absl::Status accepted = prometheus->Check(expr);
      EXPECT_TRUE(accepted.ok()) << expr << ": " << accepted;
      ++queries;
    }
  }
  EXPECT_GT(queries, 20);

  prometheus.reset();
  EXPECT_EQ(static_cast<double>(StopAndReadLog().size()), *records);
  stream.join();  // the stop ended the stream
}

TEST_F(MetricsTest, RequestsGetOneJsonLineWithoutWhatTheRequestSaid) {
  auto uwv = As("uwv");
  auto subjects = uwv->Subjects({{v1::PERSON_BSN, FakeBsn(7)}});
  ASSERT_TRUE(subjects.ok()) << subjects.status();
  v1::RegisterSignalRequest bibob;
  bibob.set_purpose("bibob");
  bibob.set_theme("a theme that must not reach the operator's log");
  *bibob.add_subjects() = (*subjects)[0];
  ASSERT_FALSE(uwv->RegisterSignal(bibob).ok());
  ASSERT_EQ(broker_->Stop(), 0);
  const std::string out = broker_->Output();
  EXPECT_THAT(out, ::testing::ContainsRegex(
                       "\\{\"time\":\"[0-9T:.-]+Z\",\"level\":\"info\",\"msg\":\"request\",\"request_id\":[0-9]+,"
                       "\"rpc\":\"/riec.v1.Signals/RegisterSignal\",\"code\":\"PERMISSION_DENIED\","
                       "\"latency_ms\":[0-9.e+-]+,\"partner\":\"uwv\",\"role\":\"partner-system\"\\}"));
  EXPECT_THAT(out, Not(HasSubstr("a theme that must not")));
  EXPECT_THAT(out, Not(HasSubstr(FakeBsn(7))));
  EXPECT_THAT(out, Not(HasSubstr("is not open to partner")));  // the status message stays out
  // Every line of the broker's own is one JSON object.
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    google::protobuf::Struct parsed;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(line, &parsed).ok()) << line;
  }
}

// metrics.tls: HTTPS, and only a scraper with a certificate of the CA that
// no CRL revokes gets an answer.
TEST_F(MetricsTest, TlsScrapeNeedsAClientCertificate) {
  // The refused handshake closes the connection under this client's
  // writes: an EPIPE to handle, not a signal to die of.
  signal(SIGPIPE, SIG_IGN);
  const Pki::Files monitor = TestPki().Client("gemeente-eindhoven", "partner-system", "monitor");
  ASSERT_FALSE(monitor.cert.empty());
  const Pki::Files stolen = TestPki().Client("gemeente-eindhoven", "partner-system", "stolen-monitor");
  ASSERT_FALSE(stolen.cert.empty());
  CommandResult revoked = RunCommand({SourceDir() + "/certs/revoke.sh", "--ca", TestPki().ca_dir(), "--cert",
                                      stolen.cert, "--reason", "keyCompromise"});
  ASSERT_EQ(revoked.exit_code, 0) << revoked.err;
  ASSERT_EQ(broker_->Stop(), 0);
  StartBroker(ExamplePolicy(), TestPki().ca_dir() + "/crl");
  FindMetricsAddress();
  auto prometheus = Prometheus::Start(dir_->path(), metrics_address_, &monitor);
  ASSERT_TRUE(prometheus);
  EXPECT_EQ(prometheus->WaitFor("up{job=\"riec-broker\"}", 1), 1);

  const auto [host, port] = [&] {
    const size_t colon = metrics_address_.rfind(':');
    return std::pair(metrics_address_.substr(0, colon), std::stoi(metrics_address_.substr(colon + 1)));
  }();
  httplib::SSLClient with_cert(host, port, monitor.cert, monitor.key);
  with_cert.set_ca_cert_path(TestPki().ca_cert());
  with_cert.enable_server_certificate_verification(true);
  auto ok = with_cert.Get("/metrics");
  ASSERT_TRUE(ok) << httplib::to_string(ok.error());
  EXPECT_EQ(ok->status, 200);
  EXPECT_THAT(ok->body, HasSubstr("riec_log_records "));

  httplib::SSLClient with_revoked(host, port, stolen.cert, stolen.key);
  with_revoked.set_ca_cert_path(TestPki().ca_cert());
  with_revoked.enable_server_certificate_verification(true);
  EXPECT_FALSE(with_revoked.Get("/metrics"));
  EXPECT_TRUE(broker_->Alive());

  httplib::SSLClient without_cert(host, port);
  without_cert.set_ca_cert_path(TestPki().ca_cert());
  without_cert.enable_server_certificate_verification(true);
  EXPECT_FALSE(without_cert.Get("/metrics"));
  httplib::Client plain("http://" + metrics_address_);
  EXPECT_FALSE(plain.Get("/metrics"));
}

}  // namespace
}  // namespace riec::testing
