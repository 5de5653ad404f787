// When attuned stops, the open page says so and what to run; when it is
// back, the page carries on by itself.
import { expect, test } from "../harness/fixtures";

test("the daemon stopped: the page says what to run, and carries on once it is back", async ({ lab, openPage }) => {
  const alex = await lab.device("Alex", { init: true });
  const page = await openPage(alex);
  await expect(page.getByTestId("view-today")).toBeVisible();

  await alex.stopDaemon();
  const down = page.getByTestId("view-daemon-down");
  await expect(down).toBeVisible();
  // What to run, in words a person can type.
  await expect(down).toContainText("systemctl --user start attuned");

  // Back (locked, as every start of attuned is): the page follows without a
  // reload.
  await alex.startDaemon();
  await expect(page.getByTestId("view-locked")).toBeVisible();
  await page.getByTestId("unlock-passphrase").fill(alex.passphrase);
  await page.getByTestId("unlock-submit").click();
  await expect(page.getByTestId("view-today")).toBeVisible();
});

test("a page opened while the daemon is not running says what to run", async ({ lab, openPage }) => {
  const alex = await lab.device("Alex", { init: true });
  await alex.stopDaemon();
  const page = await openPage(alex);
  const down = page.getByTestId("view-daemon-down");
  await expect(down).toBeVisible();
  await expect(down).toContainText("systemctl --user start attuned");
});
