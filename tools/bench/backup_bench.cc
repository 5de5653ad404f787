// attune-backup-bench: what a person waits for around a backup. Starts a real
// attuned, writes N journal entries (8 clients, untimed), then times:
// - `CreateBackup` into a folder on the same file system (RocksDB hard-links
//   the table files) and, where /dev/shm is another file system, onto it
//   (every file copied), with the files and bytes written; beside reading
//   every entry through ListJournalEntries in the same run;
// - one client's writes (CreateJournalEntry, one at a time) while each
//   backup runs, p50 and p99, beside the same writes with no backup running;
// - a restore: a second, fresh daemon restores the backup, restarts on it
//   and unlocks (its record count is then checked against the entries
//   listed before the backup).
// The issue sets no ceiling on the backup itself; the figures beside each
// row are what it is measured against.
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "attune/v1/api.grpc.pb.h"
#include "tools/bench/daemon_process.h"
#include "tools/bench/rpc_client.h"
#include "tools/bench/scratch.h"
#include "tools/bench/stats.h"

namespace attune::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int kSeedClients = 8;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

std::chrono::system_clock::time_point Deadline(int seconds = 120) {
  return std::chrono::system_clock::now() + std::chrono::seconds(seconds);
}

v1::CreateJournalEntryRequest EntryRequest(int i) {
  v1::CreateJournalEntryRequest request;
  request.mutable_journal_entry()->set_title("Evening " + std::to_string(i));
  std::string body = "Entry " + std::to_string(i) + ":";
  for (int w = 0; w < 40; ++w) body += " a quiet walk after dinner";
  request.mutable_journal_entry()->set_body(body);
  request.mutable_journal_entry()->set_visibility(i % 2 ? v1::VISIBILITY_SHARED
                                                        : v1::VISIBILITY_PRIVATE);
  return request;
}

void Seed(const std::string& socket, int entries) {
  std::atomic<int> next{0};
  std::mutex mu;
  std::string error;
  auto client = [&] {
    auto stub = v1::JournalService::NewStub(MakeChannel(socket));
    for (int i = next++; i < entries; i = next++) {
      grpc::ClientContext context;
      context.set_deadline(Deadline());
      v1::JournalEntry created;
      grpc::Status s = stub->CreateJournalEntry(&context, EntryRequest(i), &created);
      if (!s.ok()) {
        std::lock_guard lock(mu);
        if (error.empty()) error = "CreateJournalEntry failed: " + Describe(s);
        return;
      }
    }
  };
  std::vector<std::thread> threads;
  for (int c = 0; c < kSeedClients; ++c) threads.emplace_back(client);
  for (auto& t : threads) t.join();
  if (!error.empty()) throw std::runtime_error(error);
}

// One client writing one entry at a time until `stop`; the latencies.
class Writer {
 public:
  explicit Writer(const std::string& socket)
      : stub_(v1::JournalService::NewStub(MakeChannel(socket))) {}
  void Start() {
    stop_ = false;
    thread_ = std::thread([this] {
      for (int i = 0; !stop_; ++i) {
        grpc::ClientContext context;
        context.set_deadline(Deadline());
        v1::JournalEntry created;
        const auto start = Clock::now();
        grpc::Status s = stub_->CreateJournalEntry(&context, EntryRequest(1'000'000 + i), &created);
        const double ms = Ms(Clock::now() - start);
        std::lock_guard lock(mu_);
        if (!s.ok()) {
          if (error_.empty()) error_ = "a write during the backup failed: " + Describe(s);
          return;
        }
        ms_.push_back(ms);
      }
    });
  }
  std::vector<double> Stop() {
    stop_ = true;
    thread_.join();
    std::lock_guard lock(mu_);
    if (!error_.empty()) throw std::runtime_error(error_);
    std::vector<double> out;
    out.swap(ms_);
    return out;
  }

 private:
  std::unique_ptr<v1::JournalService::Stub> stub_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::vector<double> ms_;
  std::string error_;
};

struct BackupRun {
  double ms = 0;
  v1::Backup made;
  std::vector<double> writes_ms;
};

BackupRun TimedBackup(const std::string& socket, const std::string& dir) {
  auto stub = v1::BackupService::NewStub(MakeChannel(socket));
  Writer writer(socket);
  writer.Start();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  BackupRun run;
  grpc::ClientContext context;
  context.set_deadline(Deadline(1800));
  v1::CreateBackupRequest request;
  request.set_dir(dir);
  const auto start = Clock::now();
  grpc::Status s = stub->CreateBackup(&context, request, &run.made);
  run.ms = Ms(Clock::now() - start);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  run.writes_ms = writer.Stop();
  if (!s.ok()) throw std::runtime_error("CreateBackup: " + Describe(s));
  return run;
}

bool OtherFileSystem(const std::string& a, const std::string& b) {
  std::error_code ec;
  if (!std::filesystem::is_directory(b, ec)) return false;
  struct stat sa {
  }, sb{};
  return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev != sb.st_dev;
}

int Run(int argc, char** argv) {
  CLI::App app{"attune-backup-bench: a backup while writes go on, and a restore"};
  std::string attuned = "attuned";
  int entries = 100000;
  bool quick = false;
  app.add_option("--attuned", attuned, "The daemon binary");
  app.add_option("--entries", entries, "Journal entries written first (default 100000; quick 500)")
      ->check(CLI::PositiveNumber);
  app.add_flag("--quick", quick, "Small sizes: checks that every figure comes out");
  CLI11_PARSE(app, argc, argv);
  if (quick && app.count("--entries") == 0) entries = 500;

  const std::string dir = MakeScratchDir("");
  std::string shm_dir;
  int rc = 0;
  try {
    const std::string socket = dir + "/d.sock";
    DaemonProcess daemon;
    daemon.Start(attuned, dir + "/data", socket, dir + "/attuned.log");
    WaitUntilServing(socket, std::chrono::seconds(60),
                     [&](std::string* how) { return daemon.Running(how); });
    InitVault(socket);
    std::cerr << "attune-backup-bench: writing " << entries << " journal entries… " << std::flush;
    const auto seed_start = Clock::now();
    Seed(socket, entries);
    std::cerr << "done in " << Ms(Clock::now() - seed_start) / 1000 << " s\n";
    auto journal = v1::JournalService::NewStub(MakeChannel(socket));

    // The same writes with nothing else running, for as long as a backup.
    Writer quiet(socket);
    quiet.Start();
    std::this_thread::sleep_for(std::chrono::seconds(quick ? 1 : 3));
    const std::vector<double> quiet_ms = quiet.Stop();

    const auto read_start = Clock::now();
    const int listed = ReadAll(*journal);
    const double read_ms = Ms(Clock::now() - read_start);

    const BackupRun same = TimedBackup(socket, dir + "/backup");
    std::vector<std::pair<std::string, BackupRun>> runs = {{"same file system (links)", same}};
    if (OtherFileSystem(dir, "/dev/shm")) {
      shm_dir = MakeScratchDir("/dev/shm");
      runs.push_back(
          {"/dev/shm, another file system (copied)", TimedBackup(socket, shm_dir + "/backup")});
    }

    // A restore onto a fresh daemon, until it lists every entry.
    const std::string socket2 = dir + "/r.sock";
    DaemonProcess restored;
    restored.Start(attuned, dir + "/restored", socket2, dir + "/restored.log");
    WaitUntilServing(socket2, std::chrono::seconds(60),
                     [&](std::string* how) { return restored.Running(how); });
    const auto restore_start = Clock::now();
    v1::RestoredBackup made;
    {
      auto stub = v1::BackupService::NewStub(MakeChannel(socket2));
      grpc::ClientContext context;
      context.set_deadline(Deadline(1800));
      v1::RestoreBackupRequest request;
      request.set_dir(dir + "/backup");
      request.set_passphrase(BenchPassphrase());
      grpc::Status s = stub->RestoreBackup(&context, request, &made);
      if (!s.ok()) throw std::runtime_error("RestoreBackup: " + Describe(s));
    }
    // The daemon restarts on the restored store: wait for it, then unlock.
    const auto wait_until = Clock::now() + std::chrono::seconds(120);
    for (;;) {
      auto vault = v1::VaultService::NewStub(MakeChannel(socket2));
      grpc::ClientContext context;
      context.set_deadline(Deadline(5));
      v1::VaultStatus status;
      grpc::Status s = vault->GetStatus(&context, google::protobuf::Empty(), &status);
      if (s.ok() && status.device_id() == made.device_id()) break;
      if (Clock::now() > wait_until) throw std::runtime_error("the restored daemon did not return");
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    UnlockVault(socket2);
    const double restore_ms = Ms(Clock::now() - restore_start);
    int64_t restored_count = 0;
    {
      auto vault = v1::VaultService::NewStub(MakeChannel(socket2));
      grpc::ClientContext context;
      context.set_deadline(Deadline());
      v1::VaultStatus status;
      grpc::Status s = vault->GetStatus(&context, google::protobuf::Empty(), &status);
      if (!s.ok()) throw std::runtime_error("GetStatus: " + Describe(s));
      restored_count = status.record_count();
    }
    if (restored_count < listed) {
      throw std::runtime_error("the restore holds " + std::to_string(restored_count) +
                               " records, fewer than the " + std::to_string(listed) +
                               " acknowledged before the backup");
    }

    std::printf("\nBackup: %d journal entries (half shared); one client writing meanwhile\n",
                entries);
    std::printf("| %-52s | %12s | %-34s |\n", "what", "figure", "beside");
    std::printf("|%s|%s|%s|\n", std::string(54, '-').c_str(), std::string(14, '-').c_str(),
                std::string(36, '-').c_str());
    char beside[128];
    for (const auto& [where, run] : runs) {
      std::snprintf(beside, sizeof beside, "every entry listed: %.0f ms", read_ms);
      std::printf("| %-52s | %9.0f ms | %-34s |\n", ("backup, " + where).c_str(), run.ms, beside);
      std::printf("| %-52s | %6d files | %-34s |\n", "  written", run.made.files(), "");
      std::printf("| %-52s | %9.1f MiB | %-34s |\n", "  bytes", run.made.bytes() / 1048576.0, "");
      std::snprintf(beside, sizeof beside, "no backup running: %.2f ms", Percentile(quiet_ms, 50));
      std::printf("| %-52s | %9.2f ms | %-34s |\n", "  a write meanwhile, p50",
                  Percentile(run.writes_ms, 50), beside);
      std::snprintf(beside, sizeof beside, "no backup running: %.2f ms", Percentile(quiet_ms, 99));
      std::printf("| %-52s | %9.2f ms | %-34s |\n",
                  ("  a write meanwhile, p99 (" + std::to_string(run.writes_ms.size()) + " writes)")
                      .c_str(),
                  Percentile(run.writes_ms, 99), beside);
    }
    std::printf(
        "| %-52s | %9.0f ms | %-34s |\n",
        ("restore -> restarted, unlocked (" + std::to_string(restored_count) + " records)").c_str(),
        restore_ms, "");
    std::fflush(stdout);
    restored.Stop();
    daemon.Stop();
  } catch (const std::exception& e) {
    std::cerr << "\nattune-backup-bench: " << e.what() << "\n";
    PrintLogTail(dir + "/attuned.log");
    PrintLogTail(dir + "/restored.log");
    rc = 1;
  }
  RemoveTree(dir);
  if (!shm_dir.empty()) RemoveTree(shm_dir);
  return rc;
}

}  // namespace
}  // namespace attune::bench

int main(int argc, char** argv) { return attune::bench::Run(argc, argv); }
