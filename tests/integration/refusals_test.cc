// (c) Questions the convenant does not allow are refused with
// PERMISSION_DENIED or FAILED_PRECONDITION and a log record.
// (e) Malformed requests get INVALID_ARGUMENT or NOT_FOUND naming the field,
// and the broker keeps serving.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <map>

#include "absl/strings/str_cat.h"
#include "riec/common/file.h"
#include "gmock/gmock.h"
#include "integration/integration.h"

namespace riec::testing {
namespace {

using ::testing::HasSubstr;

class RefusalsTest : public BrokerTest {
 protected:
  v1::Subject Pseudonymised(sdk::Client& c, v1::SubjectKind kind, const std::string& value) {
    auto s = c.Subjects({{kind, value}});
    EXPECT_TRUE(s.ok()) << s.status();
    return (*s)[0];
  }
  std::string Register(sdk::Client& c, const std::string& purpose, std::vector<v1::Subject> subjects,
                       const std::string& theme = "") {
    v1::RegisterSignalRequest req;
    req.set_purpose(purpose);
    req.set_theme(theme);
    for (auto& s : subjects) *req.add_subjects() = s;
    auto r = c.RegisterSignal(req);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->signal().id() : "";
  }
};

TEST_F(RefusalsTest, QuestionsOutsideTheConvenantAreRefusedAndLogged) {
  auto gemeente = As("gemeente-eindhoven");
  auto uwv = As("uwv");
  auto politie = As("politie");
  const v1::Subject bsn = Pseudonymised(*gemeente, v1::PERSON_BSN, "111222333");
  const v1::Subject car = Pseudonymised(*gemeente, v1::VEHICLE, "12-ABC-3");

  // A purpose the partner does not take part in.
  v1::RegisterSignalRequest bibob;
  bibob.set_purpose("bibob");
  bibob.set_theme("vergunning");
  *bibob.add_subjects() = bsn;
  auto r = uwv->RegisterSignal(bibob);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(r.status().message(),
            "purpose 'bibob' is not open to partner 'uwv' under convenant riec-oost-brabant v2026-01");

  // A subject kind the purpose does not cover.
  v1::RegisterSignalRequest knelpunt;
  knelpunt.set_purpose("handhavingsknelpunten");
  knelpunt.set_theme("handhaving");
  *knelpunt.add_subjects() = bsn;
  r = gemeente->RegisterSignal(knelpunt);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(r.status().message(),
            "purpose 'handhavingsknelpunten' does not cover subject kind 'person-bsn' (it "
            "covers: organisation-kvk, address)");

  // Asking about a kind the signal's purpose does not cover.
  const std::string signal = Register(*gemeente, "bibob", {bsn}, "vergunning");
  v1::CheckSubjectsRequest ask;
  ask.set_signal_id(signal);
  *ask.add_subjects() = car;
  auto a = gemeente->CheckSubjects(ask);
  EXPECT_EQ(a.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(a.status().message(), HasSubstr("subjects[0].kind: purpose 'bibob' does not cover"));

  // Another partner's signal: to politie it does not exist (and the
  // refusal is logged with the rule).
  ask.clear_subjects();
  a = politie->CheckSubjects(ask);
  EXPECT_EQ(a.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(a.status().message(), absl::StrCat("signal_id: no signal '", signal, "' that you may see"));

  // A closed signal: outside an open signal.
  ASSERT_TRUE(gemeente->CloseSignal(signal).ok());
  a = gemeente->CheckSubjects(ask);
  EXPECT_EQ(a.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(a.status().message(), absl::StrCat("signal ", signal,
                                               " is closed; questions are only answered inside an open signal"));

  // The CLI shows one clear line and exits 1.
  CommandResult cli = Cli("gemeente-eindhoven", "partner-system", {"query", "--signal", signal});
  EXPECT_EQ(cli.exit_code, 1);
  EXPECT_EQ(cli.err, absl::StrCat("riec: failed precondition: signal ", signal,
                                  " is closed; questions are only answered inside an open signal\n"));

  std::map<std::string, int> denied;
  for (const auto& rec : StopAndReadLog()) {
    if (rec.kind() != v1::REQUEST_DENIED) continue;
    ++denied[rec.decision().rule()];
    EXPECT_FALSE(rec.decision().explanation().empty());
    EXPECT_EQ(rec.policy_sha256().size(), 32u);
  }
  EXPECT_EQ(denied["purpose.participants"], 1);
  EXPECT_EQ(denied["purpose.subject_kinds"], 2);
  EXPECT_EQ(denied["signal.scope"], 1);
  EXPECT_EQ(denied["signal.open"], 2);
}

TEST_F(RefusalsTest, MalformedRequestsNameTheFieldAndTheBrokerKeepsServing) {
  auto gemeente = As("gemeente-eindhoven");
  const v1::Subject bsn = Pseudonymised(*gemeente, v1::PERSON_BSN, "111222333");
  const std::string signal = Register(*gemeente, "ondermijning", {bsn}, "drugs");

  auto expect = [](auto result, absl::StatusCode code, const std::string& message) {
    EXPECT_EQ(result.status().code(), code) << result.status();
    EXPECT_EQ(result.status().message(), message);
  };

  v1::CheckSubjectsRequest ask;
  ask.set_signal_id(signal);
  v1::Subject short_one = bsn;
  short_one.set_pseudonym(bsn.pseudonym().substr(0, 31));
  *ask.add_subjects() = short_one;
  expect(gemeente->CheckSubjects(ask), absl::StatusCode::kInvalidArgument,
         "subjects[0].pseudonym: 31 bytes, want 32");
  ask.mutable_subjects(0)->set_pseudonym(bsn.pseudonym());
  ask.mutable_subjects(0)->set_kind(v1::SUBJECT_KIND_UNSPECIFIED);
  expect(gemeente->CheckSubjects(ask), absl::StatusCode::kInvalidArgument,
         "subjects[0].kind: missing; want one of person-bsn, person-name-dob, organisation-kvk, "
         "address, vehicle, bank-account");

  ask.clear_subjects();
  ask.set_signal_id("S-0000000000");
  expect(gemeente->CheckSubjects(ask), absl::StatusCode::kNotFound,
         "signal_id: no signal 'S-0000000000' that you may see");
  ask.set_signal_id("signal-1");
  expect(gemeente->CheckSubjects(ask), absl::StatusCode::kInvalidArgument,
         "signal_id: 'signal-1' is not a signal id (S- and 10 characters of 0-9 A-Z without I, L, O, U)");

  v1::PublishRequest empty;
  expect(gemeente->Publish(empty), absl::StatusCode::kInvalidArgument,
         "entries: empty; send 1 to 10000");
  v1::PublishRequest oversized;
  for (int i = 0; i < 10001; ++i) *oversized.add_entries()->mutable_subject() = bsn;
  expect(gemeente->Publish(oversized), absl::StatusCode::kInvalidArgument,
         "entries: 10001 items; at most 10000 per call");

  v1::EvaluateRequest evaluate;
  evaluate.add_blinded_elements(std::string(32, '\xff'));
  expect(gemeente->Evaluate(evaluate), absl::StatusCode::kInvalidArgument,
         "blinded_elements[0]: blinded element: not a canonical ristretto255 element");
  evaluate.clear_blinded_elements();
  for (int i = 0; i < 4097; ++i) evaluate.add_blinded_elements(std::string(32, 'x'));
  expect(gemeente->Evaluate(evaluate), absl::StatusCode::kInvalidArgument,
         "blinded_elements: 4097 items; at most 4096 per call");

  // Bytes that are not a message at all.
  grpc::SslCredentialsOptions ssl;
  Pki::Files f = TestPki().Client("gemeente-eindhoven", "partner-system");
  ssl.pem_root_certs = *ReadFile(TestPki().ca_cert());
  ssl.pem_cert_chain = *ReadFile(f.cert);
  ssl.pem_private_key = *ReadFile(f.key);
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride("localhost");
  grpc::GenericStub raw(grpc::CreateCustomChannel(broker_->address(), grpc::SslCredentials(ssl), args));
  grpc::ClientContext ctx;
  grpc::Slice junk("\xff\xff\xff\xff\x0f garbage", 14);
  grpc::ByteBuffer request(&junk, 1), response;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  grpc::Status raw_status;
  raw.UnaryCall(&ctx, "/riec.v1.Inquiry/CheckSubjects", grpc::StubOptions(), &request, &response,
                [&](grpc::Status s) {
                  std::lock_guard<std::mutex> l(mu);
                  raw_status = s;
                  done = true;
                  cv.notify_all();
                });
  {
    std::unique_lock<std::mutex> l(mu);
    cv.wait(l, [&] { return done; });
  }
  EXPECT_EQ(raw_status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(raw_status.error_message(),
            "request: not a valid riec.v1.CheckSubjectsRequest message (truncated, or not protobuf)");

  // Still serving, and still answering correctly.
  EXPECT_TRUE(broker_->Alive());
  EXPECT_TRUE(*gemeente->Healthy());
  ask.set_signal_id(signal);
  auto answer = gemeente->CheckSubjects(ask);
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(answer->answers_size(), 1);
  // Nothing half-stored by the refused publications.
  auto stats = gemeente->GetIndexStatistics();
  EXPECT_EQ(stats->entries(), 0u);
}

}  // namespace
}  // namespace riec::testing
