// The write front: serves the two calls that write one record and are
// made most often, CreateJournalEntry and CreateCheckIn, on gRPC's async
// API from one thread of its own, which gathers the writes that arrive
// together into one group commit.
//
// On gRPC's synchronous server each call held a thread from request to
// reply: it planned its write, queued it for the group commit, slept until
// a leader had made the group durable, woke and replied, and gRPC's pollers
// passed the next request to another thread. Here the one thread takes
// every request that is there, plans each write and queues it
// (RecordStore::WriteAllAsync, Lead::kLater), and when none is left commits
// them together (CommitQueued): one append, one fdatasync, and every reply
// started from this thread. A reply is started only after the fdatasync
// that covers its write returned, as before.
//
// One thread, not several: with two, each took a share of the requests,
// groups were half as big and replies crossed threads; 16 clients writing
// check-ins cost attuned 0.19-0.23 ms of CPU per write with two and
// 0.14-0.17 ms with one (0.22-0.25 ms on the synchronous server).
// While the thread waits for the disk, requests wait in gRPC; every other
// method, reads included, stays on the synchronous server's threads.
//
// Threads:
// - The write thread takes requests, plans and commits, and finishes calls.
//   A replace of a check-in takes CheckInWriteMutex, which must be let go
//   on the thread that took it, so the write thread waits for that write's
//   own commit (WriteCheckInAsync).
// - Any other thread that commits a group holding a queued write (a
//   synchronous handler or background writer that led it) starts that
//   call's reply: ServerAsyncResponseWriter::Finish may be called from any
//   thread, and a call is touched by one thread at a time.
// - The daemon's thread calls AddTo, Start and Stop, in that order.
#ifndef ATTUNE_DAEMON_API_WRITE_FRONT_H_
#define ATTUNE_DAEMON_API_WRITE_FRONT_H_

#include <grpcpp/server_builder.h>

#include <memory>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "daemon/api/checkin_service.h"
#include "daemon/api/journal_service.h"
#include "daemon/records/resource.h"

namespace attune {

class WriteFront {
 public:
  // `ctx`, `journal` and `checkins` must outlive this; the server must be
  // destroyed before it.
  WriteFront(ServiceContext ctx, JournalServiceImpl* journal, CheckInServiceImpl* checkins)
      : ctx_(std::move(ctx)), journal_(journal), checkins_(checkins) {}
  // Stops, if Stop was not called (the server must be shut down or never
  // started by then).
  ~WriteFront();
  WriteFront(const WriteFront&) = delete;
  WriteFront& operator=(const WriteFront&) = delete;

  // Before builder->BuildAndStart(), and after the two services are
  // registered: adds the completion queue.
  void AddTo(grpc::ServerBuilder* builder);
  // Once the server is started: asks for the first calls and starts the
  // queue's threads.
  void Start();
  // Once server->Shutdown() has returned: waits until every call is over
  // (a write in flight finishes, durable or refused, and its reply goes
  // out), shuts the queue down, drains it and joins the thread. Idempotent.
  void Stop();

  // One call being served; write_front.cc.
  class Call;

 private:
  static constexpr int kThreads = 1;

  // On a queue thread: what a tag taken from the queue says happened.
  void Run();
  // A call object made (asked for) and freed; called by Call.
  void Born();
  void Died();

  ServiceContext ctx_;
  JournalServiceImpl* const journal_;
  CheckInServiceImpl* const checkins_;
  std::unique_ptr<grpc::ServerCompletionQueue> cq_;
  std::thread thread_;
  bool stopped_ = false;

  absl::Mutex mu_;
  // Call objects not yet freed: asked for, being served, or replied to.
  int calls_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_API_WRITE_FRONT_H_
