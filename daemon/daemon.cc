#include "daemon/daemon.h"

#include <fcntl.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <thread>

#include "absl/strings/str_cat.h"
#include "daemon/api/appreciation_service.h"
#include "daemon/api/backup_service.h"
#include "daemon/api/checkin_service.h"
#include "daemon/api/event_service.h"
#include "daemon/api/exercise_service.h"
#include "daemon/api/export_service.h"
#include "daemon/api/goal_service.h"
#include "daemon/api/health_service.h"
#include "daemon/api/insights_service.h"
#include "daemon/api/journal_service.h"
#include "daemon/api/plugin_service.h"
#include "daemon/api/reminder_service.h"
#include "daemon/api/reveal_keeper.h"
#include "daemon/api/search_service.h"
#include "daemon/api/space_service.h"
#include "daemon/api/vault_service.h"
#include "daemon/api/write_front.h"
#include "daemon/base/hex.h"
#include "daemon/base/home_dir.h"
#include "daemon/base/log.h"
#include "daemon/base/private_dir.h"
#include "daemon/plugin_grants.h"
#include "daemon/plugins/dirs.h"
#include "daemon/plugins/host.h"
#include "daemon/records/kinds.h"
#include "daemon/records/resource.h"
#include "daemon/restore.h"
#include "daemon/store/db.h"
#include "daemon/store/record_store.h"
#include "daemon/store/vault_persistence.h"
#include "daemon/sync/membership.h"
#include "daemon/sync/op_checker.h"
#include "daemon/sync/peer_manager.h"
#include "daemon/vault/vault.h"

namespace attune {
namespace {

constexpr int kMaxMessageBytes = 4 * 1024 * 1024;
constexpr auto kShutdownGrace = std::chrono::seconds(5);

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

// Holds an exclusive flock on data_dir/attuned.lock for the daemon's life.
class DataDirLock {
 public:
  ~DataDirLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  absl::Status Acquire(const std::string& data_dir) {
    std::string path = data_dir + "/attuned.lock";
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) {
      return absl::UnavailableError(absl::StrCat("cannot open ", path, ": ", std::strerror(errno)));
    }
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0 && !OwnerIsGone()) {
      char pid[32] = {};
      ssize_t n = ::pread(fd_, pid, sizeof pid - 1, 0);
      return absl::FailedPreconditionError(
          absl::StrCat("another attuned is already using the data folder ", data_dir,
                       n > 0 ? absl::StrCat(" (pid ", std::string(pid, static_cast<size_t>(n)), ")")
                             : std::string(),
                       "; stop it first, or pass a different --data-dir"));
    }
    std::string me = std::to_string(::getpid());
    if (::ftruncate(fd_, 0) == 0) {
      ssize_t ignored = ::pwrite(fd_, me.data(), me.size(), 0);
      (void)ignored;
    }
    return absl::OkStatus();
  }

 private:
  // The lock is held, but the daemon that wrote its pid there has ended: a
  // daemon killed a moment ago, whose forked copies (the plugin launcher's
  // first children, which share the lock) end right after it. Waits up to
  // 10 s for them, then takes the lock; false when the owner lives or the
  // lock stays held.
  bool OwnerIsGone() {
    char text[32] = {};
    ssize_t n = ::pread(fd_, text, sizeof text - 1, 0);
    pid_t owner = n > 0 ? static_cast<pid_t>(std::atol(text)) : 0;
    if (owner <= 0 || owner == ::getpid() || ::kill(owner, 0) == 0 || errno != ESRCH) {
      return false;
    }
    for (int i = 0; i < 200; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) return true;
    }
    return false;
  }

  int fd_ = -1;
};

// Removes a socket left behind by a daemon that died; refuses to take over a
// socket another live process is serving.
absl::Status PrepareSocketPath(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return absl::OkStatus();
  if (!S_ISSOCK(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, " exists and is not a socket; choose another --socket"));
  }
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) {
    return absl::InvalidArgumentError(absl::StrCat("socket path too long: ", path));
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size());
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  bool live = fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  if (fd >= 0) ::close(fd);
  if (live) {
    return absl::FailedPreconditionError(
        absl::StrCat("another process is serving ", path, "; stop it or choose another --socket"));
  }
  ::unlink(path.c_str());
  LogInfo(absl::StrCat("removed a stale socket at ", path));
  return absl::OkStatus();
}

}  // namespace

std::string DefaultDataDir() {
  std::string data_home = EnvOr("XDG_DATA_HOME", "");
  if (!data_home.empty()) return data_home + "/attune";
  std::string home = HomeDir();
  return home.empty() ? std::string() : home + "/.local/share/attune";
}

namespace {

// Serves until SIGINT or SIGTERM (false), or until a restored store was
// staged and the daemon must start again on it (true).
absl::StatusOr<bool> ServeOnce(const DaemonOptions& options, bool first) {
  if (auto s = ApplyRestore(options.data_dir); !s.ok()) return s;
  DbOptions db_options;
  db_options.path = options.data_dir + "/db";
  auto db = Db::Open(db_options);
  if (!db.ok()) return db.status();
  SystemClock clock;
  RecordStore store(db->get(), &clock);
  auto events = EventHub::Open(db->get(), &clock, options.events);
  if (!events.ok()) return events.status();
  // Events name records as the API does ("checkIns/{id}", progress under
  // its goal).
  store.SetEventHub(events->get(), [](uint32_t kind, std::string_view raw_id) {
    return MakeName(RecordKindOf(static_cast<Kind>(kind)).collection, raw_id);
  });
  MetaVaultPersistence persistence(db->get());
  Vault vault(&persistence);
  if (auto s = vault.Load(); !s.ok()) return s;
  if (auto id = vault.identity(); id.has_value()) store.SetSelfDevice(id->device_public_key());
  if (options.accept_own_log_as_is && first) {
    if (auto s = store.RequestAcceptOwnLog(); !s.ok()) return s;
    LogWarning(
        "this device's own op log will be accepted as it is at the next unlock, even if ops "
        "are missing from it (--accept-own-log-as-is)");
  }
  if (options.rebuild_views && first) {
    if (auto s = store.RequestRebuild(); !s.ok()) return s;
    LogInfo("the record views will be rebuilt from the op log at the next unlock");
  }

  std::string socket_dir = std::filesystem::path(options.socket_path).parent_path();
  if (!socket_dir.empty()) {
    if (auto s = MakePrivateDir(socket_dir, "socket folder"); !s.ok()) return s;
  }
  if (auto s = PrepareSocketPath(options.socket_path); !s.ok()) return s;
  PluginHostOptions plugin_options = options.plugins;
  if (plugin_options.runtime_dir.empty()) {
    plugin_options.runtime_dir = PluginRuntimeDir(options.socket_path);
  }
  if (auto s = MakePrivateDir(plugin_options.runtime_dir, "plugin runtime folder"); !s.ok()) {
    return s;
  }

  Membership members(db->get());
  if (auto s = members.Load(); !s.ok()) return s;
  // Whatever device relayed it, an op changes only records of the member
  // whose device signed it (records/authorship.h).
  // Nor does any op of a removed device past its cut-off, taken before the
  // removal was heard of (sync/op_checker.h).
  store.SetRemoteOpCheck(FoldCheck(members));
  PeerManager peers({.listen = options.peer_listen,
                     .advertise = options.peer_advertise,
                     .discovery = options.discovery},
                    db->get(), &store, &vault, &members, &clock);
  if (auto s = peers.Load(); !s.ok()) return s;
  peers.SetEventHub(events->get());

  ServiceContext ctx{
      &vault,
      &store,
      &clock,
      [&peers](const std::shared_ptr<const KeySet>& keys) { return peers.OnUnlock(keys); },
      [&members](const std::string& member_hex) {
        // Removed devices' people too: their records stay.
        for (const auto& [device, body] : members.CertBodies()) {
          if (ToHex(body.member_id()) == member_hex) return body.display_name();
        }
        return std::string();
      },
      events->get(),
      [&members] {
        std::vector<std::string> ids;
        for (const auto& body : members.Bodies()) {
          std::string id = ToHex(body.member_id());
          if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(std::move(id));
        }
        return ids;
      }};
  SpaceServiceImpl space_service(&peers, ctx);
  SyncServiceImpl sync_service(&peers, ctx);
  EventServiceImpl event_service(events->get(), &vault);
  VaultServiceImpl vault_service(ctx);
  JournalServiceImpl journal_service(ctx);
  CheckInServiceImpl checkin_service(ctx);
  WriteFront write_front(ctx, &journal_service, &checkin_service);
  StoredGrants plugin_grants(db->get());
  PluginHost plugin_host(plugin_options, &plugin_grants, &clock);
  plugin_host.SetEventHub(events->get());
  // A goal may name only an exercise an installed plugin offers; manifests
  // are read again first, as a plugin may have been copied in since.
  GoalServiceImpl goal_service(ctx, [&plugin_host] {
    plugin_host.Rescan();
    std::vector<std::string> ids;
    for (const FoundPlugin& p : plugin_host.Plugins()) {
      for (const auto& e : p.manifest.exercises()) ids.push_back(e.id());
    }
    return ids;
  });
  AppreciationServiceImpl appreciation_service(ctx);
  InsightsServiceImpl insights_service(ctx);
  ExerciseServiceImpl exercise_service(ctx, &plugin_host);
  PluginServiceImpl plugin_service(&plugin_host, &plugin_grants);
  // The search index lives in memory while the vault is unlocked.
  SearchIndexer search_indexer(events->get(), &vault, &store);
  SearchServiceImpl search_service(&search_indexer);
  ExportServiceImpl export_service(ctx);
  ReminderScheduler reminders(ctx, db->get());
  ReminderServiceImpl reminder_service(ctx, &reminders);
  // Releases the keys of this person's sealed check-ins (reveal together).
  RevealKeeper reveal_keeper(ctx);
  // A restore stages the backup as a new device, then the daemon stops
  // serving and starts again on it (restore.h). Set on the io thread.
  boost::asio::io_context io;
  bool restart = false;
  std::function<void()> stop_serving;
  absl::Mutex restore_mu;
  bool restore_committed = false;  // guarded by restore_mu
  bool stopped = false;            // io thread only
  BackupServiceImpl backup_service(
      ctx,
      [&db, &options](const std::string& dir) -> absl::Status {
        // A backup inside the data folder could be taken for a restore.
        if (Inside(dir, options.data_dir)) {
          return absl::InvalidArgumentError(
              absl::StrCat("dir: ", dir, " is inside this daemon's data folder; choose another"));
        }
        return (*db)->Checkpoint(dir);
      },
      [&](const std::string& dir,
          const std::string& passphrase) -> absl::StatusOr<v1::RestoredBackup> {
        absl::MutexLock lock(&restore_mu);
        if (restore_committed) {
          return absl::UnavailableError(
              "a restore is done already; the daemon is restarting on it");
        }
        auto staged = StageRestore(options.data_dir, dir, passphrase,
                                   static_cast<uint64_t>(absl::ToUnixMillis(clock.Now())));
        if (!staged.ok()) return staged.status();
        // From here Init is refused, so nothing is written to the store
        // that the restored one replaces.
        if (auto s = vault.Retire("the daemon is restarting on a restored backup"); !s.ok()) {
          DropStagedRestore(options.data_dir);
          return absl::FailedPreconditionError(
              "this device got a vault while the backup was being restored; nothing was "
              "restored");
        }
        if (auto s = CommitRestore(options.data_dir); !s.ok()) {
          DropStagedRestore(options.data_dir);
          (void)vault.Retire("");
          return s;
        }
        restore_committed = true;
        LogInfo(absl::StrCat("restored a backup of device ", staged->backup_device_id(),
                             " as new device ", staged->device_id(), "; restarting on it"));
        boost::asio::post(io, [&] {
          if (stopped) return;  // a signal came first: stop, and restore at the next start
          restart = true;
          stop_serving();
        });
        return staged;
      });

  // Our own health service, not gRPC's default: see health.proto.
  HealthServiceImpl health_service(
      {"attune.v1.VaultService", "attune.v1.JournalService", "attune.v1.CheckInService",
       "attune.v1.GoalService", "attune.v1.AppreciationService", "attune.v1.SpaceService",
       "attune.v1.SyncService", "attune.v1.ExerciseService", "attune.v1.PluginService",
       "attune.v1.SearchService", "attune.v1.BackupService", "attune.v1.ExportService",
       "attune.v1.ReminderService"});
  // Catch SIGINT and SIGTERM before the socket exists: whoever sees the
  // socket may stop us at once, and that must be a clean stop, not the
  // default action killing us between listening and the handler.
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  std::unique_ptr<grpc::Server> server;

  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort("unix:" + options.socket_path, grpc::InsecureServerCredentials());
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  // No bandwidth probe pings from attuned on the local socket: there is no
  // link whose speed to learn. Clients choose for their own channels
  // (DaemonChannelArguments, common/daemon_socket.h, turns it off too). With it off on both ends a
  // check-in from one client costs attuned half a context switch less
  // (perf stat: 9.5 → 8.9) and a tenth of its socket calls.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  // Keep enough threads polling that calls waiting on fsync (group commit)
  // do not make gRPC start and retire a thread for every few calls. An idle
  // poller wakes only every CQ timeout (to see whether it is surplus): at
  // gRPC's 10 s default the pollers alone woke an idle daemon 30 times a
  // minute. Shutdown does not wait for the timeout.
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MIN_POLLERS, 2);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, 16);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::CQ_TIMEOUT_MSEC,
                              10 * 60 * 1000);
  builder.RegisterService(&vault_service);
  builder.RegisterService(&journal_service);
  builder.RegisterService(&checkin_service);
  builder.RegisterService(&goal_service);
  builder.RegisterService(&appreciation_service);
  builder.RegisterService(&space_service);
  builder.RegisterService(&sync_service);
  builder.RegisterService(&exercise_service);
  builder.RegisterService(&plugin_service);
  builder.RegisterService(&search_service);
  builder.RegisterService(&insights_service);
  builder.RegisterService(&backup_service);
  builder.RegisterService(&export_service);
  builder.RegisterService(&reminder_service);
  // Watch streams run on the event service's own completion queue and
  // thread (event_service.h), not on gRPC's callback API, whose threads wake
  // an idle daemon several times a second.
  event_service.AddTo(&builder);
  // CreateJournalEntry and CreateCheckIn: on the write front's queue
  // (write_front.h), replied to from where their group is made durable.
  write_front.AddTo(&builder);
  builder.RegisterService(&health_service);
  server = builder.BuildAndStart();
  if (server == nullptr) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", options.socket_path));
  }
  event_service.Start();
  write_front.Start();
  search_indexer.Start();
  reminders.Start();
  reveal_keeper.Start();
  ::chmod(options.socket_path.c_str(), 0600);
  LogInfo(absl::StrCat("serving on ", options.socket_path, "; vault is ",
                       vault.state() == Vault::State::kUninitialized
                           ? "not initialised (run attune init)"
                           : "locked (run attune unlock)"));
  sd_notify(0, "READY=1");

  stop_serving = [&] {
    if (stopped) return;
    stopped = true;
    signals.cancel();
    (*events)->Close();  // open watches end with UNAVAILABLE, not at the deadline
    server->Shutdown(std::chrono::system_clock::now() + kShutdownGrace);
  };
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    LogInfo(absl::StrCat("signal ", signal, ": finishing calls and stopping"));
    sd_notify(0, "STOPPING=1");
    restart = false;
    stop_serving();
  });
  io.run();
  server->Wait();
  // Every call is over once the server is shut down (the write front's
  // last replies may still be on their way out): now the queues, then the
  // server itself.
  write_front.Stop();
  event_service.Stop();
  server.reset();
  search_indexer.Stop();
  reminders.Stop();
  reveal_keeper.Stop();
  peers.Stop();
  vault.Lock();
  ::unlink(options.socket_path.c_str());
  LogInfo(restart ? "stopped, to start again on the restored store" : "stopped");
  return restart;
}

}  // namespace

absl::Status RunDaemon(const DaemonOptions& options) {
  ::umask(077);
  if (options.data_dir.empty()) {
    return absl::FailedPreconditionError(
        "no data folder: HOME and XDG_DATA_HOME are unset and the password database names no "
        "home folder for this user; pass --data-dir");
  }
  if (auto s = MakePrivateDir(options.data_dir, "data folder"); !s.ok()) return s;
  DataDirLock dir_lock;
  if (auto s = dir_lock.Acquire(options.data_dir); !s.ok()) return s;
  for (bool first = true;; first = false) {
    auto again = ServeOnce(options, first);
    if (!again.ok()) return again.status();
    if (!*again) return absl::OkStatus();
  }
}

}  // namespace attune
