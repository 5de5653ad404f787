// Check-ins between two paired devices, each with its own page: shared ones
// arrive on the partner's open page by themselves, sealed until the partner
// has checked in for the day (reveal together); private ones never leave the
// device.
import { writeCheckIn } from "../harness/actions";
import { expect, test } from "../harness/fixtures";

test("a check-in shared on Alex's page shows on Sam's open page without a reload", async ({ lab, openPage }) => {
  const alex = await lab.device("Alex", { init: true });
  const sam = await lab.device("Sam", { init: true });
  await lab.pair(alex, sam);

  const alexPage = await openPage(alex);
  const samPage = await openPage(sam);
  await expect(samPage.getByTestId("view-today")).toBeVisible();
  await expect(samPage.getByTestId("partner-checkin-none")).toBeVisible();
  // Sam's pages are never reloaded below: what arrives, arrives live.
  let samLoads = 0;
  samPage.on("load", () => samLoads++);
  // Sam, reading the journal in another tab, is told of it.
  const samElsewhere = await openPage(sam, { hash: "view=journal" });
  await expect(samElsewhere.getByTestId("view-journal")).toBeVisible();
  samElsewhere.on("load", () => samLoads++);

  await writeCheckIn(alexPage, {
    high: "We cooked dinner together and laughed about the burnt rice.",
    low: "The late work call cut into our evening.",
    rating: 4,
    shared: true,
  });
  await expect(alexPage.getByTestId("my-checkin-sharing")).toContainText("Shared with Sam");

  // Reveal together: it arrives sealed until Sam has checked in for the day.
  const arrived = samPage.getByTestId("partner-checkin");
  await expect(arrived).toBeVisible({ timeout: 60_000 });
  await expect(arrived.getByTestId("checkin-sealed")).toContainText("Alex checked in. Write yours for this day to see it.");
  await expect(arrived.getByTestId("checkin-high")).toHaveCount(0);
  await expect(samElsewhere.getByTestId("notice")).toContainText("Alex shared a check-in");
  await writeCheckIn(samPage, {
    high: "A long walk by the river after work.",
    low: "Too many emails.",
    rating: 4,
    shared: true,
  });
  // Alex's device sees Sam's and releases its key: it opens on Sam's open page.
  await expect(arrived.getByTestId("checkin-high")).toHaveText("We cooked dinner together and laughed about the burnt rice.", {
    timeout: 60_000,
  });
  await expect(arrived.getByTestId("checkin-low")).toHaveText("The late work call cut into our evening.");
  await expect(arrived).toContainText("Alex");
  await expect(arrived.getByTestId("checkin-rating")).toContainText("4 of 5");
  await expect(samPage.getByTestId("partner-checkin-none")).toHaveCount(0);

  // Alex changes it. Unticking "share" would warn that it stops being
  // shared from now on; Alex keeps it shared and changes the high.
  await alexPage.getByTestId("checkin-change").click();
  const form = alexPage.getByTestId("checkin-form");
  await expect(form.getByTestId("share-toggle")).toBeChecked();
  await form.getByTestId("share-toggle").uncheck();
  await expect(form.getByTestId("unshare-warning")).toContainText("stops being shared");
  await form.getByTestId("share-toggle").check();
  await expect(form.getByTestId("unshare-warning")).toHaveCount(0);
  await form.getByTestId("checkin-high-input").fill("We cooked dinner together, and the rice was only a little burnt.");
  await form.getByTestId("checkin-save").click();
  await expect(alexPage.getByTestId("my-checkin").getByTestId("checkin-high")).toHaveText(
    "We cooked dinner together, and the rice was only a little burnt.",
  );

  // Sam's open page shows the new words, marked as changed.
  await expect(arrived.getByTestId("checkin-high")).toHaveText(
    "We cooked dinner together, and the rice was only a little burnt.",
    { timeout: 60_000 },
  );
  await expect(arrived).toContainText("changed at");
  await expect(samPage.getByTestId("partner-checkin")).toHaveCount(1);
  expect(samLoads).toBe(0);
});

test("a check-in left private on Alex's page never shows on Sam's", async ({ lab, openPage }) => {
  const alex = await lab.device("Alex", { init: true });
  const sam = await lab.device("Sam", { init: true });
  await lab.pair(alex, sam);

  const alexPage = await openPage(alex);
  const samPage = await openPage(sam);
  await expect(samPage.getByTestId("partner-checkin-none")).toBeVisible();

  await writeCheckIn(alexPage, {
    high: "A private high that is only mine to read.",
    low: "A private low that is only mine to read.",
    rating: 2,
    shared: false,
  });
  await expect(alexPage.getByTestId("my-checkin-sharing")).toContainText("Private to you");

  // Something Alex shares after it reaches Sam: by then the private
  // check-in would have arrived too, had it been sent at all.
  await alex.cli(["journal", "add", "--title", "Written after the check-in", "--body", "A shared line.", "--shared"]);
  await expect
    .poll(async () => JSON.stringify(await sam.json(["journal", "list"])), { timeout: 60_000 })
    .toContain("Written after the check-in");

  // Sam's open page, and a fresh one, show no check-in of Alex's.
  await expect(samPage.getByTestId("partner-checkin-none")).toBeVisible();
  await expect(samPage.getByTestId("partner-checkin")).toHaveCount(0);
  const fresh = await openPage(sam);
  await expect(fresh.getByTestId("view-today")).toBeVisible();
  await expect(fresh.getByTestId("partner-checkin-none")).toBeVisible();
  await expect(fresh.getByTestId("partner-checkin")).toHaveCount(0);
  await expect(fresh.locator("body")).not.toContainText("only mine to read");
  // Nor does Sam's daemon hold it.
  expect(JSON.stringify(await sam.json(["checkin", "list"]))).not.toContain("only mine to read");
});
