#include "plugins/sdk/session.h"

#include <cstdlib>

namespace attune::plugin {

Session::Session(const v1::SessionContext& context,
                 const google::protobuf::RepeatedPtrField<v1::Exchange>& transcript)
    : context_(context), transcript_(transcript) {}

std::string Session::second_name() const {
  return context_.second_name().empty() ? "your partner" : context_.second_name();
}

std::string Session::Option(const std::string& key, const std::string& fallback) const {
  auto it = context_.options().find(key);
  return it == context_.options().end() ? fallback : it->second;
}

int Session::OptionInt(const std::string& key, int fallback, int lo, int hi) const {
  std::string v = Option(key, "");
  if (v.empty()) return fallback;
  char* end = nullptr;
  long n = std::strtol(v.c_str(), &end, 10);
  if (end == nullptr || *end != '\0' || n < lo || n > hi) return fallback;
  return static_cast<int>(n);
}

const ::attune::v1::Answer* Session::AnswerTo(const std::string& key) const {
  for (const auto& ex : transcript_) {
    if (ex.step().key() == key) return &ex.answer();
  }
  return nullptr;
}

const ::attune::v1::Step* Session::StepOf(const std::string& key) const {
  for (const auto& ex : transcript_) {
    if (ex.step().key() == key) return &ex.step();
  }
  return nullptr;
}

bool Session::Answered(const std::string& key) const { return AnswerTo(key) != nullptr; }

std::string Session::Text(const std::string& key) const {
  const auto* a = AnswerTo(key);
  return a != nullptr && a->has_text() ? a->text() : "";
}

int Session::Rating(const std::string& key) const {
  const auto* a = AnswerTo(key);
  return a != nullptr && a->has_rating() ? a->rating() : 0;
}

std::vector<std::string> Session::Choices(const std::string& key) const {
  const auto* a = AnswerTo(key);
  if (a == nullptr || !a->has_choices()) return {};
  return {a->choices().keys().begin(), a->choices().keys().end()};
}

std::string Session::Choice(const std::string& key) const {
  auto c = Choices(key);
  return c.empty() ? "" : c.front();
}

std::vector<::attune::v1::EmotionLabel> Session::Emotions(const std::string& key) const {
  const auto* a = AnswerTo(key);
  if (a == nullptr || !a->has_emotions()) return {};
  return {a->emotions().emotions().begin(), a->emotions().emotions().end()};
}

int Session::Elapsed(const std::string& key) const {
  const auto* a = AnswerTo(key);
  return a != nullptr ? a->elapsed_seconds() : 0;
}

std::set<std::string> Session::UsedItems() const {
  std::set<std::string> out;
  for (const auto& past : context_.history()) {
    out.insert(past.used_items().begin(), past.used_items().end());
  }
  return out;
}

const ::attune::v1::PluginRecord* Session::Record(const std::string& key) const {
  for (const auto& r : context_.records()) {
    if (r.key() == key) return &r;
  }
  return nullptr;
}

std::vector<std::string> Session::FeelingLabels() const {
  std::vector<std::string> out;
  for (const auto& family : context_.vocabulary().families()) {
    out.insert(out.end(), family.labels().begin(), family.labels().end());
  }
  return out;
}

}  // namespace attune::plugin
