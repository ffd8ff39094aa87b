// The formats that outlive a process are specified in docs/; these tests
// hold the documents and the code to each other.
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "absl/strings/str_cat.h"
#include "riec/common/identifiers.h"
#include "riec/common/subject_kind.h"
#include "riec/merkle/tree_head.h"
#include "storage/store.h"
#include "riec/policy/policy.h"
#include "gtest/gtest.h"
#include "riec/sdk/normalise.h"
#include "riec/v1/log.pb.h"

namespace riec {
namespace {

std::string Doc(const std::string& name) {
  std::ifstream in(std::string(std::getenv("RIEC_SOURCE_DIR")) + "/docs/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Rows "| 3 | `time_unix_micros` | int64 | ..." of the table after `heading`.
std::vector<std::pair<int, std::string>> FieldTable(const std::string& doc, const std::string& heading) {
  std::vector<std::pair<int, std::string>> rows;
  size_t at = doc.find(heading);
  EXPECT_NE(at, std::string::npos) << heading;
  if (at == std::string::npos) return rows;
  static const std::regex kRow(R"(^\| (\d+) \| `([a-z_0-9]+)` \|)");
  std::istringstream lines(doc.substr(at + heading.size()));
  std::string line;
  bool in_table = false;
  while (std::getline(lines, line)) {
    std::smatch m;
    if (std::regex_search(line, m, kRow)) {
      rows.emplace_back(std::stoi(m[1]), m[2]);
      in_table = true;
    } else if (in_table && line.rfind("|", 0) != 0) {
      break;
    }
  }
  return rows;
}

void ExpectMatches(const google::protobuf::Descriptor* d,
                   const std::vector<std::pair<int, std::string>>& documented) {
  EXPECT_EQ(static_cast<int>(documented.size()), d->field_count()) << d->full_name();
  for (const auto& [number, name] : documented) {
    const auto* f = d->FindFieldByNumber(number);
    ASSERT_NE(f, nullptr) << d->full_name() << " has no field " << number;
    EXPECT_EQ(f->name(), name) << d->full_name() << " field " << number;
  }
}

TEST(LogFormatDocTest, TablesListEveryFieldWithItsNumber) {
  const std::string doc = Doc("log-format.md");
  ExpectMatches(v1::LogRecord::descriptor(), FieldTable(doc, "### 2.1 LogRecord"));
  ExpectMatches(v1::Actor::descriptor(), FieldTable(doc, "### 2.3 Actor"));
  ExpectMatches(v1::Decision::descriptor(), FieldTable(doc, "### 2.4 Decision"));
  ExpectMatches(v1::LoggedSubject::descriptor(), FieldTable(doc, "### 2.5 LoggedSubject"));
  ExpectMatches(v1::LoggedContent::descriptor(), FieldTable(doc, "### 2.7 LoggedContent"));
}

TEST(LogFormatDocTest, RecordKindsAreDocumented) {
  const std::string doc = Doc("log-format.md");
  const auto* e = v1::RecordKind_descriptor();
  for (int i = 1; i < e->value_count(); ++i) {
    const std::string row = "| " + std::to_string(e->value(i)->number()) + " | `" + e->value(i)->name() + "` |";
    EXPECT_NE(doc.find(row), std::string::npos) << row;
  }
}

TEST(LogFormatDocTest, TheSignedTreeHeadBytesAreTheDocumentedOnes) {
  const std::string doc = Doc("log-format.md");
  const size_t at = doc.find("## 5. Signed tree heads");
  ASSERT_NE(at, std::string::npos);
  static const std::regex kRow(R"(^\| (\d+) \| (.+) \|$)");
  std::istringstream lines(doc.substr(at, doc.find("## 6.") - at));
  std::string line;
  size_t total = 0;
  std::vector<std::string> parts;
  while (std::getline(lines, line)) {
    std::smatch m;
    if (std::regex_match(line, m, kRow)) {
      total += std::stoul(m[1]);
      parts.push_back(m[2]);
    }
  }
  const std::string log_id(32, 'i'), root(32, 'r');
  const std::string bytes = merkle::TreeHeadSignedBytes(log_id, 0x0102030405060708ULL, 0x1112131415161718ULL, root);
  EXPECT_EQ(total, bytes.size());
  EXPECT_NE(doc.find(absl::StrCat("(", bytes.size(), " bytes.)")), std::string::npos);
  ASSERT_EQ(parts.size(), 6u);
  EXPECT_NE(parts[0].find(std::string(merkle::kTreeHeadDomain)), std::string::npos);
  EXPECT_EQ(bytes.substr(0, 12), std::string("RIEC-STH-v1") + std::string(1, '\0'));
  EXPECT_EQ(bytes.substr(12, 32), log_id);
  EXPECT_EQ(bytes.substr(44, 8), std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8)) << "size, big-endian";
  EXPECT_EQ(bytes.substr(52, 8), std::string("\x11\x12\x13\x14\x15\x16\x17\x18", 8)) << "time, big-endian";
  EXPECT_EQ(bytes.substr(60), root);
}

TEST(PseudonymDocTest, EveryExampleOfTheSingleStringNotationNormalises) {
  const std::string doc = Doc("pseudonyms.md");
  const size_t at = doc.find("## 3. Single-string notation");
  ASSERT_NE(at, std::string::npos);
  const size_t start = doc.find("```\n", at) + 4;
  const std::string block = doc.substr(start, doc.find("```", start) - start);
  int n = 0;
  for (absl::string_view line : absl::StrSplit(block, '\n', absl::SkipEmpty())) {
    const size_t colon = line.find(':');
    auto kind = KindFromTag(line.substr(0, colon));
    ASSERT_TRUE(kind.has_value()) << line;
    auto c = sdk::Normalise(*kind, line.substr(colon + 1), absl::Now());
    EXPECT_TRUE(c.ok()) << line << ": " << c.status();
    ++n;
  }
  EXPECT_EQ(n, 6) << "one example per kind";
}

TEST(PseudonymDocTest, ExampleTablesGiveTheDocumentedCanonicalForms) {
  // Rows "| `written` | `canonical` |" of the address and BSN tables.
  const std::string doc = Doc("pseudonyms.md");
  static const std::regex kRow(R"(^\| `([^`]+)` \| `([^`]+)` \|$)");
  std::istringstream lines(doc);
  std::string line;
  int checked = 0;
  v1::SubjectKind kind = v1::SUBJECT_KIND_UNSPECIFIED;
  while (std::getline(lines, line)) {
    if (line.rfind("### ", 0) == 0) {
      auto k = KindFromTag(line.substr(4));
      kind = k ? *k : v1::SUBJECT_KIND_UNSPECIFIED;
    }
    std::smatch m;
    if (kind == v1::SUBJECT_KIND_UNSPECIFIED || !std::regex_match(line, m, kRow)) continue;
    auto c = sdk::Normalise(kind, m[1].str(), absl::Now());
    ASSERT_TRUE(c.ok()) << line << ": " << c.status();
    EXPECT_EQ(*c, m[2].str()) << line;
    ++checked;
  }
  EXPECT_GE(checked, 6);
}

TEST(PseudonymDocTest, TheIbanCountriesAreExactlyTheAcceptedOnes) {
  const std::string doc = Doc("pseudonyms.md");
  const size_t at = doc.find("### bank-account");
  ASSERT_NE(at, std::string::npos);
  static const std::regex kRow(R"(^\| `([A-Z]{2})` \| (\d+) \|$)");
  std::istringstream lines(doc.substr(at));
  std::string line;
  std::map<std::string, int> documented;
  while (std::getline(lines, line) && line.rfind("## ", 0) != 0) {
    std::smatch m;
    if (std::regex_match(line, m, kRow)) documented[m[1].str()] = std::stoi(m[2].str());
  }
  EXPECT_EQ(documented, IbanLengths());
}

TEST(PolicyDocTest, TheExampleIsAValidPolicyWithWhatItShows) {
  const std::string doc = Doc("policy.md");
  const std::string start = "## Example\n\n```yaml\n";
  const size_t at = doc.find(start);
  ASSERT_NE(at, std::string::npos);
  const size_t end = doc.find("```", at + start.size());
  std::vector<policy::ValidationError> errors;
  auto p = policy::Policy::Parse(doc.substr(at + start.size(), end - at - start.size()), "policy.md", &errors);
  ASSERT_TRUE(p.ok()) << (errors.empty() ? p.status().ToString() : errors[0].Format("policy.md"));
  const policy::Purpose* purpose = (*p)->FindPurpose("ondermijning");
  ASSERT_NE(purpose, nullptr);
  EXPECT_TRUE(purpose->stage1.notify_holders && !purpose->stage1.silent_partners.empty() && purpose->stage1.deconfliction);
  EXPECT_EQ(purpose->stage1.excluded_addresses.size(), 1u);
  EXPECT_EQ(purpose->unlock.Describe(), "quorum of a majority");
  EXPECT_EQ((*p)->retention().payloads, absl::Hours(24 * 30));
}

TEST(StorageDocTest, EveryTableIsDocumented) {
  const std::string doc = Doc("storage.md");
  for (int t = 0; t < storage::kTableCount; ++t) {
    const std::string name = storage::TableName(static_cast<storage::Table>(t));
    EXPECT_NE(doc.find(absl::StrCat("| `", name, "` |")), std::string::npos) << name;
  }
}

}  // namespace
}  // namespace riec
