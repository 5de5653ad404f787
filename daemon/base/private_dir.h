// The daemon's own folders (data, socket, plugin runtime): made private, and
// refused when someone else could have made or changed them.
#ifndef ATTUNE_DAEMON_BASE_PRIVATE_DIR_H_
#define ATTUNE_DAEMON_BASE_PRIVATE_DIR_H_

#include <string>

#include "absl/status/status.h"

namespace attune {

// Makes `path` (and missing parents, mode 0700 under the daemon's umask 077)
// if it is missing, then opens it without following a symbolic link in its
// last component and checks what was opened:
// - a symbolic link, or not a folder: FAILED_PRECONDITION;
// - owned by another user (root included): FAILED_PRECONDITION, "… belongs
//   to uid N, not to you (uid M) …": another user may have made it first to
//   serve a fake daemon or read what is put there;
// - ours but writable by group or others: FAILED_PRECONDITION, since others
//   may already have put something in it;
// - ours and only readable or searchable by others (made with mkdir and a
//   umask of 022, say): its mode is set to 0700 (on the open folder, fchmod).
// `what` names the folder in messages ("data folder", "socket folder").
// UNAVAILABLE "cannot create folder PATH: …" when it cannot be made.
// The folders above `path` are trusted as they are.
absl::Status MakePrivateDir(const std::string& path, const std::string& what);

}  // namespace attune

#endif  // ATTUNE_DAEMON_BASE_PRIVATE_DIR_H_
