// attune.v1.JournalService: a person's reflections, private unless shared.
#ifndef ATTUNE_DAEMON_API_JOURNAL_SERVICE_H_
#define ATTUNE_DAEMON_API_JOURNAL_SERVICE_H_

#include "attune/v1/api.grpc.pb.h"
#include "daemon/records/resource.h"

namespace attune {

// Thread-safe; called on gRPC's threads.
class JournalServiceImpl final : public v1::JournalService::Service {
 public:
  explicit JournalServiceImpl(ServiceContext ctx) : ctx_(ctx) {}

  grpc::Status CreateJournalEntry(grpc::ServerContext*,
                                  const v1::CreateJournalEntryRequest* request,
                                  v1::JournalEntry* response) override;
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
