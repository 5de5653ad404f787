#include "disk_reader.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "daemon/base/clock.h"
#include "daemon/store/db.h"
#include "daemon/store/record_store.h"
#include "daemon/store/vault_persistence.h"
#include "daemon/vault/op_crypto.h"
#include "daemon/vault/vault.h"

namespace attune::testing {

OnDisk ReadDisk(const std::string& data_dir, const std::string& passphrase) {
  OnDisk out;
  const std::string copy = data_dir + ".read";
  std::filesystem::remove_all(copy);
  std::filesystem::copy(data_dir, copy, std::filesystem::copy_options::recursive);
  DbOptions options;
  options.path = copy + "/db";
  auto db = Db::Open(options);
  EXPECT_TRUE(db.ok()) << db.status();
  if (!db.ok()) return out;
  MetaVaultPersistence persistence(db->get());
  Vault vault(&persistence);
  EXPECT_TRUE(vault.Load().ok());
  auto keys = vault.Unlock(passphrase);
  EXPECT_TRUE(keys.ok()) << keys.status();
  if (!keys.ok()) return out;
  EXPECT_TRUE((*db)
                  ->Scan(Cf::kOplog, "",
                         [&](std::string_view, std::string_view value) {
                           ++out.ops;
                           v1::Op op;
                           if (!op.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
                             return true;
                           }
                           v1::OpHeader header;
                           if (v1::OpHeader seen; seen.ParseFromString(op.header()) &&
                                                  seen.visibility() != v1::VISIBILITY_SHARED) {
                             out.private_authors.insert(seen.author_device());
                           }
                           auto body = OpenOp(op, **keys, &header);
                           if (body.ok()) {
                             ++out.opened;
                             out.text += body->DebugString();
                           }
                           return true;
                         })
                  .ok());
  SystemClock clock;
  RecordStore store(db->get(), &clock);
  auto views = store.DumpViews(**keys);
  EXPECT_TRUE(views.ok()) << views.status();
  if (views.ok()) {
    for (const auto& [key, value] : *views) out.text += value;
  }
  std::filesystem::remove_all(copy);
  return out;
}

}  // namespace attune::testing
