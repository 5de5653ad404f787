// Goals: measurable practices ("reflective listening, 2 times a week, for
// 4 weeks"), progress logged by either partner, each period and the streak
// shown as a chart (GetGoalStatus).
import { useState } from "preact/hooks";
import { GoalStatus_Period_When, GoalStatus_State } from "../../gen/attune/v1/api_pb";
import { Visibility, type Goal } from "../../gen/attune/v1/records_pb";
import { goals } from "../api";
import { ErrorNote } from "../components/error_note";
import { GoalChart } from "../components/goal_chart";
import { dayHeading } from "../dates";
import { touches, useAction, useEvents, useLoad } from "../hooks";
import { isMe, nameOf } from "../session";
import { PERIOD_WORD, plural, schedule } from "../goal_words";
import { GoalForm } from "./goal_form";

const STATE_TEXT: Record<number, string> = {
  [GoalStatus_State.NOT_STARTED]: "Not started yet",
  [GoalStatus_State.ACTIVE]: "Under way",
  [GoalStatus_State.DONE]: "Done: every period met",
  [GoalStatus_State.MISSED]: "Over; some periods fell short",
  [GoalStatus_State.ARCHIVED]: "Archived",
};

export function GoalsView({ partner }: { partner: string }) {
  const [adding, setAdding] = useState(false);
  const [archived, setArchived] = useState(false);
  const list = useLoad(async () => {
    const all: Goal[] = [];
    let pageToken = "";
    do {
      const r = await goals.listGoals({ includeArchived: archived, pageSize: 1000, pageToken });
      all.push(...r.goals);
      pageToken = r.nextPageToken;
    } while (pageToken);
    return all;
  }, [archived]);
  useEvents((e) => {
    if (touches(e, "goal")) list.reload();
  });
  return (
    <section aria-labelledby="goals-title" data-testid="view-goals">
      <div class="row-between">
        <h2 id="goals-title">Goals</h2>
        {!adding && (
          <button type="button" class="primary" data-testid="goal-new" onClick={() => setAdding(true)}>
            New goal
          </button>
        )}
      </div>
      {adding && <GoalForm partner={partner} onDone={() => { setAdding(false); list.reload(); }} />}
      <ErrorNote text={list.error} />
      {list.data?.length === 0 && !adding && (
        <p class="muted">No goals yet. Pick one small practice you both want to keep, and how often.</p>
      )}
      <div class="stack" data-testid="goal-list">
        {list.data?.map((g) => <GoalCard key={g.name} goal={g} partner={partner} />)}
      </div>
      <label class="inline">
        <input type="checkbox" checked={archived} onChange={(e) => setArchived(e.currentTarget.checked)} /> Show archived goals too
      </label>
    </section>
  );
}

function GoalCard({ goal, partner }: { goal: Goal; partner: string }) {
  const st = useLoad(() => goals.getGoalStatus({ name: goal.name }), [goal.name, goal.updateTime?.seconds]);
  useEvents((e) => {
    if (touches(e, "goal_progress") || (e.kind.case === "recordChanged" && e.kind.value.name === goal.name)) st.reload();
  });
  const act = useAction();
  const [note, setNote] = useState("");
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [editing, setEditing] = useState(false);
  const mine = isMe(goal.author);
  const s = st.data;
  const current = s?.periods.find((p) => p.when === GoalStatus_Period_When.CURRENT);
  const per = PERIOD_WORD[goal.period] ?? "week";
  const headingId = `goal-${goal.name.replace(/\W/g, "-")}`;

  const log = async (e: Event) => {
    e.preventDefault();
    const done = await act.run(() => goals.logProgress({ parent: goal.name, progress: { note: note.trim() } }));
    if (done) {
      setNote("");
      st.reload();
    }
  };

  return (
    <article class="card goal" aria-labelledby={headingId} data-testid="goal-card">
      <header>
        <h3 id={headingId}>{goal.title}</h3>
        <p class="meta">
          {schedule(goal)} · from {dayHeading(goal.startDay)}
          {goal.exercise && ` · counts “${goal.exercise}”`}
          {" · "}
          {goal.visibility === Visibility.SHARED ? "shared" : "private"}
          {!mine && ` · ${nameOf(goal.author, partner || "your partner")}'s goal`}
        </p>
      </header>
      <ErrorNote text={st.error} />
      {s && (
        <>
          <p data-testid="goal-summary">
            <strong>{STATE_TEXT[s.state] ?? ""}</strong>
            {current && (
              <>
                {" · "}
                <span data-testid="goal-current">
                  this {per}: {current.count} of {current.target}
                </span>
              </>
            )}
            {" · "}
            <span data-testid="goal-streak">streak: {plural(s.currentStreak, per)}</span>
            {" · "}
            {s.onTrack ? "on track" : "behind"}
          </p>
          {current && s.contributions.length > 1 && (
            <p class="muted" data-testid="goal-contributions">
              {s.contributions.map((c) => `${c.displayName || "partner"} ${c.count}`).join(", ")} of {current.target}
            </p>
          )}
          <GoalChart status={s} per={per} />
        </>
      )}
      {s && s.state === GoalStatus_State.NOT_STARTED && (
        <p class="muted">It starts on {dayHeading(goal.startDay)}; log it from then on.</p>
      )}
      {s && current && s.state !== GoalStatus_State.ARCHIVED && (
        <form class="log" onSubmit={log}>
          <label class="field">
            <span>A note on how it went (optional)</span>
            <input type="text" maxLength={2000} value={note} data-testid="goal-note-input" onInput={(e) => setNote(e.currentTarget.value)} />
          </label>
          <div class="actions">
            <button type="submit" class="primary" disabled={act.busy} data-testid="goal-log">
              Done today
            </button>
            <button
              type="button"
              disabled={act.busy}
              data-testid="goal-undo"
              onClick={async () => {
                if (await act.run(() => goals.undoProgress({ parent: goal.name, name: "" }))) st.reload();
              }}
            >
              Undo my last one
            </button>
          </div>
        </form>
      )}
      {editing && <GoalForm partner={partner} goal={goal} onDone={() => setEditing(false)} />}
      {mine && !editing && (
        <div class="actions">
          <button type="button" data-testid="goal-edit" onClick={() => setEditing(true)}>
            Change
          </button>
          <button type="button" disabled={act.busy} data-testid="goal-archive"
            onClick={() => act.run(() => goals.archiveGoal({ name: goal.name, archived: !goal.archived }))}>
            {goal.archived ? "Bring it back" : "Archive"}
          </button>
          {!confirmDelete ? (
            <button type="button" class="danger" data-testid="goal-delete" onClick={() => setConfirmDelete(true)}>
              Delete
            </button>
          ) : (
            <span role="group" aria-label="Delete this goal for good?">
              Delete for good?{" "}
              <button type="button" class="danger" data-testid="goal-delete-confirm"
                onClick={() => act.run(() => goals.deleteGoal({ name: goal.name }))}>
                Yes, delete it
              </button>{" "}
              <button type="button" onClick={() => setConfirmDelete(false)}>Keep it</button>
            </span>
          )}
        </div>
      )}
      <ErrorNote text={act.error} />
    </article>
  );
}
