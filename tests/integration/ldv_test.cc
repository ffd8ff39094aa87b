// Logboek Dataverwerkingen, as a partner and its privacy officer meet it: a
// gemeente's system asks a stage-1 question with the W3C traceparent of its
// own processing; its privacy officer, and the RIEC's, export their part of
// the disclosure log with `riec audit export --format ldv`, and the records
// link to the gemeente's trace, name the subject by its pseudonym and the
// processing activity of the exporting organisation.
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "integration/integration.h"
#include "riec/common/hex.h"

namespace riec::testing {
namespace {

using google::protobuf::Struct;
using ::testing::HasSubstr;

constexpr char kTraceId[] = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr char kSpanId[] = "00f067aa0ba902b7";

std::vector<Struct> ReadLdv(const std::string& path) {
  std::vector<Struct> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    Struct s;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(line, &s).ok()) << line;
    out.push_back(s);
  }
  return out;
}
std::string Get(const Struct& s, const std::string& key) {
  auto it = s.fields().find(key);
  return it == s.fields().end() ? "" : it->second.string_value();
}
std::string Attr(const Struct& s, const std::string& key) {
  auto it = s.fields().find("attributes");
  return it == s.fields().end() ? "" : Get(it->second.struct_value(), key);
}

class LdvTest : public BrokerTest {};

TEST_F(LdvTest, ExportedRecordsLinkToThePartnersTraceAndNameTheProcessingActivity) {
  // The gemeente's system, inside its own traced processing.
  auto options = Connection(TestPki(), broker_->address(), "gemeente-eindhoven", "partner-system");
  options.traceparent = absl::StrCat("00-", kTraceId, "-", kSpanId, "-01");
  auto gemeente = sdk::Client::Connect(options);
  ASSERT_TRUE(gemeente.ok()) << gemeente.status();
  auto subjects = (*gemeente)->Subjects({{v1::PERSON_BSN, FakeBsn(11)}, {v1::PERSON_BSN, FakeBsn(12)}});
  ASSERT_TRUE(subjects.ok()) << subjects.status();
  v1::RegisterSignalRequest reg;
  reg.set_purpose("ondermijning");
  reg.set_theme("drugs");
  *reg.add_subjects() = (*subjects)[0];
  auto signal = (*gemeente)->RegisterSignal(reg);
  ASSERT_TRUE(signal.ok()) << signal.status();
  v1::CheckSubjectsRequest ask;
  ask.set_signal_id(signal->signal().id());
  ASSERT_TRUE((*gemeente)->CheckSubjects(ask).ok());
  const std::string pseudonym = ToHex((*subjects)[0].pseudonym());

  // The gemeente's privacy officer: its own processing activity.
  const std::string mine = *dir_ / "gemeente.ldv";
  CommandResult r = Cli("gemeente-eindhoven", "privacy-officer",
                        {"audit", "export", "--format", "ldv", "--policy", ExamplePolicy(), "--out", mine});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("as partner gemeente-eindhoven"));
  const auto records = ReadLdv(mine);
  ASSERT_FALSE(records.empty());
  int linked = 0;
  for (const Struct& s : records) {
    if (Get(s, "trace_id") != kTraceId) continue;
    ++linked;
    EXPECT_EQ(Get(s, "parent_span_id"), kSpanId);
    EXPECT_EQ(Attr(s, "dpl.core.processing_activity_id"),
              "https://www.eindhoven.example/avg-register/riec-ondermijning");
    EXPECT_EQ(Attr(s, "dpl.core.data_subject_id"), pseudonym);
    EXPECT_EQ(Attr(s, "dpl.core.data_subject_id_type"), "urn:riec-broker:pseudonym:person-bsn");
    EXPECT_EQ(Attr(s, "dpl.core.foreign_operation.processor"), "riec://riec-oost-brabant/gemeente-eindhoven/partner-system");
    EXPECT_EQ(Get(s, "status"), "Ok");
  }
  EXPECT_EQ(linked, 2) << "the signal and the question, each about one subject";
  // No identifier anywhere in the file: pseudonyms only.
  std::stringstream all;
  all << std::ifstream(mine).rdbuf();
  EXPECT_THAT(all.str(), ::testing::Not(HasSubstr(FakeBsn(11))));

  // The RIEC's privacy officer reads the whole log: its own activity.
  const std::string riec = *dir_ / "riec.ldv";
  r = Cli("riec", "privacy-officer", {"audit", "export", "--format", "ldv", "--policy", ExamplePolicy(), "--out", riec});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  bool found = false;
  for (const Struct& s : ReadLdv(riec)) {
    if (Get(s, "trace_id") == kTraceId) {
      found = true;
      EXPECT_EQ(Attr(s, "dpl.core.processing_activity_id"),
                "urn:riec-oost-brabant:verwerkingsregister:ondermijning-signalen");
    }
  }
  EXPECT_TRUE(found);

  // Without the convenant, the processing activity cannot be filled: said,
  // and a non-zero exit.
  r = Cli("gemeente-eindhoven", "privacy-officer", {"audit", "export", "--format", "ldv", "--out", mine});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("no dpl.core.processing_activity_id: give the convenant with --policy"));
}

}  // namespace
}  // namespace riec::testing
