#!/usr/bin/python3
"""No clean bill for a typo or for what could not be read: `k8sagent analyze -n shpo` (a
namespace that does not exist) fails with "namespace shpo not found"; an invalid name fails
before any request; when RBAC refuses the pods and services, analyze says "Could not check"
(exit 5, "complete": false in the JSON), never "No problems found"; a refused GET of the
namespace object itself is only a gap."""
import json
import os
import subprocess
import sys

TOP_SRC = os.environ.get("top_srcdir", ".")
TOP_BUILD = os.environ.get("top_builddir", ".")
sys.path.insert(0, os.path.join(TOP_SRC, "tests", "lib"))
from kubesim import Kubesim  # noqa: E402
from verdict import report  # noqa: E402

K8SAGENT = os.path.join(TOP_BUILD, "service", "k8sagent")


def run(ks, *args):
    return subprocess.run([K8SAGENT, "--kubeconfig", ks.kubeconfig] + list(args),
                          capture_output=True, text=True, timeout=60)


def main():
    if not os.access(K8SAGENT, os.X_OK):
        print("SKIP: build first (service/k8sagent missing)")
        return 77
    failures = []

    def check(cond, what):
        if not cond:
            failures.append(what)

    with Kubesim("demo-shop") as ks:
        r = run(ks, "analyze", "-n", "shpo")
        check(r.returncode == 2 and "namespace shpo not found" in r.stderr,
              "analyze -n shpo: exit %d, stderr %r" % (r.returncode, r.stderr[-200:]))
        check("No problems" not in r.stdout, "analyze -n shpo printed a clean bill: %r" % r.stdout)
        before = len(ks.audit())
        r = run(ks, "analyze", "-n", "Shop!")
        check(r.returncode == 2, "analyze -n Shop!: exit %d" % r.returncode)
        check(len(ks.audit()) == before, "an invalid namespace reached the API")
        r = run(ks, "analyze", "-n", "shop")
        check(r.returncode == 1, "analyze -n shop: exit %d" % r.returncode)
        paths = [a.get("path") for a in ks.audit()]
        check("/api/v1/namespaces/shop" in paths, "no GET of the namespace object: %s" % paths[-5:])
    with Kubesim("healthy", "--forbid", "pods,services") as ks:
        r = run(ks, "analyze", "-n", "docs")
        check(r.returncode == 5 and r.stdout.startswith("Could not check namespace docs"),
              "analyze with pods/services forbidden: exit %d, %r" % (r.returncode, r.stdout[:200]))
        check("No problems found" not in r.stdout, "a clean bill without pods: %r" % r.stdout[:200])
        r = run(ks, "analyze", "-n", "docs", "-o", "json")
        check(r.returncode == 5 and json.loads(r.stdout).get("complete") is False,
              "analyze -o json: exit %d, %r" % (r.returncode, r.stdout[:200]))
    with Kubesim("healthy", "--forbid", "namespaces") as ks:
        r = run(ks, "analyze", "-n", "docs", "-o", "json")
        doc = json.loads(r.stdout) if r.stdout else {}
        check(r.returncode == 0 and doc.get("complete") is True and
              any(g.startswith("namespace: forbidden") for g in doc.get("gaps", [])),
              "a refused namespace GET: exit %d, %r" % (r.returncode, r.stdout[:300]))
    return report(failures)


if __name__ == "__main__":
    sys.exit(main())
