/*
 * quality.c: placement quality of numad's engine against the exact optimum, under a cost
 * model stated here and written independently of lib/engine.c:
 *
 *   cost(S) = sum over CPU node i and memory node j of cpu_i * mem_j * SLIT(i,j) / 10
 *           + 2.0 * sum over j in S of max(0, used_j / total_j - u)
 *
 * where the guest's vCPUs spread over S's nodes in proportion to their CPUs, its memory over
 * S's nodes in proportion to their free memory (never more than a node has), used_j is the
 * node's memory in use after the placement, and u the target utilisation (0.85). A set that
 * cannot hold the guest, or has no CPUs, is not a placement. The optimum is the cheapest
 * subset. The baseline is the numad-0.5-like greedy pick: the node with the most free
 * memory, then, while the guest does not fit, the nearest node (by SLIT from the first)
 * with the most free memory.
 *
 * Hosts are either random (2-16 nodes, random CPUs, sizes, SLIT and free memory) or a
 * numactl -H layout (--topo) whose CPUs, sizes and SLIT stay fixed while every scenario draws
 * each node's free memory anew. Each scenario asks for 1-8 vCPUs and 5-55% of the free memory.
 *
 *   numad_quality [--trials N] [--seed S] [--topo FILE]... [--random] [--ratios FILE] [--dump FILE]
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

/* The model's two terms for set mask: *dist (1.0: every access local) and *over (the penalty's sum). */
static double cost_parts(const struct host *h, unsigned mask, double need, double *dist, double *over)
{
	double cpu_sum = 0, free_sum = 0, c = 0, pen = 0;

	*dist = *over = INFINITY;

	for (int i = 0; i < h->n; i++)
		if (mask & (1u << i)) {
			cpu_sum += h->cpus[i];
			free_sum += h->free[i];
		}
	if (cpu_sum <= 0 || free_sum < need)
		return INFINITY;
	for (int i = 0; i < h->n; i++)
		for (int j = 0; j < h->n; j++)
			if ((mask & (1u << i)) && (mask & (1u << j)))
				c += (h->cpus[i] / cpu_sum) * (h->free[j] / free_sum) * h->dist[i][j] / 10.0;
	for (int j = 0; j < h->n; j++)
		if ((mask & (1u << j)) && h->total[j] > 0) {
			double used = h->total[j] - h->free[j] + need * h->free[j] / free_sum;
			if (used / h->total[j] > 0.85)
				pen += used / h->total[j] - 0.85;
		}
	*dist = c;
	*over = pen;
	return c + 2.0 * pen;
}

static double cost(const struct host *h, unsigned mask, double need)
{
	double d, o;

	return cost_parts(h, mask, need, &d, &o);
}

static unsigned baseline(const struct host *h, double need)
{
	unsigned mask = 0;
	double have = 0;
	int first = -1;

	for (int i = 0; i < h->n; i++)
		if (h->cpus[i] > 0 && (first < 0 || h->free[i] > h->free[first]))
			first = i;
	if (first < 0)
		return 0;
	mask = 1u << first;
	have = h->free[first];
	while (have < need) {
		int best = -1;
		for (int j = 0; j < h->n; j++) {
			if (mask & (1u << j))
				continue;
			if (best < 0 || h->dist[first][j] < h->dist[first][best] ||
			    (h->dist[first][j] == h->dist[first][best] && h->free[j] > h->free[best]))
				best = j;
		}
		if (best < 0)
			break;
		mask |= 1u << best;
		have += h->free[best];
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

/* Read a numactl -H layout into a host, through the fixture tool and topology_read(). */
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
		fprintf(stderr, "numad_quality: %s: %d nodes; the exact optimum is computed for up to %d\n", path,
			t.nnodes, MAXN);
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

/* One row of a dumped scenario: set mask under both models. */
static void dump_set(FILE *f, const char *what, const struct host *h, unsigned mask, double need,
		     const struct engine_host *eh, const struct engine_policy *p, const struct engine_request *req)
{
	struct nodeset set;
	struct engine_score sc;
	char buf[128];
	double d, o, c = cost_parts(h, mask, need, &d, &o);

	nodeset_clear(&set);
	for (int i = 0; i < h->n; i++)
		if (mask & (1u << i))
			nodeset_add(&set, i);
	mask_str(mask, buf, sizeof(buf));
	fprintf(f, "| %s | %s | %.4f | %.4f | %.4f |", what, buf, d, 2.0 * o, c);
	if (engine_score_set(eh, p, req, &set, &sc) == 0)
		fprintf(f, " %s | %.4f | %.4f | %.4f | %.4f |\n", sc.fits ? "yes" : "no", sc.distance,
			p->w_mem * sc.mem, p->w_cpu * sc.cpu, sc.total);
	else
		fprintf(f, " - | - | - | - | - |\n");
}

/* A scenario where the baseline is cheaper than numad under the model: the host, the request, three sets. */
static void dump_case(FILE *f, const char *label, int no, const struct host *h, double need, unsigned opt_mask,
		      unsigned ours_mask, unsigned base_mask, const struct engine_host *eh,
		      const struct engine_policy *p, const struct engine_request *req)
{
	fprintf(f, "### %s, scenario %d: %g vCPUs, %.0f MB\n\n", label, no, req->ncpus, need);
	fprintf(f, "| node | CPUs | size MB | free MB | used with the whole guest there | SLIT row |\n| --- | --- | --- | --- | --- | --- |\n");
	for (int i = 0; i < h->n; i++) {
		fprintf(f, "| %d | %d | %.0f | %.0f (%.0f%% used) | %.0f%% |", i, h->cpus[i], h->total[i], h->free[i],
			h->total[i] > 0 ? 100 * (1 - h->free[i] / h->total[i]) : 0,
			h->total[i] > 0 ? 100 * (1 - (h->free[i] - need) / h->total[i]) : 0);
		for (int j = 0; j < h->n; j++)
			fprintf(f, " %d", h->dist[i][j]);
		fprintf(f, " |\n");
	}
	fprintf(f, "\n| set | nodes | model: distance | model: 2 x over 85%% | model: cost | engine: fits | "
		   "engine: distance | engine: w_mem x mem | engine: w_cpu x cpu | engine: total |\n"
		   "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
	dump_set(f, "optimum", h, opt_mask, need, eh, p, req);
	dump_set(f, "numad", h, ours_mask, need, eh, p, req);
	dump_set(f, "baseline", h, base_mask, need, eh, p, req);
	fprintf(f, "\n");
}

struct tally {
	int counted, nofit, engine_opt, base_worse, base_better;
	double sum_ratio, worst, base_sum, base_worst, worse_by; /* worse_by: sum of base/ours where worse */
};

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
	for (unsigned m = 1; m < (1u << h->n); m++) {
		double c = cost(h, m, need);
		if (c < opt) {
			opt = c;
			opt_mask = m;
		}
	}
	to_topology(h, &topo);
	req.ncpus = 1 + (int)(frand(seed) * 8);
	req.mem_mb = (uint64_t)need;
	engine_place(&eh, p, &req, &res);
	ours_mask = to_mask(&res.best);
	base_mask = baseline(h, need);
	ours = cost(h, ours_mask, need);
	base = cost(h, base_mask, need);
	if (dump && isfinite(opt) && res.status != ENGINE_NOFIT && ours > base * (1 + 1e-9))
		dump_case(dump, label, no, h, need, opt_mask, ours_mask, base_mask, &eh, p, &req);
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

static void usage(FILE *f)
{
	fprintf(f, "usage: numad_quality [--trials N] [--seed S] [--topo FILE]... [--random] [--ratios FILE] [--dump FILE]\n"
		   "  --trials N    scenarios per model (default 1000)\n"
		   "  --seed S      first seed (default 1); every model starts from it\n"
		   "  --topo FILE   a numactl -H layout: N scenarios on it (repeatable)\n"
		   "  --random      N random hosts of 2-16 nodes (the default when no --topo is given)\n"
		   "  --ratios FILE write 'model numad/optimum baseline/optimum' for every scenario\n"
		   "  --dump FILE   write every scenario where the baseline is cheaper than numad: the host,\n"
		   "                the request, and the optimum's, numad's and the baseline's sets under both models\n");
}

int main(int argc, char **argv)
{
	const char *topos[64], *ratios_path = NULL, *dump_path = NULL;
	int trials = 1000, ntopos = 0, rc = 0;
	bool random = false;
	unsigned seed0 = 1;
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
	printf("| model | trials | numad mean / optimum | numad worst | numad optimal | baseline mean / optimum | "
	       "baseline worst | baseline worse than numad | baseline cost over numad's, when worse | "
	       "baseline better than numad |\n");
	printf("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
	for (int k = 0; k < ntopos; k++) {
		struct host layout, h;
		struct tally y = { .worst = 1, .base_worst = 1 };
		unsigned seed = seed0;
		const char *label = strrchr(topos[k], '/') ? strrchr(topos[k], '/') + 1 : topos[k];

		if (load_layout(topos[k], &layout) < 0) {
			rc = 1;
			continue;
		}
		for (int t = 0; t < trials; t++) {
			layout_host(&layout, &h, &seed);
			trial(&h, &seed, &p, &y, ratios, dump, label, t);
		}
		print_row(label, seed0, &y);
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
