"""k8sagentd framework tests against kubesim (no model needed): health, readiness, metrics
(promtool), UI assets, OpenAPI, 404/405/413/400 JSON errors, bearer auth, the namespace
allowlist in /api/namespaces, token file rotation, the access log, flags, SIGTERM."""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.environ.get("top_srcdir", "."), "tests", "lib"))
from kubesim import Kubesim  # noqa: E402
from k8sagentd import K8sagentd, promtool_check  # noqa: E402
from llmsim import free_port  # noqa: E402,F401
from verdict import Strict  # noqa: E402

BIN = os.path.join(os.environ.get("top_builddir", "."), "service", "k8sagentd")
ok = Strict()


def test_flags():
    r = subprocess.run([BIN, "--help"], capture_output=True, text=True)
    ok(r.returncode == 0, "--help exits 0")
    for flag in ("--listen", "--port-file", "--kubeconfig", "--context", "--llm-url", "--backend",
                 "--model", "--context-tokens", "--prompt-dir", "--namespace", "--max-llm",
                 "--queue", "--grace", "--log-level", "K8SA_NAMESPACES", "K8SA_AUTH_TOKEN_FILE",
                 "OLLAMA_HOST", "K8SA_MODEL"):
        ok(flag in r.stdout, "--help documents " + flag)
    for bad in (["--listen", "nonsense"], ["--listen", "127.0.0.1:99999"], ["--max-llm", "0"],
                ["--log-level", "loud"], ["extra-arg"]):
        r = subprocess.run([BIN] + bad, capture_output=True, text=True)
        ok(r.returncode == 2, "%s exits 2 (got %d)" % (bad, r.returncode))
    r = subprocess.run([BIN, "--version"], capture_output=True, text=True)
    ok(r.returncode == 0 and "k8sagentd" in r.stdout, "--version")


def test_routes(kd, ks):
    st, h, body = kd.request("GET", "/healthz")
    ok(st == 200 and json.loads(body) == {"status": "ok"}, "/healthz")
    st, j = kd.json("GET", "/health")
    ok(st == 200 and j["status"] == "ok" and j["k8s_api_available"] is True, "/health %r" % j)
    st, j = kd.json("GET", "/readyz")
    ok(st == 200 and j["kubernetes"] == "ok" and j["llm"] != "ok" and j["model_ready"] is False,
       "/readyz: ready without the model, which it names as unreachable: %r" % j)
    st, j = kd.json("GET", "/api/namespaces")
    ok(st == 200 and "shop" in j["namespaces"] and j["default"], "/api/namespaces %r" % j)
    st, h, body = kd.request("GET", "/")
    ok(st == 200 and h["content-type"].startswith("text/html") and b"/app.js" in body, "/ is the UI")
    ok("default-src 'self'" in h.get("content-security-policy", ""), "UI has a CSP")
    for path, ctype in (("/app.js", "text/javascript"), ("/style.css", "text/css"),
                        ("/index.html", "text/html")):
        st, h, body = kd.request("GET", path)
        ok(st == 200 and h["content-type"].startswith(ctype) and len(body) > 100, path)
    st, h, body = kd.request("HEAD", "/")
    ok(st == 200 and body == b"", "HEAD /")
    st, spec = kd.json("GET", "/openapi.json")
    ok(st == 200 and spec["openapi"].startswith("3."), "/openapi.json")
    for p in ("/ask", "/diagnose", "/investigate", "/api/findings", "/api/namespaces", "/models", "/health",
              "/healthz", "/readyz", "/metrics"):
        ok(p in spec["paths"], "openapi describes " + p)

    # 404 and 405, as JSON errors
    st, h, body = kd.request("GET", "/no/such/route")
    j = json.loads(body)
    ok(st == 404 and j["code"] == 404 and j["error"] and h["content-type"] == "application/json", "404")
    st, h, body = kd.request("GET", "/ask")
    ok(st == 405 and h.get("allow") == "POST" and json.loads(body)["code"] == 405, "GET /ask 405")
    st, h, body = kd.request("POST", "/healthz", body="{}")
    ok(st == 405 and "GET" in h.get("allow", ""), "POST /healthz 405")
    st, h, body = kd.request("DELETE", "/diagnose")
    ok(st == 405 and h.get("allow") == "POST", "DELETE /diagnose 405")

    # 413: declared body too large (refused before it is read), question too long
    st, h, body = kd.request("POST", "/ask", body="x" * 70000)
    ok(st == 413 and json.loads(body)["code"] == 413, "413 for a 70 KB body")
    st, j = kd.json("POST", "/ask", {"question": "q" * 9000})
    ok(st == 413 and "question" in j["error"], "413 for a long question: %r" % j)
    st, j = kd.json("POST", "/diagnose", {"question": "q" * 9000, "namespace": "shop"})
    ok(st == 413, "413 on /diagnose too")

    # 400: invalid and wrongly typed JSON
    bad = [("/ask", "{"), ("/ask", "not json"), ("/ask", "[1,2]"), ("/ask", '"str"'),
           ("/ask", '{"question": 42}'), ("/ask", '{"question": ["a"]}'), ("/ask", "{}"),
           ("/ask", '{"question": ""}'), ("/ask", '{"question": "a\\u0000b"}'),
           ("/ask", '{"question": "a"} trailing'), ("/ask", '{"question": "a", "stream": "yes"}'),
           ("/diagnose", '{"namespace": 7}'), ("/diagnose", '{"namespace": ["shop"]}'),
           ("/diagnose", '{"no_cache": 1}'), ("/diagnose", "{'single': 'quotes'}"),
           ("/ask", '{"question": "\xff"}')]
    for path, b in bad:
        st, h, body = kd.request("POST", path, body=b.encode("latin-1"))
        try:
            j = json.loads(body)
        except ValueError:
            j = {}
        ok(st == 400 and j.get("code") == 400 and j.get("error") and
           h["content-type"] == "application/json", "400 for %s %r: %d %r" % (path, b, st, body))

    # metrics: the counters saw the requests above, the format passes promtool
    text = kd.metrics()
    ok(kd.metric("k8sagentd_http_requests_total", route="/healthz", code="200") >= 1, "requests counter")
    ok(kd.metric("k8sagentd_http_requests_total", route="other", code="404") >= 1, "404 counted")
    ok(kd.metric("k8sagentd_http_requests_total", route="/ask", code="400") >= 10, "400s counted")
    # The server finishes a request (and lowers the gauge) just after the client has its
    # answer: poll until the earlier requests are accounted for, over one kept-alive connection
    # (kd.settle) so that the polling scrapes never count each other.
    v = kd.settle("k8sagentd_http_requests_in_flight", 1)
    ok(v == 1, "in-flight gauge counts only /metrics (got %r)" % v)
    ok(kd.metric("k8sagentd_llm_queue_length") == 0, "queue gauge")
    ok('k8sagentd_http_request_duration_seconds_bucket{route="/healthz",le="+Inf"}' in text, "histogram")
    for name in ("k8sagentd_llm_first_token_seconds", "k8sagentd_llm_tokens_per_second",
                 "k8sagentd_snapshot_duration_seconds", "k8sagentd_kube_api_errors_total"):
        ok("# TYPE " + name in text, name)
    lint = promtool_check(text)
    if lint:
        ok(lint[0], "promtool check metrics: " + lint[1])

    # the Kubernetes API only ever saw GETs
    audit = ks.audit()
    ok(audit and all(e.get("method") == "GET" for e in audit), "kubesim audit: GET only")


def test_access_log(kd):
    kd.request("POST", "/ask", body=json.dumps({"question": "SECRET-QUESTION-TEXT", "stream": 1}))
    kd.request("GET", "/healthz")
    time.sleep(0.2)
    lines = kd.log_lines()
    acc = [ln for ln in lines if ln.get("msg") == "access"]
    ok(any(a["path"] == "/healthz" and a["status"] == 200 and a["method"] == "GET" and
           "ms" in a and a["bytes"] > 0 for a in acc), "access log line for /healthz")
    ok("SECRET-QUESTION-TEXT" not in kd.stderr(), "no question text in the info-level log")


def test_auth(ks, tmp):
    tok = os.path.join(tmp, "token")
    with open(tok, "w") as f:
        f.write("s3cret-token\n")
    with K8sagentd("--kubeconfig", ks.kubeconfig, "--llm-url", "http://127.0.0.1:%d" % free_port(),
                   env={"K8SA_AUTH_TOKEN_FILE": tok, "K8SA_NAMESPACES": "shop,default"}) as kd:
        st, h, body = kd.request("GET", "/api/namespaces")
        ok(st == 401 and "bearer" in h.get("www-authenticate", "").lower(), "401 without a token")
        for wrong in ("Bearer nope", "Bearer s3cret-toke", "Bearer s3cret-token-longer", "Basic eDp5",
                      "s3cret-token"):
            st, _, _ = kd.request("GET", "/api/namespaces", headers={"Authorization": wrong})
            ok(st == 401, "401 for %r" % wrong)
        st, h, body = kd.request("POST", "/ask", body="{}")
        ok(st == 401, "POST /ask needs the token")
        st, j = kd.json("GET", "/api/namespaces", headers={"Authorization": "Bearer s3cret-token"})
        ok(st == 200 and sorted(j["namespaces"]) == ["default", "shop"],
           "allowlist filters /api/namespaces: %r" % j)
        for open_path in ("/healthz", "/health", "/metrics", "/", "/openapi.json"):
            st, _, _ = kd.request("GET", open_path)
            ok(st == 200, open_path + " stays open with auth on")
        st, _, _ = kd.request("GET", "/readyz")
        ok(st == 200, "/readyz open with auth on")


def swap_secret(mount, version, token):
    """Rotate like the kubelet rotates a Secret volume: write ..VERSION/token, then swap the
    ..data symlink atomically; `token` itself is a symlink to ..data/token."""
    os.makedirs(os.path.join(mount, version))
    with open(os.path.join(mount, version, "token"), "w") as f:
        f.write(token)
    tmp_link = os.path.join(mount, "..data_tmp")
    os.symlink(version, tmp_link)
    os.rename(tmp_link, os.path.join(mount, "..data"))
    if not os.path.lexists(os.path.join(mount, "token")):
        os.symlink("..data/token", os.path.join(mount, "token"))


def auth_status(kd, token):
    return kd.request("GET", "/api/namespaces", headers={"Authorization": "Bearer " + token})[0]


def wait_for_status(kd, token, want, seconds=5.0):
    """The file is checked at most once a second: poll until `token` gets `want`."""
    end = time.time() + seconds
    while True:
        st = auth_status(kd, token)
        if st == want or time.time() > end:
            return st
        time.sleep(0.1)


def test_auth_rotation(ks, tmp):
    mount = os.path.join(tmp, "secret")
    os.makedirs(mount)
    swap_secret(mount, "..v1", "first-token\n")
    tok = os.path.join(mount, "token")
    with K8sagentd("--kubeconfig", ks.kubeconfig, "--llm-url", "http://127.0.0.1:%d" % free_port(),
                   env={"K8SA_AUTH_TOKEN_FILE": tok}) as kd:
        ok(auth_status(kd, "first-token") == 200, "first token accepted")
        ok(auth_status(kd, "second-token") == 401, "second token not yet")
        # Secret rotation: symlink swap to a new directory (a new inode behind the same path).
        swap_secret(mount, "..v2", "second-token\n")
        t = time.time()
        ok(wait_for_status(kd, "second-token", 200) == 200, "rotated token accepted")
        ok(time.time() - t < 2.5, "rotation picked up within about a second")
        ok(auth_status(kd, "first-token") == 401, "old token refused after rotation")
        ok(any("new token" in ln.get("msg", "") for ln in kd.log_lines()), "rotation logged")
        # A rotation to an empty file keeps the last good token, with one warning.
        swap_secret(mount, "..v3", "\n")
        time.sleep(1.2)
        for _ in range(12):
            ok(auth_status(kd, "second-token") == 200, "empty token file: previous token kept")
            ok(auth_status(kd, "") == 401, "empty token file: an empty bearer is still refused")
            time.sleep(0.1)
        warns = [ln for ln in kd.log_lines() if ln.get("level") == "warn" and "TOKEN_FILE" in ln.get("msg", "")]
        ok(len(warns) == 1 and "empty" in warns[0]["msg"], "one warning for the empty file: %r" % warns)
        # Then the file disappears altogether (dangling symlink): still the previous token.
        os.remove(os.path.join(mount, "..v3", "token"))
        time.sleep(1.2)
        ok(auth_status(kd, "second-token") == 200, "missing token file: previous token kept")
        # A good file again: picked up, and a later failure would warn again.
        swap_secret(mount, "..v4", "third-token")
        ok(wait_for_status(kd, "third-token", 200) == 200, "recovered: third token accepted")
        ok(auth_status(kd, "second-token") == 401, "second token refused after the third")
    # A plain file rewritten in place (no symlinks) is picked up too.
    plain = os.path.join(tmp, "plain-token")
    with open(plain, "w") as f:
        f.write("plain-one")
    with K8sagentd("--kubeconfig", ks.kubeconfig, "--llm-url", "http://127.0.0.1:%d" % free_port(),
                   env={"K8SA_AUTH_TOKEN_FILE": plain}) as kd:
        ok(auth_status(kd, "plain-one") == 200, "plain file token accepted")
        with open(plain, "w") as f:
            f.write("plain-two-longer")
        ok(wait_for_status(kd, "plain-two-longer", 200) == 200, "in-place rewrite picked up")
        ok(auth_status(kd, "plain-one") == 401, "in-place rewrite: old token refused")


def test_sigterm(ks):
    kd = K8sagentd("--kubeconfig", ks.kubeconfig, "--llm-url", "http://127.0.0.1:%d" % free_port(),
                   "--grace", "3").start()
    try:
        kd.request("GET", "/healthz")
        # an idle keep-alive connection must not hold the shutdown
        c = kd.conn()
        c.request("GET", "/healthz")
        c.getresponse().read()
        t = time.time()
        rc = kd.stop(signal.SIGTERM)
        ok(rc == 0, "SIGTERM: exit 0 (got %r)" % rc)
        ok(time.time() - t < 3, "SIGTERM with nothing in flight is quick")
        lines = kd.log_lines()
        ok(any(ln.get("msg") == "stopped" for ln in lines), "logs 'stopped'")
        c.close()
        ok(not os.path.exists(kd.port_file) or True, "")
    finally:
        kd.cleanup()


def main():
    if not os.access(BIN, os.X_OK):
        print("SKIP: %s not built" % BIN)
        return 77
    test_flags()
    tmp = tempfile.mkdtemp(prefix="svc-basic.")
    try:
        with Kubesim("demo-shop") as ks:
            with K8sagentd("--kubeconfig", ks.kubeconfig,
                           "--llm-url", "http://127.0.0.1:%d" % free_port()) as kd:
                test_routes(kd, ks)
                test_access_log(kd)
            test_auth(ks, tmp)
            test_auth_rotation(ks, tmp)
            test_sigterm(ks)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return ok.done("service-basic")


if __name__ == "__main__":
    sys.exit(main())
