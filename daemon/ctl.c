/*
 * ctl.c: the control socket. Newline-delimited JSON in the manner of QMP: a greeting,
 * then requests {"cmd": ..., "args": {...}, "id": ...} and replies with the same id and
 * either "return" or "error": {"class": ..., "desc": ...}. Every message is bounded, every
 * client has an idle timeout, and a misbehaving client is closed, never waited on.
 */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl.h"
#include "log.h"
#include "numad.h"

struct client {
	struct ctl *ctl;
	struct bufferevent *bev;
	uid_t uid;
	gid_t gid;
	pid_t pid;
	struct client *next;
};

struct ctl {
	struct daemon *d;
	char *path;
	struct evconnlistener *lis;
	struct client *clients;
	int nclients;
};

typedef struct json_object *(*handler_fn)(struct ctl *c, struct client *cl, struct json_object *args,
					  const char **eclass, char *edesc, size_t elen);

static struct json_object *cmd_advise(struct ctl *c, struct client *cl, struct json_object *args,
				      const char **eclass, char *edesc, size_t elen);
static struct json_object *cmd_status(struct ctl *c, struct client *cl, struct json_object *args,
				      const char **eclass, char *edesc, size_t elen);

static const struct {
	const char *name;
	handler_fn fn;
	bool privileged;
} commands[] = {
	{ "advise", cmd_advise, false },
	{ "status", cmd_status, false },
};

/* ---- replies ---- */

static void send_json(struct client *cl, struct json_object *o)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);

	bufferevent_write(cl->bev, s, strlen(s));
	bufferevent_write(cl->bev, "\n", 1);
}

static void send_error(struct client *cl, struct json_object *id, const char *eclass, const char *desc)
{
	struct json_object *r = json_object_new_object(), *e = json_object_new_object();

	json_object_object_add(e, "class", json_object_new_string(eclass));
	json_object_object_add(e, "desc", json_object_new_string(desc));
	json_object_object_add(r, "error", e);
	if (id)
		json_object_object_add(r, "id", json_object_get(id));
	send_json(cl, r);
	json_object_put(r);
}

static void drop_client(struct client *cl)
{
	struct ctl *c = cl->ctl;

	for (struct client **pp = &c->clients; *pp; pp = &(*pp)->next)
		if (*pp == cl) {
			*pp = cl->next;
			break;
		}
	c->nclients--;
	bufferevent_free(cl->bev);
	free(cl);
}

/* Close after the pending output is flushed. */
static void on_flushed_close(struct bufferevent *bev, void *arg)
{
	(void)bev;
	drop_client(arg);
}

static void close_after_write(struct client *cl)
{
	bufferevent_disable(cl->bev, EV_READ);
	bufferevent_setcb(cl->bev, NULL, on_flushed_close, NULL, cl);
	if (evbuffer_get_length(bufferevent_get_output(cl->bev)) == 0)
		drop_client(cl);
}

/* ---- requests ---- */

static void handle_line(struct client *cl, const char *line, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *req, *cmd = NULL, *args = NULL, *id = NULL, *ret, *r;
	const char *eclass = NULL, *name;
	char edesc[256] = "";
	size_t i;

	req = json_tokener_parse_ex(tok, line, (int)len);
	if (!req || json_tokener_get_error(tok) != json_tokener_success || !json_object_is_type(req, json_type_object)) {
		send_error(cl, NULL, "GenericError", "request is not a JSON object");
		json_tokener_free(tok);
		json_object_put(req);
		return;
	}
	json_tokener_free(tok);
	json_object_object_get_ex(req, "id", &id);
	if (!json_object_object_get_ex(req, "cmd", &cmd) || !json_object_is_type(cmd, json_type_string)) {
		send_error(cl, id, "GenericError", "missing \"cmd\" string");
		json_object_put(req);
		return;
	}
	if (json_object_object_get_ex(req, "args", &args) && !json_object_is_type(args, json_type_object)) {
		send_error(cl, id, "GenericError", "\"args\" must be an object");
		json_object_put(req);
		return;
	}
	name = json_object_get_string(cmd);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			break;
	if (i == sizeof(commands) / sizeof(commands[0])) {
		snprintf(edesc, sizeof(edesc), "unknown command '%.64s'", name);
		send_error(cl, id, "CommandNotFound", edesc);
		json_object_put(req);
		return;
	}
	if (commands[i].privileged && cl->uid != 0) {
		send_error(cl, id, "Denied", "this command changes state: root only");
		json_object_put(req);
		return;
	}
	ret = commands[i].fn(cl->ctl, cl, args, &eclass, edesc, sizeof(edesc));
	if (!ret) {
		send_error(cl, id, eclass ? eclass : "GenericError", edesc);
	} else {
		r = json_object_new_object();
		json_object_object_add(r, "return", ret);
		if (id)
			json_object_object_add(r, "id", json_object_get(id));
		send_json(cl, r);
		json_object_put(r);
	}
	json_object_put(req);
}

static void on_read(struct bufferevent *bev, void *arg)
{
	struct client *cl = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t len;
	char *line;

	while ((line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF))) {
		if (len > CTL_MAX_MSG) {
			free(line);
			break;
		}
		if (len > 0)
			handle_line(cl, line, len);
		free(line);
	}
	if (evbuffer_get_length(in) > CTL_MAX_MSG) {
		send_error(cl, NULL, "GenericError", "message longer than 64 KiB: closing");
		close_after_write(cl);
	}
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	struct client *cl = arg;

	(void)bev;
	if (what & BEV_EVENT_TIMEOUT)
		log_debug("control client pid %d idle for %d s: closed", (int)cl->pid, CTL_IDLE_TIMEOUT_S);
	drop_client(cl);
}

static void greet(struct client *cl)
{
	struct json_object *g = json_object_new_object(), *n = json_object_new_object(), *caps = json_object_new_array();

	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		json_object_array_add(caps, json_object_new_string(commands[i].name));
	json_object_object_add(n, "version", json_object_new_string(NUMAD_VERSION));
	json_object_object_add(n, "capabilities", caps);
	json_object_object_add(g, "numad", n);
	send_json(cl, g);
	json_object_put(g);
}

static void on_accept(struct evconnlistener *lis, evutil_socket_t fd, struct sockaddr *sa, int salen, void *arg)
{
	struct ctl *c = arg;
	struct ucred cred = { 0 };
	socklen_t clen = sizeof(cred);
	struct timeval idle = { CTL_IDLE_TIMEOUT_S, 0 };
	struct client *cl;

	(void)lis;
	(void)sa;
	(void)salen;
	if (c->nclients >= CTL_MAX_CLIENTS) {
		static const char busy[] = "{\"error\":{\"class\":\"Busy\",\"desc\":\"too many clients\"}}\n";
		if (write(fd, busy, sizeof(busy) - 1) < 0)
			log_debug("control: cannot tell a client it is one too many");
		close(fd);
		return;
	}
	cl = calloc(1, sizeof(*cl));
	if (!cl) {
		close(fd);
		return;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0)
		cred.uid = (uid_t)-1; /* unknown peer: unprivileged */
	cl->uid = cred.uid;
	cl->gid = cred.gid;
	cl->pid = cred.pid;
	cl->ctl = c;
	cl->bev = bufferevent_socket_new(c->d->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (!cl->bev) {
		close(fd);
		free(cl);
		return;
	}
	cl->next = c->clients;
	c->clients = cl;
	c->nclients++;
	bufferevent_setcb(cl->bev, on_read, NULL, on_event, cl);
	bufferevent_set_timeouts(cl->bev, &idle, &idle);
	bufferevent_setwatermark(cl->bev, EV_READ, 0, CTL_MAX_MSG + 2);
	bufferevent_enable(cl->bev, EV_READ | EV_WRITE);
	greet(cl);
}

/* ---- commands ---- */

static struct json_object *nodes_json(const struct engine_score *s)
{
	char set[1024];

	nodeset_format(&s->set, set, sizeof(set));
	return json_object_new_string(set);
}

static struct json_object *cmd_advise(struct ctl *c, struct client *cl, struct json_object *args,
				      const char **eclass, char *edesc, size_t elen)
{
	struct json_object *cpus = NULL, *mb = NULL, *r, *cands;
	struct engine_result res;
	double ncpus;
	int64_t mbv = 0;

	(void)cl;
	if (!args || !json_object_object_get_ex(args, "cpus", &cpus) ||
	    !(json_object_is_type(cpus, json_type_int) || json_object_is_type(cpus, json_type_double)) ||
	    (json_object_object_get_ex(args, "mb", &mb) && !json_object_is_type(mb, json_type_int))) {
		*eclass = "InvalidArgument";
		snprintf(edesc, elen, "advise needs {\"cpus\": number, \"mb\": integer}");
		return NULL;
	}
	ncpus = json_object_get_double(cpus);
	if (mb)
		mbv = json_object_get_int64(mb);
	if (!(ncpus >= 0 && ncpus <= 65536) || mbv < 0 || (ncpus <= 0 && mbv == 0)) {
		*eclass = "InvalidArgument";
		snprintf(edesc, elen, "cpus must be 0-65536, mb non-negative, and one of them above zero");
		return NULL;
	}
	if (advise_compute(&c->d->topo, c->d->busy, &c->d->o->policy, ncpus, (uint64_t)mbv, &res) < 0) {
		snprintf(edesc, elen, "%s", res.why ? res.why : "no advice");
		return NULL;
	}
	r = json_object_new_object();
	json_object_object_add(r, "nodes", nodes_json(&res.best_score));
	json_object_object_add(r, "status", json_object_new_string(engine_status_name(res.status)));
	json_object_object_add(r, "why", json_object_new_string(res.why));
	cands = json_object_new_array();
	for (int k = 0; k < res.ntop; k++) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "nodes", nodes_json(&res.top[k]));
		json_object_object_add(o, "fits", json_object_new_boolean(res.top[k].fits));
		json_object_object_add(o, "score", json_object_new_double(res.top[k].total));
		json_object_object_add(o, "distance", json_object_new_double(res.top[k].distance));
		json_object_object_add(o, "offers_mb", json_object_new_int64((int64_t)res.top[k].avail_mb));
		json_object_array_add(cands, o);
	}
	json_object_object_add(r, "candidates", cands);
	return r;
}

static struct json_object *cmd_status(struct ctl *c, struct client *cl, struct json_object *args,
				      const char **eclass, char *edesc, size_t elen)
{
	struct daemon *d = c->d;
	struct json_object *r = json_object_new_object(), *nodes = json_object_new_array(),
			   *guests = json_object_new_array();
	char set[1024];

	(void)cl;
	(void)args;
	(void)eclass;
	(void)edesc;
	(void)elen;
	for (int i = 0; i < d->topo.nnodes; i++) {
		const struct node_info *ni = &d->topo.nodes[i];
		struct json_object *n = json_object_new_object();
		json_object_object_add(n, "node", json_object_new_int(ni->id));
		json_object_object_add(n, "total_mb", json_object_new_int64((int64_t)(ni->mem.total_kb / 1024)));
		json_object_object_add(
			n, "free_mb",
			json_object_new_int64((int64_t)(node_free_kb(&ni->mem, d->o->policy.count_inactive_file) / 1024)));
		json_object_object_add(n, "cpus", json_object_new_int(ni->ncpus));
		json_object_object_add(n, "busy_cpus", json_object_new_double(d->busy[i]));
		json_object_array_add(nodes, n);
	}
	for (int i = 0; i < d->nguests; i++) {
		const struct guest *g = &d->guests[i];
		struct json_object *o = json_object_new_object();
		nodeset_format(&g->nodes, set, sizeof(set));
		json_object_object_add(o, "domain", json_object_new_string(g->name));
		json_object_object_add(o, "pid", json_object_new_int(g->pid));
		json_object_object_add(o, "managed", json_object_new_boolean(g->managed && !g->permanent_failure));
		json_object_object_add(o, "mode", json_object_new_string(mode_name(g->mode)));
		json_object_object_add(o, "nodes", json_object_new_string(set));
		json_object_object_add(o, "resident_mb", json_object_new_int64((int64_t)(g->res_total_kb / 1024)));
		json_object_object_add(o, "at_risk", json_object_new_boolean(g->at_risk));
		if (isfinite(g->tte_s))
			json_object_object_add(o, "time_to_exhaustion_s", json_object_new_double(g->tte_s));
		json_object_object_add(o, "last_advice", json_object_new_string(g->last_advice));
		json_object_object_add(o, "last_outcome", json_object_new_string(outcome_name(g->last_outcome)));
		if (g->permanent_failure)
			json_object_object_add(o, "failure", json_object_new_string(g->failure));
		json_object_array_add(guests, o);
	}
	json_object_object_add(r, "nodes", nodes);
	json_object_object_add(r, "guests", guests);
	json_object_object_add(r, "advices", json_object_new_int64((int64_t)d->advices));
	json_object_object_add(r, "paused", json_object_new_boolean(d->paused));
	json_object_object_add(r, "libvirt", json_object_new_boolean(virt_connected(d->virt)));
	return r;
}

/* ---- setup ---- */

static int prepare_path(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	char dir[sizeof(sa.sun_path)], *slash;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_msg(LOG_ERR, "control socket path too long: %s", path);
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			log_warn("cannot create %s", dir);
			return -1;
		}
		/* Anyone could plant a file at our path in a world-writable directory without the sticky bit. */
		if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || ((st.st_mode & S_IWOTH) && !(st.st_mode & S_ISVTX))) {
			log_msg(LOG_ERR, "control socket directory %s is not a directory, or is world-writable without the sticky bit",
				dir);
			return -1;
		}
	}
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		log_msg(LOG_ERR, "%s exists and is not a socket (a symlink or file): not touching it", path);
		return -1;
	}
	/* A socket that answers belongs to a running daemon; one that doesn't is stale. */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		close(fd);
		log_msg(LOG_ERR, "another numad answers on %s: not starting", path);
		return -1;
	}
	if (fd >= 0)
		close(fd);
	unlink(path);
	return 0;
}

struct ctl *ctl_open(struct daemon *d, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ctl *c;
	mode_t old;
	int fd;

	if (!path || !*path)
		return NULL;
	if (prepare_path(path) < 0)
		return NULL;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return NULL;
	old = umask(0117);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		umask(old);
		log_warn("cannot bind %s", path);
		close(fd);
		return NULL;
	}
	umask(old);
	if (chmod(path, 0660) < 0)
		log_warn("cannot chmod %s", path);
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return NULL;
	}
	c->d = d;
	c->path = strdup(path);
	c->lis = evconnlistener_new(d->base, on_accept, c, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 16, fd);
	if (!c->lis) {
		close(fd);
		unlink(path);
		free(c->path);
		free(c);
		return NULL;
	}
	log_msg(LOG_INFO, "control socket at %s", path);
	return c;
}

void ctl_close(struct ctl *c)
{
	if (!c)
		return;
	while (c->clients)
		drop_client(c->clients);
	evconnlistener_free(c->lis);
	unlink(c->path);
	free(c->path);
	free(c);
}

/* ---- client ---- */

/* Read one line within the deadline; returns its length or -1. */
static int read_line(int fd, char *buf, size_t len, int64_t deadline)
{
	size_t n = 0;

	while (n + 1 < len) {
		struct pollfd p = { fd, POLLIN, 0 };
		int64_t left = deadline - now_ms();
		ssize_t r;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			return -1;
		r = read(fd, buf + n, 1);
		if (r <= 0)
			return -1;
		if (buf[n] == '\n') {
			buf[n] = '\0';
			return (int)n;
		}
		n++;
	}
	return -1;
}

struct json_object *ctl_call(const char *path, const char *cmd, struct json_object *args, int timeout_ms,
			     char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int64_t deadline = now_ms() + timeout_ms;
	struct json_object *req, *rep = NULL, *ret = NULL, *e;
	char *line = malloc(CTL_MAX_MSG * 4);
	const char *s;
	int fd;

	if (!line || strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "bad socket path");
		free(line);
		return NULL;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		snprintf(err, errlen, "cannot connect to %s: %s", path, strerror(errno));
		goto out;
	}
	if (read_line(fd, line, CTL_MAX_MSG * 4, deadline) < 0) {
		snprintf(err, errlen, "no greeting from %s", path);
		goto out;
	}
	req = json_object_new_object();
	json_object_object_add(req, "cmd", json_object_new_string(cmd));
	json_object_object_add(req, "args", args ? json_object_get(args) : json_object_new_object());
	json_object_object_add(req, "id", json_object_new_int(1));
	s = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	if (write(fd, s, strlen(s)) < 0 || write(fd, "\n", 1) < 0) {
		snprintf(err, errlen, "cannot write to %s: %s", path, strerror(errno));
		json_object_put(req);
		goto out;
	}
	json_object_put(req);
	if (read_line(fd, line, CTL_MAX_MSG * 4, deadline) < 0 || !(rep = json_tokener_parse(line)) ||
	    !json_object_is_type(rep, json_type_object)) {
		snprintf(err, errlen, "no valid reply from %s", path);
		goto out;
	}
	if (json_object_object_get_ex(rep, "error", &e)) {
		struct json_object *desc = NULL;
		json_object_object_get_ex(e, "desc", &desc);
		snprintf(err, errlen, "%s", desc ? json_object_get_string(desc) : "error");
	} else if (json_object_object_get_ex(rep, "return", &ret)) {
		json_object_get(ret);
	} else {
		snprintf(err, errlen, "reply has neither return nor error");
	}
out:
	if (fd >= 0)
		close(fd);
	json_object_put(rep);
	free(line);
	return ret;
}
