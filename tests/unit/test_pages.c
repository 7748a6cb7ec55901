/*
 * test_pages.c: numad's own page mover (daemon/pages.c) on a real child process of this
 * host, with real move_pages(2) calls. The child (toucher.c, built without sanitizers) maps
 * and touches CHILD_MB of anonymous memory and waits. Where this host has one NUMA node, every page is on node 0 and the
 * "move" is from node 0 to node 0: the kernel leaves the pages where they are and says
 * they are on node 0, which is what the mover counts. The lab (tests/lab, scenario h) moves
 * pages between real nodes. What is checked is what a staged move relies on:
 *  - one call moves no more than its bound, plus at most one batch (4096 pages);
 *  - calls from the cursor on walk the whole address space, say so, and find at least the
 *    child's touched memory on the nodes it leaves;
 *  - when no page is on the nodes to leave, nothing moves and the walk ends at once (it
 *    looks only at the mappings numa_maps counts pages on those nodes for);
 *  - a call stops after its bound, so a small bound walks the child in many calls;
 *  - a process that is gone is an error naming its pid, not a crash or a silent success.
 */
#include <errno.h>
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

#include "nodeset.h"
#include "pages.h"

#define CHILD_MB 64
#define BATCH_KB (4096.0 * 4)   /* pages.c's batch of 4096 pages, at 4 KiB */

static pid_t child;

static int start_child(void **state)
{
	int ready[2];
	char c, mb[16];

	(void)state;
	assert_int_equal(pipe(ready), 0);
	snprintf(mb, sizeof(mb), "%d", CHILD_MB);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		dup2(ready[1], 1);
		execl(TOUCHER, TOUCHER, mb, (char *)NULL);
		_exit(127);
	}
	close(ready[1]);
	if (read(ready[0], &c, 1) != 1)
		fail_msg("%s did not start", TOUCHER);
	close(ready[0]);
	return 0;
}

static int stop_child(void **state)
{
	(void)state;
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	child = 0;
	return 0;
}

static struct nodeset one(int n)
{
	struct nodeset s;

	nodeset_clear(&s);
	nodeset_add(&s, n);
	return s;
}

static void test_one_call_is_bounded(void **state)
{
	struct nodeset here = one(0);
	struct page_cursor c = { 0 };
	double moved = 0;
	char why[256];
	(void)state;

	assert_int_equal(pages_move_chunk("/", child, &here, &here, 8 * 1024, &c, &moved, why, sizeof(why)), 0);
	if (!(moved > 0) || moved > 8 * 1024 + BATCH_KB)
		fail_msg("one call of at most 8 MB moved %.0f KB (%s)", moved, why);
	assert_false(c.done);
	pages_cursor_free(&c);
}

static void test_walk_finds_the_child(void **state)
{
	struct nodeset here = one(0);
	struct page_cursor c = { 0 };
	double moved = 0;
	char why[256];
	int calls = 0;
	(void)state;

	while (!c.done && calls < 10000) {
		assert_int_equal(pages_move_chunk("/", child, &here, &here, 16 * 1024, &c, &moved, why, sizeof(why)), 0);
		calls++;
	}
	assert_true(c.done);
	if (moved < CHILD_MB * 1024.0)
		fail_msg("the walk found %.0f KB on node 0, less than the child's %d MB touched", moved, CHILD_MB);
	pages_cursor_free(&c);
}

static void test_nothing_to_leave(void **state)
{
	struct nodeset here = one(0), elsewhere = one(NUMAD_MAX_NODES - 1);
	struct page_cursor c = { 0 };
	double moved = 0;
	char why[256];
	(void)state;

	/* numa_maps shows no page of the child on that node: the walk ends at once */
	assert_int_equal(pages_move_chunk("/", child, &elsewhere, &here, 1024, &c, &moved, why, sizeof(why)), 0);
	assert_true(c.done);
	if (moved != 0)
		fail_msg("%.0f KB moved off a node that holds none of the child's pages", moved);
	pages_cursor_free(&c);
}

static void test_calls_are_bounded(void **state)
{
	struct nodeset here = one(0);
	struct page_cursor c = { 0 }, before;
	double moved = 0;
	char why[256];
	int calls = 0;
	(void)state;

	/* with a 1 KB bound a call stops after its first batch with pages: the child's 64 MB take several */
	while (!c.done && calls < 100000) {
		before = c;
		assert_int_equal(pages_move_chunk("/", child, &here, &here, 1, &c, &moved, why, sizeof(why)), 0);
		if (!c.done && c.addr <= before.addr)
			fail_msg("a call made no progress through the address space (at %#lx)", c.addr);
		calls++;
	}
	assert_true(c.done);
	if (calls < CHILD_MB * 1024 / BATCH_KB)
		fail_msg("%d calls walked the child's %d MB, so one call looked at more than one batch", calls, CHILD_MB);
	pages_cursor_free(&c);
}

static void test_gone_process(void **state)
{
	struct nodeset here = one(0);
	struct page_cursor c = { 0 };
	double moved = 0;
	char why[256], pid[32];
	pid_t p = fork();
	(void)state;

	assert_true(p >= 0);
	if (p == 0)
		_exit(0);
	waitpid(p, NULL, 0);
	snprintf(pid, sizeof(pid), "pid %d", (int)p);
	assert_int_equal(pages_move_chunk("/", p, &here, &here, 1024, &c, &moved, why, sizeof(why)), -1);
	if (!strstr(why, pid))
		fail_msg("the error does not name the process: '%s'", why);
	assert_true(moved == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_one_call_is_bounded, start_child, stop_child),
		cmocka_unit_test_setup_teardown(test_walk_finds_the_child, start_child, stop_child),
		cmocka_unit_test_setup_teardown(test_nothing_to_leave, start_child, stop_child),
		cmocka_unit_test_setup_teardown(test_calls_are_bounded, start_child, stop_child),
		cmocka_unit_test(test_gone_process),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
