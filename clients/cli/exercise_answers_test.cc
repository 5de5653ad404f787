#include "exercise_answers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace attune::cli {
namespace {

v1::ChoiceInputStep Step(int min, int max) {
  v1::ChoiceInputStep s;
  for (const char* k : {"enough", "help-first", "help-second"}) {
    auto* c = s.add_choices();
    c->set_key(k);
    c->set_label(k);
  }
  s.set_min_choices(min);
  s.set_max_choices(max);
  return s;
}

TEST(ExerciseAnswersTest, ChoicesByNumberOrKey) {
  auto one = ParseChoiceAnswer(Step(1, 1), "2");
  ASSERT_TRUE(one.ok());
  EXPECT_THAT(one->choices().keys(), ::testing::ElementsAre("help-first"));
  auto two = ParseChoiceAnswer(Step(1, 3), "3, enough");
  ASSERT_TRUE(two.ok());
  EXPECT_THAT(two->choices().keys(), ::testing::ElementsAre("help-second", "enough"));
  EXPECT_FALSE(ParseChoiceAnswer(Step(1, 1), "4").ok());
  EXPECT_FALSE(ParseChoiceAnswer(Step(1, 1), "1,2").ok());
  EXPECT_FALSE(ParseChoiceAnswer(Step(1, 1), "").ok());
  EXPECT_TRUE(ParseChoiceAnswer(Step(0, 2), "").ok());
  EXPECT_THAT(std::string(ParseChoiceAnswer(Step(1, 1), "maybe").status().message()),
              ::testing::HasSubstr("not one of the choices"));
}

TEST(ExerciseAnswersTest, RatingsAndClock) {
  EXPECT_EQ(ParseRatingAnswer(" 4 ")->rating(), 4);
  EXPECT_FALSE(ParseRatingAnswer("6").ok());
  EXPECT_FALSE(ParseRatingAnswer("four").ok());
  EXPECT_EQ(ClockText(120), "2:00");
  EXPECT_EQ(ClockText(7), "0:07");
  EXPECT_EQ(ClockText(600), "10:00");
  EXPECT_EQ(PersonName(v1::PERSON_SECOND, "Alex", "Sam"), "Sam");
  EXPECT_EQ(ChoiceHint(Step(1, 3)), "choose 1 to 3 (numbers separated by commas)");
}

}  // namespace
}  // namespace attune::cli
