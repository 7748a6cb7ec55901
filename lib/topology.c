/* topology.c: read NUMA nodes, CPUs, distances and memory from sysfs. */
#include "topology.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

#define NODE_DIR "sys/devices/system/node"

struct cpu_acc {
	int *ids;
	int n, cap;
	int oom;
};

static void add_cpu(void *ctx, unsigned id)
{
	struct cpu_acc *a = ctx;

	if (a->n == a->cap) {
		int cap = a->cap ? a->cap * 2 : 16;
		int *p = realloc(a->ids, (size_t)cap * sizeof(*p));
		if (!p) {
			a->oom = 1;
			return;
		}
		a->ids = p;
		a->cap = cap;
	}
	a->ids[a->n++] = (int)id;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

int topology_index(const struct topology *t, int node_id)
{
	if (node_id < 0 || node_id >= NUMAD_MAX_NODES)
		return -1;
	return t->idx_of[node_id];
}

int topology_distance(const struct topology *t, int i, int j)
{
	return t->dist[i * t->nnodes + j];
}

uint64_t topology_outside_nodes_kb(const struct topology *t)
{
	uint64_t in_nodes = 0;

	for (int i = 0; i < t->nnodes; i++) {
		if (t->nodes[i].has_memory && !t->nodes[i].mem.valid)
			return 0;  /* an unread node says nothing about where the rest is */
		in_nodes += t->nodes[i].mem.total_kb;
	}
	if (t->host_total_kb <= in_nodes || t->host_total_kb - in_nodes <= t->host_total_kb / 20)
		return 0;
	return t->host_total_kb - in_nodes;
}

void topology_free(struct topology *t)
{
	if (t->nodes)
		for (int i = 0; i < t->nnodes; i++)
			free(t->nodes[i].cpus);
	free(t->nodes);
	free(t->dist);
	memset(t, 0, sizeof(*t));
}

/* A meminfo line past its "Node N " prefix, when it has one. */
static const char *after_node_prefix(const char *p)
{
	if (strncmp(p, "Node ", 5) == 0) {
		p += 5;
		while (*p >= '0' && *p <= '9')
			p++;
		while (*p == ' ')
			p++;
	}
	return p;
}

/* Find "key" at the start of a line (after any "Node N " prefix) and parse its number. */
static int meminfo_field(const char *text, const char *key, uint64_t *out)
{
	size_t klen = strlen(key);
	const char *line = text;

	while (line && *line) {
		const char *p = after_node_prefix(line);

		if (strncmp(p, key, klen) == 0 && p[klen] == ':') {
			p += klen + 1;
			return parse_u64(&p, out);
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return -1;
}

/* The fields numad takes from a node's meminfo, where each goes in struct node_mem. */
static const struct {
	const char *key;
	size_t len;
	size_t off;
} mem_fields[] = {
#define F(k, member) { k, sizeof(k) - 1, offsetof(struct node_mem, member) }
	F("MemTotal", total_kb),
	F("MemFree", free_kb),
	F("Inactive(file)", inactive_file_kb),
	F("FilePages", file_kb),
	F("HugePages_Total", huge_total),
	F("HugePages_Free", huge_free),
#undef F
};
enum { NMEM_FIELDS = sizeof(mem_fields) / sizeof(mem_fields[0]) }; /* MemTotal and MemFree first: both needed */

/* The index in mem_fields of the key of len bytes at p, or -1. */
static int mem_field(const char *p, size_t len)
{
	for (int k = 0; k < NMEM_FIELDS; k++)
		if (len == mem_fields[k].len && memcmp(p, mem_fields[k].key, len) == 0)
			return k;
	return -1;
}

/*
 * In one pass over its lines (the fast tier parses every node's at every tick): a line is
 * "Node N Key: value [kB]", and a key given twice counts at its first line.
 */
int node_meminfo_parse(const char *text, struct node_mem *m)
{
	bool got[NMEM_FIELDS] = { false };
	int left = NMEM_FIELDS;

	memset(m, 0, sizeof(*m));
	for (const char *line = text; line && *line && left > 0; line = line ? line + 1 : NULL) {
		const char *p = after_node_prefix(line), *colon = strpbrk(p, ":\n"), *v;
		int k = colon && *colon == ':' ? mem_field(p, (size_t)(colon - p)) : -1;
		uint64_t x;

		line = !colon ? NULL : *colon == '\n' ? colon : strchr(colon, '\n');
		if (k < 0 || got[k])
			continue;
		got[k] = true;
		left--;
		v = colon + 1;
		if (parse_u64(&v, &x) == 0)
			memcpy((char *)m + mem_fields[k].off, &x, sizeof(x));
		else if (k < 2)
			return -1; /* MemTotal and MemFree are needed, and as numbers */
	}
	if (!got[0] || !got[1])
		return -1;
	if (m->free_kb > m->total_kb)
		m->free_kb = m->total_kb;
	m->valid = true;
	return 0;
}

uint64_t node_free_kb(const struct node_mem *m, bool count_inactive_file)
{
	uint64_t f = m->free_kb < m->total_kb ? m->free_kb : m->total_kb;
	uint64_t room = m->total_kb - f;

	/* Added without wrapping: a file may claim 2^64 kB of both. */
	if (count_inactive_file)
		f += m->inactive_file_kb < room ? m->inactive_file_kb : room;
	return f;
}

static int read_node_mem(const char *root, int id, struct node_mem *m, struct buf *b)
{
	char rel[128];

	snprintf(rel, sizeof(rel), NODE_DIR "/node%d/meminfo", id);
	if (read_attr_at(root, rel, b, 1 << 16) < 0 || node_meminfo_parse(b->data, m) < 0) {
		m->valid = false;
		return -1;
	}
	return 0;
}

int topology_sample_mem(const char *root, struct topology *t)
{
	struct buf b = { 0 };
	int bad = 0;

	for (int i = 0; i < t->nnodes; i++) {
		struct node_mem m;
		if (read_node_mem(root, t->nodes[i].id, &m, &b) < 0) {
			t->nodes[i].mem.valid = false;
			bad++;
			continue;
		}
		m.huge_page_kb = t->huge_page_kb;
		t->nodes[i].mem = m;
	}
	buf_free(&b);
	return bad;
}

int node_mem_files_init(struct node_mem_files *f, const char *root, const struct topology *t)
{
	memset(f, 0, sizeof(*f));
	f->fd = malloc((size_t)(t->nnodes > 0 ? t->nnodes : 1) * sizeof(*f->fd));
	if (!f->fd)
		return -1;
	f->n = t->nnodes;
	for (int i = 0; i < f->n; i++)
		f->fd[i] = -1;
	/*
	 * The kernel never replaces a node's meminfo: the file stays the same while the node is
	 * online, and a read of it once the node is gone fails (and the file is opened again at
	 * the next sample). A tree under --root is another matter: the simulator and the tests
	 * write it with fixture_write(), which replaces a file by rename so that no reader ever
	 * sees half of one (the simulator's writer threads rewrite node memory while the loop
	 * reads it); a kept descriptor would go on reading the old file. There, and only there,
	 * each sample checks that the open file is still linked, at the price of an fstat(2).
	 */
	f->check_replaced = root && *root && strcmp(root, "/") != 0;
	return 0;
}

void node_mem_files_close(struct node_mem_files *f)
{
	for (int i = 0; f->fd && i < f->n; i++)
		if (f->fd[i] >= 0)
			close(f->fd[i]);
	free(f->fd);
	memset(f, 0, sizeof(*f));
}

/*
 * Whether the file open at fd is no longer in the tree: a rename over it (how fixture_write()
 * replaces a file) or its removal unlinks it, and an unlinked file has no links left. One
 * fstat(2), not a stat(2) of the path as well: the tree is deep, and this is every node at
 * every tick.
 */
static bool replaced(int fd)
{
	struct stat a;

	return fstat(fd, &a) < 0 || a.st_nlink == 0;
}

/* The open meminfo of node index i, opened (again) when needed; -1 when it cannot be. */
static int mem_fd(struct node_mem_files *f, const char *root, int i, int id)
{
	char rel[128], path[4096];

	if (f->fd[i] >= 0 && f->check_replaced && replaced(f->fd[i])) {
		close(f->fd[i]);
		f->fd[i] = -1;
	}
	if (f->fd[i] >= 0)
		return f->fd[i];
	snprintf(rel, sizeof(rel), NODE_DIR "/node%d/meminfo", id);
	if (path_join(path, sizeof(path), root, rel) < 0)
		return -1;
	f->fd[i] = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (f->fd[i] >= 0)
		f->opens++;
	return f->fd[i];
}

int topology_sample_mem_kept(struct node_mem_files *f, const char *root, struct topology *t)
{
	struct buf b = { 0 };
	int bad = 0;

	for (int i = 0; i < t->nnodes; i++) {
		struct node_mem m;
		int fd = i < f->n ? mem_fd(f, root, i, t->nodes[i].id) : -1;

		if (fd >= 0)
			f->reads++;
		if (fd < 0 || read_attr_fd(fd, &b, 1 << 16) < 0 || node_meminfo_parse(b.data, &m) < 0) {
			if (fd >= 0) { /* opened afresh at the next sample */
				close(fd);
				f->fd[i] = -1;
			}
			t->nodes[i].mem.valid = false;
			bad++;
			continue;
		}
		m.huge_page_kb = t->huge_page_kb;
		t->nodes[i].mem = m;
	}
	buf_free(&b);
	return bad;
}

/* Parse one distance row; returns the count of numbers, or -1 on garbage. */
static int parse_row(const char *text, int *row, int max)
{
	const char *p = text;
	int n = 0;

	for (;;) {
		uint64_t v;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\n' || *p == '\0')
			break;
		if (parse_u64(&p, &v) < 0 || v > 255 || n >= max)
			return -1;
		row[n++] = (int)v;
		if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\0')
			return -1;
	}
	return n;
}

static void fallback_slit(struct topology *t)
{
	for (int i = 0; i < t->nnodes; i++)
		for (int j = 0; j < t->nnodes; j++)
			t->dist[i * t->nnodes + j] = i == j ? 10 : 20;
	t->slit_fallback = true;
}

static int read_slit(const char *root, struct topology *t, struct buf *b)
{
	int *row = malloc((size_t)t->nnodes * sizeof(*row));
	char rel[128];
	int ok = 1;

	if (!row)
		return -1;
	for (int i = 0; i < t->nnodes && ok; i++) {
		int n;

		snprintf(rel, sizeof(rel), NODE_DIR "/node%d/distance", t->nodes[i].id);
		if (read_file_at(root, rel, b, 1 << 16) < 0) {
			log_warn("%s: cannot read %s; using 10/20 placeholder distances", __func__, rel);
			ok = 0;
			break;
		}
		n = parse_row(b->data, row, t->nnodes);
		if (n != t->nnodes) {
			log_warnx("%s: %s has %s (%d entries for %d online nodes); using 10/20 placeholder distances",
				  __func__, rel, n < 0 ? "garbage" : "the wrong length", n < 0 ? 0 : n, t->nnodes);
			ok = 0;
			break;
		}
		for (int j = 0; j < t->nnodes; j++) {
			if (row[j] < 10 || (i == j && row[j] != 10)) {
				log_warnx("%s: %s has an impossible distance %d to node %d; using 10/20 placeholder distances",
					  __func__, rel, row[j], t->nodes[j].id);
				ok = 0;
				break;
			}
			t->dist[i * t->nnodes + j] = row[j];
		}
	}
	free(row);
	if (!ok)
		fallback_slit(t);
	return 0;
}

/* Count the node's CPUs that lead their core; SMT siblings after the first are not cores. */
static int count_cores(const char *root, const struct node_info *ni, struct buf *b)
{
	char rel[128];
	int cores = 0;

	for (int k = 0; k < ni->ncpus; k++) {
		struct cpu_acc sib = { 0 };
		char perr[128];

		snprintf(rel, sizeof(rel), "sys/devices/system/cpu/cpu%d/topology/thread_siblings_list", ni->cpus[k]);
		if (read_file_at(root, rel, b, 4096) < 0 ||
		    idlist_parse(b->data, NUMAD_MAX_CPUS - 1, add_cpu, &sib, perr, sizeof(perr)) < 0 || sib.n == 0) {
			cores++;
		} else {
			int first = sib.ids[0];
			for (int s = 1; s < sib.n; s++)
				if (sib.ids[s] < first)
					first = sib.ids[s];
			cores += first == ni->cpus[k];
		}
		free(sib.ids);
	}
	return cores;
}

struct reserve_ctx {
	struct topology *t;
	int removed;
};

static void reserve_one(void *ctx, unsigned id)
{
	struct reserve_ctx *rc = ctx;

	for (int i = 0; i < rc->t->nnodes; i++) {
		struct node_info *ni = &rc->t->nodes[i];
		for (int k = 0; k < ni->ncpus; k++)
			if (ni->cpus[k] == (int)id) {
				memmove(&ni->cpus[k], &ni->cpus[k + 1], (size_t)(ni->ncpus - k - 1) * sizeof(int));
				ni->ncpus--;
				if (ni->ncores > ni->ncpus)
					ni->ncores = ni->ncpus;
				rc->removed++;
				return;
			}
	}
}

int topology_reserve_cpus(struct topology *t, const char *list, char *err, size_t errlen)
{
	struct reserve_ctx rc = { t, 0 };

	if (idlist_parse(list, NUMAD_MAX_CPUS - 1, reserve_one, &rc, err, errlen) < 0)
		return -1;
	return rc.removed;
}

static void add_online(void *ctx, unsigned id)
{
	nodeset_add(ctx, (int)id);
}

int topology_read(const char *root, struct topology *t, char *err, size_t errlen)
{
	struct buf b = { 0 };
	struct nodeset online, has_mem;
	bool know_mem = false;
	char rel[128], perr[256];
	int i = 0, n;

	memset(t, 0, sizeof(*t));
	t->max_cpu = -1;
	for (n = 0; n < NUMAD_MAX_NODES; n++)
		t->idx_of[n] = -1;
	nodeset_clear(&online);
	if (read_file_at(root, NODE_DIR "/online", &b, 1 << 16) < 0) {
		snprintf(err, errlen, "cannot read %s/" NODE_DIR "/online: %s", root, strerror(errno));
		goto fail;
	}
	if (idlist_parse(b.data, NUMAD_MAX_NODES - 1, add_online, &online, perr, sizeof(perr)) < 0) {
		snprintf(err, errlen, "%s/" NODE_DIR "/online: %s", root, perr);
		goto fail;
	}
	if (nodeset_empty(&online)) {
		snprintf(err, errlen, "%s/" NODE_DIR "/online lists no node", root);
		goto fail;
	}
	nodeset_clear(&has_mem);
	if (read_file_at(root, NODE_DIR "/has_memory", &b, 1 << 16) == 0 &&
	    idlist_parse(b.data, NUMAD_MAX_NODES - 1, add_online, &has_mem, perr, sizeof(perr)) == 0)
		know_mem = true;

	t->huge_page_kb = 2048;
	t->host_total_kb = 0;
	if (read_file_at(root, "proc/meminfo", &b, 1 << 16) == 0) {
		meminfo_field(b.data, "Hugepagesize", &t->huge_page_kb);
		if (meminfo_field(b.data, "MemTotal", &t->host_total_kb) < 0)
			t->host_total_kb = 0;
	}
	t->online = online;
	t->nnodes = nodeset_count(&online);
	t->nodes = calloc((size_t)t->nnodes, sizeof(*t->nodes));
	t->dist = calloc((size_t)t->nnodes * (size_t)t->nnodes, sizeof(*t->dist));
	if (!t->nodes || !t->dist) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (n = nodeset_next(&online, 0); n >= 0; n = nodeset_next(&online, n + 1), i++) {
		struct node_info *ni = &t->nodes[i];
		struct cpu_acc acc = { 0 };

		ni->id = n;
		t->idx_of[n] = i;
		snprintf(rel, sizeof(rel), NODE_DIR "/node%d/cpulist", n);
		if (read_file_at(root, rel, &b, 1 << 20) < 0) {
			log_warn("%s: cannot read %s; treating node %d as CPU-less", __func__, rel, n);
		} else if (idlist_parse(b.data, NUMAD_MAX_CPUS - 1, add_cpu, &acc, perr, sizeof(perr)) < 0 || acc.oom) {
			log_warnx("%s: %s: %s; treating node %d as CPU-less", __func__, rel, acc.oom ? "out of memory" : perr, n);
			free(acc.ids);
			acc.ids = NULL;
			acc.n = 0;
		}
		if (acc.n > 1)
			qsort(acc.ids, (size_t)acc.n, sizeof(int), cmp_int);
		ni->cpus = acc.ids;
		ni->ncpus = acc.n;
		if (acc.n && acc.ids[acc.n - 1] > t->max_cpu)
			t->max_cpu = acc.ids[acc.n - 1];
		ni->ncores = count_cores(root, ni, &b);
		if (read_node_mem(root, n, &ni->mem, &b) < 0)
			log_warnx("%s: cannot read node %d meminfo; its memory counts as zero", __func__, n);
		ni->mem.huge_page_kb = t->huge_page_kb;
		/* An unreadable meminfo says nothing about the node: has_memory decides. */
		ni->has_memory = know_mem ? nodeset_has(&has_mem, n) : ni->mem.total_kb > 0;
		if (ni->mem.valid && ni->mem.total_kb == 0)
			ni->has_memory = false;
	}
	read_slit(root, t, &b);
	buf_free(&b);
	return 0;
fail:
	buf_free(&b);
	topology_free(t);
	return -1;
}
