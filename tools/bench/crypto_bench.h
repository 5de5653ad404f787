// How fast this device seals (stamps, encrypts and signs) and opens
// (verifies and decrypts) ops, beside libsodium's raw rates for the same
// work: XChaCha20-Poly1305 over a body of the same size, Ed25519 sign and
// verify. The raw rates bound ours: sealing an op is one encryption and one
// signature, opening one verification and one decryption, plus protobuf.
//
// All measured in this process, on one thread, against that thread's CPU
// time, so other work on the machine slows the run but not the figures.
#ifndef ATTUNE_TOOLS_BENCH_CRYPTO_BENCH_H_
#define ATTUNE_TOOLS_BENCH_CRYPTO_BENCH_H_

#include <cstddef>

namespace attune::bench {

struct CryptoFigures {
  size_t body_bytes = 0;       // plaintext of the op body measured
  double seal_per_second = 0;  // SealOp
  double open_per_second = 0;  // VerifyOp then OpenOp
  double aead_encrypt_per_second = 0;
  double aead_decrypt_per_second = 0;
  double sign_per_second = 0;
  double verify_per_second = 0;
  // What the raw rates allow: one encryption plus one signature per op
  // (and one verification plus one decryption).
  double SealCeiling() const { return 1 / (1 / aead_encrypt_per_second + 1 / sign_per_second); }
  double OpenCeiling() const { return 1 / (1 / aead_decrypt_per_second + 1 / verify_per_second); }
};

// Each rate runs for `cpu_seconds` of this thread's CPU time. Throws
// std::runtime_error if libsodium fails or an op does not open.
CryptoFigures MeasureCrypto(double cpu_seconds);

}  // namespace attune::bench

#endif  // ATTUNE_TOOLS_BENCH_CRYPTO_BENCH_H_
