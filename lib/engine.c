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
};

void engine_policy_default(struct engine_policy *p)
{
	p->target_util = 85;
	p->locality_target = 90;
	p->count_inactive_file = true;
	p->exact_max_nodes = 64;
	p->exact_budget = 5000;
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

/*
 * The exact search: depth first over the candidates, each one in or out, with every set
 * that a branch can still reach bounded from below. A branch is cut when its bound is
 * worse than the last of the ENGINE_TOP sets kept so far, so the top list (and the best)
 * is the one every subset would give. Sets are first priced from running sums; those that
 * may enter the list are scored by score() with their nodes in candidate order, as
 * engine_score_set() scores a set, so that ties break as scoring every subset would, to the last bit.
 *
 * The bound, for sets S = I + T, T a subset of the nodes not yet decided (U), that fit:
 *  - memory, cpu and move: their values for I + U (each falls as the set grows);
 *  - distance = sum_i p_i sum_j q_j SLIT(i,j)/10 with p_i = cpus_i/C and q_j = avail_j/A.
 *    A set that fits has A >= max(need, avail(I)), so q_j <= avail_j/max(need, avail(I)):
 *    for each CPU node i the cheapest such spread of the memory over I + U (nearest nodes
 *    first, each up to its cap) bounds sum_j q_j SLIT(i,j) from below, g_i. Then the CPUs
 *    of I weigh their g_i and any further CPUs cost at least the smallest g_i in U.
 * It is what makes a set that must reach a far node to fit cost that far node's distance.
 */
#define BNB_MAX 64

struct bnb {
	const struct ctx *c;
	struct engine_result *out;
	int n;
	int cpos[BNB_MAX];             /* search position -> position in c->cand */
	double a[BNB_MAX], cpu[BNB_MAX], idle[BNB_MAX], res[BNB_MAX];
	double sa[BNB_MAX + 1], sc[BNB_MAX + 1], si[BNB_MAX + 1], sr[BNB_MAX + 1];  /* sums over u.. */
	double dpair[BNB_MAX + 1];     /* smallest SLIT between two positions from u on */
	double cpos_min[BNB_MAX + 1];  /* fewest CPUs of a position from u on that has some */
	double *d;                     /* n*n SLIT between search positions */
	/* (n+1)*(n+1): row u, column m: sum of the m largest (smallest) values from position u on */
	double *amax, *amin, *cmax, *cmin, *imax, *rmax;
	double *x;                     /* (n+1)*n: row k (set size), column t: see bnb_add */
	double dmin;                   /* smallest SLIT between candidates */
	bool prune;                    /* the bound holds (weights >= 0); else every set is scored */
	bool stop;                     /* the budget is spent */
	int mem[BNB_MAX], k;           /* the set being built: search positions */
};

struct agg {
	double A, C, idle, res, N;  /* N: sum over i,j in the set of cpus_i * avail_j * SLIT(i,j) */
};

static double slack(double x)
{
	return fabs(x) * 1e-9 + 1e-12;
}

/* The terms other than distance, as score() computes them. */
static double agg_rest(const struct bnb *b, double A, double idle, double res)
{
	const struct ctx *c = b->c;
	double mem = A > 0 ? c->need / A : 10.0;
	double cpu = c->r->ncpus > 0 && idle < c->r->ncpus ? (c->r->ncpus - idle) / c->r->ncpus : 0;
	double move = c->res_total > 0 ? (c->res_total - res) / c->res_total : 0;

	return c->p->w_mem * mem + c->p->w_cpu * cpu + c->p->w_move * move;
}

/* (alpha + dm*At*Ct) / (10*(A+At)*(C+Ct)): the distance bound at one corner */
static double corner(double alpha, double dm, double A, double C, double At, double Ct)
{
	return (alpha + dm * At * Ct) / (10.0 * (A + At) * (C + Ct));
}

/*
 * A lower bound on the total of the sets s + T that fit, T a non-empty subset of the
 * positions from u on. For |T| = m:
 *   N(s + T) = N(s) + sum_t L_t + sum_{t != t' in T} cpus_t avail_t' SLIT(t,t')
 *            >= N(s) + (sum of the m smallest L_t) + dm * A_T * C_T,
 * L_t = cpus_t avail_t (SLIT(t,t) - dm) + x_t, x_t what t adds with s (exact), dm the
 * smallest SLIT within U. The distance N/(10 A C) is then a ratio monotone in A_T and in
 * C_T, so its least value over their ranges for m nodes lies at a corner; the other terms
 * take their values for s plus the m nodes that favour each most.
 */
static double bnb_bound(const struct bnb *b, const struct agg *s, int u, double limit)
{
	const struct ctx *c = b->c;
	int n = b->n, len = n - u, w = n + 1;
	const double *x = &b->x[b->k * n];
	double L[BNB_MAX], dm = b->dpair[u], lb = INFINITY, sum = 0, need_t = c->need - s->A;

	for (int t = u; t < n; t++) {
		double v = b->cpu[t] * b->a[t] * (b->d[t * n + t] - dm) + x[t];
		int z = t - u;

		while (z > 0 && L[z - 1] > v) {
			L[z] = L[z - 1];
			z--;
		}
		L[z] = v;
	}
	for (int m = 1; m <= len; m++) {
		double Ahi = b->amax[u * w + m], Alo = fmax(b->amin[u * w + m], need_t);
		double Chi = b->cmax[u * w + m], Clo = b->cmin[u * w + m], alpha, dist, v;

		sum += L[m - 1];
		if (s->A + Ahi < c->need * (1 - 1e-12) || s->C + Chi <= 0)
			continue;
		if (Alo > Ahi)
			Alo = Ahi;
		if (s->C <= 0 && Clo < b->cpos_min[u])
			Clo = b->cpos_min[u];
		alpha = s->N + sum;
		dist = fmin(fmin(corner(alpha, dm, s->A, s->C, Alo, Clo), corner(alpha, dm, s->A, s->C, Alo, Chi)),
			    fmin(corner(alpha, dm, s->A, s->C, Ahi, Clo), corner(alpha, dm, s->A, s->C, Ahi, Chi)));
		v = dist + agg_rest(b, s->A + Ahi, s->idle + b->imax[u * w + m], s->res + b->rmax[u * w + m]);
		if (v < lb)
			lb = v;
		if (lb <= limit)
			break;
	}
	return lb;
}

/* True when no set s + T, T a non-empty subset of the positions from u on, can enter the top list. */
static bool bnb_cut(const struct bnb *b, const struct agg *s, int u)
{
	const struct engine_score *thr = &b->out->top[ENGINE_TOP - 1];
	const struct ctx *c = b->c;
	double A_hi = s->A + b->sa[u], C_hi = s->C + b->sc[u], limit, lb;
	bool can_fit = C_hi > 0 && A_hi >= c->need * (1 - 1e-12);

	if (!b->prune || b->out->ntop < ENGINE_TOP)
		return false;
	limit = thr->total + slack(thr->total);
	if (thr->fits) {
		if (!can_fit)
			return true;
		if (!(c->need > 0))
			lb = fmin(b->dmin / 10.0, 10.0) + agg_rest(b, A_hi, s->idle + b->si[u], s->res + b->sr[u]);
		else
			lb = bnb_bound(b, s, u, limit);
	} else {
		/* only sets that cannot fit may be cut, and only by their total */
		if (can_fit)
			return false;
		lb = fmin(b->dmin / 10.0, 10.0) + agg_rest(b, A_hi, s->idle + b->si[u], s->res + b->sr[u]) -
		     c->p->w_mem * (A_hi > 0 ? fmax(c->need / A_hi - 10.0, 0) : 0);
	}
	return lb > limit;
}

/* Score the set of candidate positions in bits (in candidate order, as engine_score_set() does) and keep it. */
static void insert_bits(const struct ctx *c, struct engine_result *out, uint64_t bits)
{
	struct engine_score sc;
	int idx[BNB_MAX], k = 0;

	for (int y = 0; y < c->ncand; y++)
		if (bits >> y & 1)
			idx[k++] = c->cand[y];
	score(c, idx, k, &sc);
	top_insert(out, &sc);
}

/* The set being built is s: price it, and score it when it may enter the top list. */
static void bnb_visit(struct bnb *b, const struct agg *s)
{
	const struct ctx *c = b->c;
	struct engine_result *out = b->out;
	uint64_t bits = 0;

	out->evaluated++;
	if (b->prune && out->ntop == ENGINE_TOP) {
		const struct engine_score *thr = &out->top[ENGINE_TOP - 1];
		double total = (s->A > 0 && s->C > 0 ? s->N / (10.0 * s->A * s->C) : 10.0) +
			       agg_rest(b, s->A, s->idle, s->res);
		bool nofit = s->C <= 0 || s->A < c->need * (1 - 1e-12);
		bool close = total <= thr->total + slack(thr->total);

		if (thr->fits ? nofit || !close : nofit && !close)
			return;
	}
	for (int m = 0; m < b->k; m++)
		bits |= UINT64_C(1) << b->cpos[b->mem[m]];
	insert_bits(c, out, bits);
}

/* t = s + position v; x_t (what t would add to N with the set) follows for the positions after v. */
static void bnb_add(struct bnb *b, const struct agg *s, int v, struct agg *t)
{
	int n = b->n;
	const double *x = &b->x[b->k * n];
	double *nx = &b->x[(b->k + 1) * n];

	*t = *s;
	t->A += b->a[v];
	t->C += b->cpu[v];
	t->idle += b->idle[v];
	t->res += b->res[v];
	t->N += b->cpu[v] * b->a[v] * b->d[v * n + v] + x[v];
	for (int y = v + 1; y < n; y++)
		nx[y] = x[y] + b->cpu[v] * b->a[y] * b->d[v * n + y] + b->cpu[y] * b->a[v] * b->d[y * n + v];
	b->mem[b->k++] = v;
}

/* Every set s + T, T a non-empty subset of the positions from u on. */
static void bnb_explore(struct bnb *b, const struct agg *s, int u, unsigned long budget)
{
	for (; u < b->n; u++) {
		struct agg t;

		if (b->stop || bnb_cut(b, s, u))
			return;
		bnb_add(b, s, u, &t);
		bnb_visit(b, &t);
		if (b->out->evaluated >= budget)
			b->stop = true;
		bnb_explore(b, &t, u + 1, budget);
		b->k--;
	}
}

/* Sums of the m largest of v[u..n-1], for every u and m, into out[u*(n+1)+m]; and of the m smallest into low. */
static void suffix_sums(const double *v, int n, double *out, double *low)
{
	double sorted[BNB_MAX];
	int w = n + 1;

	for (int u = n - 1; u >= 0; u--) {
		int len = n - u, z = len - 1;

		while (z > 0 && sorted[z - 1] < v[u]) {
			sorted[z] = sorted[z - 1];
			z--;
		}
		sorted[z] = v[u];
		out[u * w] = 0;
		for (int m = 1; m <= len; m++)
			out[u * w + m] = out[u * w + m - 1] + sorted[m - 1];
		if (low) {
			low[u * w] = 0;
			for (int m = 1; m <= len; m++)
				low[u * w + m] = low[u * w + m - 1] + sorted[len - m];
		}
	}
}

/* Price of set s + candidate position z, from the running sums (x: what z adds to N with s). */
static double quick_total(const struct ctx *c, const struct agg *s, int z, double x, bool *fits)
{
	int i = c->cand[z];
	double A = s->A + c->avail[i], C = s->C + c->cpus[i], idle = s->idle + c->idle[i];
	double N = s->N + c->cpus[i] * c->avail[i] * c->t->dist[i * c->t->nnodes + i] + x;
	double res = s->res + c->res[i];
	double mem = A > 0 ? c->need / A : 10.0;
	double cpu = c->r->ncpus > 0 && idle < c->r->ncpus ? (c->r->ncpus - idle) / c->r->ncpus : 0;
	double move = c->res_total > 0 ? (c->res_total - res) / c->res_total : 0;

	*fits = C > 0 && A >= c->need;
	return (A > 0 && C > 0 ? N / (10.0 * A * C) : 10.0) + c->p->w_mem * mem + c->p->w_cpu * cpu +
	       c->p->w_move * move;
}

/* s += candidate position z; x[y] follows: what y would add to N with s. */
static void order_add(const struct ctx *c, struct agg *s, double *x, int z)
{
	int i = c->cand[z], nn = c->t->nnodes;

	s->N += c->cpus[i] * c->avail[i] * c->t->dist[i * nn + i] + x[z];
	s->A += c->avail[i];
	s->C += c->cpus[i];
	s->idle += c->idle[i];
	s->res += c->res[i];
	for (int y = 0; y < c->ncand; y++) {
		int j = c->cand[y];

		x[y] += c->cpus[i] * c->avail[j] * c->t->dist[i * nn + j] + c->cpus[j] * c->avail[i] * c->t->dist[j * nn + i];
	}
}

struct grown {
	int pos[BNB_MAX], k;     /* candidate positions in the order they were added */
	double cost[BNB_MAX];    /* what each other position would cost added to the final set */
	double total;
	bool fits;
	uint64_t bits;
};

static bool must_hold(const struct ctx *c, int z)
{
	return c->r->must && nodeset_has(c->r->must, c->t->nodes[c->cand[z]].id);
}

/*
 * Grow a set from the must nodes plus candidate position seed (none when < 0), adding the
 * node that gives the best price (a set that fits first) until it fits and stops improving.
 * Prices come from running sums: this only orders and seeds the exact search.
 */
static void grow_quick(const struct ctx *c, int seed, struct grown *g)
{
	int n = c->ncand;
	double x[BNB_MAX] = { 0 };
	struct agg s = { 0 };

	g->k = 0;
	g->bits = 0;
	g->total = INFINITY;
	g->fits = false;
	for (int z = 0; z < n; z++)
		if (must_hold(c, z) || z == seed) {
			g->total = quick_total(c, &s, z, x[z], &g->fits);
			order_add(c, &s, x, z);
			g->bits |= UINT64_C(1) << z;
			g->pos[g->k++] = z;
		}
	for (;;) {
		int pick = -1;
		bool pick_fits = false;
		double best = INFINITY;

		for (int z = 0; z < n; z++) {
			bool f;

			if (g->bits >> z & 1)
				continue;
			g->cost[z] = quick_total(c, &s, z, x[z], &f);
			if (pick < 0 || (f && !pick_fits) || (f == pick_fits && g->cost[z] < best)) {
				pick = z;
				pick_fits = f;
				best = g->cost[z];
			}
		}
		if (pick < 0 || (g->fits && !(pick_fits && best < g->total)))
			break;
		order_add(c, &s, x, pick);
		g->bits |= UINT64_C(1) << pick;
		g->pos[g->k++] = pick;
		g->total = best;
		g->fits = pick_fits;
	}
}

#define BNB_SEEDS 4

/*
 * The sets one swap away from g (a node out, another in), priced from running sums: the
 * ENGINE_TOP best of them are scored and kept. They are the set's closest rivals, so the
 * search starts cutting against a list that is nearly the final one.
 */
static void swap_neighbours(const struct ctx *c, const struct grown *g, struct engine_result *out)
{
	int n = c->ncand, nn = c->t->nnodes, nb = 0;
	double x[BNB_MAX] = { 0 }, tot[ENGINE_TOP];
	uint64_t bits[ENGINE_TOP];
	struct agg s = { 0 };

	for (int m = 0; m < g->k; m++)
		order_add(c, &s, x, g->pos[m]);
	for (int o = 0; o < n; o++) {
		int io = c->cand[o];
		struct agg r = s;

		if (!(g->bits >> o & 1) || must_hold(c, o))
			continue;
		/* s less o: x[o] counts o's pair with itself twice */
		r.N -= x[o] - c->cpus[io] * c->avail[io] * c->t->dist[io * nn + io];
		r.A -= c->avail[io];
		r.C -= c->cpus[io];
		r.idle -= c->idle[io];
		r.res -= c->res[io];
		for (int z = 0; z < n; z++) {
			int iz = c->cand[z], y;
			double xz, v;
			bool f;

			if (g->bits >> z & 1)
				continue;
			xz = x[z] - c->cpus[io] * c->avail[iz] * c->t->dist[io * nn + iz] -
			     c->cpus[iz] * c->avail[io] * c->t->dist[iz * nn + io];
			v = quick_total(c, &r, z, xz, &f);
			if (!f)
				continue;
			if (nb == ENGINE_TOP && v >= tot[nb - 1])
				continue;
			y = nb < ENGINE_TOP ? nb++ : nb - 1;
			while (y > 0 && tot[y - 1] > v) {
				tot[y] = tot[y - 1];
				bits[y] = bits[y - 1];
				y--;
			}
			tot[y] = v;
			bits[y] = (g->bits & ~(UINT64_C(1) << o)) | UINT64_C(1) << z;
		}
	}
	for (int y = 0; y < nb; y++) {
		insert_bits(c, out, bits[y]);
		out->evaluated++;
	}
}

/*
 * The search order (candidate positions into cpos): the nodes every set must hold, then
 * the nodes of the best of a few greedy growths, in the order it added them, then the
 * others by what each would cost added to that set. The growths start from the must nodes
 * or, without those, from the best single node outside the sets grown so far, so they
 * look at different parts of the host. Each grown set, with its neighbours (one node more
 * or less), goes to the top list first: the search then cuts against good sets from its
 * first step. Returns the number of nodes that must be held.
 */
static int bnb_order(const struct ctx *c, int *cpos, struct engine_result *out)
{
	struct grown g[2], *best = &g[0], *cur = &g[1];
	int n = c->ncand, nmust = 0, k;
	uint64_t seen = 0;

	for (int z = 0; z < n; z++)
		nmust += must_hold(c, z);
	best->k = 0;
	for (int run = 0; run < (nmust ? 1 : BNB_SEEDS); run++) {
		int seed = -1;

		if (!nmust) {
			struct agg zero = { 0 };
			double x0 = 0, v, sv = INFINITY;
			bool f, sf = false;

			for (int z = 0; z < n; z++) {
				if (seen >> z & 1)
					continue;
				v = quick_total(c, &zero, z, x0, &f);
				if (seed < 0 || (f && !sf) || (f == sf && v < sv)) {
					seed = z;
					sv = v;
					sf = f;
				}
			}
			if (seed < 0)
				break;
		}
		grow_quick(c, seed, cur);
		seen |= cur->bits;
		for (int z = 0; z < n; z++) {
			uint64_t v = cur->bits ^ (UINT64_C(1) << z);

			if (v && !((cur->bits >> z & 1) && must_hold(c, z))) {
				insert_bits(c, out, v);
				out->evaluated++;
			}
		}
		insert_bits(c, out, cur->bits);
		out->evaluated++;
		swap_neighbours(c, cur, out);
		if (best->k == 0 || (cur->fits && !best->fits) || (cur->fits == best->fits && cur->total < best->total)) {
			struct grown *t = best;

			best = cur;
			cur = t;
		}
	}
	k = best->k;
	memcpy(cpos, best->pos, (size_t)k * sizeof(*cpos));
	/* the rest by what each adds to the best grown set */
	for (int z = 0, at = k; z < n; z++) {
		int y = at;

		if (best->bits >> z & 1)
			continue;
		while (y > k && best->cost[cpos[y - 1]] > best->cost[z]) {
			cpos[y] = cpos[y - 1];
			y--;
		}
		cpos[y] = z;
		at++;
	}
	return nmust;
}

/* Returns false when it ran out of memory or budget: out then holds what it found. */
static bool search_exact(const struct ctx *c, struct engine_result *out, unsigned long budget)
{
	struct bnb *b = calloc(1, sizeof(*b));
	const struct engine_policy *p = c->p;
	struct agg s = { 0 };
	int n = c->ncand, nmust = 0;
	size_t sq = (size_t)(n + 1) * (size_t)(n + 1);
	bool done = false;

	if (!b || n > BNB_MAX)
		goto out;
	b->c = c;
	b->out = out;
	b->n = n;
	b->d = malloc(((size_t)n * (size_t)n + 6 * sq + (size_t)(n + 1) * (size_t)n) * sizeof(double));
	if (!b->d)
		goto out;
	b->amax = b->d + (size_t)n * (size_t)n;
	b->amin = b->amax + sq;
	b->cmax = b->amin + sq;
	b->cmin = b->cmax + sq;
	b->imax = b->cmin + sq;
	b->rmax = b->imax + sq;
	b->x = b->rmax + sq;
	b->prune = p->w_mem >= 0 && p->w_cpu >= 0 && p->w_move >= 0 && isfinite(p->w_mem) && isfinite(p->w_cpu) &&
		   isfinite(p->w_move) && isfinite(c->need);
	nmust = bnb_order(c, b->cpos, out);
	b->dmin = INFINITY;
	for (int y = 0; y < n; y++) {
		int i = c->cand[b->cpos[y]];

		b->a[y] = c->avail[i];
		b->cpu[y] = c->cpus[i];
		b->idle[y] = c->idle[i];
		b->res[y] = c->res[i];
		for (int z = 0; z < n; z++) {
			double dv = c->t->dist[i * c->t->nnodes + c->cand[b->cpos[z]]];

			b->d[y * n + z] = dv;
			b->dmin = fmin(b->dmin, dv);
		}
	}
	b->dpair[n] = 0;
	b->cpos_min[n] = INFINITY;
	for (int y = n - 1; y >= 0; y--) {
		b->sa[y] = b->sa[y + 1] + b->a[y];
		b->sc[y] = b->sc[y + 1] + b->cpu[y];
		b->si[y] = b->si[y + 1] + b->idle[y];
		b->sr[y] = b->sr[y + 1] + b->res[y];
		b->dpair[y] = y == n - 1 ? 0 : y == n - 2 ? INFINITY : b->dpair[y + 1];
		for (int z = y + 1; z < n; z++)
			b->dpair[y] = fmin(b->dpair[y], fmin(b->d[y * n + z], b->d[z * n + y]));
		b->cpos_min[y] = b->cpu[y] > 0 ? fmin(b->cpos_min[y + 1], b->cpu[y]) : b->cpos_min[y + 1];
	}
	suffix_sums(b->a, n, b->amax, b->amin);
	suffix_sums(b->cpu, n, b->cmax, b->cmin);
	suffix_sums(b->idle, n, b->imax, NULL);
	suffix_sums(b->res, n, b->rmax, NULL);
	memset(b->x, 0, (size_t)n * sizeof(double));
	for (int y = 0; y < nmust; y++) {
		struct agg t;

		bnb_add(b, &s, y, &t);
		s = t;
	}
	if (nmust > 0)
		bnb_visit(b, &s);
	bnb_explore(b, &s, nmust, budget);
	done = !b->stop;
out:
	if (b)
		free(b->d);
	free(b);
	return done;
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
	if (c.ncand <= p->exact_max_nodes && c.ncand <= BNB_MAX &&
	    search_exact(&c, out, p->exact_budget > 0 ? p->exact_budget : 1))
		out->exhaustive = true;
	else if (c.ncand <= p->exact_max_nodes && c.ncand <= BNB_MAX)
		/* the budget is spent: the list holds the greedy growths the search started from */
		out->budget_spent = true;
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
