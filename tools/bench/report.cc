#include "tools/bench/report.h"

#include <cmath>
#include <cstdio>
#include <functional>
#include <sstream>

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
      {"empty_call", "empty gRPC call (health)", &RunFigures::empty_call, false},
      {"write_1_client", "check-in write, 1 client", &RunFigures::one_client, true},
      {"write_" + std::to_string(r.clients) + "_clients",
       "check-in write, " + std::to_string(r.clients) + " clients",
       &RunFigures::many_clients, true},
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

}  // namespace

std::string FormatTable(const Report& r) {
  std::ostringstream out;
  out << "Attune write path (median of " << r.runs.size() << " runs, [min–max]"
      << (r.quick ? "; --quick" : "") << ")\n";
  constexpr size_t kWhat = 32, kLatency = 25;
  out << Pad("what", kWhat) << Pad("p50", kLatency) << Pad("p99", kLatency)
      << "throughput\n";
  for (const Row& row : Rows(r)) {
    auto p50 = Across(r, [&](const RunFigures& f) { return (f.*row.figure).p50_ms; });
    auto p99 = Across(r, [&](const RunFigures& f) { return (f.*row.figure).p99_ms; });
    std::string rate = "—";
    if (row.has_throughput) {
      rate = Cell(Across(r, [&](const RunFigures& f) { return (f.*row.figure).per_second; }),
                  " /s");
    }
    out << Pad(row.what, kWhat) << Pad(Cell(p50, " ms"), kLatency)
        << Pad(Cell(p99, " ms"), kLatency) << rate << "\n";
  }
  Spread latency = Across(r, [](const RunFigures& f) { return f.LatencyRatio(); });
  Spread throughput = Across(r, [](const RunFigures& f) { return f.ThroughputRatio(); });
  out << "ratios (per run, then median): 1-client p50 / fsync p50 = "
      << Cell(latency, "") << " (target ≤ " << Num(kLatencyRatioTarget) << ") "
      << Verdict(latency.median <= kLatencyRatioTarget) << "; " << r.clients
      << "-client / 1-client throughput = " << Cell(throughput, "") << " (target ≥ "
      << Num(kThroughputRatioTarget) << ") "
      << Verdict(throughput.median >= kThroughputRatioTarget) << "\n";
  return out.str();
}

std::string FormatJson(const Report& r) {
  std::ostringstream out;
  out << "{\n  \"title\": \"Attune write path\",\n";
  out << "  \"config\": {\"quick\": " << (r.quick ? "true" : "false")
      << ", \"runs\": " << r.runs.size() << ", \"writes_per_client\": " << r.writes_per_client
      << ", \"clients\": " << r.clients << ", \"fsync_appends\": " << r.fsync_appends
      << ", \"empty_calls\": " << r.empty_calls << ", \"attuned\": " << Json(r.attuned)
      << ", \"dir\": " << Json(r.scratch_dir) << "},\n";

  out << "  \"rows\": [\n";
  auto rows = Rows(r);
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& row = rows[i];
    auto get = [&](double Figure::*field) {
      return Across(r, [&](const RunFigures& f) { return (f.*row.figure).*field; });
    };
    out << "    {\"key\": " << Json(row.key) << ", \"what\": " << Json(row.what)
        << ", \"p50_ms\": " << Json(get(&Figure::p50_ms))
        << ", \"p99_ms\": " << Json(get(&Figure::p99_ms)) << ", \"per_second\": "
        << (row.has_throughput ? Json(get(&Figure::per_second)) : "null") << "}"
        << (i + 1 < rows.size() ? "," : "") << "\n";
  }
  out << "  ],\n";

  Spread latency = Across(r, [](const RunFigures& f) { return f.LatencyRatio(); });
  Spread throughput = Across(r, [](const RunFigures& f) { return f.ThroughputRatio(); });
  out << "  \"ratios\": [\n"
      << "    {\"key\": \"write_p50_over_fsync_p50\", \"value\": " << Json(latency)
      << ", \"target_max\": " << Json(kLatencyRatioTarget)
      << ", \"met\": " << (latency.median <= kLatencyRatioTarget ? "true" : "false")
      << "},\n"
      << "    {\"key\": \"concurrent_over_single_throughput\", \"value\": "
      << Json(throughput) << ", \"target_min\": " << Json(kThroughputRatioTarget)
      << ", \"met\": " << (throughput.median >= kThroughputRatioTarget ? "true" : "false")
      << "}\n  ],\n";

  out << "  \"per_run\": [\n";
  for (size_t i = 0; i < r.runs.size(); ++i) {
    const RunFigures& f = r.runs[i];
    out << "    {";
    for (const Row& row : rows) out << Json(row.key) << ": " << Json(f.*row.figure) << ", ";
    out << "\"write_p50_over_fsync_p50\": " << Json(f.LatencyRatio())
        << ", \"concurrent_over_single_throughput\": " << Json(f.ThroughputRatio())
        << ", \"daemon_stop_seconds\": " << Json(f.stop_seconds) << "}"
        << (i + 1 < r.runs.size() ? "," : "") << "\n";
  }
  out << "  ]\n}\n";
  return out.str();
}

}  // namespace attune::bench
