#include "tools/bench/op_fixtures.h"

#include <sodium.h>

#include <cstdio>
#include <stdexcept>

namespace attune::bench {

std::unique_ptr<KeySet> MakeBenchKeys() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  auto keys = std::make_unique<KeySet>();
  keys->space_id.resize(16);
  keys->member_id.resize(16);
  keys->device_public_key.resize(crypto_sign_PUBLICKEYBYTES);
  randombytes_buf(keys->space_id.data(), keys->space_id.size());
  randombytes_buf(keys->member_id.data(), keys->member_id.size());
  crypto_sign_keypair(reinterpret_cast<unsigned char*>(keys->device_public_key.data()),
                      keys->device_secret_key.data());
  for (SecretBytes* k : {&keys->data_key, &keys->space_key, &keys->personal_key}) {
    randombytes_buf(k->data(), k->size());
  }
  keys->display_name = "bench";
  return keys;
}

v1::OpBody MakeCheckInBody(int i) {
  v1::OpBody body;
  body.set_kind(v1::Record::kCheckIn);
  std::string id(16, '\0');
  std::snprintf(id.data(), id.size(), "ci%013d", i);
  body.set_record_id(id);
  v1::CheckIn* c = body.mutable_record()->mutable_check_in();
  char day[16];
  std::snprintf(day, sizeof day, "2024-%02d-%02d", 1 + i % 12, 1 + i % 28);
  c->set_day(day);
  c->set_time_zone("Europe/Lisbon");
  c->set_high("We walked to the bakery before work and laughed about the dog's new habit.");
  c->set_low("I felt left out when plans for the weekend were made without me.");
  for (int field = 2; field <= 5; ++field) body.add_fields(static_cast<uint32_t>(field));
  return body;
}

v1::OpHeader MakeHeader(const KeySet& keys, uint64_t seq) {
  v1::OpHeader h;
  h.set_space_id(keys.space_id);
  h.set_author_device(keys.device_public_key);
  h.set_seq(seq);
  h.set_hlc((uint64_t{1730000000000} + seq) << 16);
  h.set_key_epoch(keys.space_key_epoch);
  h.set_visibility(v1::VISIBILITY_SHARED);
  return h;
}

}  // namespace attune::bench
