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

// Every item of a List call, page after page. A failed call, a repeated page
// token or a list that never ends is a test failure (what was read so far is
// returned). `call(context, request, response)` makes one call; `items(response)`
// is the page's repeated field.
template <typename Item, typename Response, typename Request, typename Call, typename Items>
std::vector<Item> PageThrough(const std::string& what, Request req, Call call, Items items) {
  std::vector<Item> all;
  std::set<std::string> seen_tokens;
  for (int page = 0; page < kMaxPages; ++page) {
    Response resp;
    grpc::Status s = call(DaemonHarness::Context().get(), req, &resp);
    if (!s.ok()) {
      ADD_FAILURE() << what << ": " << Describe(s);
      return all;
    }
    const auto& got = items(resp);
    all.insert(all.end(), got.begin(), got.end());
    if (resp.next_page_token().empty()) return all;
    if (!seen_tokens.insert(resp.next_page_token()).second) {
      ADD_FAILURE() << what << " repeated a page token";
      return all;
    }
    req.set_page_token(resp.next_page_token());
  }
  ADD_FAILURE() << what << " never reached its last page";
  return all;
}

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
  v1::ListAppreciationsRequest req;
  req.set_page_size(page_size);
  auto stub = v1::AppreciationService::NewStub(d.channel());
  return PageThrough<v1::Appreciation, v1::ListAppreciationsResponse>(
      "ListAppreciations", req,
      [&](auto* ctx, const auto& r, auto* out) { return stub->ListAppreciations(ctx, r, out); },
      [](const v1::ListAppreciationsResponse& r) -> const auto& { return r.appreciations(); });
}

std::vector<v1::JournalEntry> ListAllJournalEntries(DaemonHarness& d, int page_size) {
  v1::ListJournalEntriesRequest req;
  req.set_page_size(page_size);
  return PageThrough<v1::JournalEntry, v1::ListJournalEntriesResponse>(
      "ListJournalEntries", req,
      [&](auto* ctx, const auto& r, auto* out) {
        return d.journal().ListJournalEntries(ctx, r, out);
      },
      [](const v1::ListJournalEntriesResponse& r) -> const auto& { return r.journal_entries(); });
}

std::vector<v1::CheckIn> ListAllCheckIns(DaemonHarness& d, const std::string& start_day,
                                         const std::string& end_day) {
  v1::ListCheckInsRequest req;
  req.set_start_day(start_day);
  req.set_end_day(end_day);
  return PageThrough<v1::CheckIn, v1::ListCheckInsResponse>(
      "ListCheckIns", req,
      [&](auto* ctx, const auto& r, auto* out) { return d.checkins().ListCheckIns(ctx, r, out); },
      [](const v1::ListCheckInsResponse& r) -> const auto& { return r.check_ins(); });
}

std::vector<v1::Goal> ListAllGoals(DaemonHarness& d, bool include_archived) {
  v1::ListGoalsRequest req;
  req.set_include_archived(include_archived);
  return PageThrough<v1::Goal, v1::ListGoalsResponse>(
      "ListGoals", req,
      [&](auto* ctx, const auto& r, auto* out) { return d.goals().ListGoals(ctx, r, out); },
      [](const v1::ListGoalsResponse& r) -> const auto& { return r.goals(); });
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
