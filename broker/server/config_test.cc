#include "server/config.h"

#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riec::server {
namespace {

using ::testing::HasSubstr;

std::string Write(const std::string& text) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("riec-config-" + std::to_string(::getpid()) + ".yaml")).string();
  std::ofstream(path) << text;
  return path;
}

TEST(ConfigTest, ReadsEveryKey) {
  auto c = LoadBrokerConfig(Write(R"(listen: 0.0.0.0:9443
tls: {cert: s.crt, key: s.key, client_ca: ca.crt, crl_dir: crl}
data_dir: /d
policy: /p.yaml
key_dir: /k
services: [index]
tree_head_interval: 5s
sweep_interval: off
)"));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->listen, "0.0.0.0:9443");
  EXPECT_EQ(c->tls.crl_dir, "crl");
  EXPECT_FALSE(c->pseudonymiser);
  EXPECT_TRUE(c->index);
  EXPECT_EQ(c->tree_head_interval, absl::Seconds(5));
  EXPECT_EQ(c->sweep_interval, absl::ZeroDuration());
  EXPECT_TRUE(ValidateBrokerConfig(*c).ok());
}

TEST(ConfigTest, TheAdminSocketIsBesideTheDataUnlessSetOrOff) {
  BrokerConfig c;
  c.data_dir = "/var/lib/riec/data/";
  EXPECT_EQ(AdminSocketPath(c), "/var/lib/riec/data.sock");
  auto set = LoadBrokerConfig(Write("data_dir: /d\nadmin_socket: /run/riec/admin.sock\n"));
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(AdminSocketPath(*set), "/run/riec/admin.sock");
  c.admin_socket = "off";
  EXPECT_EQ(AdminSocketPath(c), "");
}

TEST(ConfigTest, UnknownKeyIsNamedWithItsLine) {
  auto c = LoadBrokerConfig(Write("listen: x:1\ndatadir: /d\n"));
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(c.status().message(), HasSubstr(":2:1: datadir: unknown key"));
}

TEST(ConfigTest, MetricsAndLogSettings) {
  auto c = LoadBrokerConfig(Write(
      "metrics: {listen: '0.0.0.0:9464', tls: true, client_ca: m.crt}\nlog_format: logfmt\nlog_requests: failures\n"));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->metrics.listen, "0.0.0.0:9464");
  EXPECT_TRUE(c->metrics.tls);
  EXPECT_EQ(c->metrics.client_ca, "m.crt");
  EXPECT_EQ(c->log_format, "logfmt");
  EXPECT_EQ(c->log_requests, "failures");
  EXPECT_TRUE(ValidateMetricsConfig(c->metrics).ok());

  auto maybe = LoadBrokerConfig(Write("metrics:\n  tls: maybe\n"));
  EXPECT_EQ(maybe.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(maybe.status().message(), HasSubstr(":2:8: metrics.tls: 'maybe' is not true or false"));
  auto list = LoadBrokerConfig(Write("metrics:\n  listen: [a, b]\n"));
  EXPECT_THAT(list.status().message(), HasSubstr("metrics.listen: must be a string"));
  auto format = LoadBrokerConfig(Write("log_format: xml\n"));
  EXPECT_THAT(format.status().message(), HasSubstr("log_format: 'xml' is not one of json, logfmt"));

  // Plain HTTP off loopback is refused once the settings are merged.
  MetricsConfig open{.listen = "0.0.0.0:9464", .tls = false, .client_ca = ""};
  absl::Status s = ValidateMetricsConfig(open);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("metrics.listen: 0.0.0.0:9464 is not a loopback address"));
  EXPECT_TRUE(ValidateMetricsConfig({.listen = "127.0.0.2:9464", .tls = false, .client_ca = ""}).ok());
  EXPECT_TRUE(ValidateMetricsConfig({.listen = "[::1]:9464", .tls = false, .client_ca = ""}).ok());
}

TEST(ConfigTest, ConsoleSection) {
  auto c = LoadBrokerConfig(Write("console: {listen: '127.0.0.1:8443', assets: /usr/share/riec/console}\n"));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->console.listen, "127.0.0.1:8443");
  EXPECT_EQ(c->console.assets, "/usr/share/riec/console");
  auto unknown = LoadBrokerConfig(Write("console:\n  port: 8443\n"));
  EXPECT_THAT(unknown.status().message(), HasSubstr(":2:3: console.port: unknown key (allowed: listen, assets)"));
  auto list = LoadBrokerConfig(Write("console:\n  assets: [a, b]\n"));
  EXPECT_THAT(list.status().message(), HasSubstr("console.assets: must be a string"));
}

TEST(ConfigTest, MissingSettingsAreListed) {
  BrokerConfig c;
  absl::Status s = ValidateBrokerConfig(c);
  EXPECT_THAT(s.message(), HasSubstr("tls.cert (--tls-cert)"));
  EXPECT_THAT(s.message(), HasSubstr("policy (--policy)"));
}

TEST(ConfigTest, Services) {
  BrokerConfig c;
  EXPECT_TRUE(SetServices("pseudonymiser", &c).ok());
  EXPECT_TRUE(c.pseudonymiser);
  EXPECT_FALSE(c.index);
  EXPECT_FALSE(SetServices("pseudonymizer", &c).ok());
}

}  // namespace
}  // namespace riec::server
