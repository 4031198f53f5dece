"""Python harness for llmsim, shared by binding tests and examples.

    sys.path.insert(0, os.path.join(os.environ["top_srcdir"], "tests", "lib"))
    from llmsim import Llmsim
    with Llmsim(rules=[{"match": "StatefulSet", "reply": "A StatefulSet..."}]) as llm:
        llm.url                   # http://127.0.0.1:PORT
        llm.requests()            # every request received, as dicts (--record)

Starts tests/llmsim/llmsim on 127.0.0.1:0 in a temp dir with the script given (a dict, a
list of rules, or None for the echo reply), stops it and removes the dir on exit
(LLMSIM_KEEP=1 keeps the dir). Standard library only.
"""
import json
import os
import shutil
import signal
import subprocess
import tempfile


class Llmsim:
    def __init__(self, script=None, rules=None, binary=None, timeout=10.0):
        if rules is not None:
            script = dict(script or {}, rules=rules)
        self.script = script
        self.binary = binary or os.environ.get("LLMSIM_BIN", os.path.join(
            os.environ.get("top_builddir", "."), "tests", "llmsim", "llmsim"))
        self.timeout = timeout
        self.proc = None
        self.dir = None

    def start(self):
        self.dir = tempfile.mkdtemp(prefix="llmsim.")
        self.record = os.path.join(self.dir, "record.jsonl")
        cmd = [self.binary, "--listen", "127.0.0.1:0", "--record", self.record]
        if self.script is not None:
            path = os.path.join(self.dir, "script.json")
            with open(path, "w") as f:
                json.dump(self.script, f)
            cmd += ["--script", path]
        self._stderr = open(os.path.join(self.dir, "stderr"), "wb")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self._stderr)
        line = self.proc.stdout.readline().decode()
        if not line.startswith("llmsim: listening on "):
            self.proc.wait(timeout=self.timeout)
            with open(os.path.join(self.dir, "stderr")) as f:
                err = f.read()
            self.stop()
            raise RuntimeError("llmsim failed to start: " + err)
        self.url = line.split()[-1]
        self.port = int(self.url.rsplit(":", 1)[1])
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.proc.stdout.close()
        if getattr(self, "_stderr", None):
            self._stderr.close()
        if self.dir and os.environ.get("LLMSIM_KEEP") != "1":
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def requests(self):
        """Requests received so far (method, path, body), oldest first."""
        try:
            with open(self.record) as f:
                return [json.loads(ln) for ln in f if ln.strip()]
        except FileNotFoundError:
            return []

    def chat_requests(self):
        return [r for r in self.requests() if r["path"] in ("/api/chat", "/v1/chat/completions")]


def free_port():
    """A loopback port nothing listens on (for connection-refused tests)."""
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port
