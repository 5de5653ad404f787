// Memory for key material: allocated with sodium_malloc (guard pages, locked
// where the OS allows) and wiped by sodium_free when released.
#ifndef ATTUNE_DAEMON_VAULT_SECRET_H_
#define ATTUNE_DAEMON_VAULT_SECRET_H_

#include <cstddef>
#include <string_view>

namespace attune {

// A fixed-size buffer of secret bytes. Move-only; zero-filled on creation.
// sodium_init() must have been called (see InitCrypto()).
class SecretBytes {
 public:
  explicit SecretBytes(size_t size);
  ~SecretBytes();
  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;

  unsigned char* data() { return data_; }
  const unsigned char* data() const { return data_; }
  size_t size() const { return size_; }
  std::string_view view() const { return {reinterpret_cast<const char*>(data_), size_}; }

 private:
  unsigned char* data_;
  size_t size_;
};

// Initialises libsodium once; safe to call from any thread, any number of
// times. Returns false if libsodium cannot be used.
bool InitCrypto();

}  // namespace attune

#endif  // ATTUNE_DAEMON_VAULT_SECRET_H_
