// SearchService and `attune search` on real daemons: a person finds their
// own words and what their partner shared, never the partner's private
// words; the index follows edits, deletions and the lock; and nothing of it
// reaches a file.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "api_helpers.h"
#include "attune/v1/api.grpc.pb.h"
#include "daemon_harness.h"
#include "sync_support.h"

namespace attune::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

grpc::Status Search(DaemonHarness& d, const std::string& query, v1::SearchResponse* out,
                    const std::vector<std::string>& kinds = {}, const std::string& token = "",
                    int page_size = 0) {
  auto stub = v1::SearchService::NewStub(d.channel());
  v1::SearchRequest request;
  request.set_query(query);
  for (const auto& k : kinds) request.add_kinds(k);
  request.set_page_token(token);
  request.set_page_size(page_size);
  auto ctx = DaemonHarness::Context(std::chrono::seconds(60));
  return stub->Search(ctx.get(), request, out);
}

// The names a search finds; the error's code and message when it fails.
std::set<std::string> Found(DaemonHarness& d, const std::string& query) {
  v1::SearchResponse found;
  grpc::Status s = Search(d, query, &found);
  if (!s.ok()) return {Describe(s)};
  std::set<std::string> names;
  for (const auto& r : found.results()) names.insert(r.name());
  return names;
}

v1::JournalEntry Write(DaemonHarness& d, const std::string& title, const std::string& body,
                       v1::Visibility visibility) {
  v1::CreateJournalEntryRequest req;
  req.mutable_journal_entry()->set_title(title);
  req.mutable_journal_entry()->set_body(body);
  req.mutable_journal_entry()->set_visibility(visibility);
  v1::JournalEntry entry;
  grpc::Status s = d.journal().CreateJournalEntry(DaemonHarness::Context().get(), req, &entry);
  EXPECT_TRUE(s.ok()) << Describe(s);
  return entry;
}

TEST(SearchIT, APersonFindsTheirOwnWordsAndWhatTheirPartnerSharedNeverTheirPrivateWords) {
  DaemonHarness alex, sam;
  ASSERT_TRUE(StartPeer(alex, "Alex"));
  ASSERT_TRUE(StartPeer(sam, "Sam"));
  CliResult joined = PairWithCli(alex, sam);
  ASSERT_EQ(joined.exit_code, 0) << joined.out;

  v1::JournalEntry shared = Write(alex, "By the lighthouse", "We walked to the lighthouse at dusk.",
                                  v1::VISIBILITY_SHARED);
  v1::JournalEntry secret =
      Write(alex, "", "The lighthouse made me think of my father.", v1::VISIBILITY_PRIVATE);
  ASSERT_OK(WriteCheckIn(sam, AddDays(UtcToday(), -1), "the lighthouse walk with Alex"));

  // Sam: the shared entry once it arrives, and Sam's own check-in.
  ASSERT_TRUE(Await([&] { return Found(sam, "lighthouse").size() == 2; }))
      << ::testing::PrintToString(Found(sam, "lighthouse"));
  std::set<std::string> on_sam = Found(sam, "lighthouse");
  EXPECT_TRUE(on_sam.count(shared.name()));
  EXPECT_FALSE(on_sam.count(secret.name()));
  EXPECT_EQ(Found(sam, "father"), std::set<std::string>{});
  // Alex: both own entries and Sam's shared check-in.
  ASSERT_TRUE(Await([&] { return Found(alex, "lighthouse").size() == 3; }))
      << ::testing::PrintToString(Found(alex, "lighthouse"));
  EXPECT_THAT(Found(alex, "father"), UnorderedElementsAre(secret.name()));

  // What a result says, and only check-ins when asked.
  v1::SearchResponse found;
  ASSERT_OK(Search(sam, "lighthouse", &found, {"check_in"}));
  ASSERT_EQ(found.results_size(), 1);
  const v1::SearchResult& c = found.results(0);
  EXPECT_EQ(c.kind(), "check_in");
  EXPECT_EQ(c.title(), AddDays(UtcToday(), -1));
  EXPECT_EQ(c.visibility(), v1::VISIBILITY_SHARED);
  std::string matched;
  for (const auto& p : c.snippet()) {
    if (p.match()) matched += p.text();
  }
  EXPECT_EQ(matched, "lighthouse");

  // Alex edits the shared entry: Sam's index follows; then Alex deletes it.
  v1::UpdateJournalEntryRequest update;
  *update.mutable_journal_entry() = shared;
  update.mutable_journal_entry()->set_body("We walked to the harbour at dusk.");
  update.mutable_journal_entry()->set_title("By the harbour");
  update.mutable_update_mask()->add_paths("body");
  update.mutable_update_mask()->add_paths("title");
  v1::JournalEntry updated;
  ASSERT_OK(alex.journal().UpdateJournalEntry(DaemonHarness::Context().get(), update, &updated));
  ASSERT_TRUE(Await([&] { return Found(sam, "harbour").count(shared.name()) == 1; }));
  EXPECT_FALSE(Found(sam, "lighthouse").count(shared.name()));
  v1::DeleteJournalEntryRequest remove;
  remove.set_name(shared.name());
  google::protobuf::Empty empty;
  ASSERT_OK(alex.journal().DeleteJournalEntry(DaemonHarness::Context().get(), remove, &empty));
  ASSERT_TRUE(Await([&] { return Found(sam, "harbour").empty(); }));

  // Through the CLI, as a person types it.
  CliResult cli = RunCli(sam, {"search", "lighthouse"});
  ASSERT_EQ(cli.exit_code, 0) << cli.out;
  EXPECT_THAT(cli.out, HasSubstr("check-in"));
  EXPECT_THAT(cli.out, HasSubstr("lighthouse walk with Alex"));
  CliResult none = RunCli(sam, {"search", "father"});
  ASSERT_EQ(none.exit_code, 0) << none.out;
  EXPECT_THAT(none.out, HasSubstr("Found nothing for father"));
  CliResult json = RunCli(sam, {"--json", "search", "light*"});
  ASSERT_EQ(json.exit_code, 0) << json.out;
  EXPECT_THAT(json.out, HasSubstr("\"kind\": \"check_in\""));
}

// Every file attuned has open, and every file under its folders and its
// TMPDIR, after it indexed and searched words no file may hold.
TEST(SearchIT, TheIndexNeverTouchesTheDiskAndIsDroppedAtLock) {
  DaemonHarness d;
  const std::string tmp = d.root() + "/tmp";
  ASSERT_EQ(::mkdir(tmp.c_str(), 0700), 0);
  ASSERT_EQ(::setenv("TMPDIR", tmp.c_str(), 1), 0);
  ASSERT_TRUE(d.Start());
  ::unsetenv("TMPDIR");
  ASSERT_OK(d.InitVault("a passphrase for search"));
  const std::string canary = "quokkacanary" + RandomHex16();
  d.NoteSecret(canary);  // the harness searches the log and the data folder
  for (int i = 0; i < 200; ++i) {
    Write(d, "entry " + std::to_string(i),
          "words and " + canary + " more words " + std::to_string(i),
          i % 2 ? v1::VISIBILITY_SHARED : v1::VISIBILITY_PRIVATE);
  }
  v1::SearchResponse found;
  ASSERT_OK(Search(d, canary, &found, {}, "", 100));
  EXPECT_EQ(found.results_size(), 100);
  ASSERT_FALSE(found.next_page_token().empty());
  v1::SearchResponse second;
  ASSERT_OK(Search(d, canary, &second, {}, found.next_page_token(), 100));
  EXPECT_EQ(second.results_size(), 100);
  EXPECT_TRUE(second.next_page_token().empty());

  // No file is open beyond the store's, the log's and the sockets.
  for (const auto& fd :
       std::filesystem::directory_iterator("/proc/" + std::to_string(d.pid()) + "/fd")) {
    std::error_code ec;
    const std::string target = std::filesystem::read_symlink(fd.path(), ec).string();
    EXPECT_EQ(target.find(tmp), std::string::npos) << target;
    EXPECT_EQ(target.find("sqlite"), std::string::npos) << target;
    EXPECT_EQ(target.find("-journal"), std::string::npos) << target;
  }
  // Nothing under the harness's folders (data, runtime, TMPDIR) holds it.
  for (const auto& entry : std::filesystem::recursive_directory_iterator(d.root())) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(bytes.find(canary), std::string::npos) << entry.path();
  }

  // Locked: no search, and the index is gone; unlocked again: all back.
  ASSERT_OK(d.Lock());
  v1::SearchResponse locked;
  grpc::Status s = Search(d, canary, &locked);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("attune unlock"));
  ASSERT_OK(d.Unlock("a passphrase for search"));
  v1::SearchResponse again;
  ASSERT_OK(Search(d, canary, &again, {}, "", 100));
  EXPECT_EQ(again.results_size(), 100);
}

// An import writes thousands of entries at once; the index follows them
// after the writes (search_indexer.h), and a search made right after still
// finds every one, never one deleted meanwhile: with the events the daemon
// keeps in memory by default (the indexer reads them as they pile up), and
// with so few that the import passes over them (it builds the index again).
void ImportThenSearch(const std::vector<std::string>& daemon_args) {
  SCOPED_TRACE(daemon_args.empty() ? "default memory" : daemon_args.back());
  DaemonHarness d;
  ASSERT_TRUE(d.Start(daemon_args));
  ASSERT_OK(d.InitVault("a passphrase for search"));
  const std::string word = "wombat" + RandomHex16();
  constexpr int kBatches = 6, kPerBatch = 500;
  std::string deleted;
  for (int b = 0; b < kBatches; ++b) {
    v1::BatchCreateJournalEntriesRequest batch;
    for (int i = 0; i < kPerBatch; ++i) {
      v1::JournalEntry* e = batch.add_requests()->mutable_journal_entry();
      e->set_title("imported " + std::to_string(b * kPerBatch + i));
      e->set_body("an old page with " + word + " on it");
      e->set_visibility(i % 2 ? v1::VISIBILITY_SHARED : v1::VISIBILITY_PRIVATE);
    }
    v1::BatchCreateJournalEntriesResponse out;
    ASSERT_OK(d.journal().BatchCreateJournalEntries(DaemonHarness::Context().get(), batch, &out));
    ASSERT_EQ(out.journal_entries_size(), kPerBatch);
    if (b == kBatches / 2) {
      v1::DeleteJournalEntryRequest del;
      del.set_name(out.journal_entries(0).name());
      google::protobuf::Empty empty;
      ASSERT_OK(d.journal().DeleteJournalEntry(DaemonHarness::Context().get(), del, &empty));
      deleted = del.name();
    }
  }
  std::set<std::string> found;
  std::string token;
  do {
    v1::SearchResponse page;
    ASSERT_OK(Search(d, word, &page, {"journal_entry"}, token, 100));
    for (const auto& r : page.results()) found.insert(r.name());
    token = page.next_page_token();
  } while (!token.empty());
  EXPECT_EQ(found.size(), static_cast<size_t>(kBatches * kPerBatch - 1));
  EXPECT_FALSE(found.contains(deleted)) << deleted;
}

TEST(SearchIT, RightAfterAnImportOfThousandsASearchFindsEveryEntryAndNotTheDeletedOne) {
  ImportThenSearch({});
  ImportThenSearch({"--live-events", "256"});
}

TEST(SearchIT, BadSearchesAreRefusedByNameAndTheDaemonGoesOn) {
  DaemonHarness d;
  ASSERT_TRUE(d.Start());
  ASSERT_OK(d.InitVault("a passphrase for search"));
  Write(d, "", "an ordinary entry", v1::VISIBILITY_PRIVATE);
  struct Case {
    std::string query;
    std::vector<std::string> kinds;
    std::string token;
    int page_size;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"", {}, "", 0, "query: say which words"},
      {"   -  ", {}, "", 0, "query: say which words"},
      {std::string(201, 'a'), {}, "", 0, "query: at most 200"},
      {"ordinary", {"goal"}, "", 0, "kinds: \"goal\""},
      {"ordinary", {}, "12.nonsense", 0, "page_token"},
      {"ordinary", {}, "", -1, "page_size"},
  };
  for (const Case& c : cases) {
    v1::SearchResponse out;
    grpc::Status s = Search(d, c.query, &out, c.kinds, c.token, c.page_size);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.says;
    EXPECT_THAT(s.error_message(), HasSubstr(c.says));
  }
  // FTS5 syntax typed by a person is words, not an error.
  for (const char* q : {"ordinary OR", "NEAR(ordinary", "body:ordinary", "\"ordinary"}) {
    v1::SearchResponse out;
    EXPECT_TRUE(Search(d, q, &out).ok()) << q;
  }
  EXPECT_EQ(Found(d, "ordinary").size(), 1u);
}

}  // namespace
}  // namespace attune::testing
