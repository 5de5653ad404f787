#include "daemon/api/write_front.h"

#include <pthread.h>

#include <utility>

#include "common/grpc_status.h"

namespace attune {

// One call: asked for, then served, then replied to; freed when gRPC gives
// the reply's tag back. Its tag is the call itself.
class WriteFront::Call {
 public:
  // Counted from being asked for until freed (Stop waits for none left).
  explicit Call(WriteFront* front) : front_(front) { front_->Born(); }
  virtual ~Call() { front_->Died(); }
  // On a queue thread: the call's tag came back, `ok` as gRPC says.
  virtual void Proceed(bool ok) = 0;

 private:
  WriteFront* const front_;
};

namespace {

// A call of one unary write method of `Service`: `request` is the generated
// Request<Method> of its async form, `serve` what the method does (one of
// the *Async functions of journal_service.h and checkin_service.h).
template <typename Service, typename Request, typename Response>
class WriteCall final : public WriteFront::Call {
 public:
  using RequestFn = void (Service::*)(grpc::ServerContext*, Request*,
                                      grpc::ServerAsyncResponseWriter<Response>*,
                                      grpc::CompletionQueue*, grpc::ServerCompletionQueue*, void*);
  using Done = absl::AnyInvocable<void(absl::StatusOr<Response>)>;
  using ServeFn = void (*)(const ServiceContext*, std::shared_ptr<const KeySet>, const Request&,
                           Done);
  struct Method {
    WriteFront* front;
    const ServiceContext* ctx;
    Service* service;
    RequestFn request;
    ServeFn serve;
    grpc::ServerCompletionQueue* cq;
  };

  // Asks gRPC for the next call of the method. (After the server shut
  // down, gRPC gives the tag back at once, not ok.)
  explicit WriteCall(const Method& method) : Call(method.front), method_(method) {
    (method_.service->*method_.request)(&context_, &request_, &writer_, method_.cq, method_.cq,
                                        this);
  }

  void Proceed(bool ok) override {
    if (replying_ || !ok) {
      // The reply went out or the client is gone; or, not ok, the server
      // is shutting down and there is no call.
      delete this;
      return;
    }
    new WriteCall(method_);  // in place of this one, for the next call
    replying_ = true;
    auto keys = method_.ctx->vault->Keys();
    if (!keys.ok()) return Reply(keys.status());
    // From here another thread may reply and gRPC free this call: nothing
    // of it is touched after `serve` returns.
    method_.serve(method_.ctx, *std::move(keys), request_,
                  [this](absl::StatusOr<Response> result) { Reply(std::move(result)); });
  }

 private:
  void Reply(absl::StatusOr<Response> result) {
    if (!result.ok()) return writer_.FinishWithError(ToGrpc(result.status()), this);
    response_ = *std::move(result);
    writer_.Finish(response_, grpc::Status::OK, this);
  }

  const Method method_;
  grpc::ServerContext context_;
  Request request_;
  Response response_;
  grpc::ServerAsyncResponseWriter<Response> writer_{&context_};
  bool replying_ = false;
};

using JournalCall = WriteCall<JournalServiceImpl, v1::CreateJournalEntryRequest, v1::JournalEntry>;
using CheckInCall = WriteCall<CheckInServiceImpl, v1::CreateCheckInRequest, v1::CheckIn>;

// Calls asked for ahead per method, so that a burst of requests does not
// wait for each to be matched with the next ask.
constexpr int kAskedAhead = 8;
// At most this many tags are taken before the queued writes are committed,
// so that a steady stream of requests cannot hold the replies back.
constexpr int kMaxTakenPerGroup = 64;

}  // namespace

WriteFront::~WriteFront() { Stop(); }

void WriteFront::AddTo(grpc::ServerBuilder* builder) {
  // Not "frequently polled", like the event service's queue: gRPC's
  // synchronous threads keep polling the connections, and this queue
  // carries only the tags of its own calls.
  cq_ = builder->AddCompletionQueue(/*is_frequently_polled=*/false);
}

void WriteFront::Start() {
  // Asked for before the threads exist, so that a queue shut down at once
  // still finds them asked (and fails them).
  JournalCall::Method journal{
      this,
      &ctx_,
      journal_,
      &JournalServiceImpl::RequestCreateJournalEntry,
      [](const ServiceContext* ctx, std::shared_ptr<const KeySet> keys,
         const v1::CreateJournalEntryRequest& request, JournalCall::Done done) {
        CreateJournalEntryAsync(ctx, std::move(keys), request.journal_entry(), std::move(done),
                                RecordStore::Lead::kLater);
      },
      cq_.get()};
  CheckInCall::Method checkin{this,
                              &ctx_,
                              checkins_,
                              &CheckInServiceImpl::RequestCreateCheckIn,
                              [](const ServiceContext* ctx, std::shared_ptr<const KeySet> keys,
                                 const v1::CreateCheckInRequest& request, CheckInCall::Done done) {
                                WriteCheckInAsync(ctx, std::move(keys), request.check_in(),
                                                  request.replace(), std::move(done),
                                                  RecordStore::Lead::kLater);
                              },
                              cq_.get()};
  for (int i = 0; i < kAskedAhead; ++i) {
    new JournalCall(journal);
    new CheckInCall(checkin);
  }
  thread_ = std::thread([this] { Run(); });
  pthread_setname_np(thread_.native_handle(), "attuned-writes");
}

void WriteFront::Stop() {
  if (stopped_) return;
  stopped_ = true;
  if (cq_ == nullptr) return;
  {
    // The server is shut down, but its last tags may still be on the queue
    // (a request matched just before the shutdown cancelled it, asks that
    // it failed): the write thread takes them, commits what they queued and
    // frees every call once its reply went out. Only then may the queue be
    // shut down, since taking a request asks for the next call on it.
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](int* n) { return *n == 0; }, &calls_));
  }
  cq_->Shutdown();
  if (thread_.joinable()) {
    thread_.join();
  } else {
    Run();  // never started: drains the queue here
  }
}

void WriteFront::Run() {
  void* tag;
  bool ok;
  const gpr_timespec at_once = gpr_time_0(GPR_CLOCK_MONOTONIC);
  int taken = 0;
  while (true) {
    // Takes every tag that is there already, queueing the requests'
    // writes, then commits them as one group: one append and one
    // fdatasync for however many came together.
    if (taken < kMaxTakenPerGroup) {
      switch (cq_->AsyncNext(&tag, &ok, at_once)) {
        case grpc::CompletionQueue::GOT_EVENT:
          ++taken;
          static_cast<Call*>(tag)->Proceed(ok);
          continue;
        case grpc::CompletionQueue::SHUTDOWN:
          return;
        case grpc::CompletionQueue::TIMEOUT:
          break;
      }
    }
    taken = 0;
    ctx_.store->CommitQueued();
    if (!cq_->Next(&tag, &ok)) return;
    ++taken;
    static_cast<Call*>(tag)->Proceed(ok);
  }
}

void WriteFront::Born() {
  absl::MutexLock lock(&mu_);
  ++calls_;
}

void WriteFront::Died() {
  absl::MutexLock lock(&mu_);
  --calls_;
}

}  // namespace attune
