// Ops made by hand, the way a misbehaving peer would send them: for tests
// that stream ops straight to a daemon's peer service.
#ifndef ATTUNE_TESTS_INTEGRATION_CRAFTED_OPS_H_
#define ATTUNE_TESTS_INTEGRATION_CRAFTED_OPS_H_

#include <cstdint>
#include <functional>

#include "attune/v1/records.pb.h"
#include "daemon/vault/keys.h"

namespace attune::testing {

// A shared check-in op of `author` for today (UTC) with seq `seq`, naming
// `author` as its author, and a record id of the author's (its member id's
// prefix, then `id_fill` bytes and the seq), sealed and signed with
// `sealer` (default: the author) after `edit` changed header or body.
// Expects (EXPECT) the sealing to succeed.
v1::Op CraftedCheckInOp(const KeySet& author, uint64_t seq, char id_fill,
                        const std::function<void(v1::OpHeader*, v1::OpBody*)>& edit = nullptr,
                        const KeySet* sealer = nullptr);

}  // namespace attune::testing

#endif  // ATTUNE_TESTS_INTEGRATION_CRAFTED_OPS_H_
