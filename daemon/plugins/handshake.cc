#include "daemon/plugins/handshake.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "daemon/plugins/manifest.h"

namespace attune {

std::string Excerpt(std::string_view text) { return Excerpt(text, 80); }

std::string Excerpt(std::string_view text, size_t max_chars) {
  std::string out;
  for (char c : text.substr(0, max_chars)) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      absl::StrAppendFormat(&out, "\\x%02x", u);
    } else {
      out.push_back(c);
    }
  }
  if (text.size() > max_chars) out += "…";
  return out;
}

absl::StatusOr<Handshake> ParseHandshake(std::string_view line) {
  auto bad = [&](std::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat("the handshake line \"", Excerpt(line), "\" ",
                                                   std::string(why),
                                                   "; expected CORE|VERSION|unix|SOCKET|grpc"));
  };
  if (line.size() > kMaxHandshakeBytes) return bad("is too long");
  std::vector<std::string> parts = absl::StrSplit(absl::string_view(line.data(), line.size()), '|');
  if (parts.size() != 5) return bad("does not have five '|'-separated fields");
  Handshake h;
  if (!absl::SimpleAtoi(parts[0], &h.core_version)) return bad("has no core version");
  if (!absl::SimpleAtoi(parts[1], &h.protocol_version)) {
    return bad("has no protocol version");
  }
  h.network = parts[2];
  h.address = parts[3];
  h.protocol = parts[4];
  return h;
}

absl::Status CheckHandshake(const Handshake& h, const std::string& socket_dir) {
  if (h.core_version != kHandshakeCoreVersion) {
    return absl::FailedPreconditionError(absl::StrCat("the plugin speaks handshake version ",
                                                      h.core_version, ", this daemon ",
                                                      kHandshakeCoreVersion));
  }
  if (h.protocol_version != kPluginProtocolVersion) {
    return absl::FailedPreconditionError(
        absl::StrCat("the plugin speaks plugin protocol version ", h.protocol_version,
                     "; this daemon speaks version ", kPluginProtocolVersion));
  }
  if (h.network != "unix") {
    return absl::InvalidArgumentError(absl::StrCat(
        "the plugin offers network \"", Excerpt(h.network), "\"; only unix is accepted"));
  }
  std::string prefix = socket_dir + "/";
  if (h.address.size() <= prefix.size() || h.address.compare(0, prefix.size(), prefix) != 0 ||
      h.address.find('/', prefix.size()) != std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("the plugin's socket \"", Excerpt(h.address),
                     "\" is not inside the private folder it was given (", socket_dir, ")"));
  }
  if (h.protocol != "grpc") {
    return absl::InvalidArgumentError(absl::StrCat(
        "the plugin offers protocol \"", Excerpt(h.protocol), "\"; only grpc is accepted"));
  }
  return absl::OkStatus();
}

std::string FormatHandshake(int protocol_version, const std::string& socket_path) {
  return absl::StrCat(kHandshakeCoreVersion, "|", protocol_version, "|unix|", socket_path, "|grpc");
}

}  // namespace attune
