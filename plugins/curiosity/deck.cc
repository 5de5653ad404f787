#include "plugins/curiosity/deck.h"

#include <algorithm>
#include <climits>
#include <cstdio>

namespace attune::curiosity {
namespace {

// Written for Attune. Grouped loosely: the everyday, memories, inner life,
// the two of you, dreams, values, and play.
const char* const kTexts[] = {
    // The everyday
    "What has caught you off guard, in a good way, recently?",
    "What part of your week do you look forward to most, and why?",
    "What is something small that made you smile recently?",
    "What has been taking up more of your thoughts than you expected?",
    ("If you could drop one task from your life for a month, which would it be, and what would "
     "you do with the time?"),
    "What is something you learned this month that changed how you see things?",
    "When during the day do you feel most like yourself?",
    "What is a conversation from this week that is still on your mind?",
    "What has felt heavier than it looks from the outside?",
    "What are you quietly proud of right now?",
    "What would make tomorrow a good day for you?",
    "Which routine of ours do you secretly love?",
    "What is something you have been meaning to tell me but haven't found the moment for?",
    "What place in our home feels most like yours, and why?",
    "What has been easier than you expected lately?",
    // Memories
    "What is a smell or sound that takes you straight back to childhood?",
    "Who was an adult you trusted as a child, and what made them trustworthy?",
    "What is a moment from your teens you would like to relive for an hour?",
    "What did your family do when someone was upset?",
    "What is a mistake you made that turned out to teach you something important?",
    "What was the first thing you ever saved up for?",
    "What is a place you lived that shaped you, and how?",
    "What did you want to be when you grew up, and what drew you to it?",
    "What tradition from your childhood would you like to keep or bring back?",
    "What is a time you felt really brave?",
    "Which friend from your past do you think about most, and why?",
    "What is a book, film or song that arrived at exactly the right moment in your life?",
    "How was affection shown in the home you grew up in?",
    "What is a rule you grew up with that you have since let go of?",
    "What was a turning point you rarely talk about?",
    // Inner life
    "What helps you most when you feel overwhelmed?",
    "What is a feeling you find hard to show, and what makes it hard?",
    "When do you feel most at peace?",
    "What is something you are still figuring out about yourself?",
    "What do you need more of right now: rest, challenge, company or quiet?",
    "What kind of praise means the most to you?",
    "What are you afraid people might misunderstand about you?",
    "What is a worry you have let go of, and how did you do it?",
    "What gives you energy that most people wouldn't guess?",
    "What does a truly restful day look like for you?",
    "What is a belief you hold more loosely than you used to?",
    "How do you know when you need time alone?",
    "What is something you wish you were better at asking for?",
    "When did you last change your mind about something important?",
    "What part of yourself do you most want to protect?",
    // The two of us
    "What is a moment between us you come back to when you need comfort?",
    "What did you notice first about me, and what do you notice now?",
    "When do you feel most understood by me?",
    "What is something I do that makes you feel safe?",
    "What is a small thing we used to do that you miss?",
    "What do you think we are better at together than apart?",
    "What is a hard time we got through that you are proud of?",
    "What would you like us to try together this year?",
    "How can I tell when you need comfort rather than solutions?",
    "What is one way I have changed since we met that you have noticed?",
    "What is something about how we argue that you would like to change?",
    "Which of our inside jokes is your favourite, and how did it start?",
    "What do you wish I asked you about more often?",
    "What does a perfect ordinary evening together look like to you?",
    "When have you felt closest to me in the last month?",
    "What is a way I show love that you would like more of?",
    "What is something you appreciate about how we handle money, time or chores?",
    "What do you hope we will still be doing together in twenty years?",
    "What is a fear you have about us that you have never said out loud?",
    "What part of our story would you tell a stranger first?",
    // Dreams
    "If money and time were no object for a year, how would you spend it?",
    "What is a skill you would love to master, and why that one?",
    "Where in the world would you like to wake up tomorrow?",
    "What would you like to be remembered for by the people close to you?",
    "What is a dream you put aside that you sometimes think about?",
    "What adventure would you like to have before you turn eighty?",
    "If you could start a small project with no chance of failing, what would it be?",
    "What kind of home do you picture us in when we are old?",
    "What would you do with a free Saturday and no obligations at all?",
    "What would your ideal work week look like?",
    "Who is someone you would love to meet and ask one question, and what would you ask?",
    "What is a change you would like to make in the next five years?",
    "What would you create if you knew nobody would judge it?",
    "What does a meaningful life look like to you today?",
    "What is a place you want to return to, and what would you do there?",
    // Values
    "What is a value you hold that you learned the hard way?",
    "What does being a good friend mean to you?",
    "What is something you think the world needs more of?",
    "When is it right to break a promise, if ever?",
    "Whose opinion matters most to you, and why?",
    "What is a cause you would give a day a month to?",
    "What makes you lose respect for someone?",
    "What does home mean to you?",
    "What is enough, for you — money, success, time?",
    "How do you like to be forgiven?",
    "What kind of kindness moves you most?",
    "What is a compromise you are glad you made?",
    "What do you want to teach, or pass on, to someone younger?",
    "What does courage look like in everyday life?",
    "What is a question you wish more people asked each other?",
    // Play
    "If our week had a theme song, what would it be?",
    "What is a food that reminds you of a specific person?",
    "If you could instantly be an expert in a strange hobby, which would you choose?",
    "What is the best gift you have ever received, and what made it special?",
    "If you could spend a day as an animal, which one, and what would you do?",
    "What is the most beautiful thing you saw this week?",
    "What song would you want playing when you walk into a room?",
    "What would the title of your autobiography be right now?",
    "What is a silly fear you have?",
    "If we swapped lives for a day, what would you do first?",
    "What is a small luxury you would never give up?",
    "What is the funniest thing that happened to you as a child?",
    "If you could add one holiday to the calendar, what would it celebrate?",
    "What is something you are irrationally good at?",
    "If our home had a secret room, what would be in it?",
    // Bonus
    "What have you been curious about lately, and what sparked it?",
    "What would you like more help with, without having to ask?",
    "What is a kindness from a stranger you still remember?",
    "What did you need to hear this week that nobody said?",
    "What is one thing you would like to understand better about me?",
};

}  // namespace

const std::vector<Question>& Deck() {
  static const auto* deck = [] {
    auto* out = new std::vector<Question>();
    int n = 0;
    for (const char* text : kTexts) {
      char id[8];
      std::snprintf(id, sizeof id, "q%03d", ++n);
      out->push_back({id, text});
    }
    return out;
  }();
  return *deck;
}

std::vector<Question> Draw(const std::map<std::string, int>& times_asked, uint64_t seed,
                           int count) {
  const auto& deck = Deck();
  auto asked = [&](const Question& q) {
    auto it = times_asked.find(q.id);
    return it == times_asked.end() ? 0 : it->second;
  };
  std::vector<Question> out;
  std::vector<const Question*> taken;
  while (static_cast<int>(out.size()) < count && out.size() < deck.size()) {
    int least = INT_MAX;
    for (const auto& q : deck) {
      if (std::find(taken.begin(), taken.end(), &q) == taken.end())
        least = std::min(least, asked(q));
    }
    std::vector<const Question*> pool;
    for (const auto& q : deck) {
      if (asked(q) == least && std::find(taken.begin(), taken.end(), &q) == taken.end()) {
        pool.push_back(&q);
      }
    }
    // A small, fully specified generator (splitmix64), so the order is the
    // same on every platform and every call of the session.
    uint64_t x = seed + 0x9e3779b97f4a7c15ull * (out.size() + 1);
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    x ^= x >> 31;
    const Question* pick = pool[x % pool.size()];
    taken.push_back(pick);
    out.push_back(*pick);
  }
  return out;
}

}  // namespace attune::curiosity
