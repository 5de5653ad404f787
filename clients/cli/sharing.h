// Who sees a new record: what the person chose with --shared or --private,
// asked on a terminal when they chose neither, and private otherwise.
#ifndef ATTUNE_CLIENTS_CLI_SHARING_H_
#define ATTUNE_CLIENTS_CLI_SHARING_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "attune/v1/records.pb.h"
#include "members.h"

namespace attune::cli {

// The visibility of a new record. `shared` and `make_private` are the
// person's flags: both is INVALID_ARGUMENT; one of them is the answer.
// Neither: when `ask` (a terminal) and the space has another member, asks
// "Share <what> with Sam?" (default no); otherwise PRIVATE. Nothing is ever
// shared that the person did not choose to share. CANCELLED when the input
// ends while asking.
absl::StatusOr<v1::Visibility> ChooseVisibility(bool shared, bool make_private, bool ask,
                                                const People& people, std::string_view what);

}  // namespace attune::cli

#endif  // ATTUNE_CLIENTS_CLI_SHARING_H_
