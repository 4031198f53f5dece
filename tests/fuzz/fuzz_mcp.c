/* SPDX-License-Identifier: MIT */
/* Fuzz: the MCP server's JSON-RPC framing and dispatch (k8sa_mcp_handle) on any bytes.
 * The tools sit on an agent whose API server is a closed loopback port, so a well-formed tool
 * call fails fast without leaving the machine.
 * Invariants: every answer is one line of valid JSON with "jsonrpc": "2.0" and exactly one
 * of "result" / "error"; an error has an integer code and a message. */
#include "internal.h"
#include <k8sagent/k8sagent.h>
#include <json-c/json.h>
#include "fuzz.h"

#include <string.h>

static k8sa_mcp *server(void)
{
	static k8sa_mcp *m;
	if (m)
		return m;
	k8sa_kubeconfig *cfg = NULL;
	k8sa_agent *agent = NULL;
	FUZZ_ASSERT(k8sa_kubeconfig_new(&cfg, NULL) == K8SA_OK);
	FUZZ_ASSERT(k8sa_kubeconfig_set_server(cfg, "http://127.0.0.1:1") == K8SA_OK);
	FUZZ_ASSERT(k8sa_agent_new(&agent, NULL) == K8SA_OK);
	FUZZ_ASSERT(k8sa_agent_set_kubeconfig(agent, cfg, NULL) == K8SA_OK);
	FUZZ_ASSERT(k8sa_agent_set_kube_timeout(agent, 0.2, NULL) == K8SA_OK);
	FUZZ_ASSERT(k8sa_mcp_new(&m, agent, "shop", NULL) == K8SA_OK);
	k8sa_kubeconfig_free(cfg);
	return m; /* kept, with its agent, for the process's life: libFuzzer runs many inputs */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 16)
		return 0;
	char *resp = NULL;
	FUZZ_ASSERT(k8sa_mcp_handle(server(), (const char *)data, size, &resp, NULL) == K8SA_OK);
	if (!resp)
		return 0;
	FUZZ_ASSERT(strchr(resp, '\n') == NULL);
	json_object *out = json_tokener_parse(resp);
	FUZZ_ASSERT(out && json_object_is_type(out, json_type_object));
	json_object *v, *r, *e;
	FUZZ_ASSERT(json_object_object_get_ex(out, "jsonrpc", &v) && !strcmp(json_object_get_string(v), "2.0"));
	int has_r = json_object_object_get_ex(out, "result", &r), has_e = json_object_object_get_ex(out, "error", &e);
	FUZZ_ASSERT(has_r != has_e);
	if (has_e) {
		FUZZ_ASSERT(json_object_object_get_ex(e, "code", &v) && json_object_is_type(v, json_type_int));
		FUZZ_ASSERT(json_object_object_get_ex(e, "message", &v) && json_object_is_type(v, json_type_string));
	}
	json_object_put(out);
	k8sa_free(resp);
	return 0;
}
