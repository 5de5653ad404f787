#include "daemon/sync/peer_transport.h"

#include <grpcpp/resource_quota.h>

namespace attune {

bool ServerStream::Read(v1::SyncMessage* m) {
  const bool read = stream_->Read(m);
  if (read && on_first_read_) {
    on_first_read_();
    on_first_read_ = nullptr;
  }
  return read;
}

bool ClientStream::Write(const v1::SyncMessage& m) {
  if (cancelled_) return false;
  if (!stream_->Write(m)) cancelled_ = true;
  return !cancelled_;
}

void ApplyPeerServerOptions(grpc::ServerBuilder& builder, int handshake_within_ms,
                            int streams_per_connection, int max_threads, size_t memory_bytes,
                            const char* quota_name) {
  builder.SetMaxReceiveMessageSize(kMaxPeerMessageBytes);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 5000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 0);
  builder.AddChannelArgument(GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS, handshake_within_ms);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, streams_per_connection);
  grpc::ResourceQuota quota(quota_name);
  quota.SetMaxThreads(max_threads);
  quota.Resize(memory_bytes);
  builder.SetResourceQuota(quota);
}

}  // namespace attune
