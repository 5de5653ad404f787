// The person's home folder, for default places under it.
#ifndef ATTUNE_DAEMON_BASE_HOME_DIR_H_
#define ATTUNE_DAEMON_BASE_HOME_DIR_H_

#include <string>

namespace attune {

// $HOME when set and not empty, else the home folder the password database
// gives this process's user, else "" (never a shared place such as /tmp,
// where another user could have made the folders first).
std::string HomeDir();

}  // namespace attune

#endif  // ATTUNE_DAEMON_BASE_HOME_DIR_H_
