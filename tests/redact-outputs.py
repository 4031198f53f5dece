#!/usr/bin/python3
"""Every byte that leaves the library is redacted, not only the prompt: for each scenario
whose expect.json lists `absent` secrets, none of them may appear in `k8sagent analyze -o
json`, the text report (`analyze`), `snapshot -o json`, or the Python binding's
`Agent().analyze()` / `Agent().snapshot()` results (when the binding is built). The secrets
are also looked for JSON-escaped, as they would appear inside a JSON string."""
import glob
import json
import os
import subprocess
import sys

TOP_SRC = os.environ.get("top_srcdir", ".")
TOP_BUILD = os.environ.get("top_builddir", ".")
sys.path.insert(0, os.path.join(TOP_SRC, "tests", "lib"))
from sanitizers import preload_asan  # noqa: E402

preload_asan()
from kubesim import Kubesim  # noqa: E402
from verdict import report  # noqa: E402

K8SAGENT = os.path.join(TOP_BUILD, "service", "k8sagent")


def scenarios():
    out = []
    for path in sorted(glob.glob(os.path.join(TOP_SRC, "tests", "scenarios", "*", "expect*.json"))):
        exp = json.load(open(path))
        if exp.get("absent") and exp.get("namespace"):
            out.append((os.path.dirname(path), exp["namespace"], exp["absent"]))
    return out


def python_agent():
    try:
        import k8sagent  # noqa: F401
        return k8sagent
    except ImportError:
        return None


def leaks(where, text, secrets):
    found = []
    for s in secrets:
        if s in text or json.dumps(s)[1:-1] in text:
            found.append("%s: secret %r" % (where, s))
    return found


def main():
    if not os.access(K8SAGENT, os.X_OK):
        print("SKIP: build first (service/k8sagent missing)")
        return 77
    k8sagent = python_agent()
    failures, checked = [], 0
    for scen, ns, secrets in scenarios():
        name = os.path.basename(scen)
        with Kubesim(scen) as ks:
            base = [K8SAGENT, "--kubeconfig", ks.kubeconfig]
            runs = {
                "analyze -o json": base + ["analyze", "-n", ns, "-o", "json"],
                "analyze (text)": base + ["analyze", "-n", ns],
                "snapshot -o json": base + ["snapshot", "-n", ns, "-o", "json"],
            }
            for label, cmd in runs.items():
                r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
                if r.returncode not in (0, 1) or not r.stdout:
                    failures.append("%s %s exited %d: %s" % (name, label, r.returncode, r.stderr[-300:]))
                    continue
                failures += leaks("%s %s" % (name, label), r.stdout + r.stderr, secrets)
                checked += 1
            if k8sagent is not None:
                with k8sagent.Agent(kubeconfig=ks.kubeconfig) as agent:
                    got = json.dumps(agent.analyze(ns, as_dict=True))
                    got += repr([f.to_dict() for f in agent.analyze(ns)])
                    failures += leaks("%s Agent().analyze()" % name, got, secrets)
                    failures += leaks("%s Agent().snapshot()" % name, json.dumps(agent.snapshot(ns)), secrets)
                    checked += 2
    # The model server's password never appears in messages (k8sa_url_mask_userinfo()).
    for url in ("http://bob:Llm-Pw-4417@127.0.0.1:9", "ftp://bob:Llm-Pw-4417@127.0.0.1:9"):
        r = subprocess.run([K8SAGENT, "--llm-url", url, "--timeout", "2", "ask", "hi"],
                           capture_output=True, text=True, timeout=60)
        if "Llm-Pw-4417" in r.stdout + r.stderr or "bob:***@" not in r.stderr:
            failures.append("--llm-url %s: password shown or URL not named: %r" % (url, r.stderr[-300:]))
        checked += 1
    print("scenarios with secrets: %d; outputs checked: %d; python binding: %s"
          % (len(scenarios()), checked, "yes" if k8sagent else "not built"))
    return report(failures)


if __name__ == "__main__":
    sys.exit(main())
