// attune-plugin-check: validates a plugin folder the way attuned will use it,
// with the daemon's own code, and says what is wrong. `--help` says how;
// plugins/README.md, "Build, check, install, allow, run", shows it in use.
//
// Checks, in order: the manifest; starting the plugin (the handshake line,
// the protocol version, Describe against the manifest); then, for every
// exercise (or the one --exercise names), a full session whose answers come
// from --answers or are scripted (script.h): every step well formed, every
// answer one the daemon would take, Finish's records well formed and of
// kinds the manifest asks for; and finally that the plugin stops on SIGTERM.
// Options (--option) are resolved as the daemon does: unknown keys and bad
// values are refused before the plugin sees them, defaults filled in.
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/step_names.h"
#include "daemon/plugins/discovery.h"
#include "daemon/plugins/exercise_options.h"
#include "daemon/plugins/launcher.h"
#include "daemon/plugins/output_check.h"
#include "daemon/plugins/permissions.h"
#include "daemon/plugins/plugin_log.h"
#include "daemon/plugins/plugin_process.h"
#include "daemon/plugins/step_check.h"
#include "daemon/records/emotions.h"
#include "daemon/records/validation.h"
#include "tools/plugin-check/script.h"

namespace attune {
namespace {

constexpr int kMaxSteps = 500;
constexpr char kFirstName[] = "Alex";
constexpr char kSecondName[] = "Sam";

constexpr char kAbout[] =
    "Checks the plugin in FOLDER (its manifest.textproto and executable) the way attuned uses "
    "it: the manifest, the handshake and Describe, one whole session of every exercise, and "
    "stopping on SIGTERM. Exit status 0 when nothing is wrong, 1 when something is, 2 for bad "
    "usage.";
constexpr char kFooter[] = R"(
Sessions are run as Alex (who starts) with Sam (the partner). A step the
answers file does not answer gets a default answer:
  prompt, timed turn, role switch  done (a turn with all its seconds)
  text                             "A scripted answer from plugin-check."
  choice                           the first choices, as many as it needs
  feelings                         the first labels of the vocabulary, 3 of 5
  rating                           4 of 5

An answers file is JSON: step keys, each with an Answer as in
proto/attune/v1/exercise.proto, e.g.
  {"first-things": {"text": "A walk, a call, a song"},
   "week": {"rating": 5},
   "pick": {"choices": {"keys": ["calm"]}},
   "feel": {"emotions": {"emotions": [{"label": "grateful", "intensity": 4}]}}}
An answer the daemon would refuse is a problem of the file, not the plugin.

--verbose prints every step as a person sees it, each answer, the summary
and the records the plugin returned, and what the plugin printed (its stderr,
and its stdout after the handshake line; printed anyway when a check fails).)";

using Answers = std::map<std::string, v1::Answer>;

// Reads --answers: a JSON object of step key -> Answer.
absl::StatusOr<Answers> ReadAnswers(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("--answers: cannot read ", path));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  google::protobuf::Struct object;
  auto parsed = google::protobuf::util::JsonStringToMessage(text, &object);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--answers: ", path, " is not a JSON object of step keys: ", parsed.ToString()));
  }
  Answers out;
  for (const auto& [key, value] : object.fields()) {
    std::string json;
    (void)google::protobuf::util::MessageToJsonString(value, &json);
    v1::Answer answer;
    auto as_answer = google::protobuf::util::JsonStringToMessage(json, &answer);
    if (!as_answer.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("--answers: \"", key,
                                                     "\" is not an Answer (see "
                                                     "proto/attune/v1/exercise.proto): ",
                                                     as_answer.ToString()));
    }
    out[key] = std::move(answer);
  }
  return out;
}

std::string KindName(const v1::Step& step) {
  const auto* field = step.GetDescriptor()->FindFieldByNumber(step.kind_case());
  return field == nullptr ? "no kind" : field->name();
}

std::string Json(const google::protobuf::Message& m) {
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(m, &out);
  return out;
}

struct Report {
  int problems = 0;
  void Ok(const std::string& what) { std::cout << "  ok       " << what << "\n"; }
  void Problem(const std::string& what) {
    ++problems;
    std::cout << "  PROBLEM  " << what << "\n";
  }
};

// One full session of `exercise` with scripted answers.
void CheckExercise(PluginProcess& process, const FoundPlugin& plugin, const v1::Exercise& exercise,
                   const google::protobuf::Map<std::string, std::string>& chosen,
                   const Answers& answers, std::set<std::string>& answered, absl::Duration timeout,
                   bool verbose, Report& report) {
  std::string name = absl::StrCat("exercise ", exercise.id(), ": ");
  auto options = ResolveOptions(exercise, chosen);
  if (!options.ok()) {
    report.Problem(
        absl::StrCat(name, "the daemon would refuse to start it: ", options.status().message()));
    return;
  }
  plugin::v1::SessionContext context;
  context.set_exercise(exercise.id());
  context.set_session_id("plugin-check");
  context.set_seed(42);
  context.set_today(FormatDay(absl::ToCivilDay(absl::Now(), absl::LocalTimeZone())));
  context.set_time_zone("UTC");
  context.set_first_name(kFirstName);
  context.set_second_name(kSecondName);
  *context.mutable_vocabulary() = EmotionVocabulary();
  for (const auto& [k, v] : *options) (*context.mutable_options())[k] = v;
  if (verbose && !options->empty()) {
    std::string list;
    for (const auto& [k, v] : *options) list += absl::StrCat(list.empty() ? "" : ", ", k, "=", v);
    std::cout << "           " << exercise.id() << " with options " << list << "\n";
  }

  auto call_context = [&](grpc::ClientContext* ctx) {
    ctx->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  };
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
    step = StepWithNames(std::move(step), kFirstName, kSecondName);  // as the daemon does
    auto given = answers.find(step.key());
    bool from_file = given != answers.end();
    v1::Answer answer = from_file ? given->second : ScriptedAnswer(step, context.vocabulary());
    if (from_file) answered.insert(step.key());
    if (verbose) {
      std::cout << "           step " << n << " (" << step.key() << ", " << KindName(step) << ") "
                << step.title() << ": " << step.text() << "\n";
    }
    if (auto c = CheckAnswer(step, &answer); !c.ok()) {
      report.Problem(absl::StrCat(name, "step ", n, " (", step.key(), ") ",
                                  from_file ? "gets an answer from --answers that the daemon "
                                              "would refuse: "
                                            : "cannot be answered: ",
                                  c.message()));
      return;
    }
    if (verbose) {
      std::cout << "             answer" << (from_file ? " (from --answers)" : "") << ": "
                << AnswerText(step, answer) << "\n";
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
  out.set_summary(WithNames(out.summary(), kFirstName, kSecondName));
  if (verbose) {
    std::cout << "           summary: " << out.summary() << "\n";
    for (const auto& r : out.records()) std::cout << "           record: " << Json(r) << "\n";
  }
  std::string kinds;
  for (const auto& r : out.records()) kinds += (kinds.empty() ? "" : ", ") + KindOf(r);
  report.Ok(absl::StrCat(name, transcript.size(), " steps, then ",
                         kinds.empty() ? "no records" : kinds,
                         "; summary: ", out.summary().substr(0, 100)));
}

// What the plugin printed, from its log file, indented.
void PrintOutput(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  bool any = false;
  while (std::getline(in, line)) {
    if (!any) std::cout << "What the plugin printed:\n";
    any = true;
    std::cout << "  " << line << "\n";
  }
}

int Main(int argc, char** argv) {
  CLI::App app{kAbout, "attune-plugin-check"};
  app.set_version_flag("--version", "attune-plugin-check " ATTUNE_VERSION);
  app.footer(kFooter);
  std::string folder, only, answers_path;
  std::vector<std::string> option_args;
  double timeout_seconds = 5;
  bool verbose = false;
  app.add_option("FOLDER", folder, "The plugin's folder")->required();
  app.add_option("--exercise", only, "Check only the exercise with this id");
  app.add_option("--option", option_args,
                 "KEY=VALUE: an option for the sessions, as `attune exercise start --option` "
                 "gives it (repeatable)");
  app.add_option("--answers", answers_path,
                 "A JSON file of answers by step key (below); other steps get default answers");
  app.add_option("--timeout", timeout_seconds, "Seconds each call may take")
      ->capture_default_str()
      ->check(CLI::Range(0.01, 600.0));
  app.add_flag("-v,--verbose", verbose,
               "Print the transcript, the records returned and the plugin's output");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  google::protobuf::Map<std::string, std::string> chosen;
  for (const std::string& kv : option_args) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos) {
      std::cerr << "attune-plugin-check: --option takes KEY=VALUE, not \"" << kv << "\"\n";
      return 2;
    }
    chosen[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  Answers answers;
  if (!answers_path.empty()) {
    auto read = ReadAnswers(answers_path);
    if (!read.ok()) {
      std::cerr << "attune-plugin-check: " << read.status().message() << "\n";
      return 2;
    }
    answers = *std::move(read);
  }
  const absl::Duration timeout = absl::Milliseconds(timeout_seconds * 1000);
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
  popts.log_dir = PluginLogDir(tmpl);
  ::mkdir(popts.log_dir.c_str(), 0700);
  popts.start_timeout = std::max(timeout, absl::Seconds(10));
  std::set<std::string> answered;
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
        CheckExercise(**process, plugin, e, chosen, answers, answered, timeout, verbose, report);
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
    for (const auto& [key, answer] : answers) {
      if (answered.count(key) == 0) {
        std::cout << "  note     --answers: no step \"" << key << "\" was asked\n";
      }
    }
    problems = report.problems;
  }
  // Past the process's end: the whole of its output is in the file.
  if (verbose || problems > 0) PrintOutput(PluginLogPath(popts.log_dir, manifest->id()));
  std::filesystem::remove_all(tmpl);
  std::cout << (problems == 0 ? std::string("No problems.")
                              : absl::StrCat(problems, problems == 1 ? " problem." : " problems."))
            << "\n";
  return problems == 0 ? 0 : 1;
}

}  // namespace
}  // namespace attune

int main(int argc, char** argv) { return attune::Main(argc, argv); }
