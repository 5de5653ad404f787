// How a goal's schedule is said: "twice a week, for 4 weeks".
import { GoalPeriod, type Goal } from "../gen/attune/v1/records_pb";

export const PERIOD_WORD: Record<number, string> = {
  [GoalPeriod.DAY]: "day",
  [GoalPeriod.WEEK]: "week",
  [GoalPeriod.MONTH]: "month",
};

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

export function schedule(g: Goal): string {
  const per = PERIOD_WORD[g.period] ?? "week";
  const times = g.targetPerPeriod === 1 ? "once" : g.targetPerPeriod === 2 ? "twice" : `${g.targetPerPeriod} times`;
  return `${times} a ${per}, for ${plural(g.periods, per)}`;
}
