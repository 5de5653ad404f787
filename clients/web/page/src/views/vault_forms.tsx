// The vault's doors: Unlock (a passphrase) and Init (a name and a new
// passphrase, twice). Shown whenever the vault is locked or not made yet.
import { useState } from "preact/hooks";
import { Code } from "@connectrpc/connect";
import { vault } from "../api";
import { ErrorNote } from "../components/error_note";
import { codeOf, messageOf, refreshStatus, status } from "../session";

const MIN_PASSPHRASE = 8;
const MAX_NAME = 64;

export function UnlockView() {
  const [passphrase, setPassphrase] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError("");
    try {
      status.set(await vault.unlock({ passphrase }));
      setPassphrase("");
      await refreshStatus();
    } catch (err) {
      if (codeOf(err) === Code.Unauthenticated && /passphrase/i.test(messageOf(err))) {
        setError("That passphrase is wrong. Try again.");
      } else {
        setError(messageOf(err));
        if (codeOf(err) !== Code.DataLoss) void refreshStatus();
      }
    } finally {
      setBusy(false);
    }
  };
  const name = status.get()?.displayName;
  return (
    <section class="card form narrow" aria-labelledby="unlock-title" data-testid="view-locked">
      <h2 id="unlock-title">{name ? `Welcome back, ${name}` : "Welcome back"}</h2>
      <p>Attune is locked. Your passphrase opens it on this device.</p>
      <form onSubmit={submit}>
        <label class="field">
          <span>Passphrase</span>
          <input
            type="password"
            autocomplete="current-password"
            required
            value={passphrase}
            data-testid="unlock-passphrase"
            onInput={(e) => setPassphrase(e.currentTarget.value)}
          />
        </label>
        <ErrorNote text={error} testid="unlock-error" />
        <div class="actions">
          <button type="submit" class="primary" disabled={busy} data-testid="unlock-submit">
            {busy ? "Opening… this takes a moment" : "Unlock"}
          </button>
        </div>
      </form>
    </section>
  );
}

export function InitView() {
  const [name, setName] = useState("");
  const [passphrase, setPassphrase] = useState("");
  const [again, setAgain] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!name.trim()) return setError("Your name, please: it is how your partner sees you.");
    if ([...passphrase].length < MIN_PASSPHRASE)
      return setError(`The passphrase needs at least ${MIN_PASSPHRASE} characters.`);
    if (passphrase !== again) return setError("The two passphrases are not the same. Type them again.");
    setBusy(true);
    setError("");
    try {
      status.set(await vault.init({ displayName: name.trim(), passphrase }));
      await refreshStatus();
    } catch (err) {
      setError(messageOf(err));
      void refreshStatus();
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card form narrow" aria-labelledby="init-title" data-testid="view-init">
      <h2 id="init-title">Welcome to Attune</h2>
      <p>
        Everything you write stays on this device, locked with a passphrase only you know. Nothing
        is shared with your partner unless you choose to share it.
      </p>
      <form onSubmit={submit}>
        <label class="field">
          <span>Your name, as your partner will see it</span>
          <input
            type="text"
            autocomplete="nickname"
            required
            maxLength={MAX_NAME}
            value={name}
            data-testid="init-name"
            onInput={(e) => setName(e.currentTarget.value)}
          />
        </label>
        <label class="field">
          <span>A new passphrase (at least {MIN_PASSPHRASE} characters)</span>
          <input
            type="password"
            autocomplete="new-password"
            required
            minLength={MIN_PASSPHRASE}
            value={passphrase}
            data-testid="init-passphrase"
            onInput={(e) => setPassphrase(e.currentTarget.value)}
          />
        </label>
        <label class="field">
          <span>The passphrase again</span>
          <input
            type="password"
            autocomplete="new-password"
            required
            value={again}
            data-testid="init-passphrase-again"
            onInput={(e) => setAgain(e.currentTarget.value)}
          />
        </label>
        <p class="hint">Keep it safe: nobody can recover it, not even us.</p>
        <ErrorNote text={error} testid="init-error" />
        <div class="actions">
          <button type="submit" class="primary" disabled={busy} data-testid="init-submit">
            {busy ? "Making your keys… this takes a moment" : "Start"}
          </button>
        </div>
      </form>
    </section>
  );
}
