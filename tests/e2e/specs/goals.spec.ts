// Goals on the page: create one, log progress, see it counted and charted;
// a shared goal counts both partners.
import { goTo } from "../harness/actions";
import { expect, test } from "../harness/fixtures";

test("a goal is created, progress is logged, and its chart is drawn", async ({ lab, openPage }) => {
  const alex = await lab.device("Alex", { init: true });
  const page = await openPage(alex);
  await goTo(page, "goals");
  await page.getByTestId("goal-new").click();
  const form = page.getByTestId("goal-form");
  await form.getByTestId("goal-title-input").fill("Reflective listening");
  await form.getByTestId("goal-times-input").fill("2");
  await form.getByTestId("goal-period-input").selectOption({ label: "week" });
  await form.getByTestId("goal-periods-input").fill("4");
  await form.getByTestId("goal-save").click();

  const card = page.getByTestId("goal-card").filter({ hasText: "Reflective listening" });
  await expect(card).toHaveCount(1);
  await expect(card).toContainText("twice a week, for 4 weeks");
  await expect(card.getByTestId("goal-current")).toContainText("0 of 2");

  await card.getByTestId("goal-note-input").fill("Ten minutes each after dinner.");
  await card.getByTestId("goal-log").click();
  await expect(card.getByTestId("goal-current")).toContainText("1 of 2");

  // The chart: a uPlot canvas, with a text label for screen readers.
  const chart = card.getByTestId("goal-chart");
  await expect(chart.locator("canvas").first()).toBeVisible();
  await expect(chart).toHaveAttribute("aria-label", /1 of 8 in all/);
  const drawn = await chart.locator("canvas").first().evaluate((c: HTMLCanvasElement) => c.width > 0 && c.height > 0);
  expect(drawn).toBe(true);

  // What the daemon holds agrees.
  const goals = await alex.json(["goal", "list"]);
  expect(JSON.stringify(goals)).toContain("Reflective listening");

  // Undo takes back the last one.
  await card.getByTestId("goal-undo").click();
  await expect(card.getByTestId("goal-current")).toContainText("0 of 2");
});

test("progress on a shared goal logged on Sam's page counts on Alex's open page", async ({ lab, openPage }) => {
  const alex = await lab.device("Alex", { init: true });
  const sam = await lab.device("Sam", { init: true });
  await lab.pair(alex, sam);
  const alexPage = await openPage(alex);
  const samPage = await openPage(sam);

  await goTo(alexPage, "goals");
  await alexPage.getByTestId("goal-new").click();
  await alexPage.getByTestId("goal-title-input").fill("Ten minutes of uninterrupted listening");
  await alexPage.getByTestId("share-toggle").check();
  await alexPage.getByTestId("goal-save").click();
  const alexCard = alexPage.getByTestId("goal-card");
  await expect(alexCard).toContainText("shared");
  await alexCard.getByTestId("goal-log").click();
  await expect(alexCard.getByTestId("goal-current")).toContainText("1 of 2");

  await goTo(samPage, "goals");
  const samCard = samPage.getByTestId("goal-card");
  await expect(samCard).toContainText("Ten minutes of uninterrupted listening", { timeout: 60_000 });
  await expect(samCard).toContainText("Alex's goal");
  await expect(samCard.getByTestId("goal-current")).toContainText("1 of 2", { timeout: 60_000 });
  await samCard.getByTestId("goal-log").click();
  await expect(samCard.getByTestId("goal-current")).toContainText("2 of 2");

  // On Alex's open page, without a reload.
  await expect(alexCard.getByTestId("goal-current")).toContainText("2 of 2", { timeout: 60_000 });
  await expect(alexCard.getByTestId("goal-contributions")).toContainText("Sam 1");
  // Only its author may change it.
  await expect(samCard.getByTestId("goal-delete")).toHaveCount(0);
});
