// Real Attune processes for the browser tests: per device one attuned and one
// attune-web, each in its own temporary folder (its own XDG_RUNTIME_DIR,
// XDG_DATA_HOME, XDG_CONFIG_HOME), on 127.0.0.1 only. A Lab owns everything
// it started and stops all of it in close(), also when a test failed; an exit
// hook kills whatever a crashed worker left behind.
//
// Every wait here ends on a condition (a socket appears, a line is printed, a
// CLI call answers as expected) or on a generous deadline: nothing sleeps a
// fixed time, so a loaded machine or an ASan build is slower, not failing.
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { constants } from "node:os";
import { join, resolve } from "node:path";

// Where the binaries are: the build folder named by tests/e2e/run.
export const BUILD_DIR = resolve(process.env.ATTUNE_BUILD_DIR ?? join(__dirname, "..", "..", "..", "build"));
export const ARTIFACTS_DIR = resolve(process.env.ATTUNE_E2E_ARTIFACTS ?? join(BUILD_DIR, "e2e-artifacts"));
export const ATTUNED = join(BUILD_DIR, "daemon", "attuned");
export const ATTUNE = join(BUILD_DIR, "clients", "cli", "attune");
export const ATTUNE_WEB = join(BUILD_DIR, "clients", "web", "attune-web");
// The page's files; unset, attune-web serves the ones beside it
// (BUILD/clients/web/page/dist).
export const PAGE_DIR = process.env.ATTUNE_E2E_PAGE_DIR ?? "";

// Deadlines for conditions. Generous on purpose: the ASan build's daemons are
// several times slower, and the machine may be busy with a build.
export const START_DEADLINE_MS = 60_000;
export const SYNC_DEADLINE_MS = 60_000;
export const STOP_DEADLINE_MS = 20_000;

const POLL_MS = 50;

// Thrown by a waitFor check when waiting longer cannot help (the process
// being waited for has exited).
export class GiveUp extends Error {}

export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  deadlineMs = START_DEADLINE_MS,
): Promise<T> {
  const end = Date.now() + deadlineMs;
  let last: unknown = undefined;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (e) {
      if (e instanceof GiveUp) throw e;
      last = e;
    }
    if (Date.now() > end) {
      throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}` + (last ? ` (last error: ${String(last)})` : ""));
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

// Every process any Lab of this worker started and has not seen exit.
const running = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of running) {
    try {
      child.kill("SIGKILL");
    } catch {
      // gone already
    }
  }
});

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function nice(command: string, args: string[]): [string, string[]] {
  // The tests share two cores with builds: everything runs at nice 19 (nice
  // execs the program, so the pid and signals are the program's own).
  return existsSync("/usr/bin/nice") ? ["/usr/bin/nice", ["-n", "19", command, ...args]] : [command, args];
}

// The CLI options whose values are a person's words.
const CLI_WORDS = new Set(["--high", "--low", "--note", "--body", "--title"]);

export class Device {
  readonly dir: string;
  readonly socket: string;
  readonly dataDir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly passphrase: string;
  daemon: ChildProcess | null = null;
  web: ChildProcess | null = null;
  // http://127.0.0.1:PORT, and the token, as attune-web printed them.
  origin = "";
  token = "";
  private daemonLog: string;
  private webLog: string;
  private daemonStarts = 0;

  constructor(
    readonly lab: Lab,
    readonly name: string,
  ) {
    this.dir = join(lab.root, name.toLowerCase());
    for (const sub of ["run", "data", "config"]) mkdirSync(join(this.dir, sub), { recursive: true, mode: 0o700 });
    this.socket = join(this.dir, "run", "attuned.sock");
    this.dataDir = join(this.dir, "data", "attune");
    this.daemonLog = join(this.dir, "attuned.log");
    this.webLog = join(this.dir, "attune-web.log");
    this.passphrase = `${name} walks by the river at dusk`;
    lab.noteCanary(this.passphrase);
    this.env = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: this.dir,
      TZ: "UTC",
      LANG: "C.UTF-8",
      XDG_RUNTIME_DIR: join(this.dir, "run"),
      XDG_DATA_HOME: join(this.dir, "data"),
      XDG_CONFIG_HOME: join(this.dir, "config"),
      ATTUNE_SOCKET: this.socket,
      NO_COLOR: "1",
    };
    // Sanitizer settings of an ASan/TSan build (tools/test sets them) go on
    // to the daemons the tests start.
    for (const [key, value] of Object.entries(process.env)) {
      if (/^(ASAN|UBSAN|LSAN|TSAN)_OPTIONS$|_SYMBOLIZER_PATH$/.test(key)) this.env[key] = value;
    }
  }

  // Starts attuned and waits until its socket answers.
  async startDaemon(): Promise<void> {
    if (this.daemon) throw new Error(`${this.name}'s daemon is running already`);
    this.daemonStarts++;
    const [cmd, args] = nice(ATTUNED, [
      "--data-dir",
      this.dataDir,
      "--socket",
      this.socket,
      "--peer-listen",
      "127.0.0.1:0",
      "--no-discovery",
    ]);
    const child = this.lab.spawnLogged(cmd, args, this.env, this.daemonLog, `${this.name}'s attuned #${this.daemonStarts}`);
    this.daemon = child;
    child.on("exit", () => {
      if (this.daemon === child) this.daemon = null;
    });
    await waitFor(`${this.name}'s attuned to answer on ${this.socket}`, async () => {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new GiveUp(`${this.name}'s attuned exited (${child.exitCode ?? child.signalCode}): ${this.tail(this.daemonLog)}`);
      }
      if (!existsSync(this.socket)) return false;
      // Exit 3 is "locked / not initialised": the daemon answered.
      const r = await this.cli(["status"], { check: false });
      return r.code === 0 || r.code === 3;
    });
  }

  // Stops attuned (SIGTERM) and waits until it has exited.
  async stopDaemon(): Promise<void> {
    const child = this.daemon;
    if (!child) return;
    await this.lab.stop(child);
    this.daemon = null;
  }

  // Starts attune-web for this daemon on a free port and reads the address
  // it prints.
  async startWeb(): Promise<void> {
    if (this.web) throw new Error(`${this.name}'s attune-web is running already`);
    const args = ["--port", "0", "--socket", this.socket, "--token-file", join(this.dir, "config", "web-token"), "--verbose"];
    if (PAGE_DIR) args.push("--page-dir", PAGE_DIR);
    const [cmd, full] = nice(ATTUNE_WEB, args);
    const child = this.lab.spawnLogged(cmd, full, this.env, this.webLog, `${this.name}'s attune-web`, true);
    this.web = child;
    let out = "";
    const line = await new Promise<string>((resolveLine, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`attune-web printed no address in ${START_DEADLINE_MS} ms: ${out} ${this.tail(this.webLog)}`)),
        START_DEADLINE_MS,
      );
      child.stdout!.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const m = /http:\/\/127\.0\.0\.1:(\d+)\/#token=([A-Za-z0-9_\-.~%]+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolveLine(m[0]);
        }
      });
      child.on("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`attune-web exited (${code ?? signal}) before printing its address: ${out} ${this.tail(this.webLog)}`));
      });
    });
    const m = /^(http:\/\/127\.0\.0\.1:\d+)\/#token=(.+)$/.exec(line)!;
    this.origin = m[1];
    this.token = m[2];
  }

  async stopWeb(): Promise<void> {
    if (!this.web) return;
    await this.lab.stop(this.web);
    this.web = null;
  }

  // The address to open: the one attune-web printed, plus `extra` hash
  // parameters ("view=goals&timescale=0.01").
  url(extra = ""): string {
    return `${this.origin}/#token=${this.token}${extra ? "&" + extra : ""}`;
  }

  // Runs the CLI against this device's daemon. Rejects on a non-zero exit
  // unless check is false.
  async cli(args: string[], opts: { check?: boolean; input?: string } = {}): Promise<CliResult> {
    for (let i = 0; i + 1 < args.length; i++) {
      if (CLI_WORDS.has(args[i])) this.lab.noteCanary(args[i + 1]);
    }
    if (args[0] === "pair" && args[1] === "join" && args[2]) this.lab.noteCanary(args[2]);
    const [cmd, full] = nice(ATTUNE, ["--socket", this.socket, ...args]);
    const result = await new Promise<CliResult>((resolveRun, reject) => {
      const child = spawn(cmd, full, { env: this.env, stdio: ["pipe", "pipe", "pipe"] });
      running.add(child);
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("error", reject);
      // A CLI that exits before reading its input is answered by its exit code.
      child.stdin.on("error", () => undefined);
      child.on("close", (code, signal) => {
        running.delete(child);
        resolveRun({ code: code ?? 128 + (signal ? constants.signals[signal] : 0), stdout, stderr });
      });
      child.stdin.end(opts.input ?? "");
    });
    if (opts.check !== false && result.code !== 0) {
      throw new Error(`attune ${args.join(" ")} (${this.name}) exited ${result.code}: ${result.stderr}${result.stdout}`);
    }
    return result;
  }

  async json(args: string[]): Promise<any> {
    const r = await this.cli(["--json", ...args]);
    return JSON.parse(r.stdout);
  }

  private passphraseFile(): string {
    const path = join(this.dir, "passphrase");
    writeFileSync(path, this.passphrase + "\n", { mode: 0o600 });
    chmodSync(path, 0o600);
    return path;
  }

  // Creates the vault through the CLI, with the cheapest key derivation (the
  // page's own Init is tested separately). Leaves it unlocked.
  async initByCli(): Promise<void> {
    await this.cli(["init", "--name", this.name, "--passphrase-file", this.passphraseFile(), "--kdf", "test-only-minimum"]);
  }

  async unlockByCli(): Promise<void> {
    await this.cli(["unlock", "--passphrase-file", this.passphraseFile()]);
  }

  async state(): Promise<string> {
    const r = await this.cli(["--json", "status"], { check: false });
    try {
      return String(JSON.parse(r.stdout).state ?? "");
    } catch {
      return "";
    }
  }

  tail(path: string, bytes = 4000): string {
    try {
      const text = readFileSync(path, "utf8");
      return text.slice(-bytes);
    } catch {
      return "";
    }
  }

  logs(): { name: string; path: string }[] {
    return [
      { name: `${this.name}-attuned.log`, path: this.daemonLog },
      { name: `${this.name}-attune-web.log`, path: this.webLog },
    ].filter((l) => existsSync(l.path));
  }

  // Every file the processes wrote outside the sealed store: their output,
  // and RocksDB's LOG files in the data folder.
  writtenInTheClear(): string[] {
    const files = this.logs().map((l) => l.path);
    const walk = (dir: string) => {
      let names: string[] = [];
      try {
        names = readdirSync(dir);
      } catch {
        return;
      }
      for (const n of names) {
        const path = join(dir, n);
        const st = statSync(path, { throwIfNoEntry: false });
        if (st?.isDirectory()) walk(path);
        else if (st?.isFile() && /^LOG(\.old\.\d+)?$/.test(n)) files.push(path);
      }
    };
    walk(this.dataDir);
    return files;
  }
}

export class Lab {
  readonly root: string;
  readonly devices: Device[] = [];
  // A person's words and secrets this test gave the daemons (through a
  // page or the CLI): none may appear in any log (see close()).
  readonly canaries = new Set<string>();
  private children = new Set<ChildProcess>();

  noteCanary(text: string): void {
    // Short strings could be words of an ordinary log line.
    const t = text.trim();
    if (t.length >= 8 && !t.includes("\n")) this.canaries.add(t);
  }

  constructor() {
    // Under this run's folder (harness/global.ts), short: the daemon's
    // socket path must fit sun_path (108 bytes).
    this.root = mkdtempSync(join(process.env.ATTUNE_E2E_RUN_DIR ?? "/tmp", "lab-"));
  }

  // A device with its daemon and its attune-web running; `init` also creates
  // its vault through the CLI.
  async device(name: string, opts: { init?: boolean; web?: boolean } = {}): Promise<Device> {
    const d = new Device(this, name);
    this.devices.push(d);
    await d.startDaemon();
    if (opts.init) await d.initByCli();
    if (opts.web !== false) await d.startWeb();
    return d;
  }

  // Pairs two initialised, unlocked devices through the CLI (the page's own
  // pairing is tested separately) and waits until each sees the other
  // online.
  async pair(inviter: Device, joiner: Device): Promise<void> {
    const invite = await inviter.cli(["pair", "invite", "--no-qr"]);
    const code = /attune-invite-[a-z2-7]+/.exec(invite.stdout)?.[0];
    if (!code) throw new Error(`no invite code in: ${invite.stdout}`);
    await joiner.cli(["pair", "join", code]);
    await Promise.all([this.waitOnline(inviter), this.waitOnline(joiner)]);
  }

  async waitOnline(d: Device): Promise<void> {
    await waitFor(
      `${d.name}'s daemon to see its partner online`,
      async () => {
        const s = await d.json(["sync", "status"]);
        return (s.peers ?? []).length > 0 && s.peers.every((p: any) => p.online === true);
      },
      SYNC_DEADLINE_MS,
    );
  }

  spawnLogged(
    cmd: string,
    args: string[],
    env: NodeJS.ProcessEnv,
    logPath: string,
    label: string,
    keepStdout = false,
  ): ChildProcess {
    writeFileSync(logPath, `$ ${[cmd, ...args].join(" ")}\n`, { flag: "a" });
    const child = spawn(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    this.children.add(child);
    running.add(child);
    const append = (chunk: Buffer) => {
      try {
        writeFileSync(logPath, chunk, { flag: "a" });
      } catch {
        // the lab's folder is gone: the test is over
      }
    };
    child.stderr!.on("data", append);
    child.stdout!.on("data", append);
    if (!keepStdout) child.stdout!.resume();
    child.on("error", (e) => append(Buffer.from(`${label}: ${e.message}\n`)));
    child.on("exit", (code, signal) => {
      this.children.delete(child);
      running.delete(child);
      append(Buffer.from(`[${label} exited: ${code ?? signal}]\n`));
    });
    return child;
  }

  // SIGTERM, then SIGKILL if it has not exited by the deadline.
  async stop(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), STOP_DEADLINE_MS);
    await exited;
    clearTimeout(timer);
  }

  // Stops every process (web gateways first, then daemons), then looks for
  // every canary in what they wrote in the clear, then removes the folder.
  // Returns what was found, "file: canary", or nothing.
  async close(): Promise<string[]> {
    for (const d of this.devices) await d.stopWeb().catch(() => undefined);
    await Promise.all(this.devices.map((d) => d.stopDaemon().catch(() => undefined)));
    await Promise.all([...this.children].map((c) => this.stop(c)));
    const found: string[] = [];
    for (const d of this.devices) {
      for (const file of d.writtenInTheClear()) {
        const text = readFileSync(file, "utf8");
        for (const canary of this.canaries) {
          if (text.includes(canary)) found.push(`${file.slice(this.root.length + 1)}: "${canary}"`);
        }
      }
    }
    rmSync(this.root, { recursive: true, force: true });
    return found;
  }
}
