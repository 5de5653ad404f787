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

test("a lost passphrase: the recovery kit's code opens the page's vault and a new passphrase takes over", async ({
  lab,
  openPage,
}) => {
  const alex = await lab.device("Alex", { init: true });
  const page = await openPage(alex, { hash: "view=partner" });

  // Made on the page: it asks for the passphrase and shows the code once.
  await expect(page.getByTestId("recovery-kit-state")).toContainText(/None yet/);
  await page.getByTestId("recovery-kit-create").click();
  await page.getByTestId("recovery-kit-passphrase").fill("not the passphrase at all");
  await page.getByTestId("recovery-kit-submit").click();
  await expect(page.getByTestId("recovery-kit-error")).toContainText(/passphrase is wrong/i);
  await page.getByTestId("recovery-kit-passphrase").fill(alex.passphrase);
  await page.getByTestId("recovery-kit-submit").click();
  const code = (await page.getByTestId("recovery-code").textContent()) ?? "";
  expect(code).toMatch(/^([A-Z2-7]{9}-){3}[A-Z2-7]{9}$/);
  lab.noteCanary(code);
  await expect(page.getByTestId("recovery-qr")).toBeVisible();
  expect((await alex.json(["status"])).recoveryKitCreateTime).toBeTruthy();

  await page.getByTestId("lock").click();
  await expect(page.getByTestId("view-locked")).toBeVisible();

  await page.getByTestId("unlock-lost").click();
  await expect(page.getByTestId("view-recover")).toBeVisible();
  const fresh = "a passphrase chosen after losing the first";
  lab.noteCanary(fresh);
  // A code from no kit of this vault: said plainly, still locked.
  await page.getByTestId("recover-code").fill("AAAAAAAAA-AAAAAAAAA-AAAAAAAAA-AAAAAAAAA");
  await page.getByTestId("recover-passphrase").fill(fresh);
  await page.getByTestId("recover-passphrase-again").fill(fresh);
  await page.getByTestId("recover-submit").click();
  await expect(page.getByTestId("recover-error")).toContainText(/does not open this vault/i);
  expect(await alex.state()).toBe("STATE_LOCKED");

  // Typed as a person might: lower case, spaces for dashes.
  await page.getByTestId("recover-code").fill(code.toLowerCase().replaceAll("-", " "));
  await page.getByTestId("recover-submit").click();
  await expect(page.getByTestId("view-partner")).toBeVisible();
  expect(await alex.state()).toBe("STATE_UNLOCKED");
  // Shown once: the lock made the page forget the code.
  await expect(page.getByTestId("recovery-code")).toHaveCount(0);
  await expect(page.getByTestId("recovery-kit-state")).toContainText(/You made one on/);

  // The new passphrase opens it from now on; the old one does not.
  await page.getByTestId("lock").click();
  await page.getByTestId("unlock-passphrase").fill(alex.passphrase);
  await page.getByTestId("unlock-submit").click();
  await expect(page.getByTestId("unlock-error")).toContainText(/passphrase is wrong/i);
  await page.getByTestId("unlock-passphrase").fill(fresh);
  await page.getByTestId("unlock-submit").click();
  await expect(page.getByTestId("view-partner")).toBeVisible();
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
