// A rating from 1 to 5 as five radio buttons in a fieldset.
import { useId } from "preact/hooks";

interface Props {
  legend: string;
  value: number;
  onChange: (value: number) => void;
  lowLabel: string;
  highLabel: string;
  testid?: string;
}

export function RatingPicker({ legend, value, onChange, lowLabel, highLabel, testid = "rating" }: Props) {
  const name = useId();
  return (
    <fieldset class="rating" data-testid={testid}>
      <legend>{legend}</legend>
      <div class="rating-row">
        {[1, 2, 3, 4, 5].map((n) => (
          <label key={n} class="rating-option">
            <input
              type="radio"
              name={name}
              value={String(n)}
              checked={value === n}
              required
              data-testid={`${testid}-${n}`}
              onChange={() => onChange(n)}
            />
            <span>
              {n}
              {n === 1 && <span class="hint"> {lowLabel}</span>}
              {n === 5 && <span class="hint"> {highLabel}</span>}
            </span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}
