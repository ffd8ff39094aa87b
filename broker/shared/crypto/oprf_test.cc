#include "riec/crypto/oprf.h"

#include <string>
#include <vector>

#include "riec/common/file.h"
#include "riec/common/hex.h"
#include "riec/crypto/sodium.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace riec::crypto {
namespace {

std::string Unhex(const std::string& h) {
  auto b = FromHex(h);
  EXPECT_TRUE(b.ok()) << h;
  return b.value_or("");
}

struct VectorFile {
  std::string seed, info, sk;
  struct Vector {
    std::string input, blind, blinded, evaluated, output;
  };
  std::vector<Vector> vectors;
};

VectorFile LoadVectors(const std::string& path) {
  auto text = ReadFile(path);
  EXPECT_TRUE(text.ok()) << text.status();
  google::protobuf::Struct doc;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(*text, &doc).ok());
  auto str = [](const google::protobuf::Struct& s, const char* key) {
    return s.fields().at(key).string_value();
  };
  VectorFile f{Unhex(str(doc, "seed")), Unhex(str(doc, "key_info")),
               Unhex(str(doc, "skSm")), {}};
  for (const auto& v : doc.fields().at("vectors").list_value().values()) {
    const auto& s = v.struct_value();
    f.vectors.push_back({Unhex(str(s, "input")), Unhex(str(s, "blind")),
                         Unhex(str(s, "blinded_element")),
                         Unhex(str(s, "evaluation_element")),
                         Unhex(str(s, "output"))});
  }
  return f;
}

class OprfVectorTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { ASSERT_TRUE(InitCrypto().ok()); }
};

TEST_P(OprfVectorTest, MatchesRfc9497) {
  VectorFile f = LoadVectors(GetParam());
  ASSERT_FALSE(f.vectors.empty());

  auto key = OprfKey::Derive(f.seed, f.info, OprfMode::kOprf);
  ASSERT_TRUE(key.ok()) << key.status();
  const SecretBytes secret = key->ExportSecret();
  EXPECT_EQ(ToHex(secret), ToHex(f.sk)) << "DeriveKeyPair";

  for (const auto& v : f.vectors) {
    auto blind = Scalar::FromBytes(v.blind);
    ASSERT_TRUE(blind.ok());
    auto blinded = BlindWith(v.input, *std::move(blind), OprfMode::kOprf);
    ASSERT_TRUE(blinded.ok()) << blinded.status();
    EXPECT_EQ(ToHex(blinded->blinded_element), ToHex(v.blinded)) << "Blind";

    auto evaluated = key->Evaluate(blinded->blinded_element);
    ASSERT_TRUE(evaluated.ok()) << evaluated.status();
    EXPECT_EQ(ToHex(*evaluated), ToHex(v.evaluated)) << "BlindEvaluate";

    auto output = Finalize(v.input, blinded->blind, *evaluated);
    ASSERT_TRUE(output.ok()) << output.status();
    EXPECT_EQ(ToHex(*output), ToHex(v.output)) << "Finalize";

    auto direct = key->Prf(v.input, OprfMode::kOprf);
    ASSERT_TRUE(direct.ok());
    EXPECT_EQ(ToHex(*direct), ToHex(v.output)) << "unblinded PRF";
  }
}

INSTANTIATE_TEST_SUITE_P(
    Rfc9497, OprfVectorTest,
    ::testing::Values(
        std::string(RIEC_SHARED_TESTDATA) + "/oprf-ristretto255-sha512.json",
        std::string(RIEC_TESTDATA) + "/oprf-rfc9497-vector2.json"));

TEST(OprfTest, RandomBlindsGiveTheSameOutput) {
  ASSERT_TRUE(InitCrypto().ok());
  OprfKey key = OprfKey::Generate();
  const std::string input("person-bsn\0" "999912340", 20);
  std::string first;
  for (int i = 0; i < 3; ++i) {
    auto b = Blind(input);
    ASSERT_TRUE(b.ok());
    auto e = key.Evaluate(b->blinded_element);
    ASSERT_TRUE(e.ok());
    auto out = Finalize(input, b->blind, *e);
    ASSERT_TRUE(out.ok());
    ASSERT_EQ(out->size(), kOprfOutputSize);
    if (i == 0) first = *out;
    EXPECT_EQ(*out, first);
  }
}

TEST(OprfTest, DifferentKeysGiveDifferentOutputs) {
  ASSERT_TRUE(InitCrypto().ok());
  OprfKey a = OprfKey::Generate();
  OprfKey b = OprfKey::Generate();
  EXPECT_NE(*a.Prf("x"), *b.Prf("x"));
  EXPECT_NE(a.KeyId(), b.KeyId());
  EXPECT_EQ(a.KeyId().size(), 16u);
}

TEST(OprfTest, KeyRoundTripsThroughItsSecret) {
  ASSERT_TRUE(InitCrypto().ok());
  OprfKey a = OprfKey::Generate();
  const SecretBytes secret = a.ExportSecret();
  auto b = OprfKey::FromSecret(secret);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a.public_key(), b->public_key());
}

TEST(OprfTest, EvaluateRejectsBadElements) {
  ASSERT_TRUE(InitCrypto().ok());
  OprfKey key = OprfKey::Generate();
  EXPECT_EQ(key.Evaluate(std::string(31, 'a')).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(key.Evaluate(std::string(32, '\0')).status().code(),
            absl::StatusCode::kInvalidArgument);  // identity
  EXPECT_EQ(key.Evaluate(std::string(32, '\xff')).status().code(),
            absl::StatusCode::kInvalidArgument);  // not canonical
}

TEST(OprfTest, ScalarRejectsUnreducedAndZero) {
  EXPECT_FALSE(Scalar::FromBytes(std::string(32, '\xff')).ok());
  EXPECT_FALSE(Scalar::FromBytes(std::string(32, '\0')).ok());
  EXPECT_FALSE(Scalar::FromBytes(std::string(31, '\x01')).ok());
}

TEST(OprfTest, ExpandMessageXmdMatchesRfc9380) {
  // RFC 9380 Appendix K.3, expand_message_xmd(SHA-512), msg = "",
  // len_in_bytes = 0x20.
  const std::string dst = "QUUX-V01-CS02-with-expander-SHA512-256";
  EXPECT_EQ(ToHex(ExpandMessageXmdSha512("", dst, 0x20)),
            "6b9a7312411d92f921c6f68ca0b6380730a1a4d982c507211a90964c394179ba");
}

}  // namespace
}  // namespace riec::crypto
