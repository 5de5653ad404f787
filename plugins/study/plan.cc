#include "plugins/study/plan.h"

#include <cstdlib>
#include <sstream>

namespace attune::study {
namespace {

std::string OneLine(std::string s) {
  for (char& c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return s;
}

}  // namespace

std::string Encode(const Plan& p) {
  std::ostringstream out;
  out << "kind=" << OneLine(p.kind) << "\n"
      << "title=" << OneLine(p.title) << "\n"
      << "units=" << p.units << "\n"
      << "done=" << p.done << "\n"
      << "rhythm=" << OneLine(p.rhythm) << "\n"
      << "homework=" << OneLine(p.homework) << "\n"
      << "last_day=" << OneLine(p.last_day) << "\n";
  return out.str();
}

std::optional<Plan> Decode(const std::string& data) {
  Plan p;
  std::istringstream in(data);
  std::string line;
  while (std::getline(in, line)) {
    size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = line.substr(0, eq), value = line.substr(eq + 1);
    if (key == "kind") p.kind = value;
    if (key == "title") p.title = value;
    if (key == "units") p.units = std::atoi(value.c_str());
    if (key == "done") p.done = std::atoi(value.c_str());
    if (key == "rhythm") p.rhythm = value;
    if (key == "homework") p.homework = value;
    if (key == "last_day") p.last_day = value;
  }
  if (p.title.empty() || p.units < 1) return std::nullopt;
  return p;
}

std::string UnitWord(const std::string& kind) {
  if (kind == "course") return "lesson";
  if (kind == "podcast") return "episode";
  if (kind == "workshop") return "session";
  return "chapter";
}

}  // namespace attune::study
