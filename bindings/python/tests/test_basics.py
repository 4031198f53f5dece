"""Module-level API and the low-level wrapper without a network: version, redaction,
status -> exception mapping, kubeconfig handles, offline snapshot and findings."""
import json
import os

import pyharness
from pyharness import k8sagent, k8sagent_c as c, scenario
import unittest


class TestModule(unittest.TestCase):
    def test_version(self):
        self.assertEqual(k8sagent.__version__, c.k8sa_version())
        major, minor, patch = (int(x) for x in k8sagent.__version__.split("."))
        self.assertEqual(k8sagent.version_num, (major << 16) | (minor << 8) | patch)
        self.assertEqual(c.K8SA_VERSION_NUM, k8sagent.version_num)

    def test_redact(self):
        out = k8sagent.redact("db password=hunter2secret and Authorization: Bearer abc.def.ghi")
        self.assertNotIn("hunter2secret", out)
        self.assertNotIn("abc.def.ghi", out)
        self.assertIn("[REDACTED:password]", out)
        self.assertEqual(k8sagent.redact("nothing secret here"), "nothing secret here")
        # bytes in, str out; NUL bytes are input like any other
        self.assertIn("[REDACTED:", k8sagent.redact(b"token=abcdef123456"))
        self.assertEqual(k8sagent.redact(""), "")
        with self.assertRaises(TypeError):
            k8sagent.redact(42)
        # non-ASCII text survives the round trip
        self.assertEqual(k8sagent.redact("héllo wörld ✓"), "héllo wörld ✓")

    def test_env_name_is_secret(self):
        self.assertTrue(k8sagent.env_name_is_secret("DB_PASSWORD"))
        self.assertFalse(k8sagent.env_name_is_secret("DB_PASSWORD_FILE"))
        self.assertFalse(k8sagent.env_name_is_secret("KEYCLOAK_URL"))

    def test_strerror(self):
        self.assertEqual(k8sagent.strerror(0), c.k8sa_strerror(c.K8SA_OK))
        self.assertEqual(k8sagent.strerror(c.K8SA_E_FORBIDDEN), c.k8sa_strerror(10))

    @pyharness.need_agent
    def test_namespace_is_valid(self):
        self.assertTrue(k8sagent.namespace_is_valid("shop"))
        self.assertFalse(k8sagent.namespace_is_valid("Shop!"))
        self.assertFalse(k8sagent.namespace_is_valid(""))


class TestErrorMapping(unittest.TestCase):
    def test_every_status_has_a_class(self):
        codes = {getattr(c, n): n for n in dir(c) if n.startswith("K8SA_E_")}
        self.assertGreaterEqual(len(codes), 23)
        seen = set()
        for code, name in codes.items():
            cls = k8sagent.error_class(code)
            self.assertIsNot(cls, k8sagent.Error, name)
            self.assertTrue(issubclass(cls, k8sagent.Error))
            seen.add(cls)
            exc = k8sagent.errors._from_status(code, c.k8sa_strerror(code), 403, 2, "msg")
            self.assertIsInstance(exc, cls)
            self.assertEqual((exc.code, exc.http_status, exc.retry_after, str(exc)),
                             (code, 403, 2, "msg"))
        self.assertEqual(len(seen), len(codes), "one class per code")
        self.assertIs(k8sagent.error_class(9999), k8sagent.Error)

    def test_hierarchy(self):
        E = k8sagent
        for sub, base in [(E.Forbidden, E.ApiError), (E.Unauthorized, E.ApiError),
                          (E.NotFound, E.ApiError), (E.ModelNotFound, E.LlmError),
                          (E.TLSError, E.TransportError), (E.TransportError, ConnectionError),
                          (E.TimeoutError, TimeoutError), (E.InvalidArgument, ValueError),
                          (E.ConfigError, E.Error), (E.Cancelled, E.Error)]:
            self.assertTrue(issubclass(sub, base), (sub, base))

    def test_raised_from_c(self):
        with self.assertRaises(k8sagent.ConfigError) as cm:
            c.k8sa_kubeconfig_load_file("/nonexistent/kubeconfig", None)
        e = cm.exception
        self.assertEqual(e.code, c.K8SA_E_CONFIG)
        self.assertEqual(e.name, c.k8sa_strerror(c.K8SA_E_CONFIG))
        self.assertIn("/nonexistent/kubeconfig", e.message)
        self.assertEqual(e.http_status, 0)

    def test_status_without_detail_raises(self):
        # k8sa_kube_new fails on a configuration without a server: an exception, not a code
        cfg = c.k8sa_kubeconfig_new()
        with self.assertRaises(k8sagent.ConfigError):
            c.k8sa_kube_new(cfg)


class TestLowLevel(unittest.TestCase):
    def test_kubeconfig_handle(self):
        cfg = c.k8sa_kubeconfig_new()
        self.assertIsNone(c.k8sa_kubeconfig_set_server(cfg, "https://127.0.0.1:6443"))
        c.k8sa_kubeconfig_set_namespace(cfg, "shop")
        self.assertEqual(c.k8sa_kubeconfig_server(cfg), "https://127.0.0.1:6443")
        self.assertEqual(c.k8sa_kubeconfig_namespace(cfg), "shop")
        self.assertEqual(c.k8sa_kubeconfig_source(cfg), "explicit")
        self.assertIsNone(c.k8sa_kubeconfig_context(cfg))
        self.assertTrue(cfg.thisown)
        c.k8sa_kubeconfig_free(cfg)          # explicit free disowns: no double free at GC
        self.assertFalse(cfg.thisown)

    def test_kubeconfig_file(self):
        path = os.path.join(pyharness.SRCDIR, "tests", "data", "kube", "kubeconfig-token.yaml")
        cfg = c.k8sa_kubeconfig_load_file(path, None)
        self.assertTrue(c.k8sa_kubeconfig_server(cfg).startswith("https://"))
        self.assertEqual(c.k8sa_kubeconfig_source(cfg), path)

    def test_redactor(self):
        r = c.k8sa_redactor_new()
        c.k8sa_redactor_add_literal(r, "sesame-open")
        out = c.k8sa_redactor_apply(r, "the word is sesame-open, password=abc12345")
        self.assertNotIn("sesame-open", out)
        counts = json.loads(c.k8sa_redactor_counts_json(r))
        self.assertEqual(counts["custom"], 1)
        self.assertEqual(counts["total"], c.k8sa_redactor_total(r))
        with self.assertRaises(k8sagent.InvalidArgument):
            c.k8sa_redactor_add_literal(r, "ab")
        with self.assertRaises(k8sagent.InvalidArgument):
            c.k8sa_redactor_add_regex(r, "([unclosed")

    def test_offline_snapshot_and_findings(self):
        snap = c.k8sa_snapshot_load_dir(scenario("demo-shop"), "shop", None)
        self.assertEqual(c.k8sa_snapshot_namespace(snap), "shop")
        self.assertGreater(c.k8sa_snapshot_count(snap, c.K8SA_RES_PODS), 0)
        doc = json.loads(c.k8sa_snapshot_to_json(snap))
        self.assertIsInstance(doc, dict)
        self.assertEqual(json.loads(c.k8sa_snapshot_gaps_json(snap)), [])
        f = c.k8sa_analyze(snap)
        n = c.k8sa_findings_count(f)
        self.assertGreater(n, 0)
        data = json.loads(c.k8sa_findings_to_json(f))
        self.assertEqual(len(data["findings"]), n)
        for i, d in enumerate(data["findings"]):
            self.assertEqual(c.k8sa_finding_code(f, i), d["code"])
            self.assertEqual(c.k8sa_severity_name(c.k8sa_finding_severity(f, i)), d["severity"])
            self.assertEqual([c.k8sa_finding_evidence(f, i, j)
                              for j in range(c.k8sa_finding_evidence_count(f, i))], d["evidence"])
            self.assertEqual(bool(c.k8sa_finding_root_cause(f, i)), d["root_cause"])
        self.assertIsNone(c.k8sa_finding_code(f, n))     # out of range: NULL -> None
        self.assertIn(data["findings"][0]["code"], c.k8sa_findings_to_text(f))
        finding = k8sagent.Finding(data["findings"][0])
        self.assertEqual(finding.to_dict(), data["findings"][0])
        self.assertEqual(finding["code"], finding.code)

    def test_missing_scenario(self):
        with self.assertRaises(k8sagent.Error):
            c.k8sa_snapshot_load_dir("/nonexistent/scenario", "shop", None)


if __name__ == "__main__":
    pyharness.main()
