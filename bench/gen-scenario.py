#!/usr/bin/python3
"""Generates a synthetic scenario for benchmarks: one namespace "bench" with N pods spread over
M Deployments (and their ReplicaSets), K events, previous logs for crashing pods, and an
expect.json naming the broken pods. Objects look like real API objects (2-4 KB per pod).
Deterministic: the same arguments always give the same files.

    bench/gen-scenario.py N_PODS M_DEPLOYMENTS K_EVENTS OUTDIR

About 3% of pods are broken: 2% CrashLoopBackOff (with a previous log), 1% OOMKilled (also
crash-looping), and two pods in ImagePullBackOff."""

import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "lib"))
import k8sfix as K  # noqa: E402

NS = "bench"
IMAGES = ["ghcr.io/example/%s:%d.%d.%d" % (n, a, b, c) for n, a, b, c in
          [("api", 1, 4, 2), ("worker", 2, 0, 1), ("web", 3, 1, 0), ("cache", 7, 2, 4),
           ("search", 0, 9, 8), ("auth", 5, 5, 0), ("billing", 1, 0, 3), ("notify", 4, 2, 2)]]


def dump(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(obj, f, separators=(",", ":"))


def main():
    if len(sys.argv) != 5:
        sys.stderr.write(__doc__)
        return 2
    n_pods, n_dep, n_ev = (int(a) for a in sys.argv[1:4])
    out = sys.argv[4]
    n_dep = max(1, min(n_dep, n_pods))
    rnd = random.Random(20261124)
    n_nodes = max(3, n_pods // 60)
    nodes = [K.node("worker-%03d" % i, "10.0.%d.%d" % (i // 250, 10 + i % 240)) for i in range(n_nodes)]
    nodes.sort(key=lambda x: x["metadata"]["name"])
    node_names = [x["metadata"]["name"] for x in nodes]

    deps, rss, pods, events, findings = [], [], [], [], []
    logs = {}
    per = [n_pods // n_dep + (1 if i < n_pods % n_dep else 0) for i in range(n_dep)]
    n_crash = max(1, n_pods * 2 // 100)
    n_oom = max(1, n_pods // 100)
    broken = rnd.sample(range(n_pods), n_crash + n_oom + 2)
    kind_of = {}
    for j, idx in enumerate(broken):
        kind_of[idx] = "crash" if j < n_crash else "oom" if j < n_crash + n_oom else "pull"
    idx = 0
    for d in range(n_dep):
        name = "svc-%04d" % d
        img = IMAGES[d % len(IMAGES)]
        c = K.container(name.replace("svc", "app"), img, ports=[("http", 8080)],
                        env=[{"name": "LOG_LEVEL", "value": "info"},
                             {"name": "SERVICE_NAME", "value": name},
                             {"name": "POD_IP", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "status.podIP"}}}],
                        readiness=K.http_probe("/ready", 8080),
                        liveness=K.http_probe("/live", 8080, initial=10))
        hashv = K.hashname(10, NS, name)
        rs_name = "%s-%s" % (name, hashv)
        lab = K.rs_pod_labels(name, hashv, {"app": name, "tier": "backend"})
        owner = ("apps/v1", "ReplicaSet", NS, rs_name)
        ready = 0
        for i in range(per[d]):
            pn = K.rs_pod_name(name, hashv, i)
            nd = node_names[idx % len(node_names)]
            created = K.ts(600 + (idx % 500))
            cc = json.loads(json.dumps(c))
            b = kind_of.get(idx)
            if b in ("crash", "oom"):
                reason, code = ("OOMKilled", 137) if b == "oom" else ("Error", 1)
                st = [K.cs_waiting(cc, "CrashLoopBackOff",
                                   "back-off 5m0s restarting failed container=%s pod=%s_%s(%s)"
                                   % (cc["name"], pn, NS, K.uid(NS, "Pod", pn)), restarts=12,
                                   last=K.term(code, reason, K.ts(3), K.ts(2.9), pn, cc["name"], 12), pod=pn)]
                conds = K.pod_conditions(created, ready=False, unready=[cc["name"]])
                phase = "Running"
                findings.append({"code": "OOMKilled" if b == "oom" else "CrashLoopBackOff",
                                 "kind": "Pod", "name": pn})
                logs[(pn, cc["name"])] = (
                    "starting %s\nconnecting to upstream\n" % name +
                    ("allocating cache: 512MiB\n" if b == "oom" else
                     "panic: runtime error: index out of range [3] with length 3\n\ngoroutine 1 [running]:\nmain.main()\n\t/src/main.go:88 +0x1d\n"))
                oc = K.ref(NS, "Pod", pn, field_path="spec.containers{%s}" % cc["name"])
                events.append(K.event(NS, oc, "BackOff", "Back-off restarting failed container %s in pod %s_%s(%s)"
                                      % (cc["name"], pn, NS, K.uid(NS, "Pod", pn)), first=50, last=0.5,
                                      count=200, host=nd))
            elif b == "pull":
                st = [K.cs_waiting(cc, "ImagePullBackOff", 'Back-off pulling image "%s-rc1"' % img,
                                   pod=pn, pulled=False)]
                cc["image"] = img + "-rc1"
                conds = K.pod_conditions(created, ready=False, unready=[cc["name"]])
                phase = "Pending"
                findings.append({"code": "ImagePullBackOff", "kind": "Pod", "name": pn})
                oc = K.ref(NS, "Pod", pn, field_path="spec.containers{%s}" % cc["name"])
                events.append(K.event(NS, oc, "Failed", 'Failed to pull image "%s-rc1": rpc error: code = NotFound desc = failed to pull and unpack image "%s-rc1": failed to resolve reference "%s-rc1": %s-rc1: not found'
                                      % (img, img, img, img), first=50, last=1, count=14, host=nd))
            else:
                st = [K.cs_running(cc, created, pod=pn)]
                conds = K.pod_conditions(created)
                phase = "Running"
                ready += 1
            p = K.pod(NS, pn, [cc], st, node_name=nd, created=created, labels=lab, owner=owner,
                      phase=phase, conditions=conds, generate_name=rs_name + "-",
                      host_ip=nodes[node_names.index(nd)]["status"]["addresses"][0]["address"])
            pods.append(p)
            idx += 1
        rss.append(K.replicaset(NS, name, hashv, [c], per[d], ready, labels={"app": name, "tier": "backend"}))
        deps.append(K.deployment(NS, name, [c], per[d], K.deploy_status(per[d], ready, rs_name=rs_name),
                                 labels={"app": name, "tier": "backend"}))
    # Fill up with the ordinary events a busy namespace has.
    i = 0
    while len(events) < n_ev and pods:
        p = pods[i % len(pods)]
        pn = p["metadata"]["name"]
        c = p["spec"]["containers"][0]
        kinds = [("Pulled", 'Container image "%s" already present on machine' % c["image"]),
                 ("Created", "Created container %s" % c["name"]),
                 ("Started", "Started container %s" % c["name"])]
        r, m = kinds[(i // len(pods)) % 3]
        events.append(K.event(NS, K.ref(NS, "Pod", pn, field_path="spec.containers{%s}" % c["name"]),
                              r, m, "Normal", first=55, last=55, count=1, host=p["spec"]["nodeName"]))
        i += 1
    events = events[:max(n_ev, 0)] if n_ev < len(events) else events
    listed = {f["name"] for f in findings}
    cl = os.path.join(out, "cluster")
    dump(os.path.join(cl, "namespaces.json"), K.namespaces(NS))
    dump(os.path.join(cl, "nodes.json"), K.lst("NodeList", "v1", nodes))
    dump(os.path.join(cl, "version.json"), K.VERSION)
    by_name = lambda o: o["metadata"]["name"]  # noqa: E731
    dump(os.path.join(cl, NS, "pods.json"), K.lst("PodList", "v1", sorted(pods, key=by_name)))
    dump(os.path.join(cl, NS, "events.json"), K.lst("EventList", "v1", sorted(events, key=by_name)))
    dump(os.path.join(cl, NS, "deployments.json"), K.lst("DeploymentList", "apps/v1", sorted(deps, key=by_name)))
    dump(os.path.join(cl, NS, "replicasets.json"), K.lst("ReplicaSetList", "apps/v1", sorted(rss, key=by_name)))
    for (pn, cn), text in logs.items():
        p = os.path.join(cl, NS, "logs", pn, cn + ".previous.log")
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(text)
    unavailable = [{"code": "DeploymentUnavailable", "kind": "Deployment", "name": by_name(d)}
                   for d in deps if d["status"].get("unavailableReplicas")]
    findings.sort(key=lambda f: f["name"])
    with open(os.path.join(out, "expect.json"), "w") as f:
        json.dump({"namespace": NS, "findings": findings, "allowed": unavailable,
                   "root_cause": findings or None, "evidence": [], "absent": []}, f, indent=2)
    with open(os.path.join(out, "README.md"), "w") as f:
        f.write("Synthetic benchmark namespace: %d pods in %d Deployments, %d events; %d broken "
                "pods (%s).\n" % (n_pods, n_dep, len(events), len(listed),
                                  ", ".join(sorted({x["code"] for x in findings}))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
