#include "sync_support.h"

#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <thread>

#include "api_helpers.h"

namespace attune::testing {
namespace {

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

}  // namespace

CliResult RunCli(const DaemonHarness& d, const std::vector<std::string>& args) {
  std::string command = Quote(ATTUNE_CLI_PATH) + " --socket " + Quote(d.socket_path());
  for (const auto& a : args) command += " " + Quote(a);
  command += " 2>&1 </dev/null";
  CliResult result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) result.out.append(buffer, n);
  int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

grpc::Status WriteJournal(DaemonHarness& d, const std::string& body, v1::Visibility visibility) {
  v1::CreateJournalEntryRequest request;
  request.mutable_journal_entry()->set_title("a note");
  request.mutable_journal_entry()->set_body(body);
  request.mutable_journal_entry()->set_visibility(visibility);
  v1::JournalEntry out;
  return d.journal().CreateJournalEntry(DaemonHarness::Context().get(), request, &out);
}

grpc::Status SetRevealTogether(DaemonHarness& d, bool on) {
  v1::UpdateSpaceSettingsRequest request;
  request.set_reveal_together(on);
  v1::SpaceSettings settings;
  return v1::SpaceService::NewStub(d.channel())
      ->UpdateSpaceSettings(DaemonHarness::Context(std::chrono::seconds(30)).get(), request,
                            &settings);
}

::testing::AssertionResult StartPeer(DaemonHarness& d, const std::string& name,
                                     const std::vector<std::string>& extra_args,
                                     bool reveal_together) {
  std::vector<std::string> args = extra_args;
  if (std::find(args.begin(), args.end(), "--peer-listen") == args.end()) {
    args.insert(args.end(), {"--peer-listen", "127.0.0.1:0"});
  }
  auto started = d.Start(args);
  if (!started) return started;
  v1::InitRequest request;
  request.set_passphrase(kPeerPassphrase);
  d.NoteSecret(request.passphrase());
  request.set_display_name(name);
  request.set_kdf_cost(v1::KDF_COST_TEST_ONLY_MINIMUM);
  v1::VaultStatus status;
  auto ctx = DaemonHarness::Context(std::chrono::seconds(30));
  grpc::Status s = d.vault().Init(ctx.get(), request, &status);
  if (!s.ok()) return ::testing::AssertionFailure() << "Init: " << Describe(s);
  if (!reveal_together) {
    if (s = SetRevealTogether(d, false); !s.ok()) {
      return ::testing::AssertionFailure() << "reveal together off: " << Describe(s);
    }
  }
  return ::testing::AssertionSuccess();
}

std::string InviteCodeIn(const std::string& out) {
  auto start = out.find("attune-invite-");
  if (start == std::string::npos) return "";
  return out.substr(start, out.find_first_of(" \n", start) - start);
}

namespace {

// `command` invite on `inviter`, then its join with the code on `joiner`.
CliResult InviteAndJoin(const DaemonHarness& inviter, const DaemonHarness& joiner,
                        const std::string& command, const std::string& invite_verb) {
  CliResult invite = RunCli(inviter, {command, invite_verb, "--no-qr"});
  if (invite.exit_code != 0) return invite;
  const std::string code = InviteCodeIn(invite.out);
  if (code.empty()) return invite;
  return RunCli(joiner, {command, "join", code});
}

}  // namespace

CliResult PairWithCli(const DaemonHarness& inviter, const DaemonHarness& joiner) {
  return InviteAndJoin(inviter, joiner, "pair", "invite");
}

CliResult LinkWithCli(const DaemonHarness& have, const DaemonHarness& fresh) {
  return InviteAndJoin(have, fresh, "device", "link");
}

v1::SyncStatus SyncStatusOf(DaemonHarness& d) {
  v1::SyncStatus status;
  auto s = v1::SyncService::NewStub(d.channel())
               ->GetSyncStatus(DaemonHarness::Context(std::chrono::seconds(30)).get(), {}, &status);
  EXPECT_TRUE(s.ok()) << Describe(s);
  return status;
}

std::string DeviceIdOf(DaemonHarness& d) {
  v1::VaultStatus status;
  auto s = d.GetStatus(&status);
  EXPECT_TRUE(s.ok()) << Describe(s);
  return status.device_id();
}

v1::ListMembersResponse MembersOf(DaemonHarness& d) {
  v1::ListMembersResponse members;
  auto s = v1::SpaceService::NewStub(d.channel())
               ->ListMembers(DaemonHarness::Context().get(), {}, &members);
  EXPECT_TRUE(s.ok()) << Describe(s);
  return members;
}

std::set<std::string> JournalBodies(DaemonHarness& d) {
  std::set<std::string> out;
  for (const auto& e : ListAllJournalEntries(d)) out.insert(e.body());
  return out;
}

bool Await(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

grpc::Status WriteCheckIn(DaemonHarness& d, const std::string& day, const std::string& high) {
  v1::CreateCheckInRequest request;
  v1::CheckIn* c = request.mutable_check_in();
  c->set_day(day);
  c->set_time_zone("UTC");
  c->set_high(high);
  c->set_low("a low moment");
  c->set_connection_rating(4);
  c->set_visibility(v1::VISIBILITY_SHARED);
  request.set_replace(true);
  v1::CheckIn out;
  auto ctx = DaemonHarness::Context();
  return d.checkins().CreateCheckIn(ctx.get(), request, &out);
}

std::vector<std::string> CheckInDigest(DaemonHarness& d) {
  std::vector<std::string> out;
  for (const auto& c : ListAllCheckIns(d)) {
    out.push_back(c.author() + "|" + c.day() + "|" + c.high());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace attune::testing
