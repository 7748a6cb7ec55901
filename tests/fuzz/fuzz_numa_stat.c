/*
 * fuzz_numa_stat: cgroup_numa_stat_parse on a cgroup's memory.numa_stat, in either
 * format (v2 "anon N0=<bytes> ...", v1 "anon=<pages> N0=<pages> ..."), over a host with
 * sparse node ids (see fuzz_topology_sparse).
 *
 * Checks: a success names version 1 or 2 and the text holds a line that starts with
 * "anon" ("anon " or "anon=") or "shmem "; a failure is -1; nothing is written past the
 * nnodes entries of kb (AddressSanitizer watches the exact-size array).
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "sample.h"

static struct topology topo;

static int has_line(const char *text, const char *prefix)
{
	size_t n = strlen(prefix);

	for (const char *p = text; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, prefix, n) == 0)
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);
	uint64_t *kb;
	int r, version = -7;

	if (topo.nnodes == 0)
		fuzz_topology_sparse(&topo);
	kb = malloc((size_t)topo.nnodes * sizeof(*kb));
	if (!kb)
		abort();
	r = cgroup_numa_stat_parse(text, &topo, kb, &version);
	FUZZ_CHECK(r == 0 || r == -1);
	if (r == 0) {
		FUZZ_CHECK(version == 1 || version == 2);
		FUZZ_CHECK(has_line(text, "anon ") || has_line(text, "anon=") || has_line(text, "shmem "));
	}
	free(kb);
	free(text);
	return 0;
}
