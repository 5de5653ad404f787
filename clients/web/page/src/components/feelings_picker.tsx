// Feelings picked from the vocabulary, family by family, each with how
// strongly it is felt (1 a trace … 5 overwhelming).
import { useState } from "preact/hooks";
import type { EmotionFamily } from "../../gen/attune/v1/api_pb";

export interface Feeling {
  label: string;
  intensity: number;
}

export const INTENSITY = ["a trace", "a little", "clearly", "strongly", "overwhelming"];

interface Props {
  families: EmotionFamily[];
  value: Feeling[];
  onChange: (value: Feeling[]) => void;
  max?: number;
  legend?: string;
}

export function FeelingsPicker({ families, value, onChange, max = 10, legend = "Feelings" }: Props) {
  const chosen = new Map(value.map((f) => [f.label, f.intensity]));
  // Families holding a feeling picked before (an edit) start open; after
  // that each stays as the person leaves it.
  const [openAtFirst] = useState(() => new Set(value.map((f) => f.label)));
  const full = value.length >= max;
  const toggle = (label: string, on: boolean) =>
    onChange(on ? [...value, { label, intensity: 3 }] : value.filter((f) => f.label !== label));
  const setIntensity = (label: string, intensity: number) =>
    onChange(value.map((f) => (f.label === label ? { label, intensity } : f)));
  return (
    <fieldset class="feelings" data-testid="feelings">
      <legend>{legend}</legend>
      <p class="hint">
        Pick up to {max}. {full ? "That is the most you can pick." : ""}
      </p>
      {families.length === 0 && <p class="hint">Loading the feelings…</p>}
      {families.map((family) => (
        <details class="family" key={family.name} open={family.labels.some((l) => openAtFirst.has(l))}>
          <summary>
            <span class="family-name">{family.name}</span>
            {family.description && <span class="hint"> — {family.description}</span>}
          </summary>
          <div class="chips" role="group" aria-label={`${family.name} feelings`}>
            {family.labels.map((label) => (
              <label class="chip" key={label}>
                <input
                  type="checkbox"
                  checked={chosen.has(label)}
                  disabled={full && !chosen.has(label)}
                  data-testid={`feeling-${label}`}
                  onChange={(e) => toggle(label, (e.currentTarget as HTMLInputElement).checked)}
                />
                <span>{label}</span>
              </label>
            ))}
          </div>
        </details>
      ))}
      {value.length > 0 && (
        <ul class="chosen" aria-label="Feelings you picked">
          {value.map((f) => (
            <li key={f.label}>
              <label>
                <span>How strong is “{f.label}”?</span>
                <select
                  value={String(f.intensity)}
                  data-testid={`intensity-${f.label}`}
                  onChange={(e) =>
                    setIntensity(f.label, Number((e.currentTarget as HTMLSelectElement).value))
                  }
                >
                  {INTENSITY.map((words, i) => (
                    <option key={i} value={String(i + 1)}>
                      {i + 1} – {words}
                    </option>
                  ))}
                </select>
              </label>
              <button type="button" class="link" onClick={() => toggle(f.label, false)}>
                Remove<span class="sr-only"> {f.label}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </fieldset>
  );
}

// "anxious (4), tired (2)"
export function feelingsText(feelings: Feeling[]): string {
  return feelings.map((f) => `${f.label} (${f.intensity || 3})`).join(", ");
}
