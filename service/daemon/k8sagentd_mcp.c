/* SPDX-License-Identifier: MIT */
/* k8sagentd /mcp: the library's MCP server (mcp.h) over MCP's streamable HTTP transport,
 * stateless: each POST carries one JSON-RPC message and gets its answer as application/json
 * (202 for a notification). No server-initiated stream: GET and DELETE answer 405. The
 * daemon's bearer token, body limit and Origin check apply as to every other route. */
#include "k8sagentd.h"

#include <k8sagent/mcp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* A browser page of another site must not drive the tools (DNS rebinding, CSRF): an Origin,
 * when sent, must name the host the request was sent to. */
static int origin_ok(struct MHD_Connection *c)
{
	const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
	if (!origin)
		return 1;
	const char *p = strstr(origin, "://");
	return p && host && strcmp(p + 3, host) == 0;
}

static int version_ok(const char *v)
{
	if (!v)
		return 1; /* the spec's default for a client that sends none */
	for (const char *const *s = k8sa_mcp_protocol_versions(); *s; s++)
		if (strcmp(v, *s) == 0)
			return 1;
	return 0;
}

enum MHD_Result kd_route_mcp(struct MHD_Connection *c, kd_req *req)
{
	if (strcmp(req->method, "POST") != 0) {
		static const char *const h[] = {MHD_HTTP_HEADER_ALLOW, "POST", NULL};
		return kd_send_error_h(c, req, 405, h,
				       "this MCP endpoint is stateless: POST one JSON-RPC message; no SSE stream");
	}
	if (!origin_ok(c))
		return kd_send_error(c, req, 403, "Origin does not match Host: cross-site MCP requests are refused");
	if (!version_ok(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "MCP-Protocol-Version")))
		return kd_send_error(c, req, 400, "unsupported MCP-Protocol-Version (supported: %s)",
				     k8sa_mcp_protocol_versions()[0]);
	const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	if (!ct || strncasecmp(ct, "application/json", 16) != 0)
		return kd_send_error(c, req, 415, "send the JSON-RPC message as Content-Type: application/json");
	k8sa_error e;
	memset(&e, 0, sizeof e);
	char *resp = NULL;
	if (kd_mcp_handle(req->body ? req->body : "", req->body_len, &resp, &e) != K8SA_OK) {
		kd_log(KD_LOG_WARN, "mcp: %s", e.message);
		return kd_send_error(c, req, 503, "%s", e.message);
	}
	if (!resp)
		return kd_send(c, req, 202, "application/json", "", 0);
	enum MHD_Result r = kd_send(c, req, 200, "application/json", resp, strlen(resp));
	k8sa_free(resp);
	return r;
}
