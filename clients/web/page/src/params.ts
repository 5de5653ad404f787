// What the address says: the token (read once, then kept in memory and in
// this tab's sessionStorage, never in cookies or localStorage), the view, and
// the test-only timescale. The hash is "#token=…&view=today&timescale=0.01";
// once read, the token is taken out of the visible address.

const TOKEN_KEY = "attune-token";

function hashParams(): URLSearchParams {
  return new URLSearchParams(location.hash.replace(/^#\/?/, ""));
}

function readToken(): string {
  const params = hashParams();
  const fromHash = params.get("token");
  if (fromHash) {
    try {
      sessionStorage.setItem(TOKEN_KEY, fromHash);
    } catch {
      // Storage may be off; the token stays in memory for this load.
    }
    params.delete("token");
    const rest = params.toString();
    history.replaceState(null, "", location.pathname + location.search + (rest ? "#" + rest : ""));
    return fromHash;
  }
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? "";
  } catch {
    return "";
  }
}

// Read at load, before anything renders.
export const token: string = readToken();

// Multiplies every countdown of an exercise; for tests only ("&timescale=0.01").
export const timescale: number = (() => {
  const value = Number(hashParams().get("timescale") ?? "1");
  return Number.isFinite(value) && value > 0 ? value : 1;
})();

export const VIEWS = ["today", "journal", "goals", "exercises", "trends", "partner"] as const;
export type View = (typeof VIEWS)[number];

export function currentView(): View {
  const view = hashParams().get("view") as View | null;
  return view && (VIEWS as readonly string[]).includes(view) ? view : "today";
}

// The hash of a view's link, keeping the other parameters.
export function viewHref(view: View): string {
  const params = hashParams();
  params.delete("token");
  params.set("view", view);
  return "#" + params.toString();
}
