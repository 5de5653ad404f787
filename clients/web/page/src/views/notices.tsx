// Plain notices: no token in the address, a token that is not valid, the
// daemon not running (tried again every few seconds by the app).

export function NoTokenView() {
  return (
    <section class="card narrow" aria-labelledby="notoken-title" data-testid="view-no-token">
      <h2 id="notoken-title">Open Attune from its own address</h2>
      <p>
        Open the address attune-web printed (it ends in <code>#token=…</code>);{" "}
        <code>attune-web --print-url</code> prints it again.
      </p>
    </section>
  );
}

export function BadTokenView({ message }: { message: string }) {
  return (
    <section class="card narrow" aria-labelledby="badtoken-title" data-testid="view-bad-token">
      <h2 id="badtoken-title">This address is out of date</h2>
      <p>
        attune-web did not accept this page's token{message ? ` (${message})` : ""}. Open the
        address attune-web printed (it ends in <code>#token=…</code>);{" "}
        <code>attune-web --print-url</code> prints it again.
      </p>
    </section>
  );
}

export function DaemonDownView({ message, why }: { message: string; why: "daemon" | "gateway" | "other" }) {
  if (why === "gateway") {
    return (
      <section class="card narrow" aria-labelledby="down-title" data-testid="view-daemon-down" data-why="gateway">
        <h2 id="down-title">attune-web does not answer</h2>
        <p>This page lost its connection to attune-web. Start it again:</p>
        <pre>
          <code>systemctl --user start attune-web</code>
        </pre>
        <p>
          or run <code>attune-web</code> in a terminal (on the same port, or open the address it
          prints).
        </p>
        <p class="muted" role="status">
          Trying again every few seconds…
        </p>
      </section>
    );
  }
  return (
    <section class="card narrow" aria-labelledby="down-title" data-testid="view-daemon-down" data-why={why}>
      <h2 id="down-title">{why === "daemon" ? "Attune's daemon is not running" : "Attune cannot answer right now"}</h2>
      <p>
        {why === "daemon" ? "Start it" : "If the daemon is not running, start it"}, and this page
        carries on by itself:
      </p>
      <pre>
        <code>systemctl --user start attuned</code>
      </pre>
      <p>
        or run <code>attuned</code> in a terminal.
      </p>
      {message && <p class="muted">({message})</p>}
      <p class="muted" role="status">
        Trying again every few seconds…
      </p>
    </section>
  );
}
