// Where what a plugin prints goes: a file of its own, never the daemon's log.
//
// The daemon's log may end up in the journal, which keeps it and which other
// programs read; a plugin that prints a person's answers (by mistake, or in a
// traceback) must not carry them there. So every line a plugin writes on
// stderr, or on stdout after its handshake line, goes to
// `<dir>/<plugin id>.log`: mode 0600, inside the daemon's private runtime
// folder (a tmpfs under $XDG_RUNTIME_DIR, emptied when the daemon starts).
// Each line is "<UTC time> <id> <version> pid <pid> <stream>: <text>", with control
// characters escaped and cut at 1,000 characters, so a plugin can neither
// forge lines nor drive the terminal of whoever reads the file. Past 1 MiB
// the file becomes `<id>.log.1` (replacing the one before) and a new one
// starts.
#ifndef ATTUNE_DAEMON_PLUGINS_PLUGIN_LOG_H_
#define ATTUNE_DAEMON_PLUGINS_PLUGIN_LOG_H_

#include <sys/types.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace attune {

// Not thread-safe: one per plugin process, used by the thread that reads its
// output. Two processes of one plugin (an old install finishing its
// sessions beside the new one) may append to the same file.
class PluginLog {
 public:
  static constexpr size_t kMaxBytes = 1 << 20;
  static constexpr size_t kMaxLineChars = 1000;

  // An empty `dir` discards every line.
  PluginLog(const std::string& dir, std::string plugin_id, std::string version, pid_t pid);
  ~PluginLog();
  PluginLog(const PluginLog&) = delete;
  PluginLog& operator=(const PluginLog&) = delete;

  // The file, or empty when lines are discarded.
  const std::string& path() const { return path_; }
  // Appends one line; `stream` is "stderr" or "stdout". Best effort: a line
  // that cannot be written is dropped.
  void Line(std::string_view stream, std::string_view text);
  // How many lines were written.
  size_t lines() const { return lines_; }

 private:
  void Open();

  std::string path_;
  std::string prefix_;
  int fd_ = -1;
  size_t lines_ = 0;
};

// The folder of the plugins' logs in the host's runtime folder: "<it>/logs"
// (no plugin's socket folder has that name: theirs are "<id>.XXXXXX").
std::string PluginLogDir(const std::string& runtime_dir);
// Where the plugin with `plugin_id` writes, in `dir`.
std::string PluginLogPath(const std::string& dir, const std::string& plugin_id);

}  // namespace attune

#endif  // ATTUNE_DAEMON_PLUGINS_PLUGIN_LOG_H_
