#include "tools/bench/days.h"

#include <cstdio>

namespace attune::bench {

using namespace std::chrono;

Day FirstBenchDay() { return sys_days{year{2000} / January / 1}; }

Day YesterdayUtc() { return floor<days>(system_clock::now()) - days{1}; }

std::string FormatDay(Day day) {
  year_month_day ymd{day};
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return text;
}

}  // namespace attune::bench
