// The one way anything is shared: an explicit checkbox, off unless the
// person turns it on (or it was shared before and is being edited).
import { useId } from "preact/hooks";

interface Props {
  partner: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
  // The record is shared now (an edit): turning this off warns.
  wasShared?: boolean;
  what: string; // "this check-in"
}

export function ShareToggle({ partner, checked, onChange, wasShared, what }: Props) {
  const id = useId();
  const who = partner || "your partner";
  return (
    <div class="share">
      <input
        id={id}
        type="checkbox"
        checked={checked}
        data-testid="share-toggle"
        aria-describedby={id + "-hint"}
        onChange={(e) => onChange((e.currentTarget as HTMLInputElement).checked)}
      />
      <label for={id}>Share with {who}</label>
      <p id={id + "-hint"} class="hint">
        {checked
          ? `${who[0].toUpperCase() + who.slice(1)} will be able to read ${what}.`
          : `Private: only you can read ${what}.`}
      </p>
      {wasShared && !checked && (
        <p class="warn" role="status" data-testid="unshare-warning">
          {`${what[0].toUpperCase() + what.slice(1)} stops being shared from now on. ${
            partner || "Your partner"
          } may have read it already.`}
        </p>
      )}
    </div>
  );
}
