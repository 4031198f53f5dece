#!/usr/bin/python3
"""Static validation of the in-cluster delivery (no cluster, no container engine needed).

Checks service/deploy/Containerfile by parsing it, renders service/deploy and the overlays with
`kubectl kustomize` and checks the objects (read-only RBAC, security contexts, resources,
probes, image tags, NetworkPolicy, prompts), checks the Argo CD Application and Image
Updater, the GitHub workflows, docs/deploy.md, the distribution list, and runs yamllint on
every YAML file. Parts whose tool is missing (kubectl, yamllint) are skipped with a message;
the test then still runs the rest. Exit 77 (SKIP) only without PyYAML.
"""
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys

try:
    import yaml
except ImportError:
    print("SKIP: PyYAML is missing (Debian package python3-yaml; scripts/install-deps installs it)")
    sys.exit(77)

TOP = os.path.abspath(os.environ.get("top_srcdir") or os.path.join(os.path.dirname(__file__), ".."))
TAG_RE = r"^[0-9a-f]{7}$"
READ_VERBS = {"get", "list", "watch"}
# (apiGroup, resource) pairs the agent reads; the ClusterRole must grant exactly these.
ALLOWED_RESOURCES = {
    ("", r) for r in ("pods", "pods/log", "events", "services", "endpoints", "configmaps",
                      "namespaces", "nodes", "persistentvolumeclaims", "persistentvolumes",
                      "resourcequotas", "serviceaccounts")
} | {("events.k8s.io", "events")} | {
    ("apps", r) for r in ("deployments", "replicasets", "statefulsets", "daemonsets")
} | {("batch", "jobs"), ("batch", "cronjobs"), ("networking.k8s.io", "ingresses"),
     ("autoscaling", "horizontalpodautoscalers"), ("networking.k8s.io", "ingressclasses"),
     ("networking.k8s.io", "networkpolicies"), ("storage.k8s.io", "storageclasses"),
     ("policy", "poddisruptionbudgets")}
RUNTIME_PKGS = {"libcurl4", "libjson-c5", "libyaml-0-2", "libmicrohttpd12", "ca-certificates"}
OCI_LABELS = ("org.opencontainers.image.source", "org.opencontainers.image.revision",
              "org.opencontainers.image.title", "org.opencontainers.image.description",
              "org.opencontainers.image.licenses")

sys.path.insert(0, os.path.join(os.environ.get("top_srcdir", os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "tests", "lib"))
from verdict import Tally  # noqa: E402

check = Tally("deploy")
skipped = check.skipped


def path(*parts):
    return os.path.join(TOP, *parts)


def read(rel):
    with open(path(rel), encoding="utf-8") as f:
        return f.read()


def load_yaml(rel):
    return yaml.safe_load(read(rel))


def dig(obj, *keys, default=None):
    for k in keys:
        if isinstance(obj, dict) and k in obj:
            obj = obj[k]
        elif isinstance(obj, list) and isinstance(k, int) and k < len(obj):
            obj = obj[k]
        else:
            return default
    return obj


def quantity(q):
    """Kubernetes quantity -> bytes or cores (float)."""
    q = str(q)
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "k": 1e3, "M": 1e6, "G": 1e9,
             "T": 1e12, "m": 1e-3}
    for u in sorted(units, key=len, reverse=True):
        if q.endswith(u):
            return float(q[: -len(u)]) * units[u]
    return float(q)


# ---------------------------------------------------------------------------------------
# Containerfile
# ---------------------------------------------------------------------------------------

def containerfile_instructions(text):
    """(INSTRUCTION, args) pairs, continuation lines joined, comments dropped."""
    out, cur = [], ""
    for line in text.splitlines():
        s = line.strip()
        if not cur and (not s or s.startswith("#")):
            continue
        if cur and s.startswith("#"):
            continue
        if s.endswith("\\"):
            cur += s[:-1] + " "
            continue
        cur += s
        word, _, rest = cur.partition(" ")
        out.append((word.upper(), rest.strip()))
        cur = ""
    return out


def apt_packages(run):
    """Packages named by `apt-get install` commands in one RUN."""
    pkgs = set()
    for m in re.finditer(r"apt-get\s+install\s+(.*?)(?:&&|;|\|\||$)", run):
        pkgs |= {w for w in m.group(1).split() if not w.startswith("-")}
    return pkgs


def check_containerfile():
    rel = "service/deploy/Containerfile"
    if not check(os.path.isfile(path(rel)), rel + " exists"):
        return
    text = read(rel)
    check(not os.path.lexists(path("service/Dockerfile")), "one image file name: no service/Dockerfile beside " + rel)
    ins = containerfile_instructions(text)
    args = {}
    stages = []
    for word, rest in ins:
        if word == "FROM":
            stages.append({"from": rest, "ins": []})
        elif not stages and word == "ARG":
            k, _, v = rest.partition("=")
            args[k.strip()] = v.strip().strip('"')
        elif stages:
            stages[-1]["ins"].append((word, rest))
    check(len(stages) >= 2, "Containerfile is multi-stage (got %d FROM)" % len(stages))
    if len(stages) < 2:
        return

    def base_image(frm):
        image = frm.split()[0]
        return re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), m.group(0)), image)

    build, final = stages[0], stages[-1]
    check(base_image(build["from"]) == "debian:bookworm",
          "build stage FROM debian:bookworm (got %s)" % base_image(build["from"]))
    check(re.search(r"\bAS\s+build\b", build["from"], re.I), "build stage is named 'build'")
    check(base_image(final["from"]) == "debian:bookworm-slim",
          "final stage FROM debian:bookworm-slim (got %s)" % base_image(final["from"]))
    build_runs = " ".join(r for w, r in build["ins"] if w == "RUN")
    for step in ("autoreconf -fi", "./configure --prefix=/usr", "make install DESTDIR=/out"):
        check(step in build_runs, "build stage runs `%s`" % step)
    check(any(p.endswith("-dev") for p in apt_packages(build_runs)), "build stage installs -dev packages")

    fins = final["ins"]
    words = [w for w, _ in fins]
    final_runs = [r for w, r in fins if w == "RUN"]
    pkgs = set()
    for r in final_runs:
        pkgs |= apt_packages(r)
    check(pkgs == RUNTIME_PKGS, "final stage installs exactly the runtime libraries %s (got %s)"
          % (sorted(RUNTIME_PKGS), sorted(pkgs)))
    check(not any("-dev" in r or "build-essential" in r for r in final_runs),
          "no -dev package or toolchain in the final stage")
    check("ADD" not in words, "final stage has no ADD")
    for w, r in fins:
        if w == "COPY":
            check(r.startswith("--from=build"), "final stage copies only from the build stage: COPY " + r)
    users = [r for w, r in fins if w == "USER"]
    check(len(users) >= 1, "final stage sets USER")
    if users:
        user = users[-1]
        uid, _, gid = user.partition(":")
        check(uid.isdigit() and int(uid) != 0, "USER is a numeric non-root UID (got %r)" % user)
        check(uid == "65532", "USER is 65532 (got %r)" % user)
        check(not gid or gid.isdigit(), "USER group is numeric (got %r)" % user)
        last_user = max(i for i, (w, _) in enumerate(fins) if w == "USER")
        check(not any(w == "RUN" for w, _ in fins[last_user:]), "no RUN after the final USER")
    eps = [r for w, r in fins if w == "ENTRYPOINT"]
    check(len(eps) == 1, "final stage has one ENTRYPOINT")
    if eps:
        try:
            ep = json.loads(eps[0])
        except ValueError:
            ep = None
        check(isinstance(ep, list), "ENTRYPOINT is exec form (JSON array), not shell form: " + eps[0])
        if isinstance(ep, list):
            check(ep and ep[0].endswith("/k8sagentd"), "ENTRYPOINT runs k8sagentd (got %s)" % ep)
    for r in (r for w, r in fins if w == "CMD"):
        try:
            check(isinstance(json.loads(r), list), "CMD is exec form")
        except ValueError:
            check(False, "CMD is exec form: " + r)
    check(any(w == "EXPOSE" and "8000" in r.split() for w, r in fins), "EXPOSE 8000")
    labels = " ".join(r for w, r in fins if w == "LABEL")
    for label in OCI_LABELS:
        check(label + "=" in labels, "OCI label " + label)
    check(re.search(r"org\.opencontainers\.image\.revision=\"?\$\{?REVISION\}?", labels)
          and any(w == "ARG" and r.split("=")[0] == "REVISION" for w, r in fins),
          "revision label comes from build ARG REVISION in the final stage")

    # The build stage copies k8sagentd from /usr/bin or /usr/sbin after `make install`:
    # once a fragment builds it, it must be an installed program.
    am_text = ""
    for d, dirs, files in os.walk(TOP):
        dirs[:] = [x for x in dirs if not x.startswith((".", "libk8sagent-", "autom4te"))]
        for f in files:
            if f.endswith(".am"):
                with open(os.path.join(d, f), encoding="utf-8") as fh:
                    am_text += fh.read().replace("\\\n", " ") + "\n"
    if re.search(r"\bservice/k8sagentd\b", am_text):
        check(re.search(r"^\s*s?bin_PROGRAMS\s*\+?=.*\bservice/k8sagentd\b", am_text, re.M),
              "k8sagentd is an installed program (bin_PROGRAMS or sbin_PROGRAMS), as the image expects")
    else:
        skipped.append("k8sagentd install location (no fragment builds it yet)")

    ign = path(".dockerignore")
    if check(os.path.isfile(ign), ".dockerignore exists (keeps host objects out of the build context)"):
        pats = set(read(".dockerignore").split())
        for p in ("**/*.o", "**/.libs", ".git"):
            check(p in pats, ".dockerignore excludes " + p)


# ---------------------------------------------------------------------------------------
# Rendered manifests
# ---------------------------------------------------------------------------------------

def rbac_problems(docs):
    """Every way the rendered RBAC could stop being read-only. Empty list: fine."""
    probs = []
    roles = {}
    for d in docs:
        kind = d.get("kind")
        if kind in ("ClusterRole", "Role"):
            roles[d["metadata"]["name"]] = d
            if d.get("aggregationRule"):
                probs.append("%s %s aggregates other roles" % (kind, d["metadata"]["name"]))
            for rule in d.get("rules") or []:
                verbs = set(rule.get("verbs") or [])
                groups = rule.get("apiGroups") or []
                resources = rule.get("resources") or []
                if rule.get("nonResourceURLs"):
                    probs.append("rule grants nonResourceURLs %s" % rule["nonResourceURLs"])
                if rule.get("resourceNames") is not None and not resources:
                    probs.append("rule with resourceNames but no resources")
                if verbs - READ_VERBS:
                    probs.append("rule grants non-read verbs %s" % sorted(verbs - READ_VERBS))
                for field, values in (("verbs", verbs), ("apiGroups", groups), ("resources", resources)):
                    if any("*" in str(v) for v in values):
                        probs.append("rule has a wildcard in %s: %s" % (field, sorted(values)))
                for res in resources:
                    if res == "secrets" or res.startswith("secrets/"):
                        probs.append("rule grants %s" % res)
                    for g in groups:
                        if (g, res) not in ALLOWED_RESOURCES:
                            probs.append("rule grants %s in group %r, not on the read list" % (res, g))
    for d in docs:
        if d.get("kind") in ("ClusterRoleBinding", "RoleBinding"):
            ref = dig(d, "roleRef", "name")
            if ref not in roles:
                probs.append("%s %s binds role %r not defined here (e.g. a built-in like edit)"
                             % (d["kind"], d["metadata"]["name"], ref))
    return probs


def rbac_self_test():
    """The checker must catch what it is there to catch."""
    bad_rules = [
        {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]},
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["*"]},
        {"apiGroups": ["*"], "resources": ["pods"], "verbs": ["get"]},
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "delete"]},
        {"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["get"]},
        {"nonResourceURLs": ["/metrics"], "verbs": ["get"]},
    ]
    for rule in bad_rules:
        docs = [{"kind": "ClusterRole", "metadata": {"name": "x"}, "rules": [rule]}]
        check(rbac_problems(docs), "RBAC checker rejects %s" % json.dumps(rule))
    good = [{"kind": "ClusterRole", "metadata": {"name": "x"},
             "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}]}]
    check(not rbac_problems(good), "RBAC checker accepts a get/list rule on pods")
    binding = {"kind": "ClusterRoleBinding", "metadata": {"name": "b"}, "roleRef": {"name": "cluster-admin"}}
    check(rbac_problems(good + [binding]), "RBAC checker rejects a binding to a role not defined here")


def render(rel):
    kubectl = os.environ.get("KUBECTL") or shutil.which("kubectl")
    p = subprocess.run([kubectl, "kustomize", path(rel)], capture_output=True, text=True)
    if not check(p.returncode == 0, "kubectl kustomize %s succeeds: %s" % (rel, p.stderr.strip()[-500:])):
        return []
    return [d for d in yaml.safe_load_all(p.stdout) if d]


def by_kind(docs, kind, name=None):
    return [d for d in docs if d.get("kind") == kind and (name is None or d["metadata"]["name"] == name)]


def one(docs, kind, name):
    found = by_kind(docs, kind, name)
    check(len(found) == 1, "exactly one %s %s (found %d)" % (kind, name, len(found)))
    return found[0] if found else {}


def env_value(docs, container, name):
    """Value of an env var, following configMapKeyRef into the rendered ConfigMap."""
    for e in container.get("env") or []:
        if e.get("name") != name:
            continue
        if "value" in e:
            return e["value"]
        ref = dig(e, "valueFrom", "configMapKeyRef")
        if ref:
            for cm in by_kind(docs, "ConfigMap", ref["name"]):
                return dig(cm, "data", ref["key"])
    return None


def probe_target(container, probe):
    """(path, port number) of an httpGet probe; named ports resolved."""
    get = dig(container, probe, "httpGet") or {}
    port = get.get("port")
    for p in container.get("ports") or []:
        if p.get("name") == port:
            port = p.get("containerPort")
    return get.get("path"), port


def workloads(docs):
    kinds = ("Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet")
    out = [(d, dig(d, "spec", "template", "spec") or {}) for d in docs if d.get("kind") in kinds]
    out += [(d, dig(d, "spec", "jobTemplate", "spec", "template", "spec") or {})
            for d in docs if d.get("kind") == "CronJob"]
    out += [(d, d.get("spec") or {}) for d in docs if d.get("kind") == "Pod"]
    return out


def check_workload_security(docs, where):
    for obj, spec in workloads(docs):
        who = "%s: %s %s" % (where, obj["kind"], obj["metadata"]["name"])
        psc = spec.get("securityContext") or {}
        check(psc.get("runAsNonRoot") is True, who + ": pod runAsNonRoot: true")
        check(psc.get("runAsUser") == 65532, who + ": pod runAsUser: 65532")
        check(dig(psc, "seccompProfile", "type") == "RuntimeDefault", who + ": pod seccompProfile RuntimeDefault")
        for key in ("hostNetwork", "hostPID", "hostIPC"):
            check(not spec.get(key), who + ": no " + key)
        for v in spec.get("volumes") or []:
            check("hostPath" not in v, who + ": no hostPath volume " + v.get("name", ""))
        conts = (spec.get("initContainers") or []) + (spec.get("containers") or [])
        check(conts, who + ": has containers")
        for c in conts:
            cwho = "%s container %s" % (who, c.get("name"))
            sc = c.get("securityContext") or {}
            check(sc.get("readOnlyRootFilesystem") is True, cwho + ": readOnlyRootFilesystem: true")
            check(sc.get("allowPrivilegeEscalation") is False, cwho + ": allowPrivilegeEscalation: false")
            check("ALL" in (dig(sc, "capabilities", "drop") or []), cwho + ": capabilities drop ALL")
            check(not dig(sc, "capabilities", "add"), cwho + ": adds no capability")
            check(not sc.get("privileged"), cwho + ": not privileged")
            check(sc.get("runAsUser", 65532) != 0 and sc.get("runAsNonRoot", True) is not False,
                  cwho + ": does not override the pod back to root")
            res = c.get("resources") or {}
            check(dig(res, "limits", "memory"), cwho + ": memory limit")
            check(dig(res, "requests", "memory") and dig(res, "requests", "cpu"),
                  cwho + ": cpu and memory requests")
            image = c.get("image", "")
            check(":" in image.rsplit("/", 1)[-1] and not image.endswith(":latest"),
                  cwho + ": image has a pinned tag (got %s)" % image)


def check_agent(docs, where, llm_url):
    dep = one(docs, "Deployment", "k8sagentd")
    spec = dig(dep, "spec", "template", "spec") or {}
    conts = [c for c in spec.get("containers") or [] if c.get("name") == "k8sagentd"]
    if not check(conts, where + ": k8sagentd container"):
        return
    c = conts[0]
    m = re.fullmatch(r"(.+/k8sagentd):([^:@]+)", c.get("image", ""))
    check(m and re.match(TAG_RE, m.group(2)), where + ": k8sagentd image tag matches %s (got %s)"
          % (TAG_RE, c.get("image")))
    check(probe_target(c, "livenessProbe") == ("/healthz", 8000), where + ": liveness probe GET /healthz :8000")
    check(probe_target(c, "readinessProbe") == ("/readyz", 8000), where + ": readiness probe GET /readyz :8000")
    check(any(p.get("containerPort") == 8000 for p in c.get("ports") or []), where + ": containerPort 8000")
    res = c.get("resources") or {}
    check(quantity(dig(res, "requests", "cpu", default=0)) == 0.05, where + ": requests cpu 50m")
    check(quantity(dig(res, "requests", "memory", default=0)) == 32 * 2**20, where + ": requests memory 32Mi")
    check(quantity(dig(res, "limits", "memory", default=0)) == 128 * 2**20, where + ": limits memory 128Mi")
    check(spec.get("automountServiceAccountToken") is True, where + ": automountServiceAccountToken: true")
    sas = [d["metadata"]["name"] for d in by_kind(docs, "ServiceAccount")]
    check(spec.get("serviceAccountName") in sas, where + ": runs as the ServiceAccount defined here")
    binding_subjects = [(s.get("name"), s.get("namespace")) for b in by_kind(docs, "ClusterRoleBinding")
                        for s in b.get("subjects") or []]
    check((spec.get("serviceAccountName"), dep["metadata"].get("namespace")) in binding_subjects,
          where + ": the ClusterRoleBinding binds that ServiceAccount in its namespace")
    ann = dig(dep, "spec", "template", "metadata", "annotations") or {}
    check(ann.get("prometheus.io/scrape") == "true" and ann.get("prometheus.io/port") == "8000"
          and ann.get("prometheus.io/path") == "/metrics", where + ": Prometheus scrape annotations")
    # Prompts: a generated ConfigMap with both prompts, mounted where --prompt-dir points.
    args = " ".join((c.get("command") or []) + (c.get("args") or []))
    check(re.search(r"--prompt-dir[= ]/etc/k8sagent/prompts\b", args), where + ": --prompt-dir /etc/k8sagent/prompts")
    vols = {v["name"]: v for v in spec.get("volumes") or []}
    mounts = {m["mountPath"]: m for m in c.get("volumeMounts") or []}
    pm = mounts.get("/etc/k8sagent/prompts")
    if check(pm, where + ": prompts mounted at /etc/k8sagent/prompts"):
        check(pm.get("readOnly") is True, where + ": prompts mount is read-only")
        cm_name = dig(vols.get(pm["name"]), "configMap", "name")
        cms = by_kind(docs, "ConfigMap", cm_name)
        check(cms and cm_name.startswith("k8sagent-prompts"), where + ": prompts volume is the prompts ConfigMap")
        if cms:
            data = cms[0].get("data") or {}
            check(data.get("ask.md", "").strip() and data.get("diagnose.md", "").strip(),
                  where + ": ConfigMap holds non-empty ask.md and diagnose.md")
    tmp = mounts.get("/tmp")
    check(tmp and "emptyDir" in vols.get(tmp["name"], {}), where + ": /tmp is an emptyDir")
    check(env_value(docs, c, "K8SA_LLM_URL") == llm_url, where + ": K8SA_LLM_URL = %s (got %s)"
          % (llm_url, env_value(docs, c, "K8SA_LLM_URL")))
    check(env_value(docs, c, "K8SA_MODEL"), where + ": K8SA_MODEL set from the config")
    check("--model=$(K8SA_MODEL)" in args or env_value(docs, c, "K8SA_MODEL"), where + ": model passed")
    # Service.
    svc = one(docs, "Service", "k8sagentd")
    ports = dig(svc, "spec", "ports") or []
    check(any(p.get("port") == 8000 and p.get("targetPort") in (8000, "http") for p in ports),
          where + ": Service k8sagentd port 8000 -> 8000")
    sel = dig(svc, "spec", "selector") or {}
    labels = dig(dep, "spec", "template", "metadata", "labels") or {}
    check(sel and all(labels.get(k) == v for k, v in sel.items()), where + ": Service selects the k8sagentd pods")
    return labels


def policy_peers_allow_all(rule, key):
    peers = rule.get(key)
    return peers is None or peers == [] or any(p == {} for p in peers)


def check_netpol(docs, where, agent_labels, extra_ports=()):
    pols = [p for p in by_kind(docs, "NetworkPolicy")
            if all(agent_labels.get(k) == v for k, v in (dig(p, "spec", "podSelector", "matchLabels") or {}).items())
            and dig(p, "spec", "podSelector", "matchLabels")]
    if not check(pols, where + ": a NetworkPolicy selects the k8sagentd pods"):
        return
    pol = pols[0]["spec"]
    check(set(pol.get("policyTypes") or []) == {"Ingress", "Egress"}, where + ": policy covers Ingress and Egress")
    ingress = pol.get("ingress") or []
    check(ingress, where + ": ingress rules present")
    for rule in ingress:
        check(not policy_peers_allow_all(rule, "from"), where + ": no ingress rule from everywhere")
        check({p.get("port") for p in rule.get("ports") or []} == {8000}, where + ": ingress only on port 8000")
    peers = [p for r in ingress for p in r.get("from") or []]
    check(any(dig(p, "podSelector", "matchLabels", "k8sagent.io/client") == "true" for p in peers),
          where + ": pods labelled k8sagent.io/client=true may connect")
    check(any(dig(p, "namespaceSelector", "matchLabels", "k8sagent.io/client") == "true" for p in peers),
          where + ": namespaces labelled k8sagent.io/client=true may connect")
    check(any("kubernetes.io/metadata.name" in (dig(p, "namespaceSelector", "matchLabels") or {})
              and "podSelector" not in p and dig(p, "namespaceSelector", "matchLabels", "k8sagent.io/client") is None
              for p in peers), where + ": the Prometheus namespace may connect")
    egress = pol.get("egress") or []
    allowed = {443, 6443, 11434, 53} | set(extra_ports)
    seen = set()
    for rule in egress:
        ports = {p.get("port") for p in rule.get("ports") or []}
        check(ports, where + ": every egress rule names its ports (no allow-all)")
        check(ports <= allowed, where + ": egress ports %s within %s" % (sorted(ports), sorted(allowed)))
        seen |= ports
        if 53 in ports:
            check({p.get("protocol") for p in rule["ports"]} == {"UDP", "TCP"}, where + ": DNS over UDP and TCP")
            check(any(dig(p, "namespaceSelector", "matchLabels", "kubernetes.io/metadata.name") == "kube-system"
                      for p in rule.get("to") or []), where + ": DNS only to kube-system")
        if 11434 in ports:
            check(any(dig(p, "podSelector", "matchLabels", "app.kubernetes.io/name") == "ollama"
                      and "namespaceSelector" not in p for p in rule.get("to") or []),
                  where + ": 11434 only to the Ollama pods in this namespace")
    check({443, 6443, 11434, 53} | set(extra_ports) <= seen,
          where + ": egress allows the API (443/6443), Ollama (11434), DNS (53)%s"
          % (" and %s" % sorted(extra_ports) if extra_ports else ""))


def check_ollama(docs):
    dep = one(docs, "Deployment", "ollama")
    spec = dig(dep, "spec", "template", "spec") or {}
    conts = [c for c in spec.get("containers") or [] if c.get("name") == "ollama"]
    if not check(conts, "base: ollama container"):
        return
    c = conts[0]
    check(re.fullmatch(r"(docker\.io/)?ollama/ollama:\d+\.\d+\.\d+", c.get("image", "")),
          "base: ollama image pinned to a release tag (got %s)" % c.get("image"))
    check(probe_target(c, "readinessProbe") == ("/api/tags", 11434), "base: ollama readiness GET /api/tags :11434")
    check(quantity(dig(c, "resources", "requests", "memory", default=0)) >= 8 * 2**30,
          "base: ollama requests >= 8Gi memory (7B model)")
    pvcs = {dig(v, "persistentVolumeClaim", "claimName") for v in spec.get("volumes") or []} - {None}
    check(pvcs and all(by_kind(docs, "PersistentVolumeClaim", n) for n in pvcs), "base: ollama uses a PVC defined here")
    for n in pvcs:
        for pvc in by_kind(docs, "PersistentVolumeClaim", n):
            check(quantity(dig(pvc, "spec", "resources", "requests", "storage", default=0)) >= 10 * 2**30,
                  "base: model PVC >= 10Gi")
    pulls = [i for i in spec.get("initContainers") or []
             if "ollama pull" in " ".join((i.get("command") or []) + (i.get("args") or []))]
    post = dig(c, "lifecycle", "postStart", "exec", "command") or []
    check(pulls or "ollama pull" in " ".join(post), "base: the model is pulled at start")
    for i in pulls:
        model_env = [e for e in i.get("env") or [] if e.get("name") == "K8SA_MODEL"]
        check(model_env and dig(model_env[0], "valueFrom", "configMapKeyRef", "key") == "K8SA_MODEL",
              "base: Ollama pulls the model k8sagentd is configured with (same ConfigMap key)")
    check(env_value(docs, pulls[0], "K8SA_MODEL") == "mistral" if pulls else True, "base: default model is mistral")
    svc = one(docs, "Service", "ollama")
    check(any(p.get("port") == 11434 for p in dig(svc, "spec", "ports") or []), "base: Service ollama port 11434")


def check_rendered():
    kubectl = os.environ.get("KUBECTL") or shutil.which("kubectl")
    if not kubectl or not os.access(kubectl, os.X_OK):
        skipped.append("kustomize rendering (kubectl not installed: rendered-manifest checks skipped)")
        print("SKIP (part): kubectl not found; the rendered-manifest checks need `kubectl kustomize`")
        return
    base = render("service/deploy/base")
    if base:
        ns = one(base, "Namespace", "k8sagent")
        check(dig(ns, "metadata", "labels", "pod-security.kubernetes.io/enforce") == "restricted",
              "base: namespace enforces the restricted Pod Security Standard")
        for d in base:
            if d["kind"] not in ("Namespace", "ClusterRole", "ClusterRoleBinding", "PersistentVolume"):
                check(d["metadata"].get("namespace") == "k8sagent",
                      "base: %s %s in namespace k8sagent" % (d["kind"], d["metadata"]["name"]))
        check(not by_kind(base, "Secret"), "base: no Secret objects")
        check(not [d for d in base if d.get("apiVersion", "").startswith("argoproj")
                   or d.get("apiVersion", "").startswith("argocd-image-updater")],
              "base: Argo CD objects are not part of the base")
        check(by_kind(base, "ClusterRole") and by_kind(base, "ClusterRoleBinding"), "base: ClusterRole and binding")
        for p in rbac_problems(base):
            check(False, "base RBAC: " + p)
        granted = {(g, r) for cr in by_kind(base, "ClusterRole") for rule in cr.get("rules") or []
                   for g in rule.get("apiGroups") or [] for r in rule.get("resources") or []}
        missing = ALLOWED_RESOURCES - granted
        check(not missing, "base RBAC grants everything the agent reads (missing %s)" % sorted(missing))
        check_workload_security(base, "base")
        labels = check_agent(base, "base", "http://ollama:11434")
        check_netpol(base, "base", labels or {})
        check_ollama(base)

    overlay = render("service/deploy/overlays/openai")
    if overlay:
        check(not by_kind(overlay, "Deployment", "ollama") and not by_kind(overlay, "PersistentVolumeClaim")
              and not by_kind(overlay, "Service", "ollama"), "openai overlay: no bundled Ollama")
        for p in rbac_problems(overlay):
            check(False, "openai overlay RBAC: " + p)
        check_workload_security(overlay, "openai overlay")
        dep = one(overlay, "Deployment", "k8sagentd")
        conts = dig(dep, "spec", "template", "spec", "containers") or [{}]
        url = env_value(overlay, conts[0], "K8SA_LLM_URL") or ""
        check(env_value(overlay, conts[0], "K8SA_BACKEND") == "openai", "openai overlay: backend openai")
        labels = check_agent(overlay, "openai overlay", url)
        check(url.startswith("http") and "ollama:11434" not in url, "openai overlay: LLM URL points elsewhere (%s)" % url)
        port = int(re.search(r":(\d+)", url.split("//", 1)[-1]).group(1)) if re.search(r":(\d+)", url.split("//", 1)[-1]) else 80
        check_netpol(overlay, "openai overlay", labels or {}, extra_ports=(port, 8000, 8080))


def check_more_overlays():
    """The GPU overlay, the model overlay, and `make deploy`'s rendering (scripts/deploy)."""
    kubectl = os.environ.get("KUBECTL") or shutil.which("kubectl")
    if not kubectl or not os.access(kubectl, os.X_OK):
        skipped.append("ollama-gpu/model overlays and scripts/deploy (kubectl not installed)")
        return
    base = render("service/deploy/base")
    gpu = render("service/deploy/overlays/ollama-gpu")
    if gpu:
        for p in rbac_problems(gpu):
            check(False, "ollama-gpu overlay RBAC: " + p)
        check_workload_security(gpu, "ollama-gpu overlay")
        check_agent(gpu, "ollama-gpu overlay", "http://ollama:11434")
        spec = dig(one(gpu, "Deployment", "ollama"), "spec", "template", "spec") or {}
        check(spec.get("runtimeClassName") == "nvidia", "ollama-gpu: runtimeClassName nvidia")
        check(any(t.get("key") == "nvidia.com/gpu" and t.get("operator") == "Exists" and t.get("effect") == "NoSchedule"
                  for t in spec.get("tolerations") or []), "ollama-gpu: tolerates the nvidia.com/gpu taint")
        c = [c for c in spec.get("containers") or [] if c.get("name") == "ollama"]
        res = (c[0] if c else {}).get("resources") or {}
        check(str(dig(res, "limits", "nvidia.com/gpu")) == "1" and str(dig(res, "requests", "nvidia.com/gpu")) == "1",
              "ollama-gpu: nvidia.com/gpu: 1 requested and limited (got %s)" % res)
        init = [c for c in spec.get("initContainers") or [] if c.get("name") == "pull-model"]
        check(init and not dig(init[0], "resources", "limits", "nvidia.com/gpu"), "ollama-gpu: the model pull needs no GPU")
        check(not dig(one(gpu, "Deployment", "k8sagentd"), "spec", "template", "spec", "runtimeClassName"),
              "ollama-gpu: k8sagentd is unchanged (no GPU runtime)")
    model = render("service/deploy/overlays/model")
    if model:
        check_workload_security(model, "model overlay")
        dep = one(model, "Deployment", "k8sagentd")
        conts = dig(dep, "spec", "template", "spec", "containers") or [{}]
        m = env_value(model, conts[0], "K8SA_MODEL")
        check(m and m != "mistral", "model overlay: K8SA_MODEL chosen (%s)" % m)
        spec = dig(one(model, "Deployment", "ollama"), "spec", "template", "spec") or {}
        pulls = [c for c in spec.get("initContainers") or [] if c.get("name") == "pull-model"]
        check(pulls and env_value(model, pulls[0], "K8SA_MODEL") == m, "model overlay: Ollama pulls the same model")
        check(int(env_value(model, conts[0], "K8SA_CONTEXT_TOKENS") or 0) >= 8192, "model overlay: context tokens set")

    alert = render("service/deploy/overlays/alerting")
    if alert:
        check_workload_security(alert, "alerting overlay")
        check_agent(alert, "alerting overlay", "http://ollama:11434")
        conts = dig(one(alert, "Deployment", "k8sagentd"), "spec", "template", "spec", "containers") or [{}]
        args = conts[0].get("args") or []
        check(any(a.startswith("--watch-namespaces=") for a in args) and any(a.startswith("--interval=") for a in args),
              "alerting overlay: k8sagentd runs with --watch-namespaces and --interval (%s)" % args)
        rules = by_kind(alert, "PrometheusRule")
        if check(len(rules) == 1 and rules[0].get("apiVersion") == "monitoring.coreos.com/v1",
                 "alerting overlay: one PrometheusRule (monitoring.coreos.com/v1)"):
            groups = dig(rules[0], "spec", "groups") or []
            exprs = [r.get("expr", "") for g in groups for r in g.get("rules") or []]
            check(any("k8sagent_findings" in e and 'root_cause="true"' in e for e in exprs),
                  "alerting overlay: a rule alerts on k8sagent_findings root causes")
            promtool = shutil.which("promtool")
            if promtool:
                import tempfile
                with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
                    yaml.safe_dump({"groups": groups}, f)
                p = subprocess.run([promtool, "check", "rules", f.name], capture_output=True, text=True)
                os.unlink(f.name)
                check(p.returncode == 0, "promtool check rules accepts the PrometheusRule's groups: %s"
                      % (p.stdout + p.stderr)[-500:])
            else:
                skipped.append("promtool check rules (promtool not installed)")

    # make deploy IMAGE=...: the temporary kustomization sets the image, nothing else changes.
    def deploy_render(*args):
        p = subprocess.run(["sh", path("scripts/deploy")] + list(args) + ["--render"], capture_output=True, text=True,
                           env=dict(os.environ, KUBECTL=kubectl))
        return p.returncode, [d for d in yaml.safe_load_all(p.stdout) if d] if p.returncode == 0 else [], p.stderr

    def agent_image(docs):
        conts = dig(one(docs, "Deployment", "k8sagentd"), "spec", "template", "spec", "containers") or [{}]
        return conts[0].get("image")

    rc, docs, err = deploy_render("--image", "registry.example:5000/team/k8sagentd:v1.2.3")
    check(rc == 0 and agent_image(docs) == "registry.example:5000/team/k8sagentd:v1.2.3",
          "scripts/deploy sets the k8sagentd image (registry with a port): %s" % err)
    if base and docs:
        strip = lambda ds: [d for d in ds if d.get("kind") != "Deployment" or d["metadata"]["name"] != "k8sagentd"]
        check(strip(docs) == strip(base), "scripts/deploy changes only the k8sagentd Deployment")
    digest = "sha256:" + "0123456789abcdef" * 4
    rc, docs, err = deploy_render("--image", "ghcr.io/me/k8sagentd@" + digest, "--overlay", "service/deploy/overlays/ollama-gpu")
    check(rc == 0 and agent_image(docs) == "ghcr.io/me/k8sagentd@" + digest
          and by_kind(docs, "Deployment", "ollama") and
          dig(one(docs, "Deployment", "ollama"), "spec", "template", "spec", "runtimeClassName") == "nvidia",
          "scripts/deploy takes a digest and an overlay: %s" % err)
    rc, docs, err = deploy_render("--image", "ghcr.io/me/k8sagentd")
    check(rc == 2 and "has no tag" in err, "scripts/deploy refuses an image without a tag")
    rc, docs, err = deploy_render()
    check(rc == 2 and "which image" in err, "scripts/deploy without --image says what to give")
    am = read("service/deploy/Makemodule.am")
    check(re.search(r"^deploy:", am, re.M) and "IMAGE" in am and re.search(r"^check-image:", am, re.M),
          "make deploy IMAGE=... and make check-image exist")


# ---------------------------------------------------------------------------------------
# Kustomization, Argo CD, workflows, docs, distribution list, yamllint
# ---------------------------------------------------------------------------------------

def agent_image_entry():
    k = load_yaml("service/deploy/base/kustomization.yaml")
    for img in k.get("images") or []:
        if img.get("name", "").endswith("/k8sagentd"):
            return img
    return {}


def check_kustomization():
    k = load_yaml("service/deploy/base/kustomization.yaml")
    check(k.get("namespace") == "k8sagent", "kustomization: namespace k8sagent")
    img = agent_image_entry()
    check(img, "kustomization: images entry for k8sagentd")
    check(re.match(TAG_RE, str(img.get("newTag", ""))), "kustomization: k8sagentd newTag matches %s (got %r)"
          % (TAG_RE, img.get("newTag")))
    check(isinstance(img.get("newTag"), str), "kustomization: newTag is quoted (0000000 must stay a string)")
    resources = k.get("resources") or []
    check(not any("argocd" in r for r in resources), "kustomization: argocd/ is not a base resource")
    gens = {g["name"]: g for g in k.get("configMapGenerator") or []}
    files = (gens.get("k8sagent-prompts") or {}).get("files") or []
    check(sorted(os.path.basename(f) for f in files) == ["ask.md", "diagnose.md"],
          "kustomization: prompts ConfigMap generated from prompts/ask.md and prompts/diagnose.md")
    ask = " ".join(read("service/deploy/base/prompts/ask.md").lower().split())
    diag = " ".join(read("service/deploy/base/prompts/diagnose.md").lower().split())
    check("kubernetes specialist" in ask, "ask.md: Kubernetes specialist")
    for phrase in ("kubernetes specialist", "only the evidence", "root cause first", "kubectl",
                   "insufficient", "data, not instructions"):
        check(phrase in diag, "diagnose.md says: " + phrase)


def check_argocd():
    app = load_yaml("service/deploy/argocd/application.yaml")
    check(app.get("apiVersion") == "argoproj.io/v1alpha1" and app.get("kind") == "Application",
          "argocd: Application argoproj.io/v1alpha1")
    src = dig(app, "spec", "source") or {}
    check(src.get("path") == "service/deploy/base", "argocd: source path service/deploy/base")
    check("CHANGE-ME" in src.get("repoURL", "") and "PLACEHOLDER" in read("service/deploy/argocd/application.yaml"),
          "argocd: repoURL is a clearly marked placeholder")
    check(dig(app, "spec", "syncPolicy", "automated", "prune") is True
          and dig(app, "spec", "syncPolicy", "automated", "selfHeal") is True, "argocd: automated sync, prune, selfHeal")
    check("CreateNamespace=true" in (dig(app, "spec", "syncPolicy", "syncOptions") or []), "argocd: CreateNamespace=true")
    check(dig(app, "spec", "destination", "namespace") == "k8sagent", "argocd: destination namespace k8sagent")

    iu = load_yaml("service/deploy/argocd/imageupdater.yaml")
    check(iu.get("apiVersion") == "argocd-image-updater.argoproj.io/v1alpha1" and iu.get("kind") == "ImageUpdater",
          "argocd: ImageUpdater argocd-image-updater.argoproj.io/v1alpha1")
    check("namespace" not in (iu.get("spec") or {}), "argocd: ImageUpdater has no spec.namespace (removed in v1.x)")
    check(dig(iu, "metadata", "namespace") == dig(app, "metadata", "namespace"),
          "argocd: ImageUpdater lives beside the Application (it searches its own namespace)")
    refs = dig(iu, "spec", "applicationRefs") or []
    check(any(fnmatch.fnmatch(app["metadata"]["name"], r.get("namePattern", "")) for r in refs),
          "argocd: ImageUpdater selects the Application")
    images = [i for r in refs for i in r.get("images") or []]
    check(len(images) == 1, "argocd: one tracked image")
    wb = dig(iu, "spec", "writeBackConfig") or {}
    check(str(wb.get("method", "")).startswith("git"), "argocd: git write-back")
    check(str(dig(wb, "gitConfig", "writeBackTarget", default="")).startswith("kustomization"),
          "argocd: write-back target is the kustomization")
    kimg = agent_image_entry()
    for i in images:
        s = i.get("commonUpdateSettings") or dig(iu, "spec", "commonUpdateSettings") or {}
        check(s.get("updateStrategy") == "newest-build", "argocd: newest-build strategy")
        allow = s.get("allowTags", "")
        check(allow == "regexp:" + TAG_RE, "argocd: allowTags is regexp:%s (got %r)" % (TAG_RE, allow))
        rx = re.compile(allow[len("regexp:"):]) if allow.startswith("regexp:") else None
        if rx:
            for tag in ("0000000", "a1b2c3d", str(kimg.get("newTag"))):
                check(rx.match(tag), "argocd: allowTags accepts %s" % tag)
            for tag in ("latest", "main", "v0.1.0", "a1b2c3d4", "A1B2C3D", "a1b2c3"):
                check(not rx.match(tag), "argocd: allowTags rejects %s" % tag)
        check(i.get("imageName", "").split(":")[0] == kimg.get("name"), "argocd: tracks the kustomization's image")
        check(dig(i, "manifestTargets", "kustomize", "name") == kimg.get("name"),
              "argocd: kustomize target names the kustomization images entry")


def steps(wf):
    return [s for job in (wf.get("jobs") or {}).values() for s in job.get("steps") or []]


def check_workflows():
    wfdir = path(".github", "workflows")
    names = sorted(f for f in os.listdir(wfdir) if f.endswith((".yml", ".yaml"))) if os.path.isdir(wfdir) else []
    check("ci.yml" in names and "image.yml" in names, ".github/workflows has ci.yml and image.yml")
    wfs = {}
    for n in names:
        try:
            wf = load_yaml(".github/workflows/" + n)
        except yaml.YAMLError as e:
            check(False, "workflow %s parses: %s" % (n, e))
            continue
        # PyYAML reads the bare key `on` as boolean True.
        check(isinstance(wf, dict) and (True in wf or "on" in wf) and wf.get("jobs"), "workflow %s has triggers and jobs" % n)
        for jname, job in (wf.get("jobs") or {}).items():
            check(job.get("runs-on"), "workflow %s job %s has runs-on" % (n, jname))
            for s in job.get("steps") or []:
                check(("run" in s) != ("uses" in s), "workflow %s job %s: step has run or uses" % (n, jname))
        wfs[n] = wf
    ci = wfs.get("ci.yml")
    if ci:
        on = ci.get(True, ci.get("on")) or {}
        check("push" in on and "pull_request" in on, "ci.yml runs on push and pull_request")
        runs = [s.get("run", "") for s in steps(ci)]
        check(any("sh scripts/run-tests" in r for r in runs), "ci.yml runs sh scripts/run-tests")
        check(any("make" in r and "distcheck" in r for r in runs), "ci.yml runs make distcheck")
        containers = [str(j.get("container", "")) for j in ci["jobs"].values()]
        check(any("debian:bookworm" in c for c in containers), "ci.yml runs in a debian:bookworm container")
        san = [j for j in ci["jobs"].values()
               if any("--enable-sanitizers" in s.get("run", "") for s in j.get("steps") or [])]
        check(san, "ci.yml has a --enable-sanitizers job")
        for j in san:
            check(j.get("continue-on-error") is False, "ci.yml sanitizer job: continue-on-error: false")
            check(any("make" in s.get("run", "") and "check" in s.get("run", "") for s in j["steps"]),
                  "ci.yml sanitizer job runs make check")
    img = wfs.get("image.yml")
    if img:
        uses = [s.get("uses", "") for s in steps(img)]
        runs = "\n".join(s.get("run", "") for s in steps(img))
        check(any(u.startswith("docker/setup-qemu-action@") for u in uses), "image.yml sets up QEMU")
        check(any(u.startswith("docker/setup-buildx-action@") for u in uses), "image.yml sets up buildx")
        check("${GITHUB_SHA::7}" in runs, "image.yml computes the tag as ${GITHUB_SHA::7}")
        check("ghcr.io/" in runs, "image.yml pushes to ghcr.io")
        builds = [s.get("with") or {} for s in steps(img) if s.get("uses", "").startswith("docker/build-push-action@")]
        check(builds, "image.yml builds with docker/build-push-action")
        for b in builds:
            check(b.get("file") == "service/deploy/Containerfile", "image.yml builds service/deploy/Containerfile")
            plats = {p.strip() for p in str(b.get("platforms", "")).split(",")}
            check({"linux/amd64", "linux/arm64"} <= plats, "image.yml builds linux/amd64 and linux/arm64")
            push = str(b.get("push", ""))
            check("refs/heads/main" in push and "push" in push, "image.yml pushes only on push to main")
            check("REVISION=" in str(b.get("build-args", "")), "image.yml passes the REVISION build-arg")
            check("org.opencontainers.image.revision" in str(b.get("labels", "")), "image.yml sets OCI labels")


def check_docs():
    rel = "docs/deploy.md"
    if not check(os.path.isfile(path(rel)), rel + " exists"):
        return
    doc = read(rel)
    for needle in ("kubectl apply -k service/deploy/base", "port-forward", "/diagnose", "service/deploy/overlays/openai",
                   "llama-server", "vLLM", "ImageUpdater", "buildx", "linux/arm64", "read-only", "NetworkPolicy",
                   "k8sagent.io/client", "make deploy IMAGE=", "scripts/build-image", "make check-image",
                   "overlays/ollama-gpu", "debootstrap", "overlays/alerting", "k8sagent_findings"):
        check(needle in doc, rel + " covers " + needle)


def check_distlist():
    am = read("service/deploy/Makemodule.am")
    listed = set(re.findall(r"[\w./-]+", am))
    for root in ("service/deploy",):
        for d, _, files in os.walk(path(root)):
            for f in files:
                rel = os.path.relpath(os.path.join(d, f), TOP)
                if f != "Makemodule.am":
                    check(rel in listed, "service/deploy/Makemodule.am distributes " + rel)
    for rel in ("service/deploy/Containerfile", ".dockerignore", ".yamllint", "docs/deploy.md",
                "tests/deploy.py", ".github/workflows/ci.yml", ".github/workflows/image.yml"):
        check(rel in listed, "service/deploy/Makemodule.am distributes " + rel)


def yaml_files():
    skip_dirs = {".git", "node_modules", "autom4te.cache", ".libs", ".deps", "__pycache__"}
    out = []
    for d, dirs, files in os.walk(TOP):
        dirs[:] = sorted(x for x in dirs if x not in skip_dirs and not x.startswith("libk8sagent-"))
        out += [os.path.relpath(os.path.join(d, f), TOP) for f in sorted(files) if f.endswith((".yaml", ".yml"))]
    return out


def check_yaml_parses():
    for rel in yaml_files():
        if rel.startswith(("service/", ".github/")):
            try:
                list(yaml.safe_load_all(read(rel)))
                check(True, "")
            except yaml.YAMLError as e:
                check(False, "%s parses as YAML: %s" % (rel, e))


def check_yamllint():
    lint = shutil.which("yamllint")
    if not lint:
        skipped.append("yamllint (not installed: Debian package yamllint)")
        print("SKIP (part): yamllint not found (Debian package yamllint); lint skipped")
        return
    files = yaml_files()
    p = subprocess.run([lint, "-c", path(".yamllint"), "-f", "parsable"] + files, cwd=TOP,
                       capture_output=True, text=True)
    warnings = [l for l in p.stdout.splitlines() if "[warning]" in l]
    for l in p.stdout.splitlines():
        if "[error]" in l:
            print("yamllint: " + l)
    check(p.returncode == 0, "yamllint reports no errors in %d YAML files (%s)" % (len(files), p.stderr.strip()))
    print("yamllint: %d files, %d warnings" % (len(files), len(warnings)))


def installed_packages():
    """{package: (set of dependency names, in the base image?)} from the dpkg database."""
    p = subprocess.run(["dpkg-query", "-W", "-f=${Package}\t${Depends}, ${Pre-Depends}\t${Essential}\t${Priority}\t${Status}\n"],
                       capture_output=True, text=True)
    pkgs = {}
    for line in p.stdout.splitlines():
        name, deps, essential, priority, status = (line.split("\t") + [""] * 5)[:5]
        if "installed" not in status.split()[-1:]:
            continue
        names = {re.split(r"[\s(:]", alt.strip())[0] for d in deps.split(",") for alt in d.split("|") if alt.strip()}
        pkgs[name] = (names - {""}, essential == "yes" or priority == "required")
    return pkgs


def check_runtime_libs():
    """The final stage's packages must provide every library the built binaries load.

    Reads the NEEDED entries of the binaries in the build tree, finds the Debian package of
    each library, and requires it to be one of the runtime packages, one of their
    dependencies, or part of the base image (Essential/required packages)."""
    build = os.environ.get("top_builddir") or TOP
    cands = [os.path.join(build, ".libs", "libk8sagent.so.0")]
    for prog in ("k8sagentd", "k8sagent"):
        cands += [os.path.join(build, "service", ".libs", prog), os.path.join(build, "service", prog)]
    bins = []
    for c in cands:
        try:
            with open(c, "rb") as f:
                if f.read(4) == b"\x7fELF":
                    bins.append(c)
        except OSError:
            pass
    tools = all(shutil.which(t) for t in ("readelf", "ldd", "dpkg-query", "dpkg"))
    if os.environ.get("K8SA_SANITIZERS") == "1":  # libasan/libubsan are the build's, not the image's
        skipped.append("runtime libraries (sanitizer build)")
        print("SKIP (part): runtime-library check does not apply to a sanitizer build")
        return
    if not bins or not tools:
        skipped.append("runtime libraries (no built binaries or no readelf/dpkg)")
        print("SKIP (part): runtime-library check needs the build tree's binaries, readelf and dpkg")
        return
    names = [os.path.basename(b) for b in bins]
    if "k8sagentd" not in names:
        skipped.append("runtime libraries of k8sagentd (not built yet; checked libk8sagent only)")
    pkgs = installed_packages()
    closure, todo = set(), list(RUNTIME_PKGS)
    while todo:
        p = todo.pop()
        if p in closure or p not in pkgs:
            continue
        closure.add(p)
        todo += pkgs[p][0]
    base = {p for p, (_, b) in pkgs.items() if b}
    check(RUNTIME_PKGS <= set(pkgs), "runtime packages are known to dpkg here (missing %s)"
          % sorted(RUNTIME_PKGS - set(pkgs)))
    used = set()
    for b in bins:
        dyn = subprocess.run(["readelf", "-d", b], capture_output=True, text=True).stdout
        needed = re.findall(r"\(NEEDED\).*\[(.+?)\]", dyn)
        env = dict(os.environ, LD_LIBRARY_PATH=os.path.join(build, ".libs"))
        resolved = dict(re.findall(r"^\s*(\S+) => (/\S+)", subprocess.run(["ldd", b], capture_output=True,
                                                                           text=True, env=env).stdout, re.M))
        for so in needed:
            if so.startswith("libk8sagent"):
                continue
            lib = resolved.get(so)
            if not check(lib, "%s: %s resolves on this machine" % (os.path.basename(b), so)):
                continue
            owner = None
            for cand in {lib, os.path.realpath(lib), lib.replace("/usr/lib/", "/lib/"), lib.replace("/lib/", "/usr/lib/", 1)}:
                q = subprocess.run(["dpkg", "-S", cand], capture_output=True, text=True)
                if q.returncode == 0:
                    owner = q.stdout.split(":")[0].strip()
                    break
            if not check(owner, "%s: package of %s found" % (os.path.basename(b), lib)):
                continue
            used.add(owner)
            check(owner in closure or owner in base,
                  "%s needs %s (%s), which the final image installs" % (os.path.basename(b), so, owner))
    if "k8sagentd" in names:
        unused = {p for p in RUNTIME_PKGS - {"ca-certificates"} if p not in used}
        check(not unused, "every runtime library package is needed by a binary (unused: %s)" % sorted(unused))


def main():
    check_containerfile()
    check_runtime_libs()
    rbac_self_test()
    check_kustomization()
    check_rendered()
    check_more_overlays()
    check_argocd()
    check_workflows()
    check_docs()
    check_distlist()
    check_yaml_parses()
    check_yamllint()
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
