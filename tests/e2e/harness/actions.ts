// What a person does on the page, step by step, by the names the page
// gives its controls (clients/web/page/README.md lists them).
import { expect, type Page } from "@playwright/test";

export interface CheckInText {
  high: string;
  low: string;
  rating: 1 | 2 | 3 | 4 | 5;
  shared: boolean;
  feeling?: string;
}

// Writes today's check-in on the Today view.
export async function writeCheckIn(page: Page, c: CheckInText): Promise<void> {
  await goTo(page, "today");
  const form = page.getByTestId("checkin-form");
  await expect(form).toBeVisible();
  await form.getByTestId("checkin-high-input").fill(c.high);
  await form.getByTestId("checkin-low-input").fill(c.low);
  if (c.feeling) await pickFeeling(page, c.feeling);
  await form.getByTestId(`checkin-rating-${c.rating}`).check();
  const share = form.getByTestId("share-toggle");
  // Private unless the person ticks it.
  await expect(share).not.toBeChecked();
  if (c.shared) await share.check();
  await form.getByTestId("checkin-save").click();
  await expect(page.getByTestId("my-checkin")).toBeVisible();
}

// Ticks one feeling in the feelings picker, opening its family.
export async function pickFeeling(page: Page, label: string): Promise<void> {
  const box = page.getByTestId(`feeling-${label}`);
  if (!(await box.isVisible())) {
    // Its family is folded: open the <details> that holds it.
    await page.locator("details.family", { has: box }).locator("summary").click();
  }
  await box.check();
}

// Follows the navigation to a view, as a person clicks it.
export async function goTo(page: Page, view: "today" | "journal" | "goals" | "exercises" | "trends" | "partner"): Promise<void> {
  const link = page.getByTestId(`nav-${view}`);
  await link.click();
  await expect(link).toHaveAttribute("aria-current", "page");
  await expect(page.getByTestId(`view-${view}`)).toBeVisible();
}

// Answers the exercise's steps one by one until it is finished (or asks
// whether to replace today's check-in), as a couple at one screen would: Go
// on through prompts, the timer through timed turns (the address's timescale
// makes them short), a few words, a feeling, a rating. Returns the kinds of
// steps met, in order. `onStep` sees each step before it is answered (and a
// timed turn once its time is up, as "timedTurn-over").
export async function runExercise(
  page: Page,
  onStep: (kind: string, index: number) => Promise<void> = async () => undefined,
  maxSteps = 80,
): Promise<string[]> {
  const kinds: string[] = [];
  let lastNumber = "";
  for (let i = 0; i < maxSteps; i++) {
    const step = page.getByTestId("step");
    // The next step (its line says its number: "Step 3 · for Sam"), or the
    // end; read in one go in the page, as the step may give way to the next
    // at any moment.
    const shown = () =>
      page.evaluate((last) => {
        if (document.querySelector('[data-testid="exercise-finished"]')) return "finished";
        if (document.querySelector('[data-testid="exercise-replace-ask"]')) return "replace-ask";
        const text = document.querySelector('[data-testid="step"] .meta')?.textContent ?? "";
        return text !== last ? text : "";
      }, lastNumber);
    await expect.poll(shown, { intervals: [25, 50, 100, 200] }).not.toBe("");
    const now = await shown();
    if (now === "finished" || now === "replace-ask") return kinds;
    lastNumber = now;
    const kind = (await step.getAttribute("data-step-kind")) ?? "";
    kinds.push(kind);
    await onStep(kind, i);
    switch (kind) {
      case "timedTurn":
        await step.getByTestId("countdown-start").click();
        await expect(step.getByTestId("countdown-over")).toBeVisible();
        await onStep("timedTurn-over", i);
        break;
      case "textInput":
        await step.getByTestId("step-text-input").fill(`Answer ${i + 1}: saying the feeling back was harder than the facts.`);
        break;
      case "ratingInput":
        await step.getByTestId("step-rating-4").check();
        break;
      case "choiceInput":
        await step.locator('[data-testid^="choice-"]').first().check();
        break;
      case "emotionInput": {
        const first = step.locator('[data-testid^="feeling-"]').first();
        if (!(await first.isVisible())) await step.locator("details.family summary").first().click();
        await first.check();
        break;
      }
      default:
        break;
    }
    await step.getByTestId("step-next").click();
  }
  throw new Error(`the exercise did not finish within ${maxSteps} steps (${kinds.join(", ")})`);
}
