#!/usr/bin/python3
"""Nothing secret reaches the model: every secret shape of the redaction corpus is planted in
a scenario (tests/scenarios/secrets-everywhere: env values, an annotation, the previous log,
Warning events). `k8sagent diagnose --print-prompt` with a budget large enough to keep every
planted line must show each line's tag (so the line was not merely cut) and none of the
secrets; and the same through llmsim's record of a real diagnose request."""
import json
import os
import re
import subprocess
import sys
import tempfile

TOP_SRC = os.environ.get("top_srcdir", ".")
TOP_BUILD = os.environ.get("top_builddir", ".")
sys.path.insert(0, os.path.join(TOP_SRC, "tests", "lib"))
from kubesim import Kubesim  # noqa: E402
from verdict import report  # noqa: E402

SCEN = os.path.join(TOP_SRC, "tests", "scenarios", "secrets-everywhere")
K8SAGENT = os.path.join(TOP_BUILD, "service", "k8sagent")
LLMSIM = os.path.join(TOP_BUILD, "tests", "llmsim", "llmsim")


def planted_tags():
    tags = set()
    ns_dir = os.path.join(SCEN, "cluster", "inventory")
    for root, _, files in os.walk(ns_dir):
        for f in files:
            tags |= set(re.findall(r"sec-\d{3}", open(os.path.join(root, f)).read()))
    return tags


def main():
    if not os.access(LLMSIM, os.X_OK) or not os.access(K8SAGENT, os.X_OK):
        print("SKIP: build first (k8sagent or llmsim missing)")
        return 77
    expect = json.load(open(os.path.join(SCEN, "expect.json")))
    secrets = expect["absent"]
    tags = planted_tags()
    failures = []
    with Kubesim(SCEN) as ks, tempfile.TemporaryDirectory() as tmp:
        record = os.path.join(tmp, "record.jsonl")
        llm = subprocess.Popen([LLMSIM, "--listen", "127.0.0.1:0", "--record", record],
                               stdout=subprocess.PIPE, text=True)
        try:
            url = llm.stdout.readline().split("listening on ")[1].strip()
            base = [K8SAGENT, "--kubeconfig", ks.kubeconfig, "--context-tokens", "262144",
                    "--llm-url", url]
            prompt = subprocess.run(base + ["diagnose", "-n", "inventory", "--print-prompt"],
                                    capture_output=True, text=True, timeout=60)
            if prompt.returncode != 0:
                print(prompt.stderr)
                return 1
            run = subprocess.run(base + ["diagnose", "-n", "inventory", "-o", "json"],
                                 capture_output=True, text=True, timeout=60)
            sent = open(record).read()
        finally:
            llm.terminate()
            llm.wait()
    text = prompt.stdout
    missing = sorted(t for t in tags if t not in text)
    if missing:
        failures.append("planted lines cut from the prompt (budget too small?): %s" % missing[:10])
    for s in secrets:
        if s in text:
            failures.append("secret in --print-prompt output: %r" % s)
        if s in sent or json.dumps(s)[1:-1] in sent:
            failures.append("secret in the request llmsim received: %r" % s)
    markers = text.count("[REDACTED:")
    if markers < len(tags) // 2:
        failures.append("only %d redaction markers for %d planted lines" % (markers, len(tags)))
    if run.returncode not in (0, 1):
        failures.append("diagnose -o json exited %d: %s" % (run.returncode, run.stderr[-300:]))
    print("planted lines: %d, all in the prompt: %s; secrets checked: %d; markers: %d"
          % (len(tags), not missing, len(secrets), markers))
    return report(failures)


if __name__ == "__main__":
    sys.exit(main())
