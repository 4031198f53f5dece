/* SPDX-License-Identifier: MIT */
/* jv, the in-place JSON reader of list pages: it must read what json-c reads, the way json-c
 * reads it (the reducers were written against json-c), and hand everything else back. */
#include "internal.h"
#include "jv.h"

#include <check.h>

#include "lib/check_main.h"
#include <stdlib.h>
#include <string.h>

/* Parse text with jv (on a copy: jv writes into its buffer); -1/-2 as jv_parse. */
static int parse(jv_doc *d, const char *text, char **buf)
{
	*buf = strdup(text);
	ck_assert_ptr_nonnull(*buf);
	return jv_parse(d, *buf, strlen(text), 0, NULL);
}

/* json-c's own reading of text, written out (PLAIN). */
static char *jsonc_text(const char *text)
{
	json_object *o = json_tokener_parse(text);
	char *s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

START_TEST(reads_like_jsonc)
{
	/* jv's tree, turned into json-c objects and written out, equals json-c's own reading */
	static const char *const corpus[] = {
		"{}",
		"[]",
		"{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"e\"}}",
		"{\"s\":\"tab\\there \\\"q\\\" \\\\ \\/ \\b\\f\\n\\r\"}",
		"{\"u\":\"\\u00e9\\u20ac\\u0041 and NUL:\\u0000:end\"}",
		"{\"raw\":\"caf\xc3\xa9 \x01 ctrl\"}",
		"{\"n\":[0,-1,42,9223372036854775807,-9223372036854775808,9223372036854775808,"
		"-9223372036854775809,99999999999999999999,1.5,1e3,1E2,-0,0.0,1.5e-7,1e400]}",
		"{\"dup\":1,\"x\":2,\"dup\":\"last\"}",
		"{\"deep\":[[[[[[[[[[{\"k\":[1,[2,[3]]]}]]]]]]]]]]}",
		"  {\"ws\" :\t[ 1 , 2 ]\n}\r\n",
		"{\"k8s\":{\"metadata\":{\"name\":\"cart-7d9f8b6c5-x2x7q\",\"labels\":{\"app\":\"cart\"}},"
		"\"spec\":{\"containers\":[{\"name\":\"cart\",\"ports\":[{\"containerPort\":8080}]}]}}}",
	};
	for (size_t i = 0; i < sizeof(corpus) / sizeof(*corpus); i++) {
		jv_doc d = {0};
		char *buf;
		ck_assert_msg(parse(&d, corpus[i], &buf) == 0, "jv reads corpus %zu: %s", i, d.err);
		json_object *o = jv_jsonc(jv_root(&d));
		char *want = jsonc_text(corpus[i]);
		ck_assert_str_eq(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN), want);
		json_object_put(o);
		free(want);
		free(buf);
		jv_doc_free(&d);
	}
}
END_TEST

START_TEST(hands_back_what_it_does_not_mirror)
{
	/* json-c's non-strict extensions, escapes with json-c's own rules, errors: -1, and the
	 * callers then ask json-c (which reports its error, or parses and jv reads its output) */
	static const char *const corpus[] = {
		"[1,]", "{\"a\":1,}", "[True]", "['a']", "[\"\\ud83d\\ude00\"]", "[\"\\ud800x\"]", "[\"\\x\"]",
		"[01x]", "[-]", "[+1]", "{\"a\" 1}", "[1 2]", "", "   ", "[\"unterminated", "{\"a\":tru}", "[nul]",
	};
	for (size_t i = 0; i < sizeof(corpus) / sizeof(*corpus); i++) {
		jv_doc d = {0};
		char *buf;
		ck_assert_msg(parse(&d, corpus[i], &buf) == -1, "jv hands back corpus %zu (%s)", i, corpus[i]);
		ck_assert_ptr_null(jv_root(&d));
		free(buf);
		/* what json-c accepts comes back through jv_from_jsonc, the same as json-c */
		json_object *o = json_tokener_parse(corpus[i]);
		if (o) {
			char *text = NULL;
			ck_assert_int_eq(jv_from_jsonc(&d, o, &text), 0);
			json_object *back = jv_jsonc(jv_root(&d));
			ck_assert_str_eq(json_object_to_json_string_ext(back, JSON_C_TO_STRING_PLAIN),
					 json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
			json_object_put(back);
			free(text);
		}
		json_object_put(o);
		jv_doc_free(&d);
	}
	/* nesting beyond the limit goes to json-c too */
	jv_doc d = {0};
	char deep[80];
	memset(deep, '[', 40);
	memset(deep + 40, ']', 40);
	char *buf = malloc(sizeof(deep));
	memcpy(buf, deep, sizeof(deep));
	ck_assert_int_eq(jv_parse(&d, buf, sizeof(deep), 30, NULL), -1);
	memcpy(buf, deep, sizeof(deep));
	ck_assert_int_eq(jv_parse(&d, buf, sizeof(deep), 64, NULL), 0);
	ck_assert_uint_eq(d.max_depth, 40);
	free(buf);
	jv_doc_free(&d);
}
END_TEST

START_TEST(duplicates_and_iteration_follow_jsonc)
{
	jv_doc d = {0};
	char *buf;
	ck_assert_int_eq(parse(&d, "{\"a\":1,\"b\":2,\"a\":3,\"c\":null,\"b\":\"x\"}", &buf), 0);
	jv *o = jv_root(&d);
	/* lookups see the last value */
	jv *a = jv_get(o, "a", 1);
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(a->type, JV_NUM);
	ck_assert_int_eq(a->i, 3);
	ck_assert_int_eq(jv_get(o, "c", 1)->type, JV_NULL);
	ck_assert_ptr_null(jv_get(o, "zz", 2));
	/* iteration: each key once, at its first position, with its last value (json-c's order) */
	const char *keys[4];
	jv *vals[4];
	size_t n = 0;
	for (jv_iter it = jv_iter_start(o); jv_iter_next(&it) && n < 4; n++) {
		keys[n] = it.key;
		vals[n] = it.val;
	}
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(keys[0], "a");
	ck_assert_int_eq(vals[0]->i, 3);
	ck_assert_str_eq(keys[1], "b");
	ck_assert_str_eq(vals[1]->s, "x");
	ck_assert_str_eq(keys[2], "c");
	json_object *jo = json_tokener_parse("{\"a\":1,\"b\":2,\"a\":3,\"c\":null,\"b\":\"x\"}");
	size_t k = 0;
	json_object_object_foreach(jo, key, val)
	{
		(void)val;
		ck_assert_str_eq(key, keys[k++]);
	}
	ck_assert_uint_eq(k, 3);
	json_object_put(jo);
	/* arrays: first/next/at */
	free(buf);
	ck_assert_int_eq(parse(&d, "[10,[20,21],{\"x\":30},40]", &buf), 0);
	jv *arr = jv_root(&d);
	ck_assert_uint_eq(arr->n, 4);
	ck_assert_int_eq(jv_at(arr, 0)->i, 10);
	ck_assert_int_eq(jv_at(arr, 1)->type, JV_ARR);
	ck_assert_int_eq(jv_at(arr, 3)->i, 40);
	ck_assert_ptr_null(jv_at(arr, 4));
	size_t m = 0;
	for (jv *e = jv_first(arr); e; e = jv_next(arr, e))
		m++;
	ck_assert_uint_eq(m, 4);
	free(buf);
	jv_doc_free(&d);
}
END_TEST

START_TEST(numbers_keep_jsonc_values)
{
	/* plain integers are read directly; the rest through json-c (doubles keep their text) */
	jv_doc d = {0};
	char *buf;
	ck_assert_int_eq(parse(&d, "[7,-0,1.50,12345678901234567890,\"8080\"]", &buf), 0);
	jv *arr = jv_root(&d);
	ck_assert(jv_at(arr, 0)->is_int);
	ck_assert(!jv_at(arr, 1)->is_int); /* "-0": json-c makes it 0, through json-c */
	json_object *z = jv_jsonc(jv_at(arr, 1));
	ck_assert_int_eq(json_object_get_int64(z), 0);
	json_object_put(z);
	json_object *dbl = jv_jsonc(jv_at(arr, 2));
	ck_assert_str_eq(json_object_to_json_string_ext(dbl, JSON_C_TO_STRING_PLAIN), "1.50");
	json_object_put(dbl);
	json_object *big = jv_jsonc(jv_at(arr, 3));
	ck_assert_int_eq(json_object_get_int64(big), INT64_MAX);
	json_object_put(big);
	ck_assert_int_eq(jv_at(arr, 4)->type, JV_STR);
	free(buf);
	jv_doc_free(&d);
}
END_TEST

Suite *k8sa_test_suite(void)
{
	Suite *s = suite_create("jv");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, reads_like_jsonc);
	tcase_add_test(tc, hands_back_what_it_does_not_mirror);
	tcase_add_test(tc, duplicates_and_iteration_follow_jsonc);
	tcase_add_test(tc, numbers_keep_jsonc_values);
	suite_add_tcase(s, tc);
	return s;
}
