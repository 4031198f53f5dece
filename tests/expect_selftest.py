#!/usr/bin/python3
"""Self-test of tests/lib/expect.py: the scenario judge must catch what it claims to catch
(missing findings, noise, wrong root cause, forbidden codes, bad exit codes, secrets in the
prompt, non-GET or secret reads in the audit log), or scenario passes mean nothing."""

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import expect  # noqa: E402

E = {"namespace": "shop",
     "findings": [{"code": "OOMKilled", "kind": "Pod", "name": "cart-1"}],
     "allowed": [{"code": "ServiceNoEndpoints", "kind": "Service", "name": "cart"}],
     "root_cause": {"code": "OOMKilled", "kind": "Pod", "name": "cart-1"},
     "forbidden": [{"code": "CrashLoopBackOff", "kind": "Pod", "name": "cart-1"}],
     "evidence": ["64Mi"], "absent": ["hunter2"]}


def f(code, kind, name, sev="critical", rc=False, members=None):
    return {"code": code, "severity": sev, "kind": kind, "name": name,
            "members": members or [name], "root_cause": rc}


GOOD = [f("OOMKilled", "Pod", "cart-1", rc=True), f("ServiceNoEndpoints", "Service", "cart", "warning"),
        f("Info", "Pod", "other", "info")]
cases = [
    ("good", GOOD, 1, []),
    ("grouped member matches", [f("OOMKilled", "Pod", "cart-0", rc=True, members=["cart-0", "cart-1"])], 1, []),
    ("missing finding", [f("ServiceNoEndpoints", "Service", "cart", "warning")], 1, ["missing OOMKilled", "root cause"]),
    ("root cause unmarked", [f("OOMKilled", "Pod", "cart-1")], 1, ["root cause not marked"]),
    ("noise", GOOD + [f("HighRestartCount", "Pod", "web-1", "warning")], 1, ["noise: HighRestartCount"]),
    ("forbidden", GOOD + [f("CrashLoopBackOff", "Pod", "cart-1")], 1, ["forbidden"]),
    ("exit 0 with problems", GOOD, 0, ["exit 0"]),
    ("exit 2", GOOD, 2, ["exited 2"]),
    ("wrong kind", [f("OOMKilled", "Deployment", "cart-1", rc=True)], 1, ["missing", "noise"]),
]
fails = 0
for name, fs, rc, want in cases:
    got = expect.check_analysis(E, {"namespace": "shop", "findings": fs}, rc)
    ok = (not want and not got) or (want and all(any(w in g for g in got) for w in want))
    if not ok:
        fails += 1
    print("%-24s %s %s" % (name, "ok" if ok else "WRONG", got))

healthy = {"namespace": "docs", "findings": [], "root_cause": None}
for name, fs, rc, bad in [("healthy clean", [f("Info", "Pod", "x", "info")], 0, False),
                          ("healthy noise", [f("CrashLoopBackOff", "Pod", "x")], 1, True),
                          ("healthy exit 1", [], 1, True)]:
    got = expect.check_analysis(healthy, {"findings": fs}, rc)
    ok = bool(got) == bad
    fails += not ok
    print("%-24s %s %s" % (name, "ok" if ok else "WRONG", got))

for name, prompt, bad in [("prompt ok", "limit 64Mi", False), ("prompt secret", "64Mi hunter2", True),
                          ("prompt no evidence", "nothing", True)]:
    got = expect.check_prompt(E, prompt)
    ok = bool(got) == bad
    fails += not ok
    print("%-24s %s %s" % (name, "ok" if ok else "WRONG", got))

audit_ok = [json.dumps({"method": "GET", "path": "/api/v1/namespaces/shop/pods", "status": 200})]
for name, lines, bad in [("audit ok", audit_ok, False), ("audit empty", [], True),
                         ("audit POST", audit_ok + [json.dumps({"method": "POST", "path": "/api/v1/x"})], True),
                         ("audit secrets", audit_ok + [json.dumps({"method": "GET", "path": "/api/v1/namespaces/shop/secrets"})], True)]:
    got = expect.check_audit(lines)
    ok = bool(got) == bad
    fails += not ok
    print("%-24s %s %s" % (name, "ok" if ok else "WRONG", got))

bad_shapes = [{}, {"namespace": "x", "findings": [{"code": "A"}]}, {"namespace": "x", "root_cause": 3},
              {"namespace": "x", "bogus": 1}, {"namespace": "x", "findings": [], "root_cause": E["root_cause"]}]
for b in bad_shapes:
    if not expect.validate(b):
        fails += 1
        print("validate accepted", b)
print("FAIL" if fails else "PASS")
sys.exit(1 if fails else 0)
