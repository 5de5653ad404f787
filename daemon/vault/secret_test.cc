// Key memory is guarded and wiped: SecretBytes lives in sodium_malloc
// memory, with a guard page right after the key (an overread crashes instead
// of leaking the next bytes), a canary right before it (an underflowing
// write is caught when the key is released), and it is wiped and unmapped
// when released (a stale pointer crashes instead of reading the old key).
// Plain heap memory would pass none of these tests.
#include "daemon/vault/secret.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <cstring>
#include <memory>
#include <utility>

#if defined(ATTUNE_SANITIZER_BUILD)
#include <sanitizer/common_interface_defs.h>
#endif

namespace attune {
namespace {

class SecretBytesDeathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The daemon's libraries start threads; fork-and-exec death tests are
    // the safe style then.
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    ASSERT_TRUE(InitCrypto());
  }
};

// In a death test's child, before it crashes on purpose: a sanitizer's
// report of that crash goes to the child's stderr, which the death test
// reads, not to the run's report folder, where any report fails the run.
void CrashingOnPurpose() {
#if defined(ATTUNE_SANITIZER_BUILD)
  __sanitizer_set_report_path("stderr");
#endif
}

// Reads one byte through a pointer the compiler cannot see through.
int ReadByte(const unsigned char* p) {
  const volatile unsigned char* v = p;
  return *v;
}

TEST_F(SecretBytesDeathTest, ReadingOneBytePastAKeyCrashes) {
  for (size_t size : {size_t{32}, size_t{64}, size_t{crypto_sign_SECRETKEYBYTES}, size_t{1}}) {
    SCOPED_TRACE(size);
    SecretBytes key(size);
    std::memset(key.data(), 0x5a, key.size());
    // Every byte of the key itself is readable...
    EXPECT_EQ(ReadByte(key.data()), 0x5a);
    EXPECT_EQ(ReadByte(key.data() + size - 1), 0x5a);
    // ...and the very next one is a guard page.
    EXPECT_DEATH(
        {
          CrashingOnPurpose();
          ReadByte(key.data() + size);
        },
        "");
  }
}

TEST_F(SecretBytesDeathTest, AWriteBeforeTheKeyIsCaughtWhenItIsReleased) {
  EXPECT_DEATH(
      {
        CrashingOnPurpose();
        SecretBytes key(32);
        key.data()[-1] ^= 0x01;  // the canary sodium_malloc keeps before it
      },
      "");
  // The same release without the damage is fine.
  { SecretBytes key(32); }
}

TEST_F(SecretBytesDeathTest, AReleasedKeyIsGoneFromMemory) {
  const unsigned char* stale = nullptr;
  EXPECT_DEATH(
      {
        CrashingOnPurpose();
        auto key = std::make_unique<SecretBytes>(32);
        std::memset(key->data(), 0x5a, key->size());
        stale = key->data();
        key.reset();
        ReadByte(stale);
      },
      "");
}

TEST_F(SecretBytesDeathTest, AMovedOverKeyIsReleasedToo) {
  EXPECT_DEATH(
      {
        CrashingOnPurpose();
        SecretBytes old_key(32);
        std::memset(old_key.data(), 0x5a, old_key.size());
        const unsigned char* stale = old_key.data();
        old_key = SecretBytes(32);  // the old memory must be wiped and unmapped
        ReadByte(stale);
      },
      "");
}

TEST(SecretBytesTest, StartsZeroedAndMovesWithoutCopying) {
  ASSERT_TRUE(InitCrypto());
  SecretBytes a(32);
  for (size_t i = 0; i < a.size(); ++i) ASSERT_EQ(a.data()[i], 0) << i;
  std::memset(a.data(), 0x11, a.size());
  const unsigned char* where = a.data();
  SecretBytes b(std::move(a));
  EXPECT_EQ(b.data(), where) << "a move must not leave a second copy";
  EXPECT_EQ(b.size(), 32u);
  EXPECT_EQ(a.size(), 0u);  // NOLINT(bugprone-use-after-move): the moved-from state
  EXPECT_EQ(b.data()[31], 0x11);
}

}  // namespace
}  // namespace attune
