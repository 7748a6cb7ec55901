/*
 * fuzz_ctl_reply: the client's reading of what the daemon writes on the control socket
 * (numadctl, numad -w).
 *
 * The input is the daemon's bytes, cut into lines at '\n' as ctlclient.c's next_line()
 * does; a NUL inside a line ends the text the client parses. The first line goes to
 * ctl_parse_greeting(), and when the client would go on, the second to
 * ctl_parse_reply() (daemon/ctlproto.c), the functions ctl_request() calls. A "return"
 * value then goes through ctl_advice_nodes(), what numad -w does with an advise answer.
 *
 * Checks, besides no crash, leak or sanitizer report:
 *  - the daemon's own greeting (ctl_greeting()) is accepted;
 *  - a greeting is accepted exactly when its status is CTL_OK; a reply is returned
 *    exactly when its status is CTL_OK;
 *  - a failure is CTL_MALFORMED or CTL_ERROR (and only a line with an "error" member
 *    gives CTL_ERROR); its desc, and for CTL_ERROR its class, are non-empty, terminated,
 *    and one line of text (numadctl prints them as one line on stderr);
 *  - the same line reads the same again;
 *  - an advise answer's list is canonical (it formats back to itself), names the same
 *    set as the answer's "nodes", and is either whole or refused (list emptied): it fits
 *    a short buffer exactly when it is shorter than that buffer.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctlproto.h"
#include "fuzz.h"
#include "nodeset.h"

/* The same JSON (by its text: json_object_equal() finds NaN unequal to itself, and json-c reads NaN). */
static bool same_json(struct json_object *a, struct json_object *b)
{
	return (!a && !b) || (a && b && strcmp(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN),
					       json_object_to_json_string_ext(b, JSON_C_TO_STRING_PLAIN)) == 0);
}

/* Non-empty, terminated within n bytes, and printable on one line. */
static bool one_line(const char *s, size_t n)
{
	size_t len = strnlen(s, n);

	if (len == 0 || len == n)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

static bool has_error_member(const char *line)
{
	struct json_object *o = json_tokener_parse(line);
	bool has = json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, "error", NULL);

	json_object_put(o);
	return has;
}

static void check_status(const struct ctl_status *st, bool ok, const char *line)
{
	FUZZ_CHECK(st->sys_errno == 0);
	if (ok) {
		FUZZ_CHECK(st->failure == CTL_OK);
		return;
	}
	FUZZ_CHECK(st->failure == CTL_MALFORMED || st->failure == CTL_ERROR);
	FUZZ_CHECK(one_line(st->desc, sizeof(st->desc)));
	if (st->failure == CTL_ERROR) {
		FUZZ_CHECK(one_line(st->eclass, sizeof(st->eclass)));
		FUZZ_CHECK(has_error_member(line));
	}
}

static void check_same(const struct ctl_status *a, const struct ctl_status *b)
{
	FUZZ_CHECK(a->failure == b->failure && strcmp(a->eclass, b->eclass) == 0 && strcmp(a->desc, b->desc) == 0);
}

static void greeting_once(void)
{
	static bool done;
	struct json_object *g;
	struct ctl_status st;
	char *text;

	if (done)
		return;
	done = true;
	g = ctl_greeting("0.0.0");
	text = ctl_wire_text(g);
	FUZZ_CHECK(text && ctl_parse_greeting(text, "fuzz", &st) == 0 && st.failure == CTL_OK);
	json_object_put(g);
	free(text);
}

static void advice(struct json_object *ret)
{
	struct json_object *nodes;
	struct nodeset ns, back;
	char list[4096], small[8], again[4096], perr[256];
	int r = ctl_advice_nodes(ret, list, sizeof(list)), rs = ctl_advice_nodes(ret, small, sizeof(small));
	size_t len;

	if (r < 0) {
		FUZZ_CHECK(r == -1 && list[0] == '\0' && rs == -1 && small[0] == '\0');
		return;
	}
	FUZZ_CHECK(r == 0);
	len = strlen(list);
	FUZZ_CHECK(len > 0 && len < sizeof(list));
	FUZZ_CHECK(nodeset_parse(&back, list, perr, sizeof(perr)) == 0 && !nodeset_empty(&back));
	FUZZ_CHECK(nodeset_format(&back, again, sizeof(again)) == (int)len && strcmp(again, list) == 0);
	FUZZ_CHECK(json_object_object_get_ex(ret, "nodes", &nodes) && json_object_is_type(nodes, json_type_string));
	FUZZ_CHECK(nodeset_parse(&ns, json_object_get_string(nodes), perr, sizeof(perr)) == 0 &&
		   nodeset_equal(&ns, &back));
	if (len < sizeof(small))
		FUZZ_CHECK(rs == 0 && strcmp(small, list) == 0);
	else
		FUZZ_CHECK(rs == -1 && small[0] == '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size), *nl2;
	struct ctl_status st, st2;
	struct json_object *ret, *ret2;
	char *first, *second;
	int g;

	greeting_once();
	if (!nl)
		return 0; /* no greeting line: the client times out */
	first = fuzz_text(data, (size_t)(nl - data));
	g = ctl_parse_greeting(first, "fuzz", &st);
	FUZZ_CHECK(g == 0 || g == -1);
	check_status(&st, g == 0, first);
	FUZZ_CHECK(ctl_parse_greeting(first, "fuzz", &st2) == g);
	check_same(&st, &st2);
	nl2 = memchr(nl + 1, '\n', size - (size_t)(nl + 1 - data));
	if (g == 0 && nl2) {
		second = fuzz_text(nl + 1, (size_t)(nl2 - (nl + 1)));
		ret = ctl_parse_reply(second, "fuzz", &st);
		check_status(&st, ret != NULL, second);
		ret2 = ctl_parse_reply(second, "fuzz", &st2);
		check_same(&st, &st2);
		FUZZ_CHECK(same_json(ret, ret2));
		if (ret)
			advice(ret);
		json_object_put(ret2);
		json_object_put(ret);
		free(second);
	}
	free(first);
	return 0;
}
