"""kubesim's wire behaviour, with the Python standard library only: auth, read-only verbs,
pagination and continue tokens, 410 Expired, selectors, pod logs and their exact errors,
discovery, faults, token rotation, the audit log and start-up errors."""
import base64
import http.client
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.environ.get("top_srcdir", "."), "tests", "lib"))
from kubesim import Kubesim, query  # noqa: E402

WIRE_410 = (
    "The provided continue parameter is too old to display a consistent list result. You can "
    "start a new list without the continue parameter, or use the continue token in this "
    "response to retrieve the remainder of the results. Continuing with the provided token "
    "results in an inconsistent list - objects that were created, modified, or deleted "
    "between the time the first chunk was returned and now may show up in the list.")
SA = 'User "system:serviceaccount:k8sagent:k8sagent"'
CART = "cart-tjfjrxcqw9-7j69q"
PODS = "/api/v1/namespaces/shop/pods"
checks = 0


def eq(got, want, what):
    global checks
    checks += 1
    if got != want:
        raise AssertionError("%s:\n  got:  %r\n  want: %r" % (what, got, want))


def status_of(ks, path, **kw):
    st, h, body = ks.request(path, **kw)
    return st, json.loads(body) if h.get("content-type") == "application/json" else body


def test_auth_and_verbs(ks):
    st, h, body = ks.request(PODS, token=None)
    eq(st, 401, "no token")
    eq(body.decode(), '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",'
       '"message":"Unauthorized","reason":"Unauthorized","code":401}', "401 body")
    eq(ks.request(PODS, token="wrong")[0], 401, "wrong token")
    st, s = status_of(ks, PODS, method="POST", body=b"{}",
                      headers={"Content-Type": "application/json"})
    eq((st, s["reason"]), (403, "Forbidden"), "POST pods")
    eq(s["message"], 'pods is forbidden: %s cannot create resource "pods" in API group "" '
       'in the namespace "shop"' % SA, "POST message")
    st, s = status_of(ks, PODS + "/" + CART, method="DELETE")
    eq((st, s["details"]), (403, {"name": CART, "kind": "pods"}), "DELETE pod")
    st, s = status_of(ks, "/apis/apps/v1/namespaces/shop/deployments/cart", method="PATCH",
                      body=b"{}")
    eq(s["message"], 'deployments.apps "cart" is forbidden: %s cannot patch resource '
       '"deployments" in API group "apps" in the namespace "shop"' % SA, "PATCH deployment")
    eq(status_of(ks, "/version", method="POST", body=b"")[0], 405, "POST /version")
    st, s = status_of(ks, "/api/v1/secrets")
    eq((st, s["message"]), (403, 'secrets is forbidden: %s cannot list resource "secrets" in '
                            'API group "" at the cluster scope' % SA), "secrets cluster-wide")
    st, s = status_of(ks, "/api/v1/namespaces/shop/secrets/db")
    eq((st, s["details"]), (403, {"name": "db", "kind": "secrets"}), "get secret")
    st, h, _ = ks.request(PODS)
    eq((st, h["content-type"], h["cache-control"]), (200, "application/json",
                                                     "no-cache, private"), "headers")
    eq(len(h["audit-id"]), 36, "Audit-Id")


def test_lists(ks):
    full = ks.get_json(PODS)
    eq(full["kind"], "PodList", "kind")
    eq(full["apiVersion"], "v1", "apiVersion")
    names = [p["metadata"]["name"] for p in full["items"]]
    eq(names, sorted(names), "items sorted by name")
    eq(len(names), 6, "pod count")
    eq(any("kind" in p or "apiVersion" in p for p in full["items"]), False, "items bare")
    eq("continue" in full["metadata"], False, "no continue on a full list")
    one = ks.get_json(PODS + "/" + CART)
    eq((one["kind"], one["apiVersion"], one["metadata"]["name"]), ("Pod", "v1", CART), "get pod")
    st, s = status_of(ks, PODS + "/nope")
    eq((st, s["message"], s["details"]), (404, 'pods "nope" not found',
                                          {"name": "nope", "kind": "pods"}), "pod 404")
    st, s = status_of(ks, "/apis/apps/v1/namespaces/shop/deployments/web")
    eq(s["message"], 'deployments.apps "web" not found', "deployment 404")
    eq(s["details"], {"name": "web", "group": "apps", "kind": "deployments"}, "404 details")
    st, s = status_of(ks, "/api/v1/namespaces/shop/widgets")
    eq((st, s["message"], s["details"]), (404, "the server could not find the requested "
                                          "resource", {}), "unknown path")
    empty = ks.get_json("/api/v1/namespaces/nowhere/pods")
    eq((empty["kind"], empty["items"]), ("PodList", []), "unknown namespace: empty list")
    sts = ks.get_json("/apis/apps/v1/namespaces/shop/statefulsets")
    eq((sts["kind"], sts["apiVersion"], sts["items"]), ("StatefulSetList", "apps/v1", []),
       "absent file: empty list of the right kind")
    allp = ks.get_json("/api/v1/pods")
    keys = [(p["metadata"]["namespace"], p["metadata"]["name"]) for p in allp["items"]]
    eq(keys, sorted(keys), "cluster-wide sorted by namespace, name")
    eq(len(keys), 6, "cluster-wide count")
    nodes = ks.get_json("/api/v1/nodes")
    eq(nodes["kind"], "NodeList", "nodes")
    ns = ks.get_json("/api/v1/namespaces/shop")
    eq((ns["kind"], ns["metadata"]["name"]), ("Namespace", "shop"), "get namespace")
    ev1 = ks.get_json("/apis/events.k8s.io/v1/namespaces/shop/events")
    eq((ev1["kind"], ev1["apiVersion"]), ("EventList", "events.k8s.io/v1"), "events.k8s.io")
    e = ev1["items"][0]
    eq(("regarding" in e, "note" in e, "involvedObject" in e, "message" in e),
       (True, True, False, False), "events.k8s.io shape")
    lab = ks.get_json(PODS + "?" + query(labelSelector="app=catalog"))
    eq(len(lab["items"]), 2, "labelSelector app=catalog")
    lab = ks.get_json(PODS + "?" + query(labelSelector="app in (cart,payment),!nothere"))
    eq(len(lab["items"]), 2, "labelSelector in/!")
    return names


def test_paging(ks, names):
    seen, tokens, rvs = [], 0, set()
    path = PODS + "?limit=2"
    while True:
        page = ks.get_json(path)
        rvs.add(page["metadata"]["resourceVersion"])
        got = [p["metadata"]["name"] for p in page["items"]]
        eq(len(got) <= 2, True, "page size")
        seen += got
        cont = page["metadata"].get("continue")
        if not cont:
            eq("remainingItemCount" in page["metadata"], False, "no count on last page")
            break
        eq(page["metadata"]["remainingItemCount"], len(names) - len(seen), "remainingItemCount")
        tok = json.loads(base64.urlsafe_b64decode(cont + "=" * (-len(cont) % 4)))
        eq((tok["v"], tok["start"]), ("meta.k8s.io/v1", got[-1] + "\0"), "token shape")
        tokens += 1
        path = PODS + "?" + query(limit=2, **{"continue": cont})
    eq(seen, names, "paging yields every item exactly once, in order")
    eq(tokens, 2, "two continue tokens for 6 items")
    eq(len(rvs), 1, "resourceVersion stable across pages")
    # all namespaces: keys are "namespace/name"
    p1 = ks.get_json("/api/v1/pods?limit=4")
    c = p1["metadata"]["continue"]
    tok = json.loads(base64.urlsafe_b64decode(c + "=" * (-len(c) % 4)))
    eq(tok["start"], "shop/" + names[3] + "\0", "cluster-wide token key")
    p2 = ks.get_json("/api/v1/pods?" + query(limit=4, **{"continue": c}))
    eq([p["metadata"]["name"] for p in p1["items"] + p2["items"]], names, "cluster-wide paging")
    st, s = status_of(ks, PODS + "?limit=2&continue=%%%%")
    eq(st, 400, "bad continue token")
    # paging with a selector: no remainingItemCount
    p = ks.get_json("/api/v1/namespaces/shop/events?" + query(limit=1, fieldSelector="type=Warning"))
    eq((len(p["items"]), "continue" in p["metadata"], "remainingItemCount" in p["metadata"]),
       (1, True, False), "selector paging")


def test_selectors(ks):
    evs = "/api/v1/namespaces/shop/events?"
    sel = ks.get_json(evs + query(fieldSelector="involvedObject.name=" + CART))
    eq(bool(sel["items"]), True, "events for cart")
    eq({e["involvedObject"]["name"] for e in sel["items"]}, {CART}, "involvedObject.name")
    sel = ks.get_json(evs + query(fieldSelector="involvedObject.kind=Pod,type=Warning,"
                                                "reason=Failed"))
    eq([e["reason"] for e in sel["items"]], ["Failed", "Failed"], "joined selectors")
    sel = ks.get_json(evs + query(fieldSelector="type!=Normal"))
    eq(all(e["type"] != "Normal" for e in sel["items"]) and len(sel["items"]) == 4, True, "!=")
    sel = ks.get_json(PODS + "?" + query(fieldSelector="metadata.name=" + CART))
    eq([p["metadata"]["name"] for p in sel["items"]], [CART], "metadata.name on pods")
    st, h, body = ks.request(evs + query(fieldSelector="spec.foo=bar"))
    eq((st, body.decode()), (400, '{"kind":"Status","apiVersion":"v1","metadata":{},'
       '"status":"Failure","message":"field label not supported: spec.foo",'
       '"reason":"BadRequest","code":400}'), "unsupported field label")
    v1 = ks.get_json("/apis/events.k8s.io/v1/namespaces/shop/events?" +
                     query(fieldSelector="regarding.name=" + CART))
    eq({e["regarding"]["name"] for e in v1["items"]}, {CART}, "regarding.name")


def test_logs(ks):
    log = PODS + "/" + CART + "/log"
    st, h, body = ks.request(log + "?previous=true")
    eq((st, h["content-type"]), (200, "text/plain"), "previous log")
    eq(body.decode().splitlines()[0], "cart 1.4.0 starting", "previous log text")
    st, h, tail = ks.request(log + "?previous=true&tailLines=1")
    eq(tail.decode(), body.decode().splitlines(True)[-1], "tailLines=1")
    st, h, lb = ks.request(log + "?previous=true&limitBytes=4")
    eq(lb, b"cart", "limitBytes")
    st, h, ts = ks.request(log + "?previous=true&timestamps=true&tailLines=1")
    eq(ts.decode().split(" ", 1)[0].endswith("Z"), True, "timestamps prefix")
    # crash-looping container: the current log is the last instance's
    eq(ks.request(log)[2], body, "current log of a crash-looping container")
    cat = "catalog-8mzk68d8j7-zvbgr"
    st, s = status_of(ks, PODS + "/" + cat + "/log?previous=true")
    eq((st, s["reason"], s["message"]), (400, "BadRequest",
       'previous terminated container "catalog" in pod "%s" not found' % cat), "no previous")
    eq(ks.request(PODS + "/" + cat + "/log")[:1], (200,), "running, no log file: 200")
    st, s = status_of(ks, PODS + "/" + cat + "/log?container=sidecar")
    eq(s["message"], "container sidecar is not valid for pod " + cat, "container not valid")
    pay = "payment-k48qjvtqd6-rggbr"
    st, s = status_of(ks, PODS + "/" + pay + "/log")
    eq(s["message"], 'container "payment" in pod "%s" is waiting to start: trying and failing '
       'to pull image' % pay, "ImagePullBackOff")
    st, s = status_of(ks, PODS + "/ghost/log")
    eq((st, s["message"]), (404, 'pods "ghost" not found'), "log of missing pod")


def test_discovery(ks):
    eq(ks.get_json("/version")["gitVersion"], "v1.31.2", "/version")
    eq(ks.get_json("/api")["versions"], ["v1"], "/api")
    groups = {g["name"]: g["preferredVersion"]["groupVersion"]
              for g in ks.get_json("/apis")["groups"]}
    for g, gv in (("apps", "apps/v1"), ("batch", "batch/v1"), ("autoscaling", "autoscaling/v2"),
                  ("networking.k8s.io", "networking.k8s.io/v1"),
                  ("events.k8s.io", "events.k8s.io/v1")):
        eq(groups.get(g), gv, "group " + g)
    core = {r["name"]: r for r in ks.get_json("/api/v1")["resources"]}
    eq(core["pods"]["shortNames"], ["po"], "pods shortNames")
    eq(core["nodes"]["namespaced"], False, "nodes cluster-scoped")
    eq("pods/log" in core, True, "pods/log")
    apps = {r["name"]: r for r in ks.get_json("/apis/apps/v1")["resources"]}
    eq((apps["deployments"]["kind"], apps["deployments"]["shortNames"]),
       ("Deployment", ["deploy"]), "apps resources")
    eq(ks.request("/openapi/v2")[0], 404, "no openapi")


def test_audit(ks):
    log = ks.audit()
    eq(len(log) > 40, True, "audit log has every request")
    first = log[0]
    eq(sorted(first), sorted(["ts", "method", "path", "query", "status", "user_agent", "bytes",
                              "audit_id", "elapsed_ms"]), "audit fields")
    eq((first["path"], first["status"]), (PODS, 401), "rejected requests are logged")
    eq(any(a["query"] == "limit=2" and a["path"] == PODS for a in log), True, "query logged")


def test_faults():
    with Kubesim("demo-shop", "--fault", "expire-continue",
                 "--fault", "status=503,path=/pods,count=1;status=429,retry-after=2,path=/nodes,count=1",
                 "--fault", "drop,path=/services,count=1", "--fault", "truncate,path=/endpoints",
                 "--fault", "latency=300ms,path=/replicasets",
                 "--fault", "status=500,query=limit=3,count=1", "--forbid", "nodes,deployments",
                 "--forbid", "pods/log") as ks:
        eq(ks.get_json("/api")["versions"], ["v1"], "discovery not faulted")
        st, s = status_of(ks, PODS)
        eq((st, s["reason"], s["code"]), (503, "ServiceUnavailable", 503), "503 fault")
        st, s = status_of(ks, "/api/v1/namespaces/shop/events?limit=3")
        eq((st, s["reason"]), (500, "InternalError"), "query= fault")
        eq(ks.request("/api/v1/namespaces/shop/events?limit=3")[0], 200, "query= fault count=1")
        first = ks.get_json(PODS + "?limit=2")
        cont = first["metadata"]["continue"]
        st, s = status_of(ks, PODS + "?" + query(limit=2, **{"continue": cont}))
        eq((st, s["reason"], s["message"]), (410, "Expired", WIRE_410), "410 Expired")
        eq(sorted(s), ["apiVersion", "code", "kind", "message", "metadata", "reason", "status"],
           "410 keys")
        tok = json.loads(base64.urlsafe_b64decode(s["metadata"]["continue"] + "=="))
        eq((tok["rv"], tok["start"]), (-1, first["items"][-1]["metadata"]["name"] + "\0"),
           "410 carries a fresh token")
        again = ks.get_json(PODS + "?" + query(limit=2, **{"continue": cont}))
        eq(len(again["items"]), 2, "second continue works (count=1)")
        st, h, body = ks.request("/api/v1/nodes")
        eq((st, h.get("retry-after")), (429, "2"), "429 with Retry-After")
        st, s = status_of(ks, "/api/v1/nodes")
        eq((st, s["message"], s["details"]),
           (403, 'nodes is forbidden: %s cannot list resource "nodes" in API group "" at the '
            'cluster scope' % SA, {"kind": "nodes"}), "--forbid nodes")
        st, s = status_of(ks, "/apis/apps/v1/namespaces/shop/deployments")
        eq(s["message"], 'deployments.apps is forbidden: %s cannot list resource "deployments" '
           'in API group "apps" in the namespace "shop"' % SA, "--forbid deployments")
        st, s = status_of(ks, PODS + "/" + CART + "/log")
        eq(s["message"], 'pods "%s" is forbidden: %s cannot get resource "pods/log" in API '
           'group "" in the namespace "shop"' % (CART, SA), "--forbid pods/log")
        try:
            ks.request("/api/v1/namespaces/shop/services")
            dropped = False
        except (http.client.RemoteDisconnected, ConnectionError):
            dropped = True
        eq(dropped, True, "drop closes the connection")
        eq(ks.request("/api/v1/namespaces/shop/services")[0], 200, "drop count=1")
        try:
            ks.request("/api/v1/namespaces/shop/endpoints")
            truncated = False
        except http.client.IncompleteRead:
            truncated = True
        eq(truncated, True, "truncate")
        t0 = time.monotonic()
        eq(ks.request("/apis/apps/v1/namespaces/shop/replicasets")[0], 200, "latency status")
        eq(time.monotonic() - t0 >= 0.3, True, "latency=300ms")
        eq(any(a.get("fault", "").startswith("drop") for a in ks.audit()), True, "fault audited")


def test_token_file():
    d = tempfile.mkdtemp(prefix="kubesim-tok.")
    tf = os.path.join(d, "token")
    with open(tf, "w") as f:
        f.write("first-token\n")
    with Kubesim("healthy", "--token-file", tf) as ks:
        eq(ks.token, "first-token", "kubeconfig carries the file's token")
        eq(ks.request("/api/v1/nodes")[0], 200, "token from file")
        with open(tf + ".new", "w") as f:
            f.write("second-token")
        os.rename(tf + ".new", tf)
        eq(ks.request("/api/v1/nodes")[0], 401, "rotated: old token refused")
        eq(ks.request("/api/v1/nodes", token="second-token")[0], 200, "rotated: new token")
    os.unlink(tf)
    os.rmdir(d)


def test_bad_scenario():
    d = tempfile.mkdtemp(prefix="kubesim-bad.")
    os.makedirs(os.path.join(d, "cluster", "ns1"))
    bad = os.path.join(d, "cluster", "ns1", "pods.json")
    with open(bad, "w") as f:
        f.write('{"kind":"PodList","items":[{"metadata":{"name":"a"}},]}')
    binary = Kubesim("x").binary
    r = subprocess.run([binary, "--scenario", d, "--listen", "127.0.0.1:0",
                        "--write-kubeconfig", os.path.join(d, "kc")],
                       capture_output=True, text=True, timeout=20)
    eq(r.returncode, 1, "malformed scenario: exit status")
    eq(bad in r.stderr and "malformed JSON" in r.stderr, True, "message names the file: " + r.stderr)
    eq(os.path.exists(os.path.join(d, "kc")), False, "no kubeconfig written")
    r = subprocess.run([binary, "--scenario", d, "--listen", "127.0.0.1:0",
                        "--write-kubeconfig", os.path.join(d, "kc"), "--fault", "explode=1"],
                       capture_output=True, text=True, timeout=20)
    eq((r.returncode, "explode" in r.stderr), (1, True), "bad --fault")
    r = subprocess.run([binary, "--help"], capture_output=True, text=True, timeout=20)
    eq((r.returncode, "expire-continue" in r.stdout), (0, True), "--help documents faults")
    os.unlink(bad)
    os.rmdir(os.path.join(d, "cluster", "ns1"))
    os.rmdir(os.path.join(d, "cluster"))
    os.rmdir(d)


def main():
    with Kubesim("demo-shop") as ks:
        test_auth_and_verbs(ks)
        names = test_lists(ks)
        test_paging(ks, names)
        test_selectors(ks)
        test_logs(ks)
        test_discovery(ks)
        test_audit(ks)
        # keep-alive: many requests on one connection
        conn = ks.connection()
        for _ in range(20):
            eq(ks.request(PODS + "?limit=1", conn=conn)[0], 200, "keep-alive")
        conn.close()
    eq(ks.returncode, 0, "clean exit on SIGTERM")
    test_faults()
    test_token_file()
    test_bad_scenario()
    print("PASS: %d checks" % checks)


if __name__ == "__main__":
    main()
