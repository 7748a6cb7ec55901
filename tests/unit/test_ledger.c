/*
 * test_ledger.c: the reservation ledger (lib/ledger.h). Its file format, good and bad
 * texts with the line of each reason; what it owes each node as that node's free memory
 * falls (the share less what the node lost since the oldest reservation on it); how an
 * answer is split over its nodes (in proportion to what each offers); expiry after
 * LEDGER_TTL_MS and for a clock set back; matching a new domain to its reservation; and
 * the locked file: created with its directory, a foreign file refused with PATH:LINE, a
 * lock held elsewhere given up after the wait, not waited on forever; the daemon's u line of
 * its guests' untouched memory, read, written back, counted as owed and expired.
 * Expected values are worked out here from ledger.h's rules, in KiB.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "ledger.h"
#include "support.h"

#define GB (1024.0 * 1024.0) /* KiB */

/* A host of n nodes (ids given), each 16 GB with free_gb[i] free. */
static void host(struct topology *t, struct node_info *nodes, int n, const int *ids, const double *free_gb)
{
	memset(t, 0, sizeof(*t));
	memset(nodes, 0, (size_t)n * sizeof(*nodes));
	t->nnodes = n;
	t->nodes = nodes;
	for (int i = 0; i < NUMAD_MAX_NODES; i++)
		t->idx_of[i] = -1;
	for (int i = 0; i < n; i++) {
		nodes[i].id = ids[i];
		nodes[i].has_memory = true;
		nodes[i].mem.valid = true;
		nodes[i].mem.total_kb = (uint64_t)(16 * GB);
		nodes[i].mem.free_kb = (uint64_t)(free_gb[i] * GB);
		t->idx_of[ids[i]] = i;
	}
}

static struct ledger *new_ledger(void)
{
	struct ledger *l = calloc(1, sizeof(*l));

	assert_non_null(l);
	return l;
}

/* ---- the file's text ---- */

static void test_parse_and_format(void **state)
{
	static const char good[] = "numad-ledger 1\n"
				   "r 1000 10240 4.00 0:10485760:15728640\n"
				   "r 2000 2048 0.50 1:1048576:8388608,3:1048576:4194304\n";
	struct ledger *l = new_ledger(), *back = new_ledger();
	char err[256] = "", *text;
	(void)state;

	assert_int_equal(ledger_parse(good, strlen(good), l, err, sizeof(err)), 0);
	assert_int_equal(l->n, 2);
	assert_int_equal(l->e[0].at_ms, 1000);
	assert_int_equal(l->e[0].mb, 10240);
	assert_true(l->e[0].cpus == 4.0);
	assert_int_equal(l->e[1].nshares, 2);
	assert_int_equal(l->e[1].share[1].node, 3);
	assert_int_equal(l->e[1].share[1].kb, 1048576);
	assert_int_equal(l->e[1].share[1].free_kb, 4194304);
	assert_true(l->e[1].cpus == 0.5);
	text = ledger_format(l);
	assert_string_equal(text, good); /* what is read is written back the same */
	assert_int_equal(ledger_parse(text, strlen(text), back, err, sizeof(err)), 0);
	assert_int_equal(back->n, 2);
	free(text);
	free(l);
	free(back);
}

static void test_parse_bad(void **state)
{
	static const struct {
		const char *text, *err;
	} cases[] = {
		{ "", "line 1: not a numad ledger" },
		{ "numad-state 1\n", "line 1: not a numad ledger" },
		{ "numad-ledger 1\nr 1 10 1.00 0:1:1", "line 2: cut short" },
		{ "numad-ledger 1\nx 1 10 1.00 0:1:1\n", "line 2: not a reservation" },
		{ "numad-ledger 1\nr -1 10 1.00 0:1:1\n", "line 2: bad time" },
		{ "numad-ledger 1\nr 1 10 1.00\n", "line 2: bad CPU count" },
		{ "numad-ledger 1\nr 1 10 1.00 0:1\n", "line 2: bad node share" },
		{ "numad-ledger 1\nr 1 10 1.00 1024:1:1\n", "line 2: bad node share" },
		{ "numad-ledger 1\nr 1 10 1.00 0:1:1,0:1:1\n", "line 2: a node named twice" },
		{ "numad-ledger 1\nr 1 10 1.00 0:1:1\nr 2 10 1.00 0:1:1 \n", "line 3: bad node share" },
		{ "numad-ledger 1\nr 5 10 1.00 0:1:1\nr 2 10 1.00 0:1:1\n", "line 3: out of time order" },
		{ "numad-ledger 1\nr 5 99999999999 1.00 0:1:1\n", "line 2: bad size" },
		{ "numad-ledger 1\nu 5 0:1\nu 6 1:1\n", "line 3: a second u line" },
		{ "numad-ledger 1\nu 5 0:1:1\n", "line 2: bad untouched share" },
		{ "numad-ledger 1\nu 5 0:1,0:2\n", "line 2: a node named twice" },
		{ "numad-ledger 1\nu x 0:1\n", "line 2: bad time" },
	};
	struct ledger *l = new_ledger();
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[256] = "";
		int r = ledger_parse(cases[i].text, strlen(cases[i].text), l, err, sizeof(err));
		if (r != -1 || l->n != 0 || l->nuntouched != 0 || strncmp(err, cases[i].err, strlen(cases[i].err)) != 0)
			fail_msg("'%s': %d, n %d, '%s'; want -1, no entry and '%s'", cases[i].text, r, l->n, err, cases[i].err);
	}
	/* a NUL byte, and more entries than a ledger holds */
	{
		char err[256] = "", *big;
		size_t n = 0;
		assert_int_equal(ledger_parse("numad-ledger 1\nr\0", 17, l, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "NUL"));
		big = malloc(64 * (LEDGER_MAX + 2));
		assert_non_null(big);
		n = (size_t)sprintf(big, "numad-ledger 1\n");
		for (int k = 0; k <= LEDGER_MAX; k++)
			n += (size_t)sprintf(big + n, "r %d 1 1.00 0:1:1\n", k);
		assert_int_equal(ledger_parse(big, n, l, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "more reservations than a ledger holds"));
		free(big);
	}
	free(l);
}

/* ---- what is owed ---- */

static void test_owed_falls_as_memory_shows_up(void **state)
{
	static const int ids[] = { 0, 1 };
	double free_gb[] = { 15, 15 }, owed[2];
	struct node_info nodes[2];
	struct topology t;
	struct ledger *l = new_ledger();
	struct nodeset n0;
	(void)state;

	host(&t, nodes, 2, ids, free_gb);
	nodeset_clear(&n0);
	nodeset_add(&n0, 0);
	assert_int_equal(ledger_add(l, 1000, 10240, 4, &n0, &t, NULL), 0);
	assert_int_equal(l->e[0].share[0].kb, (uint64_t)(10 * GB));
	assert_int_equal(l->e[0].share[0].free_kb, (uint64_t)(15 * GB));
	/* nothing touched yet: all 10 GB owed on node 0, none on node 1 */
	memset(owed, 0, sizeof(owed));
	ledger_owed(l, &t, owed);
	assert_true(owed[0] == 10 * GB && owed[1] == 0);
	/* node 0 lost 4 GB since: 6 GB still owed */
	nodes[0].mem.free_kb = (uint64_t)(11 * GB);
	memset(owed, 0, sizeof(owed));
	ledger_owed(l, &t, owed);
	assert_true(owed[0] == 6 * GB);
	/* it lost more than was promised: nothing owed */
	nodes[0].mem.free_kb = (uint64_t)(3 * GB);
	memset(owed, 0, sizeof(owed));
	ledger_owed(l, &t, owed);
	assert_true(owed[0] == 0);
	/* a second answer on node 0 made at 3 GB free: the loss counts from the oldest (15 GB) */
	assert_int_equal(ledger_add(l, 2000, 1024, 1, &n0, &t, owed), 0);
	nodes[0].mem.free_kb = (uint64_t)(4 * GB);
	memset(owed, 0, sizeof(owed));
	ledger_owed(l, &t, owed);
	assert_true(owed[0] == 0); /* 11 GB promised, 11 GB lost since the first */
	free(l);
}

/*
 * The daemon's u line: its guests' untouched memory per node, which a -w answering alone
 * counts as owed on top of the reservations, and which goes after LEDGER_TTL_MS.
 */
static void test_untouched_line(void **state)
{
	static const char good[] = "numad-ledger 1\n"
				   "u 5000 0:2097152,3:1048576\n"
				   "r 1000 1024 1.00 1:1048576:8388608\n";
	const int ids[] = { 0, 1, 3 };
	const double free_gb[] = { 8, 8, 8 };
	struct node_info nodes[3];
	struct topology t;
	struct ledger *l = new_ledger();
	double owed[3] = { 0 };
	char err[256] = "", *text;
	(void)state;

	host(&t, nodes, 3, ids, free_gb);
	assert_int_equal(ledger_parse(good, strlen(good), l, err, sizeof(err)), 0);
	assert_int_equal(l->n, 1);
	assert_int_equal(l->nuntouched, 2);
	assert_int_equal(l->untouched_at_ms, 5000);
	text = ledger_format(l);
	assert_string_equal(text, good);
	free(text);
	/* node 1 lost nothing since the answer: its 1 GB share is owed whole; 0 and 3 owe the u line */
	ledger_owed(l, &t, owed);
	assert_true(owed[0] == 2 * GB);
	assert_true(owed[1] == 1 * GB);
	assert_true(owed[2] == 1 * GB);
	/* 120 s after the reservation it is gone; the u line, 4 s younger, stays until its own end */
	ledger_expire(l, 1000 + LEDGER_TTL_MS + 1);
	assert_int_equal(l->n, 0);
	assert_int_equal(l->nuntouched, 2);
	ledger_expire(l, 5000 + LEDGER_TTL_MS + 1);
	assert_int_equal(l->nuntouched, 0);
	memset(owed, 0, sizeof(owed));
	ledger_owed(l, &t, owed);
	assert_true(owed[0] == 0 && owed[1] == 0 && owed[2] == 0);
	free(l);
}

static void test_add_splits_by_offer(void **state)
{
	static const int ids[] = { 0, 2, 5 };
	double free_gb[] = { 8, 4, 0 }, owed[3] = { 2 * GB, 0, 0 };
	struct node_info nodes[3];
	struct topology t;
	struct ledger *l = new_ledger();
	struct nodeset s;
	uint64_t sum = 0;
	(void)state;

	host(&t, nodes, 3, ids, free_gb);
	nodeset_clear(&s);
	nodeset_add(&s, 0);
	nodeset_add(&s, 2);
	nodeset_add(&s, 5);
	/* offers: node 0 8-2 = 6 GB, node 2 4 GB, node 5 nothing: 10 GB split 6:4:0 */
	assert_int_equal(ledger_add(l, 1, 10240, 2, &s, &t, owed), 0);
	assert_int_equal(l->e[0].nshares, 3);
	assert_int_equal(l->e[0].share[0].node, 0);
	assert_int_equal(l->e[0].share[0].kb, (uint64_t)(6 * GB));
	assert_int_equal(l->e[0].share[1].kb, (uint64_t)(4 * GB));
	assert_int_equal(l->e[0].share[2].kb, 0);
	for (int k = 0; k < 3; k++)
		sum += l->e[0].share[k].kb;
	assert_int_equal(sum, (uint64_t)(10 * GB));
	/* no node of the advice has memory: nothing to reserve */
	nodes[0].has_memory = nodes[1].has_memory = nodes[2].has_memory = false;
	assert_int_equal(ledger_add(l, 2, 1024, 1, &s, &t, NULL), -1);
	assert_int_equal(l->n, 1);
	free(l);
}

static void test_expire_and_match(void **state)
{
	static const int ids[] = { 0, 1 };
	double free_gb[] = { 15, 15 };
	struct node_info nodes[2];
	struct topology t;
	struct ledger *l = new_ledger();
	struct nodeset n0, n1, both;
	(void)state;

	host(&t, nodes, 2, ids, free_gb);
	nodeset_clear(&n0);
	nodeset_add(&n0, 0);
	nodeset_clear(&n1);
	nodeset_add(&n1, 1);
	nodeset_clear(&both);
	nodeset_add(&both, 0);
	nodeset_add(&both, 1);
	ledger_add(l, 1000, 4096, 2, &n0, &t, NULL);
	ledger_add(l, 2000, 4096, 2, &n1, &t, NULL);
	ledger_add(l, 3000, 4096, 2, &n0, &t, NULL);
	/* a domain of 4096 MB (or 4095, or 4097) on node 0: the oldest such reservation */
	assert_int_equal(ledger_match(l, 4096, &n0), 0);
	assert_int_equal(ledger_match(l, 4095, &n0), 0);
	assert_int_equal(ledger_match(l, 4097, &n1), 1);
	assert_int_equal(ledger_match(l, 4098, &n0), -1);
	assert_int_equal(ledger_match(l, 4096, &both), -1);
	/* 120 s after the first: it alone goes */
	assert_int_equal(ledger_expire(l, 1000 + LEDGER_TTL_MS + 1), 1);
	assert_int_equal(l->n, 2);
	assert_int_equal(l->e[0].at_ms, 2000);
	/* a clock set back by more than that: all go */
	assert_int_equal(ledger_expire(l, 2000 - LEDGER_TTL_MS - 1), 2);
	assert_int_equal(l->n, 0);
	/* a full ledger drops its oldest */
	for (int k = 0; k < LEDGER_MAX + 5; k++)
		ledger_add(l, k, 1, 1, &n0, &t, NULL);
	assert_int_equal(l->n, LEDGER_MAX);
	assert_int_equal(l->e[0].at_ms, 5);
	free(l);
}

/* ---- the file ---- */

static void test_file(void **state)
{
	char *root = make_root("ledger"), path[512], err[1024];
	struct ledger *l = new_ledger();
	int fd, other;
	pid_t pid;
	(void)state;

	/* its directory is made, as /run/numad at boot */
	snprintf(path, sizeof(path), "%s/run/numad/ledger", root);
	fd = ledger_lock(path, 100, err, sizeof(err));
	assert_true(fd >= 0);
	assert_int_equal(ledger_load(fd, path, l, err, sizeof(err)), 0);
	assert_int_equal(l->n, 0);
	l->n = 1;
	l->e[0] = (struct ledger_entry){ .at_ms = 7, .mb = 512, .cpus = 1, .nshares = 1 };
	l->e[0].share[0] = (struct ledger_share){ 3, 524288, 1048576 };
	assert_int_equal(ledger_store(fd, l), 0);
	/* held here: another holder gives up after its wait (a child, since flock is per open file) */
	pid = fork();
	if (pid == 0) {
		char e2[1024];
		int f2 = ledger_lock(path, 50, e2, sizeof(e2));
		_exit(f2 < 0 && strstr(e2, "another holder keeps it locked") ? 0 : 1);
	}
	assert_int_equal(wait_exit(pid, 10000), 0);
	ledger_unlock(fd);
	other = ledger_lock(path, 100, err, sizeof(err));
	assert_true(other >= 0);
	assert_int_equal(ledger_load(other, path, l, err, sizeof(err)), 0);
	assert_int_equal(l->n, 1);
	assert_int_equal(l->e[0].share[0].node, 3);
	ledger_unlock(other);
	/* a foreign file: refused with its name and line, nothing read */
	write_text(path, "numad-ledger 1\nhello\n");
	fd = ledger_lock(path, 100, err, sizeof(err));
	assert_true(fd >= 0);
	assert_int_equal(ledger_load(fd, path, l, err, sizeof(err)), 1);
	assert_int_equal(l->n, 0);
	{
		char want[600];
		snprintf(want, sizeof(want), "%s:2: not a reservation", path);
		if (strncmp(err, want, strlen(want)) != 0)
			fail_msg("'%s', want '%s'", err, want);
	}
	ledger_unlock(fd);
	/* a symbolic link is not followed */
	{
		char link[600];
		snprintf(link, sizeof(link), "%s/run/numad/link", root);
		assert_int_equal(symlink(path, link), 0);
		assert_true(ledger_lock(link, 100, err, sizeof(err)) < 0);
	}
	free(l);
	drop_root(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_and_format),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_owed_falls_as_memory_shows_up),
		cmocka_unit_test(test_untouched_line),
		cmocka_unit_test(test_add_splits_by_offer),
		cmocka_unit_test(test_expire_and_match),
		cmocka_unit_test(test_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
