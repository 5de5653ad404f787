// Journal: entries newest first; read one, write one, change or delete
// one's own. Private unless "Share with …" is ticked.
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { useState } from "preact/hooks";
import { Visibility, type JournalEntry } from "../../gen/attune/v1/records_pb";
import { journal } from "../api";
import { ErrorNote } from "../components/error_note";
import { whenText } from "../dates";
import { touches, useEvents, useLoad } from "../hooks";
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
