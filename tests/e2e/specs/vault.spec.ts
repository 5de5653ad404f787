// The vault's doors on the page: a new daemon is set up from its page, and a
// locked one opens only with the right passphrase.
import { expect, test } from "../harness/fixtures";

test("a new device is set up on its page; locked, a wrong passphrase is refused plainly and the right one opens it", async ({
  lab,
  openPage,
}) => {
  const alex = await lab.device("Alex");
  const page = await openPage(alex);

  // A daemon without a vault: the page offers to set it up.
  await expect(page.getByTestId("view-init")).toBeVisible();
  await page.getByTestId("init-name").fill("Alex");
  await page.getByTestId("init-passphrase").fill(alex.passphrase);
  await page.getByTestId("init-passphrase-again").fill(alex.passphrase);
  await page.getByTestId("init-submit").click();
  await expect(page.getByTestId("view-today")).toBeVisible();
  await expect(page.getByRole("banner")).toContainText("Alex");
  expect(await alex.state()).toBe("STATE_UNLOCKED");

  // Locked (from the page), the page asks for the passphrase.
  await page.getByTestId("lock").click();
  await expect(page.getByTestId("view-locked")).toBeVisible();
  expect(await alex.state()).toBe("STATE_LOCKED");
  await expect(page.getByTestId("nav-today")).toHaveCount(0);

  // A wrong passphrase: said plainly, and the vault stays locked.
  await page.getByTestId("unlock-passphrase").fill("not the passphrase at all");
  await page.getByTestId("unlock-submit").click();
  await expect(page.getByTestId("unlock-error")).toContainText(/passphrase is wrong/i);
  await expect(page.getByTestId("view-locked")).toBeVisible();
  expect(await alex.state()).toBe("STATE_LOCKED");

  // The right one opens it.
  await page.getByTestId("unlock-passphrase").fill(alex.passphrase);
  await page.getByTestId("unlock-submit").click();
  await expect(page.getByTestId("view-today")).toBeVisible();
  await expect(page.getByTestId("unlock-error")).toHaveCount(0);
  expect(await alex.state()).toBe("STATE_UNLOCKED");
});

test("a vault locked elsewhere (the CLI) turns the open page to the Locked view by itself", async ({ lab, openPage }) => {
  const alex = await lab.device("Alex", { init: true });
  const page = await openPage(alex);
  await expect(page.getByTestId("view-today")).toBeVisible();

  await alex.cli(["lock"]);
  await expect(page.getByTestId("view-locked")).toBeVisible();

  await alex.unlockByCli();
  await expect(page.getByTestId("view-today")).toBeVisible();
});

test("a journal entry half written when the vault locks is still there after unlocking", async ({ lab, openPage }) => {
  const alex = await lab.device("Alex", { init: true });
  const page = await openPage(alex, { hash: "view=journal" });
  await page.getByTestId("journal-new").click();
  await page.getByTestId("journal-title-input").fill("Half a thought");
  await page.getByTestId("journal-body-input").fill("I started writing this before the vault locked, and");

  await alex.cli(["lock"]);
  await expect(page.getByTestId("view-locked")).toBeVisible();
  // Nothing of the entry shows while locked.
  await expect(page.getByTestId("journal-form")).toBeHidden();

  await page.getByTestId("unlock-passphrase").fill(alex.passphrase);
  await page.getByTestId("unlock-submit").click();
  await expect(page.getByTestId("journal-body-input")).toHaveValue("I started writing this before the vault locked, and");
  await expect(page.getByTestId("journal-title-input")).toHaveValue("Half a thought");
  await page.getByTestId("journal-body-input").press("End");
  await page.getByTestId("journal-body-input").pressSequentially(" finished it after.");
  await page.getByTestId("journal-save").click();
  await expect(page.getByTestId("journal-entry-body")).toHaveText(
    "I started writing this before the vault locked, and finished it after.",
  );
});
