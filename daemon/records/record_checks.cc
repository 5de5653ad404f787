#include "daemon/records/record_checks.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "daemon/records/kinds.h"
#include "daemon/records/validation.h"

namespace attune {
namespace {

// Whether an update's mask (or a whole record, for null) covers `number`.
bool Wants(const std::vector<uint32_t>* fields, int number) {
  return fields == nullptr ||
         std::find(fields->begin(), fields->end(), static_cast<uint32_t>(number)) != fields->end();
}

// An unset visibility becomes the kind's default (PRIVATE): nothing is more
// visible than the person chose.
template <typename Record>
absl::Status CheckVisibilityOf(const std::string& prefix, Kind kind, Record* record) {
  v1::Visibility v = record->visibility();
  if (auto s = CheckVisibility(prefix + ".visibility", &v, RecordKindOf(kind).default_visibility);
      !s.ok()) {
    return s;
  }
  record->set_visibility(v);
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckCheckIn(const std::string& prefix, v1::CheckIn* c,
                          const std::vector<uint32_t>* fields) {
  if (Wants(fields, v1::CheckIn::kHighFieldNumber)) {
    if (auto s = CheckText(prefix + ".high", c->high(), kMaxShortTextChars, true, TextLines::kMany);
        !s.ok()) {
      return s;
    }
  }
  if (Wants(fields, v1::CheckIn::kLowFieldNumber)) {
    if (auto s = CheckText(prefix + ".low", c->low(), kMaxShortTextChars, true, TextLines::kMany);
        !s.ok()) {
      return s;
    }
  }
  if (Wants(fields, v1::CheckIn::kNoteFieldNumber)) {
    if (auto s =
            CheckText(prefix + ".note", c->note(), kMaxShortTextChars, false, TextLines::kMany);
        !s.ok()) {
      return s;
    }
  }
  if (Wants(fields, v1::CheckIn::kConnectionRatingFieldNumber)) {
    if (auto s = CheckRange(prefix + ".connection_rating", c->connection_rating(), 1, 5); !s.ok()) {
      return s;
    }
  }
  if (Wants(fields, v1::CheckIn::kEmotionsFieldNumber)) {
    if (auto s = CheckEmotions(prefix + ".emotions", c->mutable_emotions()); !s.ok()) return s;
  }
  if (Wants(fields, v1::CheckIn::kDayFieldNumber) && !c->day().empty()) {
    if (auto d = ParseDay(prefix + ".day", c->day()); !d.ok()) return d.status();
  }
  if (Wants(fields, v1::CheckIn::kVisibilityFieldNumber))
    return CheckVisibilityOf(prefix, Kind::kCheckIn, c);
  return absl::OkStatus();
}

absl::Status CheckJournalEntry(const std::string& prefix, v1::JournalEntry* e,
                               const std::vector<uint32_t>* fields) {
  if (Wants(fields, v1::JournalEntry::kTitleFieldNumber)) {
    if (auto s = CheckText(prefix + ".title", e->title(), kMaxTitleChars, false, TextLines::kOne);
        !s.ok()) {
      return s;
    }
  }
  if (Wants(fields, v1::JournalEntry::kBodyFieldNumber)) {
    if (e->body().size() > kMaxBodyBytes) {
      return absl::InvalidArgumentError(absl::StrCat(prefix, ".body: is ", e->body().size(),
                                                     " bytes long; the limit is ", kMaxBodyBytes));
    }
    if (auto s = CheckText(prefix + ".body", e->body(), kMaxBodyBytes, true, TextLines::kMany);
        !s.ok()) {
      return s;
    }
  }
  if (Wants(fields, v1::JournalEntry::kEmotionsFieldNumber)) {
    if (auto s = CheckEmotions(prefix + ".emotions", e->mutable_emotions()); !s.ok()) return s;
  }
  if (Wants(fields, v1::JournalEntry::kVisibilityFieldNumber))
    return CheckVisibilityOf(prefix, Kind::kJournalEntry, e);
  return absl::OkStatus();
}

absl::Status CheckAppreciation(const std::string& prefix, v1::Appreciation* a,
                               const std::vector<uint32_t>* fields) {
  if (Wants(fields, v1::Appreciation::kTextFieldNumber)) {
    if (auto s = CheckText(prefix + ".text", a->text(), kMaxShortTextChars, true, TextLines::kMany);
        !s.ok()) {
      return s;
    }
  }
  if (Wants(fields, v1::Appreciation::kRecipientFieldNumber)) {
    if (auto s = CheckText(prefix + ".recipient", a->recipient(), v1::LIMIT_DISPLAY_NAME_CHARS,
                           false, TextLines::kOne);
        !s.ok()) {
      return s;
    }
  }
  if (Wants(fields, v1::Appreciation::kVisibilityFieldNumber))
    return CheckVisibilityOf(prefix, Kind::kAppreciation, a);
  return absl::OkStatus();
}

}  // namespace attune
