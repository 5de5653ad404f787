// One exercise session under way: each step shown as its kind asks (a
// prompt, roles, a timed turn with its countdown, a question), the answer
// sent, the next step shown; a refused answer leaves the step as it was; a
// last answer that would replace today's check-in asks first.
import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { useEffect, useRef, useState } from "preact/hooks";
import type { AnswerStepRequestSchema, LiveSession } from "../../gen/attune/v1/api_pb";
import { Person, type Step } from "../../gen/attune/v1/exercise_pb";
import { exercises } from "../api";
import { clockText, Countdown } from "../components/countdown";
import { ErrorNote } from "../components/error_note";
import {
  ChoiceAnswer,
  EmotionAnswer,
  RatingAnswer,
  TextAnswer,
  type AnswerInit,
} from "../components/step_answers";
import { dayHeading } from "../dates";
import { codeOf, messageOf, noteError } from "../session";

const KEPT_WORDS: Record<string, string> = {
  checkIns: "a check-in",
  journalEntries: "a journal entry",
  appreciations: "an appreciation",
  pluginRecords: "the exercise's notes",
  goals: "a goal",
};

function personName(p: Person, s: LiveSession): string {
  if (p === Person.FIRST) return s.firstName;
  if (p === Person.SECOND) return s.secondName;
  if (p === Person.BOTH) return `${s.firstName} and ${s.secondName}`;
  return "";
}

export function SessionRunner({ initial, onClose }: { initial: LiveSession; onClose: () => void }) {
  const [session, setSession] = useState(initial);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const [replaceAsk, setReplaceAsk] = useState<{ day: string; answer: AnswerInit } | null>(null);
  const [abandoned, setAbandoned] = useState(false);

  const send = async (answer: AnswerInit, replaceCheckIn = false) => {
    const step = session.step;
    if (!step) return;
    setBusy(true);
    setError("");
    try {
      const request: MessageInitShape<typeof AnswerStepRequestSchema> = {
        session: session.name,
        stepKey: step.key,
        answer,
        replaceCheckIn,
      };
      const next = await exercises.answerStep(request);
      setReplaceAsk(null);
      setSession(next);
    } catch (err) {
      noteError(err);
      const text = messageOf(err);
      const m = /^You have checked in for (\d{4}-\d{2}-\d{2})/i.exec(text);
      if (codeOf(err) === Code.FailedPrecondition && m && !replaceCheckIn) {
        setReplaceAsk({ day: m[1], answer });
      } else {
        setError(text);
        if (codeOf(err) === Code.NotFound || codeOf(err) === Code.Aborted) setAbandoned(true);
      }
    } finally {
      setBusy(false);
    }
  };

  const abandon = async () => {
    setBusy(true);
    try {
      await exercises.abandonSession({ session: session.name });
    } catch (err) {
      noteError(err);
    } finally {
      setBusy(false);
      onClose();
    }
  };

  if (session.finished) {
    const r = session.record;
    const kept = (r?.records ?? []).map((n) => KEPT_WORDS[n.split("/")[0]] ?? n.split("/")[0]);
    return (
      <div class="card" data-testid="exercise-finished" role="status">
        <h3>Done: {r?.title ?? session.title}</h3>
        {r?.summary && <p data-testid="exercise-summary">{r.summary}</p>}
        {kept.length > 0 && <p class="muted">Kept: {kept.join(", ")}</p>}
        {(r?.goals.length ?? 0) > 0 && <p class="muted">Counted toward {r?.goals.length === 1 ? "a goal" : `${r?.goals.length} goals`}.</p>}
        <button type="button" class="primary" data-testid="exercise-close" onClick={onClose}>Back to exercises</button>
      </div>
    );
  }
  if (abandoned) {
    return (
      <div class="card">
        <ErrorNote text={error} />
        <button type="button" class="primary" onClick={onClose}>Back to exercises</button>
      </div>
    );
  }
  const step = session.step;
  return (
    <div class="runner" data-testid="exercise-runner">
      {step && (
        <StepView
          key={`${session.stepNumber}-${step.key}`}
          step={step}
          session={session}
          busy={busy}
          onAnswer={(a) => void send(a)}
        />
      )}
      {replaceAsk && (
        <div class="card warn-box" role="alertdialog" aria-labelledby="replace-q" data-testid="exercise-replace-ask">
          <p id="replace-q">You have checked in for {dayHeading(replaceAsk.day)} already. Replace it with this one?</p>
          <div class="actions">
            <button type="button" class="primary" disabled={busy} data-testid="exercise-replace-yes"
              onClick={() => void send(replaceAsk.answer, true)}>Replace it</button>
            <button type="button" disabled={busy} data-testid="exercise-replace-no" onClick={() => void abandon()}>
              Keep mine, and stop here
            </button>
          </div>
        </div>
      )}
      <ErrorNote text={error} testid="step-error" />
      <div class="actions end">
        <button type="button" class="danger" disabled={busy} data-testid="exercise-abandon" onClick={() => void abandon()}>
          Stop, and keep nothing
        </button>
      </div>
    </div>
  );
}

function StepView({
  step,
  session,
  busy,
  onAnswer,
}: {
  step: Step;
  session: LiveSession;
  busy: boolean;
  onAnswer: (a: AnswerInit) => void;
}) {
  const who = personName(step.who, session);
  const kind = step.kind;
  const headingId = `step-${session.stepNumber}`;
  const heading = useRef<HTMLHeadingElement>(null);
  // A new step: move focus to its heading, so keyboard and screen reader
  // users start there.
  useEffect(() => {
    if (session.stepNumber > 1) heading.current?.focus();
  }, []);
  const next = (label = "Go on") => (
    <button type="button" class="primary" disabled={busy} data-testid="step-next" onClick={() => onAnswer({ value: { case: "done", value: true } })}>
      {label}
    </button>
  );
  let body;
  switch (kind.case) {
    case "prompt":
      body = (
        <>
          {kind.value.sayAloud && <p class="hint">Say it aloud{who ? `, ${who}` : ""}.</p>}
          {next()}
        </>
      );
      break;
    case "roleSwitch":
      body = (
        <>
          <Roles speaker={personName(kind.value.speaker, session)} listener={personName(kind.value.listener, session)} now />
          {next()}
        </>
      );
      break;
    case "timedTurn":
      body = (
        <>
          <Roles speaker={personName(kind.value.speaker, session)} listener={personName(kind.value.listener, session)} />
          <p class="muted">{clockText(kind.value.seconds)} for this turn.</p>
          <Countdown seconds={kind.value.seconds} busy={busy}
            onDone={(took) => onAnswer({ value: { case: "done", value: true }, elapsedSeconds: took })} />
        </>
      );
      break;
    case "textInput":
      body = <TextAnswer required={kind.value.required} max={kind.value.maxChars || 2000} placeholder={kind.value.placeholder} busy={busy} onAnswer={onAnswer} />;
      break;
    case "choiceInput":
      body = <ChoiceAnswer step={kind.value} busy={busy} onAnswer={onAnswer} />;
      break;
    case "emotionInput":
      body = <EmotionAnswer min={kind.value.minLabels} max={kind.value.maxLabels || 3} busy={busy} onAnswer={onAnswer} />;
      break;
    case "ratingInput":
      body = <RatingAnswer low={kind.value.lowLabel || "low"} high={kind.value.highLabel || "high"} busy={busy} onAnswer={onAnswer} />;
      break;
    default:
      body = next();
  }
  return (
    <article class="card step" aria-labelledby={headingId} data-testid="step" data-step-key={step.key} data-step-kind={kind.case ?? ""}>
      <p class="meta">Step {session.stepNumber}{who && kind.case !== "timedTurn" && kind.case !== "roleSwitch" ? ` · for ${who}` : ""}</p>
      <h3 id={headingId} ref={heading} tabIndex={-1} data-testid="step-title">{step.title}</h3>
      {step.text && <p class="step-text" data-testid="step-text">{step.text}</p>}
      {body}
    </article>
  );
}

function Roles({ speaker, listener, now }: { speaker: string; listener: string; now?: boolean }) {
  return (
    <div class="roles" data-testid="roles">
      <p class="role speaker" data-testid="role-speaker">
        <span class="role-name">{now ? "Now speaking" : "Speaking"}</span> {speaker || "—"}
      </p>
      {listener && (
        <p class="role listener" data-testid="role-listener">
          <span class="role-name">Listening</span> {listener}
          <span class="hint"> — without interrupting</span>
        </p>
      )}
    </div>
  );
}
