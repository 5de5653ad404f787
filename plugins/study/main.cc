// attune-study: learning together from one resource, a unit a week.
#include "plugins/study/study_together.h"

int main(int argc, char** argv) {
  return attune::plugin::Serve(
      argc, argv,
      {.id = "study",
       .version = "1.0.0",
       .description = "Study together: a weekly plan for a book, course, podcast or "
                      "workshop, with discussion, homework and role-play.",
       .permissions = {"plugin_record"}},
      {attune::study::StudyTogether()});
}
