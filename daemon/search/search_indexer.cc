#include "daemon/search/search_indexer.h"

#include <pthread.h>

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "daemon/base/background_thread.h"
#include "daemon/base/log.h"
#include "daemon/records/check_in_seal.h"
#include "daemon/records/kinds.h"
#include "daemon/records/record_ops.h"
#include "daemon/records/resource.h"

namespace attune {
namespace {

constexpr size_t kReadBatch = 256;
constexpr absl::Duration kReadyWithin = absl::Seconds(60);
// A look waits until no change came for kQuiet, unless a search waits (or
// kMaxGather passed, or kMaxPending records wait): a burst of writes is
// indexed in one transaction once it is over, instead of in small ones while
// it competes for the cores. Meanwhile the thread only reads the hub's events
// (a quarter of what the hub keeps, at most), so that none is lost to its
// ring. A search catches the index up first, so what waits is never missed.
constexpr absl::Duration kQuiet = absl::Milliseconds(50);
constexpr absl::Duration kMaxGather = absl::Seconds(5);
constexpr size_t kMaxPending = 10000;

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

const SearchedKind* FindKind(std::string_view name) {
  for (const SearchedKind& k : kKinds) {
    if (name == k.name) return &k;
  }
  return nullptr;
}

// Whether `e` changes a record the index holds (a released check-in key
// opens the check-in it is named after).
bool ChangesIndexed(const v1::Event& e) {
  return e.has_record_changed() && FindKind(ShownKindOf(e.record_changed().kind())) != nullptr;
}

// What a record puts in the index: its words and what a result shows.
// A check-in's words are indexed only where this device may read them
// (reveal together, records/check_in_seal.h).
SearchDoc DocOf(const KeySet& keys, const RecordStore& store, const SearchedKind& kind,
                std::string_view id, const v1::RecordState& state) {
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
      // Stored sealed, a check-in holds no words outside sealed_content.
      auto opened = OpenCheckIn(keys, store, id, r.check_in());
      const v1::CheckIn& c = opened.ok() ? *opened : r.check_in();
      doc.author = c.author();
      doc.visibility = c.visibility();
      doc.title = c.day();
      std::vector<std::string> feelings;
      for (const auto& e : c.emotions()) feelings.push_back(e.label());
      doc.text = absl::StrCat(c.high(), "\n", c.low(), "\n", c.note(), "\n",
                              absl::StrJoin(feelings, ", "));
      created = &r.check_in().create_time();  // `opened` ends with this block
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

void SearchIndexer::Kick(bool urgent, bool lagging) {
  absl::MutexLock lock(&wake_mu_);
  wake_ = true;
  urgent_ |= urgent;
  lagging_ |= lagging;
}

void SearchIndexer::Start() {
  cursor_ = hub_->LastDelivered();
  token_ = hub_->Subscribe([this] { Kick(/*urgent=*/vault_changed_.exchange(false), Lagging()); },
                           [this](const v1::Event& e) {
                             // What a look reads; other writes do not wake the indexer.
                             // The vault's changes build or drop the index: at once,
                             // so no word stays in memory after a lock.
                             if (e.has_vault_changed()) {
                               vault_changed_ = true;
                               return true;
                             }
                             return ChangesIndexed(e);
                           });
  Kick(/*urgent=*/true);  // build at once when the vault is unlocked already
  thread_ = std::thread([this] { Run(); });
  pthread_setname_np(thread_.native_handle(), "attuned-search");
}

void SearchIndexer::Stop() {
  if (stopped_) return;
  stopped_ = true;
  if (token_ != 0) hub_->Unsubscribe(token_);
  {
    absl::MutexLock lock(&wake_mu_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
  absl::MutexLock lock(&mu_);
  index_.reset();
  built_for_ = nullptr;
  ended_ = true;
}

void SearchIndexer::Run() {
  // Background work: when the cores are busy, the writes this thread follows
  // go first; a search that waits for it still gets a share.
  MarkThisThreadBackground();
  // Record changes seen since the index was last brought up to date.
  Changed changed;
  bool rebuild = true;
  while (true) {
    {
      absl::MutexLock lock(&wake_mu_);
      wake_mu_.Await(absl::Condition(this, &SearchIndexer::WakeOrStop));
    }
    GatherChanges(&changed, &rebuild);
    // A closed hub is a daemon stopping: searches waiting end now.
    bool stop;
    {
      absl::MutexLock lock(&wake_mu_);
      stop = stop_;
    }
    if (stop || hub_->closed()) break;
    Look(&changed, &rebuild);
  }
  absl::MutexLock lock(&mu_);
  ended_ = true;
  ++looks_;
  read_through_ = cursor_;
}

void SearchIndexer::GatherChanges(Changed* changed, bool* rebuild) {
  const absl::Time first = absl::Now();
  while (true) {
    {
      absl::MutexLock lock(&wake_mu_);
      wake_ = false;
      // Woken early only by a search, the vault, events piling up (or
      // Stop); the writes meanwhile only set wake_.
      const bool woken =
          wake_mu_.AwaitWithTimeout(absl::Condition(this, &SearchIndexer::UrgentOrStop), kQuiet);
      // A pause: kQuiet passed without a write (being woken to read the
      // hub's events is not one).
      const bool paused = !woken && !wake_;
      if (urgent_ || stop_ || paused || absl::Now() - first >= kMaxGather) {
        wake_ = false;
        urgent_ = false;
        lagging_ = false;
        return;
      }
      lagging_ = false;
    }
    if (Lagging()) ReadEvents(changed, rebuild);
    // A rebuild reads the store anyway; a long gathering is indexed in parts.
    if (*rebuild || changed->size() >= kMaxPending) return;
  }
}

bool SearchIndexer::Lagging() const {
  const uint64_t delivered = hub_->LastDelivered(), read = cursor_;
  return delivered > read && delivered - read >= hub_->RingCapacity() / 4;
}

void SearchIndexer::ReadEvents(Changed* changed, bool* rebuild) {
  std::vector<v1::Event> events;
  while (true) {
    events.clear();
    if (!hub_->ReadAfter(cursor_.load(), kReadBatch, &events)) {
      // Fell behind the hub's memory: start over from what is stored.
      cursor_ = hub_->LastDelivered();
      *rebuild = true;
      changed->clear();
      return;
    }
    if (events.empty()) return;
    for (const v1::Event& e : events) {
      cursor_ = e.id();
      if (ChangesIndexed(e)) {
        changed->emplace(e.record_changed().kind(), e.record_changed().name());
      }
    }
  }
}

void SearchIndexer::Look(Changed* changed, bool* rebuild) {
  ReadEvents(changed, rebuild);

  auto keys = vault_->Keys();
  if (!keys.ok()) {
    // Locked: nothing of the words stays in memory until the next unlock.
    absl::MutexLock lock(&mu_);
    index_.reset();
    built_for_ = nullptr;
    *rebuild = true;
    changed->clear();
    ++looks_;
    read_through_ = cursor_;
    return;
  }
  bool build;
  {
    absl::MutexLock lock(&mu_);
    build = *rebuild || index_ == nullptr || built_for_ != keys->get();
    if (!build) {
      // In parts, reading the hub between them: a long gathering loses no
      // event to the hub's ring while it is indexed, and a lock stops it
      // within one part. What is read meanwhile waits for the next look.
      const uint64_t through = cursor_;
      std::vector<std::pair<std::string, std::string>> todo(changed->begin(), changed->end());
      changed->clear();
      absl::Status s;
      if (!todo.empty()) s = index_->Begin();
      size_t done = 0;
      while (s.ok() && done < todo.size()) {
        for (const size_t end = std::min(todo.size(), done + kReadBatch); s.ok() && done < end;
             ++done) {
          s = Refresh(**keys, index_.get(), todo[done].first, todo[done].second);
        }
        if (!s.ok() || done == todo.size()) break;
        ReadEvents(changed, rebuild);
        auto now = vault_->Keys();
        if (*rebuild || !now.ok() || now->get() != keys->get()) break;
      }
      if (s.ok() && !todo.empty()) s = index_->Commit();
      if (s.ok() && done < todo.size()) {
        // Stopped early (the vault changed, or the hub's memory passed the
        // cursor): the next look comes at once and drops the index or
        // builds it again; the rest waits for it meanwhile.
        changed->insert(todo.begin() + static_cast<std::ptrdiff_t>(done), todo.end());
        ++looks_;
        Kick(/*urgent=*/true);
        return;
      }
      if (s.ok()) {
        ++looks_;
        read_through_ = through;
        return;
      }
      // Not to be trusted any more: dropped, and built again below.
      LogWarning(absl::StrCat("the search index is built again: ", s.ToString()));
      index_.reset();
      built_for_ = nullptr;
      build = true;
    }
  }
  // Built outside the lock, so searches answer "not ready" or wait, while
  // the hub and everything else goes on; changes from now on are read at the
  // next look (refreshing a record twice does no harm, but costs as much as
  // indexing it). A change the hub has delivered is in the store already
  // (events are published after their write), so the build reads it: those
  // events are passed over, or a device joining, whose history comes in
  // while the first build runs, would index much of it twice.
  changed->clear();
  cursor_ = hub_->LastDelivered();
  auto built = Build(**keys);
  absl::MutexLock lock(&mu_);
  if (built.ok()) {
    index_ = *std::move(built);
    built_for_ = keys->get();
    failed_ = absl::OkStatus();
    *rebuild = false;
  } else {
    index_.reset();
    built_for_ = nullptr;
    failed_ = built.status();
    *rebuild = true;
    LogWarning(absl::StrCat("the search index could not be built (each search tries again): ",
                            failed_.ToString()));
  }
  ++looks_;
  read_through_ = cursor_;
}

absl::StatusOr<std::unique_ptr<SearchIndex>> SearchIndexer::Build(const KeySet& keys) const {
  auto index = SearchIndex::Create();
  if (!index.ok()) return index.status();
  if (auto s = (*index)->Begin(); !s.ok()) return s;
  absl::Status put;
  for (const SearchedKind& kind : kKinds) {
    auto s =
        store_->ForEach(keys, kind.kind, [&](std::string_view id, const v1::RecordState& state) {
          if (!IsVisible(keys, state)) return true;
          put = (*index)->Put(DocOf(keys, *store_, kind, id, state));
          return put.ok();
        });
    if (!s.ok()) return s;
    if (!put.ok()) return put;
  }
  if (auto s = (*index)->Commit(); !s.ok()) return s;
  return index;
}

absl::Status SearchIndexer::Refresh(const KeySet& keys, SearchIndex* index,
                                    const std::string& kind_name, const std::string& name) const {
  // A released check-in key opens the check-in it is named after.
  const SearchedKind* kind = FindKind(ShownKindOf(kind_name));
  if (kind == nullptr) return absl::OkStatus();
  auto id = ParseName("name", name, kind->collection);
  if (!id.ok()) return absl::OkStatus();  // not a name of ours: nothing to index
  auto state = store_->Get(keys, kind->kind, *id);
  if (!state.ok()) return state.status();
  if (!state->has_value() || !IsVisible(keys, **state)) return index->Remove(name);
  return index->Put(DocOf(keys, *store_, *kind, *id, **state));
}

bool SearchIndexer::StillVisible(const KeySet& keys, const SearchDoc& doc) const {
  const SearchedKind* kind = FindKind(doc.kind);
  if (kind == nullptr) return false;
  auto id = ParseName("name", doc.name, kind->collection);
  if (!id.ok()) return false;
  auto state = store_->Get(keys, kind->kind, *id);
  return state.ok() && state->has_value() && IsVisible(keys, **state);
}

absl::StatusOr<std::vector<SearchIndex::Hit>> SearchIndexer::Search(
    const std::string& query, const std::vector<std::string>& kinds, int offset, int limit) {
  auto keys = vault_->Keys();
  if (!keys.ok()) return keys.status();
  absl::StatusOr<std::vector<SearchIndex::Hit>> hits;
  {
    absl::MutexLock lock(&mu_);
    if (index_ == nullptr || built_for_ != keys->get()) {
      // Ask for a look (a build, or another try after a failed one) and
      // wait for it to finish.
      const uint64_t asked = looks_;
      Kick(/*urgent=*/true);
      struct Since {
        const uint64_t* looks;
        uint64_t asked;
        bool Done() const { return *looks > asked; }
      } since{&looks_, asked};
      mu_.AwaitWithTimeout(absl::Condition(&since, &Since::Done), kReadyWithin);
    }
    // Read your writes: what was written before this search is in the index
    // when it answers (the thread catches up with the hub first).
    if (const uint64_t written = hub_->LastDelivered(); read_through_ < written && !ended_) {
      Kick(/*urgent=*/true);
      struct CaughtUp {
        const uint64_t* through;
        uint64_t written;
        const bool* ended;
        bool Done() const { return *through >= written || *ended; }
      } caught{&read_through_, written, &ended_};
      mu_.AwaitWithTimeout(absl::Condition(&caught, &CaughtUp::Done), kReadyWithin);
    }
    if (ended_) return absl::UnavailableError("attuned is stopping");
    if (index_ == nullptr || built_for_ != keys->get()) {
      if (auto again = vault_->Keys(); !again.ok()) return again.status();  // locked meanwhile
      if (!failed_.ok()) return failed_;
      return absl::UnavailableError("the search index is not ready yet; try again in a moment");
    }
    hits = index_->Query(query, kinds, offset, limit);
  }
  if (!hits.ok()) return hits.status();
  // The index may not have heard of a change yet: the store has the last word.
  std::vector<SearchIndex::Hit> shown;
  for (SearchIndex::Hit& hit : *hits) {
    if (StillVisible(**keys, hit.doc)) shown.push_back(std::move(hit));
  }
  return shown;
}

}  // namespace attune
