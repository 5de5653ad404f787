#include "crafted_ops.h"

#include <gtest/gtest.h>

#include <string>

#include "absl/time/clock.h"
#include "api_helpers.h"
#include "daemon/base/hex.h"
#include "daemon/records/authorship.h"
#include "daemon/vault/op_crypto.h"
#include "tests/support/test_keys.h"

namespace attune::testing {

v1::Op CraftedCheckInOp(const KeySet& author, uint64_t seq, char id_fill,
                        const std::function<void(v1::OpHeader*, v1::OpBody*)>& edit,
                        const KeySet* sealer) {
  v1::OpHeader header;
  header.set_space_id(author.space_id);
  header.set_author_device(author.device_public_key);
  header.set_seq(seq);
  header.set_hlc((static_cast<uint64_t>(absl::ToUnixMillis(absl::Now())) << 16) + seq);
  header.set_visibility(v1::VISIBILITY_SHARED);
  v1::OpBody body;
  body.set_kind(v1::Record::kCheckIn);
  // A record id of the author's (records/authorship.h): its member id's
  // prefix, then the fill and the seq.
  body.set_record_id(author.member_id.substr(0, kAuthorPrefixBytes) +
                     std::string(15 - kAuthorPrefixBytes, id_fill) + static_cast<char>(seq));
  for (int f : {2, 3, 4, 5, 7, 9, 12}) body.add_fields(f);
  v1::CheckIn* c = body.mutable_record()->mutable_check_in();
  c->set_day(UtcToday());
  c->set_time_zone("UTC");
  c->set_high("from the peer");
  c->set_low("low");
  c->set_connection_rating(3);
  c->set_visibility(v1::VISIBILITY_SHARED);
  c->set_author(ToHex(author.member_id));
  if (edit) edit(&header, &body);
  const KeySet& keys = sealer != nullptr ? *sealer : author;
  // SealOp stamps the keys' sealing epoch: for another epoch (an op of an
  // epoch nobody started), keys that seal under it.
  std::shared_ptr<KeySet> other;
  if (header.key_epoch() != keys.SealingEpoch()) {
    other = KeysInSpace(keys, keys.space_id, keys.space_key);
    auto ring = std::make_shared<EpochKeyring>();
    auto& epoch = ring->epochs[header.key_epoch()];
    epoch.space.push_back(std::make_shared<const SecretBytes>(kSymmetricKeyBytes));
    ring->sealing_epoch = header.key_epoch();
    ring->sealing_space = epoch.space.front().get();
    other->epochs = ring;
  }
  auto op = SealOp(header, body, other != nullptr ? *other : keys);
  EXPECT_TRUE(op.ok()) << op.status();
  return op.ok() ? *op : v1::Op();
}

}  // namespace attune::testing
