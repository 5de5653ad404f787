// daemon/store/ is RocksDB and everything kept in it: the op log, the views,
// the meta keys (meta.h), the clock of ops and their merge.
//
// The record store: the op log, and the record views (record_views.h) it
// keeps folded from it.
//
// Every write becomes one op of this device — sealed and signed — and its
// effect on the records view, stored together in one atomic batch, and is
// acknowledged only once that batch is on the disk. Concurrent writers are
// committed in groups, and the groups are pipelined: while one group waits
// for its fdatasync, the next is stamped, sealed, signed and appended, and
// one sync then covers both. Each device's ops get contiguous sequence
// numbers; the write-ahead log is appended in order, so a crash can lose
// only a suffix of unacknowledged writes, never leave a gap. A writer
// either waits for its outcome (WriteAll) or is told it by a callback
// (WriteAllAsync), from the thread that committed its group.
//
// All methods are thread-safe. Callers pass the KeySet of the unlocked vault
// and keep it alive for the call.
#ifndef ATTUNE_DAEMON_STORE_RECORD_STORE_H_
#define ATTUNE_DAEMON_STORE_RECORD_STORE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "attune/v1/records.pb.h"
#include "daemon/base/clock.h"
#include "daemon/store/db.h"
#include "daemon/store/event_hub.h"
#include "daemon/store/hlc.h"
#include "daemon/store/merge.h"
#include "daemon/store/record_views.h"
#include "daemon/vault/keys.h"

namespace attune {

// The largest op, as serialized, that a device takes from a peer. Every
// receiver refuses a larger one, and its author's stream would stop there at
// every peer, so a change that would seal into an op over kMaxWrittenOpBytes
// is refused when it is written (INVALID_ARGUMENT, nothing stored). The
// difference leaves room for sealing an op again when the device joins a
// space (a digest of the op before it, a longer key epoch).
inline constexpr size_t kMaxOpBytes = 256 * 1024;
inline constexpr size_t kMaxWrittenOpBytes = kMaxOpBytes - 1024;
// The largest record (serialized) whose creation certainly fits in one op:
// the op adds its header, the body's framing, a nonce, a MAC and a
// signature, well under the difference.
inline constexpr size_t kMaxRecordBytes = kMaxWrittenOpBytes - 4 * 1024;

// Signed runs. A write group signs, per stream, only the last op it writes
// there; the ops before it go unsigned (vault/op_crypto.h, OpSigning), each
// vouched for by the digest the next op names (v1::OpHeader.prev_digest).
// So every stream, as written durably, ends at a signed op. A run (the
// unsigned ops and the signed op after them) holds at most
// kMaxOpsPerSignature ops, and its unsigned ops total under
// kMaxUnsignedRunBytes: a sender carries a whole run in one batch
// (sync/op_runs.h), since a receiver takes an unsigned op only with the op
// that signs for it.
inline constexpr size_t kMaxOpsPerSignature = 64;
inline constexpr size_t kMaxUnsignedRunBytes = 256 * 1024;

// One change to one record.
struct Mutation {
  enum class Require {
    kNothing,  // create or update
    kLive,     // NOT_FOUND unless the record exists and is not deleted
    kAbsent,   // ALREADY_EXISTS if the record was ever written
  };
  // kind, record_id (16 raw bytes), fields and record or tombstone.
  v1::OpBody body;
  v1::Visibility visibility = v1::VISIBILITY_PRIVATE;
  Require require = Require::kNothing;
};

class RecordStore {
 public:
  // `db` and `clock` must outlive the store.
  RecordStore(Db* db, const Clock* clock);

  // Decides whether an op of another device may change the views, once its
  // body is open (the record rules: records/authorship.h, wired in
  // daemon.cc). An op it refuses is never folded: Ingest refuses it
  // (nothing of it stored) when the vault is unlocked; an op stored while
  // locked is skipped when folded later, and by RebuildViews, so the views
  // hold the same either way. Set once, before the store is used.
  using RemoteOpCheck = std::function<absl::Status(const v1::OpHeader&, const v1::OpBody&)>;
  void SetRemoteOpCheck(RemoteOpCheck check) { remote_check_ = std::move(check); }

  // Makes every op folded into the views (written here, or from a peer and
  // folded) a RecordChanged event of `hub`, kept with the op in its batch
  // and delivered once the batch is durable; RebuildViews makes none.
  // `name_of` gives a record's resource name from its kind and raw id (when
  // the record does not keep its own, as progress does). Set
  // once, before the store is used; without it there are no events.
  using NameOf = std::function<std::string(uint32_t kind, std::string_view raw_id)>;
  void SetEventHub(EventHub* hub, NameOf name_of) {
    events_ = hub;
    name_of_ = std::move(name_of);
  }

  // Appends the op and updates the view, durably, before returning the
  // record's new state. Errors: NOT_FOUND / ALREADY_EXISTS per `require`,
  // INVALID_ARGUMENT for a malformed body, the store's error otherwise; on
  // any error nothing was written.
  absl::StatusOr<v1::RecordState> Write(const KeySet& keys, Mutation mutation);

  // Writes several mutations as one: all of them are stored and acknowledged
  // together, in one batch, or none is. Each becomes its own op, in order,
  // and a later mutation sees the effect of earlier ones on the same record.
  // Returns each record's state after its mutation. Errors as for Write,
  // from the first mutation that fails; then nothing was written.
  //
  // `appended`, when given, runs once on the calling thread as soon as the
  // mutations are in the log and every read sees them (or were refused),
  // before the wait for the disk: a caller that reads, changes and writes
  // under a lock of its own releases it there, so its writes still share
  // fdatasyncs. A crash before the sync loses a suffix of the log, so a
  // write planned on one that is lost is lost with it.
  absl::StatusOr<std::vector<v1::RecordState>> WriteAll(
      const KeySet& keys, std::vector<Mutation> mutations,
      const std::function<void()>& appended = nullptr);

  // WriteAll without waiting: the same writes, atomicity and durability,
  // but the calling thread is not held while the group waits for the disk.
  // `done` runs exactly once with what WriteAll would have returned, once
  // the writes are durable or were refused: on this thread before
  // WriteAllAsync returns (when this thread committed the group), or on
  // whichever thread commits the group (another caller of WriteAll or
  // WriteAllAsync). For servers that reply from there instead of parking a
  // thread per call (api/write_front.h).
  //
  // `done` runs with no lock of the store held; it may read the store and
  // call WriteAllAsync again (a retry), but must not call WriteAll or block
  // on another write: the thread running it may be the one that commits
  // the writes queued after it.
  //
  // With `lead` kLater the writes only join the queue, unless a group is
  // being committed, which takes them: the caller gathers more writes into
  // one group and must then call CommitQueued, or the writes may wait for
  // ever.
  using WriteDone = absl::AnyInvocable<void(absl::StatusOr<std::vector<v1::RecordState>>)>;
  enum class Lead { kNow, kLater };
  void WriteAllAsync(std::shared_ptr<const KeySet> keys, std::vector<Mutation> mutations,
                     WriteDone done, Lead lead = Lead::kNow);
  // Returns once every write queued before the call is committed, or is
  // being committed by another thread: commits them on this thread when
  // nobody is committing, else waits until the thread that is either takes
  // them or hands this thread the lead (at most about one append and one
  // fdatasync). Runs `done`s as WriteAllAsync does.
  void CommitQueued();

  // The state of a record; nullopt if it was never written.
  absl::StatusOr<std::optional<v1::RecordState>> Get(const KeySet& keys, Kind kind,
                                                     std::string_view id) const;

  // Calls fn for every record of the kind (live or deleted) in id order
  // until fn returns false.
  absl::Status ForEach(
      const KeySet& keys, Kind kind,
      const std::function<bool(std::string_view id, const v1::RecordState&)>& fn) const;

  // Drops the views and folds every op of the log into them again. Ops the
  // keys cannot open (another member's private ops) are skipped and counted.
  struct RebuildStats {
    uint64_t ops = 0;
    uint64_t records = 0;
    uint64_t skipped = 0;
  };
  absl::StatusOr<RebuildStats> RebuildViews(const KeySet& keys);

  // Asks for RebuildViews at the next unlock; remembered across restarts.
  absl::Status RequestRebuild();
  // Checks this device's own op log (CheckOwnLog), then runs a requested
  // rebuild, if any, and folds ops that arrived while locked. Call after
  // every unlock, and after Init (which writes the first head).
  absl::Status OnUnlock(const KeySet& keys);

  // --- The head of this device's own op log -----------------------------
  // A sealed record (v1::OwnLogHead, sealed with the data key) of the last
  // op of each of this device's streams, a BLAKE2b-256 of that op as stored,
  // how many ops each stream holds, and a BLAKE2b-256 chain over all of them.
  // Every batch that adds or changes an own op writes it too, so it never
  // disagrees with an acknowledged write.
  //
  // CheckOwnLog compares it with the log (one scan of the own ops, hashing
  // their bytes; nothing is opened or parsed): each stream must end at its
  // head's seq, the op there must hash to the head's digest, the stream must
  // hold `count` ops (no gap), and its ops must hash to the chain. DATA_LOSS, naming what is wrong
  // and what to do, when it does not, or when the head is missing from a vault that keeps one
  // (KeySet::keeps_own_log_head) and has own ops; then every write and
  // every own op from a peer is refused with that error until a check
  // passes. A log without a head (a data folder written before the head
  // existed) gets one, and a log line says so. While a loss is accepted
  // (RequestAcceptOwnLog) a failed check is logged and the head is written
  // again from the log as it is. Runs at OnUnlock, and otherwise once,
  // before the first write, fold, rebuild or re-seal with keys (plain reads
  // of the views do not wait for it).
  absl::Status CheckOwnLog(const KeySet& keys);
  // Accepts this device's own log as it is at the next check (after the
  // owner was told what is missing): remembered across restarts until then.
  absl::Status RequestAcceptOwnLog();
  // This device's id, known from the vault while locked: a peer's copy of
  // this device's own ops is then refused while locked (they are taken back
  // only while unlocked, so that the head follows).
  void SetSelfDevice(const std::string& device);
  // The meta key of the sealed head (for tests that tamper with it).
  static std::string_view OwnLogHeadKey();

  // Every view entry, opened and deterministically serialized, by key.
  absl::StatusOr<std::map<std::string, std::string>> DumpViews(const KeySet& keys) const;

  // Ops this device has written (shared and private).
  absl::StatusOr<uint64_t> OwnOpCount(const KeySet& keys) const;

  // --- Sync -------------------------------------------------------------
  // Each author device numbers two streams 1, 2, 3 … without gaps: its
  // shared ops and its private ops. The store keeps and folds both alike;
  // which private ops travel, and where to, is sync's rule (only among the
  // devices of the person who wrote them).

  // For each author device: the highest seq held on the disk (durable), of
  // its shared stream and of its private stream.
  using VersionVector = std::map<std::string, uint64_t>;
  VersionVector SharedVersionVector();
  VersionVector PrivateVersionVector();
  // The highest seq of each stream taken into the log and the views so far,
  // durable or still waiting for its fdatasync: shared, then private.
  std::pair<VersionVector, VersionVector> WrittenVersionVectors();

  // Serialized ops of one stream of `device` from `from_seq` on, in order,
  // at most `max_ops` and about `max_bytes`.
  absl::StatusOr<std::vector<std::string>> ReadOps(const std::string& device,
                                                   v1::Visibility visibility, uint64_t from_seq,
                                                   size_t max_ops, size_t max_bytes) const;
  absl::StatusOr<std::vector<std::string>> ReadSharedOps(const std::string& device,
                                                         uint64_t from_seq, size_t max_ops,
                                                         size_t max_bytes) const {
    return ReadOps(device, v1::VISIBILITY_SHARED, from_seq, max_ops, max_bytes);
  }

  // An op from a peer whose signature (its own, or through a later op's:
  // sync/op_checker.h), author and size were checked.
  struct RemoteOp {
    v1::OpHeader header;  // parsed from op.header()
    // The Op as received, serialized again: the same three fields, so the
    // bytes its author stored (and digested, v1::OpHeader.prev_digest).
    std::string bytes;
  };
  // Stores the ops of one batch atomically and durably, and folds them into
  // the views when `keys` is given (otherwise at the next FoldPending).
  // Per author stream, an op at or below the held seq is a duplicate and
  // skipped; an op past held seq + 1 is a gap: it and the stream's later ops
  // in the batch are refused (INVALID_ARGUMENT after the rest is stored).
  // Private ops are taken as they come: the caller decides which may come
  // (sync/op_checker.h). Returns how many ops were new; when some were
  // refused, an error naming every distinct reason (the first one's code, or
  // DATA_LOSS when a fork was among them) after the rest is stored.
  absl::StatusOr<size_t> Ingest(const KeySet* keys, std::vector<RemoteOp> ops);

  // Folds stored ops that arrived while locked into the views.
  absl::Status FoldPending(const KeySet& keys);

  // BLAKE2b-256 of the shared op of `device` at `seq` exactly as stored;
  // empty when this device does not hold it. Two devices that hold different
  // ops under one (device, seq) have seen a fork: a device that wrote a seq
  // twice (a data folder restored from an older copy, or modified code).
  absl::StatusOr<std::string> OpDigestAt(const std::string& device, v1::Visibility visibility,
                                         uint64_t seq) const;
  absl::StatusOr<std::string> SharedOpDigest(const std::string& device, uint64_t seq) const {
    return OpDigestAt(device, v1::VISIBILITY_SHARED, seq);
  }

  // A peer holds this device's shared ops up to `seq` (proven by the caller:
  // the peer showed this device's signed op there). When that is more
  // than this device's own log holds (its data folder was put back from an
  // older copy), this device must not write again before it has its own ops
  // back, or it would number new ops with seqs it already used: every write
  // is refused (FAILED_PRECONDITION, saying why) until Ingest has
  // brought its own log up to `seq`. Remembered across restarts. The same
  // for its private stream (`visibility` PRIVATE), which another device of
  // its person holds.
  absl::Status NoteOwnOpsHeldByPeer(const std::string& own_device, uint64_t seq,
                                    v1::Visibility visibility = v1::VISIBILITY_SHARED);
  // Empty, or why writes are refused now (see NoteOwnOpsHeldByPeer).
  std::string WriteBlock();

  // A counter that grows whenever shared ops are added; WaitForChange
  // returns when it passes `seen` or after `timeout`.
  uint64_t ChangeCount();
  uint64_t WaitForChange(uint64_t seen, absl::Duration timeout);
  // Wakes WaitForChange callers (for changes outside the log: new members).
  void NotifyChange();

  // Replaces the space id and space key of this device's existing ops (when
  // it joins a space, before it has synced with anyone): every own op is
  // opened with `old_keys` and sealed and signed again with `new_keys`, same
  // seq, clock and body. `also` (the vault file that holds the new keys) is
  // stored in the same atomic, durable write, so a crash leaves either both
  // or neither.
  // With `only_if_empty` (linking: the device takes another person's ids),
  // FAILED_PRECONDITION when the device wrote any op, checked atomically
  // with the write. From then on writes with keys of another space than
  // `new_keys`' are refused (UNAVAILABLE: a caller that fetched its keys
  // before the join), so no op is sealed for a space the device left.
  absl::Status ResealOwnOps(const KeySet& old_keys, const KeySet& new_keys, Batch also = {},
                            bool only_if_empty = false);
  // Readies a store copied from a backup of `backed_up_device` to serve a
  // new device of the same person (BackupService.RestoreBackup), before
  // any RecordStore opens it: the backed-up device's ops become another
  // device's, already folded (their seqs are marked applied, so nothing is
  // folded twice); its own-log head becomes the empty head of the new
  // device (`new_keys`: it has written nothing yet) and the marks about its
  // own log are dropped; the peer port it kept is dropped (the new device
  // picks its own). Durable on OK.
  static absl::Status HandOverFromBackedUpDevice(Db* db, std::string_view backed_up_device,
                                                 const KeySet& new_keys);

  // Entries in the records view.
  absl::StatusOr<int64_t> RecordCount() const;

  static std::string ViewKey(Kind kind, std::string_view id);
  // device ‖ stream ('S' shared, 'P' private) ‖ seq (big-endian).
  static std::string OplogKey(std::string_view device, v1::Visibility visibility, uint64_t seq);

 private:
  struct Writer;
  // What one batch appended to the log (without waiting for the disk).
  struct Appended {
    uint64_t ticket = 0;            // order among appends; 0: nothing appended
    VersionVector shared;           // shared seqs it advanced, to publish once durable
    VersionVector private_seqs;     // private seqs it advanced, likewise
    std::vector<v1::Event> events;  // record changes (ids reserved), to deliver once durable
  };
  // The RecordChanged event of an op that took a record to `after` (events_
  // set); `existed`: it held a record before. `before` is the record as it
  // was, read only when `after` holds none (a deletion).
  v1::Event ChangeEvent(const v1::OpBody& body, bool existed, const v1::Record& before,
                        const v1::RecordState& after, v1::Visibility op_visibility,
                        bool from_peer) const;
  // Under commit_mu_, just before the batch is appended: reserves ids for
  // `events` and stages them into `batch`.
  void StageEvents(const KeySet& keys, std::vector<v1::Event>* events, Batch* batch);
  // Delivers the events of an append once durable, or gives their ids up.
  void FinishEvents(Appended* appended, bool durable);
  // Under commit_mu_: stamps, seals and signs the group's ops and appends
  // them with their view updates. Sets each failed writer's status.
  Appended AppendGroup(const std::vector<Writer*>& group);
  // The last op a group staged in one own stream, held back unsigned until
  // the next op of the stream (it stays unsigned, vouched for by that op) or
  // the group's end (it is signed: CloseRun).
  struct HeldOp {
    uint64_t seq = 0;
    v1::Op op;                 // unsigned
    std::string bytes;         // `op` serialized
    v1::OwnStreamHead before;  // the stream's head before this op
  };
  // A group's open run in one own stream (see kMaxOpsPerSignature).
  struct OpenRun {
    size_t ops = 0;    // unsigned ops so far, `held` included
    size_t bytes = 0;  // their bytes
    std::optional<HeldOp> held;
  };
  struct OpenRuns {
    OpenRun shared, private_ops;
  };
  // Signs the op `run` holds (if any) and stages it into `batch` with the
  // stream head `stream` advanced over its signed bytes.
  static void CloseRun(const KeySet& keys, const std::string& device, v1::Visibility visibility,
                       OpenRun* run, v1::OwnStreamHead* stream, Batch* batch);
  // Under commit_mu_: checks one mutation of a writer against the records as
  // the writer's earlier mutations (`touched`), the group's earlier writers
  // (`group_touched`) and the view left them, then seals its op, unsigned,
  // into its stream's open run in `runs` (the op held there before goes into
  // `ops`, unsigned; a run at its bound is signed there and then), puts its
  // new state into `touched` under `key` (its ViewKey), and advances the seq
  // it used.
  absl::Status StageMutation(
      const KeySet& keys, const std::string& device, const Mutation& m, const std::string& key,
      const std::map<std::string, std::pair<v1::RecordState, const KeySet*>>& group_touched,
      std::map<std::string, std::pair<v1::RecordState, const KeySet*>>* touched,
      uint64_t* shared_seq, uint64_t* private_seq, v1::OwnLogHead* head, OpenRuns* runs, Batch* ops,
      std::vector<v1::Event>* events) ABSL_EXCLUSIVE_LOCKS_REQUIRED(commit_mu_);
  // Under commit_mu_: checks and appends a peer's ops (Ingest).
  absl::Status AppendRemoteLocked(const KeySet* keys, std::vector<RemoteOp>& ops,
                                  Appended* appended, absl::Status* refusal, size_t* added)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(commit_mu_);
  // Appends a batch without syncing; refuses once a sync has failed.
  absl::Status AppendLocked(const Batch& batch, Appended* appended)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(commit_mu_);
  // Waits until the append is on the disk (one fdatasync for every append
  // before it), then publishes its shared seqs to sync senders.
  absl::Status MakeDurable(const Appended& appended) ABSL_LOCKS_EXCLUDED(commit_mu_);
  absl::StatusOr<uint64_t> LastSeq(std::string_view device, v1::Visibility visibility) const;
  absl::Status LoadVersionVector() ABSL_EXCLUSIVE_LOCKS_REQUIRED(commit_mu_);
  // Under commit_mu_: FoldPending for one stream of each device in `vv`.
  absl::Status FoldPendingStreams(const KeySet& keys, v1::Visibility vis, const VersionVector& vv)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(commit_mu_);
  // Folds one op into `states` (a cache over the view). An error when it
  // cannot be opened with these keys, or the remote check refuses it; then
  // nothing of it was folded.
  // Adds its RecordChanged event to `events` when given.
  absl::Status FoldInto(const KeySet& keys, const v1::Op& op,
                        std::map<std::string, v1::RecordState>* states,
                        const std::map<std::string, v1::RecordState>* base = nullptr,
                        std::vector<v1::Event>* events = nullptr);
  absl::Status PutStates(const KeySet& keys, const std::map<std::string, v1::RecordState>& states,
                         Batch* batch) const;

  Db* const db_;
  RecordViews views_;
  HybridClock hlc_;
  RemoteOpCheck remote_check_;
  EventHub* events_ = nullptr;
  NameOf name_of_;

  // Under mu_, by the thread that leads (leading_): appends the queued
  // writers in groups, waits for the disk, and tells each its outcome;
  // returns once the queue was empty or it handed the lead to a waiting
  // WriteAll or CommitQueued, and its own groups are told.
  // `self`: the leader's own writer (a WriteAll), or null.
  void LeadLocked(Writer* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Under mu_, on the thread of WriteAll writer `w`: runs its `appended`
  // hook without mu_, once (nothing if it has none or it ran).
  void RunHookLocked(Writer* w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  std::deque<Writer*> queue_ ABSL_GUARDED_BY(mu_);
  // A thread is appending queued writers; whoever queues then only waits.
  bool leading_ ABSL_GUARDED_BY(mu_) = false;
  // Threads waiting in CommitQueued, woken when the queue empties or the
  // lead is handed to one of them (lead_to_committer_, taken by the first).
  int waiting_committers_ ABSL_GUARDED_BY(mu_) = 0;
  bool lead_to_committer_ ABSL_GUARDED_BY(mu_) = false;
  absl::CondVar committers_;

  // Under commit_mu_: reads the remembered catch-up target once.
  absl::Status LoadBehind() ABSL_EXCLUSIVE_LOCKS_REQUIRED(commit_mu_);
  // Under commit_mu_: the write refusal while this device's own log is behind
  // what peers hold of it; OK otherwise (and forgets a reached target).
  absl::Status CheckNotBehind(const std::string& device) ABSL_EXCLUSIVE_LOCKS_REQUIRED(commit_mu_);
  // Under commit_mu_: the refusal while either stream of `device` in the
  // log is short of its mark; OK otherwise. Changes nothing.
  absl::Status BehindError(const std::string& device) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(commit_mu_);
  // Under commit_mu_: the ops of one stream of `device` in the log.
  uint64_t HeldOwn(const std::string& device, v1::Visibility vis) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(commit_mu_);
  // Under commit_mu_: the mark of one stream.
  uint64_t& BehindUntil(v1::Visibility vis) ABSL_EXCLUSIVE_LOCKS_REQUIRED(commit_mu_);

  // Under commit_mu_: CheckOwnLogLocked once per device (the last result
  // is kept, so a failed check refuses every later write).
  absl::Status EnsureOwnLogChecked(const KeySet& keys) ABSL_EXCLUSIVE_LOCKS_REQUIRED(commit_mu_);
  absl::Status CheckOwnLogLocked(const KeySet& keys) ABSL_EXCLUSIVE_LOCKS_REQUIRED(commit_mu_);
  // The sealed head, added to `batch`.
  static void PutHead(const KeySet& keys, const v1::OwnLogHead& head, Batch* batch);

  // Held while a group or a peer's batch is appended, and by RebuildViews.
  absl::Mutex commit_mu_ ABSL_ACQUIRED_AFTER(mu_);
  // The device whose own log was checked (empty: none yet), the result, and
  // its head as stored by the last batch that changed it.
  std::string head_device_ ABSL_GUARDED_BY(commit_mu_);
  absl::Status head_status_ ABSL_GUARDED_BY(commit_mu_);
  v1::OwnLogHead head_ ABSL_GUARDED_BY(commit_mu_);
  // This device's shared seq that peers hold and its own log must reach
  // before it writes again; 0: none.
  bool behind_loaded_ ABSL_GUARDED_BY(commit_mu_) = false;
  // This device's id as sync names it (known while locked, unlike keys).
  std::string self_device_ ABSL_GUARDED_BY(commit_mu_);
  uint64_t behind_until_ ABSL_GUARDED_BY(commit_mu_) = 0;
  uint64_t behind_private_until_ ABSL_GUARDED_BY(commit_mu_) = 0;
  // Peers' ops may wait in the log unfolded (stored while locked, or before
  // this start): until FoldPending has run, each ingest with keys first
  // folds what waits of its streams. False afterwards, so the ingest path
  // reads no applied mark.
  bool maybe_unfolded_ ABSL_GUARDED_BY(commit_mu_) = true;
  // The space this device moved to by its last ResealOwnOps; empty before.
  std::string space_id_ ABSL_GUARDED_BY(commit_mu_);
  std::string own_device_ ABSL_GUARDED_BY(commit_mu_);
  // Next seq of this device's shared and private streams; 0: not loaded.
  uint64_t next_shared_ ABSL_GUARDED_BY(commit_mu_) = 0;
  uint64_t next_private_ ABSL_GUARDED_BY(commit_mu_) = 0;
  bool vv_loaded_ ABSL_GUARDED_BY(commit_mu_) = false;
  // Changed by writers under commit_mu_ too, but read under vv_mu_ alone, so
  // sync senders never wait for a group's fsync to learn what is new.
  // The shared seqs appended so far, durable or not: what the next batch
  // builds on.
  VersionVector written_vv_ ABSL_GUARDED_BY(commit_mu_);
  VersionVector written_private_ ABSL_GUARDED_BY(commit_mu_);
  // Only durable seqs, so a peer never receives an op a crash could undo
  // (and that this device would then number again).
  absl::Mutex vv_mu_ ABSL_ACQUIRED_AFTER(commit_mu_);
  VersionVector shared_vv_ ABSL_GUARDED_BY(vv_mu_);
  VersionVector private_vv_ ABSL_GUARDED_BY(vv_mu_);

  // Appends are numbered in log order; synced_ is the highest number known
  // to be on the disk. One sync runs at a time.
  std::atomic<uint64_t> appended_{0};
  absl::Mutex sync_mu_;
  uint64_t synced_ ABSL_GUARDED_BY(sync_mu_) = 0;
  // Set by the first failed sync; every later write gets it.
  absl::Status sync_error_ ABSL_GUARDED_BY(sync_mu_);

  absl::Mutex change_mu_;
  uint64_t change_count_ ABSL_GUARDED_BY(change_mu_) = 0;
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_STORE_RECORD_STORE_H_
