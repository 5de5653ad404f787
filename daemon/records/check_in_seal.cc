#include "daemon/records/check_in_seal.h"

#include <sodium.h>

#include "absl/strings/str_cat.h"
#include "daemon/base/hex.h"
#include "daemon/base/log.h"
#include "daemon/store/merge.h"

namespace attune {
namespace {

constexpr char kKeyDomain[] = "attune-checkin-content-key-v1";
constexpr size_t kSaltBytes = 16;
constexpr char kSealDomain[] = "attune-checkin-content-v1";

const unsigned char* U(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

std::string AssociatedData(std::string_view id) {
  return absl::StrCat(kSealDomain, std::string(id));
}

v1::CheckInContent ContentOf(const v1::CheckIn& c) {
  v1::CheckInContent content;
  content.set_high(c.high());
  content.set_low(c.low());
  *content.mutable_emotions() = c.emotions();
  content.set_connection_rating(c.connection_rating());
  content.set_note(c.note());
  return content;
}

void ClearContent(v1::CheckIn* c) {
  c->clear_high();
  c->clear_low();
  c->clear_emotions();
  c->clear_connection_rating();
  c->clear_note();
}

// The content of `sealed` under `key`; false when it does not open.
bool Open(std::string_view key, std::string_view id, const v1::SealedContent& sealed,
          v1::CheckInContent* out) {
  if (key.size() != crypto_aead_xchacha20poly1305_ietf_KEYBYTES ||
      sealed.nonce().size() != crypto_aead_xchacha20poly1305_ietf_NPUBBYTES ||
      sealed.ciphertext().size() < crypto_aead_xchacha20poly1305_ietf_ABYTES) {
    return false;
  }
  std::string plain(sealed.ciphertext().size() - crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
  unsigned long long len = 0;
  const std::string ad = AssociatedData(id);
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(plain.data()), &len, nullptr, U(sealed.ciphertext()),
          sealed.ciphertext().size(), U(ad), ad.size(), U(sealed.nonce()), U(key)) != 0) {
    return false;
  }
  plain.resize(len);
  bool parsed = out->ParseFromString(plain);
  sodium_memzero(plain.data(), plain.size());
  return parsed;
}

}  // namespace

bool KeyOpens(const v1::CheckInKey& key, const v1::SealedContent& sealed) {
  return !sealed.salt().empty() && key.salt() == sealed.salt();
}

SecretBytes CheckInContentKey(const KeySet& keys, std::string_view id, std::string_view salt) {
  SecretBytes key(crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
  const std::string input = absl::StrCat(kKeyDomain, std::string(id), std::string(salt));
  crypto_generichash(key.data(), key.size(), U(input), input.size(), keys.personal_key.data(),
                     keys.personal_key.size());
  return key;
}

const std::vector<uint32_t>& CheckInContentFields() {
  static const auto* fields = new std::vector<uint32_t>{
      v1::CheckIn::kHighFieldNumber,     v1::CheckIn::kLowFieldNumber,
      v1::CheckIn::kEmotionsFieldNumber, v1::CheckIn::kConnectionRatingFieldNumber,
      v1::CheckIn::kNoteFieldNumber,     v1::CheckIn::kSealedContentFieldNumber};
  return *fields;
}

void SealCheckInForWrite(const KeySet& keys, std::string_view id, bool reveal_together,
                         v1::CheckIn* c) {
  c->clear_reveal();
  c->clear_sealed_content();
  if (!reveal_together || c->visibility() != v1::VISIBILITY_SHARED) return;
  std::string plain = ContentOf(*c).SerializeAsString();
  std::string nonce(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, '\0');
  randombytes_buf(nonce.data(), nonce.size());
  std::string salt(kSaltBytes, '\0');
  randombytes_buf(salt.data(), salt.size());
  std::string sealed(plain.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
  unsigned long long len = 0;
  const std::string ad = AssociatedData(id);
  SecretBytes key = CheckInContentKey(keys, id, salt);
  crypto_aead_xchacha20poly1305_ietf_encrypt(reinterpret_cast<unsigned char*>(sealed.data()), &len,
                                             U(plain), plain.size(), U(ad), ad.size(), nullptr,
                                             U(nonce), key.data());
  sodium_memzero(plain.data(), plain.size());
  sealed.resize(len);
  c->mutable_sealed_content()->set_salt(std::move(salt));
  c->mutable_sealed_content()->set_nonce(std::move(nonce));
  c->mutable_sealed_content()->set_ciphertext(std::move(sealed));
  ClearContent(c);
}

absl::StatusOr<v1::CheckIn> OpenCheckIn(const KeySet& keys, const RecordStore& store,
                                        std::string_view id, v1::CheckIn c) {
  c.clear_reveal();
  if (!c.has_sealed_content()) return c;
  const v1::SealedContent sealed = c.sealed_content();
  c.clear_sealed_content();
  ClearContent(&c);
  c.set_reveal(v1::REVEAL_WAITING_FOR_YOURS);
  v1::CheckInContent content;
  bool opened = false;
  if (c.author() == ToHex(keys.member_id)) {
    SecretBytes key = CheckInContentKey(keys, id, sealed.salt());
    opened = Open(key.view(), id, sealed, &content);
  } else {
    auto released = store.Get(keys, Kind::kCheckInKey, id);
    if (!released.ok()) return released.status();
    // None yet, or one of an earlier version (this one's comes soon).
    if (!released->has_value() || !IsLive(**released) ||
        !KeyOpens((*released)->record().check_in_key(), sealed)) {
      return c;
    }
    opened = Open((*released)->record().check_in_key().key(), id, sealed, &content);
  }
  if (!opened) {
    LogWarning(absl::StrCat("check-in ", ToHex(id), ": its key does not open it; kept sealed"));
    return c;
  }
  c.set_high(content.high());
  c.set_low(content.low());
  *c.mutable_emotions() = content.emotions();
  c.set_connection_rating(content.connection_rating());
  c.set_note(content.note());
  c.set_reveal(v1::REVEAL_OPEN);
  return c;
}

}  // namespace attune
