// plugin-check: validates a plugin folder the way attuned will use it, and
// says what is wrong.
//
//   plugin-check FOLDER [--exercise ID] [--option KEY=VALUE]... [--timeout SECONDS]
//
// Checks, in order: the manifest; starting the plugin (the handshake line,
// the protocol version, Describe against the manifest); then, for every
// exercise, a full session with scripted answers (every step well formed,
// Finish's records well formed and of kinds the manifest asks for; only the
// exercise named by --exercise, when given; --option is passed to every
// session, --timeout bounds every call, 5 s by default); and
// finally that the plugin stops on SIGTERM. Exit status: 0 when nothing is
// wrong, 1 when something is, 2 for bad usage.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "daemon/plugins/discovery.h"
#include "daemon/plugins/launcher.h"
#include "daemon/plugins/output_check.h"
#include "daemon/plugins/permissions.h"
#include "daemon/plugins/plugin_process.h"
#include "daemon/plugins/step_check.h"
#include "daemon/records/emotions.h"
#include "daemon/records/validation.h"
#include "tools/plugin-check/script.h"

namespace attune {
namespace {

constexpr int kMaxSteps = 500;
constexpr char kUsage[] =
    "usage: plugin-check FOLDER [--exercise ID] [--option KEY=VALUE]... [--timeout SECONDS]\n";

struct Report {
  int problems = 0;
  void Ok(const std::string& what) { std::cout << "  ok       " << what << "\n"; }
  void Problem(const std::string& what) {
    ++problems;
    std::cout << "  PROBLEM  " << what << "\n";
  }
};

absl::Duration Timeout(const std::string& seconds) {
  return absl::Milliseconds(std::atof(seconds.c_str()) * 1000);
}

// One full session of `exercise` with scripted answers.
void CheckExercise(PluginProcess& process, const FoundPlugin& plugin, const v1::Exercise& exercise,
                   const std::map<std::string, std::string>& options, absl::Duration timeout,
                   Report& report) {
  plugin::v1::SessionContext context;
  context.set_exercise(exercise.id());
  context.set_session_id("plugin-check");
  context.set_seed(42);
  context.set_today(FormatDay(absl::ToCivilDay(absl::Now(), absl::LocalTimeZone())));
  context.set_time_zone("UTC");
  context.set_first_name("Alex");
  context.set_second_name("Sam");
  *context.mutable_vocabulary() = EmotionVocabulary();
  for (const auto& [k, v] : options) (*context.mutable_options())[k] = v;

  auto call_context = [&](grpc::ClientContext* ctx) {
    ctx->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  };
  std::string name = absl::StrCat("exercise ", exercise.id(), ": ");
  plugin::v1::StartRequest start;
  *start.mutable_context() = context;
  plugin::v1::StepResponse reply;
  grpc::ClientContext ctx;
  call_context(&ctx);
  grpc::Status s = process.stub().Start(&ctx, start, &reply);
  if (!s.ok()) {
    report.Problem(absl::StrCat(name, "Start failed: ", s.error_message()));
    return;
  }
  std::vector<plugin::v1::Exchange> transcript;
  std::set<std::string> keys;
  for (int n = 1;; ++n) {
    if (reply.complete() == reply.has_step()) {
      report.Problem(
          absl::StrCat(name, "step ", n, ": the reply must hold either a step or complete"));
      return;
    }
    if (reply.complete()) {
      if (n == 1) {
        report.Problem(absl::StrCat(name, "Start answered complete instead of a first step"));
        return;
      }
      break;
    }
    if (n > kMaxSteps) {
      report.Problem(absl::StrCat(name, "more than ", kMaxSteps, " steps"));
      return;
    }
    v1::Step step = reply.step();
    if (auto c = CheckStep(&step, keys); !c.ok()) {
      report.Problem(absl::StrCat(name, "step ", n, " (", step.key(), ") is bad: ", c.message()));
      return;
    }
    keys.insert(step.key());
    v1::Answer answer = ScriptedAnswer(step, context.vocabulary());
    if (auto c = CheckAnswer(step, &answer); !c.ok()) {
      report.Problem(
          absl::StrCat(name, "step ", n, " (", step.key(), ") cannot be answered: ", c.message()));
      return;
    }
    auto& ex = transcript.emplace_back();
    *ex.mutable_step() = step;
    *ex.mutable_answer() = answer;
    plugin::v1::AdvanceRequest advance;
    *advance.mutable_context() = context;
    for (const auto& e : transcript) *advance.add_transcript() = e;
    grpc::ClientContext actx;
    call_context(&actx);
    reply.Clear();
    s = process.stub().Advance(&actx, advance, &reply);
    if (!s.ok()) {
      if (s.error_code() == grpc::StatusCode::UNAVAILABLE) process.WaitForExit(absl::Seconds(1));
      report.Problem(absl::StrCat(
          name, "Advance after step ", n, " (", step.key(), ") failed: ", s.error_message(),
          process.exited() ? " — the plugin " + process.exit_description() : ""));
      return;
    }
  }
  plugin::v1::FinishRequest finish;
  *finish.mutable_context() = context;
  for (const auto& e : transcript) *finish.add_transcript() = e;
  plugin::v1::FinishResponse out;
  grpc::ClientContext fctx;
  call_context(&fctx);
  s = process.stub().Finish(&fctx, finish, &out);
  if (!s.ok()) {
    report.Problem(absl::StrCat(name, "Finish failed: ", s.error_message()));
    return;
  }
  if (auto c = CheckFinish(&out); !c.ok()) {
    report.Problem(absl::StrCat(name, "Finish returned bad records: ", c.message()));
    return;
  }
  std::vector<std::string> all(plugin.manifest.permissions().begin(),
                               plugin.manifest.permissions().end());
  if (auto c = CheckOutputs(plugin.manifest, exercise, all, out); !c.ok()) {
    report.Problem(absl::StrCat(name, c.message()));
    return;
  }
  std::string kinds;
  for (const auto& r : out.records()) kinds += (kinds.empty() ? "" : ", ") + KindOf(r);
  report.Ok(absl::StrCat(name, transcript.size(), " steps, then ",
                         kinds.empty() ? "no records" : kinds,
                         "; summary: ", out.summary().substr(0, 100)));
}

int Main(int argc, char** argv) {
  std::string folder, only;
  std::map<std::string, std::string> options;
  absl::Duration timeout = absl::Seconds(5);
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--option" && i + 1 < argc) {
      std::string kv = argv[++i];
      size_t eq = kv.find('=');
      if (eq == std::string::npos) {
        std::cerr << "plugin-check: --option takes KEY=VALUE\n";
        return 2;
      }
      options[kv.substr(0, eq)] = kv.substr(eq + 1);
    } else if (arg == "--exercise" && i + 1 < argc) {
      only = argv[++i];
    } else if (arg == "--timeout" && i + 1 < argc) {
      timeout = Timeout(argv[++i]);
    } else if (arg == "-h" || arg == "--help" || !folder.empty()) {
      std::cerr << kUsage;
      return 2;
    } else {
      folder = arg;
    }
  }
  if (folder.empty()) {
    std::cerr << kUsage;
    return 2;
  }
  Report report;
  std::cout << "Checking the plugin in " << folder << "\n";

  auto manifest = ReadManifest(folder);
  if (!manifest.ok()) {
    report.Problem(absl::StrCat("manifest: ", manifest.status().message()));
    std::cout << "1 problem.\n";
    return 1;
  }
  report.Ok(absl::StrCat("manifest: plugin ", manifest->id(), " ", manifest->version(), ", ",
                         manifest->exercises_size(), " exercises, asks to write: ",
                         manifest->permissions_size() == 0
                             ? std::string("nothing")
                             : absl::StrJoin(manifest->permissions(), ", ")));
  FoundPlugin plugin;
  plugin.manifest = *manifest;
  plugin.folder = std::filesystem::absolute(folder).string();
  plugin.executable = plugin.folder + "/" + manifest->executable();

  char tmpl[] = "/tmp/plugin-check-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) {
    std::cerr << "plugin-check: cannot make a temporary folder\n";
    return 1;
  }
  PluginProcessOptions popts;
  popts.runtime_dir = tmpl;
  popts.start_timeout = std::max(timeout, absl::Seconds(10));
  int problems = 0;
  {
    Launcher launcher;
    absl::Time began = absl::Now();
    auto process = PluginProcess::Start(plugin, popts, launcher);
    if (!process.ok()) {
      report.Problem(absl::StrCat("start: ", process.status().message()));
    } else {
      report.Ok(absl::StrCat("start: handshake, protocol version and Describe match the manifest (",
                             absl::ToInt64Milliseconds(absl::Now() - began), " ms)"));
      for (const auto& e : manifest->exercises()) {
        if (!only.empty() && e.id() != only) continue;
        if ((*process)->exited()) {
          report.Problem(absl::StrCat("exercise ", e.id(), ": not checked, the plugin has ended"));
          continue;
        }
        CheckExercise(**process, plugin, e, options, timeout, report);
      }
      absl::Time stop = absl::Now();
      bool ended = (*process)->exited();
      (*process)->Stop(absl::Seconds(2));
      std::string how = (*process)->exit_description();
      if (ended) {
        std::cout << "  -        stop: not checked, the plugin had already ended (it " << how
                  << ")\n";
      } else if (how.find("signal 9") != std::string::npos) {
        report.Problem("stop: the plugin did not end within 2 s of SIGTERM and was killed");
      } else {
        report.Ok(absl::StrCat("stop: ", how, " ", absl::ToInt64Milliseconds(absl::Now() - stop),
                               " ms after SIGTERM"));
      }
    }
    problems = report.problems;
  }
  std::filesystem::remove_all(tmpl);
  std::cout << (problems == 0 ? std::string("No problems.")
                              : absl::StrCat(problems, problems == 1 ? " problem." : " problems."))
            << "\n";
  return problems == 0 ? 0 : 1;
}

}  // namespace
}  // namespace attune

int main(int argc, char** argv) { return attune::Main(argc, argv); }
