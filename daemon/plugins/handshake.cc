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
  // Walks UTF-8 characters: a well-formed one that is not a control
  // character is kept whole; C0 and C1 controls, DEL and every byte of a
  // malformed sequence are written as \xNN. So the result is valid UTF-8
  // (proto3 strings must be) and cannot drive a terminal.
  std::string out;
  size_t i = 0, chars = 0;
  auto escape = [&](unsigned char u) { absl::StrAppendFormat(&out, "\\x%02x", u); };
  while (i < text.size() && chars < max_chars) {
    const unsigned char u = static_cast<unsigned char>(text[i]);
    size_t len = u < 0x80           ? 1
                 : (u >> 5) == 0x6  ? 2
                 : (u >> 4) == 0xe  ? 3
                 : (u >> 3) == 0x1e ? 4
                                    : 0;
    bool ok = len > 0 && i + len <= text.size();
    uint32_t cp = len == 1 ? u : len == 2 ? (u & 0x1f) : len == 3 ? (u & 0x0f) : (u & 0x07);
    for (size_t k = 1; ok && k < len; ++k) {
      const unsigned char c = static_cast<unsigned char>(text[i + k]);
      ok = (c >> 6) == 0x2;
      cp = (cp << 6) | (c & 0x3f);
    }
    // Overlong forms, surrogates and values past U+10FFFF are malformed.
    if (ok && ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
               (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))) {
      ok = false;
    }
    if (!ok) {
      escape(u);
      i += 1;
    } else if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
      for (size_t k = 0; k < len; ++k) escape(static_cast<unsigned char>(text[i + k]));
      i += len;
    } else {
      out.append(text.substr(i, len));
      i += len;
    }
    ++chars;
  }
  if (i < text.size()) out += "…";
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
