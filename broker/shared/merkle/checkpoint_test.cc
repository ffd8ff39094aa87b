// Checkpoints and cosignatures against the C2SP specifications' examples,
// and round trips.
#include "riec/merkle/checkpoint.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "riec/crypto/signing.h"
#include "riec/crypto/sodium.h"

namespace riec::merkle {
namespace {

TEST(CheckpointTest, TheSignedNoteSpecificationsExampleVerifies) {
  // c2sp.org/signed-note, "Verifier keys", Example.
  auto v = ParseVkey("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->type, kNoteEd25519);
  auto note = ParseNote(
      "This is an example message.\n\n"
      "\xE2\x80\x94 example.com/foo "
      "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n");
  ASSERT_TRUE(note.ok()) << note.status();
  auto verified = VerifyNote(*note, *v);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_TRUE(verified->has_value());
  // One changed byte of the text, and it fails.
  Note changed = *note;
  changed.body[0] = 't';
  EXPECT_FALSE(VerifyNote(changed, *v).ok());
}

TEST(CheckpointTest, TheCheckpointSpecificationsExampleParses) {
  // c2sp.org/tlog-checkpoint, the example's note text.
  auto c = ParseCheckpointBody("example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->origin, "example.com/behind-the-sofa");
  EXPECT_EQ(c->size, 20852163u);
  EXPECT_EQ(CheckpointBody(*c), "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n");
  EXPECT_FALSE(ParseCheckpointBody("o\n012\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n").ok()) << "leading zero";
  EXPECT_FALSE(ParseCheckpointBody("o\n12\nCsUY\n").ok()) << "short root";
}

TEST(CheckpointTest, LogSignatureAndWitnessCosignaturesRoundTrip) {
  ASSERT_TRUE(crypto::InitCrypto().ok());
  const crypto::SigningKey log = crypto::SigningKey::Generate(), witness = crypto::SigningKey::Generate();
  const Checkpoint c{"riec-log/riec-test/0011223344556677", 42, std::string(32, '\x07')};
  Note note{CheckpointBody(c), {}};
  auto sign = [](const crypto::SigningKey& k) { return [&k](absl::string_view m) { return k.Sign(m); }; };
  note.signatures.push_back(SignCheckpoint(note.body, c.origin, log.public_key(), sign(log)));
  note.signatures.push_back(Cosign(note.body, 1796000000, "witness.gemeente-a/w1", witness.public_key(), sign(witness)));

  auto parsed = ParseNote(FormatNote(note));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  auto log_v = ParseVkey(Vkey(c.origin, kNoteEd25519, log.public_key()));
  auto witness_v = ParseVkey(Vkey("witness.gemeente-a/w1", kCosignatureEd25519, witness.public_key()));
  ASSERT_TRUE(log_v.ok() && witness_v.ok()) << log_v.status() << " " << witness_v.status() << " " << Vkey(c.origin, kNoteEd25519, log.public_key());
  auto by_log = VerifyNote(*parsed, *log_v);
  auto by_witness = VerifyNote(*parsed, *witness_v);
  ASSERT_TRUE(by_log.ok() && by_log->has_value());
  ASSERT_TRUE(by_witness.ok() && by_witness->has_value());
  EXPECT_EQ((*by_witness)->timestamp, 1796000000u);
  // A witness key the note was not cosigned by: nothing, not an error.
  auto stranger = ParseVkey(Vkey("witness.other/w9", kCosignatureEd25519, crypto::SigningKey::Generate().public_key()));
  EXPECT_FALSE(VerifyNote(*parsed, *stranger)->has_value());
  // The cosignature of another tree does not carry over.
  Note other = *parsed;
  other.body = CheckpointBody(Checkpoint{c.origin, 43, c.root});
  EXPECT_FALSE(VerifyNote(other, *witness_v).ok());
  EXPECT_FALSE(VerifyNote(other, *log_v).ok());
}

}  // namespace
}  // namespace riec::merkle
