// Status matchers for tests: a failure reports the status instead of
// crashing on an unchecked StatusOr.
//
//   ASSERT_OK(expr);  EXPECT_OK(expr);
//   ASSERT_OK_AND_ASSIGN(auto x, expr);      // x is the value; the test stops on error
//   EXPECT_THAT(expr, StatusIs(absl::StatusCode::kNotFound));
//   EXPECT_THAT(expr, StatusIs(absl::StatusCode::kNotFound, HasSubstr("no signal")));
//
// expr may be an absl::Status or an absl::StatusOr<T>.
#ifndef RIEC_TESTS_TESTING_STATUS_MATCHERS_H_
#define RIEC_TESTS_TESTING_STATUS_MATCHERS_H_

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riec::testing_internal {

inline const absl::Status& GetStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

}  // namespace riec::testing_internal

#define RIEC_TEST_CONCAT_INNER_(a, b) a##b
#define RIEC_TEST_CONCAT_(a, b) RIEC_TEST_CONCAT_INNER_(a, b)

#define ASSERT_OK(expr)                                                             \
  do {                                                                              \
    const auto& riec_s_ = (expr);                                                   \
    ASSERT_TRUE(::riec::testing_internal::GetStatus(riec_s_).ok())                  \
        << ::riec::testing_internal::GetStatus(riec_s_);                            \
  } while (0)
#define EXPECT_OK(expr)                                                             \
  do {                                                                              \
    const auto& riec_s_ = (expr);                                                   \
    EXPECT_TRUE(::riec::testing_internal::GetStatus(riec_s_).ok())                  \
        << ::riec::testing_internal::GetStatus(riec_s_);                            \
  } while (0)

#define ASSERT_OK_AND_ASSIGN(lhs, expr) \
  ASSERT_OK_AND_ASSIGN_IMPL_(RIEC_TEST_CONCAT_(riec_statusor_, __LINE__), lhs, expr)
#define ASSERT_OK_AND_ASSIGN_IMPL_(statusor, lhs, expr)          \
  auto statusor = (expr);                                        \
  ASSERT_TRUE(statusor.ok()) << statusor.status();               \
  lhs = std::move(statusor).value()

namespace riec {

// Matches a Status or StatusOr whose code is `code` and (optionally) whose
// message matches `message`.
MATCHER_P(StatusIs, code, "") {
  const absl::Status& s = ::riec::testing_internal::GetStatus(arg);
  *result_listener << "status " << s;
  return s.code() == code;
}
MATCHER_P2(StatusIs, code, message, "") {
  const absl::Status& s = ::riec::testing_internal::GetStatus(arg);
  *result_listener << "status " << s;
  return s.code() == code &&
         ::testing::ExplainMatchResult(message, std::string(s.message()), result_listener);
}

}  // namespace riec

#endif  // RIEC_TESTS_TESTING_STATUS_MATCHERS_H_
