/* fuzz_common.c: helpers shared by the fuzz targets (see fuzz.h). */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fuzz_fail(const char *what, const char *file, int line)
{
	fprintf(stderr, "fuzz check failed: %s (%s:%d)\n", what, file, line);
	fflush(stderr);
	abort();
}

bool fuzz_terminated(const char *s, size_t len)
{
	return memchr(s, '\0', len) != NULL;
}

char *fuzz_text(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

uint8_t fuzz_u8(struct fuzz_in *in)
{
	uint8_t v;

	if (in->n == 0)
		return 0;
	v = in->p[0];
	in->p++;
	in->n--;
	return v;
}

uint16_t fuzz_u16(struct fuzz_in *in)
{
	uint16_t v = fuzz_u8(in);
	return (uint16_t)(v | (uint16_t)fuzz_u8(in) << 8);
}

uint32_t fuzz_u32(struct fuzz_in *in)
{
	uint32_t v = fuzz_u16(in);
	return v | (uint32_t)fuzz_u16(in) << 16;
}

uint64_t fuzz_u64(struct fuzz_in *in)
{
	uint64_t v = fuzz_u32(in);
	return v | (uint64_t)fuzz_u32(in) << 32;
}

int fuzz_range(struct fuzz_in *in, int lo, int hi)
{
	uint32_t span = (uint32_t)(hi - lo) + 1, v;

	if (hi <= lo)
		return lo;
	v = span <= 256 ? fuzz_u8(in) : span <= 65536 ? fuzz_u16(in) : fuzz_u32(in);
	return lo + (int)(v % span);
}

bool fuzz_bool(struct fuzz_in *in)
{
	return fuzz_u8(in) & 1;
}

void fuzz_topology_sparse(struct topology *t)
{
	static const int ids[] = { 0, 1, 2, 3, 4, 5, 6, 7, 9, 64, 1023 };
	int n = (int)(sizeof(ids) / sizeof(ids[0])), cpu = 0;

	fuzz_topology_alloc(t, n);
	t->nnodes = n;
	t->huge_page_kb = 2048;
	for (int i = 0; i < n; i++) {
		struct node_info *ni = &t->nodes[i];

		ni->id = ids[i];
		t->idx_of[ids[i]] = i;
		nodeset_add(&t->online, ids[i]);
		ni->ncpus = ids[i] == 9 ? 0 : 4;
		ni->cpus = calloc(4, sizeof(int));
		if (!ni->cpus)
			abort();
		for (int k = 0; k < ni->ncpus; k++)
			ni->cpus[k] = cpu++;
		ni->ncores = ni->ncpus;
		ni->has_memory = ids[i] != 64;
		ni->mem.total_kb = ni->has_memory ? 16u << 20 : 0;
		ni->mem.free_kb = ni->mem.total_kb / 2;
		ni->mem.huge_page_kb = 2048;
		ni->mem.valid = true;
		for (int j = 0; j < n; j++)
			t->dist[i * n + j] = i == j ? 10 : 20;
	}
	t->max_cpu = cpu - 1;
}

void fuzz_topology_alloc(struct topology *t, int n)
{
	memset(t, 0, sizeof(*t));
	for (int i = 0; i < NUMAD_MAX_NODES; i++)
		t->idx_of[i] = -1;
	t->nodes = calloc((size_t)n, sizeof(*t->nodes));
	t->dist = calloc((size_t)n * (size_t)n, sizeof(*t->dist));
	if (!t->nodes || !t->dist)
		abort();
	t->max_cpu = -1;
}

void fuzz_topology_free(struct topology *t)
{
	if (t->nodes)
		for (int i = 0; i < t->nnodes; i++)
			free(t->nodes[i].cpus);
	free(t->nodes);
	free(t->dist);
	memset(t, 0, sizeof(*t));
}
