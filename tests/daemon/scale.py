"""k8sagentd at cluster scale (issue #18): GET /api/findings?namespace=* answers for every
namespace (and is refused under an allowlist), and once the API answers /readyz the daemon
warms one agent with a snapshot of the default namespace, so the first /diagnose or
/api/findings finds its API connections open."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get("top_srcdir", "."), "tests", "lib"))
from kubesim import Kubesim  # noqa: E402
from k8sagentd import K8sagentd  # noqa: E402
from llmsim import free_port  # noqa: E402,F401
from verdict import Strict  # noqa: E402

ok = Strict()


with Kubesim("demo-shop") as ks:
    with K8sagentd("--kubeconfig", ks.kubeconfig, "--llm-url", "http://127.0.0.1:9", "--cache-ttl", "0") as kd:
        st, body = kd.json("GET", "/api/findings?namespace=*")
        ok(st == 200, "namespace=* answers 200: %s %s" % (st, body))
        ok(body.get("namespace") == "*", "the answer is about every namespace")
        ok(any(f["namespace"] == "shop" for f in body.get("findings", [])), "shop's findings are in it")
        lists = [a for a in ks.audit() if a["method"] == "GET" and "/namespaces/" not in a["path"]
                 and not a["path"].startswith(("/version", "/api/v1/nodes", "/api/v1/persistentvolumes"))]
        ok(any(a["path"] == "/api/v1/pods" for a in lists), "pods were listed cluster-wide")
        # warm-up: after a good /readyz the default namespace (shop) is listed once, unasked
        before = len([a for a in ks.audit() if "/namespaces/shop/pods" in a["path"] and not a["path"].endswith("/log")])
        st, _, _ = kd.request("GET", "/readyz")
        ok(st in (200, 503), "readyz answers")  # the model server is absent: 503 is fine
        deadline = time.time() + 10
        after = before
        while time.time() < deadline and after == before:
            time.sleep(0.1)
            after = len([a for a in ks.audit() if "/namespaces/shop/pods" in a["path"] and not a["path"].endswith("/log")])
        ok(after == before + 1, "the warm-up listed the default namespace's pods once (%d -> %d)" % (before, after))
    with K8sagentd("--kubeconfig", ks.kubeconfig, "--llm-url", "http://127.0.0.1:9",
                   env={"K8SA_NAMESPACES": "shop"}) as kd:
        st, body = kd.json("GET", "/api/findings?namespace=*")
        ok(st == 403, "namespace=* is refused under an allowlist: %s" % st)
        st, body = kd.json("GET", "/api/findings?namespace=%2A")
        ok(st == 403, "namespace=%%2A too: %s" % st)
print("PASS: %d checks" % ok.count)
