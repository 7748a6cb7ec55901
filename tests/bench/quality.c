/*
 * quality.c: placement quality of numad's engine against the exact optimum, under a cost
 * model stated here and written independently of lib/engine.c (the reasons for each term
 * are in QUALITY.md):
 *
 *   cost(S) = slow(S) * sum over CPU node i and memory node j of S of cpu_i * mem_j * SLIT(i,j) / 10
 *   slow(S) = max(1, vCPUs / (u * CPUs of S))
 *
 * u is the target utilisation (0.85, numad's -u). cpu_i is the share of the guest's vCPUs on
 * node i (in proportion to S's CPUs) and mem_j the share of its memory on node j, placed as the
 * kernel places a bound task's memory: each vCPU node's share on that node first, the rest on
 * the set's nodes nearest to it (SLIT, then lower id), never past u of a node's size. So S is a
 * placement only when it has CPUs, none of its nodes is already past u, and what its nodes
 * hold below u covers the guest. vCPUs beyond u of S's CPUs time-share them and the guest runs
 * that much slower (slow). The optimum is the cheapest subset.
 *
 * --model soft is the model before this one: memory spread over S in proportion to free
 * memory up to 100% of a node, 2 x every point of use over u added, no CPU term.
 *
 * The baseline is the numad-0.5-like greedy pick: the CPU node with the most free memory,
 * then, while the guest does not fit, the nearest node (by SLIT from the first, most free
 * memory first among equals); under the target model free memory is what a node holds below u.
 *
 * Hosts are either random (2-16 nodes, random CPUs, sizes, SLIT and free memory) or a
 * numactl -H layout (--topo) whose CPUs, sizes and SLIT stay fixed while every scenario draws
 * each node's free memory anew. Each scenario asks for 1-8 vCPUs and 5-55% of the free memory.
 *
 *   numad_quality [--trials N] [--seed S] [--topo FILE]... [--random] [--ratios FILE] [--dump FILE]
 *                 [--model target|soft] [--scenario N] [--w-cpu X] [--variant slow|local|both]
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "fixture.h"
#include "topology.h"

#define MAXN 16

struct host {
	int n;
	int cpus[MAXN];
	double total[MAXN], free[MAXN]; /* MB */
	int dist[MAXN][MAXN];
};

#define TARGET 0.85 /* -u 85: the most of a node's memory, and of its CPUs, a placement may use */

/* The yardstick: "target" (the default, above) or "soft" (2 x every point over the target, no CPU term). */
static bool soft_model;
/* --scenario: the one scenario of every host model that --dump writes, or -1 for the baseline's wins */
static int show_scenario = -1;
/* --variant: the engine's model with its CPU term a slowdown, its distance local first, or both */
enum { VAR_NONE, VAR_SLOW, VAR_LOCAL, VAR_BOTH };
static int variant;

/* A set's terms under the model: *dist (1.0: every access local), *over (points over the target), *slow. */
struct parts {
	double dist, over, slow;
};

/* Memory node j can take below the target. */
static double room(const struct host *h, int j)
{
	double r = h->free[j] - (1 - TARGET) * h->total[j];

	return r > 0 ? r : 0;
}

/*
 * Where the guest's memory lands on set mask (m[j], MB), as the kernel allocates it for a task
 * bound to a node set: each vCPU node's share (by CPUs) from that node first, then from the
 * set's nodes nearest to it (SLIT, then lower id), never past the target. False when the set's
 * room does not hold the guest.
 */
static bool local_first(const struct host *h, unsigned mask, double need, double cpu_sum, double *m)
{
	double left[MAXN], rem[MAXN], have = 0;

	for (int j = 0; j < h->n; j++) {
		m[j] = rem[j] = 0;
		left[j] = mask & (1u << j) ? room(h, j) : 0;
		if ((mask & (1u << j)) && left[j] <= 0)
			return false; /* already past the target: the guest would crowd it further */
		have += left[j];
	}
	if (have < need)
		return false;
	for (int i = 0; i < h->n; i++)
		if ((mask & (1u << i)) && h->cpus[i] > 0) {
			double want = need * h->cpus[i] / cpu_sum, take = fmin(want, left[i]);

			m[i] += take;
			left[i] -= take;
			rem[i] = want - take;
		}
	for (int i = 0; i < h->n; i++)
		while (rem[i] > 1e-9 * need) {
			int best = -1;

			for (int j = 0; j < h->n; j++)
				if (left[j] > 0 && (best < 0 || h->dist[i][j] < h->dist[i][best]))
					best = j;
			if (best < 0)
				return false; /* cannot happen: the room covers the need */
			double take = fmin(rem[i], left[best]);
			m[best] += take;
			left[best] -= take;
			rem[i] -= take;
		}
	return true;
}

/* The model's cost of set mask for a guest of need MB and ncpus vCPUs, and its terms. */
static double cost_parts(const struct host *h, unsigned mask, double need, double ncpus, struct parts *t)
{
	double cpu_sum = 0, free_sum = 0, m[MAXN], c = 0, pen = 0;

	t->dist = t->over = INFINITY;
	t->slow = 1;
	for (int i = 0; i < h->n; i++)
		if (mask & (1u << i)) {
			cpu_sum += h->cpus[i];
			free_sum += h->free[i];
		}
	if (cpu_sum <= 0 || free_sum < need)
		return INFINITY;
	if (soft_model) {
		for (int j = 0; j < h->n; j++)
			m[j] = mask & (1u << j) ? need * h->free[j] / free_sum : 0;
	} else if (!local_first(h, mask, need, cpu_sum, m)) {
		return INFINITY;
	}
	for (int i = 0; i < h->n; i++)
		for (int j = 0; j < h->n; j++)
			if ((mask & (1u << i)) && (mask & (1u << j)))
				c += (h->cpus[i] / cpu_sum) * (m[j] / need) * h->dist[i][j] / 10.0;
	for (int j = 0; j < h->n; j++)
		if ((mask & (1u << j)) && h->total[j] > 0) {
			double used = h->total[j] - h->free[j] + m[j];
			/* the soft model charges a node's whole use over the target, the guest's and what was there */
			double from = soft_model ? TARGET : fmax(TARGET, 1 - h->free[j] / h->total[j]);
			if (used / h->total[j] > from)
				pen += used / h->total[j] - from;
		}
	t->dist = c;
	t->over = pen;
	if (soft_model)
		return c + 2.0 * pen;
	/* vCPUs beyond the target share of the set's CPUs time-share them: the guest runs that much slower */
	t->slow = fmax(1.0, ncpus / (TARGET * cpu_sum));
	return c * t->slow;
}

static double cost(const struct host *h, unsigned mask, double need, double ncpus)
{
	struct parts t;

	return cost_parts(h, mask, need, ncpus, &t);
}

/*
 * numad 0.5's kind: the CPU node with the most free memory, then the nearest nodes (most free
 * memory first among equals) until the guest fits. Under the target model free memory means
 * what a node holds below the target (-u is the most of a node numad 0.5 fills too), and a node
 * with none is passed over; under the soft model it is all the free memory.
 */
static double offer(const struct host *h, int j)
{
	return soft_model ? h->free[j] : room(h, j);
}

static unsigned baseline(const struct host *h, double need)
{
	unsigned mask = 0;
	double have = 0;
	int first = -1;

	for (int i = 0; i < h->n; i++)
		if (h->cpus[i] > 0 && (first < 0 || offer(h, i) > offer(h, first)))
			first = i;
	if (first < 0)
		return 0;
	mask = 1u << first;
	have = offer(h, first);
	while (have < need) {
		int best = -1;
		for (int j = 0; j < h->n; j++) {
			if ((mask & (1u << j)) || (!soft_model && offer(h, j) <= 0))
				continue;
			if (best < 0 || h->dist[first][j] < h->dist[first][best] ||
			    (h->dist[first][j] == h->dist[first][best] && offer(h, j) > offer(h, best)))
				best = j;
		}
		if (best < 0)
			break;
		mask |= 1u << best;
		have += offer(h, best);
	}
	return mask;
}

static double frand(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return (double)((*s >> 8) & 0xffffff) / 16777216.0;
}

static void random_host(struct host *h, unsigned *seed)
{
	h->n = 2 + (int)(frand(seed) * 15);
	for (int i = 0; i < h->n; i++) {
		h->cpus[i] = frand(seed) < 0.1 ? 0 : 4 + (int)(frand(seed) * 28);
		h->total[i] = 8192 * (1 + (int)(frand(seed) * 8));
		h->free[i] = h->total[i] * frand(seed);
	}
	for (int i = 0; i < h->n; i++)
		for (int j = i; j < h->n; j++)
			h->dist[i][j] = h->dist[j][i] = i == j ? 10 : 11 + (int)(frand(seed) * 30);
}

/*
 * A scenario on a fixed layout: the layout's CPUs, node sizes and SLIT (asymmetric rows kept),
 * with each node's free memory drawn anew as a random share of its size.
 */
static void layout_host(const struct host *layout, struct host *h, unsigned *seed)
{
	*h = *layout;
	for (int i = 0; i < h->n; i++)
		h->free[i] = h->total[i] * frand(seed);
}

/*
 * Read a numactl -H layout into a host, through the fixture tool and topology_read(). Returns 0,
 * 1 for a layout of more than MAXN nodes (no exact optimum: left out), or -1 on an error.
 */
static int load_layout(const char *path, struct host *h)
{
	char dir[] = "/tmp/numad-quality-XXXXXX", err[512];
	char *text;
	struct topology t;
	int rc = -1;

	if (!(text = fixture_read_file(path, err, sizeof(err)))) {
		fprintf(stderr, "numad_quality: %s\n", err);
		return -1;
	}
	if (!mkdtemp(dir)) {
		perror("numad_quality: mkdtemp");
		free(text);
		return -1;
	}
	if (fixture_build(dir, text, NULL, err, sizeof(err)) < 0 || topology_read(dir, &t, err, sizeof(err)) < 0) {
		fprintf(stderr, "numad_quality: %s: %s\n", path, err);
		goto out;
	}
	if (t.nnodes > MAXN) {
		/* a layout, not an error: it is left out of the table, and the run goes on */
		fprintf(stderr, "numad_quality: %s: %d nodes; the exact optimum is computed for up to %d, left out\n",
			path, t.nnodes, MAXN);
		rc = 1;
	} else {
		memset(h, 0, sizeof(*h));
		h->n = t.nnodes;
		for (int i = 0; i < h->n; i++) {
			h->cpus[i] = t.nodes[i].ncpus;
			h->total[i] = t.nodes[i].has_memory ? (double)t.nodes[i].mem.total_kb / 1024 : 0;
			for (int j = 0; j < h->n; j++)
				h->dist[i][j] = topology_distance(&t, i, j);
		}
		rc = 0;
	}
	topology_free(&t);
out:
	fixture_remove(dir);
	free(text);
	return rc;
}

/* Build a struct topology for the engine from the host (the engine reads nothing else). */
static void to_topology(const struct host *h, struct topology *t)
{
	size_t n = h->n > 0 && h->n <= MAXN ? (size_t)h->n : 1;

	memset(t, 0, sizeof(*t));
	t->nnodes = (int)n;
	t->nodes = calloc(n, sizeof(*t->nodes));
	t->dist = calloc(n * n, sizeof(int));
	for (int k = 0; k < NUMAD_MAX_NODES; k++)
		t->idx_of[k] = -1;
	for (int i = 0; i < h->n; i++) {
		struct node_info *ni = &t->nodes[i];
		ni->id = i;
		t->idx_of[i] = i;
		nodeset_add(&t->online, i);
		int nc = h->cpus[i] > 0 ? h->cpus[i] : 0;
		ni->ncpus = ni->ncores = nc;
		ni->cpus = calloc((size_t)nc + 1, sizeof(int));
		for (int c = 0; c < nc; c++)
			ni->cpus[c] = i * 64 + c;
		ni->has_memory = h->total[i] > 0;
		ni->mem.total_kb = (uint64_t)(h->total[i] * 1024);
		ni->mem.free_kb = (uint64_t)(h->free[i] * 1024);
		ni->mem.valid = true;
		for (int j = 0; j < h->n; j++)
			t->dist[i * h->n + j] = h->dist[i][j];
	}
}

static unsigned to_mask(const struct nodeset *s)
{
	unsigned m = 0;
	for (int n = nodeset_next(s, 0); n >= 0 && n < MAXN; n = nodeset_next(s, n + 1))
		m |= 1u << n;
	return m;
}

static void mask_str(unsigned mask, char *buf, size_t len)
{
	struct nodeset set;

	nodeset_clear(&set);
	for (int i = 0; i < MAXN; i++)
		if (mask & (1u << i))
			nodeset_add(&set, i);
	nodeset_format(&set, buf, len);
}

/* One row of a dumped scenario: set mask under both models; its engine score in *sc. */
static void dump_set(FILE *f, const char *what, const struct host *h, unsigned mask, double need,
		     const struct engine_host *eh, const struct engine_policy *p, const struct engine_request *req,
		     struct engine_score *sc, struct parts *tp)
{
	struct nodeset set;
	struct parts t;
	char buf[128];
	double c = cost_parts(h, mask, need, req->ncpus, &t);

	*tp = t;

	nodeset_clear(&set);
	for (int i = 0; i < h->n; i++)
		if (mask & (1u << i))
			nodeset_add(&set, i);
	mask_str(mask, buf, sizeof(buf));
	fprintf(f, "| %s | %s | %.4f | %.4f | %.4f | %.4f |", what, buf, t.dist, t.over, t.slow, c);
	if (engine_score_set(eh, p, req, &set, sc) == 0) {
		fprintf(f, " %s | %.4f | %.4f | %.4f | %.4f |\n", sc->fits ? "yes" : "no", sc->distance,
			p->w_mem * sc->mem, p->w_cpu * sc->cpu, sc->total);
	} else {
		memset(sc, 0, sizeof(*sc));
		fprintf(f, " - | - | - | - | - |\n");
	}
}

enum { CLS_OVER, CLS_CPU, CLS_OTHER, NCLS };
static const char *const cls_name[NCLS] = {
	"the baseline's set takes memory past the target",
	"the CPU terms decide: numad's set wins in the engine by its CPU term, or runs its vCPUs slower",
	"neither: the two models spread memory differently",
};

/*
 * A scenario where the baseline is cheaper than numad under the model: the host, the request,
 * three sets. Returns its class, from both models' terms for the baseline's and numad's sets.
 */
static int dump_case(FILE *f, const char *label, int no, const struct host *h, double need, unsigned opt_mask,
		     unsigned ours_mask, unsigned base_mask, const struct engine_host *eh,
		     const struct engine_policy *p, const struct engine_request *req)
{
	struct engine_score so, sn, sb;
	struct parts to, tn, tb;
	int cls;

	fprintf(f, "### %s, scenario %d: %g vCPUs, %.0f MB\n\n", label, no, req->ncpus, need);
	fprintf(f, "| node | CPUs | size MB | free MB | use with the whole guest there | SLIT row |\n"
		   "| --- | --- | --- | --- | --- | --- |\n");
	for (int i = 0; i < h->n; i++) {
		fprintf(f, "| %d | %d | %.0f | %.0f (%.0f%% used) | %.0f%% |", i, h->cpus[i], h->total[i], h->free[i],
			h->total[i] > 0 ? 100 * (1 - h->free[i] / h->total[i]) : 0,
			h->total[i] > 0 ? 100 * (1 - (h->free[i] - need) / h->total[i]) : 0);
		for (int j = 0; j < h->n; j++)
			fprintf(f, " %d", h->dist[i][j]);
		fprintf(f, " |\n");
	}
	fprintf(f, "\n| set | nodes | model: distance | model: points over %.0f%% | model: CPU slowdown | model: cost | "
		   "engine: fits | engine: distance | engine: w_mem x mem | engine: w_cpu x cpu | engine: total |\n"
		   "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n", 100 * TARGET);
	dump_set(f, "optimum", h, opt_mask, need, eh, p, req, &so, &to);
	dump_set(f, "numad", h, ours_mask, need, eh, p, req, &sn, &tn);
	dump_set(f, "baseline", h, base_mask, need, eh, p, req, &sb, &tb);
	if (!sb.fits)
		cls = CLS_OVER;
	else if (sb.distance + p->w_mem * sb.mem <= sn.distance + p->w_mem * sn.mem || tn.slow > tb.slow * (1 + 1e-9))
		cls = CLS_CPU;
	else
		cls = CLS_OTHER;
	fprintf(f, "\nClass: %s.\n\n", cls_name[cls]);
	return cls;
}

struct tally {
	int counted, nofit, engine_opt, base_worse, base_better, cls[NCLS];
	double sum_ratio, worst, base_sum, base_worst, worse_by; /* worse_by: sum of base/ours where worse */
};

/*
 * The engine's model with one or two changes, to price a proposal without touching lib/engine.c:
 *  - slow: the CPU term multiplies the distance by the time-sharing slowdown instead of adding
 *    w_cpu times the share of vCPUs without an idle CPU;
 *  - local: the distance is priced with the memory where the kernel puts it (local_first(): each
 *    vCPU node's share there first, then the nearest nodes), not in proportion to what each
 *    node offers;
 *  - both: the two.
 *   total = distance' * slow' + w_mem * mem + w_cpu' * cpu + w_move * move
 * Every subset of the nodes that offer memory (the engine's candidates) is scored with
 * engine_score_set(); the cheapest that fits wins. Returns its mask, or 0 when none fits.
 */
static unsigned variant_place(const struct host *h, const struct engine_host *eh, const struct engine_policy *p,
			      const struct engine_request *req)
{
	unsigned cand = 0, best = 0;
	double best_total = INFINITY;
	bool slow = variant == VAR_SLOW || variant == VAR_BOTH, local = variant == VAR_LOCAL || variant == VAR_BOTH;

	for (int j = 0; j < h->n; j++)
		if (room(h, j) > 0)
			cand |= 1u << j;
	for (unsigned m = cand; m; m = (m - 1) & cand) {
		struct nodeset set;
		struct engine_score sc;
		double t, dist, cpu_sum = 0, mem[MAXN];

		nodeset_clear(&set);
		for (int j = 0; j < h->n; j++)
			if (m & (1u << j)) {
				nodeset_add(&set, j);
				cpu_sum += h->cpus[j];
			}
		if (engine_score_set(eh, p, req, &set, &sc) < 0 || !sc.fits)
			continue;
		dist = sc.distance;
		if (local) {
			if (!local_first(h, m, (double)req->mem_mb, cpu_sum, mem))
				continue;
			dist = 0;
			for (int i = 0; i < h->n; i++)
				for (int j = 0; j < h->n; j++)
					if ((m & (1u << i)) && (m & (1u << j)))
						dist += (h->cpus[i] / cpu_sum) * (mem[j] / (double)req->mem_mb) * h->dist[i][j] / 10.0;
		}
		if (slow)
			t = dist * fmax(1.0, sc.idle_cpus > 0 ? req->ncpus / sc.idle_cpus : INFINITY) +
			    p->w_mem * sc.mem + p->w_move * sc.move;
		else
			t = dist + p->w_mem * sc.mem + p->w_cpu * sc.cpu + p->w_move * sc.move;
		if (t < best_total || (t == best_total && m < best)) {
			best_total = t;
			best = m;
		}
	}
	return best;
}

/* One scenario: the exact optimum, numad's engine and the baseline on host h. */
static void trial(const struct host *h, unsigned *seed, const struct engine_policy *p, struct tally *y, FILE *ratios,
		  FILE *dump, const char *label, int no)
{
	struct topology topo;
	struct engine_host eh = { &topo, NULL, NULL };
	struct engine_request req = { 0 };
	struct engine_result res;
	double total_free = 0, need, opt = INFINITY, ours, base;
	unsigned opt_mask = 0, ours_mask, base_mask;

	for (int i = 0; i < h->n; i++)
		total_free += h->free[i];
	need = total_free * (0.05 + 0.5 * frand(seed));
	req.ncpus = 1 + (int)(frand(seed) * 8);
	for (unsigned m = 1; m < (1u << h->n); m++) {
		double c = cost(h, m, need, req.ncpus);
		if (c < opt) {
			opt = c;
			opt_mask = m;
		}
	}
	to_topology(h, &topo);
	req.mem_mb = (uint64_t)need;
	engine_place(&eh, p, &req, &res);
	ours_mask = to_mask(&res.best);
	if (variant != VAR_NONE && res.status != ENGINE_NOFIT && !(ours_mask = variant_place(h, &eh, p, &req)))
		res.status = ENGINE_NOFIT;
	base_mask = baseline(h, need);
	ours = cost(h, ours_mask, need, req.ncpus);
	base = cost(h, base_mask, need, req.ncpus);
	if (dump && (show_scenario >= 0 ? no == show_scenario
				     : isfinite(opt) && res.status != ENGINE_NOFIT && ours > base * (1 + 1e-9)))
		y->cls[dump_case(dump, label, no, h, need, opt_mask, ours_mask, base_mask, &eh, p, &req)]++;
	topology_free(&topo);
	if (!isfinite(opt) || res.status == ENGINE_NOFIT) {
		y->nofit++;
		return;
	}
	y->counted++;
	if (!isfinite(ours))
		ours = opt * 10; /* counts as a miss: the engine chose a set the model rejects */
	if (!isfinite(base))
		base = opt * 10;
	y->sum_ratio += ours / opt;
	y->worst = fmax(y->worst, ours / opt);
	y->engine_opt += ours <= opt * (1 + 1e-9);
	y->base_sum += base / opt;
	y->base_worst = fmax(y->base_worst, base / opt);
	if (base > ours * (1 + 1e-9)) {
		y->base_worse++;
		y->worse_by += base / ours;
	} else if (ours > base * (1 + 1e-9)) {
		y->base_better++;
	}
	if (ratios)
		fprintf(ratios, "%s %.6f %.6f\n", label, ours / opt, base / opt);
}

static void print_row(const char *label, unsigned seed, const struct tally *y)
{
	int n = y->counted > 0 ? y->counted : 1;

	printf("| %s, seed %u | %d (%d nothing fits) | %.3f | %.3f | %.0f%% | %.3f | %.3f | %.0f%% | %s%.1f%% | %.0f%% |\n",
	       label, seed, y->counted, y->nofit, y->sum_ratio / n, y->worst, 100.0 * y->engine_opt / n,
	       y->base_sum / n, y->base_worst, 100.0 * y->base_worse / n, y->base_worse ? "+" : "",
	       y->base_worse ? 100.0 * (y->worse_by / y->base_worse - 1) : 0.0, 100.0 * y->base_better / n);
}

/* The dump's count of the scenarios of one host model, by class. */
static void dump_summary(FILE *f, const char *label, const struct tally *y)
{
	int all = 0;

	for (int k = 0; k < NCLS; k++)
		all += y->cls[k];
	fprintf(f, "## %s: %d of %d scenarios with the baseline cheaper\n\n", label, all, y->counted);
	for (int k = 0; k < NCLS; k++)
		fprintf(f, "- %s: %d\n", cls_name[k], y->cls[k]);
	fprintf(f, "\n");
}

static void usage(FILE *f)
{
	fprintf(f, "usage: numad_quality [--trials N] [--seed S] [--topo FILE]... [--random] [--ratios FILE] [--dump FILE]\n"
		   "                     [--model target|soft] [--scenario N]\n"
		   "                     [--w-cpu X] [--variant slow|local|both]\n"
		   "  --trials N    scenarios per model (default 1000)\n"
		   "  --seed S      first seed (default 1); every model starts from it\n"
		   "  --topo FILE   a numactl -H layout: N scenarios on it (repeatable)\n"
		   "  --random      N random hosts of 2-16 nodes (the default when no --topo is given)\n"
		   "  --ratios FILE write 'model numad/optimum baseline/optimum' for every scenario\n"
		   "  --dump FILE   write every scenario where the baseline is cheaper than numad: the host,\n"
		   "                the request, and the optimum's, numad's and the baseline's sets under both models\n"
		   "  --model M     target (default): memory never past the target, vCPUs past it slow the guest;\n"
		   "                soft: 2 x every point over the target, no CPU term (the yardstick before)\n"
		   "  --scenario N  --dump writes scenario N (from 0) of every host model instead\n"
		   "  --w-cpu X     run the engine with this CPU weight instead of its default (a variant to compare)\n"
		   "  --variant V   numad's column is the engine's model changed, searched over every subset:\n"
		   "                slow: its CPU term a slowdown (distance x max(1, vCPUs / idle CPUs));\n"
		   "                local: its distance with the memory placed local first; both: the two\n");
}

int main(int argc, char **argv)
{
	const char *topos[64], *ratios_path = NULL, *dump_path = NULL;
	int trials = 1000, ntopos = 0, rc = 0;
	bool random = false;
	unsigned seed0 = 1;
	double w_cpu = -1;
	struct engine_policy p;
	FILE *ratios = NULL, *dump = NULL;

	for (int a = 1; a < argc; a++) {
		const char *v = a + 1 < argc ? argv[a + 1] : NULL;

		if (!strcmp(argv[a], "--random")) {
			random = true;
		} else if (!strcmp(argv[a], "--help")) {
			usage(stdout);
			return 0;
		} else if (v && !strcmp(argv[a], "--trials") && atoi(v) > 0) {
			trials = atoi(v), a++;
		} else if (v && !strcmp(argv[a], "--seed")) {
			seed0 = (unsigned)strtoul(v, NULL, 10), a++;
		} else if (v && !strcmp(argv[a], "--topo") && ntopos < 64) {
			topos[ntopos++] = v, a++;
		} else if (v && !strcmp(argv[a], "--ratios")) {
			ratios_path = v, a++;
		} else if (v && !strcmp(argv[a], "--dump")) {
			dump_path = v, a++;
		} else if (v && !strcmp(argv[a], "--model") && (!strcmp(v, "target") || !strcmp(v, "soft"))) {
			soft_model = !strcmp(v, "soft"), a++;
		} else if (v && !strcmp(argv[a], "--variant") &&
			   (!strcmp(v, "slow") || !strcmp(v, "local") || !strcmp(v, "both"))) {
			variant = !strcmp(v, "slow") ? VAR_SLOW : !strcmp(v, "local") ? VAR_LOCAL : VAR_BOTH;
			a++;
		} else if (v && !strcmp(argv[a], "--scenario") && atoi(v) >= 0) {
			show_scenario = atoi(v), a++;
		} else if (v && !strcmp(argv[a], "--w-cpu") && strtod(v, NULL) >= 0) {
			w_cpu = strtod(v, NULL), a++;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (!ntopos)
		random = true;
	if (ratios_path && !(ratios = fopen(ratios_path, "w"))) {
		perror(ratios_path);
		return 1;
	}
	if (dump_path && !(dump = fopen(dump_path, "w"))) {
		perror(dump_path);
		return 1;
	}
	engine_policy_default(&p);
	if (w_cpu >= 0)
		p.w_cpu = w_cpu;
	printf("| model | trials | numad mean / optimum | numad worst | numad optimal | baseline mean / optimum | "
	       "baseline worst | baseline worse than numad | baseline cost over numad's, when worse | "
	       "baseline better than numad |\n");
	printf("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
	for (int k = 0; k < ntopos; k++) {
		struct host layout, h;
		struct tally y = { .worst = 1, .base_worst = 1 };
		unsigned seed = seed0;
		const char *label = strrchr(topos[k], '/') ? strrchr(topos[k], '/') + 1 : topos[k];

		int lr = load_layout(topos[k], &layout);

		if (lr < 0)
			rc = 1;
		if (lr != 0)
			continue;
		for (int t = 0; t < trials; t++) {
			layout_host(&layout, &h, &seed);
			trial(&h, &seed, &p, &y, ratios, dump, label, t);
		}
		print_row(label, seed0, &y);
		if (dump)
			dump_summary(dump, label, &y);
	}
	if (random) {
		struct host h;
		struct tally y = { .worst = 1, .base_worst = 1 };
		unsigned seed = seed0;

		for (int t = 0; t < trials; t++) {
			random_host(&h, &seed);
			trial(&h, &seed, &p, &y, ratios, dump, "random", t);
		}
		print_row("random 2-16 nodes", seed0, &y);
		if (dump)
			dump_summary(dump, "random 2-16 nodes", &y);
	}
	if (ratios && fclose(ratios) != 0) {
		perror(ratios_path);
		rc = 1;
	}
	if (dump && fclose(dump) != 0) {
		perror(dump_path);
		rc = 1;
	}
	return rc;
}
