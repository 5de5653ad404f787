#include "export_markdown.h"

#include <algorithm>
#include <functional>
#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "format.h"

namespace attune::cli {
namespace {

// Text a person wrote, as Markdown shows it: each line kept, a line that
// Markdown would read as a heading, list or quote marker escaped.
std::string Text(const std::string& text) {
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    const bool marker = !line.empty() && (line[0] == '#' || line[0] == '>' || line[0] == '-' ||
                                          line[0] == '*' || line[0] == '+');
    lines.push_back(absl::StrCat(marker ? "\\" : "", line));
  }
  // Two trailing spaces keep a line break inside a paragraph.
  return absl::StrJoin(lines, "  \n");
}

class Writer {
 public:
  Writer(const v1::ExportPart& all, absl::TimeZone zone) : all_(all), zone_(zone) {
    for (const auto& m : all.header().members()) names_[m.member_id()] = m.display_name();
  }

  std::string Run() {
    const v1::ExportHeader& h = all_.header();
    absl::StrAppend(&out_, "# ", h.display_name(), "'s Attune\n\n", "Exported ",
                    FormatTimestamp(h.export_time(), zone_), ": ",
                    Count(all_.records_size(), "record", "records"), ".");
    std::vector<std::string> others;
    for (const auto& m : h.members()) {
      if (m.member_id() != h.exported_by()) others.push_back(Who(m.member_id()));
    }
    if (!others.empty()) {
      absl::StrAppend(&out_, " What ", absl::StrJoin(others, " and "),
                      " shared is here too, under their names.");
    }
    absl::StrAppend(&out_, "\n");
    Journal();
    CheckIns();
    Goals();
    Appreciations();
    Sessions();
    return out_;
  }

 private:
  std::string Who(const std::string& member) const {
    auto it = names_.find(member);
    return it == names_.end() || it->second.empty() ? "someone" : it->second;
  }
  std::string By(const std::string& author, v1::Visibility v) const {
    return absl::StrCat(Who(author), ", ", VisibilityName(v));
  }
  std::string When(const google::protobuf::Timestamp& t) const { return FormatTimestamp(t, zone_); }
  template <typename T, typename Get>
  std::vector<const T*> Sorted(Get get, v1::Record::KindCase kind,
                               const std::function<std::string(const T&)>& key) const {
    std::vector<const T*> out;
    for (const auto& r : all_.records()) {
      if (r.kind_case() == kind) out.push_back(&get(r));
    }
    std::stable_sort(out.begin(), out.end(),
                     [&](const T* a, const T* b) { return key(*a) < key(*b); });
    return out;
  }
  static std::string TimeKey(const google::protobuf::Timestamp& t) {
    return absl::StrCat(absl::Dec(t.seconds(), absl::kZeroPad12), ".",
                        absl::Dec(t.nanos(), absl::kZeroPad9));
  }

  void Journal() {
    auto entries = Sorted<v1::JournalEntry>(
        [](const v1::Record& r) -> const v1::JournalEntry& { return r.journal_entry(); },
        v1::Record::kJournalEntry,
        [](const v1::JournalEntry& e) { return TimeKey(e.create_time()); });
    if (entries.empty()) return;
    absl::StrAppend(&out_, "\n## Journal\n");
    for (const v1::JournalEntry* e : entries) {
      absl::StrAppend(&out_, "\n### ", When(e->create_time()),
                      e->title().empty() ? "" : absl::StrCat(": ", e->title()), "\n\n*",
                      By(e->author(), e->visibility()), "*\n\n", Text(e->body()), "\n");
      if (e->emotions_size() > 0) {
        absl::StrAppend(&out_, "\nFeelings: ", FormatEmotions(e->emotions()), "\n");
      }
    }
  }

  void CheckIns() {
    auto checkins = Sorted<v1::CheckIn>(
        [](const v1::Record& r) -> const v1::CheckIn& { return r.check_in(); },
        v1::Record::kCheckIn, [](const v1::CheckIn& c) { return c.day() + c.author(); });
    if (checkins.empty()) return;
    absl::StrAppend(&out_, "\n## Check-ins\n");
    for (const v1::CheckIn* c : checkins) {
      if (std::string note = SealedCheckInNote(*c, Who(c->author())); !note.empty()) {
        absl::StrAppend(&out_, "\n### ", DayHeading(std::string_view(c->day())), ": ",
                        Who(c->author()), "\n\n", note, "\n");
        continue;
      }
      absl::StrAppend(&out_, "\n### ", DayHeading(std::string_view(c->day())), ": ",
                      Who(c->author()), "\n\n*", VisibilityName(c->visibility()), "*\n\n",
                      "- High: ", Text(c->high()), "\n", "- Low: ", Text(c->low()), "\n");
      if (c->emotions_size() > 0) {
        absl::StrAppend(&out_, "- Feelings: ", FormatEmotions(c->emotions()), "\n");
      }
      absl::StrAppend(&out_, "- Connection: ", c->connection_rating(), " of 5\n");
      if (!c->note().empty()) absl::StrAppend(&out_, "- Note: ", Text(c->note()), "\n");
    }
  }

  void Goals() {
    auto goals = Sorted<v1::Goal>([](const v1::Record& r) -> const v1::Goal& { return r.goal(); },
                                  v1::Record::kGoal,
                                  [](const v1::Goal& g) { return g.start_day() + g.title(); });
    if (goals.empty()) return;
    absl::StrAppend(&out_, "\n## Goals\n");
    for (const v1::Goal* g : goals) {
      absl::StrAppend(&out_, "\n### ", g->title(), "\n\n*", By(g->author(), g->visibility()),
                      g->archived() ? ", archived" : "", "*\n\n",
                      GoalSchedule(g->target_per_period(), g->period(), g->periods()), ", from ",
                      DayHeading(std::string_view(g->start_day())), ".\n");
      const std::string prefix = g->name() + "/progress/";
      std::vector<const v1::GoalProgress*> done;
      for (const auto& r : all_.records()) {
        if (r.has_goal_progress() && r.goal_progress().name().rfind(prefix, 0) == 0) {
          done.push_back(&r.goal_progress());
        }
      }
      std::stable_sort(done.begin(), done.end(),
                       [](const auto* a, const auto* b) { return a->day() < b->day(); });
      if (!done.empty()) absl::StrAppend(&out_, "\n");
      for (const v1::GoalProgress* p : done) {
        absl::StrAppend(&out_, "- ", p->day(), ", ", Who(p->author()),
                        p->note().empty() ? "" : absl::StrCat(": ", Text(p->note())), "\n");
      }
    }
  }

  void Appreciations() {
    auto given = Sorted<v1::Appreciation>(
        [](const v1::Record& r) -> const v1::Appreciation& { return r.appreciation(); },
        v1::Record::kAppreciation,
        [](const v1::Appreciation& a) { return TimeKey(a.create_time()); });
    if (given.empty()) return;
    absl::StrAppend(&out_, "\n## Appreciations\n\n");
    for (const v1::Appreciation* a : given) {
      absl::StrAppend(&out_, "- ", When(a->create_time()), ", ", Who(a->author()),
                      a->recipient().empty() ? "" : absl::StrCat(" to ", a->recipient()), " (",
                      VisibilityName(a->visibility()), "): ", Text(a->text()), "\n");
    }
  }

  void Sessions() {
    auto sessions = Sorted<v1::ExerciseSession>(
        [](const v1::Record& r) -> const v1::ExerciseSession& { return r.exercise_session(); },
        v1::Record::kExerciseSession,
        [](const v1::ExerciseSession& s) { return TimeKey(s.create_time()); });
    if (sessions.empty()) return;
    absl::StrAppend(&out_, "\n## Exercises\n");
    for (const v1::ExerciseSession* s : sessions) {
      absl::StrAppend(&out_, "\n### ", DayHeading(std::string_view(s->day())), ": ",
                      s->title().empty() ? s->exercise() : s->title(), "\n\n*",
                      By(s->author(), s->visibility()), "*\n");
      if (!s->summary().empty()) absl::StrAppend(&out_, "\n", Text(s->summary()), "\n");
      if (s->answers_size() > 0) absl::StrAppend(&out_, "\n");
      for (const auto& a : s->answers()) {
        // A question that did not fit in the session's record is not kept.
        absl::StrAppend(&out_, "- ", a.question().empty() ? "" : Text(a.question()) + " ",
                        Text(a.answer()), "\n");
      }
    }
  }

  const v1::ExportPart& all_;
  absl::TimeZone zone_;
  std::map<std::string, std::string> names_;
  std::string out_;
};

}  // namespace

std::string ExportToMarkdown(const v1::ExportPart& all, absl::TimeZone zone) {
  return Writer(all, zone).Run();
}

}  // namespace attune::cli
