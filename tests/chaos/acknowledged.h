// Whether a daemon shows every write it (or a partner) acknowledged, with
// the content it had when acknowledged, read through the daemon's API.
#ifndef ATTUNE_TESTS_CHAOS_ACKNOWLEDGED_H_
#define ATTUNE_TESTS_CHAOS_ACKNOWLEDGED_H_

#include <gtest/gtest.h>

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

// Checks the daemon labelled `label` against `writes`: every write in scope
// shows, equal to what was acknowledged (goal progress: in its goal's
// status). Lists the first problems found.
::testing::AssertionResult ShowsAcknowledged(DaemonHarness& d, const std::string& label,
                                             const std::vector<AckedWrite>& writes, Scope scope);

}  // namespace attune::testing

#endif  // ATTUNE_TESTS_CHAOS_ACKNOWLEDGED_H_
