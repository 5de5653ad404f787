// Two fresh daemons become partners entirely through their pages: each is
// set up on its page, one makes an invite code, the other joins with it, and
// both show the same safety number; then the same with the short code.
import type { Locator, Page } from "@playwright/test";
import { goTo } from "../harness/actions";
import { expect, test } from "../harness/fixtures";
import type { Device, Lab } from "../harness/lab";

async function setUp(page: Page, d: Device): Promise<void> {
  await expect(page.getByTestId("view-init")).toBeVisible();
  await page.getByTestId("init-name").fill(d.name);
  await page.getByTestId("init-passphrase").fill(d.passphrase);
  await page.getByTestId("init-passphrase-again").fill(d.passphrase);
  await page.getByTestId("init-submit").click();
  await expect(page.getByTestId("view-today")).toBeVisible();
}

// Alex and Sam, each set up on a page of their own; Alex's page on Partner
// & devices with an invite just made.
async function twoFreshDevices(lab: Lab, openPage: (d: Device) => Promise<Page>) {
  const alex = await lab.device("Alex");
  const sam = await lab.device("Sam");
  const alexPage = await openPage(alex);
  const samPage = await openPage(sam);
  await Promise.all([setUp(alexPage, alex), setUp(samPage, sam)]);
  await goTo(alexPage, "partner");
  await alexPage.getByTestId("invite-create").click();
  return { alex, sam, alexPage, samPage };
}

// The safety number as twelve groups of five digits, spaces made single.
async function digits(shown: Locator): Promise<string> {
  await expect(shown).toHaveText(/^\s*(\d{5}\s+){11}\d{5}\s*$/);
  return ((await shown.textContent()) ?? "").replace(/\s+/g, " ").trim();
}

test("two fresh devices pair through their pages and show the same safety number", async ({ lab, openPage }) => {
  // Alex and Sam set up their pages; Alex makes an invite code.
  const { alex, alexPage, samPage } = await twoFreshDevices(lab, openPage);
  const code = (await alexPage.getByTestId("invite-code").textContent())?.trim() ?? "";
  expect(code).toMatch(/^attune-invite-[a-z2-7]+$/);
  await expect(alexPage.getByTestId("invite-qr")).toBeVisible();

  // Sam joins with it.
  await goTo(samPage, "partner");
  await samPage.getByTestId("join-code").fill(code);
  await samPage.getByTestId("join-submit").click();
  // Sam's page says who it paired with, and the safety number to compare.
  const joined = samPage.getByTestId("join-done");
  await expect(joined).toContainText("Alex", { timeout: 60_000 });
  const samNumber = await digits(joined.getByTestId("join-safety-number"));

  // Alex's open page lists Sam's device by itself, with the same number.
  const samDevice = alexPage.getByTestId("peer").filter({ hasText: "Sam" });
  await expect(samDevice).toBeVisible({ timeout: 60_000 });
  await samDevice.getByTestId("safety-show").click();
  const alexNumber = await digits(samDevice.getByTestId("safety-number"));
  expect(alexNumber).toBe(samNumber);

  // Sam's device list shows it too, the same.
  const alexDevice = samPage.getByTestId("peer").filter({ hasText: "Alex" });
  await expect(alexDevice).toBeVisible({ timeout: 60_000 });
  await alexDevice.getByTestId("safety-show").click();
  expect(await digits(alexDevice.getByTestId("safety-number"))).toBe(samNumber);

  // The daemons agree with what the pages show.
  const verify = await alex.cli(["pair", "verify"]);
  expect(verify.stdout.replace(/\s+/g, " ")).toContain(alexNumber);
  // And they are partners now: each names the other.
  await expect(alexPage.getByTestId("view-partner")).toContainText("You and Sam");
  await expect(alexPage.getByTestId("peer").getByTestId("peer-online")).toHaveText("online", { timeout: 60_000 });
});

test("the short code, typed as heard with the address beside it, pairs too", async ({ lab, openPage }) => {
  const { alex, alexPage, samPage } = await twoFreshDevices(lab, openPage);
  const shortCode = (await alexPage.getByTestId("invite-short-code").textContent())?.trim() ?? "";
  expect(shortCode).toMatch(/^([0-9A-Z]{4}-){4}[0-9A-Z]{4}$/);
  const address = (await alexPage.getByTestId("invite-address").textContent())?.trim() ?? "";
  expect(address).toMatch(/:\d+$/);

  // Sam types what Alex reads out: lower case, spaces for the dashes. The
  // address field appears for a short code.
  await goTo(samPage, "partner");
  await expect(samPage.getByTestId("join-address")).toHaveCount(0);
  await samPage.getByTestId("join-code").fill(shortCode.toLowerCase().replaceAll("-", " "));
  await samPage.getByTestId("join-address").fill(address);
  await samPage.getByTestId("join-submit").click();
  const joined = samPage.getByTestId("join-done");
  await expect(joined).toContainText("Alex", { timeout: 60_000 });
  const samNumber = await digits(joined.getByTestId("join-safety-number"));
  const verify = await alex.cli(["pair", "verify"]);
  expect(verify.stdout.replace(/\s+/g, " ")).toContain(samNumber);
});
