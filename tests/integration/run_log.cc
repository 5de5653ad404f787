#include "run_log.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/message.h>
#include <grpcpp/support/byte_buffer.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>

namespace attune::testing {
namespace {

namespace fs = std::filesystem;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// The fields of requests that carry a person's words or a secret.
const std::set<std::string>& ContentFields() {
  static const auto* fields = new std::set<std::string>{
      "body", "high", "low", "note", "text", "answer", "passphrase", "code", "title"};
  return *fields;
}

fs::path LogDir() { return fs::path(ATTUNE_TEST_LOG_DIR); }

std::mutex& FileMutex() {
  static auto* mu = new std::mutex;
  return *mu;
}

void NoteContent(const Message& m) {
  const auto* reflection = m.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(m, &fields);
  for (const FieldDescriptor* f : fields) {
    // Maps hold options and labels, not words (and reading one through
    // reflection syncs its internal repeated form: not worth the risk).
    if (f->is_map()) continue;
    if (f->type() == FieldDescriptor::TYPE_MESSAGE) {
      if (f->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(m, f); ++i) {
          NoteContent(reflection->GetRepeatedMessage(m, f, i));
        }
      } else {
        NoteContent(reflection->GetMessage(m, f));
      }
    } else if (f->type() == FieldDescriptor::TYPE_STRING && ContentFields().count(f->name())) {
      if (f->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(m, f); ++i) {
          NoteCanary(reflection->GetRepeatedString(m, f, i));
        }
      } else {
        NoteCanary(reflection->GetString(m, f));
      }
    }
  }
}

class CanaryInterceptor : public grpc::experimental::Interceptor {
 public:
  explicit CanaryInterceptor(const google::protobuf::Descriptor* request) : request_(request) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (request_ != nullptr && methods->QueryInterceptionHookPoint(
                                   grpc::experimental::InterceptionHookPoints::PRE_SEND_MESSAGE)) {
      // Parsed from the bytes that go out, so generic calls with hand-made
      // (even malformed) bytes are read the same way or skipped.
      if (grpc::ByteBuffer* buffer = methods->GetSerializedSendMessage()) {
        std::vector<grpc::Slice> slices;
        if (buffer->Dump(&slices).ok()) {
          std::string bytes;
          for (const auto& s : slices) {
            bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
          }
          const Message* prototype =
              google::protobuf::MessageFactory::generated_factory()->GetPrototype(request_);
          std::unique_ptr<Message> message(prototype->New());
          if (message->ParseFromString(bytes)) NoteContent(*message);
        }
      }
    }
    methods->Proceed();
  }

 private:
  const google::protobuf::Descriptor* request_;
};

class CanaryInterceptorFactory : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo* info) override {
    // "/attune.v1.JournalService/CreateJournalEntry" → its request type.
    std::string method = info->method() != nullptr ? info->method() : "";
    if (!method.empty() && method[0] == '/') method.erase(0, 1);
    if (auto slash = method.find('/'); slash != std::string::npos) method[slash] = '.';
    const auto* descriptor =
        google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(method);
    return new CanaryInterceptor(descriptor != nullptr ? descriptor->input_type() : nullptr);
  }
};

}  // namespace

void NoteCanary(const std::string& canary) {
  if (canary.size() < 8 || canary.find_first_of("\r\n") != std::string::npos) return;
  static auto* noted = new std::set<std::string>;
  std::lock_guard<std::mutex> lock(FileMutex());
  if (!noted->insert(canary).second) return;
  std::error_code ec;
  fs::create_directories(LogDir() / "canaries", ec);
  std::ofstream out(LogDir() / "canaries" / (std::to_string(::getpid()) + ".txt"),
                    std::ios::app | std::ios::binary);
  out << canary << '\n';
}

void KeepDaemonLogs(const std::string& root, const std::string& data_dir) {
  static std::atomic<int> kept{0};
  std::vector<fs::path> logs;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(root, ec)) {
    if (e.is_regular_file() && e.path().extension() == ".stderr") logs.push_back(e.path());
  }
  for (const auto& e : fs::recursive_directory_iterator(data_dir, ec)) {
    if (e.is_regular_file() && e.path().filename().string().rfind("LOG", 0) == 0) {
      logs.push_back(e.path());
    }
  }
  if (logs.empty()) return;
  fs::path dir = LogDir() / "logs";
  fs::create_directories(dir, ec);
  std::string prefix = std::to_string(::getpid()) + "-" + std::to_string(++kept) + "-";
  for (const fs::path& log : logs) {
    fs::copy_file(log, dir / (prefix + log.filename().string()),
                  fs::copy_options::overwrite_existing, ec);
  }
}

std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>>
CanaryInterceptors() {
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> out;
  out.push_back(std::make_unique<CanaryInterceptorFactory>());
  return out;
}

}  // namespace attune::testing
