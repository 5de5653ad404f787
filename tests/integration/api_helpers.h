// Small helpers the integration tests share: calendar days in UTC, reading
// whole lists through the paged API, and status assertions.
#ifndef ATTUNE_TESTS_INTEGRATION_API_HELPERS_H_
#define ATTUNE_TESTS_INTEGRATION_API_HELPERS_H_

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "attune/v1/api.grpc.pb.h"
#include "daemon_harness.h"

// Asserts a gRPC status has the given code; prints code and message if not.
#define EXPECT_CODE(status_expr, code_value)                                                       \
  do {                                                                                             \
    const ::grpc::Status attune_it_s = (status_expr);                                              \
    EXPECT_EQ(attune_it_s.error_code(), (code_value)) << ::attune::testing::Describe(attune_it_s); \
  } while (0)
#define ASSERT_OK(status_expr)                                                 \
  do {                                                                         \
    const ::grpc::Status attune_it_s = (status_expr);                          \
    ASSERT_TRUE(attune_it_s.ok()) << ::attune::testing::Describe(attune_it_s); \
  } while (0)
#define EXPECT_OK(status_expr)                                                 \
  do {                                                                         \
    const ::grpc::Status attune_it_s = (status_expr);                          \
    EXPECT_TRUE(attune_it_s.ok()) << ::attune::testing::Describe(attune_it_s); \
  } while (0)

namespace attune::testing {

// Today's date in UTC, "YYYY-MM-DD".
std::string UtcToday();
// day + n days (n may be negative); day is "YYYY-MM-DD".
std::string AddDays(const std::string& day, int n);

// 16 random lowercase hex digits.
std::string RandomHex16();

// Every record of a kind, following next_page_token to the end. A failed call
// or a page token loop is reported as a test failure.
std::vector<v1::JournalEntry> ListAllJournalEntries(DaemonHarness& d, int page_size = 0);
// Every appreciation the daemon lists, newest first, page by page.
std::vector<v1::Appreciation> ListAllAppreciations(DaemonHarness& d, int page_size = 0);
std::vector<v1::CheckIn> ListAllCheckIns(DaemonHarness& d, const std::string& start_day = "",
                                         const std::string& end_day = "");
std::vector<v1::Goal> ListAllGoals(DaemonHarness& d, bool include_archived);

// Whether two messages are equal, with a readable difference when not.
::testing::AssertionResult ProtoEqual(const google::protobuf::Message& a,
                                      const google::protobuf::Message& b);

}  // namespace attune::testing

#endif  // ATTUNE_TESTS_INTEGRATION_API_HELPERS_H_
