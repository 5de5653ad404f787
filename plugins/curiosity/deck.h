// The deck of shared curiosity questions: open-ended prompts that invite a
// story rather than a yes or no. Each has a stable id, so sessions can record
// which were asked and later sessions can avoid repeating them.
#ifndef ATTUNE_PLUGINS_CURIOSITY_DECK_H_
#define ATTUNE_PLUGINS_CURIOSITY_DECK_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace attune::curiosity {

struct Question {
  // "q001" …; never reused for another question.
  std::string id;
  std::string text;
};

// Every question, in id order.
const std::vector<Question>& Deck();

// `count` questions for a session: from those asked least often so far
// (`times_asked`: id -> how many earlier sessions used it), so no question
// comes back before every question has been asked, shuffled by `seed` so the
// same session always gets the same ones.
std::vector<Question> Draw(const std::map<std::string, int>& times_asked, uint64_t seed, int count);

}  // namespace attune::curiosity

#endif  // ATTUNE_PLUGINS_CURIOSITY_DECK_H_
