// EventService (api.proto): each Watch is a reactor on gRPC's callback API
// that replays what the client missed from the EventHub, then follows the hub
// live. An idle watcher holds no thread and is woken only by new events.
#ifndef ATTUNE_DAEMON_API_EVENT_SERVICE_H_
#define ATTUNE_DAEMON_API_EVENT_SERVICE_H_

#include "attune/v1/api.grpc.pb.h"
#include "daemon/store/event_hub.h"
#include "daemon/vault/vault.h"

namespace attune {

class EventServiceImpl final : public v1::EventService::CallbackService {
 public:
  // `hub` and `vault` must outlive every call; close the hub before the
  // server shuts down, so that open watches end with UNAVAILABLE.
  EventServiceImpl(EventHub* hub, const Vault* vault) : hub_(hub), vault_(vault) {}

  grpc::ServerWriteReactor<v1::Event>* Watch(grpc::CallbackServerContext* context,
                                             const v1::WatchRequest* request) override;

 private:
  EventHub* const hub_;
  const Vault* const vault_;
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_API_EVENT_SERVICE_H_
