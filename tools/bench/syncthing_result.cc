#include "tools/bench/syncthing_result.h"

#include <google/protobuf/util/json_util.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "syncthing_report.pb.h"

namespace attune::bench {

Report::Syncthing ReadSyncthingResult(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read Syncthing's results at " + path);
  std::stringstream text;
  text << in.rdbuf();
  SyncthingReport parsed;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  auto status = google::protobuf::util::JsonStringToMessage(text.str(), &parsed, options);
  if (!status.ok()) {
    throw std::runtime_error("Syncthing's results at " + path +
                             " are not the expected JSON: " + status.ToString());
  }
  if (parsed.runs_size() == 0) throw std::runtime_error(path + " holds no Syncthing runs");
  Report::Syncthing out;
  out.version = parsed.syncthing_version();
  out.mode = parsed.mode().empty() ? "burst" : parsed.mode();
  out.files = parsed.files();
  for (const SyncthingRun& run : parsed.runs()) {
    out.seconds.push_back(run.seconds() > 0 ? run.seconds() : run.first_write_to_converged_s());
    if (out.mode == "burst")
      out.last_write_to_converged_s.push_back(run.last_write_to_converged_s());
  }
  const auto& fields = parsed.settings().fields();
  if (auto it = fields.find("caseSensitiveFS"); it != fields.end() && it->second.bool_value()) {
    out.label = "caseSensitiveFS on";
  } else {
    out.label = "defaults";
  }
  if (auto it = fields.find("trigger"); it != fields.end()) {
    out.settings = "change detection: " + it->second.string_value();
  }
  if (auto it = fields.find("fsWatcherDelayS"); it != fields.end()) {
    out.settings +=
        ", fsWatcherDelayS " + std::to_string(static_cast<int>(it->second.number_value()));
  }
  return out;
}

Report::Syncthing ReadPairedRuns(const std::vector<std::string>& paths) {
  if (paths.empty()) throw std::runtime_error("no paired Syncthing runs to read");
  Report::Syncthing out;
  for (const std::string& path : paths) {
    Report::Syncthing one = ReadSyncthingResult(path);
    if (out.seconds.empty()) {
      out = one;
    } else {
      if (one.mode != out.mode || one.files != out.files) {
        throw std::runtime_error(path + " is not a run of the same mode and size as " +
                                 paths.front());
      }
      out.seconds.insert(out.seconds.end(), one.seconds.begin(), one.seconds.end());
      out.last_write_to_converged_s.insert(out.last_write_to_converged_s.end(),
                                           one.last_write_to_converged_s.begin(),
                                           one.last_write_to_converged_s.end());
    }
  }
  out.label += ", each run just before one of Attune's";
  out.paired = true;
  return out;
}

}  // namespace attune::bench
