// A couple's study plan, kept as the plugin's own record ("plan"): what they
// study, how many units, how far they got, and the homework they agreed on.
// Stored as "key=value" lines.
#ifndef ATTUNE_PLUGINS_STUDY_PLAN_H_
#define ATTUNE_PLUGINS_STUDY_PLAN_H_

#include <optional>
#include <string>

namespace attune::study {

struct Plan {
  // "book", "course", "podcast" or "workshop".
  std::string kind;
  std::string title;
  // Units in the plan (one a week) and how many were discussed.
  int units = 0;
  int done = 0;
  // When in the week each does the unit.
  std::string rhythm;
  // The practice agreed on at the last discussion, and the day.
  std::string homework;
  std::string last_day;
};

std::string Encode(const Plan& plan);
// nullopt when `data` is not a plan.
std::optional<Plan> Decode(const std::string& data);

// What a unit is called for the kind: "chapter", "lesson", "episode",
// "session".
std::string UnitWord(const std::string& kind);

}  // namespace attune::study

#endif  // ATTUNE_PLUGINS_STUDY_PLAN_H_
