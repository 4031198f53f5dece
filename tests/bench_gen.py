#!/usr/bin/python3
"""Smoke test of the benchmark generator at tiny size: the scenario it writes passes the
scenario lint (valid JSON, right list kinds, expect.json names real objects), has the asked
number of pods and events, and a rerun writes identical files (it is seeded)."""

import filecmp
import json
import os
import subprocess
import sys
import tempfile

top = os.environ.get("top_srcdir") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(top, "tests"))
import scenarios  # noqa: E402

gen = os.path.join(top, "bench", "gen-scenario.py")
with tempfile.TemporaryDirectory() as tmp:
    a, b = os.path.join(tmp, "a"), os.path.join(tmp, "b")
    for d in (a, b):
        subprocess.run([sys.executable, gen, "120", "12", "300", d], check=True)
    problems = scenarios.lint("bench", a)
    for p in problems:
        print("LINT:", p)
    pods = json.load(open(os.path.join(a, "cluster", "bench", "pods.json")))["items"]
    events = json.load(open(os.path.join(a, "cluster", "bench", "events.json")))["items"]
    exp = json.load(open(os.path.join(a, "expect.json")))
    print("pods %d, events %d, broken %d" % (len(pods), len(events), len(exp["findings"])))
    ok = not problems and len(pods) == 120 and len(events) == 300 and len(exp["findings"]) >= 4
    cmp = filecmp.dircmp(a, b)
    def same(c):
        return not (c.left_only or c.right_only or c.diff_files) and all(same(s) for s in c.subdirs.values())
    if not same(cmp):
        print("generator is not deterministic")
        ok = False
    print("PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)
