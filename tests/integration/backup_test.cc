// Backup and restore as a person uses them: `attune backup DIR` on a running
// daemon while writes go on, `attune restore DIR` on a fresh one, and the
// restored device beside its original and the partner, never forking a
// sequence.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "api_helpers.h"
#include "daemon_harness.h"
#include "sync_support.h"

namespace attune::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kPassphrase[] = "correct horse battery";  // StartPeer's

std::string SecretFile(const DaemonHarness& d, const std::string& line) {
  const std::string path = d.root() + "/passphrase";
  std::ofstream(path) << line << "\n";
  ::chmod(path.c_str(), 0600);
  return path;
}

grpc::Status CreateEntry(DaemonHarness& d, const std::string& body, v1::JournalEntry* out) {
  v1::CreateJournalEntryRequest request;
  request.mutable_journal_entry()->set_body(body);
  auto ctx = DaemonHarness::Context(std::chrono::seconds(60));
  return d.journal().CreateJournalEntry(ctx.get(), request, out);
}

// name -> body of every journal entry the daemon shows.
std::map<std::string, std::string> Entries(DaemonHarness& d) {
  std::map<std::string, std::string> out;
  for (const auto& e : ListAllJournalEntries(d)) out[e.name()] = e.body();
  return out;
}

v1::VaultStatus StatusOf(DaemonHarness& d) {
  v1::VaultStatus status;
  EXPECT_OK(d.GetStatus(&status));
  return status;
}

// Whether any file under `dir` holds `needle`.
bool AnyFileHolds(const std::string& dir, const std::string& needle) {
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.find(needle) != std::string::npos) return true;
  }
  return false;
}

TEST(BackupIT, ABackupTakenWhileWritingRestoresAsANewDeviceOfTheSamePerson) {
  DaemonHarness alex;
  ASSERT_TRUE(StartPeer(alex, "Alex"));
  const v1::VaultStatus original = StatusOf(alex);
  const std::string canary = "backup-canary-" + RandomHex16();
  alex.NoteSecret(canary);
  v1::JournalEntry first;
  ASSERT_OK(CreateEntry(alex, canary + " the first entry", &first));

  // A writer keeps writing while the backup is taken.
  std::mutex mu;
  std::map<std::string, std::string> acknowledged;  // guarded by mu
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; !stop.load(); ++i) {
      v1::JournalEntry e;
      const std::string body = absl::StrCat("written during the backup, number ", i);
      if (CreateEntry(alex, body, &e).ok()) {
        std::lock_guard<std::mutex> lock(mu);
        acknowledged[e.name()] = body;
      }
    }
  });
  // Joined whatever happens, so a failed assertion cannot leave it running.
  absl::Cleanup join_writer = [&] {
    stop = true;
    if (writer.joinable()) writer.join();
  };
  ASSERT_TRUE(Await([&] {
    std::lock_guard<std::mutex> lock(mu);
    return acknowledged.size() >= 5;
  }));
  std::map<std::string, std::string> before_backup;
  {
    std::lock_guard<std::mutex> lock(mu);
    before_backup = acknowledged;
  }
  before_backup[first.name()] = first.body();
  const std::string dir = alex.root() + "/backup";
  CliResult backup = RunCli(alex, {"backup", dir});
  ASSERT_TRUE(Await([&] {
    std::lock_guard<std::mutex> lock(mu);
    return acknowledged.size() >= before_backup.size() + 5;
  }));
  std::move(join_writer).Invoke();
  ASSERT_EQ(backup.exit_code, 0) << backup.out;
  EXPECT_THAT(backup.out, HasSubstr("Backed up to " + dir));
  struct stat st {};
  ASSERT_EQ(::stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  // Nothing in the backup is readable: the entry's words are sealed.
  EXPECT_FALSE(AnyFileHolds(dir, canary));

  // A new machine: a daemon without a vault.
  DaemonHarness restored;
  ASSERT_TRUE(restored.Start({"--peer-listen", "127.0.0.1:0"}));
  restored.NoteSecret(canary);
  restored.NoteSecret(kPassphrase);
  CliResult restore =
      RunCli(restored, {"restore", dir, "--passphrase-file", SecretFile(restored, kPassphrase)});
  ASSERT_EQ(restore.exit_code, 0) << restore.out << restored.StderrSinceStart();
  EXPECT_THAT(restore.out, HasSubstr("Restored Alex's backup and unlocked"));
  EXPECT_THAT(restore.out, HasSubstr("make a new one"));
  // The daemon served the restore, then started again on the restored
  // store: a connection from before the restart fails once, as it would
  // for any client, and then connects again.
  ASSERT_TRUE(Await([&] {
    v1::VaultStatus status;
    return restored.GetStatus(&status).ok();
  }));

  const v1::VaultStatus now = StatusOf(restored);
  EXPECT_EQ(now.state(), v1::VaultStatus::STATE_UNLOCKED);
  EXPECT_EQ(now.display_name(), "Alex");
  EXPECT_EQ(now.member_id(), original.member_id());
  EXPECT_EQ(now.space_id(), original.space_id());
  EXPECT_NE(now.device_id(), original.device_id()) << "a restored device gets new keys";
  EXPECT_EQ(now.op_count(), 0u) << "the new device has written nothing yet";
  EXPECT_FALSE(now.has_recovery_kit_create_time());

  // Every entry acknowledged before the backup began is there, and nothing
  // is there that the original does not hold, word for word.
  const auto here = Entries(restored);
  for (const auto& [name, body] : before_backup) {
    auto it = here.find(name);
    ASSERT_NE(it, here.end()) << name << " was acknowledged before the backup began";
    EXPECT_EQ(it->second, body);
  }
  const auto there = Entries(alex);
  for (const auto& [name, body] : here) {
    auto it = there.find(name);
    ASSERT_NE(it, there.end()) << name;
    EXPECT_EQ(it->second, body);
  }

  // The same person: the restored device writes, and changes what the
  // original wrote.
  v1::JournalEntry fresh;
  ASSERT_OK(CreateEntry(restored, "written on the restored device", &fresh));
  v1::UpdateJournalEntryRequest update;
  update.mutable_journal_entry()->set_name(first.name());
  update.mutable_journal_entry()->set_body("changed on the restored device");
  update.mutable_update_mask()->add_paths("body");
  v1::JournalEntry changed;
  auto ctx = DaemonHarness::Context(std::chrono::seconds(30));
  EXPECT_OK(restored.journal().UpdateJournalEntry(ctx.get(), update, &changed));
  EXPECT_EQ(StatusOf(restored).op_count(), 2u);

  // It survives a restart of its own, and the passphrase still opens it.
  EXPECT_EQ(restored.Stop(), 0);
  ASSERT_TRUE(restored.Restart({"--peer-listen", "127.0.0.1:0"}));
  ASSERT_OK(restored.Unlock(kPassphrase));
  EXPECT_EQ(Entries(restored).at(first.name()), "changed on the restored device");
  EXPECT_THAT(restored.AllStderr(), Not(HasSubstr("fork")));
}

TEST(BackupIT, ARestoredDeviceAndItsOriginalBothLiveWithoutForkingASequence) {
  DaemonHarness alex, sam;
  ASSERT_TRUE(StartPeer(alex, "Alex"));
  ASSERT_TRUE(StartPeer(sam, "Sam"));
  CliResult joined = PairWithCli(alex, sam);
  ASSERT_EQ(joined.exit_code, 0) << joined.out;
  const std::string today = UtcToday();
  ASSERT_OK(WriteCheckIn(alex, AddDays(today, -3), "before the backup"));
  ASSERT_TRUE(Await([&] { return CheckInDigest(sam).size() == 1; }));

  const std::string dir = alex.root() + "/backup";
  CliResult backup = RunCli(alex, {"backup", dir});
  ASSERT_EQ(backup.exit_code, 0) << backup.out;
  // The original goes on writing after the backup: these seqs exist on
  // Sam's device, and the backup does not hold them.
  ASSERT_OK(WriteCheckIn(alex, AddDays(today, -2), "after the backup, on the original"));
  ASSERT_TRUE(Await([&] { return CheckInDigest(sam).size() == 2; }));

  DaemonHarness alex2;
  ASSERT_TRUE(alex2.Start({"--peer-listen", "127.0.0.1:0"}));
  alex2.NoteSecret(kPassphrase);
  CliResult restore =
      RunCli(alex2, {"restore", dir, "--passphrase-file", SecretFile(alex2, kPassphrase)});
  ASSERT_EQ(restore.exit_code, 0) << restore.out << alex2.StderrSinceStart();
  ASSERT_TRUE(Await([&] {
    v1::VaultStatus status;
    return alex2.GetStatus(&status).ok();
  }));
  ASSERT_OK(WriteCheckIn(alex2, AddDays(today, -1), "written on the restored device"));

  // All three converge: the restored device's check-in reaches Sam and the
  // original; the original's later one reaches the restored device.
  ASSERT_TRUE(Await([&] { return CheckInDigest(sam).size() == 3; }, std::chrono::seconds(90)))
      << ::testing::PrintToString(CheckInDigest(sam));
  ASSERT_TRUE(
      Await([&] { return CheckInDigest(alex2) == CheckInDigest(sam); }, std::chrono::seconds(90)))
      << ::testing::PrintToString(CheckInDigest(alex2));
  ASSERT_TRUE(
      Await([&] { return CheckInDigest(alex) == CheckInDigest(sam); }, std::chrono::seconds(90)))
      << ::testing::PrintToString(CheckInDigest(alex));

  // Sam knows the restored device as Alex's, and no one saw two ops under
  // one (device, seq).
  const std::string alex2_id = StatusOf(alex2).device_id();
  ASSERT_TRUE(Await([&] {
    const v1::SyncStatus status = SyncStatusOf(sam);
    for (const auto& p : status.peers()) {
      if (p.peer().device_id() == alex2_id) return p.peer().display_name() == "Alex";
    }
    return false;
  }));
  for (DaemonHarness* d : {&alex, &sam, &alex2}) {
    const v1::SyncStatus status = SyncStatusOf(*d);
    for (const auto& p : status.peers()) {
      EXPECT_THAT(p.last_error(), Not(HasSubstr("fork"))) << p.peer().display_name();
    }
    EXPECT_THAT(d->AllStderr(), Not(HasSubstr("fork")));
  }
}

TEST(BackupIT, WrongInputChangesNothingAndTheDaemonKeepsServing) {
  DaemonHarness alex;
  ASSERT_TRUE(StartPeer(alex, "Alex"));
  auto backups = v1::BackupService::NewStub(alex.channel());
  v1::Backup made;
  {
    v1::CreateBackupRequest request;
    request.set_dir("relative/folder");
    auto ctx = DaemonHarness::Context();
    grpc::Status s = backups->CreateBackup(ctx.get(), request, &made);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(s.error_message(), HasSubstr("not an absolute path"));
  }
  {
    v1::CreateBackupRequest request;
    request.set_dir(alex.root());  // exists
    auto ctx = DaemonHarness::Context();
    grpc::Status s = backups->CreateBackup(ctx.get(), request, &made);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(s.error_message(), HasSubstr("exists already"));
  }
  {
    v1::CreateBackupRequest request;
    request.set_dir(alex.root() + "/no/such/parent/backup");
    auto ctx = DaemonHarness::Context();
    grpc::Status s = backups->CreateBackup(ctx.get(), request, &made);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(s.error_message(), HasSubstr("there is no folder"));
  }
  {
    // Never inside the data folder, where it could be taken for a restore.
    v1::CreateBackupRequest request;
    request.set_dir(alex.data_dir() + "/db.restored");
    auto ctx = DaemonHarness::Context();
    grpc::Status s = backups->CreateBackup(ctx.get(), request, &made);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(s.error_message(), HasSubstr("inside this daemon's data folder"));
  }
  const std::string dir = alex.root() + "/backup/";  // a trailing slash names the folder
  CliResult backup = RunCli(alex, {"backup", dir});
  ASSERT_EQ(backup.exit_code, 0) << backup.out;

  // A device with a vault is never replaced by a restore.
  v1::RestoredBackup restored;
  {
    v1::RestoreBackupRequest request;
    request.set_dir(dir);
    request.set_passphrase(kPassphrase);
    auto ctx = DaemonHarness::Context(std::chrono::seconds(60));
    grpc::Status s = backups->RestoreBackup(ctx.get(), request, &restored);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_THAT(s.error_message(), HasSubstr("has a vault already"));
  }

  DaemonHarness fresh;
  ASSERT_TRUE(fresh.Start());
  auto restores = v1::BackupService::NewStub(fresh.channel());
  {
    v1::RestoreBackupRequest request;
    request.set_dir(dir);
    request.set_passphrase("not the passphrase");
    auto ctx = DaemonHarness::Context(std::chrono::seconds(60));
    grpc::Status s = restores->RestoreBackup(ctx.get(), request, &restored);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED) << Describe(s);
  }
  {
    v1::RestoreBackupRequest request;
    request.set_dir(fresh.root());  // not a backup
    request.set_passphrase(kPassphrase);
    auto ctx = DaemonHarness::Context(std::chrono::seconds(60));
    grpc::Status s = restores->RestoreBackup(ctx.get(), request, &restored);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << Describe(s);
    EXPECT_THAT(s.error_message(), HasSubstr("holds no Attune backup"));
  }
  // Nothing was staged, and the fresh device is still a fresh one.
  EXPECT_FALSE(std::filesystem::exists(fresh.data_dir() + "/db.restoring"));
  EXPECT_FALSE(std::filesystem::exists(fresh.data_dir() + "/db.restored"));
  EXPECT_EQ(StatusOf(fresh).state(), v1::VaultStatus::STATE_UNINITIALIZED);
  ASSERT_OK(fresh.InitVault("a passphrase of its own"));
  // The original kept serving throughout.
  EXPECT_EQ(StatusOf(alex).state(), v1::VaultStatus::STATE_UNLOCKED);
}

}  // namespace
}  // namespace attune::testing
