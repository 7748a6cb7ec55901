/* cpustat.c: per-CPU and per-node CPU use from /proc/stat. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sample.h"

void cpustat_free(struct cpustat *cs)
{
	free(cs->cpu);
	cs->cpu = NULL;
	cs->ncpu = 0;
}

static int grow(struct cpustat *cs, int id)
{
	struct cpu_times *p;
	int n = cs->ncpu ? cs->ncpu : 64;

	if (id < cs->ncpu)
		return 0;
	while (n <= id)
		n *= 2;
	p = realloc(cs->cpu, (size_t)n * sizeof(*p));
	if (!p)
		return -1;
	memset(p + cs->ncpu, 0, (size_t)(n - cs->ncpu) * sizeof(*p));
	cs->cpu = p;
	cs->ncpu = n;
	return 0;
}

/* Parse one "cpuN a b c ..." line body (after "cpuN"). */
static int parse_cpu_line(const char *p, struct cpu_times *ct)
{
	uint64_t v[8] = { 0 };
	int n = 0;

	while (n < 8 && parse_u64(&p, &v[n]) == 0)
		n++;
	if (n < 4)
		return -1;
	/* user nice system idle iowait irq softirq steal; guest time is inside user. */
	ct->busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
	ct->total = ct->busy + v[3] + v[4];
	ct->present = true;
	return 0;
}

int cpustat_parse(const char *text, struct cpustat *cs)
{
	const char *line = text;
	int found = 0;

	if (cs->cpu)
		memset(cs->cpu, 0, (size_t)cs->ncpu * sizeof(*cs->cpu));
	for (; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		const char *p = line + 3;
		struct cpu_times ct;
		uint64_t id;

		if (strncmp(line, "cpu", 3) != 0 || *p < '0' || *p > '9')
			continue;
		if (parse_u64(&p, &id) < 0 || id >= NUMAD_MAX_CPUS || parse_cpu_line(p, &ct) < 0)
			continue;
		if (grow(cs, (int)id) < 0)
			return -1;
		cs->cpu[id] = ct;
		found++;
	}
	return found ? 0 : -1;
}

int cpustat_read(const char *root, struct cpustat *cs)
{
	struct buf b = { 0 };
	int r;

	r = read_file_at(root, "proc/stat", &b, 1 << 22);
	if (r == 0 && cpustat_parse(b.data, cs) < 0) {
		errno = EINVAL;
		r = -1;
	}
	buf_free(&b);
	return r;
}

void cpustat_node_busy(const struct topology *t, const struct cpustat *prev, const struct cpustat *cur,
		       double *busy)
{
	for (int i = 0; i < t->nnodes; i++) {
		const struct node_info *ni = &t->nodes[i];
		double sum = 0;

		busy[i] = 0;
		if (!prev || !cur)
			continue;
		for (int k = 0; k < ni->ncpus; k++) {
			int c = ni->cpus[k];
			const struct cpu_times *a, *b;

			if (c >= prev->ncpu || c >= cur->ncpu)
				continue;
			a = &prev->cpu[c];
			b = &cur->cpu[c];
			/* Counters that went backwards (hot-plug, iowait accounting) make the CPU count as idle. */
			if (!a->present || !b->present || b->total <= a->total || b->busy < a->busy ||
			    b->total - b->busy < a->total - a->busy)
				continue;
			sum += (double)(b->busy - a->busy) / (double)(b->total - a->total);
		}
		busy[i] = sum;
	}
}
