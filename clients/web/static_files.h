// The page's files (index.html, app.js, app.css, …), read into memory once
// at start: only the regular files directly in one folder are ever served,
// whatever a request's path says. Immutable after Load(); thread-safe.
#ifndef ATTUNE_CLIENTS_WEB_STATIC_FILES_H_
#define ATTUNE_CLIENTS_WEB_STATIC_FILES_H_

#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace attune::web {

struct StaticFile {
  std::string content_type;
  std::string body;
};

class StaticFiles {
 public:
  // Reads every regular file directly in `folder` (dot files left out; at
  // most 8 MiB in all). NOT_FOUND, saying so, when the folder has no
  // index.html.
  static absl::StatusOr<StaticFiles> Load(const std::string& folder);

  // The file a GET of `target` serves: "/" and "/index.html" the page,
  // "/NAME" the file NAME (a query string ignored); nullptr for any other.
  const StaticFile* Find(absl::string_view target) const;

 private:
  std::map<std::string, StaticFile, std::less<>> files_;
};

// The Content-Type a file is served with, from its name's extension.
std::string ContentTypeOf(absl::string_view name);

}  // namespace attune::web

#endif  // ATTUNE_CLIENTS_WEB_STATIC_FILES_H_
