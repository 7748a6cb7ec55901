/*
 * procs.c: numad-style management of processes that are not libvirt guests, only when
 * asked (-S 1 for every process over numad's significance threshold, -p PID for chosen
 * ones): CPU affinity with sched_setaffinity and memory with migrate_pages (libnuma), as
 * numad 0.5 does. QEMU processes are never touched this way: libvirt guests go through
 * libvirt. Nothing is done to a process on a tree that is not the live host (--root,
 * --simulate): the pids there are not this host's.
 */
#include <dirent.h>
#include <errno.h>
#include <numa.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "guests.h"
#include "log.h"
#include "options.h"
#include "procs.h"
#include "reserve.h"
#include "state.h"

#define SIGNIFICANT_KB (300 * 1024)  /* numad 0.5's threshold: 300 MB ... */
#define SIGNIFICANT_CPUS 0.5          /* ... and half a CPU */
#define SHARE_CURRENT 0.10            /* a node holding 10% of a process's memory is one of its nodes */

struct pstate {
	int pid;
	uint64_t starttime;
	uint64_t ticks;      /* utime + stime at the last scan */
	int64_t at_ms;
	int64_t last_move_ms;
	bool seen;
};

static bool listed(const int *list, int n, int pid)
{
	for (int k = 0; k < n; k++)
		if (list[k] == pid)
			return true;
	return false;
}

static bool is_guest(const struct daemon *d, int pid)
{
	for (int i = 0; i < d->nguests; i++)
		if (d->guests[i].pid == pid)
			return true;
	return false;
}

static struct pstate *state_for(struct daemon *d, const struct proc_info *pi)
{
	for (int k = 0; k < d->npstate; k++)
		if (d->pstate[k].pid == pi->st.pid) {
			if (d->pstate[k].starttime != pi->st.starttime) /* pid reuse: a new process */
				memset(&d->pstate[k], 0, sizeof(d->pstate[k]));
			d->pstate[k].pid = pi->st.pid;
			d->pstate[k].starttime = pi->st.starttime;
			return &d->pstate[k];
		}
	if (d->npstate == d->cappstate) {
		int cap = d->cappstate ? d->cappstate * 2 : 32;
		struct pstate *p = realloc(d->pstate, (size_t)cap * sizeof(*p));
		if (!p)
			return NULL;
		d->pstate = p;
		d->cappstate = cap;
	}
	memset(&d->pstate[d->npstate], 0, sizeof(d->pstate[0]));
	d->pstate[d->npstate].pid = pi->st.pid;
	d->pstate[d->npstate].starttime = pi->st.starttime;
	return &d->pstate[d->npstate++];
}

int procs_apply(const struct topology *t, int pid, const struct nodeset *to, char *why, size_t whylen)
{
	struct bitmask *from = NULL, *dest = NULL;
	char path[64];
	cpu_set_t *set;
	size_t setsize;
	struct dirent *de;
	DIR *dir;
	int ncpu = t->max_cpu + 1, bad = 0;

	if (ncpu <= 0 || !(set = CPU_ALLOC((size_t)ncpu))) {
		snprintf(why, whylen, "no CPUs");
		return -1;
	}
	setsize = CPU_ALLOC_SIZE((size_t)ncpu);
	CPU_ZERO_S(setsize, set);
	for (int n = nodeset_next(to, 0); n >= 0; n = nodeset_next(to, n + 1)) {
		int i = topology_index(t, n);
		for (int k = 0; i >= 0 && k < t->nodes[i].ncpus; k++)
			CPU_SET_S((size_t)t->nodes[i].cpus[k], setsize, set);
	}
	/* Every thread: sched_setaffinity on a pid moves only its main thread. */
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir) {
		snprintf(why, whylen, "process %d is gone", pid);
		CPU_FREE(set);
		return -1;
	}
	while ((de = readdir(dir)))
		if (de->d_name[0] >= '0' && de->d_name[0] <= '9' &&
		    sched_setaffinity(atoi(de->d_name), setsize, set) < 0 && errno != ESRCH)
			bad++;
	closedir(dir);
	CPU_FREE(set);
	if (bad) {
		snprintf(why, whylen, "sched_setaffinity failed on %d thread(s): %s", bad, strerror(errno));
		return -1;
	}
	if (numa_available() < 0)
		return 0; /* nothing to migrate between */
	from = numa_allocate_nodemask();
	dest = numa_allocate_nodemask();
	for (int i = 0; i < t->nnodes; i++)
		if (t->nodes[i].id < (int)from->size)
			numa_bitmask_setbit(from, (unsigned)t->nodes[i].id);
	for (int n = nodeset_next(to, 0); n >= 0; n = nodeset_next(to, n + 1))
		if (n < (int)dest->size)
			numa_bitmask_setbit(dest, (unsigned)n);
	if (numa_migrate_pages(pid, from, dest) < 0) {
		snprintf(why, whylen, "migrate_pages: %s", strerror(errno));
		bad = 1;
	}
	numa_bitmask_free(from);
	numa_bitmask_free(dest);
	return bad ? -1 : 0;
}

/* Nodes holding a real share of the process's memory. */
static void current_nodes(const struct topology *t, const struct proc_info *pi, struct nodeset *cur)
{
	nodeset_clear(cur);
	for (int i = 0; i < t->nnodes; i++)
		if (pi->res.total_kb && (double)pi->res_kb[i] >= SHARE_CURRENT * (double)pi->res.total_kb)
			nodeset_add(cur, t->nodes[i].id);
}

/* Decide for one process; returns true when it moved (or was advised to). */
static bool consider(struct daemon *d, struct proc_info *pi, double cpus, struct pstate *ps, int64_t now)
{
	struct engine_host host = { &d->topo, d->busy, reserve_owed(d, NULL) };
	struct engine_request req = { 0 };
	struct engine_result res;
	struct nodeset cur;
	struct guest shown;
	char why[256] = "", detail[384];
	enum outcome out;

	if (ps->last_move_ms && now - ps->last_move_ms < (int64_t)d->o->guest_interval_s * 1000)
		return false;
	if (d->o->keep_interleave && pi->res.interleave_kb * 2 > pi->res.total_kb)
		return false; /* -K 1: leave interleaved memory spread */
	current_nodes(&d->topo, pi, &cur);
	req.ncpus = cpus > 1 ? cpus : 1;
	req.mem_mb = pi->res.total_kb / 1024 + (uint64_t)d->o->margin_mb;
	req.resident_kb = pi->res_kb;
	req.current = nodeset_empty(&cur) ? NULL : &cur;
	if (engine_place(&host, &d->o->policy, &req, &res) < 0 || res.status != ENGINE_OK ||
	    nodeset_equal(&res.best, &cur))
		return false;
	if (d->o->advise_only || d->paused || strcmp(d->host.root, "/") != 0) {
		out = OUT_ADVICE_ONLY;
		snprintf(why, sizeof(why), "%s", strcmp(d->host.root, "/") ? "not the live host" : "not applied");
	} else {
		out = procs_apply(&d->topo, pi->st.pid, &res.best, why, sizeof(why)) == 0 ? OUT_APPLIED : OUT_TRANSIENT;
	}
	ps->last_move_ms = now;
	guest_clear(&shown);
	shown.pid = pi->st.pid;
	snprintf(shown.comm, sizeof(shown.comm), "%s", pi->st.comm);
	guest_set_text(&shown.name, pi->st.comm, GUEST_NAME_MAX);
	snprintf(detail, sizeof(detail), "numad-style, %llu MB, %.1f CPUs; %s",
		 (unsigned long long)(pi->res.total_kb / 1024), cpus,
		 out == OUT_APPLIED ? "sched_setaffinity and migrate_pages done" : why);
	guest_log_advice(d, &shown, &cur, &res.best, REASON_CONSOLIDATE, out, detail);
	guest_release(&shown);
	return true;
}

void procs_scan(struct daemon *d, int64_t now)
{
	/*
	 * Two passes, as the costs differ by orders of magnitude: /proc/PID/stat of every
	 * process (size, CPU ticks), then numa_maps, whose page-table walk takes the process's
	 * mmap_lock, only for a process that passed every cheap test. QEMU processes, which are
	 * the largest on a KVM host and never managed this way, are never walked here.
	 */
	struct proc_scan_opts cheap = { .min_rss_kb = d->o->ninclude ? 0 : SIGNIFICANT_KB, .no_cgroup = true };
	struct proc_scan_opts deep = { .residency = true, .no_cgroup = true };
	struct proc_scan_stats st;
	struct buf b = { 0 };
	long hz = sysconf(_SC_CLK_TCK);

	if (!d->o->scan_all && !d->o->ninclude)
		return;
	if (proc_scan(d->host.root, &d->topo, &cheap, &d->numad_style, &st) < 0)
		return;
	for (int k = 0; k < d->npstate; k++)
		d->pstate[k].seen = false;
	for (int i = 0; i < d->numad_style.n; i++) {
		struct proc_info *pi = &d->numad_style.p[i], full;
		bool asked = listed(d->o->include, d->o->ninclude, pi->st.pid), moved;
		struct pstate *ps;
		double cpus = 0;

		if ((!asked && !d->o->scan_all) || pi->is_qemu || is_guest(d, pi->st.pid) ||
		    listed(d->o->exclude, d->o->nexclude, pi->st.pid) || pi->st.pid == getpid() ||
		    !(ps = state_for(d, pi)))
			continue;
		ps->seen = true;
		if (ps->at_ms && now > ps->at_ms && hz > 0)
			cpus = (double)(pi->st.utime + pi->st.stime - ps->ticks) / (double)hz /
			       ((double)(now - ps->at_ms) / 1000.0);
		ps->ticks = pi->st.utime + pi->st.stime;
		ps->at_ms = now;
		if (!asked && cpus < SIGNIFICANT_CPUS)
			continue;
		if (ps->last_move_ms && now - ps->last_move_ms < (int64_t)d->o->guest_interval_s * 1000)
			continue;
		/* the expensive read, for this process only; a pid reused since the first pass is left */
		if (proc_read(d->host.root, pi->st.pid, &d->topo, &deep, &full, &b) != 0 ||
		    full.st.starttime != pi->st.starttime || !full.have_residency ||
		    (!asked && full.res.total_kb < SIGNIFICANT_KB)) {
			proc_info_free(&full);
			continue;
		}
		moved = consider(d, &full, cpus, ps, now);
		proc_info_free(&full);
		if (moved)
			break; /* one process per scan, as numad 0.5 */
	}
	buf_free(&b);
	for (int k = d->npstate - 1; k >= 0; k--)
		if (!d->pstate[k].seen)
			d->pstate[k] = d->pstate[--d->npstate];
}
