// What every request to attune-web must show before it is served: that it was
// addressed to this loopback port (so a web site that rebinds its own name to
// 127.0.0.1 is refused), that it comes from the page's own origin when a
// browser names one, and, for API calls, the access token. Pure functions;
// thread-safe.
#ifndef ATTUNE_CLIENTS_WEB_REQUEST_GUARD_H_
#define ATTUNE_CLIENTS_WEB_REQUEST_GUARD_H_

#include <cstdint>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace attune::web {

// OK when `host` (the Host header) is "127.0.0.1:PORT" or "localhost:PORT"
// for this `port` (the name's case ignored). PERMISSION_DENIED naming the
// Host otherwise, an empty one included.
absl::Status CheckHost(absl::string_view host, uint16_t port);

// OK when `origin` (the Origin header) is empty (not a cross-origin browser
// request) or "http://127.0.0.1:PORT" or "http://localhost:PORT".
// PERMISSION_DENIED naming the origin otherwise ("null" included).
absl::Status CheckOrigin(absl::string_view origin, uint16_t port);

// OK when `authorization` (the Authorization header) is "Bearer TOKEN" with
// this `token`, compared in constant time. UNAUTHENTICATED otherwise, saying
// where the address with the token comes from; never quoting what was sent.
absl::Status CheckToken(absl::string_view authorization, absl::string_view token);

}  // namespace attune::web

#endif  // ATTUNE_CLIENTS_WEB_REQUEST_GUARD_H_
