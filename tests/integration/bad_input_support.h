// What the bad-input tests share (tests/BAD_INPUT.md): a snapshot of
// everything a person can read back, cases of refused calls checked against
// it, ways to build calls, and the fixture with one daemon and one record of
// each kind. The tests are cut by door: bad_input_test.cc (the client API,
// the CLI, attuned's flags and environment), bad_input_exercise_test.cc
// (exercises and plugins), bad_input_peer_test.cc (the peer port).
#ifndef ATTUNE_TESTS_INTEGRATION_BAD_INPUT_SUPPORT_H_
#define ATTUNE_TESTS_INTEGRATION_BAD_INPUT_SUPPORT_H_

#include <gmock/gmock.h>
#include <google/protobuf/empty.pb.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>
#include <sodium.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "api_helpers.h"
#include "attune/v1/sync.grpc.pb.h"
#include "crafted_ops.h"
#include "daemon/base/hex.h"
#include "daemon/sync/invites.h"
#include "daemon/sync/membership.h"
#include "daemon/sync/tls_credentials.h"
#include "daemon/sync/tls_identity.h"
#include "daemon/vault/device_id.h"
#include "daemon/vault/op_crypto.h"
#include "daemon_harness.h"
#include "exercise_driver.h"
#include "sync_support.h"
#include "tests/support/test_keys.h"

namespace attune::testing {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using Code = grpc::StatusCode;

inline constexpr char kPassphrase[] = "bad input passphrase";
inline const std::string kUnknownId(32, '0');  // well formed, names nothing

// Everything a person can read back from `d`, and how many ops it wrote: a
// refused call must leave this exactly as it was.
std::string Snapshot(DaemonHarness& d);

// One bad request: what it is, the call, the code and a fragment of the
// message it must get.
struct Case {
  std::string what;
  std::function<grpc::Status()> call;
  Code code;
  std::string says;
};

// Runs each case against `d` and checks the refusal, that nothing changed,
// and that the daemon still answers.
void ExpectAllRefused(DaemonHarness& d, const std::vector<Case>& cases);

inline std::unique_ptr<grpc::ClientContext> Ctx() { return DaemonHarness::Context(); }

// A call to make later: `method` of `stub` with (a copy of) `request`, a
// fresh context, and a response that is thrown away.
template <typename Stub, typename Request, typename Response>
std::function<grpc::Status()> Calling(Stub& stub,
                                      grpc::Status (Stub::*method)(grpc::ClientContext*,
                                                                   const Request&, Response*),
                                      Request request) {
  return [&stub, method, request = std::move(request)] {
    Response out;
    return (stub.*method)(Ctx().get(), request, &out);
  };
}

// The same for a request that names one resource and holds nothing else.
template <typename Stub, typename Request, typename Response>
std::function<grpc::Status()> CallingWithName(
    Stub& stub, grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
    const std::string& name) {
  Request request;
  request.set_name(name);
  return Calling(stub, method, std::move(request));
}

// An update of `name`: `edit` sets the new values, `paths` the mask.
template <typename Stub, typename Request, typename Response, typename Resource>
std::function<grpc::Status()> CallingUpdate(
    Stub& stub, grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
    Resource* (Request::*resource)(), const std::string& name,
    const std::vector<std::string>& paths, const std::function<void(Resource*)>& edit) {
  Request request;
  (request.*resource)()->set_name(name);
  edit((request.*resource)());
  for (const auto& p : paths) request.mutable_update_mask()->add_paths(p);
  return Calling(stub, method, std::move(request));
}

// Sends `request` to `method` with `placeholder` in its encoding replaced by
// `raw` (as long): what a program with its own encoder could send, such as a
// string that is not UTF-8, which the C++ library refuses to encode.
grpc::Status CallRaw(const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
                     const google::protobuf::Message& request, const std::string& placeholder,
                     const std::string& raw);

class BadInputTest : public ::testing::Test {
 protected:
  void StartAndInit(const std::vector<std::string>& args = {}) {
    ASSERT_TRUE(d_.Start(args));
    ASSERT_OK(d_.InitVault(kPassphrase));
  }
  // One record of each kind, so that refusals have something to leave alone.
  void WriteOneOfEach() {
    v1::CreateJournalEntryRequest j;
    j.mutable_journal_entry()->set_title("kept");
    j.mutable_journal_entry()->set_body("an entry that must not change");
    ASSERT_OK(d_.journal().CreateJournalEntry(Ctx().get(), j, &entry_));
    v1::CreateCheckInRequest c;
    c.mutable_check_in()->set_day(AddDays(UtcToday(), -1));
    c.mutable_check_in()->set_time_zone("UTC");
    c.mutable_check_in()->set_high("a good moment");
    c.mutable_check_in()->set_low("a hard moment");
    c.mutable_check_in()->set_connection_rating(3);
    ASSERT_OK(d_.checkins().CreateCheckIn(Ctx().get(), c, &check_in_));
    v1::CreateGoalRequest g;
    g.mutable_goal()->set_title("Walk together");
    g.mutable_goal()->set_target_per_period(2);
    g.mutable_goal()->set_period(v1::GOAL_PERIOD_WEEK);
    g.mutable_goal()->set_periods(4);
    g.mutable_goal()->set_time_zone("UTC");
    g.mutable_goal()->set_start_day(AddDays(UtcToday(), -3));
    ASSERT_OK(d_.goals().CreateGoal(Ctx().get(), g, &goal_));
  }
  // A good call after the bad ones: the daemon still writes.
  void ExpectAGoodWrite() {
    v1::CreateJournalEntryRequest j;
    j.mutable_journal_entry()->set_body("written after the bad input");
    v1::JournalEntry out;
    EXPECT_OK(d_.journal().CreateJournalEntry(Ctx().get(), j, &out));
  }

  DaemonHarness d_;
  v1::JournalEntry entry_;
  v1::CheckIn check_in_;
  v1::Goal goal_;
};

// ---------------------------------------------------------------------------
// VaultService
// ---------------------------------------------------------------------------

}  // namespace attune::testing

#endif  // ATTUNE_TESTS_INTEGRATION_BAD_INPUT_SUPPORT_H_
