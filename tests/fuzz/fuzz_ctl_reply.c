/*
 * fuzz_ctl_reply: the client's side of the control protocol (numad -w asking a running
 * daemon, numadctl), as far as it can be reached from outside daemon/ctlclient.c.
 *
 * The reply path (next_line(), read_greeting(), take_error(), take_return()) is static
 * in ctlclient.c and talks to a socket, so this target follows it over the public
 * pieces: the input is what the daemon writes, cut into lines at '\n' (a NUL inside a
 * line ends the text json_tokener_parse() sees). The first line is the greeting: a JSON
 * object with "numad" (its "capabilities" are read), or an "error" (Busy). The second is
 * the reply: an object whose "id", when there, must be the integer 1, with an "error"
 * ("class" and "desc" strings copied into 64 and 512 bytes) or a "return". Then what
 * numad -w does with an advise answer: "nodes" must be a string that nodeset_parse()
 * accepts, is not empty, and formats into its 4096-byte list.
 *
 * Checks: no crash, leak or sanitizer report on any reply; the copied class and desc
 * are cut, not overrun; a node list the client accepts formats and parses back to the
 * same set, or is refused whole (never cut).
 *
 * When the client exposes its reply parser (see README.md), this target should call it
 * instead of following it.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "nodeset.h"

static struct json_object *parse_object(const char *line)
{
	struct json_object *o = json_tokener_parse(line);

	if (o && !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = NULL;
	}
	return o;
}

static int take_error(struct json_object *msg)
{
	struct json_object *e, *cls = NULL, *desc = NULL;
	char eclass[64], edesc[512];

	if (!json_object_object_get_ex(msg, "error", &e))
		return 0;
	json_object_object_get_ex(e, "class", &cls);
	json_object_object_get_ex(e, "desc", &desc);
	memset(eclass, 'x', sizeof(eclass));
	memset(edesc, 'x', sizeof(edesc));
	snprintf(eclass, sizeof(eclass), "%s",
		 json_object_is_type(cls, json_type_string) ? json_object_get_string(cls) : "GenericError");
	snprintf(edesc, sizeof(edesc), "%s",
		 json_object_is_type(desc, json_type_string) ? json_object_get_string(desc) : "(no description)");
	FUZZ_CHECK(fuzz_terminated(eclass, sizeof(eclass)) && fuzz_terminated(edesc, sizeof(edesc)));
	return 1;
}

/* 0 when the greeting lets the client go on */
static int greeting(const char *line)
{
	struct json_object *g = parse_object(line), *n = NULL, *caps = NULL;
	int r = -1;

	if (g && !take_error(g) && json_object_object_get_ex(g, "numad", &n)) {
		r = 0;
		if (json_object_object_get_ex(n, "capabilities", &caps) && json_object_is_type(caps, json_type_array)) {
			size_t len = json_object_array_length(caps);
			for (size_t i = 0; i < len; i++)
				(void)json_object_get_string(json_object_array_get_idx(caps, i));
		}
	}
	json_object_put(g);
	return r;
}

static struct json_object *take_return(const char *line)
{
	struct json_object *rep = parse_object(line), *id = NULL, *ret = NULL;

	if (!rep)
		return NULL;
	if (json_object_object_get_ex(rep, "id", &id) &&
	    !(json_object_is_type(id, json_type_int) && json_object_get_int64(id) == 1))
		ret = NULL;
	else if (take_error(rep))
		ret = NULL;
	else if (json_object_object_get_ex(rep, "return", &ret))
		ret = ret ? json_object_get(ret) : json_object_new_object();
	json_object_put(rep);
	return ret;
}

static void advise_answer(struct json_object *ret)
{
	struct json_object *nodes;
	struct nodeset ns, back;
	char perr[256], list[4096];
	int len;

	if (!json_object_is_type(ret, json_type_object) || !json_object_object_get_ex(ret, "nodes", &nodes) ||
	    !json_object_is_type(nodes, json_type_string))
		return;
	memset(perr, 'x', sizeof(perr));
	if (nodeset_parse(&ns, json_object_get_string(nodes), perr, sizeof(perr)) < 0) {
		FUZZ_CHECK(fuzz_terminated(perr, sizeof(perr)));
		return;
	}
	if (nodeset_empty(&ns))
		return;
	len = nodeset_format(&ns, list, sizeof(list));
	if (len > 0) {
		FUZZ_CHECK((size_t)len == strlen(list));
		FUZZ_CHECK(nodeset_parse(&back, list, perr, sizeof(perr)) == 0 && nodeset_equal(&ns, &back));
	} else {
		FUZZ_CHECK(len == -1);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size), *nl2;
	struct json_object *ret;
	char *first, *second;

	if (!nl)
		return 0; /* no greeting line: the client times out */
	first = fuzz_text(data, (size_t)(nl - data));
	nl2 = memchr(nl + 1, '\n', size - (size_t)(nl + 1 - data));
	if (greeting(first) == 0 && nl2) {
		second = fuzz_text(nl + 1, (size_t)(nl2 - (nl + 1)));
		ret = take_return(second);
		if (ret)
			advise_answer(ret);
		json_object_put(ret);
		free(second);
	}
	free(first);
	return 0;
}
