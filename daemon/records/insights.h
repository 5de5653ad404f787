// Insights: streaks, a week's summary and trends over weeks, computed from
// the records a person can read. Pure: the caller gathers the records and
// says what time it is and where; nothing here reads a store or a clock.
#ifndef ATTUNE_DAEMON_RECORDS_INSIGHTS_H_
#define ATTUNE_DAEMON_RECORDS_INSIGHTS_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "attune/v1/api.pb.h"

namespace attune {

struct InsightsInput {
  std::string me;  // this person's member id (hex), as records name authors
  // Everything of these kinds this person may see (own and shared), live.
  std::vector<v1::CheckIn> check_ins;
  std::vector<v1::Appreciation> appreciations;
  std::vector<v1::ExerciseSession> sessions;
  absl::Time now;
  absl::TimeZone zone;  // this person's: their today and their weeks
  int weeks = 12;       // trend weeks, ending with this week; 1..104
};

// The care note's words (WeekSummary.care_note).
extern const char kCareNote[];

v1::Insights ComputeInsights(const InsightsInput& in);

}  // namespace attune

#endif  // ATTUNE_DAEMON_RECORDS_INSIGHTS_H_
