// What the whole page knows: whether attune-web and the daemon answer, the
// vault's state, who "me" is and who the partner is. Views report failed
// calls here (noteError) so that a stopped daemon or a locked vault switches
// the page to the screen that says what to do.
import { Code, ConnectError } from "@connectrpc/connect";
import type { Member, VaultStatus } from "../gen/attune/v1/api_pb";
import { space, vault } from "./api";
import { token } from "./params";
import { Store } from "./store";
import { watching } from "./watch";

export type Connection =
  | { kind: "checking" }
  | { kind: "no-token" }
  | { kind: "bad-token"; message: string }
  // The daemon, or attune-web itself, does not answer: `why` says which.
  | { kind: "down"; message: string; why: "daemon" | "gateway" | "other" }
  | { kind: "ok" };

export const connection = new Store<Connection>(token ? { kind: "checking" } : { kind: "no-token" });
export const status = new Store<VaultStatus | null>(null);
export const members = new Store<Member[]>([]);

// The partner's name when there is exactly one other person, else "".
export function partnerName(all: Member[], me: VaultStatus | null): string {
  const names = new Set<string>();
  for (const m of all) {
    if (me && m.memberId !== me.memberId && m.displayName) names.add(m.displayName);
  }
  return names.size === 1 ? [...names][0] : "";
}

// A member's name by member id; `fallback` when unknown.
export function nameOf(memberId: string, fallback = "Your partner"): string {
  for (const m of members.get()) {
    if (m.memberId === memberId && m.displayName) return m.displayName;
  }
  return fallback;
}

export function isMe(memberId: string): boolean {
  return status.get()?.memberId === memberId;
}

let refreshing: Promise<void> | null = null;
let again = false;
// Whether the last status was asked while the event stream was live (so a
// change after it comes as an event).
let statusCovered = false;

async function askStatus(): Promise<void> {
  statusCovered = watching.get();
  // Both at once: the members are a nicety here (the view that needs them
  // says why when they fail), the status decides the screen.
  const people = space.listMembers({}).then(
    (r) => r.members,
    () => null,
  );
  try {
    const s = await vault.getStatus({});
    status.set(s);
    connection.set({ kind: "ok" });
  } catch (e) {
    statusCovered = false;
    const err = ConnectError.from(e);
    if (err.code === Code.Unauthenticated) {
      connection.set({ kind: "bad-token", message: err.rawMessage });
    } else {
      connection.set({ kind: "down", message: err.rawMessage, why: whyDown(err) });
    }
    return;
  }
  const m = await people;
  if (m) members.set(m);
}

// The event stream is live again (or for the first time): asks for the
// status again only when the last answer may have missed a change.
export function statusAfterLive(): void {
  if (!statusCovered) void refreshStatus();
}

// Asks the daemon for the vault's state (and the members), and sets the
// connection from the answer. One call at a time; asked again while one is
// under way, it asks once more after it (what changed meanwhile counts).
export function refreshStatus(): Promise<void> {
  if (!token) return Promise.resolve();
  if (refreshing) {
    again = true;
    return refreshing;
  }
  refreshing = (async () => {
    do {
      again = false;
      await askStatus();
    } while (again);
    refreshing = null;
  })();
  return refreshing;
}

// A call that never got an HTTP answer (attune-web stopped: fetch failed)
// comes as a ConnectError caused by the browser's TypeError.
function unreachable(err: ConnectError): boolean {
  return err.cause instanceof TypeError || /failed to fetch|networkerror|load failed/i.test(err.rawMessage);
}

function whyDown(err: ConnectError): "daemon" | "gateway" | "other" {
  if (unreachable(err)) return "gateway";
  return err.code === Code.Unavailable ? "daemon" : "other";
}

// Codes that say something about the request or the record, not about
// whether attune-web and the daemon are there.
const ANSWERS = new Set([
  Code.InvalidArgument,
  Code.NotFound,
  Code.AlreadyExists,
  Code.PermissionDenied,
  Code.Aborted,
  Code.OutOfRange,
  Code.ResourceExhausted,
  Code.DataLoss,
  Code.Canceled,
]);

const LOCK_WORDS = /locked|not initiali[sz]ed|attune init|attune unlock/i;

// Called with every failed call's error: re-checks the daemon and the vault
// when the error says they may have changed (unavailable, unauthenticated,
// no answer at all, an internal error, or a refusal because of the lock).
export function noteError(e: unknown): void {
  const err = ConnectError.from(e);
  if (err.code === Code.FailedPrecondition) {
    if (LOCK_WORDS.test(err.rawMessage)) void refreshStatus();
  } else if (!ANSWERS.has(err.code)) {
    void refreshStatus();
  }
}

// The words to show for a failed call: the daemon's message, made a
// sentence.
export function messageOf(e: unknown): string {
  const err = ConnectError.from(e);
  if (unreachable(err)) return "attune-web does not answer. Is it still running?";
  let text = err.rawMessage || "Something went wrong.";
  // "vault is locked" -> "Vault is locked."; a field path ("answer.text: …")
  // keeps its case.
  if (/^[a-z]+(\s|$)/.test(text)) text = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(text) ? text : text + ".";
}

export function codeOf(e: unknown): Code {
  return ConnectError.from(e).code;
}
