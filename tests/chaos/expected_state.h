// The record of every write a daemon acknowledged, kept in a file that is
// fsync'd after each one before the write counts as acknowledged: what a
// crash test compares the daemons with after every restart, and what it
// would still have if the test process itself died.
//
// One line per write: the daemon's label, the kind, and the record as the
// daemon returned it (serialized, base64). Thread-safe; concurrent Record
// calls share fsyncs.
#ifndef ATTUNE_TESTS_CHAOS_EXPECTED_STATE_H_
#define ATTUNE_TESTS_CHAOS_EXPECTED_STATE_H_

#include <google/protobuf/message.h>

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace attune::testing {

enum class WriteKind { kCheckIn, kJournalEntry, kGoal, kGoalProgress, kSession };
const char* WriteKindName(WriteKind kind);

struct AckedWrite {
  std::string daemon;  // the label of the daemon that acknowledged it
  WriteKind kind = WriteKind::kCheckIn;
  std::string record;  // the serialized CheckIn, JournalEntry, Goal, …
};

class ExpectedState {
 public:
  // Appends to `path` (created if missing).
  explicit ExpectedState(std::string path);
  ~ExpectedState();
  ExpectedState(const ExpectedState&) = delete;
  ExpectedState& operator=(const ExpectedState&) = delete;

  // Appends one acknowledged write and returns once it is on disk.
  void Record(const std::string& daemon, WriteKind kind, const google::protobuf::Message& record);

  const std::string& path() const { return path_; }
  // How many writes were recorded through this object.
  uint64_t count();

  // Every write in the file at `path`, in order. A torn last line (the test
  // process died while appending) is ignored; any other bad line fails the
  // test.
  static std::vector<AckedWrite> Load(const std::string& path);

 private:
  const std::string path_;
  int fd_ = -1;
  std::mutex mu_;
  std::condition_variable synced_cv_;
  uint64_t written_ = 0;  // bytes appended
  uint64_t synced_ = 0;   // bytes known to be on disk
  bool syncing_ = false;
  uint64_t count_ = 0;
};

}  // namespace attune::testing

#endif  // ATTUNE_TESTS_CHAOS_EXPECTED_STATE_H_
