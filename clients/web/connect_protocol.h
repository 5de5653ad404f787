// The parts of the Connect protocol (connectrpc.com/docs/protocol) that
// attune-web speaks: unary calls with JSON bodies and server streams of
// JSON messages in envelopes. Pure functions; thread-safe.
#ifndef ATTUNE_CLIENTS_WEB_CONNECT_PROTOCOL_H_
#define ATTUNE_CLIENTS_WEB_CONNECT_PROTOCOL_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace attune::web {

// Content types: a unary call's body, and a stream's request and response.
inline constexpr char kUnaryJson[] = "application/json";
inline constexpr char kStreamJson[] = "application/connect+json";

// Envelope flags of a stream message: the last one, the end of the stream,
// holds the status as JSON rather than a message.
inline constexpr uint8_t kEndStreamFlag = 0x02;

// Connect's name of a status code: "not_found", "failed_precondition"…
absl::string_view ConnectCodeName(absl::StatusCode code);

// The HTTP status a unary error with this code is sent with (404 for
// not_found, 400 for invalid_argument and failed_precondition, 503 for
// unavailable, …; Connect's own table).
int HttpStatusFor(absl::StatusCode code);

// A unary call's error body: {"code":"…","message":"…"}. `status` is not OK.
std::string ErrorJson(const absl::Status& status);

// The JSON of a stream's end: {} when OK, else {"error":{"code","message"}}.
std::string EndStreamJson(const absl::Status& status);

// One message framed as Connect frames it: a flags byte, the length as four
// big-endian bytes, the payload.
std::string Envelope(uint8_t flags, absl::string_view payload);

// The one message of a server stream's request body. INVALID_ARGUMENT when
// the body is not exactly one whole envelope with no flags set.
absl::StatusOr<std::string> OnlyEnvelope(absl::string_view body);

// The Connect-Timeout-Ms header's value: a positive decimal number of at
// most 10 digits. INVALID_ARGUMENT otherwise.
absl::StatusOr<int64_t> ParseTimeoutMs(absl::string_view value);

// Whether a Content-Type header names `type` (parameters such as
// "; charset=utf-8" allowed, case of the type ignored).
bool IsContentType(absl::string_view header, absl::string_view type);

}  // namespace attune::web

#endif  // ATTUNE_CLIENTS_WEB_CONNECT_PROTOCOL_H_
