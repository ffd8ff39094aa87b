// (a) Stage-1 answers over the real broker equal the synthetic data's ground
// truth: partners publish their exports with `riec index publish`, a
// municipality asks through the SDK and the CLI.
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "riec/common/hex.h"
#include "riec/common/subject_kind.h"
#include "cli/csv.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "riec/policy/policy.h"
#include "integration/integration.h"

namespace riec::testing {
namespace {

using ::testing::HasSubstr;

struct TruthRow {
  v1::SubjectKind kind;
  std::string value;
  std::map<std::string, std::string> holders;  // partner -> category
};

std::vector<TruthRow> ReadTruth(const std::string& path) {
  auto table = cli::ReadCsv(path);
  EXPECT_TRUE(table.ok()) << table.status();
  std::vector<TruthRow> out;
  for (const auto& row : table->rows) {
    TruthRow t{*KindFromTag(row.fields[0]), row.fields[1], {}};
    for (absl::string_view h : absl::StrSplit(row.fields[2], ';', absl::SkipEmpty())) {
      std::vector<std::string> pc = absl::StrSplit(h, ':');
      t.holders[pc[0]] = pc[1];
    }
    out.push_back(std::move(t));
  }
  return out;
}

class Stage1Test : public BrokerTest {
 protected:
  // Publishes every export of the generated data set through the CLI, as
  // its partner. Files with bad rows must exit 1 and name the line.
  void PublishAll(const std::string& data) {
    for (const auto& partner_dir : std::filesystem::directory_iterator(data)) {
      if (!partner_dir.is_directory()) continue;
      const std::string partner = partner_dir.path().filename();
      for (const auto& file : std::filesystem::directory_iterator(partner_dir)) {
        const std::string kind = file.path().stem();
        CommandResult r = Cli(partner, "partner-system",
                              {"index", "publish", "--kind", kind, "--csv", file.path().string()});
        if (kind == "person-bsn") {
          EXPECT_EQ(r.exit_code, 1) << partner << " " << kind << ": one bad row expected\n" << r.err;
          EXPECT_THAT(r.err, HasSubstr("BSN: fails the elfproef (11-test)"));
          EXPECT_THAT(r.err, ::testing::ContainsRegex(file.path().string() + ":[0-9]+: BSN"));
          EXPECT_THAT(r.out, HasSubstr("1 rejected"));
        } else {
          EXPECT_EQ(r.exit_code, 0) << partner << " " << kind << "\n" << r.out << r.err;
        }
        ++published_files_;
      }
    }
  }

  // What a requester should learn about `t` in a purpose.
  struct Expected {
    bool hit = false, own = false;
    std::vector<std::string> holders;  // "partner" or "partner:category"
  };
  static Expected Expect(const TruthRow& t, const std::string& requester,
                         const policy::Purpose& purpose) {
    Expected e;
    for (const auto& [partner, category] : t.holders) {
      if (!purpose.HasParticipant(partner)) continue;
      if (partner == requester) {
        e.own = true;
        continue;
      }
      e.hit = true;
      if (purpose.stage1.level == v1::HOLDERS) e.holders.push_back(partner);
      if (purpose.stage1.level == v1::HOLDERS_AND_CATEGORY) e.holders.push_back(partner + ":" + category);
    }
    return e;
  }

  int published_files_ = 0;
};

std::vector<std::string> Holders(const v1::SubjectAnswer& a) {
  std::vector<std::string> out;
  for (const auto& h : a.holders()) {
    out.push_back(h.categories().empty() ? h.partner() : h.partner() + ":" + h.categories(0));
  }
  return out;
}

TEST_F(Stage1Test, AnswersEqualTheGroundTruth) {
  TempDir data("synth");
  CommandResult gen = RunCommand({SynthBinary(), "--out", data.path(), "--persons", "400", "--seed", "11",
                           "--bad-rows", "1"});
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  PublishAll(data.path());
  ASSERT_GT(published_files_, 15);
  std::vector<TruthRow> truth = ReadTruth(data / "ground-truth.csv");
  ASSERT_GT(truth.size(), 500u);

  auto policy = policy::Policy::LoadFile(ExamplePolicy());
  ASSERT_TRUE(policy.ok());
  const std::string requester = "gemeente-eindhoven";

  // Subjects of every kind, shared and not, plus subjects nobody holds.
  std::map<v1::SubjectKind, std::vector<const TruthRow*>> by_kind;
  for (const auto& t : truth) by_kind[t.kind].push_back(&t);
  std::vector<TruthRow> unknown = {{v1::PERSON_BSN, "111222333", {}},
                                   {v1::VEHICLE, "QX-999-Z", {}},
                                   {v1::BANK_ACCOUNT, "NL34RIEC0123456789", {}}};
  std::vector<const TruthRow*> sample;
  for (auto& [kind, rows] : by_kind) {
    for (size_t i = 0; i < rows.size() && i < 60; i += 6) sample.push_back(rows[i]);
  }
  for (const auto& u : unknown) sample.push_back(&u);
  ASSERT_GT(sample.size(), 40u);

  auto client = As(requester);
  const policy::Purpose& ondermijning = *(*policy)->FindPurpose("ondermijning");
  int hits = 0, misses = 0, questions = 0;
  for (size_t start = 0; start < sample.size(); start += 25) {
    std::vector<sdk::SubjectValue> values;
    for (size_t i = start; i < std::min(start + 25, sample.size()); ++i) {
      values.push_back({sample[i]->kind, sample[i]->value});
    }
    auto subjects = client->Subjects(values);
    ASSERT_TRUE(subjects.ok()) << subjects.status();
    v1::RegisterSignalRequest reg;
    reg.set_purpose("ondermijning");
    reg.set_theme("huisvesting-arbeidsmigranten");
    for (const auto& s : *subjects) *reg.add_subjects() = s;
    auto signal = client->RegisterSignal(reg);
    ASSERT_TRUE(signal.ok()) << signal.status();

    v1::CheckSubjectsRequest ask;
    ask.set_signal_id(signal->signal().id());
    auto answer = client->CheckSubjects(ask);
    ASSERT_TRUE(answer.ok()) << answer.status();
    ++questions;
    ASSERT_EQ(answer->answers_size(), static_cast<int>(values.size()));
    EXPECT_EQ(answer->level(), v1::HOLDERS_AND_CATEGORY);
    for (int i = 0; i < answer->answers_size(); ++i) {
      const TruthRow& t = *sample[start + i];
      const Expected want = Expect(t, requester, ondermijning);
      const auto& got = answer->answers(i);
      EXPECT_EQ(got.hit(), want.hit) << KindTag(t.kind) << " " << t.value;
      EXPECT_EQ(got.held_by_requester(), want.own) << KindTag(t.kind) << " " << t.value;
      EXPECT_EQ(Holders(got), want.holders) << KindTag(t.kind) << " " << t.value;
      (got.hit() ? hits : misses)++;
    }
  }
  EXPECT_GT(hits, 10);
  EXPECT_GT(misses, 3);

  // A hit-only purpose reveals no holder; the CLI's JSON (the
  // CheckSubjectsResponse) says the same.
  std::vector<std::string> args = {"signal", "register", "--purpose", "handhavingsknelpunten",
                                   "--theme", "handhaving", "-q"};
  std::vector<const TruthRow*> addresses;
  for (const TruthRow* t : by_kind[v1::ADDRESS]) {
    if (addresses.size() < 10) addresses.push_back(t);
  }
  for (const TruthRow* t : addresses) {
    args.push_back("--subject");
    args.push_back("address:" + t->value);
  }
  CommandResult reg = Cli(requester, "partner-system", args);
  ASSERT_EQ(reg.exit_code, 0) << reg.err;
  const std::string signal_id(absl::StripAsciiWhitespace(reg.out));
  std::vector<std::string> query = {"query", "--signal", signal_id, "--json"};
  for (const TruthRow* t : addresses) {
    query.push_back("--subject");
    query.push_back("address:" + t->value);
  }
  CommandResult q = Cli(requester, "partner-system", query);
  ASSERT_EQ(q.exit_code, 0) << q.err;
  ++questions;
  const policy::Purpose& hit_only = *(*policy)->FindPurpose("handhavingsknelpunten");
  EXPECT_THAT(q.out, HasSubstr("\"level\":\"HIT_ONLY\""));
  v1::CheckSubjectsResponse answer;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(q.out, &answer).ok()) << q.out;
  EXPECT_EQ(answer.level(), v1::HIT_ONLY);
  ASSERT_EQ(answer.answers_size(), static_cast<int>(addresses.size()));
  for (size_t i = 0; i < addresses.size(); ++i) {
    const Expected want = Expect(*addresses[i], requester, hit_only);
    const v1::SubjectAnswer& got = answer.answers(static_cast<int>(i));
    EXPECT_EQ(got.subject().kind(), v1::ADDRESS);
    EXPECT_EQ(got.hit(), want.hit);
    EXPECT_EQ(got.holders_size(), 0);
  }

  // Every answer is in the log.
  int answered = 0;
  for (const auto& r : StopAndReadLog()) answered += r.kind() == v1::STAGE1_ANSWERED;
  EXPECT_EQ(answered, questions);
}

}  // namespace
}  // namespace riec::testing
