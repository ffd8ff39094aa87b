// How the gRPC adapter answers what it cannot parse: the field and the
// rule, never an opaque INTERNAL, and status messages that always fit.
#include "server/grpc_transport.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "riec/v1/signals.pb.h"

namespace riec::server {
namespace {

using ::testing::HasSubstr;

TEST(GrpcTransportTest, AStringThatIsNotUtf8IsNamedByItsPath) {
  v1::RegisterSignalRequest r;
  r.set_purpose("ondermijning");
  r.add_subjects()->set_pseudonym(std::string(32, 'p'));
  r.set_reference("ok");
  std::string bytes = r.SerializeAsString();
  // Replace the reference's bytes "ok" by an invalid UTF-8 sequence.
  const size_t at = bytes.rfind("ok");
  bytes[at] = '\xC3';
  bytes[at + 1] = '\x28';
  v1::RegisterSignalRequest parsed;
  ASSERT_FALSE(parsed.ParseFromString(bytes)) << "protobuf refuses it";
  absl::Status s = DescribeParseFailure(v1::RegisterSignalRequest::descriptor(), bytes);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "reference: not valid UTF-8");
}

TEST(GrpcTransportTest, ANestedStringIsNamedWithItsIndex) {
  v1::AssessRequest r;
  r.set_signal_id("S-0000000000");
  r.add_assessments()->set_reason("ok");
  r.add_assessments()->set_reason("zz");
  std::string bytes = r.SerializeAsString();
  bytes[bytes.rfind("zz")] = '\xFF';
  EXPECT_EQ(DescribeParseFailure(v1::AssessRequest::descriptor(), bytes).message(),
            "assessments[1].reason: not valid UTF-8");
}

TEST(GrpcTransportTest, GarbageAndTruncationSayWhatWasExpected) {
  v1::RegisterSignalRequest r;
  r.set_purpose("ondermijning");
  const std::string bytes = r.SerializeAsString();
  absl::Status truncated =
      DescribeParseFailure(v1::RegisterSignalRequest::descriptor(), bytes.substr(0, bytes.size() - 3));
  EXPECT_EQ(truncated.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(truncated.message(), HasSubstr("not a valid riec.v1.RegisterSignalRequest message"));
}

TEST(GrpcTransportTest, StatusMessagesAreCutToFitAtACharacterBoundary) {
  const std::string long_text(600, 'x');
  std::string message = long_text;
  for (int i = 0; i < 300; ++i) message += "\xC3\xA9";  // é
  grpc::Status s = ToGrpcStatus(absl::InvalidArgumentError(message));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_LE(s.error_message().size(), 1024u + 3);
  EXPECT_TRUE(s.error_message().ends_with("…"));
  const std::string body = s.error_message().substr(0, s.error_message().size() - 3);
  EXPECT_EQ((body.size() - 600) % 2, 0u) << "no character cut in half";
}

}  // namespace
}  // namespace riec::server
