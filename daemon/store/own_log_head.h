// The head of this device's own op log (v1::OwnLogHead): per stream the last
// seq, the digest of the op there, how many ops, and a chain over all of
// them. RecordStore advances it in the same batch as every own op and checks
// the log against it at unlock; the pieces here are pure, so they are tested
// alone. Thread-safe: pure functions.
#ifndef ATTUNE_DAEMON_STORE_OWN_LOG_HEAD_H_
#define ATTUNE_DAEMON_STORE_OWN_LOG_HEAD_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "attune/v1/records.pb.h"

namespace attune {

inline constexpr size_t kOpDigestBytes = 32;

// BLAKE2b-256 of an op exactly as stored (kOpDigestBytes).
std::string OpDigest(std::string_view bytes);

// The stream's chain after `op` (v1::OwnStreamHead.chain): BLAKE2b-256 of the
// chain so far followed by the op's bytes.
std::string ChainNext(std::string_view chain, std::string_view op);

// Adds `op`, stored at `seq`, to the head of its stream.
void Advance(v1::OwnStreamHead* stream, uint64_t seq, std::string_view op);

// What one scan of an own stream found.
struct StreamScan {
  uint64_t count = 0;
  uint64_t last = 0;       // highest seq; 0: none
  uint64_t first_gap = 0;  // lowest seq missing below `last`; 0: none
  bool malformed = false;  // a key that is not prefix ‖ 8 bytes
  std::string chain;       // over the ops held, as v1::OwnStreamHead.chain

  // Adds the op stored at `seq`; ops come in key (seq) order.
  void Add(uint64_t seq, std::string_view op);
};

// Why `scan` of the stream (`what`: "private", "shared") disagrees with its
// head, for the person reading the refusal at unlock; empty when it agrees.
// `digest_at_head` is the digest of the op held at the head's seq (empty
// when none is held).
std::string StreamProblem(const std::string& what, const v1::OwnStreamHead& head,
                          const StreamScan& scan, const std::string& digest_at_head);

}  // namespace attune

#endif  // ATTUNE_DAEMON_STORE_OWN_LOG_HEAD_H_
