#!/usr/bin/python3
"""Scenario tests: serve every scenario with kubesim, run `k8sagent analyze -o json` (and
`diagnose --print-prompt` when available) and judge the result with tests/lib/expect.py.

Usage: scenarios.py [-v] [NAME...]   (run by `make check`; env: top_srcdir, top_builddir)

Scenarios come from $top_srcdir/tests/scenarios/ and, when it exists, the shared set in
$top_srcdir/../shared/scenarios (a local copy of the same name wins). Before anything runs,
every scenario's files are checked (JSON validity, list kinds, expect.json shape, names in
expect.json that exist in the scenario), so a broken scenario fails even without binaries.
Scenarios listed in tests/scenarios/KNOWN_GAPS report GAP instead of failing."""

import json
import os
import re
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
import expect  # noqa: E402
from kubesim import Kubesim  # noqa: E402  (the shared harness, tests/lib/kubesim.py)

SKIP = 77
TOP_SRC = os.environ.get("top_srcdir") or os.path.dirname(HERE)
TOP_BUILD = os.environ.get("top_builddir") or TOP_SRC
KUBESIM = os.path.join(TOP_BUILD, "tests", "kubesim", "kubesim")
K8SAGENT = os.path.join(TOP_BUILD, "service", "k8sagent")
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")

LIST_FILES = {
    "pods.json": ("PodList", "Pod"), "events.json": ("EventList", "Event"),
    "deployments.json": ("DeploymentList", "Deployment"),
    "replicasets.json": ("ReplicaSetList", "ReplicaSet"),
    "statefulsets.json": ("StatefulSetList", "StatefulSet"),
    "daemonsets.json": ("DaemonSetList", "DaemonSet"), "jobs.json": ("JobList", "Job"),
    "cronjobs.json": ("CronJobList", "CronJob"), "services.json": ("ServiceList", "Service"),
    "endpoints.json": ("EndpointsList", "Endpoints"),
    "persistentvolumeclaims.json": ("PersistentVolumeClaimList", "PersistentVolumeClaim"),
    "configmaps.json": ("ConfigMapList", "ConfigMap"),
    "ingresses.json": ("IngressList", "Ingress"),
    "horizontalpodautoscalers.json": ("HorizontalPodAutoscalerList", "HorizontalPodAutoscaler"),
    "resourcequotas.json": ("ResourceQuotaList", "ResourceQuota"),
    "namespaces.json": ("NamespaceList", "Namespace"), "nodes.json": ("NodeList", "Node"),
    "persistentvolumes.json": ("PersistentVolumeList", "PersistentVolume"),
    "networkpolicies.json": ("NetworkPolicyList", "NetworkPolicy"),
    "ingressclasses.json": ("IngressClassList", "IngressClass"),
    "storageclasses.json": ("StorageClassList", "StorageClass"),
    "serviceaccounts.json": ("ServiceAccountList", "ServiceAccount"),
    "poddisruptionbudgets.json": ("PodDisruptionBudgetList", "PodDisruptionBudget"),
}


def scenario_dirs():
    found = {}
    shared = os.path.normpath(os.path.join(TOP_SRC, "..", "shared", "scenarios"))
    for root in (shared, os.path.join(TOP_SRC, "tests", "scenarios")):
        if not os.path.isdir(root):
            continue
        for n in sorted(os.listdir(root)):
            d = os.path.join(root, n)
            if os.path.isfile(os.path.join(d, "expect.json")):
                found[n] = d  # the local copy (second root) wins
    return found


def known_gaps():
    gaps = {}
    p = os.path.join(TOP_SRC, "tests", "scenarios", "KNOWN_GAPS")
    if os.path.exists(p):
        for ln in open(p):
            ln = ln.strip()
            if ln and not ln.startswith("#"):
                name, _, why = ln.partition(" ")
                gaps[name] = why.strip()
    return gaps


def lint(name, d):
    """Static checks of one scenario directory; returns problems."""
    p = []
    objs = set()  # (kind, name)
    pods = {}
    if not os.path.isfile(os.path.join(d, "README.md")):
        p.append("README.md missing")
    cl = os.path.join(d, "cluster")
    for dirpath, _, files in os.walk(cl):
        for fn in files:
            path = os.path.join(dirpath, fn)
            rel = os.path.relpath(path, d)
            if not fn.endswith(".json"):
                continue
            try:
                with open(path) as f:
                    doc = json.load(f)
            except ValueError as ex:
                p.append("%s: invalid JSON: %s" % (rel, ex))
                continue
            if fn == "version.json":
                continue
            want = LIST_FILES.get(fn)
            if not want:
                p.append("%s: unknown file" % rel)
                continue
            if doc.get("kind") != want[0] or not isinstance(doc.get("items"), list):
                p.append("%s: want a %s with items" % (rel, want[0]))
                continue
            for it in doc["items"]:
                m = it.get("metadata") or {}
                if not m.get("name") or not m.get("uid"):
                    p.append("%s: item without metadata.name/uid" % rel)
                    continue
                objs.add((want[1], m["name"]))
                if want[1] == "Pod":
                    pods[m["name"]] = [c["name"] for c in it["spec"].get("containers", []) +
                                       it["spec"].get("initContainers", [])]
    for nsdir in os.listdir(cl) if os.path.isdir(cl) else []:
        if os.path.isdir(os.path.join(cl, nsdir)) and not DNS_LABEL.match(nsdir):
            p.append("namespace %r is not a DNS label" % nsdir)
        logs = os.path.join(cl, nsdir, "logs")
        for pn in os.listdir(logs) if os.path.isdir(logs) else []:
            if pn not in pods:
                p.append("logs/%s: no such pod" % pn)
                continue
            for fn in os.listdir(os.path.join(logs, pn)):
                c = fn.replace(".previous.log", "").replace(".log", "")
                if c not in pods[pn]:
                    p.append("logs/%s/%s: no such container" % (pn, fn))
    try:
        e = expect.load(os.path.join(d, "expect.json"))
    except ValueError as ex:
        return p + [str(ex)]
    if not os.path.isdir(os.path.join(cl, e["namespace"])):
        p.append("expect.json: namespace %s has no directory" % e["namespace"])
    rc = e.get("root_cause") or []
    for r in e.get("findings", []) + e.get("allowed", []) + (rc if isinstance(rc, list) else [rc]):
        if (r["kind"], r["name"]) not in objs:
            p.append("expect.json names %s/%s, which the scenario does not have" % (r["kind"], r["name"]))
    return p


def run(args, timeout=60):
    try:
        r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
        return r.returncode, r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")
    except subprocess.TimeoutExpired:
        return -1, "", "timed out after %ds" % timeout


def prompt_available(kubeconfig, ns, extra=()):
    # the decisive evidence must survive a small model's window (4,096 tokens)
    rc, out, _ = run([K8SAGENT, "--kubeconfig", kubeconfig, "--context-tokens", "4096", "diagnose",
                      "-n", ns, "--print-prompt"] +
                     list(extra))
    return rc == 0 and out.strip() != "", out


def run_one(name, d, state, verbose):
    e = expect.load(os.path.join(d, "expect.json"))
    ns = e["namespace"]
    problems, notes = [], []
    try:
        ks = Kubesim(os.path.abspath(d), binary=KUBESIM).start()
    except RuntimeError as ex:
        return [str(ex)], notes
    try:
        scan = ["--scan-logs"] if e.get("scan_logs") else []
        rc, out, err = run([K8SAGENT, "--kubeconfig", ks.kubeconfig, "analyze", "-n", ns,
                            "-o", "json"] + scan)
        try:
            doc = json.loads(out) if out.strip() else None
        except ValueError:
            doc = None
            problems.append("analyze -o json printed invalid JSON: %r" % out[:200])
        if rc not in (0, 1):
            problems.append("analyze exited %d: %s" % (rc, err.strip()[-300:]))
        elif doc is not None:
            problems += expect.check_analysis(e, doc, rc)
        elif not problems:
            problems.append("analyze -o json printed nothing")
        if verbose and doc:
            for f in doc.get("findings", []):
                notes.append("  %-9s %s%s" % (f.get("severity"), expect.fmt(f),
                                             "  <- root cause" if f.get("root_cause") else ""))
        if state.get("prompt") is not False:
            ok, prompt = prompt_available(ks.kubeconfig, ns, scan + ([e["question"]] if e.get("question") else []))
            if ok:
                state["prompt"] = True
                problems += expect.check_prompt(e, prompt)
            elif state.get("prompt") is None:
                state["prompt"] = False
            else:
                problems.append("diagnose --print-prompt failed")
        # Stop the server first so that its audit log is complete.
        ks.proc.send_signal(signal.SIGTERM)
        ks.proc.wait(timeout=10)
        with open(ks.audit_log) as f:
            problems += expect.check_audit(f.readlines())
    finally:
        ks.stop()
    return problems, notes


def main(argv):
    verbose = "-v" in argv
    only = [a for a in argv if not a.startswith("-")]
    dirs = scenario_dirs()
    if only:
        dirs = {n: d for n, d in dirs.items() if n in only}
    gaps = known_gaps()
    for g in gaps:
        if g not in dirs and not only:
            print("KNOWN_GAPS names %s, which is not a scenario" % g)
            return 1
    lint_fail = False
    for n, d in sorted(dirs.items()):
        for prob in lint(n, d):
            print("LINT %s: %s" % (n, prob))
            lint_fail = True
    if lint_fail:
        print("scenario files are broken (see LINT lines)")
        return 1
    print("scenario files: %d scenarios, all valid" % len(dirs))
    missing = [b for b in (KUBESIM, K8SAGENT) if not os.access(b, os.X_OK)]
    if missing:
        print("SKIP: not built yet: %s (the scenario files themselves are valid)" % ", ".join(missing))
        return SKIP

    state = {}
    results = []
    t0 = time.time()
    for n, d in sorted(dirs.items()):
        t = time.time()
        problems, notes = run_one(n, d, state, verbose)
        ms = (time.time() - t) * 1000
        if problems:
            status = "GAP" if n in gaps else "FAIL"
        else:
            status = "XPASS" if n in gaps else "PASS"
        results.append((n, status, problems, ms))
        print("%-30s %-5s %6.0f ms" % (n, status, ms))
        for prob in problems:
            print("    - %s" % prob)
        if n in gaps and problems:
            print("    (known gap: %s)" % gaps[n])
        for ln in notes:
            print(ln)
        sys.stdout.flush()
    if state.get("prompt") is not True:
        print("evidence/absent: skipped (diagnose --print-prompt not available yet)")
    count = {s: sum(1 for r in results if r[1] == s) for s in ("PASS", "FAIL", "GAP", "XPASS")}
    print("scenarios: %d run, %d pass, %d fail, %d known gaps, %d gaps now passing "
          "(remove them from KNOWN_GAPS) in %.1f s" % (len(results), count["PASS"], count["FAIL"],
                                                       count["GAP"], count["XPASS"], time.time() - t0))
    return 1 if count["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
