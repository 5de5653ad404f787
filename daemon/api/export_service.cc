#include "daemon/api/export_service.h"

#include <map>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"
#include "daemon/api/checkin_service.h"
#include "daemon/base/hex.h"
#include "daemon/records/authorship.h"
#include "daemon/records/check_in_seal.h"
#include "daemon/records/kinds.h"
#include "daemon/records/record_checks.h"
#include "daemon/records/record_ops.h"
#include "daemon/records/validation.h"
#include "google/protobuf/util/time_util.h"

namespace attune {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

constexpr int kRecordsPerPart = 500;
// A part also ends once it holds this many bytes (a message is at most 4 MiB).
constexpr size_t kPartBytes = 1 << 20;
// The most bytes of records one import takes (they are held in memory).
constexpr size_t kMaxImportBytes = 256u << 20;
// Mutations per committed batch on import.
constexpr size_t kImportBatch = 256;
// The most records one import takes (a stream holds them all in memory).
constexpr size_t kMaxImportRecords = 1'000'000;

// Every kind, in the order an export lists them (a goal before its progress).
constexpr Kind kExportOrder[] = {Kind::kJournalEntry, Kind::kCheckIn,      Kind::kGoal,
                                 Kind::kGoalProgress, Kind::kAppreciation, Kind::kExerciseSession,
                                 Kind::kPluginRecord, Kind::kReminder};

const FieldDescriptor* Field(const Message& m, const char* name) {
  return m.GetDescriptor()->FindFieldByName(name);
}

// Gives the record written by `m` the times `from` had (when it had them).
void KeepTimes(const Message& from, Kind kind, Mutation* m) {
  Message* inner = MutableInnerRecord(m->body.mutable_record(), kind);
  for (const char* name : {"create_time", "update_time"}) {
    const FieldDescriptor* f = Field(from, name);
    if (f == nullptr || !from.GetReflection()->HasField(from, f)) continue;
    inner->GetReflection()->MutableMessage(inner, f)->CopyFrom(
        from.GetReflection()->GetMessage(from, f));
  }
}

// The id an imported record gets: the exported id with this person's prefix
// (records/authorship.h), so the same export imports to the same ids.
absl::StatusOr<std::string> ImportedId(const std::string& field, const std::string& name,
                                       std::string_view collection, const KeySet& keys) {
  auto raw = ParseName(field, name, collection);
  if (!raw.ok()) return raw.status();
  return RecordIdOf(keys.member_id, *std::move(raw));
}

// One record of an import, checked, with its new id.
struct Planned {
  Kind kind;
  std::string id;
  v1::Record record;  // checked and normalized; the name is the new one
  const Message* original = nullptr;
};

}  // namespace

grpc::Status ExportServiceImpl::Export(grpc::ServerContext* context, const v1::ExportRequest*,
                                       grpc::ServerWriter<v1::ExportPart>* writer) {
  auto keys = ctx_.vault->Keys();
  if (!keys.ok()) return ToGrpc(keys.status());
  const std::string me = ToHex((*keys)->member_id);
  std::vector<v1::Record> records;
  std::set<std::string> authors;
  absl::Status failed;
  for (Kind kind : kExportOrder) {
    const RecordKind& row = RecordKindOf(kind);
    auto s =
        ctx_.store->ForEach(**keys, kind, [&](std::string_view id, const v1::RecordState& state) {
          if (!IsVisible(**keys, state)) return true;
          v1::Record record = state.record();
          if (kind == Kind::kCheckIn) {
            // Open where this device may read it; a partner's still sealed
            // (reveal together) is exported as "checked in", without words.
            auto opened = PresentCheckIn(ctx_, **keys, id, state);
            if (!opened.ok()) {
              failed = opened.status();
              return false;
            }
            *record.mutable_check_in() = *std::move(opened);
          }
          Message* inner = MutableInnerRecord(&record, kind);
          if (kind != Kind::kGoalProgress) {
            if (const FieldDescriptor* f = Field(*inner, "name")) {
              inner->GetReflection()->SetString(inner, f, MakeName(row.collection, id));
            }
          }
          std::string author = AuthorOf(record);
          if (!author.empty()) authors.insert(std::move(author));
          records.push_back(std::move(record));
          return true;
        });
    if (s.ok()) s = failed;
    if (!s.ok()) return ToGrpc(s);
  }

  v1::ExportPart part;
  v1::ExportHeader* header = part.mutable_header();
  header->set_format(kExportFormat);
  *header->mutable_export_time() = google::protobuf::util::TimeUtil::MillisecondsToTimestamp(
      absl::ToUnixMillis(ctx_.clock->Now()));
  header->set_exported_by(me);
  header->set_display_name((*keys)->display_name);
  authors.erase(me);
  v1::ExportMember* self = header->add_members();
  self->set_member_id(me);
  self->set_display_name((*keys)->display_name);
  for (const std::string& author : authors) {
    v1::ExportMember* m = header->add_members();
    m->set_member_id(author);
    if (ctx_.member_name) m->set_display_name(ctx_.member_name(author));
  }
  size_t next = 0;
  do {
    size_t bytes = 0;
    for (int i = 0; i < kRecordsPerPart && next < records.size() && bytes < kPartBytes; ++i) {
      bytes += records[next].ByteSizeLong();
      *part.add_records() = std::move(records[next++]);
    }
    if (context->IsCancelled()) return grpc::Status::CANCELLED;
    if (!writer->Write(part)) return grpc::Status::CANCELLED;
    part.Clear();
  } while (next < records.size());
  return grpc::Status::OK;
}

grpc::Status ExportServiceImpl::Import(grpc::ServerContext*,
                                       grpc::ServerReader<v1::ExportPart>* reader,
                                       v1::ImportSummary* response) {
  auto keys_or = ctx_.vault->Keys();
  if (!keys_or.ok()) return ToGrpc(keys_or.status());
  const KeySet& keys = **keys_or;
  v1::ExportHeader header;
  std::vector<v1::Record> records;
  v1::ExportPart part;
  bool first = true;
  size_t bytes = 0;
  while (reader->Read(&part)) {
    bytes += part.ByteSizeLong();
    if (bytes > kMaxImportBytes) {
      return ToGrpc(absl::InvalidArgumentError(absl::StrCat("records: an import takes at most ",
                                                            kMaxImportBytes >> 20,
                                                            " MiB; nothing was written")));
    }
    if (first) {
      if (!part.has_header()) {
        return ToGrpc(
            absl::InvalidArgumentError("header: the first message must carry the export's header"));
      }
      header = part.header();
      first = false;
    } else if (part.has_header()) {
      return ToGrpc(absl::InvalidArgumentError("header: only the first message carries it"));
    }
    if (records.size() + part.records_size() > kMaxImportRecords) {
      return ToGrpc(absl::InvalidArgumentError(
          absl::StrCat("records: an import takes at most ", kMaxImportRecords)));
    }
    for (auto& r : *part.mutable_records()) records.push_back(std::move(r));
  }
  if (first) return ToGrpc(absl::InvalidArgumentError("header: the import is empty"));
  if (header.format() != kExportFormat) {
    return ToGrpc(absl::InvalidArgumentError(
        absl::StrCat("header.format: \"", header.format(), "\" is not \"", kExportFormat,
                     "\" (is this a file attune export --format json wrote?)")));
  }
  if (!FromHex(header.exported_by()).has_value() ||
      header.exported_by().size() != 2 * kRawIdBytes) {
    return ToGrpc(absl::InvalidArgumentError("header.exported_by: must be 32 hex digits"));
  }

  // A partner's export is theirs: importing it would write their words,
  // private ones included, as this person's.
  if (header.exported_by() != ToHex(keys.member_id) && ctx_.member_name &&
      !ctx_.member_name(header.exported_by()).empty()) {
    return ToGrpc(absl::PermissionDeniedError(
        absl::StrCat("this export is ", ctx_.member_name(header.exported_by()),
                     "'s; only the person who exported it may import it")));
  }

  // Every record is checked before anything is written.
  std::vector<Planned> planned;
  std::map<std::string, v1::Visibility> goal_visibility;  // new goal id -> its visibility
  for (size_t i = 0; i < records.size(); ++i) {
    const v1::Record& in = records[i];
    const std::string at = absl::StrCat("records[", i, "]");
    if (in.kind_case() == v1::Record::KIND_NOT_SET) {
      return ToGrpc(absl::InvalidArgumentError(absl::StrCat(at, ": holds no record")));
    }
    const Kind kind = static_cast<Kind>(in.kind_case());
    // Keys of check-ins and a member's settings belong to the space they
    // were written in; an import neither brings them nor lets a file decide
    // them.
    if (kind == Kind::kExerciseSession || kind == Kind::kPluginRecord || kind == Kind::kReminder ||
        kind == Kind::kCheckInKey || kind == Kind::kMemberSettings) {
      response->set_not_importable(response->not_importable() + 1);
      continue;
    }
    const Message& original = InnerRecord(in);
    if (AuthorOf(in) != header.exported_by()) {
      response->set_not_own(response->not_own() + 1);
      continue;
    }
    Planned p{kind, {}, in, &original};
    absl::Status s;
    switch (kind) {
      case Kind::kJournalEntry: {
        auto id = ImportedId(at + ".journal_entry.name", in.journal_entry().name(), kJournalEntries,
                             keys);
        if (!id.ok()) return ToGrpc(id.status());
        p.id = *id;
        s = CheckJournalEntry(at + ".journal_entry", p.record.mutable_journal_entry());
        break;
      }
      case Kind::kCheckIn: {
        v1::CheckIn* c = p.record.mutable_check_in();
        s = CheckCheckIn(at + ".check_in", c);
        auto day =
            s.ok() ? ParseDay(at + ".check_in.day", c->day()) : absl::StatusOr<absl::CivilDay>(s);
        auto zone = day.ok() ? ParseZone(at + ".check_in.time_zone", c->time_zone())
                             : absl::StatusOr<absl::TimeZone>(day.status());
        s = zone.status();
        if (s.ok() && *day > absl::ToCivilDay(ctx_.clock->Now(), *zone) + 1) {
          s = absl::InvalidArgumentError(
              absl::StrCat(at, ".check_in.day: ", c->day(), " is in the future"));
        }
        break;
      }
      case Kind::kGoal: {
        auto id = ImportedId(at + ".goal.name", in.goal().name(), kGoals, keys);
        if (!id.ok()) return ToGrpc(id.status());
        p.id = *id;
        s = CheckGoal(p.record.mutable_goal());
        if (s.ok()) s = ParseDay(at + ".goal.start_day", in.goal().start_day()).status();
        goal_visibility[p.id] = p.record.goal().visibility();
        if (auto held = ctx_.store->Get(keys, Kind::kGoal, p.id);
            held.ok() && held->has_value() && IsVisible(keys, **held)) {
          goal_visibility[p.id] = VisibilityOf((*held)->record().goal());  // as it is now
        }
        break;
      }
      case Kind::kGoalProgress: {
        const std::string& name = in.goal_progress().name();
        const size_t cut = name.find("/progress/");
        if (cut == std::string::npos) {
          return ToGrpc(absl::InvalidArgumentError(absl::StrCat(
              at, ".goal_progress.name: \"", name, "\" is not goals/{id}/progress/{id}")));
        }
        auto exported_goal = ParseName(at + ".goal_progress.name", name.substr(0, cut), kGoals);
        if (!exported_goal.ok()) return ToGrpc(exported_goal.status());
        auto exporter = FromHex(header.exported_by());
        absl::StatusOr<std::string> goal = *exported_goal;
        if (exporter.has_value() && IdBelongsTo(*exported_goal, *exporter)) {
          goal = ImportedId(at + ".goal_progress.name", name.substr(0, cut), kGoals, keys);
          if (!goal.ok()) return ToGrpc(goal.status());
        } else {
          // Progress on another member's goal: it stays on that goal, which
          // must be here (it comes back by sync); otherwise it is left out.
          auto held = ctx_.store->Get(keys, Kind::kGoal, *goal);
          if (!held.ok()) return ToGrpc(held.status());
          if (!held->has_value() || !IsVisible(keys, **held)) {
            response->set_not_own(response->not_own() + 1);
            continue;
          }
        }
        auto id = ImportedId(at + ".goal_progress.name",
                             absl::StrCat("progress/", name.substr(cut + 10)), "progress", keys);
        if (!id.ok()) return ToGrpc(id.status());
        p.id = *id;
        const std::string goal_name = MakeName(kGoals, *goal);
        p.record.mutable_goal_progress()->set_name(
            absl::StrCat(goal_name, "/progress/", ToHex(p.id)));
        s = CheckText(at + ".goal_progress.note", in.goal_progress().note(), kMaxShortTextChars,
                      false, TextLines::kMany);
        if (s.ok()) s = ParseDay(at + ".goal_progress.day", in.goal_progress().day()).status();
        if (s.ok()) {
          // A goal already here decides how visible its progress is (it may
          // have been made private since the export); else the export's.
          auto held = ctx_.store->Get(keys, Kind::kGoal, *goal);
          if (!held.ok()) return ToGrpc(held.status());
          if (held->has_value() && IsVisible(keys, **held)) {
            goal_visibility[*goal] = VisibilityOf((*held)->record().goal());
          } else if (!goal_visibility.count(*goal)) {
            s = absl::InvalidArgumentError(absl::StrCat(
                at, ".goal_progress.name: its goal is neither in the export nor here"));
          }
        }
        break;
      }
      case Kind::kAppreciation: {
        auto id =
            ImportedId(at + ".appreciation.name", in.appreciation().name(), kAppreciations, keys);
        if (!id.ok()) return ToGrpc(id.status());
        p.id = *id;
        s = CheckAppreciation(at + ".appreciation", p.record.mutable_appreciation());
        break;
      }
      default:
        break;
    }
    // What the checks above do not bound must still fit in one op, or the
    // store would refuse it after the batches before it were written.
    if (s.ok() && p.record.ByteSizeLong() > kMaxRecordBytes) {
      s = absl::InvalidArgumentError(
          absl::StrCat(at, ": the record is ", p.record.ByteSizeLong() / 1024,
                       " KiB, more than one record may be (", kMaxRecordBytes / 1024, " KiB)"));
    }
    if (!s.ok()) return ToGrpc(s);
    planned.push_back(std::move(p));
  }

  // Then written, in batches; a record whose id is here already is skipped.
  std::vector<Mutation> batch;
  auto together = RevealTogetherNow(keys, *ctx_.store);
  if (!together.ok()) return ToGrpc(together.status());
  auto flush = [&]() -> absl::Status {
    if (batch.empty()) return absl::OkStatus();
    auto written = ctx_.store->WriteAll(keys, std::move(batch));
    batch.clear();
    return written.status();
  };
  for (Planned& p : planned) {
    Message* inner = MutableInnerRecord(&p.record, p.kind);
    if (p.kind == Kind::kCheckIn) {
      if (auto s = flush(); !s.ok()) return ToGrpc(s);
      auto plan = PlanCheckIn(ctx_, keys, p.record.check_in(), /*replace=*/false, *together);
      if (IsCheckInExists(plan.status())) {
        response->set_already_here(response->already_here() + 1);
        continue;
      }
      if (!plan.ok()) return ToGrpc(plan.status());
      for (Mutation& m : plan->mutations) {
        KeepTimes(*p.original, p.kind, &m);
        batch.push_back(std::move(m));
      }
      response->set_imported(response->imported() + 1);
      continue;
    }
    auto held = ctx_.store->Get(keys, p.kind, p.id);
    if (!held.ok()) return ToGrpc(held.status());
    bool pending = false;
    for (const Mutation& m : batch) pending |= m.body.record_id() == p.id;
    if (held->has_value() || pending) {
      response->set_already_here(response->already_here() + 1);
      continue;
    }
    std::optional<v1::Visibility> visibility;
    if (p.kind == Kind::kGoalProgress) {
      const std::string& name = p.record.goal_progress().name();
      auto goal = ParseName("name", name.substr(0, name.find("/progress/")), kGoals);
      if (goal.ok()) visibility = goal_visibility[*goal];
    }
    Mutation m =
        CreateMutation(ctx_, keys, p.kind, p.id, inner, Mutation::Require::kAbsent, visibility);
    KeepTimes(*p.original, p.kind, &m);
    batch.push_back(std::move(m));
    response->set_imported(response->imported() + 1);
    if (batch.size() >= kImportBatch) {
      if (auto s = flush(); !s.ok()) return ToGrpc(s);
    }
  }
  if (auto s = flush(); !s.ok()) return ToGrpc(s);
  return grpc::Status::OK;
}

}  // namespace attune
