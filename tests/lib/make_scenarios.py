#!/usr/bin/python3
"""Authoring tool: writes the project's own scenarios under tests/scenarios/ (the six shared
ones are copied verbatim from the shared set and not touched here). The JSON files are the
artifact and are committed; rerun after editing a scenario here:

    /usr/bin/python3 tests/lib/make_scenarios.py tests/scenarios [NAME...]
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from k8sfix import ts, template_containers  # noqa: E402
import k8sfix as K  # noqa: E402

LIST_KINDS = {
    "pods": ("PodList", "v1"), "events": ("EventList", "v1"),
    "deployments": ("DeploymentList", "apps/v1"), "replicasets": ("ReplicaSetList", "apps/v1"),
    "statefulsets": ("StatefulSetList", "apps/v1"), "daemonsets": ("DaemonSetList", "apps/v1"),
    "jobs": ("JobList", "batch/v1"), "cronjobs": ("CronJobList", "batch/v1"),
    "services": ("ServiceList", "v1"), "endpoints": ("EndpointsList", "v1"),
    "persistentvolumeclaims": ("PersistentVolumeClaimList", "v1"),
    "configmaps": ("ConfigMapList", "v1"),
    "ingresses": ("IngressList", "networking.k8s.io/v1"),
    "horizontalpodautoscalers": ("HorizontalPodAutoscalerList", "autoscaling/v2"),
    "resourcequotas": ("ResourceQuotaList", "v1"),
}

SCENARIOS = {}


def scenario(fn):
    SCENARIOS[fn.__name__.replace("_", "-")] = fn
    return fn


class S:
    def __init__(self, ns, readme):
        self.ns = ns
        self.readme = readme
        self.res = {}      # (ns, plural) -> items
        self.logs = {}     # (pod, container, previous) -> text
        self.nodes = K.standard_nodes()
        self.expect = None

    def add(self, plural, *items, ns=None):
        self.res.setdefault((ns or self.ns, plural), []).extend(items)

    def log(self, pod_name, cname, text, previous=False):
        self.logs[(pod_name, cname, previous)] = text

    def app(self, name, containers, replicas=1, pod_fn=None, ready=None, status=None,
            created=None, revision=1, rs_conditions=None, labels=None, rs_hash=None,
            deploy_extra=None):
        """A Deployment with its ReplicaSet and pods. pod_fn(i, pname, labels, owner) -> pod
        or None (default: a healthy running pod)."""
        ns = self.ns
        hashv = rs_hash or K.hashname(10, ns, name, revision)
        rs_name = "%s-%s" % (name, hashv)
        lab = K.rs_pod_labels(name, hashv, labels)
        owner = ("apps/v1", "ReplicaSet", ns, rs_name)
        pods = []
        for i in range(replicas):
            pname = K.rs_pod_name(name, hashv, i)
            p = pod_fn(i, pname, lab, owner) if pod_fn else None
            if p is None:
                p = healthy_pod(ns, pname, containers, lab, owner,
                                node_name=["kind-worker", "kind-worker2"][i % 2])
            p["metadata"] = dict([("name", pname), ("generateName", rs_name + "-")] +
                                 [(k, v) for k, v in p["metadata"].items() if k != "name"])
            pods.append(p)
        nready = sum(1 for p in pods if any(c["type"] == "Ready" and c["status"] == "True"
                                            for c in p["status"]["conditions"]))
        if ready is not None:
            nready = ready
        rs = K.replicaset(ns, name, hashv, containers, replicas, nready, revision=revision,
                          conditions=rs_conditions, labels=labels)
        d = K.deployment(ns, name, containers, replicas,
                         status or K.deploy_status(replicas, nready, revision=revision,
                                                   rs_name=rs_name),
                         created=created, revision=revision, labels=labels)
        if deploy_extra:
            deploy_extra(d)
        self.add("deployments", d)
        self.add("replicasets", rs)
        self.add("pods", *pods)
        return pods, rs, d

    def write(self, root, name):
        d = os.path.join(root, name)
        if os.path.isdir(d):
            import shutil
            shutil.rmtree(d)
        os.makedirs(d)
        with open(os.path.join(d, "README.md"), "w") as f:
            f.write(self.readme.strip() + "\n")
        c = os.path.join(d, "cluster")
        nss = sorted({ns for ns, _ in self.res} - {"default"})
        K.write_json(os.path.join(c, "namespaces.json"), K.namespaces(*nss))
        K.write_json(os.path.join(c, "nodes.json"), self.nodes)
        K.write_json(os.path.join(c, "version.json"), K.VERSION)
        for (ns, plural), items in sorted(self.res.items()):
            kind, api = LIST_KINDS[plural]
            items = sorted(items, key=lambda i: i["metadata"]["name"])
            K.write_json(os.path.join(c, ns, plural + ".json"), K.lst(kind, api, items))
        for (pn, cn, prev), text in sorted(self.logs.items()):
            p = os.path.join(c, self.ns, "logs", pn, cn + (".previous.log" if prev else ".log"))
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "w") as f:
                f.write(text.strip("\n") + "\n")
        e = dict(self.expect)
        e.setdefault("namespace", self.ns)
        for k in ("findings", "allowed", "evidence", "absent"):
            e.setdefault(k, [])
        e.setdefault("root_cause", None)
        order = ["namespace", "findings", "allowed", "root_cause", "forbidden", "evidence", "absent"]
        e = {k: e[k] for k in order if k in e}
        K.write_json(os.path.join(d, "expect.json"), e)


def F(code, kind, name):
    return {"code": code, "kind": kind, "name": name}


def healthy_pod(ns, pname, containers, labels, owner, node_name="kind-worker", created=None,
                restarts=0, last=None, started=None):
    created = created or ts(600)
    cs = [K.json.loads(K.json.dumps(c)) for c in containers]
    st = [K.cs_running(c, started or ts(599), True, restarts, last, pname) for c in cs]
    return K.pod(ns, pname, cs, st, node_name=node_name, created=created, labels=labels,
                 owner=owner, conditions=K.pod_conditions(created, ready_since=started))


def cp(c):
    return K.json.loads(K.json.dumps(c))


# =============================================================================== scenarios

@scenario
def sidecar_crashloop():
    s = S("orders", """
orders runs its Go API beside a cloud-sql-proxy sidecar. The API container is up, but the
sidecar exits with code 1 on every start because the service account it uses is not
authorised on the Cloud SQL instance (403 notAuthorized), so it sits in CrashLoopBackOff and
the pod never becomes Ready. The API container's env holds a database password that must not
reach the model.""")
    api = K.container("orders", "ghcr.io/example/orders:3.7.1", ports=[("http", 8080)],
                      env=[{"name": "DB_HOST", "value": "127.0.0.1"},
                           {"name": "DB_USER", "value": "orders"},
                           {"name": "DB_PASSWORD", "value": "Orders-Pg-9931-secret"}],
                      readiness=K.http_probe("/readyz", 8080))
    proxy = K.container("cloud-sql-proxy", "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.11.4",
                        args=["--structured-logs", "--port=5432",
                              "example-prod:europe-west1:orders-db"],
                        resources={"limits": {"memory": "128Mi"},
                                   "requests": {"cpu": "50m", "memory": "64Mi"}})

    def pf(i, pname, lab, owner):
        a, p = cp(api), cp(proxy)
        st = [K.cs_waiting(p, "CrashLoopBackOff",
                           "back-off 5m0s restarting failed container=cloud-sql-proxy pod=%s_orders(%s)"
                           % (pname, K.uid("orders", "Pod", pname)), restarts=14,
                           last=K.term(1, "Error", ts(3.2), ts(3.1), pname, "cloud-sql-proxy", 14),
                           pod=pname),
              K.cs_running(a, ts(118), ready=False, pod=pname)]
        return K.pod("orders", pname, [a, p], st, created=ts(120), labels=lab, owner=owner,
                     conditions=K.pod_conditions(ts(120), ready=False,
                                                 unready=["cloud-sql-proxy", "orders"]))
    pods, rs, d = s.app("orders", [api, proxy], 1, pf)
    pn = pods[0]["metadata"]["name"]
    o = K.ref("orders", "Pod", pn, field_path="spec.containers{cloud-sql-proxy}")
    oa = K.ref("orders", "Pod", pn, field_path="spec.containers{orders}")
    s.add("events",
          K.event("orders", o, "BackOff", "Back-off restarting failed container cloud-sql-proxy in pod %s_orders(%s)"
                  % (pn, K.uid("orders", "Pod", pn)), first=110, last=0.5, count=498),
          K.event("orders", oa, "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503",
                  first=117, last=0.3, count=701),
          K.event("orders", o, "Pulled", 'Container image "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.11.4" already present on machine',
                  "Normal", first=119, last=3.3, count=15))
    s.log(pn, "cloud-sql-proxy", """
{"severity":"INFO","timestamp":"2026-11-24T14:56:48.102Z","message":"Authorizing with Application Default Credentials"}
{"severity":"INFO","timestamp":"2026-11-24T14:56:48.377Z","message":"[example-prod:europe-west1:orders-db] Listening on 127.0.0.1:5432"}
{"severity":"ERROR","timestamp":"2026-11-24T14:56:48.911Z","message":"[example-prod:europe-west1:orders-db] failed to connect to instance: failed to get instance metadata (connection name = \\"example-prod:europe-west1:orders-db\\"): googleapi: Error 403: boss::NOT_AUTHORIZED: Not authorized to access resource. Possibly missing permission cloudsql.instances.get on resource instances/orders-db., notAuthorized"}
{"severity":"ERROR","timestamp":"2026-11-24T14:56:48.912Z","message":"The proxy has encountered a terminal error: unable to start: [example-prod:europe-west1:orders-db] Unable to mount socket: failed to get instance"}
""", previous=True)
    s.log(pn, "orders", """
2026/11/24 14:59:41 INFO db ping failed err="dial tcp 127.0.0.1:5432: connect: connection refused" dsn="postgres://orders:Orders-Pg-9931-secret@127.0.0.1:5432/orders"
2026/11/24 14:59:51 INFO db ping failed err="dial tcp 127.0.0.1:5432: connect: connection refused" dsn="postgres://orders:Orders-Pg-9931-secret@127.0.0.1:5432/orders"
""")
    svc = K.service("orders", "orders", {"app": "orders"}, [("http", 80, 8080)])
    s.add("services", svc)
    s.add("endpoints", K.endpoints("orders", "orders", [], [K.pod_addr(pods[0])]))
    s.expect = {"findings": [F("CrashLoopBackOff", "Pod", pn)],
                "allowed": [F("DeploymentUnavailable", "Deployment", "orders"),
                            F("ServiceNoEndpoints", "Service", "orders"),
                            F("ReadinessProbeFailing", "Pod", pn)],
                "root_cause": F("CrashLoopBackOff", "Pod", pn),
                "evidence": ["cloud-sql-proxy", "notAuthorized"],
                "absent": ["Orders-Pg-9931-secret"]}
    return s


@scenario
def image_pull_unauthorized():
    s = S("billing", """
invoicer 3.2.0 lives in a private registry, but the pod has no imagePullSecret for it: every
pull fails with "authorization failed" (insufficient_scope) and the pod sits in
ImagePullBackOff; the earlier revision is already scaled down.""")
    img = "registry.example.com/billing/invoicer:3.2.0"
    c = K.container("invoicer", img, ports=[("http", 8080)])

    def pf(i, pname, lab, owner):
        cc = cp(c)
        st = [K.cs_waiting(cc, "ImagePullBackOff", 'Back-off pulling image "%s"' % img, pod=pname,
                           pulled=False)]
        return K.pod("billing", pname, [cc], st, created=ts(42), labels=lab, owner=owner,
                     phase="Pending", conditions=K.pod_conditions(ts(42), ready=False,
                                                                  unready=["invoicer"]))
    pods, rs, d = s.app("invoicer", [c], 1, pf, revision=4)
    pn = pods[0]["metadata"]["name"]
    o = K.ref("billing", "Pod", pn, field_path="spec.containers{invoicer}")
    msg = ('Failed to pull image "%s": failed to pull and unpack image "%s": failed to resolve '
           'reference "%s": pull access denied, repository does not exist or may require '
           'authorization: server message: insufficient_scope: authorization failed') % (img, img, img)
    s.add("events",
          K.event_new("billing", K.ref("billing", "Pod", pn), "Scheduled",
                      "Successfully assigned billing/%s to kind-worker" % pn, "Normal", 42, 42, 1,
                      action="Binding"),
          K.event("billing", o, "Pulling", 'Pulling image "%s"' % img, "Normal", 41.9, 2.0, 11),
          K.event("billing", o, "Failed", msg, first=41.8, last=2.0, count=11),
          K.event("billing", o, "Failed", "Error: ErrImagePull", first=41.8, last=2.0, count=11),
          K.event("billing", o, "BackOff", 'Back-off pulling image "%s"' % img, "Normal", 41.7, 0.2, 180),
          K.event("billing", o, "Failed", "Error: ImagePullBackOff", first=41.7, last=0.2, count=180))
    s.expect = {"findings": [F("ImagePullBackOff", "Pod", pn)],
                "allowed": [F("DeploymentUnavailable", "Deployment", "invoicer")],
                "root_cause": F("ImagePullBackOff", "Pod", pn),
                "evidence": ["pull access denied", "registry.example.com/billing/invoicer:3.2.0"]}
    return s


@scenario
def invalid_image_name():
    s = S("search", """
Someone typed the indexer image with a capital letter (ghcr.io/example/Indexer:v1.2).
Image references must be lowercase, so the kubelet rejects it before any pull:
InvalidImageName.""")
    img = "ghcr.io/example/Indexer:v1.2"
    c = K.container("indexer", img, ports=[("http", 9200)])

    def pf(i, pname, lab, owner):
        cc = cp(c)
        m = ('Failed to apply default image tag "%s": couldn\'t parse image name "%s": invalid '
             'reference format: repository name (example/Indexer) must be lowercase') % (img, img)
        st = [K.cs_waiting(cc, "InvalidImageName", m, pod=pname, pulled=False)]
        return K.pod("search", pname, [cc], st, created=ts(25), labels=lab, owner=owner,
                     phase="Pending", conditions=K.pod_conditions(ts(25), ready=False,
                                                                  unready=["indexer"]))
    pods, rs, d = s.app("indexer", [c], 1, pf, revision=2)
    pn = pods[0]["metadata"]["name"]
    o = K.ref("search", "Pod", pn, field_path="spec.containers{indexer}")
    s.add("events",
          K.event("search", o, "InspectFailed",
                  'Failed to apply default image tag "%s": couldn\'t parse image name "%s": invalid reference format: repository name (example/Indexer) must be lowercase' % (img, img),
                  first=25, last=0.4, count=117),
          K.event("search", o, "Failed", "Error: InvalidImageName", first=25, last=0.4, count=117))
    s.expect = {"findings": [F("InvalidImageName", "Pod", pn)],
                "allowed": [F("DeploymentUnavailable", "Deployment", "indexer")],
                "root_cause": F("InvalidImageName", "Pod", pn),
                "evidence": ["must be lowercase"]}
    return s


@scenario
def configmap_key_missing():
    s = S("payments", """
ledger reads DATABASE_URL from the ConfigMap ledger-config, but the ConfigMap only has DB_URL
(the key was renamed in the last config change), so the kubelet cannot build the container's
environment: CreateContainerConfigError. The pod's env also carries an API token in plain
text that must stay out of the prompt.""")
    c = K.container("ledger", "ghcr.io/example/ledger:5.0.2", ports=[("http", 8080)],
                    env=[{"name": "DATABASE_URL", "valueFrom": {"configMapKeyRef": {
                        "name": "ledger-config", "key": "DATABASE_URL"}}},
                         {"name": "STRIPE_API_TOKEN", "value": "sk_live_51HxQ2eKZvF8mQ3pLx0bTq9"},
                         {"name": "LOG_LEVEL", "value": "info"}])

    def pf(i, pname, lab, owner):
        cc = cp(c)
        st = [K.cs_waiting(cc, "CreateContainerConfigError",
                           "couldn't find key DATABASE_URL in ConfigMap payments/ledger-config",
                           pod=pname)]
        return K.pod("payments", pname, [cc], st, created=ts(15), labels=lab, owner=owner,
                     phase="Pending", conditions=K.pod_conditions(ts(15), ready=False,
                                                                  unready=["ledger"]))
    pods, rs, d = s.app("ledger", [c], 1, pf, revision=7)
    pn = pods[0]["metadata"]["name"]
    o = K.ref("payments", "Pod", pn, field_path="spec.containers{ledger}")
    s.add("events",
          K.event("payments", o, "Pulled", 'Container image "ghcr.io/example/ledger:5.0.2" already present on machine',
                  "Normal", 15, 0.2, 71),
          K.event("payments", o, "Failed",
                  "Error: couldn't find key DATABASE_URL in ConfigMap payments/ledger-config",
                  first=15, last=0.2, count=71))
    s.add("configmaps", K.configmap("payments", "ledger-config", {
        "DB_URL": "postgres://ledger@ledger-db.payments.svc:5432/ledger", "LOG_FORMAT": "json"}),
          K.configmap("payments", "kube-root-ca.crt", {"ca.crt": "-----BEGIN CERTIFICATE-----\nMIIC/jCCAeagAwIBAgIBADANBgkqhkiG9w0BAQsFADAVMRMwEQYDVQQDEwprdWJl\n-----END CERTIFICATE-----\n"}))
    s.expect = {"findings": [F("CreateContainerConfigError", "Pod", pn)],
                "allowed": [F("DeploymentUnavailable", "Deployment", "ledger")],
                "root_cause": F("CreateContainerConfigError", "Pod", pn),
                "evidence": ["couldn't find key DATABASE_URL in ConfigMap payments/ledger-config"],
                "absent": ["sk_live_51HxQ2eKZvF8mQ3pLx0bTq9"]}
    return s


@scenario
def exec_not_found():
    s = S("media", """
The thumbnailer's command was changed to "thumbnailerd", a binary that is not in the image.
On these CRI-O nodes the runtime refuses to create the container ("executable file not found
in $PATH"), so the pod waits in CreateContainerError.""")
    s.nodes = K.standard_nodes({n: {"runtime": "cri-o://1.30.6"} for n in
                                ("kind-control-plane", "kind-worker", "kind-worker2")})
    c = K.container("thumbnailer", "ghcr.io/example/thumbnailer:0.9.3", command=["thumbnailerd"],
                    args=["--workers=4"], ports=[("http", 8080)])

    def pf(i, pname, lab, owner):
        cc = cp(c)
        m = ('container create failed: time="2026-11-24T14:59:12Z" level=error msg="runc create failed: '
             'unable to start container process: exec: \\"thumbnailerd\\": executable file not found in $PATH"\n')
        st = [K.cs_waiting(cc, "CreateContainerError", m, pod=pname)]
        return K.pod("media", pname, [cc], st, created=ts(9), labels=lab, owner=owner,
                     phase="Pending", conditions=K.pod_conditions(ts(9), ready=False,
                                                                  unready=["thumbnailer"]))
    pods, rs, d = s.app("thumbnailer", [c], 1, pf, revision=3)
    pn = pods[0]["metadata"]["name"]
    o = K.ref("media", "Pod", pn, field_path="spec.containers{thumbnailer}")
    s.add("events",
          K.event("media", o, "Failed",
                  'Error: container create failed: time="2026-11-24T14:59:12Z" level=error msg="runc create failed: unable to start container process: exec: \\"thumbnailerd\\": executable file not found in $PATH"\n',
                  first=9, last=0.8, count=43),
          K.event("media", o, "Pulled", 'Container image "ghcr.io/example/thumbnailer:0.9.3" already present on machine',
                  "Normal", 9, 0.8, 43))
    s.expect = {"findings": [F("CreateContainerError", "Pod", pn)],
                "allowed": [F("DeploymentUnavailable", "Deployment", "thumbnailer")],
                "root_cause": F("CreateContainerError", "Pod", pn),
                "evidence": ["executable file not found"]}
    return s


@scenario
def init_container_crash():
    s = S("cms", """
The cms pod runs a "migrate" init container before the app. The migration cannot reach the
database host (a wrong Service name), exits 1 and is restarted with back-off; the app
container waits in PodInitializing. The init container's log prints the full connection
string, password included, which must not reach the model.""")
    mig = K.container("migrate", "ghcr.io/example/cms:4.1.0", command=["/app/cms"], args=["migrate", "up"],
                      env=[{"name": "DATABASE_URL", "value": "postgres://cms:Sup3rS3cret-cms@postgres-cms.cms.svc:5432/cms"}])
    app = K.container("cms", "ghcr.io/example/cms:4.1.0", ports=[("http", 3000)],
                      readiness=K.http_probe("/health", 3000))

    def pf(i, pname, lab, owner):
        m, a = cp(mig), cp(app)
        ist = [K.cs_waiting(m, "CrashLoopBackOff",
                            "back-off 2m40s restarting failed container=migrate pod=%s_cms(%s)"
                            % (pname, K.uid("cms", "Pod", pname)), restarts=6,
                            last=K.term(1, "Error", ts(2.9), ts(2.7), pname, "migrate", 6), pod=pname)]
        st = [K.cs_waiting(a, "PodInitializing", pod=pname)]
        return K.pod("cms", pname, [a], st, created=ts(14), labels=lab, owner=owner,
                     phase="Pending", init_containers=[m], init_statuses=ist,
                     conditions=K.pod_conditions(ts(14), initialized=False, ready=False,
                                                 init_unready=["migrate"], unready=["cms"]))
    pods, rs, d = s.app("cms", [app], 1, pf, revision=5)
    pn = pods[0]["metadata"]["name"]
    o = K.ref("cms", "Pod", pn, field_path="spec.initContainers{migrate}")
    s.add("events",
          K.event("cms", o, "BackOff", "Back-off restarting failed container migrate in pod %s_cms(%s)"
                  % (pn, K.uid("cms", "Pod", pn)), first=12, last=0.4, count=48),
          K.event("cms", o, "Started", "Started container migrate", "Normal", 14, 2.9, 7),
          K.event("cms", o, "Created", "Created container migrate", "Normal", 14, 2.9, 7))
    s.log(pn, "migrate", """
time=2026-11-24T14:57:15Z level=info msg="cms 4.1.0 migrate up"
time=2026-11-24T14:57:15Z level=info msg="connecting" url="postgres://cms:Sup3rS3cret-cms@postgres-cms.cms.svc:5432/cms"
time=2026-11-24T14:57:25Z level=error msg="migration failed" err="dial tcp: lookup postgres-cms.cms.svc on 10.96.0.10:53: no such host"
""", previous=True)
    pg = K.container("postgres", "postgres:16.4", ports=[("postgres", 5432)])
    pg_pods, _, _ = s.app("postgres", [pg], 1)
    s.add("services", K.service("cms", "postgres", {"app": "postgres"}, [("postgres", 5432, 5432)]))
    s.add("endpoints", K.endpoints("cms", "postgres", [K.pod_addr(pg_pods[0])], port=("postgres", 5432)))
    s.expect = {"findings": [F("InitContainerFailing", "Pod", pn)],
                "allowed": [F("CrashLoopBackOff", "Pod", pn),
                            F("DeploymentUnavailable", "Deployment", "cms")],
                "root_cause": F("InitContainerFailing", "Pod", pn),
                "evidence": ["migrate", "no such host"],
                "absent": ["Sup3rS3cret-cms"]}
    return s


@scenario
def unschedulable_taint():
    s = S("render", """
The renderer asks for the GPU pool (nodeSelector pool=gpu), but the only GPU node is tainted
nvidia.com/gpu=present:NoSchedule and the pod carries no matching toleration. The scheduler
reports the untolerated taint; the other workers do not match the selector.""")
    gpu = K.node("gpu-worker", "10.0.0.13", labels={"pool": "gpu", "nvidia.com/gpu.present": "true"},
                 taints=[{"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}])
    s.nodes = K.standard_nodes(extra=[gpu])
    c = K.container("renderer", "ghcr.io/example/renderer:1.3.0",
                    resources={"limits": {"memory": "8Gi", "nvidia.com/gpu": "1"},
                               "requests": {"cpu": "2", "memory": "8Gi", "nvidia.com/gpu": "1"}})
    msg = ("0/4 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, "
           "1 node(s) had untolerated taint {nvidia.com/gpu: present}, 2 node(s) didn't match Pod's node "
           "affinity/selector. preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.")

    def pf(i, pname, lab, owner):
        cc = cp(c)
        return K.pod("render", pname, [cc], None, node_name=None, created=ts(35), labels=lab,
                     owner=owner, phase="Pending", spec_extra={"nodeSelector": {"pool": "gpu"}},
                     conditions=K.pod_conditions(ts(35), scheduled=False, sched_msg=msg))
    pods, rs, d = s.app("renderer", [c], 1, pf)
    pn = pods[0]["metadata"]["name"]
    d["spec"]["template"]["spec"]["nodeSelector"] = {"pool": "gpu"}
    s.add("events", K.event_new("render", K.ref("render", "Pod", pn), "FailedScheduling", msg,
                                first=35, last=4, count=9))
    s.expect = {"findings": [F("Unschedulable", "Pod", pn)],
                "allowed": [F("DeploymentUnavailable", "Deployment", "renderer")],
                "root_cause": F("Unschedulable", "Pod", pn),
                "evidence": ["untolerated taint {nvidia.com/gpu: present}"]}
    return s


@scenario
def readiness_probe_failing():
    s = S("api", """
gateway's two pods run, but their readiness probe (/healthz) answers 503: the gateway reports
itself unhealthy because its upstream auth service refuses connections. Neither pod is Ready,
so the gateway Service has no ready endpoints.""")
    c = K.container("gateway", "ghcr.io/example/gateway:2.8.0", ports=[("http", 8080)],
                    readiness=K.http_probe("/healthz", 8080, period=5),
                    liveness=K.http_probe("/livez", 8080, period=10, initial=10))

    def pf(i, pname, lab, owner):
        cc = cp(c)
        st = [K.cs_running(cc, ts(55), ready=False, pod=pname)]
        return K.pod("api", pname, [cc], st, created=ts(55), labels=lab, owner=owner,
                     node_name=["kind-worker", "kind-worker2"][i],
                     conditions=K.pod_conditions(ts(55), ready=False, unready=["gateway"]))
    pods, rs, d = s.app("gateway", [c], 2, pf, revision=9)
    names = [p["metadata"]["name"] for p in pods]
    ev = []
    for p in pods:
        pn = p["metadata"]["name"]
        o = K.ref("api", "Pod", pn, field_path="spec.containers{gateway}")
        ev.append(K.event("api", o, "Unhealthy",
                          "Readiness probe failed: HTTP probe failed with statuscode: 503",
                          first=54, last=0.1, count=645, host=p["spec"]["nodeName"]))
        s.log(pn, "gateway", """
{"level":"warn","ts":"2026-11-24T14:59:50Z","msg":"health check failed","upstream":"auth","error":"dial tcp 10.96.41.7:9000: connect: connection refused"}
{"level":"warn","ts":"2026-11-24T14:59:55Z","msg":"health check failed","upstream":"auth","error":"dial tcp 10.96.41.7:9000: connect: connection refused"}
""")
    s.add("events", *ev)
    s.add("services", K.service("api", "gateway", {"app": "gateway"}, [("http", 80, 8080)]))
    s.add("endpoints", K.endpoints("api", "gateway", [], [K.pod_addr(p) for p in pods]))
    s.expect = {"findings": [F("ReadinessProbeFailing", "Pod", n) for n in names],
                "allowed": [F("DeploymentUnavailable", "Deployment", "gateway"),
                            F("ServiceNoEndpoints", "Service", "gateway")],
                "root_cause": [F("ReadinessProbeFailing", "Pod", n) for n in names],
                "evidence": ["statuscode: 503"]}
    return s


@scenario
def liveness_probe_failing():
    s = S("queue", """
worker's liveness probe times out after 1s while the worker is busy draining a large batch,
so the kubelet kills it (exit 137, reason Error, not an OOM) and restarts it: 7 restarts in
the last hour, each preceded by "failed liveness probe, will be restarted".""")
    c = K.container("worker", "ghcr.io/example/queue-worker:1.12.0", ports=[("metrics", 8081)],
                    liveness=K.http_probe("/livez", 8081, period=10, failure=3, timeout=1),
                    resources={"limits": {"cpu": "1", "memory": "1Gi"},
                               "requests": {"cpu": "250m", "memory": "512Mi"}})

    def pf(i, pname, lab, owner):
        cc = cp(c)
        st = [K.cs_running(cc, ts(2.5), ready=True, restarts=7, pod=pname,
                           last=K.term(137, "Error", ts(10.5), ts(2.6), pname, "worker", 7))]
        return K.pod("queue", pname, [cc], st, created=ts(70), labels=lab, owner=owner,
                     conditions=K.pod_conditions(ts(70), ready_since=ts(2.4)))
    pods, rs, d = s.app("worker", [c], 1, pf, revision=2)
    pn = pods[0]["metadata"]["name"]
    o = K.ref("queue", "Pod", pn, field_path="spec.containers{worker}")
    s.add("events",
          K.event("queue", o, "Unhealthy",
                  'Liveness probe failed: Get "http://%s:8081/livez": context deadline exceeded (Client.Timeout exceeded while awaiting headers)'
                  % pods[0]["status"]["podIP"], first=62, last=2.7, count=21),
          K.event("queue", o, "Killing", "Container worker failed liveness probe, will be restarted",
                  "Normal", 61.7, 2.6, 7),
          K.event("queue", o, "Pulled", 'Container image "ghcr.io/example/queue-worker:1.12.0" already present on machine',
                  "Normal", 69, 2.5, 8))
    s.log(pn, "worker", """
level=info msg="draining batch" size=48211
level=info msg="processed" n=10000 elapsed=31.2s
level=info msg="processed" n=20000 elapsed=63.0s
""", previous=True)
    s.expect = {"findings": [F("LivenessProbeFailing", "Pod", pn)],
                "allowed": [F("HighRestartCount", "Pod", pn)],
                "root_cause": F("LivenessProbeFailing", "Pod", pn),
                "forbidden": [F("OOMKilled", "Pod", pn)],
                "evidence": ["failed liveness probe", "context deadline exceeded"]}
    return s


@scenario
def failed_mount():
    s = S("notify", """
mailer mounts the ConfigMap mailer-templates and the Secret mailer-smtp as volumes, but
neither exists in the namespace (they were created in "notification" by mistake). The kubelet
cannot set up the volumes, so the pod stays in ContainerCreating with FailedMount events.""")
    c = K.container("mailer", "ghcr.io/example/mailer:2.2.0", ports=[("http", 8080)],
                    mounts=[{"name": "templates", "mountPath": "/etc/mailer/templates"},
                            {"name": "smtp", "mountPath": "/etc/mailer/smtp", "readOnly": True}])

    def pf(i, pname, lab, owner):
        cc = cp(c)
        st = [K.cs_waiting(cc, "ContainerCreating", pod=pname, pulled=False)]
        return K.pod("notify", pname, [cc], st, created=ts(28), labels=lab, owner=owner,
                     phase="Pending", pod_ip=False,
                     volumes=[{"name": "templates", "configMap": {"name": "mailer-templates", "defaultMode": 420}},
                              {"name": "smtp", "secret": {"secretName": "mailer-smtp", "defaultMode": 420}}],
                     conditions=K.pod_conditions(ts(28), ready=False, unready=["mailer"],
                                                 sandbox=False))
    pods, rs, d = s.app("mailer", [c], 1, pf)
    pn = pods[0]["metadata"]["name"]
    o = K.ref("notify", "Pod", pn)
    s.add("events",
          K.event("notify", o, "FailedMount",
                  'MountVolume.SetUp failed for volume "templates" : configmap "mailer-templates" not found',
                  first=28, last=1.5, count=21),
          K.event("notify", o, "FailedMount",
                  'MountVolume.SetUp failed for volume "smtp" : secret "mailer-smtp" not found',
                  first=28, last=1.5, count=21),
          K.event("notify", o, "FailedMount",
                  "Unable to attach or mount volumes: unmounted volumes=[smtp templates], unattached volumes=[], failed to process volumes=[]: timed out waiting for the condition",
                  first=26, last=3.0, count=12))
    s.expect = {"findings": [F("FailedMount", "Pod", pn)],
                "allowed": [F("DeploymentUnavailable", "Deployment", "mailer")],
                "root_cause": F("FailedMount", "Pod", pn),
                "evidence": ['configmap "mailer-templates" not found']}
    return s


@scenario
def evicted_disk_pressure():
    s = S("etl", """
kind-worker ran into DiskPressure an hour ago and the kubelet evicted loader's pod (phase
Failed, reason Evicted). The container shows exit code 137 with reason Error because it was
killed by the eviction: that is neither an OOM kill nor a crash. The ReplicaSet already runs a
healthy replacement.""")
    c = K.container("loader", "ghcr.io/example/loader:7.0.1")
    hashv = K.hashname(10, "etl", "loader", 1)
    lab = K.rs_pod_labels("loader", hashv)
    owner = ("apps/v1", "ReplicaSet", "etl", "loader-" + hashv)
    ev_name = K.rs_pod_name("loader", hashv, 99)

    def pf(i, pname, lab_, owner_):
        return healthy_pod("etl", pname, [c], lab_, owner_, node_name="kind-worker2",
                           created=ts(52), started=ts(51))
    pods, rs, d = s.app("loader", [c], 1, pf)
    cc = cp(c)
    st = [K.cs_terminated(cc, 137, "Error", ts(600), ts(53), pod=ev_name)]
    conds = K.pod_conditions(ts(600), ready=False, unready=["loader"], ready_since=ts(53))
    conds.insert(0, {"type": "DisruptionTarget", "status": "True", "lastProbeTime": None,
                     "lastTransitionTime": ts(53), "reason": "TerminationByKubelet",
                     "message": "The node had condition: [DiskPressure]. "})
    ev = K.pod("etl", ev_name, [cc], st, created=ts(600), labels=lab, owner=owner,
               phase="Failed", conditions=conds,
               status_extra={"message": "The node had condition: [DiskPressure]. ",
                             "reason": "Evicted"}, generate_name="loader-%s-" % hashv)
    for cond in ev["status"]["conditions"]:
        if cond["type"] == "PodReadyToStartContainers":
            cond["status"] = "False"
    s.add("pods", ev)
    o = K.ref("etl", "Pod", ev_name)
    s.add("events",
          K.event("etl", o, "Evicted", "The node had condition: [DiskPressure]. ", first=53, last=53,
                  count=1),
          K.event("etl", K.ref("etl", "Pod", ev_name, field_path="spec.containers{loader}"),
                  "Killing", "Stopping container loader", "Normal", 53, 53, 1),
          *K.pod_started_events("etl", pods[0]["metadata"]["name"], c, "kind-worker2", at=52))
    s.expect = {"findings": [F("Evicted", "Pod", ev_name)],
                "root_cause": F("Evicted", "Pod", ev_name),
                "forbidden": [F("OOMKilled", "Pod", ev_name), F("CrashLoopBackOff", "Pod", ev_name)],
                "evidence": ["DiskPressure"]}
    return s


@scenario
def high_restart_count():
    s = S("feeds", """
poller is Running and Ready right now, but it has restarted 40 times since it was created ten
hours ago, the last time 29 minutes ago: it exits 1 whenever an upstream feed times out.
Nothing is down at this moment; the restarts are the problem to look at.""")
    c = K.container("poller", "ghcr.io/example/feed-poller:0.14.2")

    def pf(i, pname, lab, owner):
        cc = cp(c)
        st = [K.cs_running(cc, ts(29), ready=True, restarts=40, pod=pname,
                           last=K.term(1, "Error", ts(41), ts(29.1), pname, "poller", 40))]
        return K.pod("feeds", pname, [cc], st, created=ts(600), labels=lab, owner=owner,
                     conditions=K.pod_conditions(ts(600), ready_since=ts(28.8)))
    pods, rs, d = s.app("poller", [c], 1, pf)
    pn = pods[0]["metadata"]["name"]
    o = K.ref("feeds", "Pod", pn, field_path="spec.containers{poller}")
    s.add("events",
          K.event("feeds", o, "BackOff", "Back-off restarting failed container poller in pod %s_feeds(%s)"
                  % (pn, K.uid("feeds", "Pod", pn)), first=58, last=29.2, count=6),
          K.event("feeds", o, "Pulled", 'Container image "ghcr.io/example/feed-poller:0.14.2" already present on machine',
                  "Normal", 59, 29, 7))
    s.log(pn, "poller", """
2026-11-24T14:19:02Z INFO polling 212 feeds
2026-11-24T14:30:51Z ERROR fetch https://news.example.org/rss.xml: Get "https://news.example.org/rss.xml": net/http: request canceled (Client.Timeout exceeded while awaiting headers)
2026-11-24T14:30:51Z FATAL giving up after 5 attempts
""", previous=True)
    s.expect = {"findings": [F("HighRestartCount", "Pod", pn)],
                "root_cause": F("HighRestartCount", "Pod", pn),
                "evidence": ["40"]}
    return s


@scenario
def stuck_terminating():
    s = S("legacy", """
The old archiver pod was deleted six hours ago but still exists: it carries the finalizer
example.com/archive-lock, whose controller was uninstalled, so nothing ever removes it. Its
replacement runs fine.""")
    c = K.container("archiver", "ghcr.io/example/archiver:1.0.4")
    hashv = K.hashname(10, "legacy", "archiver", 1)
    stuck = K.rs_pod_name("archiver", hashv, 7)

    def pf(i, pname, lab, owner):
        return healthy_pod("legacy", pname, [c], lab, owner, created=ts(359), started=ts(358))
    pods, rs, d = s.app("archiver", [c], 1, pf)
    lab = K.rs_pod_labels("archiver", hashv)
    cc = cp(c)
    st = [K.cs_running(cc, ts(60 * 48), ready=True, pod=stuck)]
    p = K.pod("legacy", stuck, [cc], st, created=ts(60 * 48), labels=lab,
              owner=("apps/v1", "ReplicaSet", "legacy", "archiver-" + hashv),
              generate_name="archiver-%s-" % hashv, node_name="kind-worker2",
              extra_meta={"deletionTimestamp": ts(360), "deletionGracePeriodSeconds": 30,
                          "finalizers": ["example.com/archive-lock"]})
    s.add("pods", p)
    s.add("events", K.event("legacy", K.ref("legacy", "Pod", stuck, field_path="spec.containers{archiver}"),
                            "Killing", "Stopping container archiver", "Normal", 360, 360, 1,
                            host="kind-worker2"))
    s.expect = {"findings": [F("PodStuckTerminating", "Pod", stuck)],
                "root_cause": F("PodStuckTerminating", "Pod", stuck),
                "evidence": ["example.com/archive-lock"]}
    return s


@scenario
def progress_deadline():
    s = S("checkout", """
checkout 2.0 was rolled out 25 minutes ago. The new pod starts but v2 listens on port 9090
while the readiness probe still checks 8080, so it never becomes Ready; after
progressDeadlineSeconds (600 s) the Deployment reports ProgressDeadlineExceeded. The three
v1 pods keep serving.""")
    c1 = K.container("checkout", "ghcr.io/example/checkout:1.9.4", ports=[("http", 8080)],
                     readiness=K.http_probe("/ready", 8080))
    c2 = K.container("checkout", "ghcr.io/example/checkout:2.0.0", ports=[("http", 8080)],
                     readiness=K.http_probe("/ready", 8080))
    h1 = K.hashname(10, "checkout", "checkout", 1)
    h2 = K.hashname(10, "checkout", "checkout", 2)
    lab1, lab2 = K.rs_pod_labels("checkout", h1), K.rs_pod_labels("checkout", h2)
    pods = []
    for i in range(3):
        pn = K.rs_pod_name("checkout", h1, i)
        p = healthy_pod("checkout", pn, [c1], lab1, ("apps/v1", "ReplicaSet", "checkout", "checkout-" + h1),
                        node_name=["kind-worker", "kind-worker2"][i % 2], created=ts(60 * 30))
        p["metadata"] = dict([("name", pn), ("generateName", "checkout-%s-" % h1)] +
                             [(k, v) for k, v in p["metadata"].items() if k != "name"])
        pods.append(p)
    new = K.rs_pod_name("checkout", h2, 0)
    cc = cp(c2)
    np_ = K.pod("checkout", new, [cc], [K.cs_running(cc, ts(25), ready=False, pod=new)], created=ts(25),
                labels=lab2, owner=("apps/v1", "ReplicaSet", "checkout", "checkout-" + h2),
                generate_name="checkout-%s-" % h2,
                conditions=K.pod_conditions(ts(25), ready=False, unready=["checkout"]))
    pods.append(np_)
    s.add("pods", *pods)
    rs1 = K.replicaset("checkout", "checkout", h1, [c1], 3, 3, created=ts(60 * 30), revision=1)
    rs2 = K.replicaset("checkout", "checkout", h2, [c2], 1, 0, created=ts(25), revision=2)
    s.add("replicasets", rs1, rs2)
    st = K.deploy_status(3, 3, updated=1, revision=2, progressing={
        "type": "Progressing", "status": "False", "lastUpdateTime": ts(15),
        "lastTransitionTime": ts(15), "reason": "ProgressDeadlineExceeded",
        "message": 'ReplicaSet "checkout-%s" has timed out progressing.' % h2})
    st["replicas"] = 4
    st["unavailableReplicas"] = 1
    d = K.deployment("checkout", "checkout", [c2], 3, st, revision=2,
                     strategy={"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}})
    s.add("deployments", d)
    o = K.ref("checkout", "Pod", new, field_path="spec.containers{checkout}")
    s.add("events",
          K.event("checkout", o, "Unhealthy",
                  'Readiness probe failed: Get "http://%s:8080/ready": dial tcp %s:8080: connect: connection refused'
                  % (np_["status"]["podIP"], np_["status"]["podIP"]), first=24.8, last=0.1, count=150),
          K.event("checkout", K.ref("checkout", "Deployment", "checkout", api="apps/v1"),
                  "ScalingReplicaSet", "Scaled up replica set checkout-%s to 1" % h2, "Normal", 25, 25,
                  1, component="deployment-controller", host=None))
    s.log(new, "checkout", """
2026-11-24T14:35:04Z INFO checkout 2.0.0 starting
2026-11-24T14:35:04Z INFO listening on :9090
""")
    s.add("services", K.service("checkout", "checkout", {"app": "checkout"}, [("http", 80, 8080)]))
    s.add("endpoints", K.endpoints("checkout", "checkout", [K.pod_addr(p) for p in pods[:3]],
                                   [K.pod_addr(np_)]))
    s.expect = {"findings": [F("DeploymentUnavailable", "Deployment", "checkout"),
                             F("ReadinessProbeFailing", "Pod", new)],
                "root_cause": [F("ReadinessProbeFailing", "Pod", new),
                               F("DeploymentUnavailable", "Deployment", "checkout")],
                "evidence": ["ProgressDeadlineExceeded", "connection refused"]}
    return s


@scenario
def quota_exceeded():
    s = S("tenant-a", """
api was scaled from 2 to 3 replicas, but the namespace's ResourceQuota compute-quota caps
limits.memory at 1Gi and the two running pods already use it all. The ReplicaSet's pod
creations are rejected (FailedCreate: exceeded quota), so the Deployment stays at 2 of 3.""")
    c = K.container("api", "ghcr.io/example/tenant-api:3.3.0", ports=[("http", 8080)],
                    resources={"limits": {"cpu": "500m", "memory": "512Mi"},
                               "requests": {"cpu": "250m", "memory": "512Mi"}})
    hashv = K.hashname(10, "tenant-a", "api", 1)
    rs_cond = [{"type": "ReplicaFailure", "status": "True", "lastTransitionTime": ts(18),
                "reason": "FailedCreate",
                "message": 'pods "api-%s-%s" is forbidden: exceeded quota: compute-quota, requested: limits.memory=512Mi, used: limits.memory=1Gi, limited: limits.memory=1Gi'
                % (hashv, K.hashname(5, "q", 1))}]
    st = K.deploy_status(3, 2, rs_name="api-" + hashv)
    st["replicas"] = 2
    st["updatedReplicas"] = 2
    st["unavailableReplicas"] = 1
    st["conditions"].append({"type": "ReplicaFailure", "status": "True", "lastUpdateTime": ts(18),
                             "lastTransitionTime": ts(18), "reason": "FailedCreate",
                             "message": rs_cond[0]["message"]})

    pods, rs, d = s.app("api", [c], 3, lambda i, pn, lab, ow: healthy_pod(
        "tenant-a", pn, [c], lab, ow, node_name=["kind-worker", "kind-worker2"][i % 2]),
        status=st, rs_conditions=rs_cond)
    # The third pod was never created: drop it and fix the ReplicaSet counts.
    s.res[("tenant-a", "pods")] = pods[:2]
    rs["status"].update({"replicas": 2, "fullyLabeledReplicas": 2, "readyReplicas": 2,
                         "availableReplicas": 2})
    rs["spec"]["replicas"] = 3
    rsn = "api-" + hashv
    o = K.ref("tenant-a", "ReplicaSet", rsn, api="apps/v1")
    s.add("events",
          K.event("tenant-a", o, "FailedCreate",
                  'Error creating: pods "api-%s-%s" is forbidden: exceeded quota: compute-quota, requested: limits.memory=512Mi, used: limits.memory=1Gi, limited: limits.memory=1Gi'
                  % (hashv, K.hashname(5, "q", 1)), first=18, last=18, count=1,
                  component="replicaset-controller", host=None),
          K.event("tenant-a", o, "FailedCreate",
                  'Error creating: pods "api-%s-%s" is forbidden: exceeded quota: compute-quota, requested: limits.memory=512Mi, used: limits.memory=1Gi, limited: limits.memory=1Gi'
                  % (hashv, K.hashname(5, "q", 2)), first=17.9, last=1.2, count=9,
                  component="replicaset-controller", host=None),
          K.event("tenant-a", K.ref("tenant-a", "Deployment", "api", api="apps/v1"),
                  "ScalingReplicaSet", "Scaled up replica set %s to 3 from 2" % rsn, "Normal", 18, 18,
                  1, component="deployment-controller", host=None))
    s.add("resourcequotas", {
        "metadata": K.meta("tenant-a", "ResourceQuota", "compute-quota", ts(60 * 24 * 30)),
        "spec": {"hard": {"limits.cpu": "4", "limits.memory": "1Gi", "pods": "10",
                          "requests.cpu": "2", "requests.memory": "1Gi"}},
        "status": {"hard": {"limits.cpu": "4", "limits.memory": "1Gi", "pods": "10",
                            "requests.cpu": "2", "requests.memory": "1Gi"},
                   "used": {"limits.cpu": "1", "limits.memory": "1Gi", "pods": "2",
                            "requests.cpu": "500m", "requests.memory": "1Gi"}}})
    s.expect = {"findings": [F("ReplicaSetCreateFailed", "ReplicaSet", rsn),
                             F("QuotaExceeded", "ResourceQuota", "compute-quota")],
                "allowed": [F("DeploymentUnavailable", "Deployment", "api")],
                "root_cause": [F("QuotaExceeded", "ResourceQuota", "compute-quota"),
                               F("ReplicaSetCreateFailed", "ReplicaSet", rsn)],
                "evidence": ["exceeded quota: compute-quota", "limits.memory"]}
    return s


def sts(ns, name, containers, replicas, ready, created, svc, claim=None, current_rev=None):
    lab = {"app": name}
    spec = {"replicas": replicas, "selector": {"matchLabels": lab},
            "template": {"metadata": {"creationTimestamp": None, "labels": dict(lab)},
                         "spec": {"containers": template_containers(containers),
                                  "restartPolicy": "Always", "terminationGracePeriodSeconds": 30,
                                  "dnsPolicy": "ClusterFirst", "securityContext": {},
                                  "schedulerName": "default-scheduler"}},
            "serviceName": svc, "podManagementPolicy": "OrderedReady",
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
            "revisionHistoryLimit": 10,
            "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Retain"}}
    if claim:
        spec["volumeClaimTemplates"] = [{"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                                         "metadata": {"name": claim, "creationTimestamp": None},
                                         "spec": {"accessModes": ["ReadWriteOnce"],
                                                  "storageClassName": "standard",
                                                  "resources": {"requests": {"storage": "20Gi"}},
                                                  "volumeMode": "Filesystem"},
                                         "status": {"phase": "Pending"}}]
    rev = "%s-%s" % (name, current_rev or K.hashname(10, ns, name, "rev"))
    st = {"observedGeneration": 2, "replicas": replicas, "readyReplicas": ready,
          "currentReplicas": replicas, "updatedReplicas": replicas, "currentRevision": rev,
          "updateRevision": rev, "collisionCount": 0, "availableReplicas": ready}
    return {"metadata": K.meta(ns, "StatefulSet", name, created, labels=lab, generation=2),
            "spec": spec, "status": st}, rev


@scenario
def statefulset_crashloop():
    s = S("db", """
The postgres StatefulSet was scaled from 2 to 3. postgres-2 got a brand-new volume whose root
holds lost+found, and initdb refuses to use a non-empty mount point as its data directory, so
postgres-2 crashes in a loop and the StatefulSet is 2/3 ready. POSTGRES_PASSWORD sits in the
env and must not reach the model.""")
    c = K.container("postgres", "postgres:16.4", ports=[("postgres", 5432)],
                    env=[{"name": "POSTGRES_PASSWORD", "value": "pg-Adm1n-77813"},
                         {"name": "PGDATA", "value": "/var/lib/postgresql/data"}],
                    mounts=[{"name": "data", "mountPath": "/var/lib/postgresql/data"}],
                    resources={"limits": {"memory": "2Gi"}, "requests": {"cpu": "500m", "memory": "2Gi"}})
    sset, rev = sts("db", "postgres", [c], 3, 2, ts(60 * 24 * 20), "postgres", claim="data")
    s.add("statefulsets", sset)
    pods = []
    for i in range(3):
        pn = "postgres-%d" % i
        lab = {"app": "postgres", "apps.kubernetes.io/pod-index": str(i),
               "controller-revision-hash": rev, "statefulset.kubernetes.io/pod-name": pn}
        own = ("apps/v1", "StatefulSet", "db", "postgres")
        vol = [{"name": "data", "persistentVolumeClaim": {"claimName": "data-" + pn}}]
        cc = cp(c)
        nd = ["kind-worker", "kind-worker2", "kind-worker"][i]
        if i < 2:
            created = ts(60 * 24 * 20 - i)
            p = K.pod("db", pn, [cc], [K.cs_running(cc, created, pod=pn)], node_name=nd,
                      created=created, labels=lab, owner=own, volumes=vol,
                      spec_extra={"hostname": pn, "subdomain": "postgres"})
        else:
            p = K.pod("db", pn, [cc], [K.cs_waiting(cc, "CrashLoopBackOff",
                                                    "back-off 5m0s restarting failed container=postgres pod=postgres-2_db(%s)" % K.uid("db", "Pod", pn),
                                                    restarts=9, last=K.term(1, "Error", ts(4.1), ts(4.0), pn, "postgres", 9), pod=pn)],
                      node_name=nd, created=ts(33), labels=lab, owner=own, volumes=vol,
                      spec_extra={"hostname": pn, "subdomain": "postgres"},
                      conditions=K.pod_conditions(ts(33), ready=False, unready=["postgres"]))
        pods.append(p)
    s.add("pods", *pods)
    s.add("persistentvolumeclaims", *[K.pvc("db", "data-postgres-%d" % i, "20Gi", "Bound", "standard",
                                             "pvc-" + K.uid("db", "pv", i), labels={"app": "postgres"})
                                      for i in range(3)])
    o = K.ref("db", "Pod", "postgres-2", field_path="spec.containers{postgres}")
    s.add("events",
          K.event("db", o, "BackOff", "Back-off restarting failed container postgres in pod postgres-2_db(%s)"
                  % K.uid("db", "Pod", "postgres-2"), first=31, last=0.9, count=131),
          K.event("db", K.ref("db", "StatefulSet", "postgres", api="apps/v1"), "SuccessfulCreate",
                  "create Pod postgres-2 in StatefulSet postgres successful", "Normal", 33, 33, 1,
                  component="statefulset-controller", host=None))
    s.log("postgres-2", "postgres", """
The files belonging to this database system will be owned by user "postgres".
This user must also own the server process.

The database cluster will be initialized with locale "en_US.utf8".
initdb: error: directory "/var/lib/postgresql/data" exists but is not empty
initdb: detail: It contains a lost+found directory, perhaps due to it being a mount point.
initdb: hint: Using a mount point directly as the data directory is not recommended.
Create a subdirectory under the mount point.
""", previous=True)
    s.add("services", K.service("db", "postgres", {"app": "postgres"}, [("postgres", 5432, 5432)]))
    s.add("endpoints", K.endpoints("db", "postgres", [K.pod_addr(p) for p in pods[:2]],
                                   [K.pod_addr(pods[2])], port=("postgres", 5432)))
    s.expect = {"findings": [F("CrashLoopBackOff", "Pod", "postgres-2"),
                             F("StatefulSetUnavailable", "StatefulSet", "postgres")],
                "root_cause": F("CrashLoopBackOff", "Pod", "postgres-2"),
                "evidence": ["lost+found"],
                "absent": ["pg-Adm1n-77813"]}
    return s


@scenario
def daemonset_unavailable():
    s = S("monitoring", """
node-exporter runs on every worker with hostPort 9100. On kind-worker2 another agent already
holds port 9100, so the DaemonSet's pod for that node cannot be scheduled ("didn't have free
ports"): 2 of 3 desired pods are available.""")
    c = K.container("node-exporter", "quay.io/prometheus/node-exporter:v1.8.2",
                    args=["--path.rootfs=/host"], ports=[("metrics", 9100)],
                    resources={"limits": {"memory": "64Mi"}, "requests": {"cpu": "10m", "memory": "32Mi"}})
    c["ports"][0]["hostPort"] = 9100
    rev = K.hashname(10, "monitoring", "node-exporter")
    lab = {"app.kubernetes.io/name": "node-exporter"}
    ds = {"metadata": K.meta("monitoring", "DaemonSet", "node-exporter", ts(60 * 24 * 40), labels=lab,
                             generation=1, annotations={"deprecated.daemonset.template.generation": "1"}),
          "spec": {"selector": {"matchLabels": lab},
                   "template": {"metadata": {"creationTimestamp": None, "labels": dict(lab)},
                                "spec": {"containers": template_containers([c]), "hostNetwork": True,
                                         "restartPolicy": "Always", "dnsPolicy": "ClusterFirst",
                                         "tolerations": [{"operator": "Exists"}],
                                         "schedulerName": "default-scheduler"}},
                   "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}},
                   "revisionHistoryLimit": 10},
          "status": {"currentNumberScheduled": 3, "numberMisscheduled": 0, "desiredNumberScheduled": 3,
                     "numberReady": 2, "observedGeneration": 1, "updatedNumberScheduled": 3,
                     "numberAvailable": 2, "numberUnavailable": 1}}
    s.add("daemonsets", ds)
    pods = []
    msg = ("0/3 nodes are available: 1 node(s) didn't have free ports for the requested pod ports, "
           "2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: "
           "1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.")
    for i, nd in enumerate(["kind-control-plane", "kind-worker", "kind-worker2"]):
        pn = "node-exporter-" + K.hashname(5, "ne", nd)
        plab = dict(lab, **{"controller-revision-hash": rev, "pod-template-generation": "1"})
        own = ("apps/v1", "DaemonSet", "monitoring", "node-exporter")
        aff = {"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [{"matchFields": [{"key": "metadata.name", "operator": "In",
                                                    "values": [nd]}]}]}}}}
        cc = cp(c)
        if nd != "kind-worker2":
            p = K.pod("monitoring", pn, [cc], [K.cs_running(cc, ts(60 * 24 * 40), pod=pn)], node_name=nd,
                      created=ts(60 * 24 * 40), labels=plab, owner=own, spec_extra=aff,
                      pod_ip={"kind-control-plane": "10.0.0.10", "kind-worker": "10.0.0.11"}[nd],
                      qos="Burstable")
        else:
            pending = pn
            p = K.pod("monitoring", pn, [cc], None, node_name=None, created=ts(46), labels=plab,
                      owner=own, phase="Pending", spec_extra=aff,
                      conditions=K.pod_conditions(ts(46), scheduled=False, sched_msg=msg))
        p["metadata"] = dict([("name", pn), ("generateName", "node-exporter-")] +
                             [(k, v) for k, v in p["metadata"].items() if k != "name"])
        pods.append(p)
    s.add("pods", *pods)
    s.add("events", K.event_new("monitoring", K.ref("monitoring", "Pod", pending), "FailedScheduling", msg,
                                first=46, last=2, count=14))
    s.expect = {"findings": [F("DaemonSetUnavailable", "DaemonSet", "node-exporter"),
                             F("Unschedulable", "Pod", pending)],
                "root_cause": [F("Unschedulable", "Pod", pending),
                               F("DaemonSetUnavailable", "DaemonSet", "node-exporter")],
                "evidence": ["didn't have free ports"]}
    return s


def job(ns, name, containers, created, backoff=6, conditions=None, succeeded=0, failed=0,
        active=0, owner=None, start=None, completion=None, labels_extra=None, deadline=None):
    jid = K.uid(ns, "Job", name)
    lab = {"batch.kubernetes.io/controller-uid": jid, "batch.kubernetes.io/job-name": name,
           "controller-uid": jid, "job-name": name}
    lab.update(labels_extra or {})
    spec = {"parallelism": 1, "completions": 1, "backoffLimit": backoff,
            "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": jid}},
            "manualSelector": False,
            "template": {"metadata": {"creationTimestamp": None, "labels": dict(lab)},
                         "spec": {"containers": template_containers(containers),
                                  "restartPolicy": "Never", "terminationGracePeriodSeconds": 30,
                                  "dnsPolicy": "ClusterFirst", "securityContext": {},
                                  "schedulerName": "default-scheduler"}},
            "completionMode": "NonIndexed", "suspend": False,
            "podReplacementPolicy": "TerminatingOrFailed"}
    if deadline:
        spec["activeDeadlineSeconds"] = deadline
    st = {}
    if conditions:
        st["conditions"] = conditions
    st["startTime"] = start or created
    if completion:
        st["completionTime"] = completion
    if active:
        st["active"] = active
    if succeeded:
        st["succeeded"] = succeeded
    if failed:
        st["failed"] = failed
    st["terminating"] = 0
    st["uncountedTerminatedPods"] = {}
    st["ready"] = 0
    m = K.meta(ns, "Job", name, created, labels=lab, owner=owner, generation=1,
               annotations={"batch.kubernetes.io/job-tracking": ""} if not owner else
               {"batch.kubernetes.io/cronjob-scheduled-timestamp": created})
    return {"metadata": m, "spec": spec, "status": st}, lab


def job_cond(ctype, reason, message, at):
    return {"type": ctype, "status": "True", "lastProbeTime": at, "lastTransitionTime": at,
            "reason": reason, "message": message}


def job_pod(ns, jobname, lab, c, idx, exit_code, started, finished, node="kind-worker"):
    pn = "%s-%s" % (jobname, K.hashname(5, ns, jobname, idx))
    cc = cp(c)
    st = [K.cs_terminated(cc, exit_code, "Error" if exit_code else "Completed", started, finished,
                          pod=pn)]
    conds = K.pod_conditions(started, ready=False, unready=[c["name"]] if exit_code else [],
                             ready_since=finished)
    for cd in conds:
        if cd["type"] in ("Ready", "ContainersReady"):
            cd["reason"] = "PodFailed" if exit_code else "PodCompleted"
            cd.pop("message", None)
        if cd["type"] == "PodReadyToStartContainers":
            cd["status"] = "False"
    lab = dict(lab)
    p = K.pod(ns, pn, [cc], st, node_name=node, created=started, labels=lab,
              owner=("batch/v1", "Job", ns, jobname), phase="Failed" if exit_code else "Succeeded",
              restart_policy="Never", conditions=conds, generate_name=jobname + "-")
    return p


@scenario
def job_backoff_limit():
    s = S("batch", """
db-migrate runs a schema migration that fails on every attempt (the users table already
exists, created by hand). With backoffLimit 2 the Job gives up after three failed pods:
BackoffLimitExceeded. The migration log prints the database URL with its password.""")
    c = K.container("migrate", "ghcr.io/example/app-migrations:2024.11.3", command=["/migrate"],
                    args=["-path", "/migrations", "-database", "$(DATABASE_URL)", "up"],
                    env=[{"name": "DATABASE_URL", "valueFrom": {"secretKeyRef": {"name": "app-db", "key": "url"}}}])
    j, lab = job("batch", "db-migrate", [c], ts(40), backoff=2, failed=3,
                 conditions=[job_cond("FailureTarget", "BackoffLimitExceeded", "Job has reached the specified backoff limit", ts(31)),
                             job_cond("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit", ts(31))])
    s.add("jobs", j)
    pods = [job_pod("batch", "db-migrate", lab, c, i, 1, ts(40 - 4 * i), ts(39.9 - 4 * i)) for i in range(3)]
    s.add("pods", *pods)
    for i, p in enumerate(pods):
        s.log(p["metadata"]["name"], "migrate", """
2026/11/24 14:%02d:07 connecting to mysql://migrator:Pa55w0rd-db-77@mysql.batch.svc:3306/app
2026/11/24 14:%02d:07 error: migration failed in line 0: CREATE TABLE users (id BIGINT PRIMARY KEY, email VARCHAR(255) NOT NULL) (details: Error 1050 (42S01): Table 'users' already exists)
""" % (20 + 4 * i, 20 + 4 * i))
    jo = K.ref("batch", "Job", "db-migrate", api="batch/v1")
    s.add("events", *[K.event("batch", jo, "SuccessfulCreate", "Created pod: " + p["metadata"]["name"],
                              "Normal", 40 - 4 * i, 40 - 4 * i, 1, component="job-controller", host=None)
                      for i, p in enumerate(pods)],
          K.event("batch", jo, "BackoffLimitExceeded", "Job has reached the specified backoff limit",
                  first=31, last=31, count=1, component="job-controller", host=None))
    s.expect = {"findings": [F("JobFailed", "Job", "db-migrate")],
                "root_cause": F("JobFailed", "Job", "db-migrate"),
                "evidence": ["BackoffLimitExceeded", "already exists"],
                "absent": ["Pa55w0rd-db-77"]}
    return s


def cronjob(ns, name, schedule, containers, last_schedule, last_success=None, suspend=False,
            active=None):
    spec = {"schedule": schedule, "concurrencyPolicy": "Forbid", "suspend": suspend,
            "jobTemplate": {"metadata": {"creationTimestamp": None},
                            "spec": {"backoffLimit": 1, "template": {
                                "metadata": {"creationTimestamp": None},
                                "spec": {"containers": template_containers(containers),
                                         "restartPolicy": "Never", "dnsPolicy": "ClusterFirst",
                                         "terminationGracePeriodSeconds": 30, "securityContext": {},
                                         "schedulerName": "default-scheduler"}}}},
            "successfulJobsHistoryLimit": 3, "failedJobsHistoryLimit": 3}
    st = {"lastScheduleTime": last_schedule}
    if last_success:
        st["lastSuccessfulTime"] = last_success
    if active:
        st["active"] = active
    return {"metadata": K.meta(ns, "CronJob", name, ts(60 * 24 * 60), generation=1),
            "spec": spec, "status": st}


@scenario
def cronjob_failing():
    s = S("backup", """
The hourly db-backup CronJob has failed on every run since the database password was rotated
yesterday: pg_dump gets "password authentication failed" and each Job ends with
BackoffLimitExceeded. The last success was 26 hours ago. The weekly report CronJob is
suspended on purpose and healthy.""")
    c = K.container("pg-dump", "postgres:16.4", command=["/bin/sh", "-c"],
                    args=["pg_dump -h postgres.db.svc -U backup app | gzip > /backup/app-$(date +%F-%H).sql.gz"])
    import calendar
    jobs, pods = [], []
    for k, mins in enumerate([120, 60]):
        t = K.NOW - K.datetime.timedelta(minutes=mins)
        name = "db-backup-%d" % (calendar.timegm(t.timetuple()) // 60)
        j, lab = job("backup", name, [c], ts(mins), backoff=1, failed=2, owner=("batch/v1", "CronJob", "backup", "db-backup"),
                     conditions=[job_cond("FailureTarget", "BackoffLimitExceeded", "Job has reached the specified backoff limit", ts(mins - 1)),
                                 job_cond("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit", ts(mins - 1))])
        jobs.append(j)
        for i in range(2):
            p = job_pod("backup", name, lab, c, i, 1, ts(mins - 0.5 * i), ts(mins - 0.5 * i - 0.1))
            pods.append(p)
            s.log(p["metadata"]["name"], "pg-dump", 'pg_dump: error: connection to server at "postgres.db.svc" (10.96.33.12), port 5432 failed: FATAL:  password authentication failed for user "backup"')
    s.add("jobs", *jobs)
    s.add("pods", *pods)
    s.add("cronjobs", cronjob("backup", "db-backup", "0 * * * *", [c], ts(60), ts(60 * 26)),
          cronjob("backup", "weekly-report", "0 6 * * 1", [K.container("report", "ghcr.io/example/report:1.0.0")],
                  ts(60 * 24 * 15), ts(60 * 24 * 15 - 3), suspend=True))
    cj = K.ref("backup", "CronJob", "db-backup", api="batch/v1")
    last = jobs[-1]["metadata"]["name"]
    s.add("events",
          K.event("backup", cj, "SuccessfulCreate", "Created job " + last, "Normal", 60, 60, 1,
                  component="cronjob-controller", host=None),
          K.event("backup", cj, "SawCompletedJob", "Saw completed job: %s, status: Failed" % last, "Normal",
                  59, 59, 1, component="cronjob-controller", host=None),
          K.event("backup", K.ref("backup", "Job", last, api="batch/v1"), "BackoffLimitExceeded",
                  "Job has reached the specified backoff limit", first=59, last=59, count=1,
                  component="job-controller", host=None))
    s.expect = {"findings": [F("CronJobFailing", "CronJob", "db-backup")],
                "allowed": [F("JobFailed", "Job", j["metadata"]["name"]) for j in jobs] +
                [F("CronJobFailing", "CronJob", "weekly-report")],
                "root_cause": [F("CronJobFailing", "CronJob", "db-backup")] +
                [F("JobFailed", "Job", j["metadata"]["name"]) for j in jobs],
                "evidence": ["password authentication failed"]}
    return s


@scenario
def service_selector_typo():
    s = S("blog", """
The blog Deployment's pods are labelled app=blog, but the Service selects app=blog-web (a
leftover from a rename), so it matches no pods and has no endpoints. The pods themselves are
healthy.""")
    c = K.container("blog", "ghcr.io/example/blog:6.2.0", ports=[("http", 2368)],
                    readiness=K.http_probe("/", 2368))
    pods, rs, d = s.app("blog", [c], 2)
    s.add("events", *[e for p in pods for e in K.pod_started_events("blog", p["metadata"]["name"], c,
                                                                     p["spec"]["nodeName"], at=50)])
    s.add("services", K.service("blog", "blog", {"app": "blog-web"}, [("http", 80, 2368)]))
    s.add("endpoints", K.endpoints("blog", "blog", []))
    s.expect = {"findings": [F("ServiceNoEndpoints", "Service", "blog")],
                "root_cause": F("ServiceNoEndpoints", "Service", "blog"),
                "evidence": ["blog-web"]}
    return s


def ingress(ns, name, host, paths, created=None, cls="nginx"):
    return {"metadata": K.meta(ns, "Ingress", name, created or ts(60 * 24 * 3), generation=1),
            "spec": {"ingressClassName": cls, "rules": [{"host": host, "http": {"paths": [
                {"path": p, "pathType": "Prefix", "backend": {"service": {"name": sv, "port": port}}}
                for p, sv, port in paths]}}]},
            "status": {"loadBalancer": {"ingress": [{"ip": "172.18.0.240"}]}}}


@scenario
def ingress_backend_missing():
    s = S("web", """
Two Ingress mistakes: "site" sends /api to a Service "api-svc" that does not exist (it is
called "api"), and "admin" points to port 8080 of the admin Service, which only exposes port
80. The storefront route and all pods are fine.""")
    for name, port in (("storefront", 8080), ("api", 8080), ("admin", 8000)):
        c = K.container(name, "ghcr.io/example/%s:1.0.0" % name, ports=[("http", port)])
        pods, rs, d = s.app(name, [c], 1)
        s.add("services", K.service("web", name, {"app": name}, [("http", 80, port)]))
        s.add("endpoints", K.endpoints("web", name, [K.pod_addr(pods[0])], port=("http", port)))
    s.add("ingresses",
          ingress("web", "site", "shop.example.com", [("/", "storefront", {"number": 80}),
                                                      ("/api", "api-svc", {"number": 80})]),
          ingress("web", "admin", "admin.example.com", [("/", "admin", {"number": 8080})]))
    s.expect = {"findings": [F("IngressBackendMissing", "Ingress", "site"),
                             F("IngressBackendMissing", "Ingress", "admin")],
                "root_cause": [F("IngressBackendMissing", "Ingress", "site"),
                               F("IngressBackendMissing", "Ingress", "admin")],
                "evidence": ["api-svc", "8080"]}
    return s


@scenario
def pvc_provisioning_failed():
    s = S("analytics", """
warehouse-data asks for the gp3-encrypted StorageClass. The EBS CSI driver tries to create the
volume, but the KMS key named in the StorageClass is disabled, so provisioning fails and the
claim stays Pending; the warehouse pod cannot be scheduled until it binds.""")
    c = K.container("warehouse", "ghcr.io/example/warehouse:0.8.0",
                    mounts=[{"name": "data", "mountPath": "/data"}])
    msg_sched = ("0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: "
                 "0/3 nodes are available: 3 Preemption is not helpful for scheduling.")

    def pf(i, pname, lab, owner):
        return K.pod("analytics", pname, [cp(c)], None, node_name=None, created=ts(22), labels=lab,
                     owner=owner, phase="Pending",
                     volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": "warehouse-data"}}],
                     conditions=K.pod_conditions(ts(22), scheduled=False, sched_msg=msg_sched))
    pods, rs, d = s.app("warehouse", [c], 1, pf)
    pn = pods[0]["metadata"]["name"]
    s.add("persistentvolumeclaims", K.pvc(
        "analytics", "warehouse-data", "500Gi", "Pending", "gp3-encrypted", created=ts(22),
        annotations={"volume.beta.kubernetes.io/storage-provisioner": "ebs.csi.aws.com",
                     "volume.kubernetes.io/storage-provisioner": "ebs.csi.aws.com"}))
    po = K.ref("analytics", "PersistentVolumeClaim", "warehouse-data")
    s.add("events",
          K.event("analytics", po, "ProvisioningFailed",
                  'failed to provision volume with StorageClass "gp3-encrypted": rpc error: code = Internal desc = Could not create volume "pvc-%s": could not create volume in EC2: operation error EC2: CreateVolume, https response error StatusCode: 400, RequestID: 6d1c2a4e-1b7f-4c55-9a0e-2f3e8a7b9c10, api error KMSKeyNotAccessibleFault: The KMS key provided is not accessible'
                  % K.uid("analytics", "PersistentVolumeClaim", "warehouse-data"),
                  first=21.9, last=0.7, count=12, component="ebs.csi.aws.com_ebs-csi-controller-7c9b5d6f4-2xkqz_5b3b1a9e", host=None),
          K.event("analytics", po, "ExternalProvisioning",
                  "Waiting for a volume to be created either by the external provisioner 'ebs.csi.aws.com' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.",
                  "Normal", 22, 0.1, 90, component="persistentvolume-controller", host=None),
          K.event_new("analytics", K.ref("analytics", "Pod", pn), "FailedScheduling", msg_sched,
                      first=22, last=2, count=6))
    s.expect = {"findings": [F("PVCPending", "PersistentVolumeClaim", "warehouse-data")],
                "allowed": [F("Unschedulable", "Pod", pn),
                            F("DeploymentUnavailable", "Deployment", "warehouse")],
                "root_cause": F("PVCPending", "PersistentVolumeClaim", "warehouse-data"),
                "evidence": ["KMS key provided is not accessible"]}
    return s


@scenario
def node_not_ready():
    s = S("edge", """
kind-worker2's kubelet stopped posting status 18 minutes ago (the VM froze): its conditions are
all Unknown, the node controller tainted it unreachable and marked its pods not Ready. Two
of the edge-proxy pods run on it, so the Deployment is degraded.""")
    unknown = []
    for t, r in (("MemoryPressure", "NodeStatusUnknown"), ("DiskPressure", "NodeStatusUnknown"),
                 ("PIDPressure", "NodeStatusUnknown"), ("Ready", "NodeStatusUnknown")):
        unknown.append(K.node_condition(t, "Unknown", r, "Kubelet stopped posting node status.",
                                        hb=18.5, since=17.8))
    s.nodes = K.standard_nodes({"kind-worker2": {"conditions": unknown, "taints": [
        {"key": "node.kubernetes.io/unreachable", "effect": "NoSchedule", "timeAdded": ts(17.8)},
        {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute", "timeAdded": ts(17.7)}]}})
    c = K.container("edge-proxy", "envoyproxy/envoy:v1.31.2", ports=[("http", 10000)],
                    readiness=K.http_probe("/ready", 9901))

    def pf(i, pname, lab, owner):
        cc = cp(c)
        nd = "kind-worker" if i == 0 else "kind-worker2"
        if nd == "kind-worker":
            return healthy_pod("edge", pname, [cc], lab, owner, node_name=nd)
        st = [K.cs_running(cc, ts(599), ready=True, pod=pname)]
        conds = K.pod_conditions(ts(600), ready=False, unready=[])
        for cd in conds:
            if cd["type"] == "Ready":
                cd.update({"lastTransitionTime": ts(17.8)})
                cd.pop("message", None)
                cd.pop("reason", None)
            if cd["type"] == "ContainersReady":
                cd.update({"status": "True"})
                cd.pop("message", None)
                cd.pop("reason", None)
        return K.pod("edge", pname, [cc], st, node_name=nd, created=ts(600), labels=lab, owner=owner,
                     conditions=conds)
    pods, rs, d = s.app("edge-proxy", [c], 3, pf)
    n = K.ref("", "Node", "kind-worker2")
    s.add("events",
          K.event("default", n, "NodeNotReady", "Node kind-worker2 status is now: NodeNotReady", "Normal",
                  17.8, 17.8, 1, component="node-controller", host=None),
          ns="default")
    for p in pods[1:]:
        s.add("events", K.event("edge", K.ref("edge", "Pod", p["metadata"]["name"]), "NodeNotReady",
                                "Node is not ready", first=17.8, last=17.8, count=1,
                                component="node-controller", host=None))
    s.expect = {"findings": [F("NodeNotReady", "Node", "kind-worker2")],
                "allowed": [F("DeploymentUnavailable", "Deployment", "edge-proxy")] +
                [F("NodeNotReady", "Pod", p["metadata"]["name"]) for p in pods[1:]],
                "root_cause": F("NodeNotReady", "Node", "kind-worker2"),
                "evidence": ["Kubelet stopped posting node status"]}
    return s


@scenario
def node_memory_pressure():
    s = S("sessions", """
kind-worker reports MemoryPressure=True: a memory-hungry batch on that node pushed available
memory under the eviction threshold, the kubelet is reclaiming memory and the node is tainted
memory-pressure. The session-store pods on it still run, but the node is the thing to fix.""")
    conds = K.healthy_conditions()
    conds[0] = K.node_condition("MemoryPressure", "True", "KubeletHasInsufficientMemory",
                                "kubelet has insufficient memory available", since=12)
    s.nodes = K.standard_nodes({"kind-worker": {"conditions": conds, "taints": [
        {"key": "node.kubernetes.io/memory-pressure", "effect": "NoSchedule", "timeAdded": ts(12)}]}})
    c = K.container("session-store", "ghcr.io/example/session-store:2.5.0", ports=[("redis", 6379)])
    pods, rs, d = s.app("session-store", [c], 2, lambda i, pn, lab, ow: healthy_pod(
        "sessions", pn, [c], lab, ow, node_name="kind-worker"))
    n = K.ref("", "Node", "kind-worker")
    s.add("events",
          K.event("default", n, "NodeHasInsufficientMemory",
                  "Node kind-worker status is now: NodeHasInsufficientMemory", "Normal", 12, 12, 1,
                  host="kind-worker"),
          K.event("default", n, "EvictionThresholdMet", "Attempting to reclaim memory", first=12,
                  last=1, count=9, host="kind-worker"), ns="default")
    s.expect = {"findings": [F("NodePressure", "Node", "kind-worker")],
                "root_cause": F("NodePressure", "Node", "kind-worker"),
                "evidence": ["MemoryPressure"]}
    return s


@scenario
def node_cordoned():
    s = S("ci", """
kind-worker2 was cordoned for maintenance two days ago and never uncordoned. The CI runners
already on it keep running, but nothing new lands there and the cluster is a worker short.""")
    s.nodes = K.standard_nodes({"kind-worker2": {"unschedulable": True, "taints": [
        {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule", "timeAdded": ts(60 * 49)}]}})
    c = K.container("runner", "ghcr.io/example/ci-runner:16.5.0",
                    resources={"limits": {"cpu": "2", "memory": "4Gi"}, "requests": {"cpu": "1", "memory": "2Gi"}})
    pods, rs, d = s.app("runner", [c], 2, lambda i, pn, lab, ow: healthy_pod(
        "ci", pn, [c], lab, ow, node_name=["kind-worker", "kind-worker2"][i], created=ts(60 * 72)))
    s.add("events", K.event("default", K.ref("", "Node", "kind-worker2"), "NodeNotSchedulable",
                            "Node kind-worker2 status is now: NodeNotSchedulable", "Normal", 60 * 49,
                            60 * 49, 1, host="kind-worker2"), ns="default")
    s.expect = {"findings": [F("NodeUnschedulable", "Node", "kind-worker2")],
                "root_cause": F("NodeUnschedulable", "Node", "kind-worker2"),
                "evidence": ["kind-worker2"]}
    return s


def hpa(ns, name, target, minr, maxr, cur, desired, conditions, current_metrics=None):
    st = {"currentReplicas": cur, "desiredReplicas": desired, "conditions": conditions}
    if current_metrics is not None:
        st["currentMetrics"] = current_metrics
    if desired != cur or True:
        st["lastScaleTime"] = ts(60 * 5)
    return {"metadata": K.meta(ns, "HorizontalPodAutoscaler", name, ts(60 * 24 * 9)),
            "spec": {"scaleTargetRef": {"kind": "Deployment", "name": target, "apiVersion": "apps/v1"},
                     "minReplicas": minr, "maxReplicas": maxr,
                     "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {
                         "type": "Utilization", "averageUtilization": 70}}}]},
            "status": st}


def hpa_cond(t, status, reason, message, at=300):
    return {"type": t, "status": status, "lastTransitionTime": ts(at), "reason": reason,
            "message": message}


@scenario
def hpa_missing_metrics():
    s = S("frontend", """
The web HPA scales on CPU, but metrics-server is not installed (the metrics.k8s.io API is
missing), so it cannot read utilisation: ScalingActive=False with FailedGetResourceMetric, and
web stays at 2 replicas whatever the load.""")
    c = K.container("web", "ghcr.io/example/web:4.4.0", ports=[("http", 8080)])
    s.app("web", [c], 2)
    err = ("failed to get cpu utilization: unable to get metrics for resource cpu: unable to fetch "
           "metrics from resource metrics API: the server could not find the requested resource (get pods.metrics.k8s.io)")
    s.add("horizontalpodautoscalers", hpa("frontend", "web", "web", 2, 10, 2, 2, [
        hpa_cond("AbleToScale", "True", "SucceededGetScale", "the HPA controller was able to get the target's current scale"),
        hpa_cond("ScalingActive", "False", "FailedGetResourceMetric",
                 "the HPA was unable to compute the replica count: " + err)],
        current_metrics=[{"type": ""}]))
    o = K.ref("frontend", "HorizontalPodAutoscaler", "web", api="autoscaling/v2")
    s.add("events",
          K.event("frontend", o, "FailedGetResourceMetric", err, first=60 * 9, last=0.2, count=3242,
                  component="horizontal-pod-autoscaler", host=None),
          K.event("frontend", o, "FailedComputeMetricsReplicas",
                  "invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: " + err,
                  first=60 * 9, last=0.2, count=3242, component="horizontal-pod-autoscaler", host=None))
    s.expect = {"findings": [F("HPAUnableToScale", "HorizontalPodAutoscaler", "web")],
                "root_cause": F("HPAUnableToScale", "HorizontalPodAutoscaler", "web"),
                "evidence": ["FailedGetResourceMetric"]}
    return s


# ---------------------------------------------------------------- false-positive traps

@scenario
def trap_job_retried_ok():
    s = S("jobs", """
Trap: import-users failed once (a transient 503 from the identity API) and succeeded on the
retry. The Job is Complete; its first pod's Failed phase and exit code 1 are history, not a
problem. Nothing should be reported.""")
    c = K.container("import", "ghcr.io/example/user-import:1.4.0")
    j, lab = job("jobs", "import-users", [c], ts(50), backoff=6, succeeded=1, failed=1,
                 completion=ts(44),
                 conditions=[job_cond("SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods", ts(44)),
                             job_cond("Complete", "CompletionsReached", "Reached expected number of succeeded pods", ts(44))])
    s.add("jobs", j)
    p1 = job_pod("jobs", "import-users", lab, c, 0, 1, ts(50), ts(49.8))
    p2 = job_pod("jobs", "import-users", lab, c, 1, 0, ts(49.7), ts(44))
    s.add("pods", p1, p2)
    s.log(p1["metadata"]["name"], "import", "ERROR identity API returned 503 Service Unavailable; exiting")
    s.log(p2["metadata"]["name"], "import", "INFO imported 18233 users in 342s")
    jo = K.ref("jobs", "Job", "import-users", api="batch/v1")
    s.add("events",
          K.event("jobs", jo, "SuccessfulCreate", "Created pod: " + p1["metadata"]["name"], "Normal", 50, 50, 1,
                  component="job-controller", host=None),
          K.event("jobs", jo, "SuccessfulCreate", "Created pod: " + p2["metadata"]["name"], "Normal", 49.7, 49.7, 1,
                  component="job-controller", host=None),
          K.event("jobs", jo, "Completed", "Job completed", "Normal", 44, 44, 1,
                  component="job-controller", host=None))
    s.expect = {"findings": [], "root_cause": None}
    return s


@scenario
def trap_hpa_at_min():
    s = S("shopfront", """
Trap: the shopfront HPA sits at its minimum of 2 replicas because load is low. ScalingLimited
is True with reason TooFewReplicas, which only says the computed count is below minReplicas;
the HPA reads its metrics and everything is healthy.""")
    c = K.container("shopfront", "ghcr.io/example/shopfront:8.1.0", ports=[("http", 8080)])
    s.app("shopfront", [c], 2)
    s.add("horizontalpodautoscalers", hpa("shopfront", "shopfront", "shopfront", 2, 10, 2, 2, [
        hpa_cond("AbleToScale", "True", "ReadyForNewScale", "recommended size matches current size"),
        hpa_cond("ScalingActive", "True", "ValidMetricFound",
                 "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)"),
        hpa_cond("ScalingLimited", "True", "TooFewReplicas",
                 "the desired replica count is less than the minimum replica count")],
        current_metrics=[{"type": "Resource", "resource": {"name": "cpu", "current": {
            "averageValue": "3m", "averageUtilization": 3}}}]))
    s.expect = {"findings": [], "root_cause": None}
    return s


@scenario
def trap_pod_service_same_name():
    s = S("tools", """
Trap: a bare Pod and a LoadBalancer Service are both named grafana. The only Warning events
belong to the Service (the cloud load balancer failed to sync twice an hour ago, then was
ensured); the Pod has only its normal start events. Matching events by name alone would pin
the Service's warnings on the healthy Pod.""")
    c = K.container("grafana", "grafana/grafana:11.3.0", ports=[("http", 3000)],
                    readiness=K.http_probe("/api/health", 3000))
    cc = cp(c)
    p = K.pod("tools", "grafana", [cc], [K.cs_running(cc, ts(599), pod="grafana")], created=ts(600),
              labels={"app": "grafana"}, conditions=K.pod_conditions(ts(600), ready_since=ts(598)))
    s.add("pods", p)
    s.add("services", K.service("tools", "grafana", {"app": "grafana"}, [("http", 80, 3000)],
                                stype="LoadBalancer",
                                status={"loadBalancer": {"ingress": [{"ip": "172.18.0.241", "ipMode": "VIP"}]}}))
    s.add("endpoints", K.endpoints("tools", "grafana", [K.pod_addr(p)], port=("http", 3000)))
    so = K.ref("tools", "Service", "grafana")
    s.add("events",
          K.event("tools", so, "EnsuringLoadBalancer", "Ensuring load balancer", "Normal", 70, 58, 3,
                  component="service-controller", host=None),
          K.event("tools", so, "SyncLoadBalancerFailed",
                  "Error syncing load balancer: failed to ensure load balancer: no available IPs in pool \"default\"",
                  first=70, last=64, count=2, component="service-controller", host=None),
          K.event("tools", so, "EnsuredLoadBalancer", "Ensured load balancer", "Normal", 58, 58, 1,
                  component="service-controller", host=None),
          *K.pod_started_events("tools", "grafana", c, at=600))
    s.expect = {"findings": [], "root_cause": None,
                "forbidden": [{"code": "*", "kind": "Pod", "name": "grafana"}]}
    return s


@scenario
def trap_vendor_node_conditions():
    s = S("portal", """
Trap: the nodes run node-problem-detector and a cloud route controller, so they carry extra
conditions: KernelDeadlock, ReadonlyFilesystem, FrequentKubeletRestart,
FrequentContainerdRestart, CorruptDockerOverlay2 and NetworkUnavailable, all False, which is
the healthy state. The portal app is healthy. Nothing should be reported.""")
    extra = [
        ("KernelDeadlock", "KernelHasNoDeadlock", "kernel has no deadlock"),
        ("ReadonlyFilesystem", "FilesystemIsNotReadOnly", "Filesystem is not read-only"),
        ("FrequentKubeletRestart", "NoFrequentKubeletRestart", "kubelet is functioning properly"),
        ("FrequentContainerdRestart", "NoFrequentContainerdRestart", "containerd is functioning properly"),
        ("CorruptDockerOverlay2", "NoCorruptDockerOverlay2", "docker overlay2 is functioning properly"),
        ("FrequentDockerRestart", "NoFrequentDockerRestart", "docker is functioning properly"),
    ]
    ov = {}
    for n in ("kind-control-plane", "kind-worker", "kind-worker2"):
        conds = [K.node_condition(t, "False", r, m, hb=2.5, since=60 * 24 * 30) for t, r, m in extra]
        conds.insert(0, {"type": "NetworkUnavailable", "status": "False", "lastHeartbeatTime": ts(60 * 24 * 30),
                         "lastTransitionTime": ts(60 * 24 * 30), "reason": "RouteCreated",
                         "message": "RouteController created a route"})
        conds += K.healthy_conditions()
        ov[n] = {"conditions": conds}
    s.nodes = K.standard_nodes(ov)
    c = K.container("portal", "ghcr.io/example/portal:3.0.1", ports=[("http", 8080)],
                    readiness=K.http_probe("/ready", 8080))
    pods, rs, d = s.app("portal", [c], 2)
    s.add("services", K.service("portal", "portal", {"app": "portal"}, [("http", 80, 8080)]))
    s.add("endpoints", K.endpoints("portal", "portal", [K.pod_addr(p) for p in pods]))
    s.expect = {"findings": [], "root_cause": None,
                "forbidden": [{"code": "*", "kind": "Node", "name": n} for n in
                              ("kind-control-plane", "kind-worker", "kind-worker2")]}
    return s


@scenario
def trap_recovered_backoff():
    s = S("profile", """
Trap: the profile pod crashed once 55 minutes ago (its database was restarting), was backed
off for ten seconds and has run Ready ever since: restartCount 1 and two old BackOff events.
That is history; nothing should be reported.""")
    c = K.container("profile", "ghcr.io/example/profile:2.3.3", ports=[("http", 8080)],
                    readiness=K.http_probe("/ready", 8080))

    def pf(i, pname, lab, owner):
        cc = cp(c)
        st = [K.cs_running(cc, ts(54.5), ready=True, restarts=1, pod=pname,
                           last=K.term(1, "Error", ts(600), ts(55), pname, "profile", 1))]
        return K.pod("profile", pname, [cc], st, created=ts(600), labels=lab, owner=owner,
                     conditions=K.pod_conditions(ts(600), ready_since=ts(54.3)))
    pods, rs, d = s.app("profile", [c], 1, pf)
    pn = pods[0]["metadata"]["name"]
    o = K.ref("profile", "Pod", pn, field_path="spec.containers{profile}")
    s.add("events",
          K.event("profile", o, "BackOff", "Back-off restarting failed container profile in pod %s_profile(%s)"
                  % (pn, K.uid("profile", "Pod", pn)), first=55, last=54.8, count=2),
          K.event("profile", o, "Pulled", 'Container image "ghcr.io/example/profile:2.3.3" already present on machine',
                  "Normal", 600, 54.6, 2),
          K.event("profile", o, "Started", "Started container profile", "Normal", 600, 54.5, 2))
    s.log(pn, "profile", "FATAL: could not connect to database: the database system is starting up",
          previous=True)
    s.add("services", K.service("profile", "profile", {"app": "profile"}, [("http", 80, 8080)]))
    s.add("endpoints", K.endpoints("profile", "profile", [K.pod_addr(pods[0])]))
    s.expect = {"findings": [], "root_cause": None}
    return s


@scenario
def log_only_fault():
    s = S("pay", """
Every pod is Running and Ready and the analyzers find nothing, yet every checkout fails: the
payments pod logs that the fraud-check upstream's TLS certificate has expired. The fault shows
only in that healthy pod's log, so a one-shot snapshot (which reads the logs of unhealthy pods
only) cannot see it; the investigation loop finds it through get_logs.""")
    c = K.container("payments", "ghcr.io/example/payments:3.8.1", ports=[("http", 8080)])
    pods, rs, d = s.app("payments", [c], 1)
    pn = pods[0]["metadata"]["name"]
    f = K.container("frontend", "ghcr.io/example/shop-frontend:5.2.0", ports=[("http", 8080)])
    fpods, _, _ = s.app("frontend", [f], 2)
    s.add("services", K.service("pay", "payments", {"app": "payments"}, [("http", 80, 8080)]),
          K.service("pay", "frontend", {"app": "frontend"}, [("http", 80, 8080)]))
    s.add("endpoints", K.endpoints("pay", "payments", [K.pod_addr(pods[0])]),
          K.endpoints("pay", "frontend", [K.pod_addr(p) for p in fpods]))
    s.log(pn, "payments", """
2026-11-24T14:02:11Z INFO payments 3.8.1 listening on :8080
2026-11-24T14:05:40Z INFO POST /v1/charges order=88412 amount=42.00
2026-11-24T14:05:40Z ERROR charge order=88412 failed: fraud-check.pay.svc:8443: x509: certificate has expired or is not yet valid: current time 2026-11-24T14:05:40Z is after 2026-11-23T23:59:59Z
2026-11-24T14:06:02Z INFO POST /v1/charges order=88413 amount=17.50
2026-11-24T14:06:02Z ERROR charge order=88413 failed: fraud-check.pay.svc:8443: x509: certificate has expired or is not yet valid: current time 2026-11-24T14:06:02Z is after 2026-11-23T23:59:59Z
""")
    for fp in fpods:
        s.log(fp["metadata"]["name"], "frontend", """
2026-11-24T14:05:40Z INFO GET /checkout 502 (payments: charge failed)
2026-11-24T14:06:02Z INFO GET /checkout 502 (payments: charge failed)
""")
    s.expect = {"findings": [], "root_cause": None}
    return s


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "scenarios")
    names = sys.argv[2:] or sorted(SCENARIOS)
    for n in names:
        SCENARIOS[n]().write(root, n)
        print("wrote", n)


if __name__ == "__main__":
    main()
