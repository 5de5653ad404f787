// The journal on the page: write an entry (private unless shared), change
// it, then share it; the partner's open page gets it only once shared.
import { goTo } from "../harness/actions";
import { expect, test } from "../harness/fixtures";

test("a journal entry is written, changed, and then shared with the partner's open page", async ({ lab, openPage }) => {
  const alex = await lab.device("Alex", { init: true });
  const sam = await lab.device("Sam", { init: true });
  await lab.pair(alex, sam);
  const page = await openPage(alex);
  const samPage = await openPage(sam);
  await goTo(samPage, "journal");
  await expect(samPage.getByTestId("journal-item")).toHaveCount(0);

  // Write: private unless "Share with Sam" is ticked.
  await goTo(page, "journal");
  await page.getByTestId("journal-new").click();
  const form = page.getByTestId("journal-form");
  await form.getByTestId("journal-title-input").fill("What I noticed tonight");
  await form.getByTestId("journal-body-input").fill("When Sam told me about the interview, I wanted to fix it.");
  await expect(form.getByTestId("share-toggle")).not.toBeChecked();
  await form.getByTestId("journal-save").click();

  const entry = page.getByTestId("journal-entry");
  await expect(entry.getByTestId("journal-entry-title")).toHaveText("What I noticed tonight");
  await expect(entry.getByTestId("journal-entry-body")).toHaveText("When Sam told me about the interview, I wanted to fix it.");
  await expect(entry.getByTestId("journal-entry-visibility")).toHaveText("private");

  // Change the body; still private.
  await entry.getByTestId("journal-edit").click();
  await page.getByTestId("journal-body-input").fill("When Sam told me about the interview, I wanted to fix it. I listened instead.");
  await page.getByTestId("journal-save").click();
  await expect(entry.getByTestId("journal-entry-body")).toHaveText(
    "When Sam told me about the interview, I wanted to fix it. I listened instead.",
  );
  await expect(entry.getByTestId("journal-entry-visibility")).toHaveText("private");
  expect(JSON.stringify(await alex.json(["journal", "list"]))).toContain("I listened instead.");

  // Back in the list: one entry, private.
  await page.getByTestId("journal-back").click();
  await expect(page.getByTestId("journal-item")).toHaveCount(1);
  await expect(page.getByTestId("journal-item")).toContainText("private");

  // Sam's page has nothing of it yet.
  await expect(samPage.getByTestId("journal-item")).toHaveCount(0);

  // Share it.
  await page.getByTestId("journal-item").click();
  await page.getByTestId("journal-edit").click();
  await page.getByTestId("share-toggle").check();
  await page.getByTestId("journal-save").click();
  await expect(page.getByTestId("journal-entry-visibility")).toHaveText(/shared with Sam/);

  // It arrives on Sam's open page by itself, as Alex's, readable.
  const item = samPage.getByTestId("journal-item");
  await expect(item).toHaveCount(1, { timeout: 60_000 });
  await expect(item).toContainText("What I noticed tonight");
  await expect(item).toContainText("Alex");
  await item.click();
  await expect(samPage.getByTestId("journal-entry-body")).toHaveText(
    "When Sam told me about the interview, I wanted to fix it. I listened instead.",
  );
  // Only its author changes it.
  await expect(samPage.getByTestId("journal-edit")).toHaveCount(0);
  await expect(samPage.getByTestId("journal-delete")).toHaveCount(0);
  await samPage.getByTestId("journal-back").click();

  // Alex deletes it (asked first); it goes from Sam's open page too.
  await page.getByTestId("journal-delete").click();
  await page.getByTestId("journal-delete-confirm").click();
  await expect(page.getByTestId("journal-new")).toBeVisible();
  await expect(page.getByTestId("journal-item")).toHaveCount(0);
  await expect(samPage.getByTestId("journal-item")).toHaveCount(0, { timeout: 60_000 });
});

test("a search finds an entry by a word in it, shows the word, and opens the entry", async ({ lab, openPage }) => {
  const alex = await lab.device("Alex", { init: true });
  await alex.cli(["journal", "add", "--title", "The walk home", "--body", "We stopped at the lighthouse and said nothing for a while."]);
  await alex.cli(["journal", "add", "--title", "Errands", "--body", "Bread, stamps, the pharmacy."]);
  const page = await openPage(alex, { hash: "view=journal" });

  await page.getByTestId("search-input").fill("lighthouse");
  await page.getByTestId("search-submit").click();
  const results = page.getByTestId("search-result");
  await expect(results).toHaveCount(1);
  await expect(results.first()).toContainText("The walk home");
  await expect(results.first().locator("mark")).toHaveText("lighthouse");

  await page.getByTestId("search-input").fill("harbour");
  await page.getByTestId("search-submit").click();
  await expect(page.getByTestId("search-none")).toBeVisible();

  await page.getByTestId("search-input").fill("light*");
  await page.getByTestId("search-submit").click();
  await results.first().getByRole("button").click();
  await expect(page.getByTestId("journal-entry-title")).toHaveText("The walk home");
});
