#include "daemon/api/search_service.h"

#include <algorithm>
#include <functional>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/grpc_status.h"

namespace attune {
namespace {

constexpr int kDefaultPageSize = 20;
constexpr int kMaxPageSize = 100;

// A page token: where the next page starts, and which search it belongs to
// (so that a token is not taken for another query's).
std::string SearchKey(const v1::SearchRequest& request) {
  return absl::StrCat(std::hash<std::string>{}(absl::StrCat(request.query(), "\n",
                                                            absl::StrJoin(request.kinds(), ","))) &
                      0xffffffff);
}

absl::StatusOr<int> OffsetOf(const v1::SearchRequest& request) {
  if (request.page_token().empty()) return 0;
  const std::string& token = request.page_token();
  const size_t dot = token.find('.');
  int offset = 0;
  if (dot == std::string::npos || !absl::SimpleAtoi(token.substr(0, dot), &offset) || offset < 0 ||
      token.substr(dot + 1) != SearchKey(request)) {
    return absl::InvalidArgumentError(
        "page_token: not a token this search gave (the query or kinds changed?)");
  }
  return offset;
}

}  // namespace

grpc::Status SearchServiceImpl::Search(grpc::ServerContext*, const v1::SearchRequest* request,
                                       v1::SearchResponse* response) {
  if (request->page_size() < 0) {
    return ToGrpc(absl::InvalidArgumentError("page_size: must not be negative"));
  }
  const int page_size =
      request->page_size() == 0 ? kDefaultPageSize : std::min(request->page_size(), kMaxPageSize);
  std::vector<std::string> kinds;
  for (const std::string& kind : request->kinds()) {
    if (std::find(std::begin(kSearchedKinds), std::end(kSearchedKinds), kind) ==
        std::end(kSearchedKinds)) {
      return ToGrpc(absl::InvalidArgumentError(
          absl::StrCat("kinds: \"", kind,
                       "\" is not a kind search covers (journal_entry, check_in, appreciation)")));
    }
    if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) kinds.push_back(kind);
  }
  auto offset = OffsetOf(*request);
  if (!offset.ok()) return ToGrpc(offset.status());
  // One more than asked for: whether there is a next page.
  auto hits = indexer_->Search(request->query(), kinds, *offset, page_size + 1);
  if (!hits.ok()) return ToGrpc(hits.status());
  for (int i = 0; i < std::min<int>(page_size, hits->size()); ++i) {
    SearchIndex::Hit& hit = (*hits)[i];
    v1::SearchResult* r = response->add_results();
    r->set_name(std::move(hit.doc.name));
    r->set_kind(std::move(hit.doc.kind));
    r->set_author(std::move(hit.doc.author));
    r->set_visibility(hit.doc.visibility);
    r->mutable_create_time()->set_seconds(hit.doc.create_seconds);
    r->mutable_create_time()->set_nanos(hit.doc.create_nanos);
    r->set_title(std::move(hit.doc.title));
    for (v1::SnippetPart& part : hit.snippet) *r->add_snippet() = std::move(part);
  }
  if (static_cast<int>(hits->size()) > page_size) {
    response->set_next_page_token(absl::StrCat(*offset + page_size, ".", SearchKey(*request)));
  }
  return grpc::Status::OK;
}

}  // namespace attune
