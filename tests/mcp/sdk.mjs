// The official MCP TypeScript SDK client against k8sagent's MCP server, over stdio
// (`k8sagent mcp`) or streamable HTTP (k8sagentd /mcp). Prints one JSON line of results;
// tests/mcp/mcp.py judges them (and kubesim's audit log).
//   node sdk.mjs stdio K8SAGENT KUBECONFIG NAMESPACE
//   node sdk.mjs http URL TOKEN NAMESPACE
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const [mode, a, b, ns] = process.argv.slice(2);
let transport;
if (mode === "stdio") {
  transport = new StdioClientTransport({ command: a, args: ["--kubeconfig", b, "mcp", "-n", ns], stderr: "pipe" });
} else {
  const headers = b ? { Authorization: "Bearer " + b } : {};
  transport = new StreamableHTTPClientTransport(new URL(a), { requestInit: { headers } });
}
const client = new Client({ name: "k8sagent-sdk-test", version: "1.0.0" });
const out = { mode };
const text = (r) => (r.content || []).map((c) => c.text || "").join("");
try {
  await client.connect(transport);
  out.server = client.getServerVersion();
  out.capabilities = client.getServerCapabilities();
  const tools = await client.listTools();
  out.tools = tools.tools.map((t) => t.name).sort();
  out.schemas_ok = tools.tools.every((t) => t.inputSchema && t.inputSchema.type === "object");
  const call = async (name, args) => {
    const r = await client.callTool({ name, arguments: args });
    return { isError: !!r.isError, text: text(r) };
  };
  out.analyze = await call("analyze", { namespace: ns });
  out.list_pods = await call("list_objects", { kind: "pods", namespace: ns });
  const m = out.list_pods.text.match(/\b([a-z0-9-]+-[a-z0-9]{5})\b/);
  out.pod = m ? m[1] : null;
  out.get_object = await call("get_object", { kind: "pods", namespace: ns, name: out.pod || "x" });
  out.get_logs = await call("get_logs", { namespace: ns, pod: out.pod || "x", tail_lines: 20 });
  out.get_events = await call("get_events", { namespace: ns });
  out.secrets = await call("list_objects", { kind: "secrets", namespace: ns });
  out.secret_get = await call("get_object", { kind: "Secret", namespace: ns, name: "db" });
  out.bad_namespace = await call("get_events", { namespace: "../kube-system" });
  out.unknown_kind = await call("list_objects", { kind: "widgets", namespace: ns });
  try {
    await client.callTool({ name: "delete_pod", arguments: {} });
    out.unknown_tool = "no error";
  } catch (e) {
    out.unknown_tool = String(e.code) + " " + e.message;
  }
  await client.ping();
  out.ping = true;
  const prompts = await client.listPrompts();
  out.prompts = prompts.prompts.map((p) => p.name);
  if (out.prompts.includes("diagnose")) {
    const p = await client.getPrompt({ name: "diagnose", arguments: { namespace: ns, question: "why?" } });
    out.prompt_roles = p.messages.map((x) => x.role);
    out.prompt_text = p.messages.map((x) => x.content.text).join("\n").slice(0, 20000);
  }
} catch (e) {
  out.error = String(e && e.stack ? e.stack : e);
} finally {
  try { await client.close(); } catch (e) { /* closing a dead transport */ }
}
console.log(JSON.stringify(out));
