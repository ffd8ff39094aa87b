// The SDK's log verifier on tampered vectors: a head advances only with the
// pinned key's signature and a verified consistency proof, and — with
// witnesses required — only with a quorum of valid cosignatures.
#include "riec/sdk/log_verify.h"

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "riec/crypto/signing.h"
#include "riec/crypto/sodium.h"
#include "riec/merkle/checkpoint.h"
#include "riec/merkle/merkle.h"
#include "riec/merkle/tree_head.h"

namespace riec::sdk {
namespace {

using ::testing::HasSubstr;

class LogVerifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(crypto::InitCrypto().ok());
    for (int i = 0; i < 20; ++i) leaves_.push_back(merkle::LeafHash(absl::StrCat("record ", i)));
  }

  std::string Root(uint64_t size, const std::vector<std::string>& leaves) const {
    return merkle::RootOf(std::vector<std::string>(leaves.begin(), leaves.begin() + size));
  }

  // A head of the first `size` leaves, signed by `key`, with its checkpoint
  // signed as a note.
  v1::SignedTreeHead Head(uint64_t size, const crypto::SigningKey& key, const std::vector<std::string>& leaves) {
    v1::SignedTreeHead h;
    h.set_log_id(merkle::LogId(key.public_key()));
    h.set_tree_size(size);
    h.set_timestamp_millis(1'780'000'000'000 + size);
    h.set_root_hash(Root(size, leaves));
    h.set_signature(key.Sign(merkle::TreeHeadSignedBytes(h.log_id(), size, h.timestamp_millis(), h.root_hash())));
    const std::string origin = CheckpointOrigin(key.public_key());
    merkle::Note note{merkle::CheckpointBody({origin, size, h.root_hash()}), {}};
    note.signatures.push_back(merkle::SignCheckpoint(note.body, origin, key.public_key(),
                                                     [&](absl::string_view m) { return key.Sign(m); }));
    h.set_checkpoint(merkle::FormatNote(note));
    return h;
  }

  std::vector<std::string> Consistency(uint64_t first, uint64_t size, const std::vector<std::string>& leaves) const {
    std::vector<std::string> proof;
    for (const auto& r : merkle::ConsistencyRanges(first, size)) {
      proof.push_back(merkle::RootOf(std::vector<std::string>(leaves.begin() + r.begin, leaves.begin() + r.end)));
    }
    return proof;
  }

  struct Witness {
    std::string name;
    crypto::SigningKey key = crypto::SigningKey::Generate();
    std::string vkey() const { return merkle::Vkey(name, merkle::kCosignatureEd25519, key.public_key()); }
  };
  void Cosign(v1::SignedTreeHead* h, const Witness& w) {
    auto note = merkle::ParseNote(h->checkpoint());
    ASSERT_TRUE(note.ok());
    note->signatures.push_back(merkle::Cosign(note->body, 1'780'000'000, w.name, w.key.public_key(),
                                              [&](absl::string_view m) { return w.key.Sign(m); }));
    h->set_checkpoint(merkle::FormatNote(*note));
  }

  crypto::SigningKey log_ = crypto::SigningKey::Generate();
  std::vector<std::string> leaves_;
};

TEST_F(LogVerifierTest, AdvancesOnlyThroughVerifiedConsistency) {
  LogVerifier v(log_.public_key(), std::nullopt);
  ASSERT_TRUE(v.Advance(Head(5, log_, leaves_), {}).ok());
  EXPECT_TRUE(v.Advance(Head(12, log_, leaves_), Consistency(5, 12, leaves_)).ok());
  EXPECT_EQ(v.trusted()->tree_size(), 12u);

  // Another key.
  crypto::SigningKey other = crypto::SigningKey::Generate();
  absl::Status s = v.Advance(Head(14, other, leaves_), Consistency(12, 14, leaves_));
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(s.message(), HasSubstr("is not signed by the log key"));
  // Rollback.
  s = v.Advance(Head(7, log_, leaves_), {});
  EXPECT_THAT(s.message(), HasSubstr("ROLLBACK"));
  // Same size, another history.
  std::vector<std::string> forked = leaves_;
  forked[3] = merkle::LeafHash("rewritten");
  s = v.Advance(Head(12, log_, forked), {});
  EXPECT_THAT(s.message(), HasSubstr("REWRITTEN HISTORY"));
  // A larger tree whose proof does not connect to what was trusted.
  s = v.Advance(Head(16, log_, forked), Consistency(12, 16, forked));
  EXPECT_THAT(s.message(), HasSubstr("REWRITTEN HISTORY"));
  // A tampered proof.
  auto proof = Consistency(12, 16, leaves_);
  proof[0][0] ^= 1;
  s = v.Advance(Head(16, log_, leaves_), proof);
  EXPECT_THAT(s.message(), HasSubstr("REWRITTEN HISTORY"));
  EXPECT_EQ(v.trusted()->tree_size(), 12u) << "nothing refused was trusted";
}

TEST_F(LogVerifierTest, WithWitnessesOnlyAQuorumOfCosignaturesIsAccepted) {
  Witness a{"witness.a.test/w1"}, b{"witness.b.test/w1"}, c{"witness.c.test/w1"};
  LogVerifier v(log_.public_key(), std::nullopt);
  EXPECT_EQ(v.RequireWitnesses({a.vkey(), b.vkey()}, 3).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(v.RequireWitnesses({"nonsense"}, 1).code(), absl::StatusCode::kInvalidArgument);
  // One key under two names would count twice.
  Witness alias{"witness.alias.test/w1"};
  alias.key = crypto::SigningKey::FromSeed(a.key.ExportSeed()).value();
  EXPECT_EQ(v.RequireWitnesses({a.vkey(), alias.vkey()}, 2).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(v.RequireWitnesses({a.vkey(), a.vkey()}, 2).code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(v.RequireWitnesses({a.vkey(), b.vkey(), c.vkey()}, 2).ok());

  v1::SignedTreeHead h = Head(6, log_, leaves_);
  Cosign(&h, a);
  absl::Status s = v.Advance(h, {});
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(s.message(), HasSubstr("UNWITNESSED"));
  EXPECT_THAT(s.message(), HasSubstr("missing: witness.b.test/w1, witness.c.test/w1"));
  EXPECT_FALSE(v.trusted().has_value());

  Cosign(&h, c);
  ASSERT_TRUE(v.Advance(h, {}).ok());
  EXPECT_THAT(v.cosigned_by(), ::testing::ElementsAre("witness.a.test/w1", "witness.c.test/w1"));

  // A cosignature by a key that is not the witness's.
  v1::SignedTreeHead next = Head(9, log_, leaves_);
  Cosign(&next, a);
  Witness impostor{"witness.b.test/w1"};
  Cosign(&next, impostor);
  s = v.Advance(next, Consistency(6, 9, leaves_));
  EXPECT_THAT(s.message(), HasSubstr("UNWITNESSED")) << "an unknown key id is no cosignature";
  // A cosignature line of the right key over other bytes.
  v1::SignedTreeHead other = Head(9, log_, leaves_);
  Cosign(&other, a);
  Cosign(&other, b);
  std::string text = other.checkpoint();
  const std::string prefix = "— witness.b.test/w1 ";
  const size_t line = text.rfind(prefix);
  ASSERT_NE(line, std::string::npos);
  char& in_signature = text[line + prefix.size() + 40];
  in_signature = in_signature == 'A' ? 'B' : 'A';
  other.set_checkpoint(text);
  s = v.Advance(other, Consistency(6, 9, leaves_));
  EXPECT_THAT(s.message(), HasSubstr("FORGED COSIGNATURE: the cosignature of witness witness.b.test/w1"));
  // A checkpoint that says another root than the head.
  v1::SignedTreeHead lying = Head(9, log_, leaves_);
  lying.set_checkpoint(Head(10, log_, leaves_).checkpoint());
  Cosign(&lying, a);
  Cosign(&lying, b);
  s = v.Advance(lying, Consistency(6, 9, leaves_));
  EXPECT_THAT(s.message(), HasSubstr("FORGED CHECKPOINT"));
  EXPECT_EQ(v.trusted()->tree_size(), 6u);

  Cosign(&next, b);
  EXPECT_TRUE(v.Advance(next, Consistency(6, 9, leaves_)).ok());
}

TEST_F(LogVerifierTest, ACheckpointOfAnotherLogOrUnsignedIsForged) {
  crypto::SigningKey other = crypto::SigningKey::Generate();
  auto c = VerifyCheckpoint(Head(4, other, leaves_).checkpoint(), log_.public_key(), {});
  EXPECT_EQ(c.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(c.status().message(), HasSubstr("FORGED CHECKPOINT: the checkpoint is of"));
  // The right origin, another key's signature.
  merkle::Note note{merkle::CheckpointBody({CheckpointOrigin(log_.public_key()), 4, Root(4, leaves_)}), {}};
  note.signatures.push_back(merkle::SignCheckpoint(note.body, CheckpointOrigin(log_.public_key()), log_.public_key(),
                                                   [&](absl::string_view m) { return other.Sign(m); }));
  auto unsigned_by_log = VerifyCheckpoint(merkle::FormatNote(note), log_.public_key(), {});
  EXPECT_EQ(unsigned_by_log.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(unsigned_by_log.status().message(), HasSubstr("is not signed by the log key"));
  auto ok = VerifyCheckpoint(Head(4, log_, leaves_).checkpoint(), log_.public_key(), {});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->checkpoint.size, 4u);
  EXPECT_EQ(ok->checkpoint.root, Root(4, leaves_));
}

}  // namespace
}  // namespace riec::sdk
