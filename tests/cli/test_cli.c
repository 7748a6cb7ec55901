/*
 * test_cli.c: numad -w as libvirt runs it. Each case builds a host tree from a numactl -H
 * text with the fixture tool, runs the real binary with --root, and checks what libvirt
 * and a log tailer would see: stdout, the exit code, stderr and the log line. Expected
 * node facts come from the topology text, read by the test support's own reader.
 */
#include <ctype.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"
#include "support.h"

/* Run numad with args (NULL-terminated, without argv[0]) to its end, capturing stdout and stderr. */
static void run_numad(struct run *r, const char *const *args)
{
	/* --config "": the host's /etc/numad.conf must not change what a test sees */
	struct child c = { .prog = NUMAD_BIN, .args = args, .no_config = true };

	run_child(r, &c, -1);
}

/* Build a tree for a topology file; returns the root (static buffer per call site). */
static void build_tree(char *root, size_t len, const char *topo_text, const char *desc)
{
	char err[512];

	snprintf(root, len, "/tmp/numad-cli.XXXXXX");
	assert_non_null(mkdtemp(root));
	if (fixture_build(root, topo_text, desc, err, sizeof(err)) < 0)
		fail_msg("fixture: %s", err);
}

/* stdout must be exactly one node list line and nothing else. */
static void assert_bare_list(const struct run *r)
{
	regex_t re;

	assert_int_equal(regcomp(&re, "^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*\n$", REG_EXTENDED), 0);
	if (regexec(&re, r->out, 0, NULL, 0) != 0)
		fail_msg("stdout is not a bare node list: '%s'", r->out);
	regfree(&re);
}

static const char *topologies[] = { "dl980-8node.txt", "guest-4node.txt", "epyc-2s-nps4.txt",
				    "2socket-snc2-smt.txt", "2s-cxl-memonly.txt" };

/* On every shared topology, -w answers a bare list of online nodes with CPUs among them, and logs it. */
static void test_every_topology(void **state)
{
	static const char *reqs[] = { "1", "2:1024", "4:20000", "8:6000", "0.5:100", "16:64000" };
	(void)state;
	for (size_t t = 0; t < sizeof(topologies) / sizeof(topologies[0]); t++) {
		char path[1024], root[64], logp[128], *text;
		struct host h;

		snprintf(path, sizeof(path), "%s/%s", TOPO_DIR, topologies[t]);
		text = must_slurp(path);
		read_host(text, &h);
		build_tree(root, sizeof(root), text, NULL);
		snprintf(logp, sizeof(logp), "%s/numad.log", root);
		for (size_t q = 0; q < sizeof(reqs) / sizeof(reqs[0]); q++) {
			const char *args[] = { "--root", root, "--log", logp, "-w", reqs[q], NULL };
			struct run r = { 0 };
			int ids[64], n, cpus = 0;

			run_numad(&r, args);
			if (r.code != 0)
				fail_msg("%s -w %s: exit %d, stderr %s", topologies[t], reqs[q], r.code, r.err);
			assert_bare_list(&r);
			n = node_ids(nodes_of(r.out), ids);
			assert_true(n > 0);
			for (int k = 0; k < n; k++) {
				int idx = host_index(&h, ids[k]);
				if (idx < 0)
					fail_msg("%s -w %s: node %d is not in the topology", topologies[t], reqs[q], ids[k]);
				cpus += h.ncpus[idx];
			}
			if (cpus == 0)
				fail_msg("%s -w %s: advised nodes %s have no CPU", topologies[t], reqs[q], r.out);
			run_free(&r);
		}
		free(text);
		fixture_remove(root);
	}
}

/*
 * -w places a guest with --margin on top of its memory, as consolidation counts a running
 * guest: a node that holds the guest only without the margin is not advised alone, or
 * consolidation would widen the guest right after its start. tests/topologies/4x16g.txt:
 * 16384 MB nodes with 15360 MB free, so at the 85% target a node takes 13926 - 1024 =
 * 12902 MB more. 12000 MB fits one node; 12000 + 2000 does not, and takes two.
 */
static void test_w_counts_margin(void **state)
{
	static const struct { const char *margin; int nodes; } cases[] = { { "0", 1 }, { "500", 1 }, { "2000", 2 } };
	char path[1024], root[64], *text;
	(void)state;

	snprintf(path, sizeof(path), "%s/4x16g.txt", TOPO_DIR);
	text = must_slurp(path);
	build_tree(root, sizeof(root), text, NULL);
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		const char *args[] = { "--root", root, "--log", "", "--ledger", "", "--margin", cases[k].margin,
				       "-w", "2:12000", NULL };
		struct run r = { 0 };
		int ids[MAX_NODES];

		run_numad(&r, args);
		assert_int_equal(r.code, 0);
		assert_bare_list(&r);
		if (node_ids(nodes_of(r.out), ids) != cases[k].nodes)
			fail_msg("-w 2:12000 --margin %s: advised %s, expected %d node(s)", cases[k].margin, r.out,
				 cases[k].nodes);
		run_free(&r);
	}
	free(text);
	fixture_remove(root);
}

/* The article's 4-node guest: node 2 has 42 MB free and must never be advised. */
static void test_guest4_never_node2(void **state)
{
	static const char *reqs[] = { "4:20000", "1:512", "2:1024", "2:4000", "4:2048", "8:6000" };
	char path[1024], root[64], *text;
	(void)state;

	snprintf(path, sizeof(path), "%s/guest-4node.txt", TOPO_DIR);
	text = must_slurp(path);
	build_tree(root, sizeof(root), text, NULL);
	for (size_t q = 0; q < sizeof(reqs) / sizeof(reqs[0]); q++) {
		/* --ledger "": each query on its own, not a storm of them (the ledger is front.sh's) */
		const char *args[] = { "--root", root, "--log", "", "--ledger", "", "-w", reqs[q], NULL };
		struct run r = { 0 };
		int ids[MAX_NODES], n;

		run_numad(&r, args);
		assert_int_equal(r.code, 0);
		n = node_ids(nodes_of(r.out), ids);
		for (int k = 0; k < n; k++)
			if (ids[k] == 2)
				fail_msg("-w %s advised node 2 (42 MB free): %s", reqs[q], r.out);
		run_free(&r);
	}
	free(text);
	fixture_remove(root);
}

/*
 * The DL980: 20000 MB does not fit one 16 GB node at 85% utilisation, so the answer is
 * two nodes, and they must be a pair at distance 12, the nearest the SLIT offers.
 */
static void test_dl980_pair(void **state)
{
	char path[1024], root[64], *text;
	const char *args[8];
	struct host h;
	struct run r = { 0 };
	int ids[MAX_NODES], n;
	(void)state;

	snprintf(path, sizeof(path), "%s/dl980-8node.txt", TOPO_DIR);
	text = must_slurp(path);
	read_host(text, &h);
	build_tree(root, sizeof(root), text, NULL);
	args[0] = "--root"; args[1] = root; args[2] = "--log"; args[3] = ""; args[4] = "-w"; args[5] = "4:20000";
	args[6] = NULL;
	run_numad(&r, args);
	assert_int_equal(r.code, 0);
	n = node_ids(nodes_of(r.out), ids);
	assert_int_equal(n, 2);
	assert_int_equal(h.dist[host_index(&h, ids[0])][host_index(&h, ids[1])], 12);

	/* 8000 MB fits one node: one node it is. */
	args[5] = "4:8000";
	run_numad(&r, args);
	assert_int_equal(r.code, 0);
	assert_int_equal(node_ids(nodes_of(r.out), ids), 1);
	run_free(&r);
	free(text);
	fixture_remove(root);
}

/* The log gets numad's exact line: "<ctime>: Advising pid -1 (unknown) move from nodes () to nodes (X)". */
static void test_log_line(void **state)
{
	char path[1024], root[64], logp[128], want[256], *text, *log;
	const char *args[8];
	struct run r = { 0 };
	regex_t re;
	(void)state;

	snprintf(path, sizeof(path), "%s/dl980-8node.txt", TOPO_DIR);
	text = must_slurp(path);
	build_tree(root, sizeof(root), text, NULL);
	snprintf(logp, sizeof(logp), "%s/numad.log", root);
	args[0] = "--root"; args[1] = root; args[2] = "--log"; args[3] = logp; args[4] = "-w"; args[5] = "2:1024";
	args[6] = NULL;
	run_numad(&r, args);
	assert_int_equal(r.code, 0);
	log = must_slurp(logp);
	snprintf(want, sizeof(want),
		 "^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ 0-9][0-9] "
		 "[0-9]{2}:[0-9]{2}:[0-9]{2} [0-9]{4}: Advising pid -1 \\(unknown\\) move from nodes \\(\\) to nodes "
		 "\\(%.*s\\)\n$",
		 (int)strcspn(r.out, "\n"), r.out);
	assert_int_equal(regcomp(&re, want, REG_EXTENDED), 0);
	if (regexec(&re, log, 0, NULL, 0) != 0)
		fail_msg("log line does not match numad's format: '%s'", log);
	regfree(&re);
	assert_string_equal(r.err, "");
	run_free(&r);
	free(log);
	free(text);
	fixture_remove(root);
}

/* Bad input: a clear message on stderr, nothing on stdout, a non-zero exit. */
static void test_bad_input(void **state)
{
	static const struct {
		const char *what;
		const char *args[8];
		const char *says;
	} cases[] = {
		{ .what = "garbage NCPUS", .args = { "-w", "x", NULL }, .says = "NCPUS" },
		{ .what = "garbage MB", .args = { "-w", "4:lots", NULL }, .says = "MB" },
		{ .what = "three decimals", .args = { "-w", "2.125", NULL }, .says = "decimals" },
		{ .what = "trailing junk", .args = { "-w", "4:100:7", NULL }, .says = "NCPUS[:MB]" },
		{ .what = "nothing asked", .args = { "-w", "0", NULL }, .says = "nothing" },
		{ .what = "missing value", .args = { "-w", NULL }, .says = "needs a value" },
		{ .what = "unknown option", .args = { "-Q", NULL }, .says = "unknown option" },
		{ .what = "-u out of range", .args = { "-u", "150", "-w", "1", NULL }, .says = "-u" },
		{ .what = "-m out of range", .args = { "-m", "20", "-w", "1", NULL }, .says = "-m" },
		{ .what = "-C not 0/1", .args = { "-C", "2", "-w", "1", NULL }, .says = "-C" },
		{ .what = "-R garbage", .args = { "-R", "1-x", "-w", "1", NULL }, .says = "1-x" },
		{ .what = "-i min above max", .args = { "-i", "9:3", "-w", "1", NULL }, .says = "MIN" },
		{ .what = "stray argument", .args = { "-w", "1", "extra", NULL }, .says = "extra" },
		{ .what = "root without sysfs", .args = { "--root", "/nonexistent-numad", "--log", "", "-w", "1", NULL },
		  .says = "/nonexistent-numad" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct run r = { 0 };

		run_numad(&r, cases[i].args);
		if (r.code == 0)
			fail_msg("%s: exit 0", cases[i].what);
		if (r.out[0])
			fail_msg("%s: stdout not empty: '%s'", cases[i].what, r.out);
		if (!strstr(r.err, cases[i].says))
			fail_msg("%s: stderr does not say '%s': '%s'", cases[i].what, cases[i].says, r.err);
		run_free(&r);
	}
}

/*
 * Numbers on the command line are plain decimal (numad.conf(5)), as in the file: what
 * strtod would take besides (hex, exponents, a '+', blanks) is refused with exit 2, one line
 * naming the option, and nothing on stdout, before -w reads anything.
 */
static void test_numbers(void **state)
{
	static const struct {
		const char *args[6];
		const char *err;
	} cases[] = {
		{ { "--horizon", "0x10", "-w", "1", NULL }, "numad: --horizon: '0x10' is not a decimal number\n" },
		{ { "--horizon", "1e1", "-w", "1", NULL }, "numad: --horizon: '1e1' is not a decimal number\n" },
		{ { "--horizon", "0x1p-3", "-w", "1", NULL }, "numad: --horizon: '0x1p-3' is not a decimal number\n" },
		{ { "--horizon", "+2", "-w", "1", NULL }, "numad: --horizon: '+2' is not a decimal number\n" },
		{ { "--horizon", "700", "-w", "1", NULL }, "numad: --horizon: '700' is not a number from 0.1 to 600\n" },
		{ { "-u", "1e2", "-w", "1", NULL }, "numad: -u: '1e2' is not a decimal number\n" },
		{ { "-u", "85.5", "-w", "1", NULL }, "numad: -u: '85.5' is not a whole number\n" },
		{ { "-u", " 85", "-w", "1", NULL }, "numad: -u: ' 85' is not a decimal number\n" },
		{ { "-t", "+20", "-w", "1", NULL }, "numad: -t: '+20' is not a decimal number\n" },
		{ { "-x", "0x10", "-w", "1", NULL },
		  "numad: -x: '0x10' is not a decimal number (a domain whose name starts with a digit is given by its UUID)\n" },
		{ { "-i", "1:1e1", "-w", "1", NULL }, "numad: -i: '1e1' is not a decimal number\n" },
		{ { "--run-for", "2e7", "-w", "1", NULL }, "numad: --run-for: '2e7' is not a decimal number\n" },
		{ { "--run-for", "20000001", "-w", "1", NULL },
		  "numad: --run-for: '20000001' is not a number from 0 to 10000000\n" },
	};
	static const char *const good[][6] = {
		{ "--horizon", "2.5", "--check-config", NULL },
		{ "-u", "085", "-i", "02:09", "--check-config", NULL },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct run r = { 0 };

		run_numad(&r, cases[i].args);
		if (r.code != 2 || r.out[0] || strcmp(r.err, cases[i].err) != 0)
			fail_msg("%s %s: exit %d, stdout '%s', stderr '%s'; wanted exit 2 and '%s'", cases[i].args[0],
				 cases[i].args[1], r.code, r.out, r.err, cases[i].err);
		run_free(&r);
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct run r = { 0 };

		run_numad(&r, good[i]);
		if (r.code != 0 || strcmp(r.err, "no configuration file: OK\n") != 0)
			fail_msg("%s %s: exit %d, stderr '%s'", good[i][0], good[i][1], r.code, r.err);
		run_free(&r);
	}
}

/* A mistyped long option: exit 2, nothing on stdout, and the option it was meant to be. */
static void test_unknown_long_option(void **state)
{
	const char *args[] = { "--horizn", "3", "-w", "1", NULL };
	struct run r = { 0 };
	(void)state;

	run_numad(&r, args);
	assert_int_equal(r.code, 2);
	assert_string_equal(r.out, "");
	assert_string_equal(r.err, "numad: unknown option '--horizn' (did you mean '--horizon'?)\n");
	run_free(&r);
}

/* --explain adds the scores after the bare list; the first line is still the list. */
static void test_explain(void **state)
{
	char path[1024], root[64], *text;
	const char *args[] = { "--root", NULL, "--log", "", "-w", "4:20000", "--explain", NULL };
	struct run r = { 0 };
	(void)state;

	snprintf(path, sizeof(path), "%s/dl980-8node.txt", TOPO_DIR);
	text = must_slurp(path);
	build_tree(root, sizeof(root), text, NULL);
	args[1] = root;
	run_numad(&r, args);
	assert_int_equal(r.code, 0);
	assert_non_null(strstr(r.out, "rank"));
	assert_non_null(strstr(r.out, "distance"));
	assert_non_null(strstr(r.out, "exhaustive"));
	assert_true(isdigit((unsigned char)r.out[0]));
	run_free(&r);
	free(text);
	fixture_remove(root);
}

/* -R takes CPUs away: reserving every CPU but node 3's leaves node 3 as the only place for vCPUs. */
static void test_reserved_cpus(void **state)
{
	char path[1024], root[64], *text;
	const char *args[] = { "--root", NULL, "--log", "", "-R", "0-29,40-79", "-w", "1:1024", NULL };
	struct run r = { 0 };
	(void)state;

	snprintf(path, sizeof(path), "%s/dl980-8node.txt", TOPO_DIR);
	text = must_slurp(path);
	build_tree(root, sizeof(root), text, NULL);
	args[1] = root;
	run_numad(&r, args);
	assert_int_equal(r.code, 0);
	/* Node 3 (CPUs 30-39) is the only one with CPUs left, and 1 GB fits there. */
	assert_string_equal(r.out, "3\n");
	run_free(&r);
	free(text);
	fixture_remove(root);
}

/* A request bigger than the host still gets an answer libvirt can use: every node with memory. */
static void test_nofit(void **state)
{
	char path[1024], root[64], *text;
	const char *args[] = { "--root", NULL, "--log", "", "-w", "8:500000", NULL };
	struct run r = { 0 };
	(void)state;

	snprintf(path, sizeof(path), "%s/guest-4node.txt", TOPO_DIR);
	text = must_slurp(path);
	build_tree(root, sizeof(root), text, NULL);
	args[1] = root;
	run_numad(&r, args);
	assert_int_equal(r.code, 0);
	assert_string_equal(r.out, "0-3\n");
	assert_non_null(strstr(r.err, "no node set has enough free memory"));
	run_free(&r);
	free(text);
	fixture_remove(root);
}

/*
 * numad-style management (-p) on a fixture DL980: a 2.5 GB process with 2 GB on node 3 and
 * 0.5 GB on node 0 is advised onto node 3 alone (where most of it is and it fits); a small
 * process and a QEMU process named with -p are left alone; on a --root tree numad only
 * advises, since the pids there are not this host's. Without -p nothing is advised.
 */
static void test_numad_style_processes(void **state)
{
	static const char *desc = "proc pid=7700 comm=membench threads=4 mem=3:2048,0:512\n"
				  "proc pid=7800 comm=small threads=1 mem=3:64\n"
				  "proc pid=7900 comm=qemu-system-x86 threads=6 vcpus=4 mem=3:4096\n";
	char path[1024], root[64], logp[128], *text, *log;
	const char *with_p[] = { "--root", NULL, "--log", logp, "--socket", "", "--pidfile", "", "--connect",
				 "test:///default", "-F", "--run-for", "3", "-p", "7700,7800,7900", NULL };
	struct run r = { 0 };
	(void)state;

	snprintf(path, sizeof(path), "%s/dl980-8node.txt", TOPO_DIR);
	text = must_slurp(path);
	build_tree(root, sizeof(root), text, desc);
	snprintf(logp, sizeof(logp), "%s/numad.log", root);
	with_p[1] = root;
	run_numad(&r, with_p);
	assert_int_equal(r.code, 0);
	log = must_slurp(logp);
	if (!strstr(log, "Advising pid 7700 (membench) move from nodes (0,3) to nodes (3)"))
		fail_msg("no advice for the split process: %s", log);
	assert_non_null(strstr(log, "Advice only, not applied: process 7700 (membench)"));
	assert_null(strstr(log, "Advising pid 7800"));
	assert_null(strstr(log, "Advising pid 7900"));
	free(log);

	/* Without -p (and -S 0, the default) the same process is not touched. */
	unlink(logp);
	with_p[13] = NULL;
	run_numad(&r, with_p);
	assert_int_equal(r.code, 0);
	log = must_slurp(logp);
	assert_null(strstr(log, "Advising pid 7700"));
	free(log);
	run_free(&r);
	free(text);
	fixture_remove(root);
}

/*
 * numad 0.5's /etc/default/numad (under --root): a DAEMON_ARGS that sets something gets one
 * warning at the daemon's start, naming the file and line and the drop-in to use instead;
 * a commented or empty one, no file, and -w (libvirt's query) get none.
 */
static void test_legacy_defaults(void **state)
{
	static const struct {
		const char *what, *text;  /* the file, NULL for none */
		int line;                 /* the line the warning names, 0 for no warning */
		const char *value;
	} cases[] = {
		{ "numad 0.5's file, edited", "# Additional options for numad\nDAEMON_ARGS=\"-i 15\"\n", 2, "\"-i 15\"" },
		{ "exported", "  export DAEMON_ARGS='-u 90'\n", 1, "'-u 90'" },
		{ "commented out", "#DAEMON_ARGS=\"-i 15\"\n", 0, NULL },
		{ "empty", "DAEMON_ARGS=\"\"\nOTHER=1\n", 0, NULL },
		{ "no file", NULL, 0, NULL },
	};
	char path[1024], root[64], file[128], want[512], *text;
	const char *daemon[] = { "--root", root, "--log", "", "--socket", "", "--pidfile", "", "--connect",
				 "test:///default", "-F", "--run-for", "1", NULL };
	const char *query[] = { "--root", root, "--log", "", "-w", "1", NULL };
	struct run r = { 0 };
	(void)state;

	snprintf(path, sizeof(path), "%s/dl980-8node.txt", TOPO_DIR);
	text = must_slurp(path);
	build_tree(root, sizeof(root), text, NULL);
	snprintf(path, sizeof(path), "%s/etc/default", root);
	snprintf(file, sizeof(file), "%s/etc", root);
	mkdir(file, 0755);
	mkdir(path, 0755);
	snprintf(file, sizeof(file), "%s/etc/default/numad", root);
	for (size_t i = 0; i < NELEM(cases); i++) {
		unlink(file);
		if (cases[i].text)
			write_text(file, cases[i].text);
		run_numad(&r, daemon);
		if (r.code != 0)
			fail_msg("[%s] exit %d: %s", cases[i].what, r.code, r.err);
		snprintf(want, sizeof(want), "numad: %s:%d sets DAEMON_ARGS=%s, which numad 0.5's init script passed on "
			 "and numad.service does not read: numad ignores it.", file, cases[i].line, cases[i].value);
		if (cases[i].line && !strstr(r.err, want))
			fail_msg("[%s] no warning '%s' in:\n%s", cases[i].what, want, r.err);
		if (cases[i].line && (!strstr(r.err, "systemctl edit numad") || !strstr(r.err, "ExecStart=")))
			fail_msg("[%s] the warning names no drop-in:\n%s", cases[i].what, r.err);
		if (strstr(r.err, "DAEMON_ARGS") && (!cases[i].line || strstr(strstr(r.err, "DAEMON_ARGS") + 1, "DAEMON_ARGS=")))
			fail_msg("[%s] want %s warning, got:\n%s", cases[i].what, cases[i].line ? "one" : "no", r.err);
	}
	write_text(file, cases[0].text);
	run_numad(&r, query);
	assert_int_equal(r.code, 0);
	if (strstr(r.err, "DAEMON_ARGS"))
		fail_msg("-w warns of DAEMON_ARGS: %s", r.err);
	unlink(file);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/etc", root);
	rmdir(path);
	run_free(&r);
	free(text);
	fixture_remove(root);
}

/*
 * What numad(8) says of -p and -S: a -p process is managed whatever its size (a 128 MB one
 * split over two nodes is advised onto one), -S 1 alone takes only processes over 300 MB
 * and half a CPU (so not that one, which is idle), and -x wins over -p.
 */
static void test_numad_style_any_size(void **state)
{
	static const char *desc = "proc pid=7800 comm=small threads=1 mem=3:64,0:64\n";
	char path[1024], root[64], logp[128], *text, *log;
	const char *args[] = { "--root", NULL, "--log", logp, "--socket", "", "--pidfile", "", "--connect",
			       "test:///default", "-F", "--run-for", "3", NULL, NULL, NULL, NULL, NULL };
	static const struct {
		const char *extra[4];
		bool advised;
	} cases[] = {
		{ { "-p", "7800" }, true },
		{ { "-S", "1" }, false },
		{ { "-p", "7800", "-x", "7800" }, false },
	};
	(void)state;

	snprintf(path, sizeof(path), "%s/dl980-8node.txt", TOPO_DIR);
	text = must_slurp(path);
	build_tree(root, sizeof(root), text, desc);
	snprintf(logp, sizeof(logp), "%s/numad.log", root);
	args[1] = root;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct run r = { 0 };

		for (int k = 0; k < 4; k++)
			args[13 + k] = cases[i].extra[k];
		unlink(logp);
		run_numad(&r, args);
		assert_int_equal(r.code, 0);
		log = must_slurp(logp);
		if (cases[i].advised != (strstr(log, "Advising pid 7800 (small) move from nodes (0,3) to nodes ") != NULL))
			fail_msg("%s %s%s%s: the 128 MB process is %sadvised: %s", cases[i].extra[0], cases[i].extra[1],
				 cases[i].extra[2] ? " -x " : "", cases[i].extra[2] ? cases[i].extra[3] : "",
				 cases[i].advised ? "not " : "", log);
		free(log);
		run_free(&r);
	}
	free(text);
	fixture_remove(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_topology),
		cmocka_unit_test(test_guest4_never_node2),
		cmocka_unit_test(test_w_counts_margin),
		cmocka_unit_test(test_dl980_pair),
		cmocka_unit_test(test_log_line),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_unknown_long_option),
		cmocka_unit_test(test_explain),
		cmocka_unit_test(test_reserved_cpus),
		cmocka_unit_test(test_nofit),
		cmocka_unit_test(test_numad_style_processes),
		cmocka_unit_test(test_numad_style_any_size),
		cmocka_unit_test(test_legacy_defaults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
