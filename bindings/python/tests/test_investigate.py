"""Investigation sessions from Python: agent.investigate() as an iterator of events, the
session's follow-ups, the verification, the step limit, the tools and kubectl classification."""
import pyharness
from pyharness import k8sagent, Kubesim, Llmsim
import unittest

POD = "payments-9rq9jkchhs-wsplt"
ANSWER = ("The payments pod %s fails: the certificate of fraud-check.pay.svc expired.\n"
          "```\nkubectl delete pod %s -n pay\n```" % (POD, POD))


@pyharness.need_agent
class TestInvestigate(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ks = Kubesim(pyharness.scenario("log-only-fault")).start()
        cls.llm = Llmsim(rules=[
            {"match_last": "certificate has expired", "reply": ANSWER},
            {"match": "loop", "tool_calls": [{"name": "get_events", "arguments": {"namespace": "pay"}}]},
            {"tool_calls": [{"name": "get_logs", "arguments": {"namespace": "pay", "pod": POD}}]},
        ]).start()
        cls.agent = k8sagent.Agent(kubeconfig=cls.ks.kubeconfig, llm_url=cls.llm.url, timeout=20)

    @classmethod
    def tearDownClass(cls):
        cls.agent.close()
        cls.llm.stop()
        cls.ks.stop()

    def test_events_and_follow_up(self):
        inv = self.agent.investigate("pay", "Why do checkouts fail?")
        events = list(inv)
        kinds = [e["type"] for e in events]
        self.assertEqual(kinds[0], "step")
        self.assertEqual(events[0]["tool"], "get_logs")
        self.assertEqual(events[0]["arguments"]["pod"], POD)
        self.assertIsNone(events[0]["error"])
        self.assertIn("token", kinds)
        self.assertEqual(kinds[-2:], ["verification", "done"])
        text = "".join(e["text"] for e in events if e["type"] == "token")
        self.assertEqual(text, ANSWER)
        r = inv.result
        self.assertEqual(r["stopped"], "answer")
        self.assertEqual(r["answer"], ANSWER)
        self.assertEqual(r["verification"]["mutating_commands"], ["kubectl delete pod %s -n pay" % POD])
        # a follow-up on the same session: no second snapshot, the log from the session
        more = inv.session.ask("And now?")
        steps = [e for e in more if e["type"] == "step"]
        self.assertTrue(steps[0]["cached"])
        self.assertEqual(more.result["turn"], 2)
        self.assertEqual(inv.session.snapshots, 1)
        roles = [m["role"] for m in inv.session.transcript]
        self.assertEqual(roles[0], "system")
        self.assertIn("tool", roles)
        inv.session.close()

    def test_step_limit(self):
        with self.agent.investigate("pay", max_steps=2) as s:
            r = s.run("loop please")
            self.assertEqual(r["stopped"], "max_steps")
            self.assertEqual(len(r["steps"]), 2)
            self.assertIn("Step limit reached", r["answer"])

    def test_json_protocol(self):
        with self.agent.investigate("pay", protocol="json") as s:
            r = s.run("Why do checkouts fail?")
            self.assertEqual(r["protocol"], "json")

    def test_tools_and_classify(self):
        names = [t["name"] for t in k8sagent.tool_definitions()]
        self.assertEqual(names, ["list_objects", "get_object", "get_logs", "get_events", "analyze"])
        self.assertEqual(k8sagent.classify_kubectl("kubectl get pods"), set())
        self.assertEqual(k8sagent.classify_kubectl("kubectl delete pod x"), {"mutating"})
        self.assertEqual(k8sagent.classify_kubectl("kubectl get secret x -o yaml"), {"secret"})
        self.assertIsNone(k8sagent.classify_kubectl("ls"))

    def test_no_model_raises_with_result(self):
        agent = k8sagent.Agent(kubeconfig=self.ks.kubeconfig,
                               llm_url="http://127.0.0.1:%d" % pyharness.free_port(), timeout=5)
        try:
            inv = agent.investigate("pay", "Why?")
            with self.assertRaises(k8sagent.TransportError):
                list(inv)
            self.assertEqual(inv.result["stopped"], "error")
        finally:
            agent.close()


if __name__ == "__main__":
    pyharness.main()
