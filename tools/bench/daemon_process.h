// One attuned child process: spawned with its own data folder and socket,
// stopped with SIGTERM the way a service manager stops it.
#ifndef ATTUNE_TOOLS_BENCH_DAEMON_PROCESS_H_
#define ATTUNE_TOOLS_BENCH_DAEMON_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <exception>
#include <string>
#include <vector>

namespace attune::bench {

class DaemonProcess {
 public:
  DaemonProcess() = default;
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;
  // Stops the daemon if it still runs.
  ~DaemonProcess();

  // Spawns `binary --data-dir data_dir --socket socket extra_args...`, its
  // stdout and stderr appended to log_path. Throws std::runtime_error if it
  // cannot.
  void Start(const std::string& binary, const std::string& data_dir, const std::string& socket,
             const std::string& log_path, const std::vector<std::string>& extra_args = {});

  // True while the child runs; once it has exited, false with *how saying
  // how it ended ("exited with status 1", "killed by signal 9").
  bool Running(std::string* how);

  struct Stopped {
    bool clean = false;  // exited with status 0 after SIGTERM
    std::string how;
    double seconds = 0;  // from SIGTERM to exit
  };
  // Sends SIGTERM and waits up to `grace`, then SIGKILLs.
  Stopped Stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

  const std::string& log_path() const { return log_path_; }
  pid_t pid() const { return pid_; }
  // User plus system CPU time the daemon has used so far (ProcessCpuSeconds);
  // NaN once it has ended or if that cannot be read.
  double CpuSeconds() const;

 private:
  pid_t pid_ = -1;
  std::string log_path_;
  std::string ended_;  // set once reaped
};

// User plus system CPU time process `pid` (all its threads, ended ones
// included) has used so far: its CPU clock (nanoseconds), else
// /proc/<pid>/stat (clock ticks); NaN if neither can be read.
double ProcessCpuSeconds(pid_t pid);

// Prints the last 20 lines of a daemon's log to stderr (nothing if empty).
void PrintLogTail(const std::string& path);

// A measurement against `daemon` failed with `e`: stops the daemon, prints
// its log's tail, and throws std::runtime_error with e's message and, when
// the daemon had ended by itself, how ("(attuned killed by signal 9)").
[[noreturn]] void FailWithDaemon(DaemonProcess& daemon, const std::exception& e);

}  // namespace attune::bench

#endif  // ATTUNE_TOOLS_BENCH_DAEMON_PROCESS_H_
