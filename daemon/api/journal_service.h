// attune.v1.JournalService: a person's reflections, private unless shared.
#ifndef ATTUNE_DAEMON_API_JOURNAL_SERVICE_H_
#define ATTUNE_DAEMON_API_JOURNAL_SERVICE_H_

#include <memory>

#include "absl/functional/any_invocable.h"
#include "attune/v1/api.grpc.pb.h"
#include "daemon/records/resource.h"

namespace attune {

// What CreateJournalEntry does, for a server that replies from wherever the
// write is made durable (api/write_front.h): checks `entry` (INVALID_ARGUMENT
// naming the field, nothing stored), writes it as a new entry of the
// person of `keys`, and gives `done` the stored entry or the error,
// exactly once, on this thread or on the thread that commits the write
// (RecordStore::WriteAllAsync). `ctx` must outlive `done`.
// `lead` as for WriteAllAsync.
void CreateJournalEntryAsync(const ServiceContext* ctx, std::shared_ptr<const KeySet> keys,
                             v1::JournalEntry entry,
                             absl::AnyInvocable<void(absl::StatusOr<v1::JournalEntry>)> done,
                             RecordStore::Lead lead = RecordStore::Lead::kNow);

// Thread-safe; called on gRPC's threads. CreateJournalEntry is served by
// the write front (api/write_front.h), with CreateJournalEntryAsync.
class JournalServiceImpl final
    : public v1::JournalService::WithAsyncMethod_CreateJournalEntry<v1::JournalService::Service> {
 public:
  explicit JournalServiceImpl(ServiceContext ctx) : ctx_(ctx) {}

  grpc::Status GetJournalEntry(grpc::ServerContext*, const v1::GetJournalEntryRequest* request,
                               v1::JournalEntry* response) override;
  grpc::Status ListJournalEntries(grpc::ServerContext*,
                                  const v1::ListJournalEntriesRequest* request,
                                  v1::ListJournalEntriesResponse* response) override;
  grpc::Status UpdateJournalEntry(grpc::ServerContext*,
                                  const v1::UpdateJournalEntryRequest* request,
                                  v1::JournalEntry* response) override;
  grpc::Status BatchCreateJournalEntries(grpc::ServerContext*,
                                         const v1::BatchCreateJournalEntriesRequest* request,
                                         v1::BatchCreateJournalEntriesResponse* response) override;
  grpc::Status DeleteJournalEntry(grpc::ServerContext*,
                                  const v1::DeleteJournalEntryRequest* request,
                                  google::protobuf::Empty* response) override;

 private:
  ServiceContext ctx_;
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_API_JOURNAL_SERVICE_H_
