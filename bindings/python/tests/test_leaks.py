"""No memory leaks across the boundary: each call runs many times and the process's RSS
must not grow by more than a small bound (strings are freed with k8sa_free, handles by
their destructors, exceptions leave nothing behind)."""
import gc
import os

import sys

if os.environ.get("K8SA_SANITIZERS") == "1":  # ASan's quarantine keeps freed memory: RSS says nothing
    print("SKIP: RSS-growth leak test is meaningless in a sanitizer build (ASan checks leaks there)")
    sys.exit(77)

import pyharness  # noqa: E402
from pyharness import k8sagent, k8sagent_c as c, Kubesim, Llmsim, scenario, rss_kb
import unittest

N = int(os.environ.get("K8SA_LEAK_ITERATIONS", "300"))
BOUND_KB = 5 * 1024


class TestLeaks(unittest.TestCase):
    def loop(self, name, fn, n=N, warmup=20):
        for _ in range(warmup):
            fn()
        gc.collect()
        before = rss_kb()
        for _ in range(n):
            fn()
        gc.collect()
        grown = rss_kb() - before
        print("  %-28s %4d calls: RSS %+d kB" % (name, n, grown))
        self.assertLess(grown, BOUND_KB, "%s: RSS grew %d kB over %d calls" % (name, grown, n))

    def test_offline(self):
        big = ("password=hunter2hunter2 Authorization: Bearer xyz.abc.def " * 2000)

        def redact():
            self.assertNotIn("hunter2hunter2", k8sagent.redact(big))

        def offline():
            snap = c.k8sa_snapshot_load_dir(scenario("demo-shop"), "shop", None)
            c.k8sa_snapshot_to_json(snap)
            f = c.k8sa_analyze(snap)
            c.k8sa_findings_to_json(f)
            c.k8sa_findings_to_text(f)

        def error():
            try:
                c.k8sa_kubeconfig_load_file("/nonexistent/kubeconfig", None)
            except k8sagent.ConfigError:
                pass

        self.loop("redact 120 kB", redact)
        self.loop("offline snapshot+analyze", offline)
        self.loop("ConfigError raised", error, n=N * 10)

    def test_kube(self):
        with Kubesim("demo-shop") as ks:
            cfg = c.k8sa_kubeconfig_load_file(ks.kubeconfig, None)
            kube = c.k8sa_kube_new(cfg)

            def snapshot():
                snap = c.k8sa_snapshot_take(kube, "shop", None)
                c.k8sa_snapshot_to_json(snap)

            self.loop("snapshot via kubesim", snapshot, n=N // 3)

    @pyharness.need_agent
    def test_agent(self):
        with Kubesim("demo-shop") as ks, \
                Llmsim(rules=[{"reply": "The cart pod is OOMKilled: raise its memory limit."}]) as llm, \
                k8sagent.Agent(kubeconfig=ks.kubeconfig, llm_url=llm.url) as agent:

            def diagnose():
                r = agent.diagnose("shop", "what is wrong?")
                self.assertTrue(r.text)

            def stream():
                with agent.ask_stream("what is a pod?") as s:
                    self.assertTrue(s.text())

            def analyze():
                self.assertTrue(agent.analyze("shop"))

            def new_agent():
                with k8sagent.Agent(kubeconfig=ks.kubeconfig, llm_url=llm.url):
                    pass

            self.loop("agent.diagnose", diagnose)
            self.loop("agent.ask_stream", stream)
            self.loop("agent.analyze", analyze, n=N // 3)
            self.loop("Agent() + close", new_agent, n=N // 3)


if __name__ == "__main__":
    pyharness.main()
