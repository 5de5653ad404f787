// No secret or content leaves the sealed store, checked against the real
// daemon: none reaches a log or a plain file, and Lock() really drops the
// keys and the passphrase from the daemon's memory. The other security
// tests: security_test.cc (another local user), plugin_confinement_test.cc
// (what a plugin cannot reach).
#include <fcntl.h>
#include <gmock/gmock.h>
#include <grpcpp/create_channel.h>
#include <gtest/gtest.h>
#include <sodium.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "api_helpers.h"
#include "attune/v1/sync.grpc.pb.h"
#include "daemon/plugins/dirs.h"
#include "daemon/sync/invites.h"
#include "daemon/sync/tls_credentials.h"
#include "daemon/vault/secret.h"
#include "daemon_harness.h"
#include "exercise_driver.h"
#include "security_support.h"
#include "tests/support/test_keys.h"
#include "tests/support/test_plugin.h"

namespace attune::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// A distinctive string that appears nowhere unless a test put it there.
std::string Canary(const std::string& what) { return "canary-" + what + "-" + RandomHex16(); }

// Every regular file under `root`, read whole.
std::map<std::string, std::string> FilesUnder(const std::string& root) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(root, ec)) {
    if (e.is_regular_file()) out[e.path().string()] = ReadAll(e.path());
  }
  return out;
}

grpc::Status InitAs(DaemonHarness& d, const std::string& passphrase, const std::string& name) {
  v1::InitRequest request;
  request.set_passphrase(passphrase);
  request.set_display_name(name);
  request.set_kdf_cost(v1::KDF_COST_TEST_ONLY_MINIMUM);
  d.NoteSecret(passphrase);
  v1::VaultStatus status;
  return d.vault().Init(DaemonHarness::Context(std::chrono::seconds(30)).get(), request, &status);
}

// ---------------------------------------------------------------------------
// No secret or content in logs or plain files
// ---------------------------------------------------------------------------

// Alex (with plugins) and Sam, paired, used the way people use them, with a
// canary in every secret and every piece of content, and in bad input; then
// every byte the daemons wrote outside the sealed store is searched.
TEST(SecurityTest, NoSecretOrContentReachesALogOrAPlainFile) {
  struct Canaries {
    std::string alex_pass = Canary("alex-passphrase");
    std::string sam_pass = Canary("sam-passphrase");
    std::string wrong_pass = Canary("wrong-passphrase");
    std::string reinit_pass = Canary("reinit-passphrase");
    std::string journal_title = Canary("journal-title");
    std::string journal_body = Canary("journal-body");
    std::string journal_edit = Canary("journal-edit");
    std::string shared_body = Canary("shared-journal");
    std::string high = Canary("checkin-high");
    std::string low = Canary("checkin-low");
    std::string note = Canary("checkin-note");
    std::string sam_high = Canary("sam-checkin");
    std::string goal_title = Canary("goal-title");
    std::string progress_note = Canary("progress-note");
    std::string plugin_answer = Canary("plugin-answer");
    std::string plugin_echoed = Canary("plugin-echoed");
    std::string option_value = Canary("option");
    std::string bad_high = Canary("bad-checkin");
    std::string bad_name = Canary("bad-name");
    std::string bad_mask = Canary("bad-mask");
    std::string bad_code = Canary("bad-invite");
    std::string bad_zone = Canary("bad-zone");
    std::string bad_day = Canary("bad-day");
    std::string bad_label = Canary("bad-label");
    std::string bad_device = Canary("bad-device");
    std::vector<std::string> All() const {
      return {alex_pass,     sam_pass,     wrong_pass,  reinit_pass,   journal_title,
              journal_body,  journal_edit, shared_body, high,          low,
              note,          sam_high,     goal_title,  progress_note, plugin_answer,
              plugin_echoed, option_value, bad_high,    bad_name,      bad_mask,
              bad_code,      bad_zone,     bad_day,     bad_label,     bad_device};
    }
  } c;

  DaemonHarness alex, sam;
  const std::string plugins = alex.root() + "/user-plugins";
  fs::create_directories(plugins);
  ASSERT_NE(MakeTestPlugin(plugins, "tp", "normal", "journal_entry,check_in", "1.0.0", "tp-"), "");
  ASSERT_TRUE(alex.Start({"--plugins-dir", plugins, "--peer-listen", "127.0.0.1:0",
                          "--plugin-restart-backoff", "0.05"}));
  ASSERT_TRUE(sam.Start({"--peer-listen", "127.0.0.1:0"}));
  ASSERT_OK(InitAs(alex, c.alex_pass, "Alex"));
  ASSERT_OK(InitAs(sam, c.sam_pass, "Sam"));
  auto ctx = [] { return DaemonHarness::Context(std::chrono::seconds(30)); };

  // The vault: a wrong passphrase, a second Init, lock and unlock.
  ASSERT_OK(alex.Lock());
  EXPECT_CODE(alex.Unlock(c.wrong_pass), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_CODE(InitAs(alex, c.reinit_pass, "Alex"), grpc::StatusCode::ALREADY_EXISTS);
  ASSERT_OK(alex.Unlock(c.alex_pass));

  // Content of every kind.
  v1::CreateJournalEntryRequest jreq;
  jreq.mutable_journal_entry()->set_title(c.journal_title);
  jreq.mutable_journal_entry()->set_body(c.journal_body);
  v1::JournalEntry entry;
  ASSERT_OK(alex.journal().CreateJournalEntry(ctx().get(), jreq, &entry));
  v1::UpdateJournalEntryRequest ureq;
  ureq.mutable_journal_entry()->set_name(entry.name());
  ureq.mutable_journal_entry()->set_body(c.journal_edit);
  ureq.mutable_update_mask()->add_paths("body");
  ASSERT_OK(alex.journal().UpdateJournalEntry(ctx().get(), ureq, &entry));
  v1::CreateCheckInRequest creq;
  creq.mutable_check_in()->set_high(c.high);
  creq.mutable_check_in()->set_low(c.low);
  creq.mutable_check_in()->set_note(c.note);
  creq.mutable_check_in()->set_connection_rating(4);
  creq.mutable_check_in()->set_time_zone("UTC");
  v1::CheckIn check_in;
  ASSERT_OK(alex.checkins().CreateCheckIn(ctx().get(), creq, &check_in));
  v1::CreateGoalRequest greq;
  greq.mutable_goal()->set_title(c.goal_title);
  greq.mutable_goal()->set_target_per_period(2);
  greq.mutable_goal()->set_period(v1::GOAL_PERIOD_WEEK);
  greq.mutable_goal()->set_periods(4);
  greq.mutable_goal()->set_time_zone("UTC");
  v1::Goal goal;
  ASSERT_OK(alex.goals().CreateGoal(ctx().get(), greq, &goal));
  v1::LogProgressRequest preq;
  preq.set_parent(goal.name());
  preq.mutable_progress()->set_note(c.progress_note);
  v1::GoalProgress progress;
  ASSERT_OK(alex.goals().LogProgress(ctx().get(), preq, &progress));

  // Bad input carrying canaries: refused, and the refusals may quote them
  // back to the caller, but never into the log.
  {
    v1::CreateCheckInRequest bad = creq;
    bad.mutable_check_in()->set_high(c.bad_high);
    bad.mutable_check_in()->set_connection_rating(9);
    v1::CheckIn out;
    EXPECT_CODE(alex.checkins().CreateCheckIn(ctx().get(), bad, &out),
                grpc::StatusCode::INVALID_ARGUMENT);
    bad = creq;
    bad.mutable_check_in()->set_time_zone(c.bad_zone);
    EXPECT_CODE(alex.checkins().CreateCheckIn(ctx().get(), bad, &out),
                grpc::StatusCode::INVALID_ARGUMENT);
    bad = creq;
    bad.mutable_check_in()->set_day(c.bad_day);
    EXPECT_CODE(alex.checkins().CreateCheckIn(ctx().get(), bad, &out),
                grpc::StatusCode::INVALID_ARGUMENT);
    bad = creq;
    bad.mutable_check_in()->add_emotions()->set_label(c.bad_label);
    EXPECT_CODE(alex.checkins().CreateCheckIn(ctx().get(), bad, &out),
                grpc::StatusCode::INVALID_ARGUMENT);
    v1::GetJournalEntryRequest get;
    get.set_name("journalEntries/" + c.bad_name);
    v1::JournalEntry got;
    grpc::Status s = alex.journal().GetJournalEntry(ctx().get(), get, &got);
    EXPECT_CODE(s, grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(s.error_message(), HasSubstr(c.bad_name)) << "the caller is told what was wrong";
    v1::UpdateJournalEntryRequest mask = ureq;
    mask.mutable_update_mask()->add_paths(c.bad_mask);
    EXPECT_CODE(alex.journal().UpdateJournalEntry(ctx().get(), mask, &got),
                grpc::StatusCode::INVALID_ARGUMENT);
    v1::JoinSpaceRequest join;
    join.set_code("attune-invite-" + c.bad_code);
    v1::JoinSpaceResponse joined;
    EXPECT_CODE(v1::SpaceService::NewStub(sam.channel())->JoinSpace(ctx().get(), join, &joined),
                grpc::StatusCode::INVALID_ARGUMENT);
    v1::GetSafetyNumberRequest safety;
    safety.set_device_id(c.bad_device);
    v1::SafetyNumber number;
    EXPECT_FALSE(v1::SpaceService::NewStub(alex.channel())
                     ->GetSafetyNumber(ctx().get(), safety, &number)
                     .ok());
  }

  // Pairing and sync both ways.
  v1::Invite invite;
  ASSERT_OK(v1::SpaceService::NewStub(alex.channel())
                ->CreateInvite(ctx().get(), v1::CreateInviteRequest(), &invite));
  v1::JoinSpaceRequest join;
  join.set_code(invite.code());
  v1::JoinSpaceResponse joined;
  ASSERT_OK(v1::SpaceService::NewStub(sam.channel())->JoinSpace(ctx().get(), join, &joined));
  // Sam turns reveal together off (RevealTest has it on): Alex's own
  // check-in here is private, and Sam's must reach Alex in words.
  v1::UpdateSpaceSettingsRequest off;
  off.set_reveal_together(false);
  v1::SpaceSettings settings;
  ASSERT_OK(
      v1::SpaceService::NewStub(sam.channel())->UpdateSpaceSettings(ctx().get(), off, &settings));
  v1::CreateCheckInRequest sam_checkin;
  sam_checkin.mutable_check_in()->set_high(c.sam_high);
  sam_checkin.mutable_check_in()->set_visibility(v1::VISIBILITY_SHARED);
  sam_checkin.mutable_check_in()->set_low("a low moment");
  sam_checkin.mutable_check_in()->set_connection_rating(3);
  sam_checkin.mutable_check_in()->set_time_zone("UTC");
  ASSERT_OK(sam.checkins().CreateCheckIn(ctx().get(), sam_checkin, &check_in));
  v1::CreateJournalEntryRequest shared;
  shared.mutable_journal_entry()->set_body(c.shared_body);
  shared.mutable_journal_entry()->set_visibility(v1::VISIBILITY_SHARED);
  ASSERT_OK(alex.journal().CreateJournalEntry(ctx().get(), shared, &entry));
  ASSERT_TRUE(Eventually([&] {
    for (const auto& ci : ListAllCheckIns(alex)) {
      if (ci.high() == c.sam_high) return true;
    }
    return false;
  })) << "Sam's check-in never reached Alex";
  ASSERT_TRUE(Eventually([&] {
    for (const auto& e : ListAllJournalEntries(sam)) {
      if (e.body() == c.shared_body) return true;
    }
    return false;
  })) << "Alex's shared entry never reached Sam";

  // An exercise: the plugin gets the person's words and options, stores a
  // journal entry with them; then a plugin answer the daemon refuses, whose
  // refusal quotes the person's words.
  ExerciseDriver driver(alex.channel(), Vocabulary(alex));
  v1::GrantPermissionsRequest grant;
  grant.set_plugin("tp");
  v1::PluginInfo info;
  ASSERT_OK(driver.plugins().GrantPermissions(ctx().get(), grant, &info));
  v1::StartSessionRequest start;
  start.set_exercise("tp-echo");
  (*start.mutable_options())["records"] = "journal_entry";
  (*start.mutable_options())["note"] = c.option_value;
  driver.overrides["words"] = Text(c.plugin_answer);
  auto run = driver.RunSession(start);
  ASSERT_OK(run.status);
  EXPECT_THAT(run.last.record().summary(), HasSubstr(c.plugin_answer));
  start.mutable_options()->clear();
  (*start.mutable_options())["bad_records"] = "echo";
  driver.overrides["words"] = Text(c.plugin_echoed);
  auto refused = driver.RunSession(start);
  EXPECT_CODE(refused.status, grpc::StatusCode::ABORTED);
  EXPECT_THAT(refused.status.error_message(), HasSubstr(c.plugin_echoed))
      << "the person is told what the plugin got wrong";
  ASSERT_TRUE(Eventually([&] { return driver.Plugin("tp").failures() == 1; }));

  ASSERT_OK(alex.Lock());
  ASSERT_EQ(alex.Stop(), 0) << alex.StderrSinceStart();
  ASSERT_EQ(sam.Stop(), 0) << sam.StderrSinceStart();

  // Controls: the logs were captured and tell of what happened; the scan
  // does find what the store keeps in the clear (the public display name).
  const std::string alex_log = alex.AllStderr();
  EXPECT_THAT(alex_log, HasSubstr("unlock refused: wrong passphrase"));
  EXPECT_THAT(alex_log, HasSubstr("paired with device"));
  EXPECT_THAT(alex_log,
              HasSubstr("plugin tp 1.0.0 returned bad records (records[0].check_in.day)"));
  EXPECT_THAT(sam.AllStderr(), HasSubstr("joined the space of device"));
  bool display_name_seen = false;
  for (const auto& [path, bytes] : FilesUnder(alex.data_dir())) {
    display_name_seen |= bytes.find("Alex") != std::string::npos;
  }
  EXPECT_TRUE(display_name_seen) << "the scan cannot even find the public display name";

  // Everything under each daemon's folder: its log, the data folder (SST,
  // WAL, MANIFEST and OPTIONS files, the lock file), and any other file it
  // wrote there; and the plugin runtime folder.
  for (DaemonHarness* d : {&alex, &sam}) {
    auto files = FilesUnder(d->root());
    for (auto& [path, bytes] : FilesUnder(PluginRuntimeDir(d->socket_path()))) {
      files[path] = std::move(bytes);
    }
    ASSERT_GE(files.size(), 6u) << d->root();
    bool saw_options = false, saw_manifest = false;
    for (const auto& [path, bytes] : files) {
      std::string file = fs::path(path).filename().string();
      saw_options |= file.rfind("OPTIONS-", 0) == 0;
      saw_manifest |= file.rfind("MANIFEST-", 0) == 0;
      for (const std::string& canary : c.All()) {
        EXPECT_EQ(bytes.find(canary), std::string::npos) << canary << " found in " << path;
        // Its random half alone (the tail after the last '-') too.
        EXPECT_EQ(bytes.find(canary.substr(canary.rfind('-') + 1)), std::string::npos)
            << canary << " (its random part) found in " << path;
      }
    }
    // RocksDB's own log lines go to the daemon's stderr (searched above), so
    // there is no LOG file; its OPTIONS and MANIFEST files must be there.
    EXPECT_TRUE(saw_options && saw_manifest) << "RocksDB's files were not among those searched";
  }
}

// ---------------------------------------------------------------------------
// Keys leave memory at Lock
// ---------------------------------------------------------------------------

// How often each needle occurs in the memory of `pid` that is not a file
// mapping: the heap, the stacks, anonymous mappings (libsodium's guarded
// pages included). `bytes` says how much was read.
std::map<std::string, int> ScanMemory(pid_t pid, const std::vector<std::string>& needles,
                                      size_t* bytes) {
  std::map<std::string, int> hits;
  for (const auto& n : needles) hits[n] = 0;
  *bytes = 0;
  size_t longest = 0;
  for (const auto& n : needles) longest = std::max(longest, n.size());
  std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
  int mem = ::open(("/proc/" + std::to_string(pid) + "/mem").c_str(), O_RDONLY | O_CLOEXEC);
  if (mem < 0) {
    ADD_FAILURE() << "cannot open the daemon's memory: " << std::strerror(errno);
    return hits;
  }
  std::string line;
  std::vector<char> buffer(1 << 20);
  while (std::getline(maps, line)) {
    std::istringstream fields(line);
    std::string range, perms, offset, dev, inode, path;
    fields >> range >> perms >> offset >> dev >> inode;
    std::getline(fields >> std::ws, path);
    if (perms.empty() || perms[0] != 'r') continue;
    if (!path.empty() && path != "[heap]" && path.rfind("[stack", 0) != 0 &&
        path.rfind("[anon", 0) != 0) {
      continue;  // a file, or the vdso
    }
    uint64_t start = std::stoull(range.substr(0, range.find('-')), nullptr, 16);
    uint64_t end = std::stoull(range.substr(range.find('-') + 1), nullptr, 16);
    // Sanitizers reserve terabytes of shadow memory; no key lives there.
    if (end - start > (uint64_t{1} << 30)) continue;
    std::string carry;
    for (uint64_t at = start; at < end;) {
      size_t want = static_cast<size_t>(std::min<uint64_t>(buffer.size(), end - at));
      ssize_t n = ::pread(mem, buffer.data(), want, static_cast<off_t>(at));
      if (n <= 0) break;
      *bytes += static_cast<size_t>(n);
      std::string window = carry + std::string(buffer.data(), static_cast<size_t>(n));
      for (const auto& needle : needles) {
        for (size_t p = window.find(needle); p != std::string::npos;
             p = window.find(needle, p + 1)) {
          // A match wholly inside the carried-over part was counted already.
          if (p + needle.size() > carry.size()) ++hits[needle];
        }
      }
      carry = window.substr(window.size() - std::min(window.size(), longest - 1));
      at += static_cast<uint64_t>(n);
    }
  }
  ::close(mem);
  return hits;
}

// Sends Init (or Unlock) on a connection of its own and closes it, as the
// CLI does: gRPC keeps the raw frames of a connection (its header table
// points into them) until the connection closes, and only then are they
// freed and, with the daemon's M_PERTURB, overwritten.
grpc::Status OnItsOwnConnection(const DaemonHarness& d, bool init, const std::string& passphrase) {
  auto channel = DaemonHarness::MakeChannel(d.socket_path());
  auto vault = v1::VaultService::NewStub(channel);
  v1::VaultStatus status;
  auto ctx = DaemonHarness::Context(std::chrono::seconds(30));
  if (init) {
    v1::InitRequest request;
    request.set_passphrase(passphrase);
    request.set_display_name("Alex");
    request.set_kdf_cost(v1::KDF_COST_TEST_ONLY_MINIMUM);
    return vault->Init(ctx.get(), request, &status);
  }
  v1::UnlockRequest request;
  request.set_passphrase(passphrase);
  return vault->Unlock(ctx.get(), request, &status);
}

// The test joins the daemon's space as a second device, so it holds the
// space key the daemon holds; then it looks for that key, and for the
// passphrase, in the daemon's memory, unlocked and after Lock().
TEST(SecurityTest, LockDropsTheKeysAndThePassphraseFromTheDaemonsMemory) {
  DaemonHarness alex;
  const std::string passphrase = Canary("memory-passphrase");
  alex.NoteSecret(passphrase);
  ASSERT_TRUE(alex.Start({"--peer-listen", "127.0.0.1:0"}));
  ASSERT_OK(OnItsOwnConnection(alex, /*init=*/true, passphrase));
  v1::Invite invite;
  ASSERT_OK(v1::SpaceService::NewStub(alex.channel())
                ->CreateInvite(DaemonHarness::Context().get(), v1::CreateInviteRequest(), &invite));
  auto code = DecodeInviteCode(invite.code());
  ASSERT_TRUE(code.ok()) << code.status();

  auto me = NewKeys("Memory Test");
  auto identity = MakeTlsIdentity(*me);
  ASSERT_TRUE(identity.ok()) << identity.status();
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetSslTargetNameOverride(PeerTargetName(code->inviter_device()));
  auto channel = grpc::CreateCustomChannel(
      code->addresses(0), PeerChannelCredentials(*identity, code->inviter_device()), args);
  v1::PairRequest pair;
  pair.set_invite_id(code->invite_id());
  pair.set_joiner_device(me->device_public_key);
  pair.set_joiner_member(me->member_id);
  pair.set_joiner_display_name("Memory Test");
  pair.set_mac(
      InviteMac(code->secret(), code->inviter_device(), me->device_public_key, code->invite_id()));
  v1::PairResponse paired;
  ASSERT_OK(v1::PeerService::NewStub(channel)->Pair(DaemonHarness::Context().get(), pair, &paired));
  unsigned char curve_pk[crypto_box_PUBLICKEYBYTES];
  SecretBytes curve_sk(crypto_box_SECRETKEYBYTES), space_key(32);
  ASSERT_EQ(crypto_sign_ed25519_pk_to_curve25519(
                curve_pk, reinterpret_cast<const unsigned char*>(me->device_public_key.data())),
            0);
  ASSERT_EQ(crypto_sign_ed25519_sk_to_curve25519(curve_sk.data(), me->device_secret_key.data()), 0);
  ASSERT_EQ(
      crypto_box_seal_open(space_key.data(),
                           reinterpret_cast<const unsigned char*>(paired.sealed_space_key().data()),
                           paired.sealed_space_key().size(), curve_pk, curve_sk.data()),
      0);
  const std::string key(space_key.view());

  // Unlocked, the daemon holds the key: the scan must find it, or it would
  // prove nothing below.
  size_t bytes = 0;
  auto unlocked = ScanMemory(alex.pid(), {key}, &bytes);
  ASSERT_GE(unlocked[key], 1) << "the space key was not found in " << bytes
                              << " bytes of the unlocked daemon's memory";
  v1::CreateJournalEntryRequest journal;
  journal.mutable_journal_entry()->set_body("written before the lock");
  v1::JournalEntry entry;
  ASSERT_OK(alex.journal().CreateJournalEntry(DaemonHarness::Context().get(), journal, &entry));

  auto lock_and_expect_nothing_left = [&](const char* when) {
    SCOPED_TRACE(when);
    v1::VaultStatus status;
    ASSERT_OK(alex.Lock(&status));
    EXPECT_EQ(status.state(), v1::VaultStatus::STATE_LOCKED);
    v1::GetJournalEntryRequest get;
    get.set_name(entry.name());
    v1::JournalEntry got;
    EXPECT_CODE(alex.journal().GetJournalEntry(DaemonHarness::Context().get(), get, &got),
                grpc::StatusCode::FAILED_PRECONDITION);
    // Calls that held the keys finish, the connection that carried the
    // passphrase closes; then nothing of either may be left.
    std::map<std::string, int> locked;
    EXPECT_TRUE(Eventually(
        [&] {
          locked = ScanMemory(alex.pid(), {key, passphrase}, &bytes);
#if defined(ATTUNE_SANITIZER_BUILD)
          // A sanitizer's allocator keeps freed memory in quarantine, as it
          // was: glibc's M_PERTURB does not apply there. Keys are in
          // libsodium's memory, which it does not touch.
          locked[passphrase] = 0;
#endif
          return locked[key] == 0 && locked[passphrase] == 0;
        },
        std::chrono::seconds(15)))
        << "locked, the space key is still in memory " << locked[key]
        << " times and the passphrase " << locked[passphrase] << " times (" << bytes
        << " bytes read)";
  };
  lock_and_expect_nothing_left("after Init");

  // Unlocking brings the key back (the scan still sees it), and the next
  // Lock drops it and the passphrase Unlock was given.
  ASSERT_OK(OnItsOwnConnection(alex, /*init=*/false, passphrase));
  EXPECT_GE(ScanMemory(alex.pid(), {key}, &bytes)[key], 1);
  lock_and_expect_nothing_left("after Unlock");
}

}  // namespace
}  // namespace attune::testing
