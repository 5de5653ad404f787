// Bundles the page into dist/ (or the folder given as the first argument):
// index.html, app.js, app.css, and chunk-*.js (the views other than Today,
// which app.js imports when they are first shown); minified. Prints the gzipped size and fails
// past the budget, or when the output would break the gateway's CSP (inline
// script or style in index.html, eval or new Function in app.js).
// Usage: node scripts/bundle.mjs [OUT_DIR]
import { build } from "esbuild";
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
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
  entryPoints: { app: join(page, "src/main.tsx") },
  outdir: out,
  splitting: true,
  chunkNames: "chunk-[hash]",
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
// index.html names the chunks app.js imports from the start, so that the
// browser fetches them beside app.js rather than after it.
const appJs = readFileSync(join(out, "app.js"), "utf8");
const statics = [...new Set([...appJs.matchAll(/\bfrom\s*"\.\/(chunk-[A-Z0-9]+\.js)"/g)].map((m) => m[1]))];
const preloads = statics.map((f) => `<link rel="modulepreload" href="/${f}" />`).join("\n    ");
const page_html = readFileSync(join(page, "src/index.html"), "utf8");
const script = '<script type="module" src="/app.js"></script>';
if (!page_html.includes(script)) throw new Error(`src/index.html does not load app.js as ${script}`);
writeFileSync(join(out, "index.html"), page_html.replace(script, preloads ? `${preloads}\n    ${script}` : script));

const files = readdirSync(out).sort();
const chunks = files.filter((f) => /^chunk-[A-Z0-9]+\.js$/.test(f));
const expected = ["app.css", "app.js", "index.html"];
const others = files.filter((f) => !chunks.includes(f));
if (others.join() !== expected.join()) {
  throw new Error(`dist holds ${files.join(", ")}; expected ${expected.join(", ")} and chunk-*.js`);
}
const html = readFileSync(join(out, "index.html"), "utf8");
if (/<script(?![^>]*\bsrc=)[^>]*>|<style|\sstyle=|\son[a-z]+=/i.test(html)) {
  throw new Error("index.html has inline script or style: the gateway's CSP would block it");
}
for (const f of ["app.js", ...chunks]) {
  const js = readFileSync(join(out, f), "utf8");
  if (/\beval\(|new Function\(/.test(js)) {
    throw new Error(`${f} uses eval or new Function: the gateway's CSP would block it`);
  }
}
let total = 0;
for (const f of ["app.js", "app.css", ...chunks]) {
  const raw = readFileSync(join(out, f));
  const gz = gzipSync(raw, { level: 9 }).length;
  total += gz;
  console.log(`  ${f.padEnd(20)} ${(raw.length / 1024).toFixed(1).padStart(7)} KB, ${(gz / 1024).toFixed(1).padStart(6)} KB gzipped`);
}
console.log(`attune-web page: ${(total / 1024).toFixed(1)} KB gzipped (budget ${BUDGET / 1024} KB) in ${out}`);
if (total > BUDGET) {
  throw new Error(`the page is ${total} bytes gzipped, over the ${BUDGET}-byte budget`);
}
