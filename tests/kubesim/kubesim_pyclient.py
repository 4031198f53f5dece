"""The official Kubernetes Python client (Debian python3-kubernetes) against kubesim."""
import json
import os
import sys

try:
    import kubernetes
    from kubernetes.client.rest import ApiException
except ImportError:
    print("SKIP: python3-kubernetes not installed (apt-get install python3-kubernetes)")
    sys.exit(77)

sys.path.insert(0, os.path.join(os.environ.get("top_srcdir", "."), "tests", "lib"))
from kubesim import Kubesim  # noqa: E402


def main():
    with Kubesim("demo-shop") as ks:
        kubernetes.config.load_kube_config(config_file=ks.kubeconfig)
        v1 = kubernetes.client.CoreV1Api()
        pods = v1.list_namespaced_pod("shop")
        names = [p.metadata.name for p in pods.items]
        assert "cart-tjfjrxcqw9-7j69q" in names, names
        assert names == sorted(names), names
        cart = [p for p in pods.items if p.metadata.name == "cart-tjfjrxcqw9-7j69q"][0]
        assert cart.status.container_statuses[0].last_state.terminated.reason == "OOMKilled"

        # paging through the client: limit + continue
        page = v1.list_namespaced_pod("shop", limit=2)
        seen = [p.metadata.name for p in page.items]
        while page.metadata._continue:
            page = v1.list_namespaced_pod("shop", limit=2, _continue=page.metadata._continue)
            seen += [p.metadata.name for p in page.items]
        assert seen == names, (seen, names)

        events = v1.list_namespaced_event("shop")
        assert len(events.items) > 0
        reasons = {e.reason for e in events.items}
        assert "BackOff" in reasons or "OOMKilling" in reasons or "Failed" in reasons, reasons
        sel = v1.list_namespaced_event(
            "shop", field_selector="involvedObject.name=cart-tjfjrxcqw9-7j69q")
        assert sel.items and all(e.involved_object.name == "cart-tjfjrxcqw9-7j69q"
                                 for e in sel.items)

        log = v1.read_namespaced_pod_log("cart-tjfjrxcqw9-7j69q", "shop", previous=True)
        assert "cart 1.4.0 starting" in log, log

        apps = kubernetes.client.AppsV1Api()
        deps = [d.metadata.name for d in apps.list_namespaced_deployment("shop").items]
        assert "cart" in deps, deps

        # events.k8s.io/v1 through the raw path: the generated EventsV1Event model rejects
        # "eventTime": null, which real servers send for legacy events (a known client bug,
        # kubernetes-client/python#1616), so deserialize it ourselves.
        resp = v1.api_client.call_api("/apis/events.k8s.io/v1/namespaces/shop/events", "GET",
                                      auth_settings=["BearerToken"], _preload_content=False)
        ev1 = json.loads(resp[0].data)
        assert ev1["kind"] == "EventList" and ev1["apiVersion"] == "events.k8s.io/v1"
        assert ev1["items"] and "regarding" in ev1["items"][0] and "note" in ev1["items"][0]

        try:
            v1.list_namespaced_secret("shop")
        except ApiException as e:
            assert e.status == 403, e.status
            msg = json.loads(e.body)["message"]
            assert msg == ('secrets is forbidden: User "system:serviceaccount:k8sagent:k8sagent" '
                           'cannot list resource "secrets" in API group "" in the namespace '
                           '"shop"'), msg
        else:
            raise AssertionError("listing secrets did not fail")

        try:
            v1.read_namespaced_pod("no-such-pod", "shop")
        except ApiException as e:
            assert e.status == 404, e.status
            assert json.loads(e.body)["message"] == 'pods "no-such-pod" not found', e.body
        else:
            raise AssertionError("reading a missing pod did not fail")

        methods = {(a["method"], a["status"] // 100) for a in ks.audit()}
        assert all(m == "GET" for m, cls in methods if cls == 2), methods
    print("PASS")


if __name__ == "__main__":
    main()
