// The whole test run's daemon logs and canaries.
//
// Every DaemonHarness hands what its daemons wrote outside the sealed store
// (their stderr, RocksDB's LOG files) to KeepDaemonLogs, and every string a
// test sends the daemon as a person's words or secrets (journal bodies,
// check-in highs and lows, notes, answers, passphrases, invite codes) is
// noted as a canary through the channel's interceptor. After the last test,
// tests/support/check-log-canaries greps every kept log for every canary of
// the run: a daemon that logs one test's words in another test's run is
// caught too.
//
// Both go to the folder ATTUNE_TEST_LOG_DIR names (compiled in: the build's
// test-logs/, emptied by the test_logs_clear fixture when CTest starts).
// Thread-safe.
#ifndef ATTUNE_TESTS_INTEGRATION_RUN_LOG_H_
#define ATTUNE_TESTS_INTEGRATION_RUN_LOG_H_

#include <grpcpp/support/client_interceptor.h>

#include <memory>
#include <string>
#include <vector>

namespace attune::testing {

// Remembers `canary` for the whole-run check (ignored when shorter than 8
// bytes or holding a line break).
void NoteCanary(const std::string& canary);

// Copies the daemon's stderr files (`root`/*.stderr) and RocksDB LOG files
// under `data_dir` into the run's log folder.
void KeepDaemonLogs(const std::string& root, const std::string& data_dir);

// Interceptors for a channel to a daemon: each request's content strings are
// noted as canaries.
std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>>
CanaryInterceptors();

}  // namespace attune::testing

#endif  // ATTUNE_TESTS_INTEGRATION_RUN_LOG_H_
