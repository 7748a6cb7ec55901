/*
 * ctl.c: the control socket. Newline-delimited JSON in the manner of QMP: a greeting,
 * then requests {"cmd": ..., "args": {...}, "id": ...} and replies with the same id and
 * either "return" or "error": {"class": ..., "desc": ...}. Every request is bounded in size
 * and in time (complete within CTL_REQUEST_TIMEOUT_S of its first byte: a byte now and
 * then does not keep a slot), every client has an idle timeout, a misbehaving client is
 * closed, never waited on, and root always finds a slot (CTL_ROOT_SLOTS beyond the rest).
 * Read-only commands are open to whoever the socket's mode lets connect; commands that
 * change state need uid 0 or the control group (SO_PEERCRED, then the peer's groups).
 */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "advise.h"
#include "apply.h"
#include "ctl.h"
#include "ctlproto.h"
#include "guests.h"
#include "log.h"
#include "metrics.h"
#include "options.h"
#include "persist.h"
#include "plan.h"
#include "reserve.h"
#include "state.h"
#include "virt.h"

#define CTL_OUT_HIGH (1024 * 1024)  /* take no more requests from a client while this much output waits */

struct client {
	struct ctl *ctl;
	struct bufferevent *bev;
	uid_t uid;
	gid_t gid;
	pid_t pid;
	bool closing;
	bool in_request;          /* bytes of a request have come since the last reply: its deadline runs */
	struct event *deadline;   /* the idle timeout, or the request's deadline while in_request */
	struct client *next;
};

struct ctl {
	struct daemon *d;
	char *path;               /* NULL when systemd owns the socket */
	struct evconnlistener *lis;
	struct event *resume_ev;  /* re-enables accepting after an accept error (EMFILE) */
	struct client *clients;
	int nclients;
};

struct cmd_error {
	const char *eclass;
	char desc[512];
};

/* A command's handler; ctl_parse_request() has checked that args holds only its arguments, of their types. */
typedef struct json_object *(*handler_fn)(struct ctl *c, struct client *cl, struct json_object *args,
					  struct cmd_error *e);

static struct json_object *cmd_status(struct ctl *, struct client *, struct json_object *, struct cmd_error *);
static struct json_object *cmd_nodes(struct ctl *, struct client *, struct json_object *, struct cmd_error *);
static struct json_object *cmd_guests(struct ctl *, struct client *, struct json_object *, struct cmd_error *);
static struct json_object *cmd_history(struct ctl *, struct client *, struct json_object *, struct cmd_error *);
static struct json_object *cmd_advise(struct ctl *, struct client *, struct json_object *, struct cmd_error *);
static struct json_object *cmd_explain(struct ctl *, struct client *, struct json_object *, struct cmd_error *);
static struct json_object *cmd_pause(struct ctl *, struct client *, struct json_object *, struct cmd_error *);
static struct json_object *cmd_resume(struct ctl *, struct client *, struct json_object *, struct cmd_error *);
static struct json_object *cmd_reload(struct ctl *, struct client *, struct json_object *, struct cmd_error *);
static struct json_object *cmd_log_level(struct ctl *, struct client *, struct json_object *, struct cmd_error *);
static struct json_object *cmd_metrics(struct ctl *, struct client *, struct json_object *, struct cmd_error *);
static struct json_object *cmd_config(struct ctl *, struct client *, struct json_object *, struct cmd_error *);

/* The handler of each command in ctl_commands (ctlproto.c has their names, privileges and arguments). */
static const handler_fn handlers[CTL_NCMDS] = {
	[CTL_CMD_STATUS] = cmd_status,
	[CTL_CMD_NODES] = cmd_nodes,
	[CTL_CMD_GUESTS] = cmd_guests,
	[CTL_CMD_HISTORY] = cmd_history,
	[CTL_CMD_ADVISE] = cmd_advise,
	[CTL_CMD_EXPLAIN] = cmd_explain,
	[CTL_CMD_METRICS] = cmd_metrics,
	[CTL_CMD_CONFIG] = cmd_config,
	[CTL_CMD_PAUSE] = cmd_pause,
	[CTL_CMD_RESUME] = cmd_resume,
	[CTL_CMD_RELOAD] = cmd_reload,
	[CTL_CMD_LOG_LEVEL] = cmd_log_level,
};

/* ---- replies ---- */

static void close_after_write(struct client *cl);

static void send_json(struct client *cl, struct json_object *o)
{
	char *s = ctl_wire_text(o);

	if (!s) {
		log_warn("control: out of memory writing a reply to pid %d: closing", (int)cl->pid);
		close_after_write(cl);
		return;
	}
	bufferevent_write(cl->bev, s, strlen(s));
	bufferevent_write(cl->bev, "\n", 1);
	free(s);
}

static void send_error(struct client *cl, struct json_object *id, const char *eclass, const char *desc)
{
	struct json_object *r = ctl_error_reply(id, eclass, desc);

	send_json(cl, r);
	json_object_put(r);
}

static void send_return(struct client *cl, struct json_object *id, struct json_object *ret)
{
	struct json_object *r = ctl_return_reply(id, ret);

	send_json(cl, r);
	json_object_put(r);
}

/* A number rounded for people: no 0.10000000000000001 in the output; null when not finite. */
static struct json_object *jnum(double v, int decimals)
{
	char s[64];

	if (!isfinite(v))
		return NULL;
	snprintf(s, sizeof(s), "%.*f", decimals, v);
	return json_object_new_double_s(v, s);
}

/* ---- clients ---- */

static void drop_client(struct client *cl)
{
	struct ctl *c = cl->ctl;

	for (struct client **pp = &c->clients; *pp; pp = &(*pp)->next)
		if (*pp == cl) {
			*pp = cl->next;
			break;
		}
	c->nclients--;
	if (cl->deadline)
		event_free(cl->deadline);
	bufferevent_free(cl->bev);
	free(cl);
}

static void on_flushed_close(struct bufferevent *bev, void *arg)
{
	(void)bev;
	drop_client(arg);
}

static void on_event(struct bufferevent *bev, short what, void *arg);

/*
 * Close once the pending output is flushed (bounded by the write timeout). The client is
 * never freed here, so callers may still look at it: with nothing left to write, the
 * close runs from the loop.
 */
static void close_after_write(struct client *cl)
{
	cl->closing = true;
	bufferevent_disable(cl->bev, EV_READ);
	bufferevent_setcb(cl->bev, NULL, on_flushed_close, on_event, cl);
	if (evbuffer_get_length(bufferevent_get_output(cl->bev)) == 0)
		bufferevent_trigger(cl->bev, EV_WRITE, BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS);
}

/* ---- privilege ---- */

/* True when the "Groups:" line of /proc/PID/status lists gid. */
static bool proc_groups_have(pid_t pid, gid_t gid)
{
	struct buf b = { 0 };
	char rel[64];
	const char *p;
	bool found = false;

	snprintf(rel, sizeof(rel), "proc/%d/status", (int)pid);
	if (pid > 0 && read_file_at("/", rel, &b, 1 << 16) == 0 && (p = strstr(b.data, "\nGroups:"))) {
		uint64_t g;
		p += strlen("\nGroups:");
		while (*p != '\n' && *p && !found) {
			if (parse_u64(&p, &g) < 0)
				break;
			found = g == gid;
		}
	}
	buf_free(&b);
	return found;
}

/* True when the peer had gid among its groups when it connected. */
static bool peer_in_group(const struct client *cl, gid_t gid)
{
	int fd = bufferevent_getfd(cl->bev);
	socklen_t len = 0;
	gid_t *groups;
	bool found = false;

	if (cl->gid == gid)
		return true;
	/* The kernel answers ERANGE with the length it needs. */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, NULL, &len) < 0 && errno != ERANGE)
		return errno == ENOPROTOOPT && proc_groups_have(cl->pid, gid);  /* a kernel without SO_PEERGROUPS */
	if (len == 0 || !(groups = malloc(len)))
		return false;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) == 0)
		for (size_t i = 0; i < len / sizeof(gid_t) && !found; i++)
			found = groups[i] == gid;
	free(groups);
	return found;
}

static bool privileged(const struct ctl *c, const struct client *cl)
{
	int gid = c->d->o->control_gid;

	return cl->uid == 0 || (gid >= 0 && peer_in_group(cl, (gid_t)gid));
}

/* ---- requests ---- */

/* Run a parsed request and send its reply. */
static void run_request(struct client *cl, const struct ctl_req *r)
{
	const struct ctl_command *cmd = &ctl_commands[r->cmd];
	struct cmd_error e = { NULL, "" };
	struct json_object *ret;

	if (cmd->privileged && !privileged(cl->ctl, cl)) {
		int gid = cl->ctl->d->o->control_gid;
		if (gid >= 0)
			snprintf(e.desc, sizeof(e.desc), "%s changes the daemon's state: it needs root or group %d", cmd->name,
				 gid);
		else
			snprintf(e.desc, sizeof(e.desc), "%s changes the daemon's state: it needs root", cmd->name);
		send_error(cl, r->id, CTL_E_DENIED, e.desc);
	} else if ((ret = handlers[r->cmd](cl->ctl, cl, r->args, &e))) {
		send_return(cl, r->id, ret);
	} else {
		send_error(cl, r->id, e.eclass ? e.eclass : CTL_E_GENERIC, e.desc);
	}
}

/* The client's timer from now: the idle timeout, or its request's deadline. */
static void arm_deadline(struct client *cl, int seconds)
{
	struct timeval tv = { seconds, 0 };

	evtimer_add(cl->deadline, &tv);
}

/*
 * After the input was read: a reply sent with nothing left over starts the idle timeout
 * again; the first byte of a request starts its deadline, which blank lines and more bytes
 * do not move.
 */
static void update_deadline(struct client *cl, bool replied)
{
	bool pending = evbuffer_get_length(bufferevent_get_input(cl->bev)) > 0;

	if (cl->closing)
		return;
	if (replied)
		cl->in_request = false;
	if (!cl->in_request && pending) {
		cl->in_request = true;
		arm_deadline(cl, CTL_REQUEST_TIMEOUT_S);
	} else if (replied && !pending) {
		arm_deadline(cl, CTL_IDLE_TIMEOUT_S);
	}
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct client *cl = arg;

	(void)fd;
	(void)what;
	if (cl->closing)
		return;  /* the write timeout bounds the last flush */
	if (evbuffer_get_length(bufferevent_get_output(cl->bev)) > 0) {
		/* the client has replies to read first; the write timeout closes one that does not read */
		arm_deadline(cl, CTL_REQUEST_TIMEOUT_S);
		return;
	}
	if (cl->in_request)
		log_debug("control client pid %d: request not complete %d s after its first byte: closed", (int)cl->pid,
			  CTL_REQUEST_TIMEOUT_S);
	else
		log_debug("control client pid %d idle for %d s: closed", (int)cl->pid, CTL_IDLE_TIMEOUT_S);
	drop_client(cl);
}

/*
 * Handle every complete line, but stop while the client leaves its replies unread. A
 * line over CTL_MAX_MSG, or that much without a newline, gets TooLarge and the
 * connection is closed.
 */
static void process_input(struct client *cl)
{
	struct evbuffer *in = bufferevent_get_input(cl->bev);
	bool replied = false;

	while (!cl->closing && evbuffer_get_length(bufferevent_get_output(cl->bev)) < CTL_OUT_HIGH) {
		size_t eol_len = 0, len, avail = evbuffer_get_length(in);
		struct evbuffer_ptr eol = evbuffer_search_eol(in, NULL, &eol_len, EVBUFFER_EOL_LF);
		const char *line;
		struct ctl_req r;

		if (eol.pos < 0 && avail <= CTL_MAX_MSG)
			break;  /* the rest of the line has yet to come */
		len = eol.pos < 0 ? avail : (size_t)eol.pos;
		line = len > 0 ? (const char *)evbuffer_pullup(in, (ev_ssize_t)len) : "";
		if (!line) {
			log_warn("control: out of memory reading a request from pid %d: closing", (int)cl->pid);
			close_after_write(cl);
			return;
		}
		switch (ctl_parse_request(line, len, &r)) {
		case CTL_PARSE_OK: run_request(cl, &r); replied = true; break;
		case CTL_PARSE_ERROR: send_error(cl, r.id, r.eclass, r.desc); replied = true; break;
		case CTL_PARSE_BLANK: break;
		}
		ctl_req_free(&r);
		if (len > CTL_MAX_MSG) {  /* TooLarge, just sent */
			close_after_write(cl);
			return;
		}
		evbuffer_drain(in, len + eol_len);
		if (replied)
			update_deadline(cl, true);
		replied = false;
	}
	update_deadline(cl, false);
}

static void on_read(struct bufferevent *bev, void *arg)
{
	(void)bev;
	process_input(arg);
}

/* The client read its replies: take its next requests. */
static void on_write(struct bufferevent *bev, void *arg)
{
	(void)bev;
	process_input(arg);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	struct client *cl = arg;

	(void)bev;
	if (what & BEV_EVENT_TIMEOUT)
		log_debug("control client pid %d read none of its replies for %d s: closed", (int)cl->pid,
			  CTL_IDLE_TIMEOUT_S);
	/* "echo REQUEST | socat - UNIX:..." shuts its side down and still waits for the reply. */
	if ((what & BEV_EVENT_EOF) && !cl->closing) {
		process_input(cl);
		if (!cl->closing)
			close_after_write(cl);
		return;
	}
	drop_client(cl);
}

static void greet(struct client *cl)
{
	struct json_object *g = ctl_greeting(NUMAD_VERSION);

	send_json(cl, g);
	json_object_put(g);
}

static void on_accept(struct evconnlistener *lis, evutil_socket_t fd, struct sockaddr *sa, int salen, void *arg)
{
	static const char busy[] = "{\"error\":{\"class\":\"" CTL_E_BUSY "\",\"desc\":\"too many clients\"}}\n";
	struct ctl *c = arg;
	struct ucred cred = { 0 };
	socklen_t clen = sizeof(cred);
	struct timeval idle = { CTL_IDLE_TIMEOUT_S, 0 };
	struct client *cl;

	(void)lis;
	(void)sa;
	(void)salen;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0) {
		cred.uid = (uid_t)-1; /* unknown peer: unprivileged */
		cred.gid = (gid_t)-1;
	}
	/* root keeps CTL_ROOT_SLOTS of its own, so that clients who hold every other slot cannot lock it out */
	if (c->nclients >= CTL_MAX_CLIENTS + (cred.uid == 0 ? CTL_ROOT_SLOTS : 0)) {
		if (send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			log_debug("control: cannot tell a client it is one too many");
		close(fd);
		return;
	}
	if (!(cl = calloc(1, sizeof(*cl)))) {
		close(fd);
		return;
	}
	cl->uid = cred.uid;
	cl->gid = cred.gid;
	cl->pid = cred.pid;
	cl->ctl = c;
	if (!(cl->bev = bufferevent_socket_new(c->d->base, fd, BEV_OPT_CLOSE_ON_FREE))) {
		close(fd);
		free(cl);
		return;
	}
	if (!(cl->deadline = evtimer_new(c->d->base, on_deadline, cl))) {
		bufferevent_free(cl->bev);
		free(cl);
		return;
	}
	cl->next = c->clients;
	c->clients = cl;
	c->nclients++;
	bufferevent_setcb(cl->bev, on_read, on_write, on_event, cl);
	/* reads are bounded by the client's deadline, not by the time since its last byte */
	bufferevent_set_timeouts(cl->bev, NULL, &idle);
	arm_deadline(cl, CTL_IDLE_TIMEOUT_S);
	bufferevent_setwatermark(cl->bev, EV_READ, 0, CTL_MAX_MSG + 2);
	bufferevent_enable(cl->bev, EV_READ | EV_WRITE);
	greet(cl);
}

/* Out of file descriptors (or another accept error): stop accepting for a second instead of spinning. */
static void on_accept_error(struct evconnlistener *lis, void *arg)
{
	struct ctl *c = arg;
	struct timeval tv = { 1, 0 };

	log_warn("control socket: accept failed; not accepting for 1 s");
	evconnlistener_disable(lis);
	evtimer_add(c->resume_ev, &tv);
}

static void on_resume_accept(evutil_socket_t fd, short what, void *arg)
{
	struct ctl *c = arg;

	(void)fd;
	(void)what;
	evconnlistener_enable(c->lis);
}

/* ---- commands: reading ---- */

static struct json_object *node_json(const struct daemon *d, int i)
{
	const struct node_info *ni = &d->topo.nodes[i];
	struct json_object *n = json_object_new_object(), *dist = json_object_new_array();
	double busy = d->busy ? d->busy[i] : 0;

	for (int j = 0; j < d->topo.nnodes; j++)
		json_object_array_add(dist, json_object_new_int(topology_distance(&d->topo, i, j)));
	json_object_object_add(n, "node", json_object_new_int(ni->id));
	json_object_object_add(n, "cpus", json_object_new_int(ni->ncpus));
	json_object_object_add(n, "busy_cpus", jnum(busy, 2));
	json_object_object_add(n, "cpu_use_pct", jnum(ni->ncpus ? busy * 100.0 / ni->ncpus : 0, 1));
	json_object_object_add(n, "total_mb", json_object_new_int64((int64_t)(ni->mem.total_kb / 1024)));
	json_object_object_add(
		n, "free_mb",
		json_object_new_int64((int64_t)(node_free_kb(&ni->mem, d->o->policy.count_inactive_file) / 1024)));
	json_object_object_add(n, "has_memory", json_object_new_boolean(ni->has_memory));
	json_object_object_add(n, "distances", dist);
	return n;
}

static struct json_object *nodes_json(const struct daemon *d)
{
	struct json_object *a = json_object_new_array();

	for (int i = 0; i < d->topo.nnodes; i++)
		json_object_array_add(a, node_json(d, i));
	return a;
}

static struct json_object *set_json(const struct nodeset *s)
{
	char set[4096];

	nodeset_format(s, set, sizeof(set));
	return json_object_new_string(set);
}

/* Percentage of a guest's resident memory on its own nodes, or NAN when that means nothing. */
static double locality_pct(const struct daemon *d, const struct guest *g)
{
	return 100.0 * guest_locality(d, g);
}

static struct json_object *guest_json(const struct daemon *d, const struct guest *g)
{
	struct json_object *o = json_object_new_object(), *by = json_object_new_object();
	char id[16];

	for (int i = 0; g->res_valid && i < d->topo.nnodes; i++)
		if (g->res_kb[i] >= 1024) {
			snprintf(id, sizeof(id), "%d", d->topo.nodes[i].id);
			json_object_object_add(by, id, json_object_new_int64((int64_t)(g->res_kb[i] / 1024)));
		}
	json_object_object_add(o, "domain", json_object_new_string(g->name));
	json_object_object_add(o, "uuid", json_object_new_string(g->uuid));
	json_object_object_add(o, "pid", json_object_new_int(g->pid));
	json_object_object_add(o, "managed", json_object_new_boolean(guest_moves(g)));
	json_object_object_add(o, "management", json_object_new_string(guest_management(g)));
	json_object_object_add(o, "mode", json_object_new_string(mode_name(g->mode)));
	json_object_object_add(o, "nodes", set_json(&g->nodes));
	json_object_object_add(o, "vcpus", json_object_new_int(g->nvcpus));
	json_object_object_add(o, "cpu_used", jnum(g->cpu_known ? g->cpu_used : NAN, 2));
	json_object_object_add(o, "mem_mb", json_object_new_int64((int64_t)(g->mem_kb / 1024)));
	json_object_object_add(o, "resident_mb", json_object_new_int64((int64_t)(g->res_total_kb / 1024)));
	json_object_object_add(o, "node_mb", by);
	json_object_object_add(o, "locality_pct", jnum(locality_pct(d, g), 1));
	json_object_object_add(o, "at_risk", json_object_new_boolean(g->at_risk));
	json_object_object_add(o, "time_to_exhaustion_s", jnum(guest_time_to_exhaustion(g), 1));
	json_object_object_add(o, "numa_stat_reads", json_object_new_int64((int64_t)g->numa_stat_reads));
	json_object_object_add(o, "last_advice", json_object_new_string(g->last_advice));
	json_object_object_add(o, "last_outcome", json_object_new_string(outcome_name(g->last_outcome)));
	json_object_object_add(o, "failure", g->permanent_failure ? json_object_new_string(g->failure) : NULL);
	return o;
}

static void wall_time(time_t t, char *out, size_t len)
{
	struct tm tm;

	if (!localtime_r(&t, &tm) || !strftime(out, len, "%Y-%m-%dT%H:%M:%S%z", &tm))
		out[0] = '\0';
}

/* The guests numad saw OOM-killed, oldest first. */
#define FOR_EACH_KILLED(d, k) \
	for (unsigned long k##_i = (d)->nkilled > KILLED_MAX ? (d)->nkilled - KILLED_MAX : 0; k##_i < (d)->nkilled; k##_i++) \
		for (const struct killed_guest *k = &(d)->killed[k##_i % KILLED_MAX]; k; k = NULL)

static struct json_object *killed_json(const struct daemon *d, const struct killed_guest *k)
{
	struct json_object *o = json_object_new_object();
	char when[64];

	wall_time(k->when, when, sizeof(when));
	json_object_object_add(o, "domain", json_object_new_string(k->name));
	json_object_object_add(o, "uuid", json_object_new_string(k->uuid));
	json_object_object_add(o, "pid", json_object_new_int(k->pid));
	json_object_object_add(o, "managed", json_object_new_boolean(false));
	json_object_object_add(o, "management", json_object_new_string("oom-killed"));
	json_object_object_add(o, "mode", json_object_new_string(mode_name(k->mode)));
	json_object_object_add(o, "nodes", json_object_new_string(k->nodes));
	json_object_object_add(o, "killed_at", json_object_new_string(when));
	json_object_object_add(o, "killed_uptime_s", jnum((double)(k->at_ms - d->start_ms) / 1000.0, 1));
	return o;
}

/* The running guests, then the last KILLED_MAX that the OOM killer took (management "oom-killed"). */
static struct json_object *guests_json(const struct daemon *d)
{
	struct json_object *a = json_object_new_array();

	for (int i = 0; i < d->nguests; i++)
		json_object_array_add(a, guest_json(d, &d->guests[i]));
	FOR_EACH_KILLED(d, k)
		json_object_array_add(a, killed_json(d, k));
	return a;
}

/* One warning for a guest that a person must act on, or none. */
static bool guest_warning(const struct guest *g, char *w, size_t len)
{
	char nodes[1024], left[64] = "";

	nodeset_format(&g->nodes, nodes, sizeof(nodes));
	if (isfinite(g->tte_s))
		snprintf(left, sizeof(left), " in %.0f s", g->tte_s);
	if (g->permanent_failure)
		snprintf(w, len, "%s is no longer managed: %s", g->name, g->failure);
	else if (g->mode == MODE_STRICT && g->at_risk)
		snprintf(w, len, "%s (strict) runs out of memory on nodes %s%s, and libvirt cannot widen a strict guest: "
			 "the OOM killer is next", g->name, nodes, left);
	else if (g->mode == MODE_STRICT && g->managed && !nodeset_empty(&g->nodes))
		snprintf(w, len, "%s is strict: numad cannot widen its nodes (%s) when they fill up; use "
			 "<memory mode='restrictive' placement='auto'/>", g->name, nodes);
	else if (g->at_risk)
		snprintf(w, len, "%s runs out of memory on nodes %s%s", g->name, nodes, left);
	else
		return false;
	return true;
}

static struct json_object *warnings_json(const struct daemon *d)
{
	struct json_object *a = json_object_new_array();
	char w[1600];

	if (virt_connecting(d->virt)) {
		snprintf(w, sizeof(w), "libvirt at %s has not answered yet (libvirtd starting?): numad moves nothing",
			 d->host.uri);
		json_object_array_add(a, json_object_new_string(w));
	} else if (!virt_connected(d->virt)) {
		snprintf(w, sizeof(w), "libvirt at %s is not connected: numad moves nothing", d->host.uri);
		json_object_array_add(a, json_object_new_string(w));
	}
	if (d->paused)
		json_object_array_add(a, json_object_new_string("paused (numadctl pause): decisions are advice only"));
	if (log_write_failed()) {
		snprintf(w, sizeof(w), "cannot write the log %s (disk full?): decisions go to stderr and numadctl history",
			 log_file_path() ? log_file_path() : "");
		json_object_array_add(a, json_object_new_string(w));
	}
	for (int i = 0; i < d->nguests; i++)
		if (guest_warning(&d->guests[i], w, sizeof(w)))
			json_object_array_add(a, json_object_new_string(w));
	FOR_EACH_KILLED(d, k) {
		char when[64];
		wall_time(k->when, when, sizeof(when));
		snprintf(w, sizeof(w), "%s (%s, nodes %s) was OOM-killed at %s, %.0f s after numad started", k->name,
			 mode_name(k->mode), k->nodes[0] ? k->nodes : "-", when, (double)(k->at_ms - d->start_ms) / 1000.0);
		json_object_array_add(a, json_object_new_string(w));
	}
	{
		unsigned long all = daemon_oom_kills(d);
		if (all > d->nkilled) {
			snprintf(w, sizeof(w), "%lu OOM kill(s) on the host since numad started%s: see the kernel log "
				 "(journalctl -k)", all - d->nkilled, d->nkilled ? " besides the guests above" : "");
			json_object_array_add(a, json_object_new_string(w));
		}
	}
	{
		int in_flight, stuck;
		double moved;
		apply_counts(d->apply, &in_flight, &stuck, &moved);
		if (stuck) {
			snprintf(w, sizeof(w), "%d libvirt call(s) have not returned after %d s (see actuator.stuck_calls): "
				 "their guests wait for them", stuck, APPLY_STUCK_MS / 1000);
			json_object_array_add(a, json_object_new_string(w));
		}
	}
	return a;
}

static struct json_object *cmd_status(struct ctl *c, struct client *cl, struct json_object *args, struct cmd_error *e)
{
	struct daemon *d = c->d;
	struct json_object *r = json_object_new_object();

	(void)cl;
	(void)args;
	(void)e;
	json_object_object_add(r, "version", json_object_new_string(NUMAD_VERSION));
	json_object_object_add(r, "uptime_s", jnum((double)(daemon_now(d) - d->start_ms) / 1000.0, 1));
	json_object_object_add(r, "libvirt", json_object_new_boolean(virt_connected(d->virt)));
	json_object_object_add(r, "libvirt_connecting", json_object_new_boolean(virt_connecting(d->virt)));
	json_object_object_add(r, "paused", json_object_new_boolean(d->paused));
	json_object_object_add(r, "advise_only", json_object_new_boolean(d->o->advise_only));
	json_object_object_add(r, "log_level", json_object_new_int(d->o->log_level));
	json_object_object_add(r, "nodes", nodes_json(d));
	json_object_object_add(r, "guests", guests_json(d));
	json_object_object_add(r, "warnings", warnings_json(d));
	json_object_object_add(r, "advices", json_object_new_int64((int64_t)d->advices));
	json_object_object_add(r, "applied", json_object_new_int64((int64_t)d->applied));
	json_object_object_add(r, "urgent", json_object_new_int64((int64_t)d->urgent));
	json_object_object_add(r, "failed", json_object_new_int64((int64_t)d->failed));
	json_object_object_add(r, "oom_kills", json_object_new_int64((int64_t)daemon_oom_kills(d)));
	json_object_object_add(r, "actuator", apply_json(d->apply));
	return r;
}

static struct json_object *cmd_nodes(struct ctl *c, struct client *cl, struct json_object *args, struct cmd_error *e)
{
	(void)cl;
	(void)args;
	(void)e;
	return nodes_json(c->d);
}

static struct json_object *cmd_guests(struct ctl *c, struct client *cl, struct json_object *args, struct cmd_error *e)
{
	(void)cl;
	(void)args;
	(void)e;
	return guests_json(c->d);
}

static struct json_object *record_json(const struct daemon *d, const struct advice_record *r)
{
	struct json_object *o = json_object_new_object();
	char when[64];

	wall_time(r->when, when, sizeof(when));
	json_object_object_add(o, "time", json_object_new_string(when));
	json_object_object_add(o, "uptime_s", jnum((double)(r->at_ms - d->start_ms) / 1000.0, 1));
	json_object_object_add(o, "domain", json_object_new_string(r->domain));
	json_object_object_add(o, "uuid", json_object_new_string(r->uuid));
	json_object_object_add(o, "pid", json_object_new_int(r->pid));
	json_object_object_add(o, "from", json_object_new_string(r->from));
	json_object_object_add(o, "to", json_object_new_string(r->to));
	json_object_object_add(o, "reason", json_object_new_string(reason_name(r->reason)));
	json_object_object_add(o, "outcome", json_object_new_string(outcome_name(r->outcome)));
	json_object_object_add(o, "detail", json_object_new_string(r->detail));
	return o;
}

static struct json_object *cmd_history(struct ctl *c, struct client *cl, struct json_object *args, struct cmd_error *e)
{
	const struct daemon *d = c->d;
	unsigned long kept = d->nhistory < HISTORY_LEN ? d->nhistory : HISTORY_LEN, n = kept;
	struct json_object *v, *a;

	(void)cl;
	if (args && json_object_object_get_ex(args, "count", &v)) {
		int64_t want = json_object_get_int64(v);
		if (want < 0) {
			e->eclass = CTL_E_ARG;
			snprintf(e->desc, sizeof(e->desc), "history: \"count\" must not be negative");
			return NULL;
		}
		if ((uint64_t)want < n)
			n = (unsigned long)want;
	}
	a = json_object_new_array();
	for (unsigned long k = d->nhistory - n; k < d->nhistory; k++)  /* oldest first, newest last */
		json_object_array_add(a, record_json(d, &d->history[k % HISTORY_LEN]));
	return a;
}

static struct json_object *score_json(const struct engine_score *s)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "nodes", set_json(&s->set));
	json_object_object_add(o, "fits", json_object_new_boolean(s->fits));
	json_object_object_add(o, "score", jnum(s->total, 4));
	json_object_object_add(o, "distance", jnum(s->distance, 4));
	json_object_object_add(o, "mem", jnum(s->mem, 4));
	json_object_object_add(o, "cpu", jnum(s->cpu, 4));
	json_object_object_add(o, "move", jnum(s->move, 4));
	json_object_object_add(o, "offers_mb", json_object_new_int64((int64_t)s->avail_mb));
	json_object_object_add(o, "idle_cpus", jnum(s->idle_cpus, 2));
	return o;
}

static struct json_object *candidates_json(const struct engine_result *res)
{
	struct json_object *a = json_object_new_array();

	for (int k = 0; k < res->ntop; k++)
		json_object_array_add(a, score_json(&res->top[k]));
	return a;
}

static struct json_object *cmd_advise(struct ctl *c, struct client *cl, struct json_object *args, struct cmd_error *e)
{
	struct json_object *cpus = NULL, *mb = NULL, *reserve = NULL, *r;
	struct engine_result res;
	double ncpus;
	int64_t mbv = 0, rv = 0;

	(void)cl;
	json_object_object_get_ex(args, "cpus", &cpus);
	ncpus = json_object_get_double(cpus);
	if (json_object_object_get_ex(args, "mb", &mb))
		mbv = json_object_get_int64(mb);
	if (json_object_object_get_ex(args, "reserve", &reserve))
		rv = json_object_get_int64(reserve);
	if (rv != 0 && rv != 1) {
		e->eclass = CTL_E_ARG;
		snprintf(e->desc, sizeof(e->desc), "advise: reserve must be 0 or 1");
		return NULL;
	}
	if (!(ncpus >= 0 && ncpus <= 65536) || mbv < 0 || mbv > (INT64_C(1) << 40) || (ncpus <= 0 && mbv == 0)) {
		e->eclass = CTL_E_ARG;
		snprintf(e->desc, sizeof(e->desc), "advise: cpus must be 0-65536, mb non-negative, and one of them above 0");
		return NULL;
	}
	/* numad -w at a guest's start reserves; a person's question (numadctl advise) does not */
	if (reserve_advise(c->d, ncpus, (uint64_t)mbv, rv == 1, &res) < 0) {
		snprintf(e->desc, sizeof(e->desc), "no advice: %s", res.why ? res.why : "empty result");
		return NULL;
	}
	r = json_object_new_object();
	json_object_object_add(r, "nodes", set_json(&res.best));
	json_object_object_add(r, "status", json_object_new_string(engine_status_name(res.status)));
	json_object_object_add(r, "why", json_object_new_string(res.why ? res.why : ""));
	json_object_object_add(r, "cpus", jnum(ncpus, 2));
	json_object_object_add(r, "mb", json_object_new_int64(mbv));
	json_object_object_add(r, "evaluated", json_object_new_int64((int64_t)res.evaluated));
	json_object_object_add(r, "exhaustive", json_object_new_boolean(res.exhaustive));
	json_object_object_add(r, "candidates", candidates_json(&res));
	return r;
}

static struct guest *find_guest(struct daemon *d, const char *key)
{
	struct guest *g = guest_find(d, key);

	for (int i = 0; !g && i < d->nguests; i++)
		if (strcmp(d->guests[i].name, key) == 0)
			g = &d->guests[i];
	return g;
}

/* The share (in %) of a guest's resident memory on a set, or 100 when it holds none. */
static double share_on(const struct daemon *d, const struct guest *g, const struct nodeset *s)
{
	uint64_t on = 0;

	if (!g->res_valid || g->res_total_kb == 0)
		return 100;
	for (int i = 0; i < d->topo.nnodes; i++)
		if (nodeset_has(s, d->topo.nodes[i].id))
			on += g->res_kb[i];
	return 100.0 * (double)on / (double)g->res_total_kb;
}

/* Why a guest stays or moves, for a guest consolidation may move. */
static void move_verdict(const struct daemon *d, const struct guest *g, const struct engine_result *res,
			 const struct engine_score *cur, char *out, size_t len)
{
	const struct engine_policy *p = &d->o->policy;
	char best[1024], alt[1024];
	double hyst = p->hysteresis * 100, local = share_on(d, g, &g->nodes);

	nodeset_format(&res->best, best, sizeof(best));
	nodeset_format(&res->top[0].set, alt, sizeof(alt));
	if (res->status == ENGINE_NOFIT)
		snprintf(out, len, "no node set has room for all it was given; it stays, and the fast tier extends its "
			 "nodes if they run short");
	else if (res->status == ENGINE_KEEP && nodeset_equal(&res->top[0].set, &g->nodes))
		snprintf(out, len, "stays: its nodes are the best set for it");
	else if (res->status == ENGINE_KEEP)
		snprintf(out, len, "stays: moves when a set scores %.0f%% better than its %.4f now (hysteresis); the best "
			 "other set, %s, scores %.4f", hyst, cur->total, alt, res->top[0].total);
	else if (nodeset_equal(&res->best, &g->nodes))
		snprintf(out, len, "stays: its nodes are the best set for it");
	else if (!cur->fits)
		snprintf(out, len, "current nodes no longer fit: moves to %s at the next full scan", best);
	else if (local < p->locality_target)
		snprintf(out, len, "only %.0f%% of its memory is on its nodes (target %d%%): moves to %s at the next "
			 "full scan", local, p->locality_target, best);
	else
		snprintf(out, len, "%s scores %.4f against %.4f now, more than %.0f%% better: moves there at the next "
			 "full scan", best, res->best_score.total, cur->total, hyst);
}

/* One sentence on what would make the guest move, or why it never will. */
static void verdict(const struct daemon *d, const struct guest *g, const struct engine_result *res,
		    const struct engine_score *cur, char *out, size_t len)
{
	int64_t wait_ms = g->last_move_ms ? g->last_move_ms + (int64_t)d->o->guest_interval_s * 1000 - daemon_now(d) : 0;
	size_t n;

	if (!g->managed)
		snprintf(out, len, "observed only: its persistent definition does not ask for placement='auto'");
	else if (g->permanent_failure)
		snprintf(out, len, "no longer managed: %s", g->failure);
	else if (g->mode == MODE_STRICT)
		snprintf(out, len, "never moves: libvirt cannot change a strict guest's nodes live; numad warns when they "
			 "run short (use mode='restrictive')");
	else if (g->mode != MODE_RESTRICTIVE)
		snprintf(out, len, "never moves: %s guests are observed only", mode_name(g->mode));
	else if (!g->res_valid || nodeset_empty(&g->nodes))
		snprintf(out, len, "nothing to decide yet: no memory sample or no live nodeset");
	else
		move_verdict(d, g, res, cur, out, len);
	n = strlen(out);
	if (g->managed && wait_ms > 0 && n < len)
		snprintf(out + n, len - n, " (not before %.0f s from now: one consolidation per %d s)", wait_ms / 1000.0,
			 d->o->guest_interval_s);
}

static struct json_object *cmd_explain(struct ctl *c, struct client *cl, struct json_object *args, struct cmd_error *e)
{
	struct daemon *d = c->d;
	struct json_object *v, *r;
	struct engine_result res;
	struct engine_score cur;
	const struct guest *g;
	char why[1400];

	(void)cl;
	json_object_object_get_ex(args, "guest", &v);
	if (!(g = find_guest(d, json_object_get_string(v)))) {
		e->eclass = CTL_E_NOTFOUND;
		snprintf(e->desc, sizeof(e->desc), "no guest named or with uuid \"%.256s\"", json_object_get_string(v));
		return NULL;
	}
	if (plan_explain(d, g, &res, &cur) < 0) {
		snprintf(e->desc, sizeof(e->desc), "explain %s: %s", g->name, res.why ? res.why : "the engine failed");
		return NULL;
	}
	verdict(d, g, &res, &cur, why, sizeof(why));
	r = json_object_new_object();
	json_object_object_add(r, "guest", guest_json(d, g));
	json_object_object_add(r, "current", nodeset_empty(&g->nodes) ? NULL : score_json(&cur));
	json_object_object_add(r, "best", res.ntop > 0 ? score_json(&res.top[0]) : NULL);
	json_object_object_add(r, "advised", set_json(&res.best));
	json_object_object_add(r, "status", json_object_new_string(engine_status_name(res.status)));
	json_object_object_add(r, "why", json_object_new_string(res.why ? res.why : ""));
	json_object_object_add(r, "hysteresis_pct", jnum(d->o->policy.hysteresis * 100, 1));
	json_object_object_add(r, "verdict", json_object_new_string(why));
	json_object_object_add(r, "candidates", candidates_json(&res));
	return r;
}

struct config_rows {
	const struct daemon *d;
	struct json_object *a;
};

static void config_row(void *ctx, const char *option, const char *key, const char *value, enum option_source src)
{
	static const char *const names[] = { "default", "file", "command line", "numadctl" };
	const struct config_rows *cr = ctx;
	struct json_object *o = json_object_new_object();

	/* the files numad really uses: a simulated or --root host keeps its own, or none */
	if (key && strcmp(key, "state_file") == 0)
		value = persist_path(cr->d) ? persist_path(cr->d) : "";
	else if (key && strcmp(key, "ledger") == 0)
		value = reserve_path(cr->d) ? reserve_path(cr->d) : "";
	else if (key && strcmp(key, "control_group") == 0 && strcmp(value, "-1") == 0)
		value = ""; /* root only */

	json_object_object_add(o, "option", option ? json_object_new_string(option) : NULL);
	json_object_object_add(o, "key", key ? json_object_new_string(key) : NULL);
	json_object_object_add(o, "value", json_object_new_string(value));
	json_object_object_add(o, "source", json_object_new_string(src <= SOURCE_NUMADCTL ? names[src] : "?"));
	json_object_array_add(cr->a, o);
}

/* The settings in force, each with where its value came from, and the file they were read from. */
static struct json_object *cmd_config(struct ctl *c, struct client *cl, struct json_object *args, struct cmd_error *e)
{
	const struct options *o = c->d->o;
	struct json_object *r = json_object_new_object(), *a = json_object_new_array();
	struct config_rows cr = { c->d, a };

	(void)cl;
	(void)args;
	(void)e;
	options_each(o, config_row, &cr);
	json_object_object_add(r, "file", o->config_path ? json_object_new_string(o->config_path) : NULL);
	json_object_object_add(r, "file_found", json_object_new_boolean(o->config_path && access(o->config_path, F_OK) == 0));
	json_object_object_add(r, "settings", a);
	return r;
}

static struct json_object *cmd_metrics(struct ctl *c, struct client *cl, struct json_object *args, struct cmd_error *e)
{
	char *text = metrics_render(c->d);
	struct json_object *r;

	(void)cl;
	(void)args;
	if (!text) {
		snprintf(e->desc, sizeof(e->desc), "cannot render the metrics");
		return NULL;
	}
	r = json_object_new_string(text);
	free(text);
	return r;
}

/* ---- commands: changing state ---- */

static struct json_object *set_paused(struct ctl *c, struct client *cl, bool paused)
{
	struct json_object *r = json_object_new_object();
	bool was = c->d->paused;

	c->d->paused = paused;
	if (was != paused)
		log_notice("%s by uid %d (pid %d)%s", paused ? "paused" : "resumed", (int)cl->uid, (int)cl->pid,
			   paused ? ": sampling goes on, decisions are advice only" : "");
	json_object_object_add(r, "paused", json_object_new_boolean(paused));
	json_object_object_add(r, "changed", json_object_new_boolean(was != paused));
	return r;
}

static struct json_object *cmd_pause(struct ctl *c, struct client *cl, struct json_object *args, struct cmd_error *e)
{
	(void)args;
	(void)e;
	return set_paused(c, cl, true);
}

static struct json_object *cmd_resume(struct ctl *c, struct client *cl, struct json_object *args, struct cmd_error *e)
{
	(void)args;
	(void)e;
	return set_paused(c, cl, false);
}

static struct json_object *cmd_reload(struct ctl *c, struct client *cl, struct json_object *args, struct cmd_error *e)
{
	struct json_object *r;

	(void)args;
	log_notice("reload asked by uid %d (pid %d)", (int)cl->uid, (int)cl->pid);
	if (c->d->reload(c->d, e->desc, sizeof(e->desc)) < 0) {
		e->eclass = CTL_E_GENERIC;
		return NULL;
	}
	r = json_object_new_object();
	json_object_object_add(r, "reloaded", json_object_new_boolean(true));
	json_object_object_add(r, "config", c->d->o->config_path ? json_object_new_string(c->d->o->config_path) : NULL);
	/* a default file that does not exist is no error: numad runs on its defaults and command line */
	json_object_object_add(r, "config_found", json_object_new_boolean(c->d->o->config_path &&
									   access(c->d->o->config_path, F_OK) == 0));
	return r;
}

static struct json_object *cmd_log_level(struct ctl *c, struct client *cl, struct json_object *args,
					 struct cmd_error *e)
{
	struct options *o = c->d->o;
	struct json_object *v, *r;
	int64_t level;
	int was = o->log_level;

	json_object_object_get_ex(args, "level", &v);
	level = json_object_get_int64(v);
	if (level < LOG_EMERG || level > LOG_DEBUG) {
		e->eclass = CTL_E_ARG;
		snprintf(e->desc, sizeof(e->desc), "log-level: \"level\" must be 0-7 (5 notice, 6 info, 7 debug)");
		return NULL;
	}
	o->log_level = (int)level;
	options_set_source(o, "log_level", SOURCE_NUMADCTL);
	log_set_level(o->log_level);
	if (o->foreground || o->simulate)  /* as at start: in the foreground the log is copied to stderr */
		log_set_stderr_level(o->log_level);
	if (was != o->log_level)
		log_notice("log level %d -> %d, asked by uid %d (pid %d)", was, o->log_level, (int)cl->uid,
			   (int)cl->pid);
	r = json_object_new_object();
	json_object_object_add(r, "level", json_object_new_int(o->log_level));
	json_object_object_add(r, "previous", json_object_new_int(was));
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
		log_error("control socket path too long: %s", path);
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
			log_error("control socket directory %s is not a directory, or is world-writable without the sticky bit",
				  dir);
			return -1;
		}
	}
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		log_error("%s exists and is not a socket (a symlink or file): not touching it", path);
		return -1;
	}
	/* A socket that answers belongs to a running daemon; one that doesn't is stale. */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		close(fd);
		log_error("another numad answers on %s: not starting", path);
		return -1;
	}
	if (fd >= 0)
		close(fd);
	unlink(path);
	return 0;
}

/* Bind and listen at path, mode 0660 (group: the control group when one is set). Returns the fd or -1. */
static int bind_path(const struct daemon *d, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t old;
	int fd;

	if (prepare_path(path) < 0)
		return -1;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0)
		return -1;
	old = umask(0117);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0) {
		umask(old);
		log_warn("cannot listen on %s", path);
		close(fd);
		return -1;
	}
	umask(old);
	if (chmod(path, 0660) < 0)
		log_warn("cannot chmod %s", path);
	if (d->o->control_gid >= 0 && chown(path, (uid_t)-1, (gid_t)d->o->control_gid) < 0)
		log_warn("cannot give %s to group %d", path, d->o->control_gid);
	return fd;
}

/* The listening AF_UNIX stream socket systemd passed (numad.socket), or -1. */
static int activated_fd(void)
{
	int n = sd_listen_fds(1);

	if (n <= 0)
		return -1;
	if (n > 1) {
		log_warnx("systemd passed %d sockets, numad expects one: binding its own", n);
		return -1;
	}
	if (sd_is_socket_unix(SD_LISTEN_FDS_START, SOCK_STREAM, 1, NULL, 0) <= 0) {
		log_warnx("the socket systemd passed is not a listening AF_UNIX stream socket: binding its own");
		return -1;
	}
	evutil_make_socket_nonblocking(SD_LISTEN_FDS_START);
	return SD_LISTEN_FDS_START;
}

struct ctl *ctl_open(struct daemon *d, const char *path)
{
	int fd = activated_fd();
	bool activated = fd >= 0;
	struct ctl *c;

	if (!activated && (!path || !*path))
		return NULL;
	if (!activated && (fd = bind_path(d, path)) < 0)
		return NULL;
	if (!(c = calloc(1, sizeof(*c)))) {
		close(fd);
		return NULL;
	}
	c->d = d;
	c->path = activated ? NULL : strdup(path);
	c->resume_ev = evtimer_new(d->base, on_resume_accept, c);
	c->lis = evconnlistener_new(d->base, on_accept, c, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fd);
	if (!c->lis || !c->resume_ev || (!activated && !c->path)) {
		if (!c->lis)
			close(fd);
		ctl_close(c);
		return NULL;
	}
	evconnlistener_set_error_cb(c->lis, on_accept_error);
	log_info("control socket at %s%s", activated ? "the socket systemd passed" : path,
		 activated ? " (socket activation)" : "");
	return c;
}

void ctl_close(struct ctl *c)
{
	if (!c)
		return;
	while (c->clients)
		drop_client(c->clients);
	if (c->lis)
		evconnlistener_free(c->lis);
	if (c->resume_ev)
		event_free(c->resume_ev);
	if (c->path)
		unlink(c->path);
	free(c->path);
	free(c);
}
