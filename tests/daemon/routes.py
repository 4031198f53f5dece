"""k8sagentd end to end against kubesim (demo-shop) and llmsim: /ask and /diagnose (JSON and
Server-Sent Events), the no-model path, /api/findings, /models, /readyz, the namespace
validation corpus (400 and no request reaches the Kubernetes API), the allowlist (403), 429
when the model slots and the queue are full, the answer cache, a client disconnect cancelling
its model stream, graceful SIGTERM, and the metrics they leave behind (promtool)."""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.environ.get("top_srcdir", "."), "tests", "lib"))
from kubesim import Kubesim  # noqa: E402
from k8sagentd import K8sagentd, promtool_check, wait_for  # noqa: E402
from llmsim import free_port  # noqa: E402,F401
from verdict import Strict  # noqa: E402

TOP = os.environ.get("top_builddir", ".")
LLMSIM = os.path.join(TOP, "tests", "llmsim", "llmsim")
ok = Strict()

ANSWER = ("The cart pod was **OOMKilled**: its memory limit is 64Mi.\n\n"
          "```bash\nkubectl -n shop set resources deployment cart --limits=memory=256Mi\n```\n")
SCRIPT = {
    "models": ["mistral", "llama3.2"],
    "rules": [
        {"match": "[slow]", "reply": "slow answer " * 20, "chunks": 40, "delay_ms": 1500,
         "chunk_delay_ms": 100},
        {"match": "[drip]", "reply": "one two three four five six", "chunks": 6,
         "chunk_delay_ms": 150},
        {"match": "[long]", "reply": "x " * 200, "chunks": 200, "chunk_delay_ms": 50},
        {"reply": ANSWER, "chunks": 8},
    ],
}


class Llmsim:
    def __init__(self, script, tmp):
        self.script = os.path.join(tmp, "script.json")
        self.record = os.path.join(tmp, "record.jsonl")
        with open(self.script, "w") as f:
            json.dump(script, f)

    def __enter__(self):
        self.proc = subprocess.Popen([LLMSIM, "--listen", "127.0.0.1:0", "--script", self.script,
                                      "--record", self.record], stdout=subprocess.PIPE)
        line = self.proc.stdout.readline().decode()
        ok("listening on" in line, "llmsim started: %r" % line)
        self.url = line.split()[-1]
        return self

    def __exit__(self, *a):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=10)

    def requests(self, path="/api/chat"):
        try:
            with open(self.record) as f:
                return [r for r in (json.loads(ln) for ln in f if ln.strip()) if r["path"] == path]
        except FileNotFoundError:
            return []


def test_answers(kd, ks, llm):
    st, j = kd.json("POST", "/ask", {"question": "What is a StatefulSet?"})
    ok(st == 200 and "OOMKilled" in j["answer"] and j["model"] and "timings" in j and "context" in j,
       "/ask: %r" % j)
    st, j = kd.json("GET", "/readyz")
    ok(st == 200 and j["status"] == "ready", "/readyz with llmsim up: %r" % j)
    st, j = kd.json("GET", "/models")
    ok(st == 200 and "mistral:latest" in j["models"], "/models: %r" % j)

    n = len(llm.requests())
    st, j = kd.json("POST", "/diagnose", {"namespace": "shop", "question": "Why is the shop broken?",
                                          "no_cache": True})
    ok(st == 200, "/diagnose status %d %r" % (st, j))
    for k in ("answer", "findings", "context", "dropped", "gaps", "model", "timings"):
        ok(k in j, "/diagnose has %s" % k)
    ok("OOMKilled" in j["answer"] and "```bash" in j["answer"], "diagnose answer")
    ok("64Mi" in j["context"], "context has the 64Mi limit")
    fl = j["findings"]["findings"] if isinstance(j["findings"], dict) else j["findings"]
    ok(any(f["code"] == "OOMKilled" for f in fl), "OOMKilled finding")
    ok(j["cached"] is False, "first diagnose not cached")
    ok(len(llm.requests()) == n + 1, "one model call")
    sent = llm.requests()[-1]["body"]["messages"]
    ok(any("64Mi" in m["content"] for m in sent), "the context reached the model")

    # default namespace (the kubeconfig's: shop) when none is given
    st, j = kd.json("POST", "/diagnose", {"no_cache": True})
    ok(st == 200 and "64Mi" in (j.get("context") or ""), "default namespace: %r" % st)

    # findings only: no model call
    n = len(llm.requests())
    st, j = kd.json("GET", "/api/findings?namespace=shop")
    ok(st == 200 and any(f["code"] == "OOMKilled" for f in j["findings"]), "/api/findings %r" % j)
    ok(j.get("gaps") == [], "/api/findings: gaps [] when everything was read (%r)" % j.get("gaps"))
    ok(len(llm.requests()) == n, "/api/findings calls no model")


def test_sse(kd):
    st, h, ev = kd.sse("/diagnose", {"namespace": "shop", "question": "stream it [drip]",
                                     "stream": True, "no_cache": True})
    ok(st == 200 and h["content-type"].startswith("text/event-stream"), "SSE status/type")
    names = [e[0] for e in ev]
    ok(names[:2] == ["context", "findings"], "context then findings: %r" % names)
    ok(names[-1] == "done" and names.count("done") == 1, "ends with done: %r" % names)
    toks = [e for e in ev if e[0] == "token"]
    ok(len(toks) >= 3 and all(n == "token" for n in names[2:-1]), "tokens between: %r" % names)
    ok("".join(t[1]["text"] for t in toks) == "one two three four five six", "token text")
    ok(ev[-1][2] - toks[0][2] > 0.4, "the first token arrived well before done (streamed, not buffered)")
    ok("64Mi" in ev[0][1]["context"], "context event carries the context")
    fl = ev[1][1]["findings"] if isinstance(ev[1][1], dict) else ev[1][1]
    ok(any(f["code"] == "OOMKilled" for f in fl), "findings event")
    done = ev[-1][1]
    ok(done["model"] and "timings" in done and done["cached"] is False and "context" not in done,
       "done event: %r" % done)
    # /ask via the Accept header alone
    c = kd.conn()
    c.request("POST", "/ask", body=json.dumps({"question": "hi [drip]"}),
              headers={"Accept": "text/event-stream", "Content-Type": "application/json"})
    r = c.getresponse()
    body = r.read().decode()
    c.close()
    ok(r.status == 200 and "event: token" in body and "event: done" in body and
       "event: context" not in body, "ask streams on Accept: text/event-stream")


def test_no_model(ks):
    with K8sagentd("--kubeconfig", ks.kubeconfig, "--llm-url", "http://127.0.0.1:%d" % free_port(),
                   "--timeout", "5") as kd:
        st, j = kd.json("POST", "/diagnose", {"namespace": "shop", "question": "why?"})
        ok(st == 200 and j["answer"] is None and j["llm_error"], "no model: 200, answer null: %r" % j)
        fl = j["findings"]["findings"] if isinstance(j["findings"], dict) else j["findings"]
        ok(any(f["code"] == "OOMKilled" for f in fl), "no model: findings still there")
        st, h, ev = kd.sse("/diagnose", {"namespace": "shop", "stream": True})
        ok(st == 200 and ev[-1][0] == "done" and ev[-1][1]["answer"] is None and
           ev[-1][1]["llm_error"], "no model SSE: done with llm_error: %r" % ev[-1:])
        st, j = kd.json("POST", "/ask", {"question": "anyone?"})
        ok(st in (502, 503, 504) and j["error"] and j["code"] == st, "no model /ask: %d %r" % (st, j))
        st, j = kd.json("GET", "/readyz")
        ok(st == 200 and j["kubernetes"] == "ok" and j["llm"] != "ok" and j["model_ready"] is False,
           "readyz: ready without the model, and names it")
        st, _, ev = kd.sse("/ask", {"question": "anyone?", "stream": True})
        ok(st == 200 and ev and ev[-1][0] == "error" and ev[-1][1]["error"], "ask SSE ends in error")


def test_scan_logs():
    """scan_logs per request: off by default, on by the query (/api/findings) or the body
    (/diagnose), and the daemon's --scan-logs as the default; the agent goes back unchanged."""
    with Kubesim("log-errors-healthy") as ks:
        url = "http://127.0.0.1:%d" % free_port()
        with K8sagentd("--kubeconfig", ks.kubeconfig, "--llm-url", url, "--timeout", "5") as kd:
            def codes(st, j):
                fl = j["findings"]["findings"] if isinstance(j.get("findings"), dict) else j.get("findings", [])
                return st, [f["code"] for f in fl]
            st, c = codes(*kd.json("GET", "/api/findings?namespace=orders"))
            ok(st == 200 and c == [], "scan_logs off by default: %d %r" % (st, c))
            st, c = codes(*kd.json("GET", "/api/findings?namespace=orders&scan_logs=true"))
            ok(st == 200 and c == ["LogErrors"], "scan_logs=true: LogErrors: %d %r" % (st, c))
            st, c = codes(*kd.json("GET", "/api/findings?namespace=orders"))
            ok(st == 200 and c == [], "the pooled agent goes back without the scan: %r" % c)
            st, j = kd.json("GET", "/api/findings?namespace=orders&scan_logs=maybe")
            ok(st == 400, "scan_logs=maybe -> 400 (%d)" % st)
            st, c = codes(*kd.json("POST", "/diagnose", {"namespace": "orders", "scan_logs": True}))
            ok(st == 200 and c == ["LogErrors"], "/diagnose scan_logs: LogErrors: %d %r" % (st, c))
            st, j = kd.json("POST", "/diagnose", {"namespace": "orders", "scan_logs": "yes"})
            ok(st == 400, "/diagnose scan_logs must be a boolean (%d)" % st)
        with K8sagentd("--kubeconfig", ks.kubeconfig, "--llm-url", url, "--timeout", "5", "--scan-logs") as kd:
            st, c = codes(*kd.json("GET", "/api/findings?namespace=orders"))
            ok(st == 200 and c == ["LogErrors"], "--scan-logs: on by default: %r" % c)
            st, c = codes(*kd.json("GET", "/api/findings?namespace=orders&scan_logs=false"))
            ok(st == 200 and c == [], "scan_logs=false overrides --scan-logs: %r" % c)


BAD_NAMESPACES = ["../secrets", "a/b", "%2F", "shop/../kube-system", "A", "Shop", "-shop", "shop-",
                  "sh op", "shop.", "shop\n", "a" * 64, "a" * 10240, "ünïcode", "shop\u0000x",
                  "..", ".", "shop%00", "kube_system", "shop;rm", "shop?x=1", "shop#", "\u0430bc"]


def test_namespace_corpus(kd, ks):
    before = len(ks.audit())
    for ns in BAD_NAMESPACES:
        st, h, body = kd.request("POST", "/diagnose", body=json.dumps({"namespace": ns}))
        ok(st == 400 and json.loads(body)["code"] == 400, "/diagnose %r -> %d %r" % (ns[:40], st, body[:100]))
        q = urllib.parse.quote(ns, safe="")
        st, h, body = kd.request("GET", "/api/findings?namespace=" + q)
        ok(st == 400, "/api/findings %r -> %d" % (ns[:40], st))
    for raw in ("a%2Fb", "..%2Fsecrets", "%2e%2e", "shop%2F..%2Fx"):
        st, _, _ = kd.request("GET", "/api/findings?namespace=" + raw)
        ok(st == 400, "/api/findings?namespace=%s -> %d" % (raw, st))
    time.sleep(0.2)
    after = ks.audit()
    ok(len(after) == before, "no request reached the Kubernetes API: %r" % after[before:][:3])
    st, j = kd.json("POST", "/diagnose", {"namespace": "nosuch", "no_cache": True})
    ok(st in (200, 404), "a valid but missing namespace: %d %r" % (st, j))


def test_allowlist(ks, llm):
    with K8sagentd("--kubeconfig", ks.kubeconfig, "--llm-url", llm.url,
                   env={"K8SA_NAMESPACES": "default,kube-system"}) as kd:
        st, j = kd.json("POST", "/diagnose", {"namespace": "shop"})
        ok(st == 403 and j["code"] == 403, "allowlist: 403 for shop: %r" % j)
        st, j = kd.json("GET", "/api/findings?namespace=shop")
        ok(st == 403, "allowlist on /api/findings")
        st, j = kd.json("GET", "/api/findings?namespace=default")
        ok(st == 200, "allowed namespace passes: %r" % st)


def test_429(ks, llm):
    with K8sagentd("--kubeconfig", ks.kubeconfig, "--llm-url", llm.url, "--max-llm", "1",
                   "--queue", "1") as kd:
        results = []

        def slow():
            results.append(kd.json("POST", "/ask", {"question": "wait [slow]"})[0])
        ts = [threading.Thread(target=slow) for _ in range(2)]
        ts[0].start()
        ok(wait_for(lambda: kd.metric("k8sagentd_llm_slots_in_use") == 1), "slot taken")
        ts[1].start()
        ok(wait_for(lambda: kd.metric("k8sagentd_llm_queue_length") == 1), "one queued")
        st, h, body = kd.request("POST", "/ask", body=json.dumps({"question": "third"}))
        ok(st == 429 and h.get("retry-after") and json.loads(body)["code"] == 429, "429 + Retry-After")
        st, h, body = kd.request("POST", "/diagnose", body=json.dumps({"namespace": "shop"}))
        ok(st == 429, "429 on /diagnose too")
        st, _, _ = kd.request("GET", "/healthz")
        ok(st == 200, "health answers while the model is busy")
        for t in ts:
            t.join(30)
        ok(results == [200, 200], "the running and the queued requests finished: %r" % results)
        ok(kd.metric("k8sagentd_llm_queue_length") == 0 and kd.metric("k8sagentd_llm_slots_in_use") == 0,
           "slots and queue empty again")
        ok(kd.metric("k8sagentd_http_requests_total", route="/ask", code="429") == 1, "429 counted")


def test_cache(kd, llm):
    body = {"namespace": "shop", "question": "cache me please"}
    n = len(llm.requests())
    st, a = kd.json("POST", "/diagnose", body)
    st2, b = kd.json("POST", "/diagnose", body)
    ok(st == st2 == 200 and a["cached"] is False and b["cached"] is True, "second is cached")
    ok(a["answer"] == b["answer"] and b["findings"], "cached answer is the same")
    ok(len(llm.requests()) == n + 1, "cache hit calls no model")
    st, _, ev = kd.sse("/diagnose", dict(body, stream=True))
    ok(ev[-1][0] == "done" and ev[-1][1]["cached"] is True and
       [e[0] for e in ev][:2] == ["context", "findings"], "cached SSE")
    ok("".join(e[1]["text"] for e in ev if e[0] == "token") == a["answer"], "cached SSE text")
    st, c = kd.json("POST", "/diagnose", dict(body, no_cache=True))
    ok(c["cached"] is False and len(llm.requests()) == n + 2, "no_cache skips the cache")
    st, d = kd.json("POST", "/diagnose", dict(body, question="another question"))
    ok(d["cached"] is False, "another question, another key")
    ok(kd.metric("k8sagentd_cache_requests_total", result="hit") >= 2, "cache hits counted")


def test_disconnect(kd, llm):
    for path, body in (("/diagnose", {"namespace": "shop", "question": "go [long]", "stream": True,
                                      "no_cache": True}),
                       ("/ask", {"question": "go [long]", "stream": True})):
        s = socket.create_connection(("127.0.0.1", kd.port))
        data = json.dumps(body).encode()
        s.sendall(("POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                   "Content-Length: %d\r\n\r\n" % (path, len(data))).encode() + data)
        got = b""
        while b"event: token" not in got:
            chunk = s.recv(4096)
            if not chunk:
                break
            got += chunk
        ok(b"event: token" in got, path + ": first token arrived")
        ok(kd.metric("k8sagentd_llm_slots_in_use") == 1, "slot held while streaming")
        t = time.time()
        s.close()
        ok(wait_for(lambda: kd.metric("k8sagentd_llm_slots_in_use") == 0, timeout=3),
           path + ": slots back to 0 after the client left")
        ok(time.time() - t < 3, path + ": cancelled promptly (the answer would take 10 s)")
        v = kd.settle("k8sagentd_http_requests_in_flight", 1)
        ok(v == 1, path + ": in-flight back to 1 (this scrape) after the client left (got %r)" % v)
    # a blocking (non-streamed) request whose client leaves is cancelled too
    s = socket.create_connection(("127.0.0.1", kd.port))
    data = json.dumps({"question": "go [long]"}).encode()
    s.sendall(("POST /ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               "Content-Length: %d\r\n\r\n" % len(data)).encode() + data)
    ok(wait_for(lambda: kd.metric("k8sagentd_llm_slots_in_use") == 1), "blocking call started")
    s.close()
    ok(wait_for(lambda: kd.metric("k8sagentd_llm_slots_in_use") == 0, timeout=3),
       "blocking call cancelled when its client left")


def test_sigterm(ks, llm):
    # in-flight work finishes within the grace period
    kd = K8sagentd("--kubeconfig", ks.kubeconfig, "--llm-url", llm.url, "--grace", "10").start()
    try:
        res = {}
        t = threading.Thread(target=lambda: res.update(
            r=kd.sse("/diagnose", {"namespace": "shop", "question": "[drip]", "stream": True,
                                   "no_cache": True})))
        t.start()
        ok(wait_for(lambda: kd.metric("k8sagentd_llm_slots_in_use") == 1), "stream running")
        kd.proc.send_signal(signal.SIGTERM)
        t.join(20)
        ok(res["r"][0] == 200 and res["r"][2][-1][0] == "done", "in-flight stream completed on SIGTERM")
        ok(kd.proc.wait(10) == 0, "exit 0 after draining")
        try:
            socket.create_connection(("127.0.0.1", kd.port), timeout=1).close()
            refused = False
        except OSError:
            refused = True
        ok(refused, "stopped accepting")
    finally:
        kd.cleanup()
    # work beyond the grace period is cancelled
    kd = K8sagentd("--kubeconfig", ks.kubeconfig, "--llm-url", llm.url, "--grace", "1").start()
    try:
        t = threading.Thread(target=lambda: kd.sse("/ask", {"question": "[long]", "stream": True}))
        t.start()
        ok(wait_for(lambda: kd.metric("k8sagentd_llm_slots_in_use") == 1), "long stream running")
        t0 = time.time()
        kd.proc.send_signal(signal.SIGTERM)
        rc = kd.proc.wait(15)
        ok(rc == 0 and time.time() - t0 < 4, "exit 0 soon after the grace period (%.1fs)" % (time.time() - t0))
        t.join(10)
    finally:
        kd.cleanup()


def test_metrics(kd):
    text = kd.metrics()
    ok(kd.metric("k8sagentd_llm_first_token_seconds_count") >= 3, "first-token histogram filled")
    ok(kd.metric("k8sagentd_snapshot_duration_seconds_count") >= 3, "snapshot histogram filled")
    ok(kd.metric("k8sagentd_http_requests_total", route="/diagnose", code="200") >= 3, "diagnose counted")
    ok(kd.metric("k8sagentd_http_requests_total", route="/diagnose", code="400") >= len(BAD_NAMESPACES),
       "400s counted")
    # The server lowers the gauge just after the client has its answer: let it settle (one
    # kept-alive connection, so the polling scrapes do not count each other).
    v = kd.settle("k8sagentd_http_requests_in_flight", 1)
    ok(v == 1, "in-flight back to 1 (this request; got %r)" % v)
    lint = promtool_check(text)
    if lint:
        ok(lint[0], "promtool: " + lint[1])


def main():
    if not os.access(LLMSIM, os.X_OK):
        print("SKIP: llmsim not built (%s)" % LLMSIM)
        return 77
    tmp = tempfile.mkdtemp(prefix="svc-routes.")
    try:
        with Kubesim("demo-shop") as ks, Llmsim(SCRIPT, tmp) as llm:
            with K8sagentd("--kubeconfig", ks.kubeconfig, "--llm-url", llm.url) as kd:
                test_answers(kd, ks, llm)
                test_sse(kd)
                test_namespace_corpus(kd, ks)
                test_cache(kd, llm)
                test_disconnect(kd, llm)
                test_metrics(kd)
            test_no_model(ks)
            test_scan_logs()
            test_allowlist(ks, llm)
            test_429(ks, llm)
            test_sigterm(ks, llm)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return ok.done("service-routes")


if __name__ == "__main__":
    sys.exit(main())
