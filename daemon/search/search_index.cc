#include "daemon/search/search_index.h"

#include <sodium.h>
#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "absl/strings/str_cat.h"

namespace attune {
namespace {

// --- an allocator that wipes what SQLite frees -----------------------------
//
// Each block carries its size in front, so that xFree can wipe all of it.
constexpr size_t kHeader = 16;  // keeps the 8-byte alignment SQLite needs

void* WipingMalloc(int n) {
  if (n < 0) return nullptr;
  auto* p = static_cast<unsigned char*>(std::malloc(static_cast<size_t>(n) + kHeader));
  if (p == nullptr) return nullptr;
  std::memcpy(p, &n, sizeof n);
  return p + kHeader;
}

int WipingSize(void* q) {
  if (q == nullptr) return 0;
  int n;
  std::memcpy(&n, static_cast<unsigned char*>(q) - kHeader, sizeof n);
  return n;
}

void WipingFree(void* q) {
  if (q == nullptr) return;
  unsigned char* p = static_cast<unsigned char*>(q) - kHeader;
  sodium_memzero(p, static_cast<size_t>(WipingSize(q)) + kHeader);
  std::free(p);
}

void* WipingRealloc(void* q, int n) {
  void* fresh = WipingMalloc(n);
  if (fresh == nullptr) return nullptr;
  if (q != nullptr) {
    std::memcpy(fresh, q, static_cast<size_t>(std::min(n, WipingSize(q))));
    WipingFree(q);
  }
  return fresh;
}

int WipingRoundup(int n) { return (n + 7) & ~7; }
int WipingInit(void*) { return SQLITE_OK; }
void WipingShutdown(void*) {}

// Once per process, before SQLite is first used.
absl::Status ConfigureSqlite() {
  static absl::Status status = [] {
    if (sodium_init() < 0) return absl::InternalError("libsodium cannot be used");
    static const sqlite3_mem_methods methods = {WipingMalloc,   WipingFree,    WipingRealloc,
                                                WipingSize,     WipingRoundup, WipingInit,
                                                WipingShutdown, nullptr};
    if (sqlite3_config(SQLITE_CONFIG_MALLOC, &methods) != SQLITE_OK ||
        sqlite3_initialize() != SQLITE_OK) {
      return absl::InternalError("SQLite could not be set up for the search index");
    }
    return absl::OkStatus();
  }();
  return status;
}

absl::Status SqliteError(sqlite3* db, std::string_view doing) {
  return absl::InternalError(
      absl::StrCat("search index: ", std::string(doing), ": ", sqlite3_errmsg(db)));
}

void BindText(sqlite3_stmt* stmt, int i, const std::string& s) {
  sqlite3_bind_text(stmt, i, s.data(), static_cast<int>(s.size()), SQLITE_STATIC);
}

// A prepared statement, finalized when it goes.
class Statement {
 public:
  Statement(sqlite3* db, const std::string& sql) {
    ok_ = sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt_, nullptr) == SQLITE_OK;
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  bool ok() const { return ok_; }
  sqlite3_stmt* get() { return stmt_; }
  void Text(int i, const std::string& s) { BindText(stmt_, i, s); }
  void Int(int i, int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  std::string ColumnText(int i) {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, i));
    return p == nullptr ? std::string() : std::string(p, sqlite3_column_bytes(stmt_, i));
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  bool ok_ = false;
};

// The snippet markers: control characters that record text cannot hold (the
// records layer refuses them).
constexpr char kOpen = '\x02';
constexpr char kClose = '\x03';

std::vector<v1::SnippetPart> SnippetParts(const std::string& marked) {
  std::vector<v1::SnippetPart> parts;
  v1::SnippetPart current;
  for (char c : marked) {
    if (c == kOpen || c == kClose) {
      if (!current.text().empty()) parts.push_back(current);
      current.Clear();
      current.set_match(c == kOpen);
      continue;
    }
    current.mutable_text()->push_back(c);
  }
  if (!current.text().empty()) parts.push_back(current);
  return parts;
}

bool HasWordCharacter(std::string_view term) {
  for (unsigned char c : term) {
    if (c >= 0x80 || std::isalnum(c)) return true;
  }
  return false;
}

// `term` as an FTS5 string: in double quotes, each quote doubled.
std::string Quoted(std::string_view term) {
  std::string out = "\"";
  for (char c : term) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

}  // namespace

absl::StatusOr<std::string> FtsQueryOf(const std::string& typed) {
  size_t chars = 0;
  for (unsigned char c : typed) {
    if ((c & 0xc0) != 0x80) ++chars;  // UTF-8: count the first byte of each
    if (c < 0x20 && c != '\t' && c != '\n') {
      return absl::InvalidArgumentError("query: control characters are not words");
    }
  }
  if (chars > kMaxQueryChars) {
    return absl::InvalidArgumentError(
        absl::StrCat("query: at most ", kMaxQueryChars, " characters"));
  }
  // Typographic quotes, as phones and the page's hint type them, are quotes
  // (built anew: GCC 12 warns falsely on std::string::replace here).
  std::string query;
  query.reserve(typed.size());
  for (size_t i = 0; i < typed.size(); ++i) {
    const std::string_view rest = std::string_view(typed).substr(i);
    if (rest.starts_with("\u201c") || rest.starts_with("\u201d") || rest.starts_with("\u201e")) {
      query.push_back('"');
      i += 2;  // each is three bytes
      continue;
    }
    query.push_back(typed[i]);
  }
  std::vector<std::string> terms;
  size_t i = 0;
  while (i < query.size()) {
    const char c = query[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    std::string term;
    bool prefix = false;
    if (c == '"') {  // a phrase, to the next quote or the end
      size_t end = query.find('"', i + 1);
      if (end == std::string::npos) end = query.size();
      term = query.substr(i + 1, end - i - 1);
      i = end + 1;
    } else {  // a word, to the next space or quote
      size_t end = i;
      while (end < query.size() && query[end] != '"' &&
             !std::isspace(static_cast<unsigned char>(query[end]))) {
        ++end;
      }
      term = query.substr(i, end - i);
      i = end;
      while (!term.empty() && term.back() == '*') {
        term.pop_back();
        prefix = true;
      }
    }
    if (!HasWordCharacter(term)) continue;
    terms.push_back(Quoted(term) + (prefix ? "*" : ""));
  }
  if (terms.empty()) {
    return absl::InvalidArgumentError("query: say which words to look for");
  }
  if (terms.size() > kMaxQueryTerms) {
    return absl::InvalidArgumentError(
        absl::StrCat("query: at most ", kMaxQueryTerms, " words or phrases"));
  }
  // Side by side, FTS5 ANDs them; a term with no word in it (an emoji, a
  // dash) then drops out instead of matching nothing.
  std::string out;
  for (const std::string& t : terms) {
    if (!out.empty()) out += " ";
    out += t;
  }
  return out;
}

absl::StatusOr<std::unique_ptr<SearchIndex>> SearchIndex::Create() {
  if (auto s = ConfigureSqlite(); !s.ok()) return s;
  sqlite3* db = nullptr;
  // A private memory database: no file, no shared cache, no URI tricks.
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_MEMORY |
                    SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_PRIVATECACHE;
  if (sqlite3_open_v2(":memory:", &db, flags, nullptr) != SQLITE_OK) {
    absl::Status s = SqliteError(db, "opening the memory database");
    sqlite3_close(db);
    return s;
  }
  std::unique_ptr<SearchIndex> index(new SearchIndex(db));
  // Temporary tables and sorts in memory too; freed pages zeroed.
  if (auto s = index->Exec("PRAGMA temp_store = MEMORY; PRAGMA secure_delete = ON;"); !s.ok()) {
    return s;
  }
  if (auto s = index->Exec(
          "CREATE VIRTUAL TABLE docs USING fts5(title, text, name UNINDEXED, kind UNINDEXED, "
          "author UNINDEXED, visibility UNINDEXED, create_s UNINDEXED, create_ns UNINDEXED, "
          "tokenize = 'unicode61 remove_diacritics 2')");
      !s.ok()) {
    return s;
  }
  const char* insert =
      "INSERT INTO docs(title, text, name, kind, author, visibility, create_s, create_ns) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
  if (sqlite3_prepare_v2(db, insert, -1, &index->insert_, nullptr) != SQLITE_OK ||
      sqlite3_prepare_v2(db, "DELETE FROM docs WHERE rowid = ?1", -1, &index->remove_, nullptr) !=
          SQLITE_OK) {
    return SqliteError(db, "preparing the index's statements");
  }
  return index;
}

SearchIndex::~SearchIndex() {
  sqlite3_finalize(insert_);
  sqlite3_finalize(remove_);
  sqlite3_close(db_);
}

absl::Status SearchIndex::Step(sqlite3_stmt* stmt, std::string_view doing) {
  const int rc = sqlite3_step(stmt);
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  if (rc != SQLITE_DONE) return SqliteError(db_, doing);
  return absl::OkStatus();
}

absl::Status SearchIndex::Exec(const char* sql) {
  if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
    return SqliteError(db_, sql);
  }
  return absl::OkStatus();
}

absl::Status SearchIndex::Begin() { return Exec("BEGIN"); }
absl::Status SearchIndex::Commit() { return Exec("COMMIT"); }

absl::Status SearchIndex::Put(const SearchDoc& doc) {
  if (auto s = Remove(doc.name); !s.ok()) return s;
  BindText(insert_, 1, doc.title);
  BindText(insert_, 2, doc.text);
  BindText(insert_, 3, doc.name);
  BindText(insert_, 4, doc.kind);
  BindText(insert_, 5, doc.author);
  sqlite3_bind_int64(insert_, 6, doc.visibility);
  sqlite3_bind_int64(insert_, 7, doc.create_seconds);
  sqlite3_bind_int64(insert_, 8, doc.create_nanos);
  if (auto s = Step(insert_, "adding a record"); !s.ok()) return s;
  rows_[doc.name] = sqlite3_last_insert_rowid(db_);
  return absl::OkStatus();
}

absl::Status SearchIndex::Remove(const std::string& name) {
  auto it = rows_.find(name);
  if (it == rows_.end()) return absl::OkStatus();
  sqlite3_bind_int64(remove_, 1, it->second);
  if (auto s = Step(remove_, "removing a record"); !s.ok()) return s;
  rows_.erase(it);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<SearchIndex::Hit>> SearchIndex::Query(
    const std::string& query, const std::vector<std::string>& kinds, int offset, int limit) {
  auto fts = FtsQueryOf(query);
  if (!fts.ok()) return fts.status();
  std::string sql =
      "SELECT name, kind, author, visibility, create_s, create_ns, title, "
      "snippet(docs, -1, char(2), char(3), '…', 16) FROM docs WHERE docs MATCH ?1";
  if (!kinds.empty()) {
    sql += " AND kind IN (";
    for (size_t i = 0; i < kinds.size(); ++i) sql += absl::StrCat(i > 0 ? ", ?" : "?", i + 4);
    sql += ")";
  }
  sql += " ORDER BY rank LIMIT ?2 OFFSET ?3";
  Statement select(db_, sql);
  if (!select.ok()) return SqliteError(db_, "preparing the search");
  select.Text(1, *fts);
  select.Int(2, limit);
  select.Int(3, offset);
  for (size_t i = 0; i < kinds.size(); ++i) select.Text(static_cast<int>(i) + 4, kinds[i]);
  std::vector<Hit> hits;
  int rc;
  while ((rc = sqlite3_step(select.get())) == SQLITE_ROW) {
    Hit hit;
    hit.doc.name = select.ColumnText(0);
    hit.doc.kind = select.ColumnText(1);
    hit.doc.author = select.ColumnText(2);
    hit.doc.visibility = static_cast<v1::Visibility>(sqlite3_column_int(select.get(), 3));
    hit.doc.create_seconds = sqlite3_column_int64(select.get(), 4);
    hit.doc.create_nanos = sqlite3_column_int(select.get(), 5);
    hit.doc.title = select.ColumnText(6);
    hit.snippet = SnippetParts(select.ColumnText(7));
    hits.push_back(std::move(hit));
  }
  if (rc != SQLITE_DONE) {
    // What is left to fail is FTS5 not taking the query.
    return absl::InvalidArgumentError(
        absl::StrCat("query: not something to search for (", sqlite3_errmsg(db_), ")"));
  }
  return hits;
}

}  // namespace attune
