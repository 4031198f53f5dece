/* SPDX-License-Identifier: MIT */
/* The tool-call wire protocol (llm_tools.h). Ollama: `message.tool_calls[].function.arguments`
 * is a JSON object and a streamed call arrives whole in one line; results go back as
 * {"role":"tool","content","tool_name"}. OpenAI: arguments are a JSON *string*, streamed as
 * fragments joined per `index`; results go back as {"role":"tool","tool_call_id","content"}
 * after the assistant message holding the calls (WIRE.md §4). */
#include "internal.h"
#include "json_get.h"
#include "llm_tools.h"
#include "tbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void llm_tool_call_clear(llm_tool_call *c)
{
	free(c->id);
	free(c->name);
	free(c->arguments);
	memset(c, 0, sizeof(*c));
}

void llm_tool_acc_free(llm_tool_acc *a)
{
	for (size_t i = 0; i < a->n; i++)
		llm_tool_call_clear(&a->calls[i]);
	free(a->calls);
	for (size_t i = 0; i < a->nfrag; i++)
		k8sa_tbuf_release(&a->frag[i]);
	free(a->frag);
	memset(a, 0, sizeof(*a));
}

static llm_tool_call *acc_slot(llm_tool_acc *a, size_t idx)
{
	if (idx > 1024)
		return NULL;
	if (idx >= a->cap) {
		size_t cap = idx + 4;
		llm_tool_call *c = realloc(a->calls, cap * sizeof(*c));
		if (!c)
			return NULL;
		memset(c + a->cap, 0, (cap - a->cap) * sizeof(*c));
		a->calls = c;
		a->cap = cap;
	}
	if (idx >= a->n)
		a->n = idx + 1;
	return &a->calls[idx];
}

static int set_once(char **dst, const char *s)
{
	if (!s || *dst)
		return 0;
	*dst = strdup(s);
	return *dst ? 0 : -1;
}

/* Arguments as JSON object text: an object is dumped, a string is kept as is. */
static char *args_text(json_object *args)
{
	if (!args || json_object_is_type(args, json_type_null))
		return strdup("{}");
	if (json_object_is_type(args, json_type_string))
		return strdup(json_object_get_string(args));
	return k8sa_strdup0(json_object_to_json_string_ext(args, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

static int add_whole_calls(llm_tool_acc *a, json_object *calls)
{
	if (!calls || !json_object_is_type(calls, json_type_array))
		return 0;
	for (size_t i = 0; i < json_object_array_length(calls); i++) {
		json_object *c = json_object_array_get_idx(calls, i), *f = jget(c, "function");
		const char *name = jstr(f, "name");
		if (!name)
			continue;
		llm_tool_call *slot = acc_slot(a, a->n);
		if (!slot || set_once(&slot->name, name) || set_once(&slot->id, jstr(c, "id")))
			return -1;
		if (!(slot->arguments = args_text(jget(f, "arguments"))))
			return -1;
	}
	return 0;
}

int llm_tools_on_object(void *ud, json_object *o, int whole)
{
	llm_tool_acc *a = ud;
	if (a->backend == K8SA_LLM_OLLAMA)
		return add_whole_calls(a, jget(jget(o, "message"), "tool_calls"));
	json_object *choices = jget(o, "choices");
	if (!choices || !json_object_is_type(choices, json_type_array) || json_object_array_length(choices) == 0)
		return 0;
	json_object *c = json_object_array_get_idx(choices, 0);
	if (whole)
		return add_whole_calls(a, jget(jget(c, "message"), "tool_calls"));
	/* a streamed delta: fragments per index (Ollama /v1 sends each call whole, llama.cpp in
	 * pieces, vLLM may send "tool_calls":[] on content deltas) */
	json_object *calls = jget(jget(c, "delta"), "tool_calls");
	if (!calls || !json_object_is_type(calls, json_type_array))
		return 0;
	for (size_t i = 0; i < json_object_array_length(calls); i++) {
		json_object *d = json_object_array_get_idx(calls, i), *f = jget(d, "function");
		json_object *ix = jget(d, "index");
		size_t idx = ix ? (size_t)json_object_get_int(ix) : i;
		llm_tool_call *slot = acc_slot(a, idx);
		if (!slot)
			return -1;
		if (set_once(&slot->id, jstr(d, "id")) || set_once(&slot->name, jstr(f, "name")))
			return -1;
		const char *frag = jstr(f, "arguments");
		if (frag) {
			if (idx >= a->nfrag) {
				k8sa_tbuf *nb = realloc(a->frag, (idx + 1) * sizeof(*nb));
				if (!nb)
					return -1;
				memset(nb + a->nfrag, 0, (idx + 1 - a->nfrag) * sizeof(*nb));
				a->frag = nb;
				a->nfrag = idx + 1;
			}
			k8sa_tbuf_puts(&a->frag[idx], frag);
			if (a->frag[idx].oom)
				return -1;
		}
	}
	return 0;
}

int llm_tool_acc_finish(llm_tool_acc *a)
{
	size_t out = 0;
	for (size_t i = 0; i < a->n; i++) {
		llm_tool_call *c = &a->calls[i];
		if (!c->arguments && i < a->nfrag && a->frag[i].p) {
			if (!(c->arguments = strdup(a->frag[i].p)))
				return -1;
		}
		if (!c->name) { /* an index that never got a name: not a call */
			llm_tool_call_clear(c);
			continue;
		}
		if (!c->arguments || !*c->arguments) {
			free(c->arguments);
			if (!(c->arguments = strdup("{}")))
				return -1;
		}
		if (!c->id) {
			char id[32];
			snprintf(id, sizeof(id), "call_%d", ++a->next_id);
			if (!(c->id = strdup(id)))
				return -1;
		}
		if (out != i) {
			a->calls[out] = *c;
			memset(c, 0, sizeof(*c));
		}
		out++;
	}
	a->n = out;
	return 0;
}

/* ---- requests ------------------------------------------------------------------------------ */

/* The arguments as a JSON object (garbage becomes {} so the request stays valid). */
static json_object *args_object(const char *text)
{
	json_object *o = text ? json_tokener_parse(text) : NULL;
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = json_object_new_object();
	}
	return o;
}

static json_object *render(const k8sa_llm *llm, const llm_tmsg *m, int native)
{
	json_object *o = json_object_new_object();
	if (!o)
		return NULL;
	int oll = llm->backend == K8SA_LLM_OLLAMA;
	if (!native) {
		/* plain text: tool results become user messages, calls the model's own text */
		if (strcmp(m->role, "tool") == 0) {
			k8sa_tbuf b = {0};
			k8sa_tbuf_printf(&b, "Result of the tool call %s:\n%s", m->tool_name ? m->tool_name : "", m->content);
			char *t = k8sa_tbuf_finish(&b, NULL);
			json_object_object_add(o, "role", json_object_new_string("user"));
			json_object_object_add(o, "content", json_object_new_string(t ? t : ""));
			free(t);
			return o;
		}
		json_object_object_add(o, "role", json_object_new_string(m->role));
		if (strcmp(m->role, "assistant") == 0 && !*m->content && m->ncalls) {
			k8sa_tbuf b = {0};
			for (size_t i = 0; i < m->ncalls; i++) {
				json_object *n = json_object_new_string(m->calls[i].name);
				k8sa_tbuf_printf(&b, "%s{\"tool\":%s,\"arguments\":%s}", i ? "\n" : "",
						 json_object_to_json_string(n), m->calls[i].arguments);
				json_object_put(n);
			}
			char *t = k8sa_tbuf_finish(&b, NULL);
			json_object_object_add(o, "content", json_object_new_string(t ? t : ""));
			free(t);
		} else {
			json_object_object_add(o, "content", json_object_new_string(m->content));
		}
		return o;
	}
	json_object_object_add(o, "role", json_object_new_string(m->role));
	if (strcmp(m->role, "assistant") == 0 && m->ncalls) {
		json_object_object_add(o, "content", !oll && !*m->content ? NULL : json_object_new_string(m->content));
		json_object *arr = json_object_new_array();
		for (size_t i = 0; i < m->ncalls; i++) {
			json_object *c = json_object_new_object(), *f = json_object_new_object();
			json_object_object_add(f, "name", json_object_new_string(m->calls[i].name));
			if (oll) {
				json_object_object_add(f, "arguments", args_object(m->calls[i].arguments));
			} else {
				json_object_object_add(c, "id", json_object_new_string(m->calls[i].id ? m->calls[i].id : ""));
				json_object_object_add(c, "type", json_object_new_string("function"));
				json_object_object_add(f, "arguments", json_object_new_string(m->calls[i].arguments));
			}
			json_object_object_add(c, "function", f);
			json_object_array_add(arr, c);
		}
		json_object_object_add(o, "tool_calls", arr);
		return o;
	}
	json_object_object_add(o, "content", json_object_new_string(m->content));
	if (strcmp(m->role, "tool") == 0) {
		if (oll)
			json_object_object_add(o, "tool_name", json_object_new_string(m->tool_name ? m->tool_name : ""));
		else
			json_object_object_add(o, "tool_call_id", json_object_new_string(m->call_id ? m->call_id : ""));
	}
	return o;
}

char *llm_tools_request(const k8sa_llm *llm, const llm_tmsg *msgs, size_t n, int native, int offer_tools,
			const char *definitions_json)
{
	/* Start from the plain request (model, options, stream settings) with no messages. */
	k8sa_messages empty = {0};
	char *base = llm_build_request(llm, &empty);
	json_object *o = base ? json_tokener_parse(base) : NULL;
	free(base);
	if (!o)
		return NULL;
	json_object *arr = json_object_new_array();
	for (size_t i = 0; arr && i < n; i++) {
		json_object *m = render(llm, &msgs[i], native);
		if (!m || json_object_array_add(arr, m) != 0) {
			json_object_put(m);
			json_object_put(arr);
			arr = NULL;
		}
	}
	if (!arr) {
		json_object_put(o);
		return NULL;
	}
	json_object_object_add(o, "messages", arr);
	if (native && offer_tools && definitions_json) {
		json_object *defs = json_tokener_parse(definitions_json), *tools = json_object_new_array();
		for (size_t i = 0; defs && tools && i < json_object_array_length(defs); i++) {
			json_object *t = json_object_new_object();
			json_object_object_add(t, "type", json_object_new_string("function"));
			json_object_object_add(t, "function", json_object_get(json_object_array_get_idx(defs, i)));
			json_object_array_add(tools, t);
		}
		json_object_put(defs);
		json_object_object_add(o, "tools", tools);
	}
	char *s = k8sa_strdup0(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return s;
}

/* ---- JSON actions -------------------------------------------------------------------------- */

int llm_tools_parse_action(const char *text, char **name, char **arguments, char **answer)
{
	*name = *arguments = *answer = NULL;
	for (const char *p = text ? strchr(text, '{') : NULL; p; p = strchr(p + 1, '{')) {
		json_tokener *tok = json_tokener_new();
		if (!tok)
			return 0;
		json_object *o = json_tokener_parse_ex(tok, p, (int)strlen(p));
		json_tokener_free(tok);
		if (!o)
			continue;
		if (!json_object_is_type(o, json_type_object)) {
			json_object_put(o);
			continue;
		}
		const char *tool = jstr(o, "tool");
		if (!tool)
			tool = jstr(o, "name");
		if (!tool)
			tool = jstr(o, "action");
		json_object *args = jget(o, "arguments");
		if (!args)
			args = jget(o, "args");
		if (!args)
			args = jget(o, "parameters");
		const char *ans = jstr(o, "answer");
		int r = 0;
		if (tool && strcmp(tool, "answer") != 0) {
			*name = strdup(tool);
			*arguments = args_text(args);
			r = (*name && *arguments) ? 1 : 0;
			if (!r) {
				free(*name);
				free(*arguments);
				*name = *arguments = NULL;
			}
		} else if (ans) {
			*answer = strdup(ans);
			r = *answer ? 2 : 0;
		}
		json_object_put(o);
		if (r)
			return r;
	}
	return 0;
}

/* ---- capabilities ---------------------------------------------------------------------------- */

struct show_state {
	int tools; /* -1 unknown */
};

static int on_show(void *ud, json_object *o, int whole)
{
	struct show_state *s = ud;
	(void)whole;
	json_object *caps = jget(o, "capabilities");
	if (!caps || !json_object_is_type(caps, json_type_array))
		return 0;
	s->tools = 0;
	for (size_t i = 0; i < json_object_array_length(caps); i++) {
		const char *c = json_object_get_string(json_object_array_get_idx(caps, i));
		if (c && strcmp(c, "tools") == 0)
			s->tools = 1;
	}
	return 0;
}

int llm_tools_model_supports(const k8sa_llm *llm, long timeout_ms)
{
	if (llm->backend != K8SA_LLM_OLLAMA)
		return -1;
	k8sa_llm *c = llm_clone(llm);
	if (!c)
		return -1;
	c->streaming = 0; /* one JSON body, seen whole by the hook */
	c->retries = 0;
	c->first_token_ms = c->total_ms = timeout_ms;
	json_object *req = json_object_new_object();
	json_object_object_add(req, "model", json_object_new_string(c->model));
	char *body = k8sa_strdup0(json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN));
	json_object_put(req);
	struct show_state st = {-1};
	k8sa_llm_stream *s = NULL;
	if (body && llm_stream_start_body(c, "/api/show", body, on_show, &st, &s, NULL) == K8SA_OK) {
		const char *chunk;
		size_t len;
		/* The body is not a chat answer: the stream "fails" at its end, after the hook saw it. */
		while (k8sa_llm_stream_next(s, &chunk, &len, NULL) == K8SA_OK && chunk)
			;
	}
	k8sa_llm_stream_free(s);
	k8sa_llm_free(c);
	return st.tools;
}
