// The ceiling for initial sync: every op a peer receives carries an Ed25519
// signature to check, so one core can take in at most as many ops per second
// as it can verify signatures.
#ifndef ATTUNE_TOOLS_BENCH_VERIFY_CEILING_H_
#define ATTUNE_TOOLS_BENCH_VERIFY_CEILING_H_

namespace attune::bench {

// About the size of a small op's signed header and body.
inline constexpr int kVerifyMessageBytes = 200;

struct VerifyCeiling {
  double per_second = 0;  // per second of one core's time (one thread)
  long verifies = 0;
  double cpu_seconds = 0;   // the thread's CPU time spent verifying
  double wall_seconds = 0;  // more when other work shares the cores
  unsigned cores = 0;       // std::thread::hardware_concurrency(), at least 1
  double PerSecondAllCores() const { return per_second * cores; }
};

// Verifies detached signatures (libsodium) of distinct kVerifyMessageBytes
// messages on the calling thread until it has spent `cpu_seconds` of CPU
// time (or five times that in wall time, on a busy machine). The rate is
// taken over the thread's own CPU time, so other work sharing the cores
// slows the measurement but does not lower the figure. Throws
// std::runtime_error if libsodium cannot start or a signature fails.
VerifyCeiling MeasureVerifyRate(double cpu_seconds);

}  // namespace attune::bench

#endif  // ATTUNE_TOOLS_BENCH_VERIFY_CEILING_H_
