#include "daemon/plugins/exercise_options.h"

#include <gmock/gmock.h>
#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

namespace attune {
namespace {

using ::testing::HasSubstr;

v1::Exercise Parse(const std::string& text) {
  v1::Exercise e;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &e)) << text;
  return e;
}

const char kListening[] = R"(
  id: "reflective-listening"
  options { key: "turn_seconds" description: "how long each of you talks"
            integer { min: 10 max: 900 unit: "seconds" } default_value: "120" }
  options { key: "mood" description: "the tone" choice { values: "calm" values: "playful" }
            default_value: "calm" }
  options { key: "topic" description: "what to talk about" text {} }
)";

google::protobuf::Map<std::string, std::string> Chosen(
    std::initializer_list<std::pair<const std::string, std::string>> kv) {
  google::protobuf::Map<std::string, std::string> m;
  for (const auto& [k, v] : kv) m[k] = v;
  return m;
}

TEST(ExerciseOptionsTest, EveryListedOptionReachesThePluginWithTheChoiceOrItsDefault) {
  v1::Exercise e = Parse(kListening);
  ASSERT_TRUE(CheckDeclaredOptions("e", e).ok());
  auto none = ResolveOptions(e, Chosen({}));
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ(*none, (std::map<std::string, std::string>{
                       {"turn_seconds", "120"}, {"mood", "calm"}, {"topic", ""}}));
  auto some = ResolveOptions(
      e, Chosen({{"turn_seconds", "060"}, {"mood", "playful"}, {"topic", "the move"}}));
  ASSERT_TRUE(some.ok()) << some.status();
  EXPECT_EQ(*some, (std::map<std::string, std::string>{
                       {"turn_seconds", "60"}, {"mood", "playful"}, {"topic", "the move"}}));
}

TEST(ExerciseOptionsTest, AKeyTheExerciseDoesNotListIsRefusedNamingTheKnownOnes) {
  v1::Exercise e = Parse(kListening);
  auto r = ResolveOptions(e, Chosen({{"turn_second", "60"}}));
  ASSERT_TRUE(absl::IsInvalidArgument(r.status()));
  EXPECT_THAT(r.status().message(), HasSubstr("\"turn_second\" is not an option of "
                                              "reflective-listening; its options: "
                                              "turn_seconds, mood, topic"));
  v1::Exercise bare = Parse(R"(id: "appreciation")");
  auto none = ResolveOptions(bare, Chosen({{"turn_seconds", "60"}}));
  EXPECT_THAT(none.status().message(), HasSubstr("it has none"));
}

TEST(ExerciseOptionsTest, AValueTheOptionDoesNotAllowIsRefusedSayingWhatItTakes) {
  v1::Exercise e = Parse(kListening);
  struct Case {
    std::string key, value, message;
  } cases[] = {
      {"turn_seconds", "5",
       "options[turn_seconds]: 5 is out of range; it takes a whole number "
       "of seconds from 10 to 900, default 120"},
      {"turn_seconds", "901", "901 is out of range"},
      {"turn_seconds", "two", "\"two\" is not a whole number"},
      {"turn_seconds", "1e2", "is not a whole number"},
      {"turn_seconds", "", "is not a whole number"},
      {"turn_seconds", "99999999999", "is not a whole number"},
      {"mood", "angry", "options[mood]: \"angry\" is not allowed; it takes one of calm, playful"},
      {"topic", "two\nlines", "options[topic]: it takes any text of one line"},
  };
  for (const auto& c : cases) {
    auto r = ResolveOptions(e, Chosen({{c.key, c.value}}));
    EXPECT_TRUE(absl::IsInvalidArgument(r.status())) << c.key << "=" << c.value;
    EXPECT_THAT(r.status().message(), HasSubstr(c.message)) << c.key << "=" << c.value;
  }
}

TEST(ExerciseOptionsTest, AManifestMustDeclareWellFormedOptions) {
  struct Case {
    std::string options, message;
  } cases[] = {
      {R"(options { key: "Turn" description: "d" text {} })", "e.options[0].key: must be 1 to 32"},
      {R"(options { key: "a" description: "d" text {} } options { key: "a" description: "d"
          text {} })",
       "e.options[1].key: \"a\" is listed twice"},
      {R"(options { key: "a" text {} })", "e.options[0].description: is required"},
      {R"(options { key: "a" description: "d" })", "e.options[0]: needs a kind"},
      {R"(options { key: "a" description: "d" integer { min: 9 max: 1 } default_value: "5" })",
       "min 9 is above max 1"},
      {R"(options { key: "a" description: "d" integer { min: 1 max: 9 } default_value: "10" })",
       "e.options[0].default_value: 10 is out of range"},
      {R"(options { key: "a" description: "d" integer { min: 1 max: 9 } default_value: "05" })",
       "e.options[0].default_value: write it as \"5\""},
      {R"(options { key: "a" description: "d" choice { values: "x" } default_value: "x" })",
       "e.options[0].choice.values: 2 to 20 values"},
      {R"(options { key: "a" description: "d" choice { values: "x" values: "Y" }
          default_value: "x" })",
       "each is 1 to 32 of a-z"},
      {R"(options { key: "a" description: "d" choice { values: "x" values: "y" }
          default_value: "z" })",
       "e.options[0].default_value: \"z\" is not allowed"},
  };
  for (const auto& c : cases) {
    absl::Status s = CheckDeclaredOptions("e", Parse(c.options));
    EXPECT_TRUE(absl::IsInvalidArgument(s)) << c.options;
    EXPECT_THAT(s.message(), HasSubstr(c.message)) << c.options;
  }
  std::string many;
  for (int i = 0; i <= kMaxExerciseOptions; ++i) {
    many += "options { key: \"o" + std::to_string(i) + "\" description: \"d\" text {} }\n";
  }
  EXPECT_THAT(CheckDeclaredOptions("e", Parse(many)).message(), HasSubstr("at most 20"));
}

}  // namespace
}  // namespace attune
