#include "daemon/vault/vault.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/older_vault.h"
#include "tests/support/test_keys.h"

namespace attune {
namespace {

using ::attune::testing::MemoryVaultPersistence;
using ::testing::HasSubstr;

TEST(VaultTest, FreshVaultIsUninitializedAndSaysToRunInit) {
  MemoryVaultPersistence p;
  Vault vault(&p);
  ASSERT_TRUE(vault.Load().ok());
  EXPECT_EQ(vault.state(), Vault::State::kUninitialized);
  auto keys = vault.Keys();
  EXPECT_EQ(keys.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(keys.status().message(), HasSubstr("attune init"));
}

TEST(VaultTest, InitLeavesItUnlockedAndUnlockReturnsTheSameKeys) {
  MemoryVaultPersistence p;
  std::string data_key, device_key;
  {
    Vault vault(&p);
    auto keys = vault.Init("correct horse", "Sam", MinimumKdf());
    ASSERT_TRUE(keys.ok()) << keys.status();
    EXPECT_EQ(vault.state(), Vault::State::kUnlocked);
    data_key = std::string((*keys)->data_key.view());
    device_key = (*keys)->device_public_key;
    EXPECT_EQ((*keys)->display_name, "Sam");
  }
  Vault reopened(&p);
  ASSERT_TRUE(reopened.Load().ok());
  EXPECT_EQ(reopened.state(), Vault::State::kLocked);
  ASSERT_TRUE(reopened.identity().has_value());
  EXPECT_EQ(reopened.identity()->device_public_key(), device_key);
  auto keys = reopened.Unlock("correct horse");
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ(std::string((*keys)->data_key.view()), data_key);
}

TEST(VaultTest, WrongPassphraseIsUnauthenticatedAndStaysLocked) {
  MemoryVaultPersistence p;
  { ASSERT_TRUE(Vault(&p).Init("correct horse", "Sam", MinimumKdf()).ok()); }
  Vault vault(&p);
  ASSERT_TRUE(vault.Load().ok());
  auto keys = vault.Unlock("incorrect horse");
  EXPECT_EQ(keys.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(keys.status().message(), "wrong passphrase");
  EXPECT_EQ(vault.state(), Vault::State::kLocked);
}

TEST(VaultTest, LockedVaultRefusesWithTheUnlockHint) {
  MemoryVaultPersistence p;
  Vault vault(&p);
  auto held = vault.Init("correct horse", "Sam", MinimumKdf());
  ASSERT_TRUE(held.ok());
  vault.Lock();
  EXPECT_EQ(vault.state(), Vault::State::kLocked);
  auto keys = vault.Keys();
  EXPECT_EQ(keys.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(keys.status().message(), HasSubstr("run attune unlock"));
  // A call that took the keys before the lock can still finish with them.
  EXPECT_EQ((*held)->data_key.size(), kSymmetricKeyBytes);
}

TEST(VaultTest, InitTwiceIsAlreadyExists) {
  MemoryVaultPersistence p;
  Vault vault(&p);
  ASSERT_TRUE(vault.Init("correct horse", "Sam", MinimumKdf()).ok());
  auto again = vault.Init("another passphrase", "Sam", MinimumKdf());
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);
}

TEST(VaultTest, ShortPassphraseIsRefusedAndNothingIsSaved) {
  MemoryVaultPersistence p;
  Vault vault(&p);
  auto keys = vault.Init("short", "Sam", MinimumKdf());
  EXPECT_EQ(keys.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(keys.status().message(), HasSubstr("passphrase"));
  EXPECT_FALSE(p.file.has_value());
  EXPECT_EQ(vault.state(), Vault::State::kUninitialized);
}

TEST(VaultTest, SavedFileHoldsNoKeyInTheClear) {
  MemoryVaultPersistence p;
  Vault vault(&p);
  auto keys = vault.Init("correct horse", "Sam", MinimumKdf());
  ASSERT_TRUE(keys.ok());
  ASSERT_TRUE(p.file.has_value());
  for (const SecretBytes* secret : {&(*keys)->data_key, &(*keys)->space_key, &(*keys)->personal_key,
                                    &(*keys)->device_secret_key}) {
    // The first 16 bytes of any key would be enough to notice a leak.
    std::string probe(secret->view().substr(0, 16));
    EXPECT_EQ(p.file->find(probe), std::string::npos);
  }
}

TEST(VaultTest, TamperedIdentityFailsToUnlock) {
  MemoryVaultPersistence p;
  { ASSERT_TRUE(Vault(&p).Init("correct horse", "Sam", MinimumKdf()).ok()); }
  v1::VaultFile file;
  ASSERT_TRUE(file.ParseFromString(*p.file));
  v1::VaultIdentity id;
  ASSERT_TRUE(id.ParseFromString(file.identity()));
  id.set_display_name("Mallory");  // the identity is the sealed secrets' AD
  file.set_identity(id.SerializeAsString());
  p.file = file.SerializeAsString();
  Vault vault(&p);
  ASSERT_TRUE(vault.Load().ok());
  EXPECT_FALSE(vault.Unlock("correct horse").ok());
}

// The mark that the device keeps a sealed head of its own op log (see
// RecordStore::CheckOwnLog): set on every new vault, set once on an older one,
// and bound to the passphrase like the rest of the identity.
TEST(VaultTest, EveryVaultEndsUpPromisingAHeadOfItsOwnLogAndTheMarkCannotBeCleared) {
  MemoryVaultPersistence p;
  {
    auto keys = Vault(&p).Init("correct horse", "Sam", MinimumKdf());
    ASSERT_TRUE(keys.ok());
    EXPECT_TRUE((*keys)->keeps_own_log_head);
  }
  // As an older attuned wrote it.
  auto older = ::attune::testing::AsAnOlderVaultFile(*p.file, "correct horse");
  ASSERT_TRUE(older.has_value());
  p.file = *older;
  {
    Vault vault(&p);
    ASSERT_TRUE(vault.Load().ok());
    EXPECT_EQ(vault.KeepOwnLogHead().status().code(), absl::StatusCode::kFailedPrecondition);
    auto keys = vault.Unlock("correct horse");
    ASSERT_TRUE(keys.ok()) << keys.status();
    EXPECT_FALSE((*keys)->keeps_own_log_head);
    auto kept = vault.KeepOwnLogHead();
    ASSERT_TRUE(kept.ok()) << kept.status();
    EXPECT_TRUE((*kept)->keeps_own_log_head);
    EXPECT_EQ((*kept)->data_key.view(), (*keys)->data_key.view());
    EXPECT_TRUE((*vault.Keys())->keeps_own_log_head);
  }
  Vault reopened(&p);
  ASSERT_TRUE(reopened.Load().ok());
  auto keys = reopened.Unlock("correct horse");
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_TRUE((*keys)->keeps_own_log_head);
  // Clearing the mark in the file without the passphrase breaks the seal.
  v1::VaultFile file;
  ASSERT_TRUE(file.ParseFromString(*p.file));
  v1::VaultIdentity id;
  ASSERT_TRUE(id.ParseFromString(file.identity()));
  id.set_keeps_own_log_head(false);
  file.set_identity(id.SerializeAsString());
  p.file = file.SerializeAsString();
  Vault tampered(&p);
  ASSERT_TRUE(tampered.Load().ok());
  EXPECT_FALSE(tampered.Unlock("correct horse").ok());
}

}  // namespace
}  // namespace attune

namespace attune {
namespace {

TEST(VaultTest, AdoptedSpaceSurvivesARestartUnderTheSamePassphrase) {
  ASSERT_TRUE(InitCrypto());  // sodium_malloc below runs before any Vault call
  testing::MemoryVaultPersistence p;
  std::string device;
  SecretBytes space_key(kSymmetricKeyBytes);
  space_key.data()[0] = 42;
  const std::string space_id(kRawIdBytes, 's');
  {
    Vault vault(&p);
    auto keys = vault.Init("correct horse", "Sam", MinimumKdf());
    ASSERT_TRUE(keys.ok());
    device = (*keys)->device_public_key;
    auto adopted = vault.AdoptSpace(space_id, space_key, 3);
    ASSERT_TRUE(adopted.ok()) << adopted.status();
    EXPECT_EQ((*adopted)->space_key_epoch, 3u);
    EXPECT_EQ((*adopted)->space_id, space_id);
    EXPECT_EQ((*adopted)->device_public_key, device);
    vault.Lock();
    EXPECT_EQ(vault.AdoptSpace(space_id, space_key, 0).status().code(),
              absl::StatusCode::kFailedPrecondition);
  }
  Vault reopened(&p);
  ASSERT_TRUE(reopened.Load().ok());
  auto keys = reopened.Unlock("correct horse");
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ((*keys)->space_id, space_id);
  EXPECT_EQ((*keys)->space_key.data()[0], 42);
  EXPECT_EQ((*keys)->device_public_key, device);
  // The epoch the inviter named is kept: ops sealed after a restart name it
  // too, and a peer on that epoch opens them.
  EXPECT_EQ((*keys)->space_key_epoch, 3u);
}

}  // namespace
}  // namespace attune

namespace attune {
namespace {

using ::attune::testing::MemoryVaultPersistence;

TEST(NewDeviceTest, ARestoredCopyGetsNewDeviceKeysAndKeepsEverythingElse) {
  MemoryVaultPersistence p;
  std::shared_ptr<const KeySet> original;
  {
    Vault vault(&p);
    auto keys = vault.Init("correct horse", "Sam", MinimumKdf());
    ASSERT_TRUE(keys.ok()) << keys.status();
    original = *keys;
    ASSERT_TRUE(vault.CreateRecoveryKit("correct horse", 1'700'000'000).ok());
  }
  Vault copy(&p);
  ASSERT_TRUE(copy.Load().ok());
  EXPECT_EQ(copy.BecomeNewDevice("wrong horse").status().code(),
            absl::StatusCode::kUnauthenticated);
  auto moved = copy.BecomeNewDevice("correct horse");
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_EQ(moved->before->device_public_key, original->device_public_key);
  EXPECT_EQ(moved->before->device_secret_key.view(), original->device_secret_key.view());
  const KeySet& after = *moved->after;
  EXPECT_NE(after.device_public_key, original->device_public_key);
  EXPECT_NE(after.device_secret_key.view(), original->device_secret_key.view());
  EXPECT_EQ(after.member_id, original->member_id);
  EXPECT_EQ(after.space_id, original->space_id);
  EXPECT_EQ(after.data_key.view(), original->data_key.view());
  EXPECT_EQ(after.space_key.view(), original->space_key.view());
  EXPECT_EQ(after.personal_key.view(), original->personal_key.view());
  EXPECT_TRUE(after.keeps_own_log_head);
  // Locked, saved, the kit dropped (it was bound to the old device key).
  EXPECT_EQ(copy.state(), Vault::State::kLocked);
  EXPECT_FALSE(copy.recovery_kit_time().has_value());
  Vault reopened(&p);
  ASSERT_TRUE(reopened.Load().ok());
  EXPECT_EQ(reopened.identity()->device_public_key(), after.device_public_key);
  auto keys = reopened.Unlock("correct horse");
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ((*keys)->device_secret_key.view(), after.device_secret_key.view());
}

TEST(NewDeviceTest, ARetiredVaultRefusesInitUntilItIsNoLongerRetired) {
  MemoryVaultPersistence p;
  Vault vault(&p);
  ASSERT_TRUE(vault.Retire("restarting").ok());
  EXPECT_EQ(vault.Init("correct horse", "Sam", MinimumKdf()).status().code(),
            absl::StatusCode::kUnavailable);
  ASSERT_TRUE(vault.Retire("").ok());
  ASSERT_TRUE(vault.Init("correct horse", "Sam", MinimumKdf()).ok());
  EXPECT_EQ(vault.Retire("restarting").code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace attune
