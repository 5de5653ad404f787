#include "daemon/store/record_views.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <sodium.h>

#include "daemon/vault/view_crypto.h"

namespace attune {
namespace {

std::string SerializeState(const v1::RecordState& state) {
  std::string out;
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  state.SerializeToCodedStream(&coded);
  coded.Trim();
  return out;
}

// Opens one sealed entry and parses it; the plaintext is wiped.
absl::StatusOr<v1::RecordState> Open(const KeySet& keys, std::string_view key,
                                     std::string_view sealed) {
  auto plain = OpenValue(keys.data_key, CfName(Cf::kRecords), key, sealed);
  if (!plain.ok()) return plain.status();
  v1::RecordState state;
  bool ok = state.ParseFromString(*plain);
  sodium_memzero(plain->data(), plain->size());
  if (!ok) return absl::DataLossError("a stored record does not parse");
  return state;
}

}  // namespace

std::string RecordViews::Key(Kind kind, std::string_view id) {
  std::string key(1, static_cast<char>(kind));
  key.append(id);
  return key;
}

absl::StatusOr<v1::RecordState> RecordViews::Load(const KeySet& keys,
                                                  const std::string& key) const {
  auto sealed = db_->Get(Cf::kRecords, key);
  if (!sealed.ok()) return sealed.status();
  if (!sealed->has_value()) return v1::RecordState();
  return Open(keys, key, **sealed);
}

absl::StatusOr<std::optional<v1::RecordState>> RecordViews::Get(const KeySet& keys, Kind kind,
                                                                std::string_view id) const {
  auto state = Load(keys, Key(kind, id));
  if (!state.ok()) return state.status();
  if (state->record().kind_case() == v1::Record::KIND_NOT_SET && !state->has_deleted()) {
    return std::nullopt;
  }
  return std::move(*state);
}

absl::Status RecordViews::ForEach(
    const KeySet& keys, Kind kind,
    const std::function<bool(std::string_view, const v1::RecordState&)>& fn) const {
  absl::Status inner;
  auto s =
      db_->Scan(Cf::kRecords, Key(kind, ""), [&](std::string_view key, std::string_view value) {
        auto state = Open(keys, key, value);
        if (!state.ok()) {
          inner = state.status();
          return false;
        }
        return fn(key.substr(1), *state);
      });
  return s.ok() ? inner : s;
}

absl::StatusOr<std::map<std::string, std::string>> RecordViews::Dump(const KeySet& keys) const {
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

absl::StatusOr<int64_t> RecordViews::Count() const {
  int64_t n = 0;
  auto s = db_->Scan(Cf::kRecords, "", [&](std::string_view, std::string_view) {
    ++n;
    return true;
  });
  if (!s.ok()) return s;
  return n;
}

absl::StatusOr<bool> RecordViews::Empty() const {
  bool empty = true;
  auto s = db_->Scan(Cf::kRecords, "", [&](std::string_view, std::string_view) {
    empty = false;
    return false;
  });
  if (!s.ok()) return s;
  return empty;
}

void RecordViews::Put(const KeySet& keys, const std::string& key, const v1::RecordState& state,
                      Batch* batch) {
  std::string plain = SerializeState(state);
  batch->Put(Cf::kRecords, key, SealValue(keys.data_key, CfName(Cf::kRecords), key, plain));
  sodium_memzero(plain.data(), plain.size());
}

absl::Status RecordViews::Clear() { return db_->Clear(Cf::kRecords); }

}  // namespace attune
