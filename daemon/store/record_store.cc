#include "daemon/store/record_store.h"

#include <algorithm>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "daemon/base/big_endian.h"
#include "daemon/base/log.h"
#include "daemon/store/meta.h"
#include "daemon/store/own_log_head.h"
#include "daemon/vault/op_crypto.h"
#include "daemon/vault/view_crypto.h"
#include "google/protobuf/util/message_differencer.h"

namespace attune {
namespace {

// Adds a refusal to the one a batch reports: every distinct reason, in
// order (a batch may join several a peer sent apart), up to about 1 KiB;
// the code is the first one's, or DATA_LOSS once a fork was seen (a fork is
// never silent).
void Refuse(absl::Status* kept, const absl::Status& refusal) {
  constexpr size_t kMaxReasons = 1024;
  if (refusal.ok()) return;
  if (kept->ok()) {
    *kept = refusal;
    return;
  }
  const absl::StatusCode code =
      absl::IsDataLoss(refusal) ? absl::StatusCode::kDataLoss : kept->code();
  std::string reasons(kept->message());
  if (!absl::StrContains(reasons, refusal.message()) && reasons.size() < kMaxReasons) {
    absl::StrAppend(&reasons, "; ", refusal.message());
  }
  *kept = absl::Status(code, reasons);
}

constexpr size_t kMaxGroup = 256;
constexpr size_t kDeviceBytes = 32;
constexpr char kSharedStream = 'S';
constexpr char kPrivateStream = 'P';

char StreamOf(v1::Visibility v) {
  return v == v1::VISIBILITY_SHARED ? kSharedStream : kPrivateStream;
}

std::string StreamPrefix(std::string_view device, char stream) {
  std::string p(device);
  p.push_back(stream);
  return p;
}

// Where the last folded seq of a peer device's stream is kept.
std::string AppliedKey(std::string_view device, v1::Visibility visibility) {
  return absl::StrCat(visibility == v1::VISIBILITY_SHARED ? meta_key::kAppliedPrefix
                                                          : meta_key::kAppliedPrivatePrefix,
                      std::string(device));
}

// The refusal for a log that disagrees with its head.
absl::Status OwnLogLoss(const std::string& problem) {
  return absl::DataLossError(absl::StrCat(
      problem,
      ": the data folder was changed outside Attune (ops deleted or rolled back by someone with "
      "access to the disk, or the folder was put back from an incomplete copy). The vault stays "
      "locked and nothing was written. To go on: stop attuned and put back a copy of the data "
      "folder made after those ops; or start attuned once with --accept-own-log-as-is and unlock "
      "to keep what is left (what is missing stays lost)."));
}

v1::Clock ClockOf(const v1::OpHeader& header) {
  v1::Clock clock;
  clock.set_hlc(header.hlc());
  clock.set_device(header.author_device());
  return clock;
}

}  // namespace

struct RecordStore::Writer {
  const KeySet* keys;
  std::vector<Mutation>* mutations;  // committed together or not at all
  absl::Status status;
  std::vector<v1::RecordState> results;
  bool appended = false;  // its group is in the log (or refused), not yet synced
  bool done = false;
  // WriteAll: a leader handed it the lead.
  bool lead = false;
  // WriteAll's `appended`, and whether it ran (only its own thread runs
  // it, so no lock guards these).
  const std::function<void()>* hook = nullptr;
  bool hooked = false;
  absl::CondVar cv;
  // WriteAllAsync: owns what `keys` and `mutations` point to, and is told
  // the outcome (then freed) instead of waiting.
  std::shared_ptr<const KeySet> owned_keys;
  std::vector<Mutation> owned_mutations;
  WriteDone on_done;
};

RecordStore::RecordStore(Db* db, const Clock* clock) : db_(db), views_(db), hlc_(clock) {}

std::string RecordStore::ViewKey(Kind kind, std::string_view id) {
  return RecordViews::Key(kind, id);
}

std::string RecordStore::OplogKey(std::string_view device, v1::Visibility visibility,
                                  uint64_t seq) {
  return StreamPrefix(device, StreamOf(visibility)) + EncodeBigEndian64(seq);
}

absl::StatusOr<v1::RecordState> RecordStore::Write(const KeySet& keys, Mutation mutation) {
  std::vector<Mutation> one;
  one.push_back(std::move(mutation));
  auto states = WriteAll(keys, std::move(one));
  if (!states.ok()) return states.status();
  return std::move(states->front());
}

absl::StatusOr<std::vector<v1::RecordState>> RecordStore::WriteAll(
    const KeySet& keys, std::vector<Mutation> mutations,
    const std::function<void()>& appended_hook) {
  if (mutations.empty()) {
    if (appended_hook) appended_hook();
    return std::vector<v1::RecordState>();
  }
  Writer w;
  w.keys = &keys;
  w.mutations = &mutations;
  if (appended_hook) w.hook = &appended_hook;
  w.hooked = !appended_hook;
  absl::MutexLock lock(&mu_);
  queue_.push_back(&w);
  if (!leading_) {
    leading_ = true;
    w.lead = true;
  }
  while (!w.done) {
    if (w.lead) {
      w.lead = false;
      LeadLocked(&w);
      continue;
    }
    if (w.appended && !w.hooked) {
      RunHookLocked(&w);
      continue;
    }
    w.cv.Wait(&mu_);
  }
  RunHookLocked(&w);  // if done before this thread woke to run it
  if (!w.status.ok()) return w.status;
  return std::move(w.results);
}

void RecordStore::WriteAllAsync(std::shared_ptr<const KeySet> keys, std::vector<Mutation> mutations,
                                WriteDone done, Lead lead) {
  if (mutations.empty()) {
    done(std::vector<v1::RecordState>());
    return;
  }
  auto* w = new Writer();
  w->owned_keys = std::move(keys);
  w->owned_mutations = std::move(mutations);
  w->keys = w->owned_keys.get();
  w->mutations = &w->owned_mutations;
  w->on_done = std::move(done);
  absl::MutexLock lock(&mu_);
  queue_.push_back(w);
  if (leading_ || lead == Lead::kLater) return;  // a leader takes it with its next group
  leading_ = true;
  LeadLocked(nullptr);
}

void RecordStore::CommitQueued() {
  absl::MutexLock lock(&mu_);
  while (!queue_.empty()) {
    if (lead_to_committer_) {  // a leader handed the lead on
      lead_to_committer_ = false;
      LeadLocked(nullptr);
      return;
    }
    if (!leading_) {
      leading_ = true;
      LeadLocked(nullptr);
      return;
    }
    // A leader takes the queued writes with its next group, or hands the
    // lead here; until then this thread waits, as a WriteAll would.
    ++waiting_committers_;
    committers_.Wait(&mu_);
    --waiting_committers_;
  }
}

void RecordStore::RunHookLocked(Writer* w) {
  if (w->hooked) return;
  w->hooked = true;
  mu_.Unlock();
  (*w->hook)();
  mu_.Lock();
}

void RecordStore::LeadLocked(Writer* self) {
  // At most this many groups go into one fdatasync before their writers
  // hear back, so that a steady stream of new writers cannot hold them.
  constexpr int kMaxGroupsPerSync = 8;
  while (true) {
    // Append groups while writers are queued that no other thread will
    // lead (WriteAllAsync ones have no thread of their own).
    std::vector<std::pair<std::vector<Writer*>, Appended>> groups;
    do {
      std::vector<Writer*> group;
      while (!queue_.empty() && group.size() < kMaxGroup) {
        group.push_back(queue_.front());
        queue_.pop_front();
      }
      mu_.Unlock();
      Appended appended = AppendGroup(group);
      mu_.Lock();
      for (Writer* member : group) {
        member->appended = true;
        // A WriteAll's thread wakes only to run its hook, if it has one.
        if (member != self && !member->on_done && member->hook) member->cv.Signal();
      }
      groups.emplace_back(std::move(group), std::move(appended));
      // The leader's own `appended`, before the sync.
      if (self != nullptr && self->appended) RunHookLocked(self);
    } while (!queue_.empty() && queue_.front()->on_done &&
             groups.size() < static_cast<size_t>(kMaxGroupsPerSync));
    // Whoever leads next stamps and appends the next group while this one
    // waits for the disk: a WriteAll waiting in the queue, else a thread
    // waiting in CommitQueued, else whoever queues next when the queue is
    // empty. With only writers that have no thread of their own queued and
    // nobody waiting to commit, this thread leads on once it has synced:
    // it never leaves a queued writer without a leader.
    bool more = false;
    Writer* waiting = nullptr;
    for (Writer* q : queue_) {
      if (!q->on_done) {
        waiting = q;
        break;
      }
    }
    if (queue_.empty()) {
      leading_ = false;
      committers_.SignalAll();  // nothing left for them
    } else if (waiting != nullptr) {
      waiting->lead = true;
      waiting->cv.Signal();
    } else if (waiting_committers_ > 0) {
      lead_to_committer_ = true;
      committers_.Signal();
    } else {
      more = true;
    }
    mu_.Unlock();
    std::vector<absl::Status> synced;
    synced.reserve(groups.size());
    for (auto& [group, appended] : groups) {
      synced.push_back(MakeDurable(appended));
      FinishEvents(&appended, synced.back().ok());
    }
    mu_.Lock();
    std::vector<Writer*> finished;
    for (size_t i = 0; i < groups.size(); ++i) {
      for (Writer* member : groups[i].first) {
        if (member->status.ok() && !synced[i].ok()) member->status = synced[i];
        member->done = true;
        if (member->on_done) {
          finished.push_back(member);
        } else if (member != self) {
          member->cv.Signal();
        }
      }
    }
    if (!finished.empty()) {
      mu_.Unlock();
      for (Writer* member : finished) {
        absl::StatusOr<std::vector<v1::RecordState>> result = std::move(member->results);
        if (!member->status.ok()) result = member->status;
        WriteDone on_done = std::move(member->on_done);
        delete member;
        on_done(std::move(result));
      }
      mu_.Lock();
    }
    if (!more) return;
  }
}

absl::Status RecordStore::MakeDurable(const Appended& appended) {
  if (appended.ticket == 0) return absl::OkStatus();
  {
    absl::MutexLock lock(&sync_mu_);
    if (!sync_error_.ok()) return sync_error_;
    if (synced_ < appended.ticket) {
      // One fdatasync covers every batch appended before it starts, this
      // one and any that other threads appended while we waited.
      uint64_t target = appended_.load(std::memory_order_acquire);
      if (auto s = db_->SyncWal(); !s.ok()) {
        // What the disk holds after a failed sync is unknown (the kernel may
        // have dropped the pages): acknowledge nothing more until restart.
        sync_error_ = absl::Status(
            s.code(),
            absl::StrCat(s.message(), " — writes are refused until attuned is restarted"));
        return sync_error_;
      }
      synced_ = target;
    }
  }
  if (appended.shared.empty() && appended.private_seqs.empty()) return absl::OkStatus();
  {
    absl::MutexLock vv_lock(&vv_mu_);
    for (const auto& [device, seq] : appended.shared) {
      uint64_t& held = shared_vv_[device];
      held = std::max(held, seq);
    }
    for (const auto& [device, seq] : appended.private_seqs) {
      uint64_t& held = private_vv_[device];
      held = std::max(held, seq);
    }
  }
  NotifyChange();
  return absl::OkStatus();
}

absl::Status RecordStore::AppendLocked(const Batch& batch, Appended* appended) {
  {
    absl::MutexLock lock(&sync_mu_);
    if (!sync_error_.ok()) return sync_error_;
  }
  if (auto s = db_->Write(batch, /*sync=*/false); !s.ok()) return s;
  appended->ticket = appended_.fetch_add(1, std::memory_order_acq_rel) + 1;
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> RecordStore::LastSeq(std::string_view device,
                                              v1::Visibility visibility) const {
  std::string prefix = StreamPrefix(device, StreamOf(visibility));
  auto last = db_->LastKeyWithPrefix(Cf::kOplog, prefix);
  if (!last.ok()) return last.status();
  if (!last->has_value() || (*last)->size() != prefix.size() + 8) return 0;
  return DecodeBigEndian64(std::string_view(**last).substr(prefix.size()));
}

absl::Status RecordStore::LoadVersionVector() {
  if (vv_loaded_) return absl::OkStatus();
  // One seek per author device: jump from device to device.
  VersionVector vv, private_vv;
  std::string from;
  while (true) {
    // The first key at or after `from` names the next device.
    bool found = false;
    std::string device;
    auto scan = db_->ScanFrom(Cf::kOplog, from, [&](std::string_view key, std::string_view) {
      if (key.size() >= kDeviceBytes) {
        device = std::string(key.substr(0, kDeviceBytes));
        found = true;
      }
      return false;
    });
    if (!scan.ok()) return scan;
    if (!found) break;
    auto shared = LastSeq(device, v1::VISIBILITY_SHARED);
    if (!shared.ok()) return shared.status();
    if (*shared > 0) vv[device] = *shared;
    auto priv = LastSeq(device, v1::VISIBILITY_PRIVATE);
    if (!priv.ok()) return priv.status();
    if (*priv > 0) private_vv[device] = *priv;
    // The next device: increment the device bytes as a big number.
    std::string next = device;
    int i = static_cast<int>(next.size()) - 1;
    while (i >= 0 && static_cast<unsigned char>(next[i]) == 0xff) next[i--] = '\0';
    if (i < 0) break;
    next[i] = static_cast<char>(static_cast<unsigned char>(next[i]) + 1);
    from = next;
  }
  written_vv_ = vv;
  written_private_ = private_vv;
  absl::MutexLock lock(&vv_mu_);
  shared_vv_ = std::move(vv);
  private_vv_ = std::move(private_vv);
  vv_loaded_ = true;
  return absl::OkStatus();
}

RecordStore::Appended RecordStore::AppendGroup(const std::vector<Writer*>& group) {
  absl::MutexLock lock(&commit_mu_);
  Appended appended;
  const std::string& device = group.front()->keys->device_public_key;
  absl::Status ready = LoadVersionVector();
  if (ready.ok()) ready = EnsureOwnLogChecked(*group.front()->keys);
  if (ready.ok()) ready = CheckNotBehind(device);
  if (!ready.ok()) {
    for (Writer* w : group) w->status = ready;
    return appended;
  }
  if (next_shared_ == 0 || own_device_ != device) {
    auto shared = LastSeq(device, v1::VISIBILITY_SHARED);
    auto priv = LastSeq(device, v1::VISIBILITY_PRIVATE);
    if (!shared.ok() || !priv.ok()) {
      for (Writer* w : group) w->status = !shared.ok() ? shared.status() : priv.status();
      return appended;
    }
    // Never stamp a new op earlier than the last one, even if the wall
    // clock went back while the daemon was down.
    for (auto [vis, last] :
         {std::pair{v1::VISIBILITY_SHARED, *shared}, {v1::VISIBILITY_PRIVATE, *priv}}) {
      if (last == 0) continue;
      auto value = db_->Get(Cf::kOplog, OplogKey(device, vis, last));
      v1::Op op;
      v1::OpHeader header;
      if (value.ok() && value->has_value() && op.ParseFromString(**value) &&
          header.ParseFromString(op.header())) {
        hlc_.Observe(header.hlc());
      }
    }
    own_device_ = device;
    next_shared_ = *shared + 1;
    next_private_ = *priv + 1;
  }
  if (auto s = LoadVersionVector(); !s.ok()) {
    for (Writer* w : group) w->status = s;
    return appended;
  }

  uint64_t shared_seq = next_shared_, private_seq = next_private_;
  const uint64_t next_shared_before = next_shared_, next_private_before = next_private_;
  using Touched = std::map<std::string, std::pair<v1::RecordState, const KeySet*>>;
  Touched touched;  // every record the group changed, as it is after the group
  // Each mutation's result is its record as that mutation left it: moved out
  // of `touched` once the views are staged, where no later mutation of the
  // group changed the record; copied when one does, just before it. By
  // record, the result slot still owed (in a writer's `results`, whose
  // buffer moves with it into the writer).
  std::map<std::string, v1::RecordState*> owed;
  v1::OwnLogHead head = head_;
  OpenRuns runs;
  const KeySet* head_keys = nullptr;
  Batch batch;
  for (Writer* w : group) {
    const KeySet& keys = *w->keys;
    if (keys.device_public_key != device) {
      w->status = absl::InternalError("writers of one group use different devices");
      continue;
    }
    // Keys fetched before the device joined a space (or was linked) would
    // seal ops for the space it left: nobody could take them.
    if (!space_id_.empty() && keys.space_id != space_id_) {
      w->status = absl::UnavailableError(
          "this device joined a space while the write was under way: nothing was written; "
          "try again");
      continue;
    }
    // A writer's mutations land in the group together, or (on an error)
    // none of them does.
    uint64_t w_shared = shared_seq, w_private = private_seq;
    v1::OwnLogHead w_head = head;
    OpenRuns w_runs = runs;
    Touched w_touched;
    Batch w_ops;
    std::vector<v1::Event> w_events;
    std::vector<v1::RecordState> results(w->mutations->size());  // sized once: slots stay put
    std::map<std::string, v1::RecordState*> w_owed;
    absl::Status status;
    for (size_t i = 0; i < w->mutations->size(); ++i) {
      const Mutation& m = (*w->mutations)[i];
      const std::string key = ViewKey(static_cast<Kind>(m.body.kind()), m.body.record_id());
      // An earlier mutation of this record takes its result now, before this
      // one changes the record.
      if (auto it = w_owed.find(key); it != w_owed.end()) {
        *it->second = w_touched.at(key).first;
      } else if (auto git = owed.find(key); git != owed.end()) {
        *git->second = touched.at(key).first;
        owed.erase(git);
      }
      status = StageMutation(keys, device, m, key, touched, &w_touched, &w_shared, &w_private,
                             &w_head, &w_runs, &w_ops, &w_events);
      if (!status.ok()) break;
      w_owed[key] = &results[i];
    }
    if (!status.ok()) {
      w->status = std::move(status);
      continue;
    }
    shared_seq = w_shared;
    private_seq = w_private;
    head = std::move(w_head);
    runs = std::move(w_runs);
    head_keys = &keys;
    batch.Append(std::move(w_ops));
    for (v1::Event& e : w_events) appended.events.push_back(std::move(e));
    for (auto& [key, entry] : w_touched) touched[key] = std::move(entry);
    for (auto& [key, slot] : w_owed) owed[key] = slot;
    w->results = std::move(results);
  }
  // Each stream's last op of the group signs for the ops before it.
  if (head_keys != nullptr) {
    CloseRun(*head_keys, device, v1::VISIBILITY_SHARED, &runs.shared, head.mutable_shared_ops(),
             &batch);
    CloseRun(*head_keys, device, v1::VISIBILITY_PRIVATE, &runs.private_ops,
             head.mutable_private_ops(), &batch);
  }
  // Every mutation staged adds an op: with none, no writer landed and no
  // result is owed.
  if (batch.Count() == 0) return appended;
  for (const auto& [key, entry] : touched) {
    RecordViews::Put(*entry.second, key, entry.first, &batch);
  }
  for (auto& [key, slot] : owed) *slot = std::move(touched.at(key).first);
  PutHead(*head_keys, head, &batch);
  StageEvents(*head_keys, &appended.events, &batch);
  if (auto s = AppendLocked(batch, &appended); !s.ok()) {
    for (Writer* w : group) {
      if (w->status.ok()) w->status = s;
    }
    FinishEvents(&appended, false);
    return appended;
  }
  head_ = std::move(head);
  next_shared_ = shared_seq;
  next_private_ = private_seq;
  if (shared_seq != next_shared_before) {
    written_vv_[device] = shared_seq - 1;
    appended.shared[device] = shared_seq - 1;
  }
  if (private_seq != next_private_before) {
    written_private_[device] = private_seq - 1;
    appended.private_seqs[device] = private_seq - 1;
  }
  return appended;
}

absl::Status RecordStore::StageMutation(
    const KeySet& keys, const std::string& device, const Mutation& m, const std::string& key,
    const std::map<std::string, std::pair<v1::RecordState, const KeySet*>>& group_touched,
    std::map<std::string, std::pair<v1::RecordState, const KeySet*>>* touched, uint64_t* shared_seq,
    uint64_t* private_seq, v1::OwnLogHead* head, OpenRuns* runs, Batch* ops,
    std::vector<v1::Event>* events) {
  if (m.body.record_id().size() != kRawIdBytes) {
    return absl::InvalidArgumentError("record id must be 16 bytes");
  }
  if (m.visibility != v1::VISIBILITY_SHARED && m.visibility != v1::VISIBILITY_PRIVATE) {
    return absl::InvalidArgumentError(
        "op visibility must be VISIBILITY_PRIVATE or VISIBILITY_SHARED");
  }
  v1::RecordState state;
  if (auto it = touched->find(key); it != touched->end()) {
    state = it->second.first;
  } else if (auto git = group_touched.find(key); git != group_touched.end()) {
    state = git->second.first;
  } else {
    auto loaded = views_.Load(keys, key);
    if (!loaded.ok()) return loaded.status();
    state = std::move(*loaded);
  }
  bool written = state.record().kind_case() != v1::Record::KIND_NOT_SET || state.has_deleted();
  if (m.require == Mutation::Require::kLive && !IsLive(state)) {
    return absl::NotFoundError("no such record (or it was deleted)");
  }
  if (m.require == Mutation::Require::kAbsent && written) {
    return absl::AlreadyExistsError("that record exists already");
  }

  // A local write must win over every clock the record holds, or the merge
  // would drop it while the caller is told it was stored. The clock has seen
  // them all while running, but not necessarily since a restart.
  for (const auto& [field, clock] : state.field_clocks()) hlc_.Observe(clock.hlc());
  if (state.has_deleted()) hlc_.Observe(state.deleted().hlc());

  uint64_t& seq = m.visibility == v1::VISIBILITY_SHARED ? *shared_seq : *private_seq;
  v1::OwnStreamHead* stream = m.visibility == v1::VISIBILITY_SHARED ? head->mutable_shared_ops()
                                                                    : head->mutable_private_ops();
  v1::OpHeader header;
  header.set_space_id(keys.space_id);
  header.set_author_device(device);
  header.set_seq(seq);
  header.set_hlc(hlc_.Now());
  header.set_key_epoch(keys.SealingEpoch());
  header.set_visibility(m.visibility);
  if (stream->seq() + 1 == seq) header.set_prev_digest(stream->digest());
  // The event names a deleted record as it was; any other change leaves a
  // record to name, so nothing else is copied.
  const bool existed = state.record().kind_case() != v1::Record::KIND_NOT_SET;
  v1::Record deleted;
  if (events_ != nullptr && m.body.has_tombstone()) deleted = state.record();
  if (auto s = ApplyOp(m.body, ClockOf(header), &state); !s.ok()) return s;
  if (events_ != nullptr)
    events->push_back(ChangeEvent(m.body, existed, deleted, state, m.visibility, false));
  auto op = SealOp(std::move(header), m.body, keys, OpSigning::kByLaterOp);
  if (!op.ok()) return op.status();
  std::string bytes = op->SerializeAsString();
  if (bytes.size() + kOpSignatureFieldBytes > kMaxWrittenOpBytes) {
    const size_t sealed = bytes.size() + kOpSignatureFieldBytes;
    return absl::InvalidArgumentError(absl::StrCat(
        "the change is too large to keep in sync: ", sealed / 1024, " KiB sealed, at most ",
        kMaxWrittenOpBytes / 1024, " KiB; nothing was stored"));
  }
  // The op held so far stays unsigned: this op names its digest.
  OpenRun& run = m.visibility == v1::VISIBILITY_SHARED ? runs->shared : runs->private_ops;
  if (run.held.has_value()) {
    ops->Put(Cf::kOplog, OplogKey(device, m.visibility, run.held->seq), std::move(run.held->bytes));
    run.held.reset();
  }
  ++run.ops;
  run.bytes += bytes.size();
  if (run.ops >= kMaxOpsPerSignature || run.bytes >= kMaxUnsignedRunBytes) {
    // The run is at its bound: this op signs for it now.
    SignOp(&*op, keys);
    bytes = op->SerializeAsString();
    Advance(stream, seq, bytes);
    ops->Put(Cf::kOplog, OplogKey(device, m.visibility, seq), std::move(bytes));
    run = OpenRun();
  } else {
    HeldOp held{seq, std::move(*op), std::move(bytes), *stream};
    Advance(stream, seq, held.bytes);
    run.held = std::move(held);
  }
  ++seq;
  (*touched)[key] = {std::move(state), &keys};
  return absl::OkStatus();
}

void RecordStore::CloseRun(const KeySet& keys, const std::string& device, v1::Visibility visibility,
                           OpenRun* run, v1::OwnStreamHead* stream, Batch* batch) {
  if (run->held.has_value()) {
    HeldOp& held = *run->held;
    SignOp(&held.op, keys);
    std::string bytes = held.op.SerializeAsString();
    *stream = std::move(held.before);
    Advance(stream, held.seq, bytes);
    batch->Put(Cf::kOplog, OplogKey(device, visibility, held.seq), std::move(bytes));
  }
  *run = OpenRun();
}

absl::StatusOr<std::optional<v1::RecordState>> RecordStore::Get(const KeySet& keys, Kind kind,
                                                                std::string_view id) const {
  return views_.Get(keys, kind, id);
}

absl::Status RecordStore::ForEach(
    const KeySet& keys, Kind kind,
    const std::function<bool(std::string_view, const v1::RecordState&)>& fn) const {
  return views_.ForEach(keys, kind, fn);
}

absl::Status RecordStore::FoldInto(const KeySet& keys, const v1::Op& op,
                                   std::map<std::string, v1::RecordState>* states,
                                   const std::map<std::string, v1::RecordState>* base,
                                   std::vector<v1::Event>* events) {
  v1::OpHeader header;
  auto body = OpenOp(op, keys, &header);
  if (!body.ok()) return absl::InvalidArgumentError("op body does not open with the space key");
  if (remote_check_ && header.author_device() != keys.device_public_key) {
    if (auto s = remote_check_(header, *body); !s.ok()) return s;
  }
  std::string key = ViewKey(static_cast<Kind>(body->kind()), body->record_id());
  auto it = states->find(key);
  if (it == states->end()) {
    v1::RecordState initial;
    if (base != nullptr) {
      if (auto b = base->find(key); b != base->end()) initial = b->second;
    } else if (auto loaded = views_.Load(keys, key); loaded.ok()) {
      initial = std::move(*loaded);
    }
    it = states->emplace(key, std::move(initial)).first;
  }
  // Fold into a copy: an op that does not apply leaves the state as it was.
  v1::RecordState next = it->second;
  if (auto s = ApplyOp(*body, ClockOf(header), &next); !s.ok()) return s;
  hlc_.Observe(header.hlc());
  if (events != nullptr && events_ != nullptr) {
    // A record new here changed if it now exists; comparing one that existed
    // walks both by reflection, so only that one is compared.
    const bool existed = it->second.record().kind_case() != v1::Record::KIND_NOT_SET;
    const bool changed = existed ? !google::protobuf::util::MessageDifferencer::Equals(
                                       next.record(), it->second.record())
                                 : next.record().kind_case() != v1::Record::KIND_NOT_SET;
    if (changed) {
      events->push_back(
          ChangeEvent(*body, existed, it->second.record(), next, header.visibility(), true));
    }
  }
  it->second = std::move(next);
  return absl::OkStatus();
}

absl::Status RecordStore::PutStates(const KeySet& keys,
                                    const std::map<std::string, v1::RecordState>& states,
                                    Batch* batch) const {
  for (const auto& [key, state] : states) {
    RecordViews::Put(keys, key, state, batch);
  }
  return absl::OkStatus();
}

absl::StatusOr<RecordStore::RebuildStats> RecordStore::RebuildViews(const KeySet& keys) {
  absl::MutexLock lock(&commit_mu_);
  if (auto s = EnsureOwnLogChecked(keys); !s.ok()) return s;
  std::map<std::string, v1::RecordState> states;
  const std::map<std::string, v1::RecordState> empty;
  absl::Status inner;
  RebuildStats stats;
  std::map<std::string, uint64_t> applied;  // by AppliedKey
  auto s = db_->Scan(Cf::kOplog, "", [&](std::string_view key, std::string_view value) {
    v1::Op op;
    if (!op.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      inner = absl::DataLossError("an op in the log does not parse");
      return false;
    }
    ++stats.ops;
    if (!FoldInto(keys, op, &states, &empty).ok()) ++stats.skipped;
    if (key.size() == kDeviceBytes + 9) {
      applied[AppliedKey(key.substr(0, kDeviceBytes), key[kDeviceBytes] == kSharedStream
                                                          ? v1::VISIBILITY_SHARED
                                                          : v1::VISIBILITY_PRIVATE)] =
          DecodeBigEndian64(key.substr(kDeviceBytes + 1));
    }
    return true;
  });
  if (!s.ok()) return s;
  if (!inner.ok()) return inner;
  // The old views out and the new in, in one atomic write: a reader sees
  // one or the other, never an empty store, and a crash leaves either.
  Batch batch;
  s = db_->Scan(Cf::kRecords, "", [&](std::string_view key, std::string_view) {
    batch.Delete(Cf::kRecords, std::string(key));
    return true;
  });
  if (!s.ok()) return s;
  for (const auto& [key, state] : states) RecordViews::Put(keys, key, state, &batch);
  for (const auto& [key, seq] : applied) batch.Put(Cf::kMeta, key, EncodeBigEndian64(seq));
  batch.Delete(Cf::kMeta, meta_key::kRebuildViews);
  if (auto w = db_->Write(batch, true); !w.ok()) return w;
  stats.records = states.size();
  return stats;
}

absl::Status RecordStore::HandOverFromBackedUpDevice(Db* db, std::string_view backed_up_device,
                                                     const KeySet& new_keys) {
  const std::string device(backed_up_device);
  Batch batch;
  for (v1::Visibility vis : {v1::VISIBILITY_SHARED, v1::VISIBILITY_PRIVATE}) {
    auto last = db->LastKeyWithPrefix(Cf::kOplog, StreamPrefix(device, StreamOf(vis)));
    if (!last.ok()) return last.status();
    if (last->has_value()) {
      batch.Put(
          Cf::kMeta, AppliedKey(device, vis),
          EncodeBigEndian64(DecodeBigEndian64(std::string_view(**last).substr(kDeviceBytes + 1))));
    }
  }
  for (const char* key : {meta_key::kOwnLogBehind, meta_key::kOwnLogBehindPrivate,
                          meta_key::kAcceptOwnLog, meta_key::kPeerPort}) {
    batch.Delete(Cf::kMeta, key);
  }
  v1::OwnLogHead empty;
  empty.set_device(new_keys.device_public_key);
  empty.mutable_shared_ops();
  empty.mutable_private_ops();
  PutHead(new_keys, empty, &batch);
  return db->Write(batch, true);
}

absl::Status RecordStore::RequestRebuild() {
  Batch batch;
  batch.Put(Cf::kMeta, meta_key::kRebuildViews, "1");
  return db_->Write(batch, true);
}

absl::Status RecordStore::OnUnlock(const KeySet& keys) {
  if (auto s = CheckOwnLog(keys); !s.ok()) return s;
  auto flag = db_->Get(Cf::kMeta, meta_key::kRebuildViews);
  if (!flag.ok()) return flag.status();
  if (flag->has_value()) return RebuildViews(keys).status();
  return FoldPending(keys);
}

// --- The head of this device's own op log ------------------------------------

std::string_view RecordStore::OwnLogHeadKey() { return meta_key::kOwnLogHead; }

void RecordStore::PutHead(const KeySet& keys, const v1::OwnLogHead& head, Batch* batch) {
  batch->Put(
      Cf::kMeta, meta_key::kOwnLogHead,
      SealValue(keys.data_key, CfName(Cf::kMeta), meta_key::kOwnLogHead, head.SerializeAsString()));
}

void RecordStore::SetSelfDevice(const std::string& device) {
  absl::MutexLock lock(&commit_mu_);
  self_device_ = device;
}

absl::Status RecordStore::RequestAcceptOwnLog() {
  Batch batch;
  batch.Put(Cf::kMeta, meta_key::kAcceptOwnLog, "1");
  return db_->Write(batch, true);
}

absl::Status RecordStore::CheckOwnLog(const KeySet& keys) {
  absl::MutexLock lock(&commit_mu_);
  head_device_ = keys.device_public_key;
  head_status_ = CheckOwnLogLocked(keys);
  return head_status_;
}

absl::Status RecordStore::EnsureOwnLogChecked(const KeySet& keys) {
  if (head_device_ == keys.device_public_key) return head_status_;
  head_device_ = keys.device_public_key;
  head_status_ = CheckOwnLogLocked(keys);
  return head_status_;
}

absl::Status RecordStore::CheckOwnLogLocked(const KeySet& keys) {
  const std::string& device = keys.device_public_key;
  self_device_ = device;
  // One pass over each own stream: how many ops, the last, the first gap,
  // and the chain over their bytes. Nothing is opened or parsed.
  StreamScan scans[2];
  const char streams[2] = {kSharedStream, kPrivateStream};
  for (int i = 0; i < 2; ++i) {
    const std::string prefix = StreamPrefix(device, streams[i]);
    StreamScan& scan = scans[i];
    auto s = db_->Scan(Cf::kOplog, prefix, [&](std::string_view key, std::string_view value) {
      if (key.size() != prefix.size() + 8) {
        scan.malformed = true;
        return false;
      }
      scan.Add(DecodeBigEndian64(key.substr(prefix.size())), value);
      return true;
    });
    if (!s.ok()) return s;
  }
  auto digest_at = [&](v1::Visibility vis, uint64_t seq) -> absl::StatusOr<std::string> {
    if (seq == 0) return std::string();
    auto op = db_->Get(Cf::kOplog, OplogKey(device, vis, seq));
    if (!op.ok()) return op.status();
    return op->has_value() ? OpDigest(**op) : std::string();
  };
  // The head the log as it is would have.
  auto from_log = [&]() -> absl::StatusOr<v1::OwnLogHead> {
    v1::OwnLogHead head;
    head.set_device(device);
    for (int i = 0; i < 2; ++i) {
      const v1::Visibility vis = i == 0 ? v1::VISIBILITY_SHARED : v1::VISIBILITY_PRIVATE;
      v1::OwnStreamHead* stream = i == 0 ? head.mutable_shared_ops() : head.mutable_private_ops();
      auto digest = digest_at(vis, scans[i].last);
      if (!digest.ok()) return digest.status();
      stream->set_seq(scans[i].last);
      stream->set_digest(*digest);
      stream->set_count(scans[i].count);
      stream->set_chain(scans[i].chain);
    }
    return head;
  };
  auto accept = db_->Get(Cf::kMeta, meta_key::kAcceptOwnLog);
  if (!accept.ok()) return accept.status();
  const bool accepting = accept->has_value();
  auto sealed = db_->Get(Cf::kMeta, meta_key::kOwnLogHead);
  if (!sealed.ok()) return sealed.status();
  const uint64_t own_ops = scans[0].count + scans[1].count;

  std::string problem;
  v1::OwnLogHead head;
  if (!sealed->has_value()) {
    // A vault that keeps a head wrote one at init, before any view entry:
    // only a store never written to may lack it.
    bool has_views = false;
    if (keys.keeps_own_log_head && own_ops == 0) {
      auto empty = views_.Empty();
      if (!empty.ok()) return empty.status();
      has_views = !*empty;
    }
    if (keys.keeps_own_log_head && (own_ops > 0 || has_views)) {
      problem = "the record of this device's own op log is missing from the data folder";
    }
  } else {
    auto plain = OpenValue(keys.data_key, CfName(Cf::kMeta), meta_key::kOwnLogHead, **sealed);
    if (!plain.ok() || !head.ParseFromString(*plain) || head.device() != device) {
      problem = "the record of this device's own op log in the data folder fails its check";
    } else {
      for (int i = 0; i < 2 && problem.empty(); ++i) {
        const v1::Visibility vis = i == 0 ? v1::VISIBILITY_SHARED : v1::VISIBILITY_PRIVATE;
        const v1::OwnStreamHead& stream = i == 0 ? head.shared_ops() : head.private_ops();
        auto digest = digest_at(vis, stream.seq());
        if (!digest.ok()) return digest.status();
        problem = StreamProblem(i == 0 ? "shared" : "private", stream, scans[i], *digest);
      }
    }
  }
  if (!problem.empty() && !accepting) {
    LogError(absl::StrCat("this device's own op log failed its check: ", problem,
                          "; nothing is written until the owner says what to do"));
    return OwnLogLoss(problem);
  }
  if (problem.empty() && sealed->has_value() && !accepting) {
    head_ = std::move(head);
    return absl::OkStatus();
  }
  // Write the head from the log as it is: a first head, or an accepted loss.
  auto fresh = from_log();
  if (!fresh.ok()) return fresh.status();
  Batch batch;
  PutHead(keys, *fresh, &batch);
  if (accepting) batch.Delete(Cf::kMeta, meta_key::kAcceptOwnLog);
  if (auto s = db_->Write(batch, true); !s.ok()) return s;
  if (!problem.empty()) {
    LogWarning(absl::StrCat("accepted this device's own op log as it is (--accept-own-log-as-is): ",
                            problem, "; what is missing stays lost"));
  } else if (!sealed->has_value() && own_ops > 0) {
    LogInfo(absl::StrCat(
        "this data folder was written before Attune kept a sealed head of this device's own op "
        "log: wrote one now (",
        scans[1].last, " private and ", scans[0].last,
        " shared ops); from now on every unlock checks the log against it"));
  }
  head_ = std::move(*fresh);
  return absl::OkStatus();
}

absl::StatusOr<std::map<std::string, std::string>> RecordStore::DumpViews(
    const KeySet& keys) const {
  return views_.Dump(keys);
}

absl::StatusOr<uint64_t> RecordStore::OwnOpCount(const KeySet& keys) const {
  auto shared = LastSeq(keys.device_public_key, v1::VISIBILITY_SHARED);
  if (!shared.ok()) return shared.status();
  auto priv = LastSeq(keys.device_public_key, v1::VISIBILITY_PRIVATE);
  if (!priv.ok()) return priv.status();
  return *shared + *priv;
}

absl::StatusOr<int64_t> RecordStore::RecordCount() const { return views_.Count(); }

// --- Sync ------------------------------------------------------------------

namespace {
const char* BehindKey(v1::Visibility vis) {
  return vis == v1::VISIBILITY_SHARED ? meta_key::kOwnLogBehind : meta_key::kOwnLogBehindPrivate;
}
}  // namespace

absl::Status RecordStore::LoadBehind() {
  if (behind_loaded_) return absl::OkStatus();
  for (v1::Visibility vis : {v1::VISIBILITY_SHARED, v1::VISIBILITY_PRIVATE}) {
    auto stored = db_->Get(Cf::kMeta, BehindKey(vis));
    if (!stored.ok()) return stored.status();
    BehindUntil(vis) = stored->has_value() ? DecodeBigEndian64(**stored) : 0;
  }
  behind_loaded_ = true;
  return absl::OkStatus();
}

uint64_t& RecordStore::BehindUntil(v1::Visibility vis) {
  return vis == v1::VISIBILITY_SHARED ? behind_until_ : behind_private_until_;
}

uint64_t RecordStore::HeldOwn(const std::string& device, v1::Visibility vis) const {
  const VersionVector& vv = vis == v1::VISIBILITY_SHARED ? written_vv_ : written_private_;
  auto it = vv.find(device);
  return it == vv.end() ? 0 : it->second;
}

absl::Status RecordStore::BehindError(const std::string& device) const {
  for (v1::Visibility vis : {v1::VISIBILITY_SHARED, v1::VISIBILITY_PRIVATE}) {
    const bool shared = vis == v1::VISIBILITY_SHARED;
    const uint64_t until = shared ? behind_until_ : behind_private_until_;
    const uint64_t held = HeldOwn(device, vis);
    if (until == 0 || held >= until) continue;
    return absl::FailedPreconditionError(absl::StrCat(
        "this device's data folder is older than what ",
        shared ? "its partners hold from it (they have its op "
               : "your other devices hold from it (they have its private op ",
        until, ", it has ", held,
        "; was it restored from a copy?): it takes its own ops back from them before it writes "
        "again, so that it never numbers two ops alike. Let it sync with ",
        shared ? "a partner's device." : "your other device."));
  }
  return absl::OkStatus();
}

absl::Status RecordStore::CheckNotBehind(const std::string& device) {
  if (auto s = LoadBehind(); !s.ok()) return s;
  if (behind_until_ == 0 && behind_private_until_ == 0) return absl::OkStatus();
  if (auto s = BehindError(device); !s.ok()) return s;
  // Caught up: forget the marks, and number on from the log as it is now.
  Batch batch;
  batch.Delete(Cf::kMeta, meta_key::kOwnLogBehind);
  batch.Delete(Cf::kMeta, meta_key::kOwnLogBehindPrivate);
  if (auto s = db_->Write(batch, true); !s.ok()) return s;
  behind_until_ = 0;
  behind_private_until_ = 0;
  next_shared_ = 0;
  return absl::OkStatus();
}

std::string RecordStore::WriteBlock() {
  absl::MutexLock lock(&commit_mu_);
  if (!LoadVersionVector().ok() || !LoadBehind().ok()) return "";
  // Read only: the next write forgets a mark that has been reached.
  auto s = BehindError(self_device_.empty() ? own_device_ : self_device_);
  return s.ok() ? "" : std::string(s.message());
}

absl::Status RecordStore::NoteOwnOpsHeldByPeer(const std::string& own_device, uint64_t seq,
                                               v1::Visibility visibility) {
  absl::MutexLock lock(&commit_mu_);
  if (auto s = LoadVersionVector(); !s.ok()) return s;
  if (auto s = LoadBehind(); !s.ok()) return s;
  const uint64_t held = HeldOwn(own_device, visibility);
  self_device_ = own_device;
  uint64_t& until = BehindUntil(visibility);
  if (seq <= held || seq <= until) return absl::OkStatus();
  Batch batch;
  batch.Put(Cf::kMeta, BehindKey(visibility), EncodeBigEndian64(seq));
  if (auto s = db_->Write(batch, true); !s.ok()) return s;
  until = seq;
  own_device_ = own_device;
  next_shared_ = 0;
  return absl::OkStatus();
}

absl::StatusOr<std::string> RecordStore::OpDigestAt(const std::string& device,
                                                    v1::Visibility visibility, uint64_t seq) const {
  auto op = db_->Get(Cf::kOplog, OplogKey(device, visibility, seq));
  if (!op.ok()) return op.status();
  if (!op->has_value()) return std::string();
  return OpDigest(**op);
}

RecordStore::VersionVector RecordStore::SharedVersionVector() {
  {
    absl::MutexLock lock(&commit_mu_);
    (void)LoadVersionVector();  // once; cheap afterwards
  }
  absl::MutexLock lock(&vv_mu_);
  return shared_vv_;
}

std::pair<RecordStore::VersionVector, RecordStore::VersionVector>
RecordStore::WrittenVersionVectors() {
  absl::MutexLock lock(&commit_mu_);
  (void)LoadVersionVector();
  return {written_vv_, written_private_};
}

RecordStore::VersionVector RecordStore::PrivateVersionVector() {
  {
    absl::MutexLock lock(&commit_mu_);
    (void)LoadVersionVector();
  }
  absl::MutexLock lock(&vv_mu_);
  return private_vv_;
}

absl::StatusOr<std::vector<std::string>> RecordStore::ReadOps(const std::string& device,
                                                              v1::Visibility visibility,
                                                              uint64_t from_seq, size_t max_ops,
                                                              size_t max_bytes) const {
  std::vector<std::string> out;
  size_t bytes = 0;
  std::string prefix = StreamPrefix(device, StreamOf(visibility));
  auto s = db_->ScanFrom(Cf::kOplog, prefix + EncodeBigEndian64(from_seq),
                         [&](std::string_view key, std::string_view value) {
                           if (key.substr(0, prefix.size()) != prefix) return false;
                           out.emplace_back(value);
                           bytes += value.size();
                           return out.size() < max_ops && bytes < max_bytes;
                         });
  if (!s.ok()) return s;
  return out;
}

absl::StatusOr<size_t> RecordStore::Ingest(const KeySet* keys, std::vector<RemoteOp> ops) {
  Appended appended;
  absl::Status refusal;
  size_t added = 0;
  {
    absl::MutexLock lock(&commit_mu_);
    auto s = AppendRemoteLocked(keys, ops, &appended, &refusal, &added);
    if (!s.ok()) return s;
  }
  // Outside commit_mu_: local writers and the next batch go on meanwhile.
  absl::Status durable = MakeDurable(appended);
  FinishEvents(&appended, durable.ok());
  if (!durable.ok()) return durable;
  if (!refusal.ok()) return refusal;
  return added;
}

absl::Status RecordStore::AppendRemoteLocked(const KeySet* keys, std::vector<RemoteOp>& ops,
                                             Appended* appended, absl::Status* refusal_out,
                                             size_t* added_out) {
  if (auto s = LoadVersionVector(); !s.ok()) return s;
  // This device's own ops, back from a peer, move its head; and no view is
  // folded before its own log was checked once.
  absl::Status own_check = keys != nullptr ? EnsureOwnLogChecked(*keys) : absl::OkStatus();
  v1::OwnLogHead head = head_;
  bool own_added = false;
  // Ops of a stream that arrived while locked are folded first (FoldPending
  // may not have run yet after an unlock): this batch's applied mark would
  // otherwise pass over them.
  if (keys != nullptr && maybe_unfolded_) {
    std::set<std::pair<std::string, v1::Visibility>> streams;
    for (const RemoteOp& r : ops) {
      if (r.header.author_device() != keys->device_public_key) {
        streams.emplace(r.header.author_device(), r.header.visibility());
      }
    }
    for (const auto& [author, vis] : streams) {
      if (vis != v1::VISIBILITY_SHARED && vis != v1::VISIBILITY_PRIVATE) continue;
      const VersionVector& written = vis == v1::VISIBILITY_SHARED ? written_vv_ : written_private_;
      auto it = written.find(author);
      if (it == written.end()) continue;
      if (auto s = FoldPendingStreams(*keys, vis, {{author, it->second}}); !s.ok()) return s;
    }
  }
  // As this batch advances, per stream (StreamPrefix: author ‖ stream).
  std::map<std::string, uint64_t> held;
  std::map<std::string, v1::RecordState> states;
  // The ops this batch takes: not in the store until the batch is written,
  // and a second op under one of their seqs is a fork.
  std::vector<const RemoteOp*> taken;
  absl::Status refusal;
  Batch batch;
  size_t added = 0;
  // Ops left out because the op that signs for them was refused here.
  absl::Status cut_short;
  const size_t events_before = appended->events.size();
  for (;;) {
    held.clear();
    states.clear();
    taken.clear();
    refusal = absl::OkStatus();
    batch = Batch();
    added = 0;
    head = head_;
    own_added = false;
    appended->events.resize(events_before);
    for (RemoteOp& r : ops) {
      const std::string& author = r.header.author_device();
      const v1::Visibility vis = r.header.visibility();
      if (author.size() != kDeviceBytes ||
          (vis != v1::VISIBILITY_SHARED && vis != v1::VISIBILITY_PRIVATE)) {
        Refuse(&refusal,
               absl::InvalidArgumentError("op is not a shared or private op of a device"));
        continue;
      }
      // Which private ops may come in is the caller's rule (sync: only the
      // person's own, from the person's own devices); here both streams are
      // numbered, stored and folded alike.
      const VersionVector& start = vis == v1::VISIBILITY_SHARED ? written_vv_ : written_private_;
      const std::string stream = StreamPrefix(author, StreamOf(vis));
      auto in_start = start.find(author);
      uint64_t have = held.count(stream)        ? held[stream]
                      : in_start != start.end() ? in_start->second
                                                : 0;
      if (r.header.seq() <= have) {
        // A duplicate or a replay, unless it differs from the op held there
        // (or taken earlier in this batch): then its author wrote that seq
        // twice, which is never silent.
        auto earlier = std::find_if(taken.begin(), taken.end(), [&](const RemoteOp* t) {
          return t->header.seq() == r.header.seq() && t->header.visibility() == vis &&
                 t->header.author_device() == author;
        });
        bool differs = false;
        if (earlier != taken.end()) {
          differs = (*earlier)->bytes != r.bytes;
        } else {
          auto held_op = db_->Get(Cf::kOplog, OplogKey(author, vis, r.header.seq()));
          differs = held_op.ok() && held_op->has_value() && **held_op != r.bytes;
        }
        if (differs) {
          Refuse(&refusal,
                 absl::DataLossError(absl::StrCat(
                     "fork: the author wrote two different ops under seq ", r.header.seq(),
                     " (a data folder restored from an older copy, or modified code); the "
                     "one held first is kept")));
        }
        continue;
      }
      const bool own = keys != nullptr ? author == keys->device_public_key : author == self_device_;
      if (r.header.seq() == have + 1 && own && !own_check.ok()) {
        Refuse(&refusal, own_check);
        held[stream] = have;
        continue;
      }
      if (r.header.seq() == have + 1 && keys == nullptr && own) {
        // This device's own ops, back from a peer: taken only while unlocked,
        // when they are folded at once (own ops are never folded later).
        Refuse(&refusal,
               absl::FailedPreconditionError("own ops are taken back only while unlocked"));
        held[stream] = have;
        continue;
      }
      if (r.header.seq() != have + 1) {
        Refuse(&refusal, absl::InvalidArgumentError(absl::StrCat(
                             "sequence gap: expected seq ", have + 1, ", got ", r.header.seq())));
        held[stream] = have;
        continue;
      }
      if (keys != nullptr) {
        v1::Op op;
        absl::Status folded = op.ParseFromString(r.bytes)
                                  ? FoldInto(*keys, op, &states, nullptr, &appended->events)
                                  : absl::InvalidArgumentError("op does not parse");
        if (!folded.ok()) {
          Refuse(&refusal, folded);
          held[stream] = have;
          continue;
        }
      }
      hlc_.Observe(r.header.hlc());
      if (own) {
        Advance(
            vis == v1::VISIBILITY_SHARED ? head.mutable_shared_ops() : head.mutable_private_ops(),
            r.header.seq(), r.bytes);
        own_added = true;
      }
      batch.Put(Cf::kOplog, OplogKey(author, vis, r.header.seq()), r.bytes);
      taken.push_back(&r);
      held[stream] = r.header.seq();
      ++added;
    }
    // An op without a signature of its own came on the word of a later op
    // of its stream (sync/op_checker.h). Where that op was refused here, the
    // stream would end at an op no peer takes from this device, and the
    // Hello's proof of it would fail: the stream keeps only up to its last
    // op taken here that carries a signature, and the batch is staged again
    // without the rest. With nothing refused, every run came whole (the
    // caller checked that each unsigned op has its signer in the batch), so
    // the common batch is not parsed again.
    if (refusal.ok()) break;
    std::map<std::string, uint64_t> keep_to;  // stream -> last seq kept
    for (const RemoteOp* t : taken) {
      const std::string stream =
          StreamPrefix(t->header.author_device(), StreamOf(t->header.visibility()));
      v1::Op op;
      const bool signs = op.ParseFromString(t->bytes) && !op.signature().empty();
      auto [it, fresh] = keep_to.emplace(stream, 0);
      if (fresh) {
        const VersionVector& start =
            t->header.visibility() == v1::VISIBILITY_SHARED ? written_vv_ : written_private_;
        auto s = start.find(t->header.author_device());
        it->second = s != start.end() ? s->second : 0;
      }
      if (signs) it->second = t->header.seq();
    }
    bool cut = false;
    for (const auto& [stream, last] : keep_to) cut |= held[stream] > last;
    if (!cut) break;
    std::erase_if(ops, [&](const RemoteOp& r) {
      auto it =
          keep_to.find(StreamPrefix(r.header.author_device(), StreamOf(r.header.visibility())));
      return it != keep_to.end() && r.header.seq() > it->second && held[it->first] > it->second;
    });
    cut_short = absl::InvalidArgumentError(
        "ops taken only with the op that signs for them, which was refused, were left out");
  }
  Refuse(&refusal, cut_short);
  // A stream key of `held` back to its device and visibility.
  auto split = [](const std::string& stream) {
    return std::pair{stream.substr(0, kDeviceBytes), stream[kDeviceBytes] == kSharedStream
                                                         ? v1::VISIBILITY_SHARED
                                                         : v1::VISIBILITY_PRIVATE};
  };
  if (added > 0) {
    if (keys != nullptr) {
      if (auto s = PutStates(*keys, states, &batch); !s.ok()) return s;
      for (const auto& [stream, seq] : held) {
        auto [author, vis] = split(stream);
        batch.Put(Cf::kMeta, AppliedKey(author, vis), EncodeBigEndian64(seq));
      }
      if (own_added) PutHead(*keys, head, &batch);
      StageEvents(*keys, &appended->events, &batch);
    }
    if (auto s = AppendLocked(batch, appended); !s.ok()) {
      FinishEvents(appended, false);
      return s;
    }
    if (own_added) head_ = std::move(head);
    if (keys == nullptr) maybe_unfolded_ = true;
    for (const auto& [stream, seq] : held) {
      auto [author, vis] = split(stream);
      const bool shared = vis == v1::VISIBILITY_SHARED;
      uint64_t& written = (shared ? written_vv_ : written_private_)[author];
      if (seq > written) {
        written = seq;
        (shared ? appended->shared : appended->private_seqs)[author] = seq;
        if (author == own_device_ || author == self_device_) next_shared_ = 0;  // renumber
      }
    }
  }
  *refusal_out = refusal;
  *added_out = added;
  return absl::OkStatus();
}

absl::Status RecordStore::FoldPending(const KeySet& keys) {
  absl::MutexLock lock(&commit_mu_);
  if (auto s = EnsureOwnLogChecked(keys); !s.ok()) return s;
  if (auto s = LoadVersionVector(); !s.ok()) return s;
  for (const v1::Visibility vis : {v1::VISIBILITY_SHARED, v1::VISIBILITY_PRIVATE}) {
    const VersionVector vv = vis == v1::VISIBILITY_SHARED ? written_vv_ : written_private_;
    if (auto s = FoldPendingStreams(keys, vis, vv); !s.ok()) return s;
  }
  maybe_unfolded_ = false;
  return absl::OkStatus();
}

absl::Status RecordStore::FoldPendingStreams(const KeySet& keys, v1::Visibility vis,
                                             const VersionVector& vv) {
  for (const auto& [device, seq] : vv) {
    if (device == keys.device_public_key) continue;  // own ops are folded when written
    auto applied_bytes = db_->Get(Cf::kMeta, AppliedKey(device, vis));
    if (!applied_bytes.ok()) return applied_bytes.status();
    uint64_t applied = applied_bytes->has_value() ? DecodeBigEndian64(**applied_bytes) : 0;
    while (applied < seq) {
      auto raw = ReadOps(device, vis, applied + 1, 1000, 8 << 20);
      if (!raw.ok()) return raw.status();
      if (raw->empty()) break;
      std::map<std::string, v1::RecordState> states;
      Appended folded;
      for (const std::string& bytes : *raw) {
        v1::Op op;
        // An op that does not open or is refused stays in the log, unread.
        if (op.ParseFromString(bytes)) (void)FoldInto(keys, op, &states, nullptr, &folded.events);
      }
      applied += raw->size();
      Batch batch;
      if (auto s = PutStates(keys, states, &batch); !s.ok()) return s;
      batch.Put(Cf::kMeta, AppliedKey(device, vis), EncodeBigEndian64(applied));
      StageEvents(keys, &folded.events, &batch);
      absl::Status written = db_->Write(batch, true);
      FinishEvents(&folded, written.ok());
      if (!written.ok()) return written;
    }
  }
  return absl::OkStatus();
}

// --- Events ----------------------------------------------------------------

v1::Event RecordStore::ChangeEvent(const v1::OpBody& body, bool existed, const v1::Record& before,
                                   const v1::RecordState& after, v1::Visibility op_visibility,
                                   bool from_peer) const {
  v1::Event event;
  v1::RecordChanged* change = event.mutable_record_changed();
  change->set_change(body.has_tombstone() || after.has_deleted() ? v1::RecordChanged::CHANGE_DELETED
                     : existed                                   ? v1::RecordChanged::CHANGE_UPDATED
                               : v1::RecordChanged::CHANGE_CREATED);
  const google::protobuf::FieldDescriptor* kind =
      v1::Record::descriptor()->FindFieldByNumber(static_cast<int>(body.kind()));
  if (kind != nullptr) change->set_kind(kind->name());
  change->set_from_peer(from_peer);
  change->set_visibility(op_visibility);
  // Author and visibility: from the record as it is now, or as it was.
  const v1::Record& record =
      after.record().kind_case() != v1::Record::KIND_NOT_SET ? after.record() : before;
  const google::protobuf::Reflection* reflection = record.GetReflection();
  const google::protobuf::FieldDescriptor* which =
      kind != nullptr && reflection->HasField(record, kind) ? kind : nullptr;
  if (which != nullptr) {
    const google::protobuf::Message& inner = reflection->GetMessage(record, which);
    const google::protobuf::Descriptor* d = inner.GetDescriptor();
    // A record that keeps its own name (progress, under its goal) says it.
    if (const auto* f = d->FindFieldByName("name");
        f != nullptr && f->type() == google::protobuf::FieldDescriptor::TYPE_STRING) {
      change->set_name(inner.GetReflection()->GetString(inner, f));
    }
    if (const auto* f = d->FindFieldByName("author");
        f != nullptr && f->type() == google::protobuf::FieldDescriptor::TYPE_STRING) {
      change->set_author(inner.GetReflection()->GetString(inner, f));
    }
    if (const auto* f = d->FindFieldByName("visibility");
        f != nullptr && f->type() == google::protobuf::FieldDescriptor::TYPE_ENUM) {
      change->set_visibility(
          static_cast<v1::Visibility>(inner.GetReflection()->GetEnumValue(inner, f)));
    }
  }
  if (change->name().empty() && name_of_) change->set_name(name_of_(body.kind(), body.record_id()));
  return event;
}

void RecordStore::StageEvents(const KeySet& keys, std::vector<v1::Event>* events, Batch* batch) {
  if (events_ == nullptr) return;
  for (v1::Event& e : *events) {
    e.set_id(events_->Reserve());
    events_->Stage(keys, &e, batch);
  }
}

void RecordStore::FinishEvents(Appended* appended, bool durable) {
  if (events_ == nullptr || appended->events.empty()) return;
  if (durable) {
    events_->Publish(std::move(appended->events));
  } else {
    std::vector<uint64_t> ids;
    for (const v1::Event& e : appended->events) {
      if (e.id() != 0) ids.push_back(e.id());
    }
    events_->Abandon(ids);
  }
  appended->events.clear();
}

void RecordStore::NotifyChange() {
  absl::MutexLock lock(&change_mu_);
  ++change_count_;
}

uint64_t RecordStore::ChangeCount() {
  absl::MutexLock lock(&change_mu_);
  return change_count_;
}

uint64_t RecordStore::WaitForChange(uint64_t seen, absl::Duration timeout) {
  absl::MutexLock lock(&change_mu_);
  auto changed = [this, seen]()
                     ABSL_EXCLUSIVE_LOCKS_REQUIRED(change_mu_) { return change_count_ != seen; };
  change_mu_.AwaitWithTimeout(absl::Condition(&changed), timeout);
  return change_count_;
}

absl::Status RecordStore::ResealOwnOps(const KeySet& old_keys, const KeySet& new_keys, Batch also,
                                       bool only_if_empty) {
  absl::MutexLock lock(&commit_mu_);
  if (auto s = EnsureOwnLogChecked(old_keys); !s.ok()) return s;
  if (only_if_empty) {
    auto shared = LastSeq(old_keys.device_public_key, v1::VISIBILITY_SHARED);
    auto priv = LastSeq(old_keys.device_public_key, v1::VISIBILITY_PRIVATE);
    if (!shared.ok()) return shared.status();
    if (!priv.ok()) return priv.status();
    if (*shared + *priv > 0) {
      return absl::FailedPreconditionError(
          "this device has written something of its own (while the link was under way?): only "
          "a device that has written nothing can be linked");
    }
  }
  // Every op changes bytes, so the head changes with them: its digests and
  // chains are taken again, in key order (each stream by seq).
  v1::OwnLogHead head = head_;
  for (v1::OwnStreamHead* stream : {head.mutable_shared_ops(), head.mutable_private_ops()}) {
    stream->clear_digest();
    stream->clear_chain();
  }
  Batch batch;
  absl::Status inner;
  // Per stream, the seq and new digest of the op resealed last, which the
  // next op's header names again (v1::OpHeader.prev_digest).
  struct Link {
    uint64_t seq = 0;
    std::string digest;
  } shared_link, private_link;
  auto s = db_->Scan(
      Cf::kOplog, old_keys.device_public_key, [&](std::string_view key, std::string_view value) {
        v1::Op op;
        v1::OpHeader header;
        if (!op.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          inner = absl::DataLossError("an op in the log does not parse");
          return false;
        }
        auto body = OpenOp(op, old_keys, &header);
        if (!body.ok()) {
          inner = body.status();
          return false;
        }
        header.set_space_id(new_keys.space_id);
        header.set_key_epoch(new_keys.SealingEpoch());
        const bool shared = header.visibility() == v1::VISIBILITY_SHARED;
        Link& link = shared ? shared_link : private_link;
        if (link.seq != 0 && link.seq + 1 == header.seq()) {
          header.set_prev_digest(link.digest);
        } else {
          header.clear_prev_digest();
        }
        auto sealed = SealOp(header, *body, new_keys);
        if (!sealed.ok()) {
          inner = sealed.status();
          return false;
        }
        std::string bytes = sealed->SerializeAsString();
        v1::OwnStreamHead* stream = shared ? head.mutable_shared_ops() : head.mutable_private_ops();
        stream->set_chain(ChainNext(stream->chain(), bytes));
        link = {header.seq(), OpDigest(bytes)};
        if (header.seq() == stream->seq()) stream->set_digest(link.digest);
        batch.Put(Cf::kOplog, std::string(key), std::move(bytes));
        return true;
      });
  if (!s.ok()) return s;
  if (!inner.ok()) return inner;
  const bool ops_changed = batch.Count() > 0;
  if (ops_changed) PutHead(new_keys, head, &batch);
  batch.Append(std::move(also));
  if (batch.Count() > 0) {
    if (auto w = db_->Write(batch, true); !w.ok()) return w;
  }
  if (ops_changed) head_ = std::move(head);
  space_id_ = new_keys.space_id;
  NotifyChange();
  return absl::OkStatus();
}

}  // namespace attune
