// The page: which screen to show (no token, daemon down, init, locked, or
// the views), the navigation, and the live notices.
import { useEffect, useState } from "preact/hooks";
import { RecordChanged_Change, VaultStatus_State } from "../gen/attune/v1/api_pb";
import { Visibility } from "../gen/attune/v1/records_pb";
import { vault } from "./api";
import { prefetchVocabulary, useEvents } from "./hooks";
import { currentView, type View, viewHref, VIEWS } from "./params";
import {
  connection,
  isMe,
  members,
  nameOf,
  noteError,
  partnerName,
  refreshStatus,
  status,
  statusAfterLive,
} from "./session";
import { useStore } from "./store";
import { startWatch, watching } from "./watch";
import { BadTokenView, DaemonDownView, NoTokenView } from "./views/notices";
import { prefetchToday, TodayView } from "./views/today";
import { lazyView } from "./views/lazy";
import { InitView, UnlockView } from "./views/vault_forms";

// Today is in app.js; the other views are fetched the first time they show.
const JournalView = lazyView(() => import("./views/journal").then((m) => m.JournalView));
const GoalsView = lazyView(() => import("./views/goals").then((m) => m.GoalsView));
const ExercisesView = lazyView(() => import("./views/exercises").then((m) => m.ExercisesView));
const TrendsView = lazyView(() => import("./views/trends").then((m) => m.TrendsView));
const PartnerView = lazyView(() => import("./views/partner").then((m) => m.PartnerView));

const TITLES: Record<View, string> = {
  today: "Today",
  journal: "Journal",
  goals: "Goals",
  exercises: "Exercises",
  trends: "Trends",
  partner: "Partner & devices",
};

const RETRY_MS = 3000;

export function App() {
  const conn = useStore(connection);
  const me = useStore(status);
  const people = useStore(members);
  const [view, setView] = useState<View>(currentView());
  const [notice, setNotice] = useState("");
  const live = useStore(watching);
  // Said only when the event stream has been away a few seconds (not while
  // it first opens).
  const [stale, setStale] = useState(false);
  useEffect(() => {
    if (live) return setStale(false);
    const timer = setTimeout(() => setStale(true), 4000);
    return () => clearTimeout(timer);
  }, [live]);

  useEffect(() => {
    const onHash = () => setView(currentView());
    addEventListener("hashchange", onHash);
    if (conn.kind !== "no-token") {
      // The first calls all at once: the status decides the screen; the
      // stream, today's check-ins and the feelings are what Today shows.
      void refreshStatus();
      startWatch(noteError);
      if (currentView() === "today") prefetchToday();
      prefetchVocabulary();
    }
    return () => removeEventListener("hashchange", onHash);
  }, []);

  useEffect(() => {
    if (conn.kind !== "down") return;
    const timer = setInterval(() => void refreshStatus(), RETRY_MS);
    return () => clearInterval(timer);
  }, [conn.kind]);

  useEffect(() => {
    document.title = me?.state === VaultStatus_State.UNLOCKED ? `${TITLES[view]} · Attune` : "Attune";
  }, [view, me?.state]);

  useEvents((e) => {
    switch (e.kind.case) {
      case "vaultChanged":
        void refreshStatus();
        break;
      case "live":
        statusAfterLive();
        break;
      case "peerChanged":
        void refreshStatus();
        break;
      case "recordChanged": {
        const r = e.kind.value;
        const shared = r.visibility === Visibility.SHARED && r.change !== RecordChanged_Change.DELETED;
        if (r.fromPeer && shared && r.kind === "check_in" && !isMe(r.author) && view !== "today") {
          setNotice(`${nameOf(r.author)} shared a check-in.`);
        }
        break;
      }
    }
  });

  const partner = partnerName(people, me);
  const unlocked = conn.kind === "ok" && me?.state === VaultStatus_State.UNLOCKED;
  // Once the views have been shown they stay mounted (hidden) while the
  // daemon is away or the vault is locked, so nothing half-written is lost.
  const [shown, setShown] = useState(false);
  useEffect(() => {
    if (unlocked) setShown(true);
  }, [unlocked]);

  let door = null;
  if (conn.kind === "no-token") door = <NoTokenView />;
  else if (conn.kind === "bad-token") door = <BadTokenView message={conn.message} />;
  else if (conn.kind === "down") door = <DaemonDownView message={conn.message} why={conn.why} />;
  else if (conn.kind === "checking" || !me) door = <p class="muted" role="status">Opening Attune…</p>;
  else if (me.state === VaultStatus_State.UNINITIALIZED) door = <InitView />;
  else if (me.state !== VaultStatus_State.UNLOCKED) door = <UnlockView />;

  let body = null;
  if (unlocked || shown) {
    switch (view) {
      case "today":
        body = <TodayView partner={partner} />;
        break;
      case "journal":
        body = <JournalView partner={partner} />;
        break;
      case "goals":
        body = <GoalsView partner={partner} />;
        break;
      case "exercises":
        body = <ExercisesView partner={partner} />;
        break;
      case "trends":
        body = <TrendsView partner={partner} />;
        break;
      case "partner":
        body = <PartnerView partner={partner} />;
        break;
    }
  }

  return (
    <>
      <a
        class="skip"
        href="#main"
        onClick={(e) => {
          // The hash holds the view: move focus instead of following.
          e.preventDefault();
          document.getElementById("main")?.focus();
        }}
      >
        Skip to the content
      </a>
      <header class="top">
        <div class="brand">
          <h1>Attune</h1>
          {unlocked && me?.displayName && <span class="muted">for {me.displayName}</span>}
        </div>
        {unlocked && stale && (
          <span class="muted" role="status" data-testid="reconnecting">
            Reconnecting… changes show once it is back.
          </span>
        )}
        {unlocked && (
          <button
            type="button"
            class="link"
            data-testid="lock"
            onClick={() => vault.lock({}).then(() => refreshStatus(), noteError)}
          >
            Lock
          </button>
        )}
      </header>
      {unlocked && (
        <nav aria-label="Views" class="tabs">
          <ul>
            {VIEWS.map((v) => (
              <li key={v}>
                <a href={viewHref(v)} aria-current={v === view ? "page" : undefined} data-testid={`nav-${v}`}>
                  {TITLES[v]}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      )}
      <div aria-live="polite" class="notice-area" data-testid="notice">
        {notice && unlocked && (
          <p class="notice">
            {notice}{" "}
            <a href={viewHref("today")} onClick={() => setNotice("")}>
              See today
            </a>{" "}
            <button type="button" class="link" onClick={() => setNotice("")}>
              Dismiss
            </button>
          </p>
        )}
      </div>
      <main id="main" tabIndex={-1}>
        {door}
        {body && <div hidden={!unlocked}>{body}</div>}
      </main>
    </>
  );
}
