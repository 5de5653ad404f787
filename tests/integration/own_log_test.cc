// A thief with the disk who rolls back or deletes this device's own ops (and
// the view entries they wrote) is caught at unlock, against the real daemon:
// the newest private journal entry is deleted from the data folder with
// RocksDB while attuned is stopped, and the next unlock is refused with a
// message that names the missing op and what to do, through the CLI too. An
// untouched folder, and one written before the head existed, unlock.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <string>
#include <vector>

#include "api_helpers.h"
#include "daemon/base/hex.h"
#include "daemon/store/db.h"
#include "daemon/store/record_store.h"
#include "daemon_harness.h"
#include "sync_support.h"
#include "tests/support/older_vault.h"

namespace attune::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kPassphrase[] = "own log passphrase";

class OwnLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(d_.Start());
    ASSERT_OK(d_.InitVault(kPassphrase));
  }

  // A private journal entry (the API's default visibility); its raw id.
  std::string Write(const std::string& body) {
    v1::CreateJournalEntryRequest req;
    req.mutable_journal_entry()->set_title("an entry");
    req.mutable_journal_entry()->set_body(body);
    v1::JournalEntry entry;
    grpc::Status s = d_.journal().CreateJournalEntry(DaemonHarness::Context().get(), req, &entry);
    EXPECT_TRUE(s.ok()) << Describe(s);
    EXPECT_EQ(entry.visibility(), v1::VISIBILITY_PRIVATE);
    auto hex = entry.name().substr(entry.name().find('/') + 1);
    auto raw = FromHex(hex);
    EXPECT_TRUE(raw.has_value()) << entry.name();
    return raw.value_or("");
  }

  // The data folder's database, opened while attuned is stopped.
  std::unique_ptr<Db> OpenDb() {
    DbOptions options;
    options.path = d_.data_dir() + "/db";
    auto db = Db::Open(options);
    EXPECT_TRUE(db.ok()) << db.status();
    return db.ok() ? std::move(*db) : nullptr;
  }

  // The key of this device's newest private op (private ops are only ever
  // this device's own).
  static std::string NewestPrivateOpKey(Db& db) {
    std::string newest;
    EXPECT_TRUE(db.Scan(Cf::kOplog, "", [&](std::string_view key, std::string_view) {
                    if (key.size() == 41 && key[32] == 'P') newest = std::string(key);
                    return true;
                  }).ok());
    return newest;
  }

  static void Erase(Db& db, Cf cf, std::string_view key) {
    Batch batch;
    batch.Delete(cf, std::string(key));
    ASSERT_TRUE(db.Write(batch).ok());
  }

  std::string PassphraseFile() {
    const std::string file = d_.root() + "/passphrase";
    std::ofstream(file) << kPassphrase << "\n";
    ::chmod(file.c_str(), 0600);
    return file;
  }

  v1::VaultStatus::State State() {
    v1::VaultStatus status;
    grpc::Status s = d_.GetStatus(&status);
    EXPECT_TRUE(s.ok()) << Describe(s);
    return status.state();
  }

  DaemonHarness d_;
};

TEST_F(OwnLogTest, ADeletedNewestEntryIsNamedAtUnlockAndNothingIsWrittenUntilTheOwnerSays) {
  Write("the first entry");
  Write("the second entry");
  const std::string third = Write("the third entry, which a thief takes");
  ASSERT_EQ(d_.Stop(), 0);
  {
    auto db = OpenDb();
    ASSERT_NE(db, nullptr);
    const std::string newest = NewestPrivateOpKey(*db);
    ASSERT_FALSE(newest.empty());
    Erase(*db, Cf::kOplog, newest);
    Erase(*db, Cf::kRecords, RecordStore::ViewKey(Kind::kJournalEntry, third));
  }
  ASSERT_TRUE(d_.Restart());

  // Through the CLI, as the owner sees it.
  CliResult unlock = RunCli(d_, {"unlock", "--passphrase-file", PassphraseFile()});
  EXPECT_EQ(unlock.exit_code, 1) << unlock.out;
  EXPECT_THAT(unlock.out,
              HasSubstr("own private op 3 (the last one this device wrote) is missing from the "
                        "data folder"));
  EXPECT_THAT(unlock.out, HasSubstr("changed outside Attune"));
  EXPECT_THAT(unlock.out, HasSubstr("--accept-own-log-as-is"));
  EXPECT_THAT(unlock.out, Not(HasSubstr("Unlocked")));
  EXPECT_EQ(State(), v1::VaultStatus::STATE_LOCKED) << "nothing can be written";
  // Through the API: DATA_LOSS, every time.
  grpc::Status again = d_.Unlock(kPassphrase);
  EXPECT_EQ(again.error_code(), grpc::StatusCode::DATA_LOSS) << Describe(again);
  EXPECT_EQ(State(), v1::VaultStatus::STATE_LOCKED);
  EXPECT_THAT(d_.StderrSinceStart(), HasSubstr("own op log failed its check: own private op 3"));

  // The owner decides to go on with what is left.
  ASSERT_EQ(d_.Stop(), 0);
  ASSERT_TRUE(d_.Restart({"--accept-own-log-as-is"}));
  ASSERT_OK(d_.Unlock(kPassphrase));
  EXPECT_THAT(d_.StderrSinceStart(), HasSubstr("accepted this device's own op log as it is"));
  EXPECT_EQ(ListAllJournalEntries(d_).size(), 2u);
  Write("written after the loss was accepted");
  ASSERT_EQ(d_.Stop(), 0);
  ASSERT_TRUE(d_.Restart());
  ASSERT_OK(d_.Unlock(kPassphrase));
  EXPECT_EQ(ListAllJournalEntries(d_).size(), 3u);
}

TEST_F(OwnLogTest, AnUntouchedFolderAndOneWrittenBeforeTheHeadExistedUnlock) {
  Write("the first entry");
  Write("the second entry");
  ASSERT_EQ(d_.Stop(), 0);
  ASSERT_TRUE(d_.Restart());
  ASSERT_OK(d_.Unlock(kPassphrase));
  EXPECT_EQ(ListAllJournalEntries(d_).size(), 2u);

  // As an attuned older than the head left it: no head, and a vault that
  // does not promise one.
  ASSERT_EQ(d_.Stop(), 0);
  {
    auto db = OpenDb();
    ASSERT_NE(db, nullptr);
    Erase(*db, Cf::kMeta, RecordStore::OwnLogHeadKey());
    auto vault = db->Get(Cf::kMeta, "vault");
    ASSERT_TRUE(vault.ok() && vault->has_value());
    auto older = AsAnOlderVaultFile(**vault, kPassphrase);
    ASSERT_TRUE(older.has_value());
    Batch batch;
    batch.Put(Cf::kMeta, "vault", *older);
    ASSERT_TRUE(db->Write(batch).ok());
  }
  ASSERT_TRUE(d_.Restart());
  ASSERT_OK(d_.Unlock(kPassphrase));
  EXPECT_THAT(d_.StderrSinceStart(),
              HasSubstr("this data folder was written before Attune kept a sealed head"));
  EXPECT_EQ(ListAllJournalEntries(d_).size(), 2u);
  Write("the third entry");
  ASSERT_EQ(d_.Stop(), 0);
  ASSERT_TRUE(d_.Restart());
  ASSERT_OK(d_.Unlock(kPassphrase));
  EXPECT_THAT(d_.StderrSinceStart(), Not(HasSubstr("written before Attune kept")));

  // From then on the vault promises a head: deleting it is caught too.
  ASSERT_EQ(d_.Stop(), 0);
  {
    auto db = OpenDb();
    ASSERT_NE(db, nullptr);
    Erase(*db, Cf::kMeta, RecordStore::OwnLogHeadKey());
  }
  ASSERT_TRUE(d_.Restart());
  grpc::Status refused = d_.Unlock(kPassphrase);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::DATA_LOSS) << Describe(refused);
  EXPECT_THAT(refused.error_message(),
              HasSubstr("the record of this device's own op log is missing"));
  EXPECT_EQ(State(), v1::VaultStatus::STATE_LOCKED);
}

}  // namespace
}  // namespace attune::testing
