// EventService.Watch, kept open while the page is: every event goes to the
// listeners. When the stream drops it is opened again from the id of the
// last event seen (so nothing is missed), waiting a little longer each time.
import { Code, ConnectError } from "@connectrpc/connect";
import type { Event } from "../gen/attune/v1/api_pb";
import { events } from "./api";
import { Store } from "./store";

type Listener = (event: Event) => void;
const listeners = new Set<Listener>();

// Whether the stream is open and past its replay.
export const watching = new Store<boolean>(false);

export function onEvent(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function dispatch(event: Event): void {
  for (const listener of [...listeners]) {
    try {
      listener(event);
    } catch (e) {
      console.error("event listener failed", e);
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let started = false;

export function startWatch(onTrouble: (e: unknown) => void): void {
  if (started) return;
  started = true;
  void (async () => {
    let afterId = 0n;
    let delay = 1000;
    for (;;) {
      try {
        for await (const event of events.watch({ afterId })) {
          if (event.id > afterId) afterId = event.id;
          if (event.kind.case === "live") {
            watching.set(true);
            delay = 1000;
          }
          dispatch(event);
        }
      } catch (e) {
        const err = ConnectError.from(e);
        if (err.code === Code.ResourceExhausted) {
          // Fell behind: the message names the id to go on from.
          const m = /after_id\D*(\d+)/.exec(err.rawMessage);
          if (m) afterId = BigInt(m[1]);
        } else {
          onTrouble(e);
        }
      }
      watching.set(false);
      await sleep(delay);
      delay = Math.min(delay * 2, 10000);
    }
  })();
}
