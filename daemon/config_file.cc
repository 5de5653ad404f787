#include "daemon/config_file.h"

#include <toml++/toml.h>

#include <cstdlib>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"

namespace attune {
namespace {

// What a setting's value must be in the file.
enum class Want { kBool, kInteger, kNumber, kText, kTexts };

Want WantOf(const CLI::Option& option) {
  if (option.get_expected_max() == 0) return Want::kBool;  // a flag
  if (option.get_items_expected_max() > 1) return Want::kTexts;
  std::string type = option.get_type_name();
  if (type.find("INT") != std::string::npos) return Want::kInteger;
  if (type.find("FLOAT") != std::string::npos) return Want::kNumber;
  return Want::kText;
}

const char* Describe(Want want) {
  switch (want) {
    case Want::kBool:
      return "true or false";
    case Want::kInteger:
      return "a whole number";
    case Want::kNumber:
      return "a number";
    case Want::kText:
      return "a string in quotes";
    case Want::kTexts:
      return "an array of strings";
  }
  return "";
}

std::string Plain(const toml::node& value) {
  if (auto s = value.as_string()) return s->get();
  if (auto i = value.as_integer()) return std::to_string(i->get());
  if (auto b = value.as_boolean()) return b->get() ? "true" : "false";
  std::ostringstream out;
  if (auto f = value.as_floating_point()) out << f->get();
  return out.str();
}

}  // namespace

TomlConfig::TomlConfig(const CLI::App* app, std::vector<std::string> actions)
    : app_(app), actions_(std::move(actions)) {}

// Every setting with the value in effect (the command line's, the file's,
// else the default), as a file this formatter reads back.
std::string TomlConfig::to_config(const CLI::App* app, bool, bool, std::string) const {
  std::ostringstream out;
  out << "# attuned's settings in effect, as attuned.toml takes them\n";
  for (const CLI::Option* option : app->get_options()) {
    const std::string name = option->get_single_name();
    if (!IsSetting(name) || !option->get_configurable()) continue;
    std::vector<std::string> values = option->results();
    if (option->count() == 0) {
      values.clear();
      if (!option->get_default_str().empty()) values.push_back(option->get_default_str());
    }
    out << "\n# " << option->get_description() << "\n" << name << " = ";
    switch (WantOf(*option)) {
      case Want::kBool:
        // A flag given (on the line or in the file) says what it set; else
        // its default (false unless it has one: discovery).
        if (option->count() > 0) {
          out << (option->as<bool>() ? "true" : "false");
        } else {
          out << (values.empty() ? "false" : values.front());
        }
        break;
      case Want::kTexts: {
        toml::array array;
        for (const auto& v : values) array.push_back(v);
        out << array;
        break;
      }
      case Want::kText:
        out << toml::value<std::string>(values.empty() ? "" : values.front());
        break;
      case Want::kInteger:
      case Want::kNumber:
        out << (values.empty() ? "0" : values.front());
        break;
    }
    out << "\n";
  }
  return out.str();
}

std::vector<CLI::ConfigItem> TomlConfig::from_config(std::istream& input) const {
  // The file CLI11 opened: --config's, else its default.
  const CLI::Option* config = app_->get_config_ptr();
  const std::string path =
      config->count() > 0 ? config->as<std::string>() : config->get_default_str();
  toml::table table;
  try {
    table = toml::parse(input, path);
  } catch (const toml::parse_error& e) {
    throw CLI::ConfigError(
        absl::StrCat(path, ":", e.source().begin.line, ": ", std::string(e.description())));
  }
  std::vector<CLI::ConfigItem> items;
  for (const auto& [raw_key, value] : table) {
    const std::string written(raw_key.str());
    const std::string key = absl::StrReplaceAll(written, {{"_", "-"}});
    const std::string where =
        absl::StrCat(path, ":", value.source().begin.line, ": ", written, ": ");
    bool action = false;
    for (const auto& a : actions_) action |= a == key;
    if (action) {
      throw CLI::ConfigError(absl::StrCat(where, "is a one-time action, not a setting: give --",
                                          key, " on the command line"));
    }
    const CLI::Option* option = app_->get_option_no_throw("--" + key);
    if (option == nullptr || !IsSetting(key)) {
      throw CLI::ConfigError(absl::StrCat(where, "is not a setting of attuned (they are: ",
                                          absl::StrJoin(SettingNames(), ", "), ")"));
    }
    const Want want = WantOf(*option);
    CLI::ConfigItem item;
    item.name = key;
    bool fits = false;
    switch (want) {
      case Want::kBool:
        fits = value.is_boolean();
        break;
      case Want::kInteger:
        fits = value.is_integer();
        break;
      case Want::kNumber:
        fits = value.is_integer() || value.is_floating_point();
        break;
      case Want::kText:
        fits = value.is_string();
        break;
      case Want::kTexts:
        if (value.is_string()) {
          fits = true;
        } else if (const toml::array* array = value.as_array()) {
          fits = array->is_homogeneous(toml::node_type::string) || array->empty();
          for (const auto& element : *array) item.inputs.push_back(Plain(element));
        }
        break;
    }
    if (!fits) throw CLI::ConfigError(absl::StrCat(where, "must be ", Describe(want)));
    if (item.inputs.empty() && want != Want::kTexts) item.inputs.push_back(Plain(value));
    if (want == Want::kTexts && value.is_string()) item.inputs.push_back(Plain(value));
    if (want == Want::kTexts && item.inputs.empty()) continue;  // [] is the default
    where_[key] = absl::StrCat(path, ":", value.source().begin.line);
    items.push_back(std::move(item));
  }
  return items;
}

// Whether the option called `name` may be in the file.
bool TomlConfig::IsSetting(const std::string& name) const {
  for (const auto& a : actions_) {
    if (a == name) return false;
  }
  return !name.empty() && name != "help" && name != "version" && name != "config" &&
         name != "print-config";
}

std::vector<std::string> TomlConfig::SettingNames() const {
  std::vector<std::string> out;
  for (const CLI::Option* option : app_->get_options()) {
    if (IsSetting(option->get_single_name())) out.push_back(option->get_single_name());
  }
  return out;
}

std::string TomlConfig::InFile(const std::string& message, int argc,
                               const char* const* argv) const {
  if (message.rfind("--", 0) != 0) return "";
  const std::string key = message.substr(2, message.find(':') - 2);
  auto it = where_.find(key);
  if (it == where_.end()) return "";
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--" + key || arg.rfind("--" + key + "=", 0) == 0) return "";  // given here
  }
  return absl::StrCat(it->second, ": ", key, ": ", message.substr(message.find(':') + 2));
}

std::string DefaultConfigPath() {
  const char* config = std::getenv("XDG_CONFIG_HOME");
  if (config != nullptr && *config == '/') return absl::StrCat(config, "/attune/attuned.toml");
  const char* home = std::getenv("HOME");
  return absl::StrCat(home != nullptr ? home : "", "/.config/attune/attuned.toml");
}

}  // namespace attune
