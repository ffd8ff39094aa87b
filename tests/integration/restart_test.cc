// (f) A broker restarted on the same data directory answers as before, and
// its log is intact: after a clean stop, and after being killed.
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "cli/subjects_input.h"
#include "riec/common/hex.h"
#include "riec/common/subject_kind.h"
#include "gmock/gmock.h"
#include "integration/integration.h"

namespace riec::testing {
namespace {

class RestartTest : public BrokerTest {
 protected:
  struct Answer {
    std::vector<std::tuple<bool, bool, std::vector<std::string>>> subjects;
    uint64_t log_index = 0;
    bool operator==(const Answer& o) const { return subjects == o.subjects; }
  };
  Answer Ask(const std::string& signal) {
    auto gemeente = As("gemeente-eindhoven");
    v1::CheckSubjectsRequest req;
    req.set_signal_id(signal);
    auto r = gemeente->CheckSubjects(req);
    EXPECT_TRUE(r.ok()) << r.status();
    Answer a;
    if (!r.ok()) return a;
    for (const auto& s : r->answers()) {
      std::vector<std::string> holders;
      for (const auto& h : s.holders()) holders.push_back(h.partner());
      a.subjects.emplace_back(s.hit(), s.held_by_requester(), holders);
    }
    a.log_index = r->log_index();
    return a;
  }
};

TEST_F(RestartTest, AnswersAsBeforeAndTheLogIsIntact) {
  const std::vector<std::pair<std::string, std::string>> holdings = {
      {"politie", "person-bsn:111222333"}, {"uwv", "person-bsn:111222333"},
      {"belastingdienst", "bank-account:NL34RIEC0123456789"}, {"gemeente-eindhoven", "vehicle:12-ABC-3"}};
  for (const auto& [partner, subject] : holdings) {
    auto c = As(partner);
    auto s = c->Subjects({*cli::ParseSubjectArg(subject)});
    ASSERT_TRUE(s.ok());
    v1::PublishRequest p;
    *p.add_entries()->mutable_subject() = (*s)[0];
    ASSERT_TRUE(c->Publish(p).ok());
  }
  CommandResult reg = Cli("gemeente-eindhoven", "partner-system",
                          {"signal", "register", "--purpose", "ondermijning", "--theme", "witwassen", "-q",
                           "--subject", "person-bsn:111222333", "--subject", "bank-account:NL34 RIEC 0123 4567 89",
                           "--subject", "vehicle:12ABC3", "--subject", "person-bsn:123456782"});
  ASSERT_EQ(reg.exit_code, 0) << reg.err;
  const std::string signal(absl::StripAsciiWhitespace(reg.out));
  const Answer before = Ask(signal);
  ASSERT_EQ(before.subjects.size(), 4u);
  EXPECT_EQ(std::get<2>(before.subjects[0]), (std::vector<std::string>{"politie", "uwv"}));
  EXPECT_TRUE(std::get<1>(before.subjects[2]));  // the gemeente's own vehicle entry

  // A clean stop and start.
  std::vector<v1::LogRecord> log1 = StopAndReadLog();
  ASSERT_EQ(log1.size(), before.log_index + 1);
  StartBroker();
  const Answer after_restart = Ask(signal);
  EXPECT_EQ(after_restart, before);
  EXPECT_EQ(after_restart.log_index, before.log_index + 1) << "the log continues";

  // A crash right after an answer: the answer's record is already durable.
  broker_->Kill();
  auto log2 = ReadLog(*dir_ / "data");
  ASSERT_TRUE(log2.ok()) << log2.status();
  ASSERT_EQ(log2->size(), log1.size() + 1);
  for (size_t i = 0; i < log1.size(); ++i) {
    EXPECT_EQ((*log2)[i].SerializeAsString(), log1[i].SerializeAsString()) << "record " << i;
  }
  EXPECT_EQ(log2->back().kind(), v1::STAGE1_ANSWERED);
  StartBroker();
  EXPECT_EQ(Ask(signal), before);
  // The OPRF key survived: the same identifier gives the same pseudonym.
  CommandResult p = Cli("riec", "privacy-officer", {"pseudonym", "--kind", "person-bsn", "-q", "111222333"});
  ASSERT_EQ(p.exit_code, 0) << p.err;
  auto signal_now = As("gemeente-eindhoven")->GetSignal(signal);
  ASSERT_TRUE(signal_now.ok());
  EXPECT_EQ(p.out, absl::StrCat(ToHex(signal_now->subjects(0).pseudonym()), "\n"));
}

}  // namespace
}  // namespace riec::testing
