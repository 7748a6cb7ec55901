/*
 * test_status.c: what numadctl and the log tell an administrator, against a running
 * simulation, checked for the words a person acts on:
 *  - MANAGED is "yes" only for guests numad moves (restrictive with placement='auto');
 *    strict and preferred ones with placement='auto' are "observed", one without it "no";
 *  - a guest the OOM killer took stays in the guest table with its time, the warnings say
 *    so, and the header's OOM count agrees with them;
 *  - a strict guest whose time to exhaustion keeps shrinking is warned again before the
 *    kill, not once;
 *  - numadctl reload with no configuration file says so, and --socket given a directory or a
 *    file says that is not a socket;
 *  - numad -w with every CPU reserved (-R) names the CPUs as the cause;
 *  - numbers in numadctl's options and arguments follow numad.conf(5)'s FORMAT;
 *  - numadctl guests filters (--at-risk, --managed, --node) and sorts, in text and JSON;
 *    RUNS_OUT_IN is "-" for a guest that touched all its memory; status shows 20 guests at
 *    most and says how many more there are;
 *  - numadctl metrics: a strict guest whose nodes fill has a time to exhaustion within what
 *    its growth allows, shrinking as time passes; a guest that needs no more memory has none;
 *  - numadctl config: each setting in force and where it came from;
 *  - -x and -p (exclude, include) by domain name and UUID, and a reload that changes them;
 *  - at -d, one line per full scan for each managed guest that is not moved, saying why.
 *
 * Every simulation runs with an XDG_RUNTIME_DIR of this test's, so its socket is in its own
 * private run directory, and is stopped by the teardown when a check fails.
 */
#include <ctype.h>
#include <limits.h>
#include <math.h>
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
#include <json-c/json.h>

#include "fixture.h"
#include "support.h"

#define READY_LIMIT_MS 20000
#define CTL_LIMIT_MS 30000

static pid_t sim_pid;  /* the simulation running now, stopped by the teardown */

/* After each test: a simulation a failed check left running goes. */
static int stop_sim(void **state)
{
	(void)state;
	if (sim_pid > 0)
		stop_process(sim_pid, 30000);
	sim_pid = 0;
	return 0;
}

struct sim {
	char scn[PATH_MAX], errp[PATH_MAX], outp[PATH_MAX];
	char sock[PATH_MAX + 16], logp[PATH_MAX + 16];
};

/*
 * Start a simulation of topo with the scenario text and more arguments (NULL-terminated, or
 * NULL); no_config: --config "" first. Fills s with its socket and log.
 */
static void start_with(struct sim *s, const char *topo, const char *scenario, const char *speed, bool no_config,
		       const char *const *more)
{
	const char *args[32] = { "-F", "--simulate", topo, "--scenario", s->scn, "--speed", speed, NULL };
	struct child c = { .prog = NUMAD_BIN, .args = args, .no_config = no_config, .env = sim_dirs.xdg_env, .alarm_s = 120 };
	char *err;
	const char *p;
	int n = 7;

	for (; more && *more && n < (int)NELEM(args) - 1; more++)
		args[n++] = *more;
	args[n] = NULL;
	snprintf(s->scn, sizeof(s->scn), "%s/run.scn", sim_dirs.work);
	snprintf(s->errp, sizeof(s->errp), "%s/sim.err", sim_dirs.work);
	snprintf(s->outp, sizeof(s->outp), "%s/sim.out", sim_dirs.work);
	write_text(s->scn, scenario);
	unlink(s->errp); /* the child opens its own: what an earlier run wrote must not be read as its */
	unlink(s->outp);
	c.outp = s->outp;
	c.errp = s->errp;
	sim_pid = spawn(&c);
	if (wait_for_text(s->errp, " started: ", 1, READY_LIMIT_MS, sim_pid) < 0)
		fail_msg("the simulation did not start: %s", must_slurp(s->errp));
	err = must_slurp(s->errp);
	p = strstr(err, "run directory ");
	if (!p)
		fail_msg("the simulation named no run directory: %s", err);
	p += strlen("run directory ");
	snprintf(s->sock, sizeof(s->sock), "%.*s/numad.sock", (int)strcspn(p, " \n"), p);
	snprintf(s->logp, sizeof(s->logp), "%.*s/numad.log", (int)strcspn(p, " \n"), p);
	free(err);
}

/* Start a simulation of topo with the scenario text (no_config: --config ""); fills s with its socket and log. */
static void start(struct sim *s, const char *topo, const char *scenario, const char *speed, bool no_config)
{
	start_with(s, topo, scenario, speed, no_config, NULL);
}

/* numadctl [--json] --socket SOCK ARGS... into r. */
static void ctl(struct run *r, const char *sock, bool json, const char *a1, const char *a2)
{
	const char *args[6];
	struct child c = { .prog = NUMADCTL_BIN, .args = args, .alarm_s = 60 };
	int n = 0;

	if (json)
		args[n++] = "--json";
	args[n++] = "--socket";
	args[n++] = sock;
	args[n++] = a1;
	if (a2)
		args[n++] = a2;
	args[n] = NULL;
	run_child(r, &c, CTL_LIMIT_MS);
}

/* The guest table's row of name in numadctl's text ("NAME " at a line's start), or NULL. */
static const char *row_of(const char *text, const char *name, char *row, size_t len)
{
	size_t n = strlen(name);

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (strncmp(l, name, n) == 0 && l[n] == ' ') {
			snprintf(row, len, "%.*s", (int)strcspn(l, "\n"), l);
			return row;
		}
	return NULL;
}

/* The word in the column headed col of a table whose header line starts with "DOMAIN " or "SETTING ". */
static bool column(const char *text, const char *row, const char *col, char *out, size_t len)
{
	const char *hdr = strstr(text, "DOMAIN ") ? strstr(text, "DOMAIN ") : strstr(text, "SETTING ");
	int want = -1, k = 0;
	char line[1024], *save = NULL;

	if (!hdr)
		return false;
	snprintf(line, sizeof(line), "%.*s", (int)strcspn(hdr, "\n"), hdr);
	for (char *w = strtok_r(line, " ", &save); w; w = strtok_r(NULL, " ", &save), k++)
		if (strcmp(w, col) == 0)
			want = k;
	if (want < 0)
		return false;
	snprintf(line, sizeof(line), "%s", row);
	k = 0;
	for (char *w = strtok_r(line, " ", &save); w; w = strtok_r(NULL, " ", &save), k++)
		if (k == want) {
			snprintf(out, len, "%s", w);
			return true;
		}
	return false;
}

/* ---- MANAGED ---- */

static void test_managed_column(void **state)
{
	static const char scn[] =
		"0 start vm1 vcpus=2 mem=2G touch=1G mode=restrictive nodes=0\n"
		"0 start vm2 vcpus=2 mem=2G touch=1G mode=strict nodes=1\n"
		"0 start vm3 vcpus=2 mem=2G touch=1G mode=preferred nodes=2\n"
		"0 start vm4 vcpus=2 mem=2G touch=1G mode=interleave nodes=0-1\n"
		"600 end\n";
	static const struct {
		const char *name, *managed;
		bool moves;
	} want[] = {
		{ "vm1", "yes", true },       /* restrictive, placement='auto': numad moves it */
		{ "vm2", "observed", false }, /* strict: libvirt cannot change it live */
		{ "vm3", "observed", false }, /* preferred: numad leaves it alone */
		{ "vm4", "no", false },       /* interleaved on fixed nodes: no placement='auto' */
	};
	struct run r = { 0 };
	struct sim s;
	struct json_object *guests;
	char row[1024], cell[64];

	(void)state;
	start(&s, TOPO_DIR "/guest-4node.txt", scn, "1", true);
	sleep_ms(1500); /* the first full scans */
	ctl(&r, s.sock, false, "guests", NULL);
	assert_int_equal(r.code, 0);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		if (!row_of(r.out, want[i].name, row, sizeof(row)) || !column(r.out, row, "MANAGED", cell, sizeof(cell)))
			fail_msg("numadctl guests has no MANAGED for %s:\n%s", want[i].name, r.out);
		if (strcmp(cell, want[i].managed) != 0)
			fail_msg("%s: MANAGED '%s', want '%s':\n%s", want[i].name, cell, want[i].managed, r.out);
	}
	ctl(&r, s.sock, true, "guests", NULL);
	assert_int_equal(r.code, 0);
	guests = json_tokener_parse(r.out);
	assert_non_null(guests);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct json_object *g = NULL, *v;
		for (size_t k = 0; k < json_object_array_length(guests); k++) {
			struct json_object *e = json_object_array_get_idx(guests, k);
			if (json_object_object_get_ex(e, "domain", &v) && strcmp(json_object_get_string(v), want[i].name) == 0)
				g = e;
		}
		assert_non_null(g);
		assert_true(json_object_object_get_ex(g, "managed", &v));
		if (json_object_get_boolean(v) != want[i].moves)
			fail_msg("%s: JSON managed %d, want %d", want[i].name, json_object_get_boolean(v), want[i].moves);
	}
	json_object_put(guests);
	/* the log says the same when it first sees them */
	{
		char *log = must_slurp(s.logp);
		if (!strstr(log, "domain vm1 (") || !strstr(strstr(log, "domain vm1 ("), "managed (placement='auto')"))
			fail_msg("the log does not call vm1 managed:\n%s", log);
		const char *l2 = strstr(log, "domain vm2 (");
		if (!l2 || strncmp(l2 + strcspn(l2, ":") , ": observed only", 15) != 0)
			fail_msg("the log does not call vm2 (strict) observed only:\n%s", log);
		free(log);
	}
	assert_int_equal(stop_process(sim_pid, 30000), 0);
	sim_pid = 0;
	run_free(&r);
}

/* ---- the OOM killer, and a strict guest's warnings ---- */

/*
 * A strict guest on node 3 of the DL980 (16 GB) that grows to 12 GB while a 4 GB hog fills
 * the node (tests/scenarios/strict.scn), then a run that goes on, so that numadctl is asked
 * after the kill.
 */
static const char strict_scn[] =
	"0   start vm1 vcpus=4 mem=12G touch=6G mode=strict nodes=3\n"
	"0   start vm2 vcpus=2 mem=2G touch=1G mode=restrictive nodes=0\n"
	"4   hog node=3 size=4G rate=2G\n"
	"8   grow vm1 rate=1G until=12G\n"
	"600 end\n";

static void test_oom_killed_listed(void **state)
{
	struct run r = { 0 };
	struct sim s;
	char row[1024], cell[64], *log;
	const char *w;

	(void)state;
	start(&s, TOPO_DIR "/dl980-8node.txt", strict_scn, "4", true);
	if (wait_for_text(s.logp, "simulator: Out of memory: Killed process", 1, 60000, sim_pid) < 0)
		fail_msg("vm1 was not OOM-killed: %s", must_slurp(s.errp));
	if (wait_for_text(s.logp, "was OOM-killed", 1, 10000, sim_pid) < 0)
		fail_msg("numad did not log vm1's OOM kill:\n%s", must_slurp(s.errp));
	ctl(&r, s.sock, false, "status", NULL);
	assert_int_equal(r.code, 0);
	if (!strstr(r.out, "OOM kills seen: 1\n"))
		fail_msg("the header does not count one OOM kill:\n%s", r.out);
	if (!row_of(r.out, "vm1", row, sizeof(row)) || !column(r.out, row, "MANAGED", cell, sizeof(cell)) ||
	    strcmp(cell, "oom-killed") != 0 || !strstr(row, "OOM-killed at "))
		fail_msg("vm1 is not listed as OOM-killed with its time:\n%s", r.out);
	if (!row_of(r.out, "vm2", row, sizeof(row)))
		fail_msg("vm2, still running, is not listed:\n%s", r.out);
	w = strstr(r.out, "WARNINGS\n");
	if (!w || strstr(r.out, "warnings: none") || !strstr(w, "vm1 (strict, nodes 3) was OOM-killed at "))
		fail_msg("the warnings do not name vm1's OOM kill:\n%s", r.out);
	/* the table's own command lists it too */
	ctl(&r, s.sock, false, "guests", NULL);
	if (r.code != 0 || !row_of(r.out, "vm1", row, sizeof(row)) || !strstr(row, "oom-killed"))
		fail_msg("numadctl guests does not list vm1 as OOM-killed:\n%s", r.out);
	log = must_slurp(s.logp); /* before the stop, which removes the run directory */
	assert_int_equal(stop_process(sim_pid, 30000), 0);
	sim_pid = 0;
	/*
	 * Warned again as the time to exhaustion shrank: numad(8) says each time it has halved
	 * since it was last said. At least two such lines before the kill, each below half the
	 * one before.
	 */
	{
		const char *kill = strstr(log, "simulator: Out of memory");
		double last = INFINITY;
		int n = 0;
		for (const char *p = strstr(log, "domain vm1: time to exhaustion "); p && p < kill;
		     p = strstr(p + 1, "domain vm1: time to exhaustion ")) {
			double t = strtod(p + strlen("domain vm1: time to exhaustion "), NULL);
			if (!(t <= last / 2 + 0.05)) /* the log rounds to 0.1 s */
				fail_msg("time to exhaustion %.1f s said after %.1f s: not below half", t, last);
			last = t;
			n++;
		}
		if (n < 2)
			fail_msg("vm1's time to exhaustion was said %d time(s) before the kill; want it again as it "
				 "shrank:\n%s", n, log);
	}
	free(log);
	run_free(&r);
}

/* ---- a table for a thousand guests: filters, order, what status leaves out ---- */

/* The DOMAIN cells of a numadctl table, in order, space-separated, into out. */
static void domains_of(const char *text, char *out, size_t len)
{
	const char *hdr = strstr(text, "DOMAIN ");
	size_t n = 0;

	out[0] = '\0';
	for (const char *l = hdr ? strchr(hdr, '\n') : NULL; l && l[1] && l[1] != '\n'; l = strchr(l + 1, '\n')) {
		if (strncmp(l + 1, "...", 3) == 0)
			break;
		n += (size_t)snprintf(out + n, len - n, "%s%.*s", n ? " " : "", (int)strcspn(l + 1, " \n"), l + 1);
	}
}

static void test_guests_filters(void **state)
{
	/* sizes touched: vm1 6 GB, vm2 1 GB (all of it), vm3 3 GB, vm4 2 GB */
	static const char scn[] =
		"0   start vm1 vcpus=4 mem=12G touch=6G mode=strict nodes=3\n"
		"0   start vm2 vcpus=2 mem=1G mode=restrictive nodes=0\n"
		"0   start vm3 vcpus=2 mem=4G touch=3G mode=preferred nodes=2\n"
		"0   start vm4 vcpus=2 mem=2G mode=interleave nodes=4-5\n"
		"4   hog node=3 size=4G rate=2G\n"
		"8   grow vm1 rate=256M until=12G\n"
		"600 end\n";
	struct run r = { 0 };
	struct sim s;
	char got[512], row[1024], cell[64];
	struct json_object *a;

	(void)state;
	start(&s, TOPO_DIR "/dl980-8node.txt", scn, "4", true);
	sleep_ms(1500);
	ctl(&r, s.sock, false, "guests", "--managed");
	domains_of(r.out, got, sizeof(got));
	if (r.code != 0 || strcmp(got, "vm2") != 0)
		fail_msg("guests --managed: '%s' (exit %d), want vm2 only:\n%s", got, r.code, r.out);
	ctl(&r, s.sock, false, "guests", "--node");
	if (r.code != 2 || !strstr(r.err, "option '--node' needs a value"))
		fail_msg("guests --node without N: exit %d, '%s'", r.code, r.err);
	ctl(&r, s.sock, false, "status", "--managed");
	if (r.code != 2 || !strstr(r.err, "choose guests"))
		fail_msg("status --managed: exit %d, '%s'", r.code, r.err);
	{
		const char *args[] = { "--socket", s.sock, "guests", "--node", "4", NULL };
		struct child c = { .prog = NUMADCTL_BIN, .args = args, .alarm_s = 60 };
		run_child(&r, &c, CTL_LIMIT_MS);
		domains_of(r.out, got, sizeof(got));
		if (r.code != 0 || strcmp(got, "vm4") != 0)
			fail_msg("guests --node 4: '%s', want vm4 only:\n%s", got, r.out);
	}
	{
		const char *args[] = { "--socket", s.sock, "guests", "--sort", "resident", NULL };
		struct child c = { .prog = NUMADCTL_BIN, .args = args, .alarm_s = 60 };
		run_child(&r, &c, CTL_LIMIT_MS);
		domains_of(r.out, got, sizeof(got));
		if (r.code != 0 || strcmp(got, "vm1 vm3 vm4 vm2") != 0)
			fail_msg("guests --sort resident: '%s', want vm1 vm3 vm4 vm2 (6, 3, 2, 1 GB):\n%s", got, r.out);
	}
	/* vm2 has touched all of its memory: nothing of it runs out */
	if (!row_of(r.out, "vm2", row, sizeof(row)) || !column(r.out, row, "RUNS_OUT_IN", cell, sizeof(cell)) ||
	    strcmp(cell, "-") != 0)
		fail_msg("vm2, at its configured size, RUNS_OUT_IN '%s', want '-':\n%s", cell, r.out);
	/* the JSON is filtered as the table is */
	{
		const char *args[] = { "--json", "--socket", s.sock, "guests", "--managed", NULL };
		struct child c = { .prog = NUMADCTL_BIN, .args = args, .alarm_s = 60 };
		run_child(&r, &c, CTL_LIMIT_MS);
		a = json_tokener_parse(r.out);
		if (r.code != 0 || !a || json_object_array_length(a) != 1)
			fail_msg("--json guests --managed: %s", r.out);
		json_object_put(a);
	}
	/* once vm1 runs short, --at-risk shows it alone */
	if (wait_for_text(s.logp, "domain vm1: time to exhaustion", 1, 60000, sim_pid) < 0)
		fail_msg("vm1 never ran short: %s", must_slurp(s.logp));
	ctl(&r, s.sock, false, "guests", "--at-risk");
	domains_of(r.out, got, sizeof(got));
	if (r.code != 0 || strcmp(got, "vm1") != 0)
		fail_msg("guests --at-risk: '%s', want vm1:\n%s", got, r.out);
	assert_int_equal(stop_process(sim_pid, 30000), 0);
	sim_pid = 0;
	run_free(&r);
}

/* ---- the time to exhaustion in the metrics ---- */

/* The daemon's uptime in seconds, from numadctl --json status (the simulated clock, which started no later). */
static double uptime_s(const char *sock)
{
	struct run r = { 0 };
	struct json_object *o, *v;
	double t;

	ctl(&r, sock, true, "status", NULL);
	o = json_tokener_parse(r.out);
	if (r.code != 0 || !o || !json_object_object_get_ex(o, "uptime_s", &v))
		fail_msg("numadctl --json status: exit %d, %s", r.code, r.out);
	t = json_object_get_double(v);
	json_object_put(o);
	run_free(&r);
	return t;
}

/*
 * numadctl metrics into r; checks that no numad_guest_exhaustion_seconds sample is beyond
 * 30 days (none is reported then) and returns name's value, or -1 when it has none.
 */
static double exhaustion_s(struct run *r, const char *sock, const char *name)
{
	static const char fam[] = "numad_guest_exhaustion_seconds{domain=\"";
	double got = -1;

	ctl(r, sock, false, "metrics", NULL);
	if (r->code != 0 || !strstr(r->out, "# TYPE numad_guest_exhaustion_seconds gauge\n"))
		fail_msg("numadctl metrics (exit %d) has no numad_guest_exhaustion_seconds family:\n%s", r->code, r->out);
	for (const char *l = strstr(r->out, fam); l; l = strstr(l + 1, fam)) {
		const char *end = strstr(l, "} ");
		double v = end ? strtod(end + 2, NULL) : -1;
		if (!(v >= 0 && v <= 30 * 86400.0))
			fail_msg("exhaustion sample out of range: %.*s", (int)strcspn(l, "\n"), l);
		if (strncmp(l + strlen(fam), name, strlen(name)) == 0 && l[strlen(fam) + strlen(name)] == '"')
			got = v;
	}
	return got;
}

/*
 * A strict guest on node 3 of the DL980 (16 GB) that may touch 16 GB, 2 GB of it at once,
 * growing at 64 MB/s from 2 s on: it can never fit, so its nodes run out, and from its
 * facts alone at simulated time t (not before its uptime) they do so in at most
 * (16 GB - 2 GB - 64 MB/s * (t - 2 s)) / 64 MB/s, less each second by a second. vm2 has
 * touched all of its memory on node 0, where nothing grows: it never has a sample.
 */
static void test_exhaustion_metric(void **state)
{
	static const char scn[] =
		"0   start vm1 vcpus=2 mem=16G touch=2G mode=strict nodes=3\n"
		"0   start vm2 vcpus=2 mem=1G mode=restrictive nodes=0\n"
		"2   grow vm1 rate=64M until=16G\n"
		"600 end\n";
	const double rate_mb = 64, room_mb = 16 * 1024 - 2 * 1024, lag_s = 1; /* a fast tick or so behind */
	struct run r = { 0 };
	struct sim s;
	double t0, t1, t2, t3, first, second, bound;

	(void)state;
	start(&s, TOPO_DIR "/dl980-8node.txt", scn, "4", true);
	/* 10 s of steady growth: the growth estimate (1 s smoothing) has its rate */
	for (int i = 0; (t0 = uptime_s(s.sock)) < 12; i++) {
		if (i == 200)
			fail_msg("the simulation is at %.1f s after 20 s", t0);
		if (exhaustion_s(&r, s.sock, "vm2") >= 0)
			fail_msg("vm2 needs no more memory, yet has an exhaustion sample:\n%s", r.out);
		sleep_ms(100);
	}
	first = exhaustion_s(&r, s.sock, "vm1");
	t1 = uptime_s(s.sock);
	bound = (room_mb - rate_mb * (t0 - 2 - lag_s)) / (0.9 * rate_mb);
	if (!(first > 0 && first <= bound))
		fail_msg("vm1 at %.1f-%.1f s: exhaustion %.1f s, want in (0, %.1f]:\n%s", t0, t1, first, bound, r.out);
	if (exhaustion_s(&r, s.sock, "vm2") >= 0)
		fail_msg("vm2 needs no more memory, yet has an exhaustion sample:\n%s", r.out);
	if (!strstr(r.out, "numad_guest_info{domain=\"vm1\",uuid=\"") ||
	    !strstr(strstr(r.out, "numad_guest_info{domain=\"vm1\",uuid=\""), "\",mode=\"strict\",management=\"observed\"} 1\n"))
		fail_msg("no numad_guest_info of vm1 as strict and observed:\n%s", r.out);
	sleep_ms(1500);
	t2 = uptime_s(s.sock);
	second = exhaustion_s(&r, s.sock, "vm1");
	t3 = uptime_s(s.sock);
	/* a steady fill: the time left shrinks by the time passed (give or take a tick and the estimate's jitter) */
	if (!(second > 0 && first - second >= 0.5 * (t2 - t1) && first - second <= 1.5 * (t3 - t0) + 1))
		fail_msg("vm1's exhaustion went from %.1f s (at %.1f-%.1f s) to %.1f s (at %.1f-%.1f s)", first, t0, t1,
			 second, t2, t3);
	assert_int_equal(stop_process(sim_pid, 30000), 0);
	sim_pid = 0;
	run_free(&r);
}

/* status lists at most 20 guests, and says how many it left out */
static void test_status_leaves_out(void **state)
{
	char scn[4096];
	size_t n = 0;
	struct run r = { 0 };
	struct sim s;
	char got[1024];
	int rows = 0;

	(void)state;
	for (int i = 0; i < 25; i++)
		n += (size_t)snprintf(scn + n, sizeof(scn) - n, "0 start g%02d vcpus=1 mem=256M\n", i);
	snprintf(scn + n, sizeof(scn) - n, "600 end\n");
	start(&s, TOPO_DIR "/dl980-8node.txt", scn, "1", true);
	sleep_ms(2000);
	ctl(&r, s.sock, false, "status", NULL);
	domains_of(r.out, got, sizeof(got));
	for (const char *p = got; *p; p += strcspn(p, " "), p += *p == ' ')
		rows++;
	if (r.code != 0 || rows != 20 || !strstr(r.out, "... and 5 more guests: numadctl guests"))
		fail_msg("status of 25 guests: %d rows, want 20 and '... and 5 more guests':\n%s", rows, r.out);
	ctl(&r, s.sock, false, "guests", NULL);
	domains_of(r.out, got, sizeof(got));
	rows = 0;
	for (const char *p = got; *p; p += strcspn(p, " "), p += *p == ' ')
		rows++;
	if (rows != 25)
		fail_msg("guests: %d rows, want all 25:\n%s", rows, r.out);
	assert_int_equal(stop_process(sim_pid, 30000), 0);
	sim_pid = 0;
	run_free(&r);
}

/* ---- numadctl config ---- */

/* The row of numadctl config's table whose SETTING is key, as "VALUE SOURCE", or NULL. */
static const char *setting(const char *text, const char *key, char *out, size_t len)
{
	char row[512], v[256], src[64];

	if (!row_of(text, key, row, sizeof(row)) || !column(text, row, "VALUE", v, sizeof(v)))
		return NULL;
	/* SOURCE may be two words ("command line"): the rest of the row after VALUE */
	{
		const char *p = strstr(row + strlen(key), v);
		p = p ? p + strlen(v) : "";
		while (*p == ' ')
			p++;
		snprintf(src, sizeof(src), "%s", p);
	}
	snprintf(out, len, "%s %s", v, src);
	return out;
}

static void test_config(void **state)
{
	char conf[PATH_MAX], got[512], scn[PATH_MAX], errp[PATH_MAX], outp[PATH_MAX];
	const char *args[] = { "-F", "--config", conf, "-u", "75", "--simulate", TOPO_DIR "/guest-4node.txt",
			       "--scenario", scn, NULL };
	struct child c = { .prog = NUMAD_BIN, .args = args, .env = sim_dirs.xdg_env, .alarm_s = 120 };
	static const struct {
		const char *key, *want;
	} rows[] = {
		{ "target_utilization", "75 command line" }, /* the file's 70, overridden */
		{ "margin", "300 file" },
		{ "memory_locality", "90 default" },
		{ "log_level", "6 numadctl" },
	};
	struct run r = { 0 };
	struct json_object *o, *a, *v;
	char *err;
	const char *p;
	char sock[PATH_MAX + 16];

	(void)state;
	snprintf(conf, sizeof(conf), "%s/numad.conf", sim_dirs.work);
	write_text(conf, "target_utilization = 70\nmargin = 300\n");
	snprintf(scn, sizeof(scn), "%s/config.scn", sim_dirs.work);
	write_text(scn, "0 start vm1 vcpus=2 mem=2G touch=1G\n600 end\n");
	snprintf(errp, sizeof(errp), "%s/config.err", sim_dirs.work);
	snprintf(outp, sizeof(outp), "%s/config.out", sim_dirs.work);
	unlink(errp);
	c.errp = errp;
	c.outp = outp;
	sim_pid = spawn(&c);
	if (wait_for_text(errp, " started: ", 1, READY_LIMIT_MS, sim_pid) < 0)
		fail_msg("the simulation did not start: %s", must_slurp(errp));
	err = must_slurp(errp);
	p = strstr(err, "run directory ");
	assert_non_null(p);
	p += strlen("run directory ");
	snprintf(sock, sizeof(sock), "%.*s/numad.sock", (int)strcspn(p, " \n"), p);
	free(err);
	ctl(&r, sock, false, "log-level", "6");
	assert_int_equal(r.code, 0);
	ctl(&r, sock, false, "config", NULL);
	if (r.code != 0 || !strstr(r.out, conf))
		fail_msg("config: exit %d, no file named:\n%s", r.code, r.out);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (!setting(r.out, rows[i].key, got, sizeof(got)) || strcmp(got, rows[i].want) != 0)
			fail_msg("config: %s is '%s', want '%s':\n%s", rows[i].key, setting(r.out, rows[i].key, got, sizeof(got)) ? got : "(none)",
				 rows[i].want, r.out);
	ctl(&r, sock, true, "config", NULL);
	o = json_tokener_parse(r.out);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "settings", &a));
	{
		bool seen = false;
		for (size_t i = 0; i < json_object_array_length(a); i++) {
			struct json_object *s = json_object_array_get_idx(a, i), *k, *src;
			if (json_object_object_get_ex(s, "key", &k) && strcmp(json_object_get_string(k), "margin") == 0) {
				assert_true(json_object_object_get_ex(s, "value", &v));
				assert_true(json_object_object_get_ex(s, "source", &src));
				assert_string_equal(json_object_get_string(v), "300");
				assert_string_equal(json_object_get_string(src), "file");
				seen = true;
			}
		}
		assert_true(seen);
	}
	json_object_put(o);
	assert_int_equal(stop_process(sim_pid, 30000), 0);
	sim_pid = 0;
	run_free(&r);
}

/* ---- -x and -p by domain name and UUID ---- */

/* The MANAGED column of guest name in numadctl guests, into out; fails the test without one. */
static void managed_cell(const char *sock, const char *name, char *out, size_t len)
{
	struct run r = { 0 };
	char row[1024];

	ctl(&r, sock, false, "guests", NULL);
	if (r.code != 0 || !row_of(r.out, name, row, sizeof(row)) || !column(r.out, row, "MANAGED", out, len))
		fail_msg("numadctl guests (exit %d) has no MANAGED for %s:\n%s%s", r.code, name, r.out, r.err);
	run_free(&r);
}

/* The UUID of guest name, from numadctl guests --json. */
static void uuid_of(const char *sock, const char *name, char *out, size_t len)
{
	struct run r = { 0 };
	struct json_object *a, *v;

	ctl(&r, sock, true, "guests", NULL);
	a = json_tokener_parse(r.out);
	assert_non_null(a);
	out[0] = '\0';
	for (size_t k = 0; k < json_object_array_length(a); k++) {
		struct json_object *e = json_object_array_get_idx(a, k);
		if (json_object_object_get_ex(e, "domain", &v) && strcmp(json_object_get_string(v), name) == 0 &&
		    json_object_object_get_ex(e, "uuid", &v))
			snprintf(out, len, "%s", json_object_get_string(v));
	}
	json_object_put(a);
	run_free(&r);
	if (!out[0])
		fail_msg("numadctl guests --json gives no uuid for %s", name);
}

/*
 * The exclude key by name, -p by name for a domain without placement='auto', then a reload
 * that excludes another guest by its UUID (in capitals) instead: MANAGED, the log's lines and
 * numadctl config say so.
 */
static void test_lists_by_name(void **state)
{
	static const char scn[] =
		"0 start vm1 vcpus=2 mem=2G touch=1G mode=restrictive nodes=0\n"
		"0 start vm2 vcpus=2 mem=2G touch=1G mode=restrictive nodes=1\n"
		"0 start vm3 vcpus=2 mem=2G touch=1G mode=restrictive nodes=2\n"
		"0 start vm4 vcpus=2 mem=2G touch=1G mode=interleave nodes=3-4\n"
		"600 end\n";
	char conf[PATH_MAX], uuid[64], upper[64], cell[64], got[512], want[256];
	const char *more[] = { "--config", conf, "-p", "vm4", "-i", "1", NULL };
	struct run r = { 0 };
	struct sim s;
	char *log;

	(void)state;
	snprintf(conf, sizeof(conf), "%s/lists.conf", sim_dirs.work);
	write_text(conf, "exclude = vm2\n");
	start_with(&s, TOPO_DIR "/dl980-8node.txt", scn, "1", false, more);
	sleep_ms(1500); /* the first full scans */
	managed_cell(s.sock, "vm1", cell, sizeof(cell));
	assert_string_equal(cell, "yes");
	managed_cell(s.sock, "vm2", cell, sizeof(cell));
	assert_string_equal(cell, "no");  /* placement='auto', excluded by name */
	managed_cell(s.sock, "vm3", cell, sizeof(cell));
	assert_string_equal(cell, "yes");
	managed_cell(s.sock, "vm4", cell, sizeof(cell));
	assert_string_equal(cell, "observed");  /* no placement='auto', included; interleave is never moved */
	log = must_slurp(s.logp);
	if (!strstr(log, "domain vm2 (") || !strstr(strstr(log, "domain vm2 ("), "observed only (-x)"))
		fail_msg("the log does not call vm2 excluded:\n%s", log);
	if (!strstr(log, "domain vm4: managed as the include list (-p) asks, though its definition has no "
			 "placement='auto'"))
		fail_msg("the log does not say vm4 is managed at -p's request:\n%s", log);
	free(log);
	ctl(&r, s.sock, false, "config", NULL);
	assert_int_equal(r.code, 0);
	if (!setting(r.out, "exclude", got, sizeof(got)) || strcmp(got, "vm2 file") != 0)
		fail_msg("config: exclude is not 'vm2 file':\n%s", r.out);
	if (!setting(r.out, "include", got, sizeof(got)) || strcmp(got, "vm4 command line") != 0)
		fail_msg("config: include is not 'vm4 command line':\n%s", r.out);

	/* exclude vm3 by its UUID, written in capitals, and vm2 no more */
	uuid_of(s.sock, "vm3", uuid, sizeof(uuid));
	for (size_t i = 0; i <= strlen(uuid); i++)
		upper[i] = (char)toupper((unsigned char)uuid[i]);
	snprintf(want, sizeof(want), "exclude = %s\n", upper);
	write_text(conf, want);
	ctl(&r, s.sock, false, "reload", NULL);
	assert_int_equal(r.code, 0);
	if (wait_for_text(s.logp, "domain vm3: no longer managed: the exclude (-x) list names it", 1, CTL_LIMIT_MS,
			  sim_pid) < 0 ||
	    wait_for_text(s.logp, "domain vm2: managed from now on: the exclude (-x) list no longer names it", 1,
			  CTL_LIMIT_MS, sim_pid) < 0)
		fail_msg("after the reload, the log does not say vm3 is excluded and vm2 managed:\n%s", must_slurp(s.logp));
	managed_cell(s.sock, "vm2", cell, sizeof(cell));
	assert_string_equal(cell, "yes");
	managed_cell(s.sock, "vm3", cell, sizeof(cell));
	assert_string_equal(cell, "no");
	ctl(&r, s.sock, false, "config", NULL);
	snprintf(want, sizeof(want), "%s file", uuid); /* kept in lowercase, as libvirt writes it */
	if (!setting(r.out, "exclude", got, sizeof(got)) || strcmp(got, want) != 0)
		fail_msg("config: exclude is not '%s':\n%s", want, r.out);
	assert_int_equal(stop_process(sim_pid, 30000), 0);
	sim_pid = 0;
	run_free(&r);
}

/* ---- -d: why each managed guest stays where it is ---- */

/* How many lines of text hold both a and b. */
static int lines_with(const char *text, const char *a, const char *b)
{
	int n = 0;

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		size_t len = strcspn(l, "\n");
		char line[1024];

		snprintf(line, sizeof(line), "%.*s", (int)len, l);
		n += strstr(line, a) && (!b || strstr(line, b));
	}
	return n;
}

/*
 * At -d, every full scan logs one line for each managed guest it does not move, with the
 * rule that held it: vm1 already fits its node, vm2 is consolidated and then paced by the
 * guest interval, vm3 is strict, a guest seen for the first time waits for its own CPU use,
 * and vm5, which starts while numad is paused, is only advised. vm4 is not managed: no line.
 */
static void test_debug_not_moved(void **state)
{
	static const char scn[] =
		"0 start vm1 vcpus=2 mem=2G touch=1G mode=restrictive nodes=0\n"
		"0 start vm2 vcpus=2 mem=2G touch=2G mode=restrictive nodes=2-3\n"
		"0 start vm3 vcpus=2 mem=2G touch=1G mode=strict nodes=4\n"
		"0 start vm4 vcpus=2 mem=2G touch=1G mode=interleave nodes=5-6\n"
		"6 start vm5 vcpus=2 mem=2G touch=2G mode=restrictive nodes=0-1\n"
		"600 end\n";
	static const struct {
		const char *guest, *why;
	} want[] = {
		{ "domain vm1 not moved: own CPU not measured: ", NULL },
		{ "domain vm1 not moved: already good: ", "current nodes fit" },
		{ "domain vm2 not moved: guest interval: ", "the guest interval is 60 s" },
		{ "domain vm3 not moved: not restrictive: ", "restrictive mode only" },
		{ "domain vm5 not moved: advise only: ", "paused (numadctl pause): the move is logged as advice" },
	};
	const char *more[] = { "-d", "-i", "1", NULL };
	struct run r = { 0 };
	struct sim s;
	char *log;

	(void)state;
	start_with(&s, TOPO_DIR "/dl980-8node.txt", scn, "1", true, more);
	if (wait_for_text(s.logp, "domain vm2 not moved: guest interval: ", 1, CTL_LIMIT_MS, sim_pid) < 0)
		fail_msg("vm2 was not consolidated and then paced:\n%s", must_slurp(s.logp));
	ctl(&r, s.sock, false, "pause", NULL);
	assert_int_equal(r.code, 0);
	if (wait_for_text(s.logp, "domain vm5 not moved: advise only: ", 1, CTL_LIMIT_MS, sim_pid) < 0)
		fail_msg("vm5, started while paused, was not advised:\n%s", must_slurp(s.logp));
	log = must_slurp(s.logp);
	for (size_t i = 0; i < NELEM(want); i++)
		if (lines_with(log, want[i].guest, want[i].why) == 0)
			fail_msg("no line '%s...%s' in the log:\n%s", want[i].guest, want[i].why ? want[i].why : "", log);
	if (lines_with(log, "domain vm4 not moved", NULL) != 0)
		fail_msg("vm4, not managed, has not-moved lines:\n%s", log);
	/* one line per scan: vm1 and vm3, managed from the first scan to the last, have as many */
	if (abs(lines_with(log, "domain vm1 not moved: ", NULL) - lines_with(log, "domain vm3 not moved: ", NULL)) > 1)
		fail_msg("vm1 has %d not-moved lines and vm3 %d:\n%s", lines_with(log, "domain vm1 not moved: ", NULL),
			 lines_with(log, "domain vm3 not moved: ", NULL), log);
	free(log);
	assert_int_equal(stop_process(sim_pid, 30000), 0);
	sim_pid = 0;
	run_free(&r);
}

/* ---- numadctl's messages ---- */

static void test_reload_without_file(void **state)
{
	struct run r = { 0 };
	struct sim s;

	(void)state;
	start(&s, TOPO_DIR "/guest-4node.txt", "0 start vm1 vcpus=2 mem=2G touch=1G\n600 end\n", "1", true);
	/* --config "": no file at all */
	ctl(&r, s.sock, false, "reload", NULL);
	if (r.code != 0 || strstr(r.out, "/etc/numad.conf") || !strstr(r.out, "no configuration file"))
		fail_msg("reload with --config \"\": exit %d, stdout '%s', stderr '%s'", r.code, r.out, r.err);
	assert_int_equal(stop_process(sim_pid, 30000), 0);
	sim_pid = 0;
	/* the default file, which a fresh install does not have */
	if (access("/etc/numad.conf", F_OK) == 0) {
		print_message("skipped the default file's case: /etc/numad.conf exists on this host\n");
	} else {
		start(&s, TOPO_DIR "/guest-4node.txt", "0 start vm1 vcpus=2 mem=2G touch=1G\n600 end\n", "1", false);
		ctl(&r, s.sock, false, "reload", NULL);
		if (r.code != 0 || strstr(r.out, "reloaded from") ||
		    !strstr(r.out, "/etc/numad.conf does not exist, so numad runs on its defaults"))
			fail_msg("reload with no /etc/numad.conf: exit %d, stdout '%s', stderr '%s'", r.code, r.out, r.err);
		assert_int_equal(stop_process(sim_pid, 30000), 0);
		sim_pid = 0;
	}
	run_free(&r);
}

static void test_socket_not_a_socket(void **state)
{
	char file[PATH_MAX];
	struct run r = { 0 };
	struct json_object *o, *e, *v;

	(void)state;
	ctl(&r, sim_dirs.work, false, "status", NULL);
	if (r.code != 3 || !strstr(r.err, "is a directory, not a socket"))
		fail_msg("--socket DIR: exit %d, stderr '%s'; want 3 and 'is a directory, not a socket'", r.code, r.err);
	snprintf(file, sizeof(file), "%s/plain", sim_dirs.work);
	write_text(file, "not a socket\n");
	ctl(&r, file, false, "status", NULL);
	if (r.code != 3 || !strstr(r.err, "is a file, not a socket"))
		fail_msg("--socket FILE: exit %d, stderr '%s'", r.code, r.err);
	ctl(&r, sim_dirs.work, true, "status", NULL);
	o = json_tokener_parse(r.out);
	if (r.code != 3 || !o || !json_object_object_get_ex(o, "error", &e) ||
	    !json_object_object_get_ex(e, "desc", &v) || !strstr(json_object_get_string(v), "not a socket"))
		fail_msg("--json --socket DIR: exit %d, stdout '%s'", r.code, r.out);
	json_object_put(o);
	run_free(&r);
}

/* Numbers as numad.conf(5) writes them, in numadctl's options and arguments and in --metrics-listen's port. */
static void test_numbers(void **state)
{
	static const struct {
		const char *a1, *a2, *a3, *says;
	} cases[] = {
		{ "--timeout", "1e1", "status", "--timeout: '1e1' is not a number of seconds" },
		{ "--timeout", "0x10", "status", "--timeout: '0x10' is not a number of seconds" },
		{ "--timeout", "0", "status", "--timeout: '0' is not a number of seconds above 0" },
		{ "history", "+5", NULL, "history: '+5' is not a count of decisions" },
		{ "history", "5e0", NULL, "history: '5e0' is not a count of decisions" },
		{ "log-level", "1.0", NULL, "log-level: '1.0' is not a level from 0 to 7" },
		{ "log-level", "8", NULL, "log-level: '8' is not a level from 0 to 7" },
	};
	const char *front[] = { "--metrics-listen", "127.0.0.1:+80", "-w", "1", NULL };
	struct child nf = { .prog = NUMAD_BIN, .args = front, .no_config = true };
	struct run r = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *args[] = { "--socket", "/nonexistent/numad.sock", cases[i].a1, cases[i].a2, cases[i].a3, NULL };
		struct child c = { .prog = NUMADCTL_BIN, .args = args, .alarm_s = 30 };
		run_child(&r, &c, CTL_LIMIT_MS);
		if (r.code != 2 || !strstr(r.err, cases[i].says))
			fail_msg("numadctl %s %s: exit %d, stderr '%s'; want 2 and \"%s\"", cases[i].a1, cases[i].a2, r.code,
				 r.err, cases[i].says);
	}
	run_child(&r, &nf, CTL_LIMIT_MS);
	if (r.code != 2 || !strstr(r.err, "'127.0.0.1:+80' is not [ADDR:]PORT"))
		fail_msg("--metrics-listen 127.0.0.1:+80: exit %d, stderr '%s'", r.code, r.err);
	run_free(&r);
}

/* -w with -R taking every CPU of the host: the message says the CPUs are the cause. */
static void test_w_every_cpu_reserved(void **state)
{
	char root[PATH_MAX], err[512], *text = must_slurp(TOPO_DIR "/guest-4node.txt");
	struct host h;
	const char *args[] = { "--root", root, "--log", "", "-R", NULL, "-w", "1", NULL };
	struct child c = { .prog = NUMAD_BIN, .args = args, .no_config = true };
	char all[64];
	struct run r = { 0 };
	int maxcpu = -1;

	(void)state;
	assert_true(read_host(text, &h) > 0);
	for (int i = 0; i < h.n; i++)
		maxcpu += h.ncpus[i];
	snprintf(all, sizeof(all), "0-%d", maxcpu); /* guest-4node numbers its CPUs from 0, node by node */
	args[5] = all;
	snprintf(root, sizeof(root), "%s/tree", sim_dirs.work);
	mkdir(root, 0755);
	if (fixture_build(root, text, NULL, err, sizeof(err)) < 0)
		fail_msg("fixture: %s", err);
	run_child(&r, &c, 30000);
	if (r.code != 0 || !strstr(r.err, "no node has a CPU left") || strstr(r.err, "enough memory"))
		fail_msg("-R %s -w 1: exit %d, stderr '%s'; want 0 and the CPUs named as the cause", all, r.code, r.err);
	run_free(&r);
	fixture_remove(root);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_managed_column, stop_sim),
		cmocka_unit_test_teardown(test_oom_killed_listed, stop_sim),
		cmocka_unit_test_teardown(test_reload_without_file, stop_sim),
		cmocka_unit_test_teardown(test_guests_filters, stop_sim),
		cmocka_unit_test_teardown(test_exhaustion_metric, stop_sim),
		cmocka_unit_test_teardown(test_status_leaves_out, stop_sim),
		cmocka_unit_test_teardown(test_config, stop_sim),
		cmocka_unit_test_teardown(test_lists_by_name, stop_sim),
		cmocka_unit_test_teardown(test_debug_not_moved, stop_sim),
		cmocka_unit_test(test_socket_not_a_socket),
		cmocka_unit_test(test_w_every_cpu_reserved),
		cmocka_unit_test(test_numbers),
	};

	if (getenv("NUMAD_TEST_FILTER"))
		cmocka_set_test_filter(getenv("NUMAD_TEST_FILTER"));
	return cmocka_run_group_tests(tests, sim_dirs_setup, sim_dirs_teardown);
}
