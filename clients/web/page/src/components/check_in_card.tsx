// One check-in, readably: whose, the day, connection, high, low, feelings.
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { CheckIn } from "../../gen/attune/v1/records_pb";
import { Reveal, Visibility } from "../../gen/attune/v1/records_pb";
import { dayHeading, timeText } from "../dates";
import { feelingsText } from "./feelings_picker";

export function changedNote(c: CheckIn): string {
  if (!c.createTime || !c.updateTime) return "";
  const created = timestampDate(c.createTime).getTime();
  const updated = timestampDate(c.updateTime);
  return updated.getTime() > created ? `changed at ${timeText(updated)}` : "";
}

// Reveal together: why a partner's check-in is still sealed, or "" when
// its words are open.
export function sealedNote(c: CheckIn, who: string): string {
  switch (c.reveal) {
    case Reveal.WAITING_FOR_YOURS:
      return `${who} checked in. Write yours for this day to see it.`;
    case Reveal.YOURS_IS_PRIVATE:
      return `${who} checked in. Yours for this day is private: share it to see theirs.`;
    case Reveal.WAITING_FOR_AUTHOR:
      return `${who} checked in. It opens when one of ${who}'s devices has seen yours.`;
    default:
      return "";
  }
}

export function CheckInCard({ c, who, testid }: { c: CheckIn; who: string; testid: string }) {
  const changed = changedNote(c);
  const sealed = sealedNote(c, who);
  if (sealed) {
    return (
      <article
        class="card checkin sealed"
        data-testid={testid}
        aria-label={`${who}, ${dayHeading(c.day)}`}
      >
        <header>
          <h3>
            {who} <span class="muted">· {dayHeading(c.day)}</span>
          </h3>
        </header>
        <p data-testid="checkin-sealed">{sealed}</p>
      </article>
    );
  }
  return (
    <article class="card checkin" data-testid={testid} aria-label={`${who}, ${dayHeading(c.day)}`}>
      <header>
        <h3>
          {who} <span class="muted">· {dayHeading(c.day)}</span>
        </h3>
        <p class="meta">
          <span data-testid="checkin-rating">Connection {c.connectionRating} of 5</span>
          {c.visibility !== Visibility.SHARED && <span class="badge">private</span>}
          {changed && <span class="muted"> ({changed})</span>}
        </p>
      </header>
      <dl>
        <dt>High</dt>
        <dd data-testid="checkin-high">{c.high}</dd>
        <dt>Low</dt>
        <dd data-testid="checkin-low">{c.low}</dd>
        {c.emotions.length > 0 && (
          <>
            <dt>Feelings</dt>
            <dd data-testid="checkin-feelings">{feelingsText(c.emotions)}</dd>
          </>
        )}
        {c.note && (
          <>
            <dt>Note</dt>
            <dd data-testid="checkin-note">{c.note}</dd>
          </>
        )}
      </dl>
    </article>
  );
}
