#!/usr/bin/python3
"""k8sagent's everyday habits: -o yaml/wide and the message for an unknown format, the
completion scripts (bash -n and a real completion in bash; zsh -n and fish -n when those
shells are installed, else that part is skipped), every flag of the command table in the
command's --help, colour only on a terminal (not with NO_COLOR, --no-color or a pipe), the
progress line (terminal only, not with -q), -q silencing warnings, `ask -`/`diagnose -`
reading the question from stdin, and `analyze --watch` printing new and resolved findings.
"""
import json
import os
import pty
import re
import shutil
import subprocess
import sys
import tempfile
import time

TOP = os.environ.get("top_srcdir", ".")
BUILD = os.environ.get("top_builddir", ".")
sys.path.insert(0, os.path.join(TOP, "tests", "lib"))
from verdict import Tally  # noqa: E402
from kubesim import Kubesim  # noqa: E402
from llmsim import Llmsim  # noqa: E402

try:
    import yaml
except ImportError:
    yaml = None

K8SAGENT = os.path.join(BUILD, "service", "k8sagent")
SCENARIO = os.path.join(TOP, "tests", "scenarios", "demo-shop")
check = Tally("cli-habits")


def scenario_copy(d):
    """A private copy of the demo scenario under d: (its directory, its shop pods.json),
    for the checks that rewrite pods."""
    scen = os.path.join(d, "scenario")
    shutil.copytree(SCENARIO, scen)
    return scen, os.path.join(scen, "cluster", "shop", "pods.json")
skipped = check.skipped


def run(*args, stdin=None, env=None, timeout=60):
    e = dict(os.environ)
    e.pop("NO_COLOR", None)
    e.update(env or {})
    p = subprocess.run([K8SAGENT] + list(args), input=stdin, capture_output=True, env=e, timeout=timeout)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def run_pty(*args, env=None, timeout=60):
    """Run with stdout and stderr on a terminal; returns (status, everything written)."""
    e = dict(os.environ)
    e.pop("NO_COLOR", None)
    e["TERM"] = "xterm"
    e.update(env or {})
    master, slave = pty.openpty()
    p = subprocess.Popen([K8SAGENT] + list(args), stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=e)
    os.close(slave)
    out = b""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    return p.wait(timeout=10), out.decode(errors="replace")


def formats():
    base = ["--scenario", SCENARIO]
    rc, js, _ = run(*base, "analyze", "-n", "shop", "-o", "json")
    check(rc == 1, "analyze -o json exits 1 on problems")
    doc = json.loads(js)
    if yaml:
        rc, ys, _ = run(*base, "analyze", "-n", "shop", "-o", "yaml")
        check(rc == 1 and yaml.safe_load(ys) == doc, "analyze -o yaml is the JSON document as YAML")
        rc, ys, _ = run(*base, "snapshot", "-n", "shop", "-o", "yaml")
        rc2, sj, _ = run(*base, "snapshot", "-n", "shop", "-o", "json")
        # Two runs: their taken_at (wall clock, whole seconds) may differ; nothing else may.
        y, j = yaml.safe_load(ys), json.loads(sj)
        for d in (y, j):
            d.pop("taken_at", None)
        check(rc == 0 and y == j, "snapshot -o yaml is the JSON document as YAML")
    else:
        skipped.append("YAML round trip (no PyYAML)")
    rc, wide, _ = run(*base, "analyze", "-n", "shop", "-o", "wide")
    lines = wide.splitlines()
    check(rc == 1 and lines[0].split()[:4] == ["SEVERITY", "ROOT", "CODE", "OBJECT"], "analyze -o wide header")
    check(len(lines) == 1 + len(doc["findings"]), "analyze -o wide: one line per finding")
    check(any(l.split()[:3] == ["critical", "yes", "OOMKilled"] for l in lines), "analyze -o wide: root cause row")
    rc, wide, _ = run(*base, "snapshot", "-n", "shop", "-o", "wide")
    check(rc == 0 and wide.splitlines()[0].split()[:5] == ["NAMESPACE", "NAME", "PHASE", "READY", "RESTARTS"],
          "snapshot -o wide header")
    check(re.search(r"cart-\S+\s+Running\s+0/1\s+14\s+\S+\s+CrashLoopBackOff", wide) is not None,
          "snapshot -o wide: the crashing pod's row")
    for cmd, allowed in (("analyze", "text, json, yaml or wide"), ("snapshot", "json, yaml, summary or wide")):
        rc, out, err = run(*base, cmd, "-n", "shop", "-o", "xml")
        check(rc == 2 and out == "" and
              "k8sagent: %s: -o xml: unknown output format (use %s)" % (cmd, allowed) in err,
              "%s -o xml: clear message (%r)" % (cmd, err))


def completion():
    scripts = {}
    for sh in ("bash", "zsh", "fish"):
        rc, out, err = run("completion", sh)
        check(rc == 0 and "k8sagent" in out, "completion %s prints a script" % sh)
        scripts[sh] = out
    rc, _, err = run("completion", "tcsh")
    check(rc == 2 and "unknown shell 'tcsh'" in err, "completion tcsh: clear message")
    d = tempfile.mkdtemp(prefix="k8sa-comp.")
    try:
        for sh, ext in (("bash", "bash"), ("zsh", "zsh"), ("fish", "fish")):
            path = os.path.join(d, "k8sagent." + ext)
            with open(path, "w") as f:
                f.write(scripts[sh])
            if not shutil.which(sh):
                skipped.append("%s -n (no %s)" % (sh, sh))
                continue
            p = subprocess.run([sh, "-n", path], capture_output=True)
            check(p.returncode == 0, "%s -n accepts the %s completion: %s" % (sh, sh, p.stderr.decode()))
        # bash: complete for real.
        probe = ('source "%s/k8sagent.bash"\n'
                 'COMP_WORDS=(k8sagent analyze -o ""); COMP_CWORD=3; _k8sagent; echo "${COMPREPLY[*]}"\n'
                 'COMP_WORDS=(k8sagent ana); COMP_CWORD=1; _k8sagent; echo "${COMPREPLY[*]}"\n'
                 'COMP_WORDS=(k8sagent --backend ""); COMP_CWORD=2; _k8sagent; echo "${COMPREPLY[*]}"\n'
                 'COMP_WORDS=(k8sagent --model m analyze --w); COMP_CWORD=4; _k8sagent; echo "${COMPREPLY[*]}"\n'
                 'COMP_WORDS=(k8sagent completion ""); COMP_CWORD=2; _k8sagent; echo "${COMPREPLY[*]}"\n' % d)
        p = subprocess.run(["bash", "-c", probe], capture_output=True, text=True)
        got = p.stdout.splitlines()
        check(got == ["text json yaml wide", "analyze", "ollama openai", "--watch", "bash zsh fish"],
              "bash completes subcommands, flags and values: %r %s" % (got, p.stderr))
        if shutil.which("fish"):
            p = subprocess.run(["fish", "-c", "source %s/k8sagent.fish; complete -C 'k8sagent analyze -o '" % d],
                               capture_output=True, text=True)
            words = sorted(l.split("\t")[0] for l in p.stdout.splitlines())
            check(words == ["json", "text", "wide", "yaml"], "fish completes -o values: %r" % words)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    # Every flag of the table is in the command's --help (the scripts come from the table).
    cmd = None
    for line in scripts["fish"].splitlines():
        m = re.search(r"-n '__fish_seen_subcommand_from (\S+)'.* -l (\S+)", line)
        g = re.search(r"-n '__fish_use_subcommand'.* -l (\S+)", line)
        short = re.search(r" -s (\S) ", line)
        if m:
            cmd, flag = m.group(1), m.group(2)
            rc, out, _ = run(cmd, "--help")
        elif g:
            flag = g.group(1)
            rc, out, _ = run("--help")
        else:
            continue
        if flag == "help":
            continue  # every command takes it; not every usage text lists it
        check("--" + flag in out or (short and "-%s " % short.group(1) in out),
              "--%s is in `k8sagent %s--help`" % (flag, cmd + " " if m else ""))
    # ... and every subcommand of the tool is in the table.
    rc, out, _ = run("--help")
    listed = set(re.findall(r"^  ([a-z]+) ", out.split("Commands:")[1].split("Global options")[0], re.M))
    rc, comp, _ = run("completion", "fish")
    table = set(re.findall(r"__fish_use_subcommand -a (\S+)", comp))
    check(listed and listed <= table, "every command of --help completes (missing %s)" % sorted(listed - table))


def colour():
    base = ["--scenario", SCENARIO, "analyze", "-n", "shop"]
    rc, out = run_pty(*base)
    check(rc == 1 and "\033[" in out and "ROOT CAUSE" in out, "colour on a terminal")
    rc, out = run_pty(*base, env={"NO_COLOR": "1"})
    check(rc == 1 and "\033[" not in out and "ROOT CAUSE" in out, "NO_COLOR turns colour off")
    rc, out = run_pty("--no-color", *base)
    check(rc == 1 and "\033[" not in out, "--no-color turns colour off")
    rc, out = run_pty(*(base + ["--no-color"]))
    check(rc == 1 and "\033[" not in out, "--no-color after the command too (as kubectl's global flags)")
    rc, out, _ = run(*base)
    check(rc == 1 and "\033[" not in out, "no colour into a pipe")
    rc, out = run_pty(*(base + ["-o", "wide"]))
    check("\033[" in out, "-o wide is coloured on a terminal")
    # Text from the cluster cannot drive the terminal, coloured or not: a waiting message with
    # an OSC title sequence prints as a visible escape.
    d = tempfile.mkdtemp(prefix="k8sa-esc.")
    try:
        scen, pods = scenario_copy(d)
        with open(pods) as f:
            doc = json.load(f)
        for p in doc["items"]:
            if p["metadata"]["name"].startswith("cart-"):
                p["status"]["containerStatuses"][0]["state"]["waiting"]["message"] = "boom \x1b]0;pwned\x07 \x1b[2J"
        with open(pods, "w") as f:
            json.dump(doc, f)
        for fmt in ("text", "wide"):
            for env in ({}, {"NO_COLOR": "1"}):
                rc, out = run_pty("--scenario", scen, "analyze", "-n", "shop", "-o", fmt, env=env)
                check(rc == 1 and "\x1b]0;" not in out and "\x1b[2J" not in out,
                      "-o %s%s: the cluster's escape sequences are not sent to the terminal"
                      % (fmt, " (NO_COLOR)" if env else ""))
            check(fmt == "wide" or "\\x1b]0;pwned" in out, "-o %s: they print as visible escapes" % fmt)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def cluster():
    with Kubesim("demo-shop", "--fault", "latency=300ms", "--forbid", "nodes") as ks:
        kc = ["--kubeconfig", ks.kubeconfig]
        rc, out = run_pty(*kc, "analyze", "-n", "shop")
        check("reading namespace shop..." in out and "\r\033[K" in out,
              "progress line on a terminal while the cluster is read")
        rc, out = run_pty(*kc, "-q", "analyze", "-n", "shop")
        check("reading namespace" not in out, "-q: no progress line")
        rc, out, err = run(*kc, "analyze", "-n", "shop")
        check(rc == 1 and "reading namespace" not in err, "no progress line when stderr is not a terminal")
        check("warning: 1 resource(s) could not be read" in err, "warning about the forbidden nodes")
        rc, out, err = run(*kc, "--quiet", "analyze", "-n", "shop")
        check(rc == 1 and err == "" and "ROOT CAUSE" in out, "--quiet: no warning, same findings (%r)" % err)
        rc, out, err = run("analyze", "-n", "shop", "--quiet", *kc)
        check(rc == 1 and err == "" and "ROOT CAUSE" in out, "--quiet after the command (%r)" % err)
        question = "Why is the cart pod restarting\nafter the deploy?"
        rc, out, err = run(*kc, "diagnose", "-n", "shop", "--print-prompt", "-", stdin=question.encode())
        check(rc == 0 and "Why is the cart pod restarting" in out and "after the deploy?" in out,
              "diagnose -: the question from stdin reaches the prompt (%s)" % err)
        rc, out, err = run(*kc, "diagnose", "-n", "shop", "--print-prompt", "-", stdin=b"  \n")
        check(rc == 2 and "no question on standard input" in err, "diagnose -: empty stdin is refused")
    with Llmsim(rules=[{"reply": "A PDB limits voluntary disruptions."}]) as llm:
        rc, out, err = run("--llm-url", llm.url, "ask", "-",
                           stdin=b"What does a PodDisruptionBudget protect?\n")
        reqs = llm.chat_requests()
        check(rc == 0 and "voluntary disruptions" in out, "ask -: answered (%s)" % err)
        check(reqs and "What does a PodDisruptionBudget protect?" in json.dumps(reqs[-1]),
              "ask -: the question from stdin reached the model")
        rc, out, err = run("--llm-url", llm.url, "ask", "-", stdin=b"x" * 70000)
        check(rc == 2 and "longer than 65536 bytes" in err, "ask -: a too long question is refused")


def watch():
    d = tempfile.mkdtemp(prefix="k8sa-watch.")
    try:
        scen, pods = scenario_copy(d)
        with open(pods) as f:
            original = json.load(f)
        for fmt in ("json", "text"):
            with open(pods, "w") as f:
                json.dump(original, f)
            p = subprocess.Popen([K8SAGENT, "--scenario", scen, "analyze", "-n", "shop", "-w", "--interval", "1",
                                  "--rounds", "2", "-o", fmt], stdout=subprocess.PIPE, text=True)
            first = p.stdout.readline()
            if fmt == "text":
                while first.strip() and "problems found" not in first:
                    first = p.stdout.readline()
            # The cart pod is gone before round 2 (it starts a second after round 1).
            items = original["items"] if isinstance(original, dict) else original
            kept = [i for i in items if not i["metadata"]["name"].startswith("cart-")]
            with open(pods, "w") as f:
                json.dump(dict(original, items=kept) if isinstance(original, dict) else kept, f)
            rest = p.stdout.read()
            rc = p.wait(timeout=30)
            if fmt == "json":
                check(len(json.loads(first)["findings"]) == 6, "watch -o json: round 1 is the whole document")
                changes = [json.loads(l) for l in rest.splitlines() if l.strip()]
                check(len(changes) == 1 and [f["code"] for f in changes[0]["resolved"]] == ["OOMKilled"]
                      and changes[0]["new"] == [] and changes[0]["time"].endswith("Z"),
                      "watch -o json: the resolved OOMKilled finding (%r)" % rest[:400])
            else:
                check(re.search(r"^\d\d:\d\d:\d\d resolved +\[critical\] OOMKilled Pod shop/cart-", rest, re.M)
                      is not None, "watch: a 'resolved' line for OOMKilled (%r)" % rest[-600:])
            check(rc == 1, "watch: exit 1 while problems remain")
    finally:
        shutil.rmtree(d, ignore_errors=True)


def main():
    if not os.path.exists(K8SAGENT):
        print("SKIP: %s is not built" % K8SAGENT)
        return 77
    formats()
    completion()
    colour()
    cluster()
    watch()
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
