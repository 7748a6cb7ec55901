/*
 * test_procs.c: numad-style moves (-S 1, -p) act on a real process of this host:
 * procs_apply() must pin every thread of it to the CPUs of the target nodes and call
 * migrate_pages, and must report a vanished process instead of failing silently.
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

#include "numad.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_apply_pins_every_thread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
