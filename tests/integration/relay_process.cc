#include "relay_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <vector>

#include "sync_support.h"

extern char** environ;

namespace attune::testing {
namespace {

bool Spawn(const std::vector<std::string>& args, const std::string& out, pid_t* pid) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  int rc = posix_spawn(pid, args[0].c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0;
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

}  // namespace

RelayProcess::RelayProcess() : data_(root_.path() + "/data") {}

RelayProcess::~RelayProcess() { Kill(SIGKILL); }

::testing::AssertionResult RelayProcess::Start() {
  std::string listen = "127.0.0.1:" + std::to_string(port_);
  std::string out = root_.path() + "/out." + std::to_string(++runs_);
  if (!Spawn({ATTUNE_RELAY_PATH, "--data", data_, "--listen", listen}, out, &pid_)) {
    return ::testing::AssertionFailure() << "cannot start attune-relay";
  }
  std::smatch m;
  const std::regex line("relay address \\(for attune relay add\\): (\\S+@127\\.0\\.0\\.1:(\\d+))");
  bool found = Await([&] {
    output_ = ReadFile(out);
    return std::regex_search(output_, m, line);
  });
  if (!found) return ::testing::AssertionFailure() << "relay printed no address: " << output_;
  address_ = m[1];
  port_ = std::stoi(m[2]);
  return ::testing::AssertionSuccess();
}

void RelayProcess::Kill(int signal) {
  if (pid_ <= 0) return;
  ::kill(pid_, signal);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = 0;
}

std::string RelayProcess::Stats() {
  std::string out = root_.path() + "/stats";
  pid_t pid = 0;
  if (!Spawn({ATTUNE_RELAY_PATH, "stats", "--json", "--data", data_}, out, &pid)) return "";
  int status = 0;
  ::waitpid(pid, &status, 0);
  return ReadFile(out);
}

uint64_t RelayProcess::HeldOf(const std::string& device) {
  std::smatch m;
  std::string stats = Stats();
  if (!std::regex_search(stats, m, std::regex("\"" + device + "\":(\\d+)"))) return 0;
  return std::stoull(m[1]);
}

}  // namespace attune::testing
