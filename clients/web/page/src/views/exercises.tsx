// Exercises: pick one, choose its options and whether to share what it
// leaves, then run it (exercise_session.tsx). Finished sessions are listed
// below.
import { useState } from "preact/hooks";
import type { LiveSession } from "../../gen/attune/v1/api_pb";
import { ExerciseMode, type Exercise } from "../../gen/attune/v1/exercise_pb";
import { Visibility } from "../../gen/attune/v1/records_pb";
import { exercises } from "../api";
import { ErrorNote } from "../components/error_note";
import { ShareToggle } from "../components/share_toggle";
import { dayHeading } from "../dates";
import { touches, useEvents, useLoad } from "../hooks";
import { messageOf, noteError } from "../session";
import { SessionRunner } from "./exercise_session";

export function ExercisesView({ partner }: { partner: string }) {
  const list = useLoad(() => exercises.listExercises({}).then((r) => r.exercises));
  const [chosen, setChosen] = useState<Exercise | null>(null);
  const [session, setSession] = useState<LiveSession | null>(null);

  if (session) {
    return (
      <section aria-labelledby="ex-title" data-testid="view-exercises">
        <h2 id="ex-title">{session.title}</h2>
        <SessionRunner initial={session} onClose={() => { setSession(null); setChosen(null); }} />
      </section>
    );
  }
  if (chosen) {
    return (
      <section aria-labelledby="ex-title" data-testid="view-exercises">
        <h2 id="ex-title">{chosen.title}</h2>
        <StartForm exercise={chosen} partner={partner} onStarted={setSession} onCancel={() => setChosen(null)} />
      </section>
    );
  }
  return (
    <section aria-labelledby="ex-title" data-testid="view-exercises">
      <h2 id="ex-title">Exercises</h2>
      <p class="muted">Short practices, alone or together at one screen.</p>
      <ErrorNote text={list.error} />
      {list.data?.length === 0 && <p class="muted">No exercises are installed (see attune plugin list).</p>}
      <ul class="cards" data-testid="exercise-list">
        {list.data?.map((x) => (
          <li key={x.id} class="card" data-testid={`exercise-${x.id}`}>
            <h3>{x.title}</h3>
            <p class="meta">
              about {x.minutes} min · {x.mode === ExerciseMode.PAIR ? "together" : "alone"}
            </p>
            <p>{x.summary}</p>
            <button type="button" class="primary" data-testid="exercise-choose" onClick={() => setChosen(x)}>
              Start<span class="sr-only"> {x.title}</span>
            </button>
          </li>
        ))}
      </ul>
      <PastSessions />
    </section>
  );
}

function StartForm({
  exercise,
  partner,
  onStarted,
  onCancel,
}: {
  exercise: Exercise;
  partner: string;
  onStarted: (s: LiveSession) => void;
  onCancel: () => void;
}) {
  const [partnerName, setPartnerName] = useState(partner);
  const [options, setOptions] = useState<Record<string, string>>(
    Object.fromEntries(exercise.options.map((o) => [o.key, o.defaultValue])),
  );
  const [shared, setShared] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const pair = exercise.mode === ExerciseMode.PAIR;
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError("");
    try {
      onStarted(
        await exercises.startSession({
          exercise: exercise.id,
          partnerName: partnerName.trim(),
          options,
          visibility: shared ? Visibility.SHARED : Visibility.PRIVATE,
        }),
      );
    } catch (err) {
      noteError(err);
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card form" onSubmit={submit} data-testid="exercise-start-form">
      <p>{exercise.summary}</p>
      {pair && (
        <label class="field">
          <span>Your partner's name, as the steps call them</span>
          <input type="text" maxLength={64} value={partnerName} placeholder="your partner" data-testid="exercise-partner-input"
            onInput={(e) => setPartnerName(e.currentTarget.value)} />
        </label>
      )}
      {exercise.options.map((o) => (
        <label class="field" key={o.key}>
          <span>
            {o.description || o.key}
            {o.kind.case === "integer" && o.kind.value.unit ? ` (${o.kind.value.unit})` : ""}
          </span>
          {o.kind.case === "choice" ? (
            <select value={options[o.key]} data-testid={`option-${o.key}`}
              onChange={(e) => setOptions({ ...options, [o.key]: e.currentTarget.value })}>
              {o.kind.value.values.map((v) => <option key={v} value={v}>{v.replace(/_/g, " ")}</option>)}
            </select>
          ) : o.kind.case === "integer" ? (
            <input type="number" min={o.kind.value.min} max={o.kind.value.max} required value={options[o.key]} data-testid={`option-${o.key}`}
              onInput={(e) => setOptions({ ...options, [o.key]: e.currentTarget.value })} />
          ) : (
            <input type="text" maxLength={64} value={options[o.key]} data-testid={`option-${o.key}`}
              onInput={(e) => setOptions({ ...options, [o.key]: e.currentTarget.value })} />
          )}
        </label>
      ))}
      <ShareToggle partner={partner} checked={shared} onChange={setShared} what="what this session leaves (answers included)" />
      <ErrorNote text={error} />
      <div class="actions">
        <button type="submit" class="primary" disabled={busy} data-testid="exercise-start">
          {busy ? "Starting…" : "Begin"}
        </button>
        <button type="button" onClick={onCancel}>Back</button>
      </div>
    </form>
  );
}

function PastSessions() {
  const list = useLoad(() => exercises.listExerciseSessions({ pageSize: 20 }).then((r) => r.sessions));
  useEvents((e) => {
    if (touches(e, "exercise_session")) list.reload();
  });
  if (!list.data?.length) return null;
  return (
    <section aria-labelledby="past-title">
      <h2 id="past-title">Done before</h2>
      <ul class="entries" data-testid="exercise-sessions">
        {list.data.map((s) => (
          <li key={s.name} class="card">
            <strong>{s.title}</strong> <span class="muted">· {dayHeading(s.day)} · {s.participants.join(" & ")}</span>
            {s.summary && <p>{s.summary}</p>}
          </li>
        ))}
      </ul>
    </section>
  );
}
