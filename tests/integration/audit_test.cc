// The verifiable log as privacy officers use it: `riec audit verify` catches
// a store that was edited (a record changed, a record removed, the log rolled
// back, history rewritten); exports verify offline, also by an independent
// implementation written here with OpenSSL; privacy officers are scoped; and
// erasing records at the end of their retention keeps verification green.
#include <openssl/evp.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "riec/common/file.h"
#include "riec/common/hex.h"
#include "log/disclosure_log.h"
#include "storage/keys.h"
#include "storage/rocksdb_store.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "riec/v1/transparency.pb.h"
#include "integration/integration.h"

namespace riec::testing {
namespace {

using ::testing::HasSubstr;

// --- An independent verifier: OpenSSL's SHA-256 and Ed25519, RFC 6962 MTH
// written out recursively, the documented 92 signed bytes built by hand. ---
std::string Sha256(const std::string& data) {
  unsigned char out[32];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string Mth(const std::vector<std::string>& leaves, size_t begin, size_t end) {
  if (end == begin) return Sha256("");
  if (end - begin == 1) return leaves[begin];
  size_t k = 1;
  while (k * 2 < end - begin) k *= 2;
  return Sha256(std::string(1, '\1') + Mth(leaves, begin, begin + k) + Mth(leaves, begin + k, end));
}

bool Ed25519Verify(const std::string& key, const std::string& msg, const std::string& sig) {
  EVP_PKEY* pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                               reinterpret_cast<const unsigned char*>(key.data()), key.size());
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = pkey != nullptr && EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, pkey) == 1 &&
            EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                             reinterpret_cast<const unsigned char*>(msg.data()), msg.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(pkey);
  return ok;
}

std::string Be64(uint64_t v) {
  std::string out;
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  return out;
}

std::string Base64Decode(const std::string& text) {
  std::string out(text.size(), '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  out.resize(n - (text.size() >= 1 && text.back() == '=') - (text.size() >= 2 && text[text.size() - 2] == '='));
  return out;
}

std::string JsonField(const std::string& line, const std::string& key) {
  const std::string pattern = "\"" + key + "\":\"";
  const size_t at = line.find(pattern);
  if (at == std::string::npos) return "";
  const size_t begin = at + pattern.size();
  return line.substr(begin, line.find('"', begin) - begin);
}

struct IndependentResult {
  bool signature_ok = false, leaves_match = true, root_ok = false, attested = true;
  size_t present = 0, partial = 0, withheld = 0, redacted = 0;
};

int StatusNumber(const std::string& name) {
  return name == "present" ? 1 : name == "redacted" ? 2 : name == "withheld" ? 3
         : name == "partial" ? 4 : name == "unreadable" ? 5 : 0;
}

// Checks an export by the bytes of docs/log-format.md §3, §5, §7 and §9,
// without the SDK: leaves, records against their leaves, the root, the head's
// signature and each page's attestation.
IndependentResult CheckExportIndependently(const std::string& path, const std::string& log_key) {
  std::ifstream in(path);
  std::string header_line;
  std::getline(in, header_line);
  v1::ExportHeader header;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(header_line, &header).ok());
  const auto& head = header.head();
  IndependentResult r;
  const std::string signed_bytes = std::string("RIEC-STH-v1") + std::string(1, '\0') + head.log_id() +
                                   Be64(head.tree_size()) + Be64(head.timestamp_millis()) + head.root_hash();
  r.signature_ok = Sha256(log_key) == head.log_id() && Ed25519Verify(log_key, signed_bytes, head.signature());
  std::vector<std::string> leaves;
  std::string page;  // the attested bytes of the entries since the last attestation
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("{\"attestation\":", 0) == 0) {
      const size_t tree = line.find("\"tree_size\":") + 12;
      const uint64_t tree_size = std::stoull(line.substr(tree));
      const std::string statement = std::string("RIEC-SCOPE-v1") + std::string(1, '\0') +
                                    JsonField(line, "scope") + std::string(1, '\0') + head.log_id() +
                                    Be64(tree_size) + page;
      r.attested &= Ed25519Verify(log_key, statement, Base64Decode(JsonField(line, "signature")));
      page.clear();
      continue;
    }
    const std::string leaf_hash = *FromHex(JsonField(line, "leaf_hash"));
    const std::string status = JsonField(line, "status");
    const std::string leaf = Base64Decode(JsonField(line, "leaf"));
    const std::string record = Base64Decode(JsonField(line, "record"));
    const uint64_t index = std::stoull(line.substr(line.find("\"index\":") + 8));
    page += Be64(index) + std::string(1, static_cast<char>(StatusNumber(status))) + leaf_hash +
            (status == "partial" ? Sha256(record) : std::string(32, '\0'));
    if (status != "withheld") {
      v1::LogLeaf parsed;
      r.leaves_match &= Sha256(std::string(1, '\0') + leaf) == leaf_hash && parsed.ParseFromString(leaf);
      if (status == "present") r.leaves_match &= Sha256(record) == parsed.record_sha256();
    }
    if (status == "present") ++r.present;
    if (status == "partial") ++r.partial;
    if (status == "withheld") ++r.withheld;
    if (status == "redacted") ++r.redacted;
    leaves.push_back(leaf_hash);
  }
  r.root_ok = Mth(leaves, 0, leaves.size()) == head.root_hash();
  return r;
}

class AuditTest : public BrokerTest {
 protected:
  // Some activity of several partners: publications, a signal, answers.
  void Activity(const std::string& tag) {
    std::ofstream(*dir_ / "p.csv") << "bsn,category\n111222333,strafrecht\n123456782,strafrecht\n";
    ASSERT_EQ(Cli("politie", "partner-system", {"index", "publish", "--kind", "person-bsn", "--csv", *dir_ / "p.csv"}).exit_code, 0);
    std::ofstream(*dir_ / "u.csv") << "bsn,category\n111222333,uitkering\n";
    ASSERT_EQ(Cli("uwv", "partner-system", {"index", "publish", "--kind", "person-bsn", "--csv", *dir_ / "u.csv"}).exit_code, 0);
    CommandResult reg = Cli("gemeente-eindhoven", "partner-system",
                            {"signal", "register", "--purpose", "ondermijning", "--theme", "drugs", "-q",
                             "--reference", tag, "--subject", "person-bsn:111222333", "--subject", "person-bsn:999990019"});
    ASSERT_EQ(reg.exit_code, 0) << reg.err;
    ASSERT_EQ(Cli("gemeente-eindhoven", "partner-system",
                  {"query", "--signal", std::string(absl::StripAsciiWhitespace(reg.out))}).exit_code, 0);
  }
  CommandResult Verify(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"audit", "verify", "--state", *dir_ / "trusted.json"};
    args.insert(args.end(), extra.begin(), extra.end());
    return Cli("riec", "privacy-officer", args);
  }
  std::string LogKey() {
    auto c = As("riec", "privacy-officer");
    return c->GetLogInfo()->public_key();
  }
};

TEST_F(AuditTest, VerifyCatchesAChangedRecord) {
  Activity("a");
  CommandResult ok = Verify();
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_THAT(ok.out, HasSubstr("first use"));
  ASSERT_EQ(broker_->Stop(), 0);
  {
    // An operator edits record 1 in the store: another valid record.
    auto store = storage::OpenRocksDbStore(*dir_ / "data");
    ASSERT_TRUE(store.ok());
    auto bytes = (*store)->Get(storage::Table::kLogRecords, storage::keys::LogIndex(1));
    v1::LogRecord r;
    ASSERT_TRUE(r.ParseFromString(**bytes));
    r.set_count(r.count() + 1000);
    storage::Batch b;
    storage::Put(&b, storage::Table::kLogRecords, storage::keys::LogIndex(1), log::EncodeRecord(r));
    ASSERT_TRUE((*store)->Apply(b, true).ok());
  }
  StartBroker();
  CommandResult caught = Verify({"--full"});
  EXPECT_EQ(caught.exit_code, 3) << caught.out << caught.err;
  EXPECT_THAT(caught.err, HasSubstr("riec: ALERT: ALTERED RECORD: record 1 does not match its leaf hash"));
}

TEST_F(AuditTest, VerifyCatchesARemovedRecord) {
  Activity("a");
  ASSERT_EQ(Verify().exit_code, 0);
  ASSERT_EQ(broker_->Stop(), 0);
  {
    auto store = storage::OpenRocksDbStore(*dir_ / "data");
    storage::Batch b;
    storage::Delete(&b, storage::Table::kLog, storage::keys::LogIndex(2));
    ASSERT_TRUE((*store)->Apply(b, true).ok());
  }
  StartBroker();
  CommandResult caught = Verify({"--full"});
  EXPECT_EQ(caught.exit_code, 3) << caught.out << caught.err;
  EXPECT_THAT(caught.err, HasSubstr("record 2 is missing"));
}

TEST_F(AuditTest, VerifyCatchesARollbackAndRewrittenHistory) {
  Activity("a");
  ASSERT_EQ(broker_->Stop(), 0);
  std::filesystem::copy(*dir_ / "data", *dir_ / "snapshot", std::filesystem::copy_options::recursive);
  StartBroker();
  Activity("b");
  CommandResult trusted = Verify();
  ASSERT_EQ(trusted.exit_code, 0) << trusted.err;

  // The operator restores the older copy of the store.
  ASSERT_EQ(broker_->Stop(), 0);
  std::filesystem::remove_all(*dir_ / "data");
  std::filesystem::rename(*dir_ / "snapshot", *dir_ / "data");
  StartBroker();
  CommandResult rollback = Verify();
  EXPECT_EQ(rollback.exit_code, 3);
  EXPECT_THAT(rollback.err, HasSubstr("riec: ALERT: ROLLBACK: the log now has"));

  // ... and then writes other records until the log is longer again.
  for (int i = 0; i < 3; ++i) Activity(absl::StrCat("other ", i));
  CommandResult rewritten = Verify();
  EXPECT_EQ(rewritten.exit_code, 3);
  EXPECT_THAT(rewritten.err, HasSubstr("riec: ALERT: REWRITTEN HISTORY"));
}

TEST_F(AuditTest, ExportsVerifyOfflineAlsoIndependentlyAndCatchAnEditedExport) {
  Activity("a");
  const std::string key = LogKey();
  // The RIEC's privacy officer exports everything.
  CommandResult all = Cli("riec", "privacy-officer", {"audit", "export", "--out", *dir_ / "all.jsonl"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  CommandResult offline = RunCommand({RiecBinary(), "audit", "verify", "--export", *dir_ / "all.jsonl",
                                      "--log-key", ToHex(key)});
  EXPECT_EQ(offline.exit_code, 0) << offline.err;
  EXPECT_THAT(offline.out, HasSubstr("verified"));
  IndependentResult ind = CheckExportIndependently(*dir_ / "all.jsonl", key);
  EXPECT_TRUE(ind.signature_ok);
  EXPECT_TRUE(ind.leaves_match);
  EXPECT_TRUE(ind.root_ok);
  EXPECT_TRUE(ind.attested);
  EXPECT_EQ(ind.withheld, 0u);
  EXPECT_EQ(ind.present, 4u) << "two publications, a signal, an answer";

  // A partner's privacy officer exports only its records' content, and the
  // leaf hashes of the others: still enough to recompute the root.
  CommandResult politie = Cli("politie", "privacy-officer", {"audit", "export", "--out", *dir_ / "politie.jsonl"});
  ASSERT_EQ(politie.exit_code, 0) << politie.err;
  ind = CheckExportIndependently(*dir_ / "politie.jsonl", key);
  EXPECT_TRUE(ind.signature_ok && ind.leaves_match && ind.root_ok && ind.attested);
  EXPECT_GT(ind.withheld, 0u);
  EXPECT_GT(ind.present + ind.partial, 0u);

  // One record edited in the export: caught, by both.
  std::string text = *ReadFile(*dir_ / "all.jsonl");
  const size_t at = text.find("\"record\":\"", text.find("\"index\":2,")) + 12;
  text[at] = text[at] == 'A' ? 'B' : 'A';
  std::ofstream(*dir_ / "edited.jsonl") << text;
  CommandResult edited = RunCommand({RiecBinary(), "audit", "verify", "--export", *dir_ / "edited.jsonl",
                                     "--log-key", ToHex(key)});
  EXPECT_EQ(edited.exit_code, 3);
  EXPECT_THAT(edited.err, HasSubstr("record 2 does not match its leaf hash"));
  EXPECT_FALSE(CheckExportIndependently(*dir_ / "edited.jsonl", key).leaves_match);
  // Another key: the export is not this log's.
  CommandResult other_key = RunCommand({RiecBinary(), "audit", "verify", "--export", *dir_ / "all.jsonl",
                                        "--log-key", std::string(64, 'a')});
  EXPECT_EQ(other_key.exit_code, 3);
}

TEST_F(AuditTest, PrivacyOfficersAreScopedAndEveryReadIsLogged) {
  Activity("a");
  CommandResult politie = Cli("politie", "privacy-officer", {"audit", "list", "--format", "csv", "--limit", "1000"});
  ASSERT_EQ(politie.exit_code, 0) << politie.err;
  CommandResult all = Cli("riec", "privacy-officer", {"audit", "list", "--format", "csv", "--limit", "1000"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  auto rows = [](const std::string& csv) { return std::count(csv.begin(), csv.end(), '\n') - 1; };
  EXPECT_LT(rows(politie.out), rows(all.out));
  EXPECT_THAT(all.out, HasSubstr("uwv/partner-system"));
  // politie's officer sees the answer in which politie was a holder, not uwv's publication.
  EXPECT_THAT(politie.out, HasSubstr("stage1-answered"));
  EXPECT_THAT(politie.out, ::testing::Not(HasSubstr("uwv/partner-system")));
  CommandResult denied = Cli("politie", "partner-system", {"audit", "list"});
  EXPECT_EQ(denied.exit_code, 1);
  EXPECT_THAT(denied.err, HasSubstr("role 'partner-system' may not audit (allowed: privacy-officer)"));

  CommandResult subject = Cli("riec", "privacy-officer", {"audit", "subject", "--kind", "person-bsn", "1112.22.333"});
  ASSERT_EQ(subject.exit_code, 0) << subject.err;
  EXPECT_THAT(subject.out, HasSubstr("stage-1 answer to gemeente-eindhoven: hit (holders: politie, uwv)"));
  EXPECT_THAT(subject.out, HasSubstr("registered a signal about 2 subjects"));

  int reads = 0;
  for (const auto& r : StopAndReadLog()) {
    if (r.kind() != v1::LOG_READ) continue;
    ++reads;
    EXPECT_EQ(r.actor().role(), "privacy-officer");
  }
  EXPECT_GE(reads, 3);
}

TEST_F(AuditTest, ErasingRecordsAtTheEndOfRetentionKeepsVerificationGreen) {
  Activity("a");
  ASSERT_EQ(Verify().exit_code, 0);
  AdvanceClock(absl::Hours(24 * (5 * 365 + 2)));  // the example's five years of log retention
  CommandResult sweep = Cli("riec", "operator", {"retention", "sweep"});
  ASSERT_EQ(sweep.exit_code, 0) << sweep.err;
  EXPECT_THAT(sweep.out, ::testing::ContainsRegex("erased .*[0-9]+ log-records"));
  CommandResult verified = Verify({"--full"});
  EXPECT_EQ(verified.exit_code, 0) << verified.err;
  EXPECT_THAT(verified.out, ::testing::ContainsRegex("[1-9][0-9]* erased at the end of retention"));
  CommandResult exported = Cli("riec", "privacy-officer", {"audit", "export", "--out", *dir_ / "e.jsonl"});
  ASSERT_EQ(exported.exit_code, 0);
  IndependentResult ind = CheckExportIndependently(*dir_ / "e.jsonl", LogKey());
  EXPECT_TRUE(ind.root_ok && ind.signature_ok && ind.leaves_match && ind.attested);
  EXPECT_GE(ind.redacted, 4u) << "at least the activity's four records";
}

}  // namespace
}  // namespace riec::testing
