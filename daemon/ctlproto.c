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
	[CTL_CMD_ADVISE] = { "advise", false,
			     { { "cpus", CTL_ARG_NUMBER, true }, { "mb", CTL_ARG_INT, false }, { "reserve", CTL_ARG_INT, false } } },
	[CTL_CMD_EXPLAIN] = { "explain", false, { { "guest", CTL_ARG_STRING, true } } },
	[CTL_CMD_METRICS] = { "metrics", false, { { 0 } } },
	[CTL_CMD_CONFIG] = { "config", false, { { 0 } } },
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

static void show_name(char out[65], const char *s, size_t n);

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
				char shown[65];

				show_name(shown, key, strlen(key));
				snprintf(r->desc, sizeof(r->desc), "%s takes no argument \"%s\"", cmd->name, shown);
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

/*
 * ---- duplicate names ----
 * json-c keeps the last of two members of the same name, so {"cmd":"status","cmd":"pause"}
 * would run pause. A request that names a member twice, at any depth, is refused: the
 * text json-c accepted is scanned again for the names of each object, decoded as json-c
 * decodes them.
 */

struct name {
	char *s;
	size_t n;
};

struct frame {
	bool object;
	bool want_name;       /* an object, after '{' or ',': the next string is a name */
	struct name *names;
	size_t n, cap;
};

#define SCAN_DEPTH 64     /* json-c refuses deeper nesting (its default depth is 32) */

static int name_cmp(const void *a, const void *b)
{
	const struct name *x = a, *y = b;
	int c = memcmp(x->s, y->s, x->n < y->n ? x->n : y->n);

	return c ? c : (x->n > y->n) - (x->n < y->n);
}

/* The end of the string token that starts at text[i] (its closing quote), or len. */
static size_t string_end(const char *text, size_t i, size_t len)
{
	char q = text[i];

	for (i++; i < len && text[i] != q; i++)
		if (text[i] == '\\')
			i++;
	return i < len ? i : len;
}

/* A name as json-c decodes the token text[i..j] (quotes included); 0, or -1 out of memory. */
static int add_name(struct frame *f, struct json_tokener *tok, const char *text, size_t i, size_t j)
{
	struct json_object *o = NULL;
	const char *s = text + i + 1;
	size_t n = j > i ? j - i - 1 : 0;
	struct name *nm;

	if (text[i] != '"' || memchr(s, '\\', n)) {
		json_tokener_reset(tok);
		o = json_tokener_parse_ex(tok, text + i, (int)(j - i + 1));
		if (json_object_is_type(o, json_type_string)) {
			s = json_object_get_string(o);
			n = (size_t)json_object_get_string_len(o);
		}
	}
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 8;
		struct name *p = realloc(f->names, cap * sizeof(*p));
		if (!p) {
			json_object_put(o);
			return -1;
		}
		f->names = p;
		f->cap = cap;
	}
	nm = &f->names[f->n];
	if (!(nm->s = malloc(n ? n : 1))) {
		json_object_put(o);
		return -1;
	}
	memcpy(nm->s, s, n);
	nm->n = n;
	f->n++;
	json_object_put(o);
	return 0;
}

/* A name that occurs twice among f's, or NULL. */
static const struct name *twice(struct frame *f)
{
	if (f->n < 2)
		return NULL;
	qsort(f->names, f->n, sizeof(*f->names), name_cmp);
	for (size_t k = 1; k < f->n; k++)
		if (name_cmp(&f->names[k - 1], &f->names[k]) == 0)
			return &f->names[k];
	return NULL;
}

static void frame_free(struct frame *f)
{
	for (size_t k = 0; k < f->n; k++)
		free(f->names[k].s);
	free(f->names);
	memset(f, 0, sizeof(*f));
}

/* As much of a name as "%.64s" would show, NULs included (as '?'), not cut inside a UTF-8 character. */
static void show_name(char out[65], const char *s, size_t n)
{
	if (n > 64)
		for (n = 64; n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80; n--)
			;
	memcpy(out, s, n);
	out[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (out[i] == '\0')
			out[i] = '?';
}

/*
 * Scan text[0..len), which json-c has read as one JSON object (its comments and quotes
 * included), for an object with two members of the same name. Returns 0 when there is
 * none, else -1 with the ParseError in r.
 */
static int no_duplicate_names(const char *text, size_t len, struct ctl_req *r)
{
	struct frame st[SCAN_DEPTH];
	struct json_tokener *tok = json_tokener_new();
	int depth = 0, res = 0;

	memset(st, 0, sizeof(st));
	if (!tok) {
		fail_req(r, CTL_E_PARSE, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < len && res == 0; i++) {
		char c = text[i];
		struct frame *top = depth > 0 ? &st[depth - 1] : NULL;

		if (c == '"' || c == '\'') {
			size_t j = string_end(text, i, len);
			if (top && top->object && top->want_name) {
				top->want_name = false;
				if (add_name(top, tok, text, i, j) < 0) {
					fail_req(r, CTL_E_PARSE, "out of memory");
					res = -1;
				}
			}
			i = j;
		} else if (c == '/' && i + 1 < len && text[i + 1] == '*') {
			const char *e = memmem(text + i + 2, len - i - 2, "*/", 2);
			i = e ? (size_t)(e - text) + 1 : len;
		} else if (c == '/' && i + 1 < len && text[i + 1] == '/') {
			const char *e = memchr(text + i, '\n', len - i);
			i = e ? (size_t)(e - text) : len;
		} else if (c == '{' || c == '[') {
			if (depth == SCAN_DEPTH)
				break;
			st[depth].object = c == '{';
			st[depth++].want_name = c == '{';
		} else if ((c == '}' || c == ']') && top) {
			const struct name *dup = top->object ? twice(top) : NULL;
			if (dup) {
				char shown[65];
				show_name(shown, dup->s, dup->n);
				r->eclass = CTL_E_PARSE;
				snprintf(r->desc, sizeof(r->desc), "duplicate member \"%s\": a name may appear once in an object",
					 shown);
				res = -1;
			}
			frame_free(top);
			depth--;
		} else if (c == ',' && top && top->object) {
			top->want_name = true;
		}
	}
	while (depth > 0)
		frame_free(&st[--depth]);
	json_tokener_free(tok);
	return res;
}

static size_t utf8_len(const unsigned char *s, size_t n);

/* The length of the longest prefix of s[0..n) that is UTF-8 (n when all of it is). */
static size_t utf8_prefix(const char *s, size_t n)
{
	size_t k = 0, len;

	while (k < n && (len = utf8_len((const unsigned char *)s + k, n - k)))
		k += len;
	return k;
}

/* The JSON object a line (NUL-terminated at len) holds, in r->obj; or the ParseError. */
static enum ctl_parse parse_object(const char *line, size_t len, struct ctl_req *r)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *obj;
	size_t end, bad;

	if (!tok)
		return fail_req(r, CTL_E_PARSE, "out of memory");
	/*
	 * Text that is not UTF-8 is no JSON (RFC 8259), and could not be echoed in a reply.
	 * json-c's own check lets overlong forms through (0xc1 0xa9), so this one is used.
	 */
	if ((bad = utf8_prefix(line, len)) < len) {
		json_tokener_free(tok);
		r->eclass = CTL_E_PARSE;
		snprintf(r->desc, sizeof(r->desc), "not valid JSON: not UTF-8 at byte %zu", bad);
		return CTL_PARSE_ERROR;
	}
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
	if (no_duplicate_names(line, len, r) < 0) {
		json_object_put(obj);
		return CTL_PARSE_ERROR;
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
			char shown[65];

			show_name(shown, key, strlen(key));
			snprintf(r->desc, sizeof(r->desc), "unknown member \"%s\": a request has cmd, args and id",
				 shown);
			return CTL_PARSE_ERROR;
		}
	}
	if (!json_object_object_get_ex(r->obj, "cmd", &cmd) || !json_object_is_type(cmd, json_type_string))
		return fail_req(r, CTL_E_ARG, "a request needs \"cmd\", a string");
	if ((c = find_command(cmd)) < 0) {
		char name[65];

		show_name(name, json_object_get_string(cmd), (size_t)json_object_get_string_len(cmd));
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

/* The length of the UTF-8 sequence s starts (n bytes there), or 0 when it is not one. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t len;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;  /* no overlong forms */
	else if (c == 0xed)
		hi = 0x9f;  /* no surrogates */
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;  /* nothing above U+10FFFF */
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t k = 2; k < len; k++)
		if (s[k] < 0x80 || s[k] > 0xbf)
			return 0;
	return len;
}

char *ctl_wire_text(struct json_object *o)
{
	const unsigned char *s =
		(const unsigned char *)json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	size_t n = strlen((const char *)s), bad = 0, k, len;
	char *out, *p;

	for (k = 0; k < n; k += len ? len : 1)
		if (!(len = utf8_len(s + k, n - k)))
			bad++;
	/* json-c writes bytes above 0x7f as they are, and only inside strings: each byte of
	 * what is not UTF-8 (a guest's name, a client's text) becomes the escape of U+FFFD */
	if (!(out = malloc(n + bad * 5 + 1)))
		return NULL;
	for (k = 0, p = out; k < n; k += len ? len : 1) {
		if ((len = utf8_len(s + k, n - k))) {
			memcpy(p, s + k, len);
			p += len;
		} else {
			memcpy(p, "\\ufffd", 6);
			p += 6;
		}
	}
	*p = '\0';
	return out;
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
