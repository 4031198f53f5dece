#!/usr/bin/python3
"""The all-namespaces report stays readable at scale: a small cluster from bench/scale's
generator (12 namespaces x 20 pods, one crash loop in each) through `k8sagent --scenario DIR
analyze -A`: the JSON keeps every finding; the text folds the 12 alike crash loops (and the
12 unavailable Deployments) into one block each with a count and examples, so it stays short.
A single namespace's text report is unchanged in shape (no folding)."""

import importlib.machinery
import json
import os
import subprocess
import sys
import tempfile

top = os.environ.get("top_srcdir") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
build = os.environ.get("top_builddir") or top
agent = os.path.join(build, "service", "k8sagent")
scale = importlib.machinery.SourceFileLoader("scale", os.path.join(top, "bench", "scale")).load_module()

fails = []


def check(what, ok):
    print("%s: %s" % ("ok" if ok else "FAIL", what))
    if not ok:
        fails.append(what)


with tempfile.TemporaryDirectory() as tmp:
    scale.generate(240, 20, tmp)
    js = subprocess.run([agent, "--scenario", tmp, "analyze", "-A", "-o", "json"], capture_output=True, text=True)
    f = json.loads(js.stdout)["findings"]
    crash = [x for x in f if x["code"] == "CrashLoopBackOff"]
    check("JSON: 12 crash loops, one per namespace", len(crash) == 12 and len({x["namespace"] for x in crash}) == 12)
    tx = subprocess.run([agent, "--scenario", tmp, "analyze", "-A"], capture_output=True, text=True)
    out = tx.stdout
    check("exit status 1 (problems)", tx.returncode == 1)
    check("text: crash loops folded with a count",
          "ROOT CAUSE [critical] CrashLoopBackOff x12: Pod (container app-03) in 12 namespaces" in out)
    check("text: examples and the rest counted", "e.g. ns-0000/" in out and "(7 more)" in out)
    check("text: DeploymentUnavailable folded", "DeploymentUnavailable x12: Deployment in 12 namespaces" in out)
    check("text: short (under 60 lines)", out.count("\n") < 60)
    one = subprocess.run([agent, "--scenario", tmp, "analyze", "-n", "ns-0003"], capture_output=True, text=True).stdout
    check("one namespace: findings told one by one, no folding",
          "CrashLoopBackOff: Pod ns-0003/" in one and " x1" not in one and "==" not in one)
    if fails:
        print(out)
print("FAIL" if fails else "PASS")
sys.exit(1 if fails else 0)
