// The browser tests of attune-web (tests/e2e/run runs them): real attuned
// and attune-web processes per test, driven through Debian's Chromium. No
// browser is ever downloaded.
import { defineConfig } from "@playwright/test";
import { join } from "node:path";
import { ARTIFACTS_DIR } from "./harness/lab";

export default defineConfig({
  testDir: "./specs",
  globalSetup: "./harness/setup.ts",
  globalTeardown: "./harness/teardown.ts",
  outputDir: join(ARTIFACTS_DIR, "test-results"),
  // A test waits on conditions, never on the clock; these bound a test that
  // hangs. Generous for the ASan build on a busy two-core machine.
  timeout: 240_000,
  expect: { timeout: 45_000 },
  fullyParallel: true,
  workers: Number(process.env.ATTUNE_E2E_WORKERS ?? 2),
  retries: 0,
  forbidOnly: true,
  reporter: [["list"], ["junit", { outputFile: join(ARTIFACTS_DIR, "junit.xml") }]],
  use: {
    browserName: "chromium",
    headless: true,
    launchOptions: {
      executablePath: process.env.ATTUNE_E2E_CHROMIUM ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
    actionTimeout: 45_000,
    navigationTimeout: 45_000,
    screenshot: "only-on-failure",
    trace: process.env.ATTUNE_E2E_TRACE ? "retain-on-failure" : "off",
  },
});
