// Trends: how connected each of you felt, week by week, and which families
// of feelings came up, computed from the check-ins this device may read.
import { useMemo, useState } from "preact/hooks";
import type uPlot from "uplot";
import type { CheckIn } from "../../gen/attune/v1/records_pb";
import { checkins } from "../api";
import { axis, Chart, type Colors } from "../components/chart";
import { ErrorNote } from "../components/error_note";
import { addDays, dayHeading, parseDay, today, weekStart } from "../dates";
import { touches, useEvents, useLoad, useVocabulary } from "../hooks";
import { isMe } from "../session";

const RANGES = [4, 12, 26, 52];

export function TrendsView({ partner }: { partner: string }) {
  const [weeks, setWeeks] = useState(12);
  const [whose, setWhose] = useState<"me" | "partner">("me");
  const families = useVocabulary();
  const first = addDays(weekStart(today()), -7 * (weeks - 1));
  const list = useLoad(async () => {
    const all: CheckIn[] = [];
    let pageToken = "";
    do {
      const r = await checkins.listCheckIns({ startDay: first, endDay: today(), pageSize: 1000, pageToken });
      all.push(...r.checkIns);
      pageToken = r.nextPageToken;
    } while (pageToken);
    return all;
  }, [first]);
  useEvents((e) => {
    if (touches(e, "check_in", "check_in_key")) list.reload();
  });

  const starts = useMemo(() => Array.from({ length: weeks }, (_, i) => addDays(first, 7 * i)), [first, weeks]);
  const xs = useMemo(() => starts.map((d) => parseDay(d).getTime() / 1000), [starts]);
  const partnerWord = partner || "Your partner";

  const connection = useMemo(() => {
    const sums = { me: starts.map(() => [0, 0]), them: starts.map(() => [0, 0]) };
    for (const c of list.data ?? []) {
      const i = starts.indexOf(weekStart(c.day));
      if (i < 0 || !c.connectionRating) continue;
      const bucket = isMe(c.author) ? sums.me : sums.them;
      bucket[i][0] += c.connectionRating;
      bucket[i][1] += 1;
    }
    const avg = (b: number[][]) => b.map(([s, n]) => (n ? Math.round((s / n) * 10) / 10 : null));
    return { me: avg(sums.me), them: avg(sums.them) };
  }, [list.data, starts]);

  const familyOf = useMemo(() => {
    const m = new Map<string, string>();
    for (const f of families) for (const l of f.labels) m.set(l, f.name);
    return m;
  }, [families]);

  const feelings = useMemo(() => {
    const counts = new Map<string, number[]>(families.map((f) => [f.name, starts.map(() => 0)]));
    for (const c of list.data ?? []) {
      if (isMe(c.author) !== (whose === "me")) continue;
      const i = starts.indexOf(weekStart(c.day));
      if (i < 0) continue;
      for (const e of c.emotions) {
        const row = counts.get(familyOf.get(e.label) ?? "");
        if (row) row[i] += 1;
      }
    }
    return [...counts.entries()].filter(([, row]) => row.some((n) => n > 0));
  }, [list.data, starts, whose, families, familyOf]);

  const connData = useMemo<uPlot.AlignedData>(() => [xs, connection.me, connection.them], [xs, connection]);
  const connOptions = useMemo(
    () => (width: number, c: Colors): uPlot.Options => ({
      width,
      height: 220,
      legend: { live: false },
      scales: { x: { time: true }, y: { range: [0.5, 5.5] } },
      axes: [axis(c), axis(c, { label: "connection", incrs: [1] })],
      series: [
        { label: "week of" , value: (_u, v) => (v == null ? "" : dayHeading(dateOf(v))) },
        { label: "You", stroke: c.series[0], width: 2, spanGaps: true, points: { show: true, size: 6 } },
        { label: partnerWord, stroke: c.series[1], width: 2, spanGaps: true, points: { show: true, size: 6 } },
      ],
    }),
    [partnerWord],
  );

  const feelData = useMemo<uPlot.AlignedData>(() => [xs, ...feelings.map(([, row]) => row)], [xs, feelings]);
  const feelOptions = useMemo(
    () => (width: number, c: Colors): uPlot.Options => ({
      width,
      height: 240,
      legend: { live: false },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(max, 1) + 1] } },
      axes: [axis(c), axis(c, { label: "times named", incrs: [1, 2, 5, 10, 20] })],
      series: [
        { label: "week of", value: (_u, v) => (v == null ? "" : dayHeading(dateOf(v))) },
        ...feelings.map(([name], i) => ({ label: name, stroke: c.series[i % c.series.length], width: 2, points: { show: true, size: 5 } })),
      ],
    }),
    [feelings],
  );

  const any = (list.data?.length ?? 0) > 0;
  return (
    <section aria-labelledby="trends-title" data-testid="view-trends">
      <h2 id="trends-title">Trends</h2>
      <label class="field inline-field">
        <span>Over the last</span>
        <select value={String(weeks)} data-testid="trends-weeks" onChange={(e) => setWeeks(Number(e.currentTarget.value))}>
          {RANGES.map((n) => <option key={n} value={String(n)}>{n} weeks</option>)}
        </select>
      </label>
      <ErrorNote text={list.error} />
      {list.data && !any && <p class="muted">No check-ins in these weeks yet. Trends grow from your daily check-ins.</p>}
      {any && (
        <>
          <section aria-labelledby="conn-title" class="card">
            <h3 id="conn-title">How connected you felt, week by week</h3>
            <p class="hint">The average of each week's check-ins, from 1 (distant) to 5 (very close). {partner ? `${partner}'s line shows only what ${partner} shared.` : ""}</p>
            <Chart label={`Connection by week: ${summary(starts, connection.me)} for you; ${summary(starts, connection.them)} for ${partnerWord}.`}
              data={connData} options={connOptions} testid="trends-connection-chart" />
            <WeekTable starts={starts} rows={[["You", connection.me], [partnerWord, connection.them]]} />
          </section>
          <section aria-labelledby="feel-title" class="card">
            <h3 id="feel-title">Feelings by family, week by week</h3>
            <fieldset class="inline-radios">
              <legend>Whose feelings</legend>
              <label><input type="radio" name="whose" checked={whose === "me"} data-testid="trends-whose-me" onChange={() => setWhose("me")} /> Yours</label>
              <label><input type="radio" name="whose" checked={whose === "partner"} data-testid="trends-whose-partner" onChange={() => setWhose("partner")} /> {partner ? `${partner}'s` : "Your partner's"}</label>
            </fieldset>
            {feelings.length === 0 ? (
              <p class="muted">No feelings named in these weeks.</p>
            ) : (
              <>
                <Chart label={`How often each family of feelings was named per week: ${feelings.map(([n, row]) => `${n} ${row.reduce((a, b) => a + b, 0)}`).join(", ")}.`}
                  data={feelData} options={feelOptions} testid="trends-feelings-chart" />
                <WeekTable starts={starts} rows={feelings} />
              </>
            )}
          </section>
        </>
      )}
    </section>
  );
}

function dateOf(seconds: number): string {
  const d = new Date(seconds * 1000);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

function summary(starts: string[], values: (number | null)[]): string {
  const known = values.map((v, i) => [v, starts[i]] as const).filter(([v]) => v !== null);
  if (known.length === 0) return "no check-ins";
  const [v, d] = known[known.length - 1];
  return `latest ${v} in the week of ${dayHeading(d)}`;
}

function WeekTable({ starts, rows }: { starts: string[]; rows: [string, (number | null)[]][] }) {
  return (
    <details>
      <summary>Show as a table</summary>
      <div class="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Week of</th>
              {rows.map(([name]) => <th scope="col" key={name}>{name}</th>)}
            </tr>
          </thead>
          <tbody>
            {starts.map((d, i) => (
              <tr key={d}>
                <th scope="row">{dayHeading(d)}</th>
                {rows.map(([name, row]) => <td key={name}>{row[i] ?? "–"}</td>)}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}
