// The writes a chaos test drives through a daemon's API, one after another
// on a thread of their own: shared check-ins (a new day each), shared and
// private journal entries, and progress on shared goals (a new goal every
// few). Each write the daemon acknowledges goes into an ExpectedState before
// the next one is sent.
#ifndef ATTUNE_TESTS_CHAOS_WORKLOAD_H_
#define ATTUNE_TESTS_CHAOS_WORKLOAD_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>

#include "attune/v1/api.grpc.pb.h"
#include "expected_state.h"

namespace attune::testing {

// What the writers of one daemon share, across writers and restarts: the
// days its check-ins used and the goal its progress goes to.
class DaemonWork {
 public:
  // Check-in days count back from yesterday, past the first
  // `first_day_back`: two devices of one person, whose check-ins of one day
  // are one record, use days apart.
  explicit DaemonWork(std::string label, int first_day_back = 0)
      : label_(std::move(label)), days_back_(first_day_back) {}
  const std::string& label() const { return label_; }
  // A day no check-in of this daemon used, counting back from yesterday.
  std::string NextDay();
  // The goal to log progress on, or "" when a new one is due (every
  // kProgressPerGoal attempts, so a goal's status lists all of its
  // progress). Counts the attempt.
  std::string GoalForProgress();
  void SetGoal(const std::string& name);

  static constexpr int kProgressPerGoal = 12;

 private:
  const std::string label_;
  std::atomic<int> days_back_{0};
  std::mutex mu_;
  std::string goal_;
  int goal_attempts_ = 0;
};

// Weights of each kind of write.
struct WriteMix {
  int check_ins = 35;
  int shared_journal = 25;
  int private_journal = 15;
  int progress = 25;
};

class Writer {
 public:
  // Writes to the daemon at `socket_path` over a channel of its own.
  Writer(DaemonWork* work, const std::string& socket_path, ExpectedState* expected, uint32_t seed,
         WriteMix mix = {});
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Writes until Stop(), until `limit` writes were acknowledged (0: no
  // limit), or, once failures are expected, until the first failure.
  void Start(uint64_t limit = 0);
  void Stop();
  // The daemon is about to be killed: a failed write ends the loop quietly.
  void ExpectFailures() { failures_expected_ = true; }

  uint64_t acks();
  // Waits until `n` writes in all were acknowledged; false on timeout or
  // when the loop ended first.
  bool AwaitAcks(uint64_t n, std::chrono::milliseconds timeout);
  // The first write that failed while no failure was expected, "" if none.
  std::string unexpected_failure();

 private:
  void Loop(uint64_t limit);
  grpc::Status WriteOne();
  std::unique_ptr<grpc::ClientContext> Context();

  DaemonWork* const work_;
  ExpectedState* const expected_;
  const WriteMix mix_;
  std::mt19937 rng_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::CheckInService::Stub> checkins_;
  std::unique_ptr<v1::JournalService::Stub> journal_;
  std::unique_ptr<v1::GoalService::Stub> goals_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> failures_expected_{false};
  uint64_t written_ = 0;  // Loop's own count of writes sent

  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t acks_ = 0;
  bool running_ = false;
  std::string unexpected_;
};

}  // namespace attune::testing

#endif  // ATTUNE_TESTS_CHAOS_WORKLOAD_H_
