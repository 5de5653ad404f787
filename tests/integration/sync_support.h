// Helpers for sync tests: running the attune CLI against a daemon, pairing
// two daemons with it, and waiting for a condition.
#ifndef ATTUNE_TESTS_INTEGRATION_SYNC_SUPPORT_H_
#define ATTUNE_TESTS_INTEGRATION_SYNC_SUPPORT_H_

#include <chrono>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "daemon_harness.h"

namespace attune::testing {

struct CliResult {
  int exit_code = -1;
  std::string out;  // stdout and stderr together
};

// Runs `attune --socket <d's socket> args...` to completion.
CliResult RunCli(const DaemonHarness& d, const std::vector<std::string>& args);

// The passphrase StartPeer gives every peer.
inline constexpr char kPeerPassphrase[] = "correct horse battery";

// Starts a daemon that listens for peers on 127.0.0.1 (a free port, unless
// `extra_args` give --peer-listen) and initialises its vault with the given
// display name.
// `extra_args` go to attuned as well. Unless `reveal_together`, its person
// turns reveal together off before anything else is written: tests of sync
// compare the words each side holds, and RevealTest tests the sealing.
::testing::AssertionResult StartPeer(DaemonHarness& d, const std::string& name,
                                     const std::vector<std::string>& extra_args = {},
                                     bool reveal_together = false);

// This person's choice of reveal together (SpaceService.UpdateSpaceSettings).
grpc::Status SetRevealTogether(DaemonHarness& d, bool on);

// The first "attune-invite-…" code in a CLI's output; "" when there is none.
std::string InviteCodeIn(const std::string& out);

// `attune pair invite` on inviter, `attune pair join` on joiner; returns the
// joiner's CLI result.
CliResult PairWithCli(const DaemonHarness& inviter, const DaemonHarness& joiner);

// `attune device link` on `have`, `attune device join` on `fresh` (another
// device of the same person); returns the new device's CLI result.
CliResult LinkWithCli(const DaemonHarness& have, const DaemonHarness& fresh);

// `d`'s sync status (works while locked); a failed call fails the test.
v1::SyncStatus SyncStatusOf(DaemonHarness& d);
// `d`'s device id, as shown to people.
std::string DeviceIdOf(DaemonHarness& d);
// `d`'s member devices and removed ones (ListMembers); a failed call fails
// the test.
v1::ListMembersResponse MembersOf(DaemonHarness& d);
// The bodies of every journal entry `d` shows.
std::set<std::string> JournalBodies(DaemonHarness& d);
// Polls `condition` until it holds or `timeout` passes; returns whether it
// held. For effects that happen on another process's schedule.
bool Await(const std::function<bool()>& condition,
           std::chrono::milliseconds timeout = std::chrono::seconds(30));

// Writes a journal entry (title "a note", `body`) through the API.
grpc::Status WriteJournal(DaemonHarness& d, const std::string& body,
                          v1::Visibility visibility = v1::VISIBILITY_SHARED);

// Writes a shared check-in for `day` with `high` through the API, replacing
// the day's check-in if there is one.
grpc::Status WriteCheckIn(DaemonHarness& d, const std::string& day, const std::string& high);

// The set of "author|day|high" of every check-in the daemon shows.
std::vector<std::string> CheckInDigest(DaemonHarness& d);

}  // namespace attune::testing

#endif  // ATTUNE_TESTS_INTEGRATION_SYNC_SUPPORT_H_
