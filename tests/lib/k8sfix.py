"""Builders for Kubernetes API objects as the API server returns them (list items carry no
kind/apiVersion). Used to author the scenarios under tests/scenarios/ and by the benchmark
generator (bench/gen-scenario.py). Everything is deterministic: uids, hashes and
resourceVersions derive from names, so a rerun writes identical files."""

import datetime
import hashlib
import json
import os

# The scenarios' "now": every timestamp is relative to it (the shared scenarios use it too).
NOW = datetime.datetime(2026, 11, 24, 15, 0, 0, tzinfo=datetime.timezone.utc)
RV = "700001"
HASH_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def ts(minutes_ago=0.0, seconds_ago=0.0):
    t = NOW - datetime.timedelta(minutes=minutes_ago, seconds=seconds_ago)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def ts_micro(minutes_ago=0.0, seconds_ago=0.0, salt=""):
    t = NOW - datetime.timedelta(minutes=minutes_ago, seconds=seconds_ago)
    us = int(hashlib.md5(salt.encode()).hexdigest()[:5], 16) % 1000000
    return t.strftime("%Y-%m-%dT%H:%M:%S") + ".%06dZ" % us


def _h(*parts):
    return hashlib.sha256("/".join(str(p) for p in parts).encode()).hexdigest()


def uid(*parts):
    h = _h("uid", *parts)
    return "%s-%s-%s-%s-%s" % (h[:8], h[8:12], "4" + h[13:16], "a" + h[17:20], h[20:32])


def rv(*parts):
    return str(100000 + int(_h("rv", *parts)[:8], 16) % 800000)


def hashname(n, *parts):
    h = int(_h("name", *parts), 16)
    out = []
    for _ in range(n):
        h, r = divmod(h, len(HASH_ALPHABET))
        out.append(HASH_ALPHABET[r])
    return "".join(out)


def hexid(n, *parts):
    return (_h("hex", *parts) * 2)[:n]


def lst(kind, api, items):
    return {"kind": kind, "apiVersion": api, "metadata": {"resourceVersion": RV}, "items": items}


def meta(ns, kind, name, created, labels=None, owner=None, annotations=None, generation=None,
         extra=None):
    m = {"name": name}
    if ns:
        m["namespace"] = ns
    m["uid"] = uid(ns, kind, name)
    m["resourceVersion"] = rv(ns, kind, name)
    if generation is not None:
        m["generation"] = generation
    m["creationTimestamp"] = created
    if labels:
        m["labels"] = dict(labels)
    if annotations:
        m["annotations"] = dict(annotations)
    if owner:
        m["ownerReferences"] = [owner_ref(owner)]
    if extra:
        m.update(extra)
    return m


def owner_ref(obj):
    """obj: (apiVersion, kind, ns, name)."""
    api, kind, ns, name = obj
    return {"apiVersion": api, "kind": kind, "name": name, "uid": uid(ns, kind, name),
            "controller": True, "blockOwnerDeletion": True}


def ref(ns, kind, name, api="v1", field_path=None):
    r = {"kind": kind}
    if ns and kind != "Node":
        r["namespace"] = ns
    r["name"] = name
    r["uid"] = name if kind == "Node" else uid(ns, kind, name)
    r["apiVersion"] = api
    if kind != "Node":
        r["resourceVersion"] = rv(ns, kind, name)
    if field_path:
        r["fieldPath"] = field_path
    return r


# ---------------------------------------------------------------- namespaces and nodes

def namespaces(*names):
    items = []
    for n in ["default", "kube-node-lease", "kube-public", "kube-system"] + list(names):
        items.append({
            "metadata": {"name": n, "uid": uid("", "Namespace", n), "resourceVersion": rv("ns", n),
                         "creationTimestamp": "2026-09-23T03:00:00Z" if n.startswith(("kube", "default")) else "2026-10-02T09:14:00Z",
                         "labels": {"kubernetes.io/metadata.name": n}},
            "spec": {"finalizers": ["kubernetes"]},
            "status": {"phase": "Active"}})
    items.sort(key=lambda i: i["metadata"]["name"])
    return lst("NamespaceList", "v1", items)


def node_condition(ctype, status, reason, message, hb=1.0, since=50000.0):
    return {"type": ctype, "status": status, "lastHeartbeatTime": ts(hb),
            "lastTransitionTime": ts(since), "reason": reason, "message": message}


def healthy_conditions(hb=1.0):
    return [
        node_condition("MemoryPressure", "False", "KubeletHasSufficientMemory",
                       "kubelet has sufficient memory available", hb),
        node_condition("DiskPressure", "False", "KubeletHasNoDiskPressure",
                       "kubelet has no disk pressure", hb),
        node_condition("PIDPressure", "False", "KubeletHasSufficientPID",
                       "kubelet has sufficient PID available", hb),
        node_condition("Ready", "True", "KubeletReady", "kubelet is posting ready status", hb),
    ]


def node(name, ip, control_plane=False, conditions=None, taints=None, unschedulable=False,
         labels=None, runtime="containerd://1.7.22", cpu="4", memory="16318040Ki"):
    lab = {"beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux",
           "kubernetes.io/arch": "amd64", "kubernetes.io/hostname": name,
           "kubernetes.io/os": "linux"}
    if control_plane:
        lab["node-role.kubernetes.io/control-plane"] = ""
        lab["node.kubernetes.io/exclude-from-external-load-balancers"] = ""
    lab.update(labels or {})
    spec = {"podCIDR": "10.244.%d.0/24" % (int(ip.split(".")[-1]) % 250),
            "podCIDRs": ["10.244.%d.0/24" % (int(ip.split(".")[-1]) % 250)],
            "providerID": "kind://docker/prod/" + name}
    t = list(taints or [])
    if control_plane:
        t.insert(0, {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"})
    if unschedulable:
        spec["unschedulable"] = True
    if t:
        spec["taints"] = t
    cap = {"cpu": cpu, "ephemeral-storage": "102626232Ki", "hugepages-1Gi": "0",
           "hugepages-2Mi": "0", "memory": memory, "pods": "110"}
    return {
        "metadata": {
            "name": name, "uid": uid("", "Node", name), "resourceVersion": rv("node", name),
            "creationTimestamp": "2026-10-20T21:40:00Z", "labels": lab,
            "annotations": {"kubeadm.alpha.kubernetes.io/cri-socket": "unix:///run/containerd/containerd.sock",
                            "node.alpha.kubernetes.io/ttl": "0",
                            "volumes.kubernetes.io/controller-managed-attach-detach": "true"}},
        "spec": spec,
        "status": {
            "capacity": cap, "allocatable": dict(cap),
            "conditions": conditions if conditions is not None else healthy_conditions(),
            "addresses": [{"type": "InternalIP", "address": ip}, {"type": "Hostname", "address": name}],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {"machineID": hexid(32, "machine", name), "systemUUID": uid("sys", name),
                         "bootID": uid("boot", name), "kernelVersion": "6.1.0-26-amd64",
                         "osImage": "Debian GNU/Linux 12 (bookworm)",
                         "containerRuntimeVersion": runtime, "kubeletVersion": "v1.31.2",
                         "kubeProxyVersion": "v1.31.2", "operatingSystem": "linux",
                         "architecture": "amd64"}}}


def standard_nodes(overrides=None, extra=None):
    """kind-control-plane, kind-worker, kind-worker2; overrides: name -> kwargs for node()."""
    o = overrides or {}
    specs = [("kind-control-plane", "10.0.0.10", True), ("kind-worker", "10.0.0.11", False),
             ("kind-worker2", "10.0.0.12", False)]
    items = [node(n, ip, control_plane=cp, **o.get(n, {})) for n, ip, cp in specs]
    items += extra or []
    items.sort(key=lambda i: i["metadata"]["name"])
    return lst("NodeList", "v1", items)


VERSION = {"major": "1", "minor": "31", "gitVersion": "v1.31.2",
           "gitCommit": "5864a4677267e6adeae276ad85882a8714d69d9d", "gitTreeState": "clean",
           "buildDate": "2024-10-22T20:28:14Z", "goVersion": "go1.22.8", "compiler": "gc",
           "platform": "linux/amd64"}

# ---------------------------------------------------------------- containers

def container(name, image, ports=None, env=None, resources=None, command=None, args=None,
              readiness=None, liveness=None, mounts=None, env_from=None):
    c = {"name": name, "image": image}
    if command:
        c["command"] = command
    if args:
        c["args"] = args
    if ports:
        c["ports"] = [{"name": pn, "containerPort": pp, "protocol": "TCP"} if pn else
                      {"containerPort": pp, "protocol": "TCP"} for pn, pp in ports]
    if env_from:
        c["envFrom"] = env_from
    if env:
        c["env"] = env
    c["resources"] = resources if resources is not None else {
        "limits": {"cpu": "500m", "memory": "256Mi"},
        "requests": {"cpu": "100m", "memory": "128Mi"}}
    c["volumeMounts"] = list(mounts or []) + [{
        "name": "kube-api-access-" + hashname(5, name, image), "readOnly": True,
        "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}]
    if liveness:
        c["livenessProbe"] = liveness
    if readiness:
        c["readinessProbe"] = readiness
    c["terminationMessagePath"] = "/dev/termination-log"
    c["terminationMessagePolicy"] = "File"
    c["imagePullPolicy"] = "IfNotPresent"
    return c


def http_probe(path, port, period=10, failure=3, timeout=1, initial=0):
    p = {"httpGet": {"path": path, "port": port, "scheme": "HTTP"}, "timeoutSeconds": timeout,
         "periodSeconds": period, "successThreshold": 1, "failureThreshold": failure}
    if initial:
        p["initialDelaySeconds"] = initial
    return p


def template_containers(cs):
    """Containers as they appear in a workload template (no service-account mount)."""
    out = []
    for c in cs:
        c = json.loads(json.dumps(c))
        c["volumeMounts"] = [m for m in c.get("volumeMounts", [])
                             if not m["name"].startswith("kube-api-access-")]
        if not c["volumeMounts"]:
            del c["volumeMounts"]
        out.append(c)
    return out


def _cid(*parts):
    return "containerd://" + hexid(64, "cid", *parts)


def image_id(image):
    return image.split(":")[0] + "@sha256:" + hexid(64, "img", image)


def cs_running(c, started, ready=True, restarts=0, last=None, pod=""):
    s = {"name": c["name"], "state": {"running": {"startedAt": started}},
         "lastState": {"terminated": last} if last else {},
         "ready": ready, "restartCount": restarts, "image": c["image"],
         "imageID": image_id(c["image"]), "containerID": _cid(pod, c["name"], restarts),
         "started": True}
    return s


def cs_waiting(c, reason, message=None, restarts=0, last=None, pod="", pulled=True):
    w = {"reason": reason}
    if message:
        w["message"] = message
    s = {"name": c["name"], "state": {"waiting": w},
         "lastState": {"terminated": last} if last else {},
         "ready": False, "restartCount": restarts, "image": c["image"],
         "imageID": image_id(c["image"]) if pulled else ""}
    if last:
        s["containerID"] = last.get("containerID", _cid(pod, c["name"], restarts))
    s["started"] = False
    return s


def cs_terminated(c, exit_code, reason, started, finished, pod="", restarts=0, message=None):
    t = term(exit_code, reason, started, finished, pod, c["name"], restarts)
    if message:
        t["message"] = message
    return {"name": c["name"], "state": {"terminated": t}, "lastState": {}, "ready": False,
            "restartCount": restarts, "image": c["image"], "imageID": image_id(c["image"]),
            "containerID": t["containerID"], "started": False}


def term(exit_code, reason, started, finished, pod="", cname="", n=0):
    return {"exitCode": exit_code, "reason": reason, "startedAt": started,
            "finishedAt": finished, "containerID": _cid(pod, cname, "t", n)}


def pod_conditions(created, scheduled=True, initialized=True, ready=True, unready=None,
                   init_unready=None, ready_since=None, sched_reason=None, sched_msg=None,
                   sandbox=True):
    if not scheduled:
        c = {"type": "PodScheduled", "status": "False", "lastProbeTime": None,
             "lastTransitionTime": created, "reason": "Unschedulable", "message": sched_msg}
        return [c]
    conds = []
    conds.append({"type": "PodReadyToStartContainers", "status": "True" if sandbox else "False",
                  "lastProbeTime": None, "lastTransitionTime": created})
    ic = {"type": "Initialized", "status": "True" if initialized else "False",
          "lastProbeTime": None, "lastTransitionTime": created}
    if not initialized:
        ic["reason"] = "ContainersNotInitialized"
        ic["message"] = "containers with incomplete status: [%s]" % " ".join(init_unready or [])
    conds.append(ic)
    for t in ("Ready", "ContainersReady"):
        c = {"type": t, "status": "True" if ready else "False", "lastProbeTime": None,
             "lastTransitionTime": ready_since or created}
        if not ready:
            c["reason"] = "ContainersNotReady" if initialized or t == "ContainersReady" else "ContainersNotInitialized"
            if initialized or t == "ContainersReady":
                c["message"] = "containers with unready status: [%s]" % " ".join(unready or [])
            else:
                c["message"] = "containers with incomplete status: [%s]" % " ".join(init_unready or [])
        conds.append(c)
    conds.append({"type": "PodScheduled", "status": "True", "lastProbeTime": None,
                  "lastTransitionTime": created})
    return conds


def pod(ns, name, containers, statuses=None, node_name="kind-worker", created=None, labels=None,
        owner=None, phase="Running", conditions=None, init_containers=None, init_statuses=None,
        volumes=None, pod_ip=None, restart_policy="Always", extra_meta=None, spec_extra=None,
        status_extra=None, generate_name=None, qos="Burstable", tolerations=None,
        host_ip=None):
    created = created or ts(600)
    m = meta(ns, "Pod", name, created, labels=labels, owner=owner, extra=extra_meta)
    if generate_name:
        m = dict([("name", name), ("generateName", generate_name)] + list(m.items())[1:])
    sa_vol = "kube-api-access-" + hashname(5, containers[0]["name"], containers[0]["image"])
    for c in containers + (init_containers or []):
        for vm in c.get("volumeMounts", []):
            if vm["name"].startswith("kube-api-access-"):
                vm["name"] = sa_vol
    vols = list(volumes or []) + [{"name": sa_vol, "projected": {"sources": [
        {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
        {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
        {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {
            "apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}], "defaultMode": 420}}]
    spec = {"volumes": vols}
    if init_containers:
        spec["initContainers"] = init_containers
    spec["containers"] = containers
    spec.update({"restartPolicy": restart_policy, "terminationGracePeriodSeconds": 30,
                 "dnsPolicy": "ClusterFirst", "serviceAccountName": "default",
                 "serviceAccount": "default"})
    if node_name:
        spec["nodeName"] = node_name
    spec.update({"securityContext": {}, "schedulerName": "default-scheduler",
                 "tolerations": (tolerations or []) + [
                     {"key": "node.kubernetes.io/not-ready", "operator": "Exists",
                      "effect": "NoExecute", "tolerationSeconds": 300},
                     {"key": "node.kubernetes.io/unreachable", "operator": "Exists",
                      "effect": "NoExecute", "tolerationSeconds": 300}],
                 "priority": 0, "enableServiceLinks": True,
                 "preemptionPolicy": "PreemptLowerPriority"})
    if spec_extra:
        spec.update(spec_extra)
    st = {"phase": phase}
    if conditions is None:
        conditions = pod_conditions(created)
    st["conditions"] = conditions
    if node_name:
        hip = host_ip or {"kind-worker": "10.0.0.11", "kind-worker2": "10.0.0.12",
                          "kind-control-plane": "10.0.0.10"}.get(node_name, "10.0.0.13")
        st["hostIP"] = hip
        st["hostIPs"] = [{"ip": hip}]
        pip = pod_ip or "10.244.%d.%d" % (int(hip.split(".")[-1]) % 250,
                                          2 + int(_h("ip", ns, name)[:4], 16) % 250)
        if pod_ip is not False:
            st["podIP"] = pip
            st["podIPs"] = [{"ip": pip}]
        st["startTime"] = created
    if init_statuses is not None:
        st["initContainerStatuses"] = init_statuses
    if statuses is not None:
        st["containerStatuses"] = statuses
    st["qosClass"] = qos
    if status_extra:
        st.update(status_extra)
    return {"metadata": m, "spec": spec, "status": st}


# ---------------------------------------------------------------- workloads

def pod_template(lab, containers):
    """A Deployment's or ReplicaSet's pod template, as the API server defaults it."""
    return {"metadata": {"creationTimestamp": None, "labels": dict(lab)},
            "spec": {"containers": template_containers(containers), "restartPolicy": "Always",
                     "terminationGracePeriodSeconds": 30, "dnsPolicy": "ClusterFirst",
                     "securityContext": {}, "schedulerName": "default-scheduler"}}


def deployment(ns, name, containers, replicas=1, status=None, created=None, revision=1,
               labels=None, progress_deadline=600, strategy=None):
    created = created or ts(60 * 24 * 9)
    lab = labels or {"app": name}
    d = {"metadata": meta(ns, "Deployment", name, created, labels=lab, generation=revision,
                          annotations={"deployment.kubernetes.io/revision": str(revision)}),
         "spec": {"replicas": replicas, "selector": {"matchLabels": dict(lab)},
                  "template": pod_template(lab, containers),
                  "strategy": strategy or {"type": "RollingUpdate", "rollingUpdate": {
                      "maxUnavailable": "25%", "maxSurge": "25%"}},
                  "revisionHistoryLimit": 10, "progressDeadlineSeconds": progress_deadline},
         "status": status}
    return d


def deploy_status(replicas, ready, available=None, updated=None, revision=1, rs_name="",
                  progressing=None, available_since=None, generation=None):
    available = ready if available is None else available
    updated = replicas if updated is None else updated
    st = {"observedGeneration": generation or revision, "replicas": replicas,
          "updatedReplicas": updated}
    if ready:
        st["readyReplicas"] = ready
    if available:
        st["availableReplicas"] = available
    if replicas - available > 0:
        st["unavailableReplicas"] = replicas - available
    ok = available >= replicas
    conds = [{"type": "Available", "status": "True" if ok else "False",
              "lastUpdateTime": available_since or ts(300), "lastTransitionTime": available_since or ts(300),
              "reason": "MinimumReplicasAvailable" if ok else "MinimumReplicasUnavailable",
              "message": "Deployment has minimum availability." if ok else
              "Deployment does not have minimum availability."}]
    conds.append(progressing or {
        "type": "Progressing", "status": "True", "lastUpdateTime": ts(600),
        "lastTransitionTime": ts(60 * 24 * 9),
        "reason": "NewReplicaSetAvailable" if ok else "ReplicaSetUpdated",
        "message": ('ReplicaSet "%s" has successfully progressed.' if ok else
                    'ReplicaSet "%s" is progressing.') % rs_name})
    st["conditions"] = conds
    return st


def replicaset(ns, deploy, hashv, containers, replicas, ready, created=None, revision=1,
               labels=None, conditions=None, available=None):
    lab = dict(labels or {"app": deploy})
    lab["pod-template-hash"] = hashv
    name = "%s-%s" % (deploy, hashv)
    st = {"replicas": replicas, "fullyLabeledReplicas": replicas}
    if ready:
        st["readyReplicas"] = ready
    av = ready if available is None else available
    if av:
        st["availableReplicas"] = av
    st["observedGeneration"] = 1
    if conditions:
        st["conditions"] = conditions
    return {"metadata": meta(ns, "ReplicaSet", name, created or ts(600), labels=lab,
                             owner=("apps/v1", "Deployment", ns, deploy), generation=1,
                             annotations={"deployment.kubernetes.io/desired-replicas": str(replicas),
                                          "deployment.kubernetes.io/max-replicas": str(replicas + 1),
                                          "deployment.kubernetes.io/revision": str(revision)}),
            "spec": {"replicas": replicas, "selector": {"matchLabels": dict(lab)},
                     "template": pod_template(lab, containers)},
            "status": st}


def rs_pod_name(deploy, hashv, i):
    return "%s-%s-%s" % (deploy, hashv, hashname(5, deploy, hashv, i))


def rs_pod_labels(deploy, hashv, labels=None):
    lab = dict(labels or {"app": deploy})
    lab["pod-template-hash"] = hashv
    return lab


# ---------------------------------------------------------------- events

def event(ns, obj, reason, message, etype="Warning", first=10.0, last=1.0, count=1,
          component="kubelet", host="kind-worker", ev_ns=None):
    """Legacy recorder shape (kubelet, controllers): count and timestamps set, eventTime null."""
    ev_ns = ev_ns or ns
    name = "%s.%s" % (obj["name"], hexid(16, "ev", ns, obj["name"], reason, message))
    e = {"metadata": {"name": name, "namespace": ev_ns, "uid": uid(ev_ns, "Event", name),
                      "resourceVersion": rv(ev_ns, "Event", name), "creationTimestamp": ts(first)},
         "involvedObject": obj, "reason": reason, "message": message,
         "source": {"component": component, "host": host} if host else {"component": component},
         "firstTimestamp": ts(first), "lastTimestamp": ts(last)}
    if count:
        e["count"] = count
    e.update({"type": etype, "eventTime": None, "reportingComponent": component,
              "reportingInstance": host or ""})
    return e


def event_new(ns, obj, reason, message, etype="Warning", first=10.0, last=1.0, count=1,
              controller="default-scheduler", instance="default-scheduler-kind-control-plane",
              action="Scheduling"):
    """events.k8s.io recorder shape as seen through core/v1: eventTime and series."""
    name = "%s.%s" % (obj["name"], hexid(16, "evn", ns, obj["name"], reason, message))
    e = {"metadata": {"name": name, "namespace": ns, "uid": uid(ns, "Event", name),
                      "resourceVersion": rv(ns, "Event", name), "creationTimestamp": ts(first)},
         "involvedObject": obj, "reason": reason, "message": message, "source": {},
         "firstTimestamp": None, "lastTimestamp": None, "type": etype,
         "eventTime": ts_micro(first, salt=name)}
    if count > 1:
        e["series"] = {"count": count, "lastObservedTime": ts_micro(last, salt=name + "s")}
    e.update({"action": action, "reportingComponent": controller, "reportingInstance": instance})
    return e


def pod_started_events(ns, pname, c, node_name="kind-worker", at=600.0):
    o = ref(ns, "Pod", pname)
    oc = ref(ns, "Pod", pname, field_path="spec.containers{%s}" % c["name"])
    return [
        event_new(ns, o, "Scheduled", "Successfully assigned %s/%s to %s" % (ns, pname, node_name),
                  "Normal", at, at, 1, action="Binding"),
        event(ns, oc, "Pulled", 'Container image "%s" already present on machine' % c["image"],
              "Normal", at - 0.5, at - 0.5, 1, host=node_name),
        event(ns, oc, "Created", "Created container %s" % c["name"], "Normal", at - 0.5, at - 0.5,
              1, host=node_name),
        event(ns, oc, "Started", "Started container %s" % c["name"], "Normal", at - 0.6, at - 0.6,
              1, host=node_name)]


# ---------------------------------------------------------------- networking, storage, etc.

def service(ns, name, selector, ports, created=None, stype="ClusterIP", status=None, labels=None):
    ip = "10.96.%d.%d" % (int(_h("svc", ns, name)[:2], 16), int(_h("svc", ns, name)[2:4], 16) or 1)
    spec = {"ports": [{"name": pn, "protocol": "TCP", "port": p, "targetPort": tp}
                      for pn, p, tp in ports]}
    if stype != "ClusterIP":
        for i, p in enumerate(spec["ports"]):
            p["nodePort"] = 30000 + int(_h("np", ns, name, i)[:4], 16) % 2767
    if selector is not None:
        spec["selector"] = selector
    spec.update({"clusterIP": ip, "clusterIPs": [ip], "type": stype, "sessionAffinity": "None",
                 "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack",
                 "internalTrafficPolicy": "Cluster"})
    if stype == "LoadBalancer":
        spec["externalTrafficPolicy"] = "Cluster"
        spec["allocateLoadBalancerNodePorts"] = True
    return {"metadata": meta(ns, "Service", name, created or ts(60 * 24 * 9),
                             labels=labels or {"app": name}),
            "spec": spec, "status": status or {"loadBalancer": {}}}


def endpoints(ns, name, ready_pods, not_ready_pods=(), port=("http", 8080), created=None):
    """ready_pods: list of (pod_name, ip, node)."""
    m = meta(ns, "Endpoints", name, created or ts(60 * 24 * 9), labels={"app": name},
             annotations={"endpoints.kubernetes.io/last-change-trigger-time": ts(30)})
    e = {"metadata": m}

    def addr(p):
        pn, ip, nd = p
        return {"ip": ip, "nodeName": nd, "targetRef": {"kind": "Pod", "namespace": ns,
                                                         "name": pn, "uid": uid(ns, "Pod", pn)}}
    if ready_pods or not_ready_pods:
        s = {}
        if ready_pods:
            s["addresses"] = [addr(p) for p in ready_pods]
        if not_ready_pods:
            s["notReadyAddresses"] = [addr(p) for p in not_ready_pods]
        pn, pp = port
        s["ports"] = [{"name": pn, "port": pp, "protocol": "TCP"} if pn else
                      {"port": pp, "protocol": "TCP"}]
        e["subsets"] = [s]
    return e


def pod_addr(p):
    return (p["metadata"]["name"], p["status"].get("podIP"), p["spec"].get("nodeName"))


def configmap(ns, name, data, created=None):
    return {"data": data, "metadata": meta(ns, "ConfigMap", name, created or ts(60 * 24 * 9))}


def pvc(ns, name, size, phase="Bound", storage_class=None, volume=None, labels=None,
        annotations=None, created=None):
    spec = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": size}}}
    if storage_class:
        spec["storageClassName"] = storage_class
    spec["volumeMode"] = "Filesystem"
    if volume:
        spec["volumeName"] = volume
    st = {"phase": phase}
    if phase == "Bound":
        st["accessModes"] = ["ReadWriteOnce"]
        st["capacity"] = {"storage": size}
    m = meta(ns, "PersistentVolumeClaim", name, created or ts(600), labels=labels,
             annotations=annotations, extra={"finalizers": ["kubernetes.io/pvc-protection"]})
    return {"metadata": m, "spec": spec, "status": st}


def write_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")
