#include "acknowledged.h"

#include <map>
#include <set>
#include <sstream>

#include "api_helpers.h"

namespace attune::testing {
namespace {

constexpr size_t kMaxProblems = 10;

// Everything the daemon shows, by resource name.
struct Shown {
  std::map<std::string, v1::CheckIn> check_ins;
  std::map<std::string, v1::JournalEntry> journal;
  std::map<std::string, v1::Goal> goals;
  std::map<std::string, v1::GoalStatus> statuses;  // fetched on demand
  std::map<std::string, v1::ExerciseSession> sessions;
  bool sessions_read = false;
};

std::vector<v1::ExerciseSession> AllSessions(DaemonHarness& d, std::string* error) {
  std::vector<v1::ExerciseSession> out;
  auto stub = v1::ExerciseService::NewStub(d.channel());
  v1::ListExerciseSessionsRequest req;
  req.set_page_size(1000);
  for (int page = 0; page < 1000; ++page) {
    v1::ListExerciseSessionsResponse resp;
    grpc::Status s = stub->ListExerciseSessions(DaemonHarness::Context().get(), req, &resp);
    if (!s.ok()) {
      *error = "ListExerciseSessions: " + Describe(s);
      return out;
    }
    out.insert(out.end(), resp.sessions().begin(), resp.sessions().end());
    if (resp.next_page_token().empty()) break;
    req.set_page_token(resp.next_page_token());
  }
  return out;
}

template <typename T>
bool Parse(const AckedWrite& w, T* out) {
  return out->ParseFromString(w.record);
}

}  // namespace

::testing::AssertionResult ShowsAcknowledged(DaemonHarness& d, const std::string& label,
                                             const std::vector<AckedWrite>& writes, Scope scope,
                                             const Audience& audience) {
  Shown shown;
  for (auto& c : ListAllCheckIns(d)) shown.check_ins[c.name()] = c;
  for (auto& j : ListAllJournalEntries(d, 1000)) shown.journal[j.name()] = j;
  for (auto& g : ListAllGoals(d, true)) shown.goals[g.name()] = g;

  // Goals by name, to know whether progress on them is shared.
  std::map<std::string, v1::Goal> acked_goals;
  for (const AckedWrite& w : writes) {
    v1::Goal g;
    if (w.kind == WriteKind::kGoal && Parse(w, &g)) acked_goals[g.name()] = g;
  }

  std::vector<std::string> problems;
  size_t checked = 0;
  auto problem = [&](const AckedWrite& w, const std::string& what) {
    if (problems.size() < kMaxProblems) {
      problems.push_back(std::string(WriteKindName(w.kind)) + " acknowledged by " + w.daemon +
                         ": " + what);
    } else if (problems.size() == kMaxProblems) {
      problems.push_back("…");
    }
  };
  // Whether `w` must show here (true), must not (false).
  auto in_scope = [&](const AckedWrite& w, v1::Visibility visibility, bool* must_show) {
    if (w.daemon == label) {
      *must_show = true;
      return true;
    }
    if (scope == Scope::kOwn) return false;
    auto person = [&](const std::string& l) {
      auto it = audience.person.find(l);
      return it == audience.person.end() ? l : it->second;
    };
    *must_show = audience.refused.count(w.daemon) == 0 &&
                 (visibility == v1::VISIBILITY_SHARED || person(w.daemon) == person(label));
    return true;
  };
  // Compares a shown record with the acknowledged one.
  auto compare = [&](const AckedWrite& w, const std::string& name, bool must_show,
                     const google::protobuf::Message& acked,
                     const google::protobuf::Message* found) {
    ++checked;
    if (!must_show) {
      if (found != nullptr) {
        problem(w, name + (audience.refused.count(w.daemon) > 0
                               ? " was written by a removed device, yet shows here"
                               : " is private to its author, yet shows here"));
      }
      return;
    }
    if (found == nullptr) {
      problem(w, name + " is missing");
      return;
    }
    auto equal = ProtoEqual(acked, *found);
    if (!equal) problem(w, name + " differs: " + equal.message());
  };

  for (const AckedWrite& w : writes) {
    bool must_show = false;
    switch (w.kind) {
      case WriteKind::kCheckIn: {
        v1::CheckIn c;
        if (!Parse(w, &c)) return ::testing::AssertionFailure() << "a bad check-in record";
        if (!in_scope(w, c.visibility(), &must_show)) break;
        auto it = shown.check_ins.find(c.name());
        compare(w, c.name(), must_show, c, it == shown.check_ins.end() ? nullptr : &it->second);
        break;
      }
      case WriteKind::kJournalEntry: {
        v1::JournalEntry e;
        if (!Parse(w, &e)) return ::testing::AssertionFailure() << "a bad journal record";
        if (!in_scope(w, e.visibility(), &must_show)) break;
        auto it = shown.journal.find(e.name());
        compare(w, e.name(), must_show, e, it == shown.journal.end() ? nullptr : &it->second);
        break;
      }
      case WriteKind::kGoal: {
        v1::Goal g;
        if (!Parse(w, &g)) return ::testing::AssertionFailure() << "a bad goal record";
        if (!in_scope(w, g.visibility(), &must_show)) break;
        auto it = shown.goals.find(g.name());
        compare(w, g.name(), must_show, g, it == shown.goals.end() ? nullptr : &it->second);
        break;
      }
      case WriteKind::kGoalProgress: {
        v1::GoalProgress p;
        if (!Parse(w, &p)) return ::testing::AssertionFailure() << "a bad progress record";
        std::string goal = p.name().substr(0, p.name().find("/progress/"));
        auto acked_goal = acked_goals.find(goal);
        v1::Visibility visibility = acked_goal == acked_goals.end()
                                        ? v1::VISIBILITY_PRIVATE
                                        : acked_goal->second.visibility();
        if (!in_scope(w, visibility, &must_show)) break;
        if (!shown.statuses.count(goal)) {
          v1::GetGoalStatusRequest req;
          req.set_name(goal);
          v1::GoalStatus status;
          grpc::Status s = d.goals().GetGoalStatus(DaemonHarness::Context().get(), req, &status);
          if (!s.ok() && s.error_code() != grpc::StatusCode::NOT_FOUND) {
            problem(w, goal + ": GetGoalStatus: " + Describe(s));
          }
          shown.statuses[goal] = status;
        }
        const v1::GoalProgress* found = nullptr;
        for (const auto& r : shown.statuses[goal].recent()) {
          if (r.name() == p.name()) found = &r;
        }
        compare(w, p.name(), must_show, p, found);
        break;
      }
      case WriteKind::kSession: {
        v1::ExerciseSession s;
        if (!Parse(w, &s)) return ::testing::AssertionFailure() << "a bad session record";
        if (!in_scope(w, s.visibility(), &must_show)) break;
        if (!shown.sessions_read) {
          std::string error;
          for (auto& listed : AllSessions(d, &error)) shown.sessions[listed.name()] = listed;
          if (!error.empty()) problem(w, error);
          shown.sessions_read = true;
        }
        auto it = shown.sessions.find(s.name());
        compare(w, s.name(), must_show, s, it == shown.sessions.end() ? nullptr : &it->second);
        break;
      }
    }
  }
  if (problems.empty()) return ::testing::AssertionSuccess() << checked << " writes checked";
  std::ostringstream out;
  out << "daemon " << label << " lacks acknowledged writes (" << checked << " checked):";
  for (const auto& p : problems) out << "\n  " << p;
  return ::testing::AssertionFailure() << out.str();
}

}  // namespace attune::testing
