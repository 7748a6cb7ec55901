/* decide.c: the urgent, crowded-node and consolidation rules (see decide.h). */
#include "decide.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/*
 * A node counts as crowded when others take it at CROWD_MIN_KBPS or more (both smoothed
 * over a second and over the last tick: a burst is not a trend, and a process that has
 * stopped no longer counts) and the guest holds CROWD_MIN_SHARE_KB there: moving a few
 * pages off helps nobody.
 */
#define CROWD_MIN_SHARE_KB (64.0 * 1024)
#define CROWD_MIN_KBPS (16.0 * 1024)

const char *decide_verdict_name(enum verdict v)
{
	static const char *names[] = { "none", "move", "warn-strict", "no-room", "wait" };

	return v >= DECIDE_NONE && v <= DECIDE_WAIT ? names[v] : "?";
}

double decide_headroom_kb(const struct decide_host *h, const struct nodeset *nodes)
{
	double sum = 0;

	for (int n = nodeset_next(nodes, 0); n >= 0; n = nodeset_next(nodes, n + 1)) {
		int i = topology_index(h->topo, n);
		double f, low;

		if (i < 0)
			continue;
		f = (double)node_free_kb(&h->topo->nodes[i].mem, h->count_inactive_file);
		low = h->wm ? (double)h->wm[i].low_pages * 4.0 : 0;
		if (f > low)
			sum += f - low;
	}
	return sum;
}

static double rate_of(const struct growth *g)
{
	return g && g->has_rate ? g->rate : 0;
}

/*
 * The rate of the last two intervals between samples, the slower of the two (0 before there
 * are two): a fill that has just begun or sped up shows there a tick or two before the
 * smoothed rate catches up, while a one-off step (a guest's first touch counted in one
 * sample of the node and not yet in the guest's) does not.
 */
static double recent_rate_of(const struct growth *g, bool rising)
{
	if (!g || !g->has_rate)
		return 0;
	return rising ? fmin(g->last_rate, g->prev_rate) : fmax(g->last_rate, g->prev_rate);
}

double decide_others_kbps(const struct decide_host *h, const struct decide_guest *g, const struct nodeset *nodes)
{
	double sum = 0;

	for (int n = nodeset_next(nodes, 0); n >= 0; n = nodeset_next(nodes, n + 1)) {
		int i = topology_index(h->topo, n);
		const struct growth *gain;
		double lost;

		if (i < 0 || !h->node_free)
			continue;
		/*
		 * What the node loses, less what the guest itself gains there (its growth, or its own
		 * pages migrating in): smoothed, or over the last two intervals when that is more
		 * (recent_rate_of).
		 */
		gain = g->gain ? node_trends_get(g->gain, i) : NULL;
		lost = fmax(-rate_of(&h->node_free[i]) - rate_of(gain),
			    -recent_rate_of(&h->node_free[i], false) - recent_rate_of(gain, false));
		if (lost > 0)
			sum += lost;
	}
	return sum;
}

double decide_exhaust_s(double headroom_kb, double own_kbps, double own_left_kb, double others_kbps)
{
	double t1;

	if (!(headroom_kb > 0))
		return 0;
	if (!(own_kbps > 0))
		own_kbps = 0;
	if (!(others_kbps > 0))
		others_kbps = 0;
	if (own_kbps == 0 || !(own_left_kb > 0))
		return others_kbps > 0 ? headroom_kb / others_kbps : INFINITY;
	t1 = own_left_kb / own_kbps; /* when the guest has touched all it may (INFINITY: no cap) */
	if ((own_kbps + others_kbps) * t1 >= headroom_kb)
		return headroom_kb / (own_kbps + others_kbps);
	headroom_kb -= (own_kbps + others_kbps) * t1;
	return others_kbps > 0 ? t1 + headroom_kb / others_kbps : INFINITY;
}

double decide_outside_kb(const struct decide_host *h, const struct decide_guest *g, const struct nodeset *set)
{
	double kb = 0;

	for (int i = 0; g->res_kb && i < h->topo->nnodes; i++)
		if (!nodeset_has(set, h->topo->nodes[i].id))
			kb += (double)g->res_kb[i];
	return kb;
}

void decide_risk(const struct decide_host *h, const struct decide_guest *g, const struct decide_policy *p,
		 const struct nodeset *on, struct risk *r)
{
	double growth = fmax(rate_of(g->growth), recent_rate_of(g->growth, true)); /* as decide_others_kbps */

	r->remaining_kb = g->mem_kb > g->res_total_kb ? (double)(g->mem_kb - g->res_total_kb) : 0;
	r->headroom_kb = decide_headroom_kb(h, on) - decide_outside_kb(h, g, on);
	r->own_kbps = growth > 0 ? growth : 0;
	r->others_kbps = decide_others_kbps(h, g, on);
	r->tte_s = decide_exhaust_s(r->headroom_kb, r->own_kbps, g->mem_kb ? r->remaining_kb : INFINITY,
				    r->others_kbps);
	r->at_risk = r->tte_s < p->horizon_s || r->headroom_kb < r->remaining_kb + p->margin_kb;
}

/* What the guest and others take of a set within the horizon, the guest's part capped at what it may still touch. */
static double projected_kb(const struct decide_guest *g, const struct decide_policy *p, const struct risk *r)
{
	double own = r->own_kbps * p->horizon_s;

	if (g->mem_kb && own > r->remaining_kb)
		own = r->remaining_kb;
	return own + r->others_kbps * p->horizon_s;
}

const double *decide_own_load(const struct decide_host *h, const struct decide_guest *g, double *own)
{
	double cpus = 0;

	if (!g->cpu_known || !(g->cpu_used > 0) || nodeset_empty(g->nodes))
		return NULL;
	for (int i = 0; i < h->topo->nnodes; i++) {
		own[i] = 0;
		if (nodeset_has(g->nodes, h->topo->nodes[i].id))
			cpus += h->topo->nodes[i].ncpus;
	}
	if (cpus <= 0)
		return NULL;
	for (int i = 0; i < h->topo->nnodes; i++)
		if (nodeset_has(g->nodes, h->topo->nodes[i].id))
			own[i] = g->cpu_used * h->topo->nodes[i].ncpus / cpus;
	return own;
}

/* The first set the engine ranked that fits and passes the headroom test, or NULL. */
static const struct engine_score *first_that_holds(const struct decide_host *h, const struct decide_guest *g,
						   const struct decide_policy *p, const struct engine_result *res)
{
	struct risk r;

	for (int k = 0; k < res->ntop; k++) {
		if (!res->top[k].fits)
			continue;
		decide_risk(h, g, p, &res->top[k].set, &r);
		if (!r.at_risk)
			return &res->top[k];
	}
	return NULL;
}

/*
 * Place a request and keep the first ranked set that passes the headroom test. When none
 * does, ask once more for what the engine's best would lose within the horizon on top, so
 * that larger sets compete. NULL when no set passes.
 */
static const struct engine_score *place_holding(const struct decide_host *h, const struct decide_guest *g,
						const struct decide_policy *p, struct engine_request *req,
						struct engine_result *res)
{
	struct engine_host eh = { h->topo, h->busy, h->owed_kb };
	const struct engine_score *s;
	struct risk r;

	engine_place(&eh, p->engine, req, res);
	if (res->status != ENGINE_OK && res->status != ENGINE_KEEP)
		return NULL;
	if ((s = first_that_holds(h, g, p, res)))
		return s;
	decide_risk(h, g, p, &res->best, &r);
	req->mem_mb += (uint64_t)(fmax(projected_kb(g, p, &r), r.remaining_kb + p->margin_kb - r.headroom_kb) / 1024.0) + 1;
	engine_place(&eh, p->engine, req, res);
	if (res->status != ENGINE_OK && res->status != ENGINE_KEEP)
		return NULL;
	return first_that_holds(h, g, p, res);
}

static void set_move(struct move *m, const struct decide_host *h, const struct decide_guest *g, enum reason why,
		     const struct nodeset *to)
{
	m->reason = why;
	m->from = *g->nodes;
	m->to = *to;
	m->migrate_kb = decide_outside_kb(h, g, to);
}

enum verdict decide_urgent(const struct decide_host *h, const struct decide_guest *g, const struct decide_policy *p,
			   struct risk *risk, struct move *m)
{
	struct engine_request req = { 0 };
	struct engine_result res;
	const struct engine_score *s;
	double own[NUMAD_MAX_NODES], need;
	struct nodeset to;

	risk->at_risk = false;
	risk->tte_s = INFINITY;
	if ((g->mode != MODE_STRICT && g->mode != MODE_RESTRICTIVE) || nodeset_empty(g->nodes) || !g->res_kb)
		return DECIDE_NONE;
	decide_risk(h, g, p, g->nodes, risk);
	if (!risk->at_risk)
		return DECIDE_NONE;
	if (g->mode == MODE_STRICT)
		return DECIDE_WARN_STRICT;
	need = (double)g->res_total_kb + fmax(risk->remaining_kb, projected_kb(g, p, risk));
	req.ncpus = g->nvcpus;
	req.own_busy = decide_own_load(h, g, own);
	req.mem_mb = (uint64_t)((need + p->margin_kb) / 1024.0);
	req.resident_kb = g->res_kb;
	req.must = g->nodes;
	s = place_holding(h, g, p, &req, &res);
	/* an extension only adds nodes: when no set passes the test, the engine's best still helps */
	to = s ? s->set : res.best;
	/* and it keeps every node the guest has (when nothing fits, the engine's advice is the nodes with memory) */
	for (int n = nodeset_next(g->nodes, 0); n >= 0; n = nodeset_next(g->nodes, n + 1))
		if (topology_index(h->topo, n) >= 0)
			nodeset_add(&to, n);
	if (res.status == ENGINE_ERROR || nodeset_equal(&to, g->nodes))
		return DECIDE_NO_ROOM;
	set_move(m, h, g, REASON_URGENT, &to);
	if (isfinite(risk->tte_s) && risk->tte_s < p->horizon_s)
		snprintf(m->because, sizeof(m->because), "its nodes run out in %.1f s at %.0f MB/s", risk->tte_s,
			 (risk->own_kbps + risk->others_kbps) / 1024);
	else
		snprintf(m->because, sizeof(m->because), "%.0f MB still to come, %.0f MB free on its nodes",
			 risk->remaining_kb / 1024, risk->headroom_kb / 1024);
	return DECIDE_MOVE;
}

/* The guest's nodes that others run out; fills crowded, the soonest time and its rate, and what the guest holds there. */
static void find_crowded(const struct decide_host *h, const struct decide_guest *g, const struct decide_policy *p,
			 struct nodeset *crowded, double *tte, double *taken, double *held)
{
	nodeset_clear(crowded);
	*tte = INFINITY;
	*taken = *held = 0;
	for (int n = nodeset_next(g->nodes, 0); n >= 0; n = nodeset_next(g->nodes, n + 1)) {
		int i = topology_index(h->topo, n);
		struct nodeset one;
		double others, t;

		if (i < 0 || (double)g->res_kb[i] < CROWD_MIN_SHARE_KB || !h->taken || !h->taken[i].has_rate)
			continue;
		others = fmin(h->taken[i].rate, h->taken[i].last_rate);
		if (others < CROWD_MIN_KBPS)
			continue;
		nodeset_clear(&one);
		nodeset_add(&one, n);
		if (decide_headroom_kb(h, &one) >= p->margin_kb)
			continue; /* others pass through on the way to a size the node can hold */
		t = decide_exhaust_s(decide_headroom_kb(h, &one), 0, 0, others);
		nodeset_add(crowded, n);
		*held += (double)g->res_kb[i];
		if (t < *tte) {
			*tte = t;
			*taken = others;
		}
	}
}

enum verdict decide_crowded(const struct decide_host *h, const struct decide_guest *g, const struct decide_policy *p,
			    struct move *m)
{
	struct engine_request req = { 0 };
	struct engine_result res;
	const struct engine_score *s;
	struct nodeset crowded, keep;
	double own[NUMAD_MAX_NODES], tte, taken, held;
	char list[64];
	struct risk r;

	if (g->mode != MODE_RESTRICTIVE || nodeset_count(g->nodes) < 2 || !g->res_kb)
		return DECIDE_NONE; /* one node: the whole-set test of decide_urgent is the node's test */
	find_crowded(h, g, p, &crowded, &tte, &taken, &held);
	if (nodeset_empty(&crowded))
		return DECIDE_NONE;
	keep = *g->nodes;
	for (int n = nodeset_next(&crowded, 0); n >= 0; n = nodeset_next(&crowded, n + 1))
		nodeset_del(&keep, n);
	decide_risk(h, g, p, g->nodes, &r);
	req.ncpus = g->nvcpus;
	req.own_busy = decide_own_load(h, g, own);
	req.mem_mb = (uint64_t)(((double)g->res_total_kb + r.remaining_kb + p->margin_kb) / 1024.0);
	req.resident_kb = g->res_kb;
	req.must = nodeset_empty(&keep) ? NULL : &keep; /* every node crowded: anywhere else */
	req.avoid = &crowded;
	s = place_holding(h, g, p, &req, &res);
	nodeset_format(&crowded, list, sizeof(list));
	if (!s) {
		snprintf(m->because, sizeof(m->because),
			 "holds %.0f MB on node(s) %s, which others run out, and no other nodes can hold it", held / 1024,
			 list);
		return DECIDE_NO_ROOM;
	}
	set_move(m, h, g, REASON_URGENT, &s->set);
	snprintf(m->because, sizeof(m->because),
		 "node %s runs out in %.1f s, taken at %.0f MB/s by other processes; the guest's %.0f MB there move off",
		 list, tte, taken / 1024, held / 1024);
	return DECIDE_MOVE;
}

/* The request consolidation makes for a guest; own holds a node's worth of doubles. */
void decide_consolidation_request(const struct decide_host *h, const struct decide_guest *g,
				  const struct decide_policy *p, struct engine_request *req, double *own)
{
	memset(req, 0, sizeof(*req));
	req->own_busy = decide_own_load(h, g, own);
	req->ncpus = g->nvcpus;
	/* numad 0.5 knows only what a process holds; numad also knows what the guest was given. */
	if (p->resident_only || g->mem_kb < g->res_total_kb)
		req->mem_mb = g->res_total_kb / 1024;
	else
		req->mem_mb = g->mem_kb / 1024;
	req->mem_mb += (uint64_t)(p->margin_kb / 1024);
	req->resident_kb = g->res_kb;
	req->current = nodeset_empty(g->nodes) ? NULL : g->nodes;
}

enum verdict decide_consolidate(const struct decide_host *h, const struct decide_guest *g,
				const struct decide_policy *p, int64_t now_ms, struct move *m)
{
	struct engine_host eh = { h->topo, h->busy, h->owed_kb };
	struct engine_request req;
	struct engine_result res;
	struct engine_score cur;
	double own[NUMAD_MAX_NODES];
	struct risk r;

	m->because[0] = '\0';
	m->hold = NULL;
	if (g->mode != MODE_RESTRICTIVE) {
		m->hold = "not restrictive";
		snprintf(m->because, sizeof(m->because), "libvirt changes the nodes of a running guest in restrictive "
			 "mode only");
		return DECIDE_NONE;
	}
	if (nodeset_empty(g->nodes) || !g->res_kb) {
		m->hold = "not sampled yet";
		snprintf(m->because, sizeof(m->because), "its %s not known yet",
			 nodeset_empty(g->nodes) ? "nodes are" : "memory per node is");
		return DECIDE_NONE;
	}
	if (g->last_move_ms && now_ms - g->last_move_ms < p->guest_interval_ms) {
		m->hold = "guest interval";
		snprintf(m->because, sizeof(m->because), "moved %.0f s ago, the guest interval is %.0f s",
			 (double)(now_ms - g->last_move_ms) / 1000.0, (double)p->guest_interval_ms / 1000.0);
		return DECIDE_WAIT;
	}
	if (g->cpu_pending) {
		m->hold = "own CPU not measured";
		snprintf(m->because, sizeof(m->because), "its own CPU use is not measured yet");
		return DECIDE_WAIT;
	}
	decide_consolidation_request(h, g, p, &req, own);
	req.advice_only = true; /* the rule needs the best alone */
	engine_place(&eh, p->engine, &req, &res);
	if (res.status != ENGINE_OK || nodeset_equal(&res.best, g->nodes)) {
		m->hold = res.status == ENGINE_KEEP ? "already good" : "no better set";
		snprintf(m->because, sizeof(m->because), "%s", res.why ? res.why : engine_status_name(res.status));
		return DECIDE_NONE;
	}
	if (g->prev_nodes && nodeset_equal(&res.best, g->prev_nodes) && now_ms - g->last_move_ms < p->flap_window_ms) {
		m->hold = "flap window";
		snprintf(m->because, sizeof(m->because), "it would go back where it was within %.0f s",
			 (double)p->flap_window_ms / 1000.0);
		return DECIDE_WAIT;
	}
	decide_risk(h, g, p, &res.best, &r);
	if (r.at_risk) {
		char to[64];
		m->hold = "target would run out";
		nodeset_format(&res.best, to, sizeof(to));
		snprintf(m->because, sizeof(m->because), "nodes %s would not pass the headroom test (%.0f MB free, %.1f s to exhaustion)",
			 to, r.headroom_kb / 1024, r.tte_s);
		return DECIDE_NONE; /* the urgent path would only undo it */
	}
	set_move(m, h, g, REASON_CONSOLIDATE, &res.best);
	if (engine_score_set(&eh, p->engine, &req, g->nodes, &cur) == 0 && !cur.fits)
		snprintf(m->because, sizeof(m->because), "its nodes no longer hold %llu MB within %d%% use; %.0f MB to migrate",
			 (unsigned long long)req.mem_mb, p->engine->target_util, m->migrate_kb / 1024);
	else
		snprintf(m->because, sizeof(m->because), "score %.3f -> %.3f, %.0f MB to migrate", cur.total,
			 res.best_score.total, m->migrate_kb / 1024);
	return DECIDE_MOVE;
}
