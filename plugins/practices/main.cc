// attune-practices: the daily practices of connection as one plugin.
#include "plugins/practices/exercises.h"

int main(int argc, char** argv) {
  namespace p = attune::practices;
  return attune::plugin::Serve(
      argc, argv,
      {.id = "practices",
       .version = "1.0.0",
       .description = "Everyday practices: daily check-in, reflective listening, emotion "
                      "naming, appreciation, time-limited vulnerability, nonverbal attunement.",
       .permissions = {"check_in", "journal_entry", "appreciation"}},
      {p::DailyCheckIn(), p::ReflectiveListening(), p::EmotionNaming(), p::Appreciation(),
       p::Vulnerability(), p::NonverbalAttunement()});
}
