/*
 * ctl.h: the control socket (newline-delimited JSON, QMP-like) and its client side.
 *
 * The daemon greets with {"numad": {"version": V, "capabilities": [COMMANDS],
 * "privileged": [COMMANDS]}}. A request is one line {"cmd": C, "args": {...}, "id": ANY}
 * ("args" and "id" optional); the reply is one line with the same id and either
 * "return" or "error": {"class": K, "desc": TEXT}. The error classes are below.
 */
#ifndef NUMAD_CTL_H
#define NUMAD_CTL_H

#include <stddef.h>

struct daemon;
struct ctl;
struct json_object;

#define CTL_MAX_MSG (64 * 1024)      /* longest request line, newline excluded */
#define CTL_MAX_CLIENTS 64           /* clients at once; the next one gets Busy and is closed */
#define CTL_IDLE_TIMEOUT_S 10        /* a client silent this long (or not reading) is closed */
#define CTL_MAX_REPLY (32 * 1024 * 1024)  /* longest reply the client side accepts */

/* Error classes, as they appear in "error": {"class": ...}. */
#define CTL_E_PARSE "ParseError"            /* the line is not a JSON object */
#define CTL_E_ARG "InvalidArgument"         /* missing or bad "cmd", "args" or an argument */
#define CTL_E_NOCMD "CommandNotFound"       /* no such command */
#define CTL_E_DENIED "Denied"               /* state-changing command from an unprivileged peer */
#define CTL_E_NOTFOUND "NotFound"           /* no such guest */
#define CTL_E_TOOLARGE "TooLarge"           /* request over CTL_MAX_MSG: the connection is closed */
#define CTL_E_BUSY "Busy"                   /* too many clients: the connection is closed */
#define CTL_E_GENERIC "GenericError"        /* the command ran and failed (reload, advise) */

/* ctl.c */
/*
 * Listen on the socket systemd passed (socket activation), else on path (NULL or "" for
 * no socket). Returns NULL when there is no socket or it must not start (another daemon,
 * unsafe path).
 */
struct ctl *ctl_open(struct daemon *d, const char *path);
/* Stop listening, drop clients, remove the socket (unless systemd owns it). */
void ctl_close(struct ctl *c);

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

#endif
