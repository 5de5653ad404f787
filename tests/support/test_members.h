// Member certificates for unit tests of what sits on a space's membership.
#ifndef ATTUNE_TESTS_SUPPORT_TEST_MEMBERS_H_
#define ATTUNE_TESTS_SUPPORT_TEST_MEMBERS_H_

#include <cstdint>
#include <string>

#include "daemon/sync/membership.h"
#include "daemon/vault/keys.h"

namespace attune::testing {

// `device`'s certificate in the space `space_id`, added and signed by `by`
// at `added_at_ms` (0: left unset).
inline v1::MemberCert MemberCertOf(const std::string& space_id, const KeySet& device,
                                   const KeySet& by, uint64_t added_at_ms = 0) {
  v1::MemberCertBody body;
  body.set_space_id(space_id);
  body.set_device(device.device_public_key);
  body.set_member_id(device.member_id);
  body.set_display_name(device.display_name);
  body.set_added_by(by.device_public_key);
  if (added_at_ms != 0) body.set_added_at_ms(added_at_ms);
  return SignMemberCert(body, by);
}

}  // namespace attune::testing

#endif  // ATTUNE_TESTS_SUPPORT_TEST_MEMBERS_H_
