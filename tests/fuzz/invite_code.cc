// Fuzz target: an invite code as a person pastes it (daemon/sync/invites.*):
// prefix, base32, the InviteCode message and its checks; then the proof and
// safety number computed from what it holds.
#include <cstddef>
#include <cstdint>
#include <string>

#include "daemon/sync/invites.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace attune;
  std::string text(reinterpret_cast<const char*>(data), size);
  auto code = DecodeInviteCode(text);
  if (!code.ok()) return 0;
  // A code that decodes encodes to one that decodes to the same invite.
  auto again = DecodeInviteCode(EncodeInviteCode(*code));
  if (!again.ok()) fuzz::Broken("an accepted invite does not decode after encoding");
  if (again->SerializeAsString() != code->SerializeAsString()) {
    fuzz::Broken("an invite changed between decoding and encoding");
  }
  std::string joiner(32, 'j');
  std::string mac = InviteMac(code->secret(), code->inviter_device(), joiner, code->invite_id());
  if (mac.size() != crypto_auth_BYTES) fuzz::Broken("the invite MAC has the wrong size");
  std::string number = SafetyNumber(code->inviter_device(), joiner);
  if (number != SafetyNumber(joiner, code->inviter_device())) {
    fuzz::Broken("the safety number depends on the order of the devices");
  }
  return 0;
}
