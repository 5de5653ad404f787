#include "tools/bench/scratch.h"

#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <vector>

namespace attune::bench {

std::string MakeScratchDir(const std::string& parent) {
  std::string base = parent;
  if (base.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    base = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
  }
  std::error_code ec;
  std::filesystem::create_directories(base, ec);
  if (ec) {
    throw std::runtime_error("cannot create " + base + ": " + ec.message());
  }
  std::string pattern = std::filesystem::absolute(base).string() + "/attune-bench-XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (::mkdtemp(buffer.data()) == nullptr) {
    throw std::runtime_error("cannot create a folder in " + base + ": " + std::strerror(errno));
  }
  return buffer.data();
}

void RemoveTree(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
  if (ec) {
    std::cerr << "attune-bench: warning: cannot remove " << path << ": " << ec.message() << "\n";
  }
}

}  // namespace attune::bench
