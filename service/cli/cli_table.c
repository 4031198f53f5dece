/* SPDX-License-Identifier: MIT */
/* The CLI's subcommands and flags as data: the completion scripts are generated from this
 * table (k8sagent completion bash|zsh|fish), and tests/cli-habits.sh checks that every flag
 * listed here is in the command's --help. Each subcommand's getopt table stays next to its
 * code; add a flag in both places. */
#include "config.h"
#include "cli.h"

#include <string.h>

#define END {NULL, 0, 0, NULL, NULL}

/* Completion values of the shared options (service/common/options.c): by name. */
static const struct {
	const char *name, *values;
} shared_values[] = {
	{"kubeconfig", "@file"}, {"context", "@context"}, {"backend", "ollama openai"}, {"prompt-dir", "@dir"},
};

/* The tool's own global flags, after the shared ones. */
static const cli_flag own_global_flags[] = {
	{"scenario", 0, 1, "@dir", "read a scenario directory instead of a cluster"},
	{"no-color", 0, 0, NULL, "no colour (also NO_COLOR=1, or when not a terminal)"},
	{"quiet", 'q', 0, NULL, "no progress, warnings or hints on stderr"},
	{"help", 'h', 0, NULL, "help"},
	{"version", 'V', 0, NULL, "print the version"},
	END,
};

const cli_flag *cli_global_flags(void)
{
	static cli_flag all[SVC_OPT_COUNT + sizeof(own_global_flags) / sizeof(own_global_flags[0])];
	if (all[0].lng)
		return all;
	size_t n = 0;
	for (int i = 0; i < SVC_OPT_COUNT; i++) {
		const char *values = NULL;
		for (size_t k = 0; k < sizeof(shared_values) / sizeof(shared_values[0]); k++)
			if (!strcmp(shared_values[k].name, svc_options[i].name))
				values = shared_values[k].values;
		/* The first line of the help text is enough for a completion menu. */
		all[n++] = (cli_flag){svc_options[i].name, 0, 1, values, svc_options[i].help};
	}
	for (const cli_flag *f = own_global_flags; f->lng; f++)
		all[n++] = *f;
	return all;
}

static const cli_flag snapshot_flags[] = {
	{"namespace", 'n', 1, "@namespace", "namespace"},
	{"all-namespaces", 'A', 0, NULL, "every namespace"},
	{"output", 'o', 1, "json yaml summary wide", "output format"},
	{"help", 'h', 0, NULL, "help"},
	END,
};

static const cli_flag analyze_flags[] = {
	{"namespace", 'n', 1, "@namespace", "namespace"},
	{"all-namespaces", 'A', 0, NULL, "every namespace"},
	{"output", 'o', 1, "text json yaml wide", "output format"},
	{"watch", 'w', 0, NULL, "analyze again every interval and print what changed"},
	{"interval", 0, 1, NULL, "seconds between rounds with --watch (default 30)"},
	{"rounds", 0, 1, NULL, "stop after N rounds with --watch"},
	{"help", 'h', 0, NULL, "help"},
	END,
};

static const cli_flag ask_flags[] = {
	{"prompt-dir", 0, 1, "@dir", "system prompt overrides"},
	{"help", 'h', 0, NULL, "help"},
	END,
};

static const cli_flag diagnose_flags[] = {
	{"namespace", 'n', 1, "@namespace", "namespace"},
	{"all-namespaces", 'A', 0, NULL, "every namespace"},
	{"print-prompt", 0, 0, NULL, "print the messages for the model and call none"},
	{"output", 'o', 1, "text json", "output format"},
	{"prompt-dir", 0, 1, "@dir", "system prompt overrides"},
	{"help", 'h', 0, NULL, "help"},
	END,
};

static const cli_flag investigate_flags[] = {
	{"namespace", 'n', 1, "@namespace", "namespace"},
	{"max-steps", 0, 1, NULL, "most tool calls"},
	{"output", 'o', 1, "text json", "output format"},
	{"protocol", 0, 1, "auto native json", "how tools are called"},
	{"help", 'h', 0, NULL, "help"},
	END,
};

static const cli_flag chat_flags[] = {
	{"namespace", 'n', 1, "@namespace", "namespace"},
	{"max-steps", 0, 1, NULL, "most tool calls per question"},
	{"protocol", 0, 1, "auto native json", "how tools are called"},
	{"help", 'h', 0, NULL, "help"},
	END,
};

static const cli_flag mcp_flags[] = {
	{"namespace", 'n', 1, "@namespace", "namespace the tools use when a call names none"},
	{"help", 'h', 0, NULL, "help"},
	END,
};

static const cli_flag completion_flags[] = {
	{"help", 'h', 0, NULL, "help"},
	END,
};

const cli_command cli_commands[] = {
	{"snapshot", "what the agent sees in a namespace", snapshot_flags, NULL},
	{"analyze", "deterministic findings, root cause first", analyze_flags, NULL},
	{"ask", "ask the model a question (- reads it from stdin)", ask_flags, NULL},
	{"diagnose", "findings explained by the model (- reads the question from stdin)", diagnose_flags, NULL},
	{"investigate", "the model investigates with read-only tools", investigate_flags, NULL},
	{"chat", "an investigation with follow-ups, questions from stdin", chat_flags, NULL},
	{"mcp", "serve the read-only tools over MCP on stdio", mcp_flags, NULL},
	{"completion", "print a shell completion script", completion_flags, "bash zsh fish"},
	{"help", "help", NULL, NULL},
	{NULL, NULL, NULL, NULL},
};

const cli_command *cli_command_find(const char *name)
{
	for (const cli_command *c = cli_commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}
