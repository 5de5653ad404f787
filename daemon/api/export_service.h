// attune.v1.ExportService: everything a person can read, taken out; their
// own records brought back from an export.
#ifndef ATTUNE_DAEMON_API_EXPORT_SERVICE_H_
#define ATTUNE_DAEMON_API_EXPORT_SERVICE_H_

#include "attune/v1/api.grpc.pb.h"
#include "daemon/records/resource.h"

namespace attune {

// The format an export names in its header.
inline constexpr char kExportFormat[] = "attune-export-1";

// Thread-safe; called on gRPC's threads.
class ExportServiceImpl final : public v1::ExportService::Service {
 public:
  explicit ExportServiceImpl(ServiceContext ctx) : ctx_(ctx) {}

  grpc::Status Export(grpc::ServerContext*, const v1::ExportRequest* request,
                      grpc::ServerWriter<v1::ExportPart>* writer) override;
  grpc::Status Import(grpc::ServerContext*, grpc::ServerReader<v1::ExportPart>* reader,
                      v1::ImportSummary* response) override;

 private:
  ServiceContext ctx_;
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_API_EXPORT_SERVICE_H_
