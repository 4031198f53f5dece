"""k8sagentd POST /investigate end to end, against kubesim (log-only-fault: a Running, Ready
payments pod whose log shows every charge failing) and llmsim scripted to call tools.

JSON and Server-Sent Events (session, step with the exact tool result the model saw, token,
verification, done); a follow-up names the session and reuses it (no second snapshot in
kubesim's audit log); the Secret refusal is a step error and never a request; a looping model
stops at max_steps; validation before the API is touched (bad namespace, bad fields, unknown
session 404, namespace of another session); one request at a time per session (409); a client
that leaves frees its session and model slot; the TTL, the count limit (LRU eviction, 429
when every session is busy) and the memory budget; auth; metrics; every audit-log request a
GET."""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.environ.get("top_srcdir", "."), "tests", "lib"))
from kubesim import Kubesim  # noqa: E402
from llmsim import Llmsim  # noqa: E402
from k8sagentd import K8sagentd, wait_for  # noqa: E402

checks = 0
POD = "payments-9rq9jkchhs-wsplt"
ANSWER = ("The payments pod %s cannot charge: the TLS certificate of fraud-check.pay.svc has "
          "expired.\n\n```bash\nkubectl delete pod %s -n pay\nkubectl logs payments-0000000000-zzzzz -n pay\n```\n"
          % (POD, POD))
RULES = [
    {"match": "[endless]", "reply": "y " * 200, "chunks": 4, "endless": True},
    {"match_last": "Secrets are never read", "reply": "I may not read Secrets; the log says enough."},
    {"match_last": "certificate has expired", "reply": ANSWER, "chunks": 12},
    {"match": "[slow]", "reply": "slow answer", "delay_ms": 2500},
    {"match": "secret", "tool_calls": [{"name": "get_object",
                                        "arguments": {"kind": "secrets", "namespace": "pay", "name": "payments-db"}}]},
    {"match": "loop", "tool_calls": [{"name": "get_events", "arguments": {"namespace": "pay"}}],
     "reply": "Still looking."},
    {"match": "checkouts", "tool_calls": [{"name": "get_logs", "arguments": {"namespace": "pay", "pod": POD}}]},
    {"reply": "Nothing more to add: the certificate of fraud-check.pay.svc has expired."},
]


def ok(cond, what):
    global checks
    checks += 1
    if not cond:
        raise AssertionError(what)


class Daemon(K8sagentd):
    """k8sagentd that must exit 0 on SIGTERM (a sanitizer build reports errors and leaks
    through its exit status: K8SAGENTD_BIN=/path/to/asan/k8sagentd)."""

    def __exit__(self, *exc):
        self.stop()
        err = self.stderr()
        super().__exit__(*exc)
        if exc[0] is None:
            ok(self.returncode == 0, "k8sagentd exit %s: %s" % (self.returncode, err[-3000:]))


def pod_lists(ks):
    return sum(1 for r in ks.audit() if r["path"] == "/api/v1/namespaces/pay/pods")


def investigate(kd, body, **kw):
    return kd.json("POST", "/investigate", body, **kw)


def test_json(kd, ks, llm):
    st, o = investigate(kd, {"namespace": "pay", "question": "Why do checkouts fail?"})
    ok(st == 200, "JSON investigate: %d %s" % (st, o))
    ok(isinstance(o["session"], str) and len(o["session"]) == 32, "a session id: %r" % o.get("session"))
    ok(o["namespace"] == "pay" and o["turn"] == 1 and o["snapshots"] == 1, "namespace, turn 1, one snapshot")
    ok(o["stopped"] == "answer" and "fraud-check.pay.svc has expired" in o["answer"], "the answer")
    ok(len(o["steps"]) == 1, "one step: %s" % o["steps"])
    s = o["steps"][0]
    ok(s["tool"] == "get_logs" and s["arguments"] == {"namespace": "pay", "pod": POD}, "the step's call")
    ok(s["error"] is None and s["cached"] is False and s["result_chars"] == len(s["result"]),
       "result_chars is the length of the result")
    ok("certificate has expired" in s["result"] and "```text" in s["result"], "the step carries the fenced log")
    # The exact text the model got as the tool's answer.
    sent = llm.chat_requests()[-1]["body"]["messages"]
    tool_msgs = [m for m in sent if m["role"] == "tool"]
    ok(tool_msgs and tool_msgs[-1]["content"] == s["result"], "the step's result is what the model saw")
    v = o["verification"]
    ok(v["unknown_names"] == ["payments-0000000000-zzzzz"], "made-up pod flagged: %s" % v)
    ok(any("kubectl delete pod" in c for c in v["mutating_commands"]), "delete flagged: %s" % v)
    ok(v["secret_commands"] == [], "no secret commands")
    ok(set(o["timings"]) >= {"snapshot_ms", "tools_ms", "llm_ms", "total_ms"}, "timings")
    return o["session"]


def test_follow_up(kd, ks, sid):
    before, logs_before = pod_lists(ks), len(ks.audit())
    st, o = investigate(kd, {"session": sid, "question": "Are checkouts failing still?"})
    ok(st == 200 and o["session"] == sid, "follow-up answered on the same session: %d %s" % (st, o))
    ok(o["turn"] == 2 and o["snapshots"] == 1, "turn 2, still one snapshot: %s" % o)
    ok(pod_lists(ks) == before, "no second snapshot in the audit log")
    ok(o["steps"] and o["steps"][0]["cached"] is True, "the repeated call answered from the session")
    ok(len(ks.audit()) == logs_before, "the follow-up made no API request at all")
    # The namespace may be repeated, not changed.
    st, o = investigate(kd, {"session": sid, "namespace": "pay", "question": "And now?"})
    ok(st == 200 and o["turn"] == 3, "same namespace repeated: fine")
    st, o = investigate(kd, {"session": sid, "namespace": "shop", "question": "And now?"})
    ok(st == 400 and "investigates namespace pay" in o["error"], "another namespace: 400 %s" % o)


def test_sse(kd, ks, sid):
    status, headers, events = kd.sse("/investigate", {"namespace": "pay", "question": "Why do checkouts fail?"})
    ok(status == 200 and headers["content-type"].startswith("text/event-stream"), "SSE: %s" % status)
    names = [e[0] for e in events]
    ok(names[0] == "session" and names[1] == "step", "session, then the step: %s" % names)
    ok(names[-2:] == ["verification", "done"], "verification, then done: %s" % names)
    toks = [e for e in events if e[0] == "token"]
    ok(len(toks) >= 10 and names.index("token") > names.index("step"), "the answer streamed after the step")
    step = events[1][1]
    ok(step["tool"] == "get_logs" and "certificate has expired" in step["result"] and "type" not in step,
       "step event with the result text")
    sess = events[0][1]
    ok(len(sess["session"]) == 32 and sess["namespace"] == "pay" and sess["turn"] == 1, "session event: %s" % sess)
    done = events[-1][1]
    ok(done["session"] == sess["session"] and done["stopped"] == "answer", "done names the session")
    ok("".join(t[1]["text"] for t in toks) == done["answer"], "tokens add up to the answer")
    ok("steps" not in done, "done leaves out the steps already sent")
    ver = events[-2][1]
    ok(ver["unknown_names"] == ["payments-0000000000-zzzzz"] and ver["mutating_commands"], "verification event")
    # A follow-up streamed on the JSON session; Accept alone asks for the stream.
    before = pod_lists(ks)
    status, headers, events = kd.sse("/investigate", {"session": sid, "question": "Why do checkouts fail?",
                                                      "stream": False})
    ok(status == 200 and [e[0] for e in events][0] == "session" and events[0][1]["session"] == sid,
       "Accept: text/event-stream streams a follow-up")
    ok(events[-1][0] == "done" and pod_lists(ks) == before, "streamed follow-up: no snapshot")


def test_secret_refusal(kd, ks):
    st, o = investigate(kd, {"namespace": "pay", "question": "Read the secret payments-db"})
    ok(st == 200, "secret question: %d %s" % (st, o))
    s = o["steps"][0]
    ok(s["tool"] == "get_object" and s["error"] and "Secrets are never read" in s["error"],
       "the Secret refusal is a step error: %s" % s)
    ok("Secrets are never read" in s["result"], "and the model was told")
    ok(not any("secret" in r["path"].lower() for r in ks.audit()), "no Secret request")
    ok(o["stopped"] == "answer", "the model answered after the refusal")


def test_max_steps(kd, ks):
    st, o = investigate(kd, {"namespace": "pay", "question": "loop forever", "max_steps": 2})
    ok(st == 200 and o["stopped"] == "max_steps", "a looping model stops at max_steps: %s" % o.get("stopped"))
    ok(len(o["steps"]) == 2 and "Step limit reached" in o["answer"], "two steps, and the note")
    ok("The step limit is reached" in o["steps"][-1]["result"], "the last result carries the step-limit note")
    status, _, events = kd.sse("/investigate", {"namespace": "pay", "question": "loop forever", "max_steps": 1})
    ok(events[-1][0] == "done" and events[-1][1]["stopped"] == "max_steps", "streamed: done says max_steps")
    ok(len([e for e in events if e[0] == "step"]) == 1, "one step streamed")


def test_validation(kd, ks):
    n = len(ks.audit())
    cases = [
        ({"namespace": "pay"}, 400, "question"),
        ({"namespace": "../secrets", "question": "q"}, 400, "namespace"),
        ({"namespace": "Pay", "question": "q"}, 400, "namespace"),
        ({"namespace": "a" * 64, "question": "q"}, 400, "namespace"),
        ({"namespace": "pay", "question": "q", "session": 5}, 400, "session"),
        ({"namespace": "pay", "question": "q", "max_steps": 0}, 400, "max_steps"),
        ({"namespace": "pay", "question": "q", "max_steps": 21}, 400, "max_steps"),
        ({"namespace": "pay", "question": "q", "max_steps": "3"}, 400, "max_steps"),
        ({"namespace": "pay", "question": "q", "max_steps": 2.5}, 400, "max_steps"),
        ({"namespace": "pay", "question": "q", "stream": "yes"}, 400, "stream"),
        ({"question": "q", "session": "0" * 32}, 404, "no such"),
        ({"question": "q", "session": "../../etc"}, 404, "no such"),
        ({"question": "q" * 9000, "namespace": "pay"}, 413, "longer"),
    ]
    for body, want, word in cases:
        st, o = investigate(kd, body)
        ok(st == want and word in o["error"], "%s -> %d (%s), got %d %s" % (body, want, word, st, o))
    st, _, _ = kd.request("POST", "/investigate", "{not json")
    ok(st == 400, "invalid JSON: 400")
    st, h, _ = kd.request("GET", "/investigate")
    ok(st == 405 and "POST" in h.get("allow", ""), "GET: 405 with Allow")
    ok(len(ks.audit()) == n, "no Kubernetes request for any refused body")
    st, o = investigate(kd, {"namespace": "pay", "question": "q", "max_steps": 20})
    ok(st == 200, "max_steps up to --max-steps: fine")


def test_busy_and_disconnect(kd, llm):
    st, o = investigate(kd, {"namespace": "pay", "question": "Why do checkouts fail?"})
    sid = o["session"]
    res = {}

    def slow():
        res["slow"] = investigate(kd, {"session": sid, "question": "[slow] and now?"})
    t = threading.Thread(target=slow)
    t.start()
    ok(wait_for(lambda: kd.metric("k8sagentd_investigate_sessions", state="busy") == 1), "the session is busy")
    st, o = investigate(kd, {"session": sid, "question": "meanwhile?"})
    ok(st == 409 and "one request at a time" in o["error"], "a second request on a busy session: 409 %s" % o)
    t.join(30)
    ok(res["slow"][0] == 200 and res["slow"][1]["answer"] == "slow answer", "the first one still answered")
    st, o = investigate(kd, {"session": sid, "question": "after?"})
    ok(st == 200 and o["turn"] == 3, "free again afterwards")

    # A streaming client that leaves cancels the model and frees its session and slot.
    c = kd.conn(10)
    c.request("POST", "/investigate", body=json.dumps({"session": sid, "question": "[slow] leaving"}),
              headers={"Content-Type": "application/json", "Accept": "text/event-stream"})
    r = c.getresponse()
    ok(r.status == 200 and r.readline().startswith(b"event: session"), "stream started")
    ok(wait_for(lambda: kd.metric("k8sagentd_llm_slots_in_use") == 1), "slot in use while it runs")
    t0 = time.time()
    c.sock.shutdown(socket.SHUT_RDWR)
    c.close()
    ok(wait_for(lambda: kd.metric("k8sagentd_llm_slots_in_use") == 0, 2.0), "slot freed when the client left")
    ok(time.time() - t0 < 2.0, "within 2 s, not after the 2.5 s answer (%.2f s)" % (time.time() - t0))
    # The session is handed back just after the slot (the cancelled question winds down).
    ok(wait_for(lambda: kd.metric("k8sagentd_investigate_sessions", state="busy") == 0, 5.0),
       "the session is idle again after its client left")
    st, o = investigate(kd, {"session": sid, "question": "still there?"})
    ok(st == 200 and o["session"] == sid, "the session survives its client leaving: %d" % st)
    # The same for a client waiting for one JSON answer.
    c = kd.conn(10)
    c.request("POST", "/investigate", body=json.dumps({"session": sid, "question": "[slow] leaving"}),
              headers={"Content-Type": "application/json"})
    ok(wait_for(lambda: kd.metric("k8sagentd_llm_slots_in_use") == 1), "JSON: slot in use while it runs")
    t0 = time.time()
    c.sock.shutdown(socket.SHUT_RDWR)
    c.close()
    ok(wait_for(lambda: kd.metric("k8sagentd_investigate_sessions", state="busy") == 0, 2.0) and
       kd.metric("k8sagentd_llm_slots_in_use") == 0, "JSON: session and slot freed when the client left")
    ok(time.time() - t0 < 2.0, "JSON: within 2 s (%.2f s)" % (time.time() - t0))


def test_no_model(ks):
    with Daemon("--kubeconfig", ks.kubeconfig, "--llm-url", "http://127.0.0.1:9") as kd:
        st, o = investigate(kd, {"namespace": "pay", "question": "Why do checkouts fail?"})
        ok(st == 502 and o["code"] == 502 and o["error"] and o["session"], "no model: 502 with the session: %s" % o)
        status, _, events = kd.sse("/investigate", {"session": o["session"], "question": "again?"})
        ok(status == 200 and events[-1][0] == "error" and events[-1][1]["code"] == 502, "streamed: an error event")


def test_limits(ks, llm):
    # TTL: a session idle for longer than --session-ttl is gone.
    with Daemon("--kubeconfig", ks.kubeconfig, "--llm-url", llm.url, "--session-ttl", "1") as kd:
        st, o = investigate(kd, {"namespace": "pay", "question": "Why do checkouts fail?"})
        sid = o["session"]
        st, o = investigate(kd, {"session": sid, "question": "and?"})
        ok(st == 200, "used within the TTL")
        time.sleep(1.3)
        st, o = investigate(kd, {"session": sid, "question": "and?"})
        ok(st == 404 and "expired" in o["error"], "idle past the TTL: 404 %s" % o)
        ok(kd.metric("k8sagentd_investigate_sessions_evicted_total", reason="ttl") == 1, "counted as a TTL eviction")
        ok(kd.metric("k8sagentd_investigate_sessions", state="idle") == 0, "none kept")

    # Count: the least recently used idle session makes room; all busy: 429.
    with Daemon("--kubeconfig", ks.kubeconfig, "--llm-url", llm.url, "--max-sessions", "2") as kd:
        a = investigate(kd, {"namespace": "pay", "question": "Why do checkouts fail?"})[1]["session"]
        b = investigate(kd, {"namespace": "pay", "question": "Why do checkouts fail?"})[1]["session"]
        investigate(kd, {"session": a, "question": "a again"})  # b is now the least recently used
        c = investigate(kd, {"namespace": "pay", "question": "Why do checkouts fail?"})[1]["session"]
        ok(investigate(kd, {"session": b, "question": "b?"})[0] == 404, "the LRU session was evicted")
        ok(investigate(kd, {"session": a, "question": "a?"})[0] == 200, "the recently used one stays")
        ok(kd.metric("k8sagentd_investigate_sessions_evicted_total", reason="count") == 1, "count eviction counted")
        res = []
        ts = [threading.Thread(target=lambda s=s: res.append(investigate(kd, {"session": s, "question": "[slow] x"})))
              for s in (a, c)]
        for t in ts:
            t.start()
        ok(wait_for(lambda: kd.metric("k8sagentd_investigate_sessions", state="busy") == 2), "both busy")
        st, h, body = kd.request("POST", "/investigate", {"namespace": "pay", "question": "q"})
        ok(st == 429 and "retry-after" in h and b"--max-sessions" in body, "all busy: 429 with Retry-After")
        for t in ts:
            t.join(30)
        ok(all(r[0] == 200 for r in res), "the busy ones answered")
        ok(kd.metric("k8sagentd_investigate_sessions_refused_total") == 1, "refusal counted")

    # Memory: a budget of 1 MiB holds two or three sessions of about 340 kB.
    with Daemon("--kubeconfig", ks.kubeconfig, "--llm-url", llm.url, "--session-memory", "1048576") as kd:
        ids = [investigate(kd, {"namespace": "pay", "question": "Why do checkouts fail?"})[1]["session"]
               for _ in range(4)]
        ok(kd.metric("k8sagentd_investigate_sessions", state="idle") in (2, 3), "two or three kept")
        ok(kd.metric("k8sagentd_investigate_session_bytes") <= 1048576, "within the budget")
        ok(kd.metric("k8sagentd_investigate_sessions_evicted_total", reason="memory") >= 1, "memory eviction counted")
        ok(investigate(kd, {"session": ids[0], "question": "?"})[0] == 404, "the oldest made room")
        ok(investigate(kd, {"session": ids[3], "question": "?"})[0] == 200, "the newest stays")


def test_max_answer(ks, llm):
    # A model that never stops is cut at --max-answer, in both forms; the session lives on.
    with Daemon("--kubeconfig", ks.kubeconfig, "--llm-url", llm.url, "--max-answer", "4096") as kd:
        t0 = time.time()
        st, o = investigate(kd, {"namespace": "pay", "question": "[endless] go"}, timeout=20)
        ok(st == 200 and o["truncated"] is True and o["stopped"] == "max_answer",
           "endless JSON: 200 cut (%d %s)" % (st, {k: o.get(k) for k in ("stopped", "truncated", "error")}))
        ok(o["answer"].startswith("y y") and "--max-answer" in o["answer"] and len(o["answer"]) < 4096 + 100,
           "the answer is what fits, with a note (%d bytes)" % len(o["answer"]))
        ok(time.time() - t0 < 10, "stopped at once")
        status, _, events = kd.sse("/investigate", {"session": o["session"], "question": "[endless] again"})
        done = events[-1][1] if events else {}
        ok(events and events[-1][0] == "done" and done["truncated"] is True and done["stopped"] == "max_answer",
           "endless SSE: done, cut")
        text = "".join(e[1]["text"] for e in events if e[0] == "token")
        ok(len(text) < 4096 + 100 and "--max-answer" in text, "streamed tokens stop at the limit")
        st, o = investigate(kd, {"session": o["session"], "question": "Why do checkouts fail?"})
        ok(st == 200 and o["turn"] == 3 and o["truncated"] is False, "the session still answers")
        ok(kd.metric("k8sagentd_answers_truncated_total") == 2, "cuts counted")


def test_auth(ks, llm, tmp):
    tok = os.path.join(tmp, "token")
    with open(tok, "w") as f:
        f.write("s3cret-token\n")
    with Daemon("--kubeconfig", ks.kubeconfig, "--llm-url", llm.url, env={"K8SA_AUTH_TOKEN_FILE": tok}) as kd:
        n = len(ks.audit())
        st, o = investigate(kd, {"namespace": "pay", "question": "Why do checkouts fail?"})
        ok(st == 401 and len(ks.audit()) == n, "no token: 401 before anything is read")
        st, o = investigate(kd, {"namespace": "pay", "question": "Why do checkouts fail?"},
                            headers={"Authorization": "Bearer s3cret-token"})
        ok(st == 200 and o["session"], "with the token: 200")
    with Daemon("--kubeconfig", ks.kubeconfig, "--llm-url", llm.url, env={"K8SA_NAMESPACES": "shop"}) as kd:
        n = len(ks.audit())
        st, o = investigate(kd, {"namespace": "pay", "question": "q"})
        ok(st == 403 and len(ks.audit()) == n, "namespace outside K8SA_NAMESPACES: 403, nothing read")


def test_metrics(kd):
    text = kd.metrics()
    ok('k8sagentd_http_requests_total{route="/investigate",code="200"}' in text, "requests counted by route")
    ok(kd.metric("k8sagentd_investigate_sessions_created_total") >= 5, "sessions created counted")
    ok(kd.metric("k8sagentd_investigate_session_bytes") > 300000, "session memory estimated")
    promtool = shutil.which("promtool")
    if promtool:
        r = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True)
        ok(r.returncode == 0, "promtool: " + r.stdout + r.stderr)


def main():
    llmsim = os.path.join(os.environ.get("top_builddir", "."), "tests", "llmsim", "llmsim")
    if not os.access(llmsim, os.X_OK):
        print("SKIP: llmsim not built")
        return 77
    tmp = tempfile.mkdtemp(prefix="svc-investigate.")
    try:
        with Kubesim("log-only-fault") as ks, Llmsim(rules=RULES) as llm:
            with Daemon("--kubeconfig", ks.kubeconfig, "--llm-url", llm.url) as kd:
                sid = test_json(kd, ks, llm)
                test_follow_up(kd, ks, sid)
                test_sse(kd, ks, sid)
                test_secret_refusal(kd, ks)
                test_max_steps(kd, ks)
                test_validation(kd, ks)
                test_busy_and_disconnect(kd, llm)
                test_metrics(kd)
            test_no_model(ks)
            test_limits(ks, llm)
            test_max_answer(ks, llm)
            test_auth(ks, llm, tmp)
            audit = ks.audit()
            ok(audit and all(r["method"] == "GET" for r in audit), "every audit-log request is a GET")
            ok(not any("secret" in r["path"].lower() for r in audit), "no Secret was ever requested")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("service-investigate: %d checks passed" % checks)
    return 0


if __name__ == "__main__":
    sys.exit(main())
