// Helpers for unit tests: an in-memory vault persistence, fresh keys, and a
// temporary folder that removes itself.
#ifndef ATTUNE_TESTS_SUPPORT_TEST_KEYS_H_
#define ATTUNE_TESTS_SUPPORT_TEST_KEYS_H_

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "daemon/vault/vault.h"

namespace attune::testing {

class MemoryVaultPersistence : public VaultPersistence {
 public:
  absl::StatusOr<std::optional<std::string>> LoadVaultFile() override {
    return file;
  }
  absl::Status SaveVaultFile(std::string_view bytes) override {
    file = std::string(bytes);
    return absl::OkStatus();
  }
  std::optional<std::string> file;
};

// A new device's keys, made with the cheapest KDF.
inline std::shared_ptr<const KeySet> NewKeys(const std::string& name = "Alex") {
  MemoryVaultPersistence persistence;
  Vault vault(&persistence);
  auto keys = vault.Init("test passphrase", name, MinimumKdf());
  if (!keys.ok()) std::abort();
  return *keys;
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "attune-test-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace attune::testing

#endif  // ATTUNE_TESTS_SUPPORT_TEST_KEYS_H_
