"""Python tests that load libk8sagent in-process (the SWIG binding) under a sanitizer build.

A sanitizer build (configure --enable-sanitizers) links libk8sagent with ASan, which must be
the first library loaded: preload_asan() re-runs the current test with it preloaded. CPython
frees little at exit, so leak detection is off there (the C suites keep it)."""
import os
import subprocess
import sys


def preload_asan():
    if os.environ.get("K8SA_SANITIZERS") != "1" or "libasan" in os.environ.get("LD_PRELOAD", ""):
        return
    asan = subprocess.run([os.environ.get("CC", "gcc"), "-print-file-name=libasan.so"],
                          capture_output=True, text=True).stdout.strip()
    if os.path.isabs(asan):
        env = dict(os.environ, LD_PRELOAD=asan,
                   # last: a later option wins, and CI passes detect_leaks=1 for the C suites
                   ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "") + ":detect_leaks=0")
        os.execve(sys.executable, [sys.executable] + sys.argv, env)
