/*
 * pages.c: numad's own page mover for staged moves. It walks a process's mappings
 * (/proc/PID/maps) and moves the pages it finds on the nodes being left with move_pages(2),
 * a batch at a time: first asking where each page of the batch is (nodes == NULL), then
 * moving those on the left nodes to the target nodes in turn. Each call stops after max_kb
 * moved, or after SCAN_FACTOR times that much address space looked at, so that a call is
 * bounded however little there is left to move. Pages that numad moves itself do not go
 * through the cpuset's migration work, so nobody joining a cgroup waits on them.
 *
 * MPOL_MF_MOVE_ALL also moves pages the process shares (guest RAM shared with a vhost-user
 * backend); it needs CAP_SYS_NICE, and moving another user's pages needs ptrace read access
 * (CAP_SYS_PTRACE for root over QEMU's libvirt-qemu user): the unit grants both.
 */
#include <errno.h>
#include <numaif.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actuator.h"
#include "pages.h"
#include "util.h"

#define BATCH 4096           /* pages asked about, then moved, per move_pages(2) call */
#define SCAN_FACTOR 16       /* address space looked at per call, at most, in units of max_kb */
#define MAPS_MAX (64u << 20)

/* The next mapping at or after addr worth walking: [*start, *end). Returns false at the end. */
static bool next_range(const char *maps, unsigned long addr, unsigned long *start, unsigned long *end)
{
	for (const char *p = maps; *p;) {
		const char *nl = strchr(p, '\n');
		unsigned long s, e;
		char perms[8] = "", path[64] = "";

		if (sscanf(p, "%lx-%lx %7s %*s %*s %*s %63s", &s, &e, perms, path) >= 3 && e > addr &&
		    perms[0] == 'r' && strcmp(path, "[vsyscall]") != 0 && strcmp(path, "[vvar]") != 0 &&
		    strcmp(path, "[vdso]") != 0) {
			*start = s > addr ? s : addr;
			*end = e;
			return true;
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	return false;
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
	if (k == 0)
		return 0;
	if (move_pages(pid, (unsigned long)k, go, dest, status, MPOL_MF_MOVE_ALL) < 0)
		return fail("move_pages", pid, why, whylen);
	for (long i = 0; i < k; i++)
		if (in_set(to, status[i]))
			*moved += page_kb;
	return 0;
}

int pages_move_chunk(const char *root, int pid, const struct nodeset *leave, const struct nodeset *to,
		     double max_kb, struct page_cursor *c, double *moved_kb, char *why, size_t whylen)
{
	long page = sysconf(_SC_PAGESIZE);
	double looked = 0, moved = 0;
	int targets[NUMAD_MAX_NODES], nt = 0, turn = 0, rc = 0;
	struct batch *bt = NULL;
	struct buf b = { 0 };
	char rel[64];

	for (int n = nodeset_next(to, 0); n >= 0 && nt < NUMAD_MAX_NODES; n = nodeset_next(to, n + 1))
		targets[nt++] = n;
	if (nt == 0 || !(bt = malloc(sizeof(*bt)))) {
		errno = nt ? ENOMEM : EINVAL;
		return fail("move_pages", pid, why, whylen);
	}
	snprintf(rel, sizeof(rel), "proc/%d/maps", pid);
	if (read_file_at(root, rel, &b, MAPS_MAX) < 0) {
		rc = fail("read maps", pid, why, whylen);
		goto out;
	}
	while (rc == 0 && moved < max_kb && looked < max_kb * SCAN_FACTOR) {
		unsigned long start, end;

		if (!next_range(b.data, c->addr, &start, &end)) {
			c->done = true;
			break;
		}
		for (c->addr = start; rc == 0 && c->addr < end && moved < max_kb && looked < max_kb * SCAN_FACTOR;)
			rc = move_batch(bt, pid, leave, to, targets, nt, &turn, end, page, c, &looked, &moved, why, whylen);
	}
	*moved_kb += moved;
	if (rc == 0)
		snprintf(why, whylen, "%.0f MB moved, %.0f MB looked at", moved / 1024, looked / 1024);
out:
	buf_free(&b);
	free(bt);
	return rc;
}
