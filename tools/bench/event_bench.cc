#include "tools/bench/event_bench.h"

#include <grpcpp/client_context.h>
#include <grpcpp/support/client_callback.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "attune/v1/api.grpc.pb.h"
#include "tools/bench/daemon_process.h"
#include "tools/bench/proc_stats.h"
#include "tools/bench/rpc_client.h"

namespace attune::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;
// Generous: the machine may be loaded, and a channel's first call waits for
// its connection.
constexpr auto kCallTimeout = std::chrono::seconds(30);
constexpr auto kEventTimeout = std::chrono::seconds(30);
constexpr auto kStartTimeout = std::chrono::seconds(30);

double Ms(SteadyClock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// Watch streams from 0 on one channel, on gRPC's callback API: no thread of
// the bench's own per stream. Each counts its `live` and hands every
// record_changed event, with when it arrived, to `on_change` (on a gRPC
// thread).
class Watches {
 public:
  using OnChange = std::function<void(const v1::RecordChanged&, SteadyClock::time_point)>;

  Watches(std::shared_ptr<grpc::Channel> channel, OnChange on_change)
      : stub_(v1::EventService::NewStub(std::move(channel))), on_change_(std::move(on_change)) {}
  Watches(const Watches&) = delete;
  Watches& operator=(const Watches&) = delete;
  ~Watches() {
    try {
      Close();
    } catch (const std::exception& e) {
      std::cerr << "\nattune-bench: " << e.what() << "\n";
    }
  }

  // Starts `n` more streams.
  void Open(int n) {
    for (int i = 0; i < n; ++i) {
      streams_.push_back(std::make_unique<Stream>(this));
      streams_.back()->Start(stub_.get());
    }
  }

  // Waits until every stream has had its `live` event. Throws if one ends
  // first, or after `timeout`.
  void AwaitLive(std::chrono::seconds timeout) {
    std::unique_lock lock(mu_);
    const size_t n = streams_.size();
    if (!cv_.wait_for(lock, timeout, [&] { return live_ == n || done_ > 0; })) {
      throw std::runtime_error(std::to_string(live_) + " of " + std::to_string(n) +
                               " watchers had their live event after " +
                               std::to_string(timeout.count()) + " s");
    }
    if (done_ > 0) throw std::runtime_error("a Watch ended before its live event: " + error_);
  }

  // Events past `live`, on every stream so far.
  int events_after_live() const {
    std::lock_guard lock(mu_);
    return after_live_;
  }

  // Cancels every stream and waits until gRPC is done with each. Throws if
  // a stream had ended otherwise.
  void Close() {
    for (auto& s : streams_) s->context.TryCancel();
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, kCallTimeout, [&] { return done_ == streams_.size(); })) {
      // gRPC still holds them: leak rather than free what it may touch.
      for (auto& s : streams_) s.release();
      streams_.clear();
      throw std::runtime_error("cancelled Watch streams did not end within 30 s");
    }
    streams_.clear();
    done_ = 0;
    live_ = 0;
    if (!error_.empty()) {
      std::string error = std::move(error_);
      error_.clear();
      throw std::runtime_error("a Watch ended: " + error);
    }
  }

 private:
  class Stream final : public grpc::ClientReadReactor<v1::Event> {
   public:
    explicit Stream(Watches* owner) : owner_(owner) {}

    void Start(v1::EventService::Stub* stub) {
      context.set_wait_for_ready(true);
      stub->async()->Watch(&context, &request_, this);
      StartRead(&event_);
      StartCall();
    }

    void OnReadDone(bool ok) override {
      if (!ok) return;  // OnDone follows
      const auto now = SteadyClock::now();
      if (event_.has_record_changed() && owner_->on_change_) {
        owner_->on_change_(event_.record_changed(), now);
      }
      {
        std::lock_guard lock(owner_->mu_);
        if (event_.has_live()) {
          ++owner_->live_;
          live_seen_ = true;
        } else if (live_seen_) {
          ++owner_->after_live_;
        }
      }
      owner_->cv_.notify_all();
      StartRead(&event_);
    }

    void OnDone(const grpc::Status& s) override {
      // Notified under the lock: once it is released, Close may free us.
      std::lock_guard lock(owner_->mu_);
      if (!s.ok() && s.error_code() != grpc::StatusCode::CANCELLED && owner_->error_.empty()) {
        owner_->error_ = Describe(s);
      }
      ++owner_->done_;
      owner_->cv_.notify_all();
    }

    grpc::ClientContext context;

   private:
    Watches* const owner_;
    v1::WatchRequest request_;  // after_id 0: from now
    v1::Event event_;
    bool live_seen_ = false;  // only this stream's reads touch it, one at a time
  };

  std::unique_ptr<v1::EventService::Stub> stub_;
  const OnChange on_change_;
  std::vector<std::unique_ptr<Stream>> streams_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  size_t live_ = 0;
  size_t done_ = 0;
  int after_live_ = 0;
  std::string error_;  // the first unexpected end
};

// Where each created record's event arrived, by record name.
class Arrivals {
 public:
  void Add(const v1::RecordChanged& change, SteadyClock::time_point at) {
    if (change.change() != v1::RecordChanged::CHANGE_CREATED) return;
    std::lock_guard lock(mu_);
    at_.emplace(change.name(), at);
    cv_.notify_all();
  }

  // When the event of `name` arrived (and forgets it). Throws after
  // kEventTimeout.
  SteadyClock::time_point Await(const std::string& name) {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, kEventTimeout, [&] { return at_.count(name) > 0; })) {
      throw std::runtime_error("the watcher had no event for " + name + " within 30 s");
    }
    auto it = at_.find(name);
    SteadyClock::time_point at = it->second;
    at_.erase(it);
    return at;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, SteadyClock::time_point> at_;
};

struct LatencySamples {
  std::vector<double> ack_ms, event_ms, event_after_ack_ms;
};

LatencySamples MeasureWriteToEvent(const std::string& socket, int warmup, int writes) {
  Arrivals arrivals;
  Watches watch(MakeChannel(socket), [&](const v1::RecordChanged& change,
                                         SteadyClock::time_point at) { arrivals.Add(change, at); });
  watch.Open(1);
  watch.AwaitLive(kStartTimeout);

  auto journal = v1::JournalService::NewStub(MakeChannel(socket));
  LatencySamples out;
  for (int i = 0; i < warmup + writes; ++i) {
    v1::CreateJournalEntryRequest request;
    v1::JournalEntry* entry = request.mutable_journal_entry();
    entry->set_body("Event bench entry " + std::to_string(i) +
                    ": we talked on the walk home about what the week asked of us.");
    entry->set_visibility(v1::VISIBILITY_PRIVATE);
    grpc::ClientContext context;
    context.set_wait_for_ready(true);
    context.set_deadline(std::chrono::system_clock::now() + kCallTimeout);
    v1::JournalEntry created;
    const auto sent = SteadyClock::now();
    grpc::Status s = journal->CreateJournalEntry(&context, request, &created);
    const auto acked = SteadyClock::now();
    if (!s.ok()) throw std::runtime_error("CreateJournalEntry failed: " + Describe(s));
    const auto heard = arrivals.Await(created.name());
    if (i < warmup) continue;
    out.ack_ms.push_back(Ms(acked - sent));
    out.event_ms.push_back(Ms(heard - sent));
    out.event_after_ack_ms.push_back(Ms(heard - acked));
  }
  watch.Close();
  return out;
}

Figure FigureOf(const std::vector<double>& ms) {
  Samples samples;
  samples.latencies_ms = ms;
  return Summarise(samples, false);
}

// The daemon over `seconds` of nothing asked of it.
IdleWindow IdleFor(pid_t pid, double seconds) {
  IdleWindow w;
  const Switches before = ContextSwitches(pid);
  const auto start = SteadyClock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  const Switches after = ContextSwitches(pid);
  w.seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
  w.rss_mb = RssMb(pid);
  w.threads = ThreadCount(pid);
  w.threads_by_name = ThreadsByName(pid);
  for (const auto& [name, n] : SwitchesBetween(before, after)) {
    w.wakeups_by_thread[name] = n / w.seconds;
  }
  w.wakeups_per_second = Total(w.wakeups_by_thread);
  return w;
}

void Settle(double seconds) { std::this_thread::sleep_for(std::chrono::duration<double>(seconds)); }

}  // namespace

std::vector<std::pair<std::string, int>> EventFigures::ThreadsAddedByName(const IdleWindow& from,
                                                                          const IdleWindow& to) {
  std::map<std::string, int> added = to.threads_by_name;
  for (const auto& [name, n] : from.threads_by_name) added[name] -= n;
  std::vector<std::pair<std::string, int>> out;
  for (const auto& [name, n] : added) {
    if (n != 0) out.emplace_back(name, n);
  }
  return out;
}

std::vector<std::string> EventFigures::WakingThreads() const {
  std::map<std::string, double> added;
  for (const IdleWindow* w : {&none, &one, &many}) {
    for (const auto& [name, rate] : w->wakeups_by_thread) {
      if (rate > 0) added[name];
    }
  }
  for (auto& entry : added) {
    const std::string& name = entry.first;
    auto at = [&](const IdleWindow& w) {
      auto it = w.wakeups_by_thread.find(name);
      return it == w.wakeups_by_thread.end() ? 0.0 : it->second;
    };
    entry.second = at(many) - at(none);
  }
  std::vector<std::pair<std::string, double>> sorted(added.begin(), added.end());
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& x, const auto& y) { return x.second > y.second; });
  std::vector<std::string> out;
  for (const auto& [name, rate] : sorted) out.push_back(name);
  return out;
}

EventFigures RunEventBench(const EventLoad& load) {
  EventFigures f;
  f.writes = load.writes;
  f.watchers = load.watchers;
  std::filesystem::create_directories(load.dir);
  const std::string socket = load.dir + "/attuned.sock";
  DaemonProcess daemon;
  daemon.Start(load.attuned, load.dir + "/data", socket, load.dir + "/attuned.log");
  try {
    WaitUntilServing(socket, kStartTimeout, [&](std::string* how) { return daemon.Running(how); });
    InitVault(socket);

    std::cerr << " write → event… " << std::flush;
    LatencySamples latency = MeasureWriteToEvent(socket, load.warmup, load.writes);
    f.ack = FigureOf(latency.ack_ms);
    f.event = FigureOf(latency.event_ms);
    f.event_after_ack = FigureOf(latency.event_after_ack_ms);
    f.event_before_ack = static_cast<int>(std::count_if(latency.event_after_ack_ms.begin(),
                                                        latency.event_after_ack_ms.end(),
                                                        [](double ms) { return ms < 0; }));

    // One connection for every idle watcher, made before the first window
    // so that the windows differ by the watchers alone.
    auto channel = MakeChannel(socket);
    if (!channel->WaitForConnected(std::chrono::system_clock::now() + kStartTimeout)) {
      throw std::runtime_error("the watchers' channel did not connect within 30 s");
    }
    Watches idle(channel, nullptr);
    std::cerr << "0 watchers… " << std::flush;
    Settle(load.settle_seconds);
    f.none = IdleFor(daemon.pid(), load.window_seconds);

    std::cerr << "1… " << std::flush;
    idle.Open(1);
    idle.AwaitLive(kStartTimeout);
    Settle(load.settle_seconds);
    f.one = IdleFor(daemon.pid(), load.window_seconds);

    std::cerr << load.watchers << "… " << std::flush;
    idle.Open(load.watchers - 1);
    idle.AwaitLive(kStartTimeout);
    Settle(load.settle_seconds);
    f.many = IdleFor(daemon.pid(), load.window_seconds);
    f.events_while_idle = idle.events_after_live();
    idle.Close();
  } catch (const std::exception& e) {
    FailWithDaemon(daemon, e);
  }
  auto stopped = daemon.Stop();
  if (!stopped.clean) {
    f.stopped_clean = false;
    std::cerr << "\nattune-bench: warning: attuned " << stopped.how << "\n";
    PrintLogTail(daemon.log_path());
  }
  return f;
}

}  // namespace attune::bench
