"""Checks an analysis (the JSON of `k8sagent analyze -o json`), a prompt and an audit log
against a scenario's expect.json (format in SCENARIOS.md).

Every check returns a list of problems (strings); an empty list means it passed.

Matching: an expected {code, kind, name} matches a finding when code and kind are equal and
name equals the finding's name or is one of its `members` (grouped findings). A code of "*"
matches any code. Extension to SCENARIOS.md: an optional `forbidden` list names findings that
must not appear at all (e.g. OOMKilled on an evicted pod whose container shows exit 137)."""

import json

PROBLEM_SEVERITIES = ("warning", "critical")
EXPECT_KEYS = {"namespace", "findings", "allowed", "root_cause", "evidence", "absent", "forbidden",
               "question", "scan_logs"}


def load(path):
    with open(path) as f:
        e = json.load(f)
    probs = validate(e)
    if probs:
        raise ValueError("%s: %s" % (path, "; ".join(probs)))
    return e


def _is_ref(r):
    return isinstance(r, dict) and all(isinstance(r.get(k), str) and r.get(k)
                                       for k in ("code", "kind", "name"))


def validate(e):
    """Shape check of an expect.json document."""
    p = []
    if not isinstance(e, dict):
        return ["not a JSON object"]
    unknown = set(e) - EXPECT_KEYS
    if unknown:
        p.append("unknown keys %s" % sorted(unknown))
    if not isinstance(e.get("namespace"), str) or not e.get("namespace"):
        p.append("namespace missing")
    for k in ("findings", "allowed", "forbidden"):
        v = e.get(k, [])
        if not isinstance(v, list) or not all(_is_ref(r) for r in v):
            p.append("%s must be a list of {code, kind, name}" % k)
    rc = e.get("root_cause")
    if rc is not None:
        opts = rc if isinstance(rc, list) else [rc]
        if not opts or not all(_is_ref(r) for r in opts):
            p.append("root_cause must be null, {code, kind, name} or a list of them")
    for k in ("evidence", "absent"):
        v = e.get(k, [])
        if not isinstance(v, list) or not all(isinstance(s, str) and s for s in v):
            p.append("%s must be a list of non-empty strings" % k)
    if "question" in e and (not isinstance(e["question"], str) or not e["question"]):
        p.append("question must be a non-empty string")
    if "scan_logs" in e and not isinstance(e["scan_logs"], bool):
        p.append("scan_logs must be true or false")
    if e.get("findings") == [] and rc:
        p.append("root_cause given but no findings expected")
    return p


def matches(exp, f):
    if exp["code"] != "*" and exp["code"] != f.get("code"):
        return False
    if exp["kind"] != f.get("kind"):
        return False
    return exp["name"] == f.get("name") or exp["name"] in (f.get("members") or [])


def names_object(exp, f):
    """exp names the object(s) of finding f (code not considered)."""
    if exp["kind"] != f.get("kind"):
        return False
    return exp["name"] == f.get("name") or exp["name"] in (f.get("members") or [])


def is_problem(f):
    return (f.get("severity") or "warning") in PROBLEM_SEVERITIES


def fmt(f):
    s = "%s %s/%s" % (f.get("code"), f.get("kind"), f.get("name"))
    m = f.get("members") or []
    if len(m) > 1:
        s += " (+%d members)" % (len(m) - 1)
    return s


def check_analysis(e, doc, exit_code):
    p = []
    if exit_code not in (0, 1):
        return ["analyze exited %s (2 = error)" % exit_code]
    if not isinstance(doc, dict) or not isinstance(doc.get("findings"), list):
        return ["analyze -o json: no findings list"]
    fs = [f for f in doc["findings"] if isinstance(f, dict)]
    if doc.get("namespace") not in (None, e["namespace"]):
        p.append("namespace %r, want %r" % (doc.get("namespace"), e["namespace"]))
    for exp in e.get("findings", []):
        if not any(matches(exp, f) for f in fs):
            p.append("missing %s %s/%s" % (exp["code"], exp["kind"], exp["name"]))
    rc = e.get("root_cause")
    if rc:
        opts = rc if isinstance(rc, list) else [rc]
        if not any(f.get("root_cause") is True and any(matches(o, f) for o in opts) for f in fs):
            marked = [fmt(f) for f in fs if f.get("root_cause") is True]
            p.append("root cause not marked: want %s; marked: %s" % (
                " or ".join("%s %s/%s" % (o["code"], o["kind"], o["name"]) for o in opts),
                ", ".join(marked) or "none"))
    named = e.get("findings", []) + e.get("allowed", [])
    for f in fs:
        if is_problem(f) and not any(names_object(x, f) for x in named):
            p.append("noise: %s [%s]" % (fmt(f), f.get("severity")))
    for x in e.get("forbidden", []):
        for f in fs:
            if is_problem(f) and matches(x, f):
                p.append("forbidden: %s" % fmt(f))
    problems = any(is_problem(f) for f in fs)
    if exit_code == 1 and not problems:
        p.append("exit 1 but no warning/critical finding")
    if exit_code == 0 and problems:
        p.append("exit 0 but warning/critical findings present")
    if e.get("findings") and exit_code != 1:
        p.append("exit %d, want 1 (problems expected)" % exit_code)
    return p


def check_prompt(e, prompt):
    p = []
    for s in e.get("evidence", []):
        if s not in prompt:
            p.append("evidence missing from prompt: %r" % s)
    for s in e.get("absent", []):
        if s in prompt:
            p.append("secret reached the prompt: %r" % s)
    return p


def check_audit(lines):
    """lines: the audit log's lines (one JSON object per request)."""
    p = []
    n = 0
    for ln in lines:
        ln = ln.strip()
        if not ln:
            continue
        try:
            r = json.loads(ln)
        except ValueError:
            p.append("audit: unparsable line %r" % ln[:80])
            continue
        n += 1
        method = r.get("method")
        path = r.get("path") or ""
        if method != "GET":
            p.append("audit: %s %s (only GET allowed)" % (method, path))
        if "secrets" in path.split("?")[0].split("/"):
            p.append("audit: read secrets: %s" % path)
    if n == 0:
        p.append("audit: no requests logged")
    return p
