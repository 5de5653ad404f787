#include "clients/web/request_guard.h"

#include <openssl/crypto.h>

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace attune::web {
namespace {

// At most this much of a header is quoted in a message.
constexpr size_t kQuoted = 64;

bool IsLoopbackAuthority(absl::string_view authority, uint16_t port) {
  const std::string suffix = absl::StrCat(":", port);
  if (!absl::ConsumeSuffix(&authority, suffix)) return false;
  return authority == "127.0.0.1" || absl::EqualsIgnoreCase(authority, "localhost");
}

}  // namespace

absl::Status CheckHost(absl::string_view host, uint16_t port) {
  if (IsLoopbackAuthority(host, port)) return absl::OkStatus();
  return absl::PermissionDeniedError(
      absl::StrCat("attune-web answers only requests addressed to 127.0.0.1:", port,
                   " or localhost:", port, ", not Host '", host.substr(0, kQuoted), "'"));
}

absl::Status CheckOrigin(absl::string_view origin, uint16_t port) {
  if (origin.empty()) return absl::OkStatus();
  absl::string_view authority = origin;
  if (absl::ConsumePrefix(&authority, "http://") && IsLoopbackAuthority(authority, port)) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(
      absl::StrCat("attune-web answers only its own page, not one from origin '",
                   origin.substr(0, kQuoted), "'"));
}

absl::Status CheckToken(absl::string_view authorization, absl::string_view token) {
  absl::string_view given = authorization;
  const bool bearer = absl::ConsumePrefix(&given, "Bearer ");
  given = absl::StripAsciiWhitespace(given);
  // Equal lengths first (the length of the token is no secret), then every
  // byte, in time that does not depend on where they differ.
  if (bearer && !token.empty() && given.size() == token.size() &&
      CRYPTO_memcmp(given.data(), token.data(), token.size()) == 0) {
    return absl::OkStatus();
  }
  return absl::UnauthenticatedError(
      "this request lacks attune-web's access token: open the address attune-web printed "
      "(it ends in #token=…); `attune-web --print-url` prints it again");
}

}  // namespace attune::web
