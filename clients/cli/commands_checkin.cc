// attune checkin [list | show]: the daily check-in (one high, one low, the
// feelings of the day, how connected one feels).
#include <iostream>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "args.h"
#include "attune/v1/limits.pb.h"
#include "commands.h"
#include "common/environment.h"
#include "daemon_client.h"
#include "feelings.h"
#include "format.h"
#include "members.h"
#include "output.h"
#include "prompt.h"
#include "sharing.h"
#include "status_macros.h"

namespace attune::cli {
namespace {

constexpr size_t kMaxText = v1::LIMIT_SHORT_TEXT_CHARS;  // high, low, note
constexpr int kDefaultListDays = 14;

struct CheckInOptions {
  std::string high;
  std::string low;
  std::vector<std::string> emotions;
  int rating = 0;
  std::string note;
  std::string day;
  std::string tz;
  bool shared = false;
  bool make_private = false;
  bool replace = false;
};

// --- printing ---------------------------------------------------------------

// "  high      text", continuation lines aligned under the text.
void PrintField(std::string_view key, std::string_view value) {
  constexpr size_t kKeyWidth = 12;
  std::cout << "  " << BoldKey(key, kKeyWidth - 2)
            << Wrap(value, static_cast<size_t>(TerminalColumns()), kKeyWidth) << '\n';
}

// "(changed at 21:40)" when the check-in was replaced or edited after it
// was first written ("(changed 2026-12-04 09:10)" on another day than its
// own), in this machine's zone; "" when it never was.
std::string ChangedNote(const v1::CheckIn& c) {
  if (!c.has_update_time() || !c.has_create_time()) return "";
  if (c.update_time().seconds() == c.create_time().seconds() &&
      c.update_time().nanos() == c.create_time().nanos()) {
    return "";
  }
  const absl::TimeZone zone = LoadZoneOrLocal(MachineZoneName());
  if (FormatTimestamp(c.update_time(), zone, "%Y-%m-%d") == c.day()) {
    return absl::StrCat("(changed at ", FormatTimestamp(c.update_time(), zone, "%H:%M"), ")");
  }
  return absl::StrCat("(changed ", FormatTimestamp(c.update_time(), zone), ")");
}

// One check-in, readably. A check-in of another member is headed with their
// name ("partner" when it is unknown).
void PrintCheckIn(const v1::CheckIn& c, const People& people) {
  if (std::string waiting = SealedCheckInNote(c, people.NameOf(c.author())); !waiting.empty()) {
    // Reveal together: their words open once yours for the day are there.
    std::cout << Bold(DayHeading(c.day())) << "  " << Bold(people.NameOf(c.author())) << '\n'
              << "  " << waiting << '\n';
    return;
  }
  std::string heading =
      absl::StrCat(Bold(DayHeading(c.day())), "  connection ", RatingDots(c.connection_rating()),
                   " ", c.connection_rating(), "/5");
  if (people.IsOther(c.author())) {
    absl::StrAppend(&heading, "  ", Bold(people.NameOf(c.author())));
  }
  if (c.visibility() == v1::VISIBILITY_PRIVATE) absl::StrAppend(&heading, "  (private)");
  if (std::string changed = ChangedNote(c); !changed.empty()) {
    absl::StrAppend(&heading, "  ", changed);
  }
  std::cout << heading << '\n';
  PrintField("high", c.high());
  PrintField("low", c.low());
  if (!c.emotions().empty()) PrintField("feelings", FormatEmotions(c.emotions()));
  if (!c.note().empty()) PrintField("note", c.note());
}

void PrintCheckIns(const std::vector<const v1::CheckIn*>& check_ins, const People& people) {
  bool first = true;
  for (const v1::CheckIn* c : check_ins) {
    if (!first) std::cout << '\n';
    first = false;
    PrintCheckIn(*c, people);
  }
}

// --- daemon calls -----------------------------------------------------------

// Every check-in from `start` to `end` (inclusive; either may be empty),
// oldest first, all pages.
absl::StatusOr<v1::ListCheckInsResponse> ListAll(DaemonClient& client, const std::string& start,
                                                 const std::string& end) {
  v1::ListCheckInsResponse all;
  v1::ListCheckInsRequest request;
  request.set_start_day(start);
  request.set_end_day(end);
  request.set_page_size(1000);
  do {
    v1::ListCheckInsResponse page;
    ATTUNE_RETURN_IF_ERROR(client.Run([&](grpc::ClientContext* context) {
      return client.checkins().ListCheckIns(context, request, &page);
    }));
    for (auto& c : *page.mutable_check_ins()) {
      *all.add_check_ins() = std::move(c);
    }
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  return all;
}

// This member's check-in for `day`, or nullopt when there is none.
absl::StatusOr<std::optional<v1::CheckIn>> MyCheckIn(DaemonClient& client, const std::string& day,
                                                     const std::string& me) {
  ATTUNE_ASSIGN_OR_RETURN(v1::ListCheckInsResponse existing, ListAll(client, day, day));
  for (const v1::CheckIn& c : existing.check_ins()) {
    if (c.author() == me) return c;
  }
  return std::nullopt;
}

// --- asking -----------------------------------------------------------------

absl::StatusOr<std::string> CheckText(const std::string& answer, bool required) {
  std::string text = Trim(answer);
  if (required && text.empty()) {
    return absl::InvalidArgumentError("a few words, please");
  }
  if (Utf8Width(text) > kMaxText) {
    return absl::InvalidArgumentError(absl::StrCat("at most ", kMaxText, " characters, please"));
  }
  return text;
}

absl::StatusOr<int> CheckRating(const std::string& answer) {
  std::string text = Trim(answer);
  if (text.size() == 1 && text[0] >= '1' && text[0] <= '5') {
    return text[0] - '0';
  }
  return absl::InvalidArgumentError("a number from 1 to 5, please");
}

absl::StatusOr<std::string> AskText(std::string_view question, bool required) {
  return AskUntilValid<std::string>(
      question, [&](const std::string& answer) { return CheckText(answer, required); });
}

absl::StatusOr<int> AskRating(const std::string& partner) {
  return AskUntilValid<int>(
      absl::StrCat("How connected do you feel to ", partner.empty() ? "your partner" : partner,
                   " today? 1 (distant) to 5 (very close): "),
      CheckRating);
}

// Fills in what `check_in` lacks by asking: everything when `everything`,
// else only the required high, low and rating.
absl::Status AskMissing(DaemonClient& client, v1::CheckIn& check_in, bool everything,
                        const std::string& partner) {
  if (check_in.high().empty()) {
    ATTUNE_ASSIGN_OR_RETURN(std::string high,
                            AskText("One high of the day, a good moment (describe it): ", true));
    check_in.set_high(high);
  }
  if (check_in.low().empty()) {
    ATTUNE_ASSIGN_OR_RETURN(
        std::string low,
        AskText("One low of the day, a hard moment (describe, don't solve): ", true));
    check_in.set_low(low);
  }
  if (everything) {
    ATTUNE_ASSIGN_OR_RETURN(Vocabulary vocabulary, FetchVocabulary(client));
    std::cerr << FormatVocabulary(vocabulary, static_cast<size_t>(TerminalColumns()));
    ATTUNE_ASSIGN_OR_RETURN(
        std::vector<v1::EmotionLabel> emotions,
        AskUntilValid<std::vector<v1::EmotionLabel>>(
            "Feelings, comma-separated, each label or label:1-5 (Enter to "
            "skip): ",
            [&](const std::string& answer) { return CheckFeelings(answer, vocabulary); }));
    for (auto& e : emotions) *check_in.add_emotions() = std::move(e);
  }
  if (check_in.connection_rating() == 0) {
    ATTUNE_ASSIGN_OR_RETURN(int rating, AskRating(partner));
    check_in.set_connection_rating(rating);
  }
  if (everything && check_in.note().empty()) {
    ATTUNE_ASSIGN_OR_RETURN(std::string note, AskText("Anything else? (Enter to skip): ", false));
    check_in.set_note(note);
  }
  return absl::OkStatus();
}

// Whether the new check-in may replace the person's check-in for `day`:
// true when there is none, or --replace was given, or the person says so on
// a terminal. Otherwise ABORTED, saying why and naming --replace: nothing is
// ever replaced unasked.
absl::StatusOr<bool> MayReplace(DaemonClient& client, const std::string& day, const std::string& me,
                                bool replace, bool tty) {
  ATTUNE_ASSIGN_OR_RETURN(std::optional<v1::CheckIn> existing, MyCheckIn(client, day, me));
  if (!existing.has_value() || replace) return replace;
  if (!tty) {
    return absl::AbortedError(absl::StrCat(
        "you have checked in for ", day,
        " already, and there is no terminal to ask whether to replace it: nothing was stored "
        "(pass --replace to replace it)"));
  }
  absl::StatusOr<bool> confirmed =
      Confirm(absl::StrCat("You have checked in for ", DayHeading(day), " already. Replace it?"));
  if (!confirmed.ok() || !*confirmed) {
    return absl::AbortedError(absl::StrCat("your check-in for ", day,
                                           " is as it was; nothing was stored (answer y to "
                                           "replace it, or pass --replace)"));
  }
  return true;
}

// --- checkin ----------------------------------------------------------------

absl::Status RunCheckIn(const GlobalOptions& global, const CheckInOptions& options) {
  const bool any_content = !options.high.empty() || !options.low.empty() || options.rating != 0 ||
                           !options.emotions.empty() || !options.note.empty();
  const bool tty = StdinIsTerminal();
  if (!tty) {
    std::vector<std::string> missing;
    if (options.high.empty()) missing.push_back("--high");
    if (options.low.empty()) missing.push_back("--low");
    if (options.rating == 0) missing.push_back("--rating");
    if (!missing.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("no terminal to ask on: give ",
                                                     absl::StrJoin(missing, ", "),
                                                     " (see attune checkin --help)"));
    }
  }

  const std::string zone = options.tz.empty() ? MachineZoneName() : options.tz;
  absl::TimeZone loaded;
  if (!absl::LoadTimeZone(zone, &loaded)) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown time zone '", zone, "' (try e.g. Europe/Lisbon)"));
  }
  const absl::CivilDay today = absl::ToCivilDay(absl::Now(), loaded);
  absl::CivilDay day = today;
  if (!options.day.empty()) {
    ATTUNE_ASSIGN_OR_RETURN(day, ParseDay(options.day, today));
  }

  v1::CheckIn check_in;
  check_in.set_day(FormatDay(day));
  check_in.set_time_zone(zone);
  check_in.set_high(Trim(options.high));
  check_in.set_low(Trim(options.low));
  check_in.set_connection_rating(options.rating);
  check_in.set_note(Trim(options.note));
  if (options.shared && options.make_private) {
    return absl::InvalidArgumentError("give --shared or --private, not both");
  }
  ATTUNE_ASSIGN_OR_RETURN(std::vector<v1::EmotionLabel> emotions,
                          ParseEmotionFlags(options.emotions));
  for (auto& e : emotions) *check_in.add_emotions() = std::move(e);

  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  // Refuse (locked, or a replace not agreed to) before the questions, not
  // after them.
  ATTUNE_ASSIGN_OR_RETURN(v1::VaultStatus vault, client->RequireUnlocked());
  const bool must_ask =
      check_in.high().empty() || check_in.low().empty() || check_in.connection_rating() == 0;
  const bool asking = tty && (!any_content || must_ask);
  if (asking) std::cerr << Bold(absl::StrCat("Check-in for ", DayHeading(day))) << '\n';
  ATTUNE_ASSIGN_OR_RETURN(
      bool replace, MayReplace(*client, check_in.day(), vault.member_id(), options.replace, tty));
  const People people = People::Fetch(*client);
  const std::string partner = people.PartnerName();
  if (asking) ATTUNE_RETURN_IF_ERROR(AskMissing(*client, check_in, !any_content, partner));
  ATTUNE_ASSIGN_OR_RETURN(
      v1::Visibility visibility,
      ChooseVisibility(options.shared, options.make_private, tty, people, "this check-in"));
  check_in.set_visibility(visibility);

  v1::CreateCheckInRequest request;
  *request.mutable_check_in() = check_in;
  request.set_replace(replace);
  v1::CheckIn saved;
  absl::Status written = client->Run([&](grpc::ClientContext* context) {
    return client->checkins().CreateCheckIn(context, request, &saved);
  });
  if (absl::IsFailedPrecondition(written) && !replace &&
      absl::StrContains(written.message(), "checked in for")) {
    // Written meanwhile (another device of ours, another terminal).
    return absl::AbortedError(absl::StrCat("you have checked in for ", check_in.day(),
                                           " already (just now, elsewhere): nothing was stored "
                                           "(pass --replace to replace it)"));
  }
  ATTUNE_RETURN_IF_ERROR(written);
  if (global.json) return PrintJson(saved);
  PrintCheckIn(saved, People());
  const std::string verb = replace ? "Replaced your check-in" : "Saved";
  if (saved.visibility() == v1::VISIBILITY_PRIVATE) {
    std::cout << verb << ", private to you.\n";
  } else {
    std::cout << verb << (replace ? ", shared with " : " and shared with ")
              << (partner.empty() ? "your partner" : partner) << ".\n";
  }
  return absl::OkStatus();
}

// --- checkin list -----------------------------------------------------------

absl::Status RunList(const GlobalOptions& global, const std::string& from, const std::string& to) {
  const absl::CivilDay today = TodayIn(MachineZoneName());
  absl::CivilDay end = today;
  if (!to.empty()) {
    ATTUNE_ASSIGN_OR_RETURN(end, ParseDay(to, today));
  }
  absl::CivilDay start = end - (kDefaultListDays - 1);
  if (!from.empty()) {
    ATTUNE_ASSIGN_OR_RETURN(start, ParseDay(from, today));
  }
  if (start > end) {
    return absl::InvalidArgumentError(
        absl::StrCat("--from ", FormatDay(start), " is after --to ", FormatDay(end)));
  }

  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  ATTUNE_ASSIGN_OR_RETURN(v1::ListCheckInsResponse all,
                          ListAll(*client, FormatDay(start), FormatDay(end)));
  if (global.json) return PrintJson(all);
  if (all.check_ins().empty()) {
    std::cout << "No check-ins from " << FormatDay(start) << " to " << FormatDay(end) << ".\n";
    return absl::OkStatus();
  }
  std::vector<const v1::CheckIn*> list;
  for (const auto& c : all.check_ins()) list.push_back(&c);
  PrintCheckIns(list, People::Fetch(*client));
  return absl::OkStatus();
}

// --- checkin show -----------------------------------------------------------

// Prints the check-ins of one day, mine first.
absl::Status ShowDay(const GlobalOptions& global, DaemonClient& client, absl::CivilDay day) {
  ATTUNE_ASSIGN_OR_RETURN(v1::ListCheckInsResponse found,
                          ListAll(client, FormatDay(day), FormatDay(day)));
  if (global.json) return PrintJson(found);
  if (found.check_ins().empty()) {
    return absl::NotFoundError(absl::StrCat("no check-in for ", DayHeading(day)));
  }
  const People people = People::Fetch(client);
  std::vector<const v1::CheckIn*> list;
  for (const auto& c : found.check_ins()) {
    if (c.author() == people.me()) {
      list.insert(list.begin(), &c);
    } else {
      list.push_back(&c);
    }
  }
  PrintCheckIns(list, people);
  return absl::OkStatus();
}

// Prints the check-in `id` names (a prefix is looked up).
absl::Status ShowOne(const GlobalOptions& global, DaemonClient& client, const IdArg& id) {
  std::string name = id.value;
  if (!id.complete) {
    ATTUNE_ASSIGN_OR_RETURN(v1::ListCheckInsResponse all, ListAll(client, "", ""));
    std::vector<std::string> names;
    for (const auto& c : all.check_ins()) names.push_back(c.name());
    ATTUNE_ASSIGN_OR_RETURN(name, MatchIdPrefix(id.value, names, "check-in"));
  }
  v1::GetCheckInRequest request;
  request.set_name(name);
  v1::CheckIn check_in;
  ATTUNE_RETURN_IF_ERROR(client.Run([&](grpc::ClientContext* context) {
    return client.checkins().GetCheckIn(context, request, &check_in);
  }));
  if (global.json) return PrintJson(check_in);
  PrintCheckIn(check_in, People::Fetch(client));
  return absl::OkStatus();
}

// --- feelings ---------------------------------------------------------------

absl::Status RunFeelings(const GlobalOptions& global) {
  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  ATTUNE_ASSIGN_OR_RETURN(Vocabulary vocabulary, FetchVocabulary(*client));
  if (global.json) return PrintJson(vocabulary.families);
  std::cout << FormatVocabulary(vocabulary, static_cast<size_t>(TerminalColumns()));
  return absl::OkStatus();
}

absl::Status RunShow(const GlobalOptions& global, const std::string& which) {
  if (which.empty() || LooksLikeDay(which)) {
    ATTUNE_ASSIGN_OR_RETURN(absl::CivilDay day,
                            ParseDay(which.empty() ? "today" : which, TodayIn(MachineZoneName())));
    ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
    return ShowDay(global, *client, day);
  }
  ATTUNE_ASSIGN_OR_RETURN(IdArg id, ParseIdArg(which, "checkIns"));
  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  return ShowOne(global, *client, id);
}

}  // namespace

void AddCheckInCommands(CLI::App& app, const GlobalOptions& global, CommandTable& table) {
  auto options = std::make_shared<CheckInOptions>();
  CLI::App* checkin = app.add_subcommand(
      "checkin", "Check in for today: one high, one low, feelings, connection 1-5");
  checkin->require_subcommand(0, 1);
  checkin->add_option("--high", options->high, "One good moment of the day")->option_text("TEXT");
  checkin->add_option("--low", options->low, "One hard moment of the day")->option_text("TEXT");
  AddEmotionOption(checkin, options->emotions);
  checkin
      ->add_option("--rating", options->rating,
                   "How connected you feel: 1 (distant) to 5 (very close)")
      ->check(CLI::Range(1, 5))
      ->option_text("1-5");
  checkin->add_option("--note", options->note, "Anything else (optional)")->option_text("TEXT");
  checkin->add_option("--day", options->day, "The day checked in for (default: today)")
      ->option_text("YYYY-MM-DD");
  checkin
      ->add_option("--tz", options->tz,
                   "IANA time zone days are counted in (default: $TZ, else "
                   "/etc/localtime)")
      ->option_text("ZONE");
  checkin->add_flag("--shared", options->shared,
                    "Share it with your partner (default: asked on a terminal, else private)");
  checkin->add_flag("--private", options->make_private, "Keep it to yourself");
  checkin->add_flag("--replace", options->replace,
                    "Replace your check-in for the day without asking (without a terminal, a "
                    "second check-in for a day is refused unless this is given)");
  table.Set(checkin, [&global, options] { return RunCheckIn(global, *options); });

  auto from = std::make_shared<std::string>();
  auto to = std::make_shared<std::string>();
  CLI::App* list = checkin->add_subcommand(
      "list", "Show the check-ins of a range of days (default: last 14 days)");
  list->add_option("--from", *from, "First day (default: 13 days before --to)")->option_text("DAY");
  list->add_option("--to", *to, "Last day (default: today)")->option_text("DAY");
  table.Set(list, [&global, from, to] { return RunList(global, *from, *to); });

  auto which = std::make_shared<std::string>();
  CLI::App* show = checkin->add_subcommand(
      "show", "Show the check-ins of a day (yours and your partner's), or one by id");
  show->add_option("day-or-id", *which,
                   "YYYY-MM-DD, today, yesterday, or a check-in id or id "
                   "prefix (default: today)");
  table.Set(show, [&global, which] { return RunShow(global, *which); });

  // Set last: subcommands copy these from their parent when created.
  checkin->group("Records");
  checkin->footer(
      "Without flags, on a terminal, the check-in is asked step by step. With "
      "flags, a\nmissing --high, --low or --rating is asked on a terminal and "
      "is an error otherwise.\nA second check-in for the same day replaces "
      "the first only once you say so:\nit asks on a terminal, --replace "
      "skips the question, and without a terminal\nit is refused unless "
      "--replace is given. attune feelings lists the feelings.");

  CLI::App* feelings = app.add_subcommand(
      "feelings", "List the feelings vocabulary that --emotion labels come from");
  feelings->group("Records");
  table.Set(feelings, [&global] { return RunFeelings(global); });
}

}  // namespace attune::cli
