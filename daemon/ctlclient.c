/*
 * ctlclient.c: the client side of the control socket, shared by numad -w and numadctl.
 * One request per connection; every read and write is bounded by one deadline, so a
 * daemon that hangs cannot hang the caller (libvirt waits for -w with no timeout).
 */
#include <errno.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctlproto.h"
#include "util.h"

struct conn {
	int fd;
	char *buf;
	size_t start, len, cap;  /* unread data is buf[start..len) */
	int64_t deadline;
};

static void fail(struct ctl_status *st, enum ctl_failure f, int err, const char *fmt, const char *arg)
{
	st->failure = f;
	st->sys_errno = err;
	snprintf(st->desc, sizeof(st->desc), fmt, arg);
}

/* Wait for fd to be ready for events within the deadline. Returns 0, or -1 on timeout or error. */
static int wait_fd(const struct conn *c, short events)
{
	struct pollfd p = { c->fd, events, 0 };
	int64_t left = c->deadline - now_ms();
	int r;

	do {
		if (left <= 0)
			return -1;
		r = poll(&p, 1, (int)left);
		left = c->deadline - now_ms();
	} while (r < 0 && errno == EINTR);
	return r > 0 ? 0 : -1;
}

/* Make room for more input: drop what was consumed, grow up to CTL_MAX_REPLY. Returns 0 or -1. */
static int make_room(struct conn *c)
{
	char *p;
	size_t cap;

	if (c->start > 0) {
		memmove(c->buf, c->buf + c->start, c->len - c->start);
		c->len -= c->start;
		c->start = 0;
	}
	if (c->len + 1 < c->cap)
		return 0;
	if (c->cap > CTL_MAX_REPLY)
		return -1;
	cap = c->cap ? c->cap * 2 : 64 * 1024;
	p = realloc(c->buf, cap + 1);
	if (!p)
		return -1;
	c->buf = p;
	c->cap = cap;
	return 0;
}

/* The next line, newline stripped and NUL-terminated (valid until the next call), or NULL. */
static char *next_line(struct conn *c, struct ctl_status *st, const char *path)
{
	for (;;) {
		char *nl = c->len > c->start ? memchr(c->buf + c->start, '\n', c->len - c->start) : NULL;
		ssize_t r;

		if (nl) {
			char *line = c->buf + c->start;
			*nl = '\0';
			c->start = (size_t)(nl - c->buf) + 1;
			return line;
		}
		if (make_room(c) < 0) {
			fail(st, CTL_MALFORMED, 0, "reply from %s is too long", path);
			return NULL;
		}
		if (wait_fd(c, POLLIN) < 0) {
			fail(st, CTL_IO, ETIMEDOUT, "no answer from %s in time", path);
			return NULL;
		}
		r = read(c->fd, c->buf + c->len, c->cap - c->len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			fail(st, CTL_IO, r < 0 ? errno : 0, "%s closed the connection", path);
			return NULL;
		}
		c->len += (size_t)r;
	}
}

static int send_all(struct conn *c, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w;

		if (wait_fd(c, POLLOUT) < 0)
			return -1;
		w = send(c->fd, s, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Read the greeting; a daemon with too many clients sends a Busy error instead. Returns 0 or -1. */
static int read_greeting(struct conn *c, const char *path, struct ctl_status *st)
{
	char *line = next_line(c, st, path);

	return line ? ctl_parse_greeting(line, path, st) : -1;
}

static int send_request(struct conn *c, const char *path, const char *cmd, struct json_object *args,
			struct ctl_status *st)
{
	struct json_object *req = json_object_new_object();
	const char *s;
	int r, err;

	json_object_object_add(req, "cmd", json_object_new_string(cmd));
	json_object_object_add(req, "args", args ? json_object_get(args) : json_object_new_object());
	json_object_object_add(req, "id", json_object_new_int(1));
	s = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	r = send_all(c, s, strlen(s)) < 0 || send_all(c, "\n", 1) < 0 ? -1 : 0;
	err = errno;
	json_object_put(req);
	if (r < 0)
		fail(st, CTL_IO, err, "cannot send the request to %s", path);
	return r;
}

struct json_object *ctl_request(const char *path, const char *cmd, struct json_object *args, int timeout_ms,
				struct ctl_status *st)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct conn c = { .fd = -1, .deadline = now_ms() + timeout_ms };
	struct json_object *ret = NULL;
	char *line;

	memset(st, 0, sizeof(*st));
	if (!path || !*path || strlen(path) >= sizeof(sa.sun_path)) {
		fail(st, CTL_CONNECT, ENAMETOOLONG, "bad socket path '%s'", path ? path : "");
		return NULL;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	c.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c.fd < 0 || connect(c.fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		fail(st, CTL_CONNECT, e, "cannot connect to %s", path);
		snprintf(st->desc + strlen(st->desc), sizeof(st->desc) - strlen(st->desc), ": %s", strerror(e));
		goto out;
	}
	if (read_greeting(&c, path, st) < 0 || send_request(&c, path, cmd, args, st) < 0 ||
	    !(line = next_line(&c, st, path)))
		goto out;
	ret = ctl_parse_reply(line, path, st);
out:
	if (c.fd >= 0)
		close(c.fd);
	free(c.buf);
	return ret;
}

struct json_object *ctl_call(const char *path, const char *cmd, struct json_object *args, int timeout_ms,
			     char *err, size_t errlen)
{
	struct ctl_status st;
	struct json_object *ret = ctl_request(path, cmd, args, timeout_ms, &st);

	if (!ret && st.failure == CTL_ERROR)
		snprintf(err, errlen, "%s: %s", st.eclass, st.desc);
	else if (!ret)
		snprintf(err, errlen, "%s", st.desc);
	return ret;
}
