// Property test of the merge and of a space that changes, through the real
// store: several replicas of one space write every record kind at random
// (concurrent edits of the same field, edits against deletes), and ops reach
// the others in random order, duplicated, with partitions that heal. Alex
// has two devices (replicas 0 and 1), Sam one (replica 2) until Sam links a
// phone (replica 3) at a random round and, at a later one, removes it (lost):
// the space moves to key epoch 1 and Sam's personal key moves on, while the
// phone keeps writing as a modified or stolen device would, and its ops keep
// being offered to everyone. Private records travel among one person's
// devices only. Afterwards the remaining replicas hold byte-identical shared
// views, each person's devices identical private ones, every op that counts
// still opens (a rebuild from the log gives the same views), the phone's
// later ops count nowhere, even where they were taken before the removal was
// heard of, and no private op of one person ever passed the other's checks.
// Prints its seed; ATTUNE_SEED=N replays one.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <random>

#include "daemon/store/record_store.h"
#include "daemon/sync/fold_limits.h"
#include "daemon/sync/membership.h"
#include "daemon/sync/op_checker.h"
#include "daemon/sync/space_rules.h"
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

constexpr int kReplicas = 4;
constexpr int kPhone = 3;  // Sam's phone: linked, then removed
constexpr char kAfterRemoval[] = "written-after-removal";

struct Replica {
  TempDir dir;
  std::unique_ptr<Db> db;
  std::unique_ptr<RecordStore> store;
  std::unique_ptr<Membership> members;
  std::shared_ptr<KeySet> keys;
  bool linked = false;
};

class ConvergenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* env = std::getenv("ATTUNE_SEED");
    seed_ = env != nullptr ? static_cast<uint32_t>(std::strtoul(env, nullptr, 10))
                           : std::random_device{}();
    rng_.seed(seed_);
    auto space = testing::NewKeys("space");
    space_id_ = space->space_id;
    std::vector<v1::MemberCert> certs;
    for (int i = 0; i < kReplicas; ++i) {
      auto& r = replicas_[i];
      r.keys = testing::KeysInSpace(*testing::NewKeys("r" + std::to_string(i)), space->space_id,
                                    space->space_key);
      // Replica 1 is another device of replica 0's person, the phone one of
      // replica 2's.
      if (i == 1) r.keys = testing::DeviceOfPerson(*replicas_[0].keys, *r.keys);
      if (i == kPhone) r.keys = testing::DeviceOfPerson(*replicas_[2].keys, *r.keys);
      auto db = Db::Open(DbAt(r.dir.path() + "/db"));
      ASSERT_TRUE(db.ok());
      r.db = std::move(*db);
      r.store = std::make_unique<RecordStore>(r.db.get(), &clock_);
      r.members = std::make_unique<Membership>(r.db.get());
      // As attuned wires it (FoldCheck), but for the record rules: here
      // every member edits the same few records, to make the merge work.
      Membership* members = r.members.get();
      r.store->SetRemoteOpCheck([members](const v1::OpHeader& header, const v1::OpBody&) {
        return CheckAuthorCounts(header, *members);
      });
      if (i == kPhone) continue;  // linked later
      v1::MemberCertBody body;
      body.set_space_id(space->space_id);
      body.set_device(r.keys->device_public_key);
      body.set_member_id(r.keys->member_id);
      body.set_added_by(i == 0 ? r.keys->device_public_key : replicas_[0].keys->device_public_key);
      certs.push_back(SignMemberCert(body, i == 0 ? *r.keys : *replicas_[0].keys));
      r.linked = true;
    }
    for (auto& r : replicas_) {
      if (!r.linked) continue;
      ASSERT_TRUE(r.members->Merge(space_id_, certs).ok());
    }
  }

  static bool SamePerson(int a, int b) { return (a < 2) == (b < 2); }
  const std::string& Device(int i) { return replicas_[i].keys->device_public_key; }

  // Sam links the phone: the laptop (replica 2) certifies it, and the phone
  // takes the laptop's certificates (as `attune device join` does).
  void LinkPhone() {
    Replica& laptop = replicas_[2];
    Replica& phone = replicas_[kPhone];
    v1::MemberCertBody body;
    body.set_space_id(space_id_);
    body.set_device(phone.keys->device_public_key);
    body.set_member_id(phone.keys->member_id);
    body.set_added_by(laptop.keys->device_public_key);
    ASSERT_TRUE(laptop.members->Merge(space_id_, {SignMemberCert(body, *laptop.keys)}).ok());
    ASSERT_TRUE(phone.members->Merge(space_id_, laptop.members->All(), /*replace=*/true).ok());
    ASSERT_TRUE(phone.members->IsMember(Device(kPhone)));
    phone.linked = true;
  }

  // Sam's laptop removes the lost phone, keeping the phone's ops it holds.
  void RemovePhone() {
    Replica& laptop = replicas_[2];
    Membership::Snapshot now = laptop.members->Now();
    auto shared = laptop.store->SharedVersionVector();
    auto priv = laptop.store->PrivateVersionVector();
    auto made = MakeSpaceChange(*laptop.keys, now.certs, now.view, Device(kPhone),
                                shared[Device(kPhone)], priv[Device(kPhone)], 1);
    ASSERT_TRUE(made.ok()) << made.status();
    auto merged = laptop.members->MergeChanges(space_id_, {*made});
    ASSERT_TRUE(merged.ok() && *merged);
    OnSpaceChange(2);
    removed_ = true;
  }

  // What attuned does when a space change arrives (PeerManager): the keys of
  // the new epoch, and the views folded again when the store took ops that
  // no longer count.
  void OnSpaceChange(int i) {
    Replica& r = replicas_[i];
    Membership::Snapshot now = r.members->Now();
    r.keys->epochs = BuildKeyring(*r.keys, now.changes, now.view, {});
    auto refolded =
        RefoldIfLimitsChanged(*r.members, r.store.get(), r.db.get(), Device(i), r.keys.get());
    ASSERT_TRUE(refolded.ok()) << refolded.status();
    refolds_ += *refolded ? 1 : 0;
  }

  // A random write on replica `i` to one of a few shared records, or of
  // its person's few private ones (id[14] 'P', id[13] the person).
  void RandomWrite(int i) {
    Replica& r = replicas_[i];
    if (!r.linked) return;
    Mutation m;
    m.visibility =
        !force_shared_ && rng_() % 3 == 0 ? v1::VISIBILITY_PRIVATE : v1::VISIBILITY_SHARED;
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
      // The phone's words after its removal must count nowhere.
      std::string word = (i == kPhone && removed_ ? std::string(kAfterRemoval) : "w") +
                         std::to_string(rng_() % 1000);
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

  // Delivers `from`'s certificates and space changes to `to`, then a random
  // slice of each of `from`'s streams: possibly a duplicate, possibly
  // starting past a gap (refused), in random batch sizes. Private streams
  // too, and a removed device's ops past its cut-off, as a modified sender
  // would: the receiver's checks must take private ops only between devices
  // of one person, and refuse the removed device's later ops once it knows
  // of the removal.
  void Deliver(int from, int to) {
    Replica& a = replicas_[from];
    Replica& b = replicas_[to];
    if (!a.linked || !b.linked) return;
    // A member never sends to a device it knows was removed; a removed
    // device's stream is refused, but its ops may still come through others
    // (below, offered as they are).
    if (a.members->IsRemoved(Device(to))) return;
    if (!b.members->IsRemoved(Device(from))) {
      ASSERT_TRUE(b.members->Merge(space_id_, a.members->All()).ok());
      auto merged = b.members->MergeChanges(space_id_, a.members->Changes());
      ASSERT_TRUE(merged.ok());
      if (*merged) OnSpaceChange(to);
    }
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
          auto last = b.members->LastSeqsOf(device);
          if (last.has_value() && op_seq(op) > (shared ? last->first : last->second)) {
            ASSERT_EQ(checked.status().code(), absl::StatusCode::kPermissionDenied)
                << "an op of the removed phone past its cut-off passed replica " << to
                << "'s checks";
            ++refused_;
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

  static uint64_t op_seq(const v1::Op& op) {
    v1::OpHeader h;
    return h.ParseFromString(op.header()) ? h.seq() : 0;
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

  // `vv` with the phone's entry at most its cut-off (what counts of it), and
  // without entries of 0 (nothing of that device counts): a replica that
  // took some of the phone's ops past a cut-off of 0 holds none that count,
  // as one that never took any.
  RecordStore::VersionVector Counting(RecordStore::VersionVector vv, bool shared) {
    auto last = replicas_[0].members->LastSeqsOf(Device(kPhone));
    auto it = vv.find(Device(kPhone));
    if (last.has_value() && it != vv.end()) {
      it->second = std::min(it->second, shared ? last->first : last->second);
    }
    std::erase_if(vv, [](const auto& entry) { return entry.second == 0; });
    return vv;
  }

  uint32_t seed_ = 0;
  std::mt19937 rng_;
  SystemClock clock_;
  std::string space_id_;
  Replica replicas_[kReplicas];
  bool removed_ = false;
  bool force_shared_ = false;  // RandomWrite writes a shared record
  int refused_ = 0;            // ops of the removed phone refused on arrival
  int refolds_ = 0;            // replicas that folded their views again after the removal
};

TEST_F(ConvergenceTest, ReplicasConvergeThroughALinkAndARemoval) {
  SCOPED_TRACE(::testing::Message() << "seed " << seed_ << " (ATTUNE_SEED to replay)");
  const int link_round = 3 + static_cast<int>(rng_() % 6);
  const int remove_round = 15 + static_cast<int>(rng_() % 6);
  for (int round = 0; round < 30; ++round) {
    if (round == link_round) LinkPhone();
    if (round == remove_round) {
      RemovePhone();
      // The lost phone writes on, and Alex's laptop takes some of that before
      // it hears of the removal (from the phone itself, which does not know).
      const uint64_t cut = replicas_[2].members->LastSeqsOf(Device(kPhone))->first;
      for (int tries = 0;
           tries < 50 && replicas_[0].store->SharedVersionVector()[Device(kPhone)] <= cut;
           ++tries) {
        force_shared_ = true;
        RandomWrite(kPhone);
        force_shared_ = false;
        Deliver(kPhone, 0);
      }
      ASSERT_GT(replicas_[0].store->SharedVersionVector()[Device(kPhone)], cut)
          << "Alex's laptop never took the phone's later ops";
    }
    // A partition: this round, one replica neither sends nor receives.
    int cut = rng_() % (kReplicas + 1);
    for (int w = 0; w < 8; ++w) RandomWrite(rng_() % kReplicas);
    for (int d = 0; d < 8; ++d) {
      int from = rng_() % kReplicas, to = rng_() % kReplicas;
      if (from == to || from == cut || to == cut) continue;
      Deliver(from, to);
    }
    if (HasFatalFailure()) return;
  }
  // Heal: deliver until nothing changes, along a line (0 -> 1 -> 2) both
  // ways, so ops also travel through a middle replica; the removed phone
  // keeps offering its ops to everyone.
  for (int pass = 0; pass < 200; ++pass) {
    for (int i = 0; i + 1 < kPhone; ++i) {
      Deliver(i, i + 1);
      Deliver(i + 1, i);
    }
    for (int i = 0; i < kPhone; ++i) Deliver(kPhone, i);
    if (HasFatalFailure()) return;
    bool same =
        replicas_[1].store->PrivateVersionVector() == replicas_[0].store->PrivateVersionVector();
    for (int i = 1; i < kPhone; ++i) {
      same &= Counting(replicas_[i].store->SharedVersionVector(), true) ==
              Counting(replicas_[0].store->SharedVersionVector(), true);
    }
    if (same) break;
  }
  // Every remaining replica knows of the removal and seals under epoch 1,
  // Sam's laptop with a personal key the phone never held.
  for (int i = 0; i < kPhone; ++i) {
    ASSERT_TRUE(replicas_[i].members->IsRemoved(Device(kPhone))) << "replica " << i;
    EXPECT_EQ(replicas_[i].keys->SealingEpoch(), 1u) << "replica " << i;
  }
  ASSERT_NE(replicas_[2].keys->epochs, nullptr);
  EXPECT_NE(replicas_[2].keys->epochs->sealing_personal, nullptr)
      << "Sam's personal key did not move on when Sam's phone was removed";
  EXPECT_GT(refused_, 0) << "no op of the removed phone was offered past its cut-off";
  EXPECT_GT(refolds_, 0) << "no replica folded its records again after the removal";

  auto expected = Counting(replicas_[0].store->SharedVersionVector(), true);
  for (int i = 1; i < kPhone; ++i) {
    ASSERT_EQ(Counting(replicas_[i].store->SharedVersionVector(), true), expected)
        << "replica " << i;
  }
  // Each person's devices hold the same private streams; Alex's hold none
  // of Sam's devices', Sam's laptop none of Alex's.
  auto alex_private = replicas_[0].store->PrivateVersionVector();
  ASSERT_EQ(replicas_[1].store->PrivateVersionVector(), alex_private);
  EXPECT_EQ(alex_private.count(Device(2)), 0u);
  EXPECT_EQ(alex_private.count(Device(kPhone)), 0u);
  for (const auto& [device, seq] : replicas_[2].store->PrivateVersionVector()) {
    EXPECT_TRUE(device == Device(2) || device == Device(kPhone));
  }
  // Views are sealed with each device's own data key; compare the opened,
  // deterministically serialized states.
  auto reference = Views(0, false);
  EXPECT_FALSE(reference.empty());
  for (int i = 1; i < kPhone; ++i) {
    EXPECT_EQ(Views(i, false), reference) << "replica " << i << "'s shared records differ";
  }
  EXPECT_EQ(Views(1, true), Views(0, true)) << "Alex's two devices differ";
  EXPECT_GT(Views(0, true).size(), reference.size()) << "no private record was written";
  for (int i = 0; i < kPhone; ++i) {
    auto with_private = Views(i, true);
    for (const auto& [key, state] : with_private) {
      EXPECT_EQ(state.find(kAfterRemoval), std::string::npos)
          << "replica " << i << " shows what the phone wrote after its removal";
    }
    // Every op that counts still opens, under whichever epoch sealed it: the
    // views folded op by op equal those folded again from the whole log,
    // which skips exactly the phone's ops past its cut-off.
    auto last = replicas_[i].members->LastSeqsOf(Device(kPhone));
    ASSERT_TRUE(last.has_value());
    uint64_t past = 0;
    auto held_shared = replicas_[i].store->SharedVersionVector()[Device(kPhone)];
    auto held_private = replicas_[i].store->PrivateVersionVector()[Device(kPhone)];
    past += held_shared > last->first ? held_shared - last->first : 0;
    past += held_private > last->second ? held_private - last->second : 0;
    auto rebuilt = replicas_[i].store->RebuildViews(*replicas_[i].keys);
    ASSERT_TRUE(rebuilt.ok()) << rebuilt.status();
    EXPECT_EQ(rebuilt->skipped, past) << "replica " << i;
    EXPECT_EQ(Views(i, true), with_private) << "replica " << i << " differs from its own rebuild";
  }
  std::cout << "seed " << seed_ << ": phone linked at round " << link_round << ", removed at "
            << remove_round << "; " << refused_ << " of its later ops refused on arrival, "
            << refolds_ << " replicas folded again after taking some before the removal\n";
}

}  // namespace
}  // namespace attune
