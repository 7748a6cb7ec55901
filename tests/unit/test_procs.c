/*
 * test_procs.c: numad-style moves (-S 1, -p) act on a real process of this host:
 * procs_apply() must pin every thread of it to the CPUs of the target nodes and call
 * migrate_pages, and must report a vanished process instead of failing silently.
 * procs_scan(), on a fixture tree, must treat a pid that now belongs to another process
 * (another starttime in /proc/PID/stat) as a new process: none of the old one's pacing,
 * CPU history or advice carries over.
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"
#include "log.h"
#include "procs.h"
#include "state.h"

static void *spin(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

/* A child with two threads, both pinned to one CPU to start with. */
static pid_t child_on_one_cpu(int fds[2])
{
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		cpu_set_t one;
		pthread_t t;

		CPU_ZERO(&one);
		CPU_SET(0, &one);
		sched_setaffinity(0, sizeof(one), &one);
		pthread_create(&t, NULL, spin, NULL); /* inherits the one-CPU mask */
		if (write(fds[1], "r", 1) != 1)
			_exit(1);
		spin(NULL);
	}
	{
		char c;
		assert_int_equal(read(fds[0], &c, 1), 1);
	}
	return pid;
}

/* The CPUs of the threads of pid, as sets, compared with want. */
static void assert_threads_on(pid_t pid, const cpu_set_t *want)
{
	char path[64];
	FILE *ls;
	char cmd[96];
	int tid, n = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	snprintf(cmd, sizeof(cmd), "ls %s", path);
	ls = popen(cmd, "r");
	assert_non_null(ls);
	while (fscanf(ls, "%d", &tid) == 1) {
		cpu_set_t got;
		assert_int_equal(sched_getaffinity(tid, sizeof(got), &got), 0);
		if (!CPU_EQUAL(&got, want))
			fail_msg("thread %d of %d is not on the target nodes' CPUs", tid, (int)pid);
		n++;
	}
	pclose(ls);
	assert_int_equal(n, 2);
}

static void test_apply_pins_every_thread(void **state)
{
	struct topology t;
	struct nodeset all;
	cpu_set_t want;
	char err[256], why[256];
	int fds[2];
	pid_t pid;
	(void)state;

	if (topology_read("/", &t, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	/* The target: every node of this host, so the expected CPUs are every node CPU (sysfs). */
	nodeset_clear(&all);
	CPU_ZERO(&want);
	for (int i = 0; i < t.nnodes; i++) {
		nodeset_add(&all, t.nodes[i].id);
		for (int k = 0; k < t.nodes[i].ncpus; k++)
			CPU_SET(t.nodes[i].cpus[k], &want);
	}
	if (CPU_COUNT(&want) < 2)
		skip(); /* one CPU: nothing to widen */
	pid = child_on_one_cpu(fds);
	if (procs_apply(&t, pid, &all, why, sizeof(why)) != 0)
		fail_msg("procs_apply: %s", why);
	assert_threads_on(pid, &want);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);

	/* Gone: a clear failure, not a crash. */
	assert_int_equal(procs_apply(&t, pid, &all, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "gone"));
	topology_free(&t);
}

/* ---- pid reuse: procs_scan on a fixture tree ---- */

/* Two nodes of 16 GB with 4 CPUs each: a process of 2.5 GB fits either one. */
static const char two_nodes[] = "available: 2 nodes (0-1)\n"
				"node 0 cpus: 0 1 2 3\n"
				"node 0 size: 16384 MB\n"
				"node 0 free: 15000 MB\n"
				"node 1 cpus: 4 5 6 7\n"
				"node 1 size: 16384 MB\n"
				"node 1 free: 15000 MB\n"
				"node distances:\n"
				"node   0   1\n"
				"  0:  10  20\n"
				"  1:  20  10\n";

struct reuse {
	char root[64], logp[128];
	char *argv[16];
	int argc;
	struct options o;
	struct daemon *d;
};

static struct reuse cur_reuse;

/* One process at pid 7700: its comm, memory per node (node:MB,...), CPU ticks and start time. */
static void put_process(struct reuse *r, const char *comm, const char *mem, unsigned long utime,
			unsigned long starttime)
{
	char desc[256], err[256];

	snprintf(desc, sizeof(desc), "proc pid=7700 comm=%s threads=1 mem=%s utime=%lu starttime=%lu\n", comm, mem,
		 utime, starttime);
	if (fixture_build(r->root, two_nodes, desc, err, sizeof(err)) < 0)
		fail_msg("fixture: %s", err);
}

/* A daemon as numad -p 7700 (or -S 1) --root ROOT --guest-interval G would set it up, without its loop. */
static void reuse_setup(struct reuse *r, const char *select, const char *select_arg, const char *interval)
{
	const char *args[] = { "numad", "--config", "", "--root", r->root, "--log", r->logp, "--guest-interval",
			       interval, select, select_arg, NULL };
	char err[256];

	memset(r, 0, sizeof(*r));
	snprintf(r->root, sizeof(r->root), "/tmp/numad-reuse.XXXXXX");
	assert_non_null(mkdtemp(r->root));
	snprintf(r->logp, sizeof(r->logp), "%s/numad.log", r->root);
	args[4] = r->root;
	args[6] = r->logp;
	for (r->argc = 0; args[r->argc]; r->argc++)
		r->argv[r->argc] = strdup(args[r->argc]);
	assert_int_equal(options_parse(r->argc, r->argv, &r->o), 0);
	unsetenv("JOURNAL_STREAM");
	assert_int_equal(log_open(r->logp), 0);
	log_set_level(LOG_NOTICE);
	r->d = calloc(1, sizeof(*r->d));
	assert_non_null(r->d);
	r->d->o = &r->o;
	r->d->host.root = r->o.root; /* the real host's, as daemon_run sets it: --root here */
	r->d->host.uri = r->o.uri;
	put_process(r, "olddb", "0:2048,1:512", 1000, 1000);
	if (topology_read(r->root, &r->d->topo, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_int_equal(topology_sample_mem(r->root, &r->d->topo), 0); /* the fast tier's node memory */
	r->d->busy = calloc((size_t)r->d->topo.nnodes, sizeof(*r->d->busy));
	assert_non_null(r->d->busy);
}

static int reuse_teardown(void **state)
{
	struct reuse *r = &cur_reuse;

	(void)state;
	log_close();
	if (r->d) {
		proc_list_free(&r->d->numad_style);
		free(r->d->pstate);
		free(r->d->busy);
		topology_free(&r->d->topo);
		free(r->d);
	}
	for (int i = 0; i < r->argc; i++)
		free(r->argv[i]);
	if (r->root[0])
		fixture_remove(r->root);
	memset(r, 0, sizeof(*r));
	return 0;
}

/* The Advising lines of the log so far, in order, one per line of text. */
static char *advice_lines(const struct reuse *r)
{
	char err[256], *text = fixture_read_file(r->logp, err, sizeof(err)), *out, *o;
	const char *p;

	if (!text)
		fail_msg("%s", err);
	out = o = calloc(1, strlen(text) + 1);
	assert_non_null(out);
	for (p = strstr(text, "Advising pid "); p; p = strstr(p + 1, "Advising pid ")) {
		size_t n = strcspn(p, "\n");
		memcpy(o, p, n);
		o[n] = '\n';
		o += n + 1;
	}
	free(text);
	return out;
}

static void want_advice(const struct reuse *r, const char *want, const char *when)
{
	char *got = advice_lines(r);

	if (strcmp(got, want) != 0)
		fail_msg("%s: the log's Advising lines are\n%s\nwant\n%s", when, got, want);
	free(got);
}

/*
 * -p 7700 with a guest interval of 60 s: the first process is advised onto node 0, where
 * most of its memory is, and not again 1 s later (its pacing). Then the pid belongs to
 * another process, started later, with most of its memory on node 1: it is a new process,
 * so the old one's pacing does not hold it back and its advice is its own, node 1.
 */
static void test_pid_reuse_not_paced_by_the_old_process(void **state)
{
	struct reuse *r = &cur_reuse;
	(void)state;

	reuse_setup(r, "-p", "7700", "60");
	procs_scan(r->d, 1000);
	want_advice(r, "Advising pid 7700 (olddb) move from nodes (0-1) to nodes (0)\n", "first scan");
	procs_scan(r->d, 2000);
	want_advice(r, "Advising pid 7700 (olddb) move from nodes (0-1) to nodes (0)\n",
		    "1 s later, within the guest interval");
	put_process(r, "newjob", "1:2048,0:512", 1000, 90000);
	procs_scan(r->d, 3000);
	want_advice(r,
		    "Advising pid 7700 (olddb) move from nodes (0-1) to nodes (0)\n"
		    "Advising pid 7700 (newjob) move from nodes (0-1) to nodes (1)\n",
		    "after pid 7700 was reused");
}

/*
 * -S 1 with a guest interval of 1 s, scans 2 s apart: a process counts once it has used
 * half a CPU between two scans. The first process uses 1 CPU and is advised at its second
 * scan. The pid then belongs to a new process whose tick count is 2 s of one CPU above
 * the old one's last (a busy process started later): its CPU use is unknown until measured
 * from its own ticks, so it is not advised at the scan that first sees it (measured against
 * the old ticks, it would count as 1 CPU and be advised there), and is advised at the next
 * one, once it has used 1 CPU itself.
 */
static void test_pid_reuse_cpu_measured_afresh(void **state)
{
	struct reuse *r = &cur_reuse;
	long hz = sysconf(_SC_CLK_TCK);
	(void)state;

	assert_true(hz > 0);
	reuse_setup(r, "-S", "1", "1");
	procs_scan(r->d, 1000);
	want_advice(r, "", "first sight of the old process (no CPU use measured yet)");
	put_process(r, "olddb", "0:2048,1:512", 1000 + (unsigned long)(2 * hz), 1000);
	procs_scan(r->d, 3000);
	want_advice(r, "Advising pid 7700 (olddb) move from nodes (0-1) to nodes (0)\n", "old process at 1 CPU");
	put_process(r, "newjob", "1:2048,0:512", 1000 + (unsigned long)(4 * hz), 90000);
	procs_scan(r->d, 5000);
	want_advice(r, "Advising pid 7700 (olddb) move from nodes (0-1) to nodes (0)\n",
		    "first sight of the new process at the reused pid");
	put_process(r, "newjob", "1:2048,0:512", 1000 + (unsigned long)(6 * hz), 90000);
	procs_scan(r->d, 7000);
	want_advice(r,
		    "Advising pid 7700 (olddb) move from nodes (0-1) to nodes (0)\n"
		    "Advising pid 7700 (newjob) move from nodes (0-1) to nodes (1)\n",
		    "new process at 1 CPU");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_apply_pins_every_thread),
		cmocka_unit_test_teardown(test_pid_reuse_not_paced_by_the_old_process, reuse_teardown),
		cmocka_unit_test_teardown(test_pid_reuse_cpu_measured_afresh, reuse_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
