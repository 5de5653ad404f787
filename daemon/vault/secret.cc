#include "daemon/vault/secret.h"

#include <sodium.h>

#include <cstdlib>
#include <utility>

namespace attune {

SecretBytes::SecretBytes(size_t size)
    : data_(static_cast<unsigned char*>(sodium_malloc(size == 0 ? 1 : size))), size_(size) {
  if (data_ == nullptr) std::abort();  // out of locked memory: cannot go on
  sodium_memzero(data_, size_);
}

SecretBytes::~SecretBytes() {
  if (data_ != nullptr) sodium_free(data_);
}

SecretBytes::SecretBytes(SecretBytes&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    if (data_ != nullptr) sodium_free(data_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

bool InitCrypto() {
  static const bool ok = sodium_init() >= 0;
  return ok;
}

}  // namespace attune
