"""The GIL is released while the library waits on the network: another Python thread keeps
running during a slow Kubernetes list and during a slow model answer, and a stream can be
cancelled from another thread."""
import threading
import time

import pyharness
from pyharness import k8sagent, k8sagent_c as c, Kubesim, Llmsim
import unittest


class Counter(threading.Thread):
    def __init__(self):
        super().__init__(daemon=True)
        self.count = 0
        self.stop = False

    def run(self):
        while not self.stop:
            self.count += 1

    def __enter__(self):
        self.start()
        time.sleep(0.05)      # let it spin up
        self.base = self.count
        return self

    def __exit__(self, *exc):
        self.during = self.count - self.base
        self.stop = True
        self.join()


class TestGil(unittest.TestCase):
    def test_kube_wait_releases_gil(self):
        with Kubesim("demo-shop", "--fault", "latency=400ms,path=/pods") as ks:
            cfg = c.k8sa_kubeconfig_load_file(ks.kubeconfig, None)
            kube = c.k8sa_kube_new(cfg)
            with Counter() as counter:
                t0 = time.monotonic()
                c.k8sa_kube_list_json(kube, c.K8SA_RES_PODS, "shop", None)
                elapsed = time.monotonic() - t0
            self.assertGreaterEqual(elapsed, 0.35)
            # a thread starved of the GIL would not count at all during the wait
            self.assertGreater(counter.during, 10000, counter.during)

    @pyharness.need_agent
    def test_diagnose_wait_releases_gil(self):
        with Kubesim("demo-shop") as ks, \
                Llmsim(rules=[{"delay_ms": 800, "reply": "slow answer"}]) as llm, \
                k8sagent.Agent(kubeconfig=ks.kubeconfig, llm_url=llm.url) as agent:
            with Counter() as counter:
                t0 = time.monotonic()
                r = agent.diagnose("shop", "why?")
                elapsed = time.monotonic() - t0
            self.assertEqual(r.text, "slow answer")
            self.assertGreaterEqual(elapsed, 0.75)
            self.assertGreater(counter.during, 10000, counter.during)

    @pyharness.need_agent
    def test_cancel_from_another_thread(self):
        with Llmsim(rules=[{"reply": "one two three four five six seven eight",
                            "chunk_delay_ms": 400}]) as llm, \
                k8sagent.Agent(llm_url=llm.url) as agent:
            stream = agent.ask_stream("count slowly")
            chunks = []
            timer = threading.Timer(0.5, stream.cancel)
            timer.start()
            t0 = time.monotonic()
            for chunk in stream:
                chunks.append(chunk)
            elapsed = time.monotonic() - t0
            timer.join()
            self.assertTrue(stream.cancelled)
            self.assertLess(elapsed, 2.5, "cancel did not stop a blocked next()")
            self.assertLess(len(chunks), 8)
            self.assertIsNotNone(stream.result)
            self.assertEqual(stream.result.llm_status, c.k8sa_strerror(c.K8SA_E_CANCELLED))
            stream.close()

    @pyharness.need_agent
    def test_agents_in_parallel_threads(self):
        with Llmsim(rules=[{"delay_ms": 300, "reply": "parallel"}]) as llm:
            results = []

            def work():
                with k8sagent.Agent(llm_url=llm.url) as agent:
                    results.append(agent.ask("hi").text)

            threads = [threading.Thread(target=work) for _ in range(4)]
            t0 = time.monotonic()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.monotonic() - t0
            self.assertEqual(results, ["parallel"] * 4)
            self.assertLess(elapsed, 1.1, "calls were serialised by the GIL")


if __name__ == "__main__":
    pyharness.main()
