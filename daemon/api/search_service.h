// attune.v1.SearchService: words in what this device can read, from the
// in-memory index that search/search_indexer.h keeps.
#ifndef ATTUNE_DAEMON_API_SEARCH_SERVICE_H_
#define ATTUNE_DAEMON_API_SEARCH_SERVICE_H_

#include "attune/v1/api.grpc.pb.h"
#include "daemon/search/search_indexer.h"

namespace attune {

// Thread-safe; called on gRPC's threads.
class SearchServiceImpl final : public v1::SearchService::Service {
 public:
  // `indexer` must outlive this.
  explicit SearchServiceImpl(SearchIndexer* indexer) : indexer_(indexer) {}

  grpc::Status Search(grpc::ServerContext*, const v1::SearchRequest* request,
                      v1::SearchResponse* response) override;

 private:
  SearchIndexer* const indexer_;
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_API_SEARCH_SERVICE_H_
