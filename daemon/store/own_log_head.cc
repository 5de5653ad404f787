#include "daemon/store/own_log_head.h"

#include <sodium.h>

#include "absl/strings/str_cat.h"

namespace attune {

// BLAKE2b-256 of an op exactly as stored.
std::string OpDigest(std::string_view bytes) {
  std::string digest(crypto_generichash_BYTES, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(digest.data()), digest.size(),
                     reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), nullptr,
                     0);
  return digest;
}

// The stream's chain after `op` (v1::OwnStreamHead.chain).
std::string ChainNext(std::string_view chain, std::string_view op) {
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, crypto_generichash_BYTES);
  crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(chain.data()),
                            chain.size());
  crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(op.data()), op.size());
  std::string next(crypto_generichash_BYTES, '\0');
  crypto_generichash_final(&state, reinterpret_cast<unsigned char*>(next.data()), next.size());
  return next;
}

// Adds `op`, stored at `seq`, to the head of its stream.
void Advance(v1::OwnStreamHead* stream, uint64_t seq, std::string_view op) {
  stream->set_seq(seq);
  stream->set_digest(OpDigest(op));
  stream->set_count(stream->count() + 1);
  stream->set_chain(ChainNext(stream->chain(), op));
}

void StreamScan::Add(uint64_t seq, std::string_view op) {
  if (seq != last + 1 && first_gap == 0) first_gap = last + 1;
  last = seq;
  ++count;
  chain = ChainNext(chain, op);
}

// Why `scan` of the stream (`what`: "private", "shared") disagrees with its
// head; empty when it agrees. `digest_at_head` is the digest of the op held
// at the head's seq (empty when none is held).
std::string StreamProblem(const std::string& what, const v1::OwnStreamHead& head,
                          const StreamScan& scan, const std::string& digest_at_head) {
  if (scan.malformed) return absl::StrCat("a key of this device's ", what, " ops is malformed");
  if (scan.last < head.seq()) {
    if (scan.last + 1 == head.seq()) {
      return absl::StrCat("own ", what, " op ", head.seq(),
                          " (the last one this device wrote) is missing from the data folder");
    }
    return absl::StrCat("own ", what, " ops ", scan.last + 1, " to ", head.seq(),
                        " (the last ones this device wrote) are missing from the data folder");
  }
  if (scan.last > head.seq()) {
    return absl::StrCat("the data folder holds own ", what, " ops up to ", scan.last,
                        ", but this device wrote only up to ", head.seq());
  }
  if (head.seq() > 0 && digest_at_head != head.digest()) {
    return absl::StrCat("own ", what, " op ", head.seq(),
                        " in the data folder is not the one this device wrote");
  }
  if (scan.count < head.count()) {
    if (scan.first_gap != 0 && head.count() == head.seq()) {
      return absl::StrCat("own ", what, " op ", scan.first_gap, " is missing from the data folder");
    }
    return absl::StrCat(head.count() - scan.count, " of this device's own ", what,
                        " ops are missing from the data folder");
  }
  if (scan.count > head.count()) {
    return absl::StrCat("the data folder holds ", scan.count, " own ", what,
                        " ops, but this device wrote ", head.count());
  }
  if (scan.chain != head.chain()) {
    return absl::StrCat("own ", what, " ops before op ", head.seq(),
                        " in the data folder are not the ones this device wrote");
  }
  return "";
}

}  // namespace attune
