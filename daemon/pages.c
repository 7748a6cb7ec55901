/*
 * pages.c: numad's own page mover for staged moves. A walk starts by reading which
 * mappings hold pages on the nodes being left (/proc/PID/numa_maps, which walks the page
 * tables: once a walk; their ends from /proc/PID/maps), so that memory mapped but never
 * touched (a region reserved for memory hotplug) costs nothing. It moves those pages with
 * move_pages(2), a batch at a time: first asking where each page of the batch is (nodes ==
 * NULL), then moving those on the left nodes to the target nodes in turn. Each call stops after max_kb
 * moved, or after SCAN_FACTOR times that much address space looked at, so that a call is
 * bounded however little there is left to move. Pages that numad moves itself do not go
 * through the cpuset's migration work, so nobody joining a cgroup waits on them.
 *
 * MPOL_MF_MOVE_ALL also moves pages the process shares (guest RAM shared with a vhost-user
 * backend); it needs CAP_SYS_NICE, and moving another user's pages needs ptrace read access
 * (CAP_SYS_PTRACE for root over QEMU's libvirt-qemu user): the unit grants both.
 */
#include <errno.h>
#include <numa.h>
#include <numaif.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actuator.h"
#include "pages.h"
#include "sample.h"
#include "util.h"

#define BATCH 4096           /* pages asked about, then moved, per move_pages(2) call */
#define SCAN_FACTOR 16       /* address space looked at per call, at most, in units of max_kb */
#define MAPS_MAX (64u << 20)

static int fail(const char *what, int pid, char *why, size_t whylen);

/* The mappings a walk looks at, in address order. */
struct page_ranges {
	int n, cap;
	bool filtered;     /* found from numa_maps: expect_kb is known */
	double expect_kb;  /* what numa_maps counted on the left nodes in these mappings */
	struct prange {
		unsigned long start, end;
	} *v;
};

static int add_range(struct page_ranges *r, unsigned long start, unsigned long end)
{
	if (r->n == r->cap) {
		int cap = r->cap ? r->cap * 2 : 64;
		struct prange *v = realloc(r->v, (size_t)cap * sizeof(*v));
		if (!v)
			return -1;
		r->v = v;
		r->cap = cap;
	}
	r->v[r->n++] = (struct prange){ start, end };
	return 0;
}

/* A readable mapping worth walking, from one line of maps. */
static bool maps_line(const char *p, unsigned long *start, unsigned long *end)
{
	char perms[8] = "", path[64] = "";

	return sscanf(p, "%lx-%lx %7s %*s %*s %*s %63s", start, end, perms, path) >= 3 && perms[0] == 'r' &&
	       strcmp(path, "[vsyscall]") != 0 && strcmp(path, "[vvar]") != 0 && strcmp(path, "[vdso]") != 0;
}

/*
 * The mappings to walk: those numa_maps counts pages on leave for (their ends from maps,
 * which lists the same mappings in the same order), or every readable one when numa_maps
 * cannot be read. numa_maps walks the page tables, so this is done once per walk.
 */
static struct page_ranges *find_ranges(const char *root, int pid, const struct nodeset *leave, char *why,
				       size_t whylen, int *rc)
{
	struct page_ranges *r = calloc(1, sizeof(*r));
	struct buf maps = { 0 }, numa = { 0 };
	char rel[64];
	bool filter;

	*rc = 0;
	snprintf(rel, sizeof(rel), "proc/%d/maps", pid);
	if (!r || read_file_at(root, rel, &maps, MAPS_MAX) < 0) {
		*rc = fail("read maps", pid, why, whylen);
		goto out;
	}
	snprintf(rel, sizeof(rel), "proc/%d/numa_maps", pid);
	filter = read_file_at(root, rel, &numa, MAPS_MAX) == 0;
	r->filtered = filter;
	for (const char *m = maps.data, *n = filter ? numa.data : NULL; *m;) {
		const char *eol = strchr(m, '\n');
		unsigned long start, end;

		if (maps_line(m, &start, &end)) {
			bool keep = !filter;
			/* numa_maps' line for the same mapping, if it is still there */
			while (n && *n && strtoul(n, NULL, 16) < start)
				n = strchr(n, '\n') ? strchr(n, '\n') + 1 : n + strlen(n);
			if (n && *n && strtoul(n, NULL, 16) == start) {
				uint64_t kb = 0;
				if (numa_maps_line_on(n, strchr(n, '\n') ? strchr(n, '\n') : n + strlen(n), leave, &kb) < 0)
					kb = 0; /* a line numad cannot read: the mapping is not walked */
				keep = kb > 0;
				r->expect_kb += (double)kb;
			}
			if (keep && add_range(r, start, end) < 0) {
				errno = ENOMEM;
				*rc = fail("move_pages", pid, why, whylen);
				goto out;
			}
		}
		if (!eol)
			break;
		m = eol + 1;
	}
out:
	buf_free(&maps);
	buf_free(&numa);
	if (*rc < 0) {
		pages_cursor_free(&(struct page_cursor){ .ranges = r });
		return NULL;
	}
	return r;
}

void pages_cursor_free(struct page_cursor *c)
{
	if (c->ranges) {
		free(c->ranges->v);
		free(c->ranges);
	}
	memset(c, 0, sizeof(*c));
}

static bool in_set(const struct nodeset *s, int node)
{
	return node >= 0 && nodeset_has(s, node);
}

/* -2 when numad may not move that process's pages (a capability or ptrace access missing), else -1. */
static int fail(const char *what, int pid, char *why, size_t whylen)
{
	int e = errno;

	if (e == EPERM || e == EACCES) {
		snprintf(why, whylen, "%s of pid %d: %s (numad needs CAP_SYS_NICE and CAP_SYS_PTRACE for it)", what, pid,
			 strerror(e));
		return -2;
	}
	snprintf(why, whylen, "%s of pid %d: %s", what, pid, strerror(e));
	return -1;
}

struct batch {
	void *pages[BATCH], *go[BATCH];
	int status[BATCH], dest[BATCH];
	/* what would not move: pages by errno (status < 0), and pages left where they were */
	long refused, stayed;
	int last_errno;
};

/* One batch from c->addr up to end: where its pages are, then those on leave move to to. */
static int move_batch(struct batch *bt, int pid, const struct nodeset *leave, const struct nodeset *to,
		      const int *targets, int nt, int *turn, unsigned long end, long page, struct page_cursor *c,
		      double *looked, double *moved, char *why, size_t whylen)
{
	void **pages = bt->pages, **go = bt->go;
	int *status = bt->status, *dest = bt->dest;
	double page_kb = (double)page / 1024.0;
	long n = 0, k = 0;

	for (; c->addr < end && n < BATCH; c->addr += (unsigned long)page)
		pages[n++] = (void *)c->addr;
	*looked += (double)n * page_kb;
	if (move_pages(pid, (unsigned long)n, pages, NULL, status, 0) < 0)
		return fail("move_pages (where)", pid, why, whylen);
	for (long i = 0; i < n; i++)
		if (in_set(leave, status[i])) {
			go[k] = pages[i];
			dest[k++] = targets[(*turn)++ % nt];
		}
	c->seen_kb += (double)k * page_kb;
	if (k == 0)
		return 0;
	if (move_pages(pid, (unsigned long)k, go, dest, status, MPOL_MF_MOVE_ALL) < 0)
		return fail("move_pages", pid, why, whylen);
	for (long i = 0; i < k; i++)
		if (in_set(to, status[i])) {
			*moved += page_kb;
		} else if (status[i] < 0) {
			bt->refused++;
			bt->last_errno = -status[i];
		} else {
			bt->stayed++;
		}
	return 0;
}

int pages_move_chunk(const char *root, int pid, const struct nodeset *leave, const struct nodeset *to,
		     double max_kb, struct page_cursor *c, double *moved_kb, char *why, size_t whylen)
{
	long page = sysconf(_SC_PAGESIZE);
	double looked = 0, moved = 0;
	int targets[NUMAD_MAX_NODES], nt = 0, turn = 0, rc = 0;
	struct batch *bt = NULL;

	for (int n = nodeset_next(to, 0); n >= 0 && nt < NUMAD_MAX_NODES; n = nodeset_next(to, n + 1))
		targets[nt++] = n;
	if (nt == 0 || !(bt = calloc(1, sizeof(*bt)))) {
		errno = nt ? ENOMEM : EINVAL;
		return fail("move_pages", pid, why, whylen);
	}
	if (!c->ranges && !(c->ranges = find_ranges(root, pid, leave, why, whylen, &rc)))
		goto out;
	for (int k = 0; rc == 0 && moved < max_kb && looked < max_kb * SCAN_FACTOR;) {
		unsigned long end;

		while (k < c->ranges->n && c->ranges->v[k].end <= c->addr)
			k++;
		if (k == c->ranges->n) {
			c->done = true;
			if (c->ranges->filtered && c->ranges->expect_kb > c->seen_kb)
				c->hidden_kb = c->ranges->expect_kb - c->seen_kb;
			break;
		}
		if (c->addr < c->ranges->v[k].start)
			c->addr = c->ranges->v[k].start;
		for (end = c->ranges->v[k].end; rc == 0 && c->addr < end && moved < max_kb && looked < max_kb * SCAN_FACTOR;)
			rc = move_batch(bt, pid, leave, to, targets, nt, &turn, end, page, c, &looked, &moved, why, whylen);
	}
	*moved_kb += moved;
	if (rc == 0 && c->hidden_kb > 0)
		snprintf(why, whylen, "%.0f MB moved, %.0f MB looked at; the walk found %.0f MB fewer on those nodes than numa_maps "
			 "counts: pages move_pages(2) cannot see (marked for NUMA balancing's hinting faults)",
			 moved / 1024, looked / 1024, c->hidden_kb / 1024);
	else if (rc == 0 && bt->refused)
		snprintf(why, whylen, "%.0f MB moved, %.0f MB looked at; %ld pages refused (%s), %ld left where they were",
			 moved / 1024, looked / 1024, bt->refused, strerror(bt->last_errno), bt->stayed);
	else if (rc == 0)
		snprintf(why, whylen, "%.0f MB moved, %.0f MB looked at; %ld pages left where they were", moved / 1024,
			 looked / 1024, bt->stayed);
out:
	free(bt);
	return rc;
}

int pages_sweep(int pid, const struct nodeset *leave, const struct nodeset *to, char *why, size_t whylen)
{
	struct bitmask *from = numa_allocate_nodemask(), *dest = numa_allocate_nodemask();
	int rc = 0, left;

	if (!from || !dest) {
		errno = ENOMEM;
		rc = fail("migrate_pages", pid, why, whylen);
		goto out;
	}
	for (int n = nodeset_next(leave, 0); n >= 0; n = nodeset_next(leave, n + 1))
		numa_bitmask_setbit(from, (unsigned)n);
	for (int n = nodeset_next(to, 0); n >= 0; n = nodeset_next(to, n + 1))
		numa_bitmask_setbit(dest, (unsigned)n);
	left = numa_migrate_pages(pid, from, dest);
	if (left < 0)
		rc = fail("migrate_pages", pid, why, whylen);
	else
		snprintf(why, whylen, "migrate_pages(2) in one call: %d pages stayed", left);
out:
	if (from)
		numa_bitmask_free(from);
	if (dest)
		numa_bitmask_free(dest);
	return rc;
}
