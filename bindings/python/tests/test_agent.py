"""The Pythonic Agent against kubesim (demo-shop, namespace shop) and llmsim: snapshot,
analyze, ask, diagnose, streaming, results, settings reaching the model."""
import json
import os
import tempfile

import pyharness
from pyharness import k8sagent, k8sagent_c as c, Kubesim, Llmsim
import unittest

REPLY = "The cart pod is OOMKilled: raise its memory limit. kubectl describe pod -n shop"


@pyharness.need_agent
class TestAgent(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ks = Kubesim("demo-shop").start()
        cls.llm = Llmsim(rules=[
            {"match": "StatefulSet", "reply": "A StatefulSet gives pods stable names."},
            {"match": "unicode", "reply": "żółw ✓ 🐢", "chunks": ["\u017c", "\u00f3\u0142w \u2713 ", "\U0001f422"]},
            {"reply": REPLY},
        ]).start()
        cls.agent = k8sagent.Agent(kubeconfig=cls.ks.kubeconfig, llm_url=cls.llm.url)

    @classmethod
    def tearDownClass(cls):
        cls.agent.close()
        cls.llm.stop()
        cls.ks.stop()

    def test_namespace(self):
        self.assertEqual(self.agent.namespace, "shop")

    def test_snapshot(self):
        snap = self.agent.snapshot("shop")
        self.assertIsInstance(snap, dict)
        self.assertIn("shop", json.dumps(snap))
        again = self.agent.snapshot()
        # taken_at is the reading's own clock: the two readings may straddle a second.
        snap.pop("taken_at", None)
        again.pop("taken_at", None)
        self.assertEqual(again, snap, "default namespace is the context's")

    def test_analyze(self):
        findings = self.agent.analyze("shop")
        self.assertTrue(findings)
        for f in findings:
            self.assertIsInstance(f, k8sagent.Finding)
            self.assertIn(f.severity, ("info", "warning", "critical"))
            self.assertTrue(f.code and f.kind and f.name and f.summary)
            self.assertIsInstance(f.evidence, list)
            self.assertIsInstance(f.commands, list)
        self.assertTrue(findings[0].root_cause, "root causes come first")
        dicts = self.agent.analyze("shop", as_dict=True)
        self.assertEqual(dicts, [f.to_dict() for f in findings])
        everything = self.agent.analyze(all_namespaces=True)
        self.assertGreaterEqual(len(everything), len(findings))

    def test_ask(self):
        r = self.agent.ask("What is a StatefulSet?")
        self.assertIsInstance(r, k8sagent.Result)
        self.assertEqual(r.text, "A StatefulSet gives pods stable names.")
        self.assertEqual(str(r), r.text)
        self.assertTrue(r.ok)
        self.assertIsNone(r.llm_error)
        self.assertTrue(r.model.startswith("mistral"))
        self.assertEqual(r.findings, [])
        self.assertEqual(r.messages[-1]["role"], "user")
        self.assertEqual(r.messages[-1]["content"].strip(), "What is a StatefulSet?")
        self.assertEqual(r.to_dict()["answer"], r.text)

    def test_diagnose(self):
        r = self.agent.diagnose("shop", "why is the cart failing?")
        self.assertEqual(r.text, REPLY)
        self.assertTrue(r.ok)
        self.assertTrue(r.findings)
        self.assertEqual(r.namespace, "shop")
        self.assertEqual([f.code for f in r.findings], [f.code for f in self.agent.analyze("shop")])
        self.assertTrue(r.context)
        self.assertIn(r.findings[0].code, r.context)
        self.assertIsInstance(r.dropped, list)
        self.assertEqual(r.gaps, [])
        self.assertIsInstance(r.timings, dict)
        self.assertGreater(r.problem_count, 0)
        d = r.to_dict()
        self.assertIsInstance(d, dict)
        self.assertEqual(d["answer"], REPLY)
        self.assertEqual(d["namespace"], "shop")
        # what reached the model is what the result says was sent
        sent = self.llm.chat_requests()[-1]["body"]["messages"]
        self.assertEqual(sent, r.messages)

    def test_diagnose_without_model(self):
        before = len(self.llm.chat_requests())
        r = self.agent.diagnose("shop", call_model=False)
        self.assertIsNone(r.text)
        self.assertTrue(r.findings)
        self.assertTrue(r.prompt_text)
        self.assertEqual(len(self.llm.chat_requests()), before, "no model call")

    def test_ask_stream(self):
        stream = self.agent.ask_stream("What is a StatefulSet?")
        chunks = list(stream)
        self.assertGreater(len(chunks), 1)
        self.assertEqual("".join(chunks), "A StatefulSet gives pods stable names.")
        self.assertEqual(stream.result.text, "".join(chunks))
        self.assertEqual(list(stream), [], "an exhausted stream stays exhausted")
        stream.close()
        stream.close()

    def test_stream_utf8_split(self):
        with self.agent.ask_stream("unicode please") as s:
            self.assertEqual(s.text(), "żółw ✓ 🐢")

    def test_diagnose_stream(self):
        with self.agent.diagnose_stream("shop", "why?") as s:
            self.assertTrue(s.findings, "findings before the first chunk")
            self.assertTrue(s.context)
            text = "".join(s)
            self.assertEqual(text, REPLY)
            self.assertEqual(s.result.text, REPLY)
            self.assertEqual([f.code for f in s.result.findings], [f.code for f in s.findings])

    def test_close_with_open_stream(self):
        agent = k8sagent.Agent(llm_url=self.llm.url)
        s = agent.ask_stream("What is a StatefulSet?")
        next(s)
        agent.close()          # closes the stream first: no use after free
        self.assertEqual(list(s), [])


@pyharness.need_agent
class TestSettings(unittest.TestCase):
    def test_settings_reach_the_model(self):
        with Llmsim(rules=[{"reply": "ok"}], script={"models": ["mistral", "llama3.2"]}) as llm, \
                k8sagent.Agent(llm_url=llm.url, model="llama3.2", context_tokens=4096,
                               timeout=30) as agent:
            self.assertEqual(agent.ask("hi").text, "ok")
            body = llm.chat_requests()[-1]["body"]
            self.assertTrue(body["model"].startswith("llama3.2"))
            self.assertLessEqual(body["options"]["num_ctx"], 4096)

    def test_openai_backend(self):
        with Llmsim(rules=[{"reply": "from openai"}]) as llm, \
                k8sagent.Agent(llm_url=llm.url, backend="openai") as agent:
            self.assertEqual(agent.ask("hi").text, "from openai")
            self.assertEqual(llm.chat_requests()[-1]["path"], "/v1/chat/completions")

    def test_prompt_dir(self):
        with tempfile.TemporaryDirectory() as d, Llmsim(rules=[{"reply": "ok"}]) as llm:
            with open(os.path.join(d, "ask.md"), "w") as f:
                f.write("You are a test prompt from a directory.\n")
            with k8sagent.Agent(llm_url=llm.url, prompt_dir=d) as agent:
                agent.ask("hi")
            system = llm.chat_requests()[-1]["body"]["messages"][0]
            self.assertEqual(system["role"], "system")
            self.assertIn("test prompt from a directory", system["content"])

    def test_context_manager_and_gc(self):
        with Llmsim(rules=[{"reply": "ok"}]) as llm:
            agent = k8sagent.Agent(llm_url=llm.url)
            with agent as a:
                self.assertIs(a, agent)
            self.assertIsNone(agent._h)
            k8sagent.Agent(llm_url=llm.url)   # dropped without close: freed by the GC


if __name__ == "__main__":
    pyharness.main()
