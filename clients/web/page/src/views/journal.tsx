// Journal: entries newest first; read one, write one, change or delete
// one's own. Private unless "Share with …" is ticked. A search box finds
// entries, check-ins and appreciations by their words (SearchService).
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { useState } from "preact/hooks";
import { Visibility, type JournalEntry } from "../../gen/attune/v1/records_pb";
import type { SearchResult } from "../../gen/attune/v1/api_pb";
import { journal, search } from "../api";
import { ErrorNote } from "../components/error_note";
import { whenText } from "../dates";
import { touches, useAction, useEvents, useLoad } from "../hooks";
import { isMe, nameOf } from "../session";
import { EntryForm } from "./journal_form";
import { EntryReader } from "./journal_entry";

const PAGE = 50;

type Mode = { kind: "list" } | { kind: "read"; name: string } | { kind: "write"; entry?: JournalEntry };

export function JournalView({ partner }: { partner: string }) {
  const [mode, setMode] = useState<Mode>({ kind: "list" });
  const [pages, setPages] = useState(1);
  const list = useLoad(async () => {
    const all: JournalEntry[] = [];
    let pageToken = "";
    let more = false;
    for (let i = 0; i < pages; i++) {
      const r = await journal.listJournalEntries({ pageSize: PAGE, pageToken });
      all.push(...r.journalEntries);
      pageToken = r.nextPageToken;
      more = pageToken !== "";
      if (!more) break;
    }
    return { entries: all, more };
  }, [pages]);
  useEvents((e) => {
    if (touches(e, "journal_entry")) list.reload();
  });

  if (mode.kind === "write") {
    return (
      <section aria-labelledby="journal-title" data-testid="view-journal">
        <h2 id="journal-title">{mode.entry ? "Change the entry" : "Write in your journal"}</h2>
        <EntryForm
          entry={mode.entry}
          partner={partner}
          onDone={(name) => {
            list.reload();
            setMode(name ? { kind: "read", name } : { kind: "list" });
          }}
        />
      </section>
    );
  }
  if (mode.kind === "read") {
    return (
      <section aria-labelledby="journal-title" data-testid="view-journal">
        <h2 id="journal-title" class="sr-only">
          Journal
        </h2>
        <EntryReader
          name={mode.name}
          partner={partner}
          onBack={() => setMode({ kind: "list" })}
          onEdit={(entry) => setMode({ kind: "write", entry })}
        />
      </section>
    );
  }
  return (
    <section aria-labelledby="journal-title" data-testid="view-journal">
      <div class="row-between">
        <h2 id="journal-title">Journal</h2>
        <button type="button" class="primary" data-testid="journal-new" onClick={() => setMode({ kind: "write" })}>
          Write an entry
        </button>
      </div>
      <SearchBox partner={partner} onOpen={(name) => setMode({ kind: "read", name })} />
      <ErrorNote text={list.error} />
      {list.data?.entries.length === 0 && (
        <p class="muted">Nothing here yet. What is on your mind?</p>
      )}
      <ul class="entries" data-testid="journal-list">
        {list.data?.entries.map((e) => (
          <li key={e.name}>
            <button
              type="button"
              class="entry-link"
              data-testid="journal-item"
              onClick={() => setMode({ kind: "read", name: e.name })}
            >
              <span class="entry-title">{e.title || firstLine(e.body)}</span>
              <span class="meta">
                {isMe(e.author) ? "You" : nameOf(e.author, partner || "Your partner")}
                {e.createTime && ` · ${whenText(timestampDate(e.createTime))}`}
                {e.visibility === Visibility.SHARED ? " · shared" : " · private"}
              </span>
            </button>
          </li>
        ))}
      </ul>
      {list.data?.more && (
        <button type="button" onClick={() => setPages(pages + 1)}>
          Show older entries
        </button>
      )}
    </section>
  );
}

function firstLine(body: string): string {
  const line = body.split("\n")[0];
  return line.length > 80 ? line.slice(0, 79) + "…" : line;
}

const KIND_WORDS: Record<string, string> = {
  journal_entry: "Journal",
  check_in: "Check-in",
  appreciation: "Appreciation",
};

// Words in what you can read: your own, and what your partner shared. A
// journal entry found opens here; check-ins and appreciations show their
// words around the match.
function SearchBox({ partner, onOpen }: { partner: string; onOpen: (name: string) => void }) {
  const [query, setQuery] = useState("");
  const [results, setResults] = useState<SearchResult[] | null>(null);
  const act = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!query.trim()) {
      setResults(null);
      return;
    }
    const r = await act.run(() => search.search({ query, pageSize: 20 }));
    if (r) setResults(r.results);
  };
  return (
    <div class="search" role="search">
      <form onSubmit={submit} class="inline-form">
        <label class="field inline-field">
          <span>Search your words</span>
          <input
            type="search"
            value={query}
            data-testid="search-input"
            placeholder="a word, walk*, or “a phrase”"
            onInput={(e) => {
              setQuery(e.currentTarget.value);
              if (!e.currentTarget.value) setResults(null);
            }}
          />
        </label>
        <button type="submit" disabled={act.busy} data-testid="search-submit">
          Search
        </button>
      </form>
      <ErrorNote text={act.error} testid="search-error" />
      {results && (
        <section aria-label="Search results" aria-live="polite">
          {results.length === 0 ? (
            <p class="muted" data-testid="search-none">Nothing holds those words.</p>
          ) : (
            <ul class="entries" data-testid="search-results">
              {results.map((r) => {
                const who = isMe(r.author) ? "You" : nameOf(r.author, partner || "Your partner");
                const when = r.createTime ? ` · ${whenText(timestampDate(r.createTime))}` : "";
                const body = (
                  <>
                    <span class="entry-title">
                      {KIND_WORDS[r.kind] ?? r.kind}
                      {r.title ? `: ${r.title}` : ""}
                    </span>
                    <span class="snippet">
                      {r.snippet.map((p, i) => (p.match ? <mark key={i}>{p.text}</mark> : <span key={i}>{p.text}</span>))}
                    </span>
                    <span class="meta">
                      {who}
                      {when}
                      {r.visibility === Visibility.SHARED ? " · shared" : " · private"}
                    </span>
                  </>
                );
                return (
                  <li key={r.name} data-testid="search-result">
                    {r.kind === "journal_entry" ? (
                      <button type="button" class="entry-link" onClick={() => onOpen(r.name)}>
                        {body}
                      </button>
                    ) : (
                      <div class="entry-link">{body}</div>
                    )}
                  </li>
                );
              })}
            </ul>
          )}
        </section>
      )}
    </div>
  );
}
