// Bundles the page into dist/ (or the folder given as the first argument):
// index.html, app.js, app.css; minified. Prints the gzipped size and fails
// past the budget, or when the output would break the gateway's CSP (inline
// script or style in index.html, eval or new Function in app.js).
// Usage: node scripts/bundle.mjs [OUT_DIR]
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const page = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const out = resolve(process.argv[2] ?? join(page, "dist"));
const BUDGET = 150 * 1024; // scripts + styles, gzipped

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const common = {
  bundle: true,
  minify: true,
  sourcemap: false,
  logLevel: "warning",
  target: ["es2022", "chrome109", "firefox115", "safari16"],
  absWorkingDir: page,
};
await build({
  ...common,
  entryPoints: [join(page, "src/main.tsx")],
  outfile: join(out, "app.js"),
  format: "esm",
  jsx: "automatic",
  jsxImportSource: "preact",
  define: { "process.env.NODE_ENV": '"production"' },
});
await build({
  ...common,
  entryPoints: [join(page, "src/styles/app.css")],
  outfile: join(out, "app.css"),
});
copyFileSync(join(page, "src/index.html"), join(out, "index.html"));

const files = readdirSync(out).sort();
const expected = ["app.css", "app.js", "index.html"];
if (files.join() !== expected.join()) {
  throw new Error(`dist holds ${files.join(", ")}; expected exactly ${expected.join(", ")}`);
}
const html = readFileSync(join(out, "index.html"), "utf8");
if (/<script(?![^>]*\bsrc=)[^>]*>|<style|\sstyle=|\son[a-z]+=/i.test(html)) {
  throw new Error("index.html has inline script or style: the gateway's CSP would block it");
}
const js = readFileSync(join(out, "app.js"), "utf8");
if (/\beval\(|new Function\(/.test(js)) {
  throw new Error("app.js uses eval or new Function: the gateway's CSP would block it");
}
let total = 0;
for (const f of ["app.js", "app.css"]) {
  const raw = readFileSync(join(out, f));
  const gz = gzipSync(raw, { level: 9 }).length;
  total += gz;
  console.log(`  ${f.padEnd(8)} ${(raw.length / 1024).toFixed(1).padStart(7)} KB, ${(gz / 1024).toFixed(1).padStart(6)} KB gzipped`);
}
console.log(`attune-web page: ${(total / 1024).toFixed(1)} KB gzipped (budget ${BUDGET / 1024} KB) in ${out}`);
if (total > BUDGET) {
  throw new Error(`the page is ${total} bytes gzipped, over the ${BUDGET}-byte budget`);
}
