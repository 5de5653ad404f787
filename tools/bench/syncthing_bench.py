#!/usr/bin/env python3
"""Syncthing baseline for Attune's sync benchmark: two Syncthing instances on
loopback sync a folder of small Markdown journal entries (about 600 bytes).

Each run: two fresh instances, A and B, set before their first start to use
tcp://127.0.0.1 only (no global or local discovery, relays, NAT/UPnP/STUN,
usage or crash reporting, upgrades), paired, sharing one send-receive folder.
What is timed (--mode):
  burst  N entries are written into A's copy as fast as Python can, and the
         clock runs from the first write until B's /rest/db/status says
         needFiles == 0 and inSyncFiles == N (polled every --poll-ms) and all
         N files are on B's disk at their size;
  live   one entry at a time (--live-entries of them, each once B has the
         one before and a second has passed), from its write until it is on
         B's disk at its size (B's folder polled every millisecond);
  join   A holds N entries, scanned, and B is connected to A but does not
         have the folder; the clock runs from sharing it (A adds B to the
         folder and B adds the folder, through the REST config API) until B
         has all N as in burst: a partner's new device taking the history.
B's copies are then compared byte for byte, untimed. --entries-out F writes
the N entries' texts as a JSON list and exits, so attune-bench writes the
same ones.

How Syncthing learns of the new files (--trigger, default "both"):
  watch  its inotify watcher, fsWatcherDelayS=1 (1.19's smallest: an integer);
         over 512 changes at once collapse into a scan of the whole folder;
  scan   watcher off, POST /rest/db/scan right after the last write;
  both   the watcher during the writes plus that scan, so the tail does not
         wait out the watcher's delay. At 2,000 files both and watch timed
         alike and scan ~1.5x slower (it starts only after the last write).
All else is Syncthing's default (B fsyncs what it pulls) but setLowPriority,
off as attuned is not niced. The default caseSensitiveFS=false re-lists a
file's directory (cached 1 s) and lowercases every name in it, superlinear in
a folder of N files; --case-sensitive-fs skips it, which is safe on ext4.

Stdlib only. Usage:
  tools/bench/syncthing_bench.py [--quick] [--files N] [--runs R] [--json-out F]
"""
import argparse
import json
import os
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from datetime import datetime

FOLDER = "journal"
STARTUP_TIMEOUT_S = 60
EVENTS = "StateChanged,LocalIndexUpdated"  # kept for the per-run timeline
POLL_S = 0.05  # B's status polled every (--poll-ms)


class BenchError(Exception):
    pass


def log(msg):
    print(f"syncthing-bench: {msg}", file=sys.stderr, flush=True)


def free_port():
    # The kernel picks a free loopback port; another program could take it
    # before Syncthing binds it, which start-up would then report.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


WORDS = ("morning walk coffee rain quiet talk dinner garden call mother friend work late "
         "tired happy worried hopeful river book music train market bread letter window "
         "sunlight argument apology laugh dream plan trip weekend doctor bike cold warm "
         "slow patient kind evening candle tea notes small big long short new old").split()
MOODS = ("calm", "restless", "grateful", "low", "bright", "tender", "busy")


def make_entries(n, seed=20261125):
    """N journal entries as (file name, bytes) of about 450-750 bytes: a title
    line, a date, a mood and a paragraph. The same N always gives the same."""
    rng = random.Random(seed)
    entries = []
    for i in range(n):
        date = time.strftime("%Y-%m-%d", time.gmtime(1_600_000_000 + i * 28_800))
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 5))).capitalize()
        text = f"# {title}\n\nDate: {date}\nMood: {rng.choice(MOODS)}\n\n"
        body, target = [], rng.randint(450, 750)
        while len(text) + sum(len(w) + 1 for w in body) < target:
            body.append(rng.choice(WORDS))
        entries.append((f"{date}-{i:06d}.md", (text + " ".join(body).capitalize() + ".\n").encode()))
    return entries


class Instance:
    """One Syncthing instance with its own home (config, keys, database, log)."""

    def __init__(self, name, root):
        self.name, self.proc = name, None
        self.home = os.path.join(root, name + "-home")
        self.folder = os.path.join(root, name + "-folder")
        self.gui_port, self.sync_port = free_port(), free_port()
        self.api_key = secrets.token_urlsafe(24)
        self.log_path = os.path.join(self.home, "syncthing.log")
        out = subprocess.run(["syncthing", "generate", f"--home={self.home}",
                              "--no-default-folder", "--skip-port-probing"],
                             capture_output=True, text=True)
        if out.returncode != 0:
            raise BenchError(f"syncthing generate failed for {name}: {out.stderr.strip()}")
        self.config_path = os.path.join(self.home, "config.xml")
        self.tree = ET.parse(self.config_path)
        self.device_id = self.tree.find("device").get("id")
        os.mkdir(self.folder)  # Syncthing adds its .stfolder marker on start

    def configure(self, peer, settings, share=True):
        """Edits config.xml before the first start, so that nothing is ever
        tried off loopback, and pairs this instance with `peer`; with `share`
        the folder is shared with it (else this instance keeps the folder to
        itself, or has none when `settings` says "no_folder")."""
        root = self.tree.getroot()
        root.find("device").set("name", self.name)
        root.find("gui/address").text = f"127.0.0.1:{self.gui_port}"
        root.find("gui/apikey").text = self.api_key
        for key, value in {
            "listenAddress": f"tcp://127.0.0.1:{self.sync_port}",  # not quic, not relays
            "globalAnnounceEnabled": "false",
            "localAnnounceEnabled": "false",  # LAN broadcast/multicast discovery
            "relaysEnabled": "false",
            "natEnabled": "false",  # UPnP/NAT-PMP, and STUN with it
            "urAccepted": "-1",  # usage reporting declined
            "crashReportingEnabled": "false",
            "autoUpgradeIntervalH": "0",
            "startBrowser": "false",
            "announceLANAddresses": "false",
            "setLowPriority": "false",
            "reconnectionIntervalS": "1",  # only speeds up pairing at start
        }.items():
            root.find(f"options/{key}").text = value

        # The peer and the folder start as copies of <defaults>, as the GUI's
        # would, so every other field keeps Syncthing's default.
        dev = ET.fromstring(ET.tostring(root.find("defaults/device")))
        dev.attrib.update(id=peer.device_id, name=peer.name)
        dev.find("address").text = f"tcp://127.0.0.1:{peer.sync_port}"
        root.insert(list(root).index(root.find("gui")), dev)
        if settings.get("no_folder"):
            self.tree.write(self.config_path)
            return
        folder = ET.fromstring(ET.tostring(root.find("defaults/folder")))
        folder.attrib.update(id=FOLDER, label=FOLDER, path=self.folder, type="sendreceive",
                             rescanIntervalS=str(settings["rescanIntervalS"]),
                             fsWatcherEnabled=str(settings["fsWatcherEnabled"]).lower(),
                             fsWatcherDelayS=str(settings["fsWatcherDelayS"]))
        for key in ("disableFsync", "caseSensitiveFS"):
            folder.find(key).text = str(settings[key]).lower()
        if share:
            folder.insert(1, ET.Element("device", id=peer.device_id, introducedBy=""))
        root.insert(0, folder)
        self.tree.write(self.config_path)

    def start(self):
        env = dict(os.environ, STNOUPGRADE="1", STNORESTART="1")
        with open(self.log_path, "ab") as logf:
            # Syncthing 1.19 runs a monitor process and does its work in a
            # child, even with --no-restart: a new session puts both in one
            # process group, for stop() and cpu_s().
            self.proc = subprocess.Popen(
                ["syncthing", "serve", f"--home={self.home}", "--no-browser",
                 "--no-restart", "--no-upgrade", "--logflags=7"],
                stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env=env, start_new_session=True)

    def stop(self):
        """Ends the instance's process group: Syncthing's monitor and its child."""
        if self.proc is None:
            return
        for sig in (signal.SIGTERM, signal.SIGKILL):
            deadline = time.monotonic() + 10
            try:
                os.killpg(self.proc.pid, sig)
                while time.monotonic() < deadline:
                    self.proc.poll()  # reaps the monitor, so it leaves the group
                    time.sleep(0.05)
                    os.killpg(self.proc.pid, 0)
            except ProcessLookupError:
                return  # nothing left in the group

    def api(self, path, method="GET", timeout=10, body=None):
        if self.proc is not None and self.proc.poll() is not None:
            raise BenchError(f"syncthing {self.name} exited with {self.proc.returncode}\n"
                             + self.log_tail())
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"http://127.0.0.1:{self.gui_port}{path}", method=method,
                                     data=data, headers={"X-API-Key": self.api_key,
                                                         "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            body = resp.read()
        return json.loads(body) if body else None

    def cpu_s(self):
        """User + system CPU seconds used so far by the instance's processes."""
        ticks = 0
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue  # gone meanwhile
            if int(fields[2]) == self.proc.pid:  # its process group
                ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")

    def timeline(self, since_id, t0_wall):
        """The folder's state changes and index batches since event `since_id`,
        as [seconds from the first write, what]."""
        out = []
        for ev in self.api(f"/rest/events?events={EVENTS}&since={since_id}&timeout=0"):
            d = ev.get("data") or {}
            if d.get("folder") == FOLDER:
                t = datetime.fromisoformat(ev["time"]).timestamp() - t0_wall  # ns cut to µs
                what = d.get("to") if ev["type"] == "StateChanged" else f"indexed {d.get('items')}"
                out.append([round(t, 3), what])
        return out

    def log_tail(self, lines=15):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f"  [{self.name}] {x}" for x in f.readlines()[-lines:])
        except OSError:
            return ""


def wait_for(what, check, insts):
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while True:
        try:
            if check():
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass  # not listening yet
        if time.monotonic() > deadline:
            raise BenchError(f"timed out after {STARTUP_TIMEOUT_S} s waiting for {what}\n"
                             + "".join(i.log_tail() for i in insts))
        time.sleep(0.1)


def start_pair(run_dir, settings, mode):
    """Two fresh instances, started and connected. For `join`, A keeps the
    folder to itself and B has none yet."""
    a, b = Instance("A", run_dir), Instance("B", run_dir)
    insts = (a, b)
    a.configure(b, settings, share=mode != "join")
    b.configure(a, dict(settings, no_folder=mode == "join"))
    return a, b, insts


def await_started(insts, with_folder):
    for i, peer in ((insts[0], insts[1]), (insts[1], insts[0])):
        wait_for(f"{i.name}'s REST API", lambda: i.api("/rest/system/ping"), insts)
        wait_for(f"{i.name} to connect to {peer.name}",
                 lambda: i.api("/rest/system/connections")["connections"]
                 .get(peer.device_id, {}).get("connected"), insts)
        if i in with_folder:
            wait_for(f"{i.name}'s folder to be idle",
                     lambda: i.api(f"/rest/db/status?folder={FOLDER}")["state"] == "idle", insts)


def await_converged(a, b, entries, t_ref, timeout_s, scan):
    """Polls B until it holds every entry (status and disk); returns the time.
    B's /rest/db/status is polled (about 0.4 ms of CPU on each side a call),
    and its disk listed (about 10 ms of CPU for 10,000 files) only once the
    status says done: B records a file in its database only after renaming it
    into place, so its disk is never behind its status."""
    n = len(entries)
    sizes = {name: len(data) for name, data in entries}

    def on_disk():  # B's files present at their full size
        with os.scandir(b.folder) as listing:
            return sum(1 for e in listing if sizes.get(e.name) == e.stat().st_size)

    while True:
        tick = time.monotonic()
        try:
            status = b.api(f"/rest/db/status?folder={FOLDER}")
        except urllib.error.HTTPError:
            status = {}  # B does not have the folder yet (join)
        if (status.get("needFiles") == 0 and status.get("inSyncFiles") == n
                and on_disk() == n):
            return time.monotonic()
        if tick - t_ref > timeout_s:
            raise BenchError(
                f"timed out {timeout_s:.0f} s: B has {on_disk()}/{n} files on disk; B's status "
                f"{status}; {scan}\n" + a.log_tail() + b.log_tail())
        time.sleep(max(0.0, POLL_S - (time.monotonic() - tick)))


def check_copies(b, entries):
    for name, data in entries:
        with open(os.path.join(b.folder, name), "rb") as f:
            if f.read() != data:
                raise BenchError(f"B's copy of {name} differs from A's")


def write_file(folder, name, data):
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def one_run(run_dir, entries, settings, trigger, timeout_s, mode, live_entries):
    n = len(entries)
    a, b, insts = start_pair(run_dir, settings, mode)
    try:
        if mode == "join":  # A's history is there before it starts, and scanned
            for name, data in entries:
                write_file(a.folder, name, data)
        for i in insts:
            i.start()
        await_started(insts, (a,) if mode == "join" else insts)
        version = a.api("/rest/system/version")["version"]
        cpu0, load0 = [i.cpu_s() for i in insts], os.getloadavg()[0]
        out = {}
        if mode == "burst":
            out = burst(a, b, insts, entries, trigger, timeout_s)
        elif mode == "live":
            out = live(a, b, entries[:live_entries], timeout_s)
        else:
            wait_for("A to hold the history",
                     lambda: a.api(f"/rest/db/status?folder={FOLDER}")["localFiles"] == n, insts)
            t0 = time.monotonic()
            folder = a.api(f"/rest/config/folders/{FOLDER}")
            folder["devices"].append({"deviceID": b.device_id, "introducedBy": "",
                                      "encryptionPassword": ""})
            a.api(f"/rest/config/folders/{FOLDER}", method="PUT", body=folder)
            mine = b.api("/rest/config/defaults/folder")
            mine.update(id=FOLDER, label=FOLDER, path=b.folder, type="sendreceive",
                        devices=[{"deviceID": a.device_id, "introducedBy": "",
                                  "encryptionPassword": ""}],
                        rescanIntervalS=settings["rescanIntervalS"],
                        fsWatcherEnabled=settings["fsWatcherEnabled"],
                        fsWatcherDelayS=settings["fsWatcherDelayS"],
                        disableFsync=settings["disableFsync"],
                        caseSensitiveFS=settings["caseSensitiveFS"])
            b.api(f"/rest/config/folders/{FOLDER}", method="PUT", body=mine)
            t_done = await_converged(a, b, entries, t0, timeout_s, {})
            check_copies(b, entries)
            out = {"seconds": round(t_done - t0, 3)}
        cpu = [i.cpu_s() - c for i, c in zip(insts, cpu0)]
        # CPU from the start of what is timed to its end, and the load
        # average around it: the machine may be shared.
        out.update({"cpu_A_s": round(cpu[0], 2), "cpu_B_s": round(cpu[1], 2),
                    "loadavg_1m": [round(load0, 2), round(os.getloadavg()[0], 2)]})
        return version, out
    finally:
        for i in insts:
            i.stop()


def burst(a, b, insts, entries, trigger, timeout_s):
    # The first request for a set of event types subscribes to them:
    # Syncthing buffers them from here on, for the timeline.
    mark = [max([0] + [e["id"] for e in i.api(f"/rest/events?events={EVENTS}&timeout=0")])
            for i in insts]
    # Write every entry into A's copy, as fast as possible and without
    # fsync: this stands in for the user, and what is timed is Syncthing.
    t0_wall, t_first = time.time(), time.monotonic()
    for name, data in entries:
        write_file(a.folder, name, data)
    t_last = time.monotonic()
    scan = {}
    if trigger in ("scan", "both"):
        def request_scan():  # the call returns when the scan is done
            try:
                a.api(f"/rest/db/scan?folder={FOLDER}", method="POST", timeout=3600)
                scan["scan_call_s"] = round(time.monotonic() - t_last, 3)
            except Exception as e:  # reported if B then times out
                scan["scan_error"] = repr(e)
        threading.Thread(target=request_scan, daemon=True).start()
    t_done = await_converged(a, b, entries, t_last, timeout_s, scan)
    check_copies(b, entries)
    return {
        "seconds": round(t_done - t_first, 3),
        "last_write_to_converged_s": round(t_done - t_last, 3),
        "first_write_to_converged_s": round(t_done - t_first, 3),
        "writing_s": round(t_last - t_first, 3),
        **scan,
        "timeline_A": a.timeline(mark[0], t0_wall),
        "timeline_B": [x for x in b.timeline(mark[1], t0_wall) if "indexed" not in str(x[1])],
    }


def live(a, b, entries, timeout_s):
    """Each entry alone, timed from its write until it is on B's disk."""
    latencies = []
    for name, data in entries:
        time.sleep(1.0)  # apart, as a person writes them
        t0 = time.monotonic()
        write_file(a.folder, name, data)
        path = os.path.join(b.folder, name)
        while True:
            try:
                if os.stat(path).st_size == len(data):
                    break
            except FileNotFoundError:
                pass
            if time.monotonic() - t0 > timeout_s:
                raise BenchError(f"{name} did not reach B within {timeout_s:.0f} s\n"
                                 + a.log_tail() + b.log_tail())
            time.sleep(0.001)
        latencies.append(round(time.monotonic() - t0, 4))
    check_copies(b, entries)
    return {"seconds": statistics.median(latencies), "latencies_s": latencies}


def summary(values):
    return {"median": round(statistics.median(values), 3),
            "min": round(min(values), 3), "max": round(max(values), 3)}


def main():
    global POLL_S
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mode", choices=("burst", "live", "join"), default="burst",
                    help="what is timed (burst)")
    ap.add_argument("--files", type=int, default=10_000, help="entries per run (10000)")
    ap.add_argument("--live-entries", type=int, default=5,
                    help="live: entries timed one by one, per run (5)")
    ap.add_argument("--runs", type=int, default=3, help="runs, each with fresh instances (3)")
    ap.add_argument("--quick", action="store_true", help="200 files (2 live entries), 1 run")
    ap.add_argument("--trigger", choices=("watch", "scan", "both"), default="both",
                    help="burst: how Syncthing learns of the writes (both)")
    ap.add_argument("--watcher-delay-s", type=int, default=None,
                    help="fsWatcherDelayS (Syncthing's default: 10; burst and join use 1 unless "
                         "given)")
    ap.add_argument("--disable-fsync", action="store_true",
                    help="diagnostic, not a fair baseline: B does not fsync what it pulls")
    ap.add_argument("--case-sensitive-fs", action="store_true",
                    help="caseSensitiveFS=true: safe on Linux, skips the case-conflict "
                         "check that re-lists the folder (slow with many files in one)")
    ap.add_argument("--poll-ms", type=float, default=50, help="B's status checked every (50 ms)")
    ap.add_argument("--dir", help="where to make the scratch folder, on the disk to "
                                  "measure (default $TMPDIR or /tmp)")
    ap.add_argument("--json-out", metavar="F", help="also write the results as JSON to F")
    ap.add_argument("--entries-out", metavar="F",
                    help="write the --files entries' texts as a JSON list to F and exit")
    args = ap.parse_args()
    if args.quick:
        args.files, args.runs, args.live_entries = 200, 1, 2
    if args.files < 1 or args.runs < 1 or args.live_entries < 1:
        ap.error("--files, --runs and --live-entries must be at least 1")
    if args.mode == "live":
        args.files = max(args.files, args.live_entries)
    entries = make_entries(args.files)
    if args.entries_out:
        with open(args.entries_out, "w") as f:
            json.dump([data.decode() for _, data in entries], f)
        return 0
    if shutil.which("syncthing") is None:
        log("`syncthing` is not installed: run tools/setup (it installs Debian's syncthing)")
        return 2
    POLL_S = args.poll_ms / 1000

    def on_sigterm(*_):  # unwind like Ctrl-C, through the finally blocks
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_sigterm)

    # One new entry is timed with Syncthing as it comes (its watcher waits
    # 10 s to gather changes); a burst and a join with the watcher's
    # smallest delay, 1 s, which only helps Syncthing.
    delay = args.watcher_delay_s
    if delay is None:
        delay = 10 if args.mode == "live" else 1
    settings = {"fsWatcherEnabled": args.mode != "burst" or args.trigger != "scan",
                "fsWatcherDelayS": delay,
                "rescanIntervalS": 3600,  # the default; periodic rescans never come
                "disableFsync": args.disable_fsync, "caseSensitiveFS": args.case_sensitive_fs}
    # Generous, and growing faster than N as Syncthing's time does: 10,000
    # files took up to 3.7 minutes on a busy 2-core machine; this allows 21.
    timeout_s = 60 + 0.02 * args.files + 1e-5 * args.files ** 2
    if args.dir:
        os.makedirs(args.dir, exist_ok=True)
    scratch = tempfile.mkdtemp(prefix="syncthing-bench-", dir=args.dir)
    runs, version = [], None
    try:
        for r in range(1, args.runs + 1):
            what = (f"{args.live_entries} entries one by one" if args.mode == "live"
                    else f"{args.files} files")
            log(f"run {r}/{args.runs}: {args.mode}, {what}")
            run_dir = os.path.join(scratch, f"run-{r}")
            os.mkdir(run_dir)
            version, res = one_run(run_dir, entries, settings, args.trigger, timeout_s,
                                   args.mode, args.live_entries)
            shutil.rmtree(run_dir, ignore_errors=True)
            log(f"  {res['seconds']:.3f} s (CPU A {res['cpu_A_s']:.1f} s, B {res['cpu_B_s']:.1f} s;"
                f" load {res['loadavg_1m'][0]:.1f})")
            runs.append(res)
    except (BenchError, OSError, ValueError, KeyError) as e:  # OSError: also HTTP errors
        log(f"FAILED: {e if isinstance(e, BenchError) else repr(e)}")
        return 1
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    n = args.live_entries if args.mode == "live" else args.files
    report = {
        "tool": "syncthing", "syncthing_version": version, "mode": args.mode, "files": n,
        "bytes": sum(len(d) for _, d in entries[:n]),
        "seconds": summary([r["seconds"] for r in runs]),
        "settings": {"trigger": args.trigger if args.mode == "burst" else "watch", **settings,
                     "setLowPriority": False, "poll_ms": args.poll_ms, "timeout_s": timeout_s,
                     "network": "tcp://127.0.0.1 only; global/local discovery, relays, NAT, "
                                "usage and crash reporting, upgrades off"},
        "runs": runs,
    }
    if args.mode == "burst":
        for key in ("last_write_to_converged_s", "first_write_to_converged_s"):
            report[key] = summary([r[key] for r in runs])
    tuned = "".join(f", {k}=true" for k in ("caseSensitiveFS", "disableFsync") if settings[k])
    s = report["seconds"]
    print(f"Syncthing {version}, {args.mode}: {n} entries ({report['bytes']} B) A -> B on "
          f"loopback, {args.runs} run(s), fsWatcherDelayS={delay}{tuned}: median "
          f"{s['median']:.3f} s [{s['min']:.3f}-{s['max']:.3f}]")
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(report, f, indent=2)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
