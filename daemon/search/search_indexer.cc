#include "daemon/search/search_indexer.h"

#include <pthread.h>

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "daemon/base/log.h"
#include "daemon/records/record_ops.h"
#include "daemon/records/resource.h"

namespace attune {
namespace {

constexpr size_t kReadBatch = 256;
constexpr absl::Duration kReadyWithin = absl::Seconds(60);

struct SearchedKind {
  Kind kind;
  const char* name;        // RecordChanged.kind
  const char* collection;  // of resource names
};
constexpr SearchedKind kKinds[] = {
    {Kind::kJournalEntry, "journal_entry", kJournalEntries},
    {Kind::kCheckIn, "check_in", kCheckIns},
    {Kind::kAppreciation, "appreciation", kAppreciations},
};

const SearchedKind* FindKind(const std::string& name) {
  for (const SearchedKind& k : kKinds) {
    if (name == k.name) return &k;
  }
  return nullptr;
}

// What a record puts in the index: its words and what a result shows.
SearchDoc DocOf(const SearchedKind& kind, std::string_view id, const v1::RecordState& state) {
  SearchDoc doc;
  doc.name = MakeName(kind.collection, id);
  doc.kind = kind.name;
  const v1::Record& r = state.record();
  const google::protobuf::Timestamp* created = nullptr;
  switch (kind.kind) {
    case Kind::kJournalEntry:
      doc.author = r.journal_entry().author();
      doc.visibility = r.journal_entry().visibility();
      doc.title = r.journal_entry().title();
      doc.text = r.journal_entry().body();
      created = &r.journal_entry().create_time();
      break;
    case Kind::kCheckIn: {
      const v1::CheckIn& c = r.check_in();
      doc.author = c.author();
      doc.visibility = c.visibility();
      doc.title = c.day();
      std::vector<std::string> feelings;
      for (const auto& e : c.emotions()) feelings.push_back(e.label());
      doc.text = absl::StrCat(c.high(), "\n", c.low(), "\n", c.note(), "\n",
                              absl::StrJoin(feelings, ", "));
      created = &c.create_time();
      break;
    }
    case Kind::kAppreciation:
      doc.author = r.appreciation().author();
      doc.visibility = r.appreciation().visibility();
      doc.title = r.appreciation().recipient();
      doc.text = r.appreciation().text();
      created = &r.appreciation().create_time();
      break;
    default:
      break;
  }
  if (created != nullptr) {
    doc.create_seconds = created->seconds();
    doc.create_nanos = created->nanos();
  }
  return doc;
}

}  // namespace

SearchIndexer::~SearchIndexer() { Stop(); }

void SearchIndexer::Start() {
  token_ = hub_->Subscribe([this] {
    absl::MutexLock lock(&mu_);
    wake_ = true;
  });
  {
    absl::MutexLock lock(&mu_);
    wake_ = true;  // build at once when the vault is unlocked already
  }
  cursor_ = hub_->LastDelivered();
  thread_ = std::thread([this] { Run(); });
  pthread_setname_np(thread_.native_handle(), "attuned-search");
}

void SearchIndexer::Stop() {
  if (stopped_) return;
  stopped_ = true;
  if (token_ != 0) hub_->Unsubscribe(token_);
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
  absl::MutexLock lock(&mu_);
  index_.reset();
}

void SearchIndexer::Run() {
  // Record changes seen since the index was last brought up to date.
  std::set<std::pair<std::string, std::string>> changed;  // (kind, name)
  bool rebuild = true;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &SearchIndexer::WakeOrStop));
      if (stop_) return;
      wake_ = false;
    }
    // What happened since the last look.
    std::vector<v1::Event> events;
    while (true) {
      events.clear();
      if (!hub_->ReadAfter(cursor_, kReadBatch, &events)) {
        // Fell behind the hub's memory: start over from what is stored.
        cursor_ = hub_->LastDelivered();
        rebuild = true;
        changed.clear();
        break;
      }
      if (events.empty()) break;
      for (const v1::Event& e : events) {
        cursor_ = e.id();
        if (e.has_record_changed() && FindKind(e.record_changed().kind()) != nullptr) {
          changed.emplace(e.record_changed().kind(), e.record_changed().name());
        }
      }
    }

    auto keys = vault_->Keys();
    absl::MutexLock lock(&mu_);
    if (!keys.ok()) {
      // Locked: nothing of the words stays in memory until the next unlock.
      index_.reset();
      rebuild = true;
      changed.clear();
      continue;
    }
    absl::Status s;
    if (rebuild || index_ == nullptr) {
      changed.clear();
      s = Rebuild(**keys);
      rebuild = !s.ok();
    } else {
      for (const auto& [kind, name] : changed) {
        if (s = Refresh(**keys, kind, name); !s.ok()) break;
      }
      changed.clear();
      if (!s.ok()) rebuild = true;
    }
    if (!s.ok()) {
      LogWarning(
          absl::StrCat("the search index could not be brought up to date (it is built "
                       "again at the next change): ",
                       s.ToString()));
    }
  }
}

absl::Status SearchIndexer::Rebuild(const KeySet& keys) {
  index_.reset();
  auto index = SearchIndex::Create();
  if (!index.ok()) return index.status();
  if (auto s = (*index)->Begin(); !s.ok()) return s;
  absl::Status put;
  for (const SearchedKind& kind : kKinds) {
    auto s =
        store_->ForEach(keys, kind.kind, [&](std::string_view id, const v1::RecordState& state) {
          if (!IsVisible(keys, state)) return true;
          put = (*index)->Put(DocOf(kind, id, state));
          return put.ok();
        });
    if (!s.ok()) return s;
    if (!put.ok()) return put;
  }
  if (auto s = (*index)->Commit(); !s.ok()) return s;
  index_ = *std::move(index);
  return absl::OkStatus();
}

absl::Status SearchIndexer::Refresh(const KeySet& keys, const std::string& kind_name,
                                    const std::string& name) {
  const SearchedKind* kind = FindKind(kind_name);
  if (kind == nullptr || index_ == nullptr) return absl::OkStatus();
  auto id = ParseName("name", name, kind->collection);
  if (!id.ok()) return absl::OkStatus();  // not a name of ours: nothing to index
  auto state = store_->Get(keys, kind->kind, *id);
  if (!state.ok()) return state.status();
  if (!state->has_value() || !IsVisible(keys, **state)) return index_->Remove(name);
  return index_->Put(DocOf(*kind, *id, **state));
}

absl::StatusOr<std::vector<SearchIndex::Hit>> SearchIndexer::Search(
    const std::string& query, const std::vector<std::string>& kinds, int offset, int limit) {
  if (auto keys = vault_->Keys(); !keys.ok()) return keys.status();
  absl::MutexLock lock(&mu_);
  const bool ready =
      mu_.AwaitWithTimeout(absl::Condition(this, &SearchIndexer::ReadyOrNot), kReadyWithin);
  if (stop_) return absl::UnavailableError("attuned is stopping");
  if (auto keys = vault_->Keys(); !keys.ok()) return keys.status();  // locked meanwhile
  if (!ready || index_ == nullptr) {
    return absl::UnavailableError("the search index is not ready yet; try again in a moment");
  }
  return index_->Query(query, kinds, offset, limit);
}

bool SearchIndexer::ReadyOrNot() const {
  return index_ != nullptr || stop_ || vault_->state() != Vault::State::kUnlocked;
}

size_t SearchIndexer::IndexedCount() {
  absl::MutexLock lock(&mu_);
  return index_ == nullptr ? 0 : index_->size();
}

}  // namespace attune
