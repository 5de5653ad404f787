#include "daemon/sync/sync_session.h"

#include <algorithm>
#include <iterator>
#include <limits>
#include <thread>

#include "absl/strings/str_cat.h"
#include "daemon/base/background_thread.h"
#include "daemon/base/log.h"
#include "daemon/records/validation.h"
#include "daemon/sync/op_checker.h"
#include "daemon/sync/op_runs.h"
#include "daemon/sync/peer_address.h"
#include "daemon/vault/device_id.h"

namespace attune {
namespace {

constexpr size_t kBatchOps = 512;
constexpr size_t kBatchBytes = 2 << 20;
constexpr absl::Duration kIdleWait = absl::Milliseconds(500);
// After a send of n ops without a backlog, the next waits n × kSendPacePerOp,
// within [kSendPaceMin, kSendPaceMax]: the steadier a stream of writes, the
// larger the batches it goes in.
constexpr absl::Duration kSendPaceMin = absl::Milliseconds(2);
constexpr absl::Duration kSendPacePerOp = absl::Microseconds(500);
constexpr absl::Duration kSendPaceMax = absl::Milliseconds(10);
// Checked batches waiting to be stored (at most kBatchOps and about
// kBatchBytes each). The ingester stores small batches that wait together,
// in one write: a live stream of small batches costs one fdatasync per
// write, not one per batch.
constexpr size_t kIngestDepth = 2;

}  // namespace

std::string RemovedMessage(const Membership& members, const std::string& device) {
  Membership::Snapshot now = members.Now();
  for (size_t i : now.view.counting) {
    const auto& c = now.changes[i].body;
    if (c.removed_device() != device) continue;
    auto self = members.Find(device);
    if (c.made_by() == device) {
      return absl::StrCat(
          self.has_value() ? self->display_name() : "a member", "'s device ",
          FormatDeviceId(device).substr(0, 15),
          "… removed itself from the space (or its person left it) at ",
          absl::FormatTime("%Y-%m-%d %H:%M UTC",
                           absl::FromUnixMillis(static_cast<int64_t>(c.made_at_ms())),
                           absl::UTCTimeZone()));
    }
    std::string by;
    {
      auto body = members.Find(c.made_by());
      by = absl::StrCat(body.has_value() ? body->display_name() : "a member", "'s device ",
                        FormatDeviceId(c.made_by()).substr(0, 15), "…");
    }
    return absl::StrCat("device ", FormatDeviceId(device).substr(0, 15),
                        "… was removed from the space by ", by, " at ",
                        absl::FormatTime("%Y-%m-%d %H:%M UTC",
                                         absl::FromUnixMillis(static_cast<int64_t>(c.made_at_ms())),
                                         absl::UTCTimeZone()));
  }
  return "the peer is not a member of this space";
}

v1::SyncMessage MembersMessage(std::vector<v1::MemberCert> certs,
                               std::vector<v1::SpaceChange> changes) {
  v1::SyncMessage m;
  for (auto& c : certs) *m.mutable_members()->add_members() = std::move(c);
  for (auto& c : changes) *m.mutable_members()->add_changes() = std::move(c);
  return m;
}

SyncSession::SyncSession(SessionEnv env, MessageStream* stream, bool dialer, std::string tls_peer)
    : env_(std::move(env)), stream_(stream), dialer_(dialer), peer_(std::move(tls_peer)) {}

std::optional<std::string> SyncSession::SharedPerson() const {
  auto mine = env_.members->Find(env_.self_device);
  auto theirs = env_.members->Find(peer_);
  if (!mine.has_value() || !theirs.has_value() || mine->member_id() != theirs->member_id()) {
    return std::nullopt;
  }
  // This device's certificate must name the person its vault is.
  auto identity = env_.vault->identity();
  if (!identity.has_value() || identity->member_id() != mine->member_id()) return std::nullopt;
  return mine->member_id();
}

RecordStore::VersionVector SyncSession::OwnPersonsPrivateStreams(const std::string& member) const {
  RecordStore::VersionVector out;
  for (const auto& [device, seq] : env_.store->PrivateVersionVector()) {
    auto author = env_.members->Find(device);
    if (author.has_value() && author->member_id() == member) out[device] = seq;
  }
  return out;
}

v1::SyncMessage SyncSession::MakeHello() const {
  v1::SyncMessage m;
  v1::Hello* h = m.mutable_hello();
  h->set_protocol_version(kProtocolVersion);
  h->set_space_id(env_.space_id);
  h->set_device(env_.self_device);
  for (const auto& [device, seq] : env_.store->SharedVersionVector()) {
    // Only streams of devices certified in this space: a device that left
    // one space and joined another keeps the old space's ops, which are
    // nobody's business here.
    if (!env_.members->Find(device).has_value()) continue;
    auto* e = h->add_version_vector();
    e->set_device(device);
    e->set_seq(seq);
    if (auto head = env_.store->SharedOpDigest(device, seq); head.ok()) e->set_head(*head);
  }
  // Only another device of this device's own person learns of its private
  // streams.
  if (auto person = SharedPerson(); person.has_value()) {
    for (const auto& [device, seq] : OwnPersonsPrivateStreams(*person)) {
      auto* e = h->add_private_version_vector();
      e->set_device(device);
      e->set_seq(seq);
      if (auto head = env_.store->OpDigestAt(device, v1::VISIBILITY_PRIVATE, seq); head.ok()) {
        e->set_head(*head);
      }
    }
  }
  for (auto& cert : env_.members->All()) *h->add_members() = std::move(cert);
  for (auto& change : env_.members->Changes()) *h->add_changes() = std::move(change);
  // A relay learns no addresses: it has no use for them.
  if (!env_.peer_is_relay) {
    for (const auto& a : env_.listen_addresses) h->add_addresses(a);
  }
  // The peer's own op at the highest seq held from it: its proof, should its
  // log be shorter (see Hello.your_head_op); and of its private stream, for
  // another device of this person.
  auto show = [&](const google::protobuf::RepeatedPtrField<v1::VersionEntry>& vv,
                  v1::Visibility vis, v1::Op* out) {
    for (const auto& e : vv) {
      if (e.device() != peer_ || e.seq() == 0) continue;
      auto op = env_.store->ReadOps(peer_, vis, e.seq(), 1, kMaxOpBytes);
      if (op.ok() && op->size() == 1 && !out->ParseFromString(op->front())) out->Clear();
    }
  };
  show(h->version_vector(), v1::VISIBILITY_SHARED, h->mutable_your_head_op());
  show(h->private_version_vector(), v1::VISIBILITY_PRIVATE, h->mutable_your_private_head_op());
  if (h->your_head_op().ByteSizeLong() == 0) h->clear_your_head_op();
  if (h->your_private_head_op().ByteSizeLong() == 0) h->clear_your_private_head_op();
  return m;
}

absl::Status SyncSession::CheckHello(const v1::Hello& hello) {
  if (hello.protocol_version() != kProtocolVersion) {
    return absl::FailedPreconditionError(absl::StrCat("peer speaks sync protocol ",
                                                      hello.protocol_version(),
                                                      "; this daemon speaks ", kProtocolVersion));
  }
  if (hello.device() != peer_) {
    return absl::PermissionDeniedError("the Hello names another device than TLS proved");
  }
  if (hello.space_id() != env_.space_id) {
    return absl::PermissionDeniedError("the peer is in another space");
  }
  // Certificates are checked against our own chain: a stranger cannot add
  // itself, only a member can have added it.
  std::vector<v1::MemberCert> certs(hello.members().begin(), hello.members().end());
  auto merged = env_.members->Merge(env_.space_id, certs);
  if (!merged.ok()) return merged.status();
  if (!merged->empty() && env_.on_new_members) env_.on_new_members();
  // A removed device, or a stranger, brings nothing: refused before its
  // changes are read. A relay is no member: it was pinned by its key.
  if (env_.peer_is_relay) {
    if (env_.members->Find(peer_).has_value()) {
      return absl::PermissionDeniedError("a member device cannot serve as a relay");
    }
  } else if (env_.members->IsRemoved(peer_)) {
    return absl::PermissionDeniedError(RemovedMessage(*env_.members, peer_));
  } else if (!env_.members->IsMember(peer_)) {
    return absl::PermissionDeniedError("the peer is not a member of this space");
  }
  if (auto s = MergeChanges(hello.changes()); !s.ok()) return s;
  if (!env_.peer_is_relay && env_.members->IsRemoved(peer_)) {
    return absl::PermissionDeniedError(RemovedMessage(*env_.members, peer_));
  }
  RecordStore::VersionVector vv, private_vv;
  // A peer of another person has no say about private streams: what it
  // claims there is ignored.
  person_ = SharedPerson();
  const std::optional<std::string>& person = person_;
  std::vector<std::pair<v1::Visibility, const v1::VersionEntry*>> entries;
  for (const auto& e : hello.version_vector()) entries.emplace_back(v1::VISIBILITY_SHARED, &e);
  if (person.has_value()) {
    for (const auto& e : hello.private_version_vector()) {
      entries.emplace_back(v1::VISIBILITY_PRIVATE, &e);
    }
  }
  for (const auto& [vis, entry] : entries) {
    const v1::VersionEntry& e = *entry;
    (vis == v1::VISIBILITY_SHARED ? vv : private_vv)[e.device()] = e.seq();
    if (e.head().empty()) continue;
    auto mine = env_.store->OpDigestAt(e.device(), vis, e.seq());
    if (!mine.ok()) return mine.status();
    if (!mine->empty() && *mine != e.head()) {
      std::string fork = absl::StrCat(
          "fork: device ", FormatDeviceId(e.device()).substr(0, 15), " wrote two different ",
          vis == v1::VISIBILITY_SHARED ? "ops" : "private ops", " under seq ", e.seq(),
          e.device() == env_.self_device
              ? " (this device: was its data folder restored from an older copy?)"
              : " (was its data folder restored from an older copy?)",
          "; sync with this peer stops until that is resolved");
      LogError(fork);
      env_.peers->SetError(peer_, fork);
      return absl::FailedPreconditionError(fork);
    }
  }
  // This device's own ops, as the peer holds them: if its log lacks some,
  // it takes them back before it writes again (see RecordStore), but only on
  // proof. A bare number would let a modified device pause our writes.
  for (v1::Visibility vis : {v1::VISIBILITY_SHARED, v1::VISIBILITY_PRIVATE}) {
    const bool shared = vis == v1::VISIBILITY_SHARED;
    const RecordStore::VersionVector& theirs = shared ? vv : private_vv;
    auto own = theirs.find(env_.self_device);
    if (own == theirs.end() || own->second == 0) continue;
    auto proven = ProvenOwnSeq(shared ? hello.your_head_op() : hello.your_private_head_op(),
                               own->second, vis);
    if (!proven.ok()) {
      LogWarning(absl::StrCat("device ", FormatDeviceId(peer_).substr(0, 15),
                              " says it holds this device's ", shared ? "" : "private ",
                              "ops up to ", own->second, ", without proof (",
                              proven.status().message(), "); not waiting for them"));
    } else {
      if (auto s = env_.store->NoteOwnOpsHeldByPeer(env_.self_device, *proven, vis); !s.ok()) {
        return s;
      }
      if (auto block = env_.store->WriteBlock(); !block.empty()) LogWarning(block);
    }
  }
  {
    absl::MutexLock lock(&mu_);
    their_vv_ = vv;
    their_private_vv_ = private_vv;
  }
  env_.peers->Observe(peer_, vv);
  env_.peers->NoteHoldings(peer_, env_.store->SharedVersionVector(), env_.clock->Now());
  // Where to dial it: only what is well formed and not this machine.
  std::vector<std::string> offered(hello.addresses().begin(), hello.addresses().end());
  auto addresses = DialableAddresses(offered, env_.listen_addresses);
  if (!addresses.empty() && !env_.peer_is_relay) env_.peers->SetAddresses(peer_, addresses);
  return absl::OkStatus();
}

absl::Status SyncSession::MergeChanges(
    const google::protobuf::RepeatedPtrField<v1::SpaceChange>& changes) {
  if (changes.empty()) return absl::OkStatus();
  std::vector<v1::SpaceChange> list(changes.begin(), changes.end());
  auto merged = env_.members->MergeChanges(env_.space_id, list);
  if (!merged.ok()) return merged.status();
  if (*merged && env_.on_space_change) env_.on_space_change();
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> SyncSession::ProvenOwnSeq(const v1::Op& shown, uint64_t claimed,
                                                   v1::Visibility vis) const {
  if (shown.ByteSizeLong() == 0) return absl::InvalidArgumentError("no op shown");
  // This device's own private op may be shown by another device of its
  // person only (CheckHello reads private entries from no one else).
  auto op =
      CheckIncomingOp(shown, env_.space_id, *env_.members, std::numeric_limits<uint64_t>::max(),
                      person_.has_value() ? &*person_ : nullptr);
  if (!op.ok()) return op.status();
  if (op->header.author_device() != env_.self_device || op->header.seq() != claimed ||
      op->header.visibility() != vis) {
    return absl::InvalidArgumentError("the op shown is not this device's op at that seq");
  }
  return claimed;
}

absl::Status SyncSession::Run() {
  const std::string who = FormatDeviceId(peer_).substr(0, 15);
  v1::SyncMessage first;
  if (dialer_ && !stream_->Write(MakeHello())) {
    return absl::UnavailableError("the peer closed the stream before Hello");
  }
  if (!stream_->Read(&first) || first.message_case() != v1::SyncMessage::kHello) {
    return absl::UnavailableError("the peer sent no Hello");
  }
  if (auto s = CheckHello(first.hello()); !s.ok()) {
    LogWarning(absl::StrCat("refused sync with device ", FormatDeviceId(peer_), ": ", s.message()));
    return s;
  }
  if (!dialer_ && !stream_->Write(MakeHello())) {
    return absl::UnavailableError("the peer closed the stream after Hello");
  }
  env_.peers->StreamOpened(peer_, !dialer_, env_.clock->Now());
  LogInfo(absl::StrCat("syncing with device ", who, "…"));

  // Storing the peer's ops is background work; the sender and this thread
  // drive gRPC, so they keep their priority (base/background_thread.h).
  std::thread sender([this] { SendLoop(); });
  std::thread ingester([this] {
    MarkThisThreadBackground();
    IngestLoop();
  });
  v1::SyncMessage m;
  while (!stop_ && stream_->Read(&m)) {
    if (m.message_case() == v1::SyncMessage::kOps) {
      Receive(m.ops());
    } else if (m.message_case() == v1::SyncMessage::kMembers) {
      std::vector<v1::MemberCert> certs(m.members().members().begin(), m.members().members().end());
      auto merged = env_.members->Merge(env_.space_id, certs);
      if (merged.ok() && !merged->empty() && env_.on_new_members) env_.on_new_members();
      if (auto s = MergeChanges(m.members().changes()); !s.ok()) {
        LogWarning(
            absl::StrCat("could not keep space changes from device ", who, "…: ", s.message()));
      }
    }
  }
  stop_ = true;
  {
    absl::MutexLock lock(&ingest_mu_);
    ingest_closed_ = true;
  }
  ingester.join();  // stores what was checked already
  sender.join();
  env_.peers->StreamClosed(peer_, !dialer_, env_.clock->Now(), "");
  LogInfo(absl::StrCat("sync stream with device ", who, "… ended"));
  return absl::OkStatus();
}

void SyncSession::SendLoop() {
  size_t members_sent = env_.members->All().size();
  size_t changes_sent = env_.members->Changes().size();
  while (!stop_ && !stream_->Cancelled()) {
    uint64_t seen = env_.store->ChangeCount();
    auto certs = env_.members->All();
    auto changes = env_.members->Changes();
    // A peer removed meanwhile is told so, then gets nothing more (the peer
    // manager ends the stream).
    if (!env_.peer_is_relay && !env_.members->IsMember(peer_)) {
      (void)stream_->Write(MembersMessage({}, std::move(changes)));
      break;
    }
    if (certs.size() != members_sent || changes.size() != changes_sent) {
      v1::SyncMessage m = MembersMessage(std::move(certs), std::move(changes));
      if (!stream_->Write(m)) break;
      members_sent = m.members().members_size();
      changes_sent = m.members().changes_size();
    }
    SendTally sent;
    if (!SendMissing(v1::VISIBILITY_SHARED, env_.store->SharedVersionVector(), &sent)) break;
    // Private streams go to another device of this device's own person
    // only, and only that person's (OwnPersonsPrivateStreams).
    if (person_.has_value() &&
        !SendMissing(v1::VISIBILITY_PRIVATE, OwnPersonsPrivateStreams(*person_), &sent)) {
      break;
    }
    if (sent.ops == 0 && !stop_) env_.store->WaitForChange(seen, kIdleWait);
    // Right after a small send, what is written meanwhile goes in the next
    // batch together: a burst of writes reaches the peer in fewer, larger
    // batches (one durable write and one signature check each there), while
    // a lone write still goes at once, and a backlog without pause. The more
    // the send carried, the longer the wait (a stream that keeps coming).
    if (sent.ops > 0 && !sent.backlog && !stop_) {
      absl::SleepFor(
          std::clamp(kSendPacePerOp * static_cast<int64_t>(sent.ops), kSendPaceMin, kSendPaceMax));
    }
  }
  absl::MutexLock lock(&mu_);
  env_.peers->Observe(peer_, their_vv_);
}

bool SyncSession::SendMissing(v1::Visibility vis, const RecordStore::VersionVector& mine,
                              SendTally* sent) {
  const bool shared = vis == v1::VISIBILITY_SHARED;
  for (const auto& [device, held] : mine) {
    // Never another space's ops (see MakeHello), not even sealed.
    if (!env_.members->Find(device).has_value()) continue;
    // A removed device's ops past its removal are not passed on (every
    // receiver refuses them anyway).
    uint64_t seq = held;
    if (auto last = env_.members->LastSeqsOf(device); last.has_value()) {
      seq = std::min(seq, shared ? last->first : last->second);
    }
    uint64_t theirs;
    {
      absl::MutexLock lock(&mu_);
      theirs = (shared ? their_vv_ : their_private_vv_)[device];
    }
    if (seq <= theirs) continue;
    // Only up to `seq`, what is on the disk: the log may already hold ops
    // appended after it whose sync is still running, and a crash could
    // undo those and number them again. Whole runs only (sync/op_runs.h).
    auto read = [this, vis, &author = device](uint64_t from, size_t max_ops, size_t max_bytes) {
      return env_.store->ReadOps(author, vis, from, max_ops, max_bytes);
    };
    v1::SyncMessage m;
    auto batch = ReadSendableRun(read, theirs + 1, seq, kBatchOps, kBatchBytes);
    if (!batch.ok() || batch->ops_size() == 0) continue;
    const uint64_t count = static_cast<uint64_t>(batch->ops_size());
    *m.mutable_ops() = std::move(*batch);
    if (!stream_->Write(m)) {
      stop_ = true;
      return false;
    }
    {
      absl::MutexLock lock(&mu_);
      uint64_t& t = (shared ? their_vv_ : their_private_vv_)[device];
      t = std::max(t, theirs + count);
    }
    if (shared) env_.peers->Observe(peer_, {{device, theirs + count}});
    sent->ops += count;
    sent->backlog |= count < seq - theirs;
  }
  return true;
}

void SyncSession::Receive(const v1::OpBatch& batch) {
  const uint64_t max_hlc = MaxAcceptedHlc(absl::ToUnixMillis(env_.clock->Now()));
  // Private ops are taken only from another device of this device's own
  // person, and only that person's (CheckIncomingOp).
  const std::string* private_member = person_.has_value() ? &*person_ : nullptr;
  auto checked = CheckIncomingOps(batch, env_.space_id, *env_.members, max_hlc, private_member);

  std::vector<RecordStore::RemoteOp> ok;
  RecordStore::VersionVector sent, sent_private;
  for (auto& c : checked) {
    if (!c.ok()) {
      LogWarning(absl::StrCat("refused an op from device ", FormatDeviceId(peer_), ": ",
                              c.status().message()));
      continue;
    }
    uint64_t& s =
        (c->header.visibility() == v1::VISIBILITY_SHARED ? sent
                                                         : sent_private)[c->header.author_device()];
    s = std::max(s, c->header.seq());
    ok.push_back(std::move(*c));
  }
  if (!sent.empty() || !sent_private.empty()) {
    absl::MutexLock lock(&mu_);
    for (const auto& [d, seq] : sent) {
      if (seq > their_vv_[d]) their_vv_[d] = seq;
    }
    for (const auto& [d, seq] : sent_private) {
      if (seq > their_private_vv_[d]) their_private_vv_[d] = seq;
    }
  }
  env_.peers->Observe(peer_, sent);
  if (ok.empty()) return;
  absl::MutexLock lock(&ingest_mu_);
  auto has_room = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(ingest_mu_) {
    return ingest_queue_.size() < kIngestDepth;
  };
  ingest_mu_.Await(absl::Condition(&has_room));
  ingest_queue_.push_back(std::move(ok));
}

void SyncSession::IngestLoop() {
  while (true) {
    std::vector<RecordStore::RemoteOp> ops;
    {
      absl::MutexLock lock(&ingest_mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(ingest_mu_) {
        return !ingest_queue_.empty() || ingest_closed_;
      };
      ingest_mu_.Await(absl::Condition(&ready));
      if (ingest_queue_.empty()) return;
      ops = std::move(ingest_queue_.front());
      ingest_queue_.pop_front();
      // Small batches waiting behind it go in too, up to one full batch
      // (ops and bytes): the store's write lock is held no longer than for
      // one batch.
      auto bytes_of = [](const std::vector<RecordStore::RemoteOp>& batch) {
        size_t n = 0;
        for (const RecordStore::RemoteOp& r : batch) n += r.bytes.size();
        return n;
      };
      size_t bytes = bytes_of(ops);
      while (!ingest_queue_.empty()) {
        auto& next = ingest_queue_.front();
        const size_t more = bytes_of(next);
        if (ops.size() + next.size() > kBatchOps || bytes + more > kBatchBytes) break;
        std::move(next.begin(), next.end(), std::back_inserter(ops));
        ingest_queue_.pop_front();
        bytes += more;
      }
    }
    Ingest(std::move(ops));
  }
}

void SyncSession::Ingest(std::vector<RecordStore::RemoteOp> ops) {
  auto keys = env_.vault->Keys();
  auto added = env_.store->Ingest(keys.ok() ? keys->get() : nullptr, std::move(ops));
  if (!added.ok()) {
    LogWarning(absl::StrCat("refused ops from device ", FormatDeviceId(peer_), ": ",
                            added.status().message()));
  }
  env_.peers->NoteHoldings(peer_, env_.store->SharedVersionVector(), env_.clock->Now());
}

}  // namespace attune
