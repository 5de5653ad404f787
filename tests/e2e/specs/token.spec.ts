// Only the page opened from attune-web's own address (with its token) may
// talk to the daemon.
import { expect, test } from "../harness/fixtures";

test("an API call without the token is refused with 401 unauthenticated, one with it answers", async ({ lab, openPage }) => {
  const alex = await lab.device("Alex", { init: true });
  const page = await openPage(alex);
  await expect(page.getByTestId("view-today")).toBeVisible();

  const call = (authorization: string | null) =>
    page.evaluate(async (auth) => {
      const headers: Record<string, string> = { "Content-Type": "application/json", "Connect-Protocol-Version": "1" };
      if (auth !== null) headers.Authorization = auth;
      const r = await fetch("/attune.v1.VaultService/GetStatus", { method: "POST", headers, body: "{}" });
      return { status: r.status, body: await r.text() };
    }, authorization);

  const without = await call(null);
  expect(without.status).toBe(401);
  expect(JSON.parse(without.body).code).toBe("unauthenticated");

  const wrong = await call("Bearer " + "0".repeat(alex.token.length));
  expect(wrong.status).toBe(401);
  expect(JSON.parse(wrong.body).code).toBe("unauthenticated");
  // The refusal never quotes what was sent.
  expect(wrong.body).not.toContain("0".repeat(16));

  const right = await call(`Bearer ${alex.token}`);
  expect(right.status).toBe(200);
  expect(JSON.parse(right.body).displayName).toBe("Alex");
});

test("a page opened without #token says how to get its address, and reads nothing", async ({ lab, openPage }) => {
  const alex = await lab.device("Alex", { init: true });
  const page = await openPage(alex, { withoutToken: true });
  const notice = page.getByTestId("view-no-token");
  await expect(notice).toBeVisible();
  await expect(notice).toContainText("attune-web --print-url");
  await expect(page.getByTestId("nav-today")).toHaveCount(0);
});

test("a page with a token that is not (or no longer) valid says so and how to get the address", async ({ lab, openPage }) => {
  const alex = await lab.device("Alex", { init: true });
  const page = await openPage(alex, { withoutToken: true, hash: "token=" + "A".repeat(43) });
  const notice = page.getByTestId("view-bad-token");
  await expect(notice).toBeVisible();
  await expect(notice).toContainText("attune-web --print-url");
});
