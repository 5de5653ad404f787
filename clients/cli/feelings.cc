#include "feelings.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "args.h"
#include "format.h"
#include "output.h"
#include "status_macros.h"

namespace attune::cli {

absl::StatusOr<Vocabulary> FetchVocabulary(DaemonClient& client) {
  Vocabulary vocabulary;
  v1::ListEmotionsRequest request;
  ATTUNE_RETURN_IF_ERROR(client.Run([&](grpc::ClientContext* context) {
    return client.checkins().ListEmotions(context, request, &vocabulary.families);
  }));
  for (const v1::EmotionFamily& family : vocabulary.families.families()) {
    for (const std::string& label : family.labels()) {
      vocabulary.labels.insert(label);
    }
  }
  return vocabulary;
}

std::string FormatVocabulary(const Vocabulary& vocabulary, size_t width) {
  size_t name_width = 0;
  for (const v1::EmotionFamily& family : vocabulary.families.families()) {
    name_width = std::max(name_width, Utf8Width(family.name()));
  }
  const size_t indent = 2 + name_width + 2;
  std::string out = "Feelings:\n";
  for (const v1::EmotionFamily& family : vocabulary.families.families()) {
    absl::StrAppend(&out, "  ", BoldKey(family.name(), name_width + 2),
                    Wrap(absl::StrJoin(family.labels(), ", "), width, indent), "\n");
  }
  return out;
}

absl::StatusOr<std::vector<v1::EmotionLabel>> CheckFeelings(const std::string& answer,
                                                            const Vocabulary& vocabulary) {
  ATTUNE_ASSIGN_OR_RETURN(std::vector<v1::EmotionLabel> emotions, ParseEmotionList(answer));
  std::vector<std::string> unknown = UnknownLabels(emotions, vocabulary.labels);
  if (!unknown.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not in the list above: ", absl::StrJoin(unknown, ", ")));
  }
  if (emotions.size() > static_cast<size_t>(kMaxFeelings)) {
    return absl::InvalidArgumentError(absl::StrCat("at most ", kMaxFeelings, " feelings, please"));
  }
  return emotions;
}

CLI::Option* AddEmotionOption(CLI::App* command, std::vector<std::string>& values) {
  return command
      ->add_option("--emotion,-e", values,
                   "A feeling from the vocabulary, optionally with how "
                   "strongly, 1-5 (repeatable; also comma-separated)")
      ->option_text("LABEL[:N]")
      ->allow_extra_args(false);
}

}  // namespace attune::cli
