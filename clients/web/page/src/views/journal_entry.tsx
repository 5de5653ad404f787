// One journal entry, read; its author may change or delete it.
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { useState } from "preact/hooks";
import { Visibility, type JournalEntry } from "../../gen/attune/v1/records_pb";
import { journal } from "../api";
import { ErrorNote } from "../components/error_note";
import { feelingsText } from "../components/feelings_picker";
import { whenText } from "../dates";
import { touches, useAction, useEvents, useLoad } from "../hooks";
import { isMe, nameOf } from "../session";

export function EntryReader({
  name,
  partner,
  onBack,
  onEdit,
}: {
  name: string;
  partner: string;
  onBack: () => void;
  onEdit: (e: JournalEntry) => void;
}) {
  const entry = useLoad(() => journal.getJournalEntry({ name }), [name]);
  useEvents((e) => {
    if (touches(e) || (e.kind.case === "recordChanged" && e.kind.value.name === name)) entry.reload();
  });
  const del = useAction();
  const [confirming, setConfirming] = useState(false);
  const e = entry.data;
  return (
    <article class="card" data-testid="journal-entry">
      <button type="button" class="link" onClick={onBack} data-testid="journal-back">
        ← All entries
      </button>
      <ErrorNote text={entry.error} />
      {e && (
        <>
          <h3 data-testid="journal-entry-title">{e.title || "(no title)"}</h3>
          <p class="meta">
            {isMe(e.author) ? "You" : nameOf(e.author, partner || "Your partner")}
            {e.createTime && ` · ${whenText(timestampDate(e.createTime))}`}
            {" · "}
            <span data-testid="journal-entry-visibility">
              {e.visibility === Visibility.SHARED ? `shared with ${isMe(e.author) ? partner || "your partner" : "you"}` : "private"}
            </span>
          </p>
          <div class="body" data-testid="journal-entry-body">
            {e.body}
          </div>
          {e.emotions.length > 0 && <p class="muted">Feelings: {feelingsText(e.emotions)}</p>}
          {isMe(e.author) && (
            <div class="actions">
              <button type="button" data-testid="journal-edit" onClick={() => onEdit(e)}>
                Change
              </button>
              {!confirming ? (
                <button type="button" class="danger" data-testid="journal-delete" onClick={() => setConfirming(true)}>
                  Delete
                </button>
              ) : (
                <span role="group" aria-label="Delete for good?">
                  <span>Delete for good? </span>
                  <button
                    type="button"
                    class="danger"
                    data-testid="journal-delete-confirm"
                    disabled={del.busy}
                    onClick={async () => {
                      const done = await del.run(() => journal.deleteJournalEntry({ name }));
                      if (done !== undefined) onBack();
                    }}
                  >
                    Yes, delete it
                  </button>
                  <button type="button" onClick={() => setConfirming(false)}>
                    Keep it
                  </button>
                </span>
              )}
            </div>
          )}
          <ErrorNote text={del.error} />
        </>
      )}
    </article>
  );
}
