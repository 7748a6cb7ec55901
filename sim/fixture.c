/*
 * fixture.c: host trees shaped like sysfs and procfs, for the simulator and the tests.
 *
 * The input is `numactl -H` text (the nodes, their cpus, size and free memory, the SLIT)
 * and an optional description of processes and per-node or per-cpu overrides, in the
 * format tests/fixture/README.md describes. Both are parsed and checked first, and an
 * error names the input line; only then is anything written, in the kernel's layouts.
 */
#include "fixture.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nodeset.h"
#include "util.h"

#define MAX_CPUS 8192       /* cpu ids 0..8191 (NR_CPUS) */
#define MAX_PID 4194304L    /* the pid_max limit */
#define MAX_THREADS 4096    /* per process, a sanity bound */
#define MAX_COMM 255
#define MAX_MB (1ULL << 40) /* a sanity bound for MB values */

#define NUMACTL_MAX_WORDS (MAX_CPUS + 6)   /* "node N cpus:" and every cpu */
#define DESC_MAX_WORDS 64
#define WHY_LEN 384                        /* a parse error, before "... line N: " goes in front */
#define NODELIST_LEN (NUMAD_MAX_NODES * 5) /* "0,2,4,...": at most 4 digits and a comma an id */

#define PAGES_PER_MB 256ULL  /* 4 KiB pages */
#define ANON_CHUNK 262144ULL /* 1 GiB of 4 KiB pages per numa_maps line */
#define HUGE_CHUNK 512ULL    /* 1 GiB of 2 MiB pages per numa_maps line */
#define HEAP_PAGES 16ULL     /* pages per node carved into the heap line */
#define TEXT_PAGES 180ULL    /* the binary's text, file-backed */
#define DATA_PAGES 24ULL     /* the binary's data, file-backed */

#define NODE_DIR "sys/devices/system/node"
#define HUGE_DIR "hugepages/hugepages-2048kB"

__attribute__((format(printf, 3, 4)))
static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Put a parse error in why (WHY_LEN bytes); returns -1 for the caller to return. */
__attribute__((format(printf, 2, 3)))
static int fail(char *why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, WHY_LEN, fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * The contents of a file as they are built. A failed allocation leaves the text as it was
 * and sets oom, and writing the text reports it, so the builders need not check each step.
 */
struct text {
	struct buf b;
	bool oom;
};

static bool text_reserve(struct text *t, size_t extra)
{
	size_t need = t->b.len + extra + 1, cap;
	char *p;

	if (t->oom)
		return false;
	if (need <= t->b.cap)
		return true;
	cap = t->b.cap ? t->b.cap * 2 : 512;
	while (cap < need)
		cap *= 2;
	p = realloc(t->b.data, cap);
	if (!p) {
		t->oom = true;
		return false;
	}
	t->b.data = p;
	t->b.cap = cap;
	return true;
}

static void text_addn(struct text *t, const char *s, size_t n)
{
	if (!text_reserve(t, n))
		return;
	memcpy(t->b.data + t->b.len, s, n);
	t->b.len += n;
	t->b.data[t->b.len] = '\0';
}

static void text_add(struct text *t, const char *s)
{
	text_addn(t, s, strlen(s));
}

static void text_addc(struct text *t, char c)
{
	text_addn(t, &c, 1);
}

/* Append printf output; it may hold NUL bytes (%c of 0), which count in the length. */
__attribute__((format(printf, 2, 3)))
static void text_addf(struct text *t, const char *fmt, ...)
{
	size_t room = t->b.cap - t->b.len;
	va_list ap;
	int n;

	if (t->oom)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->b.data ? t->b.data + t->b.len : NULL, t->b.data ? room : 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (!t->b.data || (size_t)n >= room) {
		if (!text_reserve(t, (size_t)n))
			return;
		va_start(ap, fmt);
		vsnprintf(t->b.data + t->b.len, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	t->b.len += (size_t)n;
}

static void text_reset(struct text *t)
{
	t->b.len = 0;
	if (t->b.data)
		t->b.data[0] = '\0';
}

static const char *text_str(const struct text *t)
{
	return t->b.data ? t->b.data : "";
}

static void text_free(struct text *t)
{
	buf_free(&t->b);
	t->oom = false;
}

/* A decimal number between lo and hi and nothing else: no sign, no blanks. */
static int parse_num(const char *s, unsigned long long lo, unsigned long long hi, unsigned long long *out)
{
	const char *p = s;
	uint64_t v;

	if (!isdigit((unsigned char)*s) || parse_u64(&p, &v) < 0 || *p || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
	unsigned long long v;

	if (parse_num(s, (unsigned long long)lo, (unsigned long long)hi, &v) < 0)
		return -1;
	*out = (long)v;
	return 0;
}

/* Sets of cpu ids: a struct nodeset holds node ids only. */
struct cpumask {
	uint64_t w[MAX_CPUS / 64];
};

static void cpumask_add(struct cpumask *m, int cpu)
{
	m->w[cpu / 64] |= UINT64_C(1) << (cpu % 64);
}

static bool cpumask_has(const struct cpumask *m, int cpu)
{
	return (m->w[cpu / 64] >> (cpu % 64)) & 1;
}

static bool cpumask_empty(const struct cpumask *m)
{
	for (size_t i = 0; i < sizeof(m->w) / sizeof(m->w[0]); i++)
		if (m->w[i])
			return false;
	return true;
}

/* Lowest cpu >= from in m, or -1. */
static int cpumask_next(const struct cpumask *m, int from)
{
	for (int i = from / 64; i < MAX_CPUS / 64; i++) {
		uint64_t w = m->w[i];

		if (i == from / 64)
			w &= ~UINT64_C(0) << (from % 64);
		if (w)
			return i * 64 + __builtin_ctzll(w);
	}
	return -1;
}

static void add_cpu(void *ctx, unsigned id)
{
	cpumask_add(ctx, (int)id);
}

/* The lists of the description ("0-3,5") have no blanks, which idlist_parse() would skip. */
static int check_no_blanks(const char *text, char *why, size_t len)
{
	if (!text[strcspn(text, " \t\n\v\f\r")])
		return 0;
	snprintf(why, len, "unexpected character in list");
	return -1;
}

static int parse_cpu_list(const char *text, struct cpumask *m, char *why, size_t len)
{
	memset(m, 0, sizeof(*m));
	if (check_no_blanks(text, why, len) < 0)
		return -1;
	return idlist_parse(text, MAX_CPUS - 1, add_cpu, m, why, len);
}

static int parse_node_list(const char *text, struct nodeset *s, char *why, size_t len)
{
	nodeset_clear(s);
	if (check_no_blanks(text, why, len) < 0)
		return -1;
	return nodeset_parse(s, text, why, len);
}

/* Kernel list syntax: "0-3,5,7-8", "" for an empty set. */
static void text_add_cpulist(struct text *t, const struct cpumask *m)
{
	bool first = true;

	for (int i = cpumask_next(m, 0); i >= 0;) {
		int j = i;

		while (j + 1 < MAX_CPUS && cpumask_has(m, j + 1))
			j++;
		if (j == i)
			text_addf(t, "%s%d", first ? "" : ",", i);
		else
			text_addf(t, "%s%d-%d", first ? "" : ",", i, j);
		first = false;
		i = cpumask_next(m, j + 1);
	}
}

static void text_add_nodelist(struct text *t, const struct nodeset *s)
{
	char list[NODELIST_LEN];

	if (nodeset_format(s, list, sizeof(list)) >= 0)
		text_add(t, list);
}

/*
 * The kernel's "%*pb": 32-bit hex chunks, most significant first, separated by commas;
 * the first chunk is only as wide as the bits it holds need.
 */
static void text_add_mask(struct text *t, const uint64_t *w, int nbits)
{
	int chunk = nbits & 31;
	bool first = true;

	if (nbits <= 0) {
		text_addc(t, '0');
		return;
	}
	if (chunk == 0)
		chunk = 32;
	for (int i = ((nbits + 31) & ~31) - 32; i >= 0; i -= 32) {
		uint64_t mask = chunk == 32 ? 0xffffffffULL : (1ULL << chunk) - 1;

		text_addf(t, "%s%0*llx", first ? "" : ",", (chunk + 3) / 4,
			  (unsigned long long)((w[i / 64] >> (i % 64)) & mask));
		chunk = 32;
		first = false;
	}
}

/* The description's per-node overrides ("node N key=value"). */
enum node_key {
	NK_FREE_MB, NK_INACTIVE_FILE_MB, NK_ACTIVE_FILE_MB, NK_ANON_MB, NK_ACTIVE_ANON_MB, NK_INACTIVE_ANON_MB,
	NK_HP_TOTAL, NK_HP_FREE, NK_HP_SURP, NK_MIN_PAGES, NK_LOW_PAGES, NK_HIGH_PAGES,
	NK_NUMA_HIT, NK_NUMA_MISS, NK_NUMA_FOREIGN, NK_NUMA_INTERLEAVE, NK_NUMA_LOCAL, NK_NUMA_OTHER, /* numastat's order */
	NK_COUNT
};

static const char *const node_keys[NK_COUNT] = {
	"free_mb", "inactive_file_mb", "active_file_mb", "anon_mb", "active_anon_mb", "inactive_anon_mb",
	"hugepages_total", "hugepages_free", "hugepages_surp", "min_pages", "low_pages", "high_pages",
	"numa_hit", "numa_miss", "numa_foreign", "numa_interleave", "numa_local", "numa_other",
};

/* The columns of a cpu line in /proc/stat, which "cpu N key=value" sets. */
enum cpu_key {
	CK_USER, CK_NICE, CK_SYSTEM, CK_IDLE, CK_IOWAIT, CK_IRQ, CK_SOFTIRQ, CK_STEAL, CK_GUEST, CK_GUEST_NICE, CK_COUNT
};

static const char *const cpu_keys[CK_COUNT] = {
	"user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal", "guest", "guest_nice",
};

static int find_key(const char *const *keys, int n, const char *k)
{
	for (int i = 0; i < n; i++)
		if (strcmp(keys[i], k) == 0)
			return i;
	return -1;
}

struct node_spec {
	int id;
	int line_cpus, line_size, line_free, line_dist; /* numactl lines, 0 until seen */
	unsigned long long size_mb, free_mb;
	struct cpumask cpus;
	int *dist;               /* the SLIT row, in the order of the online ids */
	long long ovr[NK_COUNT]; /* -1 when not overridden */
	unsigned long long proc_anon_mb, proc_huge_pages; /* summed over the processes */
};

struct host_spec {
	int n;                      /* online nodes */
	struct node_spec *nodes;    /* sorted by id */
	short idx[NUMAD_MAX_NODES]; /* node id -> index in nodes, -1 when not online */
	struct nodeset online, has_mem, has_cpu;
	struct cpumask cpus;
	int max_cpu;  /* -1 when there are none */
	int max_node;
	bool have_dist; /* a "node distances:" section */
};

struct proc_spec {
	int line;
	long pid, ppid;
	char *comm, *name;
	int threads, vcpus; /* threads is 0 until set */
	unsigned long long *mem_mb, *huge_mb; /* by node index */
	char *policy;  /* "default", "interleave:0-2", ... */
	char *cgroup;  /* without a leading '/'; NULL for the root cgroup */
	int cgroupv;   /* 1 or 2 */
	char state;
	unsigned long long utime, stime, starttime;
	bool cpus_set, mems_set;
	struct cpumask cpus;
	struct nodeset mems;
	long lastcpu; /* -1: automatic */
};

struct model {
	struct host_spec host;
	struct proc_spec *procs;
	int nprocs, capprocs;
	unsigned long long (*cpustat)[CK_COUNT]; /* by cpu id, max_cpu + 1 of them */
	bool noslit;
};

static void host_init(struct host_spec *h)
{
	memset(h, 0, sizeof(*h));
	for (int i = 0; i < NUMAD_MAX_NODES; i++)
		h->idx[i] = -1;
	h->max_cpu = -1;
	h->max_node = -1;
}

static void host_free(struct host_spec *h)
{
	for (int i = 0; i < h->n; i++)
		free(h->nodes[i].dist);
	free(h->nodes);
	h->nodes = NULL;
	h->n = 0;
}

static void model_free(struct model *m)
{
	host_free(&m->host);
	for (int i = 0; i < m->nprocs; i++) {
		struct proc_spec *p = &m->procs[i];

		free(p->comm);
		free(p->name);
		free(p->mem_mb);
		free(p->huge_mb);
		free(p->policy);
		free(p->cgroup);
	}
	free(m->procs);
	free(m->cpustat);
	memset(m, 0, sizeof(*m));
}

/* The lines of a text in a writable copy, each without its trailing blanks. */
struct lines {
	char *copy, *p;
	int lineno;
};

static int lines_open(struct lines *l, const char *text)
{
	l->copy = strdup(text);
	l->p = l->copy;
	l->lineno = 0;
	return l->copy ? 0 : -1;
}

static char *next_line(struct lines *l)
{
	char *s = l->p, *e;
	size_t n;

	if (!*s)
		return NULL;
	e = strchr(s, '\n');
	if (e) {
		*e = '\0';
		l->p = e + 1;
	} else {
		l->p = s + strlen(s);
	}
	l->lineno++;
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* Split s in place at blanks. Returns the number of words, or max + 1 when there are more. */
static int split_ws(char *s, char **w, int max)
{
	int n = 0;

	for (;;) {
		while (*s && isspace((unsigned char)*s))
			s++;
		if (!*s)
			return n;
		if (n == max)
			return max + 1;
		w[n++] = s;
		while (*s && !isspace((unsigned char)*s))
			s++;
		if (*s)
			*s++ = '\0';
	}
}

/* Reading `numactl -H`: the node lines, then optionally the distance header and rows. */
enum numactl_state { IN_NODES, IN_DIST_HEADER, IN_DIST_ROWS };

struct numactl_parse {
	struct host_spec *h;
	enum numactl_state state;
	bool have_avail;
	int lineno;
};

/* "available: N nodes (LIST)" */
static int numactl_available(struct host_spec *h, char **w, int nw, char *why)
{
	char perr[WHY_LEN], *list;
	size_t len;
	long count;
	int k = 0;

	if (nw != 4 || strcmp(w[2], "nodes") != 0)
		return fail(why, "expected 'available: <n> nodes (<list>)'");
	if (parse_long(w[1], 1, NUMAD_MAX_NODES, &count) < 0)
		return fail(why, "bad node count '%s': a whole number from 1 to %d", w[1], NUMAD_MAX_NODES);
	list = w[3];
	len = strlen(list);
	if (len < 3 || list[0] != '(' || list[len - 1] != ')')
		return fail(why, "expected '(<list>)' after the node count");
	list[len - 1] = '\0';
	list++;
	if (parse_node_list(list, &h->online, perr, sizeof(perr)) < 0)
		return fail(why, "bad node list '%s': %s", list, perr);
	if (nodeset_count(&h->online) != count)
		return fail(why, "node count %ld does not match the list (%s) with %d nodes", count, list,
			    nodeset_count(&h->online));
	h->nodes = calloc((size_t)count, sizeof(*h->nodes));
	if (!h->nodes)
		return fail(why, "out of memory");
	h->n = (int)count;
	for (int id = nodeset_next(&h->online, 0); id >= 0; id = nodeset_next(&h->online, id + 1), k++) {
		h->nodes[k].id = id;
		for (int j = 0; j < NK_COUNT; j++)
			h->nodes[k].ovr[j] = -1;
		h->idx[id] = (short)k;
		h->max_node = id;
	}
	return 0;
}

/* "node 0 1 ...": the online ids in order */
static int numactl_dist_header(const struct host_spec *h, char **w, int nw, char *why)
{
	if (strcmp(w[0], "node") != 0)
		return fail(why, "expected the distance header 'node <id> <id> ...'");
	if (nw - 1 != h->n)
		return fail(why, "distance header lists %d nodes, 'available:' lists %d", nw - 1, h->n);
	for (int i = 1; i < nw; i++) {
		long id;

		if (parse_long(w[i], 0, NUMAD_MAX_NODES - 1, &id) < 0)
			return fail(why, "bad node id '%s' in distance header", w[i]);
		if (h->nodes[i - 1].id != id)
			return fail(why, "distance header column %d is node %ld, expected node %d", i, id,
				    h->nodes[i - 1].id);
	}
	return 0;
}

/* "X: d d ..." */
static int numactl_dist_row(struct host_spec *h, char **w, int nw, int lineno, char *why)
{
	size_t len = strlen(w[0]);
	struct node_spec *nd;
	long id;

	if (len < 2 || w[0][len - 1] != ':')
		return fail(why, "expected a distance row '<id>: <d> ...'");
	w[0][len - 1] = '\0';
	if (parse_long(w[0], 0, NUMAD_MAX_NODES - 1, &id) < 0 || h->idx[id] < 0)
		return fail(why, "distance row for unknown node '%s'", w[0]);
	nd = &h->nodes[h->idx[id]];
	if (nd->line_dist)
		return fail(why, "second distance row for node %ld (first on line %d)", id, nd->line_dist);
	if (nw - 1 != h->n)
		return fail(why, "distance row for node %ld has %d values, expected %d", id, nw - 1, h->n);
	nd->dist = malloc(sizeof(*nd->dist) * (size_t)h->n);
	if (!nd->dist)
		return fail(why, "out of memory");
	for (int i = 1; i < nw; i++) {
		long d;

		if (parse_long(w[i], 1, 255, &d) < 0)
			return fail(why, "bad distance '%s' (expected 1..255)", w[i]);
		nd->dist[i - 1] = (int)d;
	}
	nd->line_dist = lineno;
	return 0;
}

/* "node X cpus: C C ...", the words after "cpus:" in w */
static int numactl_node_cpus(struct host_spec *h, struct node_spec *nd, char **w, int nw, int lineno, char *why)
{
	if (nd->line_cpus)
		return fail(why, "second cpus line for node %d (first on line %d)", nd->id, nd->line_cpus);
	for (int i = 0; i < nw; i++) {
		long c;

		if (parse_long(w[i], 0, MAX_CPUS - 1, &c) < 0)
			return fail(why, "bad cpu id '%s'", w[i]);
		if (cpumask_has(&h->cpus, (int)c))
			return fail(why, "cpu %ld listed twice", c);
		cpumask_add(&h->cpus, (int)c);
		cpumask_add(&nd->cpus, (int)c);
		if (c > h->max_cpu)
			h->max_cpu = (int)c;
	}
	nd->line_cpus = lineno;
	return 0;
}

/* "node X size: N MB" or "node X free: N MB" */
static int numactl_node_mem(struct node_spec *nd, char **w, int nw, int lineno, char *why)
{
	bool is_size = w[2][0] == 's';
	unsigned long long v;

	if (nw != 5 || strcmp(w[4], "MB") != 0)
		return fail(why, "expected 'node %d %s <n> MB'", nd->id, w[2]);
	if (parse_num(w[3], 0, MAX_MB, &v) < 0)
		return fail(why, "bad %s value '%s'", is_size ? "size" : "free", w[3]);
	if (is_size) {
		if (nd->line_size)
			return fail(why, "second size line for node %d", nd->id);
		nd->size_mb = v;
		nd->line_size = lineno;
	} else {
		if (nd->line_free)
			return fail(why, "second free line for node %d", nd->id);
		nd->free_mb = v;
		nd->line_free = lineno;
	}
	if (nd->line_size && nd->line_free && nd->free_mb > nd->size_mb)
		return fail(why, "node %d free (%llu MB) exceeds size (%llu MB)", nd->id, nd->free_mb, nd->size_mb);
	return 0;
}

static int numactl_node_line(struct numactl_parse *ps, char **w, int nw, char *why)
{
	struct host_spec *h = ps->h;
	long id;

	if (parse_long(w[1], 0, NUMAD_MAX_NODES - 1, &id) < 0)
		return fail(why, "bad node id '%s'", w[1]);
	if (!ps->have_avail)
		return fail(why, "node line before the 'available:' line");
	if (h->idx[id] < 0)
		return fail(why, "node %ld is not in the 'available:' list", id);
	if (strcmp(w[2], "cpus:") == 0)
		return numactl_node_cpus(h, &h->nodes[h->idx[id]], w + 3, nw - 3, ps->lineno, why);
	if (strcmp(w[2], "size:") == 0 || strcmp(w[2], "free:") == 0)
		return numactl_node_mem(&h->nodes[h->idx[id]], w, nw, ps->lineno, why);
	return fail(why, "unrecognised line '%s'", w[0]);
}

static int numactl_line(struct numactl_parse *ps, char **w, int nw, char *why)
{
	struct host_spec *h = ps->h;

	if (ps->state == IN_DIST_HEADER) {
		ps->state = IN_DIST_ROWS;
		return numactl_dist_header(h, w, nw, why);
	}
	if (ps->state == IN_DIST_ROWS)
		return numactl_dist_row(h, w, nw, ps->lineno, why);
	if (strcmp(w[0], "available:") == 0) {
		if (ps->have_avail)
			return fail(why, "second 'available:' line");
		ps->have_avail = true;
		return numactl_available(h, w, nw, why);
	}
	if (strcmp(w[0], "No") == 0 && nw >= 3 && strcmp(w[1], "distance") == 0)
		return 0; /* "No distance information available." */
	if (strcmp(w[0], "node") == 0 && nw == 2 && strcmp(w[1], "distances:") == 0) {
		if (!ps->have_avail)
			return fail(why, "'node distances:' before the 'available:' line");
		if (h->have_dist)
			return fail(why, "second 'node distances:' section");
		h->have_dist = true;
		ps->state = IN_DIST_HEADER;
		return 0;
	}
	if (strcmp(w[0], "node") == 0 && nw >= 3)
		return numactl_node_line(ps, w, nw, why);
	return fail(why, "unrecognised line '%s'", w[0]);
}

/* After the last line: every node complete; the node sets. */
static int numactl_finish(struct numactl_parse *ps, char *err, size_t errlen)
{
	struct host_spec *h = ps->h;

	if (!ps->have_avail) {
		seterr(err, errlen, "numactl line %d: no 'available: <n> nodes (<list>)' line", ps->lineno);
		return -1;
	}
	if (ps->state == IN_DIST_HEADER) {
		seterr(err, errlen, "numactl line %d: 'node distances:' without a header line", ps->lineno);
		return -1;
	}
	for (int i = 0; i < h->n; i++) {
		struct node_spec *nd = &h->nodes[i];
		const char *missing = !nd->line_cpus ? "cpus" : !nd->line_size ? "size" : !nd->line_free ? "free" : NULL;

		if (!missing && h->have_dist && !nd->line_dist)
			missing = "distance row";
		if (missing) {
			seterr(err, errlen, "numactl line %d (end of input): node %d has no %s line", ps->lineno, nd->id,
			       missing);
			return -1;
		}
		if (nd->size_mb > 0)
			nodeset_add(&h->has_mem, nd->id);
		if (!cpumask_empty(&nd->cpus))
			nodeset_add(&h->has_cpu, nd->id);
	}
	return 0;
}

/* Parse numactl -H text into h (host_init() first). Returns 0, or -1 with "numactl line N: ..." in err. */
static int parse_numactl(struct host_spec *h, const char *text, char *err, size_t errlen)
{
	struct numactl_parse ps = { .h = h, .state = IN_NODES };
	char why[WHY_LEN], *line, **w;
	struct lines l;
	int rc = 0;

	if (!text) {
		seterr(err, errlen, "numactl line 0: no topology text");
		return -1;
	}
	w = malloc(sizeof(*w) * NUMACTL_MAX_WORDS);
	if (!w || lines_open(&l, text) < 0) {
		free(w);
		seterr(err, errlen, "numactl line 0: out of memory");
		return -1;
	}
	while (rc == 0 && (line = next_line(&l)) != NULL) {
		int nw = split_ws(line, w, NUMACTL_MAX_WORDS);

		ps.lineno = l.lineno;
		if (nw == 0)
			continue;
		if (nw > NUMACTL_MAX_WORDS)
			rc = fail(why, "line has too many fields");
		else
			rc = numactl_line(&ps, w, nw, why);
		if (rc < 0)
			seterr(err, errlen, "numactl line %d: %s", ps.lineno, why);
	}
	if (rc == 0)
		rc = numactl_finish(&ps, err, errlen);
	free(l.copy);
	free(w);
	return rc;
}

/*
 * Split a description line in place into words. Blanks separate words; a '"' toggles
 * quoting, inside which blanks are kept and \" and \\ are escapes (any other backslash is
 * literal, also outside quotes). A word that starts with '#' outside quotes starts a
 * comment. Returns the number of words, or -1 with a message in why.
 */
static int split_desc(char *s, char **w, int max, char *why)
{
	char *r = s, *o = s;
	int n = 0;

	for (;;) {
		bool quoted = false;

		while (*r && isspace((unsigned char)*r))
			r++;
		if (!*r || *r == '#')
			return n;
		if (n == max)
			return fail(why, "too many words on the line");
		w[n++] = o;
		while (*r && (quoted || !isspace((unsigned char)*r))) {
			if (*r == '"') {
				quoted = !quoted;
				r++;
			} else if (quoted && *r == '\\' && (r[1] == '"' || r[1] == '\\')) {
				*o++ = r[1];
				r += 2;
			} else {
				*o++ = *r++;
			}
		}
		if (quoted)
			return fail(why, "unterminated quote");
		if (*r)
			r++;
		*o++ = '\0';
	}
}

/* Split "key=value" in place: word keeps the key. */
static int split_kv(char *word, char **val, char *why)
{
	char *eq = strchr(word, '=');

	if (!eq || eq == word)
		return fail(why, "expected key=value, got '%s'", word);
	*eq = '\0';
	*val = eq + 1;
	return 0;
}

/* One "<node>:<MB>" of a mem= or huge= value at *p: the node's index and the MB, *p moved past them. */
static int parse_node_mb_item(const struct host_spec *h, const char *key, const char *v, const char **p, int *k,
			      unsigned long long *mb, char *why)
{
	uint64_t id, n;

	if (!isdigit((unsigned char)**p) || parse_u64(p, &id) < 0 || **p != ':' || id >= NUMAD_MAX_NODES)
		return fail(why, "bad %s= value '%s' (expected <node>:<MB>,...)", key, v);
	if (h->idx[id] < 0)
		return fail(why, "%s= names node %d, which is not online", key, (int)id);
	*k = h->idx[id];
	if (h->nodes[*k].size_mb == 0)
		return fail(why, "%s= names node %d, which has no memory", key, (int)id);
	(*p)++;
	if (!isdigit((unsigned char)**p))
		return fail(why, "bad %s= value '%s' (expected <node>:<MB>,...)", key, v);
	if (parse_u64(p, &n) < 0 || n > MAX_MB)
		return fail(why, "%s= value too large", key);
	*mb = n;
	return 0;
}

/* "0:1024,3:512" into out (MB by node index); need_even: whole 2 MiB pages only. */
static int parse_node_mb(const struct host_spec *h, const char *key, const char *v, unsigned long long *out,
			 bool need_even, char *why)
{
	const char *p = v;
	struct nodeset seen;

	nodeset_clear(&seen);
	if (!*p)
		return fail(why, "%s= needs <node>:<MB>[,<node>:<MB>...]", key);
	for (;;) {
		unsigned long long mb = 0;
		int k = 0;

		if (parse_node_mb_item(h, key, v, &p, &k, &mb, why) < 0)
			return -1;
		if (nodeset_has(&seen, h->nodes[k].id))
			return fail(why, "%s= names node %d twice", key, h->nodes[k].id);
		nodeset_add(&seen, h->nodes[k].id);
		if (need_even && mb % 2)
			return fail(why, "%s= node %d: %llu MB is not a whole number of 2 MiB pages", key, h->nodes[k].id,
				    mb);
		out[k] = mb;
		if (*p == '\0')
			return 0;
		if (*p != ',')
			return fail(why, "bad %s= value '%s' (expected <node>:<MB>,...)", key, v);
		p++;
	}
}

/* The policy's keyword ("interleave", "bind", "prefer") when v names one with a list, or NULL. */
static const char *policy_keyword(const char *v, size_t len)
{
	if (len == 10 && strncmp(v, "interleave", len) == 0)
		return "interleave";
	if (len == 4 && strncmp(v, "bind", len) == 0)
		return "bind";
	if ((len == 6 && strncmp(v, "prefer", len) == 0) || (len == 9 && strncmp(v, "preferred", len) == 0))
		return "prefer";
	return NULL;
}

/* policy=: "default", "local" or KEYWORD:LIST, kept with the list in kernel syntax. */
static int parse_policy(const struct host_spec *h, const char *v, char **out, char *why)
{
	const char *colon = strchr(v, ':'), *kw;
	char perr[WHY_LEN], list[NODELIST_LEN];
	struct nodeset set;

	if (!colon && (strcmp(v, "default") == 0 || strcmp(v, "local") == 0)) {
		*out = strdup(v);
		return *out ? 0 : fail(why, "out of memory");
	}
	kw = colon ? policy_keyword(v, (size_t)(colon - v)) : NULL;
	if (!kw)
		return fail(why, "bad policy '%s' (default, local, interleave:<nodes>, bind:<nodes>, prefer:<node>)", v);
	if (parse_node_list(colon + 1, &set, perr, sizeof(perr)) < 0)
		return fail(why, "bad policy node list '%s': %s", colon + 1, perr);
	if (nodeset_empty(&set))
		return fail(why, "policy '%s' has no nodes", v);
	if (strcmp(kw, "prefer") == 0 && nodeset_count(&set) != 1)
		return fail(why, "policy prefer takes exactly one node");
	for (int i = nodeset_next(&set, 0); i >= 0; i = nodeset_next(&set, i + 1))
		if (h->idx[i] < 0)
			return fail(why, "policy names node %d, which is not online", i);
	nodeset_format(&set, list, sizeof(list));
	if (asprintf(out, "%s:%s", kw, list) < 0) {
		*out = NULL;
		return fail(why, "out of memory");
	}
	return 0;
}

/* cgroup=: a path without empty, "." or ".." components; kept without leading and trailing '/'. */
static int parse_cgroup_path(const char *v, char **out, char *why)
{
	const char *p = v;
	size_t n;

	while (*p == '/')
		p++;
	if (!*p)
		return fail(why, "cgroup= needs a path (use no cgroup= for the root cgroup)");
	for (const char *c = p; *c;) {
		const char *e = strchr(c, '/');
		size_t len = e ? (size_t)(e - c) : strlen(c);

		if ((len == 0 && e && e[1]) || (len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
			return fail(why, "cgroup path '%s' has an empty, '.' or '..' component", v);
		if (!e)
			break;
		c = e + 1;
	}
	*out = strdup(p);
	if (!*out)
		return fail(why, "out of memory");
	n = strlen(*out);
	while (n > 0 && (*out)[n - 1] == '/')
		(*out)[--n] = '\0';
	return 0;
}

/* The keys of a proc line; each setter checks its value and puts it in p. */
enum proc_key_id {
	PK_PID, PK_COMM, PK_NAME, PK_THREADS, PK_VCPUS, PK_MEM, PK_HUGE, PK_POLICY, PK_CGROUP, PK_CGROUPV,
	PK_PPID, PK_STATE, PK_UTIME, PK_STIME, PK_STARTTIME, PK_CPUS, PK_MEMS, PK_LASTCPU, PK_COUNT
};

static int set_pid(const struct host_spec *h, struct proc_spec *p, const char *v, char *why)
{
	(void)h;
	if (parse_long(v, 1, MAX_PID, &p->pid) < 0)
		return fail(why, "bad pid '%s' (1..%ld)", v, MAX_PID);
	return 0;
}

static int set_ppid(const struct host_spec *h, struct proc_spec *p, const char *v, char *why)
{
	(void)h;
	if (parse_long(v, 0, MAX_PID, &p->ppid) < 0)
		return fail(why, "bad ppid '%s'", v);
	return 0;
}

static int set_comm(const struct host_spec *h, struct proc_spec *p, const char *v, char *why)
{
	(void)h;
	if (!*v || strlen(v) > MAX_COMM || strchr(v, '\n') || strchr(v, '/'))
		return fail(why, "bad comm '%s' (1..%d characters, no '/')", v, MAX_COMM);
	p->comm = strdup(v);
	return p->comm ? 0 : fail(why, "out of memory");
}

static int set_name(const struct host_spec *h, struct proc_spec *p, const char *v, char *why)
{
	(void)h;
	if (!*v || strlen(v) > MAX_COMM || strchr(v, '/'))
		return fail(why, "bad name '%s'", v);
	p->name = strdup(v);
	return p->name ? 0 : fail(why, "out of memory");
}

static int set_threads(const struct host_spec *h, struct proc_spec *p, const char *v, char *why)
{
	long n;

	(void)h;
	if (parse_long(v, 1, MAX_THREADS, &n) < 0)
		return fail(why, "bad threads '%s' (1..%d)", v, MAX_THREADS);
	p->threads = (int)n;
	return 0;
}

static int set_vcpus(const struct host_spec *h, struct proc_spec *p, const char *v, char *why)
{
	long n;

	(void)h;
	if (parse_long(v, 0, MAX_THREADS - 1, &n) < 0)
		return fail(why, "bad vcpus '%s'", v);
	p->vcpus = (int)n;
	return 0;
}

static int set_mem(const struct host_spec *h, struct proc_spec *p, const char *v, char *why)
{
	return parse_node_mb(h, "mem", v, p->mem_mb, false, why);
}

static int set_huge(const struct host_spec *h, struct proc_spec *p, const char *v, char *why)
{
	return parse_node_mb(h, "huge", v, p->huge_mb, true, why);
}

static int set_policy(const struct host_spec *h, struct proc_spec *p, const char *v, char *why)
{
	return parse_policy(h, v, &p->policy, why);
}

static int set_cgroup(const struct host_spec *h, struct proc_spec *p, const char *v, char *why)
{
	(void)h;
	return parse_cgroup_path(v, &p->cgroup, why);
}

static int set_cgroupv(const struct host_spec *h, struct proc_spec *p, const char *v, char *why)
{
	(void)h;
	if (strcmp(v, "1") != 0 && strcmp(v, "2") != 0)
		return fail(why, "bad cgroupv '%s' (1 or 2)", v);
	p->cgroupv = v[0] - '0';
	return 0;
}

static int set_state(const struct host_spec *h, struct proc_spec *p, const char *v, char *why)
{
	(void)h;
	if (strlen(v) != 1 || !strchr("RSDTtXZPI", v[0]))
		return fail(why, "bad state '%s' (one of R S D T t X Z P I)", v);
	p->state = v[0];
	return 0;
}

static int set_ticks(const char *key, unsigned long long *out, const char *v, char *why)
{
	if (parse_num(v, 0, ULLONG_MAX, out) < 0)
		return fail(why, "bad %s '%s'", key, v);
	return 0;
}

static int set_utime(const struct host_spec *h, struct proc_spec *p, const char *v, char *why)
{
	(void)h;
	return set_ticks("utime", &p->utime, v, why);
}

static int set_stime(const struct host_spec *h, struct proc_spec *p, const char *v, char *why)
{
	(void)h;
	return set_ticks("stime", &p->stime, v, why);
}

static int set_starttime(const struct host_spec *h, struct proc_spec *p, const char *v, char *why)
{
	(void)h;
	return set_ticks("starttime", &p->starttime, v, why);
}

static int set_cpus(const struct host_spec *h, struct proc_spec *p, const char *v, char *why)
{
	char perr[WHY_LEN];

	if (parse_cpu_list(v, &p->cpus, perr, sizeof(perr)) < 0)
		return fail(why, "bad cpus list '%s': %s", v, perr);
	for (int c = cpumask_next(&p->cpus, 0); c >= 0; c = cpumask_next(&p->cpus, c + 1))
		if (!cpumask_has(&h->cpus, c))
			return fail(why, "cpus= names cpu %d, which is not in the topology", c);
	if (cpumask_empty(&p->cpus))
		return fail(why, "cpus= is empty");
	p->cpus_set = true;
	return 0;
}

static int set_mems(const struct host_spec *h, struct proc_spec *p, const char *v, char *why)
{
	char perr[WHY_LEN];

	if (parse_node_list(v, &p->mems, perr, sizeof(perr)) < 0)
		return fail(why, "bad mems list '%s': %s", v, perr);
	for (int n = nodeset_next(&p->mems, 0); n >= 0; n = nodeset_next(&p->mems, n + 1))
		if (h->idx[n] < 0)
			return fail(why, "mems= names node %d, which is not online", n);
	if (nodeset_empty(&p->mems))
		return fail(why, "mems= is empty");
	p->mems_set = true;
	return 0;
}

static int set_lastcpu(const struct host_spec *h, struct proc_spec *p, const char *v, char *why)
{
	if (parse_long(v, 0, MAX_CPUS - 1, &p->lastcpu) < 0 || !cpumask_has(&h->cpus, (int)p->lastcpu))
		return fail(why, "lastcpu '%s' is not a cpu of the topology", v);
	return 0;
}

static const struct proc_key {
	const char *name;
	int (*set)(const struct host_spec *h, struct proc_spec *p, const char *v, char *why);
} proc_keys[PK_COUNT] = {
	[PK_PID] = { "pid", set_pid },
	[PK_COMM] = { "comm", set_comm },
	[PK_NAME] = { "name", set_name },
	[PK_THREADS] = { "threads", set_threads },
	[PK_VCPUS] = { "vcpus", set_vcpus },
	[PK_MEM] = { "mem", set_mem },
	[PK_HUGE] = { "huge", set_huge },
	[PK_POLICY] = { "policy", set_policy },
	[PK_CGROUP] = { "cgroup", set_cgroup },
	[PK_CGROUPV] = { "cgroupv", set_cgroupv },
	[PK_PPID] = { "ppid", set_ppid },
	[PK_STATE] = { "state", set_state },
	[PK_UTIME] = { "utime", set_utime },
	[PK_STIME] = { "stime", set_stime },
	[PK_STARTTIME] = { "starttime", set_starttime },
	[PK_CPUS] = { "cpus", set_cpus },
	[PK_MEMS] = { "mems", set_mems },
	[PK_LASTCPU] = { "lastcpu", set_lastcpu },
};

static int find_proc_key(const char *k)
{
	for (int i = 0; i < PK_COUNT; i++)
		if (strcmp(proc_keys[i].name, k) == 0)
			return i;
	return -1;
}

/* A new process with the defaults, at the end of m->procs; NULL when out of memory. */
static struct proc_spec *new_proc(struct model *m, int line)
{
	struct proc_spec *p;

	if (m->nprocs == m->capprocs) {
		int cap = m->capprocs ? m->capprocs * 2 : 64;
		struct proc_spec *procs = realloc(m->procs, sizeof(*procs) * (size_t)cap);

		if (!procs)
			return NULL;
		m->procs = procs;
		m->capprocs = cap;
	}
	p = &m->procs[m->nprocs++];
	memset(p, 0, sizeof(*p));
	p->mem_mb = calloc((size_t)m->host.n, sizeof(*p->mem_mb));
	p->huge_mb = calloc((size_t)m->host.n, sizeof(*p->huge_mb));
	if (!p->mem_mb || !p->huge_mb)
		return NULL;
	p->line = line;
	p->ppid = 1;
	p->state = 'S';
	p->cgroupv = 2;
	p->lastcpu = -1;
	p->starttime = 1000;
	return p;
}

/* What a proc line implies once all its keys are read: the checks across keys, the defaults. */
static int proc_finish(struct proc_spec *p, const bool *seen, char *why)
{
	if (!seen[PK_PID])
		return fail(why, "proc needs pid=");
	if (!p->threads)
		p->threads = p->vcpus > 0 ? p->vcpus + 1 : 1;
	if (p->vcpus > 0 && p->threads < p->vcpus + 1)
		return fail(why, "threads=%d must exceed vcpus=%d (the main thread is not a vCPU)", p->threads,
			    p->vcpus);
	if (p->pid + p->threads - 1 > MAX_PID)
		return fail(why, "thread ids of pid %ld run past %ld", p->pid, MAX_PID);
	if (p->cpus_set && p->lastcpu >= 0 && !cpumask_has(&p->cpus, (int)p->lastcpu))
		return fail(why, "lastcpu=%ld is not in cpus=", p->lastcpu);
	if (!p->comm && !(p->comm = strdup(p->vcpus > 0 ? "qemu-system-x86" : "proc")))
		return fail(why, "out of memory");
	if (!p->name && asprintf(&p->name, "vm%ld", p->pid) < 0) {
		p->name = NULL;
		return fail(why, "out of memory");
	}
	if (!p->policy && !(p->policy = strdup("default")))
		return fail(why, "out of memory");
	if (seen[PK_CGROUPV] && !p->cgroup)
		return fail(why, "cgroupv= without cgroup=");
	return 0;
}

/* "proc key=value ..." */
static int parse_proc(struct model *m, char **w, int nw, int line, char *why)
{
	struct proc_spec *p = new_proc(m, line);
	bool seen[PK_COUNT] = { false };

	if (!p)
		return fail(why, "out of memory");
	for (int i = 1; i < nw; i++) {
		char *v = NULL;
		int k;

		if (split_kv(w[i], &v, why) < 0)
			return -1;
		k = find_proc_key(w[i]);
		if (k < 0)
			return fail(why, "unknown proc key '%s'", w[i]);
		if (seen[k])
			return fail(why, "proc key '%s' given twice", w[i]);
		seen[k] = true;
		if (proc_keys[k].set(&m->host, p, v, why) < 0)
			return -1;
	}
	return proc_finish(p, seen, why);
}

/* The id of "node <id>" or "cpu <id>" (not "all"). */
static int override_id(const struct host_spec *h, bool is_node, const char *s, long *id, char *why)
{
	if (is_node) {
		if (parse_long(s, 0, NUMAD_MAX_NODES - 1, id) < 0 || h->idx[*id] < 0)
			return fail(why, "node '%s' is not online", s);
	} else {
		if (parse_long(s, 0, MAX_CPUS - 1, id) < 0 || !cpumask_has(&h->cpus, (int)*id))
			return fail(why, "cpu '%s' is not in the topology", s);
	}
	return 0;
}

/* Node key k = u on node id, or on every node when id is -1. */
static int set_node_override(struct host_spec *h, long id, int k, unsigned long long u, char *why)
{
	for (int j = 0; j < h->n; j++) {
		struct node_spec *nd = &h->nodes[j];

		if (id >= 0 && nd->id != id)
			continue;
		if (k == NK_FREE_MB && u > nd->size_mb)
			return fail(why, "free_mb=%llu exceeds the size of node %d (%llu MB)", u, nd->id, nd->size_mb);
		nd->ovr[k] = (long long)u;
	}
	return 0;
}

/* Cpu column k = u on cpu id, or on every cpu when id is -1. */
static void set_cpu_override(struct model *m, long id, int k, unsigned long long u)
{
	for (int c = 0; c <= m->host.max_cpu; c++)
		if (cpumask_has(&m->host.cpus, c) && (id < 0 || c == id))
			m->cpustat[c][k] = u;
}

/* "node <id>|all key=value ..." and "cpu <id>|all key=value ..." */
static int parse_override(struct model *m, bool is_node, char **w, int nw, char *why)
{
	const char *what = is_node ? "node" : "cpu";
	bool seen[NK_COUNT] = { false };
	long id = -1;

	_Static_assert((int)NK_COUNT >= (int)CK_COUNT, "seen[] holds the cpu keys too");
	if (nw < 2)
		return fail(why, "%s needs an id (or 'all')", what);
	if (strcmp(w[1], "all") != 0 && override_id(&m->host, is_node, w[1], &id, why) < 0)
		return -1;
	if (nw < 3)
		return fail(why, "%s %s: nothing to set", what, w[1]);
	for (int i = 2; i < nw; i++) {
		unsigned long long u;
		char *v = NULL;
		int k;

		if (split_kv(w[i], &v, why) < 0)
			return -1;
		k = is_node ? find_key(node_keys, NK_COUNT, w[i]) : find_key(cpu_keys, CK_COUNT, w[i]);
		if (k < 0)
			return fail(why, "unknown %s key '%s'", what, w[i]);
		if (seen[k])
			return fail(why, "%s key '%s' given twice", what, w[i]);
		seen[k] = true;
		if (parse_num(v, 0, 1ULL << 62, &u) < 0)
			return fail(why, "bad value '%s' for %s", v, w[i]);
		if (is_node && set_node_override(&m->host, id, k, u, why) < 0)
			return -1;
		if (!is_node)
			set_cpu_override(m, id, k, u);
	}
	return 0;
}

static int desc_line(struct model *m, char *text, int line, char *why)
{
	char *w[DESC_MAX_WORDS];
	int nw = split_desc(text, w, DESC_MAX_WORDS, why);

	if (nw <= 0)
		return nw;
	if (strcmp(w[0], "proc") == 0)
		return parse_proc(m, w, nw, line, why);
	if (strcmp(w[0], "node") == 0 || strcmp(w[0], "cpu") == 0)
		return parse_override(m, w[0][0] == 'n', w, nw, why);
	if (strcmp(w[0], "noslit") == 0) {
		if (nw != 1)
			return fail(why, "noslit takes no arguments");
		m->noslit = true;
		return 0;
	}
	return fail(why, "unknown directive '%s' (proc, node, cpu, noslit)", w[0]);
}

/* The thread ids of one process, pid..pid+threads-1. */
struct tid_range {
	long first, last;
	int line;
};

static int cmp_range(const void *a, const void *b)
{
	const struct tid_range *x = a, *y = b;

	return (x->first > y->first) - (x->first < y->first);
}

/* No two processes may share a thread id. Returns 0, or -1 with a message naming the later line. */
static int check_tids(const struct model *m, char *err, size_t errlen)
{
	struct tid_range *r;

	if (m->nprocs < 2)
		return 0;
	r = malloc(sizeof(*r) * (size_t)m->nprocs);
	if (!r) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	for (int i = 0; i < m->nprocs; i++)
		r[i] = (struct tid_range){ m->procs[i].pid, m->procs[i].pid + m->procs[i].threads - 1, m->procs[i].line };
	qsort(r, (size_t)m->nprocs, sizeof(*r), cmp_range);
	for (int i = 1; i < m->nprocs; i++) {
		const struct tid_range *later = &r[i], *earlier = &r[i - 1];

		if (r[i].first > r[i - 1].last)
			continue;
		if (r[i - 1].line > r[i].line) {
			later = &r[i - 1];
			earlier = &r[i];
		}
		seterr(err, errlen,
		       "desc line %d: thread ids %ld-%ld of pid %ld overlap thread ids %ld-%ld of pid %ld (line %d); "
		       "a process uses pid..pid+threads-1",
		       later->line, later->first, later->last, later->first, earlier->first, earlier->last, earlier->first,
		       earlier->line);
		free(r);
		return -1;
	}
	free(r);
	return 0;
}

/* Parse a description into m, whose host is read. Returns 0, or -1 with "desc line N: ..." in err. */
static int parse_desc(struct model *m, const char *text, char *err, size_t errlen)
{
	char why[WHY_LEN], *line;
	struct lines l;

	if (lines_open(&l, text) < 0) {
		seterr(err, errlen, "desc line 0: out of memory");
		return -1;
	}
	while ((line = next_line(&l)) != NULL) {
		if (desc_line(m, line, l.lineno, why) < 0) {
			seterr(err, errlen, "desc line %d: %s", l.lineno, why);
			free(l.copy);
			return -1;
		}
	}
	free(l.copy);
	return check_tids(m, err, errlen);
}

/* Writing the tree: files under a root, the next one's contents in t. */
struct writer {
	char path[PATH_MAX]; /* the root, then the file being written */
	size_t rootlen;
	struct text t;
	char *err;
	size_t errlen;
};

/* mkdir -p for every directory in path (not the last component) after its first skip bytes. */
static int mkparents(char *path, size_t skip)
{
	for (char *s = path + skip + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST) {
			int e = errno;

			*s = '/';
			errno = e;
			return -1;
		}
		*s = '/';
	}
	return 0;
}

static int mkdir_p(const char *dir)
{
	char buf[PATH_MAX];
	size_t n = strlen(dir);

	if (n + 2 > sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, dir, n);
	buf[n] = '/';
	buf[n + 1] = '\0';
	return mkparents(buf, 0);
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t k = write(fd, data, len);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		data += k;
		len -= (size_t)k;
	}
	return 0;
}

/* Create or replace root/rel with data; makes the directories that are missing. */
static int put_file(struct writer *w, const char *rel, const char *data, size_t len)
{
	size_t rl = strlen(rel);
	int fd;

	if (w->rootlen + 1 + rl + 1 > sizeof(w->path)) {
		seterr(w->err, w->errlen, "path too long: %s", rel);
		return -1;
	}
	w->path[w->rootlen] = '/';
	memcpy(w->path + w->rootlen + 1, rel, rl + 1);
	fd = open(w->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 && errno == ENOENT) {
		if (mkparents(w->path, w->rootlen) < 0) {
			seterr(w->err, w->errlen, "cannot create directories for %s: %s", w->path, strerror(errno));
			return -1;
		}
		fd = open(w->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	}
	if (fd < 0) {
		seterr(w->err, w->errlen, "cannot create %s: %s", w->path, strerror(errno));
		return -1;
	}
	if (write_all(fd, data, len) < 0) {
		seterr(w->err, w->errlen, "cannot write %s: %s", w->path, strerror(errno));
		close(fd);
		return -1;
	}
	if (close(fd) < 0) {
		seterr(w->err, w->errlen, "cannot write %s: %s", w->path, strerror(errno));
		return -1;
	}
	return 0;
}

__attribute__((format(printf, 2, 0)))
static int emit_v(struct writer *w, const char *relfmt, va_list ap)
{
	char rel[PATH_MAX];
	int n;

	if (w->t.oom) {
		seterr(w->err, w->errlen, "out of memory");
		return -1;
	}
	n = vsnprintf(rel, sizeof(rel), relfmt, ap);
	if (n < 0 || (size_t)n >= sizeof(rel)) {
		seterr(w->err, w->errlen, "path too long");
		return -1;
	}
	return put_file(w, rel, text_str(&w->t), w->t.b.len);
}

/* Write w->t to the file relfmt (printf format) names. */
__attribute__((format(printf, 2, 3)))
static int emit(struct writer *w, const char *relfmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, relfmt);
	rc = emit_v(w, relfmt, ap);
	va_end(ap);
	return rc;
}

/* Write "<v>\n" to the file relfmt names. */
__attribute__((format(printf, 3, 4)))
static int emit_num(struct writer *w, unsigned long long v, const char *relfmt, ...)
{
	va_list ap;
	int rc;

	text_reset(&w->t);
	text_addf(&w->t, "%llu\n", v);
	va_start(ap, relfmt);
	rc = emit_v(w, relfmt, ap);
	va_end(ap);
	return rc;
}

static int emit_nodelist(struct writer *w, const struct nodeset *s, const char *rel)
{
	text_reset(&w->t);
	text_add_nodelist(&w->t, s);
	text_addc(&w->t, '\n');
	return emit(w, "%s", rel);
}

static int emit_cpulist(struct writer *w, const struct cpumask *m, const char *rel)
{
	text_reset(&w->t);
	text_add_cpulist(&w->t, m);
	text_addc(&w->t, '\n');
	return emit(w, "%s", rel);
}

/*
 * mkdir one directory under the root (its parent should exist; EEXIST is fine). Making
 * the directories first saves a failed open() for each new one.
 */
__attribute__((format(printf, 2, 3)))
static int make_dir(struct writer *w, const char *relfmt, ...)
{
	size_t room = sizeof(w->path) - w->rootlen - 1;
	va_list ap;
	int n;

	va_start(ap, relfmt);
	n = vsnprintf(w->path + w->rootlen + 1, room, relfmt, ap);
	va_end(ap);
	w->path[w->rootlen] = '/';
	if (n < 0 || (size_t)n >= room) {
		seterr(w->err, w->errlen, "path too long");
		return -1;
	}
	if (mkdir(w->path, 0755) == 0 || errno == EEXIST)
		return 0;
	if (errno == ENOENT && mkparents(w->path, w->rootlen) == 0 && (mkdir(w->path, 0755) == 0 || errno == EEXIST))
		return 0;
	seterr(w->err, w->errlen, "cannot create %s: %s", w->path, strerror(errno));
	return -1;
}

/* A node's memory figures, with the description's overrides. */
struct node_vals {
	unsigned long long total_kb, free_kb, used_kb, anon_kb, active_anon_kb, inactive_anon_kb;
	unsigned long long active_file_kb, inactive_file_kb, file_kb, hp_total, hp_free, hp_surp;
	unsigned long long managed, wmin, wlow, whigh;
	unsigned long long numa[6]; /* numa_hit .. numa_other */
};

static unsigned long long ovr_or(const struct node_spec *nd, int k, unsigned long long dflt)
{
	return nd->ovr[k] >= 0 ? (unsigned long long)nd->ovr[k] : dflt;
}

static void node_values(const struct node_spec *nd, struct node_vals *v)
{
	unsigned long long used = nd->proc_huge_pages;

	memset(v, 0, sizeof(*v));
	v->total_kb = nd->size_mb * 1024;
	v->free_kb = ovr_or(nd, NK_FREE_MB, nd->free_mb) * 1024;
	v->used_kb = v->total_kb > v->free_kb ? v->total_kb - v->free_kb : 0;
	v->anon_kb = ovr_or(nd, NK_ANON_MB, nd->proc_anon_mb) * 1024;
	v->active_anon_kb = nd->ovr[NK_ACTIVE_ANON_MB] >= 0 ? (unsigned long long)nd->ovr[NK_ACTIVE_ANON_MB] * 1024
							    : v->anon_kb;
	v->inactive_anon_kb = ovr_or(nd, NK_INACTIVE_ANON_MB, 0) * 1024;
	v->active_file_kb = ovr_or(nd, NK_ACTIVE_FILE_MB, 0) * 1024;
	v->inactive_file_kb = ovr_or(nd, NK_INACTIVE_FILE_MB, 0) * 1024;
	v->file_kb = v->active_file_kb + v->inactive_file_kb;
	v->hp_total = ovr_or(nd, NK_HP_TOTAL, nd->proc_huge_pages);
	v->hp_free = ovr_or(nd, NK_HP_FREE, v->hp_total > used ? v->hp_total - used : 0);
	v->hp_surp = ovr_or(nd, NK_HP_SURP, 0);
	v->managed = v->total_kb / 4;
	v->wmin = ovr_or(nd, NK_MIN_PAGES, v->managed / 256);
	v->wlow = ovr_or(nd, NK_LOW_PAGES, v->wmin * 5 / 4);
	v->whigh = ovr_or(nd, NK_HIGH_PAGES, v->wmin * 3 / 2);
	for (int i = 0; i < 6; i++)
		v->numa[i] = ovr_or(nd, NK_NUMA_HIT + i, 0);
}

static void node_kb_line(struct text *t, int id, const char *label, unsigned long long kb)
{
	text_addf(t, "Node %d %-15s %8llu kB\n", id, label, kb);
}

/* nodeN/meminfo in the kernel's layout */
static void node_meminfo(struct text *t, int id, const struct node_vals *v)
{
	static const char *const zero_tail[] = { "Unevictable:", "Mlocked:", "Dirty:", "Writeback:" };
	static const char *const zero_after_anon[] = {
		"Shmem:", "KernelStack:", "PageTables:", "NFS_Unstable:", "Bounce:", "WritebackTmp:", "KReclaimable:",
		"Slab:", "SReclaimable:", "SUnreclaim:", "AnonHugePages:", "ShmemHugePages:", "ShmemPmdMapped:",
		"FileHugePages:", "FilePmdMapped:",
	};

	node_kb_line(t, id, "MemTotal:", v->total_kb);
	node_kb_line(t, id, "MemFree:", v->free_kb);
	node_kb_line(t, id, "MemUsed:", v->used_kb);
	node_kb_line(t, id, "SwapCached:", 0);
	node_kb_line(t, id, "Active:", v->active_anon_kb + v->active_file_kb);
	node_kb_line(t, id, "Inactive:", v->inactive_anon_kb + v->inactive_file_kb);
	node_kb_line(t, id, "Active(anon):", v->active_anon_kb);
	node_kb_line(t, id, "Inactive(anon):", v->inactive_anon_kb);
	node_kb_line(t, id, "Active(file):", v->active_file_kb);
	node_kb_line(t, id, "Inactive(file):", v->inactive_file_kb);
	for (size_t i = 0; i < sizeof(zero_tail) / sizeof(zero_tail[0]); i++)
		node_kb_line(t, id, zero_tail[i], 0);
	node_kb_line(t, id, "FilePages:", v->file_kb);
	node_kb_line(t, id, "Mapped:", 0);
	node_kb_line(t, id, "AnonPages:", v->anon_kb);
	for (size_t i = 0; i < sizeof(zero_after_anon) / sizeof(zero_after_anon[0]); i++)
		node_kb_line(t, id, zero_after_anon[i], 0);
	/* the kernel prints these as "HugePages_Total: %5u", "HugePages_Free:  %5u" */
	text_addf(t, "Node %d %-16s %5llu\n", id, "HugePages_Total:", v->hp_total);
	text_addf(t, "Node %d %-16s %5llu\n", id, "HugePages_Free:", v->hp_free);
	text_addf(t, "Node %d %-16s %5llu\n", id, "HugePages_Surp:", v->hp_surp);
}

static void numa_counters(struct text *t, const struct node_vals *v, const char *const names[6])
{
	for (int i = 0; i < 6; i++)
		text_addf(t, "%s %llu\n", names[i], v->numa[i]);
}

/* nodeN/vmstat */
static void node_vmstat(struct text *t, const struct node_vals *v)
{
	static const char *const numa[6] = {
		"numa_hit", "numa_miss", "numa_foreign", "numa_interleave", "numa_local", "numa_other",
	};

	text_addf(t, "nr_free_pages %llu\n", v->free_kb / 4);
	text_addf(t, "nr_zone_inactive_anon %llu\n", v->inactive_anon_kb / 4);
	text_addf(t, "nr_zone_active_anon %llu\n", v->active_anon_kb / 4);
	text_addf(t, "nr_zone_inactive_file %llu\n", v->inactive_file_kb / 4);
	text_addf(t, "nr_zone_active_file %llu\n", v->active_file_kb / 4);
	text_add(t, "nr_zone_unevictable 0\nnr_zone_write_pending 0\nnr_mlock 0\n"
		    "nr_bounce 0\nnr_zspages 0\nnr_free_cma 0\n");
	numa_counters(t, v, numa);
	text_addf(t, "nr_inactive_anon %llu\n", v->inactive_anon_kb / 4);
	text_addf(t, "nr_active_anon %llu\n", v->active_anon_kb / 4);
	text_addf(t, "nr_inactive_file %llu\n", v->inactive_file_kb / 4);
	text_addf(t, "nr_active_file %llu\n", v->active_file_kb / 4);
	text_add(t, "nr_unevictable 0\nnr_slab_reclaimable 0\nnr_slab_unreclaimable 0\n");
	text_addf(t, "nr_anon_pages %llu\n", v->anon_kb / 4);
	text_add(t, "nr_mapped 0\n");
	text_addf(t, "nr_file_pages %llu\n", v->file_kb / 4);
	text_add(t, "nr_dirty 0\nnr_writeback 0\nnr_shmem 0\nnr_anon_transparent_hugepages 0\n");
}

/* The files of one nodeN directory. */
static int write_node(struct writer *w, const struct model *m, const struct node_spec *nd)
{
	static const char *const numastat[6] = {
		"numa_hit", "numa_miss", "numa_foreign", "interleave_hit", "local_node", "other_node",
	};
	const struct host_spec *h = &m->host;
	struct node_vals v;
	char dir[64];

	node_values(nd, &v);
	snprintf(dir, sizeof(dir), NODE_DIR "/node%d", nd->id);
	text_reset(&w->t);
	text_add_cpulist(&w->t, &nd->cpus);
	text_addc(&w->t, '\n');
	if (emit(w, "%s/cpulist", dir) < 0)
		return -1;
	text_reset(&w->t);
	text_add_mask(&w->t, nd->cpus.w, h->max_cpu + 1 > 0 ? h->max_cpu + 1 : 1);
	text_addc(&w->t, '\n');
	if (emit(w, "%s/cpumap", dir) < 0)
		return -1;
	if (h->have_dist && !m->noslit) {
		text_reset(&w->t);
		for (int j = 0; j < h->n; j++)
			text_addf(&w->t, "%s%d", j ? " " : "", nd->dist[j]);
		text_addc(&w->t, '\n');
		if (emit(w, "%s/distance", dir) < 0)
			return -1;
	}
	text_reset(&w->t);
	node_meminfo(&w->t, nd->id, &v);
	if (emit(w, "%s/meminfo", dir) < 0)
		return -1;
	text_reset(&w->t);
	node_vmstat(&w->t, &v);
	if (emit(w, "%s/vmstat", dir) < 0)
		return -1;
	text_reset(&w->t);
	numa_counters(&w->t, &v, numastat);
	if (emit(w, "%s/numastat", dir) < 0 || emit_num(w, v.hp_total, "%s/" HUGE_DIR "/nr_hugepages", dir) < 0 ||
	    emit_num(w, v.hp_free, "%s/" HUGE_DIR "/free_hugepages", dir) < 0 ||
	    emit_num(w, v.hp_surp, "%s/" HUGE_DIR "/surplus_hugepages", dir) < 0)
		return -1;
	return 0;
}

static int write_nodes(struct writer *w, const struct model *m)
{
	const struct host_spec *h = &m->host;

	if (emit_nodelist(w, &h->online, NODE_DIR "/online") < 0 || emit_nodelist(w, &h->online, NODE_DIR "/possible") < 0 ||
	    emit_nodelist(w, &h->has_mem, NODE_DIR "/has_memory") < 0 ||
	    emit_nodelist(w, &h->has_mem, NODE_DIR "/has_normal_memory") < 0 ||
	    emit_nodelist(w, &h->has_cpu, NODE_DIR "/has_cpu") < 0)
		return -1;
	for (int i = 0; i < h->n; i++)
		if (write_node(w, m, &h->nodes[i]) < 0)
			return -1;
	return 0;
}

static void stat_line(struct text *t, const char *name, const unsigned long long *s)
{
	text_add(t, name);
	for (int k = 0; k < CK_COUNT; k++)
		text_addf(t, " %llu", s[k]);
	text_addc(t, '\n');
}

/* proc/stat: the sum, a line per cpu, then the counters numad does not read */
static int write_proc_stat(struct writer *w, const struct model *m)
{
	const struct host_spec *h = &m->host;
	unsigned long long sum[CK_COUNT] = { 0 };
	int running = 0;

	for (int cpu = 0; cpu <= h->max_cpu; cpu++)
		if (cpumask_has(&h->cpus, cpu))
			for (int k = 0; k < CK_COUNT; k++)
				sum[k] += m->cpustat[cpu][k];
	for (int i = 0; i < m->nprocs; i++)
		if (m->procs[i].state == 'R')
			running++;
	text_reset(&w->t);
	stat_line(&w->t, "cpu ", sum);
	for (int cpu = 0; cpu <= h->max_cpu; cpu++) {
		char name[16];

		if (!cpumask_has(&h->cpus, cpu))
			continue;
		snprintf(name, sizeof(name), "cpu%d", cpu);
		stat_line(&w->t, name, m->cpustat[cpu]);
	}
	text_addf(&w->t,
		  "intr 0\nctxt 0\nbtime 0\nprocesses 0\nprocs_running %d\nprocs_blocked 0\n"
		  "softirq 0 0 0 0 0 0 0 0 0 0 0\n",
		  running > 0 ? running : 1);
	return emit(w, "proc/stat");
}

static void zone_counter(struct text *t, const char *name, unsigned long long v)
{
	text_addf(t, "\n      %-12s %llu", name, v);
}

/* The block of proc/zoneinfo for a node with memory; the zone starts at start_pfn. */
static void zone_block(struct text *t, const struct host_spec *h, const struct node_spec *nd,
		       const struct node_vals *v, unsigned long long start_pfn)
{
	int cpu = cpumask_next(&nd->cpus, 0);

	text_addf(t, "Node %d, zone %8s", nd->id, "Normal");
	text_add(t, "\n  per-node stats");
	zone_counter(t, "nr_inactive_anon", v->inactive_anon_kb / 4);
	zone_counter(t, "nr_active_anon", v->active_anon_kb / 4);
	zone_counter(t, "nr_inactive_file", v->inactive_file_kb / 4);
	zone_counter(t, "nr_active_file", v->active_file_kb / 4);
	zone_counter(t, "nr_unevictable", 0);
	zone_counter(t, "nr_anon_pages", v->anon_kb / 4);
	zone_counter(t, "nr_mapped", 0);
	zone_counter(t, "nr_file_pages", v->file_kb / 4);
	zone_counter(t, "nr_dirty", 0);
	zone_counter(t, "nr_writeback", 0);
	zone_counter(t, "nr_shmem", 0);
	text_addf(t,
		  "\n  pages free     %llu\n        boost    %llu\n        min      %llu\n        low      %llu"
		  "\n        high     %llu\n        spanned  %llu\n        present  %llu\n        managed  %llu"
		  "\n        cma      %llu",
		  v->free_kb / 4, 0ULL, v->wmin, v->wlow, v->whigh, v->managed, v->managed, v->managed, 0ULL);
	text_add(t, "\n        protection: (0, 0, 0, 0, 0)");
	zone_counter(t, "nr_free_pages", v->free_kb / 4);
	zone_counter(t, "nr_zone_inactive_anon", v->inactive_anon_kb / 4);
	zone_counter(t, "nr_zone_active_anon", v->active_anon_kb / 4);
	zone_counter(t, "nr_zone_inactive_file", v->inactive_file_kb / 4);
	zone_counter(t, "nr_zone_active_file", v->active_file_kb / 4);
	zone_counter(t, "nr_zone_unevictable", 0);
	zone_counter(t, "nr_zone_write_pending", 0);
	zone_counter(t, "nr_mlock", 0);
	zone_counter(t, "nr_free_cma", 0);
	text_add(t, "\n  pagesets");
	if (cpu < 0)
		cpu = cpumask_next(&h->cpus, 0);
	if (cpu >= 0)
		text_addf(t,
			  "\n    cpu: %d\n              count: 0\n              high:  0\n              batch: 1"
			  "\n  vm stats threshold: 0",
			  cpu);
	text_addf(t, "\n  node_unreclaimable:  0\n  start_pfn:           %llu\n", start_pfn);
}

static int write_zoneinfo(struct writer *w, const struct host_spec *h)
{
	unsigned long long start_pfn = 1048576;

	text_reset(&w->t);
	for (int i = 0; i < h->n; i++) {
		struct node_vals v;

		if (h->nodes[i].size_mb == 0)
			continue;
		node_values(&h->nodes[i], &v);
		zone_block(&w->t, h, &h->nodes[i], &v, start_pfn);
		start_pfn += v.managed;
	}
	return emit(w, "proc/zoneinfo");
}

static void meminfo_line(struct text *t, const char *label, unsigned long long kb)
{
	text_addf(t, "%-15s %8llu kB\n", label, kb);
}

/* The figures of all nodes added up (those proc/meminfo shows). */
static void host_sums(const struct host_spec *h, struct node_vals *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (int i = 0; i < h->n; i++) {
		struct node_vals v;

		node_values(&h->nodes[i], &v);
		sum->total_kb += v.total_kb;
		sum->free_kb += v.free_kb;
		sum->anon_kb += v.anon_kb;
		sum->file_kb += v.file_kb;
		sum->active_anon_kb += v.active_anon_kb;
		sum->inactive_anon_kb += v.inactive_anon_kb;
		sum->active_file_kb += v.active_file_kb;
		sum->inactive_file_kb += v.inactive_file_kb;
		sum->hp_total += v.hp_total;
		sum->hp_free += v.hp_free;
		sum->hp_surp += v.hp_surp;
	}
}

/* proc/meminfo, and the hugepage counters over all nodes */
static int write_proc_meminfo(struct writer *w, const struct host_spec *h)
{
	struct text *t = &w->t;
	struct node_vals sum;

	host_sums(h, &sum);
	text_reset(t);
	meminfo_line(t, "MemTotal:", sum.total_kb);
	meminfo_line(t, "MemFree:", sum.free_kb);
	meminfo_line(t, "MemAvailable:", sum.free_kb + sum.file_kb);
	meminfo_line(t, "Buffers:", 0);
	meminfo_line(t, "Cached:", sum.file_kb);
	meminfo_line(t, "SwapCached:", 0);
	meminfo_line(t, "Active:", sum.active_anon_kb + sum.active_file_kb);
	meminfo_line(t, "Inactive:", sum.inactive_anon_kb + sum.inactive_file_kb);
	meminfo_line(t, "Active(anon):", sum.active_anon_kb);
	meminfo_line(t, "Inactive(anon):", sum.inactive_anon_kb);
	meminfo_line(t, "Active(file):", sum.active_file_kb);
	meminfo_line(t, "Inactive(file):", sum.inactive_file_kb);
	meminfo_line(t, "Unevictable:", 0);
	meminfo_line(t, "Mlocked:", 0);
	meminfo_line(t, "SwapTotal:", 0);
	meminfo_line(t, "SwapFree:", 0);
	meminfo_line(t, "Dirty:", 0);
	meminfo_line(t, "Writeback:", 0);
	meminfo_line(t, "AnonPages:", sum.anon_kb);
	meminfo_line(t, "Mapped:", 0);
	meminfo_line(t, "Shmem:", 0);
	meminfo_line(t, "AnonHugePages:", 0);
	text_addf(t, "HugePages_Total:   %5llu\nHugePages_Free:    %5llu\nHugePages_Rsvd:    %5llu\nHugePages_Surp:    %5llu\n",
		  sum.hp_total, sum.hp_free, 0ULL, sum.hp_surp);
	meminfo_line(t, "Hugepagesize:", 2048);
	meminfo_line(t, "Hugetlb:", sum.hp_total * 2048);
	if (emit(w, "proc/meminfo") < 0 || emit_num(w, sum.hp_total, "sys/kernel/mm/" HUGE_DIR "/nr_hugepages") < 0 ||
	    emit_num(w, sum.hp_free, "sys/kernel/mm/" HUGE_DIR "/free_hugepages") < 0 ||
	    emit_num(w, sum.hp_surp, "sys/kernel/mm/" HUGE_DIR "/surplus_hugepages") < 0 ||
	    emit_num(w, 0, "sys/kernel/mm/" HUGE_DIR "/resv_hugepages") < 0)
		return -1;
	return 0;
}

static int write_cpus_and_totals(struct writer *w, const struct model *m)
{
	const struct host_spec *h = &m->host;

	if (emit_cpulist(w, &h->cpus, "sys/devices/system/cpu/online") < 0 ||
	    emit_cpulist(w, &h->cpus, "sys/devices/system/cpu/possible") < 0 ||
	    emit_cpulist(w, &h->cpus, "sys/devices/system/cpu/present") < 0 || write_proc_stat(w, m) < 0 ||
	    write_zoneinfo(w, h) < 0)
		return -1;
	return write_proc_meminfo(w, h);
}

/* What the files of one process show, worked out once for all its threads. */
struct proc_view {
	const struct proc_spec *p;
	unsigned long long mem_mb, huge_mb, rss_pages, vsz_kb;
	int home;      /* index of the node with most of the memory, -1 when none has any */
	int file_node; /* node id of the binary's page cache, -1 when no node has memory */
	int *cpus;     /* the cpus the threads last ran on, in turn */
	int ncpus;
	struct text allowed; /* the Cpus_allowed..nonvoluntary_ctxt_switches lines of status */
};

static const char *state_name(char s)
{
	static const char *const names[] = {
		"R (running)", "S (sleeping)", "D (disk sleep)", "T (stopped)", "t (tracing stop)",
		"X (dead)", "Z (zombie)", "P (parked)", "I (idle)",
	};
	const char *p = s ? strchr("RSDTtXZPI", s) : NULL;

	return p ? names[p - "RSDTtXZPI"] : "S (sleeping)";
}
static void view_allowed(struct proc_view *pv, const struct host_spec *h)
{
	const struct proc_spec *p = pv->p;
	const struct cpumask *cpus = p->cpus_set ? &p->cpus : &h->cpus;
	const struct nodeset *mems = p->mems_set ? &p->mems : &h->has_mem;
	int nodebits = h->max_node + 1 < 64 ? 64 : h->max_node + 1;

	text_reset(&pv->allowed);
	text_add(&pv->allowed, "Cpus_allowed:\t");
	text_add_mask(&pv->allowed, cpus->w, h->max_cpu + 1 > 0 ? h->max_cpu + 1 : 1);
	text_add(&pv->allowed, "\nCpus_allowed_list:\t");
	text_add_cpulist(&pv->allowed, cpus);
	text_add(&pv->allowed, "\nMems_allowed:\t");
	text_add_mask(&pv->allowed, mems->w, (nodebits + 31) & ~31);
	text_add(&pv->allowed, "\nMems_allowed_list:\t");
	text_add_nodelist(&pv->allowed, mems);
	text_add(&pv->allowed, "\nvoluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n");
}

/*
 * The cpus the threads last ran on: lastcpu= when given, else the allowed cpus of the home
 * node, else all allowed cpus, else cpu 0 on a host without cpus.
 */
static void view_cpus(struct proc_view *pv, const struct host_spec *h)
{
	const struct proc_spec *p = pv->p;
	const struct cpumask *allowed = p->cpus_set ? &p->cpus : &h->cpus;

	pv->ncpus = 0;
	if (p->lastcpu >= 0) {
		pv->cpus[pv->ncpus++] = (int)p->lastcpu;
		return;
	}
	if (pv->home >= 0) {
		const struct cpumask *home = &h->nodes[pv->home].cpus;

		for (int c = cpumask_next(home, 0); c >= 0; c = cpumask_next(home, c + 1))
			if (cpumask_has(allowed, c))
				pv->cpus[pv->ncpus++] = c;
	}
	if (pv->ncpus == 0)
		for (int c = cpumask_next(allowed, 0); c >= 0; c = cpumask_next(allowed, c + 1))
			pv->cpus[pv->ncpus++] = c;
	if (pv->ncpus == 0)
		pv->cpus[pv->ncpus++] = 0;
}

static void view_fill(struct proc_view *pv, const struct host_spec *h, const struct proc_spec *p)
{
	unsigned long long best = 0;

	pv->p = p;
	pv->mem_mb = pv->huge_mb = 0;
	pv->home = -1;
	for (int i = 0; i < h->n; i++) {
		pv->mem_mb += p->mem_mb[i];
		pv->huge_mb += p->huge_mb[i];
		if (p->mem_mb[i] + p->huge_mb[i] > best) {
			best = p->mem_mb[i] + p->huge_mb[i];
			pv->home = i;
		}
	}
	pv->rss_pages = pv->mem_mb * PAGES_PER_MB;
	pv->vsz_kb = (pv->mem_mb + pv->huge_mb + 512) * 1024;
	if (pv->home >= 0 && h->nodes[pv->home].size_mb > 0)
		pv->file_node = h->nodes[pv->home].id;
	else
		pv->file_node = nodeset_next(&h->has_mem, 0);
	view_cpus(pv, h);
	view_allowed(pv, h);
}

/* One thread's (or the whole process's) line of stat. */
struct stat_vals {
	long tid;
	const char *comm;
	char state;
	int processor;
	unsigned long long utime, stime, guest_time;
};

/* proc/PID/stat and task/TID/stat: 52 fields */
static void add_stat(struct text *t, const struct proc_view *pv, const struct stat_vals *s)
{
	const struct proc_spec *p = pv->p;

	text_addf(t,
		  "%ld (%s) %c %ld %ld %ld 0 -1 4194560 0 0 0 0 %llu %llu 0 0 20 0 %d 0 %llu "
		  "%llu %llu 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 %d 0 0 0 %llu 0 "
		  "0 0 0 0 0 0 0 0\n",
		  s->tid, s->comm, s->state, p->ppid, p->pid, p->pid, s->utime, s->stime, p->threads, p->starttime,
		  pv->vsz_kb * 1024, pv->rss_pages, s->processor, s->guest_time);
}

/* proc/PID/status and task/TID/status */
static void add_status(struct text *t, const struct proc_view *pv, long tid, const char *comm, char state)
{
	const struct proc_spec *p = pv->p;
	unsigned long long rss_kb = pv->mem_mb * 1024;

	text_add(t, "Name:\t");
	for (const char *s = comm; *s; s++) {
		if (*s == '\\')
			text_add(t, "\\\\");
		else
			text_addc(t, *s);
	}
	text_addf(t,
		  "\nUmask:\t0022\nState:\t%s\nTgid:\t%ld\nNgid:\t0\nPid:\t%ld\nPPid:\t%ld\n"
		  "TracerPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t64\nGroups:\t\n"
		  "NStgid:\t%ld\nNSpid:\t%ld\nNSpgid:\t%ld\nNSsid:\t%ld\n",
		  state_name(state), p->pid, tid, p->ppid, p->pid, tid, p->pid, p->pid);
	text_addf(t,
		  "VmPeak:\t%8llu kB\nVmSize:\t%8llu kB\nVmLck:\t%8llu kB\nVmPin:\t%8llu kB\n"
		  "VmHWM:\t%8llu kB\nVmRSS:\t%8llu kB\nRssAnon:\t%8llu kB\n"
		  "RssFile:\t%8llu kB\nRssShmem:\t%8llu kB\nVmData:\t%8llu kB\n"
		  "VmStk:\t%8llu kB\nVmExe:\t%8llu kB\nVmLib:\t%8llu kB\nVmPTE:\t%8llu kB\n"
		  "VmSwap:\t%8llu kB\nHugetlbPages:\t%8llu kB\n",
		  pv->vsz_kb, pv->vsz_kb, 0ULL, 0ULL, rss_kb, rss_kb, rss_kb, 0ULL, 0ULL, rss_kb, 132ULL, 4096ULL, 8192ULL,
		  0ULL, 0ULL, pv->huge_mb * 1024);
	text_addf(t,
		  "CoreDumping:\t0\nTHP_enabled:\t1\nThreads:\t%d\nSigQ:\t0/63382\n"
		  "SigPnd:\t0000000000000000\nShdPnd:\t0000000000000000\n"
		  "SigBlk:\t0000000000000000\nSigIgn:\t0000000000001000\n"
		  "SigCgt:\t0000000100000000\nCapInh:\t0000000000000000\n"
		  "CapPrm:\t000001ffffffffff\nCapEff:\t000001ffffffffff\n"
		  "CapBnd:\t000001ffffffffff\nCapAmb:\t0000000000000000\nNoNewPrivs:\t0\n"
		  "Seccomp:\t0\nSeccomp_filters:\t0\nSpeculation_Store_Bypass:\tthread vulnerable\n"
		  "SpeculationIndirectBranch:\tconditional enabled\n",
		  p->threads);
	text_addn(t, text_str(&pv->allowed), pv->allowed.b.len);
}

static unsigned long long heap_pages(unsigned long long mb)
{
	unsigned long long pg = mb * PAGES_PER_MB;

	return pg < HEAP_PAGES ? pg : HEAP_PAGES;
}

/* numa_maps: the binary's two file-backed mappings, then the heap with up to HEAP_PAGES of each node */
static void numa_maps_head(struct text *t, const struct host_spec *h, const struct proc_view *pv)
{
	const struct proc_spec *p = pv->p;
	bool qemu = p->vcpus > 0 || strncmp(p->comm, "qemu", 4) == 0;
	const char *bin = qemu ? "/usr/bin/qemu-system-x86_64" : "/usr/lib/x86_64-linux-gnu/libc.so.6";
	unsigned long long heap = 0;

	if (pv->file_node >= 0) {
		text_addf(t, "55d0bf000000 default file=%s mapped=%llu mapmax=2 N%d=%llu kernelpagesize_kB=4\n", bin,
			  TEXT_PAGES, pv->file_node, TEXT_PAGES);
		text_addf(t, "55d0bf800000 default file=%s mapped=%llu mapmax=2 N%d=%llu kernelpagesize_kB=4\n", bin,
			  DATA_PAGES, pv->file_node, DATA_PAGES);
	}
	for (int i = 0; i < h->n; i++)
		heap += heap_pages(p->mem_mb[i]);
	if (heap == 0)
		return;
	text_addf(t, "55d0c1000000 %s heap anon=%llu dirty=%llu", p->policy, heap, heap);
	for (int i = 0; i < h->n; i++)
		if (p->mem_mb[i])
			text_addf(t, " N%d=%llu", h->nodes[i].id, heap_pages(p->mem_mb[i]));
	text_add(t, " kernelpagesize_kB=4\n");
}

/* numa_maps: hugetlbfs guest memory, then anon memory, in chunks of at most 1 GiB, then the stack */
static void numa_maps_body(struct text *t, const struct host_spec *h, const struct proc_spec *p)
{
	unsigned long long addr = 0x7e0000000000ULL;
	int k = 0;

	for (int i = 0; i < h->n; i++) {
		for (unsigned long long left = p->huge_mb[i] / 2, ch; left > 0; left -= ch) {
			ch = left < HUGE_CHUNK ? left : HUGE_CHUNK;
			text_addf(t,
				  "%llx %s file=/dev/hugepages/libvirt/qemu/%ld-%s/qemu_back_mem.%d huge "
				  "dirty=%llu N%d=%llu kernelpagesize_kB=2048\n",
				  addr, p->policy, p->pid, p->name, k++, ch, h->nodes[i].id, ch);
			addr += ch * 2 * 1024 * 1024 + (2ULL << 20);
		}
	}
	addr = 0x7f0000000000ULL;
	for (int i = 0; i < h->n; i++) {
		unsigned long long pg = p->mem_mb[i] * PAGES_PER_MB;

		for (unsigned long long left = pg - heap_pages(p->mem_mb[i]), ch; left > 0; left -= ch) {
			ch = left < ANON_CHUNK ? left : ANON_CHUNK;
			text_addf(t, "%llx %s anon=%llu dirty=%llu N%d=%llu kernelpagesize_kB=4\n", addr, p->policy, ch, ch,
				  h->nodes[i].id, ch);
			addr += ((ch * 4096 + (2ULL << 20) - 1) & ~((2ULL << 20) - 1)) + (2ULL << 20);
		}
	}
	/* an untouched stack mapping: the kernel prints no counters for it */
	text_add(t, "7ffd4a3f1000 default stack\n");
}

/* task/TID/{comm,stat,status} of thread ti; adds a vCPU thread's utime to *guest_sum. */
static int write_thread(struct writer *w, const struct proc_view *pv, int ti, unsigned long long *guest_sum)
{
	const struct proc_spec *p = pv->p;
	unsigned long long n = (unsigned long long)p->threads, uti = (unsigned long long)ti;
	bool vcpu = p->vcpus > 0 && ti >= 1 && ti <= p->vcpus;
	char comm[MAX_COMM + 1];
	struct stat_vals s = {
		.tid = p->pid + ti,
		.comm = comm,
		.state = ti == 0 ? p->state : 'S',
		.processor = pv->cpus[ti % pv->ncpus],
		.utime = p->utime / n + (uti < p->utime % n),
		.stime = p->stime / n + (uti < p->stime % n),
	};

	if (vcpu) {
		snprintf(comm, sizeof(comm), "CPU %d/KVM", ti - 1);
		s.guest_time = s.utime;
		*guest_sum += s.utime;
	} else {
		snprintf(comm, sizeof(comm), "%s", p->comm);
	}
	if (make_dir(w, "proc/%ld/task/%ld", p->pid, s.tid) < 0)
		return -1;
	text_reset(&w->t);
	text_addf(&w->t, "%s\n", comm);
	if (emit(w, "proc/%ld/task/%ld/comm", p->pid, s.tid) < 0)
		return -1;
	text_reset(&w->t);
	add_stat(&w->t, pv, &s);
	if (emit(w, "proc/%ld/task/%ld/stat", p->pid, s.tid) < 0)
		return -1;
	text_reset(&w->t);
	add_status(&w->t, pv, s.tid, comm, s.state);
	return emit(w, "proc/%ld/task/%ld/status", p->pid, s.tid);
}

static void add_cmdline(struct text *t, const struct proc_view *pv)
{
	const struct proc_spec *p = pv->p;

	if (p->vcpus > 0) {
		text_addf(t, "/usr/bin/qemu-system-x86_64%c-name%cguest=%s,debug-threads=on%c-smp%c%d%c-m%c%llu%c", 0, 0,
			  p->name, 0, 0, p->vcpus, 0, 0, pv->mem_mb + pv->huge_mb, 0);
	} else {
		text_add(t, p->comm);
		text_addc(t, '\0');
	}
}

static void add_cgroup(struct text *t, const struct proc_spec *p)
{
	if (!p->cgroup)
		text_add(t, "0::/\n");
	else if (p->cgroupv == 2)
		text_addf(t, "0::/%s\n", p->cgroup);
	else
		text_addf(t, "7:cpuset:/%s\n4:memory:/%s\n1:name=systemd:/%s\n", p->cgroup, p->cgroup, p->cgroup);
}

/* proc/PID/: the threads, then stat, status, comm, cmdline, numa_maps and cgroup */
static int write_proc(struct writer *w, const struct host_spec *h, const struct proc_view *pv)
{
	const struct proc_spec *p = pv->p;
	unsigned long long guest_sum = 0;
	struct stat_vals s = { p->pid, p->comm, p->state, pv->cpus[0], p->utime, p->stime, 0 };

	if (make_dir(w, "proc/%ld", p->pid) < 0 || make_dir(w, "proc/%ld/task", p->pid) < 0)
		return -1;
	for (int ti = 0; ti < p->threads; ti++)
		if (write_thread(w, pv, ti, &guest_sum) < 0)
			return -1;
	s.guest_time = guest_sum;
	text_reset(&w->t);
	add_stat(&w->t, pv, &s);
	if (emit(w, "proc/%ld/stat", p->pid) < 0)
		return -1;
	text_reset(&w->t);
	add_status(&w->t, pv, p->pid, p->comm, p->state);
	if (emit(w, "proc/%ld/status", p->pid) < 0)
		return -1;
	text_reset(&w->t);
	text_addf(&w->t, "%s\n", p->comm);
	if (emit(w, "proc/%ld/comm", p->pid) < 0)
		return -1;
	text_reset(&w->t);
	add_cmdline(&w->t, pv);
	if (emit(w, "proc/%ld/cmdline", p->pid) < 0)
		return -1;
	text_reset(&w->t);
	numa_maps_head(&w->t, h, pv);
	numa_maps_body(&w->t, h, p);
	if (emit(w, "proc/%ld/numa_maps", p->pid) < 0)
		return -1;
	text_reset(&w->t);
	add_cgroup(&w->t, p);
	return emit(w, "proc/%ld/cgroup", p->pid);
}

static int write_procs(struct writer *w, const struct model *m)
{
	struct proc_view pv = { 0 };
	int rc = 0;

	pv.cpus = malloc(sizeof(*pv.cpus) * (size_t)(m->host.max_cpu + 2));
	if (!pv.cpus) {
		seterr(w->err, w->errlen, "out of memory");
		return -1;
	}
	if (make_dir(w, "proc") < 0)
		rc = -1;
	for (int i = 0; rc == 0 && i < m->nprocs; i++) {
		view_fill(&pv, &m->host, &m->procs[i]);
		if (pv.allowed.oom) {
			seterr(w->err, w->errlen, "out of memory");
			rc = -1;
		} else {
			rc = write_proc(w, &m->host, &pv);
		}
	}
	free(pv.cpus);
	text_free(&pv.allowed);
	return rc;
}

/* A cgroup of the description and its processes (indexes into m->procs). */
struct cgroup_entry {
	int version;
	const char *path;
	int *procs;
	int nprocs;
};

struct cgroups {
	struct cgroup_entry *e;
	int n;
	bool any_v1, any_v2;
};

static void cgroups_free(struct cgroups *cg)
{
	for (int k = 0; k < cg->n; k++)
		free(cg->e[k].procs);
	free(cg->e);
}

static int cgroup_add_proc(struct cgroups *cg, const struct proc_spec *p, int pi)
{
	struct cgroup_entry *e;
	int *procs;
	int k = 0;

	while (k < cg->n && (cg->e[k].version != p->cgroupv || strcmp(cg->e[k].path, p->cgroup) != 0))
		k++;
	if (k == cg->n) {
		e = realloc(cg->e, sizeof(*e) * (size_t)(cg->n + 1));
		if (!e)
			return -1;
		cg->e = e;
		cg->e[cg->n++] = (struct cgroup_entry){ .version = p->cgroupv, .path = p->cgroup };
	}
	e = &cg->e[k];
	procs = realloc(e->procs, sizeof(*procs) * (size_t)(e->nprocs + 1));
	if (!procs)
		return -1;
	e->procs = procs;
	e->procs[e->nprocs++] = pi;
	return 0;
}

/* The cgroups of the processes, in the order they first appear. */
static int collect_cgroups(const struct model *m, struct cgroups *cg)
{
	memset(cg, 0, sizeof(*cg));
	for (int pi = 0; pi < m->nprocs; pi++) {
		const struct proc_spec *p = &m->procs[pi];

		if (!p->cgroup)
			continue;
		if (p->cgroupv == 1)
			cg->any_v1 = true;
		else
			cg->any_v2 = true;
		if (cgroup_add_proc(cg, p, pi) < 0)
			return -1;
	}
	return 0;
}

/*
 * proc/mounts and the v2 marker: v2 unless only v1 cgroups are used; a tree mixing both
 * versions gets both (an artificial setup for tests).
 */
static int write_mounts(struct writer *w, const struct cgroups *cg)
{
	bool v2 = !cg->any_v1 || cg->any_v2;

	text_reset(&w->t);
	text_add(&w->t, "sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0\n"
			"proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n");
	if (!v2)
		text_add(&w->t, "tmpfs /sys/fs/cgroup tmpfs ro,nosuid,nodev,noexec,mode=755 0 0\n");
	else
		text_add(&w->t, "cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime,nsdelegate,"
				"memory_recursiveprot 0 0\n");
	if (cg->any_v1)
		text_add(&w->t, "cgroup /sys/fs/cgroup/cpuset cgroup rw,nosuid,nodev,noexec,relatime,cpuset 0 0\n"
				"cgroup /sys/fs/cgroup/memory cgroup rw,nosuid,nodev,noexec,relatime,memory 0 0\n");
	if (emit(w, "proc/mounts") < 0)
		return -1;
	if (!v2)
		return 0;
	text_reset(&w->t);
	text_add(&w->t, "cpuset cpu io memory hugetlb pids rdma misc\n");
	return emit(w, "sys/fs/cgroup/cgroup.controllers");
}

/* What a cgroup's files show, summed over its processes. */
struct cgroup_vals {
	unsigned long long *anon; /* MB by node index */
	unsigned long long total; /* MB */
	struct text mems, cpus;   /* cpuset.mems and cpuset.cpus with their newline */
};

static void cgroup_sum(struct cgroup_vals *cv, const struct model *m, const struct cgroup_entry *e)
{
	bool mems = false, cpus = false;

	memset(cv->anon, 0, sizeof(*cv->anon) * (size_t)m->host.n);
	cv->total = 0;
	text_reset(&cv->mems);
	text_reset(&cv->cpus);
	for (int j = 0; j < e->nprocs; j++) {
		const struct proc_spec *p = &m->procs[e->procs[j]];

		for (int i = 0; i < m->host.n; i++) {
			cv->anon[i] += p->mem_mb[i];
			cv->total += p->mem_mb[i];
		}
		/* from the first process that sets them */
		if (p->mems_set && !mems) {
			text_add_nodelist(&cv->mems, &p->mems);
			mems = true;
		}
		if (p->cpus_set && !cpus) {
			text_add_cpulist(&cv->cpus, &p->cpus);
			cpus = true;
		}
	}
	text_addc(&cv->mems, '\n');
	text_addc(&cv->cpus, '\n');
}

static void numa_stat_row(struct text *t, const struct host_spec *h, const char *name,
			  const unsigned long long *vals, unsigned long long scale)
{
	text_add(t, name);
	for (int i = 0; i < h->n; i++)
		text_addf(t, " N%d=%llu", h->nodes[i].id, vals ? vals[i] * scale : 0ULL);
	text_addc(t, '\n');
}

/* v2 memory.numa_stat in bytes: anon and active_anon hold the memory, every other row is 0 */
static void numa_stat_v2(struct text *t, const struct host_spec *h, const unsigned long long *anon)
{
	static const char *const rows[] = {
		"anon", "file", "kernel_stack", "pagetables", "shmem", "file_mapped", "file_dirty",
		"file_writeback", "swapcached", "anon_thp", "file_thp", "shmem_thp", "inactive_anon",
		"active_anon", "inactive_file", "active_file", "unevictable", "slab_reclaimable",
		"slab_unreclaimable",
	};

	for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		bool is_anon = strcmp(rows[r], "anon") == 0 || strcmp(rows[r], "active_anon") == 0;

		numa_stat_row(t, h, rows[r], is_anon ? anon : NULL, 1ULL << 20);
	}
}

/* v1 memory.numa_stat in pages: total, file, anon, unevictable, then the hierarchical_ rows */
static void numa_stat_v1(struct text *t, const struct host_spec *h, const struct cgroup_vals *cv)
{
	static const char *const rows[] = { "total", "file", "anon", "unevictable" };

	for (int hier = 0; hier < 2; hier++) {
		for (int r = 0; r < 4; r++) {
			bool is_anon = r == 0 || r == 2;

			text_addf(t, "%s%s=%llu", hier ? "hierarchical_" : "", rows[r], is_anon ? cv->total * PAGES_PER_MB : 0ULL);
			for (int i = 0; i < h->n; i++)
				text_addf(t, " N%d=%llu", h->nodes[i].id, is_anon ? cv->anon[i] * PAGES_PER_MB : 0ULL);
			text_addc(t, '\n');
		}
	}
}

/* "PID\n" for each process of e, or "TID\n" for each of their threads */
static void add_pids(struct text *t, const struct model *m, const struct cgroup_entry *e, bool threads)
{
	for (int j = 0; j < e->nprocs; j++) {
		const struct proc_spec *p = &m->procs[e->procs[j]];

		for (int ti = 0; ti < (threads ? p->threads : 1); ti++)
			text_addf(t, "%ld\n", p->pid + ti);
	}
}

/* Write contents (a text of its own) to the file relfmt names. */
__attribute__((format(printf, 3, 4)))
static int emit_copy(struct writer *w, const struct text *contents, const char *relfmt, ...)
{
	va_list ap;
	int rc;

	text_reset(&w->t);
	text_addn(&w->t, text_str(contents), contents->b.len);
	va_start(ap, relfmt);
	rc = emit_v(w, relfmt, ap);
	va_end(ap);
	return rc;
}

/* cpuset.{mems,cpus}.effective: as set, or all nodes with memory and all cpus */
static int write_effective(struct writer *w, const struct host_spec *h, const struct cgroup_vals *cv, const char *path)
{
	text_reset(&w->t);
	if (cv->mems.b.len > 1)
		text_add(&w->t, text_str(&cv->mems));
	else
		text_add_nodelist(&w->t, &h->has_mem), text_addc(&w->t, '\n');
	if (emit(w, "sys/fs/cgroup/%s/cpuset.mems.effective", path) < 0)
		return -1;
	text_reset(&w->t);
	if (cv->cpus.b.len > 1)
		text_add(&w->t, text_str(&cv->cpus));
	else
		text_add_cpulist(&w->t, &h->cpus), text_addc(&w->t, '\n');
	return emit(w, "sys/fs/cgroup/%s/cpuset.cpus.effective", path);
}

static int write_cgroup_v2(struct writer *w, const struct model *m, const struct cgroup_entry *e,
			   const struct cgroup_vals *cv)
{
	text_reset(&w->t);
	numa_stat_v2(&w->t, &m->host, cv->anon);
	if (emit(w, "sys/fs/cgroup/%s/memory.numa_stat", e->path) < 0)
		return -1;
	text_reset(&w->t);
	add_pids(&w->t, m, e, false);
	if (emit(w, "sys/fs/cgroup/%s/cgroup.procs", e->path) < 0)
		return -1;
	text_reset(&w->t);
	add_pids(&w->t, m, e, true);
	if (emit(w, "sys/fs/cgroup/%s/cgroup.threads", e->path) < 0 ||
	    emit_num(w, cv->total << 20, "sys/fs/cgroup/%s/memory.current", e->path) < 0 ||
	    emit_copy(w, &cv->mems, "sys/fs/cgroup/%s/cpuset.mems", e->path) < 0 ||
	    emit_copy(w, &cv->cpus, "sys/fs/cgroup/%s/cpuset.cpus", e->path) < 0)
		return -1;
	return write_effective(w, &m->host, cv, e->path);
}

static int write_cgroup_v1(struct writer *w, const struct model *m, const struct cgroup_entry *e,
			   const struct cgroup_vals *cv)
{
	text_reset(&w->t);
	numa_stat_v1(&w->t, &m->host, cv);
	if (emit(w, "sys/fs/cgroup/memory/%s/memory.numa_stat", e->path) < 0 ||
	    emit_num(w, cv->total << 20, "sys/fs/cgroup/memory/%s/memory.usage_in_bytes", e->path) < 0)
		return -1;
	for (int ctl = 0; ctl < 2; ctl++) {
		const char *name = ctl ? "cpuset" : "memory";

		text_reset(&w->t);
		add_pids(&w->t, m, e, false);
		if (emit(w, "sys/fs/cgroup/%s/%s/cgroup.procs", name, e->path) < 0)
			return -1;
		text_reset(&w->t);
		add_pids(&w->t, m, e, true);
		if (emit(w, "sys/fs/cgroup/%s/%s/tasks", name, e->path) < 0)
			return -1;
	}
	if (emit_copy(w, &cv->mems, "sys/fs/cgroup/cpuset/%s/cpuset.mems", e->path) < 0 ||
	    emit_copy(w, &cv->cpus, "sys/fs/cgroup/cpuset/%s/cpuset.cpus", e->path) < 0)
		return -1;
	return 0;
}

static int write_cgroups(struct writer *w, const struct model *m)
{
	struct cgroup_vals cv = { 0 };
	struct cgroups cg = { 0 };
	int rc;

	cv.anon = calloc((size_t)m->host.n, sizeof(*cv.anon));
	if (!cv.anon || collect_cgroups(m, &cg) < 0) {
		seterr(w->err, w->errlen, "out of memory");
		rc = -1;
	} else {
		rc = write_mounts(w, &cg);
	}
	for (int k = 0; rc == 0 && k < cg.n; k++) {
		cgroup_sum(&cv, m, &cg.e[k]);
		if (cv.mems.oom || cv.cpus.oom) {
			seterr(w->err, w->errlen, "out of memory");
			rc = -1;
		} else if (cg.e[k].version == 2) {
			rc = write_cgroup_v2(w, m, &cg.e[k], &cv);
		} else {
			rc = write_cgroup_v1(w, m, &cg.e[k], &cv);
		}
	}
	cgroups_free(&cg);
	free(cv.anon);
	text_free(&cv.mems);
	text_free(&cv.cpus);
	return rc;
}

/* Parse both inputs into m and work out what the processes add to each node. */
static int build_model(struct model *m, const char *numactl_text, const char *desc_text, char *err, size_t errlen)
{
	memset(m, 0, sizeof(*m));
	host_init(&m->host);
	if (parse_numactl(&m->host, numactl_text, err, errlen) < 0)
		return -1;
	m->cpustat = calloc((size_t)(m->host.max_cpu + 2), sizeof(*m->cpustat));
	if (!m->cpustat) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	for (int cpu = 0; cpu <= m->host.max_cpu; cpu++) {
		m->cpustat[cpu][CK_USER] = 100;
		m->cpustat[cpu][CK_IDLE] = 1000;
	}
	if (desc_text && parse_desc(m, desc_text, err, errlen) < 0)
		return -1;
	for (int pi = 0; pi < m->nprocs; pi++) {
		for (int i = 0; i < m->host.n; i++) {
			m->host.nodes[i].proc_anon_mb += m->procs[pi].mem_mb[i];
			m->host.nodes[i].proc_huge_pages += m->procs[pi].huge_mb[i] / 2;
		}
	}
	return 0;
}

/* Point w at root (created when missing). */
static int writer_open(struct writer *w, const char *root, char *err, size_t errlen)
{
	size_t rl = strlen(root);

	memset(w, 0, sizeof(*w));
	w->err = err;
	w->errlen = errlen;
	while (rl > 1 && root[rl - 1] == '/')
		rl--;
	if (rl + 64 > sizeof(w->path)) {
		seterr(err, errlen, "root path too long");
		return -1;
	}
	memcpy(w->path, root, rl);
	w->path[rl] = '\0';
	w->rootlen = rl;
	if (mkdir_p(w->path) < 0) {
		seterr(err, errlen, "cannot create %s: %s", w->path, strerror(errno));
		return -1;
	}
	return 0;
}

static int build_tree(const char *root, const char *numactl_text, const char *desc_text, bool procs_only, char *err,
		      size_t errlen)
{
	struct writer w;
	struct model m;
	int rc = -1;

	if (err && errlen)
		err[0] = '\0';
	if (!root || !*root) {
		seterr(err, errlen, "no root directory given");
		return -1;
	}
	if (build_model(&m, numactl_text, desc_text, err, errlen) < 0) {
		model_free(&m);
		return -1;
	}
	if (writer_open(&w, root, err, errlen) == 0) {
		if (procs_only)
			rc = write_procs(&w, &m);
		else if (write_nodes(&w, &m) == 0 && write_cpus_and_totals(&w, &m) == 0 && write_procs(&w, &m) == 0 &&
			 write_cgroups(&w, &m) == 0)
			rc = 0;
	}
	text_free(&w.t);
	model_free(&m);
	return rc;
}

int fixture_build(const char *root, const char *numactl_text, const char *desc_text, char *err, size_t errlen)
{
	return build_tree(root, numactl_text, desc_text, false, err, errlen);
}

int fixture_write_procs(const char *root, const char *numactl_text, const char *desc_text, char *err, size_t errlen)
{
	return build_tree(root, numactl_text, desc_text, true, err, errlen);
}

char *fixture_read_file(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	struct text t = { 0 };
	char chunk[65536];
	size_t n;

	if (!f) {
		seterr(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		text_addn(&t, chunk, n);
	if (ferror(f)) {
		seterr(err, errlen, "cannot read %s: %s", path, strerror(errno));
		fclose(f);
		text_free(&t);
		return NULL;
	}
	fclose(f);
	if (!text_reserve(&t, 0)) {
		seterr(err, errlen, "cannot read %s: out of memory", path);
		text_free(&t);
		return NULL;
	}
	t.b.data[t.b.len] = '\0';
	if (memchr(t.b.data, '\0', t.b.len)) {
		seterr(err, errlen, "%s contains a NUL byte", path);
		text_free(&t);
		return NULL;
	}
	return t.b.data;
}

int fixture_build_files(const char *root, const char *numactl_path, const char *desc_path, char *err, size_t errlen)
{
	char *topo, *desc = NULL;
	char sub[384];
	int rc;

	if (err && errlen)
		err[0] = '\0';
	topo = fixture_read_file(numactl_path, err, errlen);
	if (!topo)
		return -1;
	if (desc_path) {
		desc = fixture_read_file(desc_path, err, errlen);
		if (!desc) {
			free(topo);
			return -1;
		}
	}
	rc = fixture_build(root, topo, desc, sub, sizeof(sub));
	if (rc < 0) {
		/* name the file the line number refers to */
		const char *file = strncmp(sub, "numactl", 7) == 0 ? numactl_path
				   : strncmp(sub, "desc", 4) == 0  ? desc_path
								   : NULL;

		if (file)
			seterr(err, errlen, "%s: %s", file, sub);
		else
			seterr(err, errlen, "%s", sub);
	}
	free(topo);
	free(desc);
	return rc;
}

/* Join root (without trailing '/') and rel (without leading '/') into out. */
static int join_under(char *out, size_t len, const char *root, const char *rel)
{
	size_t rl = strlen(root);
	int n;

	while (rl > 1 && root[rl - 1] == '/')
		rl--;
	n = snprintf(out, len, "%.*s/%s", (int)rl, root, rel);
	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int fixture_write(const char *root, const char *relpath, const char *contents)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	int fd, n, e;

	if (!root || !relpath || !contents) {
		errno = EINVAL;
		return -1;
	}
	while (*relpath == '/')
		relpath++;
	if (!*relpath) {
		errno = EINVAL;
		return -1;
	}
	if (join_under(path, sizeof(path), root, relpath) < 0)
		return -1;
	n = snprintf(tmp, sizeof(tmp), "%s.fxtmp.%ld", path, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* the directories are made only when missing: a file rewritten at every step has them */
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 && errno == ENOENT) {
		if (mkparents(path, 0) < 0)
			return -1;
		fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	}
	if (fd < 0)
		return -1;
	if (write_all(fd, contents, strlen(contents)) < 0 || close(fd) < 0) {
		e = errno;
		close(fd);
		unlink(tmp);
		errno = e;
		return -1;
	}
	if (rename(tmp, path) < 0) {
		e = errno;
		unlink(tmp);
		errno = e;
		return -1;
	}
	return 0;
}

static int rm_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (type == FTW_DP || type == FTW_D)
		return rmdir(path) < 0 ? -1 : 0;
	return unlink(path) < 0 ? -1 : 0;
}

int fixture_remove(const char *root)
{
	struct stat st;

	if (!root || !*root || strcmp(root, "/") == 0) {
		errno = EINVAL;
		return -1;
	}
	if (lstat(root, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(root);
	return nftw(root, rm_entry, 32, FTW_DEPTH | FTW_PHYS);
}

/* The generator's view of the host: the nodes with memory, and the guests' home nodes. */
struct gen_host {
	struct host_spec h;
	int *mem_nodes, *home_nodes; /* node indexes */
	int nmem, nhome;
	unsigned long long *assigned; /* MB given out, by node index */
};

static int gen_open(struct gen_host *g, const char *numactl_text, char *err, size_t errlen)
{
	host_init(&g->h);
	g->mem_nodes = g->home_nodes = NULL;
	g->assigned = NULL;
	g->nmem = g->nhome = 0;
	if (parse_numactl(&g->h, numactl_text, err, errlen) < 0)
		return -1;
	g->mem_nodes = malloc(sizeof(int) * (size_t)g->h.n);
	g->home_nodes = malloc(sizeof(int) * (size_t)g->h.n);
	g->assigned = calloc((size_t)g->h.n, sizeof(*g->assigned));
	if (!g->mem_nodes || !g->home_nodes || !g->assigned) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	for (int i = 0; i < g->h.n; i++) {
		if (g->h.nodes[i].size_mb == 0)
			continue;
		g->mem_nodes[g->nmem++] = i;
		if (!cpumask_empty(&g->h.nodes[i].cpus))
			g->home_nodes[g->nhome++] = i;
	}
	if (g->nmem == 0) {
		seterr(err, errlen, "topology has no node with memory");
		return -1;
	}
	if (g->nhome == 0) {
		memcpy(g->home_nodes, g->mem_nodes, sizeof(int) * (size_t)g->nmem);
		g->nhome = g->nmem;
	}
	return 0;
}

static void gen_close(struct gen_host *g)
{
	host_free(&g->h);
	free(g->mem_nodes);
	free(g->home_nodes);
	free(g->assigned);
}

/* Generic processes: 1..64 MB each, together at most about 20% of a node. */
static void gen_procs(struct text *t, struct gen_host *g, int nprocs)
{
	static const char *const names[] = {
		"sshd", "bash", "systemd-journal", "rsyslogd", "cron", "nginx",
		"postgres", "java", "python3", "redis-server", "containerd", "dockerd",
	};
	const int nnames = (int)(sizeof(names) / sizeof(names[0]));

	for (int i = 0; i < nprocs; i++) {
		int ni = g->mem_nodes[i % g->nmem];
		const struct node_spec *nd = &g->h.nodes[ni];
		unsigned long long per_node = (unsigned long long)((nprocs + g->nmem - 1) / g->nmem);
		unsigned long long cap = nd->size_mb / 5 / per_node;
		unsigned long long mb = 1 + (unsigned long long)((i / g->nmem) % 64);

		if (mb > cap)
			mb = cap ? cap : 1;
		g->assigned[ni] += mb;
		text_addf(t, "proc pid=%d comm=%s threads=%d mem=%d:%llu utime=%d stime=%d\n", 20000 + 4 * i,
			  names[i % nnames], 1 + i % 4, nd->id, mb, (i * 7) % 1000, (i * 3) % 200);
	}
}

/* The memory of guest gi (MB in total, on home node index hn, the variant var). */
static void gen_guest_mem(struct text *t, struct gen_host *g, int gi, int hn, int var, unsigned long long mb)
{
	const struct node_spec *home = &g->h.nodes[hn];

	if ((gi + 2 * (gi / g->nhome)) % 8 == 5 && mb >= 256) {
		/* hugepage-backed: the guest's RAM in 2 MiB pages, a little anon */
		text_addf(t, " mem=%d:64 huge=%d:%llu", home->id, home->id, mb - 64);
		g->assigned[hn] += mb;
	} else if (var % 4 == 3 && g->nmem > 1) {
		/* split across two nodes: something for the daemon to fix */
		int other = g->mem_nodes[0];

		for (int k = 0; k < g->nmem; k++) {
			if (g->mem_nodes[k] == hn) {
				other = g->mem_nodes[(k + 1) % g->nmem];
				break;
			}
		}
		text_addf(t, " mem=%d:%llu,%d:%llu", home->id, mb / 2, g->h.nodes[other].id, mb - mb / 2);
		g->assigned[hn] += mb / 2;
		g->assigned[other] += mb - mb / 2;
	} else {
		text_addf(t, " mem=%d:%llu", home->id, mb);
		g->assigned[hn] += mb;
	}
}

/*
 * Guests: 1..4 GiB each, together at most about 50% of their home nodes. The variant (size,
 * vcpus, split, hugepages) rotates independently of the home node.
 */
static void gen_guests(struct text *t, struct gen_host *g, int nprocs, int nguests)
{
	static const int vcpus[] = { 2, 4, 8, 4 };
	long base = 20000L + 4L * nprocs + 1000;

	if (base < 100000)
		base = 100000;
	for (int gi = 0; gi < nguests; gi++) {
		int hn = g->home_nodes[gi % g->nhome];
		unsigned long long per_node = (unsigned long long)((nguests + g->nhome - 1) / g->nhome);
		int var = gi + gi / g->nhome;
		unsigned long long budget = g->h.nodes[hn].size_mb / 2 / per_node;
		unsigned long long mb = 1024ULL * (unsigned long long)(1 + var % 4);
		int v = vcpus[var % 4];

		if (mb > budget)
			mb = budget;
		mb &= ~1ULL;
		if (mb < 2)
			mb = 2;
		text_addf(t, "proc pid=%ld comm=qemu-system-x86 name=vm%d threads=%d vcpus=%d", base + 64L * gi, gi + 1,
			  v + 3, v);
		gen_guest_mem(t, g, gi, hn, var, mb);
		text_addf(t, " cgroup=machine.slice/machine-qemu\\x2d%d\\x2dvm%d.scope utime=%d stime=%d\n", gi + 1, gi + 1,
			  100 + (gi * 37) % 5000, 10 + (gi * 11) % 500);
	}
}

char *fixture_gen_desc(const char *numactl_text, int nprocs, int nguests, char *err, size_t errlen)
{
	struct text t = { 0 };
	struct gen_host g;

	if (err && errlen)
		err[0] = '\0';
	if (nprocs < 0 || nguests < 0 || nprocs > 200000 || nguests > 10000) {
		seterr(err, errlen, "bad process/guest counts %d/%d", nprocs, nguests);
		return NULL;
	}
	if (gen_open(&g, numactl_text, err, errlen) < 0) {
		gen_close(&g);
		return NULL;
	}
	text_addf(&t, "# generated: %d processes, %d guests\n", nprocs, nguests);
	gen_procs(&t, &g, nprocs);
	gen_guests(&t, &g, nprocs, nguests);
	/* keep MemFree consistent: the generated memory must be in use */
	for (int i = 0; i < g.h.n; i++) {
		const struct node_spec *nd = &g.h.nodes[i];
		unsigned long long room = nd->size_mb > g.assigned[i] ? nd->size_mb - g.assigned[i] : 0;

		if (nd->size_mb > 0 && room < nd->free_mb)
			text_addf(&t, "node %d free_mb=%llu\n", nd->id, room);
	}
	gen_close(&g);
	if (t.oom) {
		seterr(err, errlen, "out of memory");
		text_free(&t);
		return NULL;
	}
	return t.b.data;
}
