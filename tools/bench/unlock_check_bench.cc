// attune-unlock-bench: what the check of this device's own op log against its
// sealed head (RecordStore::CheckOwnLog, run at every unlock) costs, beside
// two ceilings measured in the same run:
//
//   key scan   a plain RocksDB scan over the same own-op keys, counting them:
//              the least any check that every seq is present can cost
//   Argon2id   one derivation of the passphrase key at the default
//              ("moderate") cost: what every unlock costs already
//
// For each size it writes that many private journal ops through the record
// store (in atomic batches of 500, as a burst of writers would), flushes them
// to SST files, and then, `--runs` times, opens the database afresh (an empty
// RocksDB block cache; the OS page cache stays warm) and times the scan, and
// opens it afresh again and times the check. Figures are the median, with min
// and max. Nothing is decrypted by the check; it reads each key once and
// hashes the op at each stream's head.
#include <sodium.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "daemon/base/clock.h"
#include "daemon/store/db.h"
#include "daemon/store/record_store.h"
#include "daemon/vault/vault.h"
#include "tools/bench/op_fixtures.h"
#include "tools/bench/scratch.h"

namespace attune::bench {
namespace {

using Steady = std::chrono::steady_clock;

constexpr size_t kBatch = 500;

double MsSince(Steady::time_point start) {
  return std::chrono::duration<double, std::milli>(Steady::now() - start).count();
}

struct Spread {
  double median = 0, min = 0, max = 0;
};

Spread SpreadOf(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return {v[v.size() / 2], v.front(), v.back()};
}

std::string Show(const Spread& s) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(1) << s.median << " ms [" << s.min << "–" << s.max << "]";
  return out.str();
}

// A private journal entry of about an evening's length.
Mutation Entry(uint64_t i) {
  Mutation m;
  std::string id(kRawIdBytes, '\0');
  for (int b = 0; b < 8; ++b) id[15 - b] = static_cast<char>((i >> (8 * b)) & 0xff);
  m.body.set_kind(static_cast<uint32_t>(Kind::kJournalEntry));
  m.body.set_record_id(id);
  m.body.add_fields(v1::JournalEntry::kBodyFieldNumber);
  m.body.add_fields(v1::JournalEntry::kVisibilityFieldNumber);
  auto* e = m.body.mutable_record()->mutable_journal_entry();
  e->set_body(std::string(280, static_cast<char>('a' + i % 26)));
  e->set_visibility(v1::VISIBILITY_PRIVATE);
  m.visibility = v1::VISIBILITY_PRIVATE;
  return m;
}

std::unique_ptr<Db> OpenDb(const std::string& path) {
  DbOptions options;
  options.path = path;
  auto db = Db::Open(options);
  if (!db.ok()) throw std::runtime_error(db.status().ToString());
  return std::move(*db);
}

void Check(const absl::Status& s, const char* what) {
  if (!s.ok()) throw std::runtime_error(std::string(what) + ": " + s.ToString());
}

struct Row {
  uint64_t ops = 0;
  double write_seconds = 0;
  Spread check, scan;
};

Row Measure(const std::string& scratch, uint64_t ops, int runs, const KeySet& keys) {
  const std::string path = scratch + "/db-" + std::to_string(ops);
  SystemClock clock;
  Row row;
  row.ops = ops;
  {
    auto db = OpenDb(path);
    RecordStore store(db.get(), &clock);
    const auto start = Steady::now();
    for (uint64_t done = 0; done < ops;) {
      std::vector<Mutation> batch;
      for (size_t k = 0; k < kBatch && done < ops; ++k) batch.push_back(Entry(++done));
      Check(store.WriteAll(keys, std::move(batch)).status(), "write");
    }
    row.write_seconds = MsSince(start) / 1000;
    Check(db->Flush(), "flush");
  }
  const std::string prefix = keys.device_public_key + "P";
  std::vector<double> checks, scans;
  for (int r = 0; r < runs; ++r) {
    {
      auto db = OpenDb(path);
      uint64_t seen = 0;
      const auto start = Steady::now();
      Check(db->Scan(Cf::kOplog, prefix,
                     [&](std::string_view, std::string_view) {
                       ++seen;
                       return true;
                     }),
            "scan");
      scans.push_back(MsSince(start));
      if (seen != ops) throw std::runtime_error("the scan saw another number of ops");
    }
    {
      auto db = OpenDb(path);
      RecordStore store(db.get(), &clock);
      const auto start = Steady::now();
      Check(store.CheckOwnLog(keys), "check");
      checks.push_back(MsSince(start));
    }
  }
  row.check = SpreadOf(checks);
  row.scan = SpreadOf(scans);
  return row;
}

}  // namespace
}  // namespace attune::bench

int main(int argc, char** argv) {
  using namespace attune;
  using namespace attune::bench;
  CLI::App app{"attune-unlock-bench: the own-log check at unlock against a plain key scan"};
  std::vector<uint64_t> sizes = {10000, 100000};
  int runs = 5;
  std::string dir;
  std::string kdf = "moderate";
  app.add_option("--ops", sizes, "Own ops in the log, one measurement per size")->delimiter(',');
  app.add_option("--runs", runs, "Timed runs per size")->check(CLI::Range(1, 100));
  app.add_option("--dir", dir, "Where the scratch folder goes (default $TMPDIR or /tmp)");
  app.add_option("--kdf", kdf, "Argon2id cost to time beside it: moderate, interactive, none")
      ->check(CLI::IsMember({"moderate", "interactive", "none"}));
  CLI11_PARSE(app, argc, argv);
  try {
    auto keys = MakeBenchKeys();
    const std::string scratch = MakeScratchDir(dir);
    std::vector<Row> rows;
    try {
      for (uint64_t n : sizes) rows.push_back(Measure(scratch, n, runs, *keys));
    } catch (...) {
      RemoveTree(scratch);
      throw;
    }
    RemoveTree(scratch);
    double argon_ms = -1;
    if (kdf != "none") {
      const KdfParams p = kdf == "moderate" ? ModerateKdf() : InteractiveKdf();
      unsigned char out[32];
      unsigned char salt[crypto_pwhash_SALTBYTES] = {};
      const auto start = Steady::now();
      if (crypto_pwhash(out, sizeof out, "a passphrase", 12, salt, p.opslimit, p.memlimit,
                        crypto_pwhash_ALG_ARGON2ID13) != 0) {
        throw std::runtime_error("Argon2id: out of memory");
      }
      argon_ms = MsSince(start);
    }
    std::cout << "own-log check at unlock (median [min–max] of " << runs
              << " runs; fresh RocksDB block cache, warm OS page cache)\n";
    for (const Row& r : rows) {
      std::cout << std::setw(8) << r.ops << " own ops:  check " << Show(r.check)
                << "   plain key scan " << Show(r.scan) << "   check/scan " << std::fixed
                << std::setprecision(2) << r.check.median / r.scan.median << "x"
                << "   (written in " << std::setprecision(1) << r.write_seconds << " s)\n";
    }
    if (argon_ms >= 0) {
      std::cout << "Argon2id (" << kdf << "), which every unlock runs first: " << std::fixed
                << std::setprecision(0) << argon_ms << " ms\n";
    }
  } catch (const std::exception& e) {
    std::cerr << "attune-unlock-bench: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
