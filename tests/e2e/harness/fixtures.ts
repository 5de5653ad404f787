// The fixtures every spec uses:
//   lab       real daemons and gateways for this test (harness/lab.ts),
//             stopped when the test ends, their logs attached when it failed;
//   openPage  a page for one device, in its own browser context (its own
//             sessionStorage, as a second person's browser would be);
//   look      axe-core on the view shown (no serious or critical violation)
//             and screenshots of it at desktop and phone width, kept under
//             BUILD/e2e-artifacts/.
import AxeBuilder from "@axe-core/playwright";
import { test as base, expect, type BrowserContext, type Page } from "@playwright/test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ARTIFACTS_DIR, type Device, Lab } from "./lab";

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

interface OpenOptions {
  // More hash parameters: "view=goals", "timescale=0.01".
  hash?: string;
  // Open the address without its #token part.
  withoutToken?: boolean;
}

interface Fixtures {
  lab: Lab;
  openPage: (device: Device, options?: OpenOptions) => Promise<Page>;
  look: (page: Page, view: string) => Promise<void>;
}

// The fields of a request that hold a person's words or secrets (a record's
// text, a passphrase, an invite code, an exercise's answer).
const WORD_FIELDS = new Set(["high", "low", "note", "title", "body", "passphrase", "code", "text"]);

function noteWords(value: unknown, note: (text: string) => void, key = ""): void {
  if (typeof value === "string") {
    if (WORD_FIELDS.has(key)) note(value);
  } else if (Array.isArray(value)) {
    for (const v of value) noteWords(v, note, key);
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) noteWords(v, note, k);
  }
}

// Rules whose findings are as serious for a person as a test failure.
const BLOCKING = new Set(["serious", "critical"]);

export const test = base.extend<Fixtures>({
  lab: async ({}, use, testInfo) => {
    const lab = new Lab();
    try {
      await use(lab);
    } finally {
      if (testInfo.status !== testInfo.expectedStatus) {
        for (const d of lab.devices) {
          for (const log of d.logs()) await testInfo.attach(log.name, { path: log.path, contentType: "text/plain" });
        }
      }
      const inLogs = await lab.close();
      // attune-web logs a call's method and outcome, never its content; the
      // daemon logs no person's words either.
      expect(inLogs, "a person's words or a secret were written to a log").toEqual([]);
    }
  },

  openPage: async ({ browser, lab }, use, testInfo) => {
    const contexts: { context: BrowserContext; name: string; console: string[] }[] = [];
    await use(async (device, options = {}) => {
      const context = await browser.newContext({ viewport: DESKTOP, timezoneId: "UTC", locale: "en-GB" });
      const entry = { context, name: device.name, console: [] as string[] };
      contexts.push(entry);
      const page = await context.newPage();
      page.on("console", (m) => {
        if (m.type() === "error" || m.type() === "warning") entry.console.push(`${m.type()}: ${m.text()}`);
      });
      page.on("pageerror", (e) => entry.console.push(`pageerror: ${e.message}`));
      // What the page sends the daemon as a person's words is a canary.
      page.on("request", (request) => {
        if (request.method() !== "POST" || !new URL(request.url()).pathname.startsWith("/attune.v1.")) return;
        try {
          noteWords(JSON.parse(request.postData() ?? "null"), (text) => lab.noteCanary(text));
        } catch {
          // not JSON: nothing of a person's in it
        }
      });
      const url = options.withoutToken
        ? `${device.origin}/${options.hash ? "#" + options.hash : ""}`
        : device.url(options.hash ?? "");
      await page.goto(url);
      return page;
    });
    for (const { context, name, console } of contexts) {
      if (console.length && testInfo.status !== testInfo.expectedStatus) {
        await testInfo.attach(`${name}-console.txt`, { body: console.join("\n"), contentType: "text/plain" });
      }
      await context.close();
    }
  },

  look: async ({}, use, testInfo) => {
    await use(async (page, view) => {
      const shots = join(ARTIFACTS_DIR, "screenshots");
      const axeDir = join(ARTIFACTS_DIR, "axe");
      mkdirSync(shots, { recursive: true });
      mkdirSync(axeDir, { recursive: true });
      const before = page.viewportSize() ?? DESKTOP;
      const found: string[] = [];
      for (const [label, size] of [
        ["desktop", DESKTOP],
        ["phone", PHONE],
      ] as const) {
        await page.setViewportSize(size);
        // Let layout and any chart resize settle: the next animation frames.
        await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
        const path = join(shots, `${view}-${label}.png`);
        await page.screenshot({ path, fullPage: true, animations: "disabled" });
        const results = await new AxeBuilder({ page }).analyze();
        writeFileSync(
          join(axeDir, `${view}-${label}.json`),
          JSON.stringify({ url: results.url, passes: results.passes.map((r) => r.id), violations: results.violations, incomplete: results.incomplete }, null, 2),
        );
        // axe ran its rules on the page (a page it could not reach would pass nothing).
        expect(results.passes.length, `axe-core checked nothing on "${view}"`).toBeGreaterThan(5);
        for (const v of results.violations) {
          if (!BLOCKING.has(v.impact ?? "")) continue;
          const where = v.nodes
            .slice(0, 3)
            .map((n) => n.target.join(" "))
            .join("; ");
          found.push(`${label}: ${v.impact} ${v.id} (${v.help}) at ${where}`);
        }
      }
      await page.setViewportSize(before);
      expect.soft(found, `axe-core: serious or critical violations on the view "${view}"`).toEqual([]);
    });
  },
});

export { expect };
