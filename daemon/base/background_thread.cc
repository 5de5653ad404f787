#include "daemon/base/background_thread.h"

#include <sys/resource.h>
#include <unistd.h>

namespace attune {
namespace {

constexpr int kBackgroundNice = 5;

}  // namespace

void MarkThisThreadBackground() {
  (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), kBackgroundNice);
}

}  // namespace attune
