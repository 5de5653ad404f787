// Today: write today's check-in, and see the partner's the moment it
// arrives (EventService.Watch → ListCheckIns again).
import { Code } from "@connectrpc/connect";
import { useEffect, useState } from "preact/hooks";
import { Visibility, type CheckIn } from "../../gen/attune/v1/records_pb";
import { checkins } from "../api";
import { CheckInCard } from "../components/check_in_card";
import { ErrorNote } from "../components/error_note";
import { FeelingsPicker, type Feeling } from "../components/feelings_picker";
import { RatingPicker } from "../components/rating_picker";
import { ShareToggle } from "../components/share_toggle";
import { dayHeading, timeZone, today } from "../dates";
import { touches, useEvents, useLoad, useVocabulary } from "../hooks";
import { viewHref } from "../params";
import { prefetch, takeOr } from "../prefetch";
import { codeOf, isMe, members, messageOf, nameOf, noteError, status } from "../session";
import { useStore } from "../store";
import { RecentCheckIns } from "./recent_check_ins";

const MAX_TEXT = 2000;

function listToday(d: string) {
  return checkins.listCheckIns({ startDay: d, endDay: d, pageSize: 100 });
}

// Today's check-ins, asked for at the page's start beside GetStatus.
export function prefetchToday(): void {
  const d = today();
  prefetch(`checkins:${d}`, () => listToday(d));
}

export function TodayView({ partner }: { partner: string }) {
  const [day, setDay] = useState(today());
  const list = useLoad(async () => {
    const d = today();
    setDay(d);
    const r = await takeOr(`checkins:${d}`, () => listToday(d));
    return r.checkIns;
  });
  useEvents((e) => {
    if (touches(e, "check_in", "check_in_key")) list.reload();
  });
  // Past midnight, today is another day.
  useEffect(() => {
    const timer = setInterval(() => {
      if (today() !== day) list.reload();
    }, 60_000);
    return () => clearInterval(timer);
  }, [day, list.reload]);
  const mine = list.data?.find((c) => isMe(c.author));
  const theirs = list.data?.filter((c) => !isMe(c.author)) ?? [];
  const [editing, setEditing] = useState(false);
  const partnerWord = partner || "Your partner";
  const me = useStore(status);
  const paired = useStore(members).some((m) => m.memberId !== me?.memberId);

  return (
    <section aria-labelledby="today-title" data-testid="view-today">
      <h2 id="today-title">Today, {dayHeading(day)}</h2>
      <ErrorNote text={list.error} />
      {list.data && (!mine || editing) && (
        <CheckInForm
          key={mine?.name ?? "new"}
          existing={editing ? mine : undefined}
          partner={partner}
          onSaved={() => {
            setEditing(false);
            list.reload();
          }}
          onCancel={editing ? () => setEditing(false) : undefined}
          onExists={() => list.reload()}
        />
      )}
      {mine && !editing && (
        <div class="stack">
          <CheckInCard c={mine} who="You" testid="my-checkin" />
          <p class="saved-note" data-testid="my-checkin-sharing">
            {mine.visibility === Visibility.SHARED
              ? `Shared with ${partner || "your partner"}.`
              : "Private to you."}{" "}
            <button type="button" class="link" data-testid="checkin-change" onClick={() => setEditing(true)}>
              Change it
            </button>
          </p>
        </div>
      )}
      <section aria-labelledby="partner-today-title" class="partner-today">
        <h2 id="partner-today-title">{partner ? `${partner}'s check-in` : "Your partner's check-in"}</h2>
        <div aria-live="polite" data-testid="partner-checkin-region">
          {list.data && theirs.length === 0 && !paired && (
            <p class="muted" data-testid="partner-checkin-none">
              Once you pair with your partner's device (<a href={viewHref("partner")}>Partner &amp; devices</a>),
              what they share shows here.
            </p>
          )}
          {list.data && theirs.length === 0 && paired && (
            <p class="muted" data-testid="partner-checkin-none">
              {partnerWord} has not shared a check-in today yet. It shows here as soon as it arrives.
            </p>
          )}
          {theirs.map((c) => (
            <CheckInCard key={c.name} c={c} who={nameOf(c.author, partnerWord)} testid="partner-checkin" />
          ))}
        </div>
      </section>
      <RecentCheckIns partner={partner} />
    </section>
  );
}

interface FormProps {
  existing?: CheckIn;
  partner: string;
  onSaved: () => void;
  onCancel?: () => void;
  onExists: () => void;
}

function CheckInForm({ existing, partner, onSaved, onCancel, onExists }: FormProps) {
  const families = useVocabulary();
  const [high, setHigh] = useState(existing?.high ?? "");
  const [low, setLow] = useState(existing?.low ?? "");
  const [feelings, setFeelings] = useState<Feeling[]>(
    existing?.emotions.map((e) => ({ label: e.label, intensity: e.intensity || 3 })) ?? [],
  );
  const [rating, setRating] = useState(existing?.connectionRating ?? 0);
  const [note, setNote] = useState(existing?.note ?? "");
  const [shared, setShared] = useState(existing?.visibility === Visibility.SHARED);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!high.trim() || !low.trim()) return setError("A few words for the high and the low, please.");
    if (rating < 1) return setError("Pick how connected you feel, 1 to 5.");
    setBusy(true);
    setError("");
    try {
      await checkins.createCheckIn({
        checkIn: {
          day: existing?.day ?? "",
          timeZone: existing?.timeZone || timeZone,
          high: high.trim(),
          low: low.trim(),
          emotions: feelings,
          connectionRating: rating,
          note: note.trim(),
          visibility: shared ? Visibility.SHARED : Visibility.PRIVATE,
        },
        // Only when the person chose "Change it" on their check-in.
        replace: existing !== undefined,
      });
      onSaved();
    } catch (err) {
      noteError(err);
      if (codeOf(err) === Code.FailedPrecondition && /checked in for/.test(messageOf(err))) {
        setError("You checked in for today already, just now, elsewhere. Nothing was changed; it is shown below.");
        onExists();
      } else {
        setError(messageOf(err));
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="card form" onSubmit={submit} data-testid="checkin-form" aria-labelledby="checkin-form-title">
      <h3 id="checkin-form-title">{existing ? "Change today's check-in" : "Your check-in"}</h3>
      <label class="field">
        <span>One high of the day: a good moment</span>
        <textarea
          value={high}
          required
          maxLength={MAX_TEXT}
          rows={2}
          data-testid="checkin-high-input"
          onInput={(e) => setHigh(e.currentTarget.value)}
        />
      </label>
      <label class="field">
        <span>One low of the day: a hard moment (describe it, don't solve it)</span>
        <textarea
          value={low}
          required
          maxLength={MAX_TEXT}
          rows={2}
          data-testid="checkin-low-input"
          onInput={(e) => setLow(e.currentTarget.value)}
        />
      </label>
      <FeelingsPicker families={families} value={feelings} onChange={setFeelings} legend="Feelings of the day (optional)" />
      <RatingPicker
        legend={`How connected do you feel to ${partner || "your partner"} today?`}
        value={rating}
        onChange={setRating}
        lowLabel="distant"
        highLabel="very close"
        testid="checkin-rating"
      />
      <label class="field">
        <span>Anything else? (optional)</span>
        <textarea
          value={note}
          maxLength={MAX_TEXT}
          rows={2}
          data-testid="checkin-note-input"
          onInput={(e) => setNote(e.currentTarget.value)}
        />
      </label>
      <ShareToggle
        partner={partner}
        checked={shared}
        onChange={setShared}
        wasShared={existing?.visibility === Visibility.SHARED}
        what="this check-in"
      />
      <ErrorNote text={error} />
      <div class="actions">
        <button type="submit" class="primary" disabled={busy} data-testid="checkin-save">
          {busy ? "Saving…" : existing ? "Save the change" : "Save my check-in"}
        </button>
        {onCancel && (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
