/*
 * fuzz_zoneinfo: zoneinfo_parse on /proc/zoneinfo text, over a host with sparse node ids
 * (see fuzz_topology_sparse).
 *
 * Checks: the answer is -1 (no "Node N," block) or a positive count of blocks, at most
 * the number of lines that start with "Node "; nothing is written past the nnodes
 * entries of wm.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "sample.h"

static struct topology topo;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);
	struct zone_wm *wm;
	int r, blocks = 0;

	if (topo.nnodes == 0)
		fuzz_topology_sparse(&topo);
	wm = malloc((size_t)topo.nnodes * sizeof(*wm));
	if (!wm)
		abort();
	r = zoneinfo_parse(text, &topo, wm);
	for (const char *p = text; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		blocks += strncmp(p, "Node ", 5) == 0;
	FUZZ_CHECK(r == -1 || (r > 0 && r <= blocks));
	free(wm);
	free(text);
	return 0;
}
