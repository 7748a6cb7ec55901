/*
 * virt.c: the libvirt side. One connection (reopened with back-off when libvirtd goes
 * away), domain discovery through lifecycle events and a periodic list, and the actuator
 * that applies a nodeset and re-pins vCPUs, emulator and iothreads.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <event2/event.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actuator.h"
#include "guests.h"
#include "inject.h"
#include "log.h"
#include "pages.h"
#include "persist.h"
#include "reserve.h"
#include "state.h"
#include "util.h"
#include "virt.h"

#define BACKOFF_MAX_S 30
#define FIRST_CONNECT_WAIT_MS 1000  /* how long the start waits for the first connection */

/*
 * A connection being opened. virConnectOpen() waits for libvirtd's answer, which at boot
 * may come only once numad is up (numad.service is ordered before libvirtd, which systemd
 * starts when its socket is first used), so it runs in a thread of its own and the loop
 * goes on. Two hold it, the thread and the virt; the last to let go frees it.
 */
struct opening {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int refs;
	bool done;
	char *uri;
	virConnectPtr conn;        /* the result, NULL on failure */
	char err[512];             /* libvirt's message on failure */
	struct event *ev;          /* activated in the loop when done; NULL once the virt let go */
};

struct virt {
	struct daemon *d;
	char *uri;
	virConnectPtr conn;
	int cb_life, cb_tune;
	struct event *retry_ev;
	int backoff_s;
	bool lost;           /* the close callback fired: reopen from the loop */
	bool reread_all;     /* the next refresh asks libvirt about every domain (a new connection) */
	int64_t refreshed_ms; /* daemon time of the last refresh */
	int64_t listed_ms;    /* daemon time of the last list of running domains */
	/*
	 * NUMAD_INJECT_FAULT's disconnect:AT:FOR (a test fake, never set in production) loses
	 * the connection AT seconds of daemon time after the start (simulated seconds under
	 * --simulate), as if libvirtd had stopped, and every reconnection fails until FOR
	 * seconds later; its noevents drops every domain event, as if libvirt had lost them,
	 * so that only the scans' count and list can see a domain start or stop. Its other
	 * fakes wrap the actuator (inject.c).
	 */
	double inject_down_at_s, inject_down_for_s;
	bool inject_down;          /* the injected outage has begun */
	bool inject_deaf;          /* noevents: domain events are dropped, as lost ones would be */
	struct event *inject_ev;   /* watches for its start */
	struct opening *opening;   /* a connection being opened, or NULL */
	int64_t opening_since_ms;  /* real time, when it began */
	struct host_hooks host;    /* the host behind libvirt: the kernel (no hooks) or the simulator */
	const struct actuator_ops *ops;  /* what plans go to: libvirt's, or the fakes around it */
	void *ops_ctx;
};

static void connect_now(struct virt *v, int wait_ms);
static bool injected_outage(const struct virt *v);
static const struct actuator_ops libvirt_ops;

bool virt_connected(const struct virt *v)
{
	return v && v->conn && !v->lost;
}

bool virt_connecting(const struct virt *v)
{
	return v && v->opening;
}

static void schedule_retry(struct virt *v)
{
	struct timeval tv = { v->backoff_s, 0 };

	evtimer_add(v->retry_ev, &tv);
	v->backoff_s = v->backoff_s ? v->backoff_s * 2 : 1;
	if (v->backoff_s > BACKOFF_MAX_S)
		v->backoff_s = BACKOFF_MAX_S;
}

static void drop_connection(struct virt *v)
{
	if (!v->conn)
		return;
	if (v->cb_life >= 0)
		virConnectDomainEventDeregisterAny(v->conn, v->cb_life);
	if (v->cb_tune >= 0)
		virConnectDomainEventDeregisterAny(v->conn, v->cb_tune);
	v->cb_life = v->cb_tune = -1;
	virConnectClose(v->conn);
	v->conn = NULL;
}

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
	struct virt *v = arg;

	(void)fd;
	(void)what;
	if (v->lost) {
		drop_connection(v);
		v->lost = false;
	}
	connect_now(v, 0);
}

static void on_close(virConnectPtr conn, int reason, void *opaque)
{
	struct virt *v = opaque;
	static const char *why[] = { "error", "end of file", "keepalive timeout", "client closed" };

	(void)conn;
	log_warnx("libvirt connection to %s lost (%s): reconnecting", v->uri,
		  reason >= 0 && reason < 4 ? why[reason] : "unknown");
	v->lost = true;
	v->backoff_s = 0;
	schedule_retry(v);
}

/* ---- reading a domain ---- */

/* True when the XML asks for automatic placement in <numatune><memory> or <vcpu>. */
static bool xml_placement_auto(const char *xml)
{
	const char *tags[] = { "<vcpu", "<memory" };

	for (size_t t = 0; t < 2; t++) {
		const char *p = xml;
		while ((p = strstr(p, tags[t]))) {
			const char *end = strchr(p, '>');
			size_t len = end ? (size_t)(end - p) : strlen(p);
			char tag[512];

			if (len >= sizeof(tag))
				len = sizeof(tag) - 1;
			memcpy(tag, p, len);
			tag[len] = '\0';
			if (strstr(tag, "placement='auto'") || strstr(tag, "placement=\"auto\""))
				return true;
			p += len;
		}
	}
	return false;
}

/* Find the domain's cgroup under root: machine.slice/machine-qemu\x2d<ID>\x2d<name>.scope. */
static void find_cgroup(struct daemon *d, struct guest *g)
{
	static const char *bases[] = { "sys/fs/cgroup/machine.slice", "sys/fs/cgroup/memory/machine.slice" };
	char prefix[64], path[4096], rel[1024], cgroup[GUEST_CGROUP_MAX] = "";

	snprintf(prefix, sizeof(prefix), "machine-qemu\\x2d%d\\x2d", g->dom_id);
	for (size_t b = 0; b < 2 && !cgroup[0]; b++) {
		struct dirent *de;
		DIR *dir;

		if (path_join(path, sizeof(path), d->host.root, bases[b]) < 0 || !(dir = opendir(path)))
			continue;
		while ((de = readdir(dir)))
			if (strncmp(de->d_name, prefix, strlen(prefix)) == 0) {
				snprintf(cgroup, sizeof(cgroup), "%s/%.400s", bases[b], de->d_name);
				break;
			}
		closedir(dir);
	}
	guest_set_text(&g->cgroup, cgroup, sizeof(cgroup));
	g->pid = 0;
	if (g->cgroup[0]) {
		static const char *procs[] = { "cgroup.procs", "libvirt/emulator/cgroup.procs" };
		for (size_t k = 0; k < 2 && !g->pid; k++) {
			snprintf(rel, sizeof(rel), "%s/%s", g->cgroup, procs[k]);
			if (read_file_at(d->host.root, rel, &d->buf, 65536) == 0)
				g->pid = atoi(d->buf.data);
		}
	}
	if (!g->pid) {
		snprintf(rel, sizeof(rel), "run/libvirt/qemu/%.200s.pid", g->name);
		if (read_file_at(d->host.root, rel, &d->buf, 64) == 0)
			g->pid = atoi(d->buf.data);
	}
	if (g->pid > 0) {
		struct proc_stat ps;
		snprintf(rel, sizeof(rel), "proc/%d/stat", g->pid);
		if (read_file_at(d->host.root, rel, &d->buf, 4096) == 0 && proc_stat_parse(d->buf.data, &ps) == 0) {
			if (g->pid_start && g->pid_start != ps.starttime)
				log_info("domain %s: pid %d was reused; residency restarts", g->name, g->pid);
			g->pid_start = ps.starttime;
			snprintf(g->comm, sizeof(g->comm), "%s", ps.comm);
		}
	}
}

static void read_numa_params(virDomainPtr dom, struct guest *g)
{
	virTypedParameterPtr params = NULL;
	int n = 0;

	g->mode = MODE_UNKNOWN;
	if (virDomainGetNumaParameters(dom, NULL, &n, VIR_DOMAIN_AFFECT_LIVE) < 0 || n <= 0)
		return;
	params = calloc((size_t)n, sizeof(*params));
	if (params && virDomainGetNumaParameters(dom, params, &n, VIR_DOMAIN_AFFECT_LIVE) == 0) {
		int mode;
		const char *set = NULL;
		char err[256];

		if (virTypedParamsGetInt(params, n, VIR_DOMAIN_NUMA_MODE, &mode) == 1)
			g->mode = (enum guest_mode)mode;
		if (virTypedParamsGetString(params, n, VIR_DOMAIN_NUMA_NODESET, &set) == 1 && set &&
		    nodeset_parse(&g->nodes, set, err, sizeof(err)) < 0)
			log_warnx("domain %s: libvirt nodeset '%s': %s", g->name, set, err);
		virTypedParamsClear(params, n);
	}
	free(params);
}

/* Read everything numad needs of one running domain into the guest table. */
static struct guest *update_domain(struct virt *v, virDomainPtr dom)
{
	char uuid[VIR_UUID_STRING_BUFLEN];
	struct daemon *d = v->d;
	virDomainInfo info;
	struct guest *g;
	bool is_new;
	char *xml;

	if (virDomainGetUUIDString(dom, uuid) < 0 || virDomainGetInfo(dom, &info) < 0)
		return NULL;
	is_new = !guest_find(d, uuid);
	g = guest_add(d, uuid);
	if (!g)
		return NULL;
	g->seen = true;
	g->virt_read_ms = daemon_now(d);
	guest_set_text(&g->name, virDomainGetName(dom), GUEST_NAME_MAX);
	g->dom_id = (int)virDomainGetID(dom);
	g->mem_kb = info.maxMem;
	g->nvcpus = info.nrVirtCpu;
	g->persistent = virDomainIsPersistent(dom) == 1;
	read_numa_params(dom, g);
	/*
	 * Managed or not is decided once, when numad first sees the domain: a live nodeset
	 * change rewrites placement to 'static', in a transient domain's only definition too.
	 * From the persistent definition, else from the live one before numad changed it,
	 * else from what the state file remembers of an earlier run.
	 */
	if (is_new && persist_restore(d, g))
		; /* the verdict, the last move and the nodes it came from, as the last run knew them */
	else if (!g->verdict_known && (xml = virDomainGetXMLDesc(dom, g->persistent ? VIR_DOMAIN_XML_INACTIVE : 0))) {
		g->placement_auto = xml_placement_auto(xml);
		g->verdict_known = true;
		free(xml);
	}
	if (is_new || !g->cgroup[0] || !g->pid) {
		find_cgroup(d, g);
		guest_sample(d, g, daemon_now(d), READ_OUTSIDE_TICK); /* residency before the first decision */
	}
	if (is_new)
		reserve_seen(d, g); /* from now on its untouched memory is counted, not the -w reservation */
	guest_set_managed(d, g); /* -x and -p (exclude, include): by pid, domain name or UUID */
	if (is_new) {
		char nodes[1024];
		/* numad 0.5 leaves a process alone for 300 s after it first sees it. */
		if (d->o->numad05_timing && !g->last_move_ms)
			g->last_move_ms = daemon_now(d);
		d->scan_soon = true; /* the loop brings the full scan back to its shortest interval */
		nodeset_format(&g->nodes, nodes, sizeof(nodes));
		log_notice("domain %s (pid %d, %d vCPUs, %llu MB, mode %s, nodes %s): %s", g->name, g->pid,
			   g->nvcpus, (unsigned long long)(g->mem_kb / 1024), mode_name(g->mode), nodes[0] ? nodes : "-",
			   guest_moves(g) ? (g->placement_auto ? "managed (placement='auto')" : "managed (-p)")
			   : g->managed ? "observed only (placement='auto', but numad does not move this mode)"
			   : g->placement_auto ? "observed only (-x)" : "observed only (no placement='auto')");
		if (g->managed && g->mode == MODE_STRICT)
			log_warnx("domain %s is in strict mode: libvirt cannot change its nodeset live, so numad cannot "
				  "prevent an OOM kill; use <memory mode='restrictive' placement='auto'/>",
				  g->name);
		if (!g->cgroup[0])
			log_info("domain %s: no cgroup found under %s; residency unknown", g->name,
				 d->host.root);
	}
	return g;
}

/*
 * What a running domain's settings are (its size, vCPUs, persistence, NUMA mode and
 * nodeset) is asked of libvirt, four calls, when numad first sees it, when an event says
 * it changed (lifecycle, tunable), when numad connects, at every scan while its mode or
 * nodeset is not known, or its cgroup or pid not found, and otherwise once every
 * VIRT_REREAD_MS, spread over the scans (the share of the domains that the time since the
 * last scan is of VIRT_REREAD_MS), not every domain at every scan, which with 1,000 domains would be 4,000 calls to
 * libvirtd every few seconds for settings that change only when someone changes them.
 * Whether a domain started or stopped without its event is asked at every scan by the
 * number of running domains (one call that returns one number); the list itself (one call
 * that returns every domain) is taken when that number is not the number numad knows, when
 * a known domain is not wholly known, at a new connection, and at least once every
 * VIRT_REREAD_MS, so that a stop and a start between two scans, both events lost, are seen
 * within that time.
 */
#define VIRT_REREAD_MS 60000

/* The domains due again, at the rate that asks each once every VIRT_REREAD_MS. */
static double reread_budget(const struct virt *v, int ndomains, int64_t now)
{
	return 1.0 + (double)ndomains * (double)(v->refreshed_ms ? now - v->refreshed_ms : VIRT_REREAD_MS) /
			     VIRT_REREAD_MS;
}

/* Known under its id, with its cgroup, pid, mode and nodeset: only its settings may be due. */
static bool wholly_known(const struct guest *g)
{
	return g->cgroup[0] && g->pid && g->mode != MODE_UNKNOWN && !nodeset_empty(&g->nodes);
}

/*
 * Without the list: when the number of running domains is the number of domains numad
 * knows, each wholly known, and the last list is recent. The domains due are looked up by
 * UUID. Returns false when the list is to be taken.
 */
static bool refresh_known(struct virt *v, int64_t now)
{
	struct daemon *d = v->d;
	double budget;
	int n, known = 0;

	if (v->reread_all || !v->listed_ms || now - v->listed_ms >= VIRT_REREAD_MS)
		return false;
	for (int i = 0; i < d->nguests; i++)
		if (d->guests[i].uuid[0]) {
			if (!wholly_known(&d->guests[i]))
				return false;
			known++;
		}
	n = virConnectNumOfDomains(v->conn);
	if (n != known)
		return false; /* a start or a stop numad has not heard of (or the call failed) */
	budget = reread_budget(v, n, now);
	for (int i = 0; i < d->nguests; i++) {
		struct guest *g = &d->guests[i];
		virDomainPtr dom;

		if (!g->uuid[0])
			continue;
		if (now - g->virt_read_ms < VIRT_REREAD_MS || budget < 1.0) {
			guest_set_managed(d, g); /* -x and -p may have changed at a reload */
			continue;
		}
		budget -= 1.0;
		dom = virDomainLookupByUUIDString(v->conn, g->uuid);
		/* a domain no longer running has id -1 */
		if (!dom || (int)virDomainGetID(dom) != g->dom_id) {
			if (dom)
				virDomainFree(dom);
			return false; /* stopped, or restarted, since the count: the list says which */
		}
		update_domain(v, dom);
		virDomainFree(dom);
	}
	v->refreshed_ms = now;
	return true;
}

void virt_refresh(struct virt *v)
{
	struct daemon *d = v->d;
	virDomainPtr *doms = NULL;
	int64_t now = daemon_now(d);
	double budget;
	int n;

	if (!virt_connected(v) || refresh_known(v, now))
		return;
	n = virConnectListAllDomains(v->conn, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
	if (n < 0) {
		log_warnx("cannot list domains: %s", virGetLastErrorMessage());
		return;
	}
	for (int i = 0; i < d->nguests; i++)
		d->guests[i].seen = false;
	budget = reread_budget(v, n, now);
	for (int i = 0; i < n; i++) {
		char uuid[VIR_UUID_STRING_BUFLEN];
		struct guest *g = virDomainGetUUIDString(doms[i], uuid) == 0 ? guest_find(d, uuid) : NULL;
		bool known = g && !v->reread_all && wholly_known(g) && g->dom_id == (int)virDomainGetID(doms[i]);

		if (known && (now - g->virt_read_ms < VIRT_REREAD_MS || budget < 1.0)) {
			g->seen = true; /* fresh, or due but this scan has asked about enough of them */
			guest_set_managed(d, g); /* -x and -p may have changed at a reload */
		} else {
			if (known)
				budget -= 1.0;
			update_domain(v, doms[i]);
		}
		virDomainFree(doms[i]);
	}
	free(doms);
	v->reread_all = false;
	v->refreshed_ms = v->listed_ms = now;
	persist_listed(d); /* what the state file knew of domains not listed is gone */
	for (int i = d->nguests - 1; i >= 0; i--)
		if (!d->guests[i].seen) {
			/* the STOPPED event may come after this sweep: say the same thing it would */
			log_notice("domain %s stopped (no longer in libvirt's list)", d->guests[i].name);
			guest_stopped(d, &d->guests[i], true);
		}
}

/* A lifecycle event's name, as libvirt's virDomainEventType names it. */
static const char *lifecycle_name(int event)
{
	switch (event) {
	case VIR_DOMAIN_EVENT_DEFINED: return "defined";
	case VIR_DOMAIN_EVENT_UNDEFINED: return "undefined";
	case VIR_DOMAIN_EVENT_STARTED: return "started";
	case VIR_DOMAIN_EVENT_SUSPENDED: return "suspended";
	case VIR_DOMAIN_EVENT_RESUMED: return "resumed";
	case VIR_DOMAIN_EVENT_STOPPED: return "stopped";
	case VIR_DOMAIN_EVENT_SHUTDOWN: return "shutdown";
	case VIR_DOMAIN_EVENT_PMSUSPENDED: return "pmsuspended";
	case VIR_DOMAIN_EVENT_CRASHED: return "crashed";
	default: return "unknown";
	}
}

/* The noevents fake: true (and logged) when the event named what is to be dropped. */
static bool event_dropped(const struct virt *v, virDomainPtr dom, const char *what)
{
	const char *name;

	if (!v->inject_deaf)
		return false;
	name = virDomainGetName(dom);
	log_notice("fault injection: the %s event of domain %s dropped", what, name ? name : "?");
	return true;
}

static int on_lifecycle(virConnectPtr conn, virDomainPtr dom, int event, int detail, void *opaque)
{
	struct virt *v = opaque;
	char uuid[VIR_UUID_STRING_BUFLEN];
	struct guest *g;

	if (event_dropped(v, dom, lifecycle_name(event)))
		return 0;
	switch (event) {
	case VIR_DOMAIN_EVENT_STARTED:
	case VIR_DOMAIN_EVENT_RESUMED:
	case VIR_DOMAIN_EVENT_DEFINED: {
		/* The event's domain object carries the id it had when the event was queued. */
		virDomainPtr now = virDomainGetUUIDString(dom, uuid) == 0 ? virDomainLookupByUUIDString(conn, uuid) : NULL;
		if (now && virDomainIsActive(now) == 1)
			update_domain(v, now);
		if (now)
			virDomainFree(now);
		break;
	}
	case VIR_DOMAIN_EVENT_STOPPED:
	case VIR_DOMAIN_EVENT_SHUTDOWN:
	case VIR_DOMAIN_EVENT_CRASHED:
		if (virDomainGetUUIDString(dom, uuid) == 0 && (g = guest_find(v->d, uuid)) &&
		    (event != VIR_DOMAIN_EVENT_SHUTDOWN || virDomainIsActive(dom) != 1)) {
			/* a QEMU the OOM killer took is FAILED (or CRASHED); a destroy may follow a kill */
			bool may_be_oom = event == VIR_DOMAIN_EVENT_CRASHED ||
					  (event == VIR_DOMAIN_EVENT_STOPPED &&
					   (detail == VIR_DOMAIN_EVENT_STOPPED_FAILED || detail == VIR_DOMAIN_EVENT_STOPPED_CRASHED ||
					    detail == VIR_DOMAIN_EVENT_STOPPED_DESTROYED));
			log_notice("domain %s stopped", g->name);
			guest_stopped(v->d, g, may_be_oom);
		}
		break;
	default:
		break;
	}
	return 0;
}

static void on_tunable(virConnectPtr conn, virDomainPtr dom, virTypedParameterPtr params, int nparams,
		       void *opaque)
{
	struct virt *v = opaque;

	(void)conn;
	(void)params;
	(void)nparams;
	if (!event_dropped(v, dom, "tunable"))
		update_domain(v, dom);
}

/* Seconds of daemon time since the start. */
static double elapsed_s(const struct virt *v)
{
	return (double)(daemon_now(v->d) - v->d->start_ms) / 1000.0;
}

/* The disconnect:AT:FOR fake: libvirtd is "down" from AT to AT+FOR. */
static bool injected_outage(const struct virt *v)
{
	return v->inject_down && elapsed_s(v) < v->inject_down_at_s + v->inject_down_for_s;
}

/* Let go of o: the last of its two holders frees it. */
static void opening_put(struct opening *o)
{
	bool last;

	pthread_mutex_lock(&o->mu);
	last = --o->refs == 0;
	pthread_mutex_unlock(&o->mu);
	if (!last)
		return;
	/*
	 * A connection nobody took was opened after numad let go, as it stops: closing it
	 * would call into an event loop that is gone, and the process ends anyway.
	 */
	pthread_mutex_destroy(&o->mu);
	pthread_cond_destroy(&o->cv);
	free(o->uri);
	free(o);
}

static void *opening_thread(void *arg)
{
	struct opening *o = arg;
	virConnectPtr conn = virConnectOpen(o->uri);

	pthread_mutex_lock(&o->mu);
	o->conn = conn;
	if (!conn)
		snprintf(o->err, sizeof(o->err), "%s", virGetLastErrorMessage());
	o->done = true;
	if (o->ev)
		event_active(o->ev, EV_READ, 0);
	pthread_cond_broadcast(&o->cv);
	pthread_mutex_unlock(&o->mu);
	opening_put(o);
	return NULL;
}

/* The virt lets go of its opening: the thread may still run, and closes what it opens. */
static void opening_abandon(struct virt *v)
{
	struct opening *o = v->opening;
	struct event *ev;

	if (!o)
		return;
	pthread_mutex_lock(&o->mu);
	ev = o->ev;
	o->ev = NULL;
	pthread_mutex_unlock(&o->mu);
	if (ev)
		event_free(ev);
	v->opening = NULL;
	opening_put(o);
}

static void connected(struct virt *v, virConnectPtr conn, const char *err, bool down)
{
	v->conn = conn;
	if (!v->conn) {
		log_msg(v->backoff_s <= 1 ? LOG_WARNING : LOG_DEBUG, "cannot connect to libvirt at %s: %s; retrying in %d s",
			v->uri, down ? "injected outage (NUMAD_INJECT_FAULT=disconnect)" : err,
			v->backoff_s ? v->backoff_s : 1);
		schedule_retry(v);
		return;
	}
	v->backoff_s = 0;
	virConnectRegisterCloseCallback(v->conn, on_close, v, NULL);
	if (virConnectSetKeepAlive(v->conn, 5, 3) < 0)
		virResetLastError(); /* local drivers have no keepalive */
	v->cb_life = virConnectDomainEventRegisterAny(v->conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
						      VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), v, NULL);
	v->cb_tune = virConnectDomainEventRegisterAny(v->conn, NULL, VIR_DOMAIN_EVENT_ID_TUNABLE,
						      VIR_DOMAIN_EVENT_CALLBACK(on_tunable), v, NULL);
	log_notice("connected to libvirt at %s", v->uri);
	v->reread_all = true; /* what changed while numad was not connected */
	virt_refresh(v);
	/*
	 * What waited for libvirt, or backed off after failures on the lost connection, is
	 * decided again at the next fast tick, so no urgent extension is lost with libvirtd.
	 */
	for (int i = 0; i < v->d->nguests; i++) {
		struct guest *g = &v->d->guests[i];

		if (!g->awaiting_libvirt && !g->failures)
			continue;
		log_info("domain %s: libvirt is back; its pending move is decided again now", g->name);
		g->awaiting_libvirt = false;
		g->failures = 0;
		g->retry_at_ms = 0;
	}
}

/* In the loop: the opening thread is done. */
static void on_opened(evutil_socket_t fd, short what, void *arg)
{
	struct virt *v = arg;
	struct opening *o = v->opening;
	virConnectPtr conn;
	char err[sizeof(o->err)];

	(void)fd;
	(void)what;
	if (!o)
		return;
	pthread_mutex_lock(&o->mu);
	if (!o->done) {
		pthread_mutex_unlock(&o->mu);
		return;
	}
	conn = o->conn;
	o->conn = NULL;
	memcpy(err, o->err, sizeof(err));
	pthread_mutex_unlock(&o->mu);
	if (now_ms() - v->opening_since_ms >= FIRST_CONNECT_WAIT_MS)
		log_info("libvirt at %s answered after %.1f s", v->uri, (double)(now_ms() - v->opening_since_ms) / 1000.0);
	opening_abandon(v);
	connected(v, conn, err, false);
}

/*
 * Open the connection in a thread; its end comes back to the loop (on_opened). With
 * wait_ms, wait that long (real time) for it first, so that a libvirtd that answers at
 * once is connected before the first scan.
 */
static void connect_now(struct virt *v, int wait_ms)
{
	struct opening *o;
	pthread_t t;
	pthread_attr_t attr;
	int rc;

	if (v->opening)
		return;
	if (injected_outage(v)) {
		connected(v, NULL, NULL, true);
		return;
	}
	if (!(o = calloc(1, sizeof(*o))) || !(o->uri = strdup(v->uri)) ||
	    !(o->ev = event_new(v->d->base, -1, 0, on_opened, v))) {
		if (o) {
			free(o->uri);
			free(o);
		}
		connected(v, NULL, "out of memory", false);
		return;
	}
	pthread_mutex_init(&o->mu, NULL);
	pthread_cond_init(&o->cv, NULL);
	o->refs = 2;
	v->opening = o;
	v->opening_since_ms = now_ms();
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&t, &attr, opening_thread, o);
	pthread_attr_destroy(&attr);
	if (rc) {
		o->refs = 1;
		opening_abandon(v);
		connected(v, NULL, strerror(rc), false);
		return;
	}
	if (wait_ms > 0) {
		struct timespec until;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += wait_ms / 1000;
		until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_mutex_lock(&o->mu);
		while (!o->done && pthread_cond_timedwait(&o->cv, &o->mu, &until) == 0)
			;
		rc = o->done;
		pthread_mutex_unlock(&o->mu);
		if (rc) {
			on_opened(-1, 0, v);
			return;
		}
	}
	log_notice("libvirt at %s does not answer yet (libvirtd starting?): numad goes on and connects when it does",
		   v->uri);
}

/* libvirt prints its errors to stderr by default; route them to our log at debug level. */
static void on_virt_error(void *opaque, virErrorPtr err)
{
	(void)opaque;
	log_debug("libvirt: %s", err && err->message ? err->message : "?");
}

/* NUMAD_INJECT_FAULT=FAULT[,FAULT]...: the disconnect and noevents fakes here, the others in inject.c. */
static void parse_injection(struct virt *v)
{
	const char *f = getenv("NUMAD_INJECT_FAULT");
	char *copy, *tok, *save = NULL;

	if (!f || !(copy = strdup(f)))
		return;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (strcmp(tok, "noevents") == 0)
			v->inject_deaf = true;
		else if (strncmp(tok, "disconnect:", 11) == 0 &&
			 (sscanf(tok, "disconnect:%lf:%lf", &v->inject_down_at_s, &v->inject_down_for_s) != 2 ||
			  v->inject_down_for_s <= 0))
			log_warnx("NUMAD_INJECT_FAULT: bad fault '%s' ignored (disconnect:AT:FOR)", tok);
	free(copy);
}

/* The disconnect:AT:FOR fake: at AT, lose the connection the way libvirt reports a dead libvirtd. */
static void on_inject_outage(evutil_socket_t fd, short what, void *arg)
{
	struct virt *v = arg;
	struct timeval tv = { 0, 20000 };

	(void)fd;
	(void)what;
	if (elapsed_s(v) < v->inject_down_at_s) {
		evtimer_add(v->inject_ev, &tv);
		return;
	}
	v->inject_down = true;
	log_warnx("fault injection: libvirt goes away for %.1f s (NUMAD_INJECT_FAULT=disconnect)",
		  v->inject_down_for_s);
	if (v->conn && !v->lost)
		on_close(v->conn, VIR_CONNECT_CLOSE_REASON_EOF, v);
}

struct virt *virt_open(struct daemon *d, const char *uri)
{
	struct virt *v = calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	v->d = d;
	v->uri = strdup(uri);
	v->cb_life = v->cb_tune = -1;
	v->retry_ev = evtimer_new(d->base, on_retry, v);
	virSetErrorFunc(NULL, on_virt_error);
	parse_injection(v);
	v->ops = &libvirt_ops;
	v->ops_ctx = v;
	if (getenv("NUMAD_INJECT_FAULT")) {
		const struct actuator_ops *fake;
		void *ctx;
		log_warnx("fault injection for tests: NUMAD_INJECT_FAULT=%s", getenv("NUMAD_INJECT_FAULT"));
		if ((fake = inject_wrap(getenv("NUMAD_INJECT_FAULT"), &libvirt_ops, v, &ctx))) {
			v->ops = fake;
			v->ops_ctx = ctx;
		}
	}
	connect_now(v, FIRST_CONNECT_WAIT_MS);
	if (v->inject_down_for_s > 0 && (v->inject_ev = evtimer_new(d->base, on_inject_outage, v)))
		on_inject_outage(-1, 0, v);
	return v;
}

void virt_close(struct virt *v)
{
	if (!v)
		return;
	opening_abandon(v);
	drop_connection(v);
	if (v->retry_ev)
		event_free(v->retry_ev);
	if (v->inject_ev)
		event_free(v->inject_ev);
	free(v->uri);
	free(v);
}

/* ---- the actuator: libvirt's implementation of struct actuator_ops (apply.h) ---- */

/* Permanent failures: retrying cannot help. Everything else is worth another try. */
static bool error_is_permanent(int code)
{
	switch (code) {
	case VIR_ERR_NO_DOMAIN:
	case VIR_ERR_CONFIG_UNSUPPORTED:
	case VIR_ERR_NO_SUPPORT:
	case VIR_ERR_OPERATION_UNSUPPORTED:
	case VIR_ERR_ARGUMENT_UNSUPPORTED:
	case VIR_ERR_INVALID_ARG:
	case VIR_ERR_OPERATION_DENIED:
	case VIR_ERR_ACCESS_DENIED:
	case VIR_ERR_OPERATION_INVALID:
		return true;
	default:
		return false;
	}
}

/* libvirt's error of this thread as an outcome, with what failed in why. */
static int failure(const char *what, char *why, size_t whylen)
{
	virErrorPtr e = virGetLastError();
	int code = e ? e->code : VIR_ERR_INTERNAL_ERROR;

	snprintf(why, whylen, "%s: %s", what, e && e->message ? e->message : "unknown libvirt error");
	return error_is_permanent(code) ? OUT_PERMANENT : OUT_TRANSIENT;
}

static void *lv_acquire(void *ctx)
{
	struct virt *v = ctx;

	if (!virt_connected(v) || virConnectRef(v->conn) < 0)
		return NULL;
	return v->conn;
}

static void lv_release(void *ctx, void *conn)
{
	(void)ctx;
	virConnectClose(conn);
}

/*
 * In a worker thread: what a job reads of the daemon is fixed once numad runs (the
 * topology's CPUs, the root, the host hooks); its connection has a reference of its own.
 */
static int lv_set_nodes(void *ctx, struct job *j)
{
	struct virt *v = ctx;
	virTypedParameterPtr params = NULL;
	int np = 0, maxp = 0, out = OUT_APPLIED;
	virDomainPtr dom = virDomainLookupByUUIDString(j->conn, j->uuid);
	char set[4096];

	if (!dom)
		return failure("domain lookup", j->why, sizeof(j->why));
	nodeset_format(&j->nodes, set, sizeof(set));
	if (virTypedParamsAddString(&params, &np, &maxp, VIR_DOMAIN_NUMA_NODESET, set) < 0 ||
	    virDomainSetNumaParameters(dom, params, np, VIR_DOMAIN_AFFECT_LIVE) < 0)
		out = failure("set nodeset", j->why, sizeof(j->why));
	else if (v->host.nodeset_written)
		v->host.nodeset_written(v->host.ctx, j->uuid, &j->nodes);
	virTypedParamsFree(params, np);
	virDomainFree(dom);
	if (out == OUT_APPLIED)
		snprintf(j->why, sizeof(j->why), "nodeset %.200s", set);
	return out;
}

/* Pin vCPUs, the emulator and iothreads to the CPUs of j->cpu_nodes. Returns the failures. */
static int lv_pin(void *ctx, struct job *j)
{
	struct virt *v = ctx;
	const struct topology *t = &v->d->topo;
	int ncpu = t->max_cpu + 1, maplen, bad = 0, nio;
	virDomainIOThreadInfoPtr *io = NULL;
	virDomainPtr dom;
	unsigned char *map;

	if (ncpu <= 0 || !(dom = virDomainLookupByUUIDString(j->conn, j->uuid)))
		return ncpu > 0;
	maplen = VIR_CPU_MAPLEN(ncpu);
	if (!(map = calloc((size_t)maplen, 1))) {
		virDomainFree(dom);
		return 1;
	}
	for (int n = nodeset_next(&j->cpu_nodes, 0); n >= 0; n = nodeset_next(&j->cpu_nodes, n + 1)) {
		int i = topology_index(t, n);
		for (int k = 0; i >= 0 && k < t->nodes[i].ncpus; k++)
			VIR_USE_CPU(map, t->nodes[i].cpus[k]);
	}
	for (int i = 0; i < j->nvcpus; i++)
		bad += virDomainPinVcpu(dom, (unsigned)i, map, maplen) < 0;
	bad += virDomainPinEmulator(dom, map, maplen, VIR_DOMAIN_AFFECT_LIVE) < 0;
	nio = virDomainGetIOThreadInfo(dom, &io, VIR_DOMAIN_AFFECT_LIVE);
	for (int i = 0; i < nio; i++) {
		bad += virDomainPinIOThread(dom, io[i]->iothread_id, map, maplen, VIR_DOMAIN_AFFECT_LIVE) < 0;
		virDomainIOThreadInfoFree(io[i]);
	}
	free(io);
	free(map);
	virDomainFree(dom);
	virResetLastError(); /* drivers without iothreads */
	snprintf(j->why + strlen(j->why), sizeof(j->why) - strlen(j->why), "%s",
		 bad ? ", some pins failed" : ", vCPUs re-pinned");
	return bad;
}

static int lv_move_pages(void *ctx, struct job *j)
{
	struct virt *v = ctx;

	int rc;

	if (v->host.move_pages) /* the simulator's */
		return v->host.move_pages(v->host.ctx, j);
	if (j->sweep)
		rc = pages_sweep(j->pid, &j->leave, &j->nodes, j->why, sizeof(j->why));
	else
		rc = pages_move_chunk(v->d->host.root, j->pid, &j->leave, &j->nodes, j->max_kb, &j->cursor, &j->moved_kb,
				      j->why, sizeof(j->why));
	switch (rc) {
	case 0: return OUT_APPLIED;
	case -2: return OUT_PERMANENT; /* not allowed to: no point in trying again */
	default: return OUT_TRANSIENT;
	}
}

static const struct actuator_ops libvirt_ops = { "libvirt", false, lv_set_nodes, lv_pin, lv_move_pages, lv_acquire,
						 lv_release };

void virt_set_host(struct virt *v, const struct host_hooks *h)
{
	v->host = *h;
}

const struct actuator_ops *virt_actuator(struct virt *v, void **ctx)
{
	*ctx = v->ops_ctx;
	return v->ops;
}
