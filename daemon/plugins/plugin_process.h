// One running plugin: its process, the private folder of its socket, the
// gRPC channel to it, and a thread that writes what it prints to its own log
// (plugin_log.h) and notices when it ends. Starting it is the whole go-plugin handshake: spawn,
// read the one line, check it, connect, Describe, compare with the manifest.
#ifndef ATTUNE_DAEMON_PLUGINS_PLUGIN_PROCESS_H_
#define ATTUNE_DAEMON_PLUGINS_PLUGIN_PROCESS_H_

#include <grpcpp/grpcpp.h>
#include <sys/types.h>

#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "attune/plugin/v1/plugin.grpc.pb.h"
#include "daemon/plugins/discovery.h"
#include "daemon/plugins/launcher.h"
#include "daemon/plugins/plugin_log.h"
#include "daemon/plugins/sandbox.h"

namespace attune {

struct PluginProcessOptions {
  PluginLimits limits;
  // How long the plugin may take from exec to its handshake line, and then
  // to answer Describe.
  absl::Duration start_timeout = absl::Seconds(10);
  // An existing private (0700) folder in which each process gets a folder of
  // its own for its socket.
  std::string runtime_dir;
  // Where what it prints goes (plugin_log.h); empty: nowhere.
  std::string log_dir;
};

// Thread-safe.
class PluginProcess {
 public:
  // Starts the plugin. On any failure the process is killed and its folder
  // removed, and the error says what went wrong: FAILED_PRECONDITION for a
  // program that cannot run, a wrong version or a Describe that does not
  // match the manifest; INVALID_ARGUMENT for a malformed handshake line;
  // DEADLINE_EXCEEDED when it took too long; UNAVAILABLE when it ended.
  static absl::StatusOr<std::shared_ptr<PluginProcess>> Start(const FoundPlugin& plugin,
                                                              const PluginProcessOptions& options,
                                                              Launcher& launcher);

  // Kills the process if it still runs and removes its folder.
  ~PluginProcess();
  PluginProcess(const PluginProcess&) = delete;
  PluginProcess& operator=(const PluginProcess&) = delete;

  const std::string& plugin_id() const { return plugin_id_; }
  // The version its manifest said when it was started: what its output is
  // recorded under, even once a newer version is installed.
  const std::string& version() const { return version_; }
  // The install it was started from (FoundPlugin::fingerprint).
  const std::string& fingerprint() const { return fingerprint_; }
  pid_t pid() const { return pid_; }
  // The file its output goes to (plugin_log.h), or empty.
  std::string log_path() const { return log_ ? log_->path() : ""; }
  plugin::v1::PluginService::Stub& stub() { return *stub_; }

  // Whether the process has ended, and how: "exited with status 1", "was
  // killed by signal 11 (Segmentation fault)".
  bool exited() const;
  std::string exit_description() const;
  // Waits up to `timeout` for the process to end; true when it has.
  bool WaitForExit(absl::Duration timeout);

  // Asks it to stop (SIGTERM), gives it `grace`, then kills it (SIGKILL);
  // returns once it has ended.
  void Stop(absl::Duration grace);
  // Kills it at once and waits for the end.
  void Kill();

 private:
  PluginProcess() = default;
  // Writes what it prints to log_ until it ends, then marks it ended.
  void Watch(int stdout_fd, int stderr_fd, std::string pending_stdout);
  void Signal(int sig);

  std::string plugin_id_;
  std::string version_;
  std::string fingerprint_;
  // The first child of the launcher (launcher.h), not the plugin itself.
  pid_t pid_ = -1;
  // Where the plugin's own wait status arrives (ChildProcess::status_fd).
  int status_fd_ = -1;
  std::string folder_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<plugin::v1::PluginService::Stub> stub_;
  std::unique_ptr<PluginLog> log_;  // used by watcher_ only, once started
  std::thread watcher_;

  mutable absl::Mutex mu_;
  bool exited_ ABSL_GUARDED_BY(mu_) = false;
  std::string exit_description_ ABSL_GUARDED_BY(mu_);
};

// "exited with status 3", "was killed by signal 9 (Killed)".
std::string DescribeExit(int code, int status);

}  // namespace attune

#endif  // ATTUNE_DAEMON_PLUGINS_PLUGIN_PROCESS_H_
