"""Shared setup of the binding tests: import paths, the simulators, skip rules.

Run by `make check` (PYTHONPATH points at the build tree's module and the source package);
by hand: top_srcdir=. top_builddir=. PYTHONPATH=bindings/python/.libs:bindings/python \\
/usr/bin/python3 bindings/python/tests/test_basics.py
"""
import os
import sys
import unittest

SRCDIR = os.environ.get("top_srcdir", ".")
BUILDDIR = os.environ.get("top_builddir", ".")
sys.path.insert(0, os.path.join(SRCDIR, "tests", "lib"))

# A sanitizer build (configure --enable-sanitizers) links libk8sagent with ASan, which must be
# the first library loaded: re-run this test with it preloaded. CPython frees little at exit,
# so leak detection is off here (the C suites keep it).
if os.environ.get("K8SA_SANITIZERS") == "1" and "libasan" not in os.environ.get("LD_PRELOAD", ""):
    import subprocess
    asan = subprocess.run([os.environ.get("CC", "gcc"), "-print-file-name=libasan.so"],
                          capture_output=True, text=True).stdout.strip()
    if os.path.isabs(asan):
        env = dict(os.environ, LD_PRELOAD=asan,
                   # last: a later option wins, and CI passes detect_leaks=1 for the C suites
                   ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "") + ":detect_leaks=0")
        os.execve(sys.executable, [sys.executable] + sys.argv, env)

try:
    import k8sagent  # noqa: E402
    import k8sagent_c  # noqa: E402
except ImportError as e:  # the binding is not built: automake SKIP
    print("SKIP: the k8sagent Python binding is not importable: %s" % e)
    sys.exit(77)

from kubesim import Kubesim  # noqa: E402,F401
from llmsim import Llmsim, free_port  # noqa: E402,F401

HAVE_AGENT = hasattr(k8sagent_c, "k8sa_agent_new")
need_agent = unittest.skipUnless(HAVE_AGENT, "the binding was built without the agent")


def scenario(name):
    return os.path.join(SRCDIR, "tests", "scenarios", name)


def rss_kb():
    """Resident set size of this process in kB (Linux)."""
    with open("/proc/self/status") as f:
        for ln in f:
            if ln.startswith("VmRSS:"):
                return int(ln.split()[1])
    return 0


def main():
    unittest.main(verbosity=2)
