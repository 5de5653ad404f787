#include "daemon/records/emotions.h"

#include <initializer_list>
#include <set>
#include <string>

namespace attune {
namespace {

struct Family {
  const char* name;
  const char* description;
  std::initializer_list<const char*> labels;
};

// Written for Attune. Each family holds feelings a person might reach for
// when one word is not quite right: close neighbours at different strengths.
const Family kFamilies[] = {
    {"joy",
     "lightness and pleasure; something went well",
     {"happy", "cheerful", "delighted", "excited", "proud", "hopeful", "playful", "relieved",
      "optimistic"}},
    {"love",
     "warmth toward someone; feeling drawn close",
     {"loving", "grateful", "tender", "affectionate", "close", "trusting", "appreciated",
      "connected", "admiring"}},
    {"calm",
     "settled in body and mind; nothing to defend",
     {"calm", "peaceful", "relaxed", "safe", "grounded", "secure", "content", "satisfied",
      "patient"}},
    {"surprise",
     "caught off guard, for better or worse",
     {"surprised", "amazed", "curious", "confused", "startled", "moved", "awed", "puzzled",
      "unsettled"}},
    {"sadness",
     "loss or heaviness; something missing",
     {"sad", "lonely", "disappointed", "discouraged", "hurt", "grieving", "homesick", "empty",
      "hopeless"}},
    {"fear",
     "a sense of threat or of not knowing what comes next",
     {"anxious", "worried", "scared", "nervous", "insecure", "overwhelmed", "helpless",
      "vulnerable", "tense"}},
    {"anger",
     "a line was crossed; energy to push back",
     {"angry", "frustrated", "irritated", "resentful", "annoyed", "jealous", "bitter", "impatient",
      "defensive"}},
    {"shame",
     "feeling turned against oneself",
     {"ashamed", "guilty", "embarrassed", "inadequate", "regretful", "self-conscious", "exposed",
      "unworthy", "humiliated"}},
    {"depletion",
     "running low; little left to give",
     {"tired", "drained", "numb", "bored", "restless", "stressed", "burned out", "withdrawn",
      "flat"}},
};

v1::ListEmotionsResponse Build() {
  v1::ListEmotionsResponse out;
  for (const Family& f : kFamilies) {
    auto* family = out.add_families();
    family->set_name(f.name);
    family->set_description(f.description);
    for (const char* label : f.labels) family->add_labels(label);
  }
  return out;
}

}  // namespace

const v1::ListEmotionsResponse& EmotionVocabulary() {
  static const auto* vocabulary = new v1::ListEmotionsResponse(Build());
  return *vocabulary;
}

bool IsKnownEmotion(std::string_view label) {
  static const auto* known = [] {
    auto* set = new std::set<std::string, std::less<>>();
    for (const auto& family : EmotionVocabulary().families()) {
      for (const auto& l : family.labels()) set->insert(l);
    }
    return set;
  }();
  return known->find(label) != known->end();
}

}  // namespace attune
