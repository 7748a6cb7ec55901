/*
 * fuzz_ctl_request: the daemon's reading of what a client writes on the control socket.
 *
 * The input is the client's bytes. As daemon/ctl.c's process_input() does, they are cut
 * into lines at '\n' and each line (without the '\n') goes to ctl_parse_request()
 * (daemon/ctlproto.c), the daemon's own parser; a last line without '\n' is read only
 * when it is over CTL_MAX_MSG (TooLarge), and TooLarge ends the connection. Then the
 * reply the daemon sends for the result is built with its own ctl_error_reply() or
 * ctl_return_reply() and ctl_wire_text(), and read back with the client's
 * ctl_parse_reply().
 *
 * Checks, besides no crash, leak or sanitizer report:
 *  - the result is OK, BLANK or ERROR; BLANK exactly when the line is only blanks ('
 *    ', '\t', '\r', NUL); TooLarge exactly when the line is over CTL_MAX_MSG;
 *  - an error has a known class and a non-empty, terminated desc; ParseError and
 *    TooLarge have no request object, the others have one;
 *  - a success names a command of ctl_commands whose name is the whole "cmd" string; the
 *    request has no member but cmd, args and id; args is NULL or the "args" object; each
 *    argument is one of the command's, of its type, and every required one is there;
 *  - the same bytes parse the same again (result, class, desc, command, request);
 *  - a request that parsed as an object parses the same from its canonical JSON text
 *    (what any client that builds the object would send), where json-c reads that text
 *    back with the same types;
 *  - the reply is one line of valid UTF-8, and the client reads it as the daemon meant it: the same
 *    class and desc (control characters shown as '?') for an error, the return value
 *    for a success, when its id is absent or 1; "another request's id" otherwise.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctlproto.h"
#include "fuzz.h"

static const char *const classes[] = { CTL_E_PARSE, CTL_E_ARG, CTL_E_NOCMD, CTL_E_TOOLARGE };

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\0';
}

/* The same JSON (by its text: json_object_equal() finds NaN unequal to itself, and json-c reads NaN). */
static bool same_json(struct json_object *a, struct json_object *b)
{
	return (!a && !b) || (a && b && strcmp(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN),
					       json_object_to_json_string_ext(b, JSON_C_TO_STRING_PLAIN)) == 0);
}

/* Non-empty and terminated within n bytes. */
static bool filled(const char *s, size_t n)
{
	size_t len = strnlen(s, n);

	return len > 0 && len < n;
}

static bool arg_ok(struct json_object *v, enum ctl_arg_type t)
{
	switch (t) {
	case CTL_ARG_INT: return json_object_is_type(v, json_type_int);
	case CTL_ARG_NUMBER: return json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double);
	case CTL_ARG_STRING: return json_object_is_type(v, json_type_string);
	}
	return false;
}

static void check_error(const struct ctl_req *r, size_t len)
{
	bool known = false;

	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		known |= r->eclass && strcmp(r->eclass, classes[i]) == 0;
	FUZZ_CHECK(known);
	FUZZ_CHECK(filled(r->desc, sizeof(r->desc)));
	FUZZ_CHECK(strcmp(r->desc, "not valid JSON: success") != 0);  /* json-c's "null" is no object */
	FUZZ_CHECK((strcmp(r->eclass, CTL_E_TOOLARGE) == 0) == (len > CTL_MAX_MSG));
	if (strcmp(r->eclass, CTL_E_PARSE) == 0 || strcmp(r->eclass, CTL_E_TOOLARGE) == 0)
		FUZZ_CHECK(r->obj == NULL && r->id == NULL);
	else
		FUZZ_CHECK(r->obj != NULL && json_object_is_type(r->obj, json_type_object));
	FUZZ_CHECK(r->args == NULL);
}

/* Each argument one of the command's and of its type, every required one there. */
static void check_args(const struct ctl_command *c, struct json_object *args)
{
	if (args) {
		json_object_object_foreach(args, key, val) {
			const struct ctl_arg_spec *a = NULL;
			for (int i = 0; i < CTL_MAX_ARGS && c->args[i].name && !a; i++)
				if (strcmp(c->args[i].name, key) == 0)
					a = &c->args[i];
			FUZZ_CHECK(a != NULL && arg_ok(val, a->type));
		}
	}
	for (int i = 0; i < CTL_MAX_ARGS && c->args[i].name; i++)
		if (c->args[i].required)
			FUZZ_CHECK(args && json_object_object_get_ex(args, c->args[i].name, NULL));
}

static void check_ok(const struct ctl_req *r)
{
	const struct ctl_command *c;
	struct json_object *cmd = NULL, *args = NULL, *id = NULL;

	FUZZ_CHECK((unsigned)r->cmd < CTL_NCMDS);
	c = &ctl_commands[r->cmd];
	FUZZ_CHECK(r->obj != NULL && json_object_is_type(r->obj, json_type_object));
	json_object_object_foreach(r->obj, key, val) {
		(void)val;
		FUZZ_CHECK(strcmp(key, "cmd") == 0 || strcmp(key, "args") == 0 || strcmp(key, "id") == 0);
	}
	FUZZ_CHECK(json_object_object_get_ex(r->obj, "cmd", &cmd) && json_object_is_type(cmd, json_type_string));
	FUZZ_CHECK((size_t)json_object_get_string_len(cmd) == strlen(c->name) &&
		   memcmp(json_object_get_string(cmd), c->name, strlen(c->name)) == 0);
	json_object_object_get_ex(r->obj, "args", &args);
	FUZZ_CHECK(r->args == args);
	FUZZ_CHECK(args == NULL || json_object_is_type(args, json_type_object));
	json_object_object_get_ex(r->obj, "id", &id);
	FUZZ_CHECK(r->id == id);
	check_args(c, args);
}

/* Two parses that must agree; same_text: their request objects print the same too. */
static void check_same(enum ctl_parse ra, const struct ctl_req *a, enum ctl_parse rb, const struct ctl_req *b,
		       bool same_text)
{
	FUZZ_CHECK(ra == rb);
	if (ra == CTL_PARSE_OK)
		FUZZ_CHECK(a->cmd == b->cmd);
	if (ra == CTL_PARSE_ERROR)
		FUZZ_CHECK(strcmp(a->eclass, b->eclass) == 0 && strcmp(a->desc, b->desc) == 0);
	if (same_text)
		FUZZ_CHECK(same_json(a->obj, b->obj) && same_json(a->args, b->args) && same_json(a->id, b->id));
}

/*
 * a and b hold values of the same JSON types throughout. json-c does not always print a
 * number so that it reads back as the same type ("1e" is a double printed "1"); requests
 * it changes so are not compared with their printed form.
 */
static bool same_types(struct json_object *a, struct json_object *b)
{
	enum json_type t = json_object_get_type(a);

	if (t != json_object_get_type(b))
		return false;
	if (t == json_type_array) {
		size_t n = json_object_array_length(a);
		if (n != json_object_array_length(b))
			return false;
		for (size_t i = 0; i < n; i++)
			if (!same_types(json_object_array_get_idx(a, i), json_object_array_get_idx(b, i)))
				return false;
	} else if (t == json_type_object) {
		struct json_object *bv;
		if (json_object_object_length(a) != json_object_object_length(b))
			return false;
		json_object_object_foreach(a, key, av)
			if (!json_object_object_get_ex(b, key, &bv) || !same_types(av, bv))
				return false;
	}
	return true;
}

/* The client shows the daemon's text as it is, control characters made '?'. */
static bool shown_as(const char *shown, const char *sent)
{
	if (strlen(shown) != strlen(sent))
		return false;
	for (; *sent; sent++, shown++)
		if (*shown != *sent && !(*shown == '?' && ((unsigned char)*sent < 0x20 || *sent == 0x7f)))
			return false;
	return true;
}

/* Valid UTF-8 (RFC 3629: no overlong form, no surrogate, nothing above U+10FFFF). */
static bool utf8(const unsigned char *s)
{
	while (*s) {
		unsigned c = *s, n = c < 0x80 ? 0 : c >= 0xc2 && c < 0xe0 ? 1 : c >= 0xe0 && c < 0xf0 ? 2 : c >= 0xf0 && c < 0xf5 ? 3 : 9;
		unsigned cp = n == 0 ? c : c & (0x3f >> n);

		if (n == 9)
			return false;
		for (unsigned k = 1; k <= n; k++) {
			if ((s[k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp < 0xe000))
			return false;
		s += n + 1;
	}
	return true;
}

/* The daemon's reply to the request, as the client reads it. */
static void check_reply(enum ctl_parse res, const struct ctl_req *r)
{
	struct json_object *reply, *ret;
	struct ctl_status st;
	char *text;
	bool our_id = !r->id || (json_object_is_type(r->id, json_type_int) && json_object_get_int64(r->id) == 1);

	if (res == CTL_PARSE_OK)
		reply = ctl_return_reply(r->id, json_object_new_string(ctl_commands[r->cmd].name));
	else
		reply = ctl_error_reply(r->id, r->eclass, r->desc);
	text = ctl_wire_text(reply);
	FUZZ_CHECK(text != NULL && strchr(text, '\n') == NULL && utf8((const unsigned char *)text));
	ret = ctl_parse_reply(text, "fuzz", &st);
	if (!our_id) {
		FUZZ_CHECK(ret == NULL && st.failure == CTL_MALFORMED);
	} else if (res == CTL_PARSE_OK) {
		FUZZ_CHECK(ret != NULL && st.failure == CTL_OK);
		FUZZ_CHECK(strcmp(json_object_get_string(ret), ctl_commands[r->cmd].name) == 0);
	} else {
		FUZZ_CHECK(ret == NULL && st.failure == CTL_ERROR);
		FUZZ_CHECK(strcmp(st.eclass, r->eclass) == 0 && shown_as(st.desc, r->desc));
	}
	json_object_put(ret);
	json_object_put(reply);
	free(text);
}

static void one_request(const char *line, size_t len)
{
	struct ctl_req r, again;
	enum ctl_parse res = ctl_parse_request(line, len, &r), res2;
	bool all_blank = true;

	for (size_t i = 0; i < len && all_blank && len <= CTL_MAX_MSG; i++)
		all_blank = blank(line[i]);
	FUZZ_CHECK(res == CTL_PARSE_OK || res == CTL_PARSE_BLANK || res == CTL_PARSE_ERROR);
	FUZZ_CHECK((res == CTL_PARSE_BLANK) == (len <= CTL_MAX_MSG && all_blank));
	if (res == CTL_PARSE_ERROR)
		check_error(&r, len);
	else if (res == CTL_PARSE_OK)
		check_ok(&r);
	else
		FUZZ_CHECK(r.obj == NULL);

	res2 = ctl_parse_request(line, len, &again);
	check_same(res, &r, res2, &again, true);
	ctl_req_free(&again);

	if (r.obj) {
		const char *canon = json_object_to_json_string_ext(r.obj, JSON_C_TO_STRING_PLAIN);
		size_t clen = strlen(canon);
		struct json_object *back = json_tokener_parse(canon);

		if (clen <= CTL_MAX_MSG && back && same_types(r.obj, back)) {
			res2 = ctl_parse_request(canon, clen, &again);
			check_same(res, &r, res2, &again, false);
			ctl_req_free(&again);
		}
		json_object_put(back);
	}
	if (res != CTL_PARSE_BLANK)
		check_reply(res, &r);
	ctl_req_free(&r);
	FUZZ_CHECK(r.obj == NULL && r.args == NULL && r.id == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t start = 0;

	while (start < size) {
		const uint8_t *nl = memchr(data + start, '\n', size - start);
		size_t len = nl ? (size_t)(nl - (data + start)) : size - start;
		/* the line in a buffer of its own size, so a read past its end is caught */
		char *line = malloc(len ? len : 1);

		if (!line)
			abort();
		memcpy(line, data + start, len);
		if (nl || len > CTL_MAX_MSG)
			one_request(line, len);
		free(line);
		if (!nl || len > CTL_MAX_MSG)
			break; /* the rest of a line to come, or TooLarge: the connection is closed */
		start += len + 1;
	}
	return 0;
}
