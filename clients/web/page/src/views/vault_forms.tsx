// The vault's doors: Unlock (a passphrase, or the recovery kit's code and a
// new passphrase when it is lost) and Init (a name and a new passphrase,
// twice). Shown whenever the vault is locked or not made yet.
import { useState } from "preact/hooks";
import { Code } from "@connectrpc/connect";
import { vault } from "../api";
import { ErrorNote } from "../components/error_note";
import { codeOf, messageOf, refreshStatus, status } from "../session";

const MIN_PASSPHRASE = 8;
const MAX_NAME = 64;

export function UnlockView() {
  const [recovering, setRecovering] = useState(false);
  if (recovering) return <RecoverView onCancel={() => setRecovering(false)} />;
  return <PassphraseView onLost={() => setRecovering(true)} />;
}

function PassphraseView({ onLost }: { onLost: () => void }) {
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
  const hasKit = status.get()?.recoveryKitCreateTime !== undefined;
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
          {hasKit && (
            <button type="button" onClick={onLost} data-testid="unlock-lost">
              I lost my passphrase
            </button>
          )}
        </div>
      </form>
    </section>
  );
}

// The passphrase is lost: the recovery kit's code opens the vault, and a
// new passphrase replaces the old one in the same step.
function RecoverView({ onCancel }: { onCancel: () => void }) {
  const [code, setCode] = useState("");
  const [passphrase, setPassphrase] = useState("");
  const [again, setAgain] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const submit = async (e: Event) => {
    e.preventDefault();
    if ([...passphrase].length < MIN_PASSPHRASE)
      return setError(`The new passphrase needs at least ${MIN_PASSPHRASE} characters.`);
    if (passphrase !== again) return setError("The two passphrases are not the same. Type them again.");
    setBusy(true);
    setError("");
    try {
      status.set(await vault.recoverVault({ recoveryCode: code, newPassphrase: passphrase }));
      setCode("");
      setPassphrase("");
      setAgain("");
      await refreshStatus();
    } catch (err) {
      if (codeOf(err) === Code.Unauthenticated) {
        setError("That code does not open this vault. Is it the kit you made last?");
      } else {
        setError(messageOf(err));
      }
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card form narrow" aria-labelledby="recover-title" data-testid="view-recover">
      <h2 id="recover-title">Open with your recovery kit</h2>
      <p>
        Type the code from your recovery kit, then choose a new passphrase. The kit keeps working
        afterwards.
      </p>
      <form onSubmit={submit}>
        <label class="field">
          <span>Recovery code</span>
          <input
            type="text"
            autocomplete="off"
            autocapitalize="characters"
            spellcheck={false}
            required
            value={code}
            data-testid="recover-code"
            onInput={(e) => setCode(e.currentTarget.value)}
          />
        </label>
        <NewPassphrase testid="recover" value={passphrase} onValue={setPassphrase} again={again} onAgain={setAgain} />
        <ErrorNote text={error} testid="recover-error" />
        <div class="actions">
          <button type="submit" class="primary" disabled={busy} data-testid="recover-submit">
            {busy ? "Opening… this takes a moment" : "Open and set the new passphrase"}
          </button>
          <button type="button" onClick={onCancel} disabled={busy}>
            Back
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
        <NewPassphrase testid="init" value={passphrase} onValue={setPassphrase} again={again} onAgain={setAgain} />
        <p class="hint">
          Nobody can find out a lost passphrase, not even Attune. Once you are in, make a recovery
          kit under Partner &amp; devices: its code opens Attune if you lose the passphrase.
        </p>
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

// A new passphrase, typed twice; the inputs' test ids are `${testid}-passphrase`
// and `${testid}-passphrase-again`.
function NewPassphrase(props: {
  testid: string;
  value: string;
  onValue: (v: string) => void;
  again: string;
  onAgain: (v: string) => void;
}) {
  return (
    <>
      <label class="field">
        <span>A new passphrase (at least {MIN_PASSPHRASE} characters)</span>
        <input
          type="password"
          autocomplete="new-password"
          required
          minLength={MIN_PASSPHRASE}
          value={props.value}
          data-testid={`${props.testid}-passphrase`}
          onInput={(e) => props.onValue(e.currentTarget.value)}
        />
      </label>
      <label class="field">
        <span>The same passphrase again</span>
        <input
          type="password"
          autocomplete="new-password"
          required
          value={props.again}
          data-testid={`${props.testid}-passphrase-again`}
          onInput={(e) => props.onAgain(e.currentTarget.value)}
        />
      </label>
    </>
  );
}
