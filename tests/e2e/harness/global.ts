// Before the run: one folder under /tmp for every Lab of this run (its path
// goes to the workers through the environment). After it: nothing started
// by this run may be left running; anything found is killed, named, and
// fails the run. Then the folder is removed.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

export function leftovers(runDir: string): { pid: number; args: string }[] {
  const found: { pid: number; args: string }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const args = readFileSync(join("/proc", entry, "cmdline"), "utf8").split("\0").join(" ").trim();
      // Its arguments name the run's folder, or its environment does (the
      // devices' XDG folders, inherited by what they start).
      let environ = "";
      try {
        environ = readFileSync(join("/proc", entry, "environ"), "utf8");
      } catch {
        // not ours to read
      }
      if (args.includes(runDir) || environ.includes(runDir)) found.push({ pid: Number(entry), args });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

export async function setup(): Promise<void> {
  process.env.ATTUNE_E2E_RUN_DIR = mkdtempSync("/tmp/attune-e2e-");
}

export async function teardown(): Promise<void> {
  const runDir = process.env.ATTUNE_E2E_RUN_DIR;
  if (!runDir) return;
  const left = leftovers(runDir);
  for (const p of left) {
    try {
      process.kill(p.pid, "SIGKILL");
    } catch {
      // gone meanwhile
    }
  }
  rmSync(runDir, { recursive: true, force: true });
  if (left.length) {
    throw new Error(`processes of this run were still running after it (killed now):\n${left.map((p) => `  ${p.pid} ${p.args}`).join("\n")}`);
  }
}
