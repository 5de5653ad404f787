// Property test of the merge through the real store: several replicas of one
// space write every record kind at random (concurrent edits of the same
// field, edits against deletes), and ops reach the others in random order,
// duplicated, with partitions that heal. Two replicas are linked devices of
// one person (Alex's laptop and phone) and also write private records,
// which travel between them only; the third is a partner. Afterwards every
// replica holds byte-identical shared views, the person's two devices
// identical views throughout, and no private op of one person ever passed
// the other's checks. Prints its seed; ATTUNE_SEED=N replays one.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <random>

#include "daemon/store/record_store.h"
#include "daemon/sync/membership.h"
#include "daemon/sync/op_checker.h"
#include "tests/support/test_keys.h"

namespace attune {
namespace {

// DbOptions with every other field at its default.
DbOptions DbAt(const std::string& path) {
  DbOptions options;
  options.path = path;
  return options;
}

using ::attune::testing::TempDir;

constexpr int kReplicas = 3;

struct Replica {
  TempDir dir;
  std::unique_ptr<Db> db;
  std::unique_ptr<RecordStore> store;
  std::unique_ptr<Membership> members;
  std::shared_ptr<KeySet> keys;
};

class ConvergenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* env = std::getenv("ATTUNE_SEED");
    seed_ = env != nullptr ? static_cast<uint32_t>(std::strtoul(env, nullptr, 10))
                           : std::random_device{}();
    rng_.seed(seed_);
    auto space = testing::NewKeys("space");
    std::vector<v1::MemberCert> certs;
    for (int i = 0; i < kReplicas; ++i) {
      auto& r = replicas_[i];
      r.keys = testing::KeysInSpace(*testing::NewKeys("r" + std::to_string(i)), space->space_id,
                                    space->space_key);
      // Replica 1 is another device of replica 0's person.
      if (i == 1) r.keys = testing::DeviceOfPerson(*replicas_[0].keys, *r.keys);
      auto db = Db::Open(DbAt(r.dir.path() + "/db"));
      ASSERT_TRUE(db.ok());
      r.db = std::move(*db);
      r.store = std::make_unique<RecordStore>(r.db.get(), &clock_);
      r.members = std::make_unique<Membership>(r.db.get());
      v1::MemberCertBody body;
      body.set_space_id(space->space_id);
      body.set_device(r.keys->device_public_key);
      body.set_member_id(r.keys->member_id);
      body.set_added_by(i == 0 ? r.keys->device_public_key : replicas_[0].keys->device_public_key);
      certs.push_back(SignMemberCert(body, i == 0 ? *r.keys : *replicas_[0].keys));
    }
    for (auto& r : replicas_) ASSERT_TRUE(r.members->Merge(r.keys->space_id, certs).ok());
  }

  static bool SamePerson(int a, int b) { return (a < 2) == (b < 2); }

  // A random write on replica `i` to one of a few shared records, or of
  // its person's few private ones (id[14] 'P', id[13] the person).
  void RandomWrite(int i) {
    Replica& r = replicas_[i];
    Mutation m;
    m.visibility = rng_() % 3 == 0 ? v1::VISIBILITY_PRIVATE : v1::VISIBILITY_SHARED;
    uint32_t kind = 1 + rng_() % 4;
    std::string id(16, '\0');
    id[15] = static_cast<char>(rng_() % 4);  // few ids: many collisions
    if (m.visibility == v1::VISIBILITY_PRIVATE) {
      id[14] = 'P';
      id[13] = static_cast<char>(i < 2 ? 0 : 1);
    }
    m.body.set_kind(kind);
    m.body.set_record_id(id);
    if (kind != static_cast<uint32_t>(Kind::kGoalProgress) && rng_() % 6 == 0) {
      m.body.set_tombstone(true);
    } else {
      std::string word = "w" + std::to_string(rng_() % 1000);
      v1::Record* rec = m.body.mutable_record();
      switch (static_cast<Kind>(kind)) {
        case Kind::kJournalEntry:
          rec->mutable_journal_entry()->set_title(word);
          rec->mutable_journal_entry()->set_body(word + " body");
          m.body.add_fields(rng_() % 2 ? 2 : 3);
          break;
        case Kind::kCheckIn:
          rec->mutable_check_in()->set_high(word);
          rec->mutable_check_in()->set_connection_rating(1 + rng_() % 5);
          m.body.add_fields(4);
          m.body.add_fields(7);
          break;
        case Kind::kGoal:
          rec->mutable_goal()->set_title(word);
          rec->mutable_goal()->set_archived(rng_() % 2);
          m.body.add_fields(rng_() % 2 ? 2 : 9);
          break;
        default:
          id[0] = static_cast<char>(i);  // progress ids are unique per writer
          id[1] = static_cast<char>(rng_());
          id[2] = static_cast<char>(rng_());
          m.body.set_record_id(id);
          rec->mutable_goal_progress()->set_note(word);
          m.body.add_fields(3);
      }
    }
    ASSERT_TRUE(r.store->Write(*r.keys, std::move(m)).ok());
  }

  // Delivers a random slice of each of `from`'s streams to `to`: possibly a
  // duplicate, possibly starting past a gap (refused), in random batch
  // sizes. Private streams too, as a modified sender would: the receiver's
  // checks must take them only between devices of one person.
  void Deliver(int from, int to) {
    Replica& a = replicas_[from];
    Replica& b = replicas_[to];
    const bool same_person = SamePerson(from, to);
    const std::string person = b.keys->member_id;
    for (v1::Visibility vis : {v1::VISIBILITY_SHARED, v1::VISIBILITY_PRIVATE}) {
      const bool shared = vis == v1::VISIBILITY_SHARED;
      auto vv = shared ? a.store->SharedVersionVector() : a.store->PrivateVersionVector();
      auto have = shared ? b.store->SharedVersionVector() : b.store->PrivateVersionVector();
      for (const auto& [device, seq] : vv) {
        uint64_t start = have[device] + 1;
        if (rng_() % 3 == 0 && start > 1) start -= 1 + rng_() % start / 2;  // duplicates
        if (rng_() % 5 == 0) start += 1;                                    // a gap
        auto raw = a.store->ReadOps(device, vis, start, 1 + rng_() % 8, 1 << 20);
        ASSERT_TRUE(raw.ok());
        std::vector<RecordStore::RemoteOp> ops;
        for (const std::string& bytes : *raw) {
          v1::Op op;
          ASSERT_TRUE(op.ParseFromString(bytes));
          auto checked = CheckIncomingOp(op, b.keys->space_id, *b.members, UINT64_MAX,
                                         same_person ? &person : nullptr);
          if (!shared && !same_person) {
            ASSERT_EQ(checked.status().code(), absl::StatusCode::kPermissionDenied)
                << "a private op of replica " << from << " passed replica " << to << "'s checks";
            continue;
          }
          ASSERT_TRUE(checked.ok()) << checked.status();
          ops.push_back(std::move(*checked));
        }
        std::shuffle(ops.begin(), ops.end(), rng_);  // out of order within a batch
        (void)b.store->Ingest(b.keys.get(), std::move(ops));
      }
    }
  }

  // A replica's views opened, with or without its person's private records.
  std::map<std::string, std::string> Views(int i, bool with_private) {
    auto views = replicas_[i].store->DumpViews(*replicas_[i].keys);
    EXPECT_TRUE(views.ok());
    if (!views.ok()) return {};
    if (!with_private) {
      std::erase_if(*views, [](const auto& entry) {
        const std::string& key = entry.first;
        return key.size() >= 16 && key[key.size() - 2] == 'P';
      });
    }
    return *views;
  }

  uint32_t seed_ = 0;
  std::mt19937 rng_;
  SystemClock clock_;
  Replica replicas_[kReplicas];
};

TEST_F(ConvergenceTest, ReplicasConvergeToIdenticalBytes) {
  SCOPED_TRACE(::testing::Message() << "seed " << seed_ << " (ATTUNE_SEED to replay)");
  for (int round = 0; round < 30; ++round) {
    // A partition: this round, one replica neither sends nor receives.
    int cut = rng_() % (kReplicas + 1);
    for (int w = 0; w < 6; ++w) RandomWrite(rng_() % kReplicas);
    for (int d = 0; d < 6; ++d) {
      int from = rng_() % kReplicas, to = rng_() % kReplicas;
      if (from == to || from == cut || to == cut) continue;
      Deliver(from, to);
    }
  }
  // Heal: deliver until nothing changes, along a line (0 -> 1 -> 2) both
  // ways, so ops also travel through a middle replica.
  for (int pass = 0; pass < 200; ++pass) {
    for (int i = 0; i + 1 < kReplicas; ++i) {
      Deliver(i, i + 1);
      Deliver(i + 1, i);
    }
    bool same =
        replicas_[1].store->PrivateVersionVector() == replicas_[0].store->PrivateVersionVector();
    for (int i = 1; i < kReplicas; ++i) {
      same &=
          replicas_[i].store->SharedVersionVector() == replicas_[0].store->SharedVersionVector();
    }
    if (same) break;
  }
  auto expected = replicas_[0].store->SharedVersionVector();
  for (int i = 1; i < kReplicas; ++i) {
    ASSERT_EQ(replicas_[i].store->SharedVersionVector(), expected) << "replica " << i;
  }
  // The person's two devices hold the same private streams, the partner only
  // its own.
  auto alex_private = replicas_[0].store->PrivateVersionVector();
  ASSERT_EQ(replicas_[1].store->PrivateVersionVector(), alex_private);
  EXPECT_EQ(alex_private.count(replicas_[2].keys->device_public_key), 0u);
  for (const auto& [device, seq] : replicas_[2].store->PrivateVersionVector()) {
    EXPECT_EQ(device, replicas_[2].keys->device_public_key);
  }
  // Views are sealed with each device's own data key; compare the opened,
  // deterministically serialized states.
  auto reference = Views(0, false);
  EXPECT_FALSE(reference.empty());
  for (int i = 1; i < kReplicas; ++i) {
    EXPECT_EQ(Views(i, false), reference) << "replica " << i << "'s shared records differ";
  }
  EXPECT_EQ(Views(1, true), Views(0, true)) << "the person's two devices differ";
  EXPECT_GT(Views(0, true).size(), reference.size()) << "no private record was written";
}

}  // namespace
}  // namespace attune
