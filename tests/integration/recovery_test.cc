// The recovery kit and the passphrase change, as a person uses them: the
// real daemon and the attune CLI (attune recovery-kit, attune unlock
// --recovery, attune passphrase change). The harness checks at the end that
// no passphrase and no recovery code reached the daemon's log or a plain file
// of its data folder.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "api_helpers.h"
#include "daemon/store/db.h"
#include "daemon/store/meta.h"
#include "daemon_harness.h"
#include "sync_support.h"

namespace attune::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kFirst[] = "the first passphrase";
constexpr char kSecond[] = "a second passphrase";
constexpr char kThird[] = "and now a third one";

// A 0600 file holding `line`, as --passphrase-file wants it.
std::string SecretFile(const DaemonHarness& d, const std::string& name, const std::string& line) {
  const std::string path = d.root() + "/" + name;
  std::ofstream(path) << line << "\n";
  ::chmod(path.c_str(), 0600);
  return path;
}

// The code in `attune recovery-kit`'s output; empty when there is none.
std::string CodeIn(const std::string& out) {
  std::smatch m;
  static const std::regex code("[A-Z2-7]{9}-[A-Z2-7]{9}-[A-Z2-7]{9}-[A-Z2-7]{9}");
  return std::regex_search(out, m, code) ? m.str() : "";
}

std::string WriteEntry(DaemonHarness& d, const std::string& body) {
  v1::CreateJournalEntryRequest request;
  request.mutable_journal_entry()->set_body(body);
  v1::JournalEntry entry;
  auto ctx = DaemonHarness::Context(std::chrono::seconds(30));
  grpc::Status s = d.journal().CreateJournalEntry(ctx.get(), request, &entry);
  EXPECT_TRUE(s.ok()) << Describe(s);
  return entry.name();
}

std::string BodyOf(DaemonHarness& d, const std::string& name) {
  v1::GetJournalEntryRequest request;
  request.set_name(name);
  v1::JournalEntry entry;
  auto ctx = DaemonHarness::Context(std::chrono::seconds(30));
  grpc::Status s = d.journal().GetJournalEntry(ctx.get(), request, &entry);
  return s.ok() ? entry.body() : "(" + Describe(s) + ")";
}

CliResult UnlockWith(const DaemonHarness& d, const std::string& passphrase_file) {
  return RunCli(d, {"unlock", "--passphrase-file", passphrase_file});
}

TEST(RecoveryIT, ALostPassphraseIsReplacedThroughTheKitAndNothingIsLost) {
  DaemonHarness d;
  ASSERT_TRUE(d.Start());
  ASSERT_TRUE(d.InitVault(kFirst).ok());
  const std::string entry = WriteEntry(d, "what we said on the walk home");
  const std::string first = SecretFile(d, "first", kFirst);

  CliResult status = RunCli(d, {"status"});
  EXPECT_THAT(status.out, HasSubstr("none (attune recovery-kit makes one)"));

  CliResult kit = RunCli(d, {"recovery-kit", "--passphrase-file", first, "--no-qr"});
  ASSERT_EQ(kit.exit_code, 0) << kit.out;
  const std::string code = CodeIn(kit.out);
  ASSERT_FALSE(code.empty()) << kit.out;
  d.NoteSecret(code);
  EXPECT_THAT(kit.out, HasSubstr("only time it is shown"));
  EXPECT_THAT(kit.out, HasSubstr("attune unlock --recovery"));
  EXPECT_THAT(RunCli(d, {"status"}).out, HasSubstr("made "));

  // The passphrase is forgotten; the device restarts locked.
  d.Stop();
  ASSERT_TRUE(d.Restart());
  const std::string code_file = SecretFile(d, "code", code);
  const std::string second = SecretFile(d, "second", kSecond);
  d.NoteSecret(kSecond);
  CliResult recovered = RunCli(d, {"unlock", "--recovery", "--recovery-code-file", code_file,
                                   "--new-passphrase-file", second, "--kdf", "test-only-minimum"});
  ASSERT_EQ(recovered.exit_code, 0) << recovered.out;
  EXPECT_THAT(recovered.out, HasSubstr("Unlocked with the recovery code"));
  EXPECT_EQ(BodyOf(d, entry), "what we said on the walk home");

  // From now on: the new passphrase, not the old one; the kit still works.
  d.Stop();
  ASSERT_TRUE(d.Restart());
  CliResult old = UnlockWith(d, first);
  EXPECT_NE(old.exit_code, 0);
  EXPECT_THAT(old.out, HasSubstr("wrong passphrase"));
  ASSERT_EQ(UnlockWith(d, second).exit_code, 0);
  EXPECT_EQ(BodyOf(d, entry), "what we said on the walk home");
  ASSERT_EQ(RunCli(d, {"lock"}).exit_code, 0);
  const std::string third = SecretFile(d, "third", kThird);
  d.NoteSecret(kThird);
  CliResult again = RunCli(d, {"--json", "unlock", "--recovery", "--recovery-code-file", code_file,
                               "--new-passphrase-file", third, "--kdf", "test-only-minimum"});
  ASSERT_EQ(again.exit_code, 0) << again.out;
  EXPECT_THAT(again.out, HasSubstr("\"state\": \"STATE_UNLOCKED\""));
}

TEST(RecoveryIT, APassphraseChangeKeepsTheDataAndTheKit) {
  DaemonHarness d;
  ASSERT_TRUE(d.Start());
  ASSERT_TRUE(d.InitVault(kFirst).ok());
  const std::string entry = WriteEntry(d, "a plan for Sunday");
  const std::string first = SecretFile(d, "first", kFirst);
  const std::string second = SecretFile(d, "second", kSecond);
  d.NoteSecret(kSecond);

  CliResult no_kit = RunCli(d, {"passphrase", "change", "--passphrase-file", first,
                                "--new-passphrase-file", second, "--kdf", "test-only-minimum"});
  ASSERT_EQ(no_kit.exit_code, 0) << no_kit.out;
  EXPECT_THAT(no_kit.out, HasSubstr("the old one no longer opens it"));
  EXPECT_THAT(no_kit.out, HasSubstr("You have no recovery kit"));
  // Still unlocked: the change did not lock the person out of what they do.
  EXPECT_EQ(BodyOf(d, entry), "a plan for Sunday");

  CliResult kit = RunCli(d, {"--json", "recovery-kit", "--passphrase-file", second});
  ASSERT_EQ(kit.exit_code, 0) << kit.out;
  const std::string code = CodeIn(kit.out);
  ASSERT_FALSE(code.empty()) << kit.out;
  d.NoteSecret(code);

  // A wrong current passphrase changes nothing.
  const std::string third = SecretFile(d, "third", kThird);
  d.NoteSecret(kThird);
  CliResult wrong = RunCli(d, {"passphrase", "change", "--passphrase-file", first,
                               "--new-passphrase-file", third, "--kdf", "test-only-minimum"});
  EXPECT_NE(wrong.exit_code, 0);
  EXPECT_THAT(wrong.out, HasSubstr("wrong passphrase"));

  CliResult changed = RunCli(d, {"passphrase", "change", "--passphrase-file", second,
                                 "--new-passphrase-file", third, "--kdf", "test-only-minimum"});
  ASSERT_EQ(changed.exit_code, 0) << changed.out;
  EXPECT_THAT(changed.out, HasSubstr("still works"));

  d.Stop();
  ASSERT_TRUE(d.Restart());
  EXPECT_NE(UnlockWith(d, second).exit_code, 0);
  ASSERT_EQ(UnlockWith(d, third).exit_code, 0);
  EXPECT_EQ(BodyOf(d, entry), "a plan for Sunday");
  ASSERT_EQ(RunCli(d, {"lock"}).exit_code, 0);
  const std::string code_file = SecretFile(d, "code", code);
  CliResult recovered = RunCli(d, {"unlock", "--recovery", "--recovery-code-file", code_file,
                                   "--new-passphrase-file", first, "--kdf", "test-only-minimum"});
  ASSERT_EQ(recovered.exit_code, 0) << recovered.out;
  EXPECT_EQ(BodyOf(d, entry), "a plan for Sunday");
}

TEST(RecoveryIT, MistakesAreSaidPlainlyAndChangeNothing) {
  DaemonHarness d;
  ASSERT_TRUE(d.Start());
  ASSERT_TRUE(d.InitVault(kFirst).ok());
  const std::string first = SecretFile(d, "first", kFirst);
  const std::string second = SecretFile(d, "second", kSecond);
  d.NoteSecret(kSecond);

  // No kit yet.
  const std::string made_up = SecretFile(d, "made-up", "AAAAAAAAA-AAAAAAAAA-AAAAAAAAA-AAAAAAAAA");
  CliResult none = RunCli(d, {"unlock", "--recovery", "--recovery-code-file", made_up,
                              "--new-passphrase-file", second});
  EXPECT_NE(none.exit_code, 0);
  EXPECT_THAT(none.out, HasSubstr("no recovery kit was made"));

  // A wrong passphrase makes no kit.
  CliResult refused = RunCli(d, {"recovery-kit", "--passphrase-file", second, "--no-qr"});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.out, HasSubstr("wrong passphrase"));
  EXPECT_THAT(RunCli(d, {"status"}).out, HasSubstr("none (attune recovery-kit makes one)"));

  CliResult kit = RunCli(d, {"recovery-kit", "--passphrase-file", first, "--no-qr"});
  ASSERT_EQ(kit.exit_code, 0) << kit.out;
  std::string code = CodeIn(kit.out);
  ASSERT_FALSE(code.empty());
  d.NoteSecret(code);
  // A second kit is not made without a yes (stdin is not a person here).
  CliResult unasked = RunCli(d, {"recovery-kit", "--passphrase-file", first, "--no-qr"});
  EXPECT_NE(unasked.exit_code, 0);
  EXPECT_THAT(unasked.out, HasSubstr("no new kit was made; the one you have still works"));

  ASSERT_EQ(RunCli(d, {"lock"}).exit_code, 0);
  std::string typo = code;
  typo[3] = typo[3] == 'Q' ? 'R' : 'Q';
  const std::string typo_file = SecretFile(d, "typo", typo);
  CliResult mistyped = RunCli(d, {"unlock", "--recovery", "--recovery-code-file", typo_file,
                                  "--new-passphrase-file", second, "--kdf", "test-only-minimum"});
  EXPECT_NE(mistyped.exit_code, 0);
  EXPECT_THAT(mistyped.out, HasSubstr("recovery code: a check character does not match"));
  const std::string short_file = SecretFile(d, "short", "short");
  const std::string code_file = SecretFile(d, "code", code);
  CliResult too_short = RunCli(d, {"unlock", "--recovery", "--recovery-code-file", code_file,
                                   "--new-passphrase-file", short_file});
  EXPECT_NE(too_short.exit_code, 0);
  EXPECT_THAT(too_short.out, HasSubstr("at least 8"));

  // Nothing changed: still locked, and the first passphrase opens it.
  v1::VaultStatus status;
  ASSERT_TRUE(d.GetStatus(&status).ok());
  EXPECT_EQ(status.state(), v1::VaultStatus::STATE_LOCKED);
  EXPECT_EQ(UnlockWith(d, first).exit_code, 0);
  EXPECT_THAT(d.StderrSinceStart(), Not(HasSubstr(code)));
}

// The vault file as the data folder holds it (attuned stopped).
v1::VaultFile ReadVaultFile(const DaemonHarness& d) {
  DbOptions options;
  options.path = d.data_dir() + "/db";
  auto db = Db::Open(options);
  EXPECT_TRUE(db.ok()) << db.status();
  v1::VaultFile file;
  if (!db.ok()) return file;
  auto bytes = (*db)->Get(Cf::kMeta, meta_key::kVault);
  EXPECT_TRUE(bytes.ok() && bytes->has_value());
  if (bytes.ok() && bytes->has_value()) {
    EXPECT_TRUE(file.ParseFromString(**bytes));
  }
  return file;
}

// How many files under `dir` hold `needle`.
int FilesHolding(const std::string& dir, const std::string& needle) {
  int n = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.find(needle) != std::string::npos) ++n;
  }
  return n;
}

// A changed passphrase or a replaced kit must not leave the old way in in
// the data folder: the daemon drops the earlier vault file from RocksDB's
// log and files (someone who later takes the device with a leaked old
// passphrase, or an old kit, finds nothing it opens).
TEST(RecoveryIT, AReplacedWayInLeavesNoOldVaultFileInTheDataFolder) {
  DaemonHarness d;
  ASSERT_TRUE(d.Start());
  ASSERT_TRUE(d.InitVault(kFirst).ok());
  const std::string first = SecretFile(d, "first", kFirst);
  CliResult kit = RunCli(d, {"recovery-kit", "--passphrase-file", first, "--no-qr"});
  ASSERT_EQ(kit.exit_code, 0) << kit.out;
  d.NoteSecret(CodeIn(kit.out));
  WriteEntry(d, "written between the two");
  d.Stop();
  const v1::VaultFile before = ReadVaultFile(d);
  ASSERT_FALSE(before.by_passphrase().sealed().empty());
  ASSERT_FALSE(before.by_recovery_code().sealed().empty());

  ASSERT_TRUE(d.Restart());
  const std::string second = SecretFile(d, "second", kSecond);
  d.NoteSecret(kSecond);
  CliResult changed = RunCli(d, {"passphrase", "change", "--passphrase-file", first,
                                 "--new-passphrase-file", second, "--kdf", "test-only-minimum"});
  ASSERT_EQ(changed.exit_code, 0) << changed.out;
  CliResult again = RunCli(d, {"recovery-kit", "--yes", "--passphrase-file", second, "--no-qr"});
  ASSERT_EQ(again.exit_code, 0) << again.out;
  d.NoteSecret(CodeIn(again.out));
  d.Stop();

  const v1::VaultFile after = ReadVaultFile(d);
  // The scan sees what is there (the current slots are found as written)…
  EXPECT_GE(FilesHolding(d.data_dir(), after.by_passphrase().sealed()), 1);
  EXPECT_GE(FilesHolding(d.data_dir(), after.by_recovery_code().sealed()), 1);
  // …and the replaced ones are in no file.
  EXPECT_EQ(FilesHolding(d.data_dir(), before.by_passphrase().sealed()), 0);
  EXPECT_EQ(FilesHolding(d.data_dir(), before.by_recovery_code().sealed()), 0);
  ASSERT_TRUE(d.Restart());
}

}  // namespace
}  // namespace attune::testing
