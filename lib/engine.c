/* engine.c: score node sets and choose one. Pure: no I/O, no globals, no clock. */
#include "engine.h"

#include <limits.h>
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
	int want;        /* the sets of the top list the caller needs: ENGINE_TOP, or 1 (advice_only) */
	bool capped;     /* advice_only with a current set that would be kept unless a set scores below cap */
	double cap;
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
	c->want = r->advice_only ? 1 : ENGINE_TOP;
	c->cap = INFINITY;
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
	double A = 0, C = 0, idle = 0, res_in = 0, D = 0, av[NUMAD_MAX_NODES];
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
	/*
	 * Row by row: each row's memory-weighted SLITs summed in four independent sums (the
	 * adds of one chain wait on each other), then weighted by the row's CPUs. Every set is
	 * scored here, by the search and by engine_score_set() alike, so the same set gets the
	 * same score to the last bit whichever asks.
	 */
	for (int b = 0; b < k; b++)
		av[b] = c->avail[idx[b]];
	for (int a = 0; a < k; a++) {
		const int *row = &c->t->dist[idx[a] * n];
		double r0 = 0, r1 = 0, r2 = 0, r3 = 0;
		int b = 0;

		for (; b + 3 < k; b += 4) {
			r0 += av[b] * row[idx[b]];
			r1 += av[b + 1] * row[idx[b + 1]];
			r2 += av[b + 2] * row[idx[b + 2]];
			r3 += av[b + 3] * row[idx[b + 3]];
		}
		for (; b < k; b++)
			r0 += av[b] * row[idx[b]];
		D += c->cpus[idx[a]] * ((r0 + r1) + (r2 + r3));
	}
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
 * A branch is the set I built so far and the positions U not yet decided; it holds the
 * sets I + T, T a subset of U. The sets with one node of U are priced exactly first
 * (bnb_single): when one of them can enter the list nothing can be cut, and otherwise the
 * bounds need only cover two nodes or more, where they are tighter. Two lower bounds on the
 * totals of those that fit, each proved where it is computed, then cut it; both are true
 * bounds, so the cut is exact:
 *  - bnb_bound: for each size of T, the distance at the corners of the ranges of T's
 *    memory and CPUs, with the pairs within T at the smallest SLIT of U, and the other
 *    terms at their best; cheap, and weak where memory and distance pull apart;
 *  - bnb_ratio_cut: the total against the limit as one sum over T (the distance ratio and
 *    the memory term multiplied out), the pairs within T priced by groups of near nodes
 *    (sockets), and the memory T must add to fit enforced by a Lagrange multiplier. It
 *    makes a set that must reach a far socket to fit pay for it. Where that is not enough
 *    it counts the nodes T takes in each group (struct counts): a set with a few nodes of
 *    a socket is charged for the pairs those few make, not for the whole socket's. It
 *    costs a few selections a call, so its work is capped by the budget (BNB_PICKS).
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
	int arank[BNB_MAX];            /* positions, most memory first */
	int cls[BNB_MAX], ncls;        /* each position's group of near nodes (bnb_classes) */
	double dout[BNB_MAX + 1];      /* smallest SLIT between positions of two groups from u on */
	double *din, *cu;              /* (n+1)*ncls: row u: smallest SLIT within, and CPUs of, each group from u on */
	double *d;                     /* n*n SLIT between search positions */
	/* (n+1)*(n+1): row u, column m: sum of the m largest (smallest) values from position u on */
	double *amax, *amin, *cmax, *cmin, *imax, *rmax;
	double *x;                     /* (n+1)*n: row k (set size), column t: see bnb_add */
	double dmin;                   /* smallest SLIT between candidates */
	bool prune;                    /* the bound holds (weights >= 0); else every set is scored */
	bool stop;                     /* the budget is spent */
	unsigned long picks, max_picks; /* fit_pick calls of bnb_ratio_cut, and their budget */
	int mem[BNB_MAX], k;           /* the set being built: search positions */
};

struct agg {
	double A, C, idle, res, N;  /* N: sum over i,j in the set of cpus_i * avail_j * SLIT(i,j) */
};

/* A binary min-heap of h[0..n-1]: make one, and take its least element out. */
static void heap_down(double *h, int n, int z)
{
	double v = h[z];

	for (;;) {
		int y = 2 * z + 1;

		if (y >= n)
			break;
		if (y + 1 < n && h[y + 1] < h[y])
			y++;
		if (!(h[y] < v))
			break;
		h[z] = h[y];
		z = y;
	}
	h[z] = v;
}

static void heap_make(double *h, int n)
{
	for (int z = n / 2 - 1; z >= 0; z--)
		heap_down(h, n, z);
}

static double heap_pop(double *h, int *n)
{
	double v = h[0];

	h[0] = h[--*n];
	heap_down(h, *n, 0);
	return v;
}

/* The smaller of two numbers that are not NaN (fmin is a call on most targets). */
static inline double lesser(double a, double b)
{
	return a < b ? a : b;
}

/* The larger of two numbers that are not NaN. */
static inline double greater(double a, double b)
{
	return a > b ? a : b;
}

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
static double bnb_bound(const struct bnb *b, const struct agg *s, int u, double limit, int m0)
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
		double Ahi = b->amax[u * w + m], Alo = b->amin[u * w + m] > need_t ? b->amin[u * w + m] : need_t;
		double Chi = b->cmax[u * w + m], Clo = b->cmin[u * w + m], alpha, dist, v;

		sum += L[m - 1];
		if (m < m0 || s->A + Ahi < c->need * (1 - 1e-12) || s->C + Chi <= 0)
			continue;
		if (Alo > Ahi)
			Alo = Ahi;
		if (s->C <= 0 && Clo < b->cpos_min[u])
			Clo = b->cpos_min[u];
		alpha = s->N + sum;
		/* finite: A + Alo >= need > 0, and C + Clo > 0 wherever a set can fit */
		dist = lesser(lesser(corner(alpha, dm, s->A, s->C, Alo, Clo), corner(alpha, dm, s->A, s->C, Alo, Chi)),
			      lesser(corner(alpha, dm, s->A, s->C, Ahi, Clo), corner(alpha, dm, s->A, s->C, Ahi, Chi)));
		v = dist + agg_rest(b, s->A + Ahi, s->idle + b->imax[u * w + m], s->res + b->rmax[u * w + m]);
		if (v < lb)
			lb = v;
		if (lb <= limit)
			break;
	}
	return lb;
}

/* The cpu and move terms, as score() computes them. */
static double agg_cpu_move(const struct bnb *b, double idle, double res)
{
	const struct ctx *c = b->c;
	double cpu = c->r->ncpus > 0 && idle < c->r->ncpus ? (c->r->ncpus - idle) / c->r->ncpus : 0;
	double move = c->res_total > 0 ? (c->res_total - res) / c->res_total : 0;

	return c->p->w_cpu * cpu + c->p->w_move * move;
}

/* The m smallest v_t - mu*a_t: their sum of v (*sv) and of a (*sa). */
static void fit_pick(const double *v, const double *a, int len, int m, double mu, double *sv, double *sa)
{
	double w[BNB_MAX];
	int idx[BNB_MAX], lo = 0, hi = len - 1, k = m - 1;

	for (int t = 0; t < len; t++) {
		w[t] = v[t] - mu * a[t];
		idx[t] = t;
	}
	/* quickselect: idx[0..m-1] end up the m smallest */
	while (lo < hi) {
		double pivot = w[idx[lo + (hi - lo) / 2]];
		int i = lo, j = hi;

		while (i <= j) {
			while (w[idx[i]] < pivot)
				i++;
			while (w[idx[j]] > pivot)
				j--;
			if (i <= j) {
				int t = idx[i];

				idx[i++] = idx[j];
				idx[j--] = t;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			break;
	}
	*sv = *sa = 0;
	for (int z = 0; z < m; z++) {
		*sv += v[idx[z]];
		*sa += a[idx[z]];
	}
}

/*
 * Whether every m-subset T with sum_T a_t >= need has sum_T v_t > floor, shown through the
 * Lagrangian dual of the memory constraint. For mu >= 0 that minimum is at least
 *   h(mu) = min over every m-subset T of (sum_T v_t + mu*(need - A_T)),
 * since mu*(need - A_T) <= 0 for a T that fits. Each m-subset's line lies above h, which is
 * concave: two lines of opposite slope meet above the top of h (an upper bound), and the
 * subset that h picks where they meet gives a new line (Kelley's cutting planes; a few
 * steps). lo_v, lo_a: h's pick at mu = 0, which does not fit; hi_v, hi_a: the m positions
 * with the most memory (h's pick for a large mu).
 */
/* h's minimiser at mu for the m-subsets: its sum of v (*sv) and of a (*sa) */
typedef void (*dual_pick)(const void *arg, double mu, double *sv, double *sa);

struct plain_pick {
	const double *v, *a;
	int len, m;
};

static void plain_pick(const void *arg, double mu, double *sv, double *sa)
{
	const struct plain_pick *q = arg;

	fit_pick(q->v, q->a, q->len, q->m, mu, sv, sa);
}

static bool fit_dual_above(dual_pick pick, const void *arg, double need, double floor, double lo_v, double lo_a,
			   double hi_v, double hi_a, unsigned long *picks, double *mu_out)
{
	double hbest = -INFINITY;

	if (!(hi_a >= need))
		return false;
	for (int it = 0; it < 32; it++) {
		double mu = (hi_v - lo_v) / (hi_a - lo_a), top = lo_v + mu * (need - lo_a), pv, pa, h;

		if (!(top > floor) || !(mu >= 0))
			return false;
		pick(arg, mu, &pv, &pa);
		(*picks)++;
		h = pv + mu * (need - pa);
		if (mu_out && h > hbest) {
			hbest = h;
			*mu_out = mu;
		}
		if (h > floor)
			return true;
		if (!(h < top - slack(top)))
			return false;  /* the top of h, and it is not above floor */
		if (pa < need) {
			lo_v = pv;
			lo_a = pa;
		} else {
			hi_v = pv;
			hi_a = pa;
		}
	}
	return false;
}

/*
 * The per-group count step of bnb_ratio_cut (see its proof for g0, v_t, e_g, D, Cmax_m).
 * There every node t' of T in group g is charged e_g*avail_t'*(C_Tg - cpus_t') for its
 * pairs within the group, with C_Tg at most cu_g, the CPUs of the whole group in U. A set
 * T with exactly n_g nodes in group g has C_Tg <= Cg(n_g), the sum of the n_g most CPUs
 * among g's positions in U, and C_Tg <= C_T <= Cmax_m; with e_g >= 0 the charge is then at
 * most e_g*avail_t'*(min(Cg(n_g), Cmax_m) - cpus_t'), so for every such T
 *   G(T) >= g0 + sum_g sum_{t in T_g} w_t(n_g),
 *   w_t(n) = w0_t - e_g*avail_t*min(Cg(n), Cmax_m),  w0_t = v_t + e_g*avail_t*Cu_t
 * (v_t with its group charge taken out). Every T of size m has some count vector (n_g)
 * with sum n_g = m, so for mu >= 0 and need_T = need - A_s the sets T that fit satisfy
 *   sum_T w_t(n_g(T)) >= sum_T w_t(n_g(T)) + mu*(need_T - A_T) >= h(mu),
 *   h(mu) = min over count vectors (n_g), sum n_g = m, of sum_g F_g(n_g) + mu*need_T,
 *   F_g(n) = the sum of the n smallest w_t(n) - mu*avail_t over g's positions in U,
 * (F_g(n) is the least T_g of n nodes can give), and G(T) > 0 when h(mu) > -g0. Each T
 * of size m gives the line sum_T w_t(n_g(T)) + mu*(need_T - A_T), one of those h takes
 * the minimum of, so h is concave and the cutting planes of fit_dual_above find its top
 * from any two such lines, one on each side of need_T. Cg(n) <= cu_g, so w_t(n) >= v_t:
 * this bound is never below the one without counts. The minimum over count vectors is a
 * knapsack over the groups by count (count_pick).
 */
struct counts {
	int G, m, len, u;
	int gpos[BNB_MAX], gstart[BNB_MAX + 1]; /* positions (offset from u) group by group */
	double cg[2 * BNB_MAX];                 /* per group g: Cg(n) at cg[gstart[g] + g + n] */
	double w0[BNB_MAX], ea[BNB_MAX], at[BNB_MAX]; /* w_t(n) = w0_t - ea_t*min(Cg(n), cmax) */
	double cmax;                            /* Cmax_m */
};

/*
 * h's minimiser at mu: its sum of w (*sv) and of avail (*sa). For each group and count n,
 * F_g(n) by sorting g's positions on w_t(n) - mu*avail_t; then the least sum of F_g(n_g)
 * over the groups with sum n_g = m, group by group (best[j]: the least for j nodes in the
 * groups so far), which is that minimum over every count vector.
 */
static void count_pick(const struct counts *k, double mu, double *sv, double *sa)
{
	double best[BNB_MAX + 1], bv[BNB_MAX + 1], ba[BNB_MAX + 1];
	double nb[BNB_MAX + 1], nv[BNB_MAX + 1], na[BNB_MAX + 1];
	int bot = 0, top = 0, nbot, ntop;

	best[0] = bv[0] = ba[0] = 0;
	for (int g = 0; g < k->G; g++) {
		int s0 = k->gstart[g], sz = k->gstart[g + 1] - s0, lim = sz < k->m ? sz : k->m;
		double fv[BNB_MAX + 1], fa[BNB_MAX + 1], f[BNB_MAX + 1];

		/* g's positions in the order of their last keys, with their figures moved along */
		double w0[BNB_MAX], ea[BNB_MAX], at[BNB_MAX], mk[BNB_MAX], key[BNB_MAX];
		double pw[BNB_MAX + 1], pe[BNB_MAX + 1], pa[BNB_MAX + 1];
		bool stale = true;

		fv[0] = fa[0] = f[0] = 0;
		for (int q = 0; q < sz; q++) {
			int t = k->gpos[s0 + q];

			w0[q] = k->w0[t];
			ea[q] = k->ea[t];
			at[q] = k->at[t];
			mk[q] = w0[q] - mu * at[q];
		}
		for (int n = 1; n <= lim; n++) {
			double cap = lesser(k->cg[s0 + g + n], k->cmax);
			int q0 = 1;

			for (int q = 0; q < sz; q++)
				key[q] = mk[q] - ea[q] * cap;
			while (q0 < sz && !(key[q0] < key[q0 - 1]))
				q0++;
			/* the order for n - 1 is nearly the order for n: insertion sort from it */
			for (int q = q0; q < sz; q++) {
				double kv = key[q], x0 = w0[q], x1 = ea[q], x2 = at[q], x3 = mk[q];
				int z = q;

				while (z > 0 && key[z - 1] > kv) {
					key[z] = key[z - 1];
					w0[z] = w0[z - 1];
					ea[z] = ea[z - 1];
					at[z] = at[z - 1];
					mk[z] = mk[z - 1];
					z--;
				}
				key[z] = kv;
				w0[z] = x0;
				ea[z] = x1;
				at[z] = x2;
				mk[z] = x3;
				stale = true;
			}
			if (stale) {
				pw[0] = pe[0] = pa[0] = 0;
				for (int q = 0; q < sz; q++) {
					pw[q + 1] = pw[q] + w0[q];
					pe[q + 1] = pe[q] + ea[q];
					pa[q + 1] = pa[q] + at[q];
				}
				stale = false;
			}
			fv[n] = pw[n] - cap * pe[n];
			fa[n] = pa[n];
			f[n] = fv[n] - mu * fa[n];
		}
		/* counts below nbot leave too few positions in the groups after g to reach m */
		nbot = k->m - (k->gstart[k->G] - k->gstart[g + 1]);
		if (nbot < bot)
			nbot = bot;
		ntop = top + lim < k->m ? top + lim : k->m;
		for (int j = nbot; j <= ntop; j++)
			nb[j] = INFINITY;
		for (int j = bot; j <= top; j++)
			for (int n = j < nbot ? nbot - j : 0; n <= lim && j + n <= k->m; n++)
				if (best[j] + f[n] < nb[j + n]) {
					nb[j + n] = best[j] + f[n];
					nv[j + n] = bv[j] + fv[n];
					na[j + n] = ba[j] + fa[n];
				}
		bot = nbot;
		top = ntop;
		memcpy(&best[bot], &nb[bot], (size_t)(top + 1 - bot) * sizeof(*best));
		memcpy(&bv[bot], &nv[bot], (size_t)(top + 1 - bot) * sizeof(*bv));
		memcpy(&ba[bot], &na[bot], (size_t)(top + 1 - bot) * sizeof(*ba));
	}
	*sv = bv[k->m];
	*sa = ba[k->m];
}

static void count_pick_cb(const void *arg, double mu, double *sv, double *sa)
{
	count_pick(arg, mu, sv, sa);
}

/*
 * True when no set s + T that fits, T a non-empty subset of the positions from u on, has a
 * total at or below limit: distance and memory priced together, and the pairs within T
 * priced by the groups of bnb_classes. For |T| = m:
 *  - rest_m, the cpu and move terms of s plus the m nodes that favour each most, bounds
 *    them from below; with lambda = limit - rest_m a set's total exceeds limit when
 *      G = N + 10*C*w_mem*need - 10*lambda*A*C > 0        (G is the excess times 10*A*C > 0),
 *    A = A_s + A_T, C = C_s + C_T;
 *  - N = N(s) + sum_T (x_t + cpus_t*avail_t*SLIT(t,t)) + sum_{t != t' in T} cpus_t*avail_t'*SLIT(t,t'),
 *    x_t what t adds with s (exact). A pair of two groups costs at least D (dout), one
 *    within group g at least D - e_g, e_g = max(0, D - din_g) (D = dpair when U holds one
 *    group), so the pairs cost at least D*(A_T*C_T - sum_T cpus_t*avail_t) less
 *    e_g * sum over t' in T of group g of avail_t'*(C_Tg - cpus_t'), and C_Tg is at most
 *    Cu_t' = min(cu_g, Cmax_m) (the group's CPUs in U; the m most CPUs);
 *  - so G >= g0 + sum_T v_t + (D - 10*lambda)*A_T*C_T with
 *      g0  = N(s) + 10*C_s*(w_mem*need - lambda*A_s),
 *      v_t = x_t + cpus_t*avail_t*(SLIT(t,t) - D) - e_t*avail_t*(Cu_t - cpus_t)
 *            + 10*cpus_t*(w_mem*need - lambda*A_s) - 10*lambda*C_s*avail_t;
 *  - the last term is kappa*A_T*C_T, kappa = D - 10*lambda: with C_T between Cmin_m and
 *    Cmax_m (the m fewest, most CPUs) and A_T = sum_T avail_t >= 0 it is at least
 *    kappa*Cmax_m*A_T when kappa < 0, kappa*Cmin_m*A_T otherwise: one more per-node term.
 * So G >= g0 + (sum of the m smallest v_t so adjusted), and when that is > 0 for every m
 * at which a set can fit, no set below reaches limit. Before selecting, a cheaper sum that
 * is never above it is tried (below); where the selection and its multiplier do not show
 * G > 0, the count step does (struct counts), with each group's CPUs counted by the nodes T
 * takes there. The rounding of these sums is far below the slack that limit carries (bnb_cut).
 */
/* The positions from u on group by group, and each group's Cg(n), into k. */
static void counts_init(const struct bnb *b, int u, struct counts *k)
{
	int n = b->n, G = b->ncls, at = 0;

	k->G = G;
	k->u = u;
	k->len = n - u;
	for (int g = 0; g < G; g++) {
		int s0 = at;

		k->gstart[g] = at;
		for (int t = u; t < n; t++)
			if (b->cls[t] == g) {
				int z = at++;

				/* most CPUs first */
				while (z > s0 && b->cpu[u + k->gpos[z - 1]] < b->cpu[t]) {
					k->gpos[z] = k->gpos[z - 1];
					z--;
				}
				k->gpos[z] = t - u;
			}
		k->cg[s0 + g] = 0;
		for (int q = s0; q < at; q++)
			k->cg[q + g + 1] = k->cg[q + g] + b->cpu[u + k->gpos[q]];
	}
	k->gstart[G] = at;
}

/*
 * The count step at one m (see struct counts): true when h(mu) > floor for some mu >= 0
 * that it tries, first mu0 (the plain bound's multiplier at this m, 0 for none). The line
 * of the m positions with the most memory, counted by group, starts the cutting planes on
 * the side of sets that fit; h's pick at 0 (or at mu0) on the other.
 */
static bool count_cut(struct bnb *b, struct counts *k, int m, double need, double floor, double mu0)
{
	int cnt[BNB_MAX] = { 0 };
	double lv = 0, la = 0, hv = 0, ha = 0, pv, pa;
	bool have_lo = false;

	k->m = m;
	if (mu0 > 0) {
		/* the plain bound's multiplier first: often it is enough */
		count_pick(k, mu0, &pv, &pa);
		b->picks++;
		if (pv + mu0 * (need - pa) > floor)
			return true;
		if (pa >= need)
			goto lo;
		lv = pv;
		la = pa;
		have_lo = true;
	}
	/* the line of the m positions with the most memory */
	for (int z = 0, got = 0; got < m; z++)
		if (b->arank[z] >= k->u) {
			cnt[b->cls[b->arank[z]]]++;
			got++;
		}
	for (int z = 0, got = 0; got < m; z++)
		if (b->arank[z] >= k->u) {
			int t = b->arank[z] - k->u, g = b->cls[b->arank[z]];

			hv += k->w0[t] - k->ea[t] * lesser(k->cg[k->gstart[g] + g + cnt[g]], k->cmax);
			ha += k->at[t];
			got++;
		}
	if (have_lo)
		return fit_dual_above(count_pick_cb, k, need, floor, lv, la, hv, ha, &b->picks, NULL);
	pv = hv;
	pa = ha;
lo:
	count_pick(k, 0, &lv, &la);
	b->picks++;
	if (lv > floor)
		return true;
	if (!(need > la))
		return false;  /* the cheapest count vector fits: mu = 0 is the best multiplier */
	return fit_dual_above(count_pick_cb, k, need, floor, lv, la, pv, pa, &b->picks, NULL);
}

static bool bnb_ratio_cut(struct bnb *b, const struct agg *s, int u, double limit, int m0)
{
	const struct ctx *c = b->c;
	int n = b->n, len = n - u, w = n + 1, G = b->ncls;
	const double *x = &b->x[b->k * n], *din = &b->din[u * G], *cu = &b->cu[u * G];
	double L[BNB_MAX], v[BNB_MAX], e[BNB_MAX], D = isfinite(b->dout[u]) ? b->dout[u] : b->dpair[u];
	double wn = c->p->w_mem * c->need;
	double qs[BNB_MAX], eas[BNB_MAX], sq = 0, sea = 0, cumax = 0;
	int nq = len, ne = len;
	struct counts k;
	bool kset = false;

	for (int t = u; t < n; t++) {
		double ge = D - din[b->cls[t]];

		e[t - u] = ge > 0 ? ge : 0;
		L[t - u] = x[t] + b->cpu[t] * b->a[t] * (b->d[t * n + t] - D) + 10.0 * b->cpu[t] * wn;
		qs[t - u] = L[t - u] + e[t - u] * b->a[t] * b->cpu[t];
		eas[t - u] = -e[t - u] * b->a[t];
	}
	/* smallest first, one a step: a call that fails at a small m sorts no further */
	heap_make(qs, nq);
	heap_make(eas, ne);
	for (int g = 0; g < G; g++)
		cumax = greater(cumax, cu[g]);
	for (int m = 1; m <= len; m++) {
		double lambda, g0, beta, cl, lv, la, hv, ha, cmax = b->cmax[u * w + m], cmin = b->cmin[u * w + m], alo;
		double mu0 = 0;
		struct plain_pick q = { v, b->a + u, len, m };

		sq += heap_pop(qs, &nq);
		sea -= heap_pop(eas, &ne);
		if (m < m0 || s->A + b->amax[u * w + m] < c->need * (1 - 1e-12) || s->C + cmax <= 0)
			continue;
		lambda = limit - agg_cpu_move(b, s->idle + b->imax[u * w + m], s->res + b->rmax[u * w + m]);
		g0 = s->N + 10.0 * s->C * (wn - lambda * s->A);
		cl = 10.0 * lambda * s->A;
		beta = 10.0 * lambda * s->C - (D - 10.0 * lambda) * (D < 10.0 * lambda ? cmax : cmin);
		/*
		 * First the sum over T of v_t = q_t - cpus_t*cl - avail_t*beta - e_t*avail_t*min(cu_g, Cmax_m),
		 * q_t = L_t + e_t*avail_t*cpus_t, with each part at its least on its own: the m
		 * smallest q_t; -cl*C_T and -beta*A_T at the worse end of C_T's range [Cmin_m,
		 * Cmax_m] and of A_T's [max(Amin_m, need - A_s), Amax_m] (a T that fits holds
		 * need - A_s); and, e_t*avail_t >= 0 and min(cu_g, Cmax_m) <= min(max cu_g, Cmax_m),
		 * the m largest e_t*avail_t times that cap. Every T of size m that fits has a sum of
		 * v_t at least this, so when it exceeds -g0 this m needs no selection.
		 */
		alo = greater(b->amin[u * w + m], c->need - s->A);
		if (alo > b->amax[u * w + m])
			alo = b->amax[u * w + m];
		if (sq - greater(cl * cmax, cl * cmin) - greater(beta * b->amax[u * w + m], beta * alo) -
		    lesser(cumax, cmax) * sea > -g0)
			continue;
		for (int t = u; t < n; t++) {
			double ct = b->cpu[t], at = b->a[t];

			v[t - u] = L[t - u] - ct * cl - beta * at - e[t - u] * at * (lesser(cu[b->cls[t]], cmax) - ct);
		}
		fit_pick(v, b->a + u, len, m, 0, &lv, &la);
		b->picks++;
		if (lv > -g0)
			continue;
		if (c->need - s->A > la) {
			hv = ha = 0;
			for (int z = 0, got = 0; got < m; z++)
				if (b->arank[z] >= u) {
					hv += v[b->arank[z] - u];
					ha += b->a[b->arank[z]];
					got++;
				}
			if (fit_dual_above(plain_pick, &q, c->need - s->A, -g0, lv, la, hv, ha, &b->picks, &mu0))
				continue;
		}
		if (G < 2)
			return false;  /* one group: the count step would add nothing */
		if (!kset) {
			counts_init(b, u, &k);
			kset = true;
		}
		k.cmax = cmax;
		for (int t = u; t < n; t++) {
			double ct = b->cpu[t], at = b->a[t];

			k.ea[t - u] = e[t - u] * at;
			k.at[t - u] = at;
			k.w0[t - u] = L[t - u] - ct * cl - beta * at + e[t - u] * at * ct;
		}
		if (!count_cut(b, &k, m, c->need - s->A, -g0, mu0))
			return false;
	}
	return true;
}

/*
 * What a set must score to matter, once it is known: at most the last of the c->want sets
 * kept (within slack), or, capped, below the cap (only sets that fit: the current set fits).
 * fits says whether only sets that fit can matter. False while every set may still enter.
 */
static bool cut_limit(const struct ctx *c, const struct engine_result *out, double *limit, bool *fits)
{
	const struct engine_score *thr = out->ntop >= c->want ? &out->top[c->want - 1] : NULL;

	if (c->capped) {
		*limit = c->cap + slack(c->cap);
		if (thr && thr->fits)
			*limit = lesser(*limit, thr->total + slack(thr->total));
		*fits = true;
		return true;
	}
	if (!thr)
		return false;
	*limit = thr->total + slack(thr->total);
	*fits = thr->fits;
	return true;
}

/*
 * The least total of the sets s + t that fit, t one position from u on, as bnb_visit prices
 * them (INFINITY when none fits): exact where the bounds above are loosest, and in the
 * branches that cannot be cut it finds the set that stops the cut at once.
 */
static double bnb_single(const struct bnb *b, const struct agg *s, int u)
{
	const struct ctx *c = b->c;
	int n = b->n;
	const double *x = &b->x[b->k * n];
	double lb = INFINITY;

	for (int t = u; t < n; t++) {
		double A = s->A + b->a[t], C = s->C + b->cpu[t], N, v;

		if (C <= 0 || A < c->need * (1 - 1e-12))
			continue;
		N = s->N + (b->cpu[t] * b->a[t] * b->d[t * n + t] + x[t]);  /* as bnb_add sums it */
		v = N / (10.0 * A * C) + agg_rest(b, A, s->idle + b->idle[t], s->res + b->res[t]);
		if (v < lb)
			lb = v;
	}
	return lb;
}

/* True when no set s + T, T a non-empty subset of the positions from u on, can enter the top list. */
static bool bnb_cut(struct bnb *b, const struct agg *s, int u)
{
	const struct ctx *c = b->c;
	double A_hi = s->A + b->sa[u], C_hi = s->C + b->sc[u], limit, lb;
	bool can_fit = C_hi > 0 && A_hi >= c->need * (1 - 1e-12), fits;

	if (!b->prune || !cut_limit(c, b->out, &limit, &fits))
		return false;
	if (fits) {
		if (!can_fit)
			return true;
		if (!(c->need > 0))
			lb = fmin(b->dmin / 10.0, 10.0) + agg_rest(b, A_hi, s->idle + b->si[u], s->res + b->sr[u]);
		else if (!(bnb_single(b, s, u) > limit))
			return false;  /* s and one more node can enter: nothing to cut */
		else if (bnb_bound(b, s, u, limit, 2) > limit)
			return true;
		else
			return b->picks < b->max_picks && bnb_ratio_cut(b, s, u, limit, 2);
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
	double limit;
	bool fits;

	out->evaluated++;
	if (b->prune && cut_limit(c, out, &limit, &fits)) {
		double total = (s->A > 0 && s->C > 0 ? s->N / (10.0 * s->A * s->C) : 10.0) +
			       agg_rest(b, s->A, s->idle, s->res);
		bool nofit = s->C <= 0 || s->A < c->need * (1 - 1e-12);
		bool close = total <= limit;

		if (fits ? nofit || !close : nofit && !close)
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

/* Whether a set that fits (fa) and is priced va ranks before one (fb, vb): those that fit first. */
static bool priced_before(bool fa, double va, bool fb, double vb)
{
	return (fa && !fb) || (fa == fb && va < vb);
}

/*
 * Grow a set from the must nodes plus the candidate positions in seed, adding the node
 * outside ban that gives the best price (a set that fits first) until it fits and stops
 * improving. Prices come from running sums: this only orders and seeds the exact search.
 */
static void grow_quick(const struct ctx *c, uint64_t seed, uint64_t ban, struct grown *g)
{
	int n = c->ncand;
	double x[BNB_MAX] = { 0 };
	struct agg s = { 0 };

	g->k = 0;
	g->bits = 0;
	g->total = INFINITY;
	g->fits = false;
	/* the must nodes first: the exact search takes the first positions of the order as those */
	for (int pass = 0; pass < 2; pass++)
		for (int z = 0; z < n; z++)
			if (pass == 0 ? must_hold(c, z) : (seed >> z & 1) && !must_hold(c, z)) {
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

			if ((g->bits | ban) >> z & 1)
				continue;
			g->cost[z] = quick_total(c, &s, z, x[z], &f);
			if (pick < 0 || priced_before(f, g->cost[z], pick_fits, best)) {
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
#define BNB_ROUNDS 32
#define BNB_REGROUPS 4

/* Whether grown set a is priced below b (a set that fits first). */
static bool grown_better(const struct grown *a, const struct grown *b)
{
	return priced_before(a->fits, a->total, b->fits, b->total);
}

/* The running sums of a set less its member at position o (x: order_add's per position sums). */
static void agg_del(const struct ctx *c, struct agg *r, const double *x, int o)
{
	int io = c->cand[o], nn = c->t->nnodes;

	/* x[o] counts o's pair with itself twice */
	r->N -= x[o] - c->cpus[io] * c->avail[io] * c->t->dist[io * nn + io];
	r->A -= c->avail[io];
	r->C -= c->cpus[io];
	r->idle -= c->idle[io];
	r->res -= c->res[io];
}

/* Price of the set s, from its running sums, as quick_total prices one. */
static double agg_price(const struct ctx *c, const struct agg *s, bool *fits)
{
	double mem = s->A > 0 ? c->need / s->A : 10.0;
	double cpu = c->r->ncpus > 0 && s->idle < c->r->ncpus ? (c->r->ncpus - s->idle) / c->r->ncpus : 0;
	double move = c->res_total > 0 ? (c->res_total - s->res) / c->res_total : 0;

	*fits = s->C > 0 && s->A >= c->need;
	return (s->A > 0 && s->C > 0 ? s->N / (10.0 * s->A * s->C) : 10.0) + c->p->w_mem * mem + c->p->w_cpu * cpu +
	       c->p->w_move * move;
}

/*
 * Improve a grown set by single moves (a node in, a node out, or one for another), the best
 * move first, while one lowers its price: the greedy growth adds a node at a time and can
 * stop on one side of the host while the best sets lie across two others. Prices come from
 * running sums, as in grow_quick; the costs of the positions outside follow the final set.
 */
static void improve_grown(const struct ctx *c, struct grown *g)
{
	int n = c->ncand, nn = c->t->nnodes;
	double x[BNB_MAX];
	struct agg s;

	for (int round = 0;; round++) {
		int bo = -1, bz = -1;
		double bt = g->total;
		bool bf = g->fits;

		memset(x, 0, sizeof(x));
		memset(&s, 0, sizeof(s));
		for (int m = 0; m < g->k; m++)
			order_add(c, &s, x, g->pos[m]);
		if (round == BNB_ROUNDS)
			break;
		for (int o = -1; o < n; o++) {
			struct agg r = s;

			if (o >= 0) {
				double v;
				bool f;

				if (!(g->bits >> o & 1) || must_hold(c, o) || g->k < 2)
					continue;
				agg_del(c, &r, x, o);
				v = agg_price(c, &r, &f);
				if ((f && !bf) || (f == bf && v < bt - slack(bt))) {
					bo = o;
					bz = -1;
					bt = v;
					bf = f;
				}
			}
			for (int z = 0; z < n; z++) {
				int iz = c->cand[z];
				double xz = x[z], v;
				bool f;

				if (g->bits >> z & 1)
					continue;
				if (o >= 0) {
					int io = c->cand[o];

					xz -= c->cpus[io] * c->avail[iz] * c->t->dist[io * nn + iz] +
					      c->cpus[iz] * c->avail[io] * c->t->dist[iz * nn + io];
				}
				v = quick_total(c, &r, z, xz, &f);
				if ((f && !bf) || (f == bf && v < bt - slack(bt))) {
					bo = o;
					bz = z;
					bt = v;
					bf = f;
				}
			}
		}
		if (bo < 0 && bz < 0)
			break;
		if (bo >= 0) {
			int m = 0;

			while (g->pos[m] != bo)
				m++;
			memmove(&g->pos[m], &g->pos[m + 1], (size_t)(g->k - 1 - m) * sizeof(g->pos[0]));
			g->k--;
			g->bits &= ~(UINT64_C(1) << bo);
		}
		if (bz >= 0) {
			g->pos[g->k++] = bz;
			g->bits |= UINT64_C(1) << bz;
		}
		g->total = bt;
		g->fits = bf;
	}
	for (int z = 0; z < n; z++) {
		bool f;

		if (!(g->bits >> z & 1))
			g->cost[z] = quick_total(c, &s, z, x[z], &f);
	}
}


/* The ENGINE_TOP best sets priced so far (those that fit first, then the lowest price). */
struct shortlist {
	int nb;
	bool fits[ENGINE_TOP];
	double tot[ENGINE_TOP];
	uint64_t bits[ENGINE_TOP];
};

static void shortlist_add(struct shortlist *l, bool fits, double v, uint64_t bits)
{
	int y;

	if (l->nb == ENGINE_TOP && !priced_before(fits, v, l->fits[l->nb - 1], l->tot[l->nb - 1]))
		return;
	y = l->nb < ENGINE_TOP ? l->nb++ : l->nb - 1;
	while (y > 0 && priced_before(fits, v, l->fits[y - 1], l->tot[y - 1])) {
		l->fits[y] = l->fits[y - 1];
		l->tot[y] = l->tot[y - 1];
		l->bits[y] = l->bits[y - 1];
		y--;
	}
	l->fits[y] = fits;
	l->tot[y] = v;
	l->bits[y] = bits;
}

/*
 * A grown set and its closest rivals into the top list: the sets one node more or less and
 * one swap away (a node out, another in), priced from running sums; the set itself and the
 * ENGINE_TOP best of those are scored and kept, so the search starts cutting against a list
 * that is nearly the final one.
 */
static void seed_list(const struct ctx *c, const struct grown *g, struct engine_result *out)
{
	int n = c->ncand, nn = c->t->nnodes;
	double x[BNB_MAX] = { 0 };
	struct shortlist l = { 0 };
	struct agg s = { 0 };

	for (int m = 0; m < g->k; m++)
		order_add(c, &s, x, g->pos[m]);
	for (int o = 0; o < n; o++) {
		int io = c->cand[o];
		uint64_t less = g->bits & ~(UINT64_C(1) << o);
		struct agg r = s;
		double v;
		bool f;

		if (!(g->bits >> o & 1)) {
			v = quick_total(c, &s, o, x[o], &f);
			shortlist_add(&l, f, v, g->bits | UINT64_C(1) << o);
			continue;
		}
		if (must_hold(c, o))
			continue;
		agg_del(c, &r, x, o);
		if (less) {
			v = agg_price(c, &r, &f);
			shortlist_add(&l, f, v, less);
		}
		for (int z = 0; z < n; z++) {
			int iz = c->cand[z];
			double xz;

			if (g->bits >> z & 1)
				continue;
			xz = x[z] - c->cpus[io] * c->avail[iz] * c->t->dist[io * nn + iz] -
			     c->cpus[iz] * c->avail[io] * c->t->dist[iz * nn + io];
			v = quick_total(c, &r, z, xz, &f);
			shortlist_add(&l, f, v, less | UINT64_C(1) << z);
		}
	}
	insert_bits(c, out, g->bits);
	out->evaluated++;
	for (int y = 0; y < l.nb; y++) {
		insert_bits(c, out, l.bits[y]);
		out->evaluated++;
	}
}

/*
 * The search order (candidate positions into cpos): the nodes every set must hold, then
 * the nodes of the best of a few greedy growths, improved by single moves (improve_grown)
 * and by whole groups of near nodes (gcls: ngroups of them), in the order they joined it,
 * then the others by what each would cost added to that set. The growths start from the
 * must nodes or, without those, from the best single node outside the sets grown so far,
 * so they look at different parts of the host. Each grown set, with its closest
 * neighbours (seed_list), goes to the top list first: the search then cuts against good
 * sets from its first step. Returns the number of nodes that must be held.
 */
static int bnb_order(const struct ctx *c, const int *gcls, int ngroups, int *cpos, struct engine_result *out)
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
			grow_quick(c, UINT64_C(1) << seed, 0, cur);
		} else {
			grow_quick(c, 0, 0, cur);
		}
		seen |= cur->bits;
		seed_list(c, cur, out);
		if (best->k == 0 || grown_better(cur, best)) {
			struct grown *t = best;

			best = cur;
			cur = t;
		}
	}
	if (best->k > 0) {
		uint64_t was = best->bits;

		improve_grown(c, best);
		if (best->bits != was)
			seed_list(c, best, out);
	}
	/*
	 * Whole groups: a growth settles in the first far group it reaches, and single moves
	 * do not leave it (each one splits the set over one more group). So the set without
	 * each group it holds nodes of, grown again outside that group and improved, takes
	 * the best's place when it is priced lower; until no group gives a lower price.
	 */
	for (int round = 0; best->k > 0 && round < BNB_REGROUPS; round++) {
		bool moved = false;

		for (int gr = 0; gr < ngroups; gr++) {
			uint64_t gm = 0;
			bool pinned = false;

			for (int z = 0; z < n; z++)
				if (gcls[z] == gr) {
					gm |= UINT64_C(1) << z;
					pinned = pinned || must_hold(c, z);
				}
			if (pinned || !(best->bits & gm) || !(best->bits & ~gm))
				continue;
			grow_quick(c, best->bits & ~gm, gm, cur);
			/* the same set summed in another order can be priced a rounding lower: a slack */
			if (cur->bits != best->bits &&
			    (cur->fits != best->fits ? cur->fits : cur->total <= best->total - slack(best->total))) {
				struct grown *t = best;

				improve_grown(c, cur);
				seed_list(c, cur, out);
				best = cur;
				cur = t;
				moved = true;
			}
		}
		if (!moved)
			break;
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

#define BNB_LEVELS 16
#define BNB_PICKS 1   /* bnb_ratio_cut selections per set of the budget */

/*
 * Group n nodes (d: their n*n SLITs) so that nodes of two groups are far apart: the groups
 * are the components of "SLIT at most v either way", v the distinct SLIT value below the
 * widest gap to the next (sockets, on most hosts), numbered in the order of their first
 * node. With more than BNB_LEVELS distinct values, or no gap, every node is in one group.
 * Returns the number of groups; cls[y] is node y's.
 */
static int slit_groups(int n, const double *d, int *cls)
{
	int G, lv[BNB_LEVELS], nlv = 0, par[BNB_MAX], id[BNB_MAX];
	int thr = -1, gap = 0;

	for (int y = 0; y < n; y++)
		for (int z = y + 1; z < n && nlv <= BNB_LEVELS; z++) {
			int v = (int)lesser(d[y * n + z], d[z * n + y]), k = 0;

			while (k < nlv && lv[k] < v)
				k++;
			if (k < nlv && lv[k] == v)
				continue;
			if (nlv == BNB_LEVELS) {
				nlv++;
				break;
			}
			memmove(&lv[k + 1], &lv[k], (size_t)(nlv - k) * sizeof(lv[0]));
			lv[k] = v;
			nlv++;
		}
	for (int k = 0; k + 1 < nlv && nlv <= BNB_LEVELS; k++)
		if (lv[k + 1] - lv[k] > gap) {
			gap = lv[k + 1] - lv[k];
			thr = lv[k];
		}
	for (int y = 0; y < n; y++)
		par[y] = y;
	for (int y = 0; y < n; y++)
		for (int z = y + 1; z < n; z++)
			if (thr < 0 || lesser(d[y * n + z], d[z * n + y]) <= thr) {
				int ry = y, rz = z;

				while (par[ry] != ry)
					ry = par[ry];
				while (par[rz] != rz)
					rz = par[rz];
				par[ry > rz ? ry : rz] = ry < rz ? ry : rz;
			}
	G = 0;
	for (int y = 0; y < n; y++) {
		int r = y;

		while (par[r] != r)
			r = par[r];
		id[y] = r == y ? G++ : -1;
		cls[y] = id[r];
	}
	return G;
}

/*
 * The groups of slit_groups (gcls, over the candidates) over the search positions, numbered
 * in the order of their first position; then, for every u, the smallest SLIT between two
 * groups (dout) and within each group (din), and each group's CPUs (cu), over positions u
 * on. Any grouping gives a true bound (bnb_ratio_cut); this one makes it tight.
 */
static void bnb_classes(struct bnb *b, const int *gcls)
{
	int n = b->n, G = 0, id[BNB_MAX];

	for (int y = 0; y < n; y++)
		id[y] = -1;
	for (int y = 0; y < n; y++) {
		int g = gcls[b->cpos[y]];

		if (id[g] < 0)
			id[g] = G++;
		b->cls[y] = id[g];
	}

	b->ncls = G;
	b->dout[n] = INFINITY;
	for (int g = 0; g < G; g++) {
		b->din[n * G + g] = INFINITY;
		b->cu[n * G + g] = 0;
	}
	for (int y = n - 1; y >= 0; y--) {
		double *din = &b->din[y * G], *cu = &b->cu[y * G];

		memcpy(din, din + G, (size_t)G * sizeof(*din));
		memcpy(cu, cu + G, (size_t)G * sizeof(*cu));
		b->dout[y] = b->dout[y + 1];
		cu[b->cls[y]] += b->cpu[y];
		for (int z = y + 1; z < n; z++) {
			double dv = lesser(b->d[y * n + z], b->d[z * n + y]);

			if (b->cls[z] == b->cls[y])
				din[b->cls[y]] = lesser(din[b->cls[y]], dv);
			else
				b->dout[y] = lesser(b->dout[y], dv);
		}
	}
}

/* Returns false when it ran out of memory or budget: out then holds what it found. */
static bool search_exact(const struct ctx *c, struct engine_result *out, unsigned long budget)
{
	struct bnb *b = calloc(1, sizeof(*b));
	const struct engine_policy *p = c->p;
	struct agg s = { 0 };
	int n = c->ncand, nmust = 0, ngroups, gcls[BNB_MAX];
	size_t sq = (size_t)(n + 1) * (size_t)(n + 1);
	bool done = false;

	if (!b || n > BNB_MAX)
		goto out;
	b->c = c;
	b->out = out;
	b->n = n;
	b->d = malloc(((size_t)n * (size_t)n + 6 * sq + 3 * (size_t)(n + 1) * (size_t)n) * sizeof(double));
	if (!b->d)
		goto out;
	b->amax = b->d + (size_t)n * (size_t)n;
	b->amin = b->amax + sq;
	b->cmax = b->amin + sq;
	b->cmin = b->cmax + sq;
	b->imax = b->cmin + sq;
	b->rmax = b->imax + sq;
	b->x = b->rmax + sq;
	b->din = b->x + (size_t)(n + 1) * (size_t)n;
	b->cu = b->din + (size_t)(n + 1) * (size_t)n;
	/* the bound that couples memory and distance costs a few selections a call: cap its work */
	b->max_picks = budget > ULONG_MAX / BNB_PICKS ? ULONG_MAX : budget * BNB_PICKS;
	b->prune = p->w_mem >= 0 && p->w_cpu >= 0 && p->w_move >= 0 && isfinite(p->w_mem) && isfinite(p->w_cpu) &&
		   isfinite(p->w_move) && isfinite(c->need);
	/* the groups of near nodes over the candidates, for bnb_order (b->d is refilled below) */
	for (int y = 0; y < n; y++)
		for (int z = 0; z < n; z++)
			b->d[y * n + z] = c->t->dist[c->cand[y] * c->t->nnodes + c->cand[z]];
	ngroups = slit_groups(n, b->d, gcls);
	nmust = bnb_order(c, gcls, ngroups, b->cpos, out);
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
			b->dmin = lesser(b->dmin, dv);
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
			b->dpair[y] = lesser(b->dpair[y], lesser(b->d[y * n + z], b->d[z * n + y]));
		b->cpos_min[y] = b->cpu[y] > 0 ? lesser(b->cpos_min[y + 1], b->cpu[y]) : b->cpos_min[y + 1];
	}
	bnb_classes(b, gcls);
	for (int y = 0; y < n; y++) {
		int z = y;

		while (z > 0 && b->a[b->arank[z - 1]] < b->a[y]) {
			b->arank[z] = b->arank[z - 1];
			z--;
		}
		b->arank[z] = y;
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

/* Whether the current set may be kept: it holds no node to avoid, fits, and is local enough (cur: its score). */
static bool keepable(const struct ctx *c, struct engine_score *cur)
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
	return !(c->res_total > 0 && local * 100.0 < c->res_total * c->p->locality_target);
}

/* What a set must score below to replace a current set that may be kept. */
static double keep_cap(const struct ctx *c, const struct engine_score *cur)
{
	return cur->total * (1.0 - c->p->hysteresis);
}

/*
 * A bound below the total of every set of the candidates that fits, from the sums over all
 * of them: distance at least the smallest SLIT / 10 (a weighted mean of SLITs), mem at least
 * need over all their memory, cpu at least the share their idle CPUs leave uncovered, move
 * at least 0. -INFINITY when the weights do not make it a bound.
 */
static double floor_total(const struct ctx *c)
{
	const struct engine_policy *p = c->p;
	double A = 0, idle = 0, dmin = INFINITY, cpu;
	int n = c->t->nnodes;

	if (!(p->w_mem >= 0 && p->w_cpu >= 0 && p->w_move >= 0 && isfinite(p->w_mem) && isfinite(p->w_cpu) &&
	      isfinite(p->w_move) && isfinite(c->need)))
		return -INFINITY;
	for (int a = 0; a < c->ncand; a++) {
		int i = c->cand[a];

		A += c->avail[i];
		idle += c->idle[i];
		for (int b = 0; b < c->ncand; b++)
			dmin = lesser(dmin, c->t->dist[i * n + c->cand[b]]);
	}
	if (!(A > 0))
		return -INFINITY;
	cpu = c->r->ncpus > 0 && idle < c->r->ncpus ? (c->r->ncpus - idle) / c->r->ncpus : 0;
	return lesser(dmin / 10.0, 10.0) + p->w_mem * (c->need / A) + p->w_cpu * cpu;
}

/* The current set (cur) stays. */
static void kept(struct engine_result *out, const struct engine_score *cur)
{
	out->status = ENGINE_KEEP;
	out->best = cur->set;
	out->best_score = *cur;
	out->why = "current nodes fit, meet the locality target, and nothing is clearly better";
}

int engine_place(const struct engine_host *h, const struct engine_policy *p, const struct engine_request *r,
		 struct engine_result *out)
{
	struct engine_score cur;
	double all = 0;
	struct ctx c;
	bool keep;

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
	keep = r->current && !nodeset_empty(r->current) && keepable(&c, &cur);
	if (keep && r->advice_only) {
		c.capped = true;
		c.cap = keep_cap(&c, &cur);
		if (floor_total(&c) > c.cap + slack(c.cap)) {
			/* no set can score below the cap: the current set stays, proven without a search */
			out->exhaustive = true;
			kept(out, &cur);
			ctx_free(&c);
			return 0;
		}
	}
	if (c.ncand <= p->exact_max_nodes && c.ncand <= BNB_MAX &&
	    search_exact(&c, out, p->exact_budget > 0 ? p->exact_budget : 1))
		out->exhaustive = true;
	else if (c.ncand <= p->exact_max_nodes && c.ncand <= BNB_MAX)
		/* the budget is spent: the list holds the greedy growths the search started from */
		out->budget_spent = true;
	else
		search_greedy(&c, out);
	if (c.capped && !(out->ntop > 0 && out->top[0].fits && out->top[0].total < c.cap)) {
		/* nothing scored below the cap: every set that could was scored, so the current set stays */
		kept(out, &cur);
		ctx_free(&c);
		return 0;
	}
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
	if (keep && !(out->best_score.total < keep_cap(&c, &cur)))
		kept(out, &cur);
	ctx_free(&c);
	return 0;
}
