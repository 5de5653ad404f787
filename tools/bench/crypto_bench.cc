#include "tools/bench/crypto_bench.h"

#include <sodium.h>
#include <time.h>

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "daemon/vault/op_crypto.h"
#include "tools/bench/op_fixtures.h"
#include "tools/bench/proc_stats.h"

namespace attune::bench {
namespace {

constexpr int kOps = 256;        // distinct ops, cycled through
constexpr int kCheckEvery = 64;  // calls between looks at the clock

// Calls fn(i) for i = 0, 1, 2 … until cpu_seconds of this thread's CPU time
// have passed; returns calls per CPU second.
double Rate(double cpu_seconds, const std::function<void(int)>& fn) {
  for (int i = 0; i < kCheckEvery; ++i) fn(i);  // warm-up
  long calls = 0;
  const double start = ThreadCpuSeconds();
  double now = start;
  do {
    for (int i = 0; i < kCheckEvery; ++i) fn(static_cast<int>(calls++ % kOps));
    now = ThreadCpuSeconds();
  } while (now - start < cpu_seconds);
  return static_cast<double>(calls) / (now - start);
}

}  // namespace

CryptoFigures MeasureCrypto(double cpu_seconds) {
  std::unique_ptr<KeySet> keys = MakeBenchKeys();
  CryptoFigures f;

  std::vector<v1::OpBody> bodies;
  std::vector<v1::Op> ops;
  for (int i = 0; i < kOps; ++i) {
    bodies.push_back(MakeCheckInBody(i));
    auto op = SealOp(MakeHeader(*keys, static_cast<uint64_t>(i) + 1), bodies.back(), *keys);
    if (!op.ok()) throw std::runtime_error("SealOp failed: " + std::string(op.status().message()));
    ops.push_back(std::move(*op));
  }
  f.body_bytes = bodies.front().ByteSizeLong();

  int failures = 0;
  f.seal_per_second = Rate(cpu_seconds, [&](int i) {
    auto op = SealOp(MakeHeader(*keys, static_cast<uint64_t>(i) + 1), bodies[i], *keys);
    failures += !op.ok();
  });
  f.open_per_second = Rate(cpu_seconds, [&](int i) {
    v1::OpHeader header;
    failures += !VerifyOp(ops[i], keys->device_public_key).ok();
    failures += !OpenOp(ops[i], *keys, &header).ok();
  });
  if (failures != 0) throw std::runtime_error("an op failed to seal or open");

  // The same amount of plaintext, with the same associated data size.
  std::vector<std::string> plain(kOps), sealed(kOps);
  for (int i = 0; i < kOps; ++i) plain[i] = bodies[i].SerializeAsString();
  const std::string ad = ops.front().header();
  unsigned char nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
  randombytes_buf(nonce, sizeof nonce);
  auto u = [](const std::string& s) { return reinterpret_cast<const unsigned char*>(s.data()); };
  for (int i = 0; i < kOps; ++i) {
    sealed[i].resize(plain[i].size() + crypto_aead_xchacha20poly1305_ietf_ABYTES);
  }
  f.aead_encrypt_per_second = Rate(cpu_seconds, [&](int i) {
    crypto_aead_xchacha20poly1305_ietf_encrypt(reinterpret_cast<unsigned char*>(sealed[i].data()),
                                               nullptr, u(plain[i]), plain[i].size(), u(ad),
                                               ad.size(), nullptr, nonce, keys->space_key.data());
  });
  std::string out(plain.front().size() + 64, '\0');
  f.aead_decrypt_per_second = Rate(cpu_seconds, [&](int i) {
    failures += crypto_aead_xchacha20poly1305_ietf_decrypt(
                    reinterpret_cast<unsigned char*>(out.data()), nullptr, nullptr, u(sealed[i]),
                    sealed[i].size(), u(ad), ad.size(), nonce, keys->space_key.data()) != 0;
  });

  // Signatures over what an op's signature covers: about header + ciphertext.
  std::vector<std::string> messages(kOps);
  std::vector<std::string> signatures(kOps, std::string(crypto_sign_BYTES, '\0'));
  for (int i = 0; i < kOps; ++i) messages[i] = ops[i].header() + ops[i].ciphertext();
  f.sign_per_second = Rate(cpu_seconds, [&](int i) {
    crypto_sign_detached(reinterpret_cast<unsigned char*>(signatures[i].data()), nullptr,
                         u(messages[i]), messages[i].size(), keys->device_secret_key.data());
  });
  f.verify_per_second = Rate(cpu_seconds, [&](int i) {
    failures += crypto_sign_verify_detached(u(signatures[i]), u(messages[i]), messages[i].size(),
                                            u(keys->device_public_key)) != 0;
  });
  if (failures != 0) throw std::runtime_error("a raw decryption or verification failed");
  return f;
}

}  // namespace attune::bench
