// attune-challenges: exercises for the hard parts — different expectations
// of closeness, and repair after trust was broken.
#include "plugins/challenges/exercises.h"

int main(int argc, char** argv) {
  namespace c = attune::challenges;
  return attune::plugin::Serve(
      argc, argv,
      {.id = "challenges",
       .version = "1.0.0",
       .description = "For the hard parts: what connection means to each of you, and "
                      "repair after a breach of trust.",
       .permissions = {"journal_entry"}},
      {c::ConnectionMeanings(), c::Repair()});
}
