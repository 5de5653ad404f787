// One attune-relay process on 127.0.0.1 for tests (integration and chaos):
// started on a free port and restarted on the same one, killed with any
// signal, and its stopped data folder read with `attune-relay stats`.
#ifndef ATTUNE_TESTS_INTEGRATION_RELAY_PROCESS_H_
#define ATTUNE_TESTS_INTEGRATION_RELAY_PROCESS_H_

#include <gtest/gtest.h>
#include <sys/types.h>

#include <cstdint>
#include <string>

#include "tests/support/test_keys.h"

namespace attune::testing {

class RelayProcess {
 public:
  // A fresh data folder (a TempDir), removed with the object.
  RelayProcess();
  ~RelayProcess();
  RelayProcess(const RelayProcess&) = delete;
  RelayProcess& operator=(const RelayProcess&) = delete;

  // Starts the relay (port 0 the first time, the same port after) and
  // waits for the address it prints.
  ::testing::AssertionResult Start();
  // Sends `signal` and waits for the process to end.
  void Kill(int signal);
  bool running() const { return pid_ > 0; }

  // `attune-relay stats --json` on the stopped relay's data folder.
  std::string Stats();
  // The ops of `device` (its readable id) held in any space, from Stats().
  uint64_t HeldOf(const std::string& device);

  // "RELAY-ID@127.0.0.1:PORT", for attune relay add.
  const std::string& address() const { return address_; }
  const std::string& data() const { return data_; }
  // What the last run printed.
  const std::string& output() const { return output_; }

 private:
  TempDir root_;
  std::string data_, address_, output_;
  pid_t pid_ = 0;
  int port_ = 0;
  int runs_ = 0;
};

}  // namespace attune::testing

#endif  // ATTUNE_TESTS_INTEGRATION_RELAY_PROCESS_H_
