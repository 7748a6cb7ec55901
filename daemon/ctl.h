/* ctl.h: the control socket (newline-delimited JSON, QMP-like) and its client side. */
#ifndef NUMAD_CTL_H
#define NUMAD_CTL_H

#include <stddef.h>

struct daemon;
struct ctl;
struct json_object;

#define CTL_MAX_MSG (64 * 1024)
#define CTL_MAX_CLIENTS 64
#define CTL_IDLE_TIMEOUT_S 10

/* Listen on path (NULL or "" for no socket). Returns NULL when it must not start (another daemon, unsafe path). */
struct ctl *ctl_open(struct daemon *d, const char *path);
/* Stop listening, drop clients, remove the socket. */
void ctl_close(struct ctl *c);

/*
 * Client: connect to path, read the greeting, send {"cmd": cmd, "args": args, "id": 1} and
 * return the reply's "return" object (caller puts it), or NULL with a message in err.
 * Everything is bounded by timeout_ms in total, so a stuck daemon cannot hang the caller.
 */
struct json_object *ctl_call(const char *path, const char *cmd, struct json_object *args, int timeout_ms,
			     char *err, size_t errlen);

#endif
