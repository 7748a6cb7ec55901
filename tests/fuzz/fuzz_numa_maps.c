/*
 * fuzz_numa_maps: numa_maps_parse on /proc/PID/numa_maps text, over a host with sparse
 * node ids (0-7, 9, 64, 1023; see fuzz_topology_sparse).
 *
 * A mapped file's path may hold blanks, '=' and "N0=1"-looking words, and a process can
 * vanish mid-read. Checks: the per-node sums plus the off-line part equal the total (mod
 * 2^64, as the counters are unsigned); a success counts at most one line per input line;
 * a failure (-1) is the only other answer.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "sample.h"

static struct topology topo;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);
	uint64_t *kb, sum_nodes = 0;
	struct numa_maps_sum sum;
	unsigned nl = 1;
	int r;

	if (topo.nnodes == 0)
		fuzz_topology_sparse(&topo);
	kb = malloc((size_t)topo.nnodes * sizeof(*kb));
	if (!kb)
		abort();
	memset(kb, 0x5a, (size_t)topo.nnodes * sizeof(*kb));
	r = numa_maps_parse(text, &topo, kb, &sum);
	FUZZ_CHECK(r == 0 || r == -1);
	if (r == 0) {
		for (const char *p = text; (p = strchr(p, '\n')); p++)
			nl++;
		for (int i = 0; i < topo.nnodes; i++)
			sum_nodes += kb[i];
		FUZZ_CHECK(sum_nodes + sum.offline_kb == sum.total_kb);
		FUZZ_CHECK(sum.lines <= nl);
		if (sum.lines == 0)
			FUZZ_CHECK(sum.total_kb == 0 && sum.huge_kb == 0 && sum.interleave_kb == 0 && sum.bind_kb == 0);
	}
	free(kb);
	free(text);
	return 0;
}
