// ThreadSanitizer builds only (ATTUNE_SANITIZE=thread): makes absl::Mutex
// visible to TSan.
//
// Debian's Abseil is built without TSan, so the annotations absl::Mutex
// carries for it are compiled out: TSan sees neither its locks nor its
// unlocks (they are atomics and futexes inside an uninstrumented library)
// and reports every access guarded by one as a race. Every executable of a
// TSan build carries this file: it defines absl::Mutex's and absl::CondVar's
// locking entry points, which take precedence over the shared library's
// (symbol interposition), tells TSan what each does with the annotations
// absl would make itself (__tsan_mutex_*), and calls the library's own
// function (dlsym RTLD_NEXT). Calls from gRPC, which locks absl::Mutex too,
// come here as well, so handoffs through gRPC's queues are seen.
//
// Between a pre_* and a post_* annotation TSan ignores memory accesses, as
// it does inside absl's own annotated build: conditions (Await, LockWhen,
// and those other threads evaluate while unlocking) are read there.
#include <dlfcn.h>
#include <sanitizer/tsan_interface.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/base/options.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace {

#define ATTUNE_STR2(x) #x
#define ATTUNE_STR(x) ATTUNE_STR2(x)

// The mangled name of a member of absl::<inline namespace>::, from the part
// after the namespaces ("5Mutex4LockEv" for Mutex::Lock()).
std::string Mangled(const char* member) {
  const std::string ns = ATTUNE_STR(ABSL_OPTION_INLINE_NAMESPACE_NAME);
  return "_ZN4absl" + std::to_string(ns.size()) + ns + member;
}

// The shared library's definition of a member function, as a function that
// takes `this` first (the Itanium C++ ABI).
template <typename Fn>
Fn Real(const char* member) {
  std::string name = Mangled(member);
  void* f = ::dlsym(RTLD_NEXT, name.c_str());
  if (f == nullptr) {
    std::fprintf(stderr, "tsan_absl_mutex: %s not found: %s\n", name.c_str(), ::dlerror());
    std::abort();
  }
  return reinterpret_cast<Fn>(f);
}

using VoidFn = void (*)(absl::Mutex*);
using BoolFn = bool (*)(absl::Mutex*);
using CondFn = void (*)(absl::Mutex*, const absl::Condition&);
using CondBoolDurationFn = bool (*)(absl::Mutex*, const absl::Condition&, absl::Duration);
using CondBoolTimeFn = bool (*)(absl::Mutex*, const absl::Condition&, absl::Time);
using CvWaitFn = void (*)(absl::CondVar*, absl::Mutex*);
using CvDurationFn = bool (*)(absl::CondVar*, absl::Mutex*, absl::Duration);
using CvTimeFn = bool (*)(absl::CondVar*, absl::Mutex*, absl::Time);

constexpr unsigned kRead = __tsan_mutex_read_lock;

// Set while this thread is inside one of the functions below: absl calls
// some of them from others (CondVar::WaitWithTimeout calls
// WaitWithDeadline), and only the outermost call is annotated.
thread_local bool t_inside = false;

class Inside {
 public:
  Inside() : outermost_(!t_inside) { t_inside = true; }
  ~Inside() {
    if (outermost_) t_inside = false;
  }
  bool outermost() const { return outermost_; }

 private:
  const bool outermost_;
};

// Acquires `mu` around `lock`, which returns holding it.
template <typename F>
auto Locking(absl::Mutex* mu, unsigned flags, F lock) {
  Inside inside;
  if (!inside.outermost()) return lock();
  __tsan_mutex_pre_lock(mu, flags);
  auto r = lock();
  __tsan_mutex_post_lock(mu, flags, 0);
  return r;
}

// Releases `mu` around `unlock`.
template <typename F>
void Unlocking(absl::Mutex* mu, unsigned flags, F unlock) {
  Inside inside;
  if (!inside.outermost()) return unlock();
  __tsan_mutex_pre_unlock(mu, flags);
  unlock();
  __tsan_mutex_post_unlock(mu, flags);
}

// `wait` is entered holding `mu`, lets it go while it waits and returns
// holding it again: to TSan, an unlock followed by a lock that lasts the
// whole wait.
template <typename F>
auto Waiting(absl::Mutex* mu, unsigned flags, F wait) {
  Inside inside;
  if (!inside.outermost()) return wait();
  __tsan_mutex_pre_unlock(mu, flags);
  __tsan_mutex_post_unlock(mu, flags);
  __tsan_mutex_pre_lock(mu, flags);
  auto r = wait();
  __tsan_mutex_post_lock(mu, flags, 0);
  return r;
}

}  // namespace

namespace absl {
ABSL_NAMESPACE_BEGIN

void Mutex::Lock() {
  static const auto real = Real<VoidFn>("5Mutex4LockEv");
  Locking(this, 0, [&] { return (real(this), 0); });
}

void Mutex::ReaderLock() {
  static const auto real = Real<VoidFn>("5Mutex10ReaderLockEv");
  Locking(this, kRead, [&] { return (real(this), 0); });
}

void Mutex::Unlock() {
  static const auto real = Real<VoidFn>("5Mutex6UnlockEv");
  Unlocking(this, 0, [&] { real(this); });
}

void Mutex::ReaderUnlock() {
  static const auto real = Real<VoidFn>("5Mutex12ReaderUnlockEv");
  Unlocking(this, kRead, [&] { real(this); });
}

namespace {

bool TryLocking(absl::Mutex* mu, unsigned flags, BoolFn real) {
  Inside inside;
  if (!inside.outermost()) return real(mu);
  flags |= __tsan_mutex_try_lock;
  __tsan_mutex_pre_lock(mu, flags);
  bool ok = real(mu);
  __tsan_mutex_post_lock(mu, flags | (ok ? 0 : __tsan_mutex_try_lock_failed), 0);
  return ok;
}

}  // namespace

bool Mutex::TryLock() {
  static const auto real = Real<BoolFn>("5Mutex7TryLockEv");
  return TryLocking(this, 0, real);
}

bool Mutex::ReaderTryLock() {
  static const auto real = Real<BoolFn>("5Mutex13ReaderTryLockEv");
  return TryLocking(this, kRead, real);
}

void Mutex::LockWhen(const Condition& cond) {
  static const auto real = Real<CondFn>("5Mutex8LockWhenERKNS0_9ConditionE");
  Locking(this, 0, [&] { return (real(this, cond), 0); });
}

void Mutex::ReaderLockWhen(const Condition& cond) {
  static const auto real = Real<CondFn>("5Mutex14ReaderLockWhenERKNS0_9ConditionE");
  Locking(this, kRead, [&] { return (real(this, cond), 0); });
}

bool Mutex::LockWhenWithTimeout(const Condition& cond, absl::Duration timeout) {
  static const auto real =
      Real<CondBoolDurationFn>("5Mutex19LockWhenWithTimeoutERKNS0_9ConditionENS0_8DurationE");
  return Locking(this, 0, [&] { return real(this, cond, timeout); });
}

bool Mutex::ReaderLockWhenWithTimeout(const Condition& cond, absl::Duration timeout) {
  static const auto real =
      Real<CondBoolDurationFn>("5Mutex25ReaderLockWhenWithTimeoutERKNS0_9ConditionENS0_8DurationE");
  return Locking(this, kRead, [&] { return real(this, cond, timeout); });
}

bool Mutex::LockWhenWithDeadline(const Condition& cond, absl::Time deadline) {
  static const auto real =
      Real<CondBoolTimeFn>("5Mutex20LockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE");
  return Locking(this, 0, [&] { return real(this, cond, deadline); });
}

bool Mutex::ReaderLockWhenWithDeadline(const Condition& cond, absl::Time deadline) {
  static const auto real =
      Real<CondBoolTimeFn>("5Mutex26ReaderLockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE");
  return Locking(this, kRead, [&] { return real(this, cond, deadline); });
}

void Mutex::Await(const Condition& cond) {
  static const auto real = Real<CondFn>("5Mutex5AwaitERKNS0_9ConditionE");
  Waiting(this, 0, [&] { return (real(this, cond), 0); });
}

bool Mutex::AwaitWithTimeout(const Condition& cond, absl::Duration timeout) {
  static const auto real =
      Real<CondBoolDurationFn>("5Mutex16AwaitWithTimeoutERKNS0_9ConditionENS0_8DurationE");
  return Waiting(this, 0, [&] { return real(this, cond, timeout); });
}

bool Mutex::AwaitWithDeadline(const Condition& cond, absl::Time deadline) {
  static const auto real =
      Real<CondBoolTimeFn>("5Mutex17AwaitWithDeadlineERKNS0_9ConditionENS0_4TimeE");
  return Waiting(this, 0, [&] { return real(this, cond, deadline); });
}

void CondVar::Wait(Mutex* mu) {
  static const auto real = Real<CvWaitFn>("7CondVar4WaitEPNS0_5MutexE");
  Waiting(mu, 0, [&] { return (real(this, mu), 0); });
}

bool CondVar::WaitWithTimeout(Mutex* mu, absl::Duration timeout) {
  static const auto real =
      Real<CvDurationFn>("7CondVar15WaitWithTimeoutEPNS0_5MutexENS0_8DurationE");
  return Waiting(mu, 0, [&] { return real(this, mu, timeout); });
}

bool CondVar::WaitWithDeadline(Mutex* mu, absl::Time deadline) {
  static const auto real = Real<CvTimeFn>("7CondVar16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE");
  return Waiting(mu, 0, [&] { return real(this, mu, deadline); });
}

ABSL_NAMESPACE_END
}  // namespace absl
