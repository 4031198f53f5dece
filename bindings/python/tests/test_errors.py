"""Every error reaches Python as the right k8sagent.Error subclass, with the C message:
bad kubeconfig, RBAC 403, 401, refused port, 404 model, LLM 500, timeouts, bad arguments."""
import os
import tempfile

import pyharness
from pyharness import k8sagent, k8sagent_c as c, Kubesim, Llmsim, free_port
import unittest

ALL_RESOURCES = ("namespaces,nodes,pods,events,deployments,replicasets,statefulsets,"
                 "daemonsets,jobs,cronjobs,services,endpoints,persistentvolumeclaims,"
                 "configmaps,ingresses,horizontalpodautoscalers,resourcequotas,"
                 "persistentvolumes")


def kube_for(kubeconfig):
    cfg = c.k8sa_kubeconfig_load_file(kubeconfig, None)
    return c.k8sa_kube_new(cfg)


def bad_token_kubeconfig(ks, dirname):
    path = os.path.join(dirname, "kubeconfig-badtoken")
    with open(ks.kubeconfig) as f:
        text = f.read()
    with open(path, "w") as f:
        f.write(text.replace(ks.token, "not-the-token"))
    return path


class TestKubeErrors(unittest.TestCase):
    """Through the low-level client (no agent needed)."""

    @classmethod
    def setUpClass(cls):
        cls.ks = Kubesim("demo-shop", "--forbid", "nodes").start()
        cls.tmp = tempfile.TemporaryDirectory()

    @classmethod
    def tearDownClass(cls):
        cls.ks.stop()
        cls.tmp.cleanup()

    def test_forbidden(self):
        kube = kube_for(self.ks.kubeconfig)
        with self.assertRaises(k8sagent.Forbidden) as cm:
            c.k8sa_kube_list_json(kube, c.K8SA_RES_NODES, None, None)
        e = cm.exception
        self.assertIsInstance(e, k8sagent.ApiError)
        self.assertEqual(e.http_status, 403)
        self.assertIn("forbidden", e.message)
        # a refused resource is a gap of the snapshot, not a failure
        snap = c.k8sa_snapshot_take(kube, "shop", None)
        self.assertIn("nodes", c.k8sa_snapshot_gaps_json(snap))

    def test_unauthorized(self):
        kube = kube_for(bad_token_kubeconfig(self.ks, self.tmp.name))
        with self.assertRaises(k8sagent.Unauthorized) as cm:
            c.k8sa_kube_list_json(kube, c.K8SA_RES_PODS, "shop", None)
        self.assertEqual(cm.exception.http_status, 401)

    def test_not_found(self):
        kube = kube_for(self.ks.kubeconfig)
        with self.assertRaises(k8sagent.ApiError) as cm:
            c.k8sa_kube_pod_log(kube, "shop", "no-such-pod", None, 0, 10, 0)
        self.assertIn(cm.exception.http_status, (400, 404))

    def test_refused(self):
        cfg = c.k8sa_kubeconfig_new()
        c.k8sa_kubeconfig_set_server(cfg, "https://127.0.0.1:%d" % free_port())
        kube = c.k8sa_kube_new(cfg)
        with self.assertRaises(k8sagent.TransportError) as cm:
            c.k8sa_kube_list_json(kube, c.K8SA_RES_PODS, "shop", None)
        self.assertIsInstance(cm.exception, ConnectionError)
        self.assertEqual(cm.exception.http_status, 0)

    def test_tls_unknown_ca(self):
        cfg = c.k8sa_kubeconfig_new()
        c.k8sa_kubeconfig_set_server(cfg, self.ks.url)
        c.k8sa_kubeconfig_set_token(cfg, self.ks.token)
        kube = c.k8sa_kube_new(cfg)
        with self.assertRaises(k8sagent.TLSError):
            c.k8sa_kube_list_json(kube, c.K8SA_RES_PODS, "shop", None)


@pyharness.need_agent
class TestAgentErrors(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.llm = Llmsim(rules=[
            {"match": "boom", "error": {"status": 500, "message": "boom"}},
            {"match": "slow", "delay_ms": 3000, "reply": "late"},
            {"reply": "fine"},
        ]).start()

    @classmethod
    def tearDownClass(cls):
        cls.llm.stop()
        cls.tmp.cleanup()

    def test_bad_kubeconfig(self):
        bad = os.path.join(pyharness.SRCDIR, "tests", "data", "kube", "kubeconfig-malformed.yaml")
        with self.assertRaises(k8sagent.ConfigError) as cm:
            k8sagent.Agent(kubeconfig=bad)
        self.assertIn("kubeconfig-malformed.yaml", cm.exception.message)
        with self.assertRaises(k8sagent.ConfigError):
            k8sagent.Agent(kubeconfig="/nonexistent/kubeconfig")

    def test_bad_backend(self):
        with self.assertRaises(k8sagent.Error):
            k8sagent.Agent(backend="carrier-pigeon")

    def test_forbidden_everything(self):
        with Kubesim("demo-shop", "--forbid", ALL_RESOURCES) as ks, \
                k8sagent.Agent(kubeconfig=ks.kubeconfig, llm_url=self.llm.url) as agent:
            with self.assertRaises(k8sagent.Forbidden) as cm:
                agent.diagnose("shop", call_model=False)
            self.assertEqual(cm.exception.http_status, 403)

    def test_unauthorized(self):
        with Kubesim("demo-shop") as ks:
            path = bad_token_kubeconfig(ks, self.tmp.name)
            with k8sagent.Agent(kubeconfig=path) as agent:
                with self.assertRaises(k8sagent.Unauthorized):
                    agent.analyze("shop")

    def test_invalid_namespace(self):
        with Kubesim("demo-shop") as ks, k8sagent.Agent(kubeconfig=ks.kubeconfig) as agent:
            with self.assertRaises(k8sagent.InvalidArgument):
                agent.diagnose("Not_A_Namespace!", call_model=False)

    def test_missing_namespace(self):
        with Kubesim("demo-shop") as ks, k8sagent.Agent(kubeconfig=ks.kubeconfig) as agent:
            with self.assertRaises(k8sagent.NotFoundError) as cm:
                agent.analyze("shpo")
            self.assertEqual(cm.exception.message, "namespace shpo not found")
            self.assertEqual(cm.exception.http_status, 404)
            with self.assertRaises(k8sagent.NotFoundError):
                agent.diagnose("shpo", call_model=False)
            with self.assertRaises(k8sagent.InvalidArgument):
                agent.analyze("Shop!")
            self.assertTrue(agent.analyze("shop"))

    def test_refused_llm(self):
        url = "http://127.0.0.1:%d" % free_port()
        with k8sagent.Agent(llm_url=url) as agent:
            with self.assertRaises(k8sagent.TransportError) as cm:
                agent.ask("hello")
            self.assertTrue(cm.exception.message)

    def test_model_not_found(self):
        with k8sagent.Agent(llm_url=self.llm.url, model="no-such-model") as agent:
            with self.assertRaises(k8sagent.ModelNotFound) as cm:
                agent.ask("hello")
            self.assertIsInstance(cm.exception, k8sagent.LlmError)
            self.assertIn("no-such-model", cm.exception.message)

    def test_llm_error(self):
        with k8sagent.Agent(llm_url=self.llm.url) as agent:
            with self.assertRaises(k8sagent.LlmError) as cm:
                agent.ask("boom")
            self.assertIn("boom", cm.exception.message)

    def test_timeout(self):
        with k8sagent.Agent(llm_url=self.llm.url, timeout=0.5) as agent:
            with self.assertRaises(k8sagent.TimeoutError):
                agent.ask("slow please")

    def test_model_failure_keeps_findings(self):
        url = "http://127.0.0.1:%d" % free_port()
        with Kubesim("demo-shop") as ks, \
                k8sagent.Agent(kubeconfig=ks.kubeconfig, llm_url=url) as agent:
            r = agent.diagnose("shop", "what is wrong?")
            self.assertIsNone(r.text)
            self.assertFalse(r.ok)
            self.assertTrue(r.llm_error)
            self.assertEqual(r.llm_status, c.k8sa_strerror(c.K8SA_E_TRANSPORT))
            self.assertGreater(len(r.findings), 0)

    def test_stream_without_model_raises_no_model_answer(self):
        url = "http://127.0.0.1:%d" % free_port()
        with Kubesim("demo-shop") as ks, \
                k8sagent.Agent(kubeconfig=ks.kubeconfig, llm_url=url) as agent:
            with self.assertRaises(k8sagent.NoModelAnswer) as cm:
                for _ in agent.diagnose_stream("shop", "why?"):
                    pass
            e = cm.exception
            self.assertIsInstance(e, k8sagent.TransportError)   # and still the specific class
            self.assertIsInstance(e.cause, k8sagent.TransportError)
            self.assertTrue(str(e).startswith("no model answered: "))
            self.assertIn("OOMKilled", [f.code for f in e.result.findings])
        with k8sagent.Agent(llm_url=self.llm.url, model="no-such-model") as agent:
            with self.assertRaises(k8sagent.NoModelAnswer) as cm:
                agent.ask_stream("hello").text()
            self.assertIsInstance(cm.exception, k8sagent.ModelNotFound)

    def test_readme_example_without_model(self):
        """The README's Python example runs to the end with no model (no traceback)."""
        import re
        import subprocess
        import sys
        with open(os.path.join(pyharness.SRCDIR, "README.md")) as f:
            code = re.search(r"```python\n(.*?)```", f.read(), re.S).group(1)
        with Kubesim("demo-shop") as ks:
            env = dict(os.environ, KUBECONFIG=ks.kubeconfig,
                       OLLAMA_HOST="http://127.0.0.1:%d" % free_port())
            env.pop("K8SA_LLM_URL", None)
            r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                               timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("Traceback", r.stderr)
        self.assertIn("OOMKilled", r.stdout)
        self.assertIn("no model answered:", r.stdout)

    def test_closed_agent(self):
        agent = k8sagent.Agent(llm_url=self.llm.url)
        agent.close()
        agent.close()
        with self.assertRaises(ValueError):
            agent.ask("hello")


if __name__ == "__main__":
    pyharness.main()
