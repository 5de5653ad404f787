// The recovery kit and the passphrase change (Vault::CreateRecoveryKit,
// Recover, ChangePassphrase): every way in opens the same keys, each change
// leaves the others working, and a refused call saves nothing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>

#include "daemon/vault/vault.h"
#include "tests/support/older_vault.h"
#include "tests/support/test_keys.h"

namespace attune {
namespace {

using ::attune::testing::MemoryVaultPersistence;
using ::testing::HasSubstr;

constexpr char kPassphrase[] = "correct horse";
constexpr char kNewPassphrase[] = "battery staple";
constexpr int64_t kNow = 1796342400;  // 2026-12-03

std::string DataKeyOf(const std::shared_ptr<const KeySet>& keys) {
  return std::string(keys->data_key.view());
}

// A vault made with kPassphrase in `p`; returns its data key.
std::string MakeVault(MemoryVaultPersistence* p) {
  Vault vault(p);
  auto keys = vault.Init(kPassphrase, "Sam", MinimumKdf());
  if (!keys.ok()) ADD_FAILURE() << keys.status();
  return keys.ok() ? DataKeyOf(*keys) : "";
}

std::unique_ptr<Vault> Reopen(MemoryVaultPersistence* p) {
  auto vault = std::make_unique<Vault>(p);
  EXPECT_TRUE(vault->Load().ok());
  return vault;
}

// A code with one character changed to another valid one.
std::string WithATypo(std::string code) {
  code[2] = code[2] == 'A' ? 'B' : 'A';
  return code;
}

TEST(RecoveryKitTest, TheCodeOpensTheSameKeysAndSetsANewPassphrase) {
  MemoryVaultPersistence p;
  const std::string data_key = MakeVault(&p);
  std::string code;
  {
    auto vault = Reopen(&p);
    EXPECT_FALSE(vault->recovery_kit_time().has_value());
    auto kit = vault->CreateRecoveryKit(kPassphrase, kNow);
    ASSERT_TRUE(kit.ok()) << kit.status();
    code = kit->code;
    EXPECT_EQ(kit->create_seconds, kNow);
    EXPECT_EQ(vault->recovery_kit_time(), kNow);
    // Making a kit does not unlock a locked vault.
    EXPECT_EQ(vault->state(), Vault::State::kLocked);
  }
  EXPECT_TRUE(std::regex_match(code, std::regex("([A-Z2-7]{9}-){3}[A-Z2-7]{9}"))) << code;

  // The passphrase is lost.
  auto vault = Reopen(&p);
  EXPECT_EQ(vault->recovery_kit_time(), kNow);  // known while locked
  auto keys = vault->Recover(code, kNewPassphrase, MinimumKdf());
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ(DataKeyOf(*keys), data_key);
  EXPECT_EQ(vault->state(), Vault::State::kUnlocked);

  // From now on the new passphrase opens it, the old one does not, and the
  // kit still does (typed in lower case, without dashes).
  EXPECT_EQ(Reopen(&p)->Unlock(kPassphrase).status().code(), absl::StatusCode::kUnauthenticated);
  auto by_new = Reopen(&p)->Unlock(kNewPassphrase);
  ASSERT_TRUE(by_new.ok()) << by_new.status();
  EXPECT_EQ(DataKeyOf(*by_new), data_key);
  std::string typed;
  for (char c : code) {
    if (c != '-') typed.push_back(static_cast<char>(std::tolower(c)));
  }
  auto again = Reopen(&p)->Recover(typed, "a third passphrase", MinimumKdf());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(DataKeyOf(*again), data_key);
}

TEST(RecoveryKitTest, WrongCodesAreToldApartAndChangeNothing) {
  MemoryVaultPersistence p;
  MakeVault(&p);
  // No kit yet.
  auto none =
      Reopen(&p)->Recover("AAAAAAAAA-AAAAAAAAA-AAAAAAAAA-AAAAAAAAA", kNewPassphrase, MinimumKdf());
  EXPECT_EQ(none.status().code(), absl::StatusCode::kFailedPrecondition) << none.status();
  EXPECT_THAT(none.status().message(), HasSubstr("no recovery kit"));

  auto kit = Reopen(&p)->CreateRecoveryKit(kPassphrase, kNow);
  ASSERT_TRUE(kit.ok()) << kit.status();
  const std::string saved = *p.file;

  auto vault = Reopen(&p);
  auto typo = vault->Recover(WithATypo(kit->code), kNewPassphrase, MinimumKdf());
  EXPECT_EQ(typo.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(typo.status().message(), HasSubstr("recovery code: a check character"));
  auto short_code = vault->Recover("ABCD-EFGH", kNewPassphrase, MinimumKdf());
  EXPECT_EQ(short_code.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(short_code.status().message(), HasSubstr("recovery code: wrong length"));
  auto short_passphrase = vault->Recover(kit->code, "short", MinimumKdf());
  EXPECT_EQ(short_passphrase.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(short_passphrase.status().message(), HasSubstr("new_passphrase"));

  // Another vault's kit: well formed, but not this vault's.
  MemoryVaultPersistence other;
  MakeVault(&other);
  auto other_kit = Reopen(&other)->CreateRecoveryKit(kPassphrase, kNow);
  ASSERT_TRUE(other_kit.ok());
  auto foreign = vault->Recover(other_kit->code, kNewPassphrase, MinimumKdf());
  EXPECT_EQ(foreign.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(foreign.status().message(), HasSubstr("does not open this vault"));

  EXPECT_EQ(vault->state(), Vault::State::kLocked);
  EXPECT_EQ(*p.file, saved);
  EXPECT_TRUE(Reopen(&p)->Unlock(kPassphrase).ok());
}

TEST(RecoveryKitTest, ANewKitReplacesTheOldAndNeedsThePassphrase) {
  MemoryVaultPersistence p;
  MakeVault(&p);
  auto vault = Reopen(&p);
  ASSERT_TRUE(vault->Unlock(kPassphrase).ok());
  // Whoever finds the device unlocked cannot make themselves a way in.
  auto refused = vault->CreateRecoveryKit("incorrect horse", kNow);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_FALSE(vault->recovery_kit_time().has_value());

  auto first = vault->CreateRecoveryKit(kPassphrase, kNow);
  auto second = vault->CreateRecoveryKit(kPassphrase, kNow + 60);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_NE(first->code, second->code);
  EXPECT_EQ(vault->recovery_kit_time(), kNow + 60);
  EXPECT_EQ(vault->state(), Vault::State::kUnlocked);
  EXPECT_EQ(Reopen(&p)->Recover(first->code, kNewPassphrase, MinimumKdf()).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(Reopen(&p)->Recover(second->code, kNewPassphrase, MinimumKdf()).ok());
}

TEST(RecoveryKitTest, TheFileHoldsNeitherTheCodeNorAWayToSwapSlots) {
  MemoryVaultPersistence p;
  MakeVault(&p);
  auto kit = Reopen(&p)->CreateRecoveryKit(kPassphrase, kNow);
  ASSERT_TRUE(kit.ok());
  EXPECT_EQ(p.file->find(kit->code), std::string::npos);

  // The recovery slot of one vault put into another: it is bound to its own
  // device, so the other vault's file does not open with that code.
  MemoryVaultPersistence other;
  MakeVault(&other);
  v1::VaultFile mine, theirs;
  ASSERT_TRUE(mine.ParseFromString(*p.file));
  ASSERT_TRUE(theirs.ParseFromString(*other.file));
  *theirs.mutable_by_recovery_code() = mine.by_recovery_code();
  other.file = theirs.SerializeAsString();
  EXPECT_EQ(Reopen(&other)->Recover(kit->code, kNewPassphrase, MinimumKdf()).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(ChangePassphraseTest, TheNewOneOpensTheSameKeysAndTheKitStaysValid) {
  MemoryVaultPersistence p;
  const std::string data_key = MakeVault(&p);
  auto kit = Reopen(&p)->CreateRecoveryKit(kPassphrase, kNow);
  ASSERT_TRUE(kit.ok());

  {  // Locked: it stays locked.
    auto vault = Reopen(&p);
    ASSERT_TRUE(vault->ChangePassphrase(kPassphrase, kNewPassphrase, MinimumKdf()).ok());
    EXPECT_EQ(vault->state(), Vault::State::kLocked);
    EXPECT_EQ(vault->recovery_kit_time(), kNow);
  }
  EXPECT_EQ(Reopen(&p)->Unlock(kPassphrase).status().code(), absl::StatusCode::kUnauthenticated);
  {  // Unlocked: it stays unlocked, with the same keys.
    auto vault = Reopen(&p);
    auto keys = vault->Unlock(kNewPassphrase);
    ASSERT_TRUE(keys.ok()) << keys.status();
    EXPECT_EQ(DataKeyOf(*keys), data_key);
    ASSERT_TRUE(
        vault->ChangePassphrase(kNewPassphrase, "a third passphrase", InteractiveKdf()).ok());
    EXPECT_EQ(vault->state(), Vault::State::kUnlocked);
    EXPECT_EQ(DataKeyOf(*vault->Keys()), data_key);
  }
  v1::VaultFile file;
  ASSERT_TRUE(file.ParseFromString(*p.file));
  EXPECT_EQ(file.opslimit(), InteractiveKdf().opslimit);  // the cost asked for
  auto recovered = Reopen(&p)->Recover(kit->code, kNewPassphrase, MinimumKdf());
  ASSERT_TRUE(recovered.ok()) << recovered.status();
  EXPECT_EQ(DataKeyOf(*recovered), data_key);
}

TEST(ChangePassphraseTest, AWrongOrShortPassphraseChangesNothing) {
  MemoryVaultPersistence p;
  MakeVault(&p);
  const std::string saved = *p.file;
  auto vault = Reopen(&p);
  auto wrong = vault->ChangePassphrase("incorrect horse", kNewPassphrase, MinimumKdf());
  EXPECT_EQ(wrong.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(wrong.message(), "wrong passphrase");
  auto short_one = vault->ChangePassphrase(kPassphrase, "short", MinimumKdf());
  EXPECT_EQ(short_one.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(short_one.message(), HasSubstr("new_passphrase: must be at least 8"));
  EXPECT_EQ(*p.file, saved);
}

// A vault file of version 1 (the secrets sealed with the passphrase's key
// itself): unlocking it writes version 2, and a passphrase change or a kit
// on it while locked does the same.
TEST(ChangePassphraseTest, AnOlderVaultFileIsWrittenInTheNewFormWithTheSameKeys) {
  MemoryVaultPersistence p;
  const std::string data_key = MakeVault(&p);
  auto older = ::attune::testing::AsAnOlderVaultFile(*p.file, kPassphrase);
  ASSERT_TRUE(older.has_value());
  auto version = [&p] {
    v1::VaultFile file;
    EXPECT_TRUE(file.ParseFromString(*p.file));
    return file.version();
  };

  p.file = *older;
  ASSERT_EQ(version(), 1u);
  {
    auto vault = Reopen(&p);
    EXPECT_EQ(vault->Unlock("incorrect horse").status().code(), absl::StatusCode::kUnauthenticated);
    auto keys = vault->Unlock(kPassphrase);
    ASSERT_TRUE(keys.ok()) << keys.status();
    EXPECT_EQ(DataKeyOf(*keys), data_key);
    EXPECT_EQ(version(), 2u);
    // The vault key made at that unlock seals what changes later.
    ASSERT_TRUE(vault->KeepOwnLogHead().ok());
  }
  auto unlocked = Reopen(&p)->Unlock(kPassphrase);
  ASSERT_TRUE(unlocked.ok()) << unlocked.status();
  EXPECT_TRUE((*unlocked)->keeps_own_log_head);

  p.file = *older;
  ASSERT_TRUE(Reopen(&p)->ChangePassphrase(kPassphrase, kNewPassphrase, MinimumKdf()).ok());
  EXPECT_EQ(version(), 2u);
  auto changed = Reopen(&p)->Unlock(kNewPassphrase);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_EQ(DataKeyOf(*changed), data_key);

  p.file = *older;
  auto kit = Reopen(&p)->CreateRecoveryKit(kPassphrase, kNow);
  ASSERT_TRUE(kit.ok()) << kit.status();
  EXPECT_EQ(version(), 2u);
  EXPECT_TRUE(Reopen(&p)->Unlock(kPassphrase).ok());
  auto recovered = Reopen(&p)->Recover(kit->code, kNewPassphrase, MinimumKdf());
  ASSERT_TRUE(recovered.ok()) << recovered.status();
  EXPECT_EQ(DataKeyOf(*recovered), data_key);
}

// The secrets change when the device joins a space; every way in still
// opens them afterwards.
TEST(RecoveryKitTest, AKitMadeBeforeJoiningASpaceOpensTheKeysAfter) {
  ASSERT_TRUE(InitCrypto());
  MemoryVaultPersistence p;
  MakeVault(&p);
  SecretBytes space_key(kSymmetricKeyBytes);
  space_key.data()[0] = 42;
  std::string code;
  {
    auto vault = Reopen(&p);
    auto kit = vault->CreateRecoveryKit(kPassphrase, kNow);
    ASSERT_TRUE(kit.ok());
    code = kit->code;
    ASSERT_TRUE(vault->Unlock(kPassphrase).ok());
    ASSERT_TRUE(vault->AdoptSpace(std::string(kRawIdBytes, 's'), space_key, 1).ok());
  }
  auto recovered = Reopen(&p)->Recover(code, kNewPassphrase, MinimumKdf());
  ASSERT_TRUE(recovered.ok()) << recovered.status();
  EXPECT_EQ((*recovered)->space_key.data()[0], 42);
  EXPECT_EQ((*recovered)->space_key_epoch, 1u);
}

}  // namespace
}  // namespace attune
