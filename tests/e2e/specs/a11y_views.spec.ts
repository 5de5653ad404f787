// Every view of the page, as a person meets it: axe-core finds no serious or
// critical violation on it, and it is kept as screenshots at desktop
// (1280x800) and phone (390x844) width under BUILD/e2e-artifacts/screenshots.
import { goTo, pickFeeling, runExercise, writeCheckIn } from "../harness/actions";
import { expect, test } from "../harness/fixtures";

// Each test walks many views, scanning and photographing each at two widths:
// minutes of work, which a busy machine (CI beside other builds) stretches.
test.describe.configure({ timeout: 600_000 });

test("the doors: set-up, locked, wrong passphrase, no token, bad token, daemon down", async ({ lab, openPage, look }) => {
  const alex = await lab.device("Alex");
  const page = await openPage(alex);
  await expect(page.getByTestId("view-init")).toBeVisible();
  await look(page, "init");
  // A refused set-up says why.
  await page.getByTestId("init-name").fill("Alex");
  await page.getByTestId("init-passphrase").fill(alex.passphrase);
  await page.getByTestId("init-passphrase-again").fill(alex.passphrase + " but different");
  await page.getByTestId("init-submit").click();
  await expect(page.getByTestId("init-error")).toBeVisible();
  await look(page, "init-error");

  await alex.initByCli();
  await alex.cli(["lock"]);
  await expect(page.getByTestId("view-locked")).toBeVisible();
  await look(page, "locked");
  await page.getByTestId("unlock-passphrase").fill("not the passphrase at all");
  await page.getByTestId("unlock-submit").click();
  await expect(page.getByTestId("unlock-error")).toBeVisible();
  await look(page, "locked-wrong-passphrase");

  const noToken = await openPage(alex, { withoutToken: true });
  await expect(noToken.getByTestId("view-no-token")).toBeVisible();
  await look(noToken, "no-token");
  const badToken = await openPage(alex, { withoutToken: true, hash: "token=" + "A".repeat(43) });
  await expect(badToken.getByTestId("view-bad-token")).toBeVisible();
  await look(badToken, "bad-token");

  await alex.stopDaemon();
  await expect(page.getByTestId("view-daemon-down")).toBeVisible();
  await look(page, "daemon-down");
});

test("the records: today, journal, goals, trends", async ({ lab, openPage, look }) => {
  const alex = await lab.device("Alex", { init: true });
  const sam = await lab.device("Sam", { init: true });
  await lab.pair(alex, sam);
  await sam.cli([
    "checkin", "--high", "Alex listened to the whole story without fixing it.",
    "--low", "I felt anxious about tomorrow's interview.",
    "--emotion", "connected:4", "--emotion", "anxious:3", "--rating", "5", "--shared",
  ]);
  const page = await openPage(alex);
  await expect(page.getByTestId("partner-checkin")).toBeVisible({ timeout: 60_000 });
  await look(page, "today-form");

  await page.getByTestId("checkin-high-input").fill("We cooked dinner together.");
  await page.getByTestId("checkin-low-input").fill("The late work call.");
  await pickFeeling(page, "grateful");
  await look(page, "today-form-filled");
  await page.getByTestId("checkin-low-input").fill("");
  await writeCheckIn(page, { high: "We cooked dinner together.", low: "The late work call.", rating: 4, shared: true });
  await look(page, "today");

  await alex.cli(["journal", "add", "--title", "What I noticed tonight", "--body", "I tried to just listen.", "--emotion", "hopeful:3"]);
  await sam.cli(["journal", "add", "--title", "Sam's shared thought", "--body", "Thank you for listening.", "--shared"]);
  await goTo(page, "journal");
  await expect(page.getByTestId("journal-item")).toHaveCount(2, { timeout: 60_000 });
  await look(page, "journal");
  await page.getByTestId("journal-item").filter({ hasText: "What I noticed tonight" }).click();
  await expect(page.getByTestId("journal-entry-body")).toBeVisible();
  await look(page, "journal-entry");
  await page.getByTestId("journal-back").click();
  await page.getByTestId("journal-item").filter({ hasText: "Sam's shared thought" }).click();
  await expect(page.getByTestId("journal-entry-body")).toBeVisible();
  await look(page, "journal-entry-partner");
  await page.getByTestId("journal-back").click();
  await page.getByTestId("journal-new").click();
  await expect(page.getByTestId("journal-form")).toBeVisible();
  await look(page, "journal-write");

  const made = await alex.json(["goal", "add", "Reflective listening", "--times", "2", "--per", "week", "--for", "4", "--shared"]);
  const goalId = String(made.name ?? made.goal?.name ?? "").replace(/^goals\//, "");
  await alex.cli(["goal", "log", goalId, "--note", "After dinner."]);
  await goTo(page, "goals");
  await expect(page.getByTestId("goal-chart").locator("canvas").first()).toBeVisible();
  await look(page, "goals");
  await page.getByTestId("goal-new").click();
  await expect(page.getByTestId("goal-form")).toBeVisible();
  await look(page, "goal-form");

  await goTo(page, "trends");
  await expect(page.getByTestId("trends-connection-chart")).toBeVisible();
  await look(page, "trends");
});

test("partner and devices, and the exercises", async ({ lab, openPage, look }) => {
  const alex = await lab.device("Alex", { init: true });
  const sam = await lab.device("Sam", { init: true });
  const page = await openPage(alex, { hash: "timescale=0.01" });

  await goTo(page, "partner");
  await look(page, "partner-unpaired");
  await page.getByTestId("invite-create").click();
  const code = (await page.getByTestId("invite-code").textContent())?.trim() ?? "";
  await look(page, "partner-invite");
  await sam.cli(["pair", "join", code]);
  await expect(page.getByTestId("peer")).toBeVisible({ timeout: 60_000 });
  await page.getByTestId("safety-show").click();
  await expect(page.getByTestId("safety-number")).toBeVisible();
  await look(page, "partner-paired");

  await goTo(page, "exercises");
  await look(page, "exercises");
  await page.getByTestId("exercise-reflective-listening").getByTestId("exercise-choose").click();
  await look(page, "exercise-start");
  await page.getByTestId("exercise-start").click();
  const seen = new Set<string>();
  await runExercise(page, async (kind) => {
    if (seen.has(kind)) return;
    seen.add(kind);
    await look(page, `exercise-step-${kind}`);
  });
  await look(page, "exercise-finished");
  await page.getByTestId("exercise-close").click();
  await expect(page.getByTestId("exercise-sessions")).toBeVisible();
  await look(page, "exercises-done-before");

  // The question before an exercise replaces today's check-in.
  await alex.cli(["checkin", "--high", "A morning walk together.", "--low", "A short night.", "--rating", "4", "--private"]);
  await page.getByTestId("exercise-daily-checkin").getByTestId("exercise-choose").click();
  await page.getByTestId("exercise-start").click();
  await runExercise(page);
  await expect(page.getByTestId("exercise-replace-ask")).toBeVisible();
  await look(page, "exercise-replace-ask");
  await page.getByTestId("exercise-replace-no").click();
  await expect(page.getByTestId("exercise-list")).toBeVisible();
});
