// Small hooks the views share: following events, loading data, the feelings
// vocabulary.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { VaultStatus_State, type EmotionFamily, type Event } from "../gen/attune/v1/api_pb";
import { checkins } from "./api";
import { messageOf, noteError } from "./session";
import { onEvent, watching } from "./watch";

// Calls `handler` for every event, with the latest handler.
export function useEvents(handler: (event: Event) => void): void {
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => onEvent((event) => ref.current(event)), []);
}

// True for a record change of one of `kinds`, a reload, or the vault
// unlocking: after these, what a view shows may have changed (or failed while
// the vault was locked). The stream going live is useLoad's business: it
// reloads what was loaded while the stream was away.
export function touches(event: Event, ...kinds: string[]): boolean {
  switch (event.kind.case) {
    case "recordChanged":
      return kinds.includes(event.kind.value.kind);
    case "vaultChanged":
      return event.kind.value.state === VaultStatus_State.UNLOCKED;
    case "reload":
      return true;
    default:
      return false;
  }
}

export interface Loaded<T> {
  data: T | undefined;
  error: string;
  loading: boolean;
  reload: () => void;
}

// Runs `load` now and whenever reload() is called (or `deps` change); the
// last answer wins. A load made while the event stream was not live (opening,
// or away) is made again when it goes live, since a change in between would
// come as no event; one made while it was live is not.
export function useLoad<T>(load: () => Promise<T>, deps: unknown[] = []): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState("");
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);
  const covered = useRef(false);
  const reload = useCallback(() => {
    const mine = ++generation.current;
    covered.current = watching.get();
    setLoading(true);
    load().then(
      (value) => {
        if (mine !== generation.current) return;
        setData(value);
        setError("");
        setLoading(false);
      },
      (e) => {
        if (mine !== generation.current) return;
        noteError(e);
        setError(messageOf(e));
        setLoading(false);
      },
    );
  }, deps);
  useEffect(reload, [reload]);
  useEvents((e) => {
    if (e.kind.case === "live" && !covered.current) reload();
  });
  return { data, error, loading, reload };
}

let vocabulary: Promise<EmotionFamily[]> | null = null;

function askVocabulary(onError: (e: unknown) => void): Promise<EmotionFamily[]> {
  vocabulary ??= checkins.listEmotions({}).then(
    (r) => r.families,
    (e) => {
      vocabulary = null;
      onError(e);
      return [];
    },
  );
  return vocabulary;
}

// Asks for the vocabulary now, beside the page's first calls; a failure is
// left to useVocabulary to ask again.
export function prefetchVocabulary(): void {
  void askVocabulary(() => {});
}

// The feelings vocabulary, asked for once (again after a failure, when the
// event stream says the daemon is back).
export function useVocabulary(): EmotionFamily[] {
  const [families, setFamilies] = useState<EmotionFamily[]>([]);
  const [attempt, setAttempt] = useState(0);
  useEvents((e) => {
    if (families.length === 0 && (touches(e) || e.kind.case === "live")) setAttempt((n) => n + 1);
  });
  useEffect(() => {
    let live = true;
    void askVocabulary(noteError).then((f) => live && setFamilies(f));
    return () => {
      live = false;
    };
  }, [attempt]);
  return families;
}

// Runs an action, keeping whether it is under way and its error.
export function useAction(): {
  busy: boolean;
  error: string;
  setError: (text: string) => void;
  run: <T>(action: () => Promise<T>) => Promise<T | undefined>;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const run = useCallback(async <T,>(action: () => Promise<T>) => {
    setBusy(true);
    setError("");
    try {
      return await action();
    } catch (e) {
      noteError(e);
      setError(messageOf(e));
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, setError, run };
}
