/*
 * fuzz_meminfo: node_meminfo_parse on sys/devices/system/node/nodeN/meminfo text.
 *
 * Checks: a success needs MemTotal and MemFree, marks the sample valid, never has more
 * free than total, and node_free_kb() (with and without Inactive(file)) stays within
 * the node's size; a failure is -1.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "topology.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);
	struct node_mem m;
	int r;

	memset(&m, 0x5a, sizeof(m));
	r = node_meminfo_parse(text, &m);
	FUZZ_CHECK(r == 0 || r == -1);
	if (r == 0) {
		FUZZ_CHECK(m.valid);
		FUZZ_CHECK(strstr(text, "MemTotal:") && strstr(text, "MemFree:"));
		FUZZ_CHECK(m.free_kb <= m.total_kb);
		FUZZ_CHECK(node_free_kb(&m, true) <= m.total_kb);
		FUZZ_CHECK(node_free_kb(&m, false) <= m.total_kb);
		FUZZ_CHECK(node_free_kb(&m, false) <= node_free_kb(&m, true));
	}
	free(text);
	return 0;
}
