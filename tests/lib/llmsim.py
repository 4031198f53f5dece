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

from simproc import SimProcess


class Llmsim(SimProcess):
    name = "llmsim"

    def __init__(self, script=None, rules=None, binary=None, timeout=10.0):
        if rules is not None:
            script = dict(script or {}, rules=rules)
        self.script = script
        self.binary = binary or os.environ.get("LLMSIM_BIN", os.path.join(
            os.environ.get("top_builddir", "."), "tests", "llmsim", "llmsim"))
        super().__init__(timeout)

    def start(self):
        self._tmpdir()
        self.record = os.path.join(self.dir, "record.jsonl")
        cmd = [self.binary, "--listen", "127.0.0.1:0", "--record", self.record]
        if self.script is not None:
            path = os.path.join(self.dir, "script.json")
            with open(path, "w") as f:
                json.dump(self.script, f)
            cmd += ["--script", path]
        self._launch(cmd)
        return self

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
