// Every method of the daemon's client API (the services of
// attune/v1/api.proto), found by its HTTP path, and the translation of its
// messages between protobuf's JSON mapping and the wire format. Read from
// the descriptors compiled in: a method added to api.proto needs no code
// here. Immutable after construction; thread-safe.
#ifndef ATTUNE_CLIENTS_WEB_METHOD_TABLE_H_
#define ATTUNE_CLIENTS_WEB_METHOD_TABLE_H_

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace attune::web {

struct Method {
  // "/attune.v1.JournalService/CreateJournalEntry": the HTTP path, and the
  // gRPC method name.
  std::string path;
  const google::protobuf::MethodDescriptor* descriptor = nullptr;
  // A server stream (EventService.Watch); otherwise unary.
  bool server_streaming = false;
};

class MethodTable {
 public:
  // The services of attune/v1/api.proto. Methods that stream from the
  // client are left out (api.proto has none).
  static const MethodTable& Api();

  // The method at `path`, or nullptr.
  const Method* Find(absl::string_view path) const;

  size_t size() const { return methods_.size(); }

  // The request `json` (protobuf's JSON mapping: lowerCamelCase or proto
  // field names, enums by name, 64-bit integers as strings) in the wire
  // format. INVALID_ARGUMENT naming what is wrong: not JSON, an unknown
  // field, a value of the wrong type.
  static absl::StatusOr<std::string> RequestToWire(const Method& method, absl::string_view json);

  // A response in the wire format as JSON (lowerCamelCase names, fields at
  // their default left out). INTERNAL when the bytes do not parse.
  static absl::StatusOr<std::string> ResponseToJson(const Method& method, absl::string_view wire);

 private:
  std::map<std::string, Method, std::less<>> methods_;
};

}  // namespace attune::web

#endif  // ATTUNE_CLIENTS_WEB_METHOD_TABLE_H_
