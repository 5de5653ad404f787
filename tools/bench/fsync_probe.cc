#include "tools/bench/fsync_probe.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "tools/bench/proc_stats.h"

namespace attune::bench {
namespace {

void Fail(const std::string& what, const std::string& path) {
  throw std::runtime_error(what + " " + path + ": " + std::strerror(errno));
}

}  // namespace

Samples ProbeFsync(const std::string& path, int appends, int warmup,
                   std::chrono::microseconds pause) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) Fail("cannot create", path);
  // Make the file's creation itself durable first, so that the timed appends
  // pay only for their own data and the size change.
  if (::fsync(fd) != 0) Fail("cannot fsync", path);

  std::string record(kProbeRecordBytes, 'x');
  Samples out;
  out.latencies_ms.reserve(static_cast<size_t>(appends));
  auto first = std::chrono::steady_clock::now();
  double first_cpu = ThreadCpuSeconds();
  for (int i = 0; i < warmup + appends; ++i) {
    if (i == warmup) {
      first = std::chrono::steady_clock::now();
      first_cpu = ThreadCpuSeconds();
    }
    if (pause.count() > 0) std::this_thread::sleep_for(pause);
    auto start = std::chrono::steady_clock::now();
    if (::write(fd, record.data(), record.size()) != static_cast<ssize_t>(record.size())) {
      ::close(fd);
      Fail("cannot append to", path);
    }
    if (::fdatasync(fd) != 0) {
      ::close(fd);
      Fail("cannot fdatasync", path);
    }
    auto end = std::chrono::steady_clock::now();
    if (i >= warmup) {
      out.latencies_ms.push_back(std::chrono::duration<double, std::milli>(end - start).count());
    }
  }
  out.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - first).count();
  out.thread_cpu_seconds = ThreadCpuSeconds() - first_cpu;
  ::close(fd);
  ::unlink(path.c_str());
  return out;
}

}  // namespace attune::bench
