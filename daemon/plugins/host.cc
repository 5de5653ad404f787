#include "daemon/plugins/host.h"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "absl/algorithm/container.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "daemon/base/log.h"
#include "daemon/plugins/handshake.h"
#include "daemon/plugins/permissions.h"
#include "daemon/plugins/plugin_log.h"
#include "daemon/plugins/sandbox.h"

namespace attune {
namespace {

std::string Seconds(absl::Duration d) {
  double s = absl::ToDoubleSeconds(d);
  if (s < 10) return absl::StrCat(std::round(s * 10) / 10, " s");
  return absl::StrCat(static_cast<int64_t>(std::round(s)), " s");
}

// Makes `dir` (0700) and removes what a daemon killed earlier left in it,
// and the folder of the plugins' logs in it.
void PrepareRuntimeDir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  ::chmod(dir.c_str(), 0700);
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::error_code ec2;
    std::filesystem::remove_all(entry.path(), ec2);
  }
  ::mkdir(PluginLogDir(dir).c_str(), 0700);
}

}  // namespace

PluginHost::PluginHost(PluginHostOptions options, GrantStore* grants, const Clock* clock)
    : options_(std::move(options)), grants_(grants), clock_(clock) {
  PrepareRuntimeDir(options_.runtime_dir);
  if (options_.limits.confine_files) {
    std::string how = DescribeFileConfinement();
    if (LandlockAbi() > 0) {
      LogInfo(how);
    } else {
      LogWarning(how);
    }
  }
  std::string isolation = DescribeProcessIsolation();
  if (absl::StrContains(isolation, "user, PID and mount") &&
      !absl::StrContains(isolation, "without")) {
    LogInfo(isolation);
  } else {
    LogWarning(isolation);
  }
  Rescan();
  reaper_ = std::thread([this] { ReaperLoop(); });
}

PluginHost::~PluginHost() {
  std::vector<std::shared_ptr<PluginProcess>> running;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    for (auto& [id, slot] : slots_) {
      if (slot.process) running.push_back(std::move(slot.process));
      for (auto& old : slot.retired) running.push_back(std::move(old));
      slot.retired.clear();
      slot.holds.clear();
    }
  }
  reaper_.join();
  for (auto& p : running) {
    p->Stop(options_.stop_grace);
    LogInfo(absl::StrCat("stopped plugin ", p->plugin_id(), " (the daemon is stopping)"));
    Tell(p->plugin_id(), v1::PluginChanged::STATE_STOPPED, "the daemon is stopping");
  }
}

void PluginHost::Tell(const std::string& plugin_id, v1::PluginChanged::State state,
                      const std::string& reason) const {
  if (events_ == nullptr) return;
  v1::Event event;
  v1::PluginChanged* changed = event.mutable_plugin_changed();
  changed->set_plugin_id(plugin_id);
  changed->set_state(state);
  changed->set_reason(reason);
  events_->Emit(std::move(event));
}

void PluginHost::Rescan() {
  Discovery d = DiscoverPlugins(options_.dirs);
  for (const auto& problem : d.problems) LogWarning(absl::StrCat("plugin skipped: ", problem));
  absl::MutexLock lock(&mu_);
  found_.clear();
  order_.clear();
  for (auto& p : d.plugins) {
    order_.push_back(p.manifest.id());
    slots_[p.manifest.id()];
    found_[p.manifest.id()] = std::move(p);
  }
  problems_ = std::move(d.problems);
}

void PluginHost::RescanIfChanged() {
  // What the fingerprints are made of, copied out so the stat calls run
  // without the lock (every session start comes here).
  struct Install {
    std::string version, folder, executable, fingerprint;
  };
  std::vector<Install> installs;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [id, p] : found_) {
      installs.push_back({p.manifest.version(), p.folder, p.executable, p.fingerprint});
    }
  }
  for (const Install& i : installs) {
    if (PluginFingerprint(i.version, i.folder, i.executable) != i.fingerprint) {
      Rescan();
      return;
    }
  }
}

std::vector<FoundPlugin> PluginHost::Plugins() const {
  absl::MutexLock lock(&mu_);
  std::vector<FoundPlugin> out;
  for (const auto& id : order_) out.push_back(found_.at(id));
  return out;
}

std::vector<std::string> PluginHost::Problems() const {
  absl::MutexLock lock(&mu_);
  return problems_;
}

absl::StatusOr<FoundPlugin> PluginHost::FindPlugin(const std::string& id) const {
  absl::MutexLock lock(&mu_);
  auto it = found_.find(id);
  if (it == found_.end()) {
    return absl::NotFoundError(
        absl::StrCat("no plugin ", id, " is installed; see attune plugin list"));
  }
  return it->second;
}

absl::StatusOr<FoundPlugin> PluginHost::FindExercise(const std::string& exercise_id,
                                                     v1::Exercise* exercise) const {
  absl::MutexLock lock(&mu_);
  for (const auto& id : order_) {
    const FoundPlugin& p = found_.at(id);
    for (const auto& e : p.manifest.exercises()) {
      if (e.id() == exercise_id) {
        if (exercise != nullptr) {
          *exercise = e;
          exercise->set_plugin(p.manifest.id());
        }
        return p;
      }
    }
  }
  return absl::NotFoundError(
      absl::StrCat("exercise: no exercise \"", exercise_id, "\"; see attune exercise list"));
}

absl::StatusOr<std::vector<std::string>> PluginHost::Granted(const FoundPlugin& plugin) const {
  auto grant = grants_->Get(plugin.manifest.id());
  if (!grant.ok()) return grant.status();
  return EffectiveGrant(plugin.manifest, plugin.builtin, *grant);
}

PluginHost::RuntimeState PluginHost::StateOf(const std::string& plugin_id) const {
  absl::MutexLock lock(&mu_);
  RuntimeState out;
  auto it = slots_.find(plugin_id);
  if (it == slots_.end()) return out;
  const Slot& slot = it->second;
  if (slot.process && !slot.process->exited()) {
    out.running = true;
    out.pid = slot.process->pid();
  }
  out.failures = slot.failures;
  out.last_error = slot.last_error;
  if (!out.running && slot.retry_after > clock_->Now()) out.retry_after = slot.retry_after;
  return out;
}

absl::Duration PluginHost::BackoffFor(int failures) const {
  absl::Duration d = options_.initial_backoff;
  for (int i = 1; i < failures && d < options_.max_backoff; ++i) d *= 2;
  return std::min(d, options_.max_backoff);
}

absl::StatusOr<std::shared_ptr<PluginProcess>> PluginHost::Acquire(const std::string& plugin_id,
                                                                   const std::string& session_id,
                                                                   bool starts_session) {
  absl::MutexLock lock(&mu_);
  while (true) {
    if (stopping_) return absl::UnavailableError("the daemon is stopping");
    Slot& slot = slots_[plugin_id];
    absl::Time now = clock_->Now();
    auto pin = starts_session ? slot.holds.end() : slot.holds.find(session_id);
    // A session under way stays with its process while that lives, even
    // when the install is gone or half-copied (found_ lacks it) meanwhile.
    if (pin != slot.holds.end() && pin->second.process != nullptr) {
      const std::shared_ptr<PluginProcess>& pinned = pin->second.process;
      if (!pinned->exited() &&
          (pinned == slot.process || absl::c_linear_search(slot.retired, pinned))) {
        slot.in_flight++;
        slot.busy[pinned.get()]++;
        pin->second.touched = now;
        return pinned;
      }
    }
    auto found = found_.find(plugin_id);
    if (found == found_.end()) {
      return absl::NotFoundError(absl::StrCat("no plugin ", plugin_id, " is installed"));
    }
    if (pin != slot.holds.end() && pin->second.process != nullptr) {
      const std::shared_ptr<PluginProcess>& pinned = pin->second.process;
      // The process that ran the session is gone (it failed). A process of
      // the same install may take the session on: it keeps no state. Of
      // another version, it would mix two versions' steps in one session.
      if (pinned->version() != found->second.manifest.version()) {
        std::string old_version = pinned->version();
        slot.holds.erase(pin);
        return absl::AbortedError(
            absl::StrCat("plugin ", plugin_id, " ", old_version,
                         ", which ran this session, has stopped, and version ",
                         found->second.manifest.version(), " is installed now"));
      }
      pin->second.process = nullptr;
    }
    if (slot.process && slot.process->exited()) {
      // It ended while nobody was calling it.
      std::string what =
          absl::StrCat("ended on its own (it ", slot.process->exit_description(), ")");
      LogWarning(absl::StrCat("plugin ", plugin_id, " ", what));
      Tell(plugin_id, v1::PluginChanged::STATE_FAILED, what);
      slot.process.reset();
      slot.failures++;
      slot.last_error = what;
      slot.retry_after = now + BackoffFor(slot.failures);
    }
    if (slot.process && slot.process->fingerprint() != found->second.fingerprint) {
      // A newer install: this process serves the sessions it began, and new
      // ones start the new install.
      bool serving = false;
      for (const auto& [session, p] : slot.holds) serving |= p.process == slot.process;
      LogInfo(absl::StrCat(
          "plugin ", plugin_id, " ", slot.process->version(), " (pid ", slot.process->pid(),
          ") was replaced by ", found->second.manifest.version(), " on disk; ",
          serving ? "it finishes the sessions it began, and new" : "it stops, and new",
          " sessions start the new one"));
      slot.retired.push_back(std::move(slot.process));
      slot.process.reset();
      wake_ = true;
    }
    if (slot.process) {
      slot.in_flight++;
      slot.busy[slot.process.get()]++;
      slot.last_used = now;
      if (!session_id.empty() && (starts_session || slot.holds.count(session_id) != 0)) {
        slot.holds[session_id] = {now, slot.process};
      }
      return slot.process;
    }
    if (slot.starting) {
      mu_.Await(absl::Condition(
          +[](Slot* s) { return !s->starting; }, &slot));
      continue;
    }
    if (now < slot.retry_after) {
      return absl::UnavailableError(absl::StrCat(
          "plugin ", plugin_id, " failed ", slot.failures,
          slot.failures == 1 ? " time" : " times in a row", " (last: ", slot.last_error,
          "); it will be tried again in ", Seconds(slot.retry_after - now)));
    }
    slot.starting = true;
    FoundPlugin plugin = found->second;
    PluginProcessOptions popts;
    popts.limits = options_.limits;
    popts.start_timeout = options_.start_timeout;
    popts.runtime_dir = options_.runtime_dir;
    popts.log_dir = PluginLogDir(options_.runtime_dir);
    mu_.Unlock();
    absl::Time began = absl::Now();
    auto started = PluginProcess::Start(plugin, popts, launcher_);
    absl::Duration took = absl::Now() - began;
    mu_.Lock();
    Slot& after = slots_[plugin_id];
    after.starting = false;
    if (!started.ok()) {
      after.failures++;
      after.last_error = absl::StrCat("could not start: ", started.status().message());
      after.retry_after = clock_->Now() + BackoffFor(after.failures);
      LogWarning(absl::StrCat("plugin ", plugin_id, " ", after.last_error));
      Tell(plugin_id, v1::PluginChanged::STATE_FAILED, after.last_error);
      return absl::UnavailableError(absl::StrCat(
          "plugin ", plugin_id, " could not be started: ", started.status().message()));
    }
    LogInfo(absl::StrCat("started plugin ", plugin_id, " ", (*started)->version(), " (pid ",
                         (*started)->pid(), ") in ", absl::ToInt64Milliseconds(took),
                         " ms; what it prints goes to ", (*started)->log_path()));
    Tell(plugin_id, v1::PluginChanged::STATE_STARTED, "");
    after.process = *std::move(started);
    after.last_used = clock_->Now();
    after.last_ping = after.last_used;
    wake_ = true;
  }
}

void PluginHost::Done(const std::string& plugin_id, const PluginProcess* process) {
  absl::MutexLock lock(&mu_);
  Slot& slot = slots_[plugin_id];
  slot.in_flight--;
  if (auto it = slot.busy.find(process); it != slot.busy.end() && --it->second == 0) {
    slot.busy.erase(it);
    // A retired process may be waiting for this call to stop.
    if (process != slot.process.get()) wake_ = true;
  }
  slot.last_used = clock_->Now();
  WakeReaperBy(slot.last_used + options_.idle_timeout);
}

void PluginHost::WakeReaperBy(absl::Time when) {
  // Waking the reaper costs a thread switch; only when it would sleep past
  // `when`.
  if (when < reaper_wakes_at_) wake_ = true;
}

void PluginHost::Fail(const std::string& plugin_id, const std::shared_ptr<PluginProcess>& process,
                      const std::string& what) {
  bool current = false, retired = false;
  {
    absl::MutexLock lock(&mu_);
    Slot& slot = slots_[plugin_id];
    if (process != nullptr && slot.process == process) {
      slot.process.reset();
      current = true;
    }
    if (auto it = absl::c_find(slot.retired, process);
        process != nullptr && it != slot.retired.end()) {
      slot.retired.erase(it);
      retired = true;
    }
    if (current || process == nullptr) {
      slot.failures++;
      slot.last_error = what;
      slot.retry_after = clock_->Now() + BackoffFor(slot.failures);
    }
  }
  if (current || retired) {
    LogWarning(absl::StrCat("plugin ", plugin_id, " ", process->version(), " ", what,
                            "; stopping it (what it printed is in ", process->log_path(), ")"));
    if (current) Tell(plugin_id, v1::PluginChanged::STATE_FAILED, what);
    process->Kill();
  }
}

template <typename Request, typename Response>
absl::StatusOr<Response> PluginHost::Call(const std::string& plugin_id, const char* method,
                                          grpc::Status (plugin::v1::PluginService::Stub::*fn)(
                                              grpc::ClientContext*, const Request&, Response*),
                                          const Request& request, bool starts_session,
                                          std::string* served_version) {
  const std::string& session_id = request.context().session_id();
  auto process = Acquire(plugin_id, session_id, starts_session);
  if (!process.ok()) return process.status();
  if (served_version != nullptr) *served_version = (*process)->version();
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + options_.call_timeout));
  Response response;
  grpc::Status s = ((*process)->stub().*fn)(&ctx, request, &response);
  if (s.ok()) {
    Done(plugin_id, process->get());
    return response;
  }

  std::string what;
  if ((*process)->WaitForExit(
          absl::Milliseconds(s.error_code() == grpc::StatusCode::UNAVAILABLE ? 500 : 0))) {
    what = absl::StrCat("crashed during ", method, " (it ", (*process)->exit_description(), ")");
  } else if (s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    what = absl::StrCat("did not answer ", method, " within ", Seconds(options_.call_timeout));
  } else if (s.error_code() == grpc::StatusCode::UNAVAILABLE) {
    what = absl::StrCat("stopped answering during ", method);
  } else {
    // Alive, but its handler failed (raised, or returned an error): a bug
    // of the plugin, counted like a crash. Its message goes to the person
    // only: it may quote their answers, which the daemon's log never holds.
    Fail(
        plugin_id, *process,
        absl::StrCat("answered ", method, " with an error (",
                     absl::StatusCodeToString(static_cast<absl::StatusCode>(s.error_code())), ")"));
    Done(plugin_id, process->get());
    return absl::AbortedError(
        absl::StrCat("plugin ", plugin_id, " failed ", method, ": ", Excerpt(s.error_message())));
  }
  // Still counted in flight, so the reaper leaves this failure to us.
  Fail(plugin_id, *process, what);
  Done(plugin_id, process->get());
  return absl::AbortedError(absl::StrCat("plugin ", plugin_id, " ", what));
}

absl::StatusOr<plugin::v1::StepResponse> PluginHost::Start(
    const std::string& plugin_id, const plugin::v1::StartRequest& request) {
  return Call(plugin_id, "Start", &plugin::v1::PluginService::Stub::Start, request,
              /*starts_session=*/true);
}

absl::StatusOr<plugin::v1::StepResponse> PluginHost::Advance(
    const std::string& plugin_id, const plugin::v1::AdvanceRequest& request) {
  return Call(plugin_id, "Advance", &plugin::v1::PluginService::Stub::Advance, request,
              /*starts_session=*/false);
}

absl::StatusOr<plugin::v1::FinishResponse> PluginHost::Finish(
    const std::string& plugin_id, const plugin::v1::FinishRequest& request,
    std::string* served_version) {
  return Call(plugin_id, "Finish", &plugin::v1::PluginService::Stub::Finish, request,
              /*starts_session=*/false, served_version);
}

void PluginHost::ReportMisbehaviour(const std::string& plugin_id, const std::string& session_id,
                                    const std::string& what) {
  std::shared_ptr<PluginProcess> process;
  {
    absl::MutexLock lock(&mu_);
    Slot& slot = slots_[plugin_id];
    auto pin = slot.holds.find(session_id);
    process = pin != slot.holds.end() && pin->second.process ? pin->second.process : slot.process;
  }
  Fail(plugin_id, process, what);
}

void PluginHost::ReportSuccess(const std::string& plugin_id, const std::string& session_id) {
  absl::MutexLock lock(&mu_);
  Slot& slot = slots_[plugin_id];
  // A session of an older install says nothing of the current one.
  auto pin = slot.holds.find(session_id);
  if (pin != slot.holds.end() && pin->second.process && pin->second.process != slot.process) {
    return;
  }
  slot.failures = 0;
  slot.last_error.clear();
  slot.retry_after = absl::InfinitePast();
}

void PluginHost::Hold(const std::string& plugin_id, const std::string& session_id) {
  absl::MutexLock lock(&mu_);
  absl::Time now = clock_->Now();
  // Only a session that is still held: one released meanwhile (abandoned
  // while its answer was under way) stays released.
  auto& holds = slots_[plugin_id].holds;
  if (auto it = holds.find(session_id); it != holds.end()) it->second.touched = now;
  WakeReaperBy(now + options_.session_ttl);
}

void PluginHost::Release(const std::string& plugin_id, const std::string& session_id) {
  absl::MutexLock lock(&mu_);
  Slot& slot = slots_[plugin_id];
  if (auto it = slot.holds.find(session_id); it != slot.holds.end()) {
    // Its process may be a retired one that can stop now.
    if (it->second.process != nullptr && it->second.process != slot.process) wake_ = true;
    slot.holds.erase(it);
  }
  slot.last_used = clock_->Now();
  WakeReaperBy(slot.last_used + options_.idle_timeout);
}

bool PluginHost::HeldLocked(Slot& slot, absl::Time now) {
  bool held = false;
  for (auto it = slot.holds.begin(); it != slot.holds.end();) {
    if (now - it->second.touched >= options_.session_ttl) {
      it = slot.holds.erase(it);
    } else {
      held |= it->second.process == nullptr || it->second.process == slot.process;
      ++it;
    }
  }
  return held;
}

absl::Time PluginHost::Reap() {
  absl::Time now = clock_->Now();
  const absl::Duration interval = std::max(options_.health_interval, absl::Milliseconds(10));
  // With no plugin running there is nothing to reap or ping: sleep until a
  // start wakes the reaper, not every health interval.
  absl::Time next = absl::InfiniteFuture();
  std::vector<std::pair<std::shared_ptr<PluginProcess>, std::string>> to_stop;
  std::vector<std::shared_ptr<PluginProcess>> to_retire;
  std::vector<std::shared_ptr<PluginProcess>> to_ping;
  {
    absl::MutexLock lock(&mu_);
    for (auto& [id, slot] : slots_) {
      // A retired process stops once no session under way (one held within
      // session_ttl) is pinned to it.
      for (auto it = slot.retired.begin(); it != slot.retired.end();) {
        bool serving = false;
        for (const auto& [session, pin] : slot.holds) {
          if (pin.process == *it && now - pin.touched < options_.session_ttl) {
            serving = true;
            next = std::min(next, pin.touched + options_.session_ttl);
          }
        }
        if ((serving || slot.busy.count(it->get()) != 0) && !(*it)->exited()) {
          ++it;
          continue;
        }
        if (!(*it)->exited()) to_retire.push_back(std::move(*it));
        it = slot.retired.erase(it);
      }
      if (!slot.process) continue;
      if (slot.process->exited() && slot.in_flight == 0) {
        std::string what =
            absl::StrCat("ended on its own (it ", slot.process->exit_description(), ")");
        LogWarning(absl::StrCat("plugin ", id, " ", what));
        Tell(id, v1::PluginChanged::STATE_FAILED, what);
        slot.process.reset();
        slot.failures++;
        slot.last_error = what;
        slot.retry_after = now + BackoffFor(slot.failures);
        continue;
      }
      bool held = HeldLocked(slot, now);
      for (const auto& [session, pin] : slot.holds) {
        next = std::min(next, pin.touched + options_.session_ttl);
      }
      // A call under way ends later; its plugin is idle at the earliest
      // idle_timeout from now.
      if (slot.in_flight > 0) next = std::min(next, now + options_.idle_timeout);
      bool gone = found_.count(id) == 0;  // uninstalled since it started
      if (!held && slot.in_flight == 0) {
        absl::Time idle_at = slot.last_used + options_.idle_timeout;
        if (now >= idle_at || gone) {
          to_stop.emplace_back(
              std::move(slot.process),
              gone ? "it was uninstalled"
                   : absl::StrCat("no session for ", Seconds(options_.idle_timeout)));
          continue;
        }
        next = std::min(next, idle_at);
      }
      // Only an idle plugin is pinged: one with sessions under way shows
      // whether it answers with their next call, and a slow answer to a
      // ping (a busy machine) must not end a person's session.
      if (held) continue;
      next = std::min(next, now + interval);  // a running plugin: look again
      if (slot.in_flight == 0) {
        absl::Time ping_at = slot.last_ping + options_.health_interval;
        if (now >= ping_at) {
          slot.last_ping = now;
          to_ping.push_back(slot.process);
        } else {
          next = std::min(next, ping_at);
        }
      }
    }
  }
  for (auto& process : to_retire) {
    // No event: the plugin itself runs on, as its newer install.
    process->Stop(options_.stop_grace);
    LogInfo(absl::StrCat("stopped plugin ", process->plugin_id(), " ", process->version(),
                         ": a newer install serves new sessions, and the sessions it began "
                         "have ended"));
  }
  for (auto& [process, why] : to_stop) {
    process->Stop(options_.stop_grace);
    LogInfo(absl::StrCat("stopped plugin ", process->plugin_id(), ": ", why));
    Tell(process->plugin_id(), v1::PluginChanged::STATE_STOPPED, why);
  }
  for (auto& process : to_ping) {
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + options_.call_timeout));
    plugin::v1::PingRequest request;
    plugin::v1::PingResponse response;
    grpc::Status s = process->stub().Ping(&ctx, request, &response);
    if (!s.ok()) {
      // The code only: its message could quote what a person answered.
      Fail(process->plugin_id(), process,
           absl::StrCat("failed its health check (",
                        absl::StatusCodeToString(static_cast<absl::StatusCode>(s.error_code())),
                        ")"));
    }
  }
  return next;
}

void PluginHost::ReaperLoop() {
  while (true) {
    absl::Time next = Reap();
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    reaper_wakes_at_ = next;
    mu_.AwaitWithTimeout(absl::Condition(
                             +[](PluginHost* h) ABSL_EXCLUSIVE_LOCKS_REQUIRED(h->mu_) {
                               return h->stopping_ || h->wake_;
                             },
                             this),
                         next - clock_->Now());
    wake_ = false;
    reaper_wakes_at_ = absl::InfinitePast();  // awake: nothing needs waking
    if (stopping_) return;
  }
}

}  // namespace attune
