// What the fuzz targets and the seed corpus generator (make_corpus.cc)
// share: fixed device identities, so that an op or a certificate signed by
// make_corpus verifies in a fuzz target, and a scratch database.
#ifndef ATTUNE_TESTS_FUZZ_FUZZ_SUPPORT_H_
#define ATTUNE_TESTS_FUZZ_FUZZ_SUPPORT_H_

#include <sodium.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "attune/v1/sync.pb.h"
#include "daemon/store/db.h"
#include "daemon/sync/membership.h"
#include "daemon/vault/keys.h"
#include "daemon/vault/secret.h"
#include "tests/support/test_members.h"

namespace attune::fuzz {

// The space every fuzz target lives in (16 bytes).
inline const std::string kSpaceId = "fuzz-space-0001!";
inline constexpr uint64_t kAddedAtMs = 1700000000000;

// A device of the fuzz space. Its Ed25519 key pair comes from a seed of 32
// times `seed`; the space key is the same for every device, the other
// symmetric keys differ per device.
inline std::unique_ptr<KeySet> DeviceKeys(unsigned char seed, const std::string& name) {
  if (!InitCrypto()) std::abort();
  auto k = std::make_unique<KeySet>();
  k->space_id = kSpaceId;
  k->member_id = std::string(kRawIdBytes, static_cast<char>(seed));
  k->display_name = name;
  unsigned char sign_seed[crypto_sign_SEEDBYTES];
  std::memset(sign_seed, seed, sizeof sign_seed);
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  crypto_sign_seed_keypair(pk, k->device_secret_key.data(), sign_seed);
  k->device_public_key.assign(reinterpret_cast<const char*>(pk), sizeof pk);
  std::memset(k->data_key.data(), seed ^ 0x11, k->data_key.size());
  std::memset(k->space_key.data(), 0x5a, k->space_key.size());
  std::memset(k->personal_key.data(), seed ^ 0x33, k->personal_key.size());
  return k;
}

// The founder of the space, and a partner the founder added.
inline std::unique_ptr<KeySet> Founder() { return DeviceKeys(0xa1, "Alex"); }
inline std::unique_ptr<KeySet> Partner() { return DeviceKeys(0xb2, "Sam"); }
// A device that is not a member.
inline std::unique_ptr<KeySet> Stranger() { return DeviceKeys(0xc3, "Eve"); }

// `device`'s certificate, signed by `signer`.
inline v1::MemberCert CertFor(const KeySet& device, const KeySet& signer) {
  return testing::MemberCertOf(kSpaceId, device, signer, kAddedAtMs);
}

// The space's certificates: the founder's own and the partner's.
inline std::vector<v1::MemberCert> SpaceCerts(const KeySet& founder, const KeySet& partner) {
  return {CertFor(founder, founder), CertFor(partner, founder)};
}

// A database in a fresh folder (in /dev/shm when there is one, where
// fsync costs nothing), removed when this object goes.
class ScratchDb {
 public:
  ScratchDb() {
    std::string base = ::access("/dev/shm", W_OK) == 0
                           ? std::string("/dev/shm")
                           : std::filesystem::temp_directory_path().string();
    std::string tmpl = base + "/attune-fuzz-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
    dir_ = tmpl;
    DbOptions options;
    options.path = dir_ + "/db";
    auto db = Db::Open(options);
    if (!db.ok()) {
      std::fprintf(stderr, "cannot open a scratch database: %s\n",
                   std::string(db.status().message()).c_str());
      std::abort();
    }
    db_ = std::move(*db);
  }
  ~ScratchDb() {
    db_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  ScratchDb(const ScratchDb&) = delete;
  ScratchDb& operator=(const ScratchDb&) = delete;

  Db* db() { return db_.get(); }

  // Removes everything, so one input does not see what another left.
  void Clear() {
    for (Cf cf : {Cf::kOplog, Cf::kRecords, Cf::kMeta}) {
      if (!db_->Clear(cf).ok()) std::abort();
    }
  }

 private:
  std::string dir_;
  std::unique_ptr<Db> db_;
};

// Splits fuzz input into frames of a 2-byte big-endian length and that
// many bytes; a last frame cut short takes what is left.
inline std::vector<std::string> SplitFrames(const uint8_t* data, size_t size) {
  std::vector<std::string> frames;
  size_t i = 0;
  while (i + 2 <= size) {
    size_t n = static_cast<size_t>(data[i]) << 8 | data[i + 1];
    i += 2;
    n = std::min(n, size - i);
    frames.emplace_back(reinterpret_cast<const char*>(data + i), n);
    i += n;
  }
  return frames;
}

// The inverse of SplitFrames, for the corpus generator.
inline std::string JoinFrames(const std::vector<std::string>& frames) {
  std::string out;
  for (const auto& f : frames) {
    if (f.size() > 0xffff) std::abort();
    out.push_back(static_cast<char>(f.size() >> 8));
    out.push_back(static_cast<char>(f.size() & 0xff));
    out += f;
  }
  return out;
}

// Fails the run, naming the broken promise: an invariant a fuzz target
// checks did not hold.
[[noreturn]] inline void Broken(const char* what) {
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
  std::abort();
}

}  // namespace attune::fuzz

#endif  // ATTUNE_TESTS_FUZZ_FUZZ_SUPPORT_H_
