// The views other than Today come in script files of their own, fetched the
// first time one is shown: a cold page parses and runs only what Today needs
// (the charts and the QR code are the larger part of the page's script).
import type { ComponentType } from "preact";
import { useEffect, useState } from "preact/hooks";

type ViewProps = { partner: string };
type Loader = () => Promise<ComponentType<ViewProps>>;

// A view that renders `load`'s component once its file is here; until then
// a short "Loading…", and if the file cannot be fetched (attune-web stopped),
// says so with a button to try again.
export function lazyView(load: Loader): ComponentType<ViewProps> {
  let loaded: ComponentType<ViewProps> | null = null;
  let pending: Promise<ComponentType<ViewProps>> | null = null;
  return function LazyView(props: ViewProps) {
    const [, setReady] = useState(0);
    const [failed, setFailed] = useState(false);
    const [attempt, setAttempt] = useState(0);
    useEffect(() => {
      if (loaded) return;
      let live = true;
      pending ??= load().then(
        (view) => (loaded = view),
        (e) => {
          pending = null;
          throw e;
        },
      );
      pending.then(
        () => live && setReady((n) => n + 1),
        () => live && setFailed(true),
      );
      return () => {
        live = false;
      };
    }, [attempt]);
    if (loaded) {
      const View = loaded;
      return <View {...props} />;
    }
    if (failed) {
      return (
        <p role="alert" class="error">
          This view could not be loaded: attune-web does not answer. Is it still running?{" "}
          <button
            type="button"
            class="link"
            onClick={() => {
              setFailed(false);
              setAttempt((n) => n + 1);
            }}
          >
            Try again
          </button>
        </p>
      );
    }
    return (
      <p class="muted" role="status">
        Loading…
      </p>
    );
  };
}
