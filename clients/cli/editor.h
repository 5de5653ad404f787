// Editing text in the person's editor ($EDITOR, else vi).
#ifndef ATTUNE_CLIENTS_CLI_EDITOR_H_
#define ATTUNE_CLIENTS_CLI_EDITOR_H_

#include <string>

#include "absl/status/statusor.h"

namespace attune::cli {

// Writes `initial` to a private temporary file (mode 0600, in
// $XDG_RUNTIME_DIR when set, which is not on disk on most systems), opens it
// in the editor, and returns what was saved. The file is overwritten with
// zeros and removed afterwards. ABORTED when the editor fails.
absl::StatusOr<std::string> EditInEditor(const std::string& initial);

}  // namespace attune::cli

#endif  // ATTUNE_CLIENTS_CLI_EDITOR_H_
