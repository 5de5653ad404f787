#include "daemon/records/record_ops.h"

#include <google/protobuf/util/field_mask_util.h>

#include "absl/strings/str_cat.h"
#include "daemon/base/hex.h"
#include "daemon/records/authorship.h"
#include "daemon/records/kinds.h"

namespace attune {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

namespace {

const FieldDescriptor* Field(const Message& m, const char* name) {
  return m.GetDescriptor()->FindFieldByName(name);
}

void SetTime(Message* m, const char* name, absl::Time t) {
  if (const FieldDescriptor* f = Field(*m, name)) {
    m->GetReflection()->MutableMessage(m, f)->CopyFrom(ToProto(t));
  }
}

}  // namespace

absl::Status CheckAuthor(const ServiceContext& ctx, const KeySet& keys, Kind kind,
                         const v1::RecordState& state) {
  std::string author = AuthorOf(state.record());
  if (author == ToHex(keys.member_id)) return absl::OkStatus();
  std::string who = ctx.member_name ? ctx.member_name(author) : "";
  if (who.empty()) who = "your partner";
  return absl::PermissionDeniedError(absl::StrCat("this ", RecordKindOf(kind).noun, " is ", who,
                                                  "'s; only ", who, " can change it"));
}

const Message& InnerRecord(const v1::Record& record) {
  const FieldDescriptor* f = v1::Record::descriptor()->FindFieldByNumber(record.kind_case());
  return record.GetReflection()->GetMessage(record, f);
}

Message* MutableInnerRecord(v1::Record* record, Kind kind) {
  const FieldDescriptor* f = v1::Record::descriptor()->FindFieldByNumber(static_cast<int>(kind));
  return record->GetReflection()->MutableMessage(record, f);
}

absl::StatusOr<v1::RecordState> CreateRecord(const ServiceContext& ctx, const KeySet& keys,
                                             Kind kind, const std::string& id, Message* record,
                                             Mutation::Require require,
                                             std::optional<v1::Visibility> visibility) {
  return ctx.store->Write(keys, CreateMutation(ctx, keys, kind, id, record, require, visibility));
}

Mutation CreateMutation(const ServiceContext& ctx, const KeySet& keys, Kind kind,
                        const std::string& id, Message* record, Mutation::Require require,
                        std::optional<v1::Visibility> visibility) {
  absl::Time now = ctx.clock->Now();
  SetTime(record, "create_time", now);
  SetTime(record, "update_time", now);
  if (const FieldDescriptor* f = Field(*record, "author")) {
    record->GetReflection()->SetString(record, f, ToHex(keys.member_id));
  }
  if (kind != Kind::kGoalProgress) {
    if (const FieldDescriptor* f = Field(*record, "name")) {
      record->GetReflection()->ClearField(record, f);
    }
  }
  Mutation m;
  m.body.set_kind(static_cast<uint32_t>(kind));
  m.body.set_record_id(id);
  const Descriptor* d = record->GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->name() == "name" && kind != Kind::kGoalProgress) continue;
    m.body.add_fields(static_cast<uint32_t>(f->number()));
  }
  MutableInnerRecord(m.body.mutable_record(), kind)->CopyFrom(*record);
  m.visibility = visibility.value_or(VisibilityOf(*record));
  m.require = require;
  return m;
}

bool IsVisible(const KeySet& keys, const v1::RecordState& state) {
  if (!IsLive(state)) return false;
  const Message& record = InnerRecord(state.record());
  if (VisibilityOf(record) != v1::VISIBILITY_PRIVATE) return true;
  const FieldDescriptor* author = Field(record, "author");
  return author == nullptr ||
         record.GetReflection()->GetString(record, author) == ToHex(keys.member_id);
}

absl::StatusOr<v1::RecordState> GetLiveRecord(const ServiceContext& ctx, const KeySet& keys,
                                              Kind kind, const std::string& id,
                                              const std::string& name) {
  auto state = ctx.store->Get(keys, kind, id);
  if (!state.ok()) return state.status();
  if (!state->has_value() || !IsVisible(keys, **state) ||
      static_cast<uint32_t>((*state)->record().kind_case()) != static_cast<uint32_t>(kind)) {
    return absl::NotFoundError(absl::StrCat(name, " not found"));
  }
  return std::move(**state);
}

absl::StatusOr<v1::RecordState> UpdateRecord(const ServiceContext& ctx, const KeySet& keys,
                                             Kind kind, const std::string& id,
                                             const std::string& name, const Message& changes,
                                             const std::vector<uint32_t>& fields) {
  auto mutations = UpdateMutations(ctx, keys, kind, id, name, changes, fields);
  if (!mutations.ok()) return mutations.status();
  auto states = ctx.store->WriteAll(keys, *std::move(mutations));
  if (!states.ok()) return states.status();
  return std::move(states->back());
}

absl::StatusOr<std::vector<Mutation>> UpdateMutations(const ServiceContext& ctx, const KeySet& keys,
                                                      Kind kind, const std::string& id,
                                                      const std::string& name,
                                                      const Message& changes,
                                                      const std::vector<uint32_t>& fields) {
  auto current = GetLiveRecord(ctx, keys, kind, id, name);
  if (!current.ok()) return current.status();
  return UpdateMutationsOf(ctx, keys, kind, id, *current, changes, fields);
}

absl::StatusOr<std::vector<Mutation>> UpdateMutationsOf(
    const ServiceContext& ctx, const KeySet& keys, Kind kind, const std::string& id,
    const v1::RecordState& current, const Message& changes, const std::vector<uint32_t>& fields) {
  std::vector<Mutation> out;
  if (auto s = CheckAuthor(ctx, keys, kind, current); !s.ok()) return s;
  const Message& before = InnerRecord(current.record());

  Mutation m;
  m.body.set_kind(static_cast<uint32_t>(kind));
  m.body.set_record_id(id);
  Message* after = MutableInnerRecord(m.body.mutable_record(), kind);
  after->CopyFrom(before);
  google::protobuf::FieldMask mask;
  for (uint32_t number : fields) {
    mask.add_paths(before.GetDescriptor()->FindFieldByNumber(number)->name());
  }
  google::protobuf::util::FieldMaskUtil::MergeOptions options;
  options.set_replace_message_fields(true);
  options.set_replace_repeated_fields(true);
  google::protobuf::util::FieldMaskUtil::MergeMessageTo(changes, mask, options, after);
  SetTime(after, "update_time", ctx.clock->Now());

  m.visibility = VisibilityOf(*after);
  const bool now_shared =
      VisibilityOf(before) == v1::VISIBILITY_PRIVATE && m.visibility == v1::VISIBILITY_SHARED;
  if (VisibilityOf(before) == v1::VISIBILITY_SHARED && m.visibility == v1::VISIBILITY_PRIVATE) {
    // Un-sharing: the partner's devices learn, through one last shared op,
    // that the record is private now (and hide it). That op carries the new
    // visibility, the time and the author, nothing else: the rest of this
    // change (a new body, say) stays on this device.
    Mutation unshare;
    unshare.body.set_kind(static_cast<uint32_t>(kind));
    unshare.body.set_record_id(id);
    Message* carried = MutableInnerRecord(unshare.body.mutable_record(), kind);
    for (const char* field : {"visibility", "update_time", "author"}) {
      const FieldDescriptor* f = after->GetDescriptor()->FindFieldByName(field);
      google::protobuf::FieldMask one;
      one.add_paths(f->name());
      google::protobuf::util::FieldMaskUtil::MergeMessageTo(*after, one, {}, carried);
    }
    for (const char* field : {"visibility", "update_time"}) {
      unshare.body.add_fields(
          static_cast<uint32_t>(after->GetDescriptor()->FindFieldByName(field)->number()));
    }
    unshare.visibility = v1::VISIBILITY_SHARED;
    unshare.require = Mutation::Require::kLive;
    out.push_back(std::move(unshare));
    if (fields.size() == 1) return out;
  }
  const Descriptor* d = after->GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    bool masked =
        std::find(fields.begin(), fields.end(), static_cast<uint32_t>(f->number())) != fields.end();
    bool include = now_shared ? f->name() != "name" : masked || f->name() == "update_time";
    if (include) m.body.add_fields(static_cast<uint32_t>(f->number()));
  }
  m.require = Mutation::Require::kLive;
  out.push_back(std::move(m));
  return out;
}

absl::Status DeleteRecord(const ServiceContext& ctx, const KeySet& keys, Kind kind,
                          const std::string& id, const std::string& name) {
  auto current = GetLiveRecord(ctx, keys, kind, id, name);
  if (!current.ok()) return current.status();
  if (auto s = CheckAuthor(ctx, keys, kind, *current); !s.ok()) return s;
  Mutation m;
  m.body.set_kind(static_cast<uint32_t>(kind));
  m.body.set_record_id(id);
  m.body.set_tombstone(true);
  m.visibility = VisibilityOf(InnerRecord(current->record()));
  m.require = Mutation::Require::kLive;
  auto written = ctx.store->Write(keys, std::move(m));
  if (!written.ok() && absl::IsNotFound(written.status())) {
    return absl::NotFoundError(absl::StrCat(name, " not found"));
  }
  return written.status();
}

}  // namespace attune
