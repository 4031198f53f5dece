#!/usr/bin/python3
"""k8sagentd --watch-namespaces: alerting without a question. Against kubesim (whose first
pod list fails once, so the second round finds root causes the first did not) with a tiny
webhook receiver on 127.0.0.1: /metrics exports k8sagent_findings{namespace,code,severity,
root_cause} (promtool-valid when promtool is installed), the webhook gets one
Slack-compatible {"text": ...} message about the new root causes, the second message is
held back by --webhook-max-per-hour 1 and counted, and bad options are refused.
"""
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.environ.get("top_srcdir", "."), "tests", "lib"))
from k8sagentd import K8sagentd  # noqa: E402
from kubesim import Kubesim  # noqa: E402
from llmsim import free_port  # noqa: E402
from verdict import Tally  # noqa: E402

check = Tally("watch")
skipped = check.skipped


class Receiver(http.server.BaseHTTPRequestHandler):
    posts = []

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        Receiver.posts.append((self.path, self.headers.get("Content-Type"), self.rfile.read(n)))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def metric(text, name, labels=None):
    total = None
    for line in text.splitlines():
        m = re.match(r"^%s(\{[^}]*\})? (\S+)$" % re.escape(name), line)
        if m and all('%s="%s"' % kv in (m.group(1) or "") for kv in (labels or {}).items()):
            total = (total or 0) + float(m.group(2))
    return total


def bad_options():
    binary = os.path.join(os.environ.get("top_builddir", "."), "service", "k8sagentd")
    for args, frag in ((["--watch-namespaces", "Bad_NS"], "not a valid namespace name"),
                       (["--watch-namespaces", "shop", "--interval", "0"], "--interval"),
                       (["--watch-namespaces", "shop", "--interval", "5 parsecs"], "--interval"),
                       (["--watch-namespaces", "shop", "--webhook-url", "ftp://x"], "--webhook-url"),
                       (["--watch-namespaces", "shop", "--webhook-max-per-hour", "0"], "--webhook-max-per-hour")):
        p = subprocess.run([binary, "--listen", "127.0.0.1:0"] + args, capture_output=True, text=True, timeout=10)
        check(p.returncode == 2 and frag in p.stderr, "refused: %s (%s)" % (" ".join(args), p.stderr.strip()))
    p = subprocess.run([binary, "--help"], capture_output=True, text=True, timeout=10)
    check("--watch-namespaces" in p.stdout and "--webhook-url" in p.stdout, "--help lists the watch options")


def main():
    bad_options()
    httpd = http.server.HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    hook = "http://127.0.0.1:%d/hook" % httpd.server_address[1]
    try:
        with Kubesim("demo-shop", "--fault", "status=500,path=/api/v1/namespaces/shop/pods,count=1") as ks, \
                K8sagentd("--kubeconfig", ks.kubeconfig, "--llm-url", "http://127.0.0.1:%d" % free_port(),
                          # --namespace: the warm-up snapshot after the first probe must
                          # not take the injected failure meant for round 1
                          "--namespace", "default",
                          "--watch-namespaces", "shop", "--interval", "1s", "--webhook-url", hook,
                          "--webhook-max-per-hour", "1") as kd:
            text = ""
            end = time.time() + 30
            while time.time() < end:
                status, _, body = kd.request("GET", "/metrics")
                text = body.decode()
                if (metric(text, "k8sagent_watch_rounds_total") or 0) >= 3:
                    break
                time.sleep(0.2)
            check((metric(text, "k8sagent_watch_rounds_total") or 0) >= 3, "three watch rounds within 30 s")
            check(metric(text, "k8sagent_findings", {"namespace": "shop", "code": "OOMKilled", "severity": "critical",
                                                      "root_cause": "true"}) == 1,
                  "k8sagent_findings{namespace=shop,code=OOMKilled,severity=critical,root_cause=true} 1")
            check(metric(text, "k8sagent_findings", {"namespace": "shop", "code": "ServiceNoEndpoints",
                                                      "root_cause": "false"}) == 2,
                  "two ServiceNoEndpoints findings counted under one label set")
            check(metric(text, "k8sagent_watch_up", {"namespace": "shop"}) == 1, "k8sagent_watch_up{shop} 1")
            check((metric(text, "k8sagent_watch_last_success_timestamp_seconds", {"namespace": "shop"}) or 0)
                  > time.time() - 60, "last success timestamp is recent")
            check("# TYPE k8sagent_findings gauge" in text, "k8sagent_findings is a gauge")
            promtool = shutil.which("promtool")
            if promtool:
                p = subprocess.run([promtool, "check", "metrics"], input=body, capture_output=True)
                check(p.returncode == 0, "promtool check metrics: %s" % (p.stdout + p.stderr).decode()[-600:])
            else:
                skipped.append("promtool check metrics (promtool not installed)")
            posts = list(Receiver.posts)
            check(len(posts) == 1, "exactly one webhook POST (got %d)" % len(posts))
            if posts:
                path, ctype, raw = posts[0]
                check(path == "/hook" and ctype == "application/json", "POST /hook as application/json")
                msg = json.loads(raw)
                check(list(msg) == ["text"] and msg["text"].startswith("k8sagent: "),
                      "Slack-compatible body {\"text\": ...}: %r" % msg)
                # Round 1 had no pods (the injected 500): its root causes come from the
                # workloads; OOMKilled first appears in round 2, after the one post allowed.
                check("OOMKilled" not in msg["text"] and "new root cause" in msg["text"],
                      "the first message lists round 1's root causes: %r" % msg["text"][:300])
            check((metric(text, "k8sagent_webhook_posts_total", {"result": "ok"}) or 0) == 1,
                  "k8sagent_webhook_posts_total{result=ok} 1")
            check((metric(text, "k8sagent_webhook_posts_total", {"result": "rate_limited"}) or 0) >= 1,
                  "the second message (OOMKilled, ImagePullBackOff) is held back by --webhook-max-per-hour 1")
            logs = kd.stderr()
            check("more than 1 posts this hour" in logs, "the held-back message is logged")
            kd.stop()
            check(kd.returncode == 0, "SIGTERM stops the watch and exits 0 (got %s)" % kd.returncode)
    finally:
        httpd.shutdown()
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
