"""The MCP server against kubesim: `k8sagent mcp` on stdio (and k8sagentd's /mcp when the
daemon has it), driven two ways:

1. raw JSON-RPC lines: version negotiation, every tool, Secrets and bad names refused with no
   API request, malformed input (bad JSON, a batch, unknown method, wrong params, a
   notification) answered with the right JSON-RPC error, nothing but protocol on stdout;
2. the official MCP TypeScript SDK client (tests/mcp/sdk.mjs; skipped when node/npm or the
   registry are missing).

Every request in kubesim's audit log must be a GET and none may touch Secrets."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

SRC = os.environ.get("top_srcdir", ".")
BUILD = os.environ.get("top_builddir", ".")
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
from kubesim import Kubesim  # noqa: E402

K8SAGENT = os.path.join(BUILD, "service", "k8sagent")
K8SAGENTD = os.path.join(BUILD, "service", "k8sagentd")
NS = "shop"
passed = 0
failures = []


def check(cond, what, detail=""):
    global passed
    if cond:
        passed += 1
        print("ok - " + what)
    else:
        failures.append(what)
        print("not ok - %s %s" % (what, str(detail)[:1500]))


def run_stdio(ks, lines, extra=()):
    """Feed lines to `k8sagent mcp`; returns (answers by id or position, raw stdout, stderr)."""
    p = subprocess.run([K8SAGENT, "--kubeconfig", ks.kubeconfig, "mcp", "-n", NS] + list(extra),
                       input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=60)
    answers = []
    for ln in p.stdout.splitlines():
        try:
            answers.append(json.loads(ln))
        except ValueError:
            answers.append({"not_json": ln})
    return p.returncode, answers, p.stdout, p.stderr


def req(i, method, params=None):
    m = {"jsonrpc": "2.0", "id": i, "method": method}
    if params is not None:
        m["params"] = params
    return json.dumps(m)


def by_id(answers, i):
    for a in answers:
        if a.get("id") == i:
            return a
    return None


def tool_text(a):
    return "".join(c.get("text", "") for c in a.get("result", {}).get("content", []))


def raw_checks(ks):
    n_before = len(ks.audit())
    lines = [
        req(1, "initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                              "clientInfo": {"name": "t", "version": "0"}}),
        json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        req(2, "tools/list"),
        req(3, "tools/call", {"name": "analyze", "arguments": {"namespace": NS}}),
        req(4, "tools/call", {"name": "list_objects", "arguments": {"kind": "secrets"}}),
        req(5, "tools/call", {"name": "get_object", "arguments": {"kind": "pods", "name": "../../secrets/x"}}),
        req(6, "tools/call", {"name": "get_events", "arguments": {"namespace": "Bad_NS"}}),
        req(7, "tools/call", {"name": "no_such_tool", "arguments": {}}),
        req(8, "no/such/method"),
        req(9, "tools/call", {"arguments": {}}),
        "{this is not json",
        json.dumps([json.loads(req(10, "ping")), json.loads(req(11, "ping"))]),
        json.dumps({"jsonrpc": "1.0", "id": 12, "method": "ping"}),
        req(13, "ping"),
        json.dumps({"jsonrpc": "2.0", "id": 14, "method": "tools/call", "params": [1, 2]}),
        req(15, "initialize", {"protocolVersion": "1999-01-01", "capabilities": {}}),
        req(16, "tools/call", {"name": "list_objects", "arguments": {"kind": "widgets"}}),
        req(17, "tools/call", {"name": "get_logs", "arguments": {"namespace": NS, "pod": "nope-pod"}}),
        '{"jsonrpc": "2.0", "id": 18, "method": "ping", "params": {"x": NaN}}',
    ]
    rc, answers, out, err = run_stdio(ks, lines)
    check(rc == 0, "mcp exits 0 at the end of input", err)
    check(all("not_json" not in a for a in answers), "stdout holds only JSON-RPC messages", out[:500])
    init = by_id(answers, 1) or {}
    check(init.get("result", {}).get("protocolVersion") == "2025-06-18", "initialize: 2025-06-18 negotiated", init)
    check("tools" in init.get("result", {}).get("capabilities", {}), "initialize: tools capability", init)
    check(len(answers) == 18, "one answer per request, none for the notification", [a.get("id") for a in answers])
    tools = sorted(t["name"] for t in (by_id(answers, 2) or {}).get("result", {}).get("tools", []))
    check(tools == ["analyze", "get_events", "get_logs", "get_object", "list_objects"], "tools/list: the five tools", tools)
    a3 = by_id(answers, 3) or {}
    check(a3.get("result", {}).get("isError") is False and "OOMKilled" in tool_text(a3), "analyze finds the OOMKill",
          a3)
    a4 = by_id(answers, 4) or {}
    check(a4.get("result", {}).get("isError") is True and "Secrets are never read" in tool_text(a4),
          "secrets refused as a tool error", a4)
    a5 = by_id(answers, 5) or {}
    check(a5.get("result", {}).get("isError") is True, "path tricks in a name refused", a5)
    a6 = by_id(answers, 6) or {}
    check(a6.get("result", {}).get("isError") is True, "invalid namespace refused", a6)
    a7 = by_id(answers, 7) or {}
    check(a7.get("error", {}).get("code") == -32602, "unknown tool: JSON-RPC -32602", a7)
    a8 = by_id(answers, 8) or {}
    check(a8.get("error", {}).get("code") == -32601, "unknown method: -32601", a8)
    a9 = by_id(answers, 9) or {}
    check(a9.get("error", {}).get("code") == -32602, "tools/call without a name: -32602", a9)
    nulls = [a for a in answers if a.get("id") is None]
    codes = sorted(a.get("error", {}).get("code") for a in nulls)
    check(codes == [-32700, -32700, -32600], "bad JSON and NaN: -32700, batch: -32600 (id null)", nulls)
    a12 = by_id(answers, 12) or {}
    check(a12.get("error", {}).get("code") == -32600, "jsonrpc 1.0 refused: -32600", a12)
    check((by_id(answers, 13) or {}).get("result") == {}, "ping answers {} after bad input", by_id(answers, 13))
    check((by_id(answers, 14) or {}).get("error", {}).get("code") == -32602, "params as an array: -32602",
          by_id(answers, 14))
    a15 = by_id(answers, 15) or {}
    check(a15.get("result", {}).get("protocolVersion") == "2025-06-18", "unknown version: server offers its newest",
          a15)
    a16 = by_id(answers, 16) or {}
    check(a16.get("result", {}).get("isError") is True, "unknown kind refused", a16)
    a17 = by_id(answers, 17) or {}
    check(a17.get("result", {}).get("isError") is True and "nope-pod" in tool_text(a17),
          "missing pod: a tool error naming it", a17)
    # Refused calls made no request: the only API reads are from analyze and the missing pod's log.
    paths = [e.get("path", "") for e in ks.audit()[n_before:]]
    check(not any("secret" in p.lower() for p in paths), "no request touched Secrets", paths)
    check(not any("Bad_NS" in p or "widgets" in p or "%2e" in p.lower() or ".." in p for p in paths),
          "refused names never reached the API", paths)


def npm_work():
    """The SDK installed once per lock file outside the build tree; None when unavailable."""
    src = os.path.join(SRC, "tests", "mcp")
    if not shutil.which("node") or not shutil.which("npm"):
        return None, "node/npm not installed"
    if os.path.isdir(os.path.join(src, "node_modules", "@modelcontextprotocol", "sdk")):
        return src, None
    with open(os.path.join(src, "package-lock.json"), "rb") as f:
        import zlib
        key = "%08x" % zlib.crc32(f.read())
    work = os.path.join(tempfile.gettempdir(), "k8sagent-mcp-sdk-" + key)
    if not os.path.isdir(os.path.join(work, "node_modules", "@modelcontextprotocol", "sdk")):
        tmp = work + ".tmp%d" % os.getpid()
        shutil.rmtree(tmp, ignore_errors=True)
        os.makedirs(tmp)
        for f in ("package.json", "package-lock.json"):
            shutil.copy(os.path.join(src, f), tmp)
        r = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=tmp,
                           capture_output=True, text=True, timeout=300)
        if r.returncode != 0:
            shutil.rmtree(tmp, ignore_errors=True)
            return None, "npm ci failed (no registry?): " + r.stderr[-300:]
        shutil.rmtree(work, ignore_errors=True)
        try:
            os.rename(tmp, work)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
    shutil.copy(os.path.join(src, "sdk.mjs"), work)
    return work, None


def sdk_checks(work, args, label):
    r = subprocess.run(["node", "sdk.mjs"] + args, cwd=work, capture_output=True, text=True, timeout=120)
    try:
        out = json.loads(r.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        check(False, label + ": SDK client printed its results", r.stdout[-500:] + r.stderr[-1500:])
        return
    check("error" not in out, label + ": SDK client ran without an exception", out.get("error"))
    check(out.get("tools") == ["analyze", "get_events", "get_logs", "get_object", "list_objects"],
          label + ": SDK lists the five tools", out.get("tools"))
    check(out.get("schemas_ok") is True, label + ": every tool has an object inputSchema")
    check((out.get("server") or {}).get("name") == "k8sagent", label + ": serverInfo", out.get("server"))
    an = out.get("analyze") or {}
    check(not an.get("isError") and "OOMKilled" in an.get("text", ""), label + ": analyze through the SDK", an)
    for t in ("list_pods", "get_object", "get_logs", "get_events"):
        v = out.get(t) or {}
        check(v.get("isError") is False and len(v.get("text", "")) > 0, label + ": " + t + " answers", v)
    check(out.get("pod") is not None and out["pod"] in (out.get("get_object") or {}).get("text", ""),
          label + ": get_object returns the listed pod", out.get("pod"))
    for t in ("secrets", "secret_get"):
        v = out.get(t) or {}
        check(v.get("isError") is True and "Secrets are never read" in v.get("text", ""),
              label + ": " + t + " refused", v)
    check((out.get("bad_namespace") or {}).get("isError") is True, label + ": bad namespace refused")
    check((out.get("unknown_kind") or {}).get("isError") is True, label + ": unknown kind refused")
    check(str(out.get("unknown_tool", "")).startswith("-32602"), label + ": unknown tool is a JSON-RPC error",
          out.get("unknown_tool"))
    check(out.get("ping") is True, label + ": ping")
    check("diagnose" in (out.get("prompts") or []), label + ": the diagnose prompt is listed", out.get("prompts"))
    check("OOMKilled" in (out.get("prompt_text") or "") and set(out.get("prompt_roles") or []) <= {"user", "assistant"},
          label + ": diagnose prompt holds the findings, roles user/assistant", out.get("prompt_roles"))


def http_checks(kd, token):
    """The streamable HTTP transport's own rules, raw."""
    import http.client

    def post(body, headers):
        c = http.client.HTTPConnection("127.0.0.1", kd.port, timeout=30)
        c.request("POST", "/mcp", body=body, headers=headers)
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, data

    auth = {"Authorization": "Bearer " + token}
    js = dict(auth, **{"Content-Type": "application/json", "Accept": "application/json, text/event-stream"})
    st, body = post(req(1, "ping"), js)
    check(st == 200 and json.loads(body).get("result") == {}, "http: ping answers 200 JSON", (st, body[:200]))
    st, body = post(json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}), js)
    check(st == 202 and body == b"", "http: a notification gets 202 and no body", (st, body[:200]))
    st, _ = post(req(2, "ping"), {"Content-Type": "application/json"})
    check(st == 401, "http: no bearer token, 401", st)
    st, _ = post(req(3, "ping"), dict(auth, **{"Content-Type": "text/plain"}))
    check(st == 415, "http: text/plain (a cross-site form) refused with 415", st)
    st, _ = post(req(4, "ping"), dict(js, Origin="http://evil.example"))
    check(st == 403, "http: a foreign Origin refused with 403", st)
    st, _ = post(req(5, "ping"), dict(js, **{"MCP-Protocol-Version": "1999-01-01"}))
    check(st == 400, "http: an unknown MCP-Protocol-Version refused with 400", st)
    st, body = post("{broken", js)
    check(st == 200 and json.loads(body).get("error", {}).get("code") == -32700, "http: bad JSON, -32700",
          (st, body[:200]))
    c = http.client.HTTPConnection("127.0.0.1", kd.port, timeout=30)
    c.request("GET", "/mcp", headers=dict(auth, Accept="text/event-stream"))
    r = c.getresponse()
    r.read()
    c.close()
    check(r.status == 405 and "POST" in (r.getheader("Allow") or ""), "http: GET (no SSE stream) is 405 Allow: POST",
          r.status)


def daemon_has_mcp(ks):
    if not os.path.exists(K8SAGENTD):
        return False
    r = subprocess.run([K8SAGENTD, "--help"], capture_output=True, text=True, timeout=10)
    return "/mcp" in r.stdout


def main():
    if not os.path.exists(K8SAGENT):
        print("SKIP: build service/k8sagent first")
        return 77
    with Kubesim("demo-shop") as ks:
        raw_checks(ks)
        work, why = npm_work()
        if work is None:
            print("# SDK part skipped: " + why)
        else:
            sdk_checks(work, ["stdio", os.path.abspath(K8SAGENT), ks.kubeconfig, NS], "stdio")
        if daemon_has_mcp(ks):
            from k8sagentd import K8sagentd
            tok = tempfile.NamedTemporaryFile("w", suffix=".token", delete=False)
            tok.write("mcp-test-token\n")
            tok.close()
            try:
                with K8sagentd("--kubeconfig", ks.kubeconfig, "--llm-url", "http://127.0.0.1:9",
                               env={"K8SA_AUTH_TOKEN_FILE": tok.name}) as kd:
                    http_checks(kd, "mcp-test-token")
                    if work is not None:
                        sdk_checks(work, ["http", kd.url + "/mcp", "mcp-test-token", NS], "http")
            finally:
                os.unlink(tok.name)
        else:
            print("# /mcp part skipped: k8sagentd not built (--disable-daemon)")
        audit = ks.audit()
        check(len(audit) > 0 and all(e.get("method") == "GET" for e in audit), "every API request was a GET",
              [e.get("method") for e in audit if e.get("method") != "GET"])
        check(not any("secret" in e.get("path", "").lower() for e in audit), "no request touched Secrets")
    print("%d passed, %d failed" % (passed, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
