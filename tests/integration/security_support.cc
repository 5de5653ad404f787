#include "security_support.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "api_helpers.h"

namespace attune::testing {

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::vector<std::string> Vocabulary(DaemonHarness& d) {
  v1::ListEmotionsResponse vocab;
  grpc::Status s =
      d.checkins().ListEmotions(DaemonHarness::Context().get(), v1::ListEmotionsRequest(), &vocab);
  EXPECT_TRUE(s.ok()) << Describe(s);
  std::vector<std::string> labels;
  for (const auto& f : vocab.families()) {
    labels.insert(labels.end(), f.labels().begin(), f.labels().end());
  }
  return labels;
}

}  // namespace attune::testing
