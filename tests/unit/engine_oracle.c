/* engine_oracle.c: every subset of the candidates, scored through lib/engine.h only. */
#include "engine_oracle.h"

#include <stdint.h>
#include <string.h>

/*
 * Whether node id offers the guest memory (the engine's avail > 0): scored alone for a
 * guest that needs none, its memory term is need / avail = 0 when it offers some, and 10
 * when it offers none. How much it offers does not depend on the size of the request.
 */
static bool offers_memory(const struct engine_host *h, const struct engine_policy *p, const struct engine_request *r,
			  int id)
{
	struct engine_request none = *r;
	struct engine_score s;
	struct nodeset one;

	none.mem_mb = 0;
	nodeset_clear(&one);
	nodeset_add(&one, id);
	return engine_score_set(h, p, &none, &one, &s) == 0 && s.mem == 0;
}

static bool in(const struct nodeset *s, int id)
{
	return s && nodeset_has(s, id);
}

/* Keep s in the top list, ranked by engine_better(). */
static void top_keep(struct engine_result *out, const struct engine_score *s)
{
	int pos = out->ntop;

	while (pos > 0 && engine_better(s, &out->top[pos - 1]))
		pos--;
	if (pos >= ENGINE_TOP)
		return;
	if (out->ntop < ENGINE_TOP)
		out->ntop++;
	memmove(&out->top[pos + 1], &out->top[pos], (size_t)(out->ntop - 1 - pos) * sizeof(out->top[0]));
	out->top[pos] = *s;
}

/* Nothing fits: every node with memory, or every node when those have no CPUs; never one to avoid. */
static void advise_all(const struct engine_host *h, const struct engine_policy *p, const struct engine_request *r,
		       struct engine_result *out)
{
	const struct topology *t = h->topo;
	struct nodeset all;
	int cpus = 0;

	nodeset_clear(&all);
	for (int i = 0; i < t->nnodes; i++)
		if ((t->nodes[i].has_memory || offers_memory(h, p, r, t->nodes[i].id)) && !in(r->avoid, t->nodes[i].id)) {
			nodeset_add(&all, t->nodes[i].id);
			cpus += t->nodes[i].ncpus;
		}
	if (nodeset_empty(&all) || cpus == 0) {
		nodeset_clear(&all);
		for (int i = 0; i < t->nnodes; i++)
			if (!in(r->avoid, t->nodes[i].id))
				nodeset_add(&all, t->nodes[i].id);
	}
	out->status = ENGINE_NOFIT;
	out->why = "no node set fits";
	out->ntop = 0;
	nodeset_clear(&out->best);
	if (nodeset_empty(&all)) {
		if (r->current)
			out->best = *r->current;
		return;
	}
	engine_score_set(h, p, r, &all, &out->top[0]);
	out->ntop = 1;
	out->best = out->top[0].set;
	out->best_score = out->top[0];
}

/* The current set stays when it holds no node to avoid, fits, is local enough and is not clearly beaten. */
static bool keeps_current(const struct engine_host *h, const struct engine_policy *p, const struct engine_request *r,
			  const struct engine_score *best, struct engine_score *cur)
{
	const struct topology *t = h->topo;
	double local = 0, resident = 0;

	for (int id = nodeset_next(r->current, 0); id >= 0; id = nodeset_next(r->current, id + 1)) {
		if (in(r->avoid, id))
			return false;
		if (r->resident_kb && t->idx_of[id] >= 0)
			local += (double)r->resident_kb[t->idx_of[id]];
	}
	for (int i = 0; i < t->nnodes; i++)
		resident += r->resident_kb ? (double)r->resident_kb[i] : 0;
	if (engine_score_set(h, p, r, r->current, cur) < 0 || !cur->fits)
		return false;
	if (resident > 0 && local * 100.0 < resident * p->locality_target)
		return false;
	return !(best->total < cur->total * (1.0 - p->hysteresis));
}

int oracle_place_every_subset(const struct engine_host *h, const struct engine_policy *p,
			      const struct engine_request *r, struct engine_result *out)
{
	int cand[ORACLE_MAX_CANDIDATES], ncand = 0;
	uint32_t must = 0;
	struct engine_score cur;

	memset(out, 0, sizeof(*out));
	out->status = ENGINE_ERROR;
	out->why = "bad request, empty host or too many candidates";
	if (!h || !h->topo || h->topo->nnodes <= 0 || !(r->ncpus >= 0) || r->ncpus > 1e6)
		return -1;
	/* in id order, the order engine_score_set() sums a set in */
	for (int i = 0; i < h->topo->nnodes; i++) {
		int id = h->topo->nodes[i].id;

		if (in(r->avoid, id) || !(in(r->must, id) || offers_memory(h, p, r, id)))
			continue;
		if (ncand == ORACLE_MAX_CANDIDATES)
			return -1;
		if (in(r->must, id))
			must |= UINT32_C(1) << ncand;
		cand[ncand++] = id;
	}
	out->ncandidates = ncand;
	for (uint64_t mask = 1; mask < UINT64_C(1) << ncand; mask++) {
		struct engine_score s;
		struct nodeset set;

		if ((mask & must) != must)
			continue;
		nodeset_clear(&set);
		for (int b = 0; b < ncand; b++)
			if (mask >> b & 1)
				nodeset_add(&set, cand[b]);
		engine_score_set(h, p, r, &set, &s);
		out->evaluated++;
		top_keep(out, &s);
	}
	out->exhaustive = true;
	if (out->ntop == 0 || !out->top[0].fits) {
		advise_all(h, p, r, out);
		return 0;
	}
	out->status = ENGINE_OK;
	out->why = "best scoring node set that fits";
	out->best = out->top[0].set;
	out->best_score = out->top[0];
	if (r->current && !nodeset_empty(r->current) && keeps_current(h, p, r, &out->best_score, &cur)) {
		out->status = ENGINE_KEEP;
		out->why = "current nodes fit, are local enough and nothing is clearly better";
		out->best = cur.set;
		out->best_score = cur;
	}
	return 0;
}
