#include "daemon/relay/relay_session.h"

#include <algorithm>
#include <thread>

#include "absl/strings/str_cat.h"
#include "daemon/base/log.h"
#include "daemon/store/own_log_head.h"
#include "daemon/sync/op_checker.h"
#include "daemon/sync/op_runs.h"
#include "daemon/vault/device_id.h"

namespace attune {
namespace {

constexpr size_t kBatchOps = 512;
constexpr size_t kBatchBytes = 2 << 20;
constexpr absl::Duration kIdleWait = absl::Milliseconds(500);

}  // namespace

void RelaySpace::Changed() {
  absl::MutexLock lock(&mu_);
  ++version_;
}

uint64_t RelaySpace::WaitForChange(uint64_t seen, absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto moved = [this, seen]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return version_ != seen; };
  mu_.AwaitWithTimeout(absl::Condition(&moved), timeout);
  return version_;
}

uint64_t RelaySpace::Version() const {
  absl::MutexLock lock(&mu_);
  return version_;
}

RelaySession::RelaySession(RelaySessionEnv env, MessageStream* stream, std::string tls_peer,
                           SpaceDirectory* spaces, std::function<void()> end_stream)
    : env_(std::move(env)),
      stream_(stream),
      peer_(std::move(tls_peer)),
      spaces_(spaces),
      end_stream_(std::move(end_stream)) {}

absl::Status RelaySession::CheckHello(const v1::Hello& hello) {
  if (hello.protocol_version() != kProtocolVersion) {
    return absl::FailedPreconditionError(absl::StrCat("device speaks sync protocol ",
                                                      hello.protocol_version(),
                                                      "; this relay speaks ", kProtocolVersion));
  }
  if (hello.device() != peer_) {
    return absl::PermissionDeniedError("the Hello names another device than TLS proved");
  }
  if (hello.space_id().size() != 16) {
    return absl::InvalidArgumentError("the Hello's space id is not 16 bytes");
  }
  // A space has at most 32 devices (each with a certificate, removed ones
  // too) and kMaxSpaceChanges changes: a Hello with more is refused before
  // any signature is checked.
  if (hello.members_size() > static_cast<int>(2 * kMaxDevicesPerSpace) ||
      hello.changes_size() > static_cast<int>(kMaxSpaceChanges)) {
    return absl::InvalidArgumentError(
        "the Hello carries more certificates or changes than a space has");
  }
  auto space = spaces_->Acquire(hello.space_id());
  if (!space.ok()) return space.status();
  space_ = std::move(*space);
  Membership& members = space_->members();
  // The same checks as a daemon's: a certificate counts only when its chain
  // leads to the space's founder, and a removed device brings nothing.
  std::vector<v1::MemberCert> certs(hello.members().begin(), hello.members().end());
  auto added = members.Merge(space_->id(), certs);
  if (!added.ok()) return added.status();
  if (members.IsRemoved(peer_)) return absl::PermissionDeniedError(RemovedMessage(members, peer_));
  if (!members.IsMember(peer_)) {
    return absl::PermissionDeniedError("the device is not a member of the space it names");
  }
  std::vector<v1::SpaceChange> changes(hello.changes().begin(), hello.changes().end());
  if (!changes.empty()) {
    auto merged = members.MergeChanges(space_->id(), changes);
    if (!merged.ok()) return merged.status();
  }
  if (members.IsRemoved(peer_)) return absl::PermissionDeniedError(RemovedMessage(members, peer_));
  if (auto kept = spaces_->Keep(space_); kept != space_) {
    // Another device registered the space meanwhile: its state learns what
    // this Hello brought (from the same stored certificates).
    space_ = std::move(kept);
    (void)space_->members().Merge(space_->id(), certs);
    if (!changes.empty()) (void)space_->members().MergeChanges(space_->id(), changes);
    if (!space_->members().IsMember(peer_)) {
      return absl::PermissionDeniedError("the device is not a member of the space it names");
    }
  }
  if (!added->empty() || !changes.empty()) space_->Changed();
  // A device's private streams are none of the relay's business: only the
  // shared version vector is read.
  absl::MutexLock lock(&mu_);
  for (const auto& e : hello.version_vector()) their_vv_[e.device()] = e.seq();
  return absl::OkStatus();
}

v1::SyncMessage RelaySession::MakeHello() const {
  v1::SyncMessage m;
  v1::Hello* h = m.mutable_hello();
  h->set_protocol_version(kProtocolVersion);
  h->set_space_id(space_->id());
  h->set_device(env_.relay_device);
  for (const auto& [author, seq] : env_.log->HeadsOf(space_->id())) {
    auto* e = h->add_version_vector();
    e->set_device(author);
    e->set_seq(seq);
    auto op = env_.log->Read(space_->id(), author, seq, 1, kMaxOpBytes);
    if (op.ok() && op->size() == 1) {
      e->set_head(OpDigest(op->front()));
      // The device's own op at the relay's head: its proof of how far it
      // wrote, should its data folder be older (Hello.your_head_op).
      if (author == peer_ && !h->mutable_your_head_op()->ParseFromString(op->front())) {
        h->clear_your_head_op();
      }
    }
  }
  for (auto& cert : space_->members().All()) *h->add_members() = std::move(cert);
  for (auto& change : space_->members().Changes()) *h->add_changes() = std::move(change);
  return m;
}

absl::Status RelaySession::Run() {
  v1::SyncMessage first;
  if (!stream_->Read(&first) || first.message_case() != v1::SyncMessage::kHello) {
    return absl::UnavailableError("the device sent no Hello");
  }
  absl::Status checked = CheckHello(first.hello());
  // Held from CheckHello on, released whatever happens next.
  struct Release {
    RelaySession* s;
    ~Release() {
      if (s->space_ != nullptr) s->spaces_->Release(s->space_);
    }
  } release{this};
  if (!checked.ok()) {
    LogWarning(absl::StrCat("refused device ", FormatDeviceId(peer_).substr(0, 15),
                            "…: ", checked.message()));
    return checked;
  }
  (void)env_.log->Visited(space_->id(), absl::ToUnixMillis(env_.clock->Now()));
  if (!stream_->Write(MakeHello())) {
    return absl::UnavailableError("the device closed the stream after Hello");
  }
  std::thread sender([this] { SendLoop(); });
  v1::SyncMessage m;
  while (!stop_ && stream_->Read(&m)) {
    if (m.message_case() == v1::SyncMessage::kOps) {
      Receive(m.ops());
    } else if (m.message_case() == v1::SyncMessage::kMembers) {
      MergeMembers(m.members());
    }
  }
  stop_ = true;
  space_->Changed();  // wakes the sender (and the space's others, which find nothing new)
  // A sender blocked in a write (the device stopped reading) returns only
  // when the call ends.
  if (end_stream_) end_stream_();
  sender.join();
  return absl::OkStatus();
}

void RelaySession::MergeMembers(const v1::Members& m) {
  Membership& members = space_->members();
  std::vector<v1::MemberCert> certs(m.members().begin(), m.members().end());
  auto added = members.Merge(space_->id(), certs);
  bool moved = added.ok() && !added->empty();
  if (!m.changes().empty()) {
    std::vector<v1::SpaceChange> changes(m.changes().begin(), m.changes().end());
    auto merged = members.MergeChanges(space_->id(), changes);
    moved |= merged.ok() && *merged;
  }
  if (moved) space_->Changed();
}

void RelaySession::Receive(const v1::OpBatch& batch) {
  // The checks every daemon makes (sync/op_checker.h) but the body's: a
  // relay has no key to open it. A private op is refused outright: it
  // travels only among its author's own devices, never through a relay.
  const uint64_t max_hlc = MaxAcceptedHlc(absl::ToUnixMillis(env_.clock->Now()));
  auto checked = CheckIncomingOps(batch, space_->id(), space_->members(), max_hlc, nullptr);

  std::vector<RelayLog::Entry> ok;
  RelayLog::Heads sent;
  for (auto& c : checked) {
    if (!c.ok()) {
      LogWarning(absl::StrCat("refused an op from device ", FormatDeviceId(peer_).substr(0, 15),
                              "…: ", c.status().message()));
      continue;
    }
    uint64_t& s = sent[c->header.author_device()];
    s = std::max(s, c->header.seq());
    ok.push_back({c->header.author_device(), c->header.seq(), std::move(c->bytes)});
  }
  if (!sent.empty()) {
    absl::MutexLock lock(&mu_);
    for (const auto& [d, seq] : sent) their_vv_[d] = std::max(their_vv_[d], seq);
  }
  if (ok.empty()) return;
  auto added = env_.log->Append(space_->id(), ok);
  if (!added.ok()) {
    LogWarning(absl::StrCat("could not keep ops from device ", FormatDeviceId(peer_).substr(0, 15),
                            "…: ", added.status().message()));
  }
  // Even after a refused gap, whatever was stored is news.
  space_->Changed();
}

bool RelaySession::SendMissing(bool* sent_any) {
  const Membership& members = space_->members();
  for (const auto& [author, held] : env_.log->HeadsOf(space_->id())) {
    uint64_t head = held;
    if (!members.Find(author).has_value()) continue;
    // A removed device's ops past its removal go to no one (the relay may
    // have taken them before it heard of the removal).
    if (auto last = members.LastSeqsOf(author); last.has_value()) {
      head = std::min(head, last->first);
    }
    while (!stop_) {
      uint64_t theirs;
      {
        absl::MutexLock lock(&mu_);
        theirs = their_vv_[author];
      }
      if (theirs >= head) break;
      // Whole runs only (sync/op_runs.h).
      auto read = [this, &device = author](uint64_t from, size_t max_ops, size_t max_bytes) {
        return env_.log->Read(space_->id(), device, from, max_ops, max_bytes);
      };
      auto batch = ReadSendableRun(read, theirs + 1, head, kBatchOps, kBatchBytes);
      if (!batch.ok() || batch->ops_size() == 0) break;
      const uint64_t count = static_cast<uint64_t>(batch->ops_size());
      v1::SyncMessage m;
      *m.mutable_ops() = std::move(*batch);
      if (!stream_->Write(m)) return false;
      *sent_any = true;
      absl::MutexLock lock(&mu_);
      their_vv_[author] = std::max(their_vv_[author], theirs + count);
    }
  }
  return true;
}

void RelaySession::SendLoop() {
  Membership& members = space_->members();
  size_t members_sent = members.All().size();
  size_t changes_sent = members.Changes().size();
  while (!stop_ && !stream_->Cancelled()) {
    uint64_t seen = space_->Version();
    if (!members.IsMember(peer_)) {
      // Removed meanwhile: told once, then nothing more.
      (void)stream_->Write(MembersMessage({}, members.Changes()));
      break;
    }
    auto certs = members.All();
    auto changes = members.Changes();
    if (certs.size() != members_sent || changes.size() != changes_sent) {
      v1::SyncMessage m = MembersMessage(std::move(certs), std::move(changes));
      if (!stream_->Write(m)) break;
      members_sent = m.members().members_size();
      changes_sent = m.members().changes_size();
    }
    bool sent_any = false;
    if (!SendMissing(&sent_any)) break;
    if (!sent_any && !stop_) space_->WaitForChange(seen, kIdleWait);
  }
  if (!stop_.exchange(true) && end_stream_) end_stream_();
}

}  // namespace attune
