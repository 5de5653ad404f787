#include "daemon/api/journal_service.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"
#include "daemon/api/paging.h"
#include "daemon/base/hex.h"
#include "daemon/records/authorship.h"
#include "daemon/records/record_checks.h"
#include "daemon/records/record_ops.h"
#include "daemon/records/validation.h"

namespace attune {
namespace {

const std::vector<std::string> kUpdatable = {"title", "body", "emotions", "visibility"};

v1::JournalEntry Present(const v1::RecordState& state, std::string_view id) {
  v1::JournalEntry e = state.record().journal_entry();
  e.set_name(MakeName(kJournalEntries, id));
  return e;
}

}  // namespace

void CreateJournalEntryAsync(const ServiceContext* ctx, std::shared_ptr<const KeySet> keys,
                             v1::JournalEntry entry,
                             absl::AnyInvocable<void(absl::StatusOr<v1::JournalEntry>)> done,
                             RecordStore::Lead lead) {
  if (auto s = CheckJournalEntry("journal_entry", &entry); !s.ok()) return done(s);
  std::string id = NewRecordIdOf(keys->member_id);
  std::vector<Mutation> write;
  write.push_back(
      CreateMutation(*ctx, *keys, Kind::kJournalEntry, id, &entry, Mutation::Require::kAbsent));
  ctx->store->WriteAllAsync(
      std::move(keys), std::move(write),
      [id = std::move(id),
       done = std::move(done)](absl::StatusOr<std::vector<v1::RecordState>> states) mutable {
        if (!states.ok()) return done(states.status());
        done(Present(states->front(), id));
      },
      lead);
}

grpc::Status JournalServiceImpl::BatchCreateJournalEntries(
    grpc::ServerContext*, const v1::BatchCreateJournalEntriesRequest* request,
    v1::BatchCreateJournalEntriesResponse* response) {
  auto keys = ctx_.vault->Keys();
  if (!keys.ok()) return ToGrpc(keys.status());
  if (auto s = CheckBatchSize(request->requests_size()); !s.ok()) return ToGrpc(s);
  // Every entry is checked before anything is written; then one WriteAll
  // stores them all or none.
  std::vector<Mutation> writes;
  std::vector<std::string> ids;
  for (int i = 0; i < request->requests_size(); ++i) {
    v1::JournalEntry entry = request->requests(i).journal_entry();
    if (auto s = CheckJournalEntry("journal_entry", &entry); !s.ok()) {
      return ToGrpc(InBatch(i, s));
    }
    ids.push_back(NewRecordIdOf((*keys)->member_id));
    writes.push_back(CreateMutation(ctx_, **keys, Kind::kJournalEntry, ids.back(), &entry,
                                    Mutation::Require::kAbsent));
  }
  auto states = ctx_.store->WriteAll(**keys, std::move(writes));
  if (!states.ok()) return ToGrpc(states.status());
  for (size_t i = 0; i < states->size(); ++i) {
    *response->add_journal_entries() = Present((*states)[i], ids[i]);
  }
  return grpc::Status::OK;
}

grpc::Status JournalServiceImpl::GetJournalEntry(grpc::ServerContext*,
                                                 const v1::GetJournalEntryRequest* request,
                                                 v1::JournalEntry* response) {
  auto keys = ctx_.vault->Keys();
  if (!keys.ok()) return ToGrpc(keys.status());
  auto id = ParseName("name", request->name(), kJournalEntries);
  if (!id.ok()) return ToGrpc(id.status());
  auto state = GetLiveRecord(ctx_, **keys, Kind::kJournalEntry, *id, request->name());
  if (!state.ok()) return ToGrpc(state.status());
  *response = Present(*state, *id);
  return grpc::Status::OK;
}

grpc::Status JournalServiceImpl::ListJournalEntries(grpc::ServerContext*,
                                                    const v1::ListJournalEntriesRequest* request,
                                                    v1::ListJournalEntriesResponse* response) {
  auto keys = ctx_.vault->Keys();
  if (!keys.ok()) return ToGrpc(keys.status());
  auto pager = Pager<v1::JournalEntry>::Make(request->page_token(), request->page_size(), 50);
  if (!pager.ok()) return ToGrpc(pager.status());
  auto s = ctx_.store->ForEach(
      **keys, Kind::kJournalEntry, [&](std::string_view id, const v1::RecordState& state) {
        if (!IsVisible(**keys, state)) return true;
        v1::JournalEntry e = Present(state, id);
        std::string key = NewestFirstKey(FromProto(e.create_time()), ToHex(id));
        pager->Add(std::move(key), std::move(e));
        return true;
      });
  if (!s.ok()) return ToGrpc(s);
  response->set_next_page_token(pager->Finish(response->mutable_journal_entries()));
  return grpc::Status::OK;
}

grpc::Status JournalServiceImpl::UpdateJournalEntry(grpc::ServerContext*,
                                                    const v1::UpdateJournalEntryRequest* request,
                                                    v1::JournalEntry* response) {
  auto keys = ctx_.vault->Keys();
  if (!keys.ok()) return ToGrpc(keys.status());
  const std::string& name = request->journal_entry().name();
  auto id = ParseName("journal_entry.name", name, kJournalEntries);
  if (!id.ok()) return ToGrpc(id.status());
  auto fields = MaskToFields(request->update_mask(), v1::JournalEntry::descriptor(), kUpdatable);
  if (!fields.ok()) return ToGrpc(fields.status());
  v1::JournalEntry changes = request->journal_entry();
  if (auto s = CheckJournalEntry("journal_entry", &changes, &*fields); !s.ok()) return ToGrpc(s);
  auto state = UpdateRecord(ctx_, **keys, Kind::kJournalEntry, *id, name, changes, *fields);
  if (!state.ok()) return ToGrpc(state.status());
  *response = Present(*state, *id);
  return grpc::Status::OK;
}

grpc::Status JournalServiceImpl::DeleteJournalEntry(grpc::ServerContext*,
                                                    const v1::DeleteJournalEntryRequest* request,
                                                    google::protobuf::Empty*) {
  auto keys = ctx_.vault->Keys();
  if (!keys.ok()) return ToGrpc(keys.status());
  auto id = ParseName("name", request->name(), kJournalEntries);
  if (!id.ok()) return ToGrpc(id.status());
  return ToGrpc(DeleteRecord(ctx_, **keys, Kind::kJournalEntry, *id, request->name()));
}

}  // namespace attune
