#include "daemon/sync/space_rules.h"

#include <sodium.h>

#include <algorithm>
#include <functional>

#include "absl/strings/str_cat.h"
#include "daemon/sync/pairing.h"

namespace attune {
namespace {

constexpr std::string_view kDomain = "attune-space-change-v1";

// Epoch numbers stay far from wrapping, whatever a member's device signs.
constexpr uint32_t kMaxEpoch = 1u << 20;

const unsigned char* U(const std::string& s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

bool SignatureHolds(const v1::SpaceChange& c, const std::string& signer) {
  if (c.signature().size() != crypto_sign_BYTES || signer.size() != crypto_sign_PUBLICKEYBYTES) {
    return false;
  }
  std::string msg = std::string(kDomain) + c.body();
  return crypto_sign_verify_detached(U(c.signature()), U(msg), msg.size(), U(signer)) == 0;
}

bool Contains(const google::protobuf::RepeatedPtrField<std::string>& list, const std::string& x) {
  return std::find(list.begin(), list.end(), x) != list.end();
}

// Whether change `c`'s keys reached none of `removed` (its space key, or
// with `personal` its personal key), and its signer, who knows them, is
// not removed either.
bool Clean(const v1::SpaceChangeBody& c, const std::set<std::string>& removed,
           bool personal = false) {
  if (removed.count(c.made_by()) > 0) return false;
  for (const auto& k : c.keys()) {
    if (personal && k.sealed_personal_key().empty()) continue;
    if (removed.count(k.device()) > 0) return false;
  }
  return true;
}

// The devices whose certificate chain still counts, given the removed set:
// a device added by a removed device counts only when that removal kept it.
std::set<std::string> ChainHolds(const std::map<std::string, v1::MemberCertBody>& certs,
                                 const std::set<std::string>& removed,
                                 const std::map<std::string, std::set<std::string>>& kept) {
  std::map<std::string, bool> memo;
  std::function<bool(const std::string&, int)> holds = [&](const std::string& d, int depth) {
    if (auto m = memo.find(d); m != memo.end()) return m->second;
    auto it = certs.find(d);
    bool ok = false;
    if (it != certs.end() && depth < 64) {
      const std::string& by = it->second.added_by();
      if (by == d) {
        ok = true;  // the founder
      } else {
        auto k = kept.find(by);
        ok = holds(by, depth + 1) &&
             (removed.count(by) == 0 || (k != kept.end() && k->second.count(d) > 0));
      }
    }
    memo[d] = ok;
    return ok;
  };
  std::set<std::string> out;
  for (const auto& [d, body] : certs) {
    if (holds(d, 0)) out.insert(d);
  }
  return out;
}

}  // namespace

bool SealKeyToDevice(const SecretBytes& key, const std::string& device, std::string* out) {
  unsigned char curve_pk[crypto_box_PUBLICKEYBYTES];
  if (device.size() != crypto_sign_PUBLICKEYBYTES ||
      crypto_sign_ed25519_pk_to_curve25519(curve_pk, U(device)) != 0) {
    return false;
  }
  out->resize(key.size() + crypto_box_SEALBYTES);
  crypto_box_seal(reinterpret_cast<unsigned char*>(out->data()), key.data(), key.size(), curve_pk);
  return true;
}

bool SealEpochKeys(const EpochKeyring* ring, const std::string& device, bool own,
                   google::protobuf::RepeatedPtrField<v1::SealedEpochKey>* out) {
  if (ring == nullptr) return true;
  for (const auto& [epoch, held] : ring->epochs) {
    if (held.space.empty()) continue;
    for (size_t i = 0; i < std::max(held.space.size(), own ? held.personal.size() : 0); ++i) {
      v1::SealedEpochKey* k = out->Add();
      k->set_device(device);
      k->set_epoch(epoch);
      const SecretBytes* space = i < held.space.size() ? held.space[i].get() : held.space[0].get();
      if (epoch == ring->sealing_epoch && i == 0 && ring->sealing_space != nullptr) {
        space = ring->sealing_space;
      }
      if (!SealKeyToDevice(*space, device, k->mutable_sealed_space_key())) return false;
      if (own && i < held.personal.size() &&
          !SealKeyToDevice(*held.personal[i], device, k->mutable_sealed_personal_key())) {
        return false;
      }
    }
  }
  return true;
}

std::vector<ParsedChange> WellFormedChanges(const std::string& space_id,
                                            const std::map<std::string, v1::MemberCertBody>& certs,
                                            const std::vector<v1::SpaceChange>& changes) {
  constexpr size_t kSealedBytes = kSymmetricKeyBytes + crypto_box_SEALBYTES;
  std::vector<ParsedChange> out;
  std::set<std::string> seen;
  for (const auto& c : changes) {
    // Only what is signed is kept and passed on: anything else in the
    // envelope could be added by whoever relays it.
    ParsedChange p{{}, {}};
    p.change.set_body(c.body());
    p.change.set_signature(c.signature());
    const v1::SpaceChangeBody& b = p.body;
    if (c.body().size() > 16 * 1024 || c.signature().size() != crypto_sign_BYTES ||
        !seen.insert(c.signature()).second || !p.body.ParseFromString(c.body()) ||
        b.space_id() != space_id || certs.count(b.made_by()) == 0 ||
        (!b.removed_device().empty() && certs.count(b.removed_device()) == 0) ||
        (b.removed_device().empty() && b.new_epoch() == 0) || b.new_epoch() > kMaxEpoch ||
        (b.new_epoch() == 0) != (b.keys_size() == 0) || b.keys_size() > 64 || b.kept_size() > 64 ||
        b.kept_removals_size() > 64) {
      continue;
    }
    bool keys_ok = true;
    for (const auto& k : b.keys()) {
      keys_ok &= k.epoch() == b.new_epoch() && certs.count(k.device()) > 0 &&
                 k.sealed_space_key().size() == kSealedBytes &&
                 (k.sealed_personal_key().empty() ||
                  (k.sealed_personal_key().size() == kSealedBytes &&
                   certs.at(k.device()).member_id() == certs.at(b.made_by()).member_id()));
    }
    if (!keys_ok || !SignatureHolds(p.change, b.made_by())) continue;
    out.push_back(std::move(p));
  }
  // At most kMaxChangesPerSigner of any one device, the same ones on every
  // device that holds the same set (by signature order): one device's flood
  // leaves room for the others'.
  std::sort(out.begin(), out.end(), [](const ParsedChange& a, const ParsedChange& b) {
    return a.change.signature() < b.change.signature();
  });
  std::map<std::string, size_t> per_signer;
  std::erase_if(out, [&](const ParsedChange& p) {
    return ++per_signer[p.body.made_by()] > kMaxChangesPerSigner;
  });
  // An epoch number is at most one more than the changes there are, so
  // nobody pushes it toward the end of the range.
  const size_t count = out.size();
  std::erase_if(out, [&](const ParsedChange& p) { return p.body.new_epoch() > count; });
  // Who may remove whom: a person's own removals first, as they free the
  // partner to remove that person's last device.
  std::set<std::string> let_go = OwnPersonRemovals(certs, out);
  std::erase_if(out, [&](const ParsedChange& p) {
    const auto& b = p.body;
    return !b.removed_device().empty() &&
           !WhyMayNotRemove(certs, b.made_by(), b.removed_device(), let_go).empty();
  });
  return out;
}

std::set<std::string> OwnPersonRemovals(const std::map<std::string, v1::MemberCertBody>& certs,
                                        const std::vector<ParsedChange>& changes) {
  std::set<std::string> out;
  for (const auto& p : changes) {
    const auto& b = p.body;
    auto by = certs.find(b.made_by());
    auto target = certs.find(b.removed_device());
    if (by != certs.end() && target != certs.end() &&
        by->second.member_id() == target->second.member_id()) {
      out.insert(b.removed_device());
    }
  }
  return out;
}

std::string WhyMayNotRemove(const std::map<std::string, v1::MemberCertBody>& certs,
                            const std::string& by, const std::string& device,
                            const std::set<std::string>& let_go) {
  auto remover = certs.find(by);
  auto target = certs.find(device);
  if (remover == certs.end()) return "the remover is not a member device";
  if (target == certs.end()) return "no such member device";
  if (by == device || remover->second.member_id() == target->second.member_id()) return "";
  for (const auto& [d, body] : certs) {
    if (d != device && body.member_id() == target->second.member_id() && let_go.count(d) == 0) {
      return absl::StrCat(target->second.display_name(),
                          " has another device, which removes this one (attune device remove "
                          "there)");
    }
  }
  return "";
}

SpaceView Evaluate(const std::map<std::string, v1::MemberCertBody>& certs,
                   const std::vector<ParsedChange>& changes) {
  SpaceView view;
  for (const auto& c : changes) view.max_epoch = std::max(view.max_epoch, c.body.new_epoch());
  view.let_go = OwnPersonRemovals(certs, changes);
  // Signers whose chain holds; recomputed with the removals until it settles
  // (a device a removed device added after its removal signs nothing that
  // counts).
  std::set<std::string> signers;
  for (const auto& [d, body] : certs) signers.insert(d);
  for (int round = 0; round < 8; ++round) {
    enum State { kUnknown, kIn, kOut };
    std::vector<State> state(changes.size(), kUnknown);
    for (size_t i = 0; i < changes.size(); ++i) {
      if (signers.count(changes[i].body.made_by()) == 0) state[i] = kOut;
    }
    // A change counts unless its signer was removed by a counting change
    // that does not keep it; decided from the changes whose signers nobody
    // removed, outwards. What stays undecided is a cycle: of it only the
    // removals of devices that removed each other count (both are out, the
    // safe side), nothing else their signers made.
    for (bool progress = true; progress;) {
      progress = false;
      for (size_t i = 0; i < changes.size(); ++i) {
        if (state[i] != kUnknown) continue;
        const auto& c = changes[i].body;
        bool struck = false, pending = false;
        for (size_t j = 0; j < changes.size(); ++j) {
          const auto& d = changes[j].body;
          if (j == i || d.removed_device() != c.made_by() || state[j] == kOut) continue;
          bool spares =
              !c.removed_device().empty() && Contains(d.kept_removals(), c.removed_device());
          if (state[j] == kIn && !spares) struck = true;
          if (state[j] == kUnknown && !spares) pending = true;
        }
        if (struck) {
          state[i] = kOut;
        } else if (!pending) {
          state[i] = kIn;
        } else {
          continue;
        }
        progress = true;
      }
    }
    for (size_t i = 0; i < changes.size(); ++i) {
      if (state[i] != kUnknown) continue;
      const auto& c = changes[i].body;
      bool mutual = false;
      for (size_t j = 0; j < changes.size() && !c.removed_device().empty(); ++j) {
        const auto& d = changes[j].body;
        mutual |= state[j] != kOut && d.removed_device() == c.made_by() &&
                  d.made_by() == c.removed_device();
      }
      state[i] = mutual ? kIn : kOut;
    }
    // Mutual pairs decided above; their signers' other changes waited on
    // them: decide those again now.
    for (size_t i = 0; i < changes.size(); ++i) {
      const auto& c = changes[i].body;
      for (size_t j = 0; j < changes.size() && state[i] == kIn; ++j) {
        const auto& d = changes[j].body;
        if (j != i && state[j] == kIn && d.removed_device() == c.made_by() &&
            d.made_by() != c.removed_device() &&
            !(!c.removed_device().empty() && Contains(d.kept_removals(), c.removed_device()))) {
          state[i] = kOut;
        }
      }
    }
    view.removed.clear();
    view.removed_by.clear();
    view.last_seqs.clear();
    view.counting.clear();
    std::map<std::string, std::set<std::string>>& kept = view.kept;
    kept.clear();
    view.kept_removals.clear();
    // A device's own word on where its ops end (removing itself) gives way
    // to any other device's removal of it.
    std::map<std::string, std::pair<uint64_t, uint64_t>> self_seqs;
    for (size_t i = 0; i < changes.size(); ++i) {
      if (state[i] == kOut) continue;
      view.counting.push_back(i);
      const auto& c = changes[i].body;
      if (c.removed_device().empty()) continue;
      view.removed.insert(c.removed_device());
      view.removed_by[c.made_by()].insert(c.removed_device());
      auto& seqs =
          (c.made_by() == c.removed_device() ? self_seqs : view.last_seqs)[c.removed_device()];
      seqs.first = std::max(seqs.first, c.last_shared_seq());
      seqs.second = std::max(seqs.second, c.last_private_seq());
      kept[c.removed_device()].insert(c.kept().begin(), c.kept().end());
      view.kept_removals[c.removed_device()].insert(c.kept_removals().begin(),
                                                    c.kept_removals().end());
    }
    for (const auto& [d, seqs] : self_seqs) view.last_seqs.emplace(d, seqs);
    std::set<std::string> holds = ChainHolds(certs, view.removed, kept);
    // A removed device still signed what counted before its removal.
    std::set<std::string> next = holds;
    next.insert(view.removed.begin(), view.removed.end());
    view.members.clear();
    for (const auto& d : holds) {
      if (view.removed.count(d) == 0) view.members.insert(d);
    }
    if (next == signers) break;
    signers = std::move(next);
  }
  // The newest epoch is clean when one of its counting changes reached no
  // removed device (epoch 0, the founding key, reached everyone).
  uint32_t newest = 0;
  for (size_t i : view.counting) newest = std::max(newest, changes[i].body.new_epoch());
  bool clean = newest == 0 && view.removed.empty();
  for (size_t i : view.counting) {
    const auto& c = changes[i].body;
    if (newest > 0 && c.new_epoch() == newest && Clean(c, view.removed)) clean = true;
  }
  view.needs_new_epoch = !clean;
  return view;
}

absl::StatusOr<v1::SpaceChange> MakeSpaceChange(
    const KeySet& keys, const std::map<std::string, v1::MemberCertBody>& certs,
    const SpaceView& view, const std::string& device, uint64_t last_shared_seq,
    uint64_t last_private_seq, uint64_t now_ms, bool start_epoch) {
  const std::string& self = keys.device_public_key;
  if (view.members.count(self) == 0) {
    return absl::FailedPreconditionError("this device is no longer a member of the space");
  }
  auto person = [&](const std::string& d) {
    auto it = certs.find(d);
    return it == certs.end() ? std::string() : it->second.member_id();
  };
  if (!device.empty()) {
    // Removed by itself only: its own word on where its ops end gives way
    // to this removal.
    bool by_other = false;
    for (const auto& [signer, targets] : view.removed_by) {
      by_other |= signer != device && targets.count(device) > 0;
    }
    if (by_other) return absl::FailedPreconditionError("that device is removed already");
    if (auto why = WhyMayNotRemove(certs, self, device, view.let_go); !why.empty()) {
      return absl::FailedPreconditionError(why);
    }
  }
  bool own = false;  // the personal key moves on
  for (const auto& d : view.removed) own |= person(d) == keys.member_id;
  if (!device.empty()) own |= person(device) == keys.member_id;

  v1::SpaceChangeBody body;
  body.set_space_id(keys.space_id);
  body.set_made_by(self);
  body.set_made_at_ms(now_ms);
  if (start_epoch || device.empty()) body.set_new_epoch(view.max_epoch + 1);
  if (!device.empty()) {
    body.set_removed_device(device);
    body.set_last_shared_seq(last_shared_seq);
    body.set_last_private_seq(last_private_seq);
    for (const auto& [d, cert] : certs) {
      if (cert.added_by() == device && d != device) body.add_kept(d);
    }
    if (auto it = view.removed_by.find(device); it != view.removed_by.end()) {
      for (const auto& d : it->second) body.add_kept_removals(d);
    }
  }
  SecretBytes space_key(kSymmetricKeyBytes), personal_key(kSymmetricKeyBytes);
  randombytes_buf(space_key.data(), space_key.size());
  randombytes_buf(personal_key.data(), personal_key.size());
  for (const auto& d : view.members) {
    if (d == device || body.new_epoch() == 0) continue;
    v1::SealedEpochKey* k = body.add_keys();
    k->set_device(d);
    k->set_epoch(body.new_epoch());
    if (!SealKeyToDevice(space_key, d, k->mutable_sealed_space_key())) {
      return absl::InternalError("a member's device key does not convert for sealing");
    }
    if (own && person(d) == keys.member_id &&
        !SealKeyToDevice(personal_key, d, k->mutable_sealed_personal_key())) {
      return absl::InternalError("a member's device key does not convert for sealing");
    }
  }
  v1::SpaceChange change;
  body.SerializeToString(change.mutable_body());
  std::string msg = std::string(kDomain) + change.body();
  std::string* sig = change.mutable_signature();
  sig->resize(crypto_sign_BYTES);
  crypto_sign_detached(reinterpret_cast<unsigned char*>(sig->data()), nullptr, U(msg), msg.size(),
                       keys.device_secret_key.data());
  return change;
}

std::shared_ptr<const EpochKeyring> BuildKeyring(const KeySet& keys,
                                                 const std::vector<ParsedChange>& changes,
                                                 const SpaceView& view,
                                                 const std::vector<v1::SealedEpochKey>& granted) {
  auto ring = std::make_shared<EpochKeyring>();
  // Epochs started by a counting change that reached no removed device.
  std::set<uint32_t> clean;
  bool any_of_space = false;
  for (const auto& c : changes) any_of_space |= c.body.space_id() == keys.space_id;
  for (size_t i : view.counting) {
    if (i < changes.size() && changes[i].body.space_id() == keys.space_id &&
        Clean(changes[i].body, view.removed)) {
      clean.insert(changes[i].body.new_epoch());
    }
  }
  struct Candidate {
    uint32_t epoch;
    std::string order;  // the change's signature: the same choice on every device
    const SecretBytes* space;
  };
  std::vector<Candidate> sealing;
  // Personal keys new ops may be sealed under (from changes that may seal:
  // a removed device of this person's can still sign a change).
  std::map<uint32_t, const SecretBytes*> sealing_personal;
  std::set<size_t> counting(view.counting.begin(), view.counting.end());
  auto add = [&](const v1::SealedEpochKey& k, bool may_seal, bool may_seal_personal,
                 const std::string& order) {
    if (k.device() != keys.device_public_key || k.epoch() <= keys.space_key_epoch) return;
    auto space = OpenSealedKey(keys, k.sealed_space_key(), "epoch key");
    if (!space.ok()) return;
    auto& epoch = ring->epochs[k.epoch()];
    epoch.space.push_back(std::make_shared<const SecretBytes>(std::move(*space)));
    if (may_seal) sealing.push_back({k.epoch(), order, epoch.space.back().get()});
    // Only a device of this person's own may give it a personal key: one
    // from anyone else would seal this person's private ops under a key
    // that person knows.
    // (WellFormedChanges took a sealed personal key only from a device of
    // the recipient's own person; Join drops a partner's.)
    if (!k.sealed_personal_key().empty()) {
      auto personal = OpenSealedKey(keys, k.sealed_personal_key(), "personal key");
      if (personal.ok()) {
        epoch.personal.push_back(std::make_shared<const SecretBytes>(std::move(*personal)));
        if (may_seal_personal) sealing_personal.emplace(k.epoch(), epoch.personal.back().get());
      }
    }
  };
  for (size_t i = 0; i < changes.size(); ++i) {
    const auto& c = changes[i];
    if (c.body.space_id() != keys.space_id) continue;
    bool mine = false;
    for (const auto& k : c.body.keys()) mine |= k.device() == keys.device_public_key;
    if (!mine) continue;
    const bool counts = counting.count(i) > 0;
    for (const auto& k : c.body.keys()) {
      add(k, counts && Clean(c.body, view.removed), counts && Clean(c.body, view.removed, true),
          c.change.signature());
    }
  }
  for (const auto& k : granted) {
    bool may = clean.count(k.epoch()) > 0 || !any_of_space;
    add(k, may, may, std::string(64, '\xff'));
  }
  if (ring->epochs.empty()) return nullptr;
  const Candidate* best = nullptr;
  for (const auto& c : sealing) {
    if (best == nullptr || c.epoch > best->epoch ||
        (c.epoch == best->epoch && c.order < best->order)) {
      best = &c;
    }
  }
  if (best != nullptr) {
    ring->sealing_epoch = best->epoch;
    ring->sealing_space = best->space;
    auto it = sealing_personal.upper_bound(best->epoch);
    if (it != sealing_personal.begin()) ring->sealing_personal = std::prev(it)->second;
  } else {
    // Every epoch this device holds reached a removed device (crossed
    // removals): the newest still reached the fewest, until the new epoch
    // OnSpaceChange makes arrives.
    auto newest = ring->epochs.rbegin();
    ring->sealing_epoch = newest->first;
    ring->sealing_space =
        newest->second.space.empty() ? nullptr : newest->second.space.front().get();
    if (ring->sealing_space == nullptr) ring->sealing_epoch = keys.space_key_epoch;
  }
  return ring;
}

}  // namespace attune
