// Runs a fuzz target over inputs without libFuzzer, so that normal test
// builds (gcc, the dev and asan presets) replay the seed corpus and every
// regression input as a CTest test: fuzz_replay_<target> DIR_OR_FILE...
// A folder that does not exist is skipped; running no input at all fails.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

void Run(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::fprintf(stderr, "running %s (%zu bytes)\n", file.c_str(), bytes.size());
  // A copy of exactly the input's size, so reads past its end are caught.
  std::vector<uint8_t> copy(bytes.begin(), bytes.end());
  LLVMFuzzerTestOneInput(copy.data(), copy.size());
}

}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  int ran = 0;
  for (int i = 1; i < argc; ++i) {
    fs::path arg(argv[i]);
    std::error_code ec;
    if (fs::is_directory(arg, ec)) {
      std::vector<fs::path> files;
      for (const auto& entry : fs::directory_iterator(arg)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
      }
      std::sort(files.begin(), files.end());
      for (const auto& f : files) {
        Run(f);
        ++ran;
      }
    } else if (fs::is_regular_file(arg, ec)) {
      Run(arg);
      ++ran;
    }
  }
  std::fprintf(stderr, "%d inputs ran without a finding\n", ran);
  return ran > 0 ? 0 : 1;
}
