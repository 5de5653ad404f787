// The last days' check-ins (yours and what your partner shared), folded
// under Today, newest day first.
import { checkins } from "../api";
import { CheckInCard } from "../components/check_in_card";
import { ErrorNote } from "../components/error_note";
import { addDays, dayHeading, today } from "../dates";
import { touches, useEvents, useLoad } from "../hooks";
import { isMe, nameOf } from "../session";

const DAYS = 7;

export function RecentCheckIns({ partner }: { partner: string }) {
  const list = useLoad(async () => {
    const end = addDays(today(), -1);
    const r = await checkins.listCheckIns({ startDay: addDays(end, -(DAYS - 1)), endDay: end, pageSize: 100 });
    return r.checkIns;
  });
  useEvents((e) => {
    if (touches(e, "check_in", "check_in_key")) list.reload();
  });
  const days = [...new Set((list.data ?? []).map((c) => c.day))].sort().reverse();
  return (
    <details class="recent" data-testid="recent-checkins">
      <summary>The last {DAYS} days</summary>
      <ErrorNote text={list.error} />
      {list.data && days.length === 0 && <p class="muted">No check-ins in the last {DAYS} days.</p>}
      {days.map((day) => (
        <section key={day} aria-label={dayHeading(day)}>
          {(list.data ?? [])
            .filter((c) => c.day === day)
            .sort((x, y) => Number(isMe(y.author)) - Number(isMe(x.author)))
            .map((c) => (
              <CheckInCard
                key={c.name}
                c={c}
                who={isMe(c.author) ? "You" : nameOf(c.author, partner || "Your partner")}
                testid="recent-checkin"
              />
            ))}
        </section>
      ))}
    </details>
  );
}
