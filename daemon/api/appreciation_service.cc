#include "daemon/api/appreciation_service.h"

#include "common/grpc_status.h"
#include "daemon/api/paging.h"
#include "daemon/base/hex.h"
#include "daemon/records/record_ops.h"
#include "daemon/records/validation.h"

namespace attune {
namespace {

v1::Appreciation Present(const v1::RecordState& state, std::string_view id) {
  v1::Appreciation a = state.record().appreciation();
  a.set_name(MakeName(kAppreciations, id));
  return a;
}

}  // namespace

grpc::Status AppreciationServiceImpl::ListAppreciations(grpc::ServerContext*,
                                                        const v1::ListAppreciationsRequest* request,
                                                        v1::ListAppreciationsResponse* response) {
  auto keys = ctx_.vault->Keys();
  if (!keys.ok()) return ToGrpc(keys.status());
  auto pager = Pager<v1::Appreciation>::Make(request->page_token(), request->page_size(), 50);
  if (!pager.ok()) return ToGrpc(pager.status());
  auto s = ctx_.store->ForEach(
      **keys, Kind::kAppreciation, [&](std::string_view id, const v1::RecordState& state) {
        // A partner's private appreciation never reaches this device; a
        // check here as well keeps the rule in one place with the others.
        if (!IsVisible(**keys, state)) return true;
        v1::Appreciation a = Present(state, id);
        std::string key = NewestFirstKey(FromProto(a.create_time()), ToHex(id));
        pager->Add(std::move(key), std::move(a));
        return true;
      });
  if (!s.ok()) return ToGrpc(s);
  response->set_next_page_token(pager->Finish(response->mutable_appreciations()));
  return grpc::Status::OK;
}

grpc::Status AppreciationServiceImpl::GetAppreciation(grpc::ServerContext*,
                                                      const v1::GetAppreciationRequest* request,
                                                      v1::Appreciation* response) {
  auto keys = ctx_.vault->Keys();
  if (!keys.ok()) return ToGrpc(keys.status());
  auto id = ParseName("name", request->name(), kAppreciations);
  if (!id.ok()) return ToGrpc(id.status());
  auto state = GetLiveRecord(ctx_, **keys, Kind::kAppreciation, *id, request->name());
  if (!state.ok()) return ToGrpc(state.status());
  *response = Present(*state, *id);
  return grpc::Status::OK;
}

}  // namespace attune
