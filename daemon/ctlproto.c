/*
 * ctlproto.c: the control protocol without sockets. The daemon (ctl.c) reads request
 * lines and writes its greeting and replies with these functions; the client
 * (ctlclient.c: numadctl and numad -w) reads the greeting and the reply with them. They
 * touch nothing but their arguments, so the unit tests and fuzz targets call them as
 * they are.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctlproto.h"
#include "nodeset.h"

const struct ctl_command ctl_commands[CTL_NCMDS] = {
	[CTL_CMD_STATUS] = { "status", false, { { 0 } } },
	[CTL_CMD_NODES] = { "nodes", false, { { 0 } } },
	[CTL_CMD_GUESTS] = { "guests", false, { { 0 } } },
	[CTL_CMD_HISTORY] = { "history", false, { { "count", CTL_ARG_INT, false } } },
	[CTL_CMD_ADVISE] = { "advise", false, { { "cpus", CTL_ARG_NUMBER, true }, { "mb", CTL_ARG_INT, false } } },
	[CTL_CMD_EXPLAIN] = { "explain", false, { { "guest", CTL_ARG_STRING, true } } },
	[CTL_CMD_METRICS] = { "metrics", false, { { 0 } } },
	[CTL_CMD_PAUSE] = { "pause", true, { { 0 } } },
	[CTL_CMD_RESUME] = { "resume", true, { { 0 } } },
	[CTL_CMD_RELOAD] = { "reload", true, { { 0 } } },
	[CTL_CMD_LOG_LEVEL] = { "log-level", true, { { "level", CTL_ARG_INT, true } } },
};

/* ---- the daemon's side: requests ---- */

/* A blank at the end of a line: dropped, as is a NUL there. */
static bool trailing_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\0';
}

/* The command named by the whole string (a JSON string may hold a NUL: "status\u0000x" is none). */
static int find_command(struct json_object *name)
{
	size_t n = (size_t)json_object_get_string_len(name);

	for (int i = 0; i < CTL_NCMDS; i++)
		if (strlen(ctl_commands[i].name) == n && memcmp(ctl_commands[i].name, json_object_get_string(name), n) == 0)
			return i;
	return -1;
}

static bool arg_type_ok(struct json_object *v, enum ctl_arg_type t)
{
	switch (t) {
	case CTL_ARG_INT: return json_object_is_type(v, json_type_int);
	case CTL_ARG_NUMBER: return json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double);
	default: return json_object_is_type(v, json_type_string);
	}
}

static const char *arg_type_name(enum ctl_arg_type t)
{
	return t == CTL_ARG_INT ? "an integer" : t == CTL_ARG_NUMBER ? "a number" : "a string";
}

static enum ctl_parse fail_req(struct ctl_req *r, const char *eclass, const char *desc)
{
	r->eclass = eclass;
	snprintf(r->desc, sizeof(r->desc), "%s", desc);
	return CTL_PARSE_ERROR;
}

/* Every argument known and of its type, every required one there. */
static enum ctl_parse check_args(const struct ctl_command *cmd, struct json_object *args, struct ctl_req *r)
{
	r->eclass = CTL_E_ARG;
	if (args) {
		json_object_object_foreach(args, key, val) {
			const struct ctl_arg_spec *a = NULL;
			for (int i = 0; i < CTL_MAX_ARGS && cmd->args[i].name && !a; i++)
				if (strcmp(cmd->args[i].name, key) == 0)
					a = &cmd->args[i];
			if (!a) {
				snprintf(r->desc, sizeof(r->desc), "%s takes no argument \"%.64s\"", cmd->name, key);
				return CTL_PARSE_ERROR;
			}
			if (!arg_type_ok(val, a->type)) {
				snprintf(r->desc, sizeof(r->desc), "%s: \"%s\" must be %s", cmd->name, a->name,
					 arg_type_name(a->type));
				return CTL_PARSE_ERROR;
			}
		}
	}
	for (int i = 0; i < CTL_MAX_ARGS && cmd->args[i].name; i++)
		if (cmd->args[i].required && !(args && json_object_object_get_ex(args, cmd->args[i].name, NULL))) {
			snprintf(r->desc, sizeof(r->desc), "%s needs \"%s\", %s", cmd->name, cmd->args[i].name,
				 arg_type_name(cmd->args[i].type));
			return CTL_PARSE_ERROR;
		}
	return CTL_PARSE_OK;
}

/* The JSON object a line (NUL-terminated at len) holds, in r->obj; or the ParseError. */
static enum ctl_parse parse_object(const char *line, size_t len, struct ctl_req *r)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *obj;
	size_t end;

	if (!tok)
		return fail_req(r, CTL_E_PARSE, "out of memory");
	/* The terminating NUL goes in too: it ends a bare number, which the tokener would wait on. */
	obj = json_tokener_parse_ex(tok, line, (int)len + 1);
	if (!obj && json_tokener_get_error(tok) == json_tokener_success) {  /* the line is "null" */
		json_tokener_free(tok);
		return fail_req(r, CTL_E_PARSE, "a request is a JSON object");
	}
	if (!obj || json_tokener_get_error(tok) != json_tokener_success) {
		r->eclass = CTL_E_PARSE;
		snprintf(r->desc, sizeof(r->desc), "not valid JSON: %s",
			 json_tokener_error_desc(json_tokener_get_error(tok)));
		json_object_put(obj);
		json_tokener_free(tok);
		return CTL_PARSE_ERROR;
	}
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	while (end < len && trailing_blank(line[end]))
		end++;
	if (end < len || !json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		return fail_req(r, CTL_E_PARSE, end < len ? "text after the request" : "a request is a JSON object");
	}
	r->obj = obj;
	return CTL_PARSE_OK;
}

/* The command a request object names, after checking its members and arguments. */
static enum ctl_parse request_command(struct ctl_req *r)
{
	struct json_object *cmd = NULL, *args = NULL;
	int c;

	r->eclass = CTL_E_ARG;
	json_object_object_foreach(r->obj, key, val) {
		(void)val;
		if (strcmp(key, "cmd") && strcmp(key, "args") && strcmp(key, "id")) {
			snprintf(r->desc, sizeof(r->desc), "unknown member \"%.64s\": a request has cmd, args and id",
				 key);
			return CTL_PARSE_ERROR;
		}
	}
	if (!json_object_object_get_ex(r->obj, "cmd", &cmd) || !json_object_is_type(cmd, json_type_string))
		return fail_req(r, CTL_E_ARG, "a request needs \"cmd\", a string");
	if ((c = find_command(cmd)) < 0) {
		char name[65];
		size_t n = (size_t)json_object_get_string_len(cmd);

		/* as much of it as "%.64s" would show, NULs included (as '?') */
		n = n < sizeof(name) - 1 ? n : sizeof(name) - 1;
		memcpy(name, json_object_get_string(cmd), n);
		name[n] = '\0';
		for (size_t i = 0; i < n; i++)
			if (name[i] == '\0')
				name[i] = '?';
		r->eclass = CTL_E_NOCMD;
		snprintf(r->desc, sizeof(r->desc), "unknown command \"%s\" (the greeting lists them)", name);
		return CTL_PARSE_ERROR;
	}
	if (json_object_object_get_ex(r->obj, "args", &args) && args && !json_object_is_type(args, json_type_object))
		return fail_req(r, CTL_E_ARG, "\"args\" must be an object");
	if (check_args(&ctl_commands[c], args, r) != CTL_PARSE_OK)
		return CTL_PARSE_ERROR;
	r->cmd = (enum ctl_cmd)c;
	r->args = args;
	return CTL_PARSE_OK;
}

enum ctl_parse ctl_parse_request(const char *line, size_t len, struct ctl_req *r)
{
	enum ctl_parse res;
	char *text;

	memset(r, 0, sizeof(*r));
	if (len > CTL_MAX_MSG) {
		r->eclass = CTL_E_TOOLARGE;
		snprintf(r->desc, sizeof(r->desc), "request longer than %d bytes: closing", CTL_MAX_MSG);
		return CTL_PARSE_ERROR;
	}
	while (len > 0 && trailing_blank(line[len - 1]))
		len--;
	if (len == 0)
		return CTL_PARSE_BLANK;
	/* json-c wants the text NUL-terminated (see parse_object) */
	if (!(text = malloc(len + 1)))
		return fail_req(r, CTL_E_PARSE, "out of memory");
	memcpy(text, line, len);
	text[len] = '\0';
	res = parse_object(text, len, r);
	free(text);
	if (res != CTL_PARSE_OK)
		return res;
	json_object_object_get_ex(r->obj, "id", &r->id);
	return request_command(r);
}

void ctl_req_free(struct ctl_req *r)
{
	json_object_put(r->obj);
	r->obj = r->args = r->id = NULL;
}

/* ---- the daemon's side: replies ---- */

struct json_object *ctl_greeting(const char *version)
{
	struct json_object *g = json_object_new_object(), *n = json_object_new_object(),
			   *caps = json_object_new_array(), *priv = json_object_new_array();

	for (int i = 0; i < CTL_NCMDS; i++) {
		json_object_array_add(caps, json_object_new_string(ctl_commands[i].name));
		if (ctl_commands[i].privileged)
			json_object_array_add(priv, json_object_new_string(ctl_commands[i].name));
	}
	json_object_object_add(n, "version", json_object_new_string(version));
	json_object_object_add(n, "capabilities", caps);
	json_object_object_add(n, "privileged", priv);
	json_object_object_add(g, "numad", n);
	return g;
}

struct json_object *ctl_error_reply(struct json_object *id, const char *eclass, const char *desc)
{
	struct json_object *r = json_object_new_object(), *e = json_object_new_object();

	json_object_object_add(e, "class", json_object_new_string(eclass));
	json_object_object_add(e, "desc", json_object_new_string(desc));
	json_object_object_add(r, "error", e);
	if (id)
		json_object_object_add(r, "id", json_object_get(id));
	return r;
}

struct json_object *ctl_return_reply(struct json_object *id, struct json_object *ret)
{
	struct json_object *r = json_object_new_object();

	json_object_object_add(r, "return", ret);
	if (id)
		json_object_object_add(r, "id", json_object_get(id));
	return r;
}

const char *ctl_wire_text(struct json_object *o)
{
	return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

/* ---- the client's side ---- */

static void fail_st(struct ctl_status *st, const char *fmt, const char *path)
{
	st->failure = CTL_MALFORMED;
	snprintf(st->desc, sizeof(st->desc), fmt, path);
}

/*
 * Copy a string member of the daemon's error into out, or dflt when it is missing, not a
 * string or empty. Control characters become '?': numadctl prints the error as one line.
 */
static void copy_text(char *out, size_t len, struct json_object *v, const char *dflt)
{
	const char *s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";

	snprintf(out, len, "%s", *s ? s : dflt);
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
}

/* Fill st from an "error" member; returns true when there was one. */
static bool take_error(struct json_object *msg, struct ctl_status *st)
{
	struct json_object *e, *cls = NULL, *desc = NULL;

	if (!json_object_object_get_ex(msg, "error", &e))
		return false;
	json_object_object_get_ex(e, "class", &cls);
	json_object_object_get_ex(e, "desc", &desc);
	st->failure = CTL_ERROR;
	copy_text(st->eclass, sizeof(st->eclass), cls, CTL_E_GENERIC);
	copy_text(st->desc, sizeof(st->desc), desc, "(no description)");
	return true;
}

/* The line as a JSON object, or NULL. */
static struct json_object *line_object(const char *line)
{
	struct json_object *o = json_tokener_parse(line);

	if (o && !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = NULL;
	}
	return o;
}

int ctl_parse_greeting(const char *line, const char *path, struct ctl_status *st)
{
	struct json_object *g;
	int r = -1;

	memset(st, 0, sizeof(*st));
	if (!(g = line_object(line)))
		fail_st(st, "%s does not greet as numad does", path);
	else if (take_error(g, st))
		;
	else if (!json_object_object_get_ex(g, "numad", NULL))
		fail_st(st, "%s does not greet as numad does", path);
	else
		r = 0;
	json_object_put(g);
	return r;
}

struct json_object *ctl_parse_reply(const char *line, const char *path, struct ctl_status *st)
{
	struct json_object *rep, *id = NULL, *ret = NULL;

	memset(st, 0, sizeof(*st));
	if (!(rep = line_object(line))) {
		fail_st(st, "reply from %s is not a JSON object", path);
		return NULL;
	}
	if (json_object_object_get_ex(rep, "id", &id) &&
	    !(json_object_is_type(id, json_type_int) && json_object_get_int64(id) == 1))
		fail_st(st, "reply from %s carries another request's id", path);
	else if (take_error(rep, st))
		;
	else if (!json_object_object_get_ex(rep, "return", &ret))
		fail_st(st, "reply from %s has neither \"return\" nor \"error\"", path);
	else
		ret = ret ? json_object_get(ret) : json_object_new_object();
	if (st->failure != CTL_OK)
		ret = NULL;
	json_object_put(rep);
	return ret;
}

int ctl_advice_nodes(struct json_object *ret, char *list, size_t len)
{
	struct json_object *nodes;
	struct nodeset ns;
	char perr[256];

	if (!json_object_object_get_ex(ret, "nodes", &nodes) || !json_object_is_type(nodes, json_type_string) ||
	    nodeset_parse(&ns, json_object_get_string(nodes), perr, sizeof(perr)) < 0 || nodeset_empty(&ns) ||
	    nodeset_format(&ns, list, len) <= 0) {
		if (len > 0)
			list[0] = '\0';
		return -1;
	}
	return 0;
}
