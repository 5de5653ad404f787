#include "clients/web/static_files.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace attune::web {
namespace {

constexpr uintmax_t kMaxTotal = 8 << 20;

}  // namespace

std::string ContentTypeOf(absl::string_view name) {
  if (absl::EndsWith(name, ".html")) return "text/html; charset=utf-8";
  if (absl::EndsWith(name, ".js")) return "text/javascript; charset=utf-8";
  if (absl::EndsWith(name, ".css")) return "text/css; charset=utf-8";
  if (absl::EndsWith(name, ".svg")) return "image/svg+xml";
  if (absl::EndsWith(name, ".png")) return "image/png";
  if (absl::EndsWith(name, ".woff2")) return "font/woff2";
  if (absl::EndsWith(name, ".json")) return "application/json";
  if (absl::EndsWith(name, ".map")) return "application/json";
  return "application/octet-stream";
}

absl::StatusOr<StaticFiles> StaticFiles::Load(const std::string& folder) {
  StaticFiles files;
  std::error_code ec;
  uintmax_t total = 0;
  for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name[0] == '.' || !entry.is_regular_file(ec)) continue;
    total += entry.file_size(ec);
    if (total > kMaxTotal) {
      return absl::FailedPreconditionError(
          absl::StrCat("the page folder ", folder, " holds more than 8 MiB"));
    }
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream body;
    body << in.rdbuf();
    if (!in) {
      return absl::FailedPreconditionError(absl::StrCat("cannot read ", entry.path().string()));
    }
    files.files_[name] = StaticFile{ContentTypeOf(name), body.str()};
  }
  if (ec) {
    return absl::NotFoundError(
        absl::StrCat("cannot read the page folder ", folder, ": ", ec.message()));
  }
  if (!files.files_.contains("index.html")) {
    return absl::NotFoundError(
        absl::StrCat("the page folder ", folder,
                     " has no index.html (build the target attune_web_page, or "
                     "pass --page-dir)"));
  }
  return files;
}

const StaticFile* StaticFiles::Find(absl::string_view target) const {
  target = target.substr(0, target.find('?'));
  if (target == "/") target = "/index.html";
  if (!absl::ConsumePrefix(&target, "/") || target.find('/') != absl::string_view::npos) {
    return nullptr;
  }
  auto it = files_.find(target);
  return it == files_.end() ? nullptr : &it->second;
}

}  // namespace attune::web
