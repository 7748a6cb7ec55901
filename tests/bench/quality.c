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
 *   numad_quality [--trials N] [--seed S]
 */
#include <math.h>
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

static double cost(const struct host *h, unsigned mask, double need)
{
	double cpu_sum = 0, free_sum = 0, c = 0, pen = 0;

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
		if (mask & (1u << j)) {
			double used = h->total[j] - h->free[j] + need * h->free[j] / free_sum;
			if (used / h->total[j] > 0.85)
				pen += used / h->total[j] - 0.85;
		}
	return c + 2.0 * pen;
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
		ni->has_memory = true;
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

int main(int argc, char **argv)
{
	int trials = 1000, counted = 0, base_worse = 0, engine_opt = 0, nofit = 0;
	unsigned seed = 1, seed0;
	double sum_ratio = 0, worst = 1, base_sum = 0, base_worst = 1;
	struct engine_policy p;

	for (int a = 1; a + 1 < argc; a += 2) {
		if (!strcmp(argv[a], "--trials"))
			trials = atoi(argv[a + 1]);
		else if (!strcmp(argv[a], "--seed"))
			seed = (unsigned)atoi(argv[a + 1]);
	}
	engine_policy_default(&p);
	seed0 = seed;
	for (int t = 0; t < trials; t++) {
		struct host h;
		struct topology topo;
		struct engine_host eh = { &topo, NULL };
		struct engine_request req = { 0 };
		struct engine_result res;
		double total_free = 0, need, opt = INFINITY, ours, base;

		random_host(&h, &seed);
		for (int i = 0; i < h.n; i++)
			total_free += h.free[i];
		need = total_free * (0.05 + 0.5 * frand(&seed));
		for (unsigned m = 1; m < (1u << h.n); m++) {
			double c = cost(&h, m, need);
			if (c < opt)
				opt = c;
		}
		to_topology(&h, &topo);
		req.ncpus = 1 + (int)(frand(&seed) * 8);
		req.mem_mb = (uint64_t)need;
		engine_place(&eh, &p, &req, &res);
		ours = cost(&h, to_mask(&res.best), need);
		base = cost(&h, baseline(&h, need), need);
		topology_free(&topo);
		if (!isfinite(opt) || res.status == ENGINE_NOFIT) {
			nofit++;
			continue;
		}
		counted++;
		if (!isfinite(ours))
			ours = opt * 10; /* counts as a miss: the engine chose a set the model rejects */
		sum_ratio += ours / opt;
		worst = fmax(worst, ours / opt);
		engine_opt += ours <= opt * (1 + 1e-9);
		if (isfinite(base)) {
			base_sum += base / opt;
			base_worst = fmax(base_worst, base / opt);
			base_worse += base > ours * (1 + 1e-9);
		} else {
			base_worse++;
			base_sum += 10;
		}
	}
	printf("| model | trials | numad mean / optimum | numad worst | numad optimal | baseline mean / optimum | baseline worst | baseline worse than numad |\n");
	printf("| --- | --- | --- | --- | --- | --- | --- | --- |\n");
	printf("| random 2-16 nodes, seed %d | %d (%d nothing fits) | %.3f | %.3f | %.0f%% | %.3f | %.3f | %.0f%% |\n",
	       (int)seed0, counted, nofit, sum_ratio / counted, worst, 100.0 * engine_opt / counted, base_sum / counted,
	       base_worst, 100.0 * base_worse / counted);
	return 0;
}
