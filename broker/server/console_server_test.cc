#include "server/console_server.h"

#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"

namespace riec::server {
namespace {

using ::testing::HasSubstr;

TEST(ConsoleConfigTest, OffUnlessListenIsSet) {
  EXPECT_OK(ValidateConsoleConfig({}));
  EXPECT_OK(ValidateConsoleConfig({.listen = "", .assets = "/nowhere"}));
}

TEST(ConsoleConfigTest, NamesTheSettingThatIsWrong) {
  EXPECT_THAT(ValidateConsoleConfig({.listen = "8443", .assets = "/tmp"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("console.listen")));
  EXPECT_THAT(ValidateConsoleConfig({.listen = "127.0.0.1:8443"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("console.assets: name the directory")));
  const auto dir = std::filesystem::temp_directory_path() / ("riec-console-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  EXPECT_THAT(ValidateConsoleConfig({.listen = "127.0.0.1:8443", .assets = dir.string()}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("holds no index.html")));
  std::ofstream(dir / "index.html") << "<!doctype html>";
  EXPECT_OK(ValidateConsoleConfig({.listen = "127.0.0.1:8443", .assets = dir.string()}));
  std::filesystem::remove_all(dir);
}

TEST(ConsoleHttpStatusTest, MapsEveryRefusalAsDocumented) {
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kOk), 200);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kFailedPrecondition), 400);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kAlreadyExists), 409);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kResourceExhausted), 429);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kUnimplemented), 501);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kUnavailable), 503);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kInternal), 500);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kDataLoss), 500);
}

}  // namespace
}  // namespace riec::server
