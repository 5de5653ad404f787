// What /proc says about a running process: its resident memory, its threads,
// and how often each thread was switched out (voluntary plus involuntary
// context switches: each one a wake-up of a thread that slept, or a
// preemption).
#ifndef ATTUNE_TOOLS_BENCH_PROC_STATS_H_
#define ATTUNE_TOOLS_BENCH_PROC_STATS_H_

#include <sys/types.h>

#include <map>
#include <string>
#include <utility>

namespace attune::bench {

// The calling thread's CPU time (user + system) so far, in seconds. Throws
// std::runtime_error if it cannot be read.
double ThreadCpuSeconds();

// VmRSS of /proc/<pid>/status, in MB (2^20 bytes). Throws
// std::runtime_error if it cannot be read.
double RssMb(pid_t pid);

// Threads of /proc/<pid>/status. Throws std::runtime_error if it cannot be
// read.
int ThreadCount(pid_t pid);

// How many threads of each name (/proc/<pid>/task/*/comm) the process has.
std::map<std::string, int> ThreadsByName(pid_t pid);

// Each thread's name and context switches so far, by thread id.
using Switches = std::map<std::string, std::pair<std::string, double>>;
// Throws std::runtime_error if /proc/<pid>/task cannot be listed.
Switches ContextSwitches(pid_t pid);

// Context switches between two snapshots, by thread name (threads that share
// a name are summed; a thread that started in between counts from zero).
std::map<std::string, double> SwitchesBetween(const Switches& before, const Switches& after);

// The sum over every name.
double Total(const std::map<std::string, double>& by_name);

}  // namespace attune::bench

#endif  // ATTUNE_TOOLS_BENCH_PROC_STATS_H_
