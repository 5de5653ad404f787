// Real daemons as sync peers for chaos tests: starting and restarting them
// with a peer listener on 127.0.0.1, pairing them through the API, reading
// their state digests and waiting until they agree.
#ifndef ATTUNE_TESTS_CHAOS_PEERS_H_
#define ATTUNE_TESTS_CHAOS_PEERS_H_

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "attune/v1/api.grpc.pb.h"
#include "daemon_harness.h"
#include "sync_support.h"  // kPeerPassphrase, the same for every peer

namespace attune::testing {

// The flags every chaos peer runs with: a peer listener on 127.0.0.1 (a free
// port, kept across restarts), then `extra`.
std::vector<std::string> PeerFlags(const std::vector<std::string>& extra = {});

// Starts attuned with `flags` and creates its vault, named `name`; its
// person turns reveal together off.
::testing::AssertionResult StartPeerWith(DaemonHarness& d, const std::string& name,
                                         const std::vector<std::string>& flags);
// Starts attuned with `flags` and creates its vault, and nothing else: a
// device that can still be linked to another of its person's (it has
// written nothing).
::testing::AssertionResult StartPeerToLink(DaemonHarness& d, const std::string& name,
                                           const std::vector<std::string>& flags);
// After Kill() or Stop(): starts it again with `flags` and unlocks it.
::testing::AssertionResult RestartPeer(DaemonHarness& d, const std::vector<std::string>& flags);

// An invite from `inviter` (starting its listener), then `joiner` joins;
// as another device of the inviter's person with `own_device`.
::testing::AssertionResult Pair(DaemonHarness& inviter, DaemonHarness& joiner,
                                bool own_device = false);
// The port `d` listens on for peers; 0 while its listener is off.
uint16_t PeerListenPort(DaemonHarness& d);

grpc::Status GetDigest(DaemonHarness& d, v1::StateDigest* out);
grpc::Status GetSyncStatus(DaemonHarness& d, v1::SyncStatus* out);

// Waits until every daemon shows the same state digest and version vector.
// On timeout, says what each showed.
::testing::AssertionResult AwaitConvergence(const std::vector<DaemonHarness*>& daemons,
                                            std::chrono::seconds timeout);
// Waits until every daemon shows the same state digest (the shared records),
// whatever ops each holds: after a removal, a daemon may hold ops of the
// removed device that no longer count.
::testing::AssertionResult AwaitSameRecords(const std::vector<DaemonHarness*>& daemons,
                                            std::chrono::seconds timeout);

}  // namespace attune::testing

#endif  // ATTUNE_TESTS_CHAOS_PEERS_H_
