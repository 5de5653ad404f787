// The gRPC side of a peer sync stream, shared by attuned's peer port and the
// blind relay (attune-relay): MessageStream adapters over gRPC's stream
// types, and the server options every peer listener runs with.
#ifndef ATTUNE_DAEMON_SYNC_PEER_TRANSPORT_H_
#define ATTUNE_DAEMON_SYNC_PEER_TRANSPORT_H_

#include <grpcpp/server_builder.h>
#include <grpcpp/support/sync_stream.h>

#include <atomic>
#include <functional>

#include "attune/v1/sync.grpc.pb.h"
#include "daemon/sync/sync_session.h"

namespace attune {

// The largest message a peer may send (an OpBatch is at most 4 MiB).
inline constexpr int kMaxPeerMessageBytes = 8 << 20;

// The listener's side of Sync. `on_first_read` runs once, when the first
// message (the Hello) has arrived.
class ServerStream : public MessageStream {
 public:
  ServerStream(grpc::ServerContext* context,
               grpc::ServerReaderWriter<v1::SyncMessage, v1::SyncMessage>* stream,
               std::function<void()> on_first_read)
      : context_(context), stream_(stream), on_first_read_(std::move(on_first_read)) {}
  bool Read(v1::SyncMessage* m) override;
  bool Write(const v1::SyncMessage& m) override { return stream_->Write(m); }
  bool Cancelled() override { return context_->IsCancelled(); }

 private:
  grpc::ServerContext* context_;
  grpc::ServerReaderWriter<v1::SyncMessage, v1::SyncMessage>* stream_;
  std::function<void()> on_first_read_;  // only the reading thread touches it
};

// The dialer's side: after one failed write, every later one fails at once.
class ClientStream : public MessageStream {
 public:
  explicit ClientStream(grpc::ClientReaderWriter<v1::SyncMessage, v1::SyncMessage>* s)
      : stream_(s) {}
  bool Read(v1::SyncMessage* m) override { return stream_->Read(m); }
  bool Write(const v1::SyncMessage& m) override;
  bool Cancelled() override { return cancelled_; }

 private:
  grpc::ClientReaderWriter<v1::SyncMessage, v1::SyncMessage>* stream_;
  std::atomic<bool> cancelled_{false};
};

// What a peer listener allows: message size, pings without data (the
// dialers' keepalive), `handshake_within_ms` for TLS and HTTP/2,
// `streams_per_connection`, and a resource quota of `max_threads` and
// `memory_bytes`.
void ApplyPeerServerOptions(grpc::ServerBuilder& builder, int handshake_within_ms,
                            int streams_per_connection, int max_threads, size_t memory_bytes,
                            const char* quota_name);

}  // namespace attune

#endif  // ATTUNE_DAEMON_SYNC_PEER_TRANSPORT_H_
