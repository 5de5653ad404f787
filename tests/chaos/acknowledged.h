// Whether a daemon shows every write it (or a partner) acknowledged, with
// the content it had when acknowledged, read through the daemon's API.
#ifndef ATTUNE_TESTS_CHAOS_ACKNOWLEDGED_H_
#define ATTUNE_TESTS_CHAOS_ACKNOWLEDGED_H_

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "daemon_harness.h"
#include "expected_state.h"

namespace attune::testing {

enum class Scope {
  // Only the writes the daemon itself acknowledged (right after a restart,
  // before sync could bring anything back).
  kOwn,
  // Also every shared write of the others; and none of their private ones.
  kAll,
};

// Who may see whose writes, when daemons are not one person each.
struct Audience {
  // The person of each label: a label's private writes show on every
  // daemon of the same person (linked devices). A label not here is a
  // person of its own.
  std::map<std::string, std::string> person;
  // Labels whose writes show nowhere but on their own daemon: a removed
  // device's writes after its removal.
  std::set<std::string> refused;
};

// Checks the daemon labelled `label` against `writes`: every write in scope
// shows, equal to what was acknowledged (goal progress: in its goal's
// status), and none that must not shows. Lists the first problems found.
::testing::AssertionResult ShowsAcknowledged(DaemonHarness& d, const std::string& label,
                                             const std::vector<AckedWrite>& writes, Scope scope,
                                             const Audience& audience = {});

}  // namespace attune::testing

#endif  // ATTUNE_TESTS_CHAOS_ACKNOWLEDGED_H_
