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

from sanitizers import preload_asan  # noqa: E402

preload_asan()

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
