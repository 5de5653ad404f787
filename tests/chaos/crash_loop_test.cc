// Kills two paired daemons with SIGKILL at random moments — while they take
// writes, in the middle of the initial sync of a few thousand ops, and in
// the middle of an exercise session run by a plugin — and checks after every
// restart that the store opens, that every write acknowledged before the
// kill (kept in a fsync'd expected-state file) is there with its content,
// and that once both run the peers converge to the same state digest and
// version vector. Likewise with a third daemon, a linked device of one
// person, removed halfway (its remover killed right after) while it writes on.
//
// ctest runs 20 kills. `crash_loop_test --long` runs 300; ATTUNE_CRASH_KILLS=N
// runs N. The seed is fixed (ATTUNE_CRASH_SEED=S replays another one) and
// printed with every failure.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "acknowledged.h"
#include "api_helpers.h"
#include "daemon_harness.h"
#include "exercise_driver.h"
#include "expected_state.h"
#include "peers.h"
#include "sync_support.h"
#include "tests/support/test_keys.h"
#include "workload.h"

namespace attune::testing {
namespace {

constexpr int kCiKills = 20;
constexpr int kLongKills = 300;
constexpr uint32_t kDefaultSeed = 20261125;
// Ops A holds before B joins: B's initial sync.
constexpr int kInitialOps = 3000;
constexpr auto kConvergeTimeout = std::chrono::seconds(120);

struct RunConfig {
  int kills = kCiKills;
  uint32_t seed = kDefaultSeed;
};
RunConfig g_config;

class CrashLoopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    rng_.seed(g_config.seed);
    std::cout << "[ crash loop ] seed " << g_config.seed << ", " << g_config.kills
              << " kills (replay: ATTUNE_CRASH_SEED=" << g_config.seed
              << " ATTUNE_CRASH_KILLS=" << g_config.kills << ")" << std::endl;
    flags_ = PeerFlags({"--plugins-dir", ATTUNE_BUILTIN_PLUGINS_DIR, "--plugin-idle-timeout", "600",
                        "--plugin-restart-backoff", "0.05"});
    ASSERT_TRUE(StartPeerWith(a_, "Alex", flags_));
    ASSERT_TRUE(StartPeerWith(b_, "Sam", flags_));
  }

  uint32_t Seed() { return static_cast<uint32_t>(rng_()); }
  int Uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

  DaemonHarness& daemon(int i) { return i == 0 ? a_ : b_; }
  DaemonWork& work(int i) { return i == 0 ? work_a_ : work_b_; }

  // Writers on both daemons.
  void StartWriters() {
    for (int i = 0; i < 2; ++i) {
      writers_[i] = std::make_unique<Writer>(&work(i), daemon(i).socket_path(), &expected_, Seed());
      writers_[i]->Start();
    }
  }
  void StopWriters() {
    for (auto& w : writers_) {
      if (w == nullptr) continue;
      w->Stop();
      EXPECT_EQ(w->unexpected_failure(), "") << "a write failed while its daemon ran";
      w.reset();
    }
  }

  // SIGKILL: writes to the victims may fail from now on.
  void Kill(const std::vector<int>& victims, const std::string& when) {
    for (int v : victims) {
      if (writers_[v] != nullptr) writers_[v]->ExpectFailures();
    }
    for (int v : victims) daemon(v).Kill();
    ++kills_;
    std::cout << "[ crash loop ] kill " << kills_ << " of "
              << (victims.size() == 2 ? "A and B"
                  : victims[0] == 0   ? "A"
                                      : "B")
              << " " << when << std::endl;
  }

  // Stops the writers, then restarts the victims: each store opens, and
  // each daemon shows every write it acknowledged.
  void Restart(const std::vector<int>& victims, const std::string& when) {
    StopWriters();
    for (int v : victims) {
      ASSERT_TRUE(RestartPeer(daemon(v), flags_)) << "after kill " << kills_;
      auto writes = ExpectedState::Load(expected_.path());
      ASSERT_TRUE(ShowsAcknowledged(daemon(v), work(v).label(), writes, Scope::kOwn))
          << "after kill " << kills_ << " (" << when << ")";
    }
  }

  void KillAndRestart(const std::vector<int>& victims, const std::string& when) {
    Kill(victims, when);
    Restart(victims, when);
  }

  // Both peers agree, and both show every acknowledged write in scope.
  void ExpectConverged() {
    ASSERT_TRUE(AwaitConvergence({&a_, &b_}, kConvergeTimeout)) << "after kill " << kills_;
    auto writes = ExpectedState::Load(expected_.path());
    for (int i = 0; i < 2; ++i) {
      ASSERT_TRUE(ShowsAcknowledged(daemon(i), work(i).label(), writes, Scope::kAll))
          << "after kill " << kills_;
    }
  }

  // Waits (polling B's sync status) until B holds at least `ops` shared ops;
  // returns how many it held then.
  uint64_t AwaitSyncedOps(uint64_t ops) {
    uint64_t held = 0;
    Await(
        [&] {
          v1::SyncStatus status;
          if (!GetSyncStatus(b_, &status).ok()) return false;
          held = status.shared_ops();
          return held >= ops;
        },
        std::chrono::seconds(60));
    return held;
  }

  // Runs an appreciation session on daemon `v` and kills it during the
  // session: before, during or after the answer to a random step.
  void KillDuringSession(int v) {
    DaemonHarness& d = daemon(v);
    ExerciseDriver driver(DaemonHarness::MakeChannel(d.socket_path()), {});
    v1::StartSessionRequest request;
    request.set_exercise("appreciation");
    request.set_partner_name(v == 0 ? "Sam" : "Alex");
    v1::LiveSession live;
    ASSERT_OK(driver.Start(request, &live));
    const int answered = Uniform(0, 5);
    for (int i = 0; i < answered && !live.finished(); ++i) {
      v1::LiveSession next;
      ASSERT_OK(
          driver.Answer(live.name(), driver.AutoAnswer(live.step()), &next, live.step().key()));
      live = next;
    }
    std::string when;
    std::string unfinished;
    if (live.finished()) {
      expected_.Record(work(v).label(), WriteKind::kSession, live.record());
      when = "right after an exercise session finished";
      KillAndRestart({v}, when);
    } else {
      // The next answer is on its way while the daemon dies.
      grpc::Status status;
      v1::LiveSession next;
      std::thread answer([&] {
        status =
            driver.Answer(live.name(), driver.AutoAnswer(live.step()), &next, live.step().key());
      });
      std::this_thread::sleep_for(std::chrono::microseconds(Uniform(0, 4000)));
      when = "during the answer to step " + std::to_string(live.step_number()) +
             " of an exercise session";
      Kill({v}, when);
      answer.join();
      if (status.ok() && next.finished()) {
        expected_.Record(work(v).label(), WriteKind::kSession, next.record());
      } else {
        unfinished = live.name();
      }
      Restart({v}, when);
    }
    if (HasFatalFailure()) return;
    ExerciseDriver after(DaemonHarness::MakeChannel(d.socket_path()), {});
    if (!unfinished.empty()) {
      // The live session died with the daemon; the plugin starts afresh.
      v1::LiveSession gone;
      EXPECT_CODE(after.Answer(unfinished, Done(), &gone), grpc::StatusCode::NOT_FOUND);
    }
    auto run = after.RunSession(request);
    ASSERT_OK(run.status);
    ASSERT_TRUE(run.last.finished());
    expected_.Record(work(v).label(), WriteKind::kSession, run.last.record());
  }

  std::mt19937 rng_;
  std::vector<std::string> flags_;
  TempDir dir_;
  ExpectedState expected_{dir_.path() + "/expected-state"};
  DaemonHarness a_, b_;
  DaemonWork work_a_{"A"}, work_b_{"B"};
  std::unique_ptr<Writer> writers_[2];
  int kills_ = 0;
};

TEST_F(CrashLoopTest, AcknowledgedWritesSurviveKillsAndPeersConverge) {
  SCOPED_TRACE("seed " + std::to_string(g_config.seed) + " (ATTUNE_CRASH_SEED)");
  // A writes a few thousand ops alone; B a few of its own before pairing.
  {
    std::vector<std::unique_ptr<Writer>> seeders;
    for (int i = 0; i < 4; ++i) {
      seeders.push_back(std::make_unique<Writer>(&work_a_, a_.socket_path(), &expected_, Seed()));
      seeders.back()->Start(kInitialOps / 4);
    }
    Writer b_writer(&work_b_, b_.socket_path(), &expected_, Seed());
    b_writer.Start(20);
    for (auto& s : seeders) {
      ASSERT_TRUE(s->AwaitAcks(kInitialOps / 4, std::chrono::minutes(5)))
          << s->unexpected_failure();
    }
    ASSERT_TRUE(b_writer.AwaitAcks(20, std::chrono::minutes(1))) << b_writer.unexpected_failure();
  }
  // Once in sync, B holds the shared ops of both.
  v1::SyncStatus a_status, b_alone;
  ASSERT_OK(GetSyncStatus(a_, &a_status));
  ASSERT_OK(GetSyncStatus(b_, &b_alone));
  const uint64_t total = a_status.shared_ops() + b_alone.shared_ops();

  // B joins: its initial sync is cut twice, once on each side.
  ASSERT_TRUE(Pair(a_, b_));
  auto during = [&](const std::string& who, uint64_t held) {
    return held < total ? "(" + who + ") with " + std::to_string(held) + " of " +
                              std::to_string(total) + " ops on B, during its initial sync"
                        : "(" + who + ") after B's initial sync (missed the window)";
  };
  uint64_t held = AwaitSyncedOps(total * static_cast<uint64_t>(Uniform(10, 60)) / 100);
  KillAndRestart({1}, during("B", held));
  ASSERT_FALSE(HasFatalFailure());
  v1::SyncStatus b_status;
  ASSERT_OK(GetSyncStatus(b_, &b_status));
  const uint64_t now = std::min(total, b_status.shared_ops());
  held = AwaitSyncedOps(now + (total - now) * static_cast<uint64_t>(Uniform(20, 80)) / 100);
  KillAndRestart({0}, during("A", held));
  ASSERT_FALSE(HasFatalFailure());
  ExpectConverged();
  ASSERT_FALSE(HasFatalFailure());

  // Then kills while both write, some during exercise sessions.
  while (kills_ < g_config.kills) {
    const int pick = Uniform(0, 19);
    std::vector<int> victims = pick < 9    ? std::vector<int>{0}
                               : pick < 18 ? std::vector<int>{1}
                                           : std::vector<int>{0, 1};
    StartWriters();
    if (victims.size() == 1 && Uniform(0, 3) == 0) {
      KillDuringSession(victims[0]);
    } else {
      const uint64_t acks = static_cast<uint64_t>(Uniform(1, 30));
      ASSERT_TRUE(writers_[victims[0]]->AwaitAcks(acks, std::chrono::seconds(60)))
          << writers_[victims[0]]->unexpected_failure();
      // A random moment within the next write or two.
      std::this_thread::sleep_for(std::chrono::microseconds(Uniform(0, 3000)));
      KillAndRestart(victims, "after " + std::to_string(acks) + " acknowledged writes");
    }
    ASSERT_FALSE(HasFatalFailure());
    StopWriters();
    ExpectConverged();
    ASSERT_FALSE(HasFatalFailure());
  }
  std::cout << "[ crash loop ] " << expected_.count() << " acknowledged writes checked"
            << std::endl;
}

// Alex's laptop (A) and phone (A2, linked to it) and Sam's laptop (B), one
// of them killed with SIGKILL at a random moment while all three write;
// after every restart it shows what it acknowledged, and once all run they
// agree, each person's private writes on that person's devices only. Then
// A removes the phone and is killed as soon as the removal is acknowledged:
// restarted, it still has removed it. The phone writes on while A and B are
// killed a few times more; nothing it writes after its removal shows on A or
// B, and they agree on everything else.
TEST_F(CrashLoopTest, LinkedDevicesKilledWhileWritingAndARemovalThatSurvivesAKill) {
  SCOPED_TRACE("seed " + std::to_string(g_config.seed) + " (ATTUNE_CRASH_SEED)");
  DaemonHarness phone;
  ASSERT_TRUE(StartPeerToLink(phone, "Alex's phone", flags_));
  ASSERT_TRUE(Pair(a_, b_));
  ASSERT_TRUE(Pair(a_, phone, /*own_device=*/true));
  DaemonWork phone_work("A2", /*first_day_back=*/6000);  // one person's check-in days apart
  std::vector<DaemonHarness*> all = {&a_, &b_, &phone};
  std::vector<DaemonWork*> works = {&work_a_, &work_b_, &phone_work};
  Audience audience;
  audience.person = {{"A", "Alex"}, {"A2", "Alex"}, {"B", "Sam"}};
  auto shows_all = [&](size_t n, const std::vector<AckedWrite>& writes) {
    ::testing::AssertionResult last = ::testing::AssertionFailure();
    Await(
        [&] {
          last = ShowsAcknowledged(*all[n], works[n]->label(), writes, Scope::kAll, audience);
          return static_cast<bool>(last);
        },
        kConvergeTimeout);
    return last;
  };
  // Kills one of `victims` while every daemon in `writing` writes, restarts it, checks it.
  auto kill_one = [&](const std::vector<size_t>& writing, const std::vector<size_t>& victims) {
    std::vector<std::unique_ptr<Writer>> writers(all.size());
    for (size_t i : writing) {
      writers[i] = std::make_unique<Writer>(works[i], all[i]->socket_path(), &expected_, Seed());
      writers[i]->Start();
    }
    const size_t v = victims[static_cast<size_t>(Uniform(0, static_cast<int>(victims.size()) - 1))];
    const uint64_t acks = static_cast<uint64_t>(Uniform(1, 30));
    ASSERT_TRUE(writers[v]->AwaitAcks(acks, std::chrono::seconds(60)))
        << writers[v]->unexpected_failure();
    std::this_thread::sleep_for(std::chrono::microseconds(Uniform(0, 3000)));
    writers[v]->ExpectFailures();
    all[v]->Kill();
    ++kills_;
    std::cout << "[ crash loop ] kill " << kills_ << " of " << works[v]->label() << " after "
              << acks << " acknowledged writes" << std::endl;
    for (auto& w : writers) {
      if (w == nullptr) continue;
      w->Stop();
      EXPECT_EQ(w->unexpected_failure(), "") << "a write failed while its daemon ran";
    }
    ASSERT_TRUE(RestartPeer(*all[v], flags_)) << "after kill " << kills_;
    ASSERT_TRUE(ShowsAcknowledged(*all[v], works[v]->label(), ExpectedState::Load(expected_.path()),
                                  Scope::kOwn))
        << "after kill " << kills_;
  };

  const int rounds = std::max(6, g_config.kills / 3);
  for (int round = 0; round < rounds; ++round) {
    kill_one({0, 1, 2}, {0, 1, 2});
    ASSERT_FALSE(HasFatalFailure());
    ASSERT_TRUE(AwaitConvergence(all, kConvergeTimeout)) << "after kill " << kills_;
    auto writes = ExpectedState::Load(expected_.path());
    for (size_t i = 0; i < all.size(); ++i)
      ASSERT_TRUE(shows_all(i, writes)) << "after kill " << kills_;
  }

  // The phone is lost: A removes it, and dies right after saying so.
  v1::VaultStatus phone_status;
  ASSERT_OK(phone.GetStatus(&phone_status));
  v1::RemoveDeviceRequest remove;
  remove.set_device_id(phone_status.device_id());
  v1::RemoveDeviceResponse removed;
  ASSERT_OK(v1::SpaceService::NewStub(a_.channel())
                ->RemoveDevice(DaemonHarness::Context().get(), remove, &removed));
  a_.Kill();
  ++kills_;
  ASSERT_TRUE(RestartPeer(a_, flags_));
  v1::ListMembersResponse members;
  ASSERT_OK(v1::SpaceService::NewStub(a_.channel())
                ->ListMembers(DaemonHarness::Context().get(), v1::ListMembersRequest(), &members));
  ASSERT_EQ(members.removed_size(), 1) << members.ShortDebugString();
  EXPECT_EQ(members.removed(0).device_id(), phone_status.device_id());

  // The phone writes on, under a label of its own; A and B are killed while they write.
  ExpectedState late(dir_.path() + "/after-removal");
  DaemonWork late_work("A2 after its removal", /*first_day_back=*/8000);
  Writer late_writer(&late_work, phone.socket_path(), &late, Seed());
  late_writer.Start(20);
  for (int round = 0; round < 3; ++round) {
    kill_one({0, 1}, {0, 1});
    ASSERT_FALSE(HasFatalFailure());
  }
  ASSERT_TRUE(late_writer.AwaitAcks(20, std::chrono::seconds(60)))
      << late_writer.unexpected_failure();
  // A and B agree on every record. (The phone reaches B only through A, which
  // refuses its later ops on arrival; a member that took such ops before it
  // heard of the removal is sync_test's ConvergenceTest.)
  ASSERT_TRUE(AwaitSameRecords({&a_, &b_}, kConvergeTimeout));
  auto writes = ExpectedState::Load(expected_.path());
  for (const AckedWrite& w : ExpectedState::Load(late.path())) writes.push_back(w);
  audience.refused = {"A2 after its removal"};
  for (size_t i = 0; i < 2; ++i) EXPECT_TRUE(shows_all(i, writes));
  EXPECT_TRUE(ShowsAcknowledged(phone, "A2 after its removal", ExpectedState::Load(late.path()),
                                Scope::kOwn));
}

// A finished exercise session is stored as several writes: what the plugin
// returned (here an appreciation), progress on every goal that counts the
// exercise, then the session record. The API promises all or nothing. Kills
// during the last answer show whether a crash can leave a goal credited for a
// session that was never stored. (It did, within a few kills, until
// StoreFinishedSession committed everything in one RecordStore::WriteAll.)
TEST_F(CrashLoopTest, AFinishedSessionIsStoredWholeOrNotAtAll) {
  SCOPED_TRACE("seed " + std::to_string(g_config.seed) + " (ATTUNE_CRASH_SEED)");
  v1::CreateGoalRequest create;
  create.mutable_goal()->set_title("Appreciate each other daily");
  create.mutable_goal()->set_exercise("appreciation");
  create.mutable_goal()->set_target_per_period(1);
  create.mutable_goal()->set_period(v1::GOAL_PERIOD_DAY);
  create.mutable_goal()->set_periods(60);
  create.mutable_goal()->set_time_zone("UTC");
  v1::Goal goal;
  ASSERT_OK(a_.goals().CreateGoal(DaemonHarness::Context().get(), create, &goal));
  v1::StartSessionRequest request;
  request.set_exercise("appreciation");
  request.set_partner_name("Sam");
  for (int round = 0; round < g_config.kills; ++round) {
    ExerciseDriver driver(DaemonHarness::MakeChannel(a_.socket_path()), {});
    v1::LiveSession live;
    ASSERT_OK(driver.Start(request, &live));
    while (true) {
      v1::LiveSession next;
      ASSERT_OK(
          driver.Answer(live.name(), driver.AutoAnswer(live.step()), &next, live.step().key()));
      if (next.finished()) break;  // one step too far: start the next round
      live = next;
      if (live.step().key() == "receive") break;  // the last step: answer it below
    }
    if (live.step().key() != "receive") continue;
    std::thread answer([&] {
      v1::LiveSession done;
      (void)driver.Answer(live.name(), Done(), &done, live.step().key());
    });
    std::this_thread::sleep_for(std::chrono::microseconds(Uniform(0, 15000)));
    a_.Kill();
    answer.join();
    ASSERT_TRUE(RestartPeer(a_, flags_));
    v1::GetGoalStatusRequest status_request;
    status_request.set_name(goal.name());
    v1::GoalStatus status;
    ASSERT_OK(a_.goals().GetGoalStatus(DaemonHarness::Context().get(), status_request, &status));
    ExerciseDriver after(DaemonHarness::MakeChannel(a_.socket_path()), {});
    ASSERT_EQ(status.total_count(), static_cast<int>(after.Sessions("appreciation").size()))
        << "after " << round + 1 << " kills: the goal counts a session that was not stored";
  }
}

// Joining a space switches the joiner's vault to the new space and re-seals
// its own ops for it (PeerManager::Join), then takes the member list. Kills
// in the last milliseconds of JoinSpace show whether the joiner can still
// pair and sync afterwards. (It could not, when the vault was saved before
// the ops were re-sealed in a separate write: killed between the two, its
// ops stayed sealed under a key its vault no longer held. Now both are one
// write.)
TEST_F(CrashLoopTest, AJoinerKilledWhileJoiningCanStillPair) {
  SCOPED_TRACE("seed " + std::to_string(g_config.seed) + " (ATTUNE_CRASH_SEED)");
  auto join = [&](DaemonHarness& joiner, v1::JoinSpaceResponse* out) {
    v1::CreateInviteRequest invite_request;
    v1::Invite invite;
    grpc::Status s = v1::SpaceService::NewStub(a_.channel())
                         ->CreateInvite(DaemonHarness::Context().get(), invite_request, &invite);
    if (!s.ok()) return s;
    v1::JoinSpaceRequest request;
    request.set_code(invite.code());
    return v1::SpaceService::NewStub(DaemonHarness::MakeChannel(joiner.socket_path()))
        ->JoinSpace(DaemonHarness::Context(std::chrono::seconds(40)).get(), request, out);
  };
  // How long a whole JoinSpace takes here; the kills land in its last part.
  auto started = std::chrono::steady_clock::now();
  {
    v1::JoinSpaceResponse joined;
    ASSERT_OK(join(b_, &joined));
  }
  const int join_us = static_cast<int>(std::chrono::duration_cast<std::chrono::microseconds>(
                                           std::chrono::steady_clock::now() - started)
                                           .count());
  for (int round = 0; round < g_config.kills; ++round) {
    DaemonHarness joiner;
    DaemonWork work("J" + std::to_string(round));
    ASSERT_TRUE(StartPeerWith(joiner, work.label(), flags_));
    Writer writer(&work, joiner.socket_path(), &expected_, Seed());
    writer.Start(20);
    ASSERT_TRUE(writer.AwaitAcks(20, std::chrono::seconds(60)));
    writer.Stop();
    std::thread joining([&] {
      v1::JoinSpaceResponse joined;
      (void)join(joiner, &joined);
    });
    std::this_thread::sleep_for(std::chrono::microseconds(Uniform(join_us / 2, join_us + 5000)));
    joiner.Kill();
    joining.join();
    ASSERT_TRUE(RestartPeer(joiner, flags_));
    v1::ListMembersResponse members;
    ASSERT_OK(
        v1::SpaceService::NewStub(joiner.channel())
            ->ListMembers(DaemonHarness::Context().get(), v1::ListMembersRequest(), &members));
    if (members.members_size() < 2) {
      // The kill came before the join finished: pairing again must work.
      v1::JoinSpaceResponse joined;
      grpc::Status again = join(joiner, &joined);
      ASSERT_TRUE(again.ok()) << "round " << round
                              << ": the joiner cannot pair again: " << Describe(again);
    }
    ASSERT_TRUE(AwaitConvergence({&a_, &joiner}, std::chrono::seconds(60)))
        << "round " << round << " (members after the restart: " << members.members_size()
        << "); the joiner's log:\n"
        << joiner.AllStderr() << "\nA's log since its start:\n"
        << a_.StderrSinceStart();
  }
}

}  // namespace
}  // namespace attune::testing

int main(int argc, char** argv) {
  using attune::testing::g_config;
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (std::string(argv[i]) == "--long") {
      g_config.kills = attune::testing::kLongKills;
    } else {
      args.push_back(argv[i]);
    }
  }
  if (const char* kills = std::getenv("ATTUNE_CRASH_KILLS"); kills != nullptr && *kills) {
    g_config.kills = std::max(2, std::atoi(kills));
  }
  if (const char* seed = std::getenv("ATTUNE_CRASH_SEED"); seed != nullptr && *seed) {
    g_config.seed = static_cast<uint32_t>(std::strtoul(seed, nullptr, 10));
  }
  int count = static_cast<int>(args.size());
  args.push_back(nullptr);
  ::testing::InitGoogleTest(&count, args.data());
  return RUN_ALL_TESTS();
}
