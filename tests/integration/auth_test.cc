// (b) Who may connect: no client certificate, a certificate of another CA,
// a revoked certificate, or an identity the convenant does not know — all
// refused; TLS below 1.3 is refused too.
#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "riec/common/file.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "integration/integration.h"

namespace riec::testing {
namespace {

using ::testing::HasSubstr;

class AuthTest : public BrokerTest {};

TEST_F(AuthTest, NoClientCertificateIsRefusedInTheHandshake) {
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = *ReadFile(TestPki().ca_cert());
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride("localhost");
  auto channel = grpc::CreateCustomChannel(broker_->address(), grpc::SslCredentials(ssl), args);
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::health::v1::HealthCheckResponse resp;
  grpc::Status s = stub->Check(&ctx, {}, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
  EXPECT_TRUE(broker_->Alive());
}

TEST_F(AuthTest, CertificateOfAnotherCaIsRefused) {
  TempDir other_dir("other-pki");
  Pki other(other_dir.path(), kConvenant);
  ASSERT_TRUE(other.Create().ok());
  auto options = Connection(other, broker_->address(), "politie", "partner-system");
  options.ca_file = TestPki().ca_cert();  // trusts the broker, but is not trusted by it
  options.timeout = absl::Seconds(10);
  auto client = sdk::Client::Connect(options);
  ASSERT_TRUE(client.ok());
  auto health = (*client)->Healthy();
  EXPECT_EQ(health.status().code(), absl::StatusCode::kUnavailable) << health.status();
}

TEST_F(AuthTest, IdentitiesTheConvenantDoesNotKnowAreRefusedAndLogged) {
  auto unknown_partner = As("onbekend");
  auto r = unknown_partner->GetIndexStatistics();
  EXPECT_EQ(r.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(r.status().message(),
            "partner 'onbekend' is not a partner of convenant riec-oost-brabant v2026-01");

  auto wrong_role = As("politie", "chair");
  v1::RegisterSignalRequest reg;
  reg.set_purpose("ondermijning");
  EXPECT_EQ(wrong_role->RegisterSignal(reg).status().code(), absl::StatusCode::kPermissionDenied);

  Pki::Files f = TestPki().Client("politie", "partner-system", "", "riec-elders");
  auto options = Connection(TestPki(), broker_->address(), "politie", "partner-system");
  options.cert_file = f.cert;
  options.key_file = f.key;
  auto other_convenant = sdk::Client::Connect(options);
  auto s = (*other_convenant)->GetKeyInfo();
  EXPECT_EQ(s.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(s.status().message(), HasSubstr("certificate is for convenant 'riec-elders'"));

  // A known identity still works, and every refusal is a log record.
  auto politie = As("politie");
  EXPECT_TRUE(politie->GetIndexStatistics().ok());
  std::vector<std::string> rules;
  for (const auto& rec : StopAndReadLog()) {
    if (rec.kind() == v1::REQUEST_DENIED) rules.push_back(rec.decision().rule());
  }
  EXPECT_THAT(rules, ::testing::UnorderedElementsAre("identity.partner", "identity.role",
                                                     "identity.convenant"));
}

TEST_F(AuthTest, OnlyTls13IsSpoken) {
  Pki::Files f = TestPki().Client("politie", "partner-system");
  auto s_client = [&](const char* version) {
    return RunCommand({"/usr/bin/openssl", "s_client", "-connect", broker_->address(), version,
                       "-alpn", "h2", "-servername", "localhost", "-CAfile", TestPki().ca_cert(),
                       "-cert", f.cert, "-key", f.key});
  };
  CommandResult tls13 = s_client("-tls1_3");
  EXPECT_THAT(tls13.out, HasSubstr("New, TLSv1.3")) << tls13.out << tls13.err;
  CommandResult tls12 = s_client("-tls1_2");
  EXPECT_THAT(tls12.out, HasSubstr("Cipher is (NONE)")) << tls12.out;
  EXPECT_NE(tls12.exit_code, 0);
}

TEST_F(AuthTest, RevokedCertificateIsRefused) {
  Pki::Files revoked = TestPki().Client("politie", "partner-system", "revoked-laptop");
  CommandResult r = RunCommand({SourceDir() + "/certs/revoke.sh", "--ca", TestPki().ca_dir(),
                                "--cert", revoked.cert, "--reason", "keyCompromise"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(broker_->Stop(), 0);
  StartBroker(ExamplePolicy(), TestPki().ca_dir() + "/crl");

  auto options = Connection(TestPki(), broker_->address(), "politie", "partner-system");
  options.cert_file = revoked.cert;
  options.key_file = revoked.key;
  options.timeout = absl::Seconds(10);
  auto client = sdk::Client::Connect(options);
  EXPECT_EQ((*client)->GetIndexStatistics().status().code(), absl::StatusCode::kUnavailable);
  // Other certificates of the same partner are unaffected.
  EXPECT_TRUE(As("politie")->GetIndexStatistics().ok());
}

}  // namespace
}  // namespace riec::testing
