// attune-web's access token: 32 random bytes, base64url, kept in a file only
// its owner may read, so that the address printed stays the same across
// restarts and `attune-web --print-url` can say it again. Thread-compatible.
#ifndef ATTUNE_CLIENTS_WEB_TOKEN_FILE_H_
#define ATTUNE_CLIENTS_WEB_TOKEN_FILE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace attune::web {

// $XDG_CONFIG_HOME/attune/web-token, else $HOME/.config/attune/web-token.
// FAILED_PRECONDITION when neither variable is set.
absl::StatusOr<std::string> DefaultTokenPath();

// The token kept at `path`. When no file is there, makes a new token and
// writes it there (mode 0600, its folder made 0700 when missing). Refuses,
// with PERMISSION_DENIED, a file that others may read or write or that
// another user owns, and a folder others may write; DATA_LOSS when the file
// does not hold a token.
absl::StatusOr<std::string> LoadOrCreateToken(const std::string& path);

// Whether the file descriptor `fd` is systemd's journal stream, as
// $JOURNAL_STREAM ("DEVICE:INODE") names it: what is written there can be
// read by others than the user (root, the adm group on Debian), so the
// token must not be.
bool IsJournalStream(int fd);

}  // namespace attune::web

#endif  // ATTUNE_CLIENTS_WEB_TOKEN_FILE_H_
