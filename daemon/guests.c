/*
 * guests.c: the guest table, what is sampled of each guest (residency, its trends, CPU use,
 * what others take of each node), and the history of decisions with their log lines.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <systemd/sd-journal.h>

#include "guests.h"
#include "log.h"
#include "options.h"
#include "state.h"


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

/*
 * None when the guest has touched all its configured memory, so that it needs no more of its
 * nodes, or when the time is beyond anything numad acts on (a decline of a few bytes a second
 * gives 10^20 s).
 */
#define TTE_REPORTED_MAX_S (30.0 * 86400)

double guest_time_to_exhaustion(const struct guest *g)
{
	if (g->res_valid && g->mem_kb && g->res_total_kb >= g->mem_kb)
		return NAN;
	return g->tte_s <= TTE_REPORTED_MAX_S ? g->tte_s : NAN;
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
				       "permanent-failure", "refused", "staging", "stopped" };
	return o <= OUT_STOPPED ? names[o] : "?";
}

const char *reason_name(enum reason r)
{
	return r == REASON_URGENT ? "urgent" : r == REASON_START ? "start" : "consolidate";
}

struct guest *guest_find(struct daemon *d, const char *uuid)
{
	for (int k = 0; k < d->nguests; k++) {
		int i = (d->find_from + k) % d->nguests;

		if (strcmp(d->guests[i].uuid, uuid) == 0) {
			d->find_from = i + 1;
			return &d->guests[i];
		}
	}
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
	guest_clear(g);
	g->res_kb = calloc((size_t)d->topo.nnodes, sizeof(*g->res_kb));
	g->tick_res_kb = calloc((size_t)d->topo.nnodes, sizeof(*g->tick_res_kb));
	if (!g->res_kb || !g->tick_res_kb) {
		free(g->res_kb);
		free(g->tick_res_kb);
		return NULL;
	}
	node_trends_init(&g->gain, 1.0);
	g->fresh = d->fast_ticks > 0; /* started while numad runs, not found at its start */
	g->added_ms = daemon_now(d);
	snprintf(g->uuid, sizeof(g->uuid), "%s", uuid);
	g->mode = MODE_UNKNOWN;
	g->tte_s = INFINITY;
	g->warned_tte_s = INFINITY;
	growth_init(&g->growth, 1.0);
	d->nguests++;
	return g;
}

/* What a guest's strings hold while empty: never freed. */
static const char no_text[] = "";

void guest_clear(struct guest *g)
{
	memset(g, 0, sizeof(*g));
	g->name = g->cgroup = g->failure = g->last_advice = no_text;
}

void guest_set_text(const char **field, const char *text, size_t max)
{
	size_t len;
	char *copy;

	if (!text)
		text = "(null)"; /* as snprintf's "%s" writes it, which set these before */
	len = strnlen(text, max ? max - 1 : 0);
	if (*field && strncmp(*field, text, len) == 0 && (*field)[len] == '\0')
		return; /* the same: most refreshes */
	copy = len ? strndup(text, len) : NULL;
	if (*field && *field != no_text)
		free((void *)(uintptr_t)*field); /* ours: const only to the readers */
	*field = copy ? copy : no_text;
}

void guest_release(struct guest *g)
{
	guest_set_text(&g->name, "", 1);
	guest_set_text(&g->cgroup, "", 1);
	guest_set_text(&g->failure, "", 1);
	guest_set_text(&g->last_advice, "", 1);
	free(g->res_kb);
	free(g->tick_res_kb);
	node_trends_free(&g->gain);
	g->res_kb = g->tick_res_kb = NULL;
}

void guest_set_managed(struct daemon *d, struct guest *g)
{
	bool excluded = options_excludes(d->o, g->pid, g->name, g->uuid);
	bool included = !excluded && options_includes(d->o, g->name, g->uuid);
	signed char listed = excluded ? -1 : included ? 1 : 0;
	bool was = g->listed_known && (g->placement_auto || g->listed > 0) && g->listed >= 0;

	g->managed = (g->placement_auto || included) && !excluded;
	if (!g->listed_known && included && !g->placement_auto)
		log_notice("domain %s: managed as the include list (-p) asks, though its definition has no "
			   "placement='auto'", g->name);
	else if (g->listed_known && was != g->managed)
		log_notice("domain %s: %s: the %s list %s it", g->name, g->managed ? "managed from now on" : "no longer managed",
			   excluded || g->listed < 0 ? "exclude (-x)" : "include (-p)",
			   excluded || included ? "names" : "no longer names");
	g->listed = listed;
	g->listed_known = true;
}

bool guest_moves(const struct guest *g)
{
	return g->managed && !g->permanent_failure && g->mode == MODE_RESTRICTIVE;
}

const char *guest_management(const struct guest *g)
{
	if (g->permanent_failure)
		return "failed";
	if (guest_moves(g))
		return "yes";
	/* placement='auto' in strict, preferred or interleave mode: watched and warned about, never moved */
	return g->managed ? "observed" : "no";
}

/* How long after a full scan saw the oom_kill count rise a guest's stop is taken as that kill. */
#define OOM_CLAIM_MS 10000

void guests_note_oom(struct daemon *d, int64_t now)
{
	unsigned long n = host_oom_kill_count(d->host.root);

	if (now - d->oom_rise_ms > OOM_CLAIM_MS)
		d->oom_unclaimed = 0; /* another process's: no guest stopped with it */
	if (n > d->oom_seen) {
		d->oom_unclaimed += n - d->oom_seen;
		d->oom_rise_ms = now;
	}
	d->oom_seen = n;
}

void guest_stopped(struct daemon *d, struct guest *g, bool may_be_oom)
{
	int64_t now = daemon_now(d);
	unsigned long n = host_oom_kill_count(d->host.root);
	bool oom = false;

	/*
	 * The kernel says whom it killed only in its log; libvirt sees a QEMU that died. A stop
	 * that comes as the count rises (before the next full scan, or up to OOM_CLAIM_MS after
	 * the scan that saw it rise) is taken as that kill.
	 */
	if (n > d->oom_seen) {
		oom = may_be_oom;
		d->oom_unclaimed += n - d->oom_seen - (oom ? 1 : 0);
		d->oom_rise_ms = now;
		d->oom_seen = n;
	} else if (may_be_oom && d->oom_unclaimed > 0 && now - d->oom_rise_ms <= OOM_CLAIM_MS) {
		oom = true;
		d->oom_unclaimed--;
	}
	if (oom) {
		struct killed_guest *k = &d->killed[d->nkilled++ % KILLED_MAX];

		memset(k, 0, sizeof(*k));
		snprintf(k->name, sizeof(k->name), "%s", g->name);
		snprintf(k->uuid, sizeof(k->uuid), "%s", g->uuid);
		k->pid = g->pid;
		k->mode = g->mode;
		nodeset_format(&g->nodes, k->nodes, sizeof(k->nodes));
		k->when = time(NULL);
		k->at_ms = now;
		log_warnx("domain %s (pid %d, %s, nodes %s) was OOM-killed: it stopped as the host's oom_kill "
			  "count rose", g->name, g->pid, mode_name(g->mode), k->nodes[0] ? k->nodes : "-");
	}
	guest_remove(d, g);
}

void guest_remove(struct daemon *d, struct guest *g)
{
	int i = (int)(g - d->guests);

	guest_release(g);
	memmove(&d->guests[i], &d->guests[i + 1], (size_t)(d->nguests - i - 1) * sizeof(*g));
	d->nguests--;
}

/*
 * A quiet guest is read every NUMA_STAT_QUIET_MS, or, with more than QUIET_READS_PER_S
 * times that many guests, as often as QUIET_READS_PER_S reads a second allow: every 20 s
 * with 1,000, about a full scan's interval on a calm host (the kernel flushes the cgroups'
 * statistics at each read, so each one costs on a real host). Each tick makes the share of
 * those reads of the time since the last tick and no more, the guests due first in table
 * order, so that guests started together are not read together ever after.
 */
#define QUIET_READS_PER_S 50

static int64_t quiet_period_ms(const struct daemon *d)
{
	int64_t spread = (int64_t)d->nguests * 1000 / QUIET_READS_PER_S;

	return spread > NUMA_STAT_QUIET_MS ? spread : NUMA_STAT_QUIET_MS;
}

static int quiet_reads_per_tick(const struct daemon *d, int64_t now)
{
	int64_t since = d->last_tick_ms > 0 && now > d->last_tick_ms ? now - d->last_tick_ms : d->fast_period_ms;

	/* the share of nguests reads per quiet period of the time since the last tick, rounded up, and one more */
	return (int)(((int64_t)d->nguests * since + quiet_period_ms(d) - 1) / quiet_period_ms(d)) + 1;
}

/*
 * What guest_sample_due counts as change. A node declines when its free memory falls
 * faster than NODE_DECLINE_KBPS, smoothed or over the last tick (so the first tick of a
 * fall counts); a guest grows when its residency rises that fast. A guest started less than
 * GUEST_FRESH_MS ago, or with more than UNTOUCHED_MIN_KB of its memory untouched, may grow
 * at any moment.
 */
#define NODE_DECLINE_KBPS 1024.0
#define GUEST_GROW_KBPS 1024.0
#define GUEST_FRESH_MS 10000
#define UNTOUCHED_MIN_KB (64.0 * 1024)

static bool falls(const struct growth *e, double kbps)
{
	return e->has_rate && (e->rate < -kbps || e->last_rate < -kbps);
}

/* Whether a node the guest may use or holds memory on declines (of those guests_tick_begin found). */
static bool nodes_decline(const struct daemon *d, const struct guest *g)
{
	for (int k = 0; k < d->ndeclining; k++) {
		int i = d->declining[k];

		if (nodeset_has(&g->nodes, d->topo.nodes[i].id) || g->res_kb[i] > 0)
			return true;
	}
	return false;
}

void guests_tick_begin(struct daemon *d, int64_t now)
{
	d->ndeclining = 0;
	for (int i = 0; i < d->topo.nnodes; i++)
		if (falls(&d->node_free[i], NODE_DECLINE_KBPS))
			d->declining[d->ndeclining++] = i;
	d->quiet_left = quiet_reads_per_tick(d, now);
}

static bool may_grow(const struct guest *g, int64_t now)
{
	const struct growth *e = &g->growth;

	if (g->fresh && now - g->added_ms < GUEST_FRESH_MS)
		return true;
	if (g->mem_kb && (double)g->mem_kb > (double)g->res_total_kb + UNTOUCHED_MIN_KB)
		return true;
	return e->has_rate && (e->rate > GUEST_GROW_KBPS || e->last_rate > GUEST_GROW_KBPS);
}

enum guest_read guest_sample_due(const struct daemon *d, const struct guest *g, int64_t now)
{
	if (!g->cgroup[0])
		return READ_NONE;
	if (!g->res_valid || !g->gain_ready || !g->tick_read_ms || g->at_risk || g->awaiting_libvirt ||
	    may_grow(g, now) || nodes_decline(d, g))
		return READ_AT_TICK;
	return now - g->read_ms >= quiet_period_ms(d) && d->quiet_left > 0 ? READ_QUIET : READ_NONE;
}

/*
 * Before node i's trend is fed a value other than 0: its own trend, a copy of gain.rest,
 * which is what a node fed only 0s holds. Should memory run out it stays on gain.rest.
 */
static void gain_own(struct guest *g, int i)
{
	(void)node_trends_add(&g->gain, i);
}

/*
 * A guest read again at a tick after ticks that did not read it: while it was not read
 * nothing of it changed that the nodes showed (or it would have been read), so its trends
 * take its last value as steady until the last tick, and what changed comes within the
 * last interval, as the node's own trend saw it come.
 */
static void hold_until_last_tick(const struct daemon *d, struct guest *g)
{
	for (int k = 0; k < g->gain.n; k++)
		growth_update(&g->gain.v[k].g, d->last_tick_ms, g->gain.v[k].g.last_kb);
	growth_update(&g->gain.rest, d->last_tick_ms, g->gain.rest.last_kb);
	growth_update(&g->growth, d->last_tick_ms, g->growth.last_kb);
}

/*
 * A quiet guest's slow refresh. Its nodes showed no change while it went unread, so
 * whatever changed of it changed slowly or was met by others' frees: the per-node trends,
 * which must stay in step with the nodes' own, take the new values as a base with no rate
 * (growth_rebase), and guests_track_taken counts no gain of it this tick. Its total's trend
 * takes the change over the whole gap (a slow growth shows as the rate it is, and makes the
 * guest one read at every tick).
 */
static void quiet_refresh(struct daemon *d, struct guest *g, int64_t now)
{
	g->res_total_kb = 0;
	for (int i = 0; i < d->topo.nnodes; i++) {
		g->res_total_kb += g->res_kb[i];
		if (g->res_kb[i])
			gain_own(g, i);
	}
	for (int k = 0; k < g->gain.n; k++)
		growth_rebase(&g->gain.v[k].g, now, (double)g->res_kb[g->gain.v[k].index]);
	growth_rebase(&g->gain.rest, now, 0);
	g->res_valid = true;
	g->quiet_read = true;
	growth_update(&g->growth, now, (double)g->res_total_kb);
}

void guest_sample(struct daemon *d, struct guest *g, int64_t now, enum guest_read how)
{
	char rel[640];
	int version;

	if (!g->cgroup[0] || how == READ_NONE)
		return;
	snprintf(rel, sizeof(rel), "%s/memory.numa_stat", g->cgroup);
	d->numa_stat_reads++;
	g->numa_stat_reads++;
	g->read_ms = now;
	if (how == READ_QUIET)
		d->quiet_left--;
	g->res_new = true;
	if (read_file_at(d->host.root, rel, &d->buf, 1 << 20) < 0 ||
	    cgroup_numa_stat_parse(d->buf.data, &d->topo, g->res_kb, &version) < 0) {
		g->res_valid = false; /* gone or garbled: the next refresh sorts it out */
		return;
	}
	g->cgroup_version = version;
	if (how == READ_OUTSIDE_TICK) {
		guest_residency_updated(d, g, now, false);
		return;
	}
	if (how == READ_QUIET && g->gain_ready)
		quiet_refresh(d, g, now);
	else {
		if (g->gain_ready && g->tick_read_ms && g->tick_read_ms < d->last_tick_ms)
			hold_until_last_tick(d, g);
		guest_residency_updated(d, g, now, true);
	}
	g->tick_read_ms = now;
}

/*
 * The first tick's trend of a guest's residency on node i. What others take of a node is
 * its loss of free memory less the guest's own gain there, both trends smoothed alike and
 * fed at the same ticks. A guest that starts while numad runs has touched its memory before
 * libvirt says it runs, so the node's trend already holds that drop: the guest explains the
 * node's current decline, up to what its memory there shows in that trend had it all
 * arrived within the node's last interval. A guest found at numad's start explains nothing.
 */
static void seed_gain(const struct daemon *d, const struct guest *g, struct growth *e, int i, int64_t now)
{
	const struct growth *node = &d->node_free[i];
	double decline = node->has_rate && node->rate < 0 ? -node->rate : 0, dt = node->last_dt_s;
	double step = dt > 0 ? (1.0 - exp(-dt / node->tau_s)) * (double)g->res_kb[i] / dt : 0;

	e->primed = e->has_rate = true;
	e->last_ms = now;
	e->last_kb = (double)g->res_kb[i];
	e->rate = e->last_rate = g->fresh ? fmin(decline, step) : 0;
}

/*
 * seed_gain of every node the guest holds nothing on, whichever node: its step is 0, and the
 * node's decline is never below 0, so its rate is 0.
 */
static void seed_gain_rest(struct growth *e, int64_t now)
{
	e->primed = e->has_rate = true;
	e->last_ms = now;
	e->last_kb = 0;
	e->rate = e->last_rate = 0;
}

void guest_residency_updated(struct daemon *d, struct guest *g, int64_t now, bool tick)
{
	g->res_total_kb = 0;
	for (int i = 0; i < d->topo.nnodes; i++) {
		g->res_total_kb += g->res_kb[i];
		if (tick && g->res_kb[i])
			gain_own(g, i);
	}
	for (int k = 0; tick && k < g->gain.n; k++) {
		struct node_trend *e = &g->gain.v[k];
		if (!g->gain_ready)
			seed_gain(d, g, &e->g, e->index, now);
		else
			growth_update(&e->g, now, (double)g->res_kb[e->index]);
	}
	if (tick && !g->gain_ready)
		seed_gain_rest(&g->gain.rest, now);
	else if (tick)
		growth_update(&g->gain.rest, now, 0);
	g->gain_ready |= tick;
	g->res_valid = true;
	growth_update(&g->growth, now, (double)g->res_total_kb);
}

/*
 * What each node loses to processes that cannot fall back to another node: its free memory
 * falls, and no guest that has other nodes to go to (two or more in its node set) gains it.
 * Those are processes bound to the node (numactl --membind), guests on that node alone, and
 * processes numad does not know, which is the pessimistic reading. Kept as a cumulative
 * count per node whose rate d->taken estimates; each guest's gain is its own residency
 * between the two ticks that last read it, so a guest that joins or leaves the count makes
 * no jump. A guest not read this tick gains nothing; one read again as its node starts to
 * decline gains all it changed since its last read; a quiet guest's slow refresh gains
 * nothing (quiet_refresh).
 */
void guests_track_taken(struct daemon *d, int64_t now)
{
	double gained[NUMAD_MAX_NODES];

	/*
	 * Guest by guest, so that a guest that does not count costs one test, not one per node,
	 * and so that one unread since the last tick costs no more: its res_kb is still the
	 * tick's copy (res_kb is written only with res_new set), so it gains nothing.
	 */
	memset(gained, 0, (size_t)d->topo.nnodes * sizeof(gained[0]));
	for (int k = 0; k < d->nguests; k++) {
		struct guest *g = &d->guests[k];

		if ((g->res_new || !g->tick_res_valid) && g->res_valid && !g->quiet_read && nodeset_count(&g->nodes) >= 2) {
			for (int i = 0; i < d->topo.nnodes; i++)
				if (g->tick_res_valid)
					gained[i] += (double)g->res_kb[i] - (double)g->tick_res_kb[i];
				else if (g->fresh) /* its first tick: what it touched before libvirt said it runs is its own */
					gained[i] += (double)g->res_kb[i];
		}
		/* the copy for the next tick, once this guest's gain is counted */
		g->tick_res_valid = g->res_valid;
		g->quiet_read = false;
		if (g->res_valid && g->res_new)
			memcpy(g->tick_res_kb, g->res_kb, (size_t)d->topo.nnodes * sizeof(*g->tick_res_kb));
		g->res_new = false;
	}
	for (int i = 0; i < d->topo.nnodes; i++) {
		const struct node_info *ni = &d->topo.nodes[i];
		double free = ni->mem.valid ? (double)node_free_kb(&ni->mem, d->o->policy.count_inactive_file) : -1;

		if (free < 0) {
			d->tick_free_kb[i] = -1;
			continue;
		}
		if (d->tick_free_kb[i] >= 0) {
			d->taken_kb[i] += d->tick_free_kb[i] - free - gained[i];
			growth_update(&d->taken[i], now, d->taken_kb[i]);
		}
		d->tick_free_kb[i] = free;
	}
}

void guest_sample_cpu(struct daemon *d, struct guest *g, int64_t now)
{
	long hz = sysconf(_SC_CLK_TCK) > 0 ? sysconf(_SC_CLK_TCK) : 100;
	struct proc_stat ps;
	uint64_t ticks;
	char rel[64];

	snprintf(rel, sizeof(rel), "proc/%d/stat", g->pid);
	if (g->pid <= 0 || read_attr_at(d->host.root, rel, &d->buf, 4096) < 0 ||
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
}

static const char *outcome_text(enum outcome out)
{
	switch (out) {
	case OUT_APPLIED: return "Applied through libvirt";
	case OUT_PINNED: return "vCPUs re-pinned through libvirt, nodeset unchanged";
	case OUT_ADVICE_ONLY: return "Advice only, not applied";
	case OUT_TRANSIENT: return "Failed, will retry";
	case OUT_PERMANENT: return "Failed permanently, no longer managed";
	case OUT_STAGING: return "Staging through libvirt";
	case OUT_STOPPED: return "Stopped";
	default: return "Refused";
	}
}

static void log_outcome_line(struct daemon *d, struct guest *g, const char *f, const char *t, enum reason why,
			     enum outcome out, const char *detail)
{
	if (g->uuid[0])
		log_notice("%s: domain %s, %s move: %s", outcome_text(out), g->name, reason_name(why), detail);
	else /* a process numad manages itself (-S 1, -p) */
		log_notice("%s: process %d (%s), %s move: %s", outcome_text(out), g->pid, g->comm, reason_name(why),
			   detail);
	g->last_outcome = out;
	if (why < REASON_COUNT && out < OUTCOME_COUNT)
		d->by_outcome[why][out]++;
	if (getenv("JOURNAL_STREAM"))
		sd_journal_send("MESSAGE=Advising pid %d (%s) move from nodes (%s) to nodes (%s): %s", g->pid, g->comm,
				f, t, outcome_name(out), "PRIORITY=5", "NUMAD_DOMAIN=%s", g->name, "NUMAD_UUID=%s",
				g->uuid, "NUMAD_PID=%d", g->pid, "NUMAD_FROM=%s", f, "NUMAD_TO=%s", t,
				"NUMAD_REASON=%s", reason_name(why), "NUMAD_OUTCOME=%s", outcome_name(out), NULL);
}

void guest_log_advice(struct daemon *d, struct guest *g, const struct nodeset *from, const struct nodeset *to,
		      enum reason why, enum outcome out, const char *detail)
{
	char f[1024], t[1024], advice[GUEST_ADVICE_MAX];

	nodeset_format(from, f, sizeof(f));
	nodeset_format(to, t, sizeof(t));
	log_advice(g->pid, g->comm[0] ? g->comm : NULL, f, t);
	snprintf(advice, sizeof(advice), "%.60s -> %.60s (%s)", f, t, reason_name(why));
	guest_set_text(&g->last_advice, advice, sizeof(advice));
	d->advices++;
	record_history(d, g, f, t, why, out, detail);
	log_outcome_line(d, g, f, t, why, out, detail);
}

void guest_log_outcome(struct daemon *d, struct guest *g, enum reason why, enum outcome out, const char *detail,
		       unsigned long hist)
{
	struct advice_record *r = &d->history[hist % HISTORY_LEN];
	bool kept = hist < d->nhistory && d->nhistory - hist <= HISTORY_LEN;

	if (kept) {
		r->outcome = out;
		snprintf(r->detail, sizeof(r->detail), "%s", detail);
	}
	log_outcome_line(d, g, kept ? r->from : "", kept ? r->to : "", why, out, detail);
}
