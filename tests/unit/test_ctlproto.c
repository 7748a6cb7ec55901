/*
 * test_ctlproto.c: the control protocol without a socket (daemon/ctlproto.c): what the
 * daemon makes of a request line, and what numadctl and numad -w make of the daemon's
 * greeting and reply. Expected classes and texts are the ones numadctl(8) documents and a
 * client sees on the wire.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "ctlproto.h"

/* Parse a NUL-terminated request line. */
static enum ctl_parse parse(const char *line, struct ctl_req *r)
{
	return ctl_parse_request(line, strlen(line), r);
}

/* line must be refused with eclass and exactly desc. */
static void assert_refused(const char *line, const char *eclass, const char *desc)
{
	struct ctl_req r;

	if (parse(line, &r) != CTL_PARSE_ERROR)
		fail_msg("'%s' was not refused", line);
	assert_string_equal(r.eclass, eclass);
	assert_string_equal(r.desc, desc);
	ctl_req_free(&r);
}

/* ---- requests ---- */

static void test_status_parses(void **state)
{
	struct ctl_req r;

	(void)state;
	assert_int_equal(parse("{\"cmd\":\"status\",\"id\":7}", &r), CTL_PARSE_OK);
	assert_int_equal(r.cmd, CTL_CMD_STATUS);
	assert_string_equal(ctl_commands[r.cmd].name, "status");
	assert_false(ctl_commands[r.cmd].privileged);
	assert_null(r.args);
	assert_non_null(r.id);
	assert_int_equal(json_object_get_int(r.id), 7);
	ctl_req_free(&r);
	assert_null(r.obj);

	/* socat and telnet send "\r\n"; blanks around the object do not matter */
	assert_int_equal(parse("  {\"cmd\": \"status\", \"args\": {}}  \r", &r), CTL_PARSE_OK);
	assert_int_equal(r.cmd, CTL_CMD_STATUS);
	assert_null(r.id);
	ctl_req_free(&r);
}

static void test_arguments_parse(void **state)
{
	struct ctl_req r;
	struct json_object *v;

	(void)state;
	assert_int_equal(parse("{\"cmd\":\"advise\",\"args\":{\"cpus\":2.5,\"mb\":1024},\"id\":\"a\"}", &r),
			 CTL_PARSE_OK);
	assert_int_equal(r.cmd, CTL_CMD_ADVISE);
	assert_true(json_object_object_get_ex(r.args, "cpus", &v));
	assert_true(json_object_get_double(v) == 2.5);
	assert_true(json_object_object_get_ex(r.args, "mb", &v));
	assert_int_equal(json_object_get_int64(v), 1024);
	assert_string_equal(json_object_get_string(r.id), "a");
	ctl_req_free(&r);

	/* an integer is a number; a state-changing command parses, the daemon checks who asks */
	assert_int_equal(parse("{\"cmd\":\"advise\",\"args\":{\"cpus\":4}}", &r), CTL_PARSE_OK);
	ctl_req_free(&r);
	assert_int_equal(parse("{\"cmd\":\"log-level\",\"args\":{\"level\":7}}", &r), CTL_PARSE_OK);
	assert_int_equal(r.cmd, CTL_CMD_LOG_LEVEL);
	assert_true(ctl_commands[r.cmd].privileged);
	ctl_req_free(&r);
	/* ranges are the command's business, not the parser's */
	assert_int_equal(parse("{\"cmd\":\"history\",\"args\":{\"count\":-1}}", &r), CTL_PARSE_OK);
	ctl_req_free(&r);
}

static void test_unknown_command(void **state)
{
	struct ctl_req r;

	(void)state;
	assert_refused("{\"cmd\":\"frobnicate\"}", CTL_E_NOCMD,
		       "unknown command \"frobnicate\" (the greeting lists them)");
	/* no prefixes on the wire: numadctl expands them */
	assert_refused("{\"cmd\":\"stat\"}", CTL_E_NOCMD, "unknown command \"stat\" (the greeting lists them)");
	/* the whole string names the command: a NUL does not end it */
	assert_refused("{\"cmd\":\"status\\u0000x\"}", CTL_E_NOCMD,
		       "unknown command \"status?x\" (the greeting lists them)");
	/* the error carries the request's id */
	assert_int_equal(parse("{\"cmd\":\"frob\",\"id\":3}", &r), CTL_PARSE_ERROR);
	assert_string_equal(r.eclass, "CommandNotFound");
	assert_non_null(r.id);
	assert_int_equal(json_object_get_int(r.id), 3);
	ctl_req_free(&r);
}

static void test_oversized_line(void **state)
{
	size_t len = CTL_MAX_MSG + 1;
	char *big = malloc(len);
	struct ctl_req r;

	(void)state;
	assert_non_null(big);
	/* CTL_MAX_MSG bytes are allowed, */
	memset(big, ' ', len);
	memcpy(big, "{\"cmd\":\"nodes\"}", strlen("{\"cmd\":\"nodes\"}"));
	assert_int_equal(ctl_parse_request(big, CTL_MAX_MSG, &r), CTL_PARSE_OK);
	assert_int_equal(r.cmd, CTL_CMD_NODES);
	ctl_req_free(&r);
	/* one more is TooLarge, whatever the bytes (the daemon then closes the connection) */
	assert_int_equal(ctl_parse_request(big, len, &r), CTL_PARSE_ERROR);
	assert_string_equal(r.eclass, "TooLarge");
	assert_string_equal(r.desc, "request longer than 65536 bytes: closing");
	assert_null(r.id);
	ctl_req_free(&r);
	free(big);
}

static void test_not_an_object(void **state)
{
	(void)state;
	assert_refused("[\"status\"]", CTL_E_PARSE, "a request is a JSON object");
	assert_refused("42", CTL_E_PARSE, "a request is a JSON object");
	assert_refused("\"status\"", CTL_E_PARSE, "a request is a JSON object");
	assert_refused("null", CTL_E_PARSE, "a request is a JSON object");
	assert_refused("{\"cmd\":\"status\"} {}", CTL_E_PARSE, "text after the request");
}

static void test_not_json(void **state)
{
	struct ctl_req r;

	(void)state;
	assert_int_equal(parse("{\"cmd\": \"status\"", &r), CTL_PARSE_ERROR);
	assert_string_equal(r.eclass, "ParseError");
	assert_true(strncmp(r.desc, "not valid JSON: ", 16) == 0 && strlen(r.desc) > 16);
	assert_null(r.id);
	ctl_req_free(&r);
	assert_int_equal(parse("hello numad", &r), CTL_PARSE_ERROR);
	assert_string_equal(r.eclass, "ParseError");
	ctl_req_free(&r);
}

static void test_bad_members(void **state)
{
	(void)state;
	assert_refused("{\"id\":1}", CTL_E_ARG, "a request needs \"cmd\", a string");
	assert_refused("{\"cmd\":7}", CTL_E_ARG, "a request needs \"cmd\", a string");
	assert_refused("{\"cmd\":\"status\",\"arg\":{}}", CTL_E_ARG,
		       "unknown member \"arg\": a request has cmd, args and id");
	assert_refused("{\"cmd\":\"advise\",\"args\":[4]}", CTL_E_ARG, "\"args\" must be an object");
}

static void test_wrong_argument_type(void **state)
{
	struct ctl_req r;

	(void)state;
	assert_refused("{\"cmd\":\"advise\",\"args\":{\"cpus\":\"x\"}}", CTL_E_ARG, "advise: \"cpus\" must be a number");
	assert_refused("{\"cmd\":\"advise\",\"args\":{\"cpus\":1,\"mb\":1.5}}", CTL_E_ARG,
		       "advise: \"mb\" must be an integer");
	assert_refused("{\"cmd\":\"explain\",\"args\":{\"guest\":1}}", CTL_E_ARG, "explain: \"guest\" must be a string");
	assert_refused("{\"cmd\":\"history\",\"args\":{\"count\":\"3\"}}", CTL_E_ARG,
		       "history: \"count\" must be an integer");
	assert_refused("{\"cmd\":\"advise\",\"args\":{\"mb\":100}}", CTL_E_ARG, "advise needs \"cpus\", a number");
	assert_refused("{\"cmd\":\"history\",\"args\":{\"cnt\":3}}", CTL_E_ARG, "history takes no argument \"cnt\"");
	assert_refused("{\"cmd\":\"status\",\"args\":{\"verbose\":true}}", CTL_E_ARG,
		       "status takes no argument \"verbose\"");
	/* the id comes back with an argument error too */
	assert_int_equal(parse("{\"cmd\":\"advise\",\"args\":{\"cpus\":\"x\"},\"id\":4}", &r), CTL_PARSE_ERROR);
	assert_int_equal(json_object_get_int(r.id), 4);
	assert_null(r.args);
	ctl_req_free(&r);
}

static void test_blank_lines(void **state)
{
	struct ctl_req r;

	(void)state;
	assert_int_equal(ctl_parse_request("", 0, &r), CTL_PARSE_BLANK);
	ctl_req_free(&r);
	assert_int_equal(parse(" \t\r", &r), CTL_PARSE_BLANK);
	assert_null(r.obj);
	ctl_req_free(&r);
}

/* The reply text the daemon sends: one line the client reads back. */
static void test_replies_round_trip(void **state)
{
	struct json_object *id = json_object_new_int(1), *rep, *ret;
	struct ctl_status st;
	char *text;

	(void)state;
	rep = ctl_error_reply(id, CTL_E_NOTFOUND, "no guest named or with uuid \"vm9\"");
	text = ctl_wire_text(rep);
	assert_null(strchr(text, '\n'));
	assert_null(ctl_parse_reply(text, "/run/numad/numad.sock", &st));
	assert_int_equal(st.failure, CTL_ERROR);
	assert_string_equal(st.eclass, "NotFound");
	assert_string_equal(st.desc, "no guest named or with uuid \"vm9\"");
	json_object_put(rep);
	free(text);

	rep = ctl_return_reply(id, json_object_new_string("0-1"));
	text = ctl_wire_text(rep);
	ret = ctl_parse_reply(text, "sock", &st);
	assert_int_equal(st.failure, CTL_OK);
	assert_string_equal(json_object_get_string(ret), "0-1");
	json_object_put(ret);
	json_object_put(rep);
	json_object_put(id);
	free(text);

	rep = ctl_greeting("9.9.9");
	text = ctl_wire_text(rep);
	assert_int_equal(ctl_parse_greeting(text, "sock", &st), 0);
	assert_int_equal(st.failure, CTL_OK);
	json_object_put(rep);
	free(text);
}

/* A name twice in one object, at any depth and however it is written, is refused. */
static void test_duplicate_names(void **state)
{
	static const char *const dups[][2] = {
		{ "{\"cmd\":\"status\",\"cmd\":\"pause\"}", "cmd" },
		{ "{\"cmd\":\"history\",\"args\":{\"count\":1,\"count\":2}}", "count" },
		{ "{\"cmd\":\"status\",\"\\u0063md\":\"pause\"}", "cmd" },          /* the same name, escaped */
		{ "{\"cmd\":\"status\", /* c */ 'cmd':\"pause\"}", "cmd" },           /* json-c's quotes and comments */
		{ "{\"cmd\":\"status\",\"id\":[{\"a\":1,\"b\":2,\"a\":3}]}", "a" },   /* inside the id */
		{ "{\"cmd\":\"status\",\"id\":1,\"id\":1}", "id" },
		{ "{\"cmd\":\"status\",\"x\\u0000\":1,\"x\\u0000\":2}", "x?" },
	};
	static const char *const fine[] = {
		"{\"cmd\":\"status\",\"id\":{\"cmd\":1}}",                    /* one per object */
		"{\"cmd\":\"status\",\"id\":[\"cmd\",\"cmd\"]}",                /* strings, not names */
		"{\"cmd\":\"explain\",\"args\":{\"guest\":\"a\\\",\\\"guest\\\":\\\"b\"}}", /* a quote in a value */
		"{\"cmd\":\"status\",\"id\":{\"x\\u0000\":1,\"x\":2}}",         /* names that differ after a NUL */
		"{\"cmd\":\"status\",\"id\":{\"a\":{\"b\":1},\"b\":2}}",        /* the same name at two depths */
	};
	struct ctl_req r;
	char want[160];

	(void)state;
	for (size_t i = 0; i < sizeof(dups) / sizeof(dups[0]); i++) {
		snprintf(want, sizeof(want), "duplicate member \"%s\": a name may appear once in an object", dups[i][1]);
		assert_refused(dups[i][0], CTL_E_PARSE, want);
	}
	for (size_t i = 0; i < sizeof(fine) / sizeof(fine[0]); i++) {
		if (parse(fine[i], &r) != CTL_PARSE_OK)
			fail_msg("'%s' was refused: %s", fine[i], r.desc);
		ctl_req_free(&r);
	}
}

/* A request that is not UTF-8 is no JSON; a reply is UTF-8 whatever its strings hold. */
static void test_utf8(void **state)
{
	struct json_object *rep;
	struct ctl_status st;
	char *text;

	(void)state;
	assert_refused("{\"cmd\":\"\xff\xfe\"}", CTL_E_PARSE, "not valid JSON: not UTF-8 at byte 8");
	assert_refused("{\"cmd\":\"status\",\"id\":\"\xc3\"}", CTL_E_PARSE, "not valid JSON: not UTF-8 at byte 22");
	/* overlong forms, surrogates and what is above U+10FFFF too (json-c lets the first through) */
	assert_refused("{\"cmd\":\"x\xc1\xa9\"}", CTL_E_PARSE, "not valid JSON: not UTF-8 at byte 9");
	assert_refused("{\"cmd\":\"\xed\xa0\x80\"}", CTL_E_PARSE, "not valid JSON: not UTF-8 at byte 8");
	assert_refused("{\"cmd\":\"\xf4\x90\x80\x80\"}", CTL_E_PARSE, "not valid JSON: not UTF-8 at byte 8");
	/* a guest's name from libvirt, cut text: each bad byte is U+FFFD, good characters stay */
	rep = ctl_error_reply(NULL, CTL_E_NOTFOUND, "vm\xff\xfe \xc3\xa9t\xc3 \xed\xa0\x80 \xf4\x90\x80\x80");
	text = ctl_wire_text(rep);
	assert_string_equal(text, "{\"error\":{\"class\":\"NotFound\",\"desc\":\"vm\\ufffd\\ufffd \xc3\xa9t\\ufffd "
				  "\\ufffd\\ufffd\\ufffd \\ufffd\\ufffd\\ufffd\\ufffd\"}}");
	assert_null(ctl_parse_reply(text, "sock", &st));
	assert_int_equal(st.failure, CTL_ERROR);
	assert_true(strncmp(st.desc, "vm\xef\xbf\xbd\xef\xbf\xbd \xc3\xa9t\xef\xbf\xbd ", 16) == 0);
	json_object_put(rep);
	free(text);
}

/* ---- replies, as numadctl and numad -w read them ---- */

static void test_reply_with_error(void **state)
{
	struct ctl_status st;

	(void)state;
	assert_null(ctl_parse_reply("{\"error\":{\"class\":\"Frobbed\",\"desc\":\"it broke\"},\"id\":1}", "sock", &st));
	assert_int_equal(st.failure, CTL_ERROR);
	assert_string_equal(st.eclass, "Frobbed");
	assert_string_equal(st.desc, "it broke");
	/* without an id (a ParseError) it is still the daemon's error */
	assert_null(ctl_parse_reply("{\"error\":{\"class\":\"ParseError\",\"desc\":\"not valid JSON\"}}", "sock", &st));
	assert_int_equal(st.failure, CTL_ERROR);
	assert_string_equal(st.eclass, "ParseError");
	/* an error without class or desc */
	assert_null(ctl_parse_reply("{\"error\":{},\"id\":1}", "sock", &st));
	assert_int_equal(st.failure, CTL_ERROR);
	assert_string_equal(st.eclass, "GenericError");
	assert_string_equal(st.desc, "(no description)");
}

static void test_reply_return(void **state)
{
	struct ctl_status st;
	struct json_object *ret, *v = NULL;

	(void)state;
	ret = ctl_parse_reply("{\"return\":{\"paused\":true},\"id\":1}", "sock", &st);
	assert_non_null(ret);
	assert_int_equal(st.failure, CTL_OK);
	assert_true(json_object_object_get_ex(ret, "paused", &v) && json_object_get_boolean(v));
	json_object_put(ret);
	/* "return": null is an empty answer, not a failure */
	ret = ctl_parse_reply("{\"return\":null,\"id\":1}", "sock", &st);
	assert_non_null(ret);
	assert_true(json_object_is_type(ret, json_type_object));
	json_object_put(ret);
}

static void test_malformed_replies(void **state)
{
	struct ctl_status st;

	(void)state;
	assert_null(ctl_parse_reply("this is not json", "/s", &st));
	assert_int_equal(st.failure, CTL_MALFORMED);
	assert_string_equal(st.desc, "reply from /s is not a JSON object");
	assert_null(ctl_parse_reply("[1]", "/s", &st));
	assert_int_equal(st.failure, CTL_MALFORMED);
	assert_null(ctl_parse_reply("{\"id\":1}", "/s", &st));
	assert_int_equal(st.failure, CTL_MALFORMED);
	assert_string_equal(st.desc, "reply from /s has neither \"return\" nor \"error\"");
	assert_null(ctl_parse_reply("{\"return\":{},\"id\":7}", "/s", &st));
	assert_int_equal(st.failure, CTL_MALFORMED);
	assert_string_equal(st.desc, "reply from /s carries another request's id");
	/* even an error is not ours when it answers another id */
	assert_null(ctl_parse_reply("{\"error\":{\"class\":\"X\",\"desc\":\"y\"},\"id\":\"1\"}", "/s", &st));
	assert_int_equal(st.failure, CTL_MALFORMED);
}

static void test_greetings(void **state)
{
	struct ctl_status st;

	(void)state;
	assert_int_equal(ctl_parse_greeting("{\"numad\":{\"version\":\"0.9.0\"}}", "/s", &st), 0);
	assert_int_equal(st.failure, CTL_OK);
	/* too many clients: the daemon sends Busy instead of its greeting */
	assert_int_equal(ctl_parse_greeting("{\"error\":{\"class\":\"Busy\",\"desc\":\"too many clients\"}}", "/s", &st),
			 -1);
	assert_int_equal(st.failure, CTL_ERROR);
	assert_string_equal(st.eclass, "Busy");
	assert_string_equal(st.desc, "too many clients");
	/* something else listens there */
	assert_int_equal(ctl_parse_greeting("SSH-2.0-OpenSSH_9.2", "/s", &st), -1);
	assert_int_equal(st.failure, CTL_MALFORMED);
	assert_string_equal(st.desc, "/s does not greet as numad does");
	assert_int_equal(ctl_parse_greeting("{\"qemu\":{}}", "/s", &st), -1);
	assert_int_equal(st.failure, CTL_MALFORMED);
}

/* numad -w prints the list of an advise answer, canonical, or asks sysfs itself. */
static void test_advice_nodes(void **state)
{
	struct json_object *ret = json_tokener_parse("{\"nodes\":\"3,0-1\",\"status\":\"ok\"}");
	char list[64], tiny[4];

	(void)state;
	assert_int_equal(ctl_advice_nodes(ret, list, sizeof(list)), 0);
	assert_string_equal(list, "0-1,3");
	assert_int_equal(ctl_advice_nodes(ret, tiny, sizeof(tiny)), -1);
	assert_string_equal(tiny, "");
	json_object_put(ret);
	ret = json_tokener_parse("{\"nodes\":\"\"}");
	assert_int_equal(ctl_advice_nodes(ret, list, sizeof(list)), -1);
	assert_string_equal(list, "");
	json_object_put(ret);
	ret = json_tokener_parse("{\"nodes\":[0,1]}");
	assert_int_equal(ctl_advice_nodes(ret, list, sizeof(list)), -1);
	json_object_put(ret);
	ret = json_tokener_parse("{\"nodes\":\"0-x\"}");
	assert_int_equal(ctl_advice_nodes(ret, list, sizeof(list)), -1);
	json_object_put(ret);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_parses),
		cmocka_unit_test(test_arguments_parse),
		cmocka_unit_test(test_unknown_command),
		cmocka_unit_test(test_oversized_line),
		cmocka_unit_test(test_not_an_object),
		cmocka_unit_test(test_not_json),
		cmocka_unit_test(test_bad_members),
		cmocka_unit_test(test_wrong_argument_type),
		cmocka_unit_test(test_blank_lines),
		cmocka_unit_test(test_replies_round_trip),
		cmocka_unit_test(test_duplicate_names),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_reply_with_error),
		cmocka_unit_test(test_reply_return),
		cmocka_unit_test(test_malformed_replies),
		cmocka_unit_test(test_greetings),
		cmocka_unit_test(test_advice_nodes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
