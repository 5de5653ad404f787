// The page's benchmark (bench/page.bench.ts): `tests/e2e/run --bench`.
import { defineConfig } from "@playwright/test";
import base from "./playwright.config";

export default defineConfig({
  ...base,
  testDir: "./bench",
  testMatch: "**/*.bench.ts",
  workers: 1,
  fullyParallel: false,
  reporter: [["list"]],
});
