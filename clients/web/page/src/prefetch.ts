// The calls a cold page needs first, made at once beside GetStatus instead
// of one after another as the views mount. Each answer is taken once, by the
// view that asked for it under the same key; a failed one (the vault locked,
// say) is simply asked again by that view, and so is one older than a few
// seconds (what it says may have changed).
const FRESH_MS = 5000;
const started = new Map<string, { at: number; answer: Promise<unknown> }>();

export function prefetch<T>(key: string, call: () => Promise<T>): void {
  const answer = call();
  answer.catch(() => {}); // taken (and asked again) by takeOr
  started.set(key, { at: performance.now(), answer });
}

// The answer prefetched under `key`, if any and if it came; else `call()`.
export async function takeOr<T>(key: string, call: () => Promise<T>): Promise<T> {
  const early = started.get(key);
  started.delete(key);
  if (early && performance.now() - early.at < FRESH_MS) {
    try {
      return (await early.answer) as T;
    } catch {
      // Asked again below.
    }
  }
  return call();
}
