// A new goal, or a change to one's own: what, how many times per day, week
// or month, for how many of them, from when, optionally counting an
// exercise; private unless shared. A change sends only what changed.
import { useState } from "preact/hooks";
import { GoalPeriod, Visibility, type Goal } from "../../gen/attune/v1/records_pb";
import { exercises, goals } from "../api";
import { ErrorNote } from "../components/error_note";
import { ShareToggle } from "../components/share_toggle";
import { timeZone, today } from "../dates";
import { useAction, useLoad } from "../hooks";
import { PERIOD_WORD } from "../goal_words";

export function GoalForm({ partner, goal, onDone }: { partner: string; goal?: Goal; onDone: () => void }) {
  const [title, setTitle] = useState(goal?.title ?? "");
  const [times, setTimes] = useState(goal?.targetPerPeriod ?? 2);
  const [period, setPeriod] = useState<GoalPeriod>(goal?.period || GoalPeriod.WEEK);
  const [periods, setPeriods] = useState(goal?.periods ?? 4);
  const [start, setStart] = useState(goal?.startDay ?? today());
  const [exercise, setExercise] = useState(goal?.exercise ?? "");
  const wasShared = goal?.visibility === Visibility.SHARED;
  const [shared, setShared] = useState(wasShared);
  const list = useLoad(() => exercises.listExercises({}).then((r) => r.exercises));
  const save = useAction();
  const per = PERIOD_WORD[period];
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!title.trim()) return save.setError("Say what you will do, in a few words.");
    const fields = {
      title: title.trim(),
      exercise,
      targetPerPeriod: times,
      period,
      periods,
      startDay: start,
      visibility: shared ? Visibility.SHARED : Visibility.PRIVATE,
    };
    const made = await save.run(() => {
      if (!goal) return goals.createGoal({ goal: { ...fields, timeZone } });
      const paths: string[] = [];
      if (fields.title !== goal.title) paths.push("title");
      if (fields.exercise !== goal.exercise) paths.push("exercise");
      if (fields.targetPerPeriod !== goal.targetPerPeriod) paths.push("target_per_period");
      if (fields.period !== goal.period) paths.push("period");
      if (fields.periods !== goal.periods) paths.push("periods");
      if (fields.startDay !== goal.startDay) paths.push("start_day");
      if (shared !== wasShared) paths.push("visibility");
      if (paths.length === 0) return Promise.resolve(goal);
      return goals.updateGoal({ goal: { ...fields, name: goal.name }, updateMask: { paths } });
    });
    if (made) onDone();
  };
  return (
    <form class="card form" onSubmit={submit} data-testid="goal-form" aria-label={goal ? `Change “${goal.title}”` : "New goal"}>
      <label class="field">
        <span>What will you do?</span>
        <input
          type="text"
          required
          maxLength={200}
          placeholder="Reflective listening"
          value={title}
          data-testid="goal-title-input"
          onInput={(e) => setTitle(e.currentTarget.value)}
        />
      </label>
      <fieldset>
        <legend>How often, and for how long</legend>
        <div class="grid3">
          <label class="field">
            <span>Times</span>
            <input type="number" min={1} max={100} required value={times} data-testid="goal-times-input"
              onInput={(e) => setTimes(Number(e.currentTarget.value))} />
          </label>
          <label class="field">
            <span>Per</span>
            <select value={String(period)} data-testid="goal-period-input"
              onChange={(e) => setPeriod(Number(e.currentTarget.value) as GoalPeriod)}>
              <option value={String(GoalPeriod.DAY)}>day</option>
              <option value={String(GoalPeriod.WEEK)}>week</option>
              <option value={String(GoalPeriod.MONTH)}>month</option>
            </select>
          </label>
          <label class="field">
            <span>For how many {per}s</span>
            <input type="number" min={1} max={520} required value={periods} data-testid="goal-periods-input"
              onInput={(e) => setPeriods(Number(e.currentTarget.value))} />
          </label>
        </div>
        <label class="field">
          <span>Starting on</span>
          <input type="date" required value={start} data-testid="goal-start-input" onInput={(e) => setStart(e.currentTarget.value)} />
        </label>
      </fieldset>
      {(list.data?.length ?? 0) > 0 && (
        <label class="field">
          <span>Counts an exercise (optional: a finished session logs progress by itself)</span>
          <select value={exercise} data-testid="goal-exercise-input" onChange={(e) => setExercise(e.currentTarget.value)}>
            <option value="">None</option>
            {list.data?.map((x) => <option key={x.id} value={x.id}>{x.title}</option>)}
          </select>
        </label>
      )}
      <ShareToggle partner={partner} checked={shared} onChange={setShared} wasShared={wasShared} what="this goal" />
      {shared && <p class="hint">Shared goals count what both of you log.</p>}
      <ErrorNote text={save.error} />
      <div class="actions">
        <button type="submit" class="primary" disabled={save.busy} data-testid="goal-save">
          {save.busy ? "Saving…" : goal ? "Save the change" : "Add the goal"}
        </button>
        <button type="button" onClick={onDone}>Cancel</button>
      </div>
    </form>
  );
}
