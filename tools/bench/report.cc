#include "tools/bench/report.h"

#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <map>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "tools/bench/fsync_probe.h"

namespace attune::bench {
namespace {

struct Row {
  std::string key;   // JSON name
  std::string what;  // table label
  const Figure RunFigures::*figure;
  bool has_throughput;
};

std::vector<Row> Rows(const Report& r) {
  return {
      {"fsync", "raw fdatasync, 200 B append", &RunFigures::fsync, false},
      {"fsync_paced",
       "  the same, " + std::to_string(kPacedProbePause.count()) + " µs asleep between",
       &RunFigures::fsync_paced, false},
      {"empty_call", "empty gRPC call (health)", &RunFigures::empty_call, false},
      {"write_1_client", "check-in write, 1 client", &RunFigures::one_client, true},
      {"write_" + std::to_string(r.clients) + "_clients",
       "check-in write, " + std::to_string(r.clients) + " clients", &RunFigures::many_clients,
       true},
      {"get_one", "get one journal entry", &RunFigures::get_one, false},
      {"list_1000", "list 1,000 journal entries", &RunFigures::list_page, false},
  };
}

Spread Across(const Report& r, const std::function<double(const RunFigures&)>& get) {
  std::vector<double> values;
  for (const RunFigures& run : r.runs) values.push_back(get(run));
  return SpreadOf(values);
}

// About three significant digits, without exponents.
std::string Num(double v) {
  if (std::isnan(v)) return "—";
  char text[32];
  double a = std::fabs(v);
  const char* format = a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : a >= 1 ? "%.2f" : "%.3f";
  if (a > 0 && a < 0.01) format = "%.4f";
  std::snprintf(text, sizeof text, format, v);
  return text;
}

std::string Cell(const Spread& s, const std::string& unit) {
  if (std::isnan(s.median)) return "—";
  return Num(s.median) + unit + " [" + Num(s.min) + "–" + Num(s.max) + "]";
}

// Pads to `width` characters (not bytes: the table holds "–" and "—").
std::string Pad(const std::string& text, size_t width) {
  size_t chars = 0;
  for (unsigned char c : text) chars += (c & 0xC0) != 0x80;
  return text + std::string(chars < width ? width - chars : 1, ' ');
}

std::string Verdict(bool met) { return met ? "OK" : "MISSED"; }

std::string Json(double v) {
  if (std::isnan(v) || std::isinf(v)) return "null";
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", v);
  return text;
}

std::string Json(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04x", c);
      out += esc;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string Json(const Spread& s) {
  return "{\"median\": " + Json(s.median) + ", \"min\": " + Json(s.min) +
         ", \"max\": " + Json(s.max) + "}";
}

std::string Json(const Figure& f) {
  return "{\"p50_ms\": " + Json(f.p50_ms) + ", \"p99_ms\": " + Json(f.p99_ms) +
         ", \"per_second\": " + Json(f.per_second) +
         ", \"operations\": " + std::to_string(f.operations) + "}";
}

std::string JsonBool(bool b) { return b ? "true" : "false"; }

std::string WriteTable(const Report& r) {
  std::ostringstream out;
  out << "Attune write and read paths (median of " << r.runs.size() << " runs, [min–max]"
      << (r.quick ? "; --quick" : "") << ")\n";
  constexpr size_t kWhat = 34, kLatency = 25;
  out << Pad("what", kWhat) << Pad("p50", kLatency) << Pad("p99", kLatency) << "throughput\n";
  for (const Row& row : Rows(r)) {
    auto p50 = Across(r, [&](const RunFigures& f) { return (f.*row.figure).p50_ms; });
    auto p99 = Across(r, [&](const RunFigures& f) { return (f.*row.figure).p99_ms; });
    std::string rate = "—";
    if (row.has_throughput) {
      rate =
          Cell(Across(r, [&](const RunFigures& f) { return (f.*row.figure).per_second; }), " /s");
    }
    out << Pad(row.what, kWhat) << Pad(Cell(p50, " ms"), kLatency)
        << Pad(Cell(p99, " ms"), kLatency) << rate << "\n";
  }
  Spread latency = Across(r, [](const RunFigures& f) { return f.LatencyRatio(); });
  Spread throughput = Across(r, [](const RunFigures& f) { return f.ThroughputRatio(); });
  out << "ratios (per run, then median): 1-client p50 / fsync p50 = " << Cell(latency, "")
      << " (target ≤ " << Num(kLatencyRatioTarget) << ") "
      << Verdict(latency.median <= kLatencyRatioTarget) << "; " << r.clients
      << "-client / 1-client throughput = " << Cell(throughput, "") << " (target ≥ "
      << Num(kThroughputRatioTarget) << ") " << Verdict(throughput.median >= kThroughputRatioTarget)
      << "\n";
  Spread daemon_cpu = Across(r, [](const RunFigures& f) { return f.many_daemon_cpu_ms; });
  Spread client_cpu = Across(r, [](const RunFigures& f) { return f.many_client_cpu_ms; });
  Spread cpu_bound = Across(r, [](const RunFigures& f) { return f.CpuBoundPerSecond(); });
  Spread cpu_ratio = Across(r, [](const RunFigures& f) { return f.CpuBoundRatio(); });
  out << r.clients << " clients' CPU per write: attuned " << Cell(daemon_cpu, " ms")
      << " + bench clients " << Cell(client_cpu, " ms") << "; " << r.runs.front().cores
      << " cores allow at most " << Cell(cpu_bound, " /s") << " = " << Cell(cpu_ratio, "")
      << " × 1 client\n";
  Spread one_cpu = Across(r, [](const RunFigures& f) { return f.one_daemon_cpu_ms; });
  Spread busy_cpu = Across(r, [](const RunFigures& f) { return f.busy_daemon_cpu_ms; });
  Spread busy_rate = Across(r, [](const RunFigures& f) { return f.busy_clients.per_second; });
  out << "attuned's CPU per acknowledged check-in: 1 client " << Cell(one_cpu, " ms")
      << " (target ≤ " << Num(kOneClientCpuTargetMs) << ") "
      << Verdict(one_cpu.median <= kOneClientCpuTargetMs) << "; " << kBusyClients << " clients "
      << Cell(busy_cpu, " ms") << " at " << Cell(busy_rate, " /s") << " (target ≤ "
      << Num(kBusyCpuTargetMs) << ") " << Verdict(busy_cpu.median <= kBusyCpuTargetMs) << "\n";
  Spread empty_cpu = Across(r, [](const RunFigures& f) { return f.empty_call_daemon_cpu_ms; });
  Spread fsync_cpu = Across(r, [](const RunFigures& f) { return f.fsync_cpu_ms; });
  Spread seal_cpu = Across(r, [](const RunFigures& f) { return f.SealCpuMs(); });
  Spread cpu_floor = Across(r, [](const RunFigures& f) { return f.OneClientCpuFloorMs(); });
  out << "  its floor in the same runs: attuned's CPU per empty call " << Cell(empty_cpu, " ms")
      << " + the probe's CPU per append and fdatasync " << Cell(fsync_cpu, " ms")
      << " + sealing the op " << Cell(seal_cpu, " ms") << " = " << Cell(cpu_floor, " ms") << "; ";
  const double room = kOneClientCpuTargetMs - cpu_floor.median;
  if (room > 0) {
    out << "the 1-client target leaves " << Num(room) << " ms for the check-in's own work\n";
  } else {
    out << "the floor alone is over the 1-client target\n";
  }
  Spread floor = Across(r, [](const RunFigures& f) { return f.PacedFloorRatio(); });
  out << "not a target: 1-client p50 / (paced fdatasync p50 + empty call p50) = " << Cell(floor, "")
      << "\n";
  Spread get = Across(r, [](const RunFigures& f) { return f.GetRatio(); });
  out << "get one p50 / empty call p50 = " << Cell(get, "") << " (target ≤ " << Num(kGetRatioTarget)
      << ") " << Verdict(get.median <= kGetRatioTarget) << "\n";
  return out.str();
}

std::string CryptoTable(const Report& r) {
  std::ostringstream out;
  const size_t bytes = r.runs.front().crypto.body_bytes;
  out << "Crypto, one core (per CPU-second; median of " << r.runs.size()
      << " runs, [min–max]; op body " << bytes << " B)\n";
  constexpr size_t kWhat = 44, kRate = 28;
  out << Pad("what", kWhat) << Pad("ours", kRate) << "raw libsodium ceiling\n";
  auto rate = [&](double CryptoFigures::*field) {
    return Across(r, [&](const RunFigures& f) { return f.crypto.*field; });
  };
  auto derived = [&](double (CryptoFigures::*fn)() const) {
    return Across(r, [&](const RunFigures& f) { return (f.crypto.*fn)(); });
  };
  out << Pad("op sealed (stamp, encrypt, sign)", kWhat)
      << Pad(Cell(rate(&CryptoFigures::seal_per_second), " /s"), kRate)
      << Cell(derived(&CryptoFigures::SealCeiling), " /s") << " (encrypt + sign)\n";
  out << Pad("op opened (verify, decrypt)", kWhat)
      << Pad(Cell(rate(&CryptoFigures::open_per_second), " /s"), kRate)
      << Cell(derived(&CryptoFigures::OpenCeiling), " /s") << " (verify + decrypt)\n";
  out << Pad("  XChaCha20-Poly1305 encrypt", kWhat) << Pad("", kRate)
      << Cell(rate(&CryptoFigures::aead_encrypt_per_second), " /s") << "\n";
  out << Pad("  XChaCha20-Poly1305 decrypt", kWhat) << Pad("", kRate)
      << Cell(rate(&CryptoFigures::aead_decrypt_per_second), " /s") << "\n";
  out << Pad("  Ed25519 sign", kWhat) << Pad("", kRate)
      << Cell(rate(&CryptoFigures::sign_per_second), " /s") << "\n";
  out << Pad("  Ed25519 verify", kWhat) << Pad("", kRate)
      << Cell(rate(&CryptoFigures::verify_per_second), " /s") << "\n";
  Spread seal = Across(
      r, [](const RunFigures& f) { return f.crypto.seal_per_second / f.crypto.SealCeiling(); });
  Spread open = Across(
      r, [](const RunFigures& f) { return f.crypto.open_per_second / f.crypto.OpenCeiling(); });
  out << "sealed / ceiling = " << Cell(seal, "") << "; opened / ceiling = " << Cell(open, "")
      << "\n";
  return out.str();
}

std::string CryptoJson(const Report& r) {
  std::ostringstream out;
  auto rate = [&](double CryptoFigures::*field) {
    return Json(Across(r, [&](const RunFigures& f) { return f.crypto.*field; }));
  };
  out << "  \"crypto\": {\"body_bytes\": " << r.runs.front().crypto.body_bytes
      << ", \"seal_per_second\": " << rate(&CryptoFigures::seal_per_second)
      << ", \"open_per_second\": " << rate(&CryptoFigures::open_per_second)
      << ", \"aead_encrypt_per_second\": " << rate(&CryptoFigures::aead_encrypt_per_second)
      << ", \"aead_decrypt_per_second\": " << rate(&CryptoFigures::aead_decrypt_per_second)
      << ", \"sign_per_second\": " << rate(&CryptoFigures::sign_per_second)
      << ", \"verify_per_second\": " << rate(&CryptoFigures::verify_per_second) << "}";
  return out.str();
}

// The write path's rows, ratios and per-run figures: members of the
// top-level object.
std::string WriteJson(const Report& r) {
  std::ostringstream out;
  out << "  \"rows\": [\n";
  auto rows = Rows(r);
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& row = rows[i];
    auto get = [&](double Figure::*field) {
      return Across(r, [&](const RunFigures& f) { return (f.*row.figure).*field; });
    };
    out << "    {\"key\": " << Json(row.key) << ", \"what\": " << Json(row.what)
        << ", \"p50_ms\": " << Json(get(&Figure::p50_ms))
        << ", \"p99_ms\": " << Json(get(&Figure::p99_ms))
        << ", \"per_second\": " << (row.has_throughput ? Json(get(&Figure::per_second)) : "null")
        << "}" << (i + 1 < rows.size() ? "," : "") << "\n";
  }
  out << "  ],\n";

  Spread latency = Across(r, [](const RunFigures& f) { return f.LatencyRatio(); });
  Spread throughput = Across(r, [](const RunFigures& f) { return f.ThroughputRatio(); });
  out << "  \"ratios\": [\n"
      << "    {\"key\": \"write_p50_over_fsync_p50\", \"value\": " << Json(latency)
      << ", \"target_max\": " << Json(kLatencyRatioTarget)
      << ", \"met\": " << (latency.median <= kLatencyRatioTarget ? "true" : "false") << "},\n"
      << "    {\"key\": \"concurrent_over_single_throughput\", \"value\": " << Json(throughput)
      << ", \"target_min\": " << Json(kThroughputRatioTarget)
      << ", \"met\": " << (throughput.median >= kThroughputRatioTarget ? "true" : "false")
      << "},\n";
  Spread get = Across(r, [](const RunFigures& f) { return f.GetRatio(); });
  out << "    {\"key\": \"get_p50_over_empty_call_p50\", \"value\": " << Json(get)
      << ", \"target_max\": " << Json(kGetRatioTarget)
      << ", \"met\": " << (get.median <= kGetRatioTarget ? "true" : "false") << "}\n  ],\n";

  out << "  \"per_run\": [\n";
  for (size_t i = 0; i < r.runs.size(); ++i) {
    const RunFigures& f = r.runs[i];
    out << "    {";
    for (const Row& row : rows) out << Json(row.key) << ": " << Json(f.*row.figure) << ", ";
    out << "\"write_p50_over_fsync_p50\": " << Json(f.LatencyRatio())
        << ", \"write_p50_over_paced_fsync_plus_empty_call\": " << Json(f.PacedFloorRatio())
        << ", \"concurrent_cpu_ms_per_write\": {\"attuned\": " << Json(f.many_daemon_cpu_ms)
        << ", \"clients\": " << Json(f.many_client_cpu_ms) << "}, \"cores\": " << f.cores
        << ", \"one_client_cpu_ms_per_write\": " << Json(f.one_daemon_cpu_ms)
        << ", \"one_client_cpu_floor_ms\": {\"empty_call\": " << Json(f.empty_call_daemon_cpu_ms)
        << ", \"fdatasync\": " << Json(f.fsync_cpu_ms) << ", \"seal\": " << Json(f.SealCpuMs())
        << ", \"sum\": " << Json(f.OneClientCpuFloorMs()) << "}"
        << ", \"busy_clients\": " << kBusyClients << ", \"busy\": " << Json(f.busy_clients)
        << ", \"busy_cpu_ms_per_write\": " << Json(f.busy_daemon_cpu_ms)
        << ", \"cpu_bound_per_second\": " << Json(f.CpuBoundPerSecond())
        << ", \"concurrent_over_single_throughput\": " << Json(f.ThroughputRatio())
        << ", \"daemon_stop_seconds\": " << Json(f.stop_seconds) << "}"
        << (i + 1 < r.runs.size() ? "," : "") << "\n";
  }
  out << "  ]";
  return out.str();
}

std::string Count(double n) {
  char text[32];
  std::snprintf(text, sizeof text, "%.0f", n);
  return text;
}

std::string Single(double v, const std::string& unit) {
  return std::isnan(v) ? "—" : Num(v) + unit;
}

std::string SyncTable(const Report& r) {
  const SyncFigures& s = *r.sync;
  std::ostringstream out;
  out << "Attune sync (fresh daemons on loopback; initial sync: median of joiners, [min–max]"
      << (r.quick ? "; --quick" : "") << ")\n";
  constexpr size_t kWhat = 44, kLatency = 24;
  out << Pad("what", kWhat) << Pad("p50", kLatency) << Pad("p99", kLatency) << "throughput\n";
  auto row = [&](const std::string& what, double p50, double p99, const std::string& rate) {
    out << Pad(what, kWhat) << Pad(Single(p50, " ms"), kLatency)
        << Pad(Single(p99, " ms"), kLatency) << rate << "\n";
  };
  auto live_row = [&](const std::string& what, Figure LiveRound::*figure) {
    out << Pad(what, kWhat) << Pad(Cell(s.Live(figure, &Figure::p50_ms), " ms"), kLatency)
        << Pad(Cell(s.Live(figure, &Figure::p99_ms), " ms"), kLatency) << "—\n";
  };
  constexpr double kNone = std::numeric_limits<double>::quiet_NaN();
  row("Ed25519 verify, 1 core (" + std::to_string(kVerifyMessageBytes) + " B msgs)", kNone, kNone,
      Cell(SpreadOf(s.verify_per_second), " /s"));
  row("  × " + std::to_string(s.verify.cores) + " cores = target basis", kNone, kNone,
      Count(s.verify.PerSecondAllCores()) + " /s");
  row("seed A: " + Count(s.ops_seeded) + " shared ops, " + std::to_string(s.seed_clients) +
          " clients",
      s.seed.p50_ms, s.seed.p99_ms, Count(s.seed.per_second) + " /s");
  for (const InitialSync& i : s.initial) {
    Spread rate = SpreadOf(i.PerSecond());
    row("initial sync A → B: " + Count(i.ops) + " ops (×" + std::to_string(i.seconds.size()) + ")",
        kNone, kNone,
        Cell(rate, " /s") + " = " + Num(rate.median / s.verify.PerSecondAllCores()) +
            " of verify × cores");
  }
  const std::string rounds = std::to_string(s.live.size()) + " rounds";
  live_row("raw fdatasync, same folder (" + rounds + ")", &LiveRound::fsync);
  live_row("  the same, paced like the live writes", &LiveRound::fsync_paced);
  live_row("check-in on A → on B's API (" +
               std::to_string(s.live.empty() ? 0 : s.live.front().live.operations) + " per round)",
           &LiveRound::live);
  live_row("  of which the call on A", &LiveRound::live_write);
  live_row("reveal: B checks in → A's opens on B's API", &LiveRound::reveal);
  out << "each round began once both daemons were at rest; waited";
  for (const LiveRound& l : s.live) out << " " << Num(l.settle_seconds) << " s";
  out << "\n";

  out << "seeding took " << Num(s.seed_seconds) << " s (A's CPU " << Num(s.seed_cpu_a_seconds)
      << " s)";
  if (s.seed_capped) {
    out << "; NOTE: " << Count(s.ops_asked) << " ops would not seed within "
        << Json(s.seed_budget_seconds) << " s here: N = " << Count(s.ops_seeded) << " used";
  }
  out << "\n";
  for (const InitialSync& i : s.initial) {
    Spread cpu_b = SpreadOf(i.cpu_b_seconds), cpu_a = SpreadOf(i.cpu_a_seconds);
    out << "initial sync of " << Count(i.ops) << ": " << Cell(SpreadOf(i.seconds), " s")
        << " from JoinSpace returning; first op after " << Cell(SpreadOf(i.first_op_seconds), " s")
        << "; CPU A " << Num(cpu_a.median) << " s, B " << Num(cpu_b.median)
        << " s = " << Count(i.ops / cpu_b.median) << " ops per B CPU-second\n";
    // What B spent because of the ops: until it held them all, and after
    // that until it was at rest (search indexing waits for a pause).
    std::vector<double> per_op, after;
    for (size_t k = 0; k < i.cpu_b_seconds.size(); ++k) {
      const double later = k < i.cpu_b_after_seconds.size() ? i.cpu_b_after_seconds[k] : 0;
      per_op.push_back((i.cpu_b_seconds[k] + later) * 1000 / i.ops);
      after.push_back(later * 1000 / i.ops);
    }
    const double b_ms = SpreadOf(per_op).median;
    out << "  B's CPU per op taken in " << Num(b_ms) << " ms (target ≤ " << Num(kIngestCpuTargetMs)
        << ") " << Verdict(b_ms <= kIngestCpuTargetMs) << ", of which "
        << Num(SpreadOf(after).median)
        << " ms after B held them all, until it rested; one signature check costs "
        << Num(1000 / s.verify.per_second)
        << " ms of one core, and a run of one author's ops needs one (each op vouches for the "
           "one before it by digest)\n";
  }
  double sync_ratio = s.SyncRatio();
  Spread live_ratio = s.LiveP50Over(&LiveRound::fsync);
  Spread live_p99 = s.Live(&LiveRound::live, &Figure::p99_ms);
  out << "targets: sync / (verify × cores) = " << Num(sync_ratio) << " (≥ "
      << Json(kSyncRatioTarget) << ") " << Verdict(sync_ratio >= kSyncRatioTarget)
      << "; live p50 / fsync p50 = " << Cell(live_ratio, "") << " (≤ " << Json(kLiveP50RatioTarget)
      << ") " << Verdict(live_ratio.median <= kLiveP50RatioTarget) << "; live p99 "
      << Cell(live_p99, " ms") << " (≤ " << Json(kLiveP99TargetMs) << " ms) "
      << Verdict(live_p99.median <= kLiveP99TargetMs) << "\n";
  out << "not a target: live p50 / paced fdatasync p50 = "
      << Cell(s.LiveP50Over(&LiveRound::fsync_paced), "")
      << "; reveal p50 / (2 × live p50) = " << Cell(s.RevealOverTwoTrips(), "") << "\n";
  return out.str();
}

std::string FootprintTable(const FootprintFigures& f, bool quick) {
  std::ostringstream out;
  out << "Footprint: a daemon holding " << Count(f.records) << " records"
      << (quick ? " (--quick: short idle)" : "") << "\n";
  Spread cold = SpreadOf(f.cold_start_ms);
  constexpr size_t kWhat = 44, kValue = 28;
  auto row = [&](const std::string& what, const std::string& value, const std::string& target,
                 bool met) {
    out << Pad(what, kWhat) << Pad(value, kValue) << target << " " << Verdict(met) << "\n";
  };
  row("cold start → health (×" + std::to_string(f.cold_start_ms.size()) + ")", Cell(cold, " ms"),
      "≤ " + Num(kColdStartTargetMs) + " ms", cold.median <= kColdStartTargetMs);
  row("RSS, unlocked after start", Num(f.rss_after_start_mb) + " MB",
      "≤ " + Num(kRssTargetMb) + " MB", f.rss_after_start_mb <= kRssTargetMb);
  const std::string windows = std::to_string(f.idle_cpu_per_minute.size()) + " × " +
                              Num(f.idle_seconds / double(f.idle_cpu_per_minute.size())) + " s";
  Spread rss = SpreadOf(f.rss_after_idle_mb);
  Spread cpu = SpreadOf(f.idle_cpu_per_minute);
  Spread wakeups = SpreadOf(f.wakeups_per_minute);
  row("RSS after each idle window (" + windows + ")", Cell(rss, " MB"),
      "≤ " + Num(kRssTargetMb) + " MB", rss.median <= kRssTargetMb);
  row("CPU while idle, per minute", Cell(cpu, " s"), "≤ " + Num(kIdleCpuTargetPerMinute) + " s",
      cpu.median <= kIdleCpuTargetPerMinute);
  row("wake-ups while idle, per minute", Cell(wakeups, ""), "≤ " + Num(kWakeupsTargetPerMinute),
      wakeups.median <= kWakeupsTargetPerMinute);
  out << "  by thread name, per minute:";
  size_t shown = 0;
  for (const auto& [name, rate] : f.wakeups_by_thread) {
    if (shown++ == 6 || rate < 0.5) break;
    out << (shown > 1 ? "," : "") << " " << name << " " << Num(rate);
  }
  out << "\n";
  return out.str();
}

// One row of the comparison: what a person waits for, Attune's figure and
// Syncthing's in the same run, and Syncthing's over Attune's.
struct VersusRow {
  std::string what;
  Spread attune;  // seconds
  const Report::Syncthing* syncthing = nullptr;
  std::vector<double> attune_runs;  // seconds, per run (for paired runs)
  // Syncthing's time over Attune's in each pair, when Syncthing's runs were
  // paired with these (the same count); else none.
  std::vector<double> PairRatios() const {
    std::vector<double> out;
    if (syncthing == nullptr || !syncthing->paired ||
        syncthing->seconds.size() != attune_runs.size()) {
      return out;
    }
    for (size_t i = 0; i < attune_runs.size(); ++i) {
      out.push_back(syncthing->seconds[i] / attune_runs[i]);
    }
    return out;
  }
  // Paired: the median of the pairs' ratios (each pair saw the machine as it
  // was then); else the ratio of the medians.
  double Ratio() const {
    if (syncthing == nullptr) return std::nan("");
    std::vector<double> pairs = PairRatios();
    if (!pairs.empty()) return SpreadOf(pairs).median;
    return SpreadOf(syncthing->seconds).median / attune.median;
  }
};

// Every row Attune measured, each with the Syncthing figure of the same
// kind and size when there is one (the first configuration given).
std::vector<VersusRow> VersusRows(const Report& r) {
  const SyncFigures& s = *r.sync;
  auto find = [&](const std::string& mode, int files) -> const Report::Syncthing* {
    for (const Report::Syncthing& st : r.syncthing) {
      if (st.mode == mode && (files == 0 || st.files == files)) return &st;
    }
    return nullptr;
  };
  std::vector<VersusRow> rows;
  for (const SyncFigures::Burst& b : s.bursts) {
    if (b.after_first_write_s.empty()) continue;
    rows.push_back(
        {"(a) a burst of " + std::to_string(b.entries) + " entries: first write → B holds them all",
         SpreadOf(b.after_first_write_s), find("burst", b.entries), b.after_first_write_s});
  }
  std::vector<double> live;
  for (const LiveRound& l : s.live) {
    if (!std::isnan(l.live_entry.p50_ms)) live.push_back(l.live_entry.p50_ms / 1000);
  }
  if (!live.empty()) {
    rows.push_back(
        {"(b) one new entry: written on A → on B", SpreadOf(live), find("live", 0), live});
  }
  for (const InitialSync& i : s.initial) {
    const Report::Syncthing* st = find("join", i.ops);
    if (st == nullptr && &i != &s.initial.back()) continue;
    rows.push_back(
        {"(c) a new device joins: " + std::to_string(i.ops) + " entries of history → all on it",
         SpreadOf(i.TotalSeconds()), st, i.TotalSeconds()});
  }
  return rows;
}

std::string SyncthingTable(const Report& r) {
  const SyncFigures& s = *r.sync;
  std::ostringstream out;
  out << "Against Syncthing: what a person waits for, each row measured in this run "
         "(Attune: shared journal entries through the API; Syncthing: the same texts as files)\n";
  constexpr size_t kWhat = 62, kValue = 28;
  out << Pad("what", kWhat) << Pad("Attune", kValue) << Pad("Syncthing", kValue) << "ratio\n";
  std::vector<VersusRow> rows = VersusRows(r);
  double headline = std::nan("");
  for (const VersusRow& row : rows) {
    out << Pad(row.what, kWhat) << Pad(Cell(row.attune, " s"), kValue);
    if (row.syncthing == nullptr) {
      out << Pad("not measured", kValue) << "—\n";
      continue;
    }
    double ratio = row.Ratio();
    if (std::isnan(headline) || ratio < headline) headline = ratio;
    out << Pad(Cell(SpreadOf(row.syncthing->seconds), " s"), kValue) << Num(ratio) << "×";
    if (std::vector<double> pairs = row.PairRatios(); !pairs.empty()) {
      const Spread p = SpreadOf(pairs);
      out << " [" << Num(p.min) << "–" << Num(p.max) << "] pair by pair";
    }
    out << "\n";
  }
  for (const SyncFigures::Burst& b : s.bursts) {
    if (b.batched_after_first_write_s.empty()) continue;
    out << Pad("  the burst of " + std::to_string(b.entries) +
                   " through batches of 500 (not a row)",
               kWhat)
        << Cell(SpreadOf(b.batched_after_first_write_s), " s") << "\n";
  }
  // Where a burst's time goes: the CPU each side used per entry, beside what
  // the two cores could give in the same time.
  for (const SyncFigures::Burst& b : s.bursts) {
    if (b.cpu_a_s.empty() || b.entries <= 0) continue;
    auto per_entry = [&](const std::vector<double>& seconds) {
      std::vector<double> ms;
      for (double v : seconds) ms.push_back(v * 1000 / b.entries);
      return SpreadOf(ms);
    };
    std::vector<double> cores;
    for (double wall : b.after_first_write_s) cores.push_back(wall * 2 * 1000 / b.entries);
    out << "  CPU per entry in the burst of " << b.entries
        << " (first write → B holds them all): A " << Cell(per_entry(b.cpu_a_s), " ms") << ", B "
        << Cell(per_entry(b.cpu_b_s), " ms") << ", the bench's clients "
        << Cell(per_entry(b.cpu_bench_s), " ms") << "; two cores give "
        << Cell(SpreadOf(cores), " ms") << " per entry in that time; after it, until both rest: A "
        << Cell(per_entry(b.cpu_after_a_s), " ms") << ", B "
        << Cell(per_entry(b.cpu_after_b_s), " ms") << "\n";
    if (b.empty_calls_s.empty()) continue;
    // The ceiling: gRPC alone, as many empty calls from the same clients.
    const Spread empty = SpreadOf(b.empty_calls_s);
    out << "  ceiling: " << b.entries << " empty calls (health checks) from the same 16 clients "
        << "take " << Cell(empty, " s") << ", A " << Cell(per_entry(b.empty_cpu_a_s), " ms")
        << " and the clients " << Cell(per_entry(b.empty_cpu_bench_s), " ms")
        << " of CPU per call: a burst of single calls cannot be faster here";
    for (const Report::Syncthing& st : r.syncthing) {
      if (st.mode == "burst" && st.files == b.entries && !st.seconds.empty()) {
        out << " (Syncthing's median over it: " << Num(SpreadOf(st.seconds).median / empty.median)
            << "×)";
        break;
      }
    }
    out << "\n";
  }
  if (r.syncthing.empty()) {
    out << "Syncthing: not measured (run tools/bench/run, or pass --syncthing-json)\n";
    return out.str();
  }
  if (std::isnan(headline)) {
    out << "headline: no row has both figures (Syncthing's sizes differ from Attune's)\n";
  } else {
    out << "headline, the smallest ratio: " << Num(headline) << "× (target ≥ "
        << Num(kSyncthingRatioTarget) << "× on every row) "
        << Verdict(headline >= kSyncthingRatioTarget) << "\n";
  }
  // A detail, never the headline: after the last write Attune has nothing
  // left to send, while Syncthing starts then.
  for (const SyncFigures::Burst& b : s.bursts) {
    for (const Report::Syncthing& st : r.syncthing) {
      if (st.mode != "burst" || st.files != b.entries || st.last_write_to_converged_s.empty()) {
        continue;
      }
      out << "detail, burst of " << b.entries << " after the last write: Attune "
          << Cell(SpreadOf(b.after_last_write_s), " s") << ", Syncthing "
          << Cell(SpreadOf(st.last_write_to_converged_s), " s") << "; Attune's writes took "
          << Cell(SpreadOf(b.write_seconds), " s") << "\n";
      break;
    }
  }
  for (const Report::Syncthing& st : r.syncthing) {
    out << "Syncthing " << st.version << " (" << st.mode << ", " << st.label
        << "): 127.0.0.1 only, " << st.settings << "\n";
  }
  return out.str();
}

std::string Values(const std::vector<double>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + Json(v[i]);
  return out + "]";
}

// The "sync", "footprint" and "syncthing" members of the top-level object.
std::string SyncJson(const Report& r) {
  const SyncFigures& s = *r.sync;
  std::ostringstream out;
  double sync_ratio = s.SyncRatio();
  Spread live_ratio = s.LiveP50Over(&LiveRound::fsync);
  Spread live_p99 = s.Live(&LiveRound::live, &Figure::p99_ms);
  out << "  \"sync\": {\n"
      << "    \"verify\": {\"message_bytes\": " << kVerifyMessageBytes
      << ", \"per_second_one_core\": " << Json(s.verify.per_second)
      << ", \"repeats_per_second_one_core\": " << Values(s.verify_per_second)
      << ", \"cores\": " << s.verify.cores
      << ", \"per_second_all_cores\": " << Json(s.verify.PerSecondAllCores()) << "},\n"
      << "    \"seed\": {\"ops_asked\": " << s.ops_asked << ", \"ops\": " << s.ops_seeded
      << ", \"capped\": " << JsonBool(s.seed_capped) << ", \"clients\": " << s.seed_clients
      << ", \"seconds\": " << Json(s.seed_seconds)
      << ", \"per_second\": " << Json(s.seed.per_second) << ", \"p50_ms\": " << Json(s.seed.p50_ms)
      << ", \"p99_ms\": " << Json(s.seed.p99_ms)
      << ", \"cpu_a_seconds\": " << Json(s.seed_cpu_a_seconds) << "},\n"
      << "    \"initial_sync\": [\n";
  for (size_t k = 0; k < s.initial.size(); ++k) {
    const InitialSync& i = s.initial[k];
    out << "      {\"ops\": " << i.ops << ", \"per_second\": " << Json(SpreadOf(i.PerSecond()))
        << ", \"seconds\": " << Values(i.seconds)
        << ", \"join_to_all_seconds\": " << Values(i.TotalSeconds())
        << ", \"first_op_seconds\": " << Values(i.first_op_seconds)
        << ", \"join_seconds\": " << Values(i.join_seconds)
        << ", \"cpu_a_seconds\": " << Values(i.cpu_a_seconds)
        << ", \"cpu_b_seconds\": " << Values(i.cpu_b_seconds)
        << ", \"cpu_b_after_seconds\": " << Values(i.cpu_b_after_seconds) << "}"
        << (k + 1 < s.initial.size() ? "," : "") << "\n";
  }
  out << "    ],\n"
      << "    \"live\": {\"a_to_b_p50_ms\": " << Json(s.Live(&LiveRound::live, &Figure::p50_ms))
      << ", \"a_to_b_p99_ms\": " << Json(live_p99)
      << ", \"write_on_a_p50_ms\": " << Json(s.Live(&LiveRound::live_write, &Figure::p50_ms))
      << ", \"reveal_p50_ms\": " << Json(s.Live(&LiveRound::reveal, &Figure::p50_ms))
      << ", \"fsync_p50_ms\": " << Json(s.Live(&LiveRound::fsync, &Figure::p50_ms))
      << ", \"fsync_paced_p50_ms\": " << Json(s.Live(&LiveRound::fsync_paced, &Figure::p50_ms))
      << ", \"rounds\": [";
  for (size_t k = 0; k < s.live.size(); ++k) {
    const LiveRound& l = s.live[k];
    out << (k ? ", " : "") << "{\"settle_seconds\": " << Json(l.settle_seconds)
        << ", \"a_to_b\": " << Json(l.live) << ", \"write_on_a\": " << Json(l.live_write)
        << ", \"entry_a_to_b\": " << Json(l.live_entry) << ", \"fsync\": " << Json(l.fsync)
        << ", \"fsync_paced\": " << Json(l.fsync_paced) << "}";
  }
  out << "]},\n"
      << "    \"converge\": [";
  for (size_t k = 0; k < s.bursts.size(); ++k) {
    const SyncFigures::Burst& b = s.bursts[k];
    out << (k ? ", " : "") << "{\"entries\": " << b.entries
        << ", \"after_last_write_s\": " << Values(b.after_last_write_s)
        << ", \"after_first_write_s\": " << Values(b.after_first_write_s)
        << ", \"batched_after_first_write_s\": " << Values(b.batched_after_first_write_s)
        << ", \"write_seconds\": " << Values(b.write_seconds)
        << ", \"cpu_a_s\": " << Values(b.cpu_a_s) << ", \"cpu_b_s\": " << Values(b.cpu_b_s)
        << ", \"cpu_bench_s\": " << Values(b.cpu_bench_s)
        << ", \"cpu_after_a_s\": " << Values(b.cpu_after_a_s)
        << ", \"cpu_after_b_s\": " << Values(b.cpu_after_b_s)
        << ", \"empty_calls_s\": " << Values(b.empty_calls_s)
        << ", \"empty_cpu_a_s\": " << Values(b.empty_cpu_a_s)
        << ", \"empty_cpu_bench_s\": " << Values(b.empty_cpu_bench_s) << "}";
  }
  out << "],\n"
      << "    \"ratios\": [\n"
      << "      {\"key\": \"sync_over_verify_all_cores\", \"value\": " << Json(sync_ratio)
      << ", \"target_min\": " << Json(kSyncRatioTarget)
      << ", \"met\": " << JsonBool(sync_ratio >= kSyncRatioTarget) << "},\n"
      << "      {\"key\": \"live_p50_over_fsync_p50\", \"value\": " << Json(live_ratio)
      << ", \"target_max\": " << Json(kLiveP50RatioTarget)
      << ", \"met\": " << JsonBool(live_ratio.median <= kLiveP50RatioTarget) << "},\n"
      << "      {\"key\": \"live_p99_ms\", \"value\": " << Json(live_p99)
      << ", \"target_max\": " << Json(kLiveP99TargetMs)
      << ", \"met\": " << JsonBool(live_p99.median <= kLiveP99TargetMs) << "}\n"
      << "    ],\n"
      << "    \"daemons_stopped_clean\": " << JsonBool(s.stopped_clean) << "\n  }";
  if (s.footprint.has_value()) {
    const FootprintFigures& f = *s.footprint;
    out << ",\n  \"footprint\": {\"records\": " << f.records
        << ", \"cold_start_ms\": " << Json(SpreadOf(f.cold_start_ms))
        << ", \"rss_after_start_mb\": " << Json(f.rss_after_start_mb)
        << ", \"idle_seconds\": " << Json(f.idle_seconds)
        << ", \"rss_after_idle_mb\": " << Json(SpreadOf(f.rss_after_idle_mb))
        << ", \"idle_cpu_seconds_per_minute\": " << Json(SpreadOf(f.idle_cpu_per_minute))
        << ", \"wakeups_per_minute\": " << Json(SpreadOf(f.wakeups_per_minute))
        << ", \"per_window\": {\"rss_mb\": " << Values(f.rss_after_idle_mb)
        << ", \"cpu_seconds_per_minute\": " << Values(f.idle_cpu_per_minute)
        << ", \"wakeups_per_minute\": " << Values(f.wakeups_per_minute) << "}"
        << ", \"wakeups_per_minute_by_thread\": {";
    for (size_t k = 0; k < f.wakeups_by_thread.size(); ++k) {
      out << (k ? ", " : "") << Json(f.wakeups_by_thread[k].first) << ": "
          << Json(f.wakeups_by_thread[k].second);
    }
    out << "}}";
  }
  std::vector<VersusRow> rows = VersusRows(r);
  out << ",\n  \"versus_syncthing\": [";
  for (size_t k = 0; k < rows.size(); ++k) {
    const VersusRow& row = rows[k];
    const double ratio = row.Ratio();
    out << (k ? ",\n    " : "\n    ") << "{\"what\": " << Json(row.what)
        << ", \"attune_s\": " << Json(row.attune);
    if (row.syncthing != nullptr) {
      out << ", \"syncthing_version\": " << Json(row.syncthing->version)
          << ", \"syncthing_label\": " << Json(row.syncthing->label)
          << ", \"syncthing_s\": " << Values(row.syncthing->seconds)
          << ", \"paired_ratios\": " << Values(row.PairRatios()) << ", \"ratio\": " << Json(ratio)
          << ", \"target_min\": " << Json(kSyncthingRatioTarget)
          << ", \"met\": " << JsonBool(ratio >= kSyncthingRatioTarget);
    }
    out << "}";
  }
  out << (rows.empty() ? "]" : "\n  ]");
  return out.str();
}

std::string Signed(double v, const std::string& unit) {
  if (std::isnan(v)) return "—";
  // StrCat, not const char* + std::string: GCC 12 at -O3 (the release
  // preset) sees a false overlap in the latter (-Wrestrict, GCC bug 105329).
  return absl::StrCat(v >= 0 ? "+" : "", Num(v), unit);
}

std::string EventsTable(const EventFigures& e, bool quick) {
  std::ostringstream out;
  out << "Events: one daemon, unlocked; " << e.writes
      << " private journal entries written one at a time, one watcher"
      << (quick ? " (--quick)" : "") << "\n";
  constexpr size_t kWhat = 44, kLatency = 14;
  out << Pad("what", kWhat) << Pad("p50", kLatency) << Pad("p99", kLatency) << "target\n";
  auto row = [&](const std::string& what, const Figure& f) {
    out << Pad(what, kWhat) << Pad(Single(f.p50_ms, " ms"), kLatency)
        << Pad(Single(f.p99_ms, " ms"), kLatency);
  };
  row("write sent → acknowledged", e.ack);
  out << "—\n";
  row("write sent → its event on the watcher", e.event);
  out << "—\n";
  row("  event − acknowledgement, per write", e.event_after_ack);
  out << "p50 ≤ " << Num(kEventAfterAckTargetMs) << " ms "
      << Verdict(e.event_after_ack.p50_ms <= kEventAfterAckTargetMs) << "\n";
  out << "the event came before the acknowledgement for " << e.event_before_ack << " of "
      << e.writes << " writes\n";

  out << e.watchers << " idle watchers on one connection (each past `live`, nothing written), "
      << "windows of " << Num(e.many.seconds) << " s\n";
  constexpr size_t kValue = 14;
  const std::string many = std::to_string(e.watchers);
  out << Pad("what", kWhat) << Pad("0 watchers", kValue) << Pad("1 watcher", kValue)
      << Pad(many + " watchers", kValue) << Pad(many + " − 0", kValue) << "target\n";
  auto idle_row = [&](const std::string& what, double IdleWindow::*field, const std::string& unit,
                      double added, const std::string& target, bool met) {
    out << Pad(what, kWhat);
    for (const IdleWindow* w : {&e.none, &e.one, &e.many})
      out << Pad(Single(w->*field, unit), kValue);
    out << Pad(Signed(added, unit), kValue) << target << " " << Verdict(met) << "\n";
  };
  const std::string past_first = "the " + std::to_string(e.watchers - 1) + " past the first add ";
  idle_row("daemon RSS", &IdleWindow::rss_mb, " MB", e.RssAddedMb(),
           "≤ " + Num(kWatchersRssTargetMb) + " MB", e.RssMet());
  idle_row("daemon wake-ups per second", &IdleWindow::wakeups_per_second, "",
           e.WakeupsAddedPerSecond(),
           "none: " + past_first + Signed(e.WakeupsPastFirstPerSecond(), "") + " (≤ " +
               Num(kWatchersWakeupsSlackPerSecond) + ": gRPC's jitter)",
           e.WakeupsMet());
  auto count = [](int n) { return absl::StrCat(n >= 0 ? "+" : "", n); };
  out << Pad("daemon threads", kWhat);
  for (const IdleWindow* w : {&e.none, &e.one, &e.many}) {
    out << Pad(std::to_string(w->threads), kValue);
  }
  out << Pad(count(e.ThreadsAdded()), kValue) << "none per watcher: " << past_first
      << count(e.ThreadsPastFirst()) << " (≤ " << kWatchersThreadsSlack << ") "
      << Verdict(e.ThreadsMet()) << "\n";
  out << "  wake-ups per second by thread name, 0 → 1 → " << many << " watchers:";
  size_t shown = 0;
  for (const std::string& name : e.WakingThreads()) {
    if (shown++ == 8) break;
    out << (shown > 1 ? "," : "") << " " << name;
    for (const IdleWindow* w : {&e.none, &e.one, &e.many}) {
      auto it = w->wakeups_by_thread.find(name);
      out << (w == &e.none ? " " : " → ") << Num(it == w->wakeups_by_thread.end() ? 0 : it->second);
    }
  }
  out << "\n";
  auto threads_added = [&](const IdleWindow& from, const IdleWindow& to) {
    std::string text;
    for (const auto& [name, n] : EventFigures::ThreadsAddedByName(from, to)) {
      text += " " + name + " " + count(n);
    }
    return text.empty() ? std::string(" none") : text;
  };
  out << "  threads added by name: by the first watcher" << threads_added(e.none, e.one)
      << "; by the " << e.watchers - 1 << " after it" << threads_added(e.one, e.many) << "\n";
  if (e.events_while_idle != 0) {
    out << "NOTE: the idle watchers received " << e.events_while_idle
        << " events past `live` while idle\n";
  }
  return out.str();
}

std::string ByThread(const std::map<std::string, double>& by_name) {
  std::string out = "{";
  for (const auto& [name, rate] : by_name) {
    out += (out.size() > 1 ? ", " : "") + Json(name) + ": " + Json(rate);
  }
  return out + "}";
}

std::string Json(const IdleWindow& w) {
  return "{\"seconds\": " + Json(w.seconds) + ", \"rss_mb\": " + Json(w.rss_mb) +
         ", \"threads\": " + std::to_string(w.threads) + ", \"threads_by_name\": " +
         ByThread(
             std::map<std::string, double>(w.threads_by_name.begin(), w.threads_by_name.end())) +
         ", \"wakeups_per_second\": " + Json(w.wakeups_per_second) +
         ", \"wakeups_per_second_by_thread\": " + ByThread(w.wakeups_by_thread) + "}";
}

// The "events" member of the top-level object.
std::string EventsJson(const EventFigures& e) {
  std::ostringstream out;
  out << "  \"events\": {\n"
      << "    \"writes\": " << e.writes << ", \"ack\": " << Json(e.ack)
      << ", \"event\": " << Json(e.event) << ", \"event_after_ack\": " << Json(e.event_after_ack)
      << ", \"event_before_ack\": " << e.event_before_ack << ",\n"
      << "    \"watchers\": " << e.watchers << ", \"no_watcher\": " << Json(e.none)
      << ",\n    \"one_watcher\": " << Json(e.one) << ",\n    \"all_watchers\": " << Json(e.many)
      << ",\n    \"events_while_idle\": " << e.events_while_idle
      << ", \"daemon_stopped_clean\": " << JsonBool(e.stopped_clean) << ",\n"
      << "    \"targets\": [\n"
      << "      {\"key\": \"event_after_ack_p50_ms\", \"value\": " << Json(e.event_after_ack.p50_ms)
      << ", \"target_max\": " << Json(kEventAfterAckTargetMs)
      << ", \"met\": " << JsonBool(e.event_after_ack.p50_ms <= kEventAfterAckTargetMs) << "},\n"
      << "      {\"key\": \"watchers_rss_added_mb\", \"value\": " << Json(e.RssAddedMb())
      << ", \"target_max\": " << Json(kWatchersRssTargetMb) << ", \"met\": " << JsonBool(e.RssMet())
      << "},\n"
      << "      {\"key\": \"watchers_past_first_wakeups_added_per_second\", \"value\": "
      << Json(e.WakeupsPastFirstPerSecond())
      << ", \"target_max\": " << Json(kWatchersWakeupsSlackPerSecond)
      << ", \"met\": " << JsonBool(e.WakeupsMet())
      << ", \"all_watchers_added\": " << Json(e.WakeupsAddedPerSecond()) << "},\n"
      << "      {\"key\": \"watchers_past_first_threads_added\", \"value\": "
      << e.ThreadsPastFirst() << ", \"target_max\": " << kWatchersThreadsSlack
      << ", \"met\": " << JsonBool(e.ThreadsMet())
      << ", \"all_watchers_added\": " << e.ThreadsAdded() << "}\n"
      << "    ]\n  }";
  return out.str();
}

}  // namespace

std::string FormatTable(const Report& r) {
  std::string out;
  if (!r.runs.empty()) out += WriteTable(r) + "\n" + CryptoTable(r);
  if (r.events.has_value()) {
    if (!out.empty()) out += '\n';
    out += EventsTable(*r.events, r.quick);
  }
  if (r.sync.has_value()) {
    if (!out.empty()) out += '\n';
    out += SyncTable(r);
    if (r.sync->footprint.has_value()) out += "\n" + FootprintTable(*r.sync->footprint, r.quick);
    out += "\n" + SyncthingTable(r);
  }
  return out;
}

std::string FormatJson(const Report& r) {
  std::ostringstream out;
  out << "{\n  \"title\": \"Attune benchmarks\",\n";
  out << "  \"config\": {\"quick\": " << JsonBool(r.quick)
      << ", \"write\": " << JsonBool(!r.runs.empty())
      << ", \"events\": " << JsonBool(r.events.has_value())
      << ", \"sync\": " << JsonBool(r.sync.has_value()) << ", \"runs\": " << r.runs.size()
      << ", \"writes_per_client\": " << r.writes_per_client << ", \"clients\": " << r.clients
      << ", \"fsync_appends\": " << r.fsync_appends << ", \"empty_calls\": " << r.empty_calls
      << ", \"attuned\": " << Json(r.attuned) << ", \"dir\": " << Json(r.scratch_dir) << "}";
  if (!r.runs.empty()) out << ",\n" << WriteJson(r) << ",\n" << CryptoJson(r);
  if (r.events.has_value()) out << ",\n" << EventsJson(*r.events);
  if (r.sync.has_value()) out << ",\n" << SyncJson(r);
  out << "\n}\n";
  return out.str();
}

}  // namespace attune::bench
