/*
 * guests.c: the guest table and the two decisions: urgent extension (fast tier) and
 * consolidation (full scan). Decisions use the pure engine and pacing from lib/.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <systemd/sd-journal.h>

#include "log.h"
#include "numad.h"

#define STRICT_WARN_EVERY_MS 30000
#define FLAP_WINDOW_MS 300000
#define RETRY_MAX_MS 60000

double guest_locality(const struct daemon *d, const struct guest *g)
{
	uint64_t local = 0;

	if (!g->res_valid || g->res_total_kb == 0 || nodeset_empty(&g->nodes))
		return NAN;
	for (int i = 0; i < d->topo.nnodes; i++)
		if (nodeset_has(&g->nodes, d->topo.nodes[i].id))
			local += g->res_kb[i];
	return (double)local / (double)g->res_total_kb;
}

const char *mode_name(enum guest_mode m)
{
	switch (m) {
	case MODE_STRICT: return "strict";
	case MODE_PREFERRED: return "preferred";
	case MODE_INTERLEAVE: return "interleave";
	case MODE_RESTRICTIVE: return "restrictive";
	default: return "unknown";
	}
}

const char *outcome_name(enum outcome o)
{
	static const char *names[] = { "none", "applied", "pinned", "advice-only", "transient-failure",
				       "permanent-failure", "refused" };
	return o <= OUT_REFUSED ? names[o] : "?";
}

const char *reason_name(enum reason r)
{
	return r == REASON_URGENT ? "urgent" : r == REASON_START ? "start" : "consolidate";
}

struct guest *guest_find(struct daemon *d, const char *uuid)
{
	for (int i = 0; i < d->nguests; i++)
		if (strcmp(d->guests[i].uuid, uuid) == 0)
			return &d->guests[i];
	return NULL;
}

struct guest *guest_add(struct daemon *d, const char *uuid)
{
	struct guest *g = guest_find(d, uuid);

	if (g)
		return g;
	if (d->nguests == d->capguests) {
		int cap = d->capguests ? d->capguests * 2 : 16;
		struct guest *p = realloc(d->guests, (size_t)cap * sizeof(*p));
		if (!p)
			return NULL;
		d->guests = p;
		d->capguests = cap;
	}
	g = &d->guests[d->nguests];
	memset(g, 0, sizeof(*g));
	g->res_kb = calloc((size_t)d->topo.nnodes, sizeof(*g->res_kb));
	g->tick_res_kb = calloc((size_t)d->topo.nnodes, sizeof(*g->tick_res_kb));
	if (!g->res_kb || !g->tick_res_kb) {
		free(g->res_kb);
		free(g->tick_res_kb);
		return NULL;
	}
	snprintf(g->uuid, sizeof(g->uuid), "%s", uuid);
	g->mode = MODE_UNKNOWN;
	g->tte_s = INFINITY;
	growth_init(&g->growth, 1.0);
	d->nguests++;
	return g;
}

void guest_remove(struct daemon *d, struct guest *g)
{
	int i = (int)(g - d->guests);

	free(g->res_kb);
	free(g->tick_res_kb);
	memmove(&d->guests[i], &d->guests[i + 1], (size_t)(d->nguests - i - 1) * sizeof(*g));
	d->nguests--;
}

void guest_sample(struct daemon *d, struct guest *g, int64_t now)
{
	char rel[640];
	int version;

	if (!g->cgroup[0])
		return;
	snprintf(rel, sizeof(rel), "%s/memory.numa_stat", g->cgroup);
	if (read_file_at(d->o->root, rel, &d->buf, 1 << 20) < 0 ||
	    cgroup_numa_stat_parse(d->buf.data, &d->topo, g->res_kb, &version) < 0) {
		g->res_valid = false; /* gone or garbled: the next refresh sorts it out */
		return;
	}
	g->cgroup_version = version;
	g->res_total_kb = 0;
	for (int i = 0; i < d->topo.nnodes; i++)
		g->res_total_kb += g->res_kb[i];
	g->res_valid = true;
	growth_update(&g->growth, now, (double)g->res_total_kb);
}

/*
 * What each node loses to processes that cannot fall back to another node: its free memory
 * falls, and no guest that has other nodes to go to (two or more in its node set) gains it.
 * Those are processes bound to the node (numactl --membind), guests on that node alone, and
 * processes numad does not know, which is the pessimistic reading. Kept as a cumulative
 * count per node whose rate d->taken estimates; each guest's gain is its own residency
 * between two ticks, so a guest that joins or leaves the count makes no jump.
 */
void guests_track_taken(struct daemon *d, int64_t now)
{
	for (int i = 0; i < d->topo.nnodes; i++) {
		const struct node_info *ni = &d->topo.nodes[i];
		double free = ni->mem.valid ? (double)node_free_kb(&ni->mem, d->o->policy.count_inactive_file) : -1;
		double gained = 0;

		if (free < 0) {
			d->tick_free_kb[i] = -1;
			continue;
		}
		for (int k = 0; k < d->nguests; k++) {
			const struct guest *g = &d->guests[k];
			if (g->res_valid && g->tick_res_valid && nodeset_count(&g->nodes) >= 2)
				gained += (double)g->res_kb[i] - (double)g->tick_res_kb[i];
		}
		if (d->tick_free_kb[i] >= 0) {
			d->taken_kb[i] += d->tick_free_kb[i] - free - gained;
			growth_update(&d->taken[i], now, d->taken_kb[i]);
		}
		d->tick_free_kb[i] = free;
	}
	for (int k = 0; k < d->nguests; k++) {
		struct guest *g = &d->guests[k];
		g->tick_res_valid = g->res_valid;
		if (g->res_valid)
			memcpy(g->tick_res_kb, g->res_kb, (size_t)d->topo.nnodes * sizeof(*g->tick_res_kb));
	}
}

void guest_sample_cpu(struct daemon *d, struct guest *g, int64_t now)
{
	long hz = sysconf(_SC_CLK_TCK) > 0 ? sysconf(_SC_CLK_TCK) : 100;
	struct proc_stat ps;
	uint64_t ticks;
	char rel[64];

	snprintf(rel, sizeof(rel), "proc/%d/stat", g->pid);
	if (g->pid <= 0 || read_attr_at(d->o->root, rel, &d->buf, 4096) < 0 ||
	    proc_stat_parse(d->buf.data, &ps) < 0 || (g->pid_start && ps.starttime != g->pid_start)) {
		g->cpu_known = false; /* gone, garbled or another process: start over */
		g->cpu_at_ms = 0;
		return;
	}
	ticks = ps.utime + ps.stime;
	if (g->cpu_at_ms && now > g->cpu_at_ms && ticks >= g->cpu_ticks) {
		g->cpu_used = (double)(ticks - g->cpu_ticks) / (double)hz / ((double)(now - g->cpu_at_ms) / 1000.0);
		g->cpu_known = true;
	}
	g->cpu_ticks = ticks;
	g->cpu_at_ms = now;
}

/*
 * The CPUs a guest keeps busy, per node index, for the engine: its vCPUs run on its nodes'
 * CPUs, so its use is spread over them by their CPU counts. NULL when unknown.
 */
static const double *own_load(const struct daemon *d, const struct guest *g, double *own)
{
	double cpus = 0;

	if (!g->cpu_known || !(g->cpu_used > 0) || nodeset_empty(&g->nodes))
		return NULL;
	for (int i = 0; i < d->topo.nnodes; i++) {
		own[i] = 0;
		if (nodeset_has(&g->nodes, d->topo.nodes[i].id))
			cpus += d->topo.nodes[i].ncpus;
	}
	if (cpus <= 0)
		return NULL;
	for (int i = 0; i < d->topo.nnodes; i++)
		if (nodeset_has(&g->nodes, d->topo.nodes[i].id))
			own[i] = g->cpu_used * d->topo.nodes[i].ncpus / cpus;
	return own;
}

/* Free memory above the low watermark on the given nodes, in KiB. */
static double headroom_kb(const struct daemon *d, const struct nodeset *nodes)
{
	double sum = 0;

	for (int n = nodeset_next(nodes, 0); n >= 0; n = nodeset_next(nodes, n + 1)) {
		int i = topology_index(&d->topo, n);
		double f, low;

		if (i < 0)
			continue;
		f = (double)node_free_kb(&d->topo.nodes[i].mem, d->o->policy.count_inactive_file);
		low = (double)d->wm[i].low_pages * 4.0;
		if (f > low)
			sum += f - low;
	}
	return sum;
}

/* How fast the given nodes lose free memory (KiB/s), whoever takes it. */
static double decline_kbps(const struct daemon *d, const struct nodeset *nodes)
{
	double sum = 0;

	for (int n = nodeset_next(nodes, 0); n >= 0; n = nodeset_next(nodes, n + 1)) {
		int i = topology_index(&d->topo, n);
		if (i >= 0 && d->node_free[i].has_rate && d->node_free[i].rate < 0)
			sum += -d->node_free[i].rate;
	}
	return sum;
}

static void record_history(struct daemon *d, const struct guest *g, const char *from, const char *to, enum reason why,
			   enum outcome out, const char *detail)
{
	struct advice_record *r = &d->history[d->nhistory % HISTORY_LEN];

	memset(r, 0, sizeof(*r));
	r->when = time(NULL);
	r->at_ms = daemon_now(d);
	snprintf(r->domain, sizeof(r->domain), "%s", g->name);
	snprintf(r->uuid, sizeof(r->uuid), "%s", g->uuid);
	r->pid = g->pid;
	snprintf(r->from, sizeof(r->from), "%.127s", from);
	snprintf(r->to, sizeof(r->to), "%.127s", to);
	r->reason = why;
	r->outcome = out;
	snprintf(r->detail, sizeof(r->detail), "%s", detail);
	d->nhistory++;
	if (why < REASON_COUNT && out < OUTCOME_COUNT)
		d->by_outcome[why][out]++;
}

void guest_log_advice(struct daemon *d, struct guest *g, const struct nodeset *from, const struct nodeset *to,
		      enum reason why, enum outcome out, const char *detail)
{
	char f[1024], t[1024];
	const char *what;

	nodeset_format(from, f, sizeof(f));
	nodeset_format(to, t, sizeof(t));
	log_advice(g->pid, g->comm[0] ? g->comm : NULL, f, t);
	switch (out) {
	case OUT_APPLIED: what = "Applied through libvirt"; break;
	case OUT_PINNED: what = "vCPUs re-pinned through libvirt, nodeset unchanged"; break;
	case OUT_ADVICE_ONLY: what = "Advice only, not applied"; break;
	case OUT_TRANSIENT: what = "Failed, will retry"; break;
	case OUT_PERMANENT: what = "Failed permanently, no longer managed"; break;
	default: what = "Refused"; break;
	}
	if (g->uuid[0])
		log_msg(LOG_NOTICE, "%s: domain %s, %s move: %s", what, g->name, reason_name(why), detail);
	else /* a process numad manages itself (-S 1, -p) */
		log_msg(LOG_NOTICE, "%s: process %d (%s), %s move: %s", what, g->pid, g->comm, reason_name(why), detail);
	snprintf(g->last_advice, sizeof(g->last_advice), "%.60s -> %.60s (%s)", f, t, reason_name(why));
	g->last_outcome = out;
	d->advices++;
	record_history(d, g, f, t, why, out, detail);
	if (getenv("JOURNAL_STREAM"))
		sd_journal_send("MESSAGE=Advising pid %d (%s) move from nodes (%s) to nodes (%s): %s", g->pid, g->comm,
				f, t, outcome_name(out), "PRIORITY=5", "NUMAD_DOMAIN=%s", g->name, "NUMAD_UUID=%s",
				g->uuid, "NUMAD_PID=%d", g->pid, "NUMAD_FROM=%s", f, "NUMAD_TO=%s", t,
				"NUMAD_REASON=%s", reason_name(why), "NUMAD_OUTCOME=%s", outcome_name(out), NULL);
}

/* Apply a new nodeset (or only advise it) and record the outcome. */
static enum outcome actuate(struct daemon *d, struct guest *g, const struct nodeset *to, enum reason why,
			    const char *because, int64_t now)
{
	struct nodeset from = g->nodes;
	char why_fail[256] = "", detail[512];
	enum outcome out;

	if (d->o->advise_only || d->paused)
		out = OUT_ADVICE_ONLY;
	else if (!d->virt)
		out = OUT_REFUSED;
	else
		out = virt_apply(d->virt, g, to, why_fail, sizeof(why_fail));
	switch (out) {
	case OUT_APPLIED:
		g->prev_nodes = from;
		g->nodes = *to;
		g->last_move_ms = now;
		g->failures = 0;
		d->applied++;
		if (why == REASON_URGENT)
			d->urgent++;
		snprintf(detail, sizeof(detail), "%s; %s", because, why_fail);
		break;
	case OUT_TRANSIENT: {
		int64_t backoff = 1000LL << (g->failures < 6 ? g->failures : 6);
		g->failures++;
		g->retry_at_ms = now + (backoff < RETRY_MAX_MS ? backoff : RETRY_MAX_MS);
		d->failed++;
		snprintf(detail, sizeof(detail), "%s; retry in %.1f s", why_fail, (double)(g->retry_at_ms - now) / 1000.0);
		break;
	}
	case OUT_PERMANENT:
		g->permanent_failure = true;
		snprintf(g->failure, sizeof(g->failure), "%s", why_fail);
		d->failed++;
		snprintf(detail, sizeof(detail), "%s", why_fail);
		break;
	case OUT_ADVICE_ONLY:
		g->last_move_ms = now; /* pace advice as if applied */
		snprintf(detail, sizeof(detail), "%s (%s)", because, d->paused ? "paused" : "--advise-only");
		break;
	default:
		d->refused++;
		snprintf(detail, sizeof(detail), "%s", why_fail[0] ? why_fail : "no libvirt connection");
		break;
	}
	guest_log_advice(d, g, &from, to, why, out, detail);
	return out;
}

static void warn_strict(struct guest *g, int64_t now, double headroom, double remaining)
{
	char nodes[1024];

	/* The moment a time to exhaustion is known, say it, even inside the quiet period. */
	if (isfinite(g->tte_s) && !g->tte_warned) {
		g->tte_warned = true;
		log_msg(LOG_WARNING, "domain %s: time to exhaustion %.1f s", g->name, g->tte_s);
	}
	if (g->last_warn_ms && now - g->last_warn_ms < STRICT_WARN_EVERY_MS)
		return;
	g->last_warn_ms = now;
	nodeset_format(&g->nodes, nodes, sizeof(nodes));
	log_msg(LOG_WARNING,
		"domain %s (pid %d) is in strict mode and its nodes (%s) run out %s (%.0f MB free above the "
		"watermarks, %.0f MB still to come): libvirt cannot widen a strict domain live, so numad cannot "
		"save it from the OOM killer; use <memory mode='restrictive' placement='auto'/>",
		g->name, g->pid, nodes, isfinite(g->tte_s) ? "soon" : "when it grows", headroom / 1024, remaining / 1024);
}

/* Managed, healthy and in a mode whose memory is bound to its nodes. */
static bool bound_and_managed(const struct guest *g)
{
	return g->managed && !g->permanent_failure && g->res_valid &&
	       (g->mode == MODE_STRICT || g->mode == MODE_RESTRICTIVE) && !nodeset_empty(&g->nodes);
}

/*
 * Whether an urgent move may go ahead now. Without libvirt nothing can be applied: the move
 * is decided and logged once, with no burst token taken and no back-off, and decided again
 * as soon as libvirt is back (virt.c clears awaiting_libvirt on reconnection).
 */
static bool urgent_may_act(struct daemon *d, struct guest *g, int64_t now, bool *offline)
{
	if (now < g->retry_at_ms)
		return false;
	*offline = !d->o->advise_only && !d->paused && !virt_connected(d->virt);
	if (*offline && g->awaiting_libvirt)
		return false;
	if (!*offline && !tb_take(&d->urgent_bucket, 1, now)) {
		log_debug("urgent move of %s held back by the burst cap", g->name);
		return false;
	}
	return true;
}

static void urgent_act(struct daemon *d, struct guest *g, const struct nodeset *to, const char *because, bool offline,
		       int64_t now)
{
	char detail[512];

	if (offline) {
		g->awaiting_libvirt = true;
		d->failed++;
		snprintf(detail, sizeof(detail), "%s; no libvirt connection: applied as soon as libvirt is back", because);
		guest_log_advice(d, g, &g->nodes, to, REASON_URGENT, OUT_TRANSIENT, detail);
		return;
	}
	actuate(d, g, to, REASON_URGENT, because, now);
}

static void warn_no_room(struct guest *g, int64_t now, const char *what)
{
	if (g->last_warn_ms && now - g->last_warn_ms < STRICT_WARN_EVERY_MS)
		return;
	g->last_warn_ms = now;
	log_msg(LOG_WARNING, "domain %s %s", g->name, what);
}

/*
 * One node of a guest on several nodes can run out while the others have room: a process
 * bound to that node (numactl --membind, a strict guest) takes it and cannot fall back. The
 * kernel then OOM-kills the largest process allowed to use the node, and a process without
 * a bind policy of its own (QEMU under a cgroup nodeset) always is, however much room its
 * other nodes have. Only room on that node helps, and the guest's own memory there is that
 * room: the guest is moved off the node, its memory there migrates to its other nodes (the
 * engine adds nodes when they can't hold it), and the node gets it back.
 * Moving off migrates the guest's memory there, which costs far more than adding a node,
 * so it waits until the danger is plain: others have run the node down to within the
 * margin (--margin) of its low watermark and keep taking it, at CROWD_MIN_KBPS or more
 * both smoothed over a second and over the last tick (what the node loses beyond what
 * guests that can go elsewhere gain there, guests_track_taken(): a burst is not a trend,
 * and a process that has stopped no longer counts), and the guest holds a real share of the node
 * (CROWD_MIN_SHARE_KB): moving a few pages off helps nobody. A node that others only
 * pass through on their way to a size it can hold is left alone.
 */
#define CROWD_MIN_SHARE_KB (64.0 * 1024)
#define CROWD_MIN_KBPS (16.0 * 1024)

static void check_crowded_nodes(struct daemon *d, struct guest *g, double remaining, int64_t now)
{
	double tte = INFINITY, taken = 0;
	double margin = d->o->margin_mb * 1024.0, held = 0;
	struct engine_host host = { &d->topo, d->busy };
	struct engine_request req = { 0 };
	struct nodeset crowded, keep;
	struct engine_result res;
	char because[256], list[64];
	double own[NUMAD_MAX_NODES];
	bool offline;

	if (nodeset_count(&g->nodes) < 2)
		return; /* one node: the whole-set check is the node check */
	nodeset_clear(&crowded);
	keep = g->nodes;
	for (int n = nodeset_next(&g->nodes, 0); n >= 0; n = nodeset_next(&g->nodes, n + 1)) {
		int i = topology_index(&d->topo, n);
		struct nodeset one;
		double others, h, t;

		if (i < 0 || (double)g->res_kb[i] < CROWD_MIN_SHARE_KB || !d->taken[i].has_rate)
			continue;
		/* taking it for a while (smoothed) and still taking it (the last tick) */
		others = fmin(d->taken[i].rate, d->taken[i].last_rate);
		if (others < CROWD_MIN_KBPS)
			continue;
		nodeset_clear(&one);
		nodeset_add(&one, n);
		h = headroom_kb(d, &one);
		log_debug("%s: node %d: others take %.0f MB/s, %.0f MB free above the low watermark", g->name, n,
			  others / 1024, h / 1024);
		if (h >= margin)
			continue;
		t = time_to_exhaust(h, others);
		nodeset_add(&crowded, n);
		nodeset_del(&keep, n);
		held += (double)g->res_kb[i];
		if (t < tte) {
			tte = t;
			taken = others;
		}
	}
	if (nodeset_empty(&crowded))
		return;
	g->at_risk = true;
	req.ncpus = g->nvcpus;
	req.own_busy = own_load(d, g, own);
	req.mem_mb = (uint64_t)(((double)g->res_total_kb + remaining + margin) / 1024.0);
	req.resident_kb = g->res_kb;
	req.must = nodeset_empty(&keep) ? NULL : &keep; /* every node crowded: anywhere else */
	req.avoid = &crowded;
	engine_place(&host, &d->o->policy, &req, &res);
	nodeset_format(&crowded, list, sizeof(list));
	if (res.status != ENGINE_OK && res.status != ENGINE_KEEP) {
		char what[512];
		snprintf(what, sizeof(what), "holds %.0f MB on node(s) %s, which others run out, and no other nodes have "
			 "room for it", held / 1024, list);
		warn_no_room(g, now, what);
		return;
	}
	if (!urgent_may_act(d, g, now, &offline))
		return;
	snprintf(because, sizeof(because),
		 "node %s runs out in %.1f s, taken at %.0f MB/s by other processes; the guest's %.0f MB there move off",
		 list, tte, taken / 1024, held / 1024);
	urgent_act(d, g, &res.best, because, offline, now);
}

void guest_check_urgent(struct daemon *d, struct guest *g, int64_t now)
{
	double headroom, rate, remaining, need_kb, margin = d->o->margin_mb * 1024.0;
	struct engine_host host = { &d->topo, d->busy };
	struct engine_request req = { 0 };
	struct engine_result res;
	double own[NUMAD_MAX_NODES];
	char because[256];
	bool offline;

	if (!bound_and_managed(g))
		return;
	headroom = headroom_kb(d, &g->nodes);
	rate = g->growth.has_rate ? g->growth.rate : 0;
	if (decline_kbps(d, &g->nodes) > rate)
		rate = decline_kbps(d, &g->nodes);
	g->tte_s = time_to_exhaust(headroom, rate);
	remaining = g->mem_kb > g->res_total_kb ? (double)(g->mem_kb - g->res_total_kb) : 0;
	g->at_risk = g->tte_s < d->o->horizon_s || headroom < remaining + margin;
	if (!g->at_risk) {
		g->tte_warned = false; /* a new risk episode will say its time again */
		if (g->mode == MODE_RESTRICTIVE)
			check_crowded_nodes(d, g, remaining, now);
		return;
	}
	if (g->mode == MODE_STRICT) {
		warn_strict(g, now, headroom, remaining);
		return;
	}
	need_kb = (double)g->res_total_kb + (remaining > rate * d->o->horizon_s ? remaining : rate * d->o->horizon_s);
	req.ncpus = g->nvcpus;
	req.own_busy = own_load(d, g, own);
	req.mem_mb = (uint64_t)((need_kb + margin) / 1024.0);
	req.resident_kb = g->res_kb;
	req.must = &g->nodes;
	engine_place(&host, &d->o->policy, &req, &res);
	if (nodeset_equal(&res.best, &g->nodes)) {
		warn_no_room(g, now, "runs out of memory on its nodes and no other node has room");
		return;
	}
	if (!urgent_may_act(d, g, now, &offline))
		return;
	if (isfinite(g->tte_s) && g->tte_s < d->o->horizon_s)
		snprintf(because, sizeof(because), "its nodes run out in %.1f s at %.0f MB/s", g->tte_s, rate / 1024);
	else
		snprintf(because, sizeof(because), "%.0f MB still to come, %.0f MB free on its nodes", remaining / 1024,
			 headroom / 1024);
	urgent_act(d, g, &res.best, because, offline, now);
}

/* The request consolidation makes for a guest; own holds a node's worth of doubles. */
static void consolidation_request(const struct daemon *d, const struct guest *g, struct engine_request *req,
				  double *own)
{
	memset(req, 0, sizeof(*req));
	req->own_busy = own_load(d, g, own);
	req->ncpus = g->nvcpus;
	/* numad 0.5 knows only what a process holds; numad also knows what the guest was given. */
	if (d->o->numad05_timing || g->mem_kb < g->res_total_kb)
		req->mem_mb = g->res_total_kb / 1024;
	else
		req->mem_mb = g->mem_kb / 1024;
	req->mem_mb += (uint64_t)d->o->margin_mb;
	req->resident_kb = g->res_valid ? g->res_kb : NULL;
	req->current = nodeset_empty(&g->nodes) ? NULL : &g->nodes;
}

int guest_explain(struct daemon *d, const struct guest *g, struct engine_result *res, struct engine_score *current)
{
	struct engine_host host = { &d->topo, d->busy };
	struct engine_request req;
	double own[NUMAD_MAX_NODES];

	consolidation_request(d, g, &req, own);
	if (engine_place(&host, &d->o->policy, &req, res) < 0)
		return -1;
	if (nodeset_empty(&g->nodes) || engine_score_set(&host, &d->o->policy, &req, &g->nodes, current) < 0)
		memset(current, 0, sizeof(*current));
	return 0;
}

bool guest_consolidate(struct daemon *d, struct guest *g, int64_t now)
{
	struct engine_host host = { &d->topo, d->busy };
	struct engine_request req;
	struct engine_result res;
	struct engine_score cur;
	double moving_kb = 0;
	int64_t interval = (int64_t)d->o->guest_interval_s * 1000;
	double own[NUMAD_MAX_NODES];
	char because[256];

	if (!bound_and_managed(g) || g->mode != MODE_RESTRICTIVE || now < g->retry_at_ms)
		return false;
	if (!d->o->advise_only && !d->paused && !virt_connected(d->virt))
		return false; /* nothing to apply it with; the next scan after reconnection decides again */
	if (g->last_move_ms && now - g->last_move_ms < interval)
		return false;
	if (g->cpu_at_ms && !g->cpu_known)
		return false; /* its own CPU use is not measured yet (one sample): the next scan decides */
	consolidation_request(d, g, &req, own);
	engine_place(&host, &d->o->policy, &req, &res);
	if (res.status != ENGINE_OK || nodeset_equal(&res.best, &g->nodes))
		return false;
	if (nodeset_equal(&res.best, &g->prev_nodes) && now - g->last_move_ms < FLAP_WINDOW_MS) {
		log_debug("not moving %s back to where it was within %d s", g->name, FLAP_WINDOW_MS / 1000);
		return false;
	}
	for (int i = 0; i < d->topo.nnodes; i++)
		if (!nodeset_has(&res.best, d->topo.nodes[i].id))
			moving_kb += (double)g->res_kb[i];
	if (!tb_take(&d->migrate_bucket, moving_kb / 1024.0, now)) {
		log_debug("consolidation of %s waits for the migration budget", g->name);
		return false;
	}
	if (engine_score_set(&host, &d->o->policy, &req, &g->nodes, &cur) == 0 && !cur.fits)
		snprintf(because, sizeof(because), "its nodes no longer hold %llu MB within %d%% use; %.0f MB to migrate",
			 (unsigned long long)req.mem_mb, d->o->policy.target_util, moving_kb / 1024);
	else
		snprintf(because, sizeof(because), "score %.3f -> %.3f, %.0f MB to migrate", cur.total,
			 res.best_score.total, moving_kb / 1024);
	return actuate(d, g, &res.best, REASON_CONSOLIDATE, because, now) == OUT_APPLIED;
}
