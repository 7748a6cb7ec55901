/*
 * daemon.c: the event loop. One libevent base owns the fast timer (node free memory and
 * guest residency, urgent extensions), the adaptive full scan (CPU use, watermarks,
 * domains, consolidation), signals, libvirt's events and the control socket.
 */
#include <errno.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <fcntl.h>
#include <math.h>
#include <numa.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "apply.h"
#include "ctl.h"
#include "daemon.h"
#include "evbridge.h"
#include "guests.h"
#include "log.h"
#include "metrics.h"
#include "persist.h"
#include "plan.h"
#include "procs.h"
#include "reserve.h"
#include "state.h"
#include "virt.h"

static void scan_soon(struct daemon *d);

#define STOP_WAIT_MS 30000   /* at a stop, how long numad waits for the libvirt calls in flight */
#define APPLY_WORKERS 4

static void notify_status(struct daemon *d)
{
	int managed = 0, risk = 0;

	for (int i = 0; i < d->nguests; i++) {
		managed += guest_moves(&d->guests[i]);
		risk += d->guests[i].at_risk;
	}
	sd_notifyf(0, "STATUS=%d nodes, %d guests (%d managed, %d at risk), %lu advices%s", d->topo.nnodes,
		   d->nguests, managed, risk, d->advices, d->paused ? ", paused" : "");
}

/* Whether some node loses free memory faster than FAST_DECLINE_KBPS, smoothed or over the last tick. */
static bool declining_fast(const struct daemon *d)
{
	for (int i = 0; i < d->topo.nnodes; i++) {
		const struct growth *e = &d->node_free[i];
		if (e->has_rate && (e->rate < -FAST_DECLINE_KBPS || e->last_rate < -FAST_DECLINE_KBPS))
			return true;
	}
	return false;
}

/*
 * The fast tier ticks every --fast-interval while there is a guest to protect: the urgent
 * path acts on what it samples. While a node loses more than FAST_DECLINE_KBPS it ticks every
 * FAST_DECLINE_MS (when --fast-interval is longer): at 6 GB/s a 250 ms tick is 1.5 GB
 * unseen. With no guest nothing acts within the second, so it ticks once a second (node
 * free memory stays fresh for status, -w through the daemon and the next scan) and spares
 * three wake-ups and node meminfo reads of four. A guest that appears brings the short
 * period back at the next tick, within a second.
 */
static void fast_period(struct daemon *d)
{
	int want = d->nguests > 0 || d->o->fast_ms >= 1000 ? d->o->fast_ms : 1000;
	struct timeval tv;

	if (d->nguests > 0 && want > FAST_DECLINE_MS && declining_fast(d))
		want = FAST_DECLINE_MS;

	if (want == d->fast_period_ms)
		return;
	d->fast_period_ms = want;
	tv = daemon_timeval(d, want);
	event_add(d->fast_ev, &tv);
}

/*
 * A guest's memory.numa_stat at a fast tick: read at every tick while anything may change
 * it (guest_sample_due) or a move of it is in flight, else at its quiet refresh (every 2 s, longer
 * with more than 100 guests).
 * The kernel flushes memcg statistics at each read of it, so the fast tier's cost follows
 * what changes on the host, not how many guests it runs.
 */
static void sample_guest(struct daemon *d, struct guest *g, int64_t now)
{
	enum guest_read how = guest_sample_due(d, g, now);

	if (how != READ_AT_TICK && g->cgroup[0] && apply_busy(d->apply, g))
		how = READ_AT_TICK;
	guest_sample(d, g, now, how);
}

/*
 * Whether a guest's urgent rules run at this tick: when its memory was read at it (which
 * covers every guest with a node that declines, growing, at risk or with a move under way:
 * guest_sample_due), when it has no cgroup to read, or after the rules changed. What they
 * weigh of any other guest has not changed since its last read but by the drift of nodes
 * that do not decline, under 1 MB/s.
 */
static bool urgent_due(const struct daemon *d, const struct guest *g, int64_t now)
{
	return g->tick_read_ms == now || !g->cgroup[0] || g->at_risk || d->urgent_all;
}

static void fast_tick(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	int64_t t0 = now_ms(), now = daemon_now(d);

	(void)fd;
	d->fast_ticks++;
	if (topology_sample_mem_kept(&d->mem_files, d->host.root, &d->topo) > 0)
		log_debug("%s: some node meminfo could not be read this tick", __func__);
	for (int i = 0; i < d->topo.nnodes; i++)
		if (d->topo.nodes[i].mem.valid)
			growth_update(&d->node_free[i], now,
				      (double)node_free_kb(&d->topo.nodes[i].mem, d->o->policy.count_inactive_file));
	guests_tick_begin(d, now);
	for (int i = 0; i < d->nguests; i++)
		sample_guest(d, &d->guests[i], now);
	guests_track_taken(d, now);
	d->last_tick_ms = now;
	reserve_owed_begin(d);
	for (int i = 0; i < d->nguests && !d->o->numad05_timing; i++) /* numad 0.5 has no urgent path */
		if (urgent_due(d, &d->guests[i], now))
			plan_urgent(d, &d->guests[i], now);
	d->urgent_all = false;
	reserve_owed_end(d);
	apply_tick(d->apply, now);
	persist_flush(d, false);
	if (d->scan_soon)
		scan_soon(d);
	d->fast_cost_ms = (double)(now_ms() - t0);
	sd_notify(0, "WATCHDOG=1");
	if (what & EV_TIMEOUT) /* the timer's own tick, not a PSI wake-up or a numad 0.5-timed scan */
		fast_period(d);
}

/*
 * PSI backstop: the kernel wakes us when tasks stall on memory for 150 ms within 1 s,
 * even between two fast ticks. The trigger file always polls readable, and signals with
 * a wake-up, so it is watched edge-triggered.
 */
static void on_pressure(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;

	(void)fd;
	(void)what;
	d->psi_events++;
	log_debug("memory pressure (PSI): sampling now");
	fast_tick(-1, 0, d);
}

static void setup_psi(struct daemon *d)
{
	static const char trigger[] = "some 150000 1000000";
	int fd;

	if (strcmp(d->host.root, "/") != 0 || d->o->numad05_timing)
		return; /* a simulated or fixture host has no kernel behind it */
	if (!(event_base_get_features(d->base) & EV_FEATURE_ET)) {
		log_info("PSI trigger not used: the event backend has no edge-triggered mode");
		return;
	}
	fd = open("/proc/pressure/memory", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || write(fd, trigger, sizeof(trigger)) < 0) {
		log_info("PSI trigger not available (%s): the fast tier alone watches memory",
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	d->psi_fd = fd;
	d->psi_ev = event_new(d->base, fd, EV_READ | EV_ET | EV_PERSIST, on_pressure, d);
	if (!d->psi_ev || event_add(d->psi_ev, NULL) < 0) {
		log_warnx("cannot watch the PSI trigger");
		return;
	}
	log_info("PSI trigger armed: %s", trigger);
}

/*
 * The process part of the full scan: for a guest whose cgroup gives no residency, fall
 * back to its numa_maps, the expensive walk, for that one process only. Nothing else in
 * /proc is read here: the cost follows the number of guests, not of processes.
 */
static void scan_processes(struct daemon *d, int64_t now)
{
	struct proc_scan_opts deep = { .residency = true, .vcpus = true };

	for (int i = 0; i < d->nguests; i++) {
		struct guest *g = &d->guests[i];
		struct proc_info pi;

		if (g->pid <= 0 || g->cgroup[0]) /* the fast tier reads the cgroup */
			continue;
		if (proc_read(d->host.root, g->pid, &d->topo, &deep, &pi, &d->buf) != 0) {
			g->res_valid = false;
			proc_info_free(&pi);
			continue;
		}
		if (pi.st.starttime != g->pid_start && g->pid_start) {
			log_info("domain %s: pid %d now belongs to another process; residency dropped", g->name,
				 g->pid);
			g->res_valid = false;
		} else if (pi.have_residency) {
			memcpy(g->res_kb, pi.res_kb, (size_t)d->topo.nnodes * sizeof(*g->res_kb));
			g->res_new = true;
			guest_residency_updated(d, g, now, true);
		}
		proc_info_free(&pi);
	}
}

static void schedule_full(struct daemon *d)
{
	struct timeval tv = daemon_timeval(d, d->full_interval_s * 1000.0);

	evtimer_add(d->full_ev, &tv);
	d->next_full_ms = daemon_now(d) + (int64_t)d->full_interval_s * 1000;
}

/* A guest started: the full scan comes back to its shortest interval. */
static void scan_soon(struct daemon *d)
{
	d->scan_soon = false;
	if (d->o->numad05_timing || !d->full_ev)
		return;
	d->full_interval_s = d->o->interval_min;
	if (d->next_full_ms - daemon_now(d) > (int64_t)d->full_interval_s * 1000)
		schedule_full(d);
}

/*
 * Watermarks change only when an administrator sets vm.min_free_kbytes or
 * vm.watermark_scale_factor, or memory is hot-plugged, while /proc/zoneinfo is large (every
 * zone of every node, and each CPU's page lists in each zone) and the kernel takes every
 * zone's lock to print it: it is read at the start and then once a minute, not on every scan.
 */
#define WATERMARK_PERIOD_MS 60000

static void read_watermarks(struct daemon *d)
{
	d->wm_read_ms = daemon_now(d);
	if (read_file_at(d->host.root, "proc/zoneinfo", &d->buf, 1 << 22) < 0 ||
	    zoneinfo_parse(d->buf.data, &d->topo, d->wm) < 0)
		log_debug("%s: no usable proc/zoneinfo; watermarks count as zero", __func__);
}

static void full_scan(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	struct cpustat *prev = &d->cs[d->cs_cur], *cur = &d->cs[!d->cs_cur];
	int64_t t0 = now_ms(), now = daemon_now(d);
	bool moved = false, growing = false;

	(void)fd;
	(void)what;
	d->full_scans++;
	if (cpustat_read(d->host.root, cur) == 0) {
		cpustat_node_busy(&d->topo, prev->ncpu ? prev : NULL, cur, d->busy);
		d->cs_cur = !d->cs_cur;
	}
	if (now - d->wm_read_ms >= WATERMARK_PERIOD_MS)
		read_watermarks(d);
	if (d->virt)
		virt_refresh(d->virt);
	guests_note_oom(d, now);
	reserve_scan(d);
	scan_processes(d, now);
	for (int i = 0; i < d->nguests; i++)
		guest_sample_cpu(d, &d->guests[i], now);
	procs_scan(d, now);
	if (d->o->numad05_timing)
		fast_tick(-1, 0, d); /* numad 0.5 has no fast tier: sample only when it scans */
	reserve_owed_begin(d);
	for (int i = 0; i < d->nguests; i++) {
		struct guest *g = &d->guests[i];

		growing |= g->growth.has_rate && g->growth.rate > 1024.0;
		if (plan_consolidate(d, g, now)) {
			moved = true;
			if (d->o->numad05_timing)
				break; /* numad 0.5 moves at most one process per scan */
		}
	}
	reserve_owed_end(d);
	/* Adaptive: scan often while things change, back off to the maximum when calm. */
	if (d->o->numad05_timing)
		d->full_interval_s = d->o->interval_max;
	else if (moved || growing)
		d->full_interval_s = d->o->interval_min;
	else if (d->full_interval_s < d->o->interval_max)
		d->full_interval_s = d->full_interval_s * 2 > d->o->interval_max ? d->o->interval_max
										  : d->full_interval_s * 2;
	d->last_full_at_ms = now;
	d->full_cost_ms = (double)(now_ms() - t0);
	notify_status(d);
	schedule_full(d);
}

static int daemon_reload(struct daemon *d, char *err, size_t errlen)
{
	if (options_reload(d->o, err, errlen) < 0) {
		log_error("configuration not reloaded, the running one stays: %s", err);
		return -1;
	}
	log_set_level(d->o->log_level);
	if (d->o->foreground || d->o->simulate)
		log_set_stderr_level(d->o->log_level);
	tb_init(&d->migrate_bucket, d->o->migrate_mb_s, d->o->migrate_mb_s, daemon_now(d));
	tb_init(&d->urgent_bucket, 1.0 / 10.0, d->o->urgent_burst, daemon_now(d));
	d->urgent_all = true; /* a new margin or horizon: every guest is weighed again at the next tick */
	if (d->o->config_path && access(d->o->config_path, F_OK) < 0)
		log_notice("configuration reloaded: %s does not exist, so numad runs on its defaults and its command line",
			   d->o->config_path);
	else
		log_notice("configuration reloaded%s%s", d->o->config_path ? " from " : "",
			   d->o->config_path ? d->o->config_path : "");
	return 0;
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;
	char err[512];

	(void)what;
	if (sig == SIGHUP) {
		if (log_reopen() < 0)
			log_warn("%s: cannot reopen the log", __func__);
		log_notice("SIGHUP: log reopened");
		daemon_reload(d, err, sizeof(err));
		return;
	}
	log_notice("%s: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	sd_notify(0, "STOPPING=1");
	d->stopping = true;
	event_base_loopexit(d->base, NULL);
}

static void on_run_for(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;

	(void)fd;
	(void)what;
	bool over = d->o->run_for_s > 0 && daemon_now(d) - d->start_ms >= (int64_t)(d->o->run_for_s * 1000);

	if (!over && !(d->host.done && d->host.done(d->host.ctx))) {
		struct timeval tv = daemon_timeval(d, 100);
		evtimer_add(d->stop_ev, &tv);
		return;
	}
	log_notice("%s: stopping", over ? "run time over" : "scenario ended");
	d->stopping = true;
	event_base_loopexit(d->base, NULL);
}

/*
 * Take the pid file with a lock, before the daemon forks (the lock stays with the child);
 * a second daemon finds it locked and refuses to start. Any failure is fatal: numad never
 * runs without the lock it was asked to hold. Returns the fd, or -1 after saying why.
 */
static int pidfile_take(const char *path)
{
	char buf[32];
	struct stat st;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);

	if (fd < 0) {
		if (errno == ELOOP)
			log_error("pid file %s is a symbolic link: numad does not follow one", path);
		else
			log_error("cannot open pid file %s: %s (--pidfile \"\" for none)", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		log_error("pid file %s is not a regular file", path);
		close(fd);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		if (e == EWOULDBLOCK)
			log_error("another numad is running (pid %s, pid file %s)", n > 0 ? buf : "?", path);
		else
			log_error("cannot lock pid file %s: %s", path, strerror(e));
		close(fd);
		return -1;
	}
	return fd;
}

/* Write this process's pid into the locked pid file (after the fork). */
static void pidfile_write(int fd, const char *path)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());

	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)n, 0) != n)
		log_warn("cannot write pid file %s", path);
}

/*
 * On the live host, libnuma reads the same kernel tables through its own code: a
 * disagreement means sysfs changed under us (hot-plug) or one reader is wrong. Say so.
 */
static void crosscheck_libnuma(const struct topology *t)
{
	int bad = 0;

	if (numa_available() < 0) {
		log_notice("libnuma reports no NUMA support on this kernel");
		return;
	}
	for (int i = 0; i < t->nnodes; i++)
		for (int j = 0; j < t->nnodes && !t->slit_fallback; j++) {
			int lib = numa_distance(t->nodes[i].id, t->nodes[j].id);
			if (lib && lib != topology_distance(t, i, j) && bad++ == 0)
				log_warnx("distance %d->%d is %d in sysfs but %d in libnuma", t->nodes[i].id,
					  t->nodes[j].id, topology_distance(t, i, j), lib);
		}
	if (numa_max_node() < t->nodes[t->nnodes - 1].id)
		log_warnx("libnuma's highest node %d is below sysfs's %d", numa_max_node(),
			  t->nodes[t->nnodes - 1].id);
}

/* numad 0.5's -H: make khugepaged scan more often, since memory moves between nodes. */
static void set_thp_scan(const struct daemon *d)
{
	char path[4096], val[32];
	int fd, n;

	if (d->o->thp_scan_ms <= 0 ||
	    path_join(path, sizeof(path), d->host.root, "sys/kernel/mm/transparent_hugepage/khugepaged/scan_sleep_millisecs") < 0)
		return;
	n = snprintf(val, sizeof(val), "%d\n", d->o->thp_scan_ms);
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || write(fd, val, (size_t)n) != n)
		log_warn("-H: cannot set %s", path);
	else
		log_info("-H: khugepaged scans every %d ms", d->o->thp_scan_ms);
	if (fd >= 0)
		close(fd);
}

static int setup_host(struct daemon *d)
{
	char err[512];
	int n;

	if (topology_read(d->host.root, &d->topo, err, sizeof(err)) < 0) {
		log_error("%s", err);
		return -1;
	}
	if (d->o->reserved_cpus && topology_reserve_cpus(&d->topo, d->o->reserved_cpus, err, sizeof(err)) < 0) {
		log_error("-R: %s", err);
		return -1;
	}
	if (strcmp(d->host.root, "/") == 0)
		crosscheck_libnuma(&d->topo);
	n = d->topo.nnodes;
	d->busy = calloc((size_t)n, sizeof(*d->busy));
	d->wm = calloc((size_t)n, sizeof(*d->wm));
	d->node_free = calloc((size_t)n, sizeof(*d->node_free));
	d->taken = calloc((size_t)n, sizeof(*d->taken));
	d->tick_free_kb = calloc((size_t)n * 2, sizeof(double));
	d->declining = calloc((size_t)n, sizeof(*d->declining));
	if (!d->busy || !d->wm || !d->node_free || !d->taken || !d->tick_free_kb || !d->declining ||
	    node_mem_files_init(&d->mem_files, d->host.root, &d->topo) < 0)
		return -1;
	d->taken_kb = d->tick_free_kb + n;
	for (int i = 0; i < n; i++) {
		growth_init(&d->node_free[i], 1.0);
		growth_init(&d->taken[i], 1.0);
		d->tick_free_kb[i] = -1;
	}
	read_watermarks(d);
	cpustat_read(d->host.root, &d->cs[d->cs_cur]);
	set_thp_scan(d);
	if (d->topo.nnodes < 2)
		log_notice("this host has one NUMA node: numad watches but has nothing to place");
	if (d->topo.slit_fallback)
		log_warnx("no usable SLIT: node distances are 10/20 placeholders");
	if (topology_outside_nodes_kb(&d->topo))
		log_warnx("/proc/meminfo counts %llu MB, %llu MB more than the nodes hold: numad can neither see nor place it",
			  (unsigned long long)(d->topo.host_total_kb / 1024),
			  (unsigned long long)(topology_outside_nodes_kb(&d->topo) / 1024));
	return 0;
}

static int setup_events(struct daemon *d)
{
	static const int sigs[3] = { SIGTERM, SIGINT, SIGHUP };
	struct timeval tv;

	d->fast_ev = event_new(d->base, -1, EV_PERSIST, fast_tick, d);
	d->full_ev = evtimer_new(d->base, full_scan, d);
	if (!d->fast_ev || !d->full_ev)
		return -1;
	if (!d->o->numad05_timing && d->o->fast_ms > 0) {
		d->fast_period_ms = d->o->fast_ms;
		tv = daemon_timeval(d, d->o->fast_ms);
		event_add(d->fast_ev, &tv);
	}
	for (int i = 0; i < 3; i++) {
		d->sig_ev[i] = evsignal_new(d->base, sigs[i], on_signal, d);
		if (!d->sig_ev[i] || event_add(d->sig_ev[i], NULL) < 0)
			return -1;
	}
	if (d->o->run_for_s > 0 || d->host.done) {
		d->stop_ev = evtimer_new(d->base, on_run_for, d);
		tv = daemon_timeval(d, 100);
		evtimer_add(d->stop_ev, &tv);
	}
	setup_psi(d);
	d->full_interval_s = d->o->numad05_timing ? d->o->interval_max : d->o->interval_min;
	tv = daemon_timeval(d, 0);
	evtimer_add(d->full_ev, &tv); /* the first full scan right away */
	return 0;
}

static void teardown(struct daemon *d)
{
	/* Stop our own events first, so nothing fires into what is freed below. */
	if (d->fast_ev)
		event_free(d->fast_ev);
	if (d->full_ev)
		event_free(d->full_ev);
	if (d->stop_ev)
		event_free(d->stop_ev);
	for (int i = 0; i < 3; i++)
		if (d->sig_ev[i])
			event_free(d->sig_ev[i]);
	if (d->psi_ev)
		event_free(d->psi_ev);
	if (d->psi_fd > 0)
		close(d->psi_fd);
	apply_close(d->apply, STOP_WAIT_MS); /* logs what comes back; guests and libvirt are still there */
	d->apply = NULL;
	persist_close(d); /* what the moves that came back changed */
	reserve_close(d); /* what is still reserved, for the -w front end and the next start */
	if (d->ctl)
		ctl_close(d->ctl);
	d->ctl = NULL;
	metrics_http_close(d->metrics);
	d->metrics = NULL;
	if (d->virt)
		virt_close(d->virt);
	d->virt = NULL;
	if (d->host.close)
		d->host.close(d->host.ctx, d);
	d->host.close = NULL;
	/* libvirt's free callbacks were deferred to the loop: run them now. */
	event_base_loop(d->base, EVLOOP_NONBLOCK);
	evbridge_shutdown();
	event_base_free(d->base);
	for (int i = 0; i < d->nguests; i++)
		guest_release(&d->guests[i]);
	free(d->guests);
	proc_list_free(&d->numad_style);
	free(d->pstate);
	topology_free(&d->topo);
	cpustat_free(&d->cs[0]);
	cpustat_free(&d->cs[1]);
	free(d->busy);
	free(d->wm);
	free(d->node_free);
	free(d->taken);
	free(d->tick_free_kb);
	free(d->declining);
	node_mem_files_close(&d->mem_files);
	buf_free(&d->buf);
}

static int go_background(void)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		return -1;
	if (pid > 0)
		_exit(0);
	setsid();
	if (chdir("/") < 0)
		return -1;
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	return 0;
}

int daemon_run(struct options *o, int (*open_host)(struct daemon *d, struct host *h))
{
	struct daemon d;
	int pidfd = -1;
	sigset_t stop_sigs, old_mask;

	memset(&d, 0, sizeof(d));
	d.o = o;
	signal(SIGPIPE, SIG_IGN); /* a control or metrics client that hangs up mid-reply must not kill us */
	/*
	 * SIGTERM, SIGINT and SIGHUP wait until the loop handles them: the control socket
	 * answers before libvirt is connected, and a logrotate SIGHUP or a stop in that window
	 * must not meet the default action (death, with the pid file left behind).
	 */
	sigemptyset(&stop_sigs);
	sigaddset(&stop_sigs, SIGTERM);
	sigaddset(&stop_sigs, SIGINT);
	sigaddset(&stop_sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &stop_sigs, &old_mask);
	d.exit_code = 0;
	d.reload = daemon_reload;
	evthread_use_pthreads();
	d.base = event_base_new();
	if (!d.base) {
		log_error("cannot create the event loop");
		return 1;
	}
	evbridge_register(d.base); /* before any libvirt connection, the simulator's included */
	d.host.root = o->root;
	d.host.uri = o->uri;
	if (open_host && open_host(&d, &d.host) < 0) {
		teardown(&d);
		return 1;
	}
	d.oom_kill0 = host_oom_kill_count(d.host.root);
	d.oom_seen = d.oom_kill0;
	d.start_ms = daemon_now(&d);
	tb_init(&d.migrate_bucket, o->migrate_mb_s, o->migrate_mb_s, d.start_ms);
	tb_init(&d.urgent_bucket, 1.0 / 10.0, o->urgent_burst, d.start_ms);
	if (setup_host(&d) < 0)
		goto fail;
	if (o->pidfile && *o->pidfile && (pidfd = pidfile_take(o->pidfile)) < 0)
		goto fail;
	if (!o->foreground && !open_host && go_background() < 0)
		goto fail;
	if (pidfd >= 0)
		pidfile_write(pidfd, o->pidfile);
	d.ctl = ctl_open(&d, o->socket_path);
	if (o->socket_path && *o->socket_path && !d.ctl)
		goto fail;
	if (o->metrics_listen && !(d.metrics = metrics_http_open(&d, o->metrics_listen)))
		goto fail;
	persist_open(&d); /* before the first domain list */
	reserve_open(&d); /* what -w promised while no daemon ran, before the first domain list too */
	d.virt = virt_open(&d, d.host.uri);
	if (!d.virt || !(d.apply = apply_open(&d, APPLY_WORKERS)))
		goto fail;
	{
		void *ctx;
		const struct actuator_ops *ops = virt_actuator(d.virt, &ctx);
		apply_set_actuator(d.apply, ops, ctx);
	}
	virt_set_host(d.virt, &d.host.hooks);
	if (setup_events(&d) < 0)
		goto fail;
	sigprocmask(SIG_SETMASK, &old_mask, NULL); /* what arrived meanwhile is delivered to the loop now */
	log_notice("numad %s started: %d nodes, libvirt %s%s%s", NUMAD_VERSION, d.topo.nnodes, d.host.uri,
		   o->advise_only ? ", advise only" : "", o->numad05_timing ? ", numad 0.5 timing" : "");
	if (!open_host)
		options_legacy_defaults(o); /* numad 0.5's /etc/default/numad, said once in the log */
	sd_notify(0, "READY=1");
	notify_status(&d);
	event_base_dispatch(d.base);
	if (pidfd >= 0) {
		unlink(o->pidfile);
		close(pidfd);
	}
	teardown(&d);
	return d.exit_code;
fail:
	if (pidfd >= 0) {
		unlink(o->pidfile);
		close(pidfd);
	}
	teardown(&d);
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	return 1;
}

int daemon_main(struct options *o, int (*open_host)(struct daemon *d, struct host *h))
{
	if (o->log_path && *o->log_path && log_open(o->log_path) < 0) {
		fprintf(stderr, "numad: cannot open log %s: %s\n", o->log_path, strerror(errno));
		return 1;
	}
	/* In the foreground, the log is copied to stderr so a person sees it. */
	if (o->foreground || o->simulate)
		log_set_stderr_level(o->log_level);
	return daemon_run(o, open_host);
}
