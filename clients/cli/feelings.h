// The feelings vocabulary as the commands use it: fetched from the daemon,
// shown compactly, checked against, and the --emotion flag.
#ifndef ATTUNE_CLIENTS_CLI_FEELINGS_H_
#define ATTUNE_CLIENTS_CLI_FEELINGS_H_

#include <set>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "attune/v1/api.pb.h"
#include "attune/v1/limits.pb.h"
#include "daemon_client.h"

namespace attune::cli {

// At most this many feelings per record (limits.proto).
inline constexpr int kMaxFeelings = v1::LIMIT_EMOTIONS;

struct Vocabulary {
  v1::ListEmotionsResponse families;
  std::set<std::string> labels;  // every label of every family
};

// CheckInService.ListEmotions (works while the vault is locked).
absl::StatusOr<Vocabulary> FetchVocabulary(DaemonClient& client);

// The families, one per line: bold name, then its labels wrapped to `width`.
std::string FormatVocabulary(const Vocabulary& vocabulary, size_t width);

// Parses an answer "label[:N], ..." and checks every label is in the
// vocabulary and there are at most kMaxFeelings. INVALID_ARGUMENT with a
// message to show before asking again.
absl::StatusOr<std::vector<v1::EmotionLabel>> CheckFeelings(const std::string& answer,
                                                            const Vocabulary& vocabulary);

// Adds the repeatable `--emotion label[:1-5]` option to `command`.
CLI::Option* AddEmotionOption(CLI::App* command, std::vector<std::string>& values);

}  // namespace attune::cli

#endif  // ATTUNE_CLIENTS_CLI_FEELINGS_H_
