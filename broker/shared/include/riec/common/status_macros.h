// Status propagation macros in the style of absl-based codebases.
//
// RETURN_IF_ERROR(expr): evaluates an absl::Status expression and returns it
// from the enclosing function if it is not OK.
// ASSIGN_OR_RETURN(lhs, expr): evaluates an absl::StatusOr<T> expression;
// returns its status if not OK, else moves the value into `lhs` (which may be a
// declaration such as `auto x`).
//
// Thread-safety: macros only; no state.
#ifndef RIEC_BROKER_COMMON_STATUS_MACROS_H_
#define RIEC_BROKER_COMMON_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define RIEC_CONCAT_INNER_(a, b) a##b
#define RIEC_CONCAT_(a, b) RIEC_CONCAT_INNER_(a, b)

#define RETURN_IF_ERROR(expr)                           \
  do {                                                  \
    if (absl::Status riec_status_ = (expr); !riec_status_.ok()) \
      return riec_status_;                              \
  } while (0)

#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL_(RIEC_CONCAT_(riec_statusor_, __LINE__), lhs, expr)

#define ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                           \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

#endif  // RIEC_BROKER_COMMON_STATUS_MACROS_H_
