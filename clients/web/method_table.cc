#include "clients/web/method_table.h"

#include <google/protobuf/util/json_util.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "attune/v1/api.pb.h"

namespace attune::web {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::Message;
using google::protobuf::MessageFactory;

std::unique_ptr<Message> NewMessage(const Descriptor* type) {
  const Message* prototype = MessageFactory::generated_factory()->GetPrototype(type);
  return std::unique_ptr<Message>(prototype->New());
}

}  // namespace

const MethodTable& MethodTable::Api() {
  static const MethodTable* const table = [] {
    auto* t = new MethodTable;
    // Naming a message of api.proto links its descriptors in.
    const google::protobuf::FileDescriptor* file = v1::WatchRequest::descriptor()->file();
    for (int s = 0; s < file->service_count(); ++s) {
      const google::protobuf::ServiceDescriptor* service = file->service(s);
      for (int m = 0; m < service->method_count(); ++m) {
        const google::protobuf::MethodDescriptor* method = service->method(m);
        if (method->client_streaming()) continue;
        Method entry;
        entry.path = absl::StrCat("/", service->full_name(), "/", method->name());
        entry.descriptor = method;
        entry.server_streaming = method->server_streaming();
        std::string key = entry.path;
        t->methods_.emplace(std::move(key), std::move(entry));
      }
    }
    return t;
  }();
  return *table;
}

const Method* MethodTable::Find(absl::string_view path) const {
  auto it = methods_.find(path);
  return it == methods_.end() ? nullptr : &it->second;
}

absl::StatusOr<std::string> MethodTable::RequestToWire(const Method& method,
                                                       absl::string_view json) {
  std::unique_ptr<Message> request = NewMessage(method.descriptor->input_type());
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  // An empty body is the empty message, as Connect clients send it.
  const absl::string_view text = json.empty() ? absl::string_view("{}") : json;
  const auto parsed = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(text.data(), text.size()), request.get(), options);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("the request body is not a valid ",
                                                   method.descriptor->input_type()->full_name(),
                                                   " (JSON): ", parsed.message().as_string()));
  }
  std::string wire;
  if (!request->SerializeToString(&wire)) {
    return absl::InvalidArgumentError(
        absl::StrCat("the body is not a whole ", method.descriptor->input_type()->full_name()));
  }
  return wire;
}

absl::StatusOr<std::string> MethodTable::ResponseToJson(const Method& method,
                                                        absl::string_view wire) {
  std::unique_ptr<Message> response = NewMessage(method.descriptor->output_type());
  if (!response->ParseFromArray(wire.data(), static_cast<int>(wire.size()))) {
    return absl::InternalError(absl::StrCat("the daemon's answer to ", method.path, " is not a ",
                                            method.descriptor->output_type()->full_name()));
  }
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = false;
  std::string json;
  const auto printed = google::protobuf::util::MessageToJsonString(*response, &json, options);
  if (!printed.ok()) {
    return absl::InternalError(absl::StrCat("the daemon's answer to ", method.path,
                                            " has no JSON form: ", printed.message().as_string()));
  }
  return json;
}

}  // namespace attune::web
