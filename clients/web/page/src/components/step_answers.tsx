// The answers to a step that asks something: a few words, a choice, feelings,
// a rating. Each checks what it can before sending.
import type { MessageInitShape } from "@bufbuild/protobuf";
import { useState } from "preact/hooks";
import type { AnswerSchema, ChoiceInputStep } from "../../gen/attune/v1/exercise_pb";
import { useVocabulary } from "../hooks";
import { ErrorNote } from "./error_note";
import { FeelingsPicker, type Feeling } from "./feelings_picker";
import { RatingPicker } from "./rating_picker";

export type AnswerInit = MessageInitShape<typeof AnswerSchema>;

export function TextAnswer({ required, max, placeholder, busy, onAnswer }: { required: boolean; max: number; placeholder: string; busy: boolean; onAnswer: (a: AnswerInit) => void }) {
  const [text, setText] = useState("");
  return (
    <form onSubmit={(e) => { e.preventDefault(); onAnswer({ value: { case: "text", value: text.trim() } }); }}>
      <label class="field">
        <span>Your answer{required ? "" : " (optional)"}</span>
        <textarea rows={3} maxLength={max} required={required} placeholder={placeholder} value={text} data-testid="step-text-input"
          onInput={(e) => setText(e.currentTarget.value)} />
      </label>
      <button type="submit" class="primary" disabled={busy} data-testid="step-next">Go on</button>
    </form>
  );
}

export function ChoiceAnswer({ step, busy, onAnswer }: { step: ChoiceInputStep; busy: boolean; onAnswer: (a: AnswerInit) => void }) {
  const max = step.maxChoices || 1;
  const [keys, setKeys] = useState<string[]>([]);
  const [error, setError] = useState("");
  const many = max > 1;
  const submit = (e: Event) => {
    e.preventDefault();
    if (keys.length < step.minChoices) return setError(`Pick at least ${step.minChoices}.`);
    onAnswer({ value: { case: "choices", value: { keys } } });
  };
  return (
    <form onSubmit={submit}>
      <fieldset>
        <legend>{many ? `Pick up to ${max}` : "Pick one"}</legend>
        {step.choices.map((c) => (
          <label class="option" key={c.key}>
            <input
              type={many ? "checkbox" : "radio"}
              name="choice"
              checked={keys.includes(c.key)}
              disabled={many && keys.length >= max && !keys.includes(c.key)}
              data-testid={`choice-${c.key}`}
              onChange={(e) => {
                const on = e.currentTarget.checked;
                setKeys(many ? (on ? [...keys, c.key] : keys.filter((k) => k !== c.key)) : [c.key]);
              }}
            />{" "}
            {c.label}
          </label>
        ))}
      </fieldset>
      <ErrorNote text={error} />
      <button type="submit" class="primary" disabled={busy} data-testid="step-next">Go on</button>
    </form>
  );
}

export function EmotionAnswer({ min, max, busy, onAnswer }: { min: number; max: number; busy: boolean; onAnswer: (a: AnswerInit) => void }) {
  const families = useVocabulary();
  const [feelings, setFeelings] = useState<Feeling[]>([]);
  const [error, setError] = useState("");
  return (
    <form onSubmit={(e) => {
      e.preventDefault();
      if (feelings.length < min) return setError(`Pick at least ${min}.`);
      onAnswer({ value: { case: "emotions", value: { emotions: feelings } } });
    }}>
      <FeelingsPicker families={families} value={feelings} onChange={setFeelings} max={max} legend="Feelings" />
      <ErrorNote text={error} />
      <button type="submit" class="primary" disabled={busy} data-testid="step-next">Go on</button>
    </form>
  );
}

export function RatingAnswer({ low, high, busy, onAnswer }: { low: string; high: string; busy: boolean; onAnswer: (a: AnswerInit) => void }) {
  const [rating, setRating] = useState(0);
  return (
    <form onSubmit={(e) => { e.preventDefault(); if (rating) onAnswer({ value: { case: "rating", value: rating } }); }}>
      <RatingPicker legend="From 1 to 5" value={rating} onChange={setRating} lowLabel={low} highLabel={high} testid="step-rating" />
      <button type="submit" class="primary" disabled={busy || !rating} data-testid="step-next">Go on</button>
    </form>
  );
}
