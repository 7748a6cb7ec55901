/*
 * ctlproto.h: the control protocol (newline-delimited JSON, QMP-like), both sides, and its
 * client (numadctl, numad -w). The daemon's side of the socket is ctl.h.
 *
 * The daemon greets with {"numad": {"version": V, "capabilities": [COMMANDS],
 * "privileged": [COMMANDS]}}. A request is one line {"cmd": C, "args": {...}, "id": ANY}
 * ("args" and "id" optional); the reply is one line with the same id and either
 * "return" or "error": {"class": K, "desc": TEXT}. The error classes are below.
 */
#ifndef NUMAD_CTLPROTO_H
#define NUMAD_CTLPROTO_H

#include <stdbool.h>
#include <stddef.h>

struct json_object;

#define CTL_MAX_MSG (64 * 1024)      /* longest request line, newline excluded */
#define CTL_MAX_CLIENTS 64           /* clients at once; the next one gets Busy and is closed */
#define CTL_ROOT_SLOTS 4             /* more, for uid 0 only, when the other CTL_MAX_CLIENTS are taken */
#define CTL_IDLE_TIMEOUT_S 10        /* a client that sends no request this long (or does not read) is closed */
#define CTL_REQUEST_TIMEOUT_S 5      /* a request must be complete (its newline) this long after its first byte */
#define CTL_MAX_REPLY (32 * 1024 * 1024)  /* longest reply the client side accepts */

/* Error classes, as they appear in "error": {"class": ...}. */
#define CTL_E_PARSE "ParseError"            /* the line is not a JSON object */
#define CTL_E_ARG "InvalidArgument"         /* missing or bad "cmd", "args" or an argument */
#define CTL_E_NOCMD "CommandNotFound"       /* no such command */
#define CTL_E_DENIED "Denied"               /* state-changing command from an unprivileged peer */
#define CTL_E_NOTFOUND "NotFound"           /* no such guest */
#define CTL_E_TOOLARGE "TooLarge"           /* request over CTL_MAX_MSG: the connection is closed */
#define CTL_E_BUSY "Busy"                   /* too many clients (uid 0 has CTL_ROOT_SLOTS more): closed */
#define CTL_E_GENERIC "GenericError"        /* the command ran and failed (reload, advise) */

/* ctlclient.c */
enum ctl_failure {
	CTL_OK,
	CTL_CONNECT,    /* cannot connect: sys_errno says why (ENOENT: no socket, ECONNREFUSED: stale, EACCES) */
	CTL_IO,         /* no greeting, no reply in time, or the connection broke */
	CTL_MALFORMED,  /* the daemon answered something that is not a reply */
	CTL_ERROR,      /* the daemon answered with an error: eclass and desc */
};

struct ctl_status {
	enum ctl_failure failure;
	int sys_errno;
	char eclass[64];
	char desc[512];   /* the daemon's desc, or what went wrong */
};

/*
 * Client: connect to path, read the greeting, send {"cmd": cmd, "args": args, "id": 1}
 * and return the reply's "return" value (caller puts it), or NULL with st filled in.
 * Everything is bounded by timeout_ms in total, so a stuck daemon cannot hang the caller.
 */
struct json_object *ctl_request(const char *path, const char *cmd, struct json_object *args, int timeout_ms,
				struct ctl_status *st);
/* ctl_request with the failure as one line of text in err. */
struct json_object *ctl_call(const char *path, const char *cmd, struct json_object *args, int timeout_ms,
			     char *err, size_t errlen);

/* ctlproto.c: the protocol itself, both sides, with no socket and no daemon */

enum ctl_cmd {
	CTL_CMD_STATUS,
	CTL_CMD_NODES,
	CTL_CMD_GUESTS,
	CTL_CMD_HISTORY,
	CTL_CMD_ADVISE,
	CTL_CMD_EXPLAIN,
	CTL_CMD_METRICS,
	CTL_CMD_CONFIG,
	CTL_CMD_PAUSE,
	CTL_CMD_RESUME,
	CTL_CMD_RELOAD,
	CTL_CMD_LOG_LEVEL,
	CTL_NCMDS
};

enum ctl_arg_type { CTL_ARG_INT, CTL_ARG_NUMBER, CTL_ARG_STRING };

#define CTL_MAX_ARGS 3

struct ctl_arg_spec {
	const char *name;      /* NULL ends the list */
	enum ctl_arg_type type;
	bool required;
};

struct ctl_command {
	const char *name;
	bool privileged;       /* changes the daemon's state: root or the control group only */
	struct ctl_arg_spec args[CTL_MAX_ARGS];
};

/* Every command, indexed by enum ctl_cmd, in the order the greeting lists them. */
extern const struct ctl_command ctl_commands[CTL_NCMDS];

/* A request line, parsed. */
struct ctl_req {
	enum ctl_cmd cmd;          /* CTL_PARSE_OK: the command */
	struct json_object *args;  /* CTL_PARSE_OK: the "args" object, NULL when absent or null */
	struct json_object *id;    /* the "id" to echo in the reply, on success and on error; NULL when
				    * absent, null, or the line is not a JSON object */
	struct json_object *obj;   /* the request (args and id belong to it); NULL when not an object */
	const char *eclass;        /* CTL_PARSE_ERROR: a CTL_E_* class */
	char desc[512];            /* CTL_PARSE_ERROR: what the client is told; never empty */
};

enum ctl_parse { CTL_PARSE_OK, CTL_PARSE_BLANK, CTL_PARSE_ERROR };

/*
 * The daemon's reading of one request line: the bytes before the '\n' (not necessarily
 * NUL-terminated; a NUL inside is a byte like any other). A line longer than CTL_MAX_MSG
 * is refused by its length alone (CTL_E_TOOLARGE: the daemon closes the connection) and
 * not read. Blanks, '\r' and NULs at the end are dropped; a line left empty is
 * CTL_PARSE_BLANK and gets no reply. Otherwise the line must be one JSON object with
 * "cmd" naming a command, "args" (optional) an object whose members are that command's
 * arguments of their types, every required one there, and "id" (optional) anything.
 * Arguments are checked for type only; their ranges are the commands' business. Whatever
 * the result, free r with ctl_req_free().
 */
enum ctl_parse ctl_parse_request(const char *line, size_t len, struct ctl_req *r);
void ctl_req_free(struct ctl_req *r);

/* The daemon's lines (each one line of JSON once written with ctl_wire_text()). */
struct json_object *ctl_greeting(const char *version);
/* {"error": {"class", "desc"}, "id"}; id is taken with a new reference, NULL for none. */
struct json_object *ctl_error_reply(struct json_object *id, const char *eclass, const char *desc);
/* {"return": ret, "id"}; ret is taken over (NULL for JSON null), id as above. */
struct json_object *ctl_return_reply(struct json_object *id, struct json_object *ret);
/*
 * o as sent on the socket, without the newline, malloc'd (free it; NULL out of memory).
 * It is always valid UTF-8: each byte of a string that is not (a guest's name, what a
 * client sent) is written as \ufffd, the replacement character.
 */
char *ctl_wire_text(struct json_object *o);

/*
 * The client's reading of the daemon's lines (numadctl, numad -w). Each line is a C
 * string without its newline; path only names the daemon in messages. st is reset,
 * then filled on failure: CTL_ERROR with eclass and desc (as the daemon sent them, cut
 * to fit, control characters made '?' so that each is one line of text; "GenericError"
 * and "(no description)" when missing or empty), or CTL_MALFORMED with desc.
 */
/* The greeting: 0 when it is numad's, else -1 (a Busy error is CTL_ERROR). */
int ctl_parse_greeting(const char *line, const char *path, struct ctl_status *st);
/* The reply to request id 1 (the client's only one): its "return" value (JSON null as an
 * empty object; the caller puts it), or NULL with st filled. */
struct json_object *ctl_parse_reply(const char *line, const char *path, struct ctl_status *st);
/*
 * numad -w: the node list of an advise answer ("nodes"), canonical ("0-1,3"), in list.
 * Returns 0, or -1 (list emptied) when ret has no such string, it is not a node list,
 * it is empty, or its canonical form does not fit in len.
 */
int ctl_advice_nodes(struct json_object *ret, char *list, size_t len);

#endif
