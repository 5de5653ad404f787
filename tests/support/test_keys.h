// Helpers for unit tests: an in-memory vault persistence, fresh keys, and a
// temporary folder that removes itself.
#ifndef ATTUNE_TESTS_SUPPORT_TEST_KEYS_H_
#define ATTUNE_TESTS_SUPPORT_TEST_KEYS_H_

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "daemon/vault/vault.h"

namespace attune::testing {

class MemoryVaultPersistence : public VaultPersistence {
 public:
  absl::StatusOr<std::optional<std::string>> LoadVaultFile() override { return file; }
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

// `device`'s identity and own keys, in the space `space_id` with `space_key`
// (as after pairing).
inline std::shared_ptr<KeySet> KeysInSpace(const KeySet& device, const std::string& space_id,
                                           const SecretBytes& space_key) {
  auto keys = std::make_shared<KeySet>();
  keys->space_id = space_id;
  keys->member_id = device.member_id;
  keys->device_public_key = device.device_public_key;
  keys->display_name = device.display_name;
  auto copy = [](const SecretBytes& from, SecretBytes* to) {
    std::copy(from.data(), from.data() + from.size(), to->data());
  };
  copy(device.device_secret_key, &keys->device_secret_key);
  copy(device.data_key, &keys->data_key);
  copy(space_key, &keys->space_key);
  copy(device.personal_key, &keys->personal_key);
  return keys;
}

// Another device of `person`: `device`'s own device key and data key, with
// the person's member id, name, space and personal key (as after linking).
inline std::shared_ptr<KeySet> DeviceOfPerson(const KeySet& person, const KeySet& device) {
  auto keys = KeysInSpace(device, person.space_id, person.space_key);
  keys->member_id = person.member_id;
  keys->display_name = person.display_name;
  std::copy(person.personal_key.data(), person.personal_key.data() + person.personal_key.size(),
            keys->personal_key.data());
  return keys;
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
