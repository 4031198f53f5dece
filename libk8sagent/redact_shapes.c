/* SPDX-License-Identifier: MIT */
/* The redactor's rules for shapes found by position alone (no key before them): Bearer and
 * Basic credentials, URL passwords and webhook URLs, bare values after a word naming a
 * secret, high-entropy runs. Called by the scanner (redact.c) at word starts. */
#include "internal.h"
#include "redact_rules.h"
#include <k8sagent/redact.h>

#include <string.h>

static size_t run(const char *s, size_t n, size_t i, int (*cls)(unsigned char))
{
	while (i < n && cls((unsigned char)s[i]))
		i++;
	return i;
}

static int token_has_signal(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (rr_is_digit(c) || c == '.' || c == '_' || c == '~' || c == '+' || c == '/' || c == '=')
			return 1;
	}
	return len >= 24;
}

static int is_tokch(unsigned char c)
{
	return (rr_ctab[c] & C_B64) || c == '.' || c == '~';
}

/* "Bearer <token>" and "Basic <base64>" anywhere (headers are also caught by their key). */
int rr_scheme_token(const rr_text *sc, size_t i, rr_match *m)
{
	const char *s = sc->s + i;
	size_t n = sc->n - i, p;
	int basic = 0;
	if (rr_has_prefix_ci(s, n, "bearer") && n > 7 && rr_is_hspace((unsigned char)s[6]))
		p = 6;
	else if (rr_has_prefix_ci(s, n, "basic") && n > 6 && rr_is_hspace((unsigned char)s[5]))
		p = 5, basic = 1;
	else
		return 0;
	size_t a = rr_run(s, n, p, C_HSPACE), e = run(s, n, a, is_tokch);
	if (e - a < 8 || rr_has_prefix(s + a, n - a, "[REDACTED"))
		return 0;
	if (basic) {
		int up = 0, lo = 0, dg = 0, other = 0;
		for (size_t k = a; k < e; k++) {
			unsigned char c = (unsigned char)s[k];
			up |= rr_is_upper(c), lo |= rr_is_lower(c), dg |= rr_is_digit(c);
			other |= !(rr_ctab[c] & C_B64) || c == '-' || c == '_';
		}
		if (other || !((up && lo) || dg || s[e - 1] == '='))
			return 0;
	} else if (!token_has_signal(s + a, e - a)) {
		return 0;
	}
	*m = (rr_match){i + a, i + e, K8SA_REDACT_TOKEN};
	return 1;
}

static int host_char(unsigned char c)
{
	return rr_is_alnum(c) || c == '.' || c == '-' || c == '_' || c == '[' || c == ']';
}

/* Webhook URLs whose path is the secret: Slack, Discord, Microsoft Teams. */
static int webhook_secret(const char *s, size_t host, size_t hend, size_t e, size_t *from)
{
	size_t hl = hend - host;
	const char *h = s + host, *path = s + hend;
	size_t pl = e - hend;
	if (hl == 15 && memcmp(h, "hooks.slack.com", 15) == 0) {
		static const char *const kinds[] = {"/services/", "/workflows/", "/triggers/", NULL};
		for (const char *const *k = kinds; *k; k++)
			if (rr_has_prefix(path, pl, *k)) {
				*from = hend + strlen(*k);
				return e > *from;
			}
	}
	if (((hl == 11 && memcmp(h, "discord.com", 11) == 0) || (hl == 14 && memcmp(h, "discordapp.com", 14) == 0)) &&
	    rr_has_prefix(path, pl, "/api/webhooks/")) {
		const char *slash = memchr(path + 14, '/', pl - 14);
		*from = slash ? (size_t)(slash - s) + 1 : e;
		return e > *from;
	}
	const char *iw = rr_find(path, pl, "/IncomingWebhook/", 17);
	if (hl > 19 && memcmp(h + hl - 19, "webhook.office.com", 18) == 0 && iw) {
		*from = (size_t)(iw - s) + 17;
		return e > *from;
	}
	return 0;
}

/* scheme://user:password@host: the password, which may hold '/', '#' or '?' when written
 * unencoded; and the secret path of webhook URLs. */
int rr_url(const rr_text *sc, size_t i, rr_match *m)
{
	const char *s = sc->s;
	size_t n = sc->n, j = i;
	while (j < n && j - i < 32 && (rr_is_alnum((unsigned char)s[j]) || s[j] == '+' || s[j] == '.' || s[j] == '-'))
		j++;
	if (!rr_has_prefix(s + j, n - j, "://"))
		return 0;
	size_t a = j + 3, e = a, d, at = 0, colon = 0;
	for (; e < n; e++) {
		unsigned char c = (unsigned char)s[e];
		if (rr_is_space(c) || c == '"' || c == '\'' || c == '<' || c == '>' || c == '`' || c == '\\' || c == '\0')
			break;
	}
	for (d = a; d < e && s[d] != '/' && s[d] != '?' && s[d] != '#'; d++)
		if (s[d] == '@')
			at = d;
	if (!at) {
		size_t k = a;
		while (k < d && s[k] != ':')
			k++;
		int port = k < d;
		for (size_t q = k + 1; q < d; q++)
			port &= rr_is_digit((unsigned char)s[q]);
		/* "user:pa/ss@host": a colon before the first '/' not followed by a port */
		if (k < d && !port) {
			for (size_t q = d; q < e && !at; q++) {
				if (s[q] != '@' || q + 1 >= e || !rr_is_alnum((unsigned char)s[q + 1]))
					continue;
				size_t h = q + 1;
				while (h < e && host_char((unsigned char)s[h]))
					h++;
				int hport = h + 1 < e && s[h] == ':' && rr_is_digit((unsigned char)s[h + 1]);
				if ((h == e || s[h] == ':' || s[h] == '/' || s[h] == '?') &&
				    (hport || memchr(s + q + 1, '.', h - q - 1) || (h - q - 1 == 9 && !memcmp(s + q + 1, "localhost", 9))))
					at = q;
			}
		}
	}
	if (!at) {
		size_t from;
		if (webhook_secret(s, a, d, e, &from) && !rr_has_prefix(s + from, e - from, "[REDACTED")) {
			*m = (rr_match){from, e, K8SA_REDACT_TOKEN};
			return 1;
		}
		return 0;
	}
	size_t k = a;
	if (rr_has_prefix(s + a, at - a, "[REDACTED:")) /* already redacted user part */
		while (k < at && s[k] != ']')
			k++;
	for (; k < at; k++)
		if (s[k] == ':') {
			colon = k;
			break;
		}
	if (!colon || colon + 1 >= at || rr_has_prefix(s + colon + 1, at - colon - 1, "[REDACTED"))
		return 0;
	*m = (rr_match){colon + 1, at, K8SA_REDACT_PASSWORD};
	return 1;
}

/* Long base64-looking runs mixing cases and digits: bare keys, PEM bodies. */
int rr_entropy(const rr_text *sc, size_t i, rr_match *m)
{
	const char *s = sc->s;
	size_t e = rr_run(s, sc->n, i, C_B64);
	size_t len = e - i;
	if (len < 40)
		return 0;
	int up = 0, lo = 0, dg = 0;
	size_t trans = 0, slash = 0, dashes = 0;
	int prev = -1;
	for (size_t k = i; k < e; k++) {
		unsigned char c = (unsigned char)s[k];
		slash += c == '/';
		dashes += c == '-' || c == '_';
		int cls = rr_is_upper(c) ? 0 : rr_is_lower(c) ? 1 : rr_is_digit(c) ? 2 : 3;
		up |= cls == 0;
		lo |= cls == 1;
		dg |= cls == 2;
		if (prev >= 0 && cls != prev)
			trans++;
		prev = cls;
	}
	/* Random base64 changes class at ~64% of positions, words and paths far less often.
	 * 40 chars is the AWS secret key shape: accept a little less mixing there. */
	if (!(up && lo && dg) || trans * 100 < len * (len == 40 ? 35 : 45))
		return 0;
	/* a path ("/usr/include/x86_64-linux-gnu/bits/types/FILE.h"): base64 has no '-' or '_'
	 * beside '/', and seldom three slashes */
	if (slash >= 3 || (slash && dashes))
		return 0;
	*m = (rr_match){i, e, K8SA_REDACT_SECRET};
	return 1;
}

/* The word before position i on the same line, skipping separators (" ", ":", "=", quotes);
 * returns its start and length (0 when none). */
static size_t word_before(const char *s, size_t i, size_t *start)
{
	static const char *const filler[] = {"is", "was", "are", "to", "as", "be", "now", "set", "of", "value", "used", NULL};
	size_t k = i, lim = i > 64 ? i - 64 : 0, e = i;
	for (int words = 0; words < 3; words++) {
		while (k > lim && (rr_is_hspace((unsigned char)s[k - 1]) || strchr(":=\"'", s[k - 1])))
			k--;
		e = k;
		while (k > lim && rr_is_alnum((unsigned char)s[k - 1]))
			k--;
		int fill = 0;
		for (const char *const *f = filler; *f && !fill; f++)
			fill = e - k == strlen(*f) && rr_has_prefix_ci(s + k, e - k, *f);
		if (!fill)
			break;
	}
	*start = k;
	return e - k;
}

/* A bare value right after a word that names a secret: "signing key: 4f3a...",
 * "auth token 5117...", "heroku api key <uuid>". Hex of 32+, a UUID, or 20+ mixed
 * letters and digits. Digests ("sha256:...") and ids follow other words. */
int rr_keyish_value(const rr_text *sc, size_t i, rr_match *m)
{
	const char *s = sc->s;
	size_t n = sc->n, v = i;
	if (s[i] == '0' && i + 1 < n && (s[i + 1] == 'x' || s[i + 1] == 'X'))
		v = i + 2;
	size_t e = rr_run(s, n, v, C_B64URL), len = e - v;
	if (len == 14 && s[v] == 's' && s[v + 1] == 'u' && rr_run(s, n, v, C_WORD) == e) {
		/* a Sumo Logic access id (su + 12), named by "sumo" on the line */
		size_t ls = i > 80 ? i - 80 : 0, k;
		for (k = ls; k + 4 <= i; k++)
			if (rr_has_prefix_ci(s + k, 4, "sumo"))
				break;
		if (k + 4 <= i) {
			*m = (rr_match){v, e, K8SA_REDACT_SECRET};
			return 1;
		}
	}
	if (len < 20 || (e < n && (s[e] == '.' || s[e] == '/' || s[e] == '@')))
		return 0;
	size_t hex = rr_run(s, n, v, C_HEX) - v;
	int up = 0, lo = 0, dg = 0, uuid = len == 36;
	for (size_t k = v; k < e; k++) {
		unsigned char c = (unsigned char)s[k];
		up |= rr_is_upper(c), lo |= rr_is_lower(c), dg |= rr_is_digit(c);
		if (len == 36)
			uuid &= (k - v == 8 || k - v == 13 || k - v == 18 || k - v == 23) ? c == '-' : (rr_ctab[c] & C_HEX) != 0;
	}
	if (!((hex == len && len >= 32) || uuid || (dg && ((up && lo) || len >= 32) && (up || lo))))
		return 0;
	size_t ws, wl = word_before(s, i, &ws);
	if (!wl || !rr_keyish_word(s + ws, wl))
		return 0;
	*m = (rr_match){v, e, K8SA_REDACT_SECRET};
	return 1;
}

