// PKIoverheid organisation certificates beside convenant-CA certificates:
// one broker trusting both CAs, a policy mapping OINs to partners and roles,
// certificates made by certs/pkioverheid-test.sh and certs/issue-client.sh;
// the real process over mutual TLS.
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include <regex>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "integration/integration.h"

namespace riec::testing {
namespace {

using ::testing::HasSubstr;

// Fake OINs: the 00000099 prefix is not issued.
constexpr char kPolitieOin[] = "00000099000000000001";
constexpr char kUwvOin[] = "00000099000000000002";

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class PkiOverheidTest : public BrokerTest {
 protected:
  void SetUp() override {
    dir_ = std::make_unique<TempDir>("riec-pkio");
    ca_ = *dir_ / "pkio-ca";
    CommandResult ca = RunCommand({Script(), "ca", "--out", ca_});
    ASSERT_EQ(ca.exit_code, 0) << ca.err;
    // The broker trusts both CAs: one bundle.
    bundle_ = *dir_ / "client-cas.crt";
    std::ofstream(bundle_) << ReadAll(TestPki().ca_cert()) << ReadAll(ca_ + "/ca.crt");

    system_ = Issue("politie-system", kPolitieOin, "koppeling.politie.example", "ICT");
    officer_ = Issue("politie-fg", kPolitieOin, "j.jansen", "Privacy");
    unmapped_ = Issue("politie-other", kPolitieOin, "iets-anders.politie.example", "ICT");
    both_ = Issue("politie-both", kPolitieOin, "koppeling.politie.example", "Privacy");
    stranger_ = Issue("stranger", "00000099000000000009", "koppeling.politie.example", "ICT");
    uwv_ = Issue("uwv-system", kUwvOin, "gegevensdiensten.uwv.example", "");

    // The example convenant with the two partners' OINs and mappings: the
    // politie system by CN, its privacy officer by OU, UWV's system by the
    // certificate's fingerprint.
    std::string policy = ReadAll(ExamplePolicy());
    auto replace = [&](const std::string& from, const std::string& to) {
      const size_t at = policy.find(from);
      ASSERT_NE(at, std::string::npos) << from;
      policy.replace(at, from.size(), to);
    };
    replace("kind: politie,\n     roles: [partner-system, privacy-officer]}",
            absl::StrCat("kind: politie,\n     roles: [partner-system, privacy-officer], oin: \"", kPolitieOin,
                         "\",\n     certificates: [{role: partner-system, cn: koppeling.politie.example},\n"
                         "                    {role: privacy-officer, ou: Privacy, name: fg-desk}]}"));
    replace("{id: uwv, name: UWV, kind: uwv, roles: [partner-system, privacy-officer]}",
            absl::StrCat("{id: uwv, name: UWV, kind: uwv, roles: [partner-system, privacy-officer], oin: \"", kUwvOin,
                         "\",\n     certificates: [{role: partner-system, sha256: \"", uwv_.sha256, "\"}]}"));
    policy_file_ = *dir_ / "convenant.yaml";
    std::ofstream(policy_file_) << policy;
    StartBundle("");
  }

  // Starts the broker on this policy, trusting both CAs, with `crl_dir`.
  void StartBundle(const std::string& crl_dir, const std::vector<std::string>& flags = {}) {
    BrokerProcess::Options o;
    o.policy = policy_file_;
    o.data_dir = *dir_ / "data";
    o.key_dir = *dir_ / "keys";
    o.work_dir = dir_->path();
    o.client_ca = bundle_;
    o.crl_dir = crl_dir;
    o.extra_flags = flags;
    auto b = BrokerProcess::Start(TestPki(), o);
    ASSERT_TRUE(b.ok()) << b.status();
    broker_ = *std::move(b);
  }

  static std::string Script() { return SourceDir() + "/certs/pkioverheid-test.sh"; }

  struct Issued {
    std::string cert, key, sha256;
  };
  Issued Issue(const std::string& file, const std::string& oin, const std::string& cn, const std::string& ou) {
    std::vector<std::string> argv = {Script(), "issue", "--ca", ca_, "--oin", oin, "--org", "TEST organisatie",
                                     "--cn", cn, "--out", *dir_ / "certs", "--file", file};
    if (!ou.empty()) {
      argv.push_back("--ou");
      argv.push_back(ou);
    }
    CommandResult r = RunCommand(argv);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::smatch m;
    std::regex_search(r.out, m, std::regex("sha256 ([0-9a-f]{64})"));
    return {*dir_ / ("certs/" + file + ".crt"), *dir_ / ("certs/" + file + ".key"), m.size() > 1 ? m[1].str() : ""};
  }

  std::unique_ptr<sdk::Client> With(const Issued& c) {
    // The SDK asks nothing of the certificate's shape: any client
    // certificate the CA issued.
    auto options = Connection(TestPki(), broker_->address(), "politie", "partner-system");
    options.cert_file = c.cert;
    options.key_file = c.key;
    options.timeout = absl::Seconds(10);
    auto client = sdk::Client::Connect(options);
    EXPECT_TRUE(client.ok()) << client.status();
    return client.ok() ? *std::move(client) : nullptr;
  }

  std::string ca_, bundle_, policy_file_;
  Issued system_, officer_, unmapped_, both_, stranger_, uwv_;
};

// Whether the operator's log gets the request line of call `n` (its
// request id, counted from 1) of `rpc` with the identity the broker took
// from the certificate (docs/operations.md, "Logs"). The line is written
// when the call is done, just after its answer: it is waited for.
bool Logged(BrokerProcess& broker, int n, const std::string& rpc, const std::string& partner,
            const std::string& role) {
  const std::string want = absl::StrCat("\"request_id\":", n, ",\"rpc\":\"", rpc, "\"");
  const std::string who = absl::StrCat("\"partner\":\"", partner, "\",\"role\":\"", role, "\"");
  for (int i = 0; i < 300; ++i) {
    std::istringstream lines(broker.Output());
    for (std::string line; std::getline(lines, line);) {
      if (line.find(want) != std::string::npos) return line.find(who) != std::string::npos;
    }
    usleep(100 * 1000);
  }
  return false;
}

TEST_F(PkiOverheidTest, OrganisationCertificatesMapToThePartnerAndRoleThePolicySays) {
  auto system = With(system_);
  ASSERT_TRUE(system);
  ASSERT_TRUE(system->GetIndexStatistics().ok());
  EXPECT_TRUE(Logged(*broker_, 1, "/riec.v1.Index/GetStatistics", "politie", "partner-system"));

  // The privacy officer's certificate, with its holder name; a privacy
  // officer may not register a signal, and that refusal is logged.
  auto officer = With(officer_);
  ASSERT_TRUE(officer);
  v1::RegisterSignalRequest signal;
  signal.set_purpose("bibob");
  EXPECT_EQ(officer->RegisterSignal(signal).status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(Logged(*broker_, 2, "/riec.v1.Signals/RegisterSignal", "politie", "privacy-officer"));

  // By fingerprint.
  auto uwv = With(uwv_);
  ASSERT_TRUE(uwv);
  ASSERT_TRUE(uwv->GetIndexStatistics().ok());
  EXPECT_TRUE(Logged(*broker_, 3, "/riec.v1.Index/GetStatistics", "uwv", "partner-system"));

  // And the convenant CA's riec:// certificates work beside them.
  auto gemeente = As("gemeente-eindhoven");
  ASSERT_TRUE(gemeente->GetIndexStatistics().ok());
  EXPECT_TRUE(Logged(*broker_, 4, "/riec.v1.Index/GetStatistics", "gemeente-eindhoven", "partner-system"));

  // The disclosure log holds the mapped identities as it holds any other.
  const auto records = StopAndReadLog();
  bool officer_seen = false;
  for (const auto& r : records) {
    officer_seen |= r.actor().partner() == "politie" && r.actor().role() == "privacy-officer" &&
                    r.actor().name() == "fg-desk" && r.actor().certificate_sha256().size() == 32;
  }
  EXPECT_TRUE(officer_seen) << "no record of politie's privacy officer among " << records.size();
}

TEST_F(PkiOverheidTest, NoMappingOrTwoIsRefusedSayingWhy) {
  auto unmapped = With(unmapped_);
  ASSERT_TRUE(unmapped);
  auto none = unmapped->GetIndexStatistics();
  EXPECT_EQ(none.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(none.status().message(), HasSubstr("OIN 00000099000000000001, sha256 " + unmapped_.sha256));
  EXPECT_THAT(none.status().message(), ::testing::Not(HasSubstr("iets-anders")));
  EXPECT_THAT(none.status().message(), HasSubstr("matches no mapping of convenant riec-oost-brabant"));

  auto both = With(both_);
  ASSERT_TRUE(both);
  auto two = both->GetIndexStatistics();
  EXPECT_EQ(two.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(two.status().message(),
              HasSubstr("matches 2 mappings of convenant riec-oost-brabant: politie/partner-system (cn "
                        "koppeling.politie.example), politie/privacy-officer (ou Privacy)"));

  // Another organisation's certificate with politie's CN: its OIN decides.
  auto stranger = With(stranger_);
  ASSERT_TRUE(stranger);
  auto other = stranger->GetIndexStatistics();
  EXPECT_EQ(other.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(other.status().message(), HasSubstr("no partner has this OIN"));
  EXPECT_TRUE(broker_->Alive());
}

TEST_F(PkiOverheidTest, ARevokedOrganisationCertificateStopsWorking) {
  CommandResult revoked = RunCommand({SourceDir() + "/certs/revoke.sh", "--ca", ca_, "--cert", system_.cert});
  ASSERT_EQ(revoked.exit_code, 0) << revoked.err;
  // Both CAs' CRLs in one directory, as the broker reads them.
  const std::string crls = *dir_ / "crls";
  std::filesystem::create_directories(crls);
  std::filesystem::copy_file(TestPki().ca_dir() + "/crl/ca.crl", crls + "/convenant.crl");
  std::filesystem::copy_file(ca_ + "/crl/ca.crl", crls + "/pkioverheid.crl");
  ASSERT_EQ(broker_->Stop(), 0);
  StartBundle(crls);

  auto system = With(system_);
  ASSERT_TRUE(system);
  EXPECT_FALSE(system->GetIndexStatistics().ok()) << "a revoked PKIoverheid certificate still works";
  auto uwv = With(uwv_);
  ASSERT_TRUE(uwv);
  EXPECT_TRUE(uwv->GetIndexStatistics().ok());
}

// A certificate of the PKIoverheid CA that carries a riec:// URI SAN (what
// a trust service provider could issue): taken as that identity only while
// every CA of the bundle may issue convenant identities; with
// --tls-convenant-ca, only the convenant CA's riec:// certificates count.
TEST_F(PkiOverheidTest, OnlyTheConvenantCaIssuesRiecIdentitiesWhenNamed) {
  const std::string out = *dir_ / "rogue";
  std::filesystem::create_directories(out);
  std::ofstream(out + "/ext.cnf") << "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                                     "extendedKeyUsage=clientAuth\n"
                                     "subjectAltName=URI:riec://riec-oost-brabant/gemeente-eindhoven/partner-system\n";
  for (const std::vector<std::string>& argv : std::vector<std::vector<std::string>>{
           {"/usr/bin/openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", out + "/r.key"},
           {"/usr/bin/openssl", "req", "-new", "-key", out + "/r.key", "-subj", "/C=NL/O=Elders/CN=elders", "-out", out + "/r.csr"},
           {"/usr/bin/openssl", "x509", "-req", "-in", out + "/r.csr", "-CA", ca_ + "/ca.crt", "-CAkey", ca_ + "/ca.key",
            "-CAcreateserial", "-days", "30", "-extfile", out + "/ext.cnf", "-out", out + "/r.crt"}}) {
    CommandResult r = RunCommand(argv);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  const Issued rogue{out + "/r.crt", out + "/r.key", ""};

  auto before = With(rogue);
  ASSERT_TRUE(before);
  EXPECT_TRUE(before->GetIndexStatistics().ok()) << "the default: every CA of tls.client_ca";

  ASSERT_EQ(broker_->Stop(), 0);
  StartBundle("", {"--tls-convenant-ca", TestPki().ca_cert()});
  auto after = With(rogue);
  ASSERT_TRUE(after);
  auto refused = after->GetIndexStatistics();
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(refused.status().message(), HasSubstr("was not issued by the convenant CA (tls.convenant_ca)"));
  // The convenant CA's own certificates and the mapped PKIoverheid ones work.
  EXPECT_TRUE(As("gemeente-eindhoven")->GetIndexStatistics().ok());
  auto system = With(system_);
  ASSERT_TRUE(system);
  EXPECT_TRUE(system->GetIndexStatistics().ok());
}

}  // namespace
}  // namespace riec::testing
