// The fixture of the core's unit tests: a real RocksDB store in a temporary
// directory, the disclosure log, an injected clock and a policy, with every
// core object built on them; no network.
#ifndef RIEC_BROKER_CORE_CORE_FIXTURE_H_
#define RIEC_BROKER_CORE_CORE_FIXTURE_H_

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "riec/common/clock.h"
#include "riec/common/time_util.h"
#include "core/assessments.h"
#include "core/cases.h"
#include "core/content.h"
#include "core/events.h"
#include "core/index.h"
#include "core/inquiry.h"
#include "core/retention.h"
#include "core/signals.h"
#include "riec/crypto/sodium.h"
#include "gtest/gtest.h"

namespace riec::core {

inline v1::Subject Subject(char fill, v1::SubjectKind kind = v1::PERSON_BSN) {
  v1::Subject s;
  s.set_kind(kind);
  s.set_pseudonym(std::string(32, fill));
  return s;
}

inline Call CallAs(const std::string& partner, const std::string& role = "partner-system") {
  return Call{Caller{Identity{"test", partner, role, ""}, "", ""}, "/test"};
}

class CoreFixture : public ::testing::Test {
 protected:
  // The policy the core starts with.
  virtual std::string PolicyText() const = 0;

  void SetUp() override {
    ASSERT_TRUE(crypto::InitCrypto().ok());
    dir_ = (std::filesystem::temp_directory_path() /
            absl::StrCat("riec-core-", ::getpid(), "-",
                         ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    std::filesystem::remove_all(dir_);
    auto store = storage::Store::Open(dir_ + "/data", {});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    auto log = log::DisclosureLog::Open(store_.get());
    ASSERT_TRUE(log.ok());
    log_ = *std::move(log);
    auto policy = policy::Policy::Parse(PolicyText(), "test.yaml", nullptr);
    ASSERT_TRUE(policy.ok()) << policy.status();
    policy_ = std::make_unique<PolicySource>(*policy, clock_.Now());
    env_ = Env{store_.get(), log_.get(), &clock_, policy_.get()};
    quota_ = std::make_unique<QuotaCounter>(store_.get());
    index_ = std::make_unique<Index>(env_);
    signals_ = std::make_unique<Signals>(env_);
    inquiry_ = std::make_unique<Inquiry>(env_, index_.get(), signals_.get(), quota_.get());
    events_ = std::make_unique<Events>(env_);
    assessments_ = std::make_unique<Assessments>(env_, index_.get(), signals_.get());
    cases_ = std::make_unique<Cases>(env_, signals_.get(), assessments_.get());
    content_ = std::make_unique<Content>(env_, cases_.get());
    sweeper_ = std::make_unique<Sweeper>(env_, index_.get(), signals_.get(), cases_.get(),
                                         content_.get(), quota_.get());
  }
  void TearDown() override {
    sweeper_.reset();
    content_.reset();
    cases_.reset();
    assessments_.reset();
    events_.reset();
    inquiry_.reset();
    signals_.reset();
    index_.reset();
    log_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  void Publish(const std::string& partner, const v1::Subject& s,
               const std::string& category = "",
               std::optional<absl::Time> until = std::nullopt) {
    v1::PublishRequest req;
    auto* e = req.add_entries();
    *e->mutable_subject() = s;
    e->set_category(category);
    if (until) *e->mutable_valid_until() = ToProtoTime(*until);
    auto r = index_->Publish(CallAs(partner), req);
    ASSERT_TRUE(r.ok()) << r.status();
  }

  std::string Register(const std::string& partner, const std::string& purpose,
                       std::vector<v1::Subject> subjects,
                       const std::string& role = "partner-system") {
    v1::RegisterSignalRequest req;
    req.set_purpose(purpose);
    for (auto& s : subjects) *req.add_subjects() = s;
    auto r = signals_->Register(CallAs(partner, role), req);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->signal().id() : "";
  }

  absl::StatusOr<v1::CheckSubjectsResponse> Ask(const std::string& partner,
                                                const std::string& signal,
                                                std::vector<v1::Subject> subjects = {},
                                                const std::string& role = "partner-system") {
    v1::CheckSubjectsRequest req;
    req.set_signal_id(signal);
    for (auto& s : subjects) *req.add_subjects() = s;
    return inquiry_->CheckSubjects(CallAs(partner, role), req);
  }

  v1::LogRecord LastRecord() {
    v1::LogRecord r;
    EXPECT_TRUE(r.ParseFromString(*log_->ReadRecord(log_->Size() - 1)));
    return r;
  }

  std::string dir_;
  FakeClock clock_{absl::FromCivil(absl::CivilDay(2026, 11, 24), absl::UTCTimeZone())};
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<log::DisclosureLog> log_;
  std::unique_ptr<PolicySource> policy_;
  Env env_;
  std::unique_ptr<Index> index_;
  std::unique_ptr<Signals> signals_;
  std::unique_ptr<Inquiry> inquiry_;
  std::unique_ptr<QuotaCounter> quota_;
  std::unique_ptr<Events> events_;
  std::unique_ptr<Assessments> assessments_;
  std::unique_ptr<Cases> cases_;
  std::unique_ptr<Content> content_;
  std::unique_ptr<Sweeper> sweeper_;
};

}  // namespace riec::core

#endif  // RIEC_BROKER_CORE_CORE_FIXTURE_H_
