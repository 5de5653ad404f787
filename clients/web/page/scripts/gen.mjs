// Generates the TypeScript types and service descriptors from proto/ into
// gen/ (for a build by hand; CMake runs protoc itself). Usage: npm run gen
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const page = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const protoRoot = resolve(process.env.ATTUNE_PROTO_DIR ?? join(page, "../../../proto"));
const out = join(page, "gen");
const protoc = process.env.PROTOC ?? "protoc";
const files = readdirSync(join(protoRoot, "attune/v1"))
  .filter((f) => f.endsWith(".proto"))
  .map((f) => join(protoRoot, "attune/v1", f));

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
execFileSync(
  protoc,
  [
    `-I${protoRoot}`,
    "-I/usr/include",
    `--plugin=protoc-gen-es=${join(page, "node_modules/.bin/protoc-gen-es")}`,
    `--es_out=${out}`,
    "--es_opt=target=ts",
    ...files,
  ],
  { stdio: "inherit" },
);
console.log(`generated ${files.length} protos into ${out}`);
