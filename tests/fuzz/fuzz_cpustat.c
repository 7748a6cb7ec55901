/*
 * fuzz_cpustat: cpustat_parse on /proc/stat text, and cpustat_node_busy between two
 * samples over a host with sparse node ids (see fuzz_topology_sparse; CPUs 0-39).
 *
 * Input: the first sample, then optionally a NUL byte and the second sample (without a
 * NUL the text is both samples). Checks: a success holds at least one present CPU and
 * ids below ncpu; parsing a second text into the same cpustat replaces the first (equal
 * to a fresh parse); per-node busy CPUs are finite and within 0..the node's CPU count.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "sample.h"

static struct topology topo;

static void check_sample(const struct cpustat *cs)
{
	int present = 0;

	FUZZ_CHECK(cs->ncpu > 0 && cs->cpu != NULL);
	for (int i = 0; i < cs->ncpu; i++)
		if (cs->cpu[i].present) {
			present++;
			FUZZ_CHECK(cs->cpu[i].busy <= cs->cpu[i].total || cs->cpu[i].total < cs->cpu[i].busy);
		}
	FUZZ_CHECK(present > 0);
}

/* a and b agree on every CPU (absent past the end of the shorter one) */
static void check_same(const struct cpustat *a, const struct cpustat *b)
{
	int n = a->ncpu > b->ncpu ? a->ncpu : b->ncpu;

	for (int i = 0; i < n; i++) {
		struct cpu_times none = { 0 };
		const struct cpu_times *x = i < a->ncpu ? &a->cpu[i] : &none, *y = i < b->ncpu ? &b->cpu[i] : &none;

		FUZZ_CHECK(x->present == y->present);
		if (x->present)
			FUZZ_CHECK(x->busy == y->busy && x->total == y->total);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	char *first = fuzz_text(data, nul ? (size_t)(nul - data) : size);
	char *second = nul ? fuzz_text(nul + 1, size - (size_t)(nul - data) - 1) : NULL;
	struct cpustat prev = { 0 }, cur = { 0 }, fresh = { 0 };
	double *busy;
	int r1, r2, r3;

	if (topo.nnodes == 0)
		fuzz_topology_sparse(&topo);
	busy = malloc((size_t)topo.nnodes * sizeof(*busy));
	if (!busy)
		abort();

	r1 = cpustat_parse(first, &prev);
	FUZZ_CHECK(r1 == 0 || r1 == -1);
	if (r1 == 0)
		check_sample(&prev);

	/* the daemon parses each new sample into the buffer of an older one */
	r2 = cpustat_parse(second ? second : first, &cur);
	if (r2 == 0) {
		r3 = cpustat_parse(first, &cur);     /* replace cur's contents with the first text */
		FUZZ_CHECK(r3 == r1);
		if (r1 == 0)
			check_same(&cur, &prev);
		r2 = cpustat_parse(second ? second : first, &cur);
		FUZZ_CHECK(r2 == 0);
		FUZZ_CHECK(cpustat_parse(second ? second : first, &fresh) == 0);
		check_same(&cur, &fresh);
	}

	cpustat_node_busy(&topo, r1 == 0 ? &prev : NULL, r2 == 0 ? &cur : NULL, busy);
	for (int i = 0; i < topo.nnodes; i++) {
		FUZZ_CHECK(isfinite(busy[i]));
		FUZZ_CHECK(busy[i] >= 0 && busy[i] <= topo.nodes[i].ncpus + 1e-9);
		if (r1 != 0 || r2 != 0)
			FUZZ_CHECK(busy[i] == 0);
	}
	cpustat_free(&prev);
	cpustat_free(&cur);
	cpustat_free(&fresh);
	free(busy);
	free(first);
	free(second);
	return 0;
}
