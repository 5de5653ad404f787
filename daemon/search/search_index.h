// daemon/search/: full-text search over the records a person can read,
// held in memory only.
//
// SearchIndex: an SQLite FTS5 table in a private in-memory database
// (":memory:", temporary storage in memory too), so that nothing of it is
// ever written to a file. SQLite's memory comes from an allocator that wipes
// every block it frees, so closing the index leaves no plaintext behind in
// freed heap. Words are found by FTS5's unicode61 tokenizer (case and accents
// folded) and ranked by its BM25; nothing here tokenizes or ranks.
//
// Not thread-safe: one owner serialises every call (SearchIndexer).
#ifndef ATTUNE_DAEMON_SEARCH_SEARCH_INDEX_H_
#define ATTUNE_DAEMON_SEARCH_SEARCH_INDEX_H_

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "attune/v1/api.pb.h"

struct sqlite3;
struct sqlite3_stmt;

namespace attune {

// What one record puts in the index.
struct SearchDoc {
  std::string name;  // resource name: the key
  std::string kind;  // "journal_entry", "check_in", "appreciation"
  std::string author;
  v1::Visibility visibility = v1::VISIBILITY_UNSPECIFIED;
  int64_t create_seconds = 0;
  int32_t create_nanos = 0;
  std::string title;  // indexed, and shown as the heading
  std::string text;   // indexed
};

class SearchIndex {
 public:
  // An empty index. INTERNAL when SQLite cannot open the memory database or
  // lacks FTS5.
  static absl::StatusOr<std::unique_ptr<SearchIndex>> Create();
  ~SearchIndex();
  SearchIndex(const SearchIndex&) = delete;
  SearchIndex& operator=(const SearchIndex&) = delete;

  // Adds `doc`, or replaces the one with its name.
  absl::Status Put(const SearchDoc& doc);
  // Removes the doc with this name, if any.
  absl::Status Remove(const std::string& name);
  // Groups many Puts and Removes into one transaction (an index built from
  // scratch, or the changes of one look): FTS5 then merges their terms once.
  absl::Status Begin();
  absl::Status Commit();
  size_t size() const { return rows_.size(); }

  // The docs matching `query` (a SearchRequest.query), best first, from
  // `offset`, at most `limit`; only `kinds` when not empty. `text` is left
  // empty in what comes back; `snippet` holds the words around the match.
  // INVALID_ARGUMENT naming "query" when it holds nothing to look for or too
  // much.
  struct Hit {
    SearchDoc doc;
    std::vector<v1::SnippetPart> snippet;
  };
  absl::StatusOr<std::vector<Hit>> Query(const std::string& query,
                                         const std::vector<std::string>& kinds, int offset,
                                         int limit);

 private:
  explicit SearchIndex(sqlite3* db) : db_(db) {}
  absl::Status Exec(const char* sql);
  // Runs `stmt` (prepared once, bound by the caller) to its end and resets it.
  absl::Status Step(sqlite3_stmt* stmt, std::string_view doing);

  sqlite3* db_;
  // Prepared at Create, used by every Put and Remove.
  sqlite3_stmt* insert_ = nullptr;
  sqlite3_stmt* remove_ = nullptr;
  std::unordered_map<std::string, int64_t> rows_;  // name -> rowid
};

// SearchRequest.query as an FTS5 query: each word or "quoted phrase" an FTS5
// string (so that no character of it is query syntax), a trailing * kept as
// a prefix query, terms joined by AND. Exposed for tests.
absl::StatusOr<std::string> FtsQueryOf(const std::string& query);

inline constexpr size_t kMaxQueryChars = 200;
inline constexpr size_t kMaxQueryTerms = 16;

}  // namespace attune

#endif  // ATTUNE_DAEMON_SEARCH_SEARCH_INDEX_H_
