"""Python harness for kubesim, shared by tests and examples.

    sys.path.insert(0, os.path.join(os.environ["top_srcdir"], "tests", "lib"))
    from kubesim import Kubesim
    with Kubesim("demo-shop", "--fault", "latency=10ms") as ks:
        ks.kubeconfig, ks.audit_log, ks.ca_file, ks.url, ks.token
        status, headers, body = ks.request("/api/v1/namespaces/shop/pods?limit=2")
        ks.get_json("/version")          # parsed body (asserts 200)
        ks.audit()                        # audit log entries, as dicts

Starts kubesim on 127.0.0.1:0 in a temp dir, waits for the kubeconfig, stops it and
removes the dir on exit (KUBESIM_KEEP=1 keeps the dir). Standard library only.
"""
import http.client
import json
import os
import ssl
import time
import urllib.parse

from simproc import SimProcess


def _builddir():
    return os.environ.get("top_builddir", ".")


def _srcdir():
    return os.environ.get("top_srcdir", ".")


class Kubesim(SimProcess):
    name = "kubesim"

    def __init__(self, scenario, *args, binary=None, timeout=10.0):
        if "/" not in scenario:
            scenario = os.path.join(_srcdir(), "tests", "scenarios", scenario)
        self.scenario = scenario
        self.args = list(args)
        self.binary = binary or os.environ.get(
            "KUBESIM_BIN", os.path.join(_builddir(), "tests", "kubesim", "kubesim"))
        super().__init__(timeout)

    def start(self):
        self._tmpdir()
        self.kubeconfig = os.path.join(self.dir, "kubeconfig")
        self.audit_log = os.path.join(self.dir, "audit.jsonl")
        self.ca_file = os.path.join(self.dir, "ca.pem")
        self._launch([self.binary, "--scenario", self.scenario, "--listen", "127.0.0.1:0",
                      "--write-kubeconfig", self.kubeconfig, "--audit-log", self.audit_log,
                      "--write-ca", self.ca_file] + self.args)
        with open(self.kubeconfig) as f:
            for ln in f:
                ln = ln.strip()
                if ln.startswith("token:"):
                    self.token = json.loads(ln.split(":", 1)[1].strip())
        self.ssl = ssl.create_default_context(cafile=self.ca_file)
        return self

    def connection(self):
        return http.client.HTTPSConnection("127.0.0.1", self.port, context=self.ssl,
                                           timeout=30)

    def request(self, path, method="GET", token=..., headers=None, body=None, conn=None):
        """Returns (status, headers dict with lower-case names, body bytes)."""
        h = dict(headers or {})
        if token is ...:
            token = self.token
        if token is not None:
            h["Authorization"] = "Bearer " + token
        own = conn is None
        conn = conn or self.connection()
        try:
            conn.request(method, path, body=body, headers=h)
            r = conn.getresponse()
            data = r.read()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, data
        finally:
            if own:
                conn.close()

    def get_json(self, path, **kw):
        status, _, body = self.request(path, **kw)
        if status != 200:
            raise AssertionError("GET %s: %d %s" % (path, status, body[:300]))
        return json.loads(body)

    def audit(self):
        with open(self.audit_log) as f:
            return [json.loads(ln) for ln in f if ln.strip()]


def query(**params):
    """URL-encodes query parameters (fieldSelector values included)."""
    return urllib.parse.urlencode(params)
