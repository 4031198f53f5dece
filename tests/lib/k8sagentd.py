"""Python harness for k8sagentd, shared by the service tests and the UI test.

    sys.path.insert(0, os.path.join(os.environ["top_srcdir"], "tests", "lib"))
    from k8sagentd import K8sagentd
    with K8sagentd("--kubeconfig", ks.kubeconfig, "--llm-url", url, env={...}) as kd:
        status, headers, body = kd.request("GET", "/healthz")
        kd.json("POST", "/diagnose", {"namespace": "shop"})   # (status, parsed body)
        kd.log_lines()                                        # stderr JSON lines

Starts service/k8sagentd on 127.0.0.1:0 with --port-file in a temp dir, stops it with
SIGTERM on exit (and reports its exit status in kd.returncode). Standard library only.
"""
import http.client
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time


class K8sagentd:
    def __init__(self, *args, env=None, binary=None, timeout=10.0, wrapper=None):
        self.args = list(args)
        self.env = dict(os.environ)
        for k in ("K8SA_NAMESPACES", "K8SA_AUTH_TOKEN_FILE", "K8SA_LLM_URL", "OLLAMA_HOST",
                  "K8SA_MODEL", "KUBERNETES_SERVICE_HOST", "K8SA_LOG_LEVEL"):
            self.env.pop(k, None)
        self.env.update(env or {})
        self.binary = binary or os.environ.get(
            "K8SAGENTD_BIN",
            os.path.join(os.environ.get("top_builddir", "."), "service", "k8sagentd"))
        self.wrapper = list(wrapper or [])
        self.timeout = timeout
        self.proc = None
        self.returncode = None

    def start(self):
        self.dir = tempfile.mkdtemp(prefix="k8sagentd.")
        self.port_file = os.path.join(self.dir, "port")
        self.stderr_path = os.path.join(self.dir, "stderr")
        self._stderr = open(self.stderr_path, "wb")
        cmd = self.wrapper + [self.binary, "--listen", "127.0.0.1:0",
                              "--port-file", self.port_file] + self.args
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=self._stderr,
                                     env=self.env)
        end = time.time() + self.timeout
        while not os.path.exists(self.port_file):
            if self.proc.poll() is not None or time.time() > end:
                err = self.stderr()
                self.stop()
                raise RuntimeError("k8sagentd failed to start: " + err)
            time.sleep(0.02)
        self.port = int(open(self.port_file).read())
        self.url = "http://127.0.0.1:%d" % self.port
        return self

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.returncode = self.proc.returncode
        if getattr(self, "_stderr", None):
            self._stderr.close()
            self._stderr = None
        return self.returncode

    def cleanup(self):
        self.stop()
        if os.environ.get("K8SAGENTD_KEEP") != "1" and getattr(self, "dir", None):
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.cleanup()

    def stderr(self):
        try:
            with open(self.stderr_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def log_lines(self):
        out = []
        for ln in self.stderr().splitlines():
            try:
                out.append(json.loads(ln))
            except ValueError:
                pass
        return out

    def conn(self, timeout=30):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method, path, body=None, headers=None, timeout=30):
        c = self.conn(timeout)
        try:
            if isinstance(body, (dict, list)):
                body = json.dumps(body)
            h = {"Content-Type": "application/json"} if body is not None else {}
            h.update(headers or {})
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            data = r.read()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, data
        finally:
            c.close()

    def json(self, method, path, body=None, headers=None, timeout=30):
        status, _, data = self.request(method, path, body, headers, timeout)
        try:
            return status, json.loads(data)
        except ValueError:
            raise AssertionError("%s %s: %d, not JSON: %r" % (method, path, status, data[:300]))

    def sse(self, path, body, headers=None, timeout=60):
        """POST and read a Server-Sent Events response: [(event, data, t_received)]."""
        c = self.conn(timeout)
        try:
            h = {"Content-Type": "application/json", "Accept": "text/event-stream"}
            h.update(headers or {})
            c.request("POST", path, body=json.dumps(body), headers=h)
            r = c.getresponse()
            if r.status != 200:
                return r.status, r.read(), []
            events, event, data = [], None, []
            while True:
                line = r.readline()  # de-chunked; b"" at the end of the body
                if not line:
                    break
                line = line.decode().rstrip("\n")
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: "):
                    data.append(line[6:])
                elif line == "" and event is not None:
                    events.append((event, json.loads("\n".join(data)), time.time()))
                    event, data = None, []
            return r.status, {k.lower(): v for k, v in r.getheaders()}, events
        finally:
            c.close()

    def metrics(self):
        status, _, data = self.request("GET", "/metrics")
        assert status == 200, status
        return data.decode()

    def metric(self, name, **labels):
        """Value of one sample (labels must match exactly those given), or None."""
        return sample(self.metrics(), name, **labels)

    def settle(self, name, want, timeout=30.0, **labels):
        """Poll one sample until it equals `want` (or `timeout` seconds pass); the last value.

        The scrapes share one kept-alive connection: libmicrohttpd finishes a request (its
        completion callback lowers the in-flight gauge) before it reads the next one on the
        same connection, so polling never counts its own earlier scrapes. A fresh connection
        per scrape races: the previous scrape may still be finishing on the server when the
        next one is answered (seen as in-flight 2 under load)."""
        c = self.conn(timeout=30)
        end = time.time() + timeout
        try:
            while True:
                c.request("GET", "/metrics")
                r = c.getresponse()
                text = r.read().decode()
                v = sample(text, name, **labels) if r.status == 200 else None
                if v == want or time.time() > end:
                    return v
                time.sleep(0.05)
        finally:
            c.close()


def sample(text, name, **labels):
    """Value of one sample in a Prometheus text exposition, or None."""
    want = ",".join('%s="%s"' % kv for kv in sorted(labels.items()))
    for ln in text.splitlines():
        if ln.startswith("#") or " " not in ln:
            continue
        key, val = ln.rsplit(" ", 1)
        if "{" in key:
            n, lab = key.split("{", 1)
            lab = ",".join(sorted(lab.rstrip("}").split(",")))
        else:
            n, lab = key, ""
        if n == name and lab == want:
            return float(val)
    return None


def raw(port, data, timeout=10, source=None):
    """Send raw bytes to 127.0.0.1:port (from `source` when given) and read until the server
    closes or goes quiet: what a malformed or hostile request gets back."""
    import socket
    s = socket.socket()
    s.settimeout(timeout)
    if source:
        s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    try:
        s.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server answered (413, 400) and closed before reading it all: read that answer
    out = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
    except (socket.timeout, ConnectionResetError):
        pass
    s.close()
    return out


def wait_for(pred, timeout=5.0, step=0.05):
    """Poll pred() until it is true or `timeout` seconds passed; its last value."""
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(step)
    return pred()


def promtool_check(text):
    """`promtool check metrics` on a /metrics body: (passed, output), or None when promtool
    (Debian package prometheus) is not installed; then a note says the lint was skipped."""
    import shutil
    import subprocess
    promtool = shutil.which("promtool")
    if not promtool:
        print("NOTE: promtool not installed (Debian package prometheus): metrics lint skipped")
        return None
    r = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True)
    return r.returncode == 0, r.stdout + r.stderr
