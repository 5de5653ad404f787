// Checks what a plugin's Finish returns before anything is stored: the
// summary, the used items, and each record by the same rules the client API
// applies to a person's input. A failure means the plugin misbehaved.
#ifndef ATTUNE_DAEMON_PLUGINS_OUTPUT_CHECK_H_
#define ATTUNE_DAEMON_PLUGINS_OUTPUT_CHECK_H_

#include "absl/status/status.h"
#include "attune/plugin/v1/plugin.pb.h"

namespace attune {

// Normalizes in place (emotion labels lower case, intensity 0 -> 3, default
// visibilities: check-ins, appreciations and plugin records SHARED, journal
// entries PRIVATE). INVALID_ARGUMENT naming the field
// ("records[0].check_in.high: is required").
absl::Status CheckFinish(plugin::v1::FinishResponse* finish);

}  // namespace attune

#endif  // ATTUNE_DAEMON_PLUGINS_OUTPUT_CHECK_H_
