// Days as the daemon names them ("YYYY-MM-DD"), in this machine's zone.

export const timeZone: string = Intl.DateTimeFormat().resolvedOptions().timeZone || "";

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

export function dayOf(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

export function today(): string {
  return dayOf(new Date());
}

// The Date at local noon of a "YYYY-MM-DD" day (noon: safe across DST).
export function parseDay(day: string): Date {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(y, (m ?? 1) - 1, d ?? 1, 12);
}

export function addDays(day: string, n: number): string {
  const date = parseDay(day);
  date.setDate(date.getDate() + n);
  return dayOf(date);
}

// The Monday of the week the day lies in.
export function weekStart(day: string): string {
  const date = parseDay(day);
  const back = (date.getDay() + 6) % 7;
  date.setDate(date.getDate() - back);
  return dayOf(date);
}

// "Thu 3 Dec" (with the year when it is not this year's).
export function dayHeading(day: string): string {
  const date = parseDay(day);
  const sameYear = date.getFullYear() === new Date().getFullYear();
  return date.toLocaleDateString(undefined, {
    weekday: "short",
    day: "numeric",
    month: "short",
    ...(sameYear ? {} : { year: "numeric" }),
  });
}

export function timeText(date: Date): string {
  return date.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
}

export function whenText(date: Date): string {
  return `${dayHeading(dayOf(date))}, ${timeText(date)}`;
}

export function ago(ms: number): string {
  if (ms === 0) return "never";
  const s = (Date.now() - ms) / 1000;
  if (s < 60) return "just now";
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 48 * 3600) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} days ago`;
}
