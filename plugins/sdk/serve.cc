#include "plugins/sdk/serve.h"

#include <google/protobuf/text_format.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

#include "attune/plugin/v1/plugin.grpc.pb.h"
#include "common/grpc_status.h"

namespace attune::plugin {
namespace {

// The handshake (see proto/attune/plugin/v1/plugin.proto).
constexpr char kCookieEnv[] = "ATTUNE_PLUGIN_COOKIE";
constexpr char kCookieValue[] = "7d1f0c5e9a3b4c62";
constexpr char kSocketDirEnv[] = "ATTUNE_PLUGIN_SOCKET_DIR";
constexpr char kVersionsEnv[] = "ATTUNE_PLUGIN_PROTOCOL_VERSIONS";
constexpr int kProtocolVersion = 1;

class PluginService final : public v1::PluginService::Service {
 public:
  PluginService(const PluginInfo& info, const std::vector<Exercise>& exercises) : info_(info) {
    for (const auto& e : exercises) exercises_.emplace(e.info().id, e);
  }

  grpc::Status Describe(grpc::ServerContext*, const v1::DescribeRequest*,
                        v1::DescribeResponse* response) override {
    response->set_plugin_id(info_.id);
    response->set_version(info_.version);
    for (const auto& [id, e] : exercises_) *response->add_exercises() = e.Describe();
    return grpc::Status::OK;
  }

  grpc::Status Start(grpc::ServerContext*, const v1::StartRequest* request,
                     v1::StepResponse* response) override {
    const Exercise* e = Find(request->context().exercise());
    if (e == nullptr) return Unknown(request->context().exercise());
    google::protobuf::RepeatedPtrField<v1::Exchange> none;
    Session session(request->context(), none);
    auto step = e->Next(session);
    if (!step.has_value()) {
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "the exercise has no steps");
    }
    *response->mutable_step() = *std::move(step);
    return grpc::Status::OK;
  }

  grpc::Status Advance(grpc::ServerContext*, const v1::AdvanceRequest* request,
                       v1::StepResponse* response) override {
    const Exercise* e = Find(request->context().exercise());
    if (e == nullptr) return Unknown(request->context().exercise());
    Session session(request->context(), request->transcript());
    auto step = e->Next(session);
    if (step.has_value()) {
      *response->mutable_step() = *std::move(step);
    } else {
      response->set_complete(true);
    }
    return grpc::Status::OK;
  }

  grpc::Status Finish(grpc::ServerContext*, const v1::FinishRequest* request,
                      v1::FinishResponse* response) override {
    const Exercise* e = Find(request->context().exercise());
    if (e == nullptr) return Unknown(request->context().exercise());
    Session session(request->context(), request->transcript());
    auto finished = e->Finish(session);
    if (!finished.ok()) return ToGrpc(finished.status());
    *response = *std::move(finished);
    return grpc::Status::OK;
  }

  grpc::Status Ping(grpc::ServerContext*, const v1::PingRequest*, v1::PingResponse*) override {
    return grpc::Status::OK;
  }

 private:
  const Exercise* Find(const std::string& id) const {
    auto it = exercises_.find(id);
    return it == exercises_.end() ? nullptr : &it->second;
  }
  static grpc::Status Unknown(const std::string& id) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "this plugin offers no exercise \"" + id + "\"");
  }

  const PluginInfo info_;
  std::map<std::string, Exercise> exercises_;
};

bool SpeaksOurVersion(const char* versions) {
  if (versions == nullptr) return false;
  std::string list = versions;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    std::string v =
        list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (v == std::to_string(kProtocolVersion)) return true;
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return false;
}

}  // namespace

std::string ManifestText(const PluginInfo& info, const std::vector<Exercise>& exercises,
                         const std::string& executable) {
  v1::PluginManifest m;
  m.set_id(info.id);
  m.set_version(info.version);
  m.set_protocol_version(kProtocolVersion);
  m.set_executable(executable);
  m.set_description(info.description);
  for (const auto& p : info.permissions) m.add_permissions(p);
  for (const auto& e : exercises) *m.add_exercises() = e.Describe();
  std::string text;
  google::protobuf::TextFormat::Printer printer;
  printer.PrintToString(m, &text);
  return "# The manifest of plugin " + info.id +
         ": attuned reads it to list the exercises without starting the plugin.\n" + text;
}

int Serve(int argc, char** argv, const PluginInfo& info, std::vector<Exercise> exercises) {
  std::string exe = std::filesystem::path(argc > 0 ? argv[0] : info.id).filename().string();
  if (argc > 1 && std::strcmp(argv[1], "--print-manifest") == 0) {
    std::cout << ManifestText(info, exercises, exe);
    return 0;
  }
  if (argc > 2 && std::strcmp(argv[1], "--write-manifest") == 0) {
    std::ofstream out(argv[2], std::ios::trunc);
    out << ManifestText(info, exercises, exe);
    out.close();
    if (!out) {
      std::cerr << exe << ": cannot write " << argv[2] << "\n";
      return 1;
    }
    return 0;
  }
  const char* cookie = std::getenv(kCookieEnv);
  if (cookie == nullptr || std::strcmp(cookie, kCookieValue) != 0) {
    std::cerr << exe << " is an Attune exercise plugin (" << info.id << " " << info.version
              << "). attuned starts it when an exercise needs it; it is not meant to be "
                 "run by hand.\nTo print its manifest: "
              << exe << " --print-manifest\n";
    return 1;
  }
  if (!SpeaksOurVersion(std::getenv(kVersionsEnv))) {
    std::cerr << exe << ": attuned does not speak plugin protocol version " << kProtocolVersion
              << "\n";
    return 1;
  }
  const char* dir = std::getenv(kSocketDirEnv);
  if (dir == nullptr || *dir == '\0') {
    std::cerr << exe << ": " << kSocketDirEnv << " is not set\n";
    return 1;
  }
  std::string socket = std::string(dir) + "/plugin.sock";

  // SIGTERM and SIGINT are taken by sigwait below; block them before gRPC
  // starts threads, so every thread inherits the mask.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  PluginService service(info, exercises);
  grpc::ServerBuilder builder;
  builder.AddListeningPort("unix:" + socket, grpc::InsecureServerCredentials());
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr) {
    std::cerr << exe << ": cannot serve on " << socket << "\n";
    return 1;
  }
  std::printf("1|%d|unix|%s|grpc\n", kProtocolVersion, socket.c_str());
  std::fflush(stdout);

  int sig = 0;
  sigwait(&stop, &sig);
  // Calls in flight get a moment; idle connections (the daemon's) do not hold us.
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(250));
  server->Wait();
  return 0;
}

}  // namespace attune::plugin
