// Helpers for unit tests of what sits on the store: a database, or a record
// store, in a temporary folder that removes itself.
#ifndef ATTUNE_TESTS_SUPPORT_TEMP_STORE_H_
#define ATTUNE_TESTS_SUPPORT_TEMP_STORE_H_

#include <cstdlib>
#include <memory>
#include <string>

#include "daemon/base/clock.h"
#include "daemon/store/db.h"
#include "daemon/store/record_store.h"
#include "tests/support/test_keys.h"

namespace attune::testing {

// The database in the folder `path`, every other option at its default.
// Aborts when it cannot be opened: no test can go on without it.
inline std::unique_ptr<Db> OpenTestDb(const std::string& path) {
  DbOptions options;
  options.path = path;
  auto db = Db::Open(options);
  if (!db.ok()) std::abort();
  return std::move(*db);
}

// A record store on its own database in its own temporary folder, on
// `clock` (which must outlive it) or the system clock. Members are declared
// in the order they are built; the store goes first when it is destroyed.
struct TempStore {
  explicit TempStore(Clock* clock = nullptr)
      : db(OpenTestDb(dir.path() + "/db")),
        store(std::make_unique<RecordStore>(db.get(), clock ? clock : &system_clock)) {}

  TempDir dir;
  SystemClock system_clock;
  std::unique_ptr<Db> db;
  std::unique_ptr<RecordStore> store;
};

}  // namespace attune::testing

#endif  // ATTUNE_TESTS_SUPPORT_TEMP_STORE_H_
