#!/usr/bin/python3
"""The same information fetch with the official Kubernetes Python client (Debian
python3-kubernetes), as a script would do it: list pods, list events, read the logs of the
pods that are not running well (previous instance when the container has terminated before).

    /usr/bin/python3 bench/pyclient.py KUBECONFIG NAMESPACE
    /usr/bin/python3 bench/pyclient.py --all KUBECONFIG     (list_pod_for_all_namespaces only)"""

import sys

from kubernetes import client, config
from kubernetes.client.rest import ApiException


def main():
    if sys.argv[1] == "--all":
        config.load_kube_config(config_file=sys.argv[2])
        pods = client.CoreV1Api().list_pod_for_all_namespaces()
        print("pods %d" % len(pods.items))
        return
    config.load_kube_config(config_file=sys.argv[1])
    ns = sys.argv[2]
    v1 = client.CoreV1Api()
    pods = v1.list_namespaced_pod(ns)
    events = v1.list_namespaced_event(ns)
    logs = 0
    for p in pods.items:
        for cs in p.status.container_statuses or []:
            if cs.ready and cs.state and cs.state.running:
                continue
            previous = bool(cs.last_state and cs.last_state.terminated)
            try:
                v1.read_namespaced_pod_log(p.metadata.name, ns, container=cs.name,
                                           previous=previous, tail_lines=100)
                logs += 1
            except ApiException:
                pass
    print("pods %d events %d logs %d" % (len(pods.items), len(events.items), logs))


if __name__ == "__main__":
    main()
