#include "daemon/plugins/step_check.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace attune {
namespace {

using ::testing::HasSubstr;

v1::Step Turn(int seconds) {
  v1::Step s;
  s.set_key("turn-1");
  s.set_title("Talk");
  s.mutable_timed_turn()->set_speaker(v1::PERSON_FIRST);
  s.mutable_timed_turn()->set_listener(v1::PERSON_SECOND);
  s.mutable_timed_turn()->set_seconds(seconds);
  return s;
}

v1::Step Choices(int min, int max) {
  v1::Step s;
  s.set_key("pick");
  s.set_text("Pick");
  auto* c = s.mutable_choice_input();
  for (const char* k : {"a", "b", "c"}) {
    auto* ch = c->add_choices();
    ch->set_key(k);
    ch->set_label(std::string("Choice ") + k);
  }
  c->set_min_choices(min);
  c->set_max_choices(max);
  return s;
}

TEST(StepCheckTest, AcceptsGoodStepsAndFillsDefaults) {
  v1::Step turn = Turn(120);
  EXPECT_TRUE(CheckStep(&turn, {}).ok());
  v1::Step text;
  text.set_key("words");
  text.set_text("Write");
  text.mutable_text_input();
  ASSERT_TRUE(CheckStep(&text, {}).ok());
  EXPECT_EQ(text.text_input().max_chars(), 2000);
  v1::Step feel;
  feel.set_key("feel");
  feel.set_title("Feel");
  feel.mutable_emotion_input();
  ASSERT_TRUE(CheckStep(&feel, {}).ok());
  EXPECT_EQ(feel.emotion_input().max_labels(), 3);
}

TEST(StepCheckTest, RefusesBadStepsNamingTheField) {
  v1::Step zero = Turn(0);
  EXPECT_THAT(CheckStep(&zero, {}).message(), HasSubstr("step.timed_turn.seconds"));
  v1::Step same = Turn(60);
  same.mutable_timed_turn()->set_listener(v1::PERSON_FIRST);
  EXPECT_THAT(CheckStep(&same, {}).message(), HasSubstr("step.timed_turn.listener"));
  v1::Step none;
  none.set_key("x");
  none.set_text("t");
  EXPECT_THAT(CheckStep(&none, {}).message(), HasSubstr("no kind"));
  v1::Step reused = Turn(60);
  EXPECT_THAT(CheckStep(&reused, {"turn-1"}).message(), HasSubstr("already used"));
  v1::Step badkey = Turn(60);
  badkey.set_key("Turn 1");
  EXPECT_THAT(CheckStep(&badkey, {}).message(), HasSubstr("step.key"));
  v1::Step empty = Turn(60);
  empty.clear_title();
  EXPECT_THAT(CheckStep(&empty, {}).message(), HasSubstr("title or a text"));
  v1::Step picks = Choices(2, 5);
  EXPECT_THAT(CheckStep(&picks, {}).message(), HasSubstr("min_choices"));
  v1::Step dup = Choices(1, 1);
  dup.mutable_choice_input()->mutable_choices(1)->set_key("a");
  EXPECT_THAT(CheckStep(&dup, {}).message(), HasSubstr("choices[1].key"));
}

TEST(StepCheckTest, AnswersMustFitTheStep) {
  v1::Step turn = Turn(60);
  v1::Answer done;
  done.set_done(true);
  EXPECT_TRUE(CheckAnswer(turn, &done).ok());
  v1::Answer text;
  text.set_text("hi");
  EXPECT_THAT(CheckAnswer(turn, &text).message(), HasSubstr("answer.done"));

  v1::Step pick = Choices(1, 2);
  ASSERT_TRUE(CheckStep(&pick, {}).ok());
  v1::Answer a;
  a.mutable_choices()->add_keys("b");
  EXPECT_TRUE(CheckAnswer(pick, &a).ok());
  a.mutable_choices()->add_keys("z");
  EXPECT_THAT(CheckAnswer(pick, &a).message(), HasSubstr("\"z\" is not a choice"));
  v1::Answer three;
  for (const char* k : {"a", "b", "c"}) three.mutable_choices()->add_keys(k);
  EXPECT_THAT(CheckAnswer(pick, &three).message(), HasSubstr("pick 1 to 2"));

  v1::Step rate;
  rate.set_key("r");
  rate.set_text("Rate");
  rate.mutable_rating_input();
  v1::Answer six;
  six.set_rating(6);
  EXPECT_THAT(CheckAnswer(rate, &six).message(), HasSubstr("answer.rating"));

  v1::Step feel;
  feel.set_key("f");
  feel.set_text("Feel");
  feel.mutable_emotion_input()->set_max_labels(1);
  v1::Answer unknown;
  auto* l = unknown.mutable_emotions()->add_emotions();
  l->set_label("flibbertigibbet");
  EXPECT_THAT(CheckAnswer(feel, &unknown).message(), HasSubstr("answer.emotions"));
  v1::Answer known;
  l = known.mutable_emotions()->add_emotions();
  l->set_label("Anxious");
  ASSERT_TRUE(CheckAnswer(feel, &known).ok());
  EXPECT_EQ(known.emotions().emotions(0).label(), "anxious");
  EXPECT_EQ(known.emotions().emotions(0).intensity(), 3);

  v1::Step words;
  words.set_key("w");
  words.set_text("Words");
  words.mutable_text_input()->set_required(true);
  words.mutable_text_input()->set_max_chars(5);
  v1::Answer blank;
  blank.set_text("   ");
  EXPECT_THAT(CheckAnswer(words, &blank).message(), HasSubstr("answer.text: is required"));
  v1::Answer long_text;
  long_text.set_text("toolong");
  EXPECT_THAT(CheckAnswer(words, &long_text).message(), HasSubstr("limit is 5"));
}

TEST(StepCheckTest, AnswerTextIsReadable) {
  v1::Step pick = Choices(1, 2);
  v1::Answer a;
  a.mutable_choices()->add_keys("a");
  a.mutable_choices()->add_keys("c");
  EXPECT_EQ(AnswerText(pick, a), "Choice a; Choice c");
  v1::Answer r;
  r.set_rating(4);
  EXPECT_EQ(AnswerText(pick, r), "4 of 5");
  EXPECT_TRUE(IsInput(pick));
  EXPECT_FALSE(IsInput(Turn(5)));
}

}  // namespace
}  // namespace attune
