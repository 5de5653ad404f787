// attuned.toml: the daemon's settings in a file, read with toml++.
//
// Every setting that is a command-line flag of attuned may be written in the
// file under the flag's name without the dashes (`peer-listen =
// "0.0.0.0:27441"`; `plugin_idle_timeout` is read as `plugin-idle-timeout`).
// A flag given on the command line wins over the file. CLI11 applies the
// values, so a value in the file is checked as the flag's is. Anything else
// stops the daemon before it starts, naming the file, the line and the key:
// a key that is no setting, a one-time action (`rebuild-views`), a table, or
// a value of the wrong type for its setting.
#ifndef ATTUNE_DAEMON_CONFIG_FILE_H_
#define ATTUNE_DAEMON_CONFIG_FILE_H_

#include <CLI/CLI.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace attune {

// The file attuned reads when --config is not given:
// $XDG_CONFIG_HOME/attune/attuned.toml, else ~/.config/attune/attuned.toml.
std::string DefaultConfigPath();

// A CLI11 config formatter for an app (which must outlive it, and whose
// set_config option names the file): install it with app.config_formatter.
// Its to_config writes every setting in effect as such a file
// (attuned --print-config). Used on the thread that parses.
class TomlConfig : public CLI::Config {
 public:
  // `actions` are the names of flags that are not settings and may not be in
  // the file.
  TomlConfig(const CLI::App* app, std::vector<std::string> actions);

  std::string to_config(const CLI::App* app, bool, bool, std::string) const override;
  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override;

  // For an error CLI11 reports about a setting ("--kept-events: Value 0 not
  // in range…"), the same message with the file and line of that setting
  // in front, when the value came from the file; else empty.
  std::string InFile(const std::string& message, int argc, const char* const* argv) const;

 private:
  bool IsSetting(const std::string& name) const;
  std::vector<std::string> SettingNames() const;

  const CLI::App* app_;
  const std::vector<std::string> actions_;
  // "file:line" of each setting the file gave (from_config).
  mutable std::map<std::string, std::string> where_;
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_CONFIG_FILE_H_
