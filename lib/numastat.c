/* numastat.c: cgroup memory.numa_stat and /proc/zoneinfo. */
#include <string.h>
#include <unistd.h>

#include "sample.h"

/* Add every "N<id>=<value>" token of one line, times scale, into kb per node index. */
static int add_node_values(const char *p, const char *end, const struct topology *t, uint64_t *kb,
			   uint64_t num, uint64_t den)
{
	int seen = 0;

	while (p < end) {
		uint64_t id, v;

		while (p < end && *p == ' ')
			p++;
		if (p >= end)
			break;
		if (*p != 'N') {
			p += strcspn(p, " \n");
			continue;
		}
		p++;
		if (parse_u64(&p, &id) < 0 || *p != '=')
			return -1;
		p++;
		if (parse_u64(&p, &v) < 0)
			return -1;
		if (id < NUMAD_MAX_NODES && t->idx_of[id] >= 0)
			kb[t->idx_of[id]] += v * num / den;
		seen++;
	}
	return seen;
}

int cgroup_numa_stat_parse(const char *text, const struct topology *t, uint64_t *kb, int *version)
{
	const char *line = text;
	uint64_t page_kb = (uint64_t)sysconf(_SC_PAGESIZE) / 1024;
	int found = 0;

	memset(kb, 0, (size_t)t->nnodes * sizeof(*kb));
	*version = 0;
	for (; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		const char *end = line + strcspn(line, "\n");

		if (strncmp(line, "anon ", 5) == 0 || strncmp(line, "shmem ", 6) == 0) {
			/* cgroup v2: bytes */
			if (add_node_values(line + strcspn(line, " "), end, t, kb, 1, 1024) < 0)
				return -1;
			*version = 2;
			found++;
		} else if (strncmp(line, "anon=", 5) == 0) {
			/* cgroup v1: pages, "anon=<total> N0=<pages> ..." */
			const char *p = line + strcspn(line, " ");
			if (add_node_values(p, end, t, kb, page_kb, 1) < 0)
				return -1;
			*version = 1;
			found++;
		}
	}
	return found ? 0 : -1;
}

/* Value of "<key> <number>" when line (after leading blanks) starts with key followed by a blank. */
static int zone_field(const char *line, const char *key, uint64_t *v)
{
	size_t k = strlen(key);

	while (*line == ' ')
		line++;
	if (strncmp(line, key, k) != 0 || (line[k] != ' ' && line[k] != '\t'))
		return -1;
	line += k;
	return parse_u64(&line, v);
}

int zoneinfo_parse(const char *text, const struct topology *t, struct zone_wm *wm)
{
	const char *line = text;
	int idx = -1, nodes = 0;
	uint64_t v;

	memset(wm, 0, (size_t)t->nnodes * sizeof(*wm));
	for (; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		if (strncmp(line, "Node ", 5) == 0) {
			const char *p = line + 5;
			uint64_t id;

			idx = -1;
			if (parse_u64(&p, &id) == 0 && *p == ',' && id < NUMAD_MAX_NODES) {
				idx = t->idx_of[id];
				nodes++;
			}
			continue;
		}
		if (idx < 0)
			continue;
		if (zone_field(line, "pages free", &v) == 0)
			wm[idx].free_pages += v;
		else if (zone_field(line, "min", &v) == 0)
			wm[idx].min_pages += v;
		else if (zone_field(line, "low", &v) == 0)
			wm[idx].low_pages += v;
		else if (zone_field(line, "high", &v) == 0)
			wm[idx].high_pages += v;
		else if (zone_field(line, "managed", &v) == 0)
			wm[idx].managed_pages += v;
	}
	return nodes ? nodes : -1;
}
