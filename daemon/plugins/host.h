// daemon/plugins/ is the plugin host: manifests, launching and confining
// plugin processes, and the checks at the edge between plugins and people.
//
// The plugin host: knows every installed plugin from its manifest, starts a
// plugin on first use, calls it with a deadline, stops it after a while
// without sessions, and stops and restarts (with backoff) a plugin that
// crashes, hangs or misbehaves, while the daemon and the other plugins carry
// on. See docs/ARCHITECTURE.md, "Plugins".
#ifndef ATTUNE_DAEMON_PLUGINS_HOST_H_
#define ATTUNE_DAEMON_PLUGINS_HOST_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "attune/plugin/v1/plugin.grpc.pb.h"
#include "attune/v1/api.pb.h"
#include "daemon/base/clock.h"
#include "daemon/plugins/discovery.h"
#include "daemon/plugins/grant_store.h"
#include "daemon/plugins/host_options.h"
#include "daemon/plugins/launcher.h"
#include "daemon/plugins/plugin_process.h"
#include "daemon/store/event_hub.h"

namespace attune {

// Thread-safe; called on gRPC's threads.
class PluginHost {
 public:
  // Reads the manifests (starting nothing) and prepares the runtime folder.
  // `grants` and `clock` must outlive the host. `clock` decides backoff,
  // idle stops and session holds; calls to a plugin keep real deadlines.
  PluginHost(PluginHostOptions options, GrantStore* grants, const Clock* clock);
  // Stops every plugin still running.
  ~PluginHost();
  PluginHost(const PluginHost&) = delete;
  PluginHost& operator=(const PluginHost&) = delete;

  // Tells `hub` when a plugin process starts, stops or fails
  // (PluginChanged). Call once, before the first session; `hub` must
  // outlive the host.
  void SetEventHub(EventHub* hub) { events_ = hub; }

  // Reads the manifests again, so a plugin copied into a folder is found
  // without a restart. Running plugins keep running.
  void Rescan();
  // Rescans when the manifest or executable of an installed plugin has
  // changed on disk since it was read (a few stat calls otherwise). A new
  // session then starts the new install; a process of the older one serves
  // the sessions it began and stops once they end (see Start).
  void RescanIfChanged();

  // Every usable plugin, in discovery order, and what could not be used.
  std::vector<FoundPlugin> Plugins() const;
  std::vector<std::string> Problems() const;
  // The plugin with that id; NOT_FOUND naming it.
  absl::StatusOr<FoundPlugin> FindPlugin(const std::string& id) const;
  // The plugin offering that exercise, and the exercise; NOT_FOUND naming it.
  absl::StatusOr<FoundPlugin> FindExercise(const std::string& exercise_id,
                                           v1::Exercise* exercise) const;

  // The record kinds the plugin may write now (see permissions.h).
  absl::StatusOr<std::vector<std::string>> Granted(const FoundPlugin& plugin) const;

  // What a plugin is doing now.
  struct RuntimeState {
    bool running = false;
    int pid = 0;
    int failures = 0;
    std::string last_error;
    // Set while it waits before it may be started again.
    std::optional<absl::Time> retry_after;
  };
  RuntimeState StateOf(const std::string& plugin_id) const;

  // Calls on a plugin, starting it first when it is not running. A session
  // (context.session_id) stays with the process that answered its Start:
  // once a newer install of the plugin is found (RescanIfChanged), new
  // sessions start a process of it while sessions under way finish on the
  // old one, which is stopped when the last of them ends. Errors:
  //   UNAVAILABLE  it could not be started, or it failed recently and waits
  //                before it is started again (the message says how long)
  //   ABORTED      it crashed, did not answer within the call deadline, or
  //                answered the call with an error: it has been stopped, a
  //                failure is counted, and it starts again (after the
  //                backoff) on next use. Or the process that ran the session
  //                is gone and a different version is installed now: the
  //                session cannot go on.
  //   NOT_FOUND    no such plugin
  absl::StatusOr<plugin::v1::StepResponse> Start(const std::string& plugin_id,
                                                 const plugin::v1::StartRequest& request);
  absl::StatusOr<plugin::v1::StepResponse> Advance(const std::string& plugin_id,
                                                   const plugin::v1::AdvanceRequest& request);
  // `served_version` (when given) gets the version of the process that
  // answered: the one whose output this is (PluginProcess::version).
  absl::StatusOr<plugin::v1::FinishResponse> Finish(const std::string& plugin_id,
                                                    const plugin::v1::FinishRequest& request,
                                                    std::string* served_version = nullptr);

  // The caller found an answer of the plugin malformed (a bad step, bad
  // records) in the session `session_id` (context.session_id): the process
  // that answered it is stopped and a failure counted, like a crash.
  void ReportMisbehaviour(const std::string& plugin_id, const std::string& session_id,
                          const std::string& what);
  // A session of the plugin finished well: the current install's failures
  // in a row are reset (not by a session an older install ran).
  void ReportSuccess(const std::string& plugin_id, const std::string& session_id);

  // A session under way keeps its plugin (the process pinned to it) from
  // being stopped as idle, until it is released or `session_ttl` passes
  // without a Hold for it. `session_id` is its context.session_id.
  void Hold(const std::string& plugin_id, const std::string& session_id);
  void Release(const std::string& plugin_id, const std::string& session_id);

  const PluginHostOptions& options() const { return options_; }

 private:
  struct Slot {
    std::shared_ptr<PluginProcess> process;
    bool starting = false;
    int failures = 0;
    std::string last_error;
    absl::Time retry_after = absl::InfinitePast();
    absl::Time last_used = absl::InfinitePast();
    absl::Time last_ping = absl::InfinitePast();
    int in_flight = 0;
    // A session under way: when it was last held, and the process that
    // answered its Start (null before that).
    struct Pin {
      absl::Time touched;
      std::shared_ptr<PluginProcess> process;
    };
    std::map<std::string, Pin> holds;  // by session id
    // Calls under way, by process: a retired process is not stopped during
    // one.
    std::map<const PluginProcess*, int> busy;
    // Processes of an older install that still serve sessions they began.
    std::vector<std::shared_ptr<PluginProcess>> retired;
  };

  // The process to call for `session_id`: the one pinned to it, else the
  // current one (started, or replaced by the newest install, first). A
  // `starts_session` call pins the session to the process it gets.
  absl::StatusOr<std::shared_ptr<PluginProcess>> Acquire(const std::string& plugin_id,
                                                         const std::string& session_id,
                                                         bool starts_session);
  void Done(const std::string& plugin_id, const PluginProcess* process);
  // Counts a failure; stops `process` if it is the slot's current one, and
  // stops a retired one without counting (it is not the installed version).
  void Fail(const std::string& plugin_id, const std::shared_ptr<PluginProcess>& process,
            const std::string& what);
  absl::Duration BackoffFor(int failures) const;
  template <typename Request, typename Response>
  absl::StatusOr<Response> Call(const std::string& plugin_id, const char* method,
                                grpc::Status (plugin::v1::PluginService::Stub::*fn)(
                                    grpc::ClientContext*, const Request&, Response*),
                                const Request& request, bool starts_session,
                                std::string* served_version = nullptr);
  void ReaperLoop();
  // Stops idle plugins, pings quiet ones; returns when to look again.
  absl::Time Reap();
  bool HeldLocked(Slot& slot, absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void WakeReaperBy(absl::Time when) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const PluginHostOptions options_;
  GrantStore* const grants_;
  const Clock* const clock_;
  EventHub* events_ = nullptr;
  // Emits PluginChanged when there is a hub.
  void Tell(const std::string& plugin_id, v1::PluginChanged::State state,
            const std::string& reason) const;
  Launcher launcher_;

  mutable absl::Mutex mu_;
  std::map<std::string, FoundPlugin> found_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> order_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> problems_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Slot> slots_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool wake_ ABSL_GUARDED_BY(mu_) = false;
  // When the sleeping reaper will look again (InfinitePast while awake).
  absl::Time reaper_wakes_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  std::thread reaper_;
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_PLUGINS_HOST_H_
