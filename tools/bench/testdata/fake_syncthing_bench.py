#!/usr/bin/env python3
"""Stands in for syncthing_bench.py in attune-bench's own test: answers
`--mode burst --runs 1 --files N --json-out F` with made-up figures in the
same JSON form, so that pairing each burst with a Syncthing run can be
checked on a machine without Syncthing. Not a measurement."""
import argparse
import json

ap = argparse.ArgumentParser()
ap.add_argument("--mode", default="burst")
ap.add_argument("--runs", type=int, default=1)
ap.add_argument("--files", type=int, required=True)
ap.add_argument("--dir")
ap.add_argument("--json-out", required=True)
args = ap.parse_args()
seconds = 0.002 * args.files
with open(args.json_out, "w") as f:
    json.dump({"tool": "syncthing", "note": "made-up figures from a test's stand-in",
               "syncthing_version": "fixture", "mode": args.mode, "files": args.files,
               "runs": [{"seconds": seconds, "last_write_to_converged_s": 0.9 * seconds,
                         "first_write_to_converged_s": seconds}] * args.runs,
               "settings": {"trigger": "both", "fsWatcherDelayS": 1,
                            "caseSensitiveFS": False}}, f)
