#include "api_helpers.h"

#include <google/protobuf/util/message_differencer.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <set>

namespace attune::testing {
namespace {

using std::chrono::days;
using std::chrono::sys_days;
using std::chrono::year_month_day;

std::string FormatDay(sys_days d) {
  year_month_day ymd{d};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

sys_days ParseDay(const std::string& day) {
  int y = 0;
  unsigned m = 0;
  unsigned dd = 0;
  if (std::sscanf(day.c_str(), "%d-%u-%u", &y, &m, &dd) != 3) {
    ADD_FAILURE() << "not a day: " << day;
  }
  return sys_days{std::chrono::year{y} / std::chrono::month{m} / std::chrono::day{dd}};
}

// Stops a paging loop that never ends.
constexpr int kMaxPages = 10000;

}  // namespace

std::string UtcToday() {
  return FormatDay(std::chrono::floor<days>(std::chrono::system_clock::now()));
}

std::string AddDays(const std::string& day, int n) { return FormatDay(ParseDay(day) + days{n}); }

std::string RandomHex16() {
  std::random_device rd;
  std::uniform_int_distribution<int> digit(0, 15);
  std::string out;
  for (int i = 0; i < 16; ++i) out.push_back("0123456789abcdef"[digit(rd)]);
  return out;
}

std::vector<v1::Appreciation> ListAllAppreciations(DaemonHarness& d, int page_size) {
  auto stub = v1::AppreciationService::NewStub(d.channel());
  std::vector<v1::Appreciation> all;
  std::set<std::string> seen_tokens;
  v1::ListAppreciationsRequest req;
  req.set_page_size(page_size);
  for (int page = 0; page < kMaxPages; ++page) {
    v1::ListAppreciationsResponse resp;
    grpc::Status s = stub->ListAppreciations(DaemonHarness::Context().get(), req, &resp);
    if (!s.ok()) {
      ADD_FAILURE() << "ListAppreciations: " << Describe(s);
      return all;
    }
    all.insert(all.end(), resp.appreciations().begin(), resp.appreciations().end());
    if (resp.next_page_token().empty()) return all;
    if (!seen_tokens.insert(resp.next_page_token()).second) {
      ADD_FAILURE() << "ListAppreciations repeated a page token";
      return all;
    }
    req.set_page_token(resp.next_page_token());
  }
  ADD_FAILURE() << "ListAppreciations never reached its last page";
  return all;
}

std::vector<v1::JournalEntry> ListAllJournalEntries(DaemonHarness& d, int page_size) {
  std::vector<v1::JournalEntry> all;
  std::set<std::string> seen_tokens;
  v1::ListJournalEntriesRequest req;
  req.set_page_size(page_size);
  for (int page = 0; page < kMaxPages; ++page) {
    v1::ListJournalEntriesResponse resp;
    grpc::Status s = d.journal().ListJournalEntries(DaemonHarness::Context().get(), req, &resp);
    if (!s.ok()) {
      ADD_FAILURE() << "ListJournalEntries: " << Describe(s);
      return all;
    }
    all.insert(all.end(), resp.journal_entries().begin(), resp.journal_entries().end());
    if (resp.next_page_token().empty()) return all;
    if (!seen_tokens.insert(resp.next_page_token()).second) {
      ADD_FAILURE() << "ListJournalEntries repeated a page token";
      return all;
    }
    req.set_page_token(resp.next_page_token());
  }
  ADD_FAILURE() << "ListJournalEntries never reached its last page";
  return all;
}

std::vector<v1::CheckIn> ListAllCheckIns(DaemonHarness& d, const std::string& start_day,
                                         const std::string& end_day) {
  std::vector<v1::CheckIn> all;
  std::set<std::string> seen_tokens;
  v1::ListCheckInsRequest req;
  req.set_start_day(start_day);
  req.set_end_day(end_day);
  for (int page = 0; page < kMaxPages; ++page) {
    v1::ListCheckInsResponse resp;
    grpc::Status s = d.checkins().ListCheckIns(DaemonHarness::Context().get(), req, &resp);
    if (!s.ok()) {
      ADD_FAILURE() << "ListCheckIns: " << Describe(s);
      return all;
    }
    all.insert(all.end(), resp.check_ins().begin(), resp.check_ins().end());
    if (resp.next_page_token().empty()) return all;
    if (!seen_tokens.insert(resp.next_page_token()).second) {
      ADD_FAILURE() << "ListCheckIns repeated a page token";
      return all;
    }
    req.set_page_token(resp.next_page_token());
  }
  ADD_FAILURE() << "ListCheckIns never reached its last page";
  return all;
}

std::vector<v1::Goal> ListAllGoals(DaemonHarness& d, bool include_archived) {
  std::vector<v1::Goal> all;
  std::set<std::string> seen_tokens;
  v1::ListGoalsRequest req;
  req.set_include_archived(include_archived);
  for (int page = 0; page < kMaxPages; ++page) {
    v1::ListGoalsResponse resp;
    grpc::Status s = d.goals().ListGoals(DaemonHarness::Context().get(), req, &resp);
    if (!s.ok()) {
      ADD_FAILURE() << "ListGoals: " << Describe(s);
      return all;
    }
    all.insert(all.end(), resp.goals().begin(), resp.goals().end());
    if (resp.next_page_token().empty()) return all;
    if (!seen_tokens.insert(resp.next_page_token()).second) {
      ADD_FAILURE() << "ListGoals repeated a page token";
      return all;
    }
    req.set_page_token(resp.next_page_token());
  }
  ADD_FAILURE() << "ListGoals never reached its last page";
  return all;
}

::testing::AssertionResult ProtoEqual(const google::protobuf::Message& a,
                                      const google::protobuf::Message& b) {
  std::string diff;
  google::protobuf::util::MessageDifferencer differencer;
  differencer.ReportDifferencesToString(&diff);
  if (differencer.Compare(a, b)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "messages differ:\n"
                                       << diff << "first:\n"
                                       << a.DebugString() << "second:\n"
                                       << b.DebugString();
}

}  // namespace attune::testing
