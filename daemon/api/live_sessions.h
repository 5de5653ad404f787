// Exercise sessions under way, held in memory until they finish, are
// abandoned, or go without an answer for too long. Nothing of a session is
// stored before it finishes.
#ifndef ATTUNE_DAEMON_API_LIVE_SESSIONS_H_
#define ATTUNE_DAEMON_API_LIVE_SESSIONS_H_

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "attune/plugin/v1/plugin.pb.h"
#include "attune/v1/records.pb.h"
#include "daemon/base/clock.h"
#include "daemon/plugins/discovery.h"

namespace attune {

// One session under way. Only the caller that checked it out touches it.
struct LiveSessionData {
  // "sessions/{32 hex}".
  std::string name;
  // The plugin as found when the session started, and the exercise.
  FoundPlugin plugin;
  // The version of the plugin process that answered Finish, which produced
  // the output (a newer version may be installed while an older process
  // still runs): what the session record names. Empty until Finish.
  std::string served_version;
  v1::Exercise exercise;
  // What every call to the plugin carries.
  plugin::v1::SessionContext context;
  // The steps answered so far, and the step waiting for an answer.
  std::vector<plugin::v1::Exchange> transcript;
  v1::Step current;
  std::set<std::string> used_keys;
  absl::Time start_time;
  v1::Visibility visibility = v1::VISIBILITY_UNSPECIFIED;  // as the person chose
  // The person allowed the session to replace their check-in for the day
  // (StartSessionRequest and AnswerStepRequest.replace_check_in).
  bool replace_check_in = false;
};

// Thread-safe.
class LiveSessions {
 public:
  // Sessions untouched for `ttl` by `clock` are dropped; at most `capacity`
  // at once. `clock` must outlive the table.
  LiveSessions(absl::Duration ttl, size_t capacity, const Clock* clock)
      : ttl_(ttl), capacity_(capacity), clock_(clock) {}

  // RESOURCE_EXHAUSTED when `capacity` sessions are under way.
  absl::Status Add(std::shared_ptr<LiveSessionData> session);

  // Takes the session for one answer, so no other answer to it is handled
  // meanwhile. NOT_FOUND when there is no such session (finished, abandoned
  // or expired); FAILED_PRECONDITION while another answer is being handled.
  absl::StatusOr<std::shared_ptr<LiveSessionData>> Checkout(const std::string& name);
  // Gives it back after the answer, counting as activity.
  void Return(const std::string& name);
  // Ends it. Returns the session, or null when there was none.
  std::shared_ptr<LiveSessionData> Remove(const std::string& name);

 private:
  struct Entry {
    std::shared_ptr<LiveSessionData> data;
    absl::Time touched;
    bool busy = false;
  };
  void DropExpiredLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const absl::Duration ttl_;
  const size_t capacity_;
  const Clock* const clock_;
  absl::Mutex mu_;
  std::map<std::string, Entry> sessions_ ABSL_GUARDED_BY(mu_);
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_API_LIVE_SESSIONS_H_
