// Fuzz target: what a plugin answers, checked at the edge between plugins
// and people: steps (daemon/plugins/step_check.*, with a person's answer to
// them) and Finish results (daemon/plugins/output_check.*, and the grants of
// daemon/plugins/permissions.*).
//
// The first byte chooses what the rest is:
//   even  a FinishResponse;
//   odd   frames (fuzz_support.h) of a Step and an Answer.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>

#include "daemon/plugins/output_check.h"
#include "daemon/plugins/permissions.h"
#include "daemon/plugins/step_check.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace attune;
  if (size < 1) return 0;
  if (data[0] % 2 == 0) {
    plugin::v1::FinishResponse finish;
    if (!finish.ParseFromArray(data + 1, static_cast<int>(size - 1))) return 0;
    if (!CheckFinish(&finish).ok()) return 0;
    // Checking normalizes; what is normal passes again unchanged.
    plugin::v1::FinishResponse again = finish;
    if (!CheckFinish(&again).ok() || again.SerializeAsString() != finish.SerializeAsString()) {
      fuzz::Broken("a checked Finish does not pass its check again unchanged");
    }
    plugin::v1::PluginManifest manifest;
    for (const auto& kind : KnownRecordKinds()) manifest.add_permissions(kind);
    if (!CheckOutputs(manifest, v1::Exercise(), KnownRecordKinds(), finish).ok()) {
      fuzz::Broken("a Finish is refused though every kind is granted");
    }
    for (const auto& r : finish.records()) (void)KindOf(r);
    return 0;
  }
  auto frames = fuzz::SplitFrames(data + 1, size - 1);
  if (frames.empty()) return 0;
  v1::Step step;
  if (!step.ParseFromString(frames[0])) return 0;
  std::set<std::string> used = {"used-before"};
  if (!CheckStep(&step, used).ok()) return 0;
  (void)IsInput(step);
  v1::Answer answer;
  if (frames.size() < 2 || !answer.ParseFromString(frames[1])) return 0;
  if (CheckAnswer(step, &answer).ok()) (void)AnswerText(step, answer);
  return 0;
}
