// One check-in, readably: whose, the day, connection, high, low, feelings.
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { CheckIn } from "../../gen/attune/v1/records_pb";
import { Visibility } from "../../gen/attune/v1/records_pb";
import { dayHeading, timeText } from "../dates";
import { feelingsText } from "./feelings_picker";

export function changedNote(c: CheckIn): string {
  if (!c.createTime || !c.updateTime) return "";
  const created = timestampDate(c.createTime).getTime();
  const updated = timestampDate(c.updateTime);
  return updated.getTime() > created ? `changed at ${timeText(updated)}` : "";
}

export function CheckInCard({ c, who, testid }: { c: CheckIn; who: string; testid: string }) {
  const changed = changedNote(c);
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
