/* engine.c: score node sets and choose one. Pure: no I/O, no globals, no clock. */
#include "engine.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Per-node figures derived once per decision, indexed by dense node index. */
struct ctx {
	const struct topology *t;
	const struct engine_policy *p;
	const struct engine_request *r;
	const double *owed;  /* KiB promised on the node that its free memory does not show, or NULL */
	double *avail;   /* KiB the node offers the guest */
	double *cpus;    /* CPUs on the node */
	double *idle;    /* CPUs below the target utilisation */
	double *res;     /* KiB the guest holds there now */
	double need;     /* KiB the guest needs */
	double res_total;
	int *cand;       /* candidate node indexes */
	int ncand;
	unsigned long must_bits;  /* exact search: candidate bits every set must hold */
};

void engine_policy_default(struct engine_policy *p)
{
	p->target_util = 85;
	p->locality_target = 90;
	p->count_inactive_file = true;
	p->exact_max_nodes = 16;
	p->w_mem = 0.1;
	p->w_cpu = 0.5;
	p->w_move = 0.3;
	p->hysteresis = 0.05;
	p->ht_percent = 20;
}

const char *engine_status_name(enum engine_status s)
{
	switch (s) {
	case ENGINE_OK: return "ok";
	case ENGINE_KEEP: return "keep";
	case ENGINE_NOFIT: return "nofit";
	default: return "error";
	}
}

bool engine_better(const struct engine_score *a, const struct engine_score *b)
{
	if (a->fits != b->fits)
		return a->fits;
	/* exact: a tolerance here would make the order intransitive (found by fuzz_engine) */
	if (a->total != b->total)
		return a->total < b->total;
	if (a->avail_mb != b->avail_mb)
		return a->avail_mb > b->avail_mb;
	for (size_t i = 0; i < sizeof(a->set.w) / sizeof(a->set.w[0]); i++)
		if (a->set.w[i] != b->set.w[i]) {
			uint64_t d = a->set.w[i] ^ b->set.w[i];
			/* the set holding the lowest differing id ranks first */
			return (a->set.w[i] & d & -d) != 0;
		}
	return false;
}

static double node_avail_kb(const struct ctx *c, int i)
{
	const struct node_info *ni = &c->t->nodes[i];
	double total = (double)ni->mem.total_kb, free;
	/* -u may oversubscribe CPUs up to 130%, but memory is capped at 100%. */
	int util = c->p->target_util > 100 ? 100 : c->p->target_util;
	double reserve = total * (100 - util) / 100.0;

	if (!ni->has_memory || !ni->mem.valid)
		return c->res[i];
	if (c->r->hugepages)
		return (double)(ni->mem.huge_free * ni->mem.huge_page_kb) + c->res[i];
	free = (double)node_free_kb(&ni->mem, c->p->count_inactive_file);
	if (c->owed)
		free -= c->owed[i];
	return (free > reserve ? free - reserve : 0) + c->res[i];
}

static int ctx_init(struct ctx *c, const struct engine_host *h, const struct engine_policy *p,
		    const struct engine_request *r)
{
	int n = h->topo->nnodes;

	memset(c, 0, sizeof(*c));
	c->t = h->topo;
	c->p = p;
	c->r = r;
	c->owed = h->owed_kb;
	c->avail = calloc((size_t)n * 4, sizeof(double));
	c->cand = calloc((size_t)n, sizeof(int));
	if (!c->avail || !c->cand)
		return -1;
	c->cpus = c->avail + n;
	c->idle = c->cpus + n;
	c->res = c->idle + n;
	c->need = (double)r->mem_mb * 1024.0;
	for (int i = 0; i < n; i++) {
		const struct node_info *ni = &c->t->nodes[i];
		double busy = h->cpu_busy ? h->cpu_busy[i] : 0;
		bool skip = r->avoid && nodeset_has(r->avoid, ni->id);
		double power = ni->ncores + (ni->ncpus - ni->ncores) * p->ht_percent / 100.0;
		double cap = power * p->target_util / 100.0;

		/* the guest's own load is not competition: it moves with the guest */
		if (r->own_busy && r->own_busy[i] > 0)
			busy = busy > r->own_busy[i] ? busy - r->own_busy[i] : 0;
		c->res[i] = r->resident_kb ? (double)r->resident_kb[i] : 0;
		c->res_total += c->res[i];
		c->avail[i] = node_avail_kb(c, i);
		c->cpus[i] = ni->ncpus;
		c->idle[i] = cap > busy ? cap - busy : 0;
		if (!skip && (c->avail[i] > 0 || (r->must && nodeset_has(r->must, ni->id))))
			c->cand[c->ncand++] = i;
	}
	return 0;
}

static void ctx_free(struct ctx *c)
{
	free(c->avail);
	free(c->cand);
}

/* Score the set of node indexes idx[0..k-1]. */
static void score(const struct ctx *c, const int *idx, int k, struct engine_score *s)
{
	double A = 0, C = 0, idle = 0, res_in = 0, D = 0;
	int n = c->t->nnodes;

	memset(s, 0, sizeof(*s));
	for (int a = 0; a < k; a++) {
		int i = idx[a];
		A += c->avail[i];
		C += c->cpus[i];
		idle += c->idle[i];
		res_in += c->res[i];
		nodeset_add(&s->set, c->t->nodes[i].id);
	}
	for (int a = 0; a < k; a++)
		for (int b = 0; b < k; b++)
			D += c->cpus[idx[a]] * c->avail[idx[b]] * c->t->dist[idx[a] * n + idx[b]];
	/* A set without CPUs cannot run vCPUs, and one without memory cannot hold any. */
	s->distance = (A > 0 && C > 0) ? D / (10.0 * A * C) : 10.0;
	s->mem = A > 0 ? c->need / A : 10.0;
	s->cpu = c->r->ncpus > 0 && idle < c->r->ncpus ? (c->r->ncpus - idle) / c->r->ncpus : 0;
	s->move = c->res_total > 0 ? (c->res_total - res_in) / c->res_total : 0;
	s->total = s->distance + c->p->w_mem * s->mem + c->p->w_cpu * s->cpu + c->p->w_move * s->move;
	s->fits = C > 0 && A >= c->need;
	s->avail_mb = (uint64_t)(A / 1024.0);
	s->idle_cpus = idle;
}

static void top_insert(struct engine_result *out, const struct engine_score *s)
{
	int pos = out->ntop;

	for (int k = 0; k < out->ntop; k++)
		if (nodeset_equal(&out->top[k].set, &s->set))
			return; /* greedy seeds can reach the same set */
	while (pos > 0 && engine_better(s, &out->top[pos - 1]))
		pos--;
	if (pos >= ENGINE_TOP)
		return;
	if (out->ntop < ENGINE_TOP)
		out->ntop++;
	memmove(&out->top[pos + 1], &out->top[pos], (size_t)(out->ntop - 1 - pos) * sizeof(out->top[0]));
	out->top[pos] = *s;
}

static void search_exact(struct ctx *c, struct engine_result *out)
{
	int idx[64];
	unsigned long limit = 1UL << c->ncand;

	c->must_bits = 0;
	for (int b = 0; b < c->ncand; b++)
		if (c->r->must && nodeset_has(c->r->must, c->t->nodes[c->cand[b]].id))
			c->must_bits |= 1UL << b;

	for (unsigned long mask = 1; mask < limit; mask++) {
		struct engine_score s;
		int k = 0;

		if ((mask & c->must_bits) != c->must_bits)
			continue;
		for (int b = 0; b < c->ncand; b++)
			if (mask & (1UL << b))
				idx[k++] = c->cand[b];
		score(c, idx, k, &s);
		out->evaluated++;
		top_insert(out, &s);
	}
	out->exhaustive = true;
}

/* Grow the set idx[0..k-1] one best node at a time until it fits and stops improving. */
static void grow(const struct ctx *c, int *idx, int k, char *in, struct engine_result *out)
{
	struct engine_score cur;

	score(c, idx, k, &cur);
	out->evaluated++;
	while (k < c->ncand) {
		struct engine_score best, s;
		int pick = -1;

		for (int a = 0; a < c->ncand; a++) {
			if (in[c->cand[a]])
				continue;
			idx[k] = c->cand[a];
			score(c, idx, k + 1, &s);
			out->evaluated++;
			if (pick < 0 || engine_better(&s, &best)) {
				best = s;
				pick = c->cand[a];
			}
		}
		if (pick < 0 || (cur.fits && !engine_better(&best, &cur)))
			break;
		idx[k++] = pick;
		in[pick] = 1;
		cur = best;
	}
	top_insert(out, &cur);
}

/*
 * Greedy search for large hosts: from each of the 16 best single nodes as a seed (or from
 * the nodes the set must hold), add the node that gives the best score until the set fits,
 * then keep adding while that still improves the score. Keeps the best set over all seeds.
 */
static void search_greedy(const struct ctx *c, struct engine_result *out)
{
	int *idx = malloc((size_t)c->ncand * sizeof(int));
	char *in = calloc((size_t)c->t->nnodes, 1);
	struct engine_score *single = malloc((size_t)c->ncand * sizeof(*single));
	int nseeds = c->ncand < 16 ? c->ncand : 16, k = 0;

	if (!idx || !in || !single)
		goto done;
	for (int a = 0; a < c->ncand; a++)
		if (c->r->must && nodeset_has(c->r->must, c->t->nodes[c->cand[a]].id)) {
			idx[k++] = c->cand[a];
			in[c->cand[a]] = 1;
		}
	if (k > 0) {
		grow(c, idx, k, in, out);
		goto done;
	}
	for (int a = 0; a < c->ncand; a++) {
		score(c, &c->cand[a], 1, &single[a]);
		out->evaluated++;
	}
	/* partial selection sort: the nseeds best single nodes first */
	for (int a = 0; a < nseeds; a++)
		for (int b = a + 1; b < c->ncand; b++)
			if (engine_better(&single[b], &single[a])) {
				struct engine_score t = single[a];
				single[a] = single[b];
				single[b] = t;
			}
	for (int sd = 0; sd < nseeds; sd++) {
		memset(in, 0, (size_t)c->t->nnodes);
		idx[0] = c->t->idx_of[nodeset_next(&single[sd].set, 0)];
		in[idx[0]] = 1;
		grow(c, idx, 1, in, out);
	}
done:
	free(idx);
	free(in);
	free(single);
}

static bool avoided(const struct ctx *c, int i)
{
	return c->r->avoid && nodeset_has(c->r->avoid, c->t->nodes[i].id);
}

static void nofit(const struct ctx *c, struct engine_result *out)
{
	struct engine_score s;
	int idx[NUMAD_MAX_NODES], k = 0, cpus = 0;

	for (int i = 0; i < c->t->nnodes; i++)
		if ((c->t->nodes[i].has_memory || c->avail[i] > 0) && !avoided(c, i))
			idx[k++] = i;
	for (int a = 0; a < k; a++)
		cpus += c->t->nodes[idx[a]].ncpus;
	if (k == 0 || cpus == 0) /* vCPUs need somewhere to run */
		for (int i = k = 0; i < c->t->nnodes; i++)
			if (!avoided(c, i))
				idx[k++] = i;
	if (k == 0) { /* every node avoided: nothing to advise but where the guest is */
		out->ntop = 0;
		out->status = ENGINE_NOFIT;
		nodeset_clear(&out->best);
		if (c->r->current)
			out->best = *c->r->current;
		out->why = "every node is to be avoided; advising no change";
		return;
	}
	score(c, idx, k, &s);
	out->top[0] = s;
	out->ntop = 1;
	out->evaluated++;
	out->status = ENGINE_NOFIT;
	out->best = s.set;
	out->best_score = s;
	out->why = "no node set has enough free memory; advising every node with memory";
}

int engine_score_set(const struct engine_host *h, const struct engine_policy *p, const struct engine_request *r,
		     const struct nodeset *set, struct engine_score *out)
{
	struct ctx c;
	int idx[NUMAD_MAX_NODES], k = 0;

	for (int n = nodeset_next(set, 0); n >= 0; n = nodeset_next(set, n + 1))
		if (h->topo->idx_of[n] >= 0)
			idx[k++] = h->topo->idx_of[n];
	if (k == 0 || ctx_init(&c, h, p, r) < 0)
		return -1;
	score(&c, idx, k, out);
	ctx_free(&c);
	return 0;
}

/* Keep the current set when it fits, is local enough, and the best is not clearly better. */
static bool keep_current(const struct ctx *c, const struct engine_result *out, struct engine_score *cur)
{
	int idx[NUMAD_MAX_NODES], k = 0;
	double local = 0;

	for (int n = nodeset_next(c->r->current, 0); n >= 0; n = nodeset_next(c->r->current, n + 1))
		if (c->r->avoid && nodeset_has(c->r->avoid, n))
			return false; /* it holds a node to avoid */
		else if (c->t->idx_of[n] >= 0) {
			idx[k++] = c->t->idx_of[n];
			local += c->res[c->t->idx_of[n]];
		}
	if (k == 0)
		return false;
	score(c, idx, k, cur);
	if (!cur->fits)
		return false;
	if (c->res_total > 0 && local * 100.0 < c->res_total * c->p->locality_target)
		return false;
	return !(out->best_score.total < cur->total * (1.0 - c->p->hysteresis));
}

int engine_place(const struct engine_host *h, const struct engine_policy *p, const struct engine_request *r,
		 struct engine_result *out)
{
	struct engine_score cur;
	double all = 0;
	struct ctx c;

	memset(out, 0, sizeof(*out));
	out->status = ENGINE_ERROR;
	if (!h || !h->topo || h->topo->nnodes <= 0 || !(r->ncpus >= 0) || r->ncpus > 1e6) {
		out->why = "bad request or empty host";
		return -1;
	}
	if (ctx_init(&c, h, p, r) < 0) {
		out->why = "out of memory";
		ctx_free(&c);
		return -1;
	}
	out->ncandidates = c.ncand;
	for (int a = 0; a < c.ncand; a++)
		all += c.avail[c.cand[a]];
	if (c.ncand == 0 || all < c.need) {
		nofit(&c, out);
		ctx_free(&c);
		return 0;
	}
	if (c.ncand <= p->exact_max_nodes && c.ncand < 63)
		search_exact(&c, out);
	else
		search_greedy(&c, out);
	if (!out->top[0].fits) {
		/* the memory is there, but only on nodes without CPUs: advise every node with memory */
		int cpus = 0;
		for (int i = 0; i < c.t->nnodes; i++)
			cpus += c.t->nodes[i].ncpus;
		nofit(&c, out);
		out->why = cpus == 0 ? "no node has a CPU left to run vCPUs on (every CPU is reserved or offline); "
				       "advising every node with memory"
				     : "no node set with CPUs has enough memory; advising every node with memory";
		ctx_free(&c);
		return 0;
	}
	out->best = out->top[0].set;
	out->best_score = out->top[0];
	out->status = ENGINE_OK;
	out->why = "best scoring node set that fits";
	if (r->current && !nodeset_empty(r->current) && keep_current(&c, out, &cur)) {
		out->status = ENGINE_KEEP;
		out->best = cur.set;
		out->best_score = cur;
		out->why = "current nodes fit, meet the locality target, and nothing is clearly better";
	}
	ctx_free(&c);
	return 0;
}
