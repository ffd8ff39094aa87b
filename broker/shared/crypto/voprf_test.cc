// VOPRF proofs against RFC 9497's vectors, and threshold evaluation against
// the single key.
#include "riec/crypto/voprf.h"

#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "riec/common/file.h"
#include "riec/common/hex.h"
#include "riec/crypto/sodium.h"

namespace riec::crypto {
namespace {

std::string Unhex(const std::string& h) { return FromHex(h).value_or(""); }
std::vector<std::string> UnhexAll(const google::protobuf::Value& v) {
  std::vector<std::string> out;
  for (const auto& x : v.list_value().values()) out.push_back(Unhex(x.string_value()));
  return out;
}

class VoprfTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(InitCrypto().ok()); }
};

TEST_F(VoprfTest, MatchesRfc9497VoprfVectors) {
  auto text = ReadFile(std::string(RIEC_TESTDATA) + "/voprf-rfc9497-ristretto255-sha512.json");
  ASSERT_TRUE(text.ok()) << text.status();
  google::protobuf::Struct doc;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(*text, &doc).ok());
  const auto& f = doc.fields();
  auto key = OprfKey::Derive(Unhex(f.at("seed").string_value()), Unhex(f.at("key_info").string_value()),
                             OprfMode::kVoprf);
  ASSERT_TRUE(key.ok()) << key.status();
  const SecretBytes secret = key->ExportSecret();
  EXPECT_EQ(ToHex(secret), f.at("skSm").string_value());
  EXPECT_EQ(ToHex(key->public_key()), f.at("pkSm").string_value());

  int checked = 0;
  for (const auto& vv : f.at("vectors").list_value().values()) {
    const auto& v = vv.struct_value().fields();
    const auto inputs = UnhexAll(v.at("inputs")), blinds = UnhexAll(v.at("blinds"));
    std::vector<std::string> blinded;
    std::vector<Scalar> kept;
    for (size_t i = 0; i < inputs.size(); ++i) {
      auto b = BlindWith(inputs[i], *Scalar::FromBytes(blinds[i]), OprfMode::kVoprf);
      ASSERT_TRUE(b.ok()) << b.status();
      blinded.push_back(b->blinded_element);
      kept.push_back(std::move(b->blind));
    }
    EXPECT_EQ(blinded, UnhexAll(v.at("blinded_elements")));
    auto r = Scalar::FromBytes(Unhex(v.at("proof_random_scalar").string_value()));
    ASSERT_TRUE(r.ok());
    auto evaluation = EvaluateWithProof(*key, blinded, &*r);
    ASSERT_TRUE(evaluation.ok()) << evaluation.status();
    EXPECT_EQ(evaluation->evaluated, UnhexAll(v.at("evaluation_elements")));
    EXPECT_EQ(ToHex(evaluation->proof), v.at("proof").string_value());
    EXPECT_TRUE(VerifyProof(key->public_key(), blinded, evaluation->evaluated, evaluation->proof));
    const auto outputs = UnhexAll(v.at("outputs"));
    for (size_t i = 0; i < inputs.size(); ++i) {
      auto out = Finalize(inputs[i], kept[i], evaluation->evaluated[i]);
      ASSERT_TRUE(out.ok());
      EXPECT_EQ(*out, outputs[i]);
    }
    ++checked;
  }
  EXPECT_EQ(checked, 3);
}

TEST_F(VoprfTest, AProofForAnotherKeyOrAnotherElementFails) {
  const OprfKey key = OprfKey::Generate(), other = OprfKey::Generate();
  std::vector<std::string> blinded;
  for (const char* in : {"a", "b", "c"}) blinded.push_back(Blind(in)->blinded_element);
  auto e = EvaluateWithProof(key, blinded);
  ASSERT_TRUE(e.ok());
  EXPECT_TRUE(VerifyProof(key.public_key(), blinded, e->evaluated, e->proof));
  EXPECT_FALSE(VerifyProof(other.public_key(), blinded, e->evaluated, e->proof)) << "another key";
  auto swapped = e->evaluated;
  std::swap(swapped[0], swapped[1]);
  EXPECT_FALSE(VerifyProof(key.public_key(), blinded, swapped, e->proof)) << "elements swapped";
  auto forged = e->evaluated;
  forged[2] = *other.Evaluate(blinded[2]);  // one element under another key
  EXPECT_FALSE(VerifyProof(key.public_key(), blinded, forged, e->proof));
  std::string bad = e->proof;
  bad[5] ^= 1;
  EXPECT_FALSE(VerifyProof(key.public_key(), blinded, e->evaluated, bad));
  EXPECT_FALSE(VerifyProof(key.public_key(), blinded, e->evaluated, e->proof.substr(0, 63)));
}

TEST_F(VoprfTest, AnyThresholdOfSharesGivesTheSingleKeyPseudonym) {
  const OprfKey key = OprfKey::Generate();
  for (auto [t, n] : {std::pair{2u, 3u}, std::pair{3u, 5u}}) {
    auto shares = SplitKey(key, t, n);
    ASSERT_TRUE(shares.ok()) << shares.status();
    ASSERT_EQ(shares->size(), n);
    auto blinded = Blind("threshold input");
    ASSERT_TRUE(blinded.ok());
    const std::string want = *key.Evaluate(blinded->blinded_element);
    // Every subset of t shares (here: the first t, the last t, and every
    // other one).
    std::vector<std::vector<uint32_t>> subsets = {{}, {}};
    for (uint32_t i = 0; i < t; ++i) {
      subsets[0].push_back(i);
      subsets[1].push_back(n - 1 - i);
    }
    for (const auto& subset : subsets) {
      std::vector<uint32_t> indices;
      std::vector<std::string> evaluated, public_shares;
      for (uint32_t at : subset) {
        const KeyShare& s = (*shares)[at];
        auto e = EvaluateWithProof(s.key, {blinded->blinded_element});
        ASSERT_TRUE(e.ok());
        EXPECT_TRUE(VerifyProof(s.key.public_key(), {blinded->blinded_element}, e->evaluated, e->proof));
        indices.push_back(s.index);
        evaluated.push_back(e->evaluated[0]);
        public_shares.push_back(s.key.public_key());
      }
      EXPECT_EQ(*CombineShares(indices, evaluated), want) << t << " of " << n;
      EXPECT_EQ(*CombineShares(indices, public_shares), key.public_key());
    }
    // Fewer than t shares give something else.
    std::vector<uint32_t> few;
    std::vector<std::string> few_evaluated;
    for (uint32_t i = 0; i + 1 < t; ++i) {
      few.push_back((*shares)[i].index);
      few_evaluated.push_back(*(*shares)[i].key.Evaluate(blinded->blinded_element));
    }
    auto short_combined = CombineShares(few, few_evaluated);
    if (short_combined.ok()) EXPECT_NE(*short_combined, want);
  }
  EXPECT_FALSE(SplitKey(key, 1, 3).ok());
  EXPECT_FALSE(SplitKey(key, 4, 3).ok());
  EXPECT_FALSE(LagrangeAtZero(2, {1, 2, 2}).ok());
}

}  // namespace
}  // namespace riec::crypto
