#include "tools/bench/verify_ceiling.h"

#include <sodium.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include "tools/bench/proc_stats.h"

namespace attune::bench {
namespace {

constexpr int kMessages = 64;     // distinct messages, signed once each
constexpr int kCheckEvery = 256;  // verifies between looks at the clock

struct Signed {
  std::array<unsigned char, kVerifyMessageBytes> message;
  std::array<unsigned char, crypto_sign_BYTES> signature;
};

}  // namespace

VerifyCeiling MeasureVerifyRate(double cpu_seconds) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  std::array<unsigned char, crypto_sign_PUBLICKEYBYTES> pk;
  std::array<unsigned char, crypto_sign_SECRETKEYBYTES> sk;
  crypto_sign_keypair(pk.data(), sk.data());
  std::vector<Signed> signed_messages(kMessages);
  for (Signed& s : signed_messages) {
    randombytes_buf(s.message.data(), s.message.size());
    crypto_sign_detached(s.signature.data(), nullptr, s.message.data(), s.message.size(),
                         sk.data());
  }

  // A short untimed warm-up (caches, frequency scaling), then the timed loop.
  int failures = 0;
  for (const Signed& s : signed_messages) {
    failures += crypto_sign_verify_detached(s.signature.data(), s.message.data(), s.message.size(),
                                            pk.data()) != 0;
  }
  VerifyCeiling out;
  auto start = std::chrono::steady_clock::now();
  auto give_up = start + std::chrono::duration<double>(5 * cpu_seconds);
  const double cpu_start = ThreadCpuSeconds();
  double cpu_now = cpu_start;
  size_t next = 0;
  do {
    for (int i = 0; i < kCheckEvery; ++i) {
      const Signed& s = signed_messages[next];
      next = (next + 1) % signed_messages.size();
      failures += crypto_sign_verify_detached(s.signature.data(), s.message.data(),
                                              s.message.size(), pk.data()) != 0;
    }
    out.verifies += kCheckEvery;
    cpu_now = ThreadCpuSeconds();
  } while (cpu_now - cpu_start < cpu_seconds && std::chrono::steady_clock::now() < give_up);
  if (failures != 0) throw std::runtime_error("a valid Ed25519 signature failed to verify");
  out.cpu_seconds = cpu_now - cpu_start;
  out.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  out.per_second = static_cast<double>(out.verifies) / out.cpu_seconds;
  out.cores = std::max(1u, std::thread::hardware_concurrency());
  return out;
}

}  // namespace attune::bench
