// Verifiable and threshold pseudonyms through real processes (issue 12,
// items 1 and 2): a Pseudonymiser under another key than the pinned one is
// refused; the key split 2-of-3 and 3-of-5 among Pseudonymiser processes
// gives the single key's pseudonyms with instances down; a share that
// proves wrongly is named; fewer than t instances is UNAVAILABLE naming
// every one tried.
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "integration/integration.h"
#include "riec/common/file.h"
#include "riec/common/hex.h"
#include "riec/crypto/sodium.h"

namespace riec::testing {
namespace {

using ::testing::HasSubstr;

class PseudonymsTest : public BrokerTest {
 protected:
  // Splits the running broker's key (so that the pseudonyms stay the
  // index's) into `n` shares, any `t` of which answer.
  std::string Split(uint32_t t, uint32_t n) {
    const std::string out = *dir_ / absl::StrCat("shares-", t, "-of-", n);
    CommandResult r = RunCommand({BrokerBinary(), "pseudonymiser", "keygen", "--threshold", std::to_string(t),
                                  "--shares", std::to_string(n), "--out", out, "--from-key-dir", *dir_ / "keys"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("then delete"));
    return out;
  }

  // A Pseudonymiser process on key directory `key_dir`.
  std::unique_ptr<BrokerProcess> Instance(const std::string& key_dir, const std::string& label) {
    BrokerProcess::Options o;
    o.policy = ExamplePolicy();
    o.services = "pseudonymiser";
    o.data_dir = *dir_ / (label + "-data");
    o.key_dir = key_dir;
    o.work_dir = *dir_ / label;
    std::filesystem::create_directories(o.work_dir);
    auto b = BrokerProcess::Start(TestPki(), o);
    EXPECT_TRUE(b.ok()) << b.status();
    return b.ok() ? *std::move(b) : nullptr;
  }

  std::string PublicShare(const std::string& shares_dir, uint32_t index) {
    // public.yaml lists "index: I, public_share: HEX".
    const std::string text = *ReadFile(shares_dir + "/public.yaml");
    const std::string marker = absl::StrCat("index: ", index, ", public_share: ");
    const size_t at = text.find(marker);
    EXPECT_NE(at, std::string::npos) << marker;
    return *FromHex(text.substr(at + marker.size(), 64));
  }

  std::unique_ptr<sdk::Client> Threshold(uint32_t t, std::vector<sdk::PseudonymiserShare> shares) {
    auto o = Connection(TestPki(), broker_->address(), "gemeente-eindhoven", "partner-system");
    o.pseudonymiser_key = group_key_;
    o.pseudonymiser_shares = std::move(shares);
    o.threshold = t;
    o.timeout = absl::Seconds(10);
    auto c = sdk::Client::Connect(o);
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? *std::move(c) : nullptr;
  }

  absl::StatusOr<std::string> PseudonymOf(sdk::Client& c, const std::string& bsn) {
    auto s = c.Subjects({{v1::PERSON_BSN, bsn}});
    if (!s.ok()) return s.status();
    return (*s)[0].pseudonym();
  }

  void SetUp() override {
    BrokerTest::SetUp();
    ASSERT_TRUE(crypto::InitCrypto().ok());
    single_ = As("gemeente-eindhoven");
    auto info = single_->GetKeyInfo();
    ASSERT_TRUE(info.ok()) << info.status();
    EXPECT_EQ(info->mode(), 1u) << "VOPRF";
    group_key_ = info->public_key();
    want_ = *PseudonymOf(*single_, FakeBsn(1));
  }

  std::unique_ptr<sdk::Client> single_;
  std::string group_key_, want_;
};

TEST_F(PseudonymsTest, APseudonymiserUnderAnotherKeyIsRefused) {
  auto o = Connection(TestPki(), broker_->address(), "gemeente-eindhoven", "partner-system");
  o.pseudonymiser_key = crypto::RandomBytes(32);  // not the key the convenant published
  auto c = sdk::Client::Connect(o);
  ASSERT_TRUE(c.ok());
  auto p = PseudonymOf(**c, FakeBsn(1));
  EXPECT_EQ(p.status().code(), absl::StatusCode::kFailedPrecondition) << p.status();
  EXPECT_THAT(p.status().message(), HasSubstr("is not the pinned key"));
  // Pinned to the right key, the same pseudonym as before.
  o.pseudonymiser_key = group_key_;
  auto right = sdk::Client::Connect(o);
  EXPECT_EQ(*PseudonymOf(**right, FakeBsn(1)), want_);
}

TEST_F(PseudonymsTest, TwoOfThreeGiveTheSingleKeyPseudonymWithOneDown) {
  const std::string shares = Split(2, 3);
  std::vector<std::unique_ptr<BrokerProcess>> instances;
  std::vector<sdk::PseudonymiserShare> config;
  for (uint32_t i = 1; i <= 3; ++i) {
    instances.push_back(Instance(absl::StrCat(shares, "/share-", i), absl::StrCat("share-", i)));
    ASSERT_NE(instances.back(), nullptr);
    config.push_back({instances.back()->address(), i, PublicShare(shares, i)});
  }
  auto client = Threshold(2, config);
  ASSERT_NE(client, nullptr);
  EXPECT_EQ(*PseudonymOf(*client, FakeBsn(1)), want_);
  // Each instance says which share it holds.
  auto o = Connection(TestPki(), instances[1]->address(), "gemeente-eindhoven", "partner-system");
  auto info = (*sdk::Client::Connect(o))->GetKeyInfo();
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->share_index(), 2u);
  EXPECT_EQ(info->threshold(), 2u);
  EXPECT_EQ(info->group_public_key(), group_key_);

  // One instance down: still the same pseudonyms.
  instances[0]->Kill();
  EXPECT_EQ(*PseudonymOf(*Threshold(2, config), FakeBsn(1)), want_);
  // Two down: below the threshold, naming what was tried.
  instances[1]->Kill();
  auto below = PseudonymOf(*Threshold(2, config), FakeBsn(1));
  EXPECT_EQ(below.status().code(), absl::StatusCode::kUnavailable) << below.status();
  EXPECT_THAT(below.status().message(), HasSubstr("only 1 of the 2"));
  EXPECT_THAT(below.status().message(), HasSubstr(absl::StrCat(config[0].address, " (share 1)")));
  EXPECT_THAT(below.status().message(), HasSubstr(absl::StrCat(config[1].address, " (share 2)")));
}

TEST_F(PseudonymsTest, ThreeOfFiveWithOneDownAndAWrongShareNamed) {
  const std::string shares = Split(3, 5);
  std::vector<std::unique_ptr<BrokerProcess>> instances;
  std::vector<sdk::PseudonymiserShare> config;
  for (uint32_t i = 1; i <= 5; ++i) {
    instances.push_back(Instance(absl::StrCat(shares, "/share-", i), absl::StrCat("share-", i)));
    ASSERT_NE(instances.back(), nullptr);
    config.push_back({instances.back()->address(), i, PublicShare(shares, i)});
  }
  instances[2]->Kill();
  EXPECT_EQ(*PseudonymOf(*Threshold(3, config), FakeBsn(1)), want_);

  // An instance that evaluates with another key than its share's: its
  // proof does not verify against its public share; it is named, and the
  // others still give the right pseudonym.
  auto rogue = Instance(*dir_ / "rogue-keys", "rogue");  // a fresh key of its own
  ASSERT_NE(rogue, nullptr);
  std::vector<sdk::PseudonymiserShare> with_rogue = config;
  with_rogue[0].address = rogue->address();
  EXPECT_EQ(*PseudonymOf(*Threshold(3, with_rogue), FakeBsn(1)), want_);
  // With only two honest ones left, the rogue is named in the refusal.
  instances[3]->Kill();
  auto below = PseudonymOf(*Threshold(3, with_rogue), FakeBsn(1));
  EXPECT_EQ(below.status().code(), absl::StatusCode::kUnavailable) << below.status();
  EXPECT_THAT(below.status().message(), HasSubstr(absl::StrCat(rogue->address(), " (share 1): its proof does not verify")));
}

}  // namespace
}  // namespace riec::testing
