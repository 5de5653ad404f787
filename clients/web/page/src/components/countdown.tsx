// The countdown of a timed turn: started by a button, ended early by
// another, "Time is up" said aloud to screen readers. Durations are
// multiplied by the address's timescale (tests only).
import { useEffect, useRef, useState } from "preact/hooks";
import { timescale } from "../params";

export function clockText(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

interface Props {
  seconds: number;
  // Called once the turn is over, with how many (unscaled) seconds it took.
  onDone: (elapsedSeconds: number) => void;
  busy?: boolean;
}

export function Countdown({ seconds, onDone, busy }: Props) {
  const [startedAt, setStartedAt] = useState<number | null>(null);
  const [now, setNow] = useState(Date.now());
  const [over, setOver] = useState<null | number>(null);
  const doneRef = useRef(onDone);
  doneRef.current = onDone;
  const totalMs = seconds * 1000 * timescale;

  useEffect(() => {
    if (startedAt === null || over !== null) return;
    const tick = setInterval(() => {
      const t = Date.now();
      setNow(t);
      if (t - startedAt >= totalMs) {
        clearInterval(tick);
        setOver(seconds);
      }
    }, Math.min(200, Math.max(10, totalMs / 20)));
    return () => clearInterval(tick);
  }, [startedAt, over, totalMs, seconds]);

  const left = startedAt === null ? seconds : Math.max(0, (totalMs - (now - startedAt)) / 1000 / timescale);
  const endEarly = () => {
    if (startedAt === null) return;
    const took = Math.min(seconds, Math.round((Date.now() - startedAt) / 1000 / timescale));
    setOver(took);
  };

  return (
    <div class="countdown" data-testid="countdown">
      <p class="clock" role="timer" aria-live="off" data-testid="countdown-clock">
        {clockText(over !== null ? 0 : left)}
      </p>
      <p class="sr-only" aria-live="assertive">
        {over !== null ? (over >= seconds ? "Time is up." : "Turn ended.") : ""}
      </p>
      {startedAt === null && (
        <button type="button" class="primary" data-testid="countdown-start" onClick={() => { setStartedAt(Date.now()); setNow(Date.now()); }}>
          Start the timer
        </button>
      )}
      {startedAt !== null && over === null && (
        <button type="button" data-testid="countdown-stop" onClick={endEarly}>
          End the turn early
        </button>
      )}
      {over !== null && (
        <>
          <p class="status-text" data-testid="countdown-over">
            {over >= seconds ? "Time is up." : `Turn ended after ${clockText(over)}.`}
          </p>
          <button type="button" class="primary" disabled={busy} data-testid="step-next" onClick={() => doneRef.current(over)}>
            Go on
          </button>
        </>
      )}
    </div>
  );
}
