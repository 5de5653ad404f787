#include "daemon/api/reveal_keeper.h"

#include <pthread.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include "absl/strings/str_cat.h"
#include "daemon/api/checkin_service.h"
#include "daemon/base/hex.h"
#include "daemon/base/log.h"
#include "daemon/records/check_in_seal.h"
#include "daemon/records/kinds.h"
#include "daemon/records/member_settings.h"
#include "daemon/records/record_ops.h"
#include "daemon/store/merge.h"

namespace attune {

RevealKeeper::RevealKeeper(ServiceContext ctx) : ctx_(ctx) {}

RevealKeeper::~RevealKeeper() { Stop(); }

absl::StatusOr<int> RevealKeeper::ReleaseDue() { return Update({}, /*full=*/true); }

absl::StatusOr<int> RevealKeeper::Update(const std::set<std::string>& changed, bool full) {
  absl::MutexLock lock(&mu_);
  auto keys = ctx_.vault->Keys();
  if (!keys.ok()) {  // locked: nothing can be read or released, nothing is kept
    known_ = Known();
    return 0;
  }
  if (full || known_.keys != *keys) {
    if (auto s = Rebuild(*keys); !s.ok()) {
      known_ = Known();
      return s;
    }
  } else {
    for (const std::string& name : changed) {
      auto id = ParseName("name", name, kCheckIns);
      if (!id.ok()) continue;
      auto state = ctx_.store->Get(**keys, Kind::kCheckIn, *id);
      if (!state.ok()) return state.status();
      if (!state->has_value()) continue;
      // A partner's check-in no longer visible (made private, deleted) may
      // have been the one that made its day due: read everything again.
      if (!IsVisible(**keys, **state) &&
          (*state)->record().check_in().author() != ToHex((*keys)->member_id)) {
        if (auto s = Rebuild(*keys); !s.ok()) {
          known_ = Known();
          return s;
        }
        break;
      }
      if (auto s = Note(**keys, *id, **state); !s.ok()) return s;
    }
  }
  return Release(**keys);
}

absl::Status RevealKeeper::Rebuild(const std::shared_ptr<const KeySet>& keys) {
  known_ = Known();
  known_.keys = keys;
  absl::Status noted;
  auto s = ctx_.store->ForEach(*keys, Kind::kCheckIn,
                               [&](std::string_view id, const v1::RecordState& state) {
                                 noted = Note(*keys, id, state);
                                 return noted.ok();
                               });
  return s.ok() ? noted : s;
}

absl::Status RevealKeeper::Note(const KeySet& keys, std::string_view id,
                                const v1::RecordState& state) {
  if (!IsVisible(keys, state)) return absl::OkStatus();
  const v1::CheckIn& c = state.record().check_in();
  if (c.author() != ToHex(keys.member_id)) {
    known_.others_by_day[c.day()].insert(c.author());
    return absl::OkStatus();
  }
  if (!c.has_sealed_content() || c.visibility() != v1::VISIBILITY_SHARED) return absl::OkStatus();
  auto held = ctx_.store->Get(keys, Kind::kCheckInKey, id);
  if (!held.ok()) return held.status();
  if (held->has_value() && IsLive(**held) &&
      KeyOpens((*held)->record().check_in_key(), c.sealed_content())) {
    return absl::OkStatus();  // this version's key is out already
  }
  std::vector<std::string>& sealed = known_.sealed_by_day[c.day()];
  if (std::find(sealed.begin(), sealed.end(), id) == sealed.end()) sealed.emplace_back(id);
  return absl::OkStatus();
}

absl::StatusOr<int> RevealKeeper::Release(const KeySet& keys) {
  if (known_.sealed_by_day.empty()) return 0;
  const std::string me = ToHex(keys.member_id);
  std::set<std::string> others;
  if (ctx_.member_ids) {
    for (std::string& m : ctx_.member_ids()) {
      if (m != me) others.insert(std::move(m));
    }
  }
  if (others.empty()) return 0;  // no one to reveal to yet
  auto together = RevealTogetherNow(keys, *ctx_.store);
  if (!together.ok()) return together.status();

  int released = 0;
  for (auto day = known_.sealed_by_day.begin(); day != known_.sealed_by_day.end();) {
    bool due = !together->on;
    if (!due) {
      const std::set<std::string>& checked_in = known_.others_by_day[day->first];
      due = std::includes(checked_in.begin(), checked_in.end(), others.begin(), others.end());
    }
    if (!due) {
      ++day;
      continue;
    }
    for (const std::string& id : day->second) {
      // Only the version there is now, and only while it is shared: a
      // version replaced or made private since is never opened. Read and
      // released under the check-in lock, so no write of this daemon slips
      // in between.
      absl::MutexLock write_lock(&CheckInWriteMutex());
      auto now = ctx_.store->Get(keys, Kind::kCheckIn, id);
      if (!now.ok()) return now.status();
      if (!now->has_value() || !IsLive(**now) ||
          (*now)->record().check_in().visibility() != v1::VISIBILITY_SHARED ||
          !(*now)->record().check_in().has_sealed_content()) {
        continue;
      }
      const v1::SealedContent& sealed = (*now)->record().check_in().sealed_content();
      auto held = ctx_.store->Get(keys, Kind::kCheckInKey, id);
      if (!held.ok()) return held.status();
      const bool exists = held->has_value() && IsLive(**held);
      if (exists && KeyOpens((*held)->record().check_in_key(), sealed)) continue;
      v1::CheckInKey key;
      key.set_key(std::string(CheckInContentKey(keys, id, sealed.salt()).view()));
      key.set_salt(sealed.salt());
      key.set_visibility(v1::VISIBILITY_SHARED);
      absl::Status written;
      if (exists) {
        written = UpdateRecord(ctx_, keys, Kind::kCheckInKey, id, MakeName(kCheckIns, id), key,
                               {v1::CheckInKey::kKeyFieldNumber, v1::CheckInKey::kSaltFieldNumber})
                      .status();
      } else {
        written = CreateRecord(ctx_, keys, Kind::kCheckInKey, id, &key, Mutation::Require::kAbsent)
                      .status();
      }
      // Written meanwhile by another device of this person: the next look
      // sees it (the change wakes the keeper).
      if (absl::IsAlreadyExists(written) || absl::IsNotFound(written)) continue;
      if (!written.ok()) return written;
      ++released;
    }
    day = known_.sealed_by_day.erase(day);
  }
  return released;
}

void RevealKeeper::Start() {
  if (ctx_.events != nullptr) {
    cursor_ = ctx_.events->LastDelivered();
    // Called on the hub's notifier thread; the look runs on the keeper's.
    hub_token_ = ctx_.events->Subscribe(
        [this] {
          boost::asio::post(io_, [this] {
            bool again = false;
            const bool kept_up = ctx_.events->Drain(&cursor_, [&](const v1::Event& e) {
              if (e.has_vault_changed()) {
                full_ = true;
                again = true;
              } else if (e.has_peer_changed()) {
                again = true;  // the members may have changed
              } else if (e.has_record_changed()) {
                const v1::RecordChanged& r = e.record_changed();
                // A key record names the check-in it opens.
                if (ShownKindOf(r.kind()) == RecordKindOf(Kind::kCheckIn).field) {
                  // A deleted check-in leaves its day: read everything again.
                  if (r.change() == v1::RecordChanged::CHANGE_DELETED) full_ = true;
                  changed_.insert(r.name());
                  again = true;
                } else if (r.kind() == RecordKindOf(Kind::kMemberSettings).field) {
                  again = true;
                }
              }
            });
            if (!kept_up) {  // fell behind what the hub keeps: read everything
              full_ = true;
              again = true;
            }
            if (again) Queue();
          });
        },
        [](const v1::Event& e) {
          // What the drain above looks at; other writes do not wake the keeper.
          if (e.has_vault_changed() || e.has_peer_changed()) return true;
          if (!e.has_record_changed()) return false;
          const v1::RecordChanged& r = e.record_changed();
          const std::string_view kind = ShownKindOf(r.kind());
          if (kind == RecordKindOf(Kind::kCheckIn).field) {
            // A private check-in written here is nobody's to reveal, and one
            // made private here stays sealed (Release re-reads it): of those,
            // only a deletion changes what the keeper knows.
            return r.from_peer() || r.visibility() != v1::VISIBILITY_PRIVATE ||
                   r.change() == v1::RecordChanged::CHANGE_DELETED;
          }
          return kind == RecordKindOf(Kind::kMemberSettings).field;
        });
  }
  Queue();
  thread_ = std::thread([this] {
    auto work = boost::asio::make_work_guard(io_);
    io_.run();
  });
  pthread_setname_np(thread_.native_handle(), "attuned-reveal");
}

void RevealKeeper::Stop() {
  if (stopped_) return;
  stopped_ = true;
  if (hub_token_ != 0 && ctx_.events != nullptr) ctx_.events->Unsubscribe(hub_token_);
  io_.stop();
  if (thread_.joinable()) thread_.join();
}

void RevealKeeper::Queue() {
  // A burst of changes (a sync catching up) makes one look, not one each.
  if (queued_.exchange(true)) return;
  boost::asio::post(io_, [this] { Look(); });
}

void RevealKeeper::Look() {
  queued_ = false;
  std::set<std::string> changed;
  changed.swap(changed_);
  const bool full = full_;
  full_ = false;
  auto released = Update(changed, full);
  if (!released.ok()) {
    LogWarning(absl::StrCat("reveal together: ", released.status().ToString(),
                            " (trying again in a minute)"));
    full_ = true;
    retry_.expires_after(std::chrono::minutes(1));
    retry_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) Queue();
    });
  } else if (*released > 0) {
    LogInfo(absl::StrCat("reveal together: released the keys of ", *released, " check-in",
                         *released == 1 ? "" : "s"));
  }
}

}  // namespace attune
