// Witnesses run by the partners, through real processes (issue 12, item 4):
// the broker submits every new checkpoint to the riec-witness processes its
// policy names and serves the cosigned head; `riec audit verify` accepts a
// head only with a quorum of cosignatures and names the witnesses missing;
// a split view (the log key signing two trees of one size) is refused by
// the witness that saw the other tree, kept as evidence, and named by a
// privacy officer's verify; a witness keeps its state across a restart; a
// witness down below quorum makes verify fail closed while the broker keeps
// serving and retries.
#include <filesystem>
#include <fstream>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "httplib.h"
#include "integration/integration.h"
#include "riec/common/file.h"
#include "riec/common/hex.h"
#include "riec/crypto/signing.h"
#include "riec/crypto/sodium.h"
#include "riec/merkle/checkpoint.h"
#include "riec/sdk/log_verify.h"

namespace riec::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct RunningWitness {
  std::string name, vkey, config, work_dir;
  std::unique_ptr<WitnessProcess> process;
};

class WitnessTest : public BrokerTest {
 protected:
  void SetUp() override {
    dir_ = std::make_unique<TempDir>("witness");
    ASSERT_TRUE(crypto::InitCrypto().ok());
    // Heads are signed and submitted every second (the default is two).
    extra_flags_ = {"--tree-head-interval", "1s"};
    policy_ = *dir_ / "policy.yaml";
    original_ = *ReadFile(ExamplePolicy());
    std::ofstream(policy_) << original_;
    StartBroker(policy_);
    officer_ = As("riec", "privacy-officer");
    auto info = officer_->GetLogInfo();
    ASSERT_TRUE(info.ok()) << info.status();
    log_ = *info;
    EXPECT_EQ(log_.witnesses_size(), 0);
    for (const std::string name : {"witness.gemeente-eindhoven.test/w1", "witness.politie.test/w1"}) {
      witnesses_.push_back(StartWitness(name, witnesses_.size() + 1));
    }
    // The convenant names both, quorum 2; the operator reloads it.
    std::ofstream(policy_) << original_ << "witnesses:\n  quorum: 2\n  list:\n"
                           << "    - {url: \"http://" << witnesses_[0].process->address() << "\", vkey: \""
                           << witnesses_[0].vkey << "\"}\n"
                           << "    - {url: \"http://" << witnesses_[1].process->address() << "/\", vkey: \""
                           << witnesses_[1].vkey << "\"}\n";
    auto reload = As("riec", "operator")->ReloadPolicy();
    ASSERT_TRUE(reload.ok()) << reload.status();
  }

  RunningWitness StartWitness(const std::string& name, size_t n) {
    RunningWitness w;
    w.name = name;
    w.work_dir = *dir_ / absl::StrCat("w", n);
    std::filesystem::create_directories(w.work_dir);
    CommandResult key = RunCommand({WitnessBinary(), "keygen", "--name", name, "--key", w.work_dir + "/witness.key"});
    EXPECT_EQ(key.exit_code, 0) << key.err;
    w.vkey = std::string(absl::StripAsciiWhitespace(key.out));
    w.config = w.work_dir + "/witness.yaml";
    WriteConfig(w, "127.0.0.1:0");
    auto p = WitnessProcess::Start(w.config, w.work_dir);
    EXPECT_TRUE(p.ok()) << p.status();
    if (p.ok()) w.process = *std::move(p);
    // Restarts listen where the policy says it is.
    if (w.process) WriteConfig(w, w.process->address());
    return w;
  }

  void WriteConfig(const RunningWitness& w, const std::string& listen) {
    std::ofstream(w.config) << "name: " << w.name << "\nkey: " << w.work_dir << "/witness.key\nstate: "
                            << w.work_dir << "/state\nlisten: \"" << listen << "\"\nready_file: " << w.work_dir
                            << "/ready\nlogs:\n  - vkey: \"" << log_.vkey() << "\"\n";
  }

  // Polls (every 50 ms, for at most 60 s: the broker's maintenance thread
  // runs every second) until `done` holds.
  template <typename F>
  bool Eventually(F done) {
    for (int i = 0; i < 1200; ++i) {
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  // The newest cosigned head, once its size is at least `min_size`.
  v1::SignedTreeHead CosignedAtLeast(uint64_t min_size) {
    v1::SignedTreeHead head;
    EXPECT_TRUE(Eventually([&] {
      auto h = officer_->GetCosignedTreeHead();
      if (!h.ok() || h->tree_size() < min_size) return false;
      head = *h;
      return true;
    })) << "no head of size >= " << min_size << " reached the quorum:\n"
        << broker_->Output();
    return head;
  }

  // Writes log records: each read of the log is itself logged.
  void Disclose(int n) {
    for (int i = 0; i < n; ++i) ASSERT_TRUE(officer_->GetRecords(0, 1).ok());
  }

  std::vector<std::string> Verify(const std::string& state, std::vector<std::string> extra, CommandResult* r) {
    std::vector<std::string> args = {"audit", "verify", "--state", state, "--log-key", ToHex(log_.public_key())};
    args.insert(args.end(), extra.begin(), extra.end());
    *r = Cli("riec", "privacy-officer", args);
    return args;
  }

  std::vector<std::string> Pinned() {
    return {"--witness", witnesses_[0].vkey, "--witness", witnesses_[1].vkey, "--quorum", "2"};
  }

  // What a holder of the log key can sign: a checkpoint of this log.
  std::string SignCheckpoint(uint64_t size, const std::string& root) {
    auto seed = ReadFile(*dir_ / "keys/log-signing.key");
    EXPECT_TRUE(seed.ok()) << seed.status();
    auto key = crypto::SigningKey::FromSeed(*seed);
    EXPECT_TRUE(key.ok());
    const std::string origin = log_.checkpoint_origin();
    merkle::Note note{merkle::CheckpointBody({origin, size, root}), {}};
    note.signatures.push_back(merkle::SignCheckpoint(note.body, origin, key->public_key(),
                                                     [&](absl::string_view m) { return key->Sign(m); }));
    return merkle::FormatNote(note);
  }

  httplib::Result AddCheckpoint(const RunningWitness& w, uint64_t old, const std::string& note) {
    httplib::Client client("http://" + w.process->address());
    return client.Post("/add-checkpoint", absl::StrCat("old ", old, "\n\n", note), "text/plain");
  }

  std::string original_;
  std::unique_ptr<sdk::Client> officer_;
  v1::LogInfo log_;
  std::vector<RunningWitness> witnesses_;
};

TEST_F(WitnessTest, OnlyAHeadWithTheQuorumIsAccepted) {
  auto info = officer_->GetLogInfo();
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->witnesses_size(), 2);
  EXPECT_EQ(info->witness_quorum(), 2u);
  Disclose(3);
  const v1::SignedTreeHead head = CosignedAtLeast(3);
  // The head is a C2SP checkpoint with the log's signature and both
  // cosignatures, as any tlog tool reads it.
  auto note = merkle::ParseNote(head.checkpoint());
  ASSERT_TRUE(note.ok()) << note.status();
  EXPECT_EQ(note->body, merkle::CheckpointBody({log_.checkpoint_origin(), head.tree_size(), head.root_hash()}));
  for (const auto& w : witnesses_) {
    auto v = merkle::ParseVkey(w.vkey);
    ASSERT_TRUE(v.ok());
    auto r = merkle::VerifyNote(*note, *v);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_TRUE(r->has_value()) << w.name << " did not cosign";
  }

  // Pinned witnesses: accepted, and said so.
  CommandResult r;
  Verify(*dir_ / "officer.json", Pinned(), &r);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("witnessed: cosigned by " + witnesses_[0].name + ", " + witnesses_[1].name +
                               " (2 of 2 required)"));
  // Without --witness the policy's witnesses are used, and the officer is
  // told to pin them.
  Verify(*dir_ / "officer.json", {}, &r);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("pin with --witness"));

  // A witness the officer trusts but the broker never asked: no quorum,
  // verify fails closed and names it.
  CommandResult other_key = RunCommand({WitnessBinary(), "keygen", "--name", "witness.uwv.test/w1", "--key",
                                        *dir_ / "uwv-witness.key"});
  ASSERT_EQ(other_key.exit_code, 0) << other_key.err;
  Verify(*dir_ / "strict.json",
         {"--witness", witnesses_[0].vkey, "--witness", std::string(absl::StripAsciiWhitespace(other_key.out)),
          "--quorum", "2"},
         &r);
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_THAT(r.err, HasSubstr("UNWITNESSED"));
  EXPECT_THAT(r.err, HasSubstr("missing: witness.uwv.test/w1"));
  EXPECT_FALSE(std::filesystem::exists(*dir_ / "strict.json")) << "nothing trusted";

  // Once a head was trusted with two witnesses, a run that requires fewer
  // (a host that stops reporting them, or an officer's slip) is refused.
  Verify(*dir_ / "officer.json", {"--witness", witnesses_[0].vkey, "--quorum", "1"}, &r);
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_THAT(r.err, HasSubstr("WITNESS DOWNGRADE"));
  EXPECT_THAT(r.err, HasSubstr("dropped: " + witnesses_[1].vkey));

  // One witness cannot count twice.
  Verify(*dir_ / "x.json", {"--witness", witnesses_[0].vkey, "--witness", witnesses_[0].vkey}, &r);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("named twice"));

  // Bad input is named.
  Verify(*dir_ / "x.json", {"--witness", "not-a-key", "--quorum", "1"}, &r);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("witness not-a-key"));
  Verify(*dir_ / "x.json", {"--witness", witnesses_[0].vkey, "--quorum", "2"}, &r);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("--quorum: 2 of 1 witnesses cannot be met"));
}

TEST_F(WitnessTest, SplitViewIsRefusedByTheWitnessAndNamedByTheOfficer) {
  Disclose(2);
  // The host holds the log key and signs another tree of the size the
  // second witness cosigned last, for a second privacy officer, and asks
  // that witness to cosign it. (The broker may move the witness on
  // meanwhile: a 409 names its size, and the fork is made again for it.)
  v1::SignedTreeHead head = CosignedAtLeast(2);
  std::string other_root, fork, body;
  int status = 0;
  for (int attempt = 0; attempt < 20; ++attempt) {
    other_root = head.root_hash();
    other_root[0] ^= 0x01;
    fork = SignCheckpoint(head.tree_size(), other_root);
    auto res = AddCheckpoint(witnesses_[1], head.tree_size(), fork);
    ASSERT_TRUE(res) << httplib::to_string(res.error());
    status = res->status;
    body = res->body;
    if (status != 409) break;
    uint64_t theirs = 0;
    ASSERT_TRUE(absl::SimpleAtoi(absl::StripAsciiWhitespace(body), &theirs)) << body;
    head = CosignedAtLeast(theirs);
  }
  EXPECT_EQ(status, 422) << body;
  CommandResult r;
  Verify(*dir_ / "officer-a.json", Pinned(), &r);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // ... which keeps the signed fork as evidence.
  size_t evidence = 0;
  for (const auto& e : std::filesystem::directory_iterator(witnesses_[1].work_dir + "/state/evidence")) {
    EXPECT_THAT(*ReadFile(e.path()), HasSubstr(merkle::CheckpointBody(
                                         {log_.checkpoint_origin(), head.tree_size(), other_root})));
    ++evidence;
  }
  EXPECT_EQ(evidence, 1u);

  // The second officer is shown the fork (with no cosignature: no witness
  // gives one): verify compares it with the witnessed log and names the
  // conflict.
  std::ofstream(*dir_ / "fork.txt") << fork;
  Verify(*dir_ / "officer-b.json", {"--witness", witnesses_[0].vkey, "--witness", witnesses_[1].vkey, "--quorum",
                                    "2", "--checkpoint", *dir_ / "fork.txt"},
         &r);
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_THAT(r.err, HasSubstr("SPLIT VIEW: the log key signed two histories"));
  EXPECT_THAT(r.err, HasSubstr(absl::StrCat("size ", head.tree_size())));
  EXPECT_THAT(r.err, HasSubstr("cosigned by no witness you named"));
  // A smaller tree with another root is no prefix of the witnessed log:
  // the broker's consistency proof does not connect them.
  std::ofstream(*dir_ / "fork2.txt") << SignCheckpoint(head.tree_size() - 1, other_root);
  Verify(*dir_ / "officer-b.json", {"--checkpoint", *dir_ / "fork2.txt"}, &r);
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_THAT(r.err, HasSubstr("SPLIT VIEW"));
  EXPECT_THAT(r.err, HasSubstr("are not one history"));
  // The real head shown the same way is consistent.
  std::ofstream(*dir_ / "real.txt") << head.checkpoint();
  Verify(*dir_ / "officer-b.json", {"--checkpoint", *dir_ / "real.txt"}, &r);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("is consistent with this log"));
  // A checkpoint not signed by the log key is no evidence of anything.
  std::string forged = fork;
  forged[forged.find('\n') + 1] = '9';
  std::ofstream(*dir_ / "forged.txt") << forged;
  Verify(*dir_ / "officer-b.json", {"--checkpoint", *dir_ / "forged.txt"}, &r);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("FORGED CHECKPOINT"));
}

TEST_F(WitnessTest, AWitnessKeepsItsStateAcrossARestart) {
  Disclose(2);
  const v1::SignedTreeHead head = CosignedAtLeast(2);
  RunningWitness& w = witnesses_[1];
  ASSERT_EQ(w.process->Stop(), 0) << w.process->Output();
  auto p = WitnessProcess::Start(w.config, w.work_dir);
  ASSERT_TRUE(p.ok()) << p.status();
  w.process = *std::move(p);
  // It still knows the size it cosigned: a request from an older size is
  // 409 with that size, and a smaller tree is never cosigned.
  auto res = AddCheckpoint(w, 0, head.checkpoint());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 409) << res->body;
  uint64_t theirs = 0;
  ASSERT_TRUE(absl::SimpleAtoi(absl::StripAsciiWhitespace(res->body), &theirs)) << res->body;
  EXPECT_GE(theirs, head.tree_size());
  // The broker goes on with it.
  Disclose(3);
  CosignedAtLeast(theirs + 3);
}

TEST_F(WitnessTest, AWitnessDownBelowQuorumFailsClosedAndTheBrokerRetries) {
  Disclose(2);
  const uint64_t witnessed = CosignedAtLeast(2).tree_size();
  RunningWitness& w = witnesses_[1];
  w.process->Kill();

  // The broker keeps serving; new heads are signed but not cosigned by both.
  Disclose(5);
  uint64_t latest = 0;
  ASSERT_TRUE(Eventually([&] {
    auto h = officer_->GetLatestTreeHead(false);
    latest = h.ok() ? h->tree_size() : 0;
    return latest >= witnessed + 5;
  }));
  EXPECT_TRUE(Eventually([&] { return broker_->Output().find("unreachable") != std::string::npos; }))
      << broker_->Output();
  auto cosigned = officer_->GetCosignedTreeHead();
  ASSERT_TRUE(cosigned.ok()) << cosigned.status();
  const uint64_t stuck = cosigned->tree_size();
  EXPECT_LT(stuck, latest);

  // Verify trusts no further than the witnessed head, and says which
  // witness is missing on the newer one.
  CommandResult r;
  Verify(*dir_ / "officer.json", Pinned(), &r);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr(absl::StrCat("NOT VERIFIED: records ", stuck, "..")));
  EXPECT_THAT(r.out, HasSubstr("missing: " + w.name));
  auto trusted = sdk::LoadTrustedHead(*dir_ / "officer.json");
  ASSERT_TRUE(trusted.ok() && trusted->has_value());
  EXPECT_EQ((*trusted)->head().tree_size(), stuck);

  // Back up where the policy says it is: the broker's next round gets its
  // cosignature on the newest head.
  auto p = WitnessProcess::Start(w.config, w.work_dir);
  ASSERT_TRUE(p.ok()) << p.status();
  w.process = *std::move(p);
  CosignedAtLeast(latest);
  Verify(*dir_ / "officer.json", Pinned(), &r);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, Not(HasSubstr("NOT VERIFIED")));
}

}  // namespace
}  // namespace riec::testing
