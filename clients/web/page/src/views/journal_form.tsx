// Writing or changing a journal entry: private unless "Share with …" is
// ticked; a change sends only the fields that changed.
import { useState } from "preact/hooks";
import { Visibility, type JournalEntry } from "../../gen/attune/v1/records_pb";
import { journal } from "../api";
import { ErrorNote } from "../components/error_note";
import { FeelingsPicker, feelingsText, type Feeling } from "../components/feelings_picker";
import { ShareToggle } from "../components/share_toggle";
import { useAction, useVocabulary } from "../hooks";

const MAX_TITLE = 200;
const MAX_BODY_BYTES = 65536;

export function EntryForm({
  entry,
  partner,
  onDone,
}: {
  entry?: JournalEntry;
  partner: string;
  onDone: (name?: string) => void;
}) {
  const families = useVocabulary();
  const [title, setTitle] = useState(entry?.title ?? "");
  const [body, setBody] = useState(entry?.body ?? "");
  const [feelings, setFeelings] = useState<Feeling[]>(
    entry?.emotions.map((e) => ({ label: e.label, intensity: e.intensity || 3 })) ?? [],
  );
  const wasShared = entry?.visibility === Visibility.SHARED;
  const [shared, setShared] = useState(wasShared);
  const save = useAction();

  const submit = async (ev: Event) => {
    ev.preventDefault();
    if (!body.trim()) return save.setError("Write a few words first.");
    if (new TextEncoder().encode(body).length > MAX_BODY_BYTES)
      return save.setError("That is longer than an entry can be (64 KiB). Split it in two?");
    const visibility = shared ? Visibility.SHARED : Visibility.PRIVATE;
    const saved = await save.run(() => {
      const journalEntry = { name: entry?.name ?? "", title: title.trim(), body, emotions: feelings, visibility };
      if (!entry) return journal.createJournalEntry({ journalEntry });
      const paths: string[] = [];
      if (journalEntry.title !== entry.title) paths.push("title");
      if (body !== entry.body) paths.push("body");
      if (feelingsText(feelings) !== feelingsText(entry.emotions)) paths.push("emotions");
      if (visibility !== (entry.visibility === Visibility.SHARED ? Visibility.SHARED : Visibility.PRIVATE))
        paths.push("visibility");
      if (paths.length === 0) return Promise.resolve(entry);
      return journal.updateJournalEntry({ journalEntry, updateMask: { paths } });
    });
    if (saved) onDone(saved.name);
  };

  return (
    <form class="card form" onSubmit={submit} data-testid="journal-form">
      <label class="field">
        <span>Title (optional)</span>
        <input
          type="text"
          maxLength={MAX_TITLE}
          value={title}
          data-testid="journal-title-input"
          onInput={(e) => setTitle(e.currentTarget.value)}
        />
      </label>
      <label class="field">
        <span>Your entry</span>
        <textarea
          rows={10}
          required
          value={body}
          data-testid="journal-body-input"
          onInput={(e) => setBody(e.currentTarget.value)}
        />
      </label>
      <FeelingsPicker families={families} value={feelings} onChange={setFeelings} legend="Feelings it is about (optional)" />
      <ShareToggle partner={partner} checked={shared} onChange={setShared} wasShared={wasShared} what="this entry" />
      <ErrorNote text={save.error} />
      <div class="actions">
        <button type="submit" class="primary" disabled={save.busy} data-testid="journal-save">
          {save.busy ? "Saving…" : "Save"}
        </button>
        <button type="button" onClick={() => onDone(entry?.name)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
