// Early-return helpers for absl::Status and absl::StatusOr.
#ifndef ATTUNE_CLIENTS_CLI_STATUS_MACROS_H_
#define ATTUNE_CLIENTS_CLI_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Returns the status of `expr` from the current function unless it is OK.
#define ATTUNE_RETURN_IF_ERROR(expr)                                  \
  do {                                                                \
    if (absl::Status attune_status_ = (expr); !attune_status_.ok()) { \
      return attune_status_;                                          \
    }                                                                 \
  } while (false)

#define ATTUNE_STATUS_CONCAT_INNER_(a, b) a##b
#define ATTUNE_STATUS_CONCAT_(a, b) ATTUNE_STATUS_CONCAT_INNER_(a, b)

// `lhs = *expr` when `expr` (an absl::StatusOr) is OK, else returns its
// status. `lhs` may declare a variable: ATTUNE_ASSIGN_OR_RETURN(auto x, F());
// Expands to several statements: use braces around it under an `if`.
#define ATTUNE_ASSIGN_OR_RETURN(lhs, expr) \
  ATTUNE_ASSIGN_OR_RETURN_IMPL_(ATTUNE_STATUS_CONCAT_(attune_statusor_, __LINE__), lhs, expr)

#define ATTUNE_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                  \
  if (!statusor.ok()) return statusor.status();            \
  lhs = *std::move(statusor)

#endif  // ATTUNE_CLIENTS_CLI_STATUS_MACROS_H_
