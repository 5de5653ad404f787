// Partner and devices: invite (code and QR code), join with a code, the
// safety number to compare in person, the members, and each partner device
// online or not and how far behind, updated live on peer events; and this
// device's recovery kit.
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { useEffect, useState } from "preact/hooks";
import type { Invite, JoinSpaceResponse, RecoveryKit, SafetyNumber } from "../../gen/attune/v1/api_pb";
import { VaultStatus_State } from "../../gen/attune/v1/api_pb";
import { space, sync, vault } from "../api";
import { ErrorNote } from "../components/error_note";
import { QrCode } from "../components/qr_code";
import { ago, timeText } from "../dates";
import { touches, useAction, useEvents, useLoad } from "../hooks";
import { codeOf, refreshStatus, status } from "../session";
import { useStore } from "../store";
import { Code } from "@connectrpc/connect";

const POLL_MS = 15000;

export function PartnerView({ partner }: { partner: string }) {
  const people = useLoad(() => space.listMembers({}).then((r) => r.members));
  const syncing = useLoad(() => sync.getSyncStatus({}));
  // Catch-ups under way, by device id: ops received of ops expected.
  const [catchUps, setCatchUps] = useState<Record<string, { received: number; expected: number }>>({});
  useEvents((e) => {
    if (e.kind.case === "syncProgress") {
      const p = e.kind.value;
      const received = Number(p.opsReceived);
      const expected = Number(p.opsExpected);
      setCatchUps((all) => {
        const next = { ...all };
        if (received >= expected) delete next[p.deviceId];
        else next[p.deviceId] = { received, expected };
        return next;
      });
      if (received >= expected) syncing.reload();
    } else if (e.kind.case === "peerChanged" || touches(e)) {
      syncing.reload();
      people.reload();
    } else if (e.kind.case === "recordChanged" && e.kind.value.fromPeer) {
      syncing.reload();
    }
  });
  useEffect(() => {
    const timer = setInterval(() => syncing.reload(), POLL_MS);
    return () => clearInterval(timer);
  }, [syncing.reload]);
  const [joined, setJoined] = useState<JoinSpaceResponse | null>(null);
  const others = people.data?.filter((m) => !m.thisDevice) ?? [];
  const paired = others.length > 0;

  return (
    <section aria-labelledby="partner-title" data-testid="view-partner">
      <h2 id="partner-title">{partner ? `You and ${partner}` : "Partner and devices"}</h2>
      {!paired && people.data && (
        <p>
          Attune works between your two devices directly, with no server in between. One of you
          makes an invite; the other joins with it.
        </p>
      )}
      <ErrorNote text={people.error || syncing.error} />

      {joined && (
        <section class="card" role="status" data-testid="join-done">
          <h3>Paired with {joined.inviter?.displayName}</h3>
          <p>Safety number: read it together; both devices must show the same.</p>
          <p class="digits" data-testid="join-safety-number">{joined.safetyNumber}</p>
        </section>
      )}

      {syncing.data?.writeBlock && (
        <p class="warn" role="status">Writing is paused: {syncing.data.writeBlock}</p>
      )}

      {paired && (
        <section aria-labelledby="peers-title" class="card">
          <h3 id="peers-title">Devices</h3>
          <ul class="peers" data-testid="peer-list" aria-live="polite">
            {people.data?.map((m) => {
              const peer = syncing.data?.peers.find((p) => p.peer?.deviceId === m.deviceId);
              return (
                <li key={m.deviceId} data-testid={m.thisDevice ? "member-self" : "peer"}>
                  <p>
                    <strong>{m.displayName}</strong>
                    {m.thisDevice ? (
                      <span class="badge">this device</span>
                    ) : peer ? (
                      <span class={peer.online ? "badge online" : "badge offline"} data-testid="peer-online">
                        {peer.online ? "online" : "offline"}
                      </span>
                    ) : null}
                  </p>
                  <p class="device-id muted">{m.deviceId}</p>
                  {catchUps[m.deviceId] && (
                    <p data-testid="peer-catching-up">
                      <label>
                        Catching up with {m.displayName}: {catchUps[m.deviceId].received} of{" "}
                        {catchUps[m.deviceId].expected} changes{" "}
                        <progress max={catchUps[m.deviceId].expected} value={catchUps[m.deviceId].received} />
                      </label>
                    </p>
                  )}
                  {peer && (
                    <p class="muted" data-testid="peer-behind">
                      {peer.online ? "Connected now." : `Last seen ${ago(Number(peer.lastSeenMs))}.`}{" "}
                      {behindText(Number(peer.opsWeLack), Number(peer.opsTheyLack), m.displayName)}
                    </p>
                  )}
                  {peer?.lastError && !peer.online && <p class="muted">Last problem: {peer.lastError}</p>}
                  {!m.thisDevice && <SafetyNumberButton deviceId={m.deviceId} name={m.displayName} />}
                </li>
              );
            })}
          </ul>
        </section>
      )}

      {paired && <RevealTogetherCard />}

      <InviteBox />
      {!paired && (
        <JoinBox
          onJoined={(r) => {
            setJoined(r);
            people.reload();
            syncing.reload();
            void refreshStatus();
          }}
        />
      )}
      <RecoveryKitBox />
    </section>
  );
}

// A recovery kit: a code, shown once, that opens this device's vault if the
// passphrase is lost. Making one asks for the passphrase.
function RecoveryKitBox() {
  const me = useStore(status);
  const [asking, setAsking] = useState(false);
  const [passphrase, setPassphrase] = useState("");
  const [kit, setKit] = useState<RecoveryKit | null>(null);
  const act = useAction();
  const made = me?.recoveryKitCreateTime ? timestampDate(me.recoveryKitCreateTime) : undefined;
  // The code is shown once: locking (which keeps the views as they are
  // behind the Locked view) forgets it.
  const unlocked = me?.state === VaultStatus_State.UNLOCKED;
  useEffect(() => {
    if (!unlocked) setKit(null);
  }, [unlocked]);
  const make = async (e: Event) => {
    e.preventDefault();
    const got = await act.run(async () => {
      try {
        return await vault.createRecoveryKit({ passphrase });
      } catch (err) {
        if (codeOf(err) === Code.Unauthenticated) throw new Error("That passphrase is wrong. Try again.");
        throw err;
      }
    });
    if (got) {
      setKit(got);
      setAsking(false);
      setPassphrase("");
      void refreshStatus();
    }
  };
  return (
    <section aria-labelledby="kit-title" class="card" data-testid="recovery-kit-box">
      <h3 id="kit-title">Recovery kit</h3>
      {kit ? (
        <div role="status">
          <p>Your recovery code. This is the only time it is shown:</p>
          <p class="code-box">
            <code class="digits" data-testid="recovery-code">{kit.recoveryCode}</code>
          </p>
          <QrCode text={kit.recoveryCode} label="The recovery code as a QR code" testid="recovery-qr" />
          <p class="hint">
            Write it down or print it, and keep it apart from this device, like a spare house key: with
            this code and this device, anyone can open Attune. If you lose your passphrase, choose "I
            lost my passphrase" when Attune asks for it. Changing the passphrase keeps this kit valid.
          </p>
        </div>
      ) : (
        <p data-testid="recovery-kit-state">
          {made
            ? `You made one on ${made.toLocaleDateString()}. A new one makes that code useless.`
            : "None yet. Nobody can find out a lost passphrase, not even Attune; a recovery kit gives you a code that opens Attune instead."}
        </p>
      )}
      {asking && (
        <form onSubmit={make}>
          <label class="field">
            <span>Your passphrase</span>
            <input
              type="password"
              autocomplete="current-password"
              required
              value={passphrase}
              data-testid="recovery-kit-passphrase"
              onInput={(e) => setPassphrase(e.currentTarget.value)}
            />
          </label>
          <ErrorNote text={act.error} testid="recovery-kit-error" />
          <div class="actions">
            <button type="submit" class="primary" disabled={act.busy} data-testid="recovery-kit-submit">
              {act.busy ? "Making… this takes a moment" : "Make the kit"}
            </button>
            <button type="button" disabled={act.busy} onClick={() => setAsking(false)}>
              Cancel
            </button>
          </div>
        </form>
      )}
      {!asking && (
        <button type="button" data-testid="recovery-kit-create" onClick={() => { setKit(null); setAsking(true); }}>
          {made ? "Make a new recovery kit" : "Make a recovery kit"}
        </button>
      )}
    </section>
  );
}

function behindText(weLack: number, theyLack: number, name: string): string {
  if (weLack === 0 && theyLack === 0) return "Up to date.";
  const parts: string[] = [];
  if (weLack > 0) parts.push(`${weLack} change${weLack === 1 ? "" : "s"} to fetch from ${name}`);
  if (theyLack > 0) parts.push(`${theyLack} change${theyLack === 1 ? "" : "s"} to send to ${name}`);
  return parts.join("; ") + ".";
}

// Reveal together: the space's setting, and this person's own choice.
function RevealTogetherCard() {
  const settings = useLoad(() => space.getSpaceSettings({}));
  const act = useAction();
  useEvents((e) => {
    if (touches(e, "member_settings")) settings.reload();
  });
  const s = settings.data;
  const set = async (on: boolean) => {
    const next = await act.run(() => space.updateSpaceSettings({ revealTogether: on }));
    if (next) settings.reload();
  };
  return (
    <section aria-labelledby="reveal-title" class="card" data-testid="reveal-together">
      <h3 id="reveal-title">Reveal together</h3>
      <ErrorNote text={settings.error || act.error} />
      {s && s.revealTogether && (
        <p data-testid="reveal-state">
          On: a shared check-in for a day opens to the other once theirs for that day is written.
        </p>
      )}
      {s && !s.revealTogether && (
        <p data-testid="reveal-state">
          Off (turned off by {s.revealTogetherOffBy.join(" and ")}): shared check-ins open as soon
          as they arrive.
        </p>
      )}
      {s && !s.myRevealTogetherOff && (
        <button type="button" disabled={act.busy} onClick={() => void set(false)}>
          Turn it off for both of us
        </button>
      )}
      {s && s.myRevealTogetherOff && (
        <button type="button" disabled={act.busy} onClick={() => void set(true)}>
          Turn it back on
        </button>
      )}
    </section>
  );
}

function SafetyNumberButton({ deviceId, name }: { deviceId: string; name: string }) {
  const [number, setNumber] = useState<SafetyNumber | null>(null);
  const act = useAction();
  return (
    <div class="safety">
      {!number ? (
        <button type="button" data-testid="safety-show" disabled={act.busy}
          onClick={async () => { const n = await act.run(() => space.getSafetyNumber({ deviceId })); if (n) setNumber(n); }}>
          Show the safety number with {name}
        </button>
      ) : (
        <>
          <p>Read it together: both devices must show the same number.</p>
          <p class="digits" data-testid="safety-number">{number.digits}</p>
          <button type="button" class="link" onClick={() => setNumber(null)}>Hide it</button>
        </>
      )}
      <ErrorNote text={act.error} />
    </div>
  );
}

function InviteBox() {
  const [invite, setInvite] = useState<Invite | null>(null);
  const [copied, setCopied] = useState(false);
  const act = useAction();
  const make = async () => {
    const made = await act.run(() => space.createInvite({ ttlSeconds: 0 }));
    if (made) {
      setInvite(made);
      setCopied(false);
    }
  };
  const until = invite ? timeText(new Date(Number(invite.expiresAtMs))) : "";
  return (
    <section aria-labelledby="invite-title" class="card" data-testid="invite-box">
      <h3 id="invite-title">Invite your partner (or another device of yours)</h3>
      {!invite && (
        <p>The code works once, for ten minutes. Give it to them in person or over a channel you trust.</p>
      )}
      {invite && (
        <div role="status">
          <p>Give this code to your partner. It works once, until {until}.</p>
          <p class="code-box">
            <code data-testid="invite-code">{invite.code}</code>
          </p>
          <div class="actions">
            <button type="button" data-testid="invite-copy"
              onClick={() => navigator.clipboard?.writeText(invite.code).then(() => setCopied(true), () => setCopied(false))}>
              {copied ? "Copied" : "Copy the code"}
            </button>
          </div>
          <QrCode text={invite.code} label="The invite code as a QR code" />
          <p class="hint">On their device: Partner &amp; devices → Join, or <code>attune pair join &lt;code&gt;</code>. Then compare the safety number you both see.</p>
          {invite.shortCode && invite.addresses.length > 0 && (
            <div data-testid="invite-short">
              <p>Or read them the same invite in short, with this device's address:</p>
              <p class="code-box">
                <code class="digits" data-testid="invite-short-code">{invite.shortCode}</code>
                {" at "}
                <code data-testid="invite-address">{invite.addresses[0]}</code>
              </p>
              {invite.addresses.length > 1 && (
                <p class="hint">Where that address does not reach this device: {invite.addresses.slice(1).join(", ")}.</p>
              )}
            </div>
          )}
        </div>
      )}
      <ErrorNote text={act.error} />
      <button type="button" class={invite ? "" : "primary"} disabled={act.busy} data-testid="invite-create" onClick={make}>
        {act.busy ? "Making…" : invite ? "Make a new code" : "Make an invite code"}
      </button>
    </section>
  );
}

const LONG_PREFIX = "attune-invite-";

// Whether a code is the short form (anything but "attune-invite-…", or the
// start of that being typed), which needs the inviter's address beside it.
function isShort(code: string): boolean {
  const c = code.trim().toLowerCase();
  return c !== "" && !c.startsWith(LONG_PREFIX) && !LONG_PREFIX.startsWith(c);
}

function JoinBox({ onJoined }: { onJoined: (r: JoinSpaceResponse) => void }) {
  const [code, setCode] = useState("");
  const [address, setAddress] = useState("");
  const act = useAction();
  const short = isShort(code);
  const submit = async (e: Event) => {
    e.preventDefault();
    const addresses = short && address.trim() ? [address.trim()] : [];
    const r = await act.run(() => space.joinSpace({ code: code.trim(), addresses }, { timeoutMs: 45000 }));
    if (r) onJoined(r);
  };
  return (
    <form class="card form" onSubmit={submit} aria-labelledby="join-title" data-testid="join-form">
      <h3 id="join-title">Join with a code</h3>
      <label class="field">
        <span>The code your partner gave you (attune-invite-…, or the short one: 7K3M-9QX2-…)</span>
        <input type="text" required autocomplete="off" spellcheck={false} value={code} data-testid="join-code"
          onInput={(e) => setCode(e.currentTarget.value)} />
      </label>
      {short && (
        <label class="field">
          <span>Their device's address, as their invite shows it (host:port)</span>
          <input type="text" required autocomplete="off" spellcheck={false} inputMode="url" value={address}
            placeholder="192.168.1.20:27441" data-testid="join-address"
            onInput={(e) => setAddress(e.currentTarget.value)} />
        </label>
      )}
      <p class="hint">Your own entries join the shared space with you; what is private stays private.</p>
      <ErrorNote text={act.error} />
      <button type="submit" class="primary" disabled={act.busy} data-testid="join-submit">
        {act.busy ? "Joining… this can take a little while" : "Join"}
      </button>
    </form>
  );
}
