/*
 * fuzz_decide: the rules of lib/decide.h on small hosts, trends, guests and policies built
 * from the input: 1-12 nodes (ids sparse now and then), 0-8 CPUs each, any memory and free
 * memory and low watermark, node trends, taken rates and guest gains that may be unknown,
 * negative or huge, a guest in any mode on any non-empty node set with any residency, and a
 * horizon and margin within numad's option ranges.
 *
 * Checks, for every input:
 *  - decide_exhaust_s and decide_risk never give NaN, and a risk is what decide.h says it
 *    is: at risk exactly when the time to exhaustion is under the horizon or the headroom
 *    under what the guest may still touch plus the margin;
 *  - decide_urgent: no move unless restrictive and at risk, a warning only for a strict
 *    guest at risk; a move only adds online nodes to the guest's own;
 *  - decide_crowded: a move only for a restrictive guest on two or more nodes, to online
 *    nodes, keeping every uncrowded node, holding no crowded one (crowded as decide.h
 *    defines it, worked out here), and passing the headroom test;
 *  - decide_consolidate: a move only for a restrictive guest, to another non-empty set of
 *    online nodes that passes the headroom test, migrating exactly what the guest holds
 *    outside it;
 *  - a second call on the same input gives the same verdict and move.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "decide.h"
#include "fuzz.h"

#define MAX_NODES 12
#define MB 1024.0

struct world {
	struct topology t;
	struct zone_wm wm[MAX_NODES];
	struct growth node_free[MAX_NODES], taken[MAX_NODES], growth;
	struct node_trend gain[MAX_NODES];
	struct node_trends gains;
	uint64_t res[MAX_NODES];
	struct nodeset nodes, prev;
	struct engine_policy engine;
	struct decide_host h;
	struct decide_guest g;
	struct decide_policy p;
};

static struct growth trend(struct fuzz_in *in)
{
	struct growth g;
	uint8_t k = fuzz_u8(in);

	growth_init(&g, 1.0);
	if (k < 40)
		return g; /* no rate yet */
	g.primed = g.has_rate = true;
	g.rate = (double)(int16_t)fuzz_u16(in) * (k & 1 ? MB : 16.0);
	g.last_rate = k & 2 ? g.rate : (double)(int16_t)fuzz_u16(in) * MB;
	return g;
}

static void build(struct fuzz_in *in, struct world *w)
{
	struct topology *t = &w->t;
	int n = fuzz_range(in, 1, MAX_NODES), id = -1, cpu = 0;
	uint64_t total = 0;

	memset(w, 0, sizeof(*w));
	fuzz_topology_alloc(t, n);
	for (int i = 0; i < n; i++) {
		struct node_info *ni = &t->nodes[i];

		id += 1 + (fuzz_u8(in) > 230 ? fuzz_range(in, 1, 40) : 0);
		ni->id = id;
		t->idx_of[id] = i;
		nodeset_add(&t->online, id);
		t->nnodes = i + 1;
		ni->ncpus = ni->ncores = fuzz_range(in, 0, 8);
		ni->cpus = calloc(8, sizeof(int));
		if (!ni->cpus)
			abort();
		for (int k = 0; k < ni->ncpus; k++)
			ni->cpus[k] = cpu++;
		ni->mem.total_kb = (uint64_t)fuzz_u16(in) * 1024 * 4;
		ni->mem.free_kb = ni->mem.total_kb ? fuzz_u64(in) % (ni->mem.total_kb + 1) : 0;
		ni->mem.inactive_file_kb = fuzz_bool(in) ? fuzz_u16(in) : 0;
		ni->mem.valid = fuzz_u8(in) > 20;
		ni->has_memory = ni->mem.total_kb > 0;
		w->wm[i].low_pages = fuzz_u16(in);
		w->node_free[i] = trend(in);
		w->taken[i] = trend(in);
		w->gain[i] = (struct node_trend){ i, trend(in) };
	}
	t->max_cpu = cpu - 1;
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++)
			t->dist[i * n + j] = i == j ? 10 : fuzz_range(in, 11, 40);
	for (int i = 0; i < n; i++) {
		if (fuzz_bool(in))
			nodeset_add(&w->nodes, t->nodes[i].id);
		if (fuzz_u8(in) > 200)
			nodeset_add(&w->prev, t->nodes[i].id);
		w->res[i] = (uint64_t)fuzz_u16(in) * (fuzz_bool(in) ? 1024 : 16);
		total += w->res[i];
	}
	if (nodeset_empty(&w->nodes))
		nodeset_add(&w->nodes, t->nodes[fuzz_range(in, 0, n - 1)].id);
	w->gains = (struct node_trends){ .v = w->gain, .n = n, .cap = MAX_NODES };
	growth_init(&w->gains.rest, 1.0);
	w->growth = trend(in);
	engine_policy_default(&w->engine);
	w->h = (struct decide_host){ t, NULL, fuzz_bool(in) ? w->wm : NULL, fuzz_bool(in) ? w->node_free : NULL, w->taken,
				      fuzz_bool(in), NULL };
	w->g = (struct decide_guest){
		.name = "fuzz", .mode = (enum guest_mode)fuzz_range(in, -1, 3), .nodes = &w->nodes,
		.nvcpus = fuzz_range(in, 0, 16), .mem_kb = fuzz_bool(in) ? total + (uint64_t)fuzz_u16(in) * 1024 : 0,
		.res_kb = w->res, .res_total_kb = total, .growth = &w->growth, .gain = fuzz_bool(in) ? &w->gains : NULL,
		.cpu_used = fuzz_range(in, 0, 8), .cpu_known = fuzz_bool(in), .cpu_pending = fuzz_u8(in) > 230,
		.last_move_ms = fuzz_bool(in) ? fuzz_range(in, 1, 1000000) : 0, .prev_nodes = fuzz_bool(in) ? &w->prev : NULL,
	};
	w->p = (struct decide_policy){ &w->engine, 0.1 + fuzz_range(in, 0, 6000) / 10.0, fuzz_range(in, 0, 1024) * MB,
				       60000, 300000, fuzz_bool(in) };
}

static void check_risk(const struct world *w, const struct nodeset *on)
{
	struct risk r;

	decide_risk(&w->h, &w->g, &w->p, on, &r);
	FUZZ_CHECK(!isnan(r.tte_s) && r.tte_s >= 0);
	FUZZ_CHECK(!isnan(r.headroom_kb) && r.own_kbps >= 0 && r.others_kbps >= 0 && r.remaining_kb >= 0);
	FUZZ_CHECK(r.at_risk == (r.tte_s < w->p.horizon_s || r.headroom_kb < r.remaining_kb + w->p.margin_kb));
}

static bool holds(const struct world *w, const struct nodeset *on)
{
	struct risk r;

	decide_risk(&w->h, &w->g, &w->p, on, &r);
	return !r.at_risk;
}

static bool only_online(const struct world *w, const struct nodeset *s)
{
	for (int n = nodeset_next(s, 0); n >= 0; n = nodeset_next(s, n + 1))
		if (topology_index(&w->t, n) < 0)
			return false;
	return true;
}

/* A node of the guest that decide.h calls crowded. */
static bool crowded(const struct world *w, int i)
{
	struct nodeset one;
	double others = fmin(w->taken[i].rate, w->taken[i].last_rate);

	nodeset_clear(&one);
	nodeset_add(&one, w->t.nodes[i].id);
	return nodeset_has(&w->nodes, w->t.nodes[i].id) && (double)w->res[i] >= 64 * MB && w->taken[i].has_rate &&
	       others >= 16 * MB && decide_headroom_kb(&w->h, &one) < w->p.margin_kb;
}

static void check_urgent(const struct world *w)
{
	struct risk r, r2;
	struct move m, m2;
	enum verdict v = decide_urgent(&w->h, &w->g, &w->p, &r, &m), v2 = decide_urgent(&w->h, &w->g, &w->p, &r2, &m2);

	FUZZ_CHECK(v == v2 && (v != DECIDE_MOVE || nodeset_equal(&m.to, &m2.to)));
	FUZZ_CHECK(v == DECIDE_NONE || r.at_risk);
	FUZZ_CHECK(v != DECIDE_WARN_STRICT || w->g.mode == MODE_STRICT);
	if (v != DECIDE_MOVE)
		return;
	FUZZ_CHECK(w->g.mode == MODE_RESTRICTIVE && m.reason == REASON_URGENT);
	FUZZ_CHECK(only_online(w, &m.to) && !nodeset_equal(&m.to, &w->nodes));
	for (int n = nodeset_next(&w->nodes, 0); n >= 0; n = nodeset_next(&w->nodes, n + 1))
		FUZZ_CHECK(nodeset_has(&m.to, n) || topology_index(&w->t, n) < 0);
}

static void check_crowded(const struct world *w)
{
	struct move m, m2;
	enum verdict v = decide_crowded(&w->h, &w->g, &w->p, &m), v2 = decide_crowded(&w->h, &w->g, &w->p, &m2);

	FUZZ_CHECK(v == v2 && (v != DECIDE_MOVE || nodeset_equal(&m.to, &m2.to)));
	if (v != DECIDE_MOVE)
		return;
	FUZZ_CHECK(w->g.mode == MODE_RESTRICTIVE && nodeset_count(&w->nodes) >= 2 && m.reason == REASON_URGENT);
	FUZZ_CHECK(only_online(w, &m.to) && !nodeset_empty(&m.to) && m.migrate_kb >= 0);
	for (int i = 0; i < w->t.nnodes; i++) {
		int id = w->t.nodes[i].id;
		if (crowded(w, i))
			FUZZ_CHECK(!nodeset_has(&m.to, id));
		else if (nodeset_has(&w->nodes, id))
			FUZZ_CHECK(nodeset_has(&m.to, id));
	}
	FUZZ_CHECK(holds(w, &m.to));
}

static void check_consolidate(const struct world *w)
{
	int64_t now = 2000000;
	struct move m, m2;
	enum verdict v = decide_consolidate(&w->h, &w->g, &w->p, now, &m), v2 = decide_consolidate(&w->h, &w->g, &w->p, now, &m2);
	double outside = 0;

	FUZZ_CHECK(v == v2 && (v != DECIDE_MOVE || nodeset_equal(&m.to, &m2.to)));
	if (v != DECIDE_MOVE)
		return;
	FUZZ_CHECK(w->g.mode == MODE_RESTRICTIVE && m.reason == REASON_CONSOLIDATE);
	FUZZ_CHECK(only_online(w, &m.to) && !nodeset_empty(&m.to) && !nodeset_equal(&m.to, &w->nodes));
	FUZZ_CHECK(holds(w, &m.to));
	for (int i = 0; i < w->t.nnodes; i++)
		if (!nodeset_has(&m.to, w->t.nodes[i].id))
			outside += (double)w->res[i];
	FUZZ_CHECK(fabs(outside - m.migrate_kb) < 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct world *w = malloc(sizeof(*w));
	double e;

	if (!w)
		abort();
	build(&in, w);
	e = decide_exhaust_s((double)(int32_t)fuzz_u32(&in), (double)(int32_t)fuzz_u32(&in),
			     fuzz_bool(&in) ? INFINITY : (double)fuzz_u32(&in), (double)(int32_t)fuzz_u32(&in));
	FUZZ_CHECK(!isnan(e) && e >= 0);
	check_risk(w, &w->nodes);
	check_risk(w, &w->t.online);
	check_urgent(w);
	check_crowded(w);
	check_consolidate(w);
	fuzz_topology_free(&w->t);
	free(w);
	return 0;
}
