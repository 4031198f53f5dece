#!/usr/bin/python3
"""Terminal escapes from the cluster or the model never reach the terminal raw: ESC
sequences planted in an event message, a container log and an image name (demo-shop, copied
to a temp dir), and in the model's answer, come out of `k8sagent analyze`, `diagnose
--print-prompt`, `diagnose`, `ask` and `investigate` as the visible text `\\x1b`; no ESC, BEL or other
control byte but newline and tab is printed."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

TOP_SRC = os.environ.get("top_srcdir", ".")
TOP_BUILD = os.environ.get("top_builddir", ".")
sys.path.insert(0, os.path.join(TOP_SRC, "tests", "lib"))
from kubesim import Kubesim  # noqa: E402
from verdict import report  # noqa: E402
from llmsim import Llmsim  # noqa: E402

K8SAGENT = os.path.join(TOP_BUILD, "service", "k8sagent")
EVIL = "\x1b]0;pwned\x07\x1b[2J\x1b[31mRED"


def plant(dst):
    ns_dir = os.path.join(dst, "cluster", "shop")
    events = json.load(open(os.path.join(ns_dir, "events.json")))
    for e in events["items"]:
        if e.get("type") == "Warning":
            e["message"] = EVIL + " " + e["message"]
    json.dump(events, open(os.path.join(ns_dir, "events.json"), "w"))
    pods = json.load(open(os.path.join(ns_dir, "pods.json")))
    for p in pods["items"]:
        for c in p["spec"]["containers"]:
            if c["image"].endswith("v9.9.9"):
                c["image"] += EVIL
    json.dump(pods, open(os.path.join(ns_dir, "pods.json"), "w"))
    for root, _, files in os.walk(os.path.join(ns_dir, "logs")):
        for f in files:
            with open(os.path.join(root, f), "a") as fh:
                fh.write(EVIL + " panic: boom\n")


def bad_bytes(data):
    return sorted({hex(b) for b in data if (b < 0x20 and b not in (0x0a, 0x09)) or b == 0x7f})


def main():
    if not os.access(K8SAGENT, os.X_OK):
        print("SKIP: build first (service/k8sagent missing)")
        return 77
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        scen = os.path.join(tmp, "demo-shop")
        shutil.copytree(os.path.join(TOP_SRC, "tests", "scenarios", "demo-shop"), scen)
        plant(scen)
        with Kubesim(scen) as ks, Llmsim(rules=[{"reply": "Fix it. " + EVIL + " done"}]) as llm:
            base = [K8SAGENT, "--kubeconfig", ks.kubeconfig, "--llm-url", llm.url,
                    "--context-tokens", "65536"]
            runs = {
                "analyze": base + ["analyze", "-n", "shop"],
                "diagnose --print-prompt": base + ["diagnose", "-n", "shop", "--print-prompt"],
                "diagnose": base + ["diagnose", "-n", "shop"],
                "ask": base + ["ask", "why?"],
                "investigate": base + ["investigate", "-n", "shop", "why?"],
            }
            for label, cmd in runs.items():
                r = subprocess.run(cmd, capture_output=True, timeout=120)
                if r.returncode not in (0, 1):
                    failures.append("%s exited %d: %s" % (label, r.returncode, r.stderr[-300:]))
                    continue
                bad = bad_bytes(r.stdout) + bad_bytes(r.stderr)
                if bad:
                    failures.append("%s printed control bytes %s" % (label, bad))
                if b"\\x1b" not in r.stdout:
                    failures.append("%s: the planted ESC is not shown as \\x1b" % label)
    return report(failures)


if __name__ == "__main__":
    sys.exit(main())
