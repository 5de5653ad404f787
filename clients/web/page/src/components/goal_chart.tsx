// A goal's periods as a uPlot chart: times done per period as bars, the
// target as a line; the numbers also as a table.
import { useMemo } from "preact/hooks";
import uPlot from "uplot";
import { GoalStatus_Period_When, type GoalStatus } from "../../gen/attune/v1/api_pb";
import { axis, Chart, type Colors } from "./chart";

export function GoalChart({ status, per }: { status: GoalStatus; per: string }) {
  const data = useMemo<uPlot.AlignedData>(() => {
    const p = status.periods;
    return [
      p.map((x) => x.index),
      p.map((x) => (x.when === GoalStatus_Period_When.FUTURE ? null : x.count)),
      p.map((x) => x.target),
    ];
  }, [status]);
  const options = useMemo(
    () =>
      (width: number, c: Colors): uPlot.Options => ({
        width,
        height: 180,
        legend: { show: true, live: false },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: false, range: (_u, min, max) => [min - 0.5, max + 0.5] }, y: { range: (_u, _min, max) => [0, Math.max(max, 1) + 1] } },
        axes: [
          axis(c, { label: per, incrs: [1, 2, 5, 10, 20, 50, 100] }),
          axis(c, { label: "times", incrs: [1, 2, 5, 10, 20, 50] }),
        ],
        series: [
          { label: per },
          {
            label: "done",
            stroke: c.series[0],
            fill: c.series[0],
            paths: uPlot.paths.bars!({ size: [0.6, 60] }),
            points: { show: false },
          },
          { label: "target", stroke: c.series[1], width: 2, dash: [6, 4], paths: uPlot.paths.stepped!({ align: 1 }), points: { show: false } },
        ],
      }),
    [per],
  );
  const met = status.periods.filter((p) => p.met).length;
  return (
    <figure class="goal-chart">
      <Chart
        label={`Times done per ${per} against the target. ${met} of ${status.periods.length} ${per}s met; ${status.totalCount} of ${status.totalTarget} in all.`}
        data={data}
        options={options}
        testid="goal-chart"
      />
      <details>
        <summary>Show as a table</summary>
        <table>
          <thead><tr><th scope="col">{per}</th><th scope="col">Days</th><th scope="col">Done</th><th scope="col">Met</th></tr></thead>
          <tbody>
            {status.periods.map((p) => (
              <tr key={p.index}>
                <th scope="row">{p.index}{p.when === GoalStatus_Period_When.CURRENT ? " (now)" : ""}</th>
                <td>{p.startDay === p.endDay ? p.startDay : `${p.startDay} – ${p.endDay}`}</td>
                <td>{p.when === GoalStatus_Period_When.FUTURE ? "–" : `${p.count} of ${p.target}`}</td>
                <td>{p.met ? "yes" : p.when === GoalStatus_Period_When.PAST ? "no" : ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
