"""Process handling shared by the Python simulator harnesses (kubesim.py, llmsim.py).

A SimProcess launches its command in a fresh temp dir, reads the "NAME: listening on URL"
line, and on stop() (or leaving the `with` block) terminates the process and removes the
dir (NAME_KEEP=1, e.g. KUBESIM_KEEP=1, keeps it). Standard library only.
"""
import os
import shutil
import signal
import subprocess
import tempfile


class SimProcess:
    name = "sim"

    def __init__(self, timeout=10.0):
        self.timeout = timeout
        self.proc = None
        self.dir = None
        self.returncode = None

    def _tmpdir(self):
        self.dir = tempfile.mkdtemp(prefix=self.name + ".")
        return self.dir

    def _launch(self, cmd):
        """Start cmd, wait for its listening line; sets url and port."""
        self._stderr = open(os.path.join(self.dir, "stderr"), "wb")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self._stderr)
        line = self.proc.stdout.readline().decode()
        if not line.startswith(self.name + ": listening on "):
            self.proc.wait(timeout=self.timeout)
            with open(os.path.join(self.dir, "stderr")) as f:
                err = f.read()
            self.stop()
            raise RuntimeError(self.name + " failed to start: " + err)
        self.url = line.split()[-1]
        self.port = int(self.url.rsplit(":", 1)[1])

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
            self.returncode = self.proc.returncode
        if getattr(self, "_stderr", None):
            self._stderr.close()
        if self.dir and os.environ.get(self.name.upper() + "_KEEP") != "1":
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
