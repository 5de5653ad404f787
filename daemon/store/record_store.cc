#include "daemon/store/record_store.h"

#include <sodium.h>

#include <algorithm>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "absl/strings/str_cat.h"
#include "daemon/vault/op_crypto.h"
#include "daemon/vault/view_crypto.h"

namespace attune {
namespace {

constexpr size_t kMaxGroup = 256;
constexpr std::string_view kRebuildFlagKey = "rebuild_views";

std::string SerializeState(const v1::RecordState& state) {
  std::string out;
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  state.SerializeToCodedStream(&coded);
  coded.Trim();
  return out;
}

std::string SealState(const KeySet& keys, const std::string& key,
                      const v1::RecordState& state) {
  std::string plain = SerializeState(state);
  std::string sealed = SealValue(keys.data_key, CfName(Cf::kRecords), key, plain);
  sodium_memzero(plain.data(), plain.size());
  return sealed;
}

uint64_t SeqFromOplogKey(std::string_view key) {
  uint64_t seq = 0;
  for (unsigned char c : key.substr(key.size() - 8)) seq = seq << 8 | c;
  return seq;
}

}  // namespace

struct RecordStore::Writer {
  const KeySet* keys;
  Mutation* mutation;
  absl::Status status;
  v1::RecordState result;
  bool done = false;
  absl::CondVar cv;
};

RecordStore::RecordStore(Db* db, const Clock* clock) : db_(db), hlc_(clock) {}

std::string RecordStore::ViewKey(Kind kind, std::string_view id) {
  std::string key(1, static_cast<char>(kind));
  key.append(id);
  return key;
}

std::string RecordStore::OplogKey(std::string_view device, uint64_t seq) {
  std::string key(device);
  for (int shift = 56; shift >= 0; shift -= 8) {
    key.push_back(static_cast<char>((seq >> shift) & 0xff));
  }
  return key;
}

absl::StatusOr<v1::RecordState> RecordStore::Write(const KeySet& keys,
                                                   Mutation mutation) {
  Writer w{&keys, &mutation, {}, {}, false, {}};
  absl::MutexLock lock(&mu_);
  queue_.push_back(&w);
  while (!w.done && queue_.front() != &w) w.cv.Wait(&mu_);
  if (w.done) {
    if (!w.status.ok()) return w.status;
    return std::move(w.result);
  }

  // This writer leads: commit it with everyone queued behind it.
  std::vector<Writer*> group;
  for (Writer* other : queue_) {
    if (group.size() == kMaxGroup) break;
    group.push_back(other);
  }
  mu_.Unlock();
  CommitGroup(group);
  mu_.Lock();
  for (Writer* done : group) {
    queue_.pop_front();
    done->done = true;
    if (done != &w) done->cv.Signal();
  }
  if (!queue_.empty()) queue_.front()->cv.Signal();
  if (!w.status.ok()) return w.status;
  return std::move(w.result);
}

absl::StatusOr<uint64_t> RecordStore::LastSeq(std::string_view device) const {
  auto last = db_->LastKeyWithPrefix(Cf::kOplog, device);
  if (!last.ok()) return last.status();
  if (!last->has_value() || (*last)->size() != device.size() + 8) return 0;
  return SeqFromOplogKey(**last);
}

absl::StatusOr<v1::RecordState> RecordStore::LoadState(
    const KeySet& keys, const std::string& key) const {
  auto sealed = db_->Get(Cf::kRecords, key);
  if (!sealed.ok()) return sealed.status();
  v1::RecordState state;
  if (!sealed->has_value()) return state;
  auto plain = OpenValue(keys.data_key, CfName(Cf::kRecords), key, **sealed);
  if (!plain.ok()) return plain.status();
  bool ok = state.ParseFromString(*plain);
  sodium_memzero(plain->data(), plain->size());
  if (!ok) return absl::DataLossError("a stored record does not parse");
  return state;
}

void RecordStore::CommitGroup(const std::vector<Writer*>& group) {
  absl::MutexLock lock(&commit_mu_);
  const std::string& device = group.front()->keys->device_public_key;
  if (next_seq_ == 0 || own_device_ != device) {
    auto last = LastSeq(device);
    if (!last.ok()) {
      for (Writer* w : group) w->status = last.status();
      return;
    }
    if (*last > 0) {
      // Never stamp a new op earlier than the last one, even if the wall
      // clock went back while the daemon was down.
      auto value = db_->Get(Cf::kOplog, OplogKey(device, *last));
      v1::Op op;
      v1::OpHeader header;
      if (value.ok() && value->has_value() && op.ParseFromString(**value) &&
          header.ParseFromString(op.header())) {
        hlc_.Observe(header.hlc());
      }
    }
    own_device_ = device;
    next_seq_ = *last + 1;
  }

  uint64_t seq = next_seq_;
  std::map<std::string, std::pair<v1::RecordState, const KeySet*>> touched;
  Batch batch;
  for (Writer* w : group) {
    const KeySet& keys = *w->keys;
    Mutation& m = *w->mutation;
    if (keys.device_public_key != device) {
      w->status = absl::InternalError("writers of one group use different devices");
      continue;
    }
    std::string key = ViewKey(static_cast<Kind>(m.body.kind()), m.body.record_id());
    if (m.body.record_id().size() != kRawIdBytes) {
      w->status = absl::InvalidArgumentError("record id must be 16 bytes");
      continue;
    }
    v1::RecordState state;
    if (auto it = touched.find(key); it != touched.end()) {
      state = it->second.first;
    } else {
      auto loaded = LoadState(keys, key);
      if (!loaded.ok()) {
        w->status = loaded.status();
        continue;
      }
      state = std::move(*loaded);
    }
    bool written = state.record().kind_case() != v1::Record::KIND_NOT_SET ||
                   state.has_deleted();
    if (m.require == Mutation::Require::kLive && !IsLive(state)) {
      w->status = absl::NotFoundError("no such record (or it was deleted)");
      continue;
    }
    if (m.require == Mutation::Require::kAbsent && written) {
      w->status = absl::AlreadyExistsError("that record exists already");
      continue;
    }

    v1::OpHeader header;
    header.set_space_id(keys.space_id);
    header.set_author_device(device);
    header.set_seq(seq);
    header.set_hlc(hlc_.Now());
    header.set_key_epoch(keys.space_key_epoch);
    header.set_visibility(m.visibility);
    v1::Clock clock;
    clock.set_hlc(header.hlc());
    clock.set_device(device);
    if (auto s = ApplyOp(m.body, clock, &state); !s.ok()) {
      w->status = s;
      continue;
    }
    auto op = SealOp(std::move(header), m.body, keys);
    if (!op.ok()) {
      w->status = op.status();
      continue;
    }
    batch.Put(Cf::kOplog, OplogKey(device, seq), op->SerializeAsString());
    ++seq;
    w->result = state;
    touched[key] = {std::move(state), &keys};
  }
  if (batch.Count() == 0) return;
  for (const auto& [key, entry] : touched) {
    batch.Put(Cf::kRecords, key, SealState(*entry.second, key, entry.first));
  }
  if (auto s = db_->Write(batch, /*sync=*/true); !s.ok()) {
    for (Writer* w : group) {
      if (w->status.ok()) w->status = s;
    }
    return;
  }
  next_seq_ = seq;
}

absl::StatusOr<std::optional<v1::RecordState>> RecordStore::Get(
    const KeySet& keys, Kind kind, std::string_view id) const {
  std::string key = ViewKey(kind, id);
  auto state = LoadState(keys, key);
  if (!state.ok()) return state.status();
  if (state->record().kind_case() == v1::Record::KIND_NOT_SET &&
      !state->has_deleted()) {
    return std::nullopt;
  }
  return std::move(*state);
}

absl::Status RecordStore::ForEach(
    const KeySet& keys, Kind kind,
    const std::function<bool(std::string_view, const v1::RecordState&)>& fn)
    const {
  std::string prefix(1, static_cast<char>(kind));
  absl::Status inner;
  auto s = db_->Scan(Cf::kRecords, prefix,
                     [&](std::string_view key, std::string_view value) {
                       auto plain = OpenValue(keys.data_key, CfName(Cf::kRecords),
                                              key, value);
                       if (!plain.ok()) {
                         inner = plain.status();
                         return false;
                       }
                       v1::RecordState state;
                       bool ok = state.ParseFromString(*plain);
                       sodium_memzero(plain->data(), plain->size());
                       if (!ok) {
                         inner = absl::DataLossError("a stored record does not parse");
                         return false;
                       }
                       return fn(key.substr(1), state);
                     });
  return s.ok() ? inner : s;
}

absl::StatusOr<RecordStore::RebuildStats> RecordStore::RebuildViews(const KeySet& keys) {
  absl::MutexLock lock(&commit_mu_);
  std::map<std::string, v1::RecordState> states;
  absl::Status inner;
  RebuildStats stats;
  auto s = db_->Scan(Cf::kOplog, "", [&](std::string_view, std::string_view value) {
    v1::Op op;
    if (!op.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      inner = absl::DataLossError("an op in the log does not parse");
      return false;
    }
    v1::OpHeader header;
    auto body = OpenOp(op, keys, &header);
    ++stats.ops;
    if (!body.ok()) {
      ++stats.skipped;  // not readable with these keys (another member's private op)
      return true;
    }
    hlc_.Observe(header.hlc());
    v1::Clock clock;
    clock.set_hlc(header.hlc());
    clock.set_device(header.author_device());
    std::string key = ViewKey(static_cast<Kind>(body->kind()), body->record_id());
    if (auto applied = ApplyOp(*body, clock, &states[key]); !applied.ok()) {
      ++stats.skipped;
    }
    return true;
  });
  if (!s.ok()) return s;
  if (!inner.ok()) return inner;
  if (auto cleared = db_->Clear(Cf::kRecords); !cleared.ok()) return cleared;
  Batch batch;
  for (const auto& [key, state] : states) {
    batch.Put(Cf::kRecords, key, SealState(keys, key, state));
    if (batch.Count() >= 1000) {
      if (auto w = db_->Write(batch, true); !w.ok()) return w;
      batch = Batch();
    }
  }
  batch.Delete(Cf::kMeta, kRebuildFlagKey);
  if (auto w = db_->Write(batch, true); !w.ok()) return w;
  stats.records = states.size();
  return stats;
}

absl::Status RecordStore::RequestRebuild() {
  Batch batch;
  batch.Put(Cf::kMeta, kRebuildFlagKey, "1");
  return db_->Write(batch, true);
}

absl::Status RecordStore::OnUnlock(const KeySet& keys) {
  auto flag = db_->Get(Cf::kMeta, kRebuildFlagKey);
  if (!flag.ok()) return flag.status();
  if (!flag->has_value()) return absl::OkStatus();
  return RebuildViews(keys).status();
}

absl::StatusOr<std::map<std::string, std::string>> RecordStore::DumpViews(
    const KeySet& keys) const {
  std::map<std::string, std::string> out;
  absl::Status inner;
  auto s = db_->Scan(Cf::kRecords, "", [&](std::string_view key, std::string_view value) {
    auto plain = OpenValue(keys.data_key, CfName(Cf::kRecords), key, value);
    if (!plain.ok()) {
      inner = plain.status();
      return false;
    }
    out.emplace(std::string(key), std::move(*plain));
    return true;
  });
  if (!s.ok()) return s;
  if (!inner.ok()) return inner;
  return out;
}

absl::StatusOr<uint64_t> RecordStore::OwnOpCount(const KeySet& keys) const {
  return LastSeq(keys.device_public_key);
}

absl::StatusOr<int64_t> RecordStore::RecordCount() const {
  int64_t n = 0;
  auto s = db_->Scan(Cf::kRecords, "", [&](std::string_view, std::string_view) {
    ++n;
    return true;
  });
  if (!s.ok()) return s;
  return n;
}

}  // namespace attune
