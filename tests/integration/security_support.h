// What the security tests share (ctest -L security). The tests are cut by
// subject: security_test.cc (another local user: the socket, the folders,
// the CLI), secrets_test.cc (no secret or content in a log, a plain file or
// the daemon's memory after Lock), plugin_confinement_test.cc (what a plugin
// cannot reach).
#ifndef ATTUNE_TESTS_INTEGRATION_SECURITY_SUPPORT_H_
#define ATTUNE_TESTS_INTEGRATION_SECURITY_SUPPORT_H_

#include <filesystem>
#include <string>
#include <vector>

#include "daemon_harness.h"

namespace attune::testing {

// The whole of the file at `path`.
std::string ReadAll(const std::filesystem::path& path);

// Labels of the daemon's vocabulary, for the exercise driver.
std::vector<std::string> Vocabulary(DaemonHarness& d);

}  // namespace attune::testing

#endif  // ATTUNE_TESTS_INTEGRATION_SECURITY_SUPPORT_H_
