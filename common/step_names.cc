#include "common/step_names.h"

namespace attune {
namespace {

// Whether position `pos` of `s` starts a sentence.
bool SentenceStart(const std::string& s, size_t pos) {
  if (pos == 0) return true;
  if (s[pos - 1] == '\n') return true;
  if (pos >= 3 && s.compare(pos - 3, 3, "\xe2\x80\x9c") == 0) return true;  // opening quote
  return pos >= 2 && s[pos - 1] == ' ' &&
         (s[pos - 2] == '.' || s[pos - 2] == '!' || s[pos - 2] == '?');
}

// Replaces every `from` by `to`, capitalized where it starts a sentence.
void ReplaceAll(std::string* s, const std::string& from, const std::string& to) {
  for (size_t pos = s->find(from); pos != std::string::npos; pos = s->find(from, pos + to.size())) {
    std::string with = to;
    if (!with.empty() && with[0] >= 'a' && with[0] <= 'z' && SentenceStart(*s, pos)) {
      with[0] = static_cast<char>(with[0] - 'a' + 'A');
    }
    s->replace(pos, from.size(), with);
  }
}

}  // namespace

std::string WithNames(const std::string& text, const std::string& first,
                      const std::string& second) {
  std::string out = text;
  ReplaceAll(&out, "{first}", first);
  ReplaceAll(&out, "{second}", second);
  return out;
}

::attune::v1::Step StepWithNames(::attune::v1::Step step, const std::string& first,
                                 const std::string& second) {
  step.set_title(WithNames(step.title(), first, second));
  step.set_text(WithNames(step.text(), first, second));
  if (step.has_text_input()) {
    auto* t = step.mutable_text_input();
    t->set_placeholder(WithNames(t->placeholder(), first, second));
  }
  if (step.has_choice_input()) {
    for (auto& c : *step.mutable_choice_input()->mutable_choices()) {
      c.set_label(WithNames(c.label(), first, second));
    }
  }
  if (step.has_rating_input()) {
    auto* r = step.mutable_rating_input();
    r->set_low_label(WithNames(r->low_label(), first, second));
    r->set_high_label(WithNames(r->high_label(), first, second));
  }
  return step;
}

}  // namespace attune
