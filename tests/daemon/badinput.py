#!/usr/bin/python3
"""Bad input the other service tests do not send: deeply nested and huge JSON, duplicate keys
that try to smuggle a namespace, non-UTF-8 bytes, slow-loris connections. Each gets the
documented 4xx (or is cut off), the service stays responsive, and no bad namespace reaches the
Kubernetes API (kubesim's audit log)."""
import json
import os
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get("top_srcdir", "."), "tests", "lib"))
from kubesim import Kubesim  # noqa: E402
from k8sagentd import K8sagentd, raw  # noqa: E402
from llmsim import free_port  # noqa: E402,F401

checks = []


def ok(cond, what):
    checks.append((bool(cond), what))
    if not cond:
        print("FAIL: " + what)


def post(port, body_bytes, path="/diagnose"):
    return raw(port, b"POST %s HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
               b"Connection: close\r\nContent-Length: %d\r\n\r\n" % (path.encode(), len(body_bytes))
               + body_bytes)


def status(resp):
    return int(resp[9:12]) if resp.startswith(b"HTTP/1.1 ") else 0


def main():
    with Kubesim("demo-shop") as ks, \
            K8sagentd("--kubeconfig", ks.kubeconfig, "--llm-url", "http://127.0.0.1:9",
                      "--request-timeout", "2", "--max-body", "65536") as kd:
        port = kd.port
        before = open(ks.audit_log).read().count("\n")

        r = post(port, b"[" * 60000)
        ok(status(r) in (400, 413), "60,000 nested arrays -> 400/413 (got %d)" % status(r))
        r = post(port, b'{"namespace":' + b'{"a":' * 20000 + b"1" + b"}" * 20000 + b"}")
        ok(status(r) in (400, 413), "20,000 nested objects -> 400/413 (got %d)" % status(r))
        # A 2 MB body announced: refused from the headers, before any of it is read.
        r = raw(port, b"POST /diagnose HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                b"Connection: close\r\nContent-Length: 2000000\r\n\r\n", timeout=5)
        ok(status(r) == 413, "2 MB body announced -> 413 (got %d)" % status(r))
        r = post(port, b'{"namespace":"shop","namespace":"../secrets"}')
        ok(status(r) == 400, "duplicate key smuggling '../secrets' -> 400 (got %d)" % status(r))
        r = post(port, b'{"namespace":"sh\xffop"}')
        ok(status(r) == 400, "invalid UTF-8 in the namespace -> 400 (got %d)" % status(r))
        r = post(port, b'{"namespace":"shop\\u0000x"}')
        ok(status(r) == 400, "escaped NUL in the namespace -> 400 (got %d)" % status(r))
        r = post(port, b'{"namespace":["shop"]}')
        ok(status(r) == 400, "namespace as an array -> 400 (got %d)" % status(r))
        r = post(port, b'{"question": 42}', "/ask")
        ok(status(r) == 400, "question as a number -> 400 (got %d)" % status(r))
        r = raw(port, b"GET /api/findings?namespace=..%2Fsecrets HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        ok(status(r) == 400, "/api/findings?namespace=..%2Fsecrets -> 400")
        # Query strings are decoded by k8sagentd_request.c (fuzzed): a repeated argument is
        # parameter pollution (which one did a proxy check?), %00 would cut the name short.
        for q, want, what in [("namespace=shop&namespace=kube-system", 400, "a repeated namespace"),
                              ("namespace=sh%00op", 400, "%00 inside the namespace"),
                              ("namespace", 400, "namespace without a value"),
                              ("namespace=", 400, "an empty namespace"),
                              ("namespace=sho%70", 200, "%70 decoded to 'p'"),
                              ("x=1&&namespace=shop&y", 200, "empty and valueless arguments around it")]:
            r = raw(port, b"GET /api/findings?%s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" % q.encode())
            ok(status(r) == want, "/api/findings?%s (%s) -> %d (got %d)" % (q, what, want, status(r)))
        # A request line MHD refuses after our URI callback ran: answered, nothing leaks.
        r = raw(port, b"GET /api/findings?namespace=shop HTTP/1.1\r\nHost: t\r\nBad header\r\n\r\n")
        ok(status(r) == 400, "malformed header line -> 400 from the HTTP layer (got %d)" % status(r))

        # Slow loris: 40 connections trickling a header; the service keeps answering and drops
        # them after --request-timeout.
        slow = []
        for _ in range(40):
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(b"POST /diagnose HTTP/1.1\r\nHost: t\r\n")
            slow.append(s)
        t0 = time.time()
        r = raw(port, b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        ok(status(r) == 200 and time.time() - t0 < 2, "/healthz answers while 40 slow clients hang")
        for _ in range(3):
            time.sleep(1)
            for s in slow:
                try:
                    s.sendall(b"X")
                except OSError:
                    pass
        time.sleep(2)
        closed = 0
        for s in slow:
            try:
                s.settimeout(0.5)
                closed += s.recv(1) == b""
            except (socket.timeout, OSError):
                closed += 0
            s.close()
        ok(closed == len(slow), "slow clients cut off after --request-timeout (%d/%d closed)"
           % (closed, len(slow)))

        after = open(ks.audit_log).read().split("\n")[before:]
        bad = [line for line in after if "secret" in line or ".." in line or "%2F" in line]
        ok(not bad, "no bad namespace reached the Kubernetes API (%d audit lines after)" % len(after))
        ok(kd.proc.poll() is None, "k8sagentd still running")
    passed = sum(1 for c, _ in checks if c)
    print("service-badinput: %d passed, %d failed" % (passed, len(checks) - passed))
    return 0 if passed == len(checks) else 1


if __name__ == "__main__":
    sys.exit(main())
