"""Fault matrix through the CLI (k8sagent analyze / diagnose / ask) against kubesim and llmsim.

Each case injects one fault and asserts the exact behaviour: the exit status, that the error
text names the cause, that partial snapshots list their gaps (also in the prompt), that
partial answers are kept and marked cut, that retries happen where safe (audit log), and
that nothing hangs (every command runs under a hard timeout well above the client's own).
docs/reliability.md lists the cases. Runtime: about 30 s."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

SRC = os.environ.get("top_srcdir", ".")
BUILD = os.environ.get("top_builddir", ".")
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
from kubesim import Kubesim  # noqa: E402
from llmsim import Llmsim  # noqa: E402

K8SAGENT = os.path.join(BUILD, "service", "k8sagent")
failures = []
passed = 0


def check(name, cond, detail=""):
    global passed
    if cond:
        passed += 1
        print("ok - %s" % name)
    else:
        failures.append(name)
        print("not ok - %s %s" % (name, detail[-1500:]))


def cli(args, timeout=40, kubeconfig=None):
    cmd = [K8SAGENT] + (["--kubeconfig", kubeconfig] if kubeconfig else []) + args
    t = time.time()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return -1, timeout, "", "HANG: no exit within %ss" % timeout
    return p.returncode, time.time() - t, p.stdout, p.stderr


def audit_paths(ks, needle):
    return [e for e in ks.audit() if needle in e.get("path", "")]


# ---- Kubernetes API faults --------------------------------------------------------------------

def kube_faults():
    # 401, then the token file rotates: the client re-reads it and retries once.
    d = tempfile.mkdtemp(prefix="faults.")
    try:
        tok = os.path.join(d, "token")
        with open(tok, "w") as f:
            f.write("new-token\n")
        with Kubesim("demo-shop", "--token", "new-token") as ks:
            kc = os.path.join(d, "kubeconfig")
            text = open(ks.kubeconfig).read()
            lines = [ln for ln in text.splitlines() if not ln.strip().startswith("token:")]
            out = []
            for ln in lines:
                out.append(ln)
                if ln.strip() == "user:":
                    out.append("    tokenFile: %s" % tok)
            with open(kc, "w") as f:
                f.write("\n".join(out) + "\n")
            with open(tok, "w") as f:
                f.write("old-token\n")
            # the old token is refused; the file holds the new one by the time of the retry
            rc, t, o, e = cli(["analyze", "-n", "shop"], kubeconfig=kc)
            check("401 with a stale token file: error names the cause", rc == 2 and "nauthorized" in e, e)
            with open(tok, "w") as f:
                f.write("new-token\n")
            rc, t, o, e = cli(["analyze", "-n", "shop"], kubeconfig=kc)
            check("rotated token file is picked up", rc == 1 and "CrashLoopBackOff" in o, e)
    finally:
        shutil.rmtree(d, ignore_errors=True)

    # 403 on some lists: partial snapshot with gaps, not a failure
    with Kubesim("demo-shop", "--forbid", "events,nodes") as ks:
        rc, t, o, e = cli(["analyze", "-n", "shop"], kubeconfig=ks.kubeconfig)
        check("403 events,nodes: analyze still finds the root cause", rc == 1 and "CrashLoopBackOff" in o, o + e)
        check("403 events,nodes: the gaps are named on stderr",
              "events is forbidden" in e and "nodes is forbidden" in e, e)
        rc, t, o, e = cli(["diagnose", "-n", "shop", "--print-prompt"], kubeconfig=ks.kubeconfig)
        check("403: diagnose --print-prompt shows the gap text in the prompt",
              rc in (0, 1) and "forbidden" in o and "events" in o, o[-800:] + e)
        rc, t, o, e = cli(["snapshot", "-n", "shop", "-o", "json"], kubeconfig=ks.kubeconfig)
        try:
            gaps = json.dumps(json.loads(o).get("gaps"))
            check("403: snapshot -o json lists the gaps", "events is forbidden" in gaps and "nodes" in gaps, o[:500])
        except ValueError:
            check("403: snapshot -o json is JSON", False, o[:500])

    # 410 Expired on a continue page: the list restarts once, nothing lost or doubled
    with Kubesim("demo-shop", "--fault", "expire-continue,path=/pods", "--page-size-max", "1") as ks:
        rc, t, o, e = cli(["snapshot", "-n", "shop", "-o", "json"], kubeconfig=ks.kubeconfig)
        ok = rc in (0, 1)
        if ok:
            snap = json.loads(o)
            pods = snap.get("pods") or []
            names = [p.get("name") for p in pods]
            ok = len(names) == len(set(names)) and len(names) == 6  # demo-shop has 6 pods
        gone = [a for a in ks.audit() if a.get("status") == 410]
        check("410 on continue: restarted, every pod once (was: first page twice)", ok and gone, "%s %s" % (o[:300], e))

    # 429 with Retry-After: waits and retries (the same request twice in the audit log)
    with Kubesim("demo-shop", "--fault", "status=429,retry-after=1,count=1,path=/pods") as ks:
        rc, t, o, e = cli(["analyze", "-n", "shop"], kubeconfig=ks.kubeconfig)
        lists = [a for a in ks.audit() if a.get("path", "").endswith("/namespaces/shop/pods")]
        check("429 Retry-After 1: retried after >= 1 s, full result",
              rc == 1 and "CrashLoopBackOff" in o and len(lists) == 2 and t >= 1.0 and not e.strip(),
              "rc=%d t=%.2f lists=%d %s" % (rc, t, len(lists), e))

    # 503 once: retried; 503 always: bounded retries then a clear error
    with Kubesim("demo-shop", "--fault", "status=503,count=1,path=/pods") as ks:
        rc, t, o, e = cli(["analyze", "-n", "shop"], kubeconfig=ks.kubeconfig)
        check("503 once: retried, full result", rc == 1 and "CrashLoopBackOff" in o and not e.strip(), e)
    with Kubesim("demo-shop", "--fault", "status=503") as ks:
        rc, t, o, e = cli(["analyze", "-n", "shop"], kubeconfig=ks.kubeconfig)
        n = len(audit_paths(ks, "/namespaces/shop/pods"))
        check("503 always: exit 2, error names it, 3 attempts per list",
              rc == 2 and "unable to handle the request" in e and n == 3 and t < 20, "rc=%d n=%d %s" % (rc, n, e))

    # 500 on one list: not retried (not known safe), a gap
    with Kubesim("demo-shop", "--fault", "status=500,path=/deployments") as ks:
        rc, t, o, e = cli(["analyze", "-n", "shop"], kubeconfig=ks.kubeconfig)
        n = len(audit_paths(ks, "/deployments"))
        check("500 on deployments: a gap naming the server error, rest analysed",
              rc == 1 and "deployments: server error" in e and "CrashLoopBackOff" in o and n == 1,
              "n=%d %s" % (n, e))

    # latency beyond the timeout: a clear timeout error, bounded wall time
    with Kubesim("demo-shop", "--fault", "latency=5000ms") as ks:
        rc, t, o, e = cli(["--timeout", "1", "analyze", "-n", "shop"], kubeconfig=ks.kubeconfig)
        check("latency > --timeout 1: exit 2, 'timed out', bounded", rc == 2 and "timed out" in e and t < 10,
              "rc=%d t=%.1f %s" % (rc, t, e))

    # connection dropped mid-request, truncated body, malformed JSON
    with Kubesim("demo-shop", "--fault", "drop,path=/events") as ks:
        rc, t, o, e = cli(["analyze", "-n", "shop"], kubeconfig=ks.kubeconfig)
        check("dropped connection on events: a transport-error gap, rest analysed",
              rc == 1 and "events: transport error" in e and "CrashLoopBackOff" in o, e)
    with Kubesim("demo-shop", "--fault", "truncate,path=/pods") as ks:
        rc, t, o, e = cli(["analyze", "-n", "shop"], kubeconfig=ks.kubeconfig)
        check("truncated pods body: a 'malformed response' gap naming pods, rest analysed",
              rc == 1 and "pods: malformed response" in e and "bytes remaining" in e, "rc=%d %s" % (rc, e))
    d = tempfile.mkdtemp(prefix="faults.")
    try:
        sc = os.path.join(d, "bad")
        shutil.copytree(os.path.join(SRC, "tests", "scenarios", "demo-shop"), sc)
        with Kubesim(sc) as ks:
            # kubesim refuses malformed scenario files at start, so malformed JSON is checked
            # through the offline loader (same reducer) and the fuzzers
            pass
        with open(os.path.join(sc, "cluster", "shop", "services.json"), "w") as f:
            f.write('{"kind":"ServiceList","items":[{"metadata":{"name":"x"')
        rc, t, o, e = cli(["--scenario", sc, "analyze", "-n", "shop"])
        check("malformed JSON (offline scenario): error names the file", rc == 2 and "services.json" in e,
              "rc=%d %s" % (rc, e))
    finally:
        shutil.rmtree(d, ignore_errors=True)


def big_inputs():
    d = tempfile.mkdtemp(prefix="faults-big.")
    try:
        # a 10 MB log: only the bounded tail reaches the snapshot and the prompt
        sc = os.path.join(d, "biglog")
        shutil.copytree(os.path.join(SRC, "tests", "scenarios", "demo-shop"), sc)
        logdir = os.path.join(sc, "cluster", "shop", "logs")
        logfile = None
        for root, _, files in os.walk(logdir):
            for fn in files:
                logfile = os.path.join(root, fn)
        line = "2026-11-24T14:00:00Z INFO filler line %08d lorem ipsum dolor sit amet\n"
        with open(logfile, "w") as f:
            f.write("FIRST-LINE-MARKER\n")
            n = 0
            while f.tell() < 10 * 1024 * 1024:
                f.write(line % n)
                n += 1
            f.write("LAST-LINE-MARKER panic: out of memory\n")
        with Kubesim(sc) as ks:
            rc, t, o, e = cli(["diagnose", "-n", "shop", "--print-prompt"], kubeconfig=ks.kubeconfig)
            check("10 MB log: the tail reaches the prompt, the head does not, prompt bounded",
                  "LAST-LINE-MARKER" in o and "FIRST-LINE-MARKER" not in o and len(o) < 200000,
                  "rc=%d len=%d %s" % (rc, len(o), e))
            rc, t, o, e = cli(["snapshot", "-n", "shop", "-o", "json"], kubeconfig=ks.kubeconfig)
            check("10 MB log: the snapshot keeps a bounded tail", rc in (0, 1) and len(o) < 1000000 and
                  "LAST-LINE-MARKER" in o, "len=%d" % len(o))
        # a ~50 MB pod list (14,000 pods): the snapshot completes within bounds
        gen = os.path.join(SRC, "bench", "gen-scenario.py")
        sc = os.path.join(d, "big")
        subprocess.run([sys.executable, gen, "14000", "200", "2000", sc], check=True, capture_output=True)
        size = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(sc) for f in fs)
        with Kubesim(sc, timeout=60) as ks:
            rc, t, o, e = cli(["analyze", "-n", "bench"], kubeconfig=ks.kubeconfig, timeout=120)
            check("%d MB scenario (14,000 pods): analyze completes, finds the crashes (%.1f s)" % (size >> 20, t),
                  rc == 1 and "CrashLoopBackOff" in o, "rc=%d %s" % (rc, e[-500:]))
    finally:
        shutil.rmtree(d, ignore_errors=True)


# ---- model server faults ----------------------------------------------------------------------

def llm_faults():
    ask = lambda url, *extra: cli(["--llm-url", url, "--model", "mistral", "--timeout", "3"] + list(extra) +
                                  ["ask", "why is my pod pending?"], timeout=40)
    # refused: nothing listens
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    rc, t, o, e = ask("http://127.0.0.1:%d" % port)
    check("LLM refused: exit 3, names the URL and the fix", rc == 3 and str(port) in e and
          ("--llm-url" in e or "OLLAMA_HOST" in e), "rc=%d %s" % (rc, e))

    with Llmsim([{"delay_ms": 8000, "reply": "late"}]) as ls:
        rc, t, o, e = ask(ls.url)
        check("slow first token (8 s > 3 s timeout): exit 3, 'timed out'/'timeout', bounded",
              rc == 3 and "time" in e.lower() and t < 30, "rc=%d t=%.1f %s" % (rc, t, e))

    with Llmsim([{"reply": "one two three four five six", "disconnect_after_chunks": 3}]) as ls:
        rc, t, o, e = ask(ls.url)
        check("disconnect mid-stream: partial answer kept, marked cut, exit 3",
              rc == 3 and "one two three" in o and ("cut" in (o + e).lower() or "partial" in (o + e).lower()),
              "rc=%d out=%r err=%s" % (rc, o, e))

    with Llmsim({"models": ["llama3.2"], "rules": []}) as ls:
        rc, t, o, e = ask(ls.url)
        check("404 model: exit 3, hint to ollama pull", rc == 3 and "ollama pull" in e, "rc=%d %s" % (rc, e))

    with Llmsim([{"error": {"status": 500, "message": "CUDA out of memory"}}]) as ls:
        rc, t, o, e = ask(ls.url)
        n = len([r for r in ls.requests() if r["path"] == "/api/chat"])
        check("500 from the model server: exit 3, the server's message shown", rc == 3 and "CUDA out of memory" in e,
              "rc=%d n=%d %s" % (rc, n, e))

    with Llmsim([{"status_503_times": 1, "reply": "recovered answer"}]) as ls:
        rc, t, o, e = ask(ls.url)
        check("503 once (model loading): retried, answer", rc == 0 and "recovered answer" in o, "rc=%d %s" % (rc, e))

    with Llmsim([{"reply": "alpha beta gamma delta", "garbage": 2}]) as ls:
        rc, t, o, e = ask(ls.url)
        check("garbage framing mid-stream: exit 3, protocol error named, partial kept",
              rc == 3 and "alpha beta" in o and ("JSON" in e or "protocol" in e.lower() or "malformed" in e.lower()),
              "rc=%d out=%r %s" % (rc, o, e))

    with Llmsim([{"reply": "alpha beta gamma delta", "garbage": 2}]) as ls:
        rc, t, o, e = cli(["--llm-url", ls.url, "--backend", "openai", "--model", "mistral", "--timeout", "3",
                           "ask", "why?"], timeout=40)
        check("garbage framing (OpenAI SSE): exit 3, partial kept", rc == 3 and "alpha beta" in o,
              "rc=%d out=%r %s" % (rc, o, e))

    # through diagnose: the findings are printed even when the model fails
    with Kubesim("demo-shop") as ks:
        with Llmsim([{"reply": "the cart pod is crashing", "disconnect_after_chunks": 2}]) as ls:
            rc, t, o, e = cli(["--kubeconfig", ks.kubeconfig, "--llm-url", ls.url, "--model", "mistral",
                               "--timeout", "3", "diagnose", "-n", "shop"], timeout=40)
            check("diagnose with a cut stream: findings printed, partial answer, exit 3",
                  rc == 3 and "CrashLoopBackOff" in o and "the cart" in o, "rc=%d %s" % (rc, e))


def main():
    if not os.path.exists(K8SAGENT) or not os.path.exists(Llmsim().binary):
        print("SKIP: build k8sagent and llmsim first")
        return 77
    t0 = time.time()
    kube_faults()
    llm_faults()
    big_inputs()
    print("# %d passed, %d failed in %.1f s" % (passed, len(failures), time.time() - t0))
    if failures:
        print("FAILED: " + "; ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
