/*
 * test_sim.c: what a simulation may touch and what it runs. numad --simulate, as a user
 * runs it, checked for what that user sees:
 *  - its socket, pid file, log and host tree are in a private run directory (mode 0700,
 *    this user's) that goes at the end; the real daemon's paths are refused unless
 *    --sim-system-paths is given; a run directory left by a SIGKILLed simulation is
 *    removed by the next one, one of a simulation that runs is not;
 *  - the built-in scenario runs on every shipped layout and on invented ones (sparse node
 *    ids, a CPU-less node 0, 64 nodes) with no safety line and advice naming only that
 *    layout's nodes;
 *  - a bad scenario is refused before anything runs, exit 2, each error as FILE:LINE: reason;
 *    an asymmetric SLIT is run with a warning naming the file;
 *  - without -F it stays in the foreground;
 *  - libvirt's test driver's own "test" domain is not in the status, the log or the metrics.
 *
 * Every run gets XDG_RUNTIME_DIR of its own (a private directory of this test's), so the
 * run directories are where the test looks and nowhere else. Expected node ids come from
 * the topology text, read by the test support's reader.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
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

#include "support.h"

#define RUN_LIMIT_MS 60000     /* one simulation run to its end */
#define CHECK_LIMIT_MS 20000   /* a run refused before it starts */
#define READY_LIMIT_MS 15000

static const char long_scenario[] = "0 start vm1 vcpus=2 mem=2G touch=1G mode=restrictive\n600 end\n";

/* Every simulation runs with sim_dirs' private XDG_RUNTIME_DIR; the test's files go in sim_dirs.work. */
static void run_numad(struct run *r, const char *const *args, int limit_ms)
{
	struct child c = { .prog = NUMAD_BIN, .args = args, .no_config = true, .env = sim_dirs.xdg_env,
			   .alarm_s = (unsigned)limit_ms / 1000 + 30 };

	run_child(r, &c, limit_ms);
}

static void work_file(char *path, size_t len, const char *name, const char *text)
{
	snprintf(path, len, "%s/%s", sim_dirs.work, name);
	if (text)
		write_text(path, text);
}

/* The numad-sim.* entries under XDG_RUNTIME_DIR, into names (up to max). Returns how many. */
static int run_dirs(char names[][PATH_MAX], int max)
{
	DIR *d = opendir(sim_dirs.xdg);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (strncmp(e->d_name, "numad-sim.", 10) == 0 && n < max)
			snprintf(names[n++], PATH_MAX, "%s/%s", sim_dirs.xdg, e->d_name);
	closedir(d);
	return n;
}

/* The run directory a simulation printed on stderr ("numad-sim: run directory DIR (...)"). */
static bool printed_dir(const char *err, char *dir, size_t len)
{
	const char *p = strstr(err, "run directory ");

	if (!p)
		return false;
	p += strlen("run directory ");
	snprintf(dir, len, "%.*s", (int)strcspn(p, " \n"), p);
	return true;
}

/* Start c (a simulation writing its stderr to c->errp) and wait until it has started; what names it. */
static pid_t start_sim(struct child *c, const char *what)
{
	pid_t pid = spawn(c);

	if (wait_for_text(c->errp, " started: ", 1, READY_LIMIT_MS, pid) < 0) {
		stop_process(pid, 10000);
		fail_msg("%s did not start: %s", what, must_slurp(c->errp));
	}
	return pid;
}

/* ---- 1: the run directory, and the real daemon's paths ---- */

static void test_private_run_directory(void **state)
{
	const char *const sys[] = { "/run/numad/numad.sock", "/var/run/numad.pid", "/var/log/numad.log" };
	bool before[3];
	char scn[PATH_MAX], outp[PATH_MAX], errp[PATH_MAX], dir[PATH_MAX], sock[PATH_MAX + 16], *err;
	const char *args[] = { "-F", "--simulate", TOPO_DIR "/guest-4node.txt", "--scenario", scn, NULL };
	struct child c = { .prog = NUMAD_BIN, .args = args, .no_config = true, .env = sim_dirs.xdg_env, .alarm_s = 90 };
	struct stat st;
	pid_t pid;
	int code;

	(void)state;
	for (int i = 0; i < 3; i++)
		before[i] = access(sys[i], F_OK) == 0;
	work_file(scn, sizeof(scn), "long.scn", long_scenario);
	work_file(outp, sizeof(outp), "private.out", NULL);
	work_file(errp, sizeof(errp), "private.err", NULL);
	c.outp = outp;
	c.errp = errp;
	pid = start_sim(&c, "the simulation");
	err = must_slurp(errp);
	if (!printed_dir(err, dir, sizeof(dir)))
		fail_msg("no 'run directory' line on stderr: %s", err);
	free(err);
	/* the run directory: this user's, mode 0700, under XDG_RUNTIME_DIR, with the socket, pid file and log */
	assert_int_equal(strncmp(dir, sim_dirs.xdg, strlen(sim_dirs.xdg)), 0);
	assert_int_equal(stat(dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(st.st_uid, getuid());
	snprintf(sock, sizeof(sock), "%s/numad.sock", dir);
	assert_int_equal(stat(sock, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	snprintf(sock, sizeof(sock), "%s/numad.pid", dir);
	assert_int_equal(access(sock, F_OK), 0);
	snprintf(sock, sizeof(sock), "%s/numad.log", dir);
	assert_int_equal(access(sock, F_OK), 0);
	/* and none of the real daemon's */
	for (int i = 0; i < 3; i++)
		if (!before[i] && access(sys[i], F_OK) == 0)
			fail_msg("the simulation made %s", sys[i]);
	code = stop_process(pid, 30000);
	assert_int_equal(code, 0);
	if (access(dir, F_OK) == 0)
		fail_msg("the run directory %s is still there after the simulation", dir);
}

static void test_system_paths_refused(void **state)
{
	static const struct {
		const char *opt, *path;
	} cases[] = {
		{ "--socket", "/run/numad/numad.sock" },
		{ "--socket", "/run/numad/other.sock" },
		{ "--pidfile", "/var/run/numad.pid" },
		{ "--pidfile", "/run/numad.pid" },
		{ "--log", "/var/log/numad.log" },
	};
	struct run r = { 0 };
	char names[4][PATH_MAX];
	int nfail = 0;

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		bool existed = access(cases[i].path, F_OK) == 0;
		const char *args[] = { "-F", "--simulate", TOPO_DIR "/guest-4node.txt", "--run-for", "1",
				       cases[i].opt, cases[i].path, NULL };
		char want[256];

		run_numad(&r, args, CHECK_LIMIT_MS);
		snprintf(want, sizeof(want), "%s %s is the real numad's own", cases[i].opt, cases[i].path);
		CHECK(cases[i].path, r.code == 2, "exit %d, want 2; stderr: %s", r.code, r.err);
		CHECK(cases[i].path, strstr(r.err, want) && strstr(r.err, "--sim-system-paths"),
		      "stderr lacks \"%s\" and --sim-system-paths: %s", want, r.err);
		CHECK(cases[i].path, !strstr(r.out, "simulation summary"), "it ran: %s", r.out);
		CHECK(cases[i].path, existed || access(cases[i].path, F_OK) < 0, "%s was made", cases[i].path);
	}
	/* --root names a tree the simulation would not use: refused, not ignored */
	{
		const char *args[] = { "-F", "--simulate", TOPO_DIR "/guest-4node.txt", "--run-for", "1", "--root", sim_dirs.work,
				       NULL };
		run_numad(&r, args, CHECK_LIMIT_MS);
		CHECK("--root", r.code == 2 && strstr(r.err, "--root ") && strstr(r.err, "a simulation builds its host"),
		      "exit %d, want 2 and why; stderr: %s", r.code, r.err);
		CHECK("--root", !strstr(r.out, "simulation summary"), "it ran: %s", r.out);
	}
	CHECK("run directories", run_dirs(names, 4) == 0, "a refused run left %s", names[0]);
	run_free(&r);
	assert_int_equal(nfail, 0);
}

/* A SIGKILLed simulation's run directory goes at the next start; a running one's stays. */
static void test_stale_run_directory(void **state)
{
	char scn[PATH_MAX], outp[PATH_MAX], errp[PATH_MAX], dir[PATH_MAX], names[8][PATH_MAX], *err;
	const char *args[] = { "-F", "--simulate", TOPO_DIR "/guest-4node.txt", "--scenario", scn, NULL };
	const char *quick[] = { "-F", "--simulate", TOPO_DIR "/guest-4node.txt", "--run-for", "1", NULL };
	struct child c = { .prog = NUMAD_BIN, .args = args, .no_config = true, .env = sim_dirs.xdg_env, .alarm_s = 90 };
	struct run r = { 0 };
	pid_t killed, alive;
	int n;

	(void)state;
	work_file(scn, sizeof(scn), "long.scn", long_scenario);
	work_file(outp, sizeof(outp), "stale.out", NULL);
	work_file(errp, sizeof(errp), "stale.err", NULL);
	c.outp = outp;
	c.errp = errp;
	killed = start_sim(&c, "the simulation");
	err = must_slurp(errp);
	assert_true(printed_dir(err, dir, sizeof(dir)));
	free(err);
	kill(killed, SIGKILL);
	assert_int_equal(wait_exit(killed, 10000), 128 + SIGKILL);
	assert_int_equal(access(dir, F_OK), 0); /* what SIGKILL leaves */

	/* the next simulation's start removes it */
	work_file(errp, sizeof(errp), "alive.err", NULL);
	alive = start_sim(&c, "the second simulation");
	if (access(dir, F_OK) == 0) {
		stop_process(alive, 10000);
		fail_msg("the SIGKILLed simulation's %s is still there after the next start", dir);
	}
	n = run_dirs(names, 8);
	/* and a third simulation leaves the second's, which runs, alone */
	run_numad(&r, quick, RUN_LIMIT_MS);
	assert_int_equal(r.code, 0);
	assert_int_equal(n, 1);
	assert_int_equal(run_dirs(names, 8), 1);
	assert_int_equal(stop_process(alive, 30000), 0);
	assert_int_equal(run_dirs(names, 8), 0);
	run_free(&r);
}

/* ---- 2: the built-in scenario on every layout ---- */

/* numactl -H text of a host: ids, CPUs per node, size and free MB per node, distance rule. */
static char *invent(int n, const int *ids, const int *cpus, long size, long free_mb, int near)
{
	size_t cap = 4096 + (size_t)n * (size_t)n * 8 + (size_t)n * 256, len = 0;
	char *t = malloc(cap);
	int c = 0;

	assert_non_null(t);
	len += (size_t)snprintf(t + len, cap - len, "available: %d nodes (", n);
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(t + len, cap - len, "%s%d", i ? "," : "", ids[i]);
	len += (size_t)snprintf(t + len, cap - len, ")\n");
	for (int i = 0; i < n; i++) {
		len += (size_t)snprintf(t + len, cap - len, "node %d cpus:", ids[i]);
		for (int k = 0; k < cpus[i]; k++)
			len += (size_t)snprintf(t + len, cap - len, " %d", c++);
		len += (size_t)snprintf(t + len, cap - len, "\nnode %d size: %ld MB\nnode %d free: %ld MB\n", ids[i],
					size, ids[i], free_mb);
	}
	len += (size_t)snprintf(t + len, cap - len, "node distances:\nnode ");
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(t + len, cap - len, " %3d", ids[i]);
	for (int i = 0; i < n; i++) {
		len += (size_t)snprintf(t + len, cap - len, "\n%3d: ", ids[i]);
		for (int j = 0; j < n; j++)
			len += (size_t)snprintf(t + len, cap - len, " %3d",
						i == j ? 10 : near && i / near == j / near ? 16 : 32);
	}
	snprintf(t + len, cap - len, "\n");
	return t;
}

/* Every "nodes (LIST)" of an Advising line in the log names only nodes of h. Returns the lines seen. */
static int check_advice(const char *name, const char *log, const struct host *h, int *nfail)
{
	uint64_t all = 0;
	int lines = 0;

	for (int i = 0; i < h->n; i++)
		all |= 1ULL << h->id[i];
	for (const char *p = strstr(log, "Advising "); p; p = strstr(p + 1, "Advising ")) {
		const char *eol = p + strcspn(p, "\n");

		lines++;
		for (const char *q = strstr(p, "nodes ("); q && q < eol; q = strstr(q + 1, "nodes (")) {
			uint64_t set = 0;
			const char *open = q + 7;
			size_t len = strcspn(open, ")");
			if (!parse_nodes(open, len, &set) || (set & ~all)) {
				print_error("[%s] advice names a node the host lacks: %.*s\n", name, (int)(eol - p), p);
				(*nfail)++;
			}
		}
	}
	return lines;
}

static void builtin_on(const char *name, const char *topo, int *failed)
{
	const char *args[] = { "-F", "--simulate", topo, "--speed", "5", "--log", "", NULL };
	struct run r = { 0 };
	struct host h;
	char *text = must_slurp(topo);
	int nadv, nfail = 0;

	read_host(text, &h);
	free(text);
	run_numad(&r, args, RUN_LIMIT_MS);
	CHECK(name, r.code == 0, "exit %d; stderr %s", r.code, r.err);
	CHECK(name, strstr(r.out, "simulation summary after 50.") != NULL, "no summary at 50 s: %s", r.out);
	CHECK(name, !strstr(r.err, "safety:"), "a safety line: %s", strstr(r.err, "safety:"));
	CHECK(name, strstr(r.out, "safety: 0 empty or offline nodesets, 0 restrictive guests OOM-killed with room "
				  "elsewhere, 0 strict nodesets changed") != NULL,
	      "summary: %s", r.out);
	CHECK(name, !strstr(r.err, "is not online") && !strstr(r.err, "cannot start"), "stderr: %s", r.err);
	nadv = check_advice(name, r.err, &h, &nfail);
	CHECK(name, nadv >= 1, "no Advising line (numad -w pre-places vm2): %s", r.err);
	run_free(&r);
	*failed += nfail;
}

static void test_builtin_every_layout(void **state)
{
	static const char *const shipped[] = { "dl980-8node.txt", "guest-4node.txt", "epyc-2s-nps4.txt",
					       "2socket-snc2-smt.txt", "2s-cxl-memonly.txt" };
	int sparse_ids[] = { 0, 2, 5, 7 }, four[] = { 4, 4, 4, 4 }, cpuless[] = { 0, 8, 8 }, ids64[64], two64[64];
	char path[PATH_MAX];
	int nfail = 0;
	DIR *d;

	(void)state;
	for (size_t i = 0; i < NELEM(shipped); i++) {
		snprintf(path, sizeof(path), "%s/%s", TOPO_DIR, shipped[i]);
		builtin_on(shipped[i], path, &nfail);
	}
	/* ../shared/topologies, when the tree has one */
	if ((d = opendir(TOPO_DIR "/../../../shared/topologies"))) {
		struct dirent *e;
		while ((e = readdir(d)))
			if (strstr(e->d_name, ".txt")) {
				snprintf(path, sizeof(path), "%s/../../../shared/topologies/%s", TOPO_DIR, e->d_name);
				builtin_on(e->d_name, path, &nfail);
			}
		closedir(d);
	}
	for (int i = 0; i < 64; i++)
		ids64[i] = i, two64[i] = 2;
	{
		char *t = invent(4, sparse_ids, four, 16384, 15000, 0);
		work_file(path, sizeof(path), "sparse.txt", t);
		free(t);
		builtin_on("sparse ids 0,2,5,7", path, &nfail);
		t = invent(3, ids64, cpuless, 32768, 30000, 0);
		work_file(path, sizeof(path), "cpuless0.txt", t);
		free(t);
		builtin_on("CPU-less node 0", path, &nfail);
		t = invent(64, ids64, two64, 4096, 3900, 8);
		work_file(path, sizeof(path), "n64.txt", t);
		free(t);
		builtin_on("64 nodes", path, &nfail);
		t = invent(1, ids64, four, 16384, 15000, 0);
		work_file(path, sizeof(path), "one.txt", t);
		free(t);
		builtin_on("one node", path, &nfail);
	}
	assert_int_equal(nfail, 0);
}

/* ---- 3: the scenario and the topology, checked before anything runs ---- */

static void test_bad_scenarios(void **state)
{
	static const struct {
		const char *what, *text, *want; /* want: after "FILE:" */
	} cases[] = {
		{ "nodes the host lacks", "0 start vm1 mem=1G nodes=7-9\n50 end\n", "1: nodes=7-9: the host has no node 7" },
		{ "a time of nan", "nan start vm1 mem=1G\n", "1: 'nan' is not a time" },
		{ "a time of 1e300", "0 start vm1 mem=1G\n1e300 end\n", "2: '1e300' is not a time" },
		{ "times out of order", "5 start vm1 mem=1G\n4 end\n", "2: the time 4 comes before" },
		{ "an empty file", "", " no events" },
		{ "only comments", "# nothing\n\n", " no events" },
		{ "stop of an unknown guest", "0 start vm1 mem=1G\n5 stop vm2\n", "2: stop vm2: no guest vm2 runs" },
		{ "grow of an unknown guest", "0 grow vm1 rate=1G\n", "1: grow vm1: no guest vm1 runs" },
		{ "grow after stop", "0 start vm1 mem=1G\n1 stop vm1\n2 grow vm1\n", "3: grow vm1: no guest vm1 runs" },
		{ "a second start", "0 start vm1 mem=1G\n1 start vm1 mem=1G\n", "2: start vm1: vm1 runs already" },
		{ "mem twice", "0 start vm1 mem=1G mem=2G\n", "1: mem= given twice" },
		{ "touch over mem", "0 start vm1 mem=1G touch=4G\n", "1: touch=4096M is more than mem=1024M" },
		{ "until over mem", "0 start vm1 mem=1G\n1 grow vm1 until=2G\n", "2: grow vm1: until=2048M is more" },
		{ "vcpus=100000", "0 start vm1 vcpus=100000 mem=1G\n", "1: vcpus=100000: vCPUs are a whole number" },
		{ "vcpus=4x", "0 start vm1 vcpus=4x mem=1G\n", "1: vcpus=4x:" },
		{ "hog on node 99", "0 hog node=99 size=1G\n", "1: node=99: the host has no node 99" },
		{ "free on node 99", "0 free node=99 size=1G\n", "1: node=99: the host has no node 99" },
		{ "a key of another verb", "0 start vm1 mem=1G size=2G\n", "1: 'size': start takes vcpus=" },
		{ "a bad mode", "0 start vm1 mem=1G mode=loose\n", "1: mode=loose: the mode is" },
		{ "a bad size", "0 start vm1 mem=12X\n", "1: mem=12X: a size is" },
		{ "start without mem", "0 start vm1\n", "1: start needs mem=SIZE" },
		{ "a name with markup", "0 start vm<1> mem=1G\n", "1: the guest name 'vm<1>' has a character" },
		{ "an event after the end", "0 start vm1 mem=1G\n5 end\n6 stop vm1\n", "3: an event after the end" },
		{ "an unknown verb", "0 launch vm1\n", "1: expected start, grow, stop" },
	};
	struct run r = { 0 };
	char scn[PATH_MAX], want[PATH_MAX + 256], names[4][PATH_MAX];
	int nfail = 0;

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		const char *args[] = { "-F", "--simulate", TOPO_DIR "/guest-4node.txt", "--scenario", scn, NULL };

		work_file(scn, sizeof(scn), "bad.scn", cases[i].text);
		run_numad(&r, args, CHECK_LIMIT_MS);
		snprintf(want, sizeof(want), "%s:%s", scn, cases[i].want);
		CHECK(cases[i].what, r.code == 2, "exit %d, want 2; stderr: %s", r.code, r.err);
		CHECK(cases[i].what, strstr(r.err, want) != NULL, "stderr lacks \"%s\": %s", want, r.err);
		CHECK(cases[i].what, !strstr(r.err, " started: ") && !strstr(r.out, "summary"), "it ran: %s", r.err);
	}
	/* a 5,000-character name: said to be too long, not missing */
	{
		size_t n = 5000;
		char *text = malloc(n + 64);
		const char *args[] = { "-F", "--simulate", TOPO_DIR "/guest-4node.txt", "--scenario", scn, NULL };

		assert_non_null(text);
		memcpy(text, "0 start ", 8);
		memset(text + 8, 'a', n);
		snprintf(text + 8 + n, 56, " mem=1G\n");
		work_file(scn, sizeof(scn), "long.scn", text);
		free(text);
		run_numad(&r, args, CHECK_LIMIT_MS);
		snprintf(want, sizeof(want), "%s:1: the guest name 'aaaa", scn);
		CHECK("a 5,000-character name", r.code == 2 && strstr(r.err, want) && strstr(r.err, "5000 characters"),
		      "exit %d; stderr: %s", r.code, r.err);
	}
	/* every error of a file, each at its line */
	{
		const char *args[] = { "-F", "--simulate", TOPO_DIR "/guest-4node.txt", "--scenario", scn, NULL };

		work_file(scn, sizeof(scn), "many.scn", "0 start vm1 mem=1G nodes=7\n0 hog node=9 size=1G\n1 stop vm3\n");
		run_numad(&r, args, CHECK_LIMIT_MS);
		for (int line = 1; line <= 3; line++) {
			snprintf(want, sizeof(want), "%s:%d: ", scn, line);
			CHECK("every error", strstr(r.err, want) != NULL, "no error at line %d: %s", line, r.err);
		}
		CHECK("every error", r.code == 2, "exit %d", r.code);
	}
	CHECK("run directories", run_dirs(names, 4) == 0, "a refused run left %s", names[0]);
	run_free(&r);
	assert_int_equal(nfail, 0);
}

static void test_topology_checks(void **state)
{
	static const char asym[] = "available: 2 nodes (0-1)\n"
				   "node 0 cpus: 0 1\nnode 0 size: 8192 MB\nnode 0 free: 8000 MB\n"
				   "node 1 cpus: 2 3\nnode 1 size: 8192 MB\nnode 1 free: 8000 MB\n"
				   "node distances:\nnode   0   1\n  0:  10  20\n  1:  21  10\n";
	static const char broken[] = "available: 2 nodes (0-1)\nnode 0 cpus: 0 1\nnode 0 size: lots MB\n";
	char topo[PATH_MAX], want[PATH_MAX + 256];
	const char *args[] = { "-F", "--simulate", topo, "--run-for", "1", NULL };
	struct run r = { 0 };

	(void)state;
	work_file(topo, sizeof(topo), "asym.txt", asym);
	run_numad(&r, args, RUN_LIMIT_MS);
	snprintf(want, sizeof(want), "%s: warning: the SLIT is not symmetric: node 0 to node 1 is 20, node 1 to node 0 "
				     "is 21", topo);
	if (r.code != 0 || !strstr(r.err, want))
		fail_msg("exit %d (want 0), stderr lacks \"%s\": %s", r.code, want, r.err);
	work_file(topo, sizeof(topo), "broken.txt", broken);
	run_numad(&r, args, CHECK_LIMIT_MS);
	snprintf(want, sizeof(want), "%s:3: ", topo);
	if (r.code != 2 || !strstr(r.err, want))
		fail_msg("exit %d (want 2), stderr lacks \"%s\": %s", r.code, want, r.err);
	/* more nodes than numad handles: the message names the limit, 1024 node ids as numad(8) says */
	work_file(topo, sizeof(topo), "huge.txt", "available: 2000 nodes (0-1999)\n");
	run_numad(&r, args, CHECK_LIMIT_MS);
	snprintf(want, sizeof(want), "%s:1: bad node count '2000': a whole number from 1 to 1024", topo);
	if (r.code != 2 || !strstr(r.err, want))
		fail_msg("exit %d (want 2), stderr lacks \"%s\": %s", r.code, want, r.err);
	run_free(&r);
}

/* ---- 4: in the foreground without -F ---- */

static void test_foreground_without_F(void **state)
{
	const char *args[] = { "--simulate", TOPO_DIR "/guest-4node.txt", "--run-for", "2", "--log", "", NULL };
	struct run r = { 0 };

	(void)state;
	run_numad(&r, args, RUN_LIMIT_MS);
	/* the child itself ran the simulation to its end (--run-for 2, checked every 100 ms, so a
	   little past 2 s on a busy machine, and before the built-in scenario's own end at 50 s):
	   its summary is on its own stdout */
	const char *sum = strstr(r.out, "simulation summary after ");
	double at = sum ? strtod(sum + strlen("simulation summary after "), NULL) : -1;
	if (r.code != 0 || at < 2.0 || at >= 50.0)
		fail_msg("exit %d; stdout %s; stderr %s", r.code, r.out, r.err);
	run_free(&r);
}

/* ---- 5: libvirt's test driver's own domain ---- */

static void test_no_test_domain(void **state)
{
	char scn[PATH_MAX], outp[PATH_MAX], errp[PATH_MAX], dir[PATH_MAX], sock[PATH_MAX + 16], logp[PATH_MAX + 16];
	const char *args[] = { "-F", "--simulate", TOPO_DIR "/guest-4node.txt", "--scenario", scn, NULL };
	struct child c = { .prog = NUMAD_BIN, .args = args, .no_config = true, .env = sim_dirs.xdg_env, .alarm_s = 90 };
	const char *status[] = { "--socket", sock, "status", NULL }, *metrics[] = { "--socket", sock, "metrics", NULL };
	struct child ctl = { .prog = NUMADCTL_BIN, .alarm_s = 60 };
	struct run r = { 0 };
	char *err, *log;
	pid_t pid;

	(void)state;
	work_file(scn, sizeof(scn), "long.scn", long_scenario);
	work_file(outp, sizeof(outp), "test.out", NULL);
	work_file(errp, sizeof(errp), "test.err", NULL);
	c.outp = outp;
	c.errp = errp;
	pid = start_sim(&c, "the simulation");
	err = must_slurp(errp);
	assert_true(printed_dir(err, dir, sizeof(dir)));
	free(err);
	snprintf(sock, sizeof(sock), "%s/numad.sock", dir);
	snprintf(logp, sizeof(logp), "%s/numad.log", dir);
	sleep_ms(1500); /* a full scan or two */
	ctl.args = status;
	run_child(&r, &ctl, 30000);
	if (r.code != 0 || !strstr(r.out, "vm1 ") || strstr(r.out, "\ntest "))
		fail_msg("status (exit %d) shows the test driver's own domain, or not vm1:\n%s", r.code, r.out);
	ctl.args = metrics;
	run_child(&r, &ctl, 30000);
	if (r.code != 0 || !strstr(r.out, "domain=\"vm1\"") || strstr(r.out, "domain=\"test\""))
		fail_msg("metrics (exit %d) show the test driver's own domain, or not vm1:\n%s", r.code, r.out);
	log = must_slurp(logp);
	if (strstr(log, "domain test "))
		fail_msg("the log names the test driver's own domain:\n%s", log);
	free(log);
	assert_int_equal(stop_process(pid, 30000), 0);
	run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_private_run_directory),
		cmocka_unit_test(test_system_paths_refused),
		cmocka_unit_test(test_stale_run_directory),
		cmocka_unit_test(test_bad_scenarios),
		cmocka_unit_test(test_topology_checks),
		cmocka_unit_test(test_foreground_without_F),
		cmocka_unit_test(test_no_test_domain),
		cmocka_unit_test(test_builtin_every_layout),
	};

	if (getenv("NUMAD_TEST_FILTER")) /* run only the cases whose name matches, e.g. "*stale*" */
		cmocka_set_test_filter(getenv("NUMAD_TEST_FILTER"));
	return cmocka_run_group_tests(tests, sim_dirs_setup, sim_dirs_teardown);
}
