#include "sharing.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "prompt.h"
#include "status_macros.h"

namespace attune::cli {

absl::StatusOr<v1::Visibility> ChooseVisibility(bool shared, bool make_private, bool ask,
                                                const People& people, std::string_view what) {
  if (shared && make_private) {
    return absl::InvalidArgumentError("give --shared or --private, not both");
  }
  if (shared) return v1::VISIBILITY_SHARED;
  if (make_private || !ask || !people.HasOthers()) return v1::VISIBILITY_PRIVATE;
  const std::string partner = people.PartnerName();
  ATTUNE_ASSIGN_OR_RETURN(
      bool yes, Confirm(absl::StrCat("Share ", std::string(what), " with ",
                                     partner.empty() ? "the others in your space" : partner, "?")));
  return yes ? v1::VISIBILITY_SHARED : v1::VISIBILITY_PRIVATE;
}

}  // namespace attune::cli
