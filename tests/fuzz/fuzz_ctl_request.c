/*
 * fuzz_ctl_request: the daemon's side of the control protocol, as far as it can be
 * reached from outside daemon/ctl.c.
 *
 * The request path (process_input(), parse_request(), request_command(), check_args()
 * and the cmd_* handlers) is static in ctl.c and needs a running daemon, so this target
 * drives the same public pieces the same way: the input is what a client writes on the
 * socket; it is cut into lines at '\n' (EVBUFFER_EOL_LF), a line over CTL_MAX_MSG ends
 * the connection, blanks and '\r' at a line's end are trimmed, and each line goes through
 * json_tokener_parse_ex() with its terminating NUL (len + 1, so a bare number ends), the
 * trailing-text check, the member checks ("cmd" a string; "args" an object; no other
 * member than cmd, args and id), the "advise" argument checks (cpus a number, mb an
 * integer, 0 <= cpus <= 65536, mb >= 0, not both zero), engine_place() on a host with
 * sparse node ids (fuzz_topology_sparse), and a reply that echoes "id".
 *
 * Checks: no crash, leak or sanitizer report in json-c's tokenizer and object code on
 * hostile lines; an advise that passes the checks gets a non-empty node list that formats
 * and parses back; every reply serializes to one line and parses back as one JSON object
 * with the client's parser (json_tokener_parse).
 *
 * When ctl.c exposes its request parser (see README.md), this target should call it
 * instead of following it.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "fuzz.h"
#include "nodeset.h"

#define CTL_MAX_MSG (64 * 1024)   /* ctl.h: longest request line */

static struct topology topo;

/* The reply must reach the client intact. */
static void check_reply(struct json_object *reply)
{
	const char *s = json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PLAIN);
	struct json_object *back;

	FUZZ_CHECK(s != NULL && strchr(s, '\n') == NULL); /* one line on the wire */
	back = json_tokener_parse(s);
	FUZZ_CHECK(back != NULL && json_object_is_type(back, json_type_object));
	FUZZ_CHECK(json_object_object_get_ex(back, "return", NULL) || json_object_object_get_ex(back, "error", NULL));
	json_object_put(back);
}

static struct json_object *error_reply(const char *eclass, const char *desc)
{
	struct json_object *r = json_object_new_object(), *e = json_object_new_object();

	json_object_object_add(e, "class", json_object_new_string(eclass));
	json_object_object_add(e, "desc", json_object_new_string(desc));
	json_object_object_add(r, "error", e);
	return r;
}

static struct json_object *advise(struct json_object *args)
{
	struct json_object *cpus = NULL, *mb = NULL, *r;
	struct engine_policy p;
	struct engine_host h = { &topo, NULL };
	struct engine_request req = { 0 };
	struct engine_result res;
	struct nodeset back;
	char set[8192], err[128];
	double ncpus;
	int64_t mbv = 0;

	if (!args || !json_object_object_get_ex(args, "cpus", &cpus) ||
	    !(json_object_is_type(cpus, json_type_int) || json_object_is_type(cpus, json_type_double)) ||
	    (json_object_object_get_ex(args, "mb", &mb) && !json_object_is_type(mb, json_type_int)))
		return error_reply("InvalidArgument", "advise needs {\"cpus\": number, \"mb\": integer}");
	ncpus = json_object_get_double(cpus);
	if (mb)
		mbv = json_object_get_int64(mb);
	if (!(ncpus >= 0 && ncpus <= 65536) || mbv < 0 || (ncpus <= 0 && mbv == 0))
		return error_reply("InvalidArgument", "cpus must be 0-65536, mb non-negative, and one of them above zero");
	engine_policy_default(&p);
	req.ncpus = ncpus;
	req.mem_mb = (uint64_t)mbv;
	FUZZ_CHECK(engine_place(&h, &p, &req, &res) == 0);
	FUZZ_CHECK(res.status != ENGINE_ERROR && !nodeset_empty(&res.best));
	FUZZ_CHECK(nodeset_format(&res.best, set, sizeof(set)) > 0);
	FUZZ_CHECK(nodeset_parse(&back, set, err, sizeof(err)) == 0 && nodeset_equal(&back, &res.best));
	r = json_object_new_object();
	json_object_object_add(r, "nodes", json_object_new_string(set));
	json_object_object_add(r, "status", json_object_new_string(engine_status_name(res.status)));
	json_object_object_add(r, "score", json_object_new_double(res.best_score.total));
	return r;
}

static void handle_line(const char *line, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *req, *cmd = NULL, *args = NULL, *id = NULL, *reply = NULL, *ret;
	const char *name;
	size_t end = 0;
	int unknown = 0;

	if (!tok)
		abort();
	/* the terminating NUL goes in too: it ends a bare number */
	req = json_tokener_parse_ex(tok, line, (int)len + 1);
	if (req && json_tokener_get_error(tok) == json_tokener_success) {
		end = json_tokener_get_parse_end(tok);
		FUZZ_CHECK(end <= len + 1);
		while (end < len && strchr(" \t\r", line[end]))
			end++;
	}
	if (!req || json_tokener_get_error(tok) != json_tokener_success || end < len ||
	    !json_object_is_type(req, json_type_object)) {
		reply = error_reply("ParseError", json_tokener_error_desc(json_tokener_get_error(tok)));
		check_reply(reply);
		json_object_put(reply);
		json_tokener_free(tok);
		json_object_put(req);
		return;
	}
	json_tokener_free(tok);
	json_object_object_get_ex(req, "id", &id);
	json_object_object_foreach(req, key, val) {
		(void)val;
		if (strcmp(key, "cmd") && strcmp(key, "args") && strcmp(key, "id"))
			unknown = 1;
	}
	if (unknown) {
		reply = error_reply("InvalidArgument", "unknown member");
	} else if (!json_object_object_get_ex(req, "cmd", &cmd) || !json_object_is_type(cmd, json_type_string)) {
		reply = error_reply("InvalidArgument", "missing \"cmd\" string");
	} else if (json_object_object_get_ex(req, "args", &args) && !json_object_is_type(args, json_type_object)) {
		reply = error_reply("InvalidArgument", "\"args\" must be an object");
	} else {
		name = json_object_get_string(cmd);
		FUZZ_CHECK(name != NULL);
		if (strcmp(name, "advise") == 0) {
			reply = advise(args);
		} else if (strcmp(name, "status") == 0 || strcmp(name, "nodes") == 0 || strcmp(name, "guests") == 0) {
			ret = json_object_new_object();
			json_object_object_add(ret, "nodes", json_object_new_array());
			reply = json_object_new_object();
			json_object_object_add(reply, "return", ret);
		} else {
			char desc[256];

			snprintf(desc, sizeof(desc), "unknown command '%.64s'", name);
			reply = error_reply("CommandNotFound", desc);
		}
		if (!json_object_object_get_ex(reply, "error", NULL) && !json_object_object_get_ex(reply, "return", NULL)) {
			ret = reply;
			reply = json_object_new_object();
			json_object_object_add(reply, "return", ret);
		}
	}
	if (id)
		json_object_object_add(reply, "id", json_object_get(id));
	/* "id" sits as deep in the reply as in the request, so the client can always parse it */
	check_reply(reply);
	json_object_put(reply);
	json_object_put(req);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t start = 0;

	if (topo.nnodes == 0)
		fuzz_topology_sparse(&topo);
	while (start < size) {
		const uint8_t *nl = memchr(data + start, '\n', size - start);
		size_t len = nl ? (size_t)(nl - (data + start)) : size - start;
		char *line;

		if (len > CTL_MAX_MSG)
			break; /* the daemon answers TooLarge and closes */
		if (!nl)
			break; /* a last line without '\n' waits for more */
		line = fuzz_text(data + start, len);
		while (len > 0 && strchr(" \t\r", line[len - 1]))
			line[--len] = '\0';
		if (len > 0)
			handle_line(line, len);
		free(line);
		start += (size_t)(nl - (data + start)) + 1;
	}
	return 0;
}
