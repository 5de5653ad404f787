// An exercise run on the page from its start to its end, timed turns
// included (shortened by the test-only "&timescale=0.01" in the address).
import { goTo, runExercise } from "../harness/actions";
import { expect, test } from "../harness/fixtures";

test("the reflective listening drill runs to its end and is kept", async ({ lab, openPage }) => {
  const alex = await lab.device("Alex", { init: true });
  const page = await openPage(alex, { hash: "timescale=0.01" });
  await goTo(page, "exercises");
  await page.getByTestId("exercise-reflective-listening").getByTestId("exercise-choose").click();
  await expect(page.getByTestId("exercise-start-form")).toBeVisible();
  await page.getByTestId("exercise-partner-input").fill("Sam");
  await page.getByTestId("exercise-start").click();
  await expect(page.getByTestId("exercise-runner")).toBeVisible();

  const kinds = await runExercise(page);
  expect(kinds).toContain("timedTurn");
  await expect(page.getByTestId("exercise-finished")).toContainText("Reflective listening");

  // Kept: the daemon lists the session, and so does the page.
  expect(JSON.stringify(await alex.json(["exercise", "sessions"]))).toContain("reflective-listening");
  await page.getByTestId("exercise-close").click();
  await expect(page.getByTestId("exercise-sessions")).toContainText("Reflective listening");
});

test("an exercise that would replace today's check-in asks first, and keeps it unless told", async ({ lab, openPage }) => {
  const alex = await lab.device("Alex", { init: true });
  await alex.cli(["checkin", "--high", "A morning walk together before work.", "--low", "A short night.", "--rating", "4", "--private"]);
  const page = await openPage(alex, { hash: "timescale=0.01" });

  const startDailyCheckIn = async () => {
    await goTo(page, "exercises");
    await page.getByTestId("exercise-daily-checkin").getByTestId("exercise-choose").click();
    await page.getByTestId("exercise-partner-input").fill("Sam");
    await page.getByTestId("exercise-start").click();
    await runExercise(page);
  };
  const todays = async () => JSON.stringify(await alex.json(["checkin", "list"]));

  // Asked; "keep mine" stores nothing.
  await startDailyCheckIn();
  const ask = page.getByTestId("exercise-replace-ask");
  await expect(ask).toContainText("already");
  await ask.getByTestId("exercise-replace-no").click();
  await expect(page.getByTestId("exercise-list")).toBeVisible();
  expect(await todays()).toContain("A morning walk together before work.");
  expect(JSON.stringify(await alex.json(["exercise", "sessions"]))).not.toContain("daily-checkin");

  // Asked again; "replace it" replaces it, and Today says it was changed.
  await startDailyCheckIn();
  await page.getByTestId("exercise-replace-ask").getByTestId("exercise-replace-yes").click();
  await expect(page.getByTestId("exercise-finished")).toBeVisible();
  expect(await todays()).not.toContain("A morning walk together before work.");
  await goTo(page, "today");
  await expect(page.getByTestId("my-checkin")).toContainText("changed at");
});
