#include "daemon/store/merge.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"

namespace attune {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

bool IsAddOnly(uint32_t kind) {
  return kind == static_cast<uint32_t>(Kind::kGoalProgress) ||
         kind == static_cast<uint32_t>(Kind::kAppreciation) ||
         kind == static_cast<uint32_t>(Kind::kExerciseSession);
}

bool ClockLess(const v1::Clock& a, const v1::Clock& b) {
  if (a.hlc() != b.hlc()) return a.hlc() < b.hlc();
  return a.device() < b.device();
}

bool IsLive(const v1::RecordState& state) {
  return !state.has_deleted() && state.record().kind_case() != v1::Record::KIND_NOT_SET;
}

namespace {

// The record message (JournalEntry, CheckIn…) inside a Record, by kind.
Message* MutableInner(v1::Record* record, uint32_t kind) {
  const FieldDescriptor* f = v1::Record::descriptor()->FindFieldByNumber(kind);
  if (f == nullptr) return nullptr;
  return record->GetReflection()->MutableMessage(record, f);
}

void CopyField(const Message& from, Message* to, const FieldDescriptor* f) {
  const auto* rf = from.GetReflection();
  const auto* rt = to->GetReflection();
  if (f->is_map()) {
    // A map is swapped in whole from a copy: the repeated-field view of a map
    // through reflection (AddMessage) is easy to get wrong, and crashed in
    // the TSan build.
    std::unique_ptr<Message> copy(from.New());
    copy->CopyFrom(from);
    rt->SwapFields(to, copy.get(), {f});
    return;
  }
  rt->ClearField(to, f);
  if (f->is_repeated()) {
    int n = rf->FieldSize(from, f);
    for (int i = 0; i < n; ++i) {
      switch (f->cpp_type()) {
        case FieldDescriptor::CPPTYPE_MESSAGE:
          rt->AddMessage(to, f)->CopyFrom(rf->GetRepeatedMessage(from, f, i));
          break;
        case FieldDescriptor::CPPTYPE_STRING:
          rt->AddString(to, f, rf->GetRepeatedString(from, f, i));
          break;
        case FieldDescriptor::CPPTYPE_INT32:
          rt->AddInt32(to, f, rf->GetRepeatedInt32(from, f, i));
          break;
        default:
          // Records have repeated messages, strings and int32s only.
          break;
      }
    }
    return;
  }
  if (!rf->HasField(from, f)) return;  // cleared
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_MESSAGE:
      rt->MutableMessage(to, f)->CopyFrom(rf->GetMessage(from, f));
      break;
    case FieldDescriptor::CPPTYPE_STRING:
      rt->SetString(to, f, rf->GetString(from, f));
      break;
    case FieldDescriptor::CPPTYPE_INT32:
      rt->SetInt32(to, f, rf->GetInt32(from, f));
      break;
    case FieldDescriptor::CPPTYPE_INT64:
      rt->SetInt64(to, f, rf->GetInt64(from, f));
      break;
    case FieldDescriptor::CPPTYPE_UINT32:
      rt->SetUInt32(to, f, rf->GetUInt32(from, f));
      break;
    case FieldDescriptor::CPPTYPE_UINT64:
      rt->SetUInt64(to, f, rf->GetUInt64(from, f));
      break;
    case FieldDescriptor::CPPTYPE_BOOL:
      rt->SetBool(to, f, rf->GetBool(from, f));
      break;
    case FieldDescriptor::CPPTYPE_ENUM:
      rt->SetEnumValue(to, f, rf->GetEnumValue(from, f));
      break;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      rt->SetDouble(to, f, rf->GetDouble(from, f));
      break;
    case FieldDescriptor::CPPTYPE_FLOAT:
      rt->SetFloat(to, f, rf->GetFloat(from, f));
      break;
  }
}

// True when copying `from` whole sets exactly what applying `fields` one by
// one to an empty record would: every field `from` carries is listed, and
// none is a map (CopyField swaps maps in, which may order them otherwise).
bool TakesWhole(const Message& from, const google::protobuf::RepeatedField<uint32_t>& fields) {
  std::vector<const FieldDescriptor*> carried;
  from.GetReflection()->ListFields(from, &carried);
  for (const FieldDescriptor* f : carried) {
    if (f->is_map()) return false;
    if (std::find(fields.begin(), fields.end(), static_cast<uint32_t>(f->number())) ==
        fields.end()) {
      return false;
    }
  }
  return true;
}

}  // namespace

absl::Status ApplyOp(const v1::OpBody& body, const v1::Clock& clock, v1::RecordState* state) {
  const uint32_t kind = body.kind();
  if (v1::Record::descriptor()->FindFieldByNumber(kind) == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("op names unknown kind ", kind));
  }
  if (state->record().kind_case() != v1::Record::KIND_NOT_SET &&
      static_cast<uint32_t>(state->record().kind_case()) != kind) {
    return absl::InvalidArgumentError("op kind differs from the record's kind");
  }

  if (body.change_case() == v1::OpBody::kTombstone) {
    if (!state->has_deleted() || ClockLess(state->deleted(), clock)) {
      *state->mutable_deleted() = clock;
    }
    // Deletion is final: drop the content, keep only the tombstone clock.
    state->clear_record();
    state->clear_field_clocks();
    return absl::OkStatus();
  }
  if (body.change_case() != v1::OpBody::kRecord ||
      static_cast<uint32_t>(body.record().kind_case()) != kind) {
    return absl::InvalidArgumentError("op record does not match its kind");
  }
  const Message& from = *[&]() -> const Message* {
    const FieldDescriptor* f = v1::Record::descriptor()->FindFieldByNumber(kind);
    return &body.record().GetReflection()->GetMessage(body.record(), f);
  }();
  const auto* desc = from.GetDescriptor();
  for (uint32_t number : body.fields()) {
    if (desc->FindFieldByNumber(static_cast<int>(number)) == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("op sets unknown field ", number));
    }
  }
  if (state->has_deleted()) return absl::OkStatus();  // edits after delete
  if (IsAddOnly(kind) && state->record().kind_case() != v1::Record::KIND_NOT_SET) {
    return absl::OkStatus();  // written once; a duplicate changes nothing
  }

  const bool fresh =
      state->record().kind_case() == v1::Record::KIND_NOT_SET && state->field_clocks().empty();
  Message* to = MutableInner(state->mutable_record(), kind);
  auto& clocks = *state->mutable_field_clocks();
  if (fresh && TakesWhole(from, body.fields())) {
    // A record new here (most ops: every create): one copy, not a walk
    // through reflection field by field. Fields this build does not know
    // are not kept, as CopyField does not keep them.
    to->CopyFrom(from);
    to->GetReflection()->MutableUnknownFields(to)->Clear();
    for (uint32_t number : body.fields()) clocks[number] = clock;
    return absl::OkStatus();
  }
  for (uint32_t number : body.fields()) {
    auto it = clocks.find(number);
    if (it != clocks.end() && !ClockLess(it->second, clock)) continue;
    CopyField(from, to, desc->FindFieldByNumber(static_cast<int>(number)));
    clocks[number] = clock;
  }
  return absl::OkStatus();
}

}  // namespace attune
