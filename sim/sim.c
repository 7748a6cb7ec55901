/*
 * sim.c: the simulated host. From a numactl -H text it builds a sysfs/proc tree (with the
 * fixture generator) and evolves it: guests are domains of libvirt's test driver, in this
 * process, whose memory grows, shrinks and moves as a scenario says and as their live
 * nodesets allow, and "hog" processes crowd nodes. Memory is bound as the kernel binds it:
 * a guest that needs more than its nodes can give is OOM-killed. Other processes come and
 * go in /proc at the rate a scenario asks ("procs"), for numad's process scans. The daemon
 * reads the tree through its normal sampling code and acts through its normal libvirt code.
 */
#include <ctype.h>
#include <errno.h>
#include <event2/event.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <malloc.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actuator.h"
#include "advise.h"
#include "fixture.h"
#include "guests.h"
#include "host.h"
#include "log.h"
#include "options.h"
#include "reserve.h"
#include "scenario.h"
#include "sim.h"
#include "state.h"
#include "virt.h"

#define SIM_URI "test:///default"    /* libvirt's test driver, in this process: the daemon connects to it too */
#define SIM_TICK_MS 100
/*
 * While memory fills (a hog short of its target, a guest growing), the host's state moves
 * in steps of this much: finer than numad's fastest tick (FAST_DECLINE_MS), so that no tick
 * sees a step of two intervals' fill or none.
 */
#define SIM_FILL_TICK_MS 10
#define SIM_MAX_GUESTS 1024          /* guests in the table: those running, then the latest stopped */
#define SIM_WRITE_SLICE_MS 10       /* a migrating nodeset write moves memory in slices of this much real time */
#define SIM_QEMU_OVERHEAD_KB (64.0 * 1024)
#define SIM_PROC_PID0 1000000       /* the first pid of the other processes; guests are below */
#define SIM_PROC_PID_MAX 4194304
#define SIM_PROC_CPU_EVERY_MS 2000  /* how often a busy process's CPU ticks are rewritten */

/* A process that is not a guest: it lives a while in /proc, holds memory on two nodes and may use CPU. */
struct sim_proc {
	int pid;
	int a, b;             /* node indexes: three quarters of its memory on a, the rest on b */
	int64_t born_ms, dies_ms, cpu_at_ms;
};

struct sim_guest {
	char name[64];
	char uuid[VIR_UUID_STRING_BUFLEN];
	int pid, dom_id, vcpus;
	enum guest_mode mode;
	double cap_kb;        /* configured memory */
	double want_kb;       /* what the guest has touched and wants resident */
	double rate_kbps, until_kb;
	double *held_kb;      /* per node index */
	double *written_kb;   /* per node index: held_kb as its memory.numa_stat last says it */
	bool written;         /* written_kb is that file's */
	double peak_kb;
	/*
	 * The share of its pages outside a nodeset that numad's page walks do not find: the
	 * kernel's NUMA balancing marks pages for its hinting faults, and move_pages(2) on some
	 * kernels (Debian 12's 6.1) answers EFAULT for them. migrate_pages(2) moves them all.
	 */
	double hidden;
	double walk_left_kb;  /* what the walk in progress can still find */
	bool alive, oom;
	char cgroup[256];
	struct nodeset final_nodes;
	struct nodeset last_nodes;   /* live nodeset at the previous step */
	int64_t started_ms;
	double cpu;                  /* CPUs its QEMU keeps busy */
	bool migrating;              /* a nodeset write is migrating its memory: the step leaves it to the writer */
	/*
	 * A transient guest's pre-placement: the test driver keeps no auto nodeset, and a live
	 * write makes a transient definition static, so it is written a second after the start,
	 * once numad has seen the domain as libvirt started it. Its memory is held there from the start.
	 */
	char preplaced[256];
	bool numad_placed;           /* its nodes came from numad -w (the scenario gave no nodes=) */
	struct nodeset seen_nodes;   /* its nodeset at its latest step; before its first, where it was placed */
	bool risk_open;              /* the true time to exhaustion is under the horizon */
	int64_t risk_t0;
	struct nodeset risk_nodes;
};

struct sim {
	const struct options *o;
	const struct daemon *stats;  /* the daemon's counters, for the summary (read only, at the end) */
	struct daemon *d;            /* the daemon, whose socket's advise answers the guests' pre-placement */
	char root[256];
	char *topo_text;
	struct topology topo;
	virConnectPtr conn;
	double *total_kb, *base_kb, *hog_kb, *hog_target_kb, *hog_rate, *min_kb;
	double *written_free_kb; /* per node index: the free memory its meminfo says, -1 before the first write */
	bool *hog_oom;        /* per node index: the hog there OOM-kills when it cannot allocate */
	struct sim_guest guests[SIM_MAX_GUESTS];
	int nguests;
	struct sim_event *ev;
	int nev, next_ev;
	struct event *tick_ev;
	int64_t real_start;
	double speed;
	int tick_period_ms;          /* the step timer's period now, host time: SIM_TICK_MS or SIM_FILL_TICK_MS */
	int64_t now;          /* simulated ms */
	int64_t end_ms;       /* -1 until an end event */
	bool done;
	int next_pid;
	unsigned ooms;
	/* ground truth for the reaction benchmark */
	double *latency_ms;
	int nlat, caplat;
	unsigned missed;             /* OOM-killed while at risk, before numad reacted */
	unsigned bad_nodesets;       /* safety: a live nodeset that was empty or named an offline node */
	unsigned strict_changed;     /* safety: a strict guest's nodeset changed after its start */
	unsigned oom_with_room;      /* safety: a restrictive guest OOM-killed while another node had room */
	unsigned over_promised;      /* safety: a guest pre-placed where what was promised already could not fit */
	unsigned ahead;              /* nodesets widened before any risk */
	double cpu_s;                /* CPU spent in the simulator itself, in every thread */
	double loop_sim_cpu_s;       /* the part of it spent on the event loop's thread */
	double heap_numad_mb;        /* heap in use less the simulator's, at the last step */
	double heap_numad_peak_mb;   /* and its largest */
	double heap_total_mb;        /* heap in use at the last step, everyone's */
	/*
	 * Page migration. A nodeset write that leaves pages outside the new set migrates them
	 * in the writer's thread at bw_kbps before it returns, as a cpuset.mems write does, and
	 * holds cgroup_lock all along: the kernel's cpuset migration work, which every other
	 * nodeset write and every task joining a cgroup waits for. lock guards the host's state
	 * against the writer's slices and numad's page moves in other threads.
	 */
	double bw_kbps;
	pthread_mutex_t lock, cgroup_lock;
	bool cgroup_busy;
	int64_t cgroup_until_ms;     /* when the migrating write holding cgroup_lock will be done */
	unsigned writes_migrating, joins_waited;
	double write_kb_max, write_kb_total, hold_s_max, join_wait_s_max, pages_kb_total;
	/* other processes, started and ended as "procs" says */
	struct sim_proc *procs;
	int nprocs, capprocs;
	double churn_per_min, churn_life_s, churn_kb, churn_cpu, churn_due;
	int next_proc_pid;
	unsigned long procs_started, procs_ended;
	double *churn_node_kb;       /* per node index: memory those processes hold */
	double *cpu_busy_s;          /* per CPU id: seconds busy, for /proc/stat (only once a guest has cpu=) */
	double cpu_elapsed_s;
	bool cpu_model;
	struct buf buf;
};

int64_t sim_now(const struct sim *s)
{
	return s->now;
}

static int64_t sim_clock(const void *ctx)
{
	return sim_now(ctx);
}

bool sim_done(const struct sim *s)
{
	return s->done;
}

/* ---- the host's files ---- */

static double node_free(const struct sim *s, int i)
{
	double used = s->base_kb[i] + s->hog_kb[i] + s->churn_node_kb[i];

	for (int k = 0; k < s->nguests; k++)
		if (s->guests[k].alive)
			used += s->guests[k].held_kb[i];
	return s->total_kb[i] > used ? s->total_kb[i] - used : 0;
}

static void write_meminfo(struct sim *s)
{
	char rel[128], text[1024];

	for (int i = 0; i < s->topo.nnodes; i++) {
		int id = s->topo.nodes[i].id;
		unsigned long long tot = (unsigned long long)s->total_kb[i], fr = (unsigned long long)node_free(s, i);

		if ((double)fr == s->written_free_kb[i])
			continue; /* rewritten only when it changes, as the kernel's changes only then */
		snprintf(text, sizeof(text),
			 "Node %d MemTotal:       %8llu kB\nNode %d MemFree:        %8llu kB\n"
			 "Node %d MemUsed:        %8llu kB\nNode %d Inactive(file):        0 kB\n"
			 "Node %d FilePages:             0 kB\nNode %d HugePages_Total:     0\n"
			 "Node %d HugePages_Free:      0\nNode %d HugePages_Surp:      0\n",
			 id, tot, id, fr, id, tot - fr, id, id, id, id, id);
		snprintf(rel, sizeof(rel), "sys/devices/system/node/node%d/meminfo", id);
		if (fixture_write(s->root, rel, text) < 0)
			log_warn("simulator: cannot write %s", rel);
		else
			s->written_free_kb[i] = (double)fr;
	}
}

/* A guest's memory.numa_stat, rewritten only when what it holds has changed since the last write. */
static void write_guest(struct sim *s, struct sim_guest *g)
{
	char rel[512], text[8192];
	size_t n = 0, size = (size_t)s->topo.nnodes * sizeof(double);

	if (g->written && memcmp(g->written_kb, g->held_kb, size) == 0)
		return;
	n += (size_t)snprintf(text + n, sizeof(text) - n, "anon");
	for (int i = 0; i < s->topo.nnodes && n < sizeof(text) - 64; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, " N%d=%llu", s->topo.nodes[i].id,
				      (unsigned long long)(g->held_kb[i] * 1024));
	n += (size_t)snprintf(text + n, sizeof(text) - n, "\nfile");
	for (int i = 0; i < s->topo.nnodes && n < sizeof(text) - 64; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, " N%d=0", s->topo.nodes[i].id);
	snprintf(text + n, sizeof(text) - n, "\n");
	snprintf(rel, sizeof(rel), "sys/fs/cgroup/%s/memory.numa_stat", g->cgroup);
	if (fixture_write(s->root, rel, text) < 0) {
		log_warn("simulator: cannot write %s", rel);
		return;
	}
	memcpy(g->written_kb, g->held_kb, size);
	g->written = true;
}

/* ---- guests ---- */

static struct sim_guest *find_guest(struct sim *s, const char *name)
{
	for (int i = 0; i < s->nguests; i++)
		if (s->guests[i].alive && strcmp(s->guests[i].name, name) == 0)
			return &s->guests[i];
	return NULL;
}

static void live_nodes(struct sim *s, struct sim_guest *g, struct nodeset *ns)
{
	virTypedParameterPtr p = NULL;
	virDomainPtr dom = virDomainLookupByUUIDString(s->conn, g->uuid);
	int n = 0;

	nodeset_clear(ns);
	if (!dom)
		return;
	if (virDomainGetNumaParameters(dom, NULL, &n, VIR_DOMAIN_AFFECT_LIVE) == 0 && n > 0 &&
	    (p = calloc((size_t)n, sizeof(*p))) && virDomainGetNumaParameters(dom, p, &n, VIR_DOMAIN_AFFECT_LIVE) == 0) {
		const char *set = NULL;
		char err[128];
		if (virTypedParamsGetString(p, n, VIR_DOMAIN_NUMA_NODESET, &set) == 1 && set)
			nodeset_parse(ns, set, err, sizeof(err));
		virTypedParamsClear(p, n);
	}
	free(p);
	virDomainFree(dom);
}

static const char *mode_xml(enum guest_mode m)
{
	return m == MODE_STRICT ? "strict" : m == MODE_PREFERRED ? "preferred" : m == MODE_INTERLEAVE ? "interleave"
												 : "restrictive";
}

/* Pre-placement, as libvirt does it: ask numad's -w engine, which logs its advice. */
/*
 * libvirt's numad -w at a guest's start: the front end asks the daemon on its socket, so
 * the simulated host asks the daemon's advise (its reservations counted and one made).
 * Guests of time 0 start before the daemon is up, as at a host's boot: the front end
 * answers them itself, with the ledger file of the simulated host, which the daemon takes
 * over when it starts.
 */
static void preplace(struct sim *s, const struct sim_event *e, char *nodes, size_t len)
{
	uint64_t mb = (uint64_t)(e->mem_kb / 1024);
	struct engine_result res;
	int r;

	write_meminfo(s);
	if (reserve_ready(s->d)) {
		r = reserve_advise(s->d, e->vcpus, mb, true, &res);
	} else {
		topology_sample_mem(s->root, &s->topo);
		r = advise_offline(s->o, s->root, &s->topo, e->vcpus, mb, &res);
	}
	if (r < 0 || nodeset_format(&res.best, nodes, len) <= 0)
		snprintf(nodes, len, "0");
	log_advice(-1, NULL, "", nodes);
}

/*
 * Safety invariant, for a guest numad -w placed: its nodes must hold all of its memory
 * once the guests already there have touched what they still want. Their free memory
 * above the min watermark, less that, is the simulator's own truth, whatever numad
 * counted: a guest placed where it is short was promised room that was not there, however
 * slowly anyone touches its memory. What a guest there still wants goes to its nodes
 * outside this set first, as far as they have room; the rest is owed here.
 */
static void check_promise(struct sim *s, const char *name, double need_kb, const char *nodes)
{
	struct nodeset set;
	double room = 0, owed = 0;
	char err[128];

	if (nodeset_parse(&set, nodes, err, sizeof(err)) < 0 || nodeset_empty(&set))
		return;
	for (int i = 0; i < s->topo.nnodes; i++)
		if (nodeset_has(&set, s->topo.nodes[i].id) && node_free(s, i) > s->min_kb[i])
			room += node_free(s, i) - s->min_kb[i];
	for (int k = 0; k < s->nguests; k++) {
		const struct sim_guest *g = &s->guests[k];
		double left = g->want_kb, elsewhere = 0;
		bool shared = false;

		if (!g->alive)
			continue;
		for (int i = 0; i < s->topo.nnodes; i++)
			left -= g->held_kb[i];
		if (left <= 1)
			continue;
		/* an empty nodeset binds nothing: the kernel places on every node */
		for (int i = 0; i < s->topo.nnodes; i++) {
			if (!nodeset_empty(&g->seen_nodes) && !nodeset_has(&g->seen_nodes, s->topo.nodes[i].id))
				continue;
			if (nodeset_has(&set, s->topo.nodes[i].id))
				shared = true;
			else if (node_free(s, i) > s->min_kb[i])
				elsewhere += node_free(s, i) - s->min_kb[i];
		}
		if (shared && left > elsewhere)
			owed += left - elsewhere;
	}
	if (need_kb > room - owed + 1) {
		s->over_promised++;
		log_warnx("simulator: safety: %s placed on nodes %s, which cannot hold its %.0f MB: %.0f MB free there, "
			  "%.0f MB of it still to be touched by the guests already there",
			  name, nodes, need_kb / 1024, room / 1024, owed / 1024);
	}
}

static int set_live_nodes(virDomainPtr dom, const char *nodes)
{
	virTypedParameterPtr p = NULL;
	int np = 0, maxp = 0, r;

	if (virTypedParamsAddString(&p, &np, &maxp, VIR_DOMAIN_NUMA_NODESET, nodes) < 0)
		return -1;
	r = virDomainSetNumaParameters(dom, p, np, VIR_DOMAIN_AFFECT_LIVE);
	virTypedParamsFree(p, np);
	return r;
}

static void start_guest(struct sim *s, const struct sim_event *e)
{
	struct sim_guest *g;
	char xml[2048], mem[512], nodes[256], desc[1024], err[512];
	unsigned long long hash = 14695981039346656037ULL; /* FNV-1a of its name */
	virDomainPtr dom;

	if (find_guest(s, e->name)) {
		log_warnx("simulator: cannot start %s: it runs already", e->name);
		return;
	}
	if (s->cgroup_busy) {
		/* Its QEMU joins the domain's cgroup, which waits for the migrating write to end. */
		double wait_s = (double)(s->cgroup_until_ms - s->now) / 1000.0;
		s->joins_waited++;
		if (wait_s > s->join_wait_s_max)
			s->join_wait_s_max = wait_s;
		log_warnx("simulator: starting %s joins a cgroup while a nodeset write migrates memory: "
			  "it waits %.1f s for the cgroup lock", e->name, wait_s);
	}
	if (s->nguests == SIM_MAX_GUESTS) {
		/* A long run: the oldest stopped guest leaves the table (and the summary) to make room. */
		int k = 0;
		while (k < s->nguests && s->guests[k].alive)
			k++;
		if (k == s->nguests) {
			log_warnx("simulator: cannot start %s: %d guests run already", e->name, SIM_MAX_GUESTS);
			return;
		}
		free(s->guests[k].held_kb);
		memmove(&s->guests[k], &s->guests[k + 1], (size_t)(s->nguests - k - 1) * sizeof(s->guests[0]));
		s->nguests--;
	}
	if (e->nodes[0])
		snprintf(nodes, sizeof(nodes), "%s", e->nodes);
	else
		preplace(s, e, nodes, sizeof(nodes));
	/* An interleaved guest with a fixed nodeset is observed; every other guest asks for auto placement. */
	if (e->mode == MODE_INTERLEAVE && e->nodes[0])
		snprintf(mem, sizeof(mem), "<memory mode='interleave' nodeset='%s'/>", nodes);
	else
		snprintf(mem, sizeof(mem), "<memory mode='%s' placement='auto'/>", mode_xml(e->mode));
	/*
	 * Its UUID follows from its name, so that the host after a restart of numad-sim is the
	 * same host. A transient guest's vCPUs are static and its memory auto: once a nodeset is
	 * written, its live definition, its only one, asks for placement='auto' nowhere.
	 */
	for (const char *c = e->name; *c; c++)
		hash = (hash ^ (unsigned char)*c) * 1099511628211ULL;
	snprintf(xml, sizeof(xml),
		 "<domain type='test'><name>%s</name><uuid>5e1a0000-0000-4000-8000-%012llx</uuid>"
		 "<memory unit='KiB'>%.0f</memory><vcpu placement='%s'%s>%d</vcpu><numatune>%s</numatune>"
		 "<os><type>hvm</type></os></domain>",
		 e->name, (unsigned long long)(hash & 0xffffffffffffULL), e->mem_kb,
		 e->transient || !strstr(mem, "auto") ? "static" : "auto", e->transient ? " cpuset='0'" : "", e->vcpus,
		 mem);
	if (e->transient)
		dom = virDomainCreateXML(s->conn, xml, 0);
	else if ((dom = virDomainDefineXML(s->conn, xml)) && virDomainCreate(dom) < 0) {
		virDomainFree(dom);
		dom = NULL;
	}
	if (!dom) {
		log_warnx("simulator: cannot start %s: %s", e->name, virGetLastErrorMessage());
		if (dom)
			virDomainFree(dom);
		return;
	}
	/* libvirt's pre-placement (a transient guest's comes a second later: preplaced; one numad moved is there) */
	if ((!e->transient || e->moved) && set_live_nodes(dom, nodes) < 0)
		log_warnx("simulator: cannot set the nodeset of %s: %s", e->name, virGetLastErrorMessage());
	/* a guest the scenario pinned with nodes= is where the scenario chose, not where numad promised */
	if (!e->nodes[0])
		check_promise(s, e->name, e->mem_kb + SIM_QEMU_OVERHEAD_KB, nodes);
	g = &s->guests[s->nguests++];
	memset(g, 0, sizeof(*g));
	snprintf(g->name, sizeof(g->name), "%s", e->name);
	virDomainGetUUIDString(dom, g->uuid);
	g->dom_id = (int)virDomainGetID(dom);
	virDomainFree(dom);
	g->pid = s->next_pid;
	s->next_pid += (e->vcpus + 3 + 63) / 64 * 64; /* its threads' ids, pid..pid+vcpus+2, are its own */
	g->vcpus = e->vcpus;
	g->mode = e->mode;
	g->hidden = e->hidden;
	if (e->transient && !e->moved)
		snprintf(g->preplaced, sizeof(g->preplaced), "%s", nodes);
	g->cpu = e->cpu;
	if (g->cpu > 0)
		s->cpu_model = true;
	g->cap_kb = e->mem_kb + SIM_QEMU_OVERHEAD_KB;
	g->want_kb = (e->touch_kb > 0 ? e->touch_kb : e->mem_kb) + SIM_QEMU_OVERHEAD_KB;
	g->held_kb = calloc(2 * (size_t)s->topo.nnodes, sizeof(double)); /* written_kb is its second half */
	if (g->held_kb)
		g->written_kb = g->held_kb + s->topo.nnodes;
	g->alive = true;
	g->started_ms = s->now;
	g->numad_placed = !e->nodes[0];
	if (nodeset_parse(&g->seen_nodes, nodes, err, sizeof(err)) < 0)
		nodeset_clear(&g->seen_nodes);
	snprintf(g->cgroup, sizeof(g->cgroup), "machine.slice/machine-qemu\\x2d%d\\x2d%s.scope", g->dom_id, e->name);
	snprintf(desc, sizeof(desc), "proc pid=%d comm=qemu-system-x86 threads=%d vcpus=%d mem=%d:0 cgroup=%s\n",
		 g->pid, g->vcpus + 3, g->vcpus, s->topo.nodes[0].id, g->cgroup);
	if (fixture_build(s->root, s->topo_text, desc, err, sizeof(err)) < 0)
		log_warnx("simulator: cannot write %s's process: %s", g->name, err);
	for (int i = 0; i < s->topo.nnodes; i++)
		s->written_free_kb[i] = -1; /* that rewrote the nodes' meminfo from the layout's text */
	write_guest(s, g);
	log_info("simulator: started %s (pid %d, %d vCPUs, %.0f MB, %s, nodes %s)", g->name, g->pid, g->vcpus,
		 e->mem_kb / 1024, mode_xml(g->mode), nodes);
}

/* proc/vmstat's oom_kill, the count numad reports as OOM kills on the host. */
static void write_vmstat(struct sim *s)
{
	char text[64];

	snprintf(text, sizeof(text), "oom_kill %u\n", s->ooms);
	if (fixture_write(s->root, "proc/vmstat", text) < 0)
		log_warn("simulator: cannot write %s/proc/vmstat", s->root);
}

/* End a guest; oom says why the OOM killer took it (NULL: a normal stop). */
static void kill_guest(struct sim *s, struct sim_guest *g, const char *oom)
{
	virDomainPtr dom = virDomainLookupByUUIDString(s->conn, g->uuid);
	char rel[512];

	live_nodes(s, g, &g->final_nodes);
	if (dom) {
		virDomainDestroy(dom);
		virDomainUndefine(dom);
		virDomainFree(dom);
	}
	g->alive = false;
	g->oom = oom != NULL;
	memset(g->held_kb, 0, (size_t)s->topo.nnodes * sizeof(double));
	/* The process leaves /proc as it does on a real host, so that long runs keep a /proc of their live size. */
	snprintf(rel, sizeof(rel), "%s/proc/%d", s->root, g->pid);
	if (fixture_remove(rel) < 0)
		log_warn("simulator: cannot remove %s", rel);
	if (oom) {
		char nodes[256];
		s->ooms++;
		write_vmstat(s);
		nodeset_format(&g->final_nodes, nodes, sizeof(nodes));
		log_warnx("simulator: Out of memory: Killed process %d (qemu-system-x86) of domain %s "
				     "(nodes %s): %s", g->pid, g->name, nodes, oom);
	}
}

/* Place want more KiB on the allowed nodes as the kernel would; returns what found no room. */
static double place(struct sim *s, struct sim_guest *g, const struct nodeset *allowed, double want)
{
	int idx[NUMAD_MAX_NODES], k = 0;

	for (int n = nodeset_next(allowed, 0); n >= 0; n = nodeset_next(allowed, n + 1))
		if (topology_index(&s->topo, n) >= 0)
			idx[k++] = topology_index(&s->topo, n);
	if (k == 0)
		for (int i = 0; i < s->topo.nnodes; i++)
			idx[k++] = i;
	if (g->mode == MODE_INTERLEAVE) {
		for (int pass = 0; pass < 2 && want > 1; pass++) {
			double share = want / k;
			for (int a = 0; a < k; a++) {
				double room = node_free(s, idx[a]) - s->min_kb[idx[a]], take = share < room ? share : room;
				if (take > 0) {
					g->held_kb[idx[a]] += take;
					want -= take;
				}
			}
		}
	}
	for (int a = 0; a < k && want > 0; a++) {
		double room = node_free(s, idx[a]) - s->min_kb[idx[a]], take = want < room ? want : room;
		if (take > 0) {
			g->held_kb[idx[a]] += take;
			want -= take;
		}
	}
	if (want > 1 && g->mode == MODE_PREFERRED)
		for (int i = 0; i < s->topo.nnodes && want > 0; i++) {
			double room = node_free(s, i) - s->min_kb[i], take = want < room ? want : room;
			if (take > 0) {
				g->held_kb[i] += take;
				want -= take;
			}
		}
	return want > 0 ? want : 0;
}

/* Allocate want more KiB on the allowed nodes as the kernel would; false when it cannot (OOM). */
static bool allocate(struct sim *s, struct sim_guest *g, const struct nodeset *allowed, double want)
{
	return place(s, g, allowed, want) <= 1;
}

/*
 * Memory on nodes a restrictive guest no longer may use migrates to the nodes it may, up to
 * budget_kb, as far as they have room. Returns what moved.
 */
static double migrate(struct sim *s, struct sim_guest *g, const struct nodeset *allowed, double budget_kb)
{
	double moved = 0;

	if (g->mode != MODE_RESTRICTIVE || nodeset_empty(allowed))
		return 0;
	for (int i = 0; i < s->topo.nnodes && budget_kb > moved; i++) {
		double amount, left;
		if (nodeset_has(allowed, s->topo.nodes[i].id) || g->held_kb[i] <= 0)
			continue;
		amount = g->held_kb[i] < budget_kb - moved ? g->held_kb[i] : budget_kb - moved;
		g->held_kb[i] -= amount;
		left = place(s, g, allowed, amount);
		g->held_kb[i] += left; /* no room there yet: those pages stay */
		moved += amount - left;
	}
	return moved;
}

static void record_latency(struct sim *s, double ms)
{
	if (s->nlat == s->caplat) {
		int cap = s->caplat ? s->caplat * 2 : 64;
		double *p = realloc(s->latency_ms, (size_t)cap * sizeof(*p));
		if (!p)
			return;
		s->latency_ms = p;
		s->caplat = cap;
	}
	s->latency_ms[s->nlat++] = ms;
}

/*
 * Ground truth, for the reaction benchmark: the simulator knows the real consumption on a
 * guest's nodes (its own growth and the hogs there), so it knows when the true time to
 * exhaustion crosses the daemon's horizon, and when the nodeset changed after that.
 */
static void track_risk(struct sim *s, struct sim_guest *g, const struct nodeset *allowed)
{
	double headroom = 0, use = g->rate_kbps > 0 ? g->rate_kbps : 0, tte;

	for (int n = nodeset_next(allowed, 0); n >= 0; n = nodeset_next(allowed, n + 1)) {
		int i = topology_index(&s->topo, n);
		if (i < 0)
			continue;
		if (node_free(s, i) > s->min_kb[i])
			headroom += node_free(s, i) - s->min_kb[i];
		if (s->hog_kb[i] < s->hog_target_kb[i])
			use += s->hog_rate[i];
	}
	tte = use > 0 ? headroom / use : INFINITY;
	if (g->risk_open && !nodeset_equal(allowed, &g->risk_nodes)) {
		record_latency(s, (double)(s->now - g->risk_t0));
		g->risk_open = false;
	} else if (!g->risk_open && !nodeset_empty(&g->last_nodes) && !nodeset_equal(allowed, &g->last_nodes)) {
		s->ahead++;
	}
	if (!g->risk_open && tte < s->o->horizon_s && nodeset_equal(allowed, &g->last_nodes)) {
		g->risk_open = true;
		g->risk_t0 = s->now;
		g->risk_nodes = *allowed;
	} else if (g->risk_open && tte >= s->o->horizon_s) {
		g->risk_open = false; /* the pressure passed without a move */
	}
	g->last_nodes = *allowed;
}

/* Safety invariant: what numad leaves in libvirt is never empty and names only online nodes. */
static void check_nodeset(struct sim *s, const struct sim_guest *g, const struct nodeset *live)
{
	bool offline = false;

	for (int n = nodeset_next(live, 0); n >= 0; n = nodeset_next(live, n + 1))
		offline |= topology_index(&s->topo, n) < 0;
	if (nodeset_empty(live) || offline) {
		s->bad_nodesets++;
		log_warnx("simulator: safety: %s has a nodeset that is %s", g->name,
			  offline ? "not all online" : "empty");
	}
}

/* Whether a node outside allowed has want KiB free above its minimum watermark. */
static bool room_elsewhere(struct sim *s, const struct nodeset *allowed, double want)
{
	for (int i = 0; i < s->topo.nnodes; i++)
		if (!nodeset_has(allowed, s->topo.nodes[i].id) && node_free(s, i) - s->min_kb[i] >= want)
			return true;
	return false;
}

static void step_guest(struct sim *s, struct sim_guest *g, double dt_s)
{
	struct nodeset allowed;
	double held = 0, want;

	if (g->preplaced[0] && s->now - g->started_ms >= 1000) {
		virDomainPtr dom = virDomainLookupByUUIDString(s->conn, g->uuid);
		if (!dom || set_live_nodes(dom, g->preplaced) < 0)
			log_warnx("simulator: cannot set the nodeset of %s: %s", g->name, virGetLastErrorMessage());
		if (dom)
			virDomainFree(dom);
		g->preplaced[0] = '\0';
	}
	live_nodes(s, g, &allowed);
	if (g->preplaced[0] && nodeset_empty(&allowed)) {
		char err[128];
		nodeset_parse(&allowed, g->preplaced, err, sizeof(err)); /* its cgroup holds it there already */
	}
	check_nodeset(s, g, &allowed);
	g->seen_nodes = allowed;
	if (g->mode == MODE_STRICT && !nodeset_empty(&g->last_nodes) && !nodeset_equal(&allowed, &g->last_nodes)) {
		s->strict_changed++;
		log_warnx("simulator: safety: strict guest %s had its nodeset changed", g->name);
	}
	if (g->mode == MODE_RESTRICTIVE || g->mode == MODE_STRICT)
		track_risk(s, g, &allowed);
	if (!g->migrating) /* what a write could not move goes as room appears */
		migrate(s, g, &allowed, s->bw_kbps * dt_s);
	if (g->rate_kbps > 0) {
		g->want_kb += g->rate_kbps * dt_s;
		if (g->want_kb >= g->until_kb) {
			g->want_kb = g->until_kb;
			g->rate_kbps = 0;
		}
	}
	if (g->want_kb > g->cap_kb)
		g->want_kb = g->cap_kb;
	for (int i = 0; i < s->topo.nnodes; i++)
		held += g->held_kb[i];
	want = g->want_kb - held;
	if (want > 0 && !allocate(s, g, &allowed, want)) {
		if (g->risk_open)
			s->missed++;
		/*
		 * A guest numad -w placed counts from its start: the placement was numad's. One the
		 * scenario pinned with nodes= where it cannot fit gives numad a chance first: it dies
		 * before any tick.
		 */
		if (g->mode == MODE_RESTRICTIVE && (g->numad_placed || s->now - g->started_ms >= 2000) &&
		    room_elsewhere(s, &allowed, want)) {
			s->oom_with_room++;
			log_warnx("simulator: safety: %s OOM-killed while a node outside its nodeset had "
					     "%.0f MB free", g->name, want / 1024);
		}
		kill_guest(s, g, "it needed more than its nodes could give");
		return;
	}
	held = 0;
	for (int i = 0; i < s->topo.nnodes; i++)
		held += g->held_kb[i];
	if (held > g->peak_kb)
		g->peak_kb = held;
	write_guest(s, g);
}

/* ---- other processes ---- */

/* The CPU ticks a process has used by now, and its start time in ticks after boot. */
static unsigned long long proc_ticks(const struct sim *s, const struct sim_proc *p, int64_t at_ms)
{
	long hz = sysconf(_SC_CLK_TCK) > 0 ? sysconf(_SC_CLK_TCK) : 100;

	return (unsigned long long)(s->churn_cpu * (double)(at_ms - p->born_ms) / 1000.0 * (double)hz);
}

/* Write one process's /proc/PID tree, as it starts. */
static void write_proc(struct sim *s, struct sim_proc *p)
{
	long hz = sysconf(_SC_CLK_TCK) > 0 ? sysconf(_SC_CLK_TCK) : 100;
	unsigned long long ticks = proc_ticks(s, p, s->now);
	unsigned long long start = (unsigned long long)(p->born_ms * hz / 1000) + 1000;
	double mb = s->churn_kb / 1024;
	char desc[512], err[512];

	if (p->a == p->b)
		snprintf(desc, sizeof(desc), "proc pid=%d comm=batch threads=1 mem=%d:%.0f utime=%llu starttime=%llu\n",
			 p->pid, s->topo.nodes[p->a].id, mb, ticks, start);
	else
		snprintf(desc, sizeof(desc),
			 "proc pid=%d comm=batch threads=1 mem=%d:%.0f,%d:%.0f utime=%llu starttime=%llu\n", p->pid,
			 s->topo.nodes[p->a].id, mb * 3 / 4, s->topo.nodes[p->b].id, mb - floor(mb * 3 / 4 + 0.5),
			 ticks, start);
	if (fixture_write_procs(s->root, s->topo_text, desc, err, sizeof(err)) < 0)
		log_warnx("simulator: cannot write process %d: %s", p->pid, err);
	p->cpu_at_ms = s->now;
}

/* The kernel's tick counter moves: rewrite utime (field 14) of a process's stat. */
static void write_utime(struct sim *s, int pid, unsigned long long ticks)
{
	char rel[64], text[4096];
	const char *after, *f;
	int field = 2;
	size_t head;

	snprintf(rel, sizeof(rel), "proc/%d/stat", pid);
	if (read_file_at(s->root, rel, &s->buf, sizeof(text) - 64) < 0 || !(after = strrchr(s->buf.data, ')')))
		return;
	/* the blank after the comm starts field 3 (state); utime is field 14 */
	for (f = after + 1; *f && field < 14; f++)
		if (*f == ' ' && f[1] != ' ')
			field++;
	if (field != 14 || !*f)
		return;
	head = (size_t)(f - s->buf.data);
	snprintf(text, sizeof(text), "%.*s%llu%s", (int)head, s->buf.data, ticks, f + strcspn(f, " "));
	if (fixture_write(s->root, rel, text) < 0)
		log_warn("simulator: cannot write %s", rel);
}

static void bump_ticks(struct sim *s, struct sim_proc *p)
{
	p->cpu_at_ms = s->now;
	write_utime(s, p->pid, proc_ticks(s, p, s->now));
}

/*
 * Guests with cpu= keep that many CPUs of their live nodes busy, spread evenly (at most
 * each CPU whole): their process's utime grows, and so do those CPUs' busy ticks in
 * /proc/stat, both rewritten every step from the first such guest on (before, /proc/stat
 * stays as the fixture wrote it: an idle host).
 */
static void step_cpu(struct sim *s, double dt_s)
{
	long hz = sysconf(_SC_CLK_TCK) > 0 ? sysconf(_SC_CLK_TCK) : 100;
	size_t cap, len = 0;
	char *out;

	if (!s->cpu_model)
		return;
	s->cpu_elapsed_s += dt_s;
	for (int k = 0; k < s->nguests; k++) {
		struct sim_guest *g = &s->guests[k];
		int ncpu = 0;

		if (!g->alive || g->cpu <= 0 || nodeset_empty(&g->last_nodes))
			continue;
		for (int i = 0; i < s->topo.nnodes; i++)
			if (nodeset_has(&g->last_nodes, s->topo.nodes[i].id))
				ncpu += s->topo.nodes[i].ncpus;
		for (int i = 0; i < s->topo.nnodes && ncpu > 0; i++)
			if (nodeset_has(&g->last_nodes, s->topo.nodes[i].id))
				for (int c = 0; c < s->topo.nodes[i].ncpus; c++)
					s->cpu_busy_s[s->topo.nodes[i].cpus[c]] += fmin(1.0, g->cpu / ncpu) * dt_s;
		write_utime(s, g->pid, (unsigned long long)(g->cpu * (double)(s->now - g->started_ms) / 1000.0 * hz));
	}
	cap = (size_t)(s->topo.max_cpu + 1) * 96 + 1;
	if (!(out = malloc(cap)))
		return;
	out[0] = '\0';
	for (int c = 0; c <= s->topo.max_cpu; c++) {
		unsigned long long busy = (unsigned long long)(s->cpu_busy_s[c] * (double)hz),
				   all = (unsigned long long)(s->cpu_elapsed_s * (double)hz) + 1000;
		len += (size_t)snprintf(out + len, cap - len, "cpu%d %llu 0 0 %llu 0 0 0 0 0 0\n", c, busy + 100,
					all > busy ? all - busy : 0);
	}
	if (fixture_write(s->root, "proc/stat", out) < 0)
		log_warn("simulator: cannot write proc/stat");
	free(out);
}

/* The next node with memory after index i (i itself when it is the only one). */
static int next_mem_node(const struct sim *s, int i)
{
	for (int k = 1; k <= s->topo.nnodes; k++) {
		int j = (i + k) % s->topo.nnodes;
		if (s->total_kb[j] > 0)
			return j;
	}
	return i;
}

static void start_proc(struct sim *s)
{
	struct sim_proc *p;

	if (s->nprocs == s->capprocs) {
		int cap = s->capprocs ? s->capprocs * 2 : 64;
		struct sim_proc *q = realloc(s->procs, (size_t)cap * sizeof(*q));
		if (!q)
			return;
		s->procs = q;
		s->capprocs = cap;
	}
	p = &s->procs[s->nprocs++];
	memset(p, 0, sizeof(*p));
	p->pid = s->next_proc_pid;
	s->next_proc_pid = s->next_proc_pid + 1 < SIM_PROC_PID_MAX ? s->next_proc_pid + 1 : SIM_PROC_PID0;
	p->a = next_mem_node(s, (int)(s->procs_started % (unsigned long)s->topo.nnodes));
	p->b = next_mem_node(s, p->a);
	p->born_ms = s->now;
	p->dies_ms = s->now + (int64_t)(s->churn_life_s * 1000);
	s->churn_node_kb[p->a] += p->a == p->b ? s->churn_kb : s->churn_kb * 3 / 4;
	if (p->a != p->b)
		s->churn_node_kb[p->b] += s->churn_kb / 4;
	s->procs_started++;
	write_proc(s, p);
}

static void end_proc(struct sim *s, int k)
{
	struct sim_proc *p = &s->procs[k];
	char dir[512];

	snprintf(dir, sizeof(dir), "%s/proc/%d", s->root, p->pid);
	if (fixture_remove(dir) < 0)
		log_warn("simulator: cannot remove %s", dir);
	s->churn_node_kb[p->a] -= p->a == p->b ? s->churn_kb : s->churn_kb * 3 / 4;
	if (p->a != p->b)
		s->churn_node_kb[p->b] -= s->churn_kb / 4;
	for (int i = 0; i < s->topo.nnodes; i++)
		if (s->churn_node_kb[i] < 0)
			s->churn_node_kb[i] = 0;
	s->procs[k] = s->procs[--s->nprocs];
	s->procs_ended++;
}

/* End the processes whose time is up, keep the busy ones' CPU ticks moving, start new ones. */
static void step_procs(struct sim *s, double dt_s)
{
	for (int k = s->nprocs - 1; k >= 0; k--)
		if (s->now >= s->procs[k].dies_ms)
			end_proc(s, k);
	if (s->churn_cpu > 0)
		for (int k = 0; k < s->nprocs; k++)
			if (s->now - s->procs[k].cpu_at_ms >= SIM_PROC_CPU_EVERY_MS)
				bump_ticks(s, &s->procs[k]);
	s->churn_due += s->churn_per_min / 60.0 * dt_s;
	while (s->churn_due >= 1) {
		s->churn_due -= 1;
		start_proc(s);
	}
}

static void run_event(struct sim *s, const struct sim_event *e)
{
	struct sim_guest *g;
	int i;

	switch (e->kind) {
	case EV_START:
		start_guest(s, e);
		break;
	case EV_GROW:
		if ((g = find_guest(s, e->name))) {
			g->rate_kbps = e->rate_kbps > 0 ? e->rate_kbps : 1024.0 * 1024;
			g->until_kb = (e->until_kb > 0 ? e->until_kb : g->cap_kb) + SIM_QEMU_OVERHEAD_KB;
		}
		break;
	case EV_STOP:
		if ((g = find_guest(s, e->name)))
			kill_guest(s, g, NULL);
		break;
	case EV_HOG:
	case EV_FREE:
		i = topology_index(&s->topo, e->node);
		if (i < 0) {
			log_warnx("simulator: line %d: node %d is not online", e->line, e->node);
			break;
		}
		s->hog_target_kb[i] += e->kind == EV_HOG ? e->size_kb : -e->size_kb;
		if (s->hog_target_kb[i] < 0)
			s->hog_target_kb[i] = 0;
		s->hog_rate[i] = e->rate_kbps > 0 ? e->rate_kbps : 1e12;
		if (e->kind == EV_HOG)
			s->hog_oom[i] = e->oom;
		log_info("simulator: %s %.0f MB on node %d%s", e->kind == EV_HOG ? "a process takes" : "freed",
			 e->size_kb / 1024, e->node,
			 e->kind == EV_HOG && e->oom ? ", bound to it and exempt from the OOM killer" : "");
		break;
	case EV_PROCS:
		s->churn_per_min = e->per_min;
		s->churn_life_s = e->life_s;
		s->churn_kb = e->mem_kb > 0 ? e->mem_kb : 16 * 1024;
		s->churn_cpu = e->cpu;
		s->churn_due = 0;
		log_info("simulator: %.0f other processes a minute from now on, each %.0f s, %.0f MB, %.1f CPUs",
			 e->per_min, e->life_s, s->churn_kb / 1024, e->cpu);
		break;
	case EV_END:
		s->end_ms = (int64_t)(e->at_s * 1000);
		break;
	}
}

/*
 * A hog with oom=1 is bound to its node (numactl --membind) and exempt from the OOM killer
 * (oom_score_adj -1000, as the lab's memtester). When its node has nothing left above the
 * min watermark, the kernel's OOM killer (constraint MEMORY_POLICY) takes the largest
 * process that may use the node: every process without a bind policy of its own may, and
 * a guest bound by its cgroup nodeset has none, so the largest guest dies wherever its
 * memory is. Counted as unsafe when numad could have made the room: a restrictive guest
 * whose share of that node fitted on other nodes.
 */
static void oom_for_hog(struct sim *s, int i)
{
	struct sim_guest *victim = NULL;
	double most = 0;
	char why[160];

	for (int k = 0; k < s->nguests; k++) {
		struct sim_guest *g = &s->guests[k];
		double held = 0;

		if (!g->alive)
			continue;
		for (int j = 0; j < s->topo.nnodes; j++)
			held += g->held_kb[j];
		if (held > most) {
			most = held;
			victim = g;
		}
	}
	if (!victim)
		return;
	if (victim->mode == MODE_RESTRICTIVE && victim->held_kb[i] >= 64.0 * 1024) {
		struct nodeset here;
		nodeset_clear(&here);
		nodeset_add(&here, s->topo.nodes[i].id);
		if (room_elsewhere(s, &here, victim->held_kb[i])) {
			s->oom_with_room++;
			log_warnx("simulator: safety: %s OOM-killed for node %d while its %.0f MB there fitted "
					     "on other nodes", victim->name, s->topo.nodes[i].id, victim->held_kb[i] / 1024);
		}
	}
	snprintf(why, sizeof(why), "the largest process, for an allocation bound to node %d (%.0f MB of it there)",
		 s->topo.nodes[i].id, victim->held_kb[i] / 1024);
	kill_guest(s, victim, why);
}

/* Hogs allocate toward their target (as far as free memory lets them) or release at once. */
static void step_hogs(struct sim *s, double dt_s)
{
	for (int i = 0; i < s->topo.nnodes; i++) {
		double diff = s->hog_target_kb[i] - s->hog_kb[i], step = s->hog_rate[i] * dt_s;

		if (diff < 0) {
			s->hog_kb[i] = s->hog_target_kb[i];
		} else if (diff > 0) {
			double room = node_free(s, i) - s->min_kb[i];
			double take = diff < step ? diff : step;
			if (take > room && s->hog_oom[i]) {
				oom_for_hog(s, i);
				room = node_free(s, i) - s->min_kb[i];
			}
			if (take > room)
				take = room > 0 ? room : 0;
			s->hog_kb[i] += take;
		}
	}
}

/* The live guest with this uuid, or NULL. */
static struct sim_guest *guest_by_uuid(struct sim *s, const char *uuid)
{
	for (int i = 0; i < s->nguests; i++)
		if (s->guests[i].alive && strcmp(s->guests[i].uuid, uuid) == 0)
			return &s->guests[i];
	return NULL;
}

static double outside_kb(const struct sim *s, const struct sim_guest *g, const struct nodeset *set)
{
	double kb = 0;

	for (int i = 0; i < s->topo.nnodes; i++)
		if (!nodeset_has(set, s->topo.nodes[i].id))
			kb += g->held_kb[i];
	return kb;
}

/* CPU seconds of the whole process (clock CLOCK_PROCESS_CPUTIME_ID) or of this thread. */
static double cpu_of(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double thread_cpu(void)
{
	return cpu_of(CLOCK_THREAD_CPUTIME_ID);
}

/*
 * The process's heap in use (malloc's, every arena, mmapped blocks included), and the part
 * of it the simulator holds: what its own work left allocated (reading the topology and the
 * scenario, building its host, libvirt's test driver and the domains it defines there, its
 * guests), counted as the change in the heap in use across that work. numad's is the rest.
 * Across a step numad's other threads may allocate too: that counts as the simulator's.
 */
static long long sim_heap_bytes;

static long long heap_in_use(void)
{
	struct mallinfo2 m = mallinfo2();

	return (long long)(m.uordblks + m.hblkhd);
}

/*
 * A cpuset.mems write returns only when the pages that left the set have migrated: here
 * the writer's thread sleeps while the memory moves in slices at the bandwidth, with
 * cgroup_lock held throughout (a second write, even one that migrates nothing, waits for
 * it first, as the kernel's flush of its migration work makes it wait).
 */
void sim_nodeset_written(struct sim *s, const char *uuid, const struct nodeset *to)
{
	int64_t t0 = now_ms();
	double moved = 0, total, c0 = thread_cpu(); /* the simulator's, in the writer's thread */
	struct sim_guest *g;
	bool going = true;

	pthread_mutex_lock(&s->cgroup_lock);
	pthread_mutex_lock(&s->lock);
	g = guest_by_uuid(s, uuid);
	total = g && g->mode == MODE_RESTRICTIVE ? outside_kb(s, g, to) : 0;
	if (total <= 0) {
		s->cpu_s += thread_cpu() - c0;
		pthread_mutex_unlock(&s->lock);
		pthread_mutex_unlock(&s->cgroup_lock);
		return;
	}
	g->migrating = s->cgroup_busy = true;
	s->cgroup_until_ms = s->now + (int64_t)(total / s->bw_kbps * 1000);
	pthread_mutex_unlock(&s->lock);
	while (going) {
		struct timespec slice = { 0, SIM_WRITE_SLICE_MS * 1000000L };
		double budget, step;

		nanosleep(&slice, NULL);
		pthread_mutex_lock(&s->lock);
		budget = s->bw_kbps * (double)(now_ms() - t0) / 1000.0 * s->speed - moved;
		g = guest_by_uuid(s, uuid);
		step = g && budget > 0 ? migrate(s, g, to, budget) : 0;
		moved += step;
		/* done when nothing is left outside, the guest is gone, or the pages find no room (the kernel gives up on them) */
		going = g && outside_kb(s, g, to) > 1 && !(budget > 1 && step <= 0);
		if (!going) {
			if (g)
				g->migrating = false;
			s->cgroup_busy = false;
			s->writes_migrating++;
			s->write_kb_total += moved;
			s->write_kb_max = fmax(s->write_kb_max, moved);
			s->hold_s_max = fmax(s->hold_s_max, (double)(now_ms() - t0) / 1000.0 * s->speed);
			s->cpu_s += thread_cpu() - c0;
		}
		pthread_mutex_unlock(&s->lock);
	}
	pthread_mutex_unlock(&s->cgroup_lock);
	log_info("simulator: a nodeset write migrated %.0f MB in %.1f s (simulated), holding the cgroup lock",
		 moved / 1024, (double)(now_ms() - t0) / 1000.0 * s->speed);
}

/*
 * numad's own page mover on the simulated host (move_pages(2) on a real one): up to the
 * job's chunk of the guest's memory on the nodes it leaves moves to its target nodes at the
 * bandwidth, in the caller's thread, without the cgroup lock.
 */
static int sim_move_pages(void *ctx, struct job *j)
{
	struct sim *s = ctx;
	struct timespec nap;
	struct sim_guest *g;
	double moved, secs, budget = 0, outside, c0 = thread_cpu(); /* the simulator's, in the mover's thread */

	pthread_mutex_lock(&s->lock);
	g = guest_by_uuid(s, j->uuid);
	if (g && !j->sweep && j->cursor.addr == 0) { /* a walk begins: what it can find */
		g->walk_left_kb = outside_kb(s, g, &j->nodes) * (1 - g->hidden);
		j->cursor.addr = 1;
	}
	if (g)
		budget = fmin(j->max_kb, j->sweep ? outside_kb(s, g, &j->nodes) : g->walk_left_kb);
	secs = budget / s->bw_kbps / s->speed;
	pthread_mutex_unlock(&s->lock);
	if (!g) {
		pthread_mutex_lock(&s->lock);
		s->cpu_s += thread_cpu() - c0;
		pthread_mutex_unlock(&s->lock);
		snprintf(j->why, sizeof(j->why), "move_pages of pid %d: No such process", j->pid);
		return OUT_TRANSIENT;
	}
	nap.tv_sec = (time_t)secs;
	nap.tv_nsec = (long)((secs - (double)nap.tv_sec) * 1e9);
	nanosleep(&nap, NULL);
	pthread_mutex_lock(&s->lock);
	g = guest_by_uuid(s, j->uuid);
	moved = g ? migrate(s, g, &j->nodes, budget) : 0;
	s->pages_kb_total += moved;
	outside = g ? outside_kb(s, g, &j->nodes) : 0;
	if (g && !j->sweep)
		g->walk_left_kb -= moved;
	j->cursor.done = !g || outside <= 1 || moved <= 0 || (!j->sweep && g->walk_left_kb <= 1);
	if (j->cursor.done && !j->sweep && g && g->hidden > 0)
		j->cursor.hidden_kb = outside;
	s->cpu_s += thread_cpu() - c0;
	pthread_mutex_unlock(&s->lock);
	if (!j->sweep) /* as migrate_pages(2), which says only how many pages stayed: numa_stat tells the rest */
		j->moved_kb += moved;
	snprintf(j->why, sizeof(j->why), "%.0f MB moved%s", moved / 1024, j->sweep ? " by migrate_pages(2)" : "");
	return OUT_APPLIED;
}

static void hook_nodeset_written(void *ctx, const char *uuid, const struct nodeset *to)
{
	sim_nodeset_written(ctx, uuid, to);
}

void sim_step(struct sim *s, int64_t now)
{
	double dt_s;
	int64_t prev = s->now;

	/* the host's time stops at the scenario's end, however late the step that reaches it */
	if (s->end_ms >= 0 && now > s->end_ms)
		now = s->end_ms;
	dt_s = (double)(now - s->now) / 1000.0;

	if (dt_s <= 0)
		return;
	s->now = now;
	while (s->next_ev < s->nev && s->ev[s->next_ev].at_s * 1000 <= (double)now)
		run_event(s, &s->ev[s->next_ev++]);
	/* processes start until the scenario's end, even when this step runs past it */
	step_procs(s, s->end_ms >= 0 && now > s->end_ms ? (double)(s->end_ms > prev ? s->end_ms - prev : 0) / 1000.0
						   : dt_s);
	step_hogs(s, dt_s);
	for (int i = 0; i < s->nguests; i++)
		if (s->guests[i].alive)
			step_guest(s, &s->guests[i], dt_s);
	step_cpu(s, dt_s);
	write_meminfo(s);
	if (s->end_ms >= 0 && now >= s->end_ms)
		s->done = true;
}

/* Whether memory is filling now: a hog short of its target, or a guest growing. */
static bool filling(const struct sim *s)
{
	for (int i = 0; i < s->topo.nnodes; i++)
		if (s->hog_kb[i] < s->hog_target_kb[i])
			return true;
	for (int i = 0; i < s->nguests; i++)
		if (s->guests[i].alive && s->guests[i].rate_kbps > 0 && s->guests[i].want_kb < s->guests[i].until_kb)
			return true;
	return false;
}

/* The step timer at period_ms of host time (at least 1 ms of real time). */
static void set_tick(struct sim *s, int period_ms)
{
	struct timeval tv = { 0, (suseconds_t)(period_ms * 1000 / s->speed) };

	if (tv.tv_usec < 1000)
		tv.tv_usec = 1000;
	s->tick_period_ms = period_ms;
	event_add(s->tick_ev, &tv);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct sim *s = arg;
	int64_t target = (int64_t)((double)(now_ms() - s->real_start) * s->speed);
	double c0 = thread_cpu();
	long long h0;
	int period;

	(void)fd;
	(void)what;
	pthread_mutex_lock(&s->lock);
	h0 = heap_in_use();
	sim_step(s, target);
	{
		long long h1 = heap_in_use();
		sim_heap_bytes += h1 - h0;
		s->heap_total_mb = (double)h1 / (1 << 20);
		s->heap_numad_mb = (double)(h1 - sim_heap_bytes) / (1 << 20);
		s->heap_numad_peak_mb = fmax(s->heap_numad_peak_mb, s->heap_numad_mb);
	}
	period = filling(s) ? SIM_FILL_TICK_MS : SIM_TICK_MS;
	if (period != s->tick_period_ms)
		set_tick(s, period);
	c0 = thread_cpu() - c0;
	s->cpu_s += c0;
	s->loop_sim_cpu_s += c0;
	pthread_mutex_unlock(&s->lock);
}

/* What sim_prepare() read and checked, for sim_open_host() to take. */
static struct {
	char root[256];
	char *topo_text;
	struct topology topo;
	struct scenario sc;
	bool ready;
} plan;

static void topo_error(const char *file, const char *err)
{
	int line = 0, n = 0;

	/* the generator says "numactl line N: reason": the file's own FILE:LINE: reason */
	if (sscanf(err, "numactl line %d%n", &line, &n) == 1 && line > 0) {
		const char *why = err + n;
		why += strspn(why, " ");
		if (*why == '(')
			why += strcspn(why, ")") + (why[strcspn(why, ")")] ? 1 : 0);
		why += strspn(why, ": ");
		fprintf(stderr, "%s:%d: %s\n", file, line, why);
	} else {
		fprintf(stderr, "%s: %s\n", file, err);
	}
}

/* A SLIT the kernel would not give: distances that differ by direction. Warned about, not refused. */
static void check_slit(const char *file, const struct topology *t)
{
	for (int i = 0; i < t->nnodes; i++)
		for (int j = i + 1; j < t->nnodes; j++)
			if (topology_distance(t, i, j) != topology_distance(t, j, i)) {
				fprintf(stderr,
					"%s: warning: the SLIT is not symmetric: node %d to node %d is %d, node %d to "
					"node %d is %d (the simulation goes on with it as it is)\n",
					file, t->nodes[i].id, t->nodes[j].id, topology_distance(t, i, j), t->nodes[j].id,
					t->nodes[i].id, topology_distance(t, j, i));
				return;
			}
}

struct scen_report {
	const char *file;
	int shown;
};

#define SIM_MAX_ERRORS 20

static void scen_error(void *ctx, int line, const char *why)
{
	struct scen_report *r = ctx;

	if (r->shown++ >= SIM_MAX_ERRORS)
		return;
	if (line > 0)
		fprintf(stderr, "%s:%d: %s\n", r->file, line, why);
	else
		fprintf(stderr, "%s: %s\n", r->file, why);
}

static int prepare(const struct options *o, const char *dir)
{
	struct scen_report rep = { .file = o->scenario ? o->scenario : "(the built-in scenario)" };
	char err[512], *text;
	size_t len;
	int n;

	memset(&plan, 0, sizeof(plan));
	plan.topo_text = fixture_read_file(o->simulate, err, sizeof(err));
	if (!plan.topo_text) {
		fprintf(stderr, "numad-sim: --simulate: %s\n", err);
		return 2;
	}
	if ((size_t)snprintf(plan.root, sizeof(plan.root), "%s/root", dir) >= sizeof(plan.root)) {
		fprintf(stderr, "numad-sim: the run directory's path %s is too long\n", dir);
		return 1;
	}
	if (fixture_build(plan.root, plan.topo_text, NULL, err, sizeof(err)) < 0) {
		if (strncmp(err, "numactl line ", 13) == 0) {
			topo_error(o->simulate, err);
			return 2;
		}
		fprintf(stderr, "numad-sim: cannot build the simulated host under %s: %s\n", plan.root, err);
		return 1;
	}
	if (topology_read(plan.root, &plan.topo, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s\n", o->simulate, err);
		return 2;
	}
	check_slit(o->simulate, &plan.topo);
	if (o->scenario) {
		text = fixture_read_file(o->scenario, err, sizeof(err));
		if (!text) {
			fprintf(stderr, "numad-sim: --scenario: %s\n", err);
			return 2;
		}
	} else if (!(text = scenario_builtin(&plan.topo))) {
		fprintf(stderr, "numad-sim: out of memory\n");
		return 1;
	}
	len = strlen(text);
	n = scenario_parse(&plan.sc, text, len, &plan.topo, scen_error, &rep);
	free(text);
	if (n > SIM_MAX_ERRORS)
		fprintf(stderr, "%s: %d more errors\n", rep.file, n - SIM_MAX_ERRORS);
	if (n)
		return 2;
	plan.ready = true;
	return 0;
}

void sim_unprepare(void)
{
	free(plan.topo_text);
	topology_free(&plan.topo);
	scenario_free(&plan.sc);
	memset(&plan, 0, sizeof(plan));
}

/* The CPU sim_prepare() spent building the host's tree, for sim_open_host() to count as the simulator's. */
static double prepare_cpu_s;

int sim_prepare(const struct options *o, const char *dir)
{
	long long h0 = heap_in_use();
	double c0 = thread_cpu();
	int r = prepare(o, dir);

	prepare_cpu_s += thread_cpu() - c0;
	sim_heap_bytes += heap_in_use() - h0;
	return r;
}

static int init_nodes(struct sim *s)
{
	struct zone_wm *wm;
	struct buf b = { 0 };
	int n = s->topo.nnodes;

	s->total_kb = calloc((size_t)n * 8, sizeof(double));
	s->hog_oom = calloc((size_t)n, sizeof(*s->hog_oom));
	s->cpu_busy_s = calloc((size_t)(s->topo.max_cpu + 2), sizeof(double));
	wm = calloc((size_t)n, sizeof(*wm));
	if (!s->total_kb || !s->hog_oom || !s->cpu_busy_s || !wm) {
		free(wm);
		return -1;
	}
	s->base_kb = s->total_kb + n;
	s->hog_kb = s->base_kb + n;
	s->hog_target_kb = s->hog_kb + n;
	s->hog_rate = s->hog_target_kb + n;
	s->min_kb = s->hog_rate + n;
	s->churn_node_kb = s->min_kb + n;
	s->written_free_kb = s->churn_node_kb + n;
	if (read_file_at(s->root, "proc/zoneinfo", &b, 1 << 22) == 0)
		zoneinfo_parse(b.data, &s->topo, wm);
	for (int i = 0; i < n; i++) {
		s->total_kb[i] = (double)s->topo.nodes[i].mem.total_kb;
		s->base_kb[i] = s->total_kb[i] - (double)s->topo.nodes[i].mem.free_kb;
		s->min_kb[i] = (double)wm[i].min_pages * 4.0;
		s->written_free_kb[i] = -1;
	}
	free(wm);
	buf_free(&b);
	return 0;
}

static bool host_done(const void *ctx)
{
	return sim_done(ctx);
}

static void host_close(void *ctx, const struct daemon *d)
{
	struct sim *s = ctx;

	s->stats = d;
	sim_destroy(s);
}

static int open_host(struct daemon *d, struct host *h)
{
	struct sim *s = calloc(1, sizeof(*s));
	const struct options *o = d->o;
	virDomainPtr test;

	if (!s)
		return -1;
	s->o = o;
	s->d = d;
	s->end_ms = -1;
	s->next_pid = 4000;
	s->next_proc_pid = SIM_PROC_PID0;
	s->speed = o->speed > 0 ? o->speed : 1.0;
	s->bw_kbps = (o->sim_bandwidth_mb_s > 0 ? o->sim_bandwidth_mb_s : 2048) * 1024.0;
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->cgroup_lock, NULL);
	if (!plan.ready) {
		log_error("simulator: the host and the scenario were not prepared");
		sim_destroy(s);
		return -1;
	}
	/* the simulator takes what sim_prepare() read */
	snprintf(s->root, sizeof(s->root), "%s", plan.root);
	s->topo_text = plan.topo_text;
	s->topo = plan.topo;
	s->ev = plan.sc.ev;
	s->nev = plan.sc.nev;
	memset(&plan, 0, sizeof(plan));
	if (init_nodes(s) < 0) {
		log_error("simulator: out of memory");
		sim_destroy(s);
		return -1;
	}
	s->conn = virConnectOpen(SIM_URI);
	if (!s->conn) {
		log_error("simulator: cannot open libvirt's test driver: %s", virGetLastErrorMessage());
		sim_destroy(s);
		return -1;
	}
	/* The test driver comes with a running domain of its own, "test": no guest of the simulated host. */
	if ((test = virDomainLookupByName(s->conn, "test"))) {
		virDomainDestroy(test);
		virDomainUndefine(test);
		virDomainFree(test);
	}
	write_vmstat(s);
	*h = (struct host){ .root = s->root,
			    .uri = SIM_URI,
			    .ctx = s,
			    .clock = sim_clock,
			    .speed = s->speed,
			    .done = host_done,
			    .close = host_close,
			    .hooks = { .ctx = s, .nodeset_written = hook_nodeset_written, .move_pages = sim_move_pages } };
	log_notice("simulator: %d-node host from %s under %s, scenario %s, %.0fx time", s->topo.nnodes,
		   o->simulate, s->root, o->scenario ? o->scenario : "(built in)", s->speed);
	s->real_start = now_ms();
	sim_step(s, 1); /* events at time 0 */
	s->tick_ev = event_new(d->base, -1, EV_PERSIST, on_tick, s);
	set_tick(s, SIM_TICK_MS);
	return 0;
}

/*
 * Building the tree, defining and starting the guests of time 0 in libvirt's test driver:
 * the simulator's CPU, on the thread that runs the event loop, so that numad's figure is
 * numad's alone (with 1,000 guests these take seconds before numad's first tick).
 */
int sim_open_host(struct daemon *d, struct host *h)
{
	long long h0 = heap_in_use();
	double c0 = thread_cpu();
	int r = open_host(d, h);

	sim_heap_bytes += heap_in_use() - h0;
	if (r == 0) {
		struct sim *s = h->ctx;
		double c = thread_cpu() - c0 + prepare_cpu_s;

		s->cpu_s += c;
		s->loop_sim_cpu_s += c;
		prepare_cpu_s = 0;
	}
	return r;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* How often numad read the guest's memory.numa_stat, as "-" when numad no longer knows it. */
static void numa_stat_reads(const struct sim *s, const struct sim_guest *g, char *out, size_t len)
{
	snprintf(out, len, "-");
	for (int k = 0; s->stats && k < s->stats->nguests; k++)
		if (strcmp(s->stats->guests[k].uuid, g->uuid) == 0)
			snprintf(out, len, "%lu", s->stats->guests[k].numa_stat_reads);
}

static void summary(struct sim *s)
{
	double secs = (double)s->now / 1000;

	printf("\nsimulation summary after %.1f s (simulated):\n", secs);
	printf("%-12s %-12s %-10s %10s  %-10s  %s\n", "guest", "mode", "nodes", "peak_MB", "fate", "numa_stat_reads");
	for (int i = 0; i < s->nguests; i++) {
		struct sim_guest *g = &s->guests[i];
		char nodes[256], reads[32];

		if (g->alive)
			live_nodes(s, g, &g->final_nodes);
		nodeset_format(&g->final_nodes, nodes, sizeof(nodes));
		numa_stat_reads(s, g, reads, sizeof(reads));
		printf("%-12s %-12s %-10s %10.0f  %-10s  %s\n", g->name, mode_xml(g->mode), nodes, g->peak_kb / 1024,
		       g->oom ? "OOM-killed" : g->alive ? "running" : "stopped", reads);
	}
	if (s->stats)
		printf("fast tier reads: %lu of memory.numa_stat (%.1f a second), %lu of node meminfo (%lu files opened)\n",
		       s->stats->numa_stat_reads, secs > 0 ? (double)s->stats->numa_stat_reads / secs : 0,
		       s->stats->mem_files.reads, s->stats->mem_files.opens);
	if (s->nlat > 0) {
		double sorted[4096];
		int n = s->nlat < 4096 ? s->nlat : 4096;
		memcpy(sorted, s->latency_ms, (size_t)n * sizeof(double));
		qsort(sorted, (size_t)n, sizeof(double), cmp_double);
		printf("reaction: %d events, p50 %.0f ms, p99 %.0f ms, max %.0f ms (true exhaustion within %.1f s -> "
		       "nodeset applied)\n",
		       n, sorted[n / 2], sorted[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1], sorted[n - 1],
		       s->o->horizon_s);
	}
	printf("widened before any risk: %u; OOM-killed while at risk: %u\n", s->ahead, s->missed);
	printf("safety: %u empty or offline nodesets, %u restrictive guests OOM-killed with room elsewhere, "
	       "%u strict nodesets changed, %u guests placed where what was promised could not fit\n",
	       s->bad_nodesets, s->oom_with_room, s->strict_changed, s->over_promised);
	if (s->procs_started)
		printf("other processes: %lu started, %lu ended, %d running\n", s->procs_started, s->procs_ended,
		       s->nprocs);
	{
		/* summary() runs on the event loop's thread, once the loop has ended */
		double total = cpu_of(CLOCK_PROCESS_CPUTIME_ID), loop = thread_cpu() - s->loop_sim_cpu_s;
		double numad = total - s->cpu_s;

		printf("CPU: numad %.2f s (its event loop %.2f s, its other threads %.2f s: libvirt calls, libvirt's "
		       "test driver included), simulator %.2f s, over %.0f s simulated; numad ran %lu fast ticks and %lu "
		       "full scans\n",
		       numad, loop, numad - loop, s->cpu_s, (double)s->now / 1000, s->stats ? s->stats->fast_ticks : 0,
		       s->stats ? s->stats->full_scans : 0);
	}
	printf("migration: %u nodeset writes migrated memory, %.0f MB in all, the largest %.0f MB, holding the cgroup "
	       "lock %.1f s at most; %.0f MB moved page by page; guest starts that waited on the cgroup lock: %u, "
	       "longest %.1f s\n",
	       s->writes_migrating, s->write_kb_total / 1024, s->write_kb_max / 1024, s->hold_s_max,
	       s->pages_kb_total / 1024, s->joins_waited, s->join_wait_s_max);
	printf("heap: %.1f MB in use at the last step, the simulator's %.1f MB (its host, guests and libvirt's test "
	       "driver), numad's %.1f MB (at most %.1f MB)\n",
	       s->heap_total_mb, s->heap_total_mb - s->heap_numad_mb, s->heap_numad_mb, s->heap_numad_peak_mb);
	printf("OOM kills: %u\n", s->ooms);
	fflush(stdout);
}

void sim_destroy(struct sim *s)
{
	if (!s)
		return;
	if (s->conn)
		summary(s);
	for (int i = 0; i < s->nguests; i++) {
		if (s->guests[i].alive)
			kill_guest(s, &s->guests[i], NULL);
		free(s->guests[i].held_kb);
	}
	free(s->procs);
	buf_free(&s->buf);
	if (s->tick_ev)
		event_free(s->tick_ev);
	if (s->conn)
		virConnectClose(s->conn);
	topology_free(&s->topo);
	free(s->total_kb);
	free(s->hog_oom);
	free(s->cpu_busy_s);
	free(s->topo_text);
	free(s->latency_ms);
	free(s->ev);
	pthread_mutex_destroy(&s->lock);
	pthread_mutex_destroy(&s->cgroup_lock);
	if (s->root[0] && strstr(s->root, "/numad-sim.") && !getenv("NUMAD_SIM_KEEP"))
		fixture_remove(s->root);
	free(s);
}
