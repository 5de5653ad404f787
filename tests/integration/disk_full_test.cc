// The real daemon on a disk that fills up: its data folder is a small tmpfs
// of its own, mounted in a private mount namespace of the test process (so it
// vanishes with the process, whatever happens) and unmounted in teardown.
// Needs root (CAP_SYS_ADMIN), as in CI; skipped, saying why, otherwise.
//
// Writes on a full disk are refused with RESOURCE_EXHAUSTED saying what to
// do, reads go on, and nothing acknowledged is ever lost. Once space returns,
// the daemon takes writes again by itself when the disk filled up under a
// background flush; when it filled up under the write-ahead log, the error
// says to restart, and a restart works (daemon/store/db.h says why).
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <thread>

#include "api_helpers.h"
#include "daemon_harness.h"

namespace attune::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kPassphrase[] = "a full disk passphrase";
// The data folder's file system, and a file on it that is deleted to give
// the daemon room again: more than the 4 MiB memtable RocksDB wants free
// before it resumes by itself.
constexpr int kDiskMiB = 24;
constexpr int kFillerMiB = 8;
constexpr size_t kEntryBytes = 16 << 10;

// Moves this thread (and the processes it starts) into a mount namespace of
// its own whose mounts do not propagate back. "" on success, else why not.
std::string EnterPrivateMountNamespace() {
  if (::unshare(CLONE_NEWNS) != 0) {
    return std::string("unshare(CLONE_NEWNS): ") + std::strerror(errno);
  }
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    return std::string("making / private in the new namespace: ") + std::strerror(errno);
  }
  return "";
}

std::string RandomText(std::mt19937_64& rng, size_t n) {
  static constexpr char kLetters[] = "abcdefghijklmnopqrstuvwxyz ";
  std::string out(n, ' ');
  for (char& c : out) c = kLetters[rng() % (sizeof kLetters - 1)];
  return out;
}

class DiskFullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) {
      GTEST_SKIP() << "mounting a small file system for the data folder needs root "
                      "(CAP_SYS_ADMIN); CI runs this test as root";
    }
    if (std::string why = EnterPrivateMountNamespace(); !why.empty()) {
      GTEST_SKIP() << "cannot make a private mount namespace (" << why
                   << "); this test needs CAP_SYS_ADMIN";
    }
    std::error_code ec;
    std::filesystem::create_directories(d_.data_dir(), ec);
    ASSERT_FALSE(ec) << ec.message();
    std::string options = "size=" + std::to_string(kDiskMiB) + "m,mode=0700";
    if (::mount("attune-full-disk", d_.data_dir().c_str(), "tmpfs", MS_NOSUID | MS_NODEV,
                options.c_str()) != 0) {
      GTEST_SKIP() << "cannot mount a " << kDiskMiB << " MiB tmpfs on " << d_.data_dir() << ": "
                   << std::strerror(errno);
    }
    mounted_ = true;
    ASSERT_TRUE(d_.Start());
    ASSERT_OK(d_.InitVault(kPassphrase));
  }

  void TearDown() override {
    if (d_.running()) d_.Kill();
    if (mounted_ && ::umount2(d_.data_dir().c_str(), MNT_DETACH) != 0) {
      ADD_FAILURE() << "umount " << d_.data_dir() << ": " << std::strerror(errno);
    }
  }

  grpc::Status CreateEntry(const std::string& title, const std::string& body,
                           v1::JournalEntry* out) {
    v1::CreateJournalEntryRequest req;
    req.mutable_journal_entry()->set_title(title);
    req.mutable_journal_entry()->set_body(body);
    return d_.journal().CreateJournalEntry(DaemonHarness::Context().get(), req, out);
  }

  // Writes an entry and remembers it when it was acknowledged.
  grpc::Status Write(const std::string& body) {
    v1::JournalEntry out;
    grpc::Status s = CreateEntry("entry " + std::to_string(acknowledged_.size()), body, &out);
    if (s.ok()) acknowledged_[out.name()] = body;
    return s;
  }

  // Every acknowledged entry is listed, with its words.
  void ExpectEveryAcknowledgedEntry(const std::string& when) {
    std::map<std::string, std::string> listed;
    for (const auto& e : ListAllJournalEntries(d_, 100)) listed[e.name()] = e.body();
    int missing = 0;
    for (const auto& [name, body] : acknowledged_) {
      auto it = listed.find(name);
      if (it == listed.end() || it->second != body) ++missing;
    }
    EXPECT_EQ(missing, 0) << missing << " of " << acknowledged_.size()
                          << " acknowledged entries missing or changed " << when;
  }

  // A file of kFillerMiB on the data folder's disk, to delete later.
  void WriteFiller() {
    std::ofstream filler(filler_path(), std::ios::binary);
    std::string mib(1 << 20, 'f');
    for (int i = 0; i < kFillerMiB; ++i) filler.write(mib.data(), mib.size());
    filler.close();
    ASSERT_TRUE(filler.good()) << "could not write the filler file";
  }
  // A file that takes every byte still free on the data folder's disk.
  void FillTheDisk() {
    int fd = ::open(filler_path().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    ASSERT_GE(fd, 0) << std::strerror(errno);
    std::string chunk(64 << 10, 'f');
    size_t size = chunk.size();
    while (size > 0) {
      ssize_t n = ::write(fd, chunk.data(), size);
      if (n < 0 && errno == ENOSPC) {
        size /= 2;
      } else if (n < 0) {
        ADD_FAILURE() << "filling the disk: " << std::strerror(errno);
        break;
      }
    }
    ::close(fd);
  }
  // Writes big entries until one is refused; returns the refusal.
  grpc::Status WriteUntilRefused(std::mt19937_64& rng) {
    grpc::Status refused;
    for (int i = 0; i < 5000 && refused.ok(); ++i) refused = Write(RandomText(rng, kEntryBytes));
    std::cout << "[          ] refused after " << acknowledged_.size()
              << " entries: " << Describe(refused) << "\n";
    return refused;
  }
  // Reads while the disk is full: the status, a list, a single entry.
  void ExpectReadsWork() {
    v1::VaultStatus status;
    ASSERT_OK(d_.GetStatus(&status));
    EXPECT_EQ(status.state(), v1::VaultStatus::STATE_UNLOCKED);
    ExpectEveryAcknowledgedEntry("while the disk is full");
    v1::GetJournalEntryRequest get;
    get.set_name(acknowledged_.begin()->first);
    v1::JournalEntry got;
    ASSERT_OK(d_.journal().GetJournalEntry(DaemonHarness::Context().get(), get, &got));
    EXPECT_EQ(got.body(), acknowledged_.begin()->second);
  }
  // Restarts cleanly (the daemon never crashed) and unlocks.
  void Restart() {
    ASSERT_EQ(d_.Stop(), 0) << d_.StderrSinceStart();
    ASSERT_TRUE(d_.Start());
    ASSERT_OK(d_.Unlock(kPassphrase));
  }
  std::string filler_path() const { return d_.data_dir() + "/filler"; }

  DaemonHarness d_;
  bool mounted_ = false;
  std::map<std::string, std::string> acknowledged_;  // name -> body
};

TEST_F(DiskFullTest, WritesAreRefusedWhileFullAndTakenAgainOnceSpaceReturns) {
  WriteFiller();
  std::mt19937_64 rng(42);
  grpc::Status refused = WriteUntilRefused(rng);
  ASSERT_FALSE(refused.ok()) << "the disk never filled up";
  ASSERT_GT(acknowledged_.size(), 50u);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << Describe(refused);
  EXPECT_THAT(refused.error_message(), HasSubstr("out of disk space"));
  EXPECT_THAT(refused.error_message(), HasSubstr("free"));
  EXPECT_THAT(refused.error_message(), HasSubstr(d_.data_dir()));
  // Every kind of write is refused the same way, not just the one that hit.
  grpc::Status again = Write("a short one");
  EXPECT_EQ(again.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << Describe(again);
  v1::CreateCheckInRequest checkin;
  checkin.mutable_check_in()->set_time_zone("UTC");
  checkin.mutable_check_in()->set_high("a walk");
  checkin.mutable_check_in()->set_low("no room on the disk");
  checkin.mutable_check_in()->set_connection_rating(3);
  v1::CheckIn checkin_out;
  grpc::Status checkin_status =
      d_.checkins().CreateCheckIn(DaemonHarness::Context().get(), checkin, &checkin_out);
  EXPECT_EQ(checkin_status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << Describe(checkin_status);
  ExpectReadsWork();

  // Space comes back. Where the disk filled up decides what happens (see the
  // top of this file); whichever it was, the error said so, and it holds.
  ASSERT_TRUE(std::filesystem::remove(filler_path()));
  const auto freed = std::chrono::steady_clock::now();
  grpc::Status after;
  bool needs_restart = false;
  while (std::chrono::steady_clock::now() - freed < std::chrono::seconds(30)) {
    after = Write("written once there was room again");
    if (after.ok()) break;
    ASSERT_EQ(after.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << Describe(after);
    if (after.error_message().find("restart attuned") != std::string::npos) {
      needs_restart = true;
      break;
    }
    EXPECT_THAT(after.error_message(), HasSubstr("resumes by itself"));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (needs_restart) {
    std::cout << "[          ] the disk filled up under the write-ahead log: restart\n";
    Restart();
    ASSERT_OK(Write("written after the restart"));
  } else {
    ASSERT_TRUE(after.ok()) << "writes did not resume within 30 s of freeing " << kFillerMiB
                            << " MiB: " << Describe(after);
    std::cout << "[          ] writes resumed by themselves "
              << std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::steady_clock::now() - freed)
                     .count()
              << " ms after space returned\n";
  }
  for (int i = 0; i < 20; ++i) ASSERT_OK(Write(RandomText(rng, 1024)));
  ExpectEveryAcknowledgedEntry("once space returned");

  // Every acknowledged write survives a restart; the daemon never crashed.
  Restart();
  ExpectEveryAcknowledgedEntry("after a restart");
  ASSERT_OK(Write("and life goes on"));
  EXPECT_THAT(d_.AllStderr(), Not(HasSubstr("Assertion")));
}

TEST_F(DiskFullTest, ALogThatRanOutOfSpaceRefusesWritesUntilARestartAndLosesNothing) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 10; ++i) ASSERT_OK(Write(RandomText(rng, kEntryBytes)));
  // No byte left: the log's next append fails long before a memtable fills
  // (RocksDB preallocated the log's first megabytes, not more).
  FillTheDisk();
  grpc::Status refused = WriteUntilRefused(rng);
  ASSERT_FALSE(refused.ok()) << "the disk never filled up";
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << Describe(refused);
  EXPECT_THAT(refused.error_message(), HasSubstr("out of disk space"));
  EXPECT_THAT(refused.error_message(), HasSubstr("free some space"));
  EXPECT_THAT(refused.error_message(), HasSubstr("restart attuned"));
  ExpectReadsWork();

  // Freeing space is not enough here, and the error keeps saying so.
  ASSERT_TRUE(std::filesystem::remove(filler_path()));
  grpc::Status still = Write("too soon");
  EXPECT_EQ(still.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << Describe(still);
  EXPECT_THAT(still.error_message(), HasSubstr("restart attuned"));

  Restart();
  ExpectEveryAcknowledgedEntry("after the restart");
  for (int i = 0; i < 20; ++i) ASSERT_OK(Write(RandomText(rng, kEntryBytes)));
  Restart();
  ExpectEveryAcknowledgedEntry("after another restart");
  EXPECT_THAT(d_.AllStderr(), Not(HasSubstr("Assertion")));
}

}  // namespace
}  // namespace attune::testing
