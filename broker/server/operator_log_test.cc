#include "server/operator_log.h"

#include <cmath>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace riec::server {
namespace {

TEST(OperatorLogTest, JsonLinesCarryTimeLevelMessageAndFields) {
  EXPECT_EQ(FormatLogLine(LogFormat::kJson, "2026-12-02T06:00:00.000Z", LogLevel::kInfo, "request",
                          {{"rpc", "/riec.v1.Inquiry/Ask"}, {"code", "OK"}, {"latency_ms", 1.5},
                           {"records", uint64_t{3}}}),
            "{\"time\":\"2026-12-02T06:00:00.000Z\",\"level\":\"info\",\"msg\":\"request\","
            "\"rpc\":\"/riec.v1.Inquiry/Ask\",\"code\":\"OK\",\"latency_ms\":1.5,\"records\":3}");
}

TEST(OperatorLogTest, JsonEscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(FormatLogLine(LogFormat::kJson, "t", LogLevel::kError, "a \"b\" \\ c\n\x01", {}),
            "{\"time\":\"t\",\"level\":\"error\",\"msg\":\"a \\\"b\\\" \\\\ c\\n\\u0001\"}");
}

TEST(OperatorLogTest, JsonStaysValidForAnyBytesAndNumbers) {
  // A file name that is not UTF-8, a truncated sequence, a surrogate; a
  // well-formed é stays as it is.
  EXPECT_EQ(FormatLogLine(LogFormat::kJson, "t", LogLevel::kInfo, "caf\xc3\xa9 \xff\xc3 \xed\xa0\x80", {}),
            "{\"time\":\"t\",\"level\":\"info\",\"msg\":\"caf\xc3\xa9 \\ufffd\\ufffd \\ufffd\\ufffd\\ufffd\"}");
  EXPECT_EQ(FormatLogLine(LogFormat::kJson, "t", LogLevel::kInfo, "m",
                          {{"a", std::nan("")}, {"b", HUGE_VAL}, {"c", 1.5}}),
            "{\"time\":\"t\",\"level\":\"info\",\"msg\":\"m\",\"a\":\"nan\",\"b\":\"inf\",\"c\":1.5}");
}

TEST(OperatorLogTest, LogfmtQuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(FormatLogLine(LogFormat::kLogfmt, "t", LogLevel::kWarning, "the store refuses writes",
                          {{"partner", "politie"}, {"file", "a=b"}, {"empty", ""}, {"n", 2}}),
            "time=t level=warning msg=\"the store refuses writes\" partner=politie file=\"a=b\" "
            "empty=\"\" n=2");
}

TEST(OperatorLogTest, UnknownFormatIsRefusedByName) {
  EXPECT_TRUE(SetLogFormat("logfmt").ok());
  EXPECT_TRUE(SetLogFormat("json").ok());
  const absl::Status s = SetLogFormat("xml");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr("log_format: unknown format 'xml'"));
}

}  // namespace
}  // namespace riec::server
