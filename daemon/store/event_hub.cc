#include "daemon/store/event_hub.h"

#include <sodium.h>

#include <algorithm>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "daemon/base/big_endian.h"
#include "daemon/store/meta.h"
#include "daemon/vault/view_crypto.h"

namespace attune {
namespace {

std::string EventKey(uint64_t id) {
  return absl::StrCat(meta_key::kEventPrefix, EncodeBigEndian64(id));
}

google::protobuf::Timestamp Stamp(absl::Time t) {
  google::protobuf::Timestamp out;
  const int64_t micros = absl::ToUnixMicros(t);
  out.set_seconds(micros / 1000000);
  out.set_nanos(static_cast<int32_t>(micros % 1000000) * 1000);
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<EventHub>> EventHub::Open(Db* db, const Clock* clock,
                                                         Options options) {
  uint64_t start = 0;
  auto stored = db->Get(Cf::kMeta, meta_key::kEventStart);
  if (!stored.ok()) return stored.status();
  if (stored->has_value() && !absl::SimpleAtoi(**stored, &start)) {
    return absl::DataLossError("the daemon's start number in the data folder does not parse");
  }
  ++start;
  Batch batch;
  batch.Put(Cf::kMeta, meta_key::kEventStart, absl::StrCat(start));
  if (auto s = db->Write(batch, true); !s.ok()) return s;

  std::unique_ptr<EventHub> hub(new EventHub(db, clock, options, start << 32));
  absl::MutexLock lock(&hub->mu_);
  const std::string prefix = meta_key::kEventPrefix;
  auto scan = db->Scan(Cf::kMeta, prefix, [&](std::string_view key, std::string_view) {
    hub->kept_.push_back(DecodeBigEndian64(key.substr(prefix.size())));
    return true;
  });
  if (!scan.ok()) return scan;
  auto trimmed = db->Get(Cf::kMeta, meta_key::kEventTrimmed);
  if (!trimmed.ok()) return trimmed.status();
  if (trimmed->has_value()) hub->trimmed_through_ = DecodeBigEndian64(**trimmed);
  return hub;
}

EventHub::EventHub(Db* db, const Clock* clock, Options options, uint64_t base)
    : db_(db),
      clock_(clock),
      options_(options),
      next_(base + 1),
      ring_floor_(base),
      last_delivered_(base),
      notifier_([this] { Notify(); }) {}

EventHub::~EventHub() {
  {
    absl::MutexLock lock(&wake_mu_);
    stop_ = true;
  }
  notifier_.join();
}

void EventHub::Notify() {
  while (true) {
    {
      absl::MutexLock lock(&wake_mu_);
      wake_mu_.Await(absl::Condition(this, &EventHub::WakeOrStop));
      if (stop_) return;
      wake_ = false;
    }
    absl::MutexLock lock(&subscribers_mu_);
    std::vector<const Subscriber*> woken;
    {
      absl::MutexLock hub_lock(&mu_);
      for (auto& [token, s] : subscribers_) {
        // Also woken, to move its cursor, once half the ring went by
        // unwanted: else it would fall out of memory and read everything
        // afresh at the next event it wants.
        if (closed_ || !s.wants || WantsAnyLocked(s.wants, &s.seen) ||
            last_delivered_ - s.woken_at > options_.ring_events / 2) {
          s.woken_at = last_delivered_;
          woken.push_back(&s);
        }
      }
    }
    for (const Subscriber* s : woken) s->wake();
  }
}

bool EventHub::WantsAnyLocked(const std::function<bool(const v1::Event&)>& wants,
                              uint64_t* seen) const {
  const uint64_t from = *seen;
  *seen = last_delivered_;
  // Every event is asked about, not only up to the first wanted one: a
  // subscriber may note what it sees (the search indexer notes a vault
  // change among record changes).
  bool any = from < ring_floor_;
  auto it = std::upper_bound(ring_.begin(), ring_.end(), from,
                             [](uint64_t id, const v1::Event& e) { return id < e.id(); });
  for (; it != ring_.end(); ++it) {
    if (wants(*it)) any = true;
  }
  return any;
}

void EventHub::Emit(v1::Event event) {
  bool delivered;
  {
    absl::MutexLock lock(&mu_);
    if (closed_) return;
    event.set_id(next_++);
    *event.mutable_time() = Stamp(clock_->Now());
    ready_.emplace(event.id(), std::move(event));
    delivered = DeliverLocked();
  }
  if (delivered) WakeAll();
}

uint64_t EventHub::Reserve() {
  absl::MutexLock lock(&mu_);
  const uint64_t id = next_++;
  reserved_.insert(id);
  return id;
}

void EventHub::Stage(const KeySet& keys, v1::Event* event, Batch* batch) {
  *event->mutable_time() = Stamp(clock_->Now());
  const std::string key = EventKey(event->id());
  std::string plain = event->SerializeAsString();
  batch->Put(Cf::kMeta, key, SealValue(keys.data_key, CfName(Cf::kMeta), key, plain));
  sodium_memzero(plain.data(), plain.size());
  absl::MutexLock lock(&mu_);
  kept_.push_back(event->id());
  // Trimmed in steps of a twentieth, not at every change.
  if (kept_.size() < options_.kept_changes + std::max<size_t>(1, options_.kept_changes / 20)) {
    return;
  }
  while (kept_.size() > options_.kept_changes) {
    batch->Delete(Cf::kMeta, EventKey(kept_.front()));
    trimmed_through_ = std::max(trimmed_through_, kept_.front());
    kept_.pop_front();
  }
  batch->Put(Cf::kMeta, meta_key::kEventTrimmed, EncodeBigEndian64(trimmed_through_));
}

void EventHub::Publish(std::vector<v1::Event> events) {
  if (events.empty()) return;
  bool delivered;
  {
    absl::MutexLock lock(&mu_);
    for (v1::Event& e : events) {
      reserved_.erase(e.id());
      if (!closed_) ready_.emplace(e.id(), std::move(e));
    }
    delivered = DeliverLocked();
  }
  if (delivered) WakeAll();
}

void EventHub::Abandon(const std::vector<uint64_t>& ids) {
  if (ids.empty()) return;
  bool delivered;
  {
    absl::MutexLock lock(&mu_);
    for (uint64_t id : ids) reserved_.erase(id);
    delivered = DeliverLocked();
  }
  if (delivered) WakeAll();
}

bool EventHub::DeliverLocked() {
  bool any = false;
  while (!ready_.empty() && (reserved_.empty() || ready_.begin()->first < *reserved_.begin())) {
    auto first = ready_.begin();
    last_delivered_ = first->first;
    ring_.push_back(std::move(first->second));
    ready_.erase(first);
    if (ring_.size() > options_.ring_events) {
      ring_floor_ = ring_.front().id();
      ring_.pop_front();
    }
    any = true;
  }
  return any;
}

uint64_t EventHub::LastDelivered() const {
  absl::MutexLock lock(&mu_);
  return last_delivered_;
}

uint64_t EventHub::RingFloor() const {
  absl::MutexLock lock(&mu_);
  return ring_floor_;
}

bool EventHub::Drain(uint64_t* cursor, const std::function<void(const v1::Event&)>& fn) const {
  std::vector<v1::Event> events;
  for (;;) {
    events.clear();
    if (!ReadAfter(*cursor, 256, &events)) {  // some left memory already
      *cursor = LastDelivered();
      return false;
    }
    if (events.empty()) return true;
    for (const v1::Event& e : events) {
      *cursor = e.id();
      fn(e);
    }
  }
}

bool EventHub::ReadAfter(uint64_t after, size_t max, std::vector<v1::Event>* out) const {
  absl::MutexLock lock(&mu_);
  if (after < ring_floor_) return false;
  auto it = std::upper_bound(ring_.begin(), ring_.end(), after,
                             [](uint64_t id, const v1::Event& e) { return id < e.id(); });
  for (; it != ring_.end() && out->size() < max; ++it) out->push_back(*it);
  return true;
}

bool EventHub::ChangesKeptAfter(uint64_t after) const {
  absl::MutexLock lock(&mu_);
  return after >= trimmed_through_;
}

absl::Status EventHub::ReadKeptChanges(const KeySet& keys, uint64_t after, uint64_t before,
                                       std::vector<v1::Event>* out) const {
  if (before <= after + 1) return absl::OkStatus();
  absl::Status inner;
  const std::string prefix = meta_key::kEventPrefix;
  auto scan =
      db_->ScanFrom(Cf::kMeta, EventKey(after + 1), [&](std::string_view key, std::string_view v) {
        if (key.substr(0, prefix.size()) != prefix) return false;
        if (DecodeBigEndian64(key.substr(prefix.size())) >= before) return false;
        auto plain = OpenValue(keys.data_key, CfName(Cf::kMeta), key, v);
        v1::Event event;
        if (!plain.ok() || !event.ParseFromString(*plain)) {
          inner = absl::DataLossError("a kept event in the data folder does not open");
          return false;
        }
        sodium_memzero(plain->data(), plain->size());
        out->push_back(std::move(event));
        return true;
      });
  return scan.ok() ? inner : scan;
}

uint64_t EventHub::Subscribe(std::function<void()> wake,
                             std::function<bool(const v1::Event&)> wants) {
  absl::MutexLock lock(&subscribers_mu_);
  const uint64_t token = next_token_++;
  const uint64_t now = LastDelivered();
  subscribers_.emplace(token, Subscriber{std::move(wake), std::move(wants), now, now});
  return token;
}

void EventHub::Unsubscribe(uint64_t token) {
  absl::MutexLock lock(&subscribers_mu_);
  subscribers_.erase(token);
}

void EventHub::Close() {
  {
    absl::MutexLock lock(&mu_);
    closed_ = true;
  }
  WakeAll();
}

bool EventHub::closed() const {
  absl::MutexLock lock(&mu_);
  return closed_;
}

void EventHub::WakeAll() {
  absl::MutexLock lock(&wake_mu_);
  wake_ = true;
}

}  // namespace attune
