#include "workload.h"

#include "api_helpers.h"
#include "daemon_harness.h"

namespace attune::testing {
namespace {

constexpr auto kCallTimeout = std::chrono::seconds(20);

std::string Words(std::mt19937& rng, int n) {
  static const char* const kWords[] = {"quiet", "walk",   "river", "laughed", "tired",
                                       "close", "dinner", "late",  "kind",    "rain",
                                       "talk",  "plans",  "slow",  "warm",    "morning"};
  std::string out;
  for (int i = 0; i < n; ++i) {
    if (i > 0) out += " ";
    out += kWords[rng() % (sizeof kWords / sizeof kWords[0])];
  }
  return out;
}

}  // namespace

std::string DaemonWork::NextDay() { return AddDays(UtcToday(), -1 - days_back_++); }

std::string DaemonWork::GoalForProgress() {
  std::lock_guard<std::mutex> lock(mu_);
  if (goal_.empty() || goal_attempts_ >= kProgressPerGoal) return "";
  ++goal_attempts_;
  return goal_;
}

void DaemonWork::SetGoal(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  goal_ = name;
  goal_attempts_ = 0;
}

Writer::Writer(DaemonWork* work, const std::string& socket_path, ExpectedState* expected,
               uint32_t seed, WriteMix mix)
    : work_(work), expected_(expected), mix_(mix), rng_(seed) {
  channel_ = DaemonHarness::MakeChannel(socket_path);
  checkins_ = v1::CheckInService::NewStub(channel_);
  journal_ = v1::JournalService::NewStub(channel_);
  goals_ = v1::GoalService::NewStub(channel_);
}

Writer::~Writer() { Stop(); }

void Writer::Start(uint64_t limit) {
  Stop();
  stop_ = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    running_ = true;
  }
  thread_ = std::thread([this, limit] { Loop(limit); });
}

void Writer::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

uint64_t Writer::acks() {
  std::lock_guard<std::mutex> lock(mu_);
  return acks_;
}

bool Writer::AwaitAcks(uint64_t n, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return acks_ >= n || !running_; });
  return acks_ >= n;
}

std::string Writer::unexpected_failure() {
  std::lock_guard<std::mutex> lock(mu_);
  return unexpected_;
}

std::unique_ptr<grpc::ClientContext> Writer::Context() {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + kCallTimeout);
  return ctx;
}

void Writer::Loop(uint64_t limit) {
  while (!stop_ && (limit == 0 || acks() < limit)) {
    grpc::Status s = WriteOne();
    if (s.ok()) continue;
    if (failures_expected_) break;
    std::lock_guard<std::mutex> lock(mu_);
    if (unexpected_.empty()) unexpected_ = Describe(s);
    break;
  }
  std::lock_guard<std::mutex> lock(mu_);
  running_ = false;
  cv_.notify_all();
}

grpc::Status Writer::WriteOne() {
  const std::string& label = work_->label();
  int total = mix_.check_ins + mix_.shared_journal + mix_.private_journal + mix_.progress;
  int pick = static_cast<int>(rng_() % static_cast<uint32_t>(total));
  const std::string tag =
      label + "-" + std::to_string(written_++) + "-" + std::to_string(rng_() % 1000000);
  auto acked = [&](WriteKind kind, const google::protobuf::Message& record) {
    expected_->Record(label, kind, record);
    std::lock_guard<std::mutex> lock(mu_);
    ++acks_;
    cv_.notify_all();
  };

  if ((pick -= mix_.check_ins) < 0) {
    v1::CreateCheckInRequest req;
    v1::CheckIn* c = req.mutable_check_in();
    c->set_day(work_->NextDay());
    c->set_time_zone("UTC");
    c->set_high("high " + tag + ": " + Words(rng_, 6));
    c->set_low("low " + tag + ": " + Words(rng_, 5));
    c->set_note(rng_() % 2 ? Words(rng_, 8) : "");
    c->set_connection_rating(1 + static_cast<int>(rng_() % 5));
    c->set_visibility(v1::VISIBILITY_SHARED);
    req.set_replace(true);  // a day is written once, unless a restart repeats it
    v1::CheckIn out;
    grpc::Status s = checkins_->CreateCheckIn(Context().get(), req, &out);
    if (s.ok()) acked(WriteKind::kCheckIn, out);
    return s;
  }
  if ((pick -= mix_.shared_journal + mix_.private_journal) < 0) {
    v1::CreateJournalEntryRequest req;
    v1::JournalEntry* e = req.mutable_journal_entry();
    e->set_title("entry " + tag);
    e->set_body(Words(rng_, 20 + static_cast<int>(rng_() % 60)));
    e->set_visibility(pick < -mix_.private_journal ? v1::VISIBILITY_SHARED
                                                   : v1::VISIBILITY_PRIVATE);
    v1::JournalEntry out;
    grpc::Status s = journal_->CreateJournalEntry(Context().get(), req, &out);
    if (s.ok()) acked(WriteKind::kJournalEntry, out);
    return s;
  }
  std::string goal = work_->GoalForProgress();
  if (goal.empty()) {
    v1::CreateGoalRequest req;
    v1::Goal* g = req.mutable_goal();
    g->set_title("goal " + tag);
    g->set_target_per_period(1);
    g->set_period(v1::GOAL_PERIOD_DAY);
    g->set_periods(60);
    g->set_start_day(AddDays(UtcToday(), -30));
    g->set_time_zone("UTC");
    g->set_visibility(v1::VISIBILITY_SHARED);
    v1::Goal out;
    grpc::Status s = goals_->CreateGoal(Context().get(), req, &out);
    if (!s.ok()) return s;
    acked(WriteKind::kGoal, out);
    work_->SetGoal(out.name());
    goal = work_->GoalForProgress();
  }
  v1::LogProgressRequest req;
  req.set_parent(goal);
  req.mutable_progress()->set_day(AddDays(UtcToday(), -static_cast<int>(rng_() % 30)));
  req.mutable_progress()->set_note("progress " + tag);
  v1::GoalProgress out;
  grpc::Status s = goals_->LogProgress(Context().get(), req, &out);
  if (s.ok()) acked(WriteKind::kGoalProgress, out);
  return s;
}

}  // namespace attune::testing
