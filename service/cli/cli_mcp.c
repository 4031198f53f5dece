/* SPDX-License-Identifier: MIT */
/* k8sagent mcp: the MCP server (mcp.h) on stdio, one JSON-RPC message a line. Nothing but
 * protocol messages goes to stdout; diagnostics go to stderr. */
#include "config.h"
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void mcp_usage(FILE *f)
{
	fprintf(f, "usage: k8sagent [global options] mcp [-n NAMESPACE]\n"
		   "\n"
		   "Serve the Model Context Protocol on stdin/stdout (newline-delimited JSON-RPC 2.0):\n"
		   "the read-only tools list_objects, get_object, get_logs, get_events and analyze, and\n"
		   "the prompt 'diagnose'. Every tool call is a GET through a client that cannot write\n"
		   "and never reads Secrets; results are redacted. Logs go to stderr.\n"
		   "\n"
		   "  -n, --namespace NS   namespace the tools use when a call names none\n"
		   "                       (default: the kubeconfig context's)\n"
		   "\n"
		   "Client configuration (e.g. Claude Desktop): {\"command\": \"k8sagent\", \"args\": [\"mcp\"]}\n"
		   "Exit status: 0 at the end of input, 2 configuration error.\n");
}

/* Read one line of any length; NULL at end of input. */
static char *read_line(FILE *in, size_t *len)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, in);
	if (n < 0) {
		free(line);
		return NULL;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = 0;
	*len = (size_t)n;
	return line;
}

int cli_mcp(const cli_globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{"namespace", required_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *ns = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n': ns = optarg; break;
		case 'h': mcp_usage(stdout); return CLI_OK;
		default: mcp_usage(stderr); return CLI_ERROR;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "k8sagent mcp: unexpected argument '%s'\n", argv[optind]);
		return CLI_ERROR;
	}
	if (ns && !k8sa_namespace_is_valid(ns)) {
		fprintf(stderr, "k8sagent mcp: -n %s: not a valid namespace name\n", ns);
		return CLI_ERROR;
	}
	k8sa_error e;
	memset(&e, 0, sizeof(e));
	k8sa_agent *agent = NULL;
	k8sa_mcp *mcp = NULL;
	int rc = cli_make_agent(g, NULL, CLI_AGENT_CLUSTER | CLI_AGENT_MODEL, &agent);
	if (rc != CLI_OK)
		return rc;
	if (k8sa_mcp_new(&mcp, agent, ns, &e) != K8SA_OK) {
		fprintf(stderr, "k8sagent mcp: %s\n", e.message);
		k8sa_agent_free(agent);
		return CLI_ERROR;
	}
	fprintf(stderr, "k8sagent mcp: serving MCP on stdio (read-only tools; namespace %s)\n",
		ns ? ns : k8sa_agent_namespace(agent));
	size_t len;
	char *line;
	while ((line = read_line(stdin, &len))) {
		if (len == 0) {
			free(line);
			continue;
		}
		char *resp = NULL;
		if (k8sa_mcp_handle(mcp, line, len, &resp, &e) != K8SA_OK)
			fprintf(stderr, "k8sagent mcp: %s\n", e.message);
		if (resp) {
			fputs(resp, stdout);
			fputc('\n', stdout);
			fflush(stdout);
		}
		k8sa_free(resp);
		free(line);
	}
	k8sa_mcp_free(mcp);
	k8sa_agent_free(agent);
	return rc;
}
