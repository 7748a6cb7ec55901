/*
 * test_daemon.c: the numad daemon end to end. The real binary runs the simulated DL980
 * (libvirt's test driver in its own process) through the shared scenarios, as a user
 * would run it, and each case checks what that user sees: the exit code, the summary's
 * OOM count and guest rows, and numad's log lines. A second group runs a long scenario
 * and talks to the running daemon: -w through the control socket, raw JSON lines,
 * SIGHUP, SIGTERM, -i 0, and a second daemon that must refuse to start.
 *
 * Expected values come from the scenario files and the topology text, read by a small
 * reader of this file's own and by the test support's, never from the daemon's output.
 * Every child runs under a hard limit so that a hung daemon fails its test instead of
 * hanging ctest. No assertion is on wall time.
 */
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <math.h>
#include <regex.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "support.h"

#define TOPO_FILE "dl980-8node.txt"
/*
 * Simulated seconds per real second. Time in the simulator follows the wall clock, so a
 * daemon starved of CPU for a moment on a loaded machine sees the simulated host jump
 * ahead by that moment times the speed. Where the claim is that numad acts in time, the
 * runs go slower so that such a jump stays well inside the scenario's window to act; where
 * the outcome does not depend on numad being quick (the baseline, strict, interleave), 20.
 */
#define SPEED_QUICK "20"
/* fastfill.scn: a 6 GB/s fill leaves about 2 s of host time, so 1 s of real time to act in */
#define SPEED_FILL "2"
#define SPEED_IN_TIME "5"
#define RUN_LIMIT_S 120           /* hard limit on one run (the longest takes 8 s: 40 s at 5x) */
#define CLIENT_LIMIT_S 30         /* hard limit on -w, -i 0 and a refused second daemon */
#define STOP_LIMIT_S 30           /* a signalled daemon must be gone within this */
#define READY_LIMIT_MS 15000      /* waiting for the control socket to appear */
#define IO_LIMIT_MS 20000         /* a raw client gives up on the daemon after this */
#define REPLY_MAX (1 << 20)       /* the longest reply line a raw client takes */

/* The long scenario of the running-daemon tests: one managed guest that stays, no end in sight. */
static const char long_scenario[] = "0 start vm1 vcpus=2 mem=2G touch=1G mode=restrictive\n"
				    "600 end\n";

/* ---- small helpers ---- */

/* A private temporary directory; removed with everything in it by rm_tree. */
static void make_tmpdir(char *dir, size_t len)
{
	snprintf(dir, len, "/tmp/numad-test-XXXXXX");
	if (!mkdtemp(dir))
		fail_msg("mkdtemp: %s", strerror(errno));
}

/* Remove a directory this test made (flat: files and sockets only). */
static void rm_tree(const char *dir)
{
	static const char *names[] = { "sock", "sock2", "pid", "numad.log", "numad.log.1", "long.scn", "out",
				       "err", "out2", "err2", "out3", "err3", "numad.sock", "victim", "link.pid" };
	char p[PATH_MAX];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		unlink(p);
	}
	if (rmdir(dir) < 0)
		print_message("note: could not remove %s: %s\n", dir, strerror(errno));
}

/* ---- children: numad under a hard limit ---- */

/*
 * Whether numad takes --config: then every run gets --config "" so that a config file on
 * the machine running the tests (Debian's numad package ships /etc/numad.conf) cannot
 * change what is tested.
 */
static bool config_opt;

/*
 * Start numad with args (NULL-terminated, without argv[0]), stdout and stderr to files,
 * and env (NULL or "NAME=VALUE") added. The child also gets an alarm as a backstop, so
 * that it dies even if this test process is killed before it can reap it.
 */
static pid_t spawn_numad(const char *const *args, const char *env, const char *outp, const char *errp, int limit_s)
{
	struct child c = { .prog = NUMAD_BIN, .args = args, .no_config = config_opt, .env = env, .outp = outp,
			   .errp = errp, .alarm_s = (unsigned)limit_s + 30 };

	return spawn(&c);
}

/* True while pid has not exited (it is reaped if it has). */
static bool still_running(pid_t pid, int *code)
{
	int status;
	pid_t r = waitpid(pid, &status, WNOHANG);

	if (r == 0)
		return true;
	if (r == pid && code)
		*code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	return false;
}

/* Run numad to completion under limit_s, capturing stdout and stderr. */
static void run_numad(struct run *r, const char *const *args, const char *env, int limit_s)
{
	struct child c = { .prog = NUMAD_BIN, .args = args, .no_config = config_opt, .env = env,
			   .alarm_s = (unsigned)limit_s + 30 };

	run_child(r, &c, limit_s * 1000);
}

/* ---- the topology, read independently from numactl -H text ---- */

/* The simulated host's topology file, read by the test support's own reader. */
static void read_topo_named(struct host *h, const char *file)
{
	char path[PATH_MAX], *text;
	int rows;

	snprintf(path, sizeof(path), "%s/%s", TOPO_DIR, file);
	text = must_slurp(path);
	rows = read_host(text, h);
	free(text);
	assert_true(h->n >= 2);
	assert_int_equal(rows, h->n);
}

static void read_topo_file(struct host *h)
{
	read_topo_named(h, TOPO_FILE);
}

/* The node nearest to node id by the SLIT (the lowest distance to another node). */
static int nearest_node(const struct host *h, int id)
{
	int i = host_index(h, id), best = -1;

	assert_true(i >= 0);
	for (int j = 0; j < h->n; j++)
		if (j != i && (best < 0 || h->dist[i][j] < h->dist[i][best]))
			best = j;
	return h->id[best];
}

static int distance(const struct host *h, int a, int b)
{
	int i = host_index(h, a), j = host_index(h, b);

	if (i < 0 || j < 0)
		fail_msg("node %d or %d is not in %s", a, b, TOPO_FILE);
	return h->dist[i][j];
}

/* ---- the scenario, read independently ---- */

struct scen_start {
	char name[64];
	char mode[16];
	char nodes[64];    /* "" when numad pre-places it */
	double mem_mb;     /* its configured memory */
	double until_mb;   /* from its grow line, 0 when it never grows */
	double hidden;     /* the share of its pages move_pages(2) does not find (hidden=PCT) */
};

struct scenario {
	struct scen_start start[32];
	int nstart;
	char stop[32][64];
	int nstop;
	int bound_node;    /* the node of a hog line with oom=1 (bound, cannot wait), -1 when none */
	double hog_mb[MAX_NODES]; /* by node id: the sizes of the hog lines on it */
};

/* "12G", "512M", "2048" (MB) -> MB. */
static double size_mb(const char *v)
{
	char *end;
	double x = strtod(v, &end);

	if (*end == 'G' || *end == 'g')
		x *= 1024;
	return x;
}

static void read_scenario(const char *file, struct scenario *s)
{
	char path[PATH_MAX], *text, *line, *save = NULL;

	memset(s, 0, sizeof(*s));
	s->bound_node = -1;
	snprintf(path, sizeof(path), "%s/%s", SCEN_DIR, file);
	text = must_slurp(path);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *tok, *save2 = NULL, *verb, *name;

		line[strcspn(line, "#")] = '\0';
		if (!(tok = strtok_r(line, " \t", &save2)) || !(verb = strtok_r(NULL, " \t", &save2)))
			continue;
		if (strcmp(verb, "start") == 0 && s->nstart < 32 && (name = strtok_r(NULL, " \t", &save2))) {
			struct scen_start *g = &s->start[s->nstart++];
			snprintf(g->name, sizeof(g->name), "%s", name);
			snprintf(g->mode, sizeof(g->mode), "restrictive");
			while ((tok = strtok_r(NULL, " \t", &save2))) {
				if (strncmp(tok, "mode=", 5) == 0)
					snprintf(g->mode, sizeof(g->mode), "%s", tok + 5);
				else if (strncmp(tok, "nodes=", 6) == 0)
					snprintf(g->nodes, sizeof(g->nodes), "%s", tok + 6);
				else if (strncmp(tok, "mem=", 4) == 0)
					g->mem_mb = size_mb(tok + 4);
				else if (strncmp(tok, "hidden=", 7) == 0)
					g->hidden = strtod(tok + 7, NULL) / 100;
			}
		} else if (strcmp(verb, "grow") == 0 && (name = strtok_r(NULL, " \t", &save2))) {
			for (int k = s->nstart - 1; k >= 0; k--)
				if (strcmp(s->start[k].name, name) == 0) {
					while ((tok = strtok_r(NULL, " \t", &save2)))
						if (strncmp(tok, "until=", 6) == 0)
							s->start[k].until_mb = size_mb(tok + 6);
					break;
				}
		} else if (strcmp(verb, "hog") == 0) {
			int node = -1;
			double mb = 0;
			bool bound = false;
			while ((tok = strtok_r(NULL, " \t", &save2))) {
				if (strncmp(tok, "node=", 5) == 0)
					node = atoi(tok + 5);
				else if (strncmp(tok, "size=", 5) == 0)
					mb = size_mb(tok + 5);
				else if (strcmp(tok, "oom=1") == 0)
					bound = true;
			}
			if (bound)
				s->bound_node = node;
			if (node >= 0 && node < MAX_NODES)
				s->hog_mb[node] += mb;
		} else if (strcmp(verb, "stop") == 0 && s->nstop < 32 && (name = strtok_r(NULL, " \t", &save2))) {
			snprintf(s->stop[s->nstop++], sizeof(s->stop[0]), "%s", name);
		}
	}
	free(text);
	assert_true(s->nstart > 0);
}

static const struct scen_start *scen_guest(const struct scenario *s, const char *name)
{
	for (int k = 0; k < s->nstart; k++)
		if (strcmp(s->start[k].name, name) == 0)
			return &s->start[k];
	fail_msg("the scenario starts no guest %s", name);
	return NULL;
}

/* ---- numad's log ---- */

struct log {
	char *text;
	char **line;   /* message part: after the "<ctime>: " prefix */
	char **full;   /* whole line */
	int n;
};

static bool is_ctime_prefix(const char *l)
{
	static regex_t re;
	static bool compiled;

	if (!compiled) {
		assert_int_equal(regcomp(&re,
					 "^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
					 "[ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} [0-9]{4}: ",
					 REG_EXTENDED | REG_NOSUB),
				 0);
		compiled = true;
	}
	return regexec(&re, l, 0, NULL, 0) == 0;
}

static void read_log(const char *path, struct log *lg)
{
	char *p;
	int cap = 0;

	memset(lg, 0, sizeof(*lg));
	lg->text = must_slurp(path);
	for (p = lg->text; *p;) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		if (lg->n == cap) {
			cap = cap ? cap * 2 : 256;
			lg->line = realloc(lg->line, (size_t)cap * sizeof(char *));
			lg->full = realloc(lg->full, (size_t)cap * sizeof(char *));
			assert_non_null(lg->line);
			assert_non_null(lg->full);
		}
		lg->full[lg->n] = p;
		lg->line[lg->n] = is_ctime_prefix(p) ? strstr(p, ": ") + 2 : p;
		lg->n++;
		if (!nl)
			break;
		p = nl + 1;
	}
}

static void free_log(struct log *lg)
{
	free(lg->text);
	free(lg->line);
	free(lg->full);
	memset(lg, 0, sizeof(*lg));
}

/* The whole log for a failure message (restored newlines). */
static void dump_log(const struct log *lg)
{
	print_error("---- numad log (%d lines) ----\n", lg->n);
	for (int i = 0; i < lg->n; i++)
		print_error("%s\n", lg->full[i]);
}

struct advice {
	long pid;
	char comm[64];
	uint64_t from, to;
};

/* "Advising pid P (COMM) move from nodes (X) to nodes (Y)": parse message m; false when it is not one. */
static bool parse_advice(const char *m, struct advice *a)
{
	static const char head[] = "Advising pid ", mid[] = ") move from nodes (", to[] = ") to nodes (";
	const char *p, *c, *f, *t, *end;
	char *e;

	if (strncmp(m, head, sizeof(head) - 1) != 0)
		return false;
	p = m + sizeof(head) - 1;
	a->pid = strtol(p, &e, 10);
	if (e == p || strncmp(e, " (", 2) != 0)
		return false;
	c = e + 2;
	if (!(f = strstr(c, mid)))
		return false;
	/* the comm may hold ") move from nodes (" only in a hostile world; take the last one */
	for (const char *q; (q = strstr(f + 1, mid));)
		f = q;
	snprintf(a->comm, sizeof(a->comm), "%.*s", (int)(f - c), c);
	f += sizeof(mid) - 1;
	if (!(t = strstr(f, to)))
		return false;
	end = t + sizeof(to) - 1;
	if (strlen(end) < 1 || end[strlen(end) - 1] != ')')
		return false;
	return parse_nodes(f, (size_t)(t - f), &a->from) && parse_nodes(end, strlen(end) - 1, &a->to);
}

/* Is message i an outcome line for domain name starting with what? */
static bool is_outcome(const struct log *lg, int i, const char *what, const char *name)
{
	char dom[96];

	snprintf(dom, sizeof(dom), "domain %s,", name);
	return i >= 0 && i < lg->n && strncmp(lg->line[i], what, strlen(what)) == 0 && strstr(lg->line[i], dom);
}

static int count_prefix(const struct log *lg, const char *prefix, const char *name)
{
	int n = 0;

	for (int i = 0; i < lg->n; i++)
		n += is_outcome(lg, i, prefix, name);
	return n;
}

/* Index of the first message from index from on that starts with prefix (and contains also, if given); -1 if none. */
static int find_line(const struct log *lg, int from, const char *prefix, const char *also)
{
	for (int i = from < 0 ? 0 : from; i < lg->n; i++)
		if (strncmp(lg->line[i], prefix, strlen(prefix)) == 0 && (!also || strstr(lg->line[i], also)))
			return i;
	return -1;
}

/* The Advising lines about a guest process (any pid other than -1). */
static int count_guest_advice(const struct log *lg, int from, long pid)
{
	struct advice a;
	int n = 0;

	for (int i = from < 0 ? 0 : from; i < lg->n; i++)
		if (parse_advice(lg->line[i], &a) && a.pid != -1 && (pid == 0 || a.pid == pid))
			n++;
	return n;
}

/* ---- the simulation summary on stdout ---- */

struct row {
	char name[64], mode[32], nodes[64], fate[32];
	double peak_mb;
};

static long oom_kills(const char *out)
{
	const char *p = strstr(out, "OOM kills: ");
	char *e;
	long n;

	if (!p)
		fail_msg("no 'OOM kills: N' in the summary:\n%s", out);
	n = strtol(p + strlen("OOM kills: "), &e, 10);
	if (e == p + strlen("OOM kills: "))
		fail_msg("'OOM kills:' without a number:\n%s", out);
	return n;
}

/* The summary row of guest name (its last one, for a name started twice); false when there is none. */
static bool summary_row(const char *out, const char *name, struct row *r)
{
	const char *p = strstr(out, "simulation summary");
	bool found = false;

	if (!p)
		return false;
	for (p = strchr(p, '\n'); p && *++p; p = strchr(p, '\n')) {
		struct row x;
		if (sscanf(p, "%63s %31s %63s %lf %31s", x.name, x.mode, x.nodes, &x.peak_mb, x.fate) == 5 &&
		    strcmp(x.name, name) == 0) {
			*r = x;
			found = true;
		}
	}
	return found;
}

static void must_row(const char *out, const char *name, struct row *r)
{
	if (!summary_row(out, name, r))
		fail_msg("the summary has no row for %s:\n%s", name, out);
}

/* The row of a guest that must end running. */
static void must_run(const char *out, const char *name, struct row *r)
{
	must_row(out, name, r);
	if (strcmp(r->fate, "running") != 0)
		fail_msg("%s ends %s, want running\n%s", name, r->fate, out);
}

/* ---- scenario runs: one table, one case per row ---- */

struct sim_result {
	struct run run;
	struct log log;
	struct scenario scen;
	struct host host;
	const struct sim_case *c;
};

struct sim_case {
	const char *name;
	const char *scenario;
	const char *flags[5];    /* extra options (NULL-terminated): --numad05-timing, --advise-only, -i, --sim-bandwidth */
	const char *inject;      /* NUMAD_INJECT_FAULT=... or NULL */
	const char *speed;       /* SPEED_QUICK, or SPEED_IN_TIME where numad must act within a window */
	long oom_min, oom_max;   /* the summary's "OOM kills: N" */
	void (*check)(struct sim_result *r);
	const char *topo;        /* the layout, NULL for TOPO_FILE (the DL980) */
};

/*
 * A guest crowded on its node was widened in time: an Advising line for its process from
 * exactly its start node to a superset that adds that node's nearest node by the SLIT,
 * immediately followed by "Applied through libvirt" for the domain, for an urgent move
 * when urgent is set. (With the default scan intervals a full scan can see the crowding
 * as soon as the fast tier does, and either may apply the same widening first.)
 */
static void check_widened_by(struct sim_result *r, bool urgent)
{
	const struct scen_start *g = scen_guest(&r->scen, "vm1");
	uint64_t from = nodes_of(g->nodes), want;
	int near;
	struct row row;

	assert_int_equal(popcount64(from), 1);
	near = nearest_node(&r->host, __builtin_ctzll(from));
	want = from | (1ULL << near);
	for (int i = 0; i < r->log.n; i++) {
		struct advice a;
		if (!parse_advice(r->log.line[i], &a) || a.pid == -1)
			continue;
		if (a.pid <= 0 || strcmp(a.comm, "qemu-system-x86") != 0) {
			dump_log(&r->log);
			fail_msg("advice for a guest names pid %ld comm '%s', want its pid and (qemu-system-x86)", a.pid,
				 a.comm);
		}
		if (a.from == from && (a.to & want) == want &&
		    is_outcome(&r->log, i + 1, "Applied through libvirt:", "vm1") &&
		    (!urgent || strstr(r->log.line[i + 1], "urgent move"))) {
			must_row(r->run.out, "vm1", &row);
			assert_string_equal(row.fate, "running");
			if ((nodes_of(row.nodes) & want) != want)
				fail_msg("vm1 ends on nodes %s, want a superset of %s and %d", row.nodes, g->nodes, near);
			return;
		}
	}
	dump_log(&r->log);
	{
		int first = -1;
		struct advice a;
		for (int i = 0; i < r->log.n && first < 0; i++)
			if (parse_advice(r->log.line[i], &a) && a.pid > 0)
				first = i;
		fail_msg("no 'Advising pid P (qemu-system-x86) move from nodes (%s) to nodes (superset with %d)' "
			 "followed by %s'Applied through libvirt' for vm1; the first advice for it was: '%s' / '%s'",
			 g->nodes, near, urgent ? "an urgent " : "", first >= 0 ? r->log.line[first] : "(none)",
			 first >= 0 && first + 1 < r->log.n ? r->log.line[first + 1] : "");
	}
}

static void check_widened(struct sim_result *r)
{
	check_widened_by(r, false);
}

static void check_widened_urgent(struct sim_result *r)
{
	check_widened_by(r, true);
}

/* The baseline's fate: vm1 OOM-killed. */
static void check_vm1_killed(struct sim_result *r)
{
	struct row row;

	must_row(r->run.out, "vm1", &row);
	assert_string_equal(row.fate, "OOM-killed");
}

/* Strict: warned with the fix and the time to exhaustion, never moved, then honestly killed. */
static void check_strict(struct sim_result *r)
{
	int warn = -1, tte = -1, oom = find_line(&r->log, 0, "simulator: Out of memory", "vm1");

	for (int i = 0; i < r->log.n; i++) {
		const char *m = r->log.line[i];
		if (warn < 0 && strstr(m, "vm1") && strstr(m, "strict") && strstr(m, "restrictive"))
			warn = i;
		if (tte < 0 && strstr(m, "vm1") && strstr(m, "time to exhaustion"))
			tte = i;
	}
	if (warn < 0 || tte < 0) {
		dump_log(&r->log);
		fail_msg("no warning for strict vm1 naming mode='restrictive' (line %d) and its time to exhaustion "
			 "(line %d)", warn, tte);
	}
	if (oom >= 0 && (warn > oom || tte > oom)) {
		dump_log(&r->log);
		fail_msg("the strict warning (lines %d, %d) came only after the OOM kill (line %d)", warn, tte, oom);
	}
	if (count_guest_advice(&r->log, 0, 0) != 0) {
		dump_log(&r->log);
		fail_msg("numad advised a move of a strict guest, which libvirt refuses");
	}
	check_vm1_killed(r);
}

/* A guest growing past its node got everything it asked for. */
static void check_growth(struct sim_result *r)
{
	const struct scen_start *g = scen_guest(&r->scen, "vm1");
	struct row row;

	must_row(r->run.out, "vm1", &row);
	assert_string_equal(row.fate, "running");
	assert_true(g->until_mb > 0);
	if (row.peak_mb < g->until_mb)
		fail_msg("vm1 peaked at %.0f MB, but the scenario grows it to %.0f MB", row.peak_mb, g->until_mb);
}

/* Interleave with a fixed nodeset: observed only, never advised, left on its nodes. */
static void check_interleave(struct sim_result *r)
{
	const struct scen_start *g = scen_guest(&r->scen, "vm3");
	char want[96];
	struct row row;

	assert_string_equal(g->mode, "interleave");
	if (count_guest_advice(&r->log, 0, 0) != 0) {
		dump_log(&r->log);
		fail_msg("numad advised a move of an interleaved guest");
	}
	snprintf(want, sizeof(want), "domain %s (", g->name);
	for (int i = 0;; i++) {
		if (i == r->log.n) {
			dump_log(&r->log);
			fail_msg("no line says %s is observed only", g->name);
		}
		if (strncmp(r->log.line[i], want, strlen(want)) == 0 && strstr(r->log.line[i], "observed only"))
			break;
	}
	must_row(r->run.out, g->name, &row);
	assert_string_equal(row.fate, "running");
	if (nodes_of(row.nodes) != nodes_of(g->nodes))
		fail_msg("%s ends on nodes %s, want its own %s", g->name, row.nodes, g->nodes);
}

/*
 * Every start is seen as a managed domain with its QEMU pid, every stop is logged as
 * "domain NAME stopped" followed by how (nothing: its event said so).
 */
static void check_lifecycle_by(struct sim_result *r, const char *how)
{
	const struct scenario *s = &r->scen;

	for (int k = 0; k < s->nstart; k++) {
		const char *name = s->start[k].name;
		int starts = 0, seen = 0;
		char head[96];

		for (int j = 0; j < s->nstart; j++)
			starts += strcmp(s->start[j].name, name) == 0;
		snprintf(head, sizeof(head), "domain %s (pid ", name);
		for (int i = 0; i < r->log.n; i++)
			if (strncmp(r->log.line[i], head, strlen(head)) == 0) {
				long pid = strtol(r->log.line[i] + strlen(head), NULL, 10);
				if (pid <= 0 || !strstr(r->log.line[i], "managed (placement='auto')")) {
					dump_log(&r->log);
					fail_msg("%s is not logged as managed with its pid: '%s'", name, r->log.line[i]);
				}
				seen++;
			}
		if (seen != starts) {
			dump_log(&r->log);
			fail_msg("%s started %d time(s), logged as a new managed domain %d time(s)", name, starts, seen);
		}
	}
	for (int k = 0; k < s->nstop; k++) {
		char want[96];
		int stops = 0, seen = 0;

		for (int j = 0; j < s->nstop; j++)
			stops += strcmp(s->stop[j], s->stop[k]) == 0;
		snprintf(want, sizeof(want), "domain %s stopped%s", s->stop[k], how);
		for (int i = 0; i < r->log.n; i++)
			seen += strcmp(r->log.line[i], want) == 0;
		if (seen != stops) {
			dump_log(&r->log);
			fail_msg("%s stopped %d time(s), '%s' logged %d time(s)", s->stop[k], stops, want, seen);
		}
	}
}

static void check_lifecycle(struct sim_result *r)
{
	check_lifecycle_by(r, "");
}

/*
 * NUMAD_INJECT_FAULT=noevents on lost.scn and lostswap.scn: each start's event was dropped,
 * and still, before the scenario's end, every start is seen as a managed domain and every
 * stop logged, by the scans' list.
 */
static void check_lost_events(struct sim_result *r)
{
	const struct scenario *s = &r->scen;

	for (int k = 0; k < s->nstart; k++) {
		char want[128];
		int seen = 0;

		snprintf(want, sizeof(want), "fault injection: the started event of domain %s dropped", s->start[k].name);
		for (int i = 0; i < r->log.n; i++)
			seen += strcmp(r->log.line[i], want) == 0;
		if (seen < 1) {
			dump_log(&r->log);
			fail_msg("no line says '%s': the start was not hidden from numad", want);
		}
	}
	check_lifecycle_by(r, " (no longer in libvirt's list)");
}

/* --advise-only: the plan is logged as advice, nothing changes, the guest dies where it was. */
static void check_advise_only(struct sim_result *r)
{
	const struct scen_start *g = scen_guest(&r->scen, "vm1");
	struct row row;
	bool pair = false;

	for (int i = 0; i + 1 < r->log.n && !pair; i++) {
		struct advice a;
		pair = parse_advice(r->log.line[i], &a) && a.pid > 0 &&
		       is_outcome(&r->log, i + 1, "Advice only, not applied:", "vm1");
	}
	if (!pair || count_prefix(&r->log, "Applied through libvirt:", "vm1") != 0) {
		dump_log(&r->log);
		fail_msg("want an Advising line followed by 'Advice only, not applied' and no applied move");
	}
	check_vm1_killed(r);
	must_row(r->run.out, "vm1", &row);
	if (nodes_of(row.nodes) != nodes_of(g->nodes))
		fail_msg("with --advise-only vm1 ends on nodes %s, want its own %s unchanged", row.nodes, g->nodes);
}

/* NUMAD_INJECT_FAULT=transient:2: two failures that will be retried, then the move is applied. */
static void check_transient(struct sim_result *r)
{
	int fails = 0, second = -1, applied;

	for (int i = 0; i < r->log.n; i++)
		if (is_outcome(&r->log, i, "Failed, will retry:", "vm1")) {
			struct advice a;
			if (!parse_advice(r->log.line[i - 1], &a) || a.pid <= 0) {
				dump_log(&r->log);
				fail_msg("'Failed, will retry' at line %d does not follow an Advising line", i);
			}
			if (++fails == 2)
				second = i;
		}
	applied = second >= 0 ? find_line(&r->log, second + 1, "Applied through libvirt:", "domain vm1,") : -1;
	if (fails != 2 || applied < 0 || count_prefix(&r->log, "Failed permanently", "vm1") != 0) {
		dump_log(&r->log);
		fail_msg("want exactly 2 'Failed, will retry' for vm1 then 'Applied through libvirt'; got %d failures, "
			 "applied at line %d",
			 fails, applied);
	}
	assert_true(applied > 0);
	{
		struct advice a;
		if (!parse_advice(r->log.line[applied - 1], &a) || a.pid <= 0)
			fail_msg("the applied move at line %d does not follow an Advising line", applied);
	}
	check_widened(r);
}

/* NUMAD_INJECT_FAULT=permanent:1: one permanent failure, and the guest is left alone from then on. */
static void check_permanent(struct sim_result *r)
{
	int at = -1, n = 0;
	struct advice a;

	for (int i = 0; i < r->log.n; i++)
		if (is_outcome(&r->log, i, "Failed permanently, no longer managed:", "vm1")) {
			n++;
			if (at < 0)
				at = i;
		}
	if (n != 1 || at < 1 || !parse_advice(r->log.line[at - 1], &a) || a.pid <= 0) {
		dump_log(&r->log);
		fail_msg("want one 'Failed permanently, no longer managed' for vm1 after its Advising line; got %d", n);
	}
	if (count_guest_advice(&r->log, at + 1, a.pid) != 0) {
		dump_log(&r->log);
		fail_msg("numad advised pid %ld again after it stopped managing it", a.pid);
	}
	if (count_prefix(&r->log, "Applied through libvirt:", "vm1") != 0) {
		dump_log(&r->log);
		fail_msg("a guest that failed permanently was still moved");
	}
}

/*
 * NUMAD_INJECT_FAULT=disconnect:2:50 on outage.scn: vm1's urgent extension is decided while
 * libvirt is away (an Advising line followed by "Failed, will retry" between the lost
 * connection and the reconnection), and applied once libvirt is back: the first decision
 * for vm1 after the reconnection is an urgent widening from its start node to a superset
 * with that node's nearest node, "Applied through libvirt", and vm1 then gets all it grows
 * to instead of being OOM-killed.
 */
static void check_outage(struct sim_result *r)
{
	const struct scen_start *g = scen_guest(&r->scen, "vm1");
	uint64_t from = nodes_of(g->nodes), want;
	int lost = find_line(&r->log, 0, "libvirt connection to ", "lost"), back, pending = -1, after = -1;
	struct advice a;

	want = from | (1ULL << nearest_node(&r->host, __builtin_ctzll(from)));
	back = lost >= 0 ? find_line(&r->log, lost + 1, "connected to libvirt", NULL) : -1;
	if (lost < 0 || back < 0) {
		dump_log(&r->log);
		fail_msg("want the libvirt connection lost (line %d) and connected again (line %d)", lost, back);
	}
	for (int i = lost + 1; i < back && pending < 0; i++)
		if (parse_advice(r->log.line[i], &a) && a.pid > 0 && a.from == from && (a.to & want) == want &&
		    is_outcome(&r->log, i + 1, "Failed, will retry:", "vm1") && strstr(r->log.line[i + 1], "urgent move"))
			pending = i;
	for (int i = back + 1; i < r->log.n && after < 0; i++)
		if (parse_advice(r->log.line[i], &a) && a.pid > 0)
			after = i;
	if (pending < 0) {
		dump_log(&r->log);
		fail_msg("no urgent widening of vm1 from nodes %s decided (and failed for now) while libvirt was away",
			 g->nodes);
	}
	if (after < 0 || a.from != from || (a.to & want) != want ||
	    !is_outcome(&r->log, after + 1, "Applied through libvirt:", "vm1") ||
	    !strstr(r->log.line[after + 1], "urgent move")) {
		dump_log(&r->log);
		fail_msg("the first decision after libvirt came back (line %d) is not vm1's urgent widening from nodes "
			 "%s, applied", after, g->nodes);
	}
	check_growth(r);
	check_widened_urgent(r);
}

/*
 * Whether the decision whose Advising line is line i was carried out as an urgent move of
 * vm1: its next line is "Applied through libvirt" for an urgent move (one nodeset write), or
 * "Staging through libvirt" for one (widened, pages moving) and vm1's next outcome line after
 * it, before any other decision for vm1, is that move's "Applied through libvirt: ...
 * staged: M of N MB moved; nodeset ..." naming the Advising line's target.
 */
static bool urgent_move_applied(const struct log *lg, int i, const struct advice *a)
{
	if (is_outcome(lg, i + 1, "Applied through libvirt:", "vm1") && strstr(lg->line[i + 1], "urgent move"))
		return true;
	if (!is_outcome(lg, i + 1, "Staging through libvirt:", "vm1") || !strstr(lg->line[i + 1], "urgent move"))
		return false;
	for (int k = i + 2; k < lg->n; k++) {
		struct advice next;
		const char *set;
		if (parse_advice(lg->line[k], &next) && next.pid == a->pid)
			return false;
		if (!strstr(lg->line[k], "domain vm1, urgent move: "))
			continue;
		set = strstr(lg->line[k], "; nodeset ");
		return is_outcome(lg, k, "Applied through libvirt:", "vm1") && strstr(lg->line[k], "staged: ") && set &&
		       nodes_of(set + strlen("; nodeset ")) == a->to;
	}
	return false;
}

/*
 * spread.scn: vm1 spans two nodes and a process bound to one of them (the scenario's
 * oom=1 hog) runs it out. vm1 lives because an urgent move took it off that node in time:
 * an "Advising ... move from nodes (A) to nodes (B)" whose A holds the crowded node and
 * B does not, carried out as an urgent move (urgent_move_applied); vm1 ends running, on
 * nodes without it.
 */
static void check_moved_off(struct sim_result *r)
{
	int x = r->scen.bound_node;
	struct row row;

	assert_true(x >= 0);
	for (int i = 0; i < r->log.n; i++) {
		struct advice a;
		if (!parse_advice(r->log.line[i], &a) || a.pid <= 0)
			continue;
		if ((a.from & (1ULL << x)) && !(a.to & (1ULL << x)) && a.to && urgent_move_applied(&r->log, i, &a)) {
			must_row(r->run.out, "vm1", &row);
			assert_string_equal(row.fate, "running");
			if (nodes_of(row.nodes) & (1ULL << x))
				fail_msg("vm1 ends on nodes %s, which hold the crowded node %d again", row.nodes, x);
			return;
		}
	}
	dump_log(&r->log);
	fail_msg("no urgent move of vm1 off node %d (from a set holding it to one without it), applied", x);
}

/*
 * ownload.scn: vm1 keeps 8 of its node's 10 CPUs busy itself and fits the node's memory.
 * Counted as competition, its own load would leave its node 0.5 idle CPUs at the 85%
 * target and push it onto a pair; counted as its own, the node holds it. numad must not
 * advise it anywhere: vm1 ends running on its start nodes.
 */
static void check_stays(struct sim_result *r)
{
	const struct scen_start *g = scen_guest(&r->scen, "vm1");
	struct row row;

	if (count_guest_advice(&r->log, 0, 0) != 0) {
		dump_log(&r->log);
		fail_msg("numad advised a move of vm1, which fits its node and only its own load keeps the CPUs busy");
	}
	must_row(r->run.out, "vm1", &row);
	assert_string_equal(row.fate, "running");
	if (nodes_of(row.nodes) != nodes_of(g->nodes))
		fail_msg("vm1 ends on nodes %s, want %s", row.nodes, g->nodes);
}

/*
 * firsttouch.scn: vm1 touches all 8 GB it was given at start, on a node with room for it.
 * That is not runaway growth: numad must advise no move at all, and vm1 ends running on
 * the one node it started on.
 */
static void check_first_touch(struct sim_result *r)
{
	struct row row;

	if (count_guest_advice(&r->log, 0, 0) != 0) {
		dump_log(&r->log);
		fail_msg("numad advised a move of vm1, whose node holds all it will ever touch");
	}
	must_row(r->run.out, "vm1", &row);
	assert_string_equal(row.fate, "running");
	if (popcount64(nodes_of(row.nodes)) != 1)
		fail_msg("vm1 ends on nodes %s, want the one node it started on", row.nodes);
}

/*
 * moveoff.scn: vm1 on nodes 0-1 is moved off node 0, which a bound process runs out, and
 * only once: exactly one decision for vm1, from a set holding node 0 to one without it,
 * and vm1 ends running there. Its own pages arriving on the new node must not send it
 * back.
 */
static void check_moved_off_once(struct sim_result *r)
{
	int x = r->scen.bound_node, first = -1;
	struct advice a, move = { 0 };
	struct row row;

	assert_true(x >= 0);
	for (int i = 0; i < r->log.n; i++)
		if (parse_advice(r->log.line[i], &a) && a.pid > 0 && first < 0) {
			first = i;
			move = a;
		}
	if (first < 0 || !(move.from & (1ULL << x)) || (move.to & (1ULL << x)) || !move.to) {
		dump_log(&r->log);
		fail_msg("vm1's first decision (line %d) is not a move from a set with node %d to one without it", first, x);
	}
	if (count_guest_advice(&r->log, first + 1, move.pid) != 0) {
		dump_log(&r->log);
		fail_msg("vm1 was moved again after it left node %d", x);
	}
	must_row(r->run.out, "vm1", &row);
	assert_string_equal(row.fate, "running");
	if (nodes_of(row.nodes) != move.to)
		fail_msg("vm1 ends on nodes %s, not where its one move took it: '%s'", row.nodes, r->log.line[first]);
}

/*
 * supersede.scn: the big guest's staged consolidation stops for an urgent move: a
 * "Stopped: domain big, consolidate move: staged: ... (widened): an urgent move came
 * first", and big's next decision after it is an urgent move from the widened set it was
 * left on (the consolidation's nodes together), carried out. Nothing is OOM-killed (the
 * table's bounds), and big ends running.
 */
static void check_superseded(struct sim_result *r)
{
	uint64_t widened = nodes_of(scen_guest(&r->scen, "big")->nodes);
	int stop = -1;
	struct row row;

	for (int i = 0; i < r->log.n && stop < 0; i++)
		if (is_outcome(&r->log, i, "Stopped:", "big") && strstr(r->log.line[i], "consolidate move: staged: ") &&
		    strstr(r->log.line[i], "(widened): an urgent move came first"))
			stop = i;
	if (stop < 0) {
		dump_log(&r->log);
		fail_msg("big's staged consolidation did not stop for an urgent move");
	}
	for (int i = stop + 1; i + 1 < r->log.n; i++) {
		struct advice a;
		if (!parse_advice(r->log.line[i], &a) || a.pid <= 0 || !strstr(r->log.line[i + 1], "domain big,"))
			continue;
		if (a.from != widened || !strstr(r->log.line[i + 1], "urgent move") ||
		    (!is_outcome(&r->log, i + 1, "Applied through libvirt:", "big") &&
		     !is_outcome(&r->log, i + 1, "Staging through libvirt:", "big"))) {
			dump_log(&r->log);
			fail_msg("big's decision after the stop is not an urgent move from %s carried out: '%s' / '%s'",
				 scen_guest(&r->scen, "big")->nodes, r->log.line[i], r->log.line[i + 1]);
		}
		must_row(r->run.out, "big", &row);
		assert_string_equal(row.fate, "running");
		return;
	}
	dump_log(&r->log);
	fail_msg("no decision for big after its consolidation stopped");
}

/*
 * The simulator's safety line, each count 0: no empty nodeset, no restrictive guest
 * OOM-killed while another node had room (a start storm's victims included), no strict
 * nodeset changed, and no guest placed where what was promised already could not hold it.
 */
static void check_safe(const struct sim_result *r)
{
	const char *p = strstr(r->run.out, "safety: ");
	unsigned a, b, c, d;

	if (!p || sscanf(p, "safety: %u empty or offline nodesets, %u restrictive guests OOM-killed with room "
			    "elsewhere, %u strict nodesets changed, %u guests placed",
			 &a, &b, &c, &d) != 4)
		fail_msg("no safety line in the summary:\n%s", r->run.out);
	if (a || b || c || d) {
		dump_log(&r->log);
		fail_msg("the simulation was not safe: %.*s", (int)strcspn(p, "\n"), p);
	}
}

/* The nodes guest PREFIX<i> ends on; fails unless it ends running. */
static uint64_t running_on(const struct sim_result *r, const char *prefix, int i)
{
	char name[16];
	struct row row;

	snprintf(name, sizeof(name), "%s%d", prefix, i);
	must_run(r->run.out, name, &row);
	return nodes_of(row.nodes);
}

/*
 * storm3.scn: three 10 GB guests started at once on four 16 GB nodes. No node holds two
 * (20 GB), so each must end running on a node of its own.
 */
static void check_storm3(struct sim_result *r)
{
	uint64_t seen = 0;

	check_safe(r);
	for (int i = 1; i <= 3; i++) {
		uint64_t set = running_on(r, "s", i);

		if (popcount64(set) != 1 || (seen & set))
			fail_msg("s%d ends on nodes %llx (a mask): want one node no other storm guest has\n%s", i,
				 (unsigned long long)set, r->run.out);
		seen |= set;
	}
}

/*
 * storm200.scn: 200 guests of 64 MB at time 0 on four equal nodes. Spread by what each node
 * offers, each node gets about a quarter (50); any node with fewer than 25 or more than 75
 * was not counted as taken by the answers before.
 */
static void check_storm200(struct sim_result *r)
{
	int per[4] = { 0 };

	check_safe(r);
	for (int i = 1; i <= 200; i++) {
		uint64_t set = running_on(r, "g", i);

		for (int n = 0; n < 4; n++)
			per[n] += (set >> n) & 1;
	}
	for (int n = 0; n < 4; n++)
		if (per[n] < 25 || per[n] > 75)
			fail_msg("node %d holds %d of the 200 storm guests, want 25-75 (nodes 0-3: %d %d %d %d)", n, per[n],
				 per[0], per[1], per[2], per[3]);
}

/* Every guest PREFIX1..PREFIXn of the scenario ends running, and the run was safe. */
static void check_all_running(struct sim_result *r, const char *prefix, int n)
{
	check_safe(r);
	for (int i = 1; i <= n; i++)
		running_on(r, prefix, i);
}

/* stormmix.scn: 64 mixed guests at 10 a second: all running, and safe. */
static void check_stormmix(struct sim_result *r)
{
	check_all_running(r, "m", 64);
}

/* many.scn: 1,000 guests of 512 MB at 20 a second: all start and run, and safe. */
static void check_many(struct sim_result *r)
{
	check_all_running(r, "v", 1000);
}

/* How many times numad read guest name's memory.numa_stat: the last column of its summary row. */
static long numa_stat_reads_of(const struct sim_result *r, const char *name)
{
	const char *p = strstr(r->run.out, "simulation summary");

	for (p = p ? strchr(p, '\n') : NULL; p && *++p; p = strchr(p, '\n')) {
		struct row x;
		long reads;
		if (sscanf(p, "%63s %31s %63s %lf %31s %ld", x.name, x.mode, x.nodes, &x.peak_mb, x.fate, &reads) == 6 &&
		    strcmp(x.name, name) == 0)
			return reads;
	}
	fail_msg("the summary gives no memory.numa_stat reads for %s:\n%s", name, r->run.out);
	return -1;
}

/*
 * quiet.scn: 16 idle guests of 512 MB, two on each of the EPYC's 8 nodes, over 60 s; from
 * 20 s to 52 s another process takes 4 GB of node 3 at 128 MB/s. A quiet guest's
 * memory.numa_stat is read once every 2 s, about 30 times in the run (18-45 allowed), where
 * a read at every fast tick would make as many reads as ticks (about 240 at 250 ms). The two
 * guests on node 3 (q4, q12) are read at every tick while it declines: at least 80% of the
 * ticks of those 32 s.
 */
static void check_quiet(struct sim_result *r)
{
	const char *p = strstr(r->run.out, "numad ran ");
	double ticks = p ? strtod(p + strlen("numad ran "), NULL) : 0, declining = ticks * 32.0 / 60.0;
	long quiet = 0, nquiet = 0;

	check_safe(r);
	if (ticks < 100)
		fail_msg("numad ran %.0f fast ticks in 60 s, want about 240:\n%s", ticks, r->run.out);
	for (int i = 1; i <= 16; i++) {
		char name[16];
		long reads;

		snprintf(name, sizeof(name), "q%d", i);
		running_on(r, "q", i);
		reads = numa_stat_reads_of(r, name);
		if ((i - 1) % 8 == 3 && reads < 0.8 * declining)
			fail_msg("%s, on node 3 while it declined for 32 s (%.0f of %.0f ticks), was read %ld times: want "
				 "at least %.0f\n%s", name, declining, ticks, reads, 0.8 * declining, r->run.out);
		if ((i - 1) % 8 != 3 && (reads < 18 || reads > 45))
			fail_msg("quiet %s was read %ld times in 60 s (%.0f fast ticks): want about 30, one every 2 s\n%s",
				 name, reads, ticks, r->run.out);
		if ((i - 1) % 8 != 3) {
			quiet += reads;
			nquiet++;
		}
	}
	print_message("quiet: %ld quiet guests read %.2f times a second each; fast ticks %.1f a second\n", nquiet,
		      (double)quiet / (double)nquiet / 60.0, ticks / 60.0);
}

/*
 * quietmany.scn: 400 idle guests of 256 MB on seven of the EPYC's 8 nodes, for 200 s, there
 * when numad starts. numad(8): with more than 100 guests a quiet guest is read as often as 50
 * reads a second allow, every 400 / 50 = 8 s: 25 reads in 200 s. Every guest must be read
 * at about that pace: at most 1.3 times it, and none left unread for long, at least half of
 * it (a read comes at the first tick after its 8 s, and the loop may fall behind at 20x). At
 * the 2 s of a small host it would be about 100 (the binary before the cap: 85 on average).
 */
static void check_quietmany(struct sim_result *r)
{
	const double period_s = 400 / 50.0, want = 200 / period_s;
	long most = 0, least = LONG_MAX, sum = 0;

	check_safe(r);
	for (int i = 1; i <= 400; i++) {
		char name[16];
		long reads;

		snprintf(name, sizeof(name), "m%d", i);
		reads = numa_stat_reads_of(r, name);
		if (reads < 0.5 * want || reads > 1.3 * want)
			fail_msg("quiet %s was read %ld times in 200 s: want %.0f to %.0f, one every %.0f s\n%s", name,
				 reads, 0.5 * want, 1.3 * want, period_s, r->run.out);
		most = reads > most ? reads : most;
		least = reads < least ? reads : least;
		sum += reads;
	}
	print_message("quietmany: 400 quiet guests read %ld to %ld times in 200 s, %.1f on average\n", least, most,
		      (double)sum / 400.0);
}

/* Full scans (and so consolidation) too rare to act within a scenario: only the fast tier's urgent path can act. */
#define FAST_TIER_ONLY "-i", "60:60"

/*
 * pileup.scn: three guests on the same two nodes must all leave one of them at once. Each
 * guest has at most one urgent move (none back), none ends where its pages would not fit,
 * and no node ends holding more whole guests than its free memory less its hogs takes.
 */
static void check_pileup(struct sim_result *r)
{
	double whole[MAX_NODES] = { 0 };

	check_safe(r);
	for (int i = 0; i < r->log.n; i++)
		if (strstr(r->log.line[i], "would not move") || strstr(r->log.line[i], "would not leave")) {
			dump_log(&r->log);
			fail_msg("a staged move's pages did not fit where it took them: '%s'", r->log.line[i]);
		}
	for (int k = 0; k < r->scen.nstart; k++) {
		const char *name = r->scen.start[k].name;
		char dom[80];
		struct row row;
		uint64_t set;
		int moves = 0;

		snprintf(dom, sizeof(dom), "domain %s,", name);
		for (int i = 0; i + 1 < r->log.n; i++) {
			struct advice a;
			if (parse_advice(r->log.line[i], &a) && a.pid > 0 && strstr(r->log.line[i + 1], dom) &&
			    strstr(r->log.line[i + 1], "urgent move"))
				moves++;
		}
		if (moves > 1) {
			dump_log(&r->log);
			fail_msg("%s had %d urgent moves, want one: its first destination could not hold it", name,
				 moves);
		}
		must_run(r->run.out, name, &row);
		set = nodes_of(row.nodes);
		if (popcount64(set) == 1)
			whole[__builtin_ctzll(set)] += row.peak_mb;
	}
	for (int i = 0; i < r->host.n; i++) {
		int id = r->host.id[i];
		double room = (double)r->host.free_mb[i] - r->scen.hog_mb[id];
		if (whole[id] > room)
			fail_msg("node %d ends holding %.0f MB of whole guests, but has %.0f MB free less its hogs\n%s", id,
				 whole[id], room, r->run.out);
	}
}

/*
 * herd.scn: three guests that must leave one node in the same tick, with room elsewhere for
 * one on each of three nodes. Each restrictive guest is moved once, and no node besides
 * the one they started on ends in the nodesets of two of them.
 */
static void check_herd(struct sim_result *r)
{
	uint64_t taken = 0, start = 0;

	check_safe(r);
	for (int k = 0; k < r->scen.nstart; k++)
		if (strcmp(r->scen.start[k].mode, "restrictive") == 0)
			start |= nodes_of(r->scen.start[k].nodes);
	for (int k = 0; k < r->scen.nstart; k++) {
		const char *name = r->scen.start[k].name;
		struct row row;
		uint64_t more;
		int moves;

		if (strcmp(r->scen.start[k].mode, "restrictive") != 0)
			continue;
		moves = count_prefix(&r->log, "Applied through libvirt:", name);
		if (moves != 1) {
			dump_log(&r->log);
			fail_msg("%s was moved %d times, want once: a node that holds one guest was given to more", name,
				 moves);
		}
		must_run(r->run.out, name, &row);
		more = nodes_of(row.nodes) & ~start;
		if (more & taken) {
			dump_log(&r->log);
			fail_msg("%s ends on nodes %s, which share a node with another guest that left node(s) with it\n%s",
				 name, row.nodes, r->run.out);
		}
		taken |= more;
	}
}

/*
 * fastfill.scn: six guests crowded one after another at 6 GB/s, more than the urgent burst
 * cap lets through. Each one's first decision is an extension from its node to a superset,
 * applied as an urgent move, and none is OOM-killed (the table's bounds). While nodes fill
 * that fast the fast tier ticks every 50 ms: it ran more ticks than half again what its
 * 250 ms period gives over the simulated time.
 */
static void check_fastfill(struct sim_result *r)
{
	const char *p = strstr(r->run.out, "numad ran ");
	const char *q = strstr(r->run.out, " s simulated;");
	double secs = 0;
	unsigned long ticks = 0;

	for (int k = 0; k < r->scen.nstart; k++) {
		const struct scen_start *g = &r->scen.start[k];
		uint64_t from = nodes_of(g->nodes);
		struct row row;
		int i;

		for (i = 0; i + 1 < r->log.n; i++) {
			struct advice a;
			char dom[80];
			snprintf(dom, sizeof(dom), "domain %s,", g->name);
			if (!parse_advice(r->log.line[i], &a) || a.pid <= 0 || !strstr(r->log.line[i + 1], dom))
				continue;
			if (a.from != from || (a.to & from) != from || a.to == from ||
			    !is_outcome(&r->log, i + 1, "Applied through libvirt:", g->name) ||
			    !strstr(r->log.line[i + 1], "urgent move")) {
				dump_log(&r->log);
				fail_msg("%s's first decision is not an urgent extension of nodes %s, applied: '%s' / '%s'",
					 g->name, g->nodes, r->log.line[i], r->log.line[i + 1]);
			}
			break;
		}
		if (i + 1 >= r->log.n) {
			dump_log(&r->log);
			fail_msg("no decision for %s, whose node filled at 6 GB/s", g->name);
		}
		must_row(r->run.out, g->name, &row);
		if (strcmp(row.fate, "OOM-killed") == 0)
			fail_msg("%s was OOM-killed\n%s", g->name, r->run.out);
	}
	while (q && q > r->run.out && q[-1] != ' ')
		q--;
	if (!p || !q || sscanf(p, "numad ran %lu fast ticks", &ticks) != 1 || sscanf(q, "%lf", &secs) != 1)
		fail_msg("no fast tick count or simulated time in the summary:\n%s", r->run.out);
	if ((double)ticks <= 1.5 * secs / 0.25)
		fail_msg("numad ran %lu fast ticks over %.0f s simulated, no more than %.0f at its 250 ms period: it did "
			 "not tick faster while nodes filled at 6 GB/s", ticks, secs, 1.5 * secs / 0.25);
}

static struct sim_case sim_cases[] = {
	{ "crowded: vm1 widened to its nearest node in time", "crowded.scn", { NULL }, NULL, SPEED_IN_TIME, 0, 0,
	  check_widened, NULL },
	{ "crowded, fast tier only: the urgent extension saves vm1", "crowded.scn", { FAST_TIER_ONLY, NULL }, NULL,
	  SPEED_IN_TIME, 0, 0, check_widened_urgent, NULL },
	{ "crowded, numad 0.5 timing: the baseline dies", "crowded.scn", { "--numad05-timing", NULL }, NULL,
	  SPEED_QUICK, 1, LONG_MAX, check_vm1_killed, NULL },
	{ "strict: warned, never moved, OOM-killed", "strict.scn", { NULL }, NULL, SPEED_IN_TIME, 1, 1, check_strict, NULL },
	{ "growth: vm1 gets all it grows to", "growth.scn", { NULL }, NULL, SPEED_IN_TIME, 0, 0, check_growth, NULL },
	{ "growth, numad 0.5 timing: the baseline dies", "growth.scn", { "--numad05-timing", NULL }, NULL,
	  SPEED_QUICK, 1, 1, check_vm1_killed, NULL },
	{ "fastcrowd: an urgent widening saves vm1", "fastcrowd.scn", { NULL }, NULL, SPEED_IN_TIME, 0, 0,
	  check_widened_urgent, NULL },
	{ "fastcrowd, numad 0.5 timing: the baseline dies", "fastcrowd.scn", { "--numad05-timing", NULL }, NULL,
	  SPEED_QUICK, 1, LONG_MAX, check_vm1_killed, NULL },
	{ "interleave: observed only, left on its nodes", "interleave.scn", { NULL }, NULL, SPEED_QUICK, 0, 0,
	  check_interleave, NULL },
	{ "lifecycle: every start managed, every stop logged", "lifecycle.scn", { NULL }, NULL, SPEED_IN_TIME, 0, 0,
	  check_lifecycle, NULL },
	{ "lost events: each start and stop seen within seconds", "lost.scn", { "-i", "1:1", NULL },
	  "NUMAD_INJECT_FAULT=noevents", SPEED_IN_TIME, 0, 0, check_lost_events, NULL },
	{ "lost events: a stop and a start in one second, seen within the minute", "lostswap.scn", { "-i", "1:1", NULL },
	  "NUMAD_INJECT_FAULT=noevents", SPEED_QUICK, 0, 0, check_lost_events, NULL },
	{ "advise-only: advice logged, nothing changed, vm1 dies", "crowded.scn", { "--advise-only", NULL }, NULL,
	  SPEED_QUICK, 1, 1, check_advise_only, NULL },
	{ "transient:2: two retries, then applied", "crowded.scn", { NULL }, "NUMAD_INJECT_FAULT=transient:2",
	  SPEED_IN_TIME, 0, 0, check_transient, NULL },
	{ "permanent:1: given up on, never advised again", "crowded.scn", { NULL }, "NUMAD_INJECT_FAULT=permanent:1",
	  SPEED_QUICK, 0, LONG_MAX, check_permanent, NULL },
	{ "spread: vm1 moved off the node a bound process runs out, in time", "spread.scn", { NULL }, NULL,
	  SPEED_IN_TIME, 0, 0, check_moved_off, NULL },
	{ "spread, fast tier only: the urgent move saves vm1", "spread.scn", { FAST_TIER_ONLY, NULL }, NULL,
	  SPEED_IN_TIME, 0, 0, check_moved_off, NULL },
	{ "spread, advise-only: the bound allocation OOM-kills vm1", "spread.scn", { "--advise-only", NULL }, NULL,
	  SPEED_QUICK, 1, 1, check_vm1_killed, NULL },
	{ "spread, numad 0.5 timing: the baseline dies", "spread.scn", { "--numad05-timing", NULL }, NULL,
	  SPEED_QUICK, 1, 1, check_vm1_killed, NULL },
	{ "ownload: a guest's own CPU load does not push it off its node", "ownload.scn", { NULL }, NULL, SPEED_IN_TIME,
	  0, 0, check_stays, NULL },
	{ "firsttouch: a guest's first touch of its own memory is not runaway growth", "firsttouch.scn", { NULL }, NULL,
	  SPEED_IN_TIME, 0, 0, check_first_touch, NULL },
	{ "moveoff: moved off a crowded node once, to a node that holds it", "moveoff.scn", { FAST_TIER_ONLY, NULL }, NULL,
	  SPEED_IN_TIME, 0, 0, check_moved_off_once, NULL },
	{ "quietmoveoff: an idle guest, read every 2 s, moved off a crowded node once, in time", "quietmoveoff.scn",
	  { FAST_TIER_ONLY, NULL }, NULL, SPEED_IN_TIME, 0, 0, check_moved_off_once, NULL },
	{ "quiet: idle guests read every 2 s, those on a declining node at every tick", "quiet.scn", { NULL }, NULL,
	  SPEED_IN_TIME, 0, 0, check_quiet, "epyc-2s-nps4.txt" },
	{ "quietmany: with 400 guests a quiet guest is read every 8 s, at 50 reads a second", "quietmany.scn",
	  { NULL }, NULL, SPEED_QUICK, 0, 0, check_quietmany, "epyc-2s-nps4.txt" },
	{ "supersede: an urgent move does not wait for a staged consolidation, which stops widened", "supersede.scn",
	  { NULL }, NULL, SPEED_IN_TIME, 0, 0, check_superseded, "epyc-2s-nps4.txt" },
	{ "disconnect:2:50: an urgent extension decided while libvirt is away is applied once it is back", "outage.scn",
	  { FAST_TIER_ONLY, NULL }, "NUMAD_INJECT_FAULT=disconnect:2:50", SPEED_IN_TIME, 0, 0, check_outage, NULL },
	{ "storm3: three 10 GB guests started at once get a 16 GB node each", "storm3.scn", { NULL }, NULL, SPEED_QUICK,
	  0, 0, check_storm3, "4x16g.txt" },
	{ "storm200: 200 guests of 64 MB at time 0 spread over the four nodes", "storm200.scn", { NULL }, NULL,
	  SPEED_QUICK, 0, 0, check_storm200, "4x16g.txt" },
	{ "stormmix: 64 guests of 1-16 GB at 10 a second on the EPYC, none OOM-killed", "stormmix.scn", { NULL }, NULL,
	  SPEED_QUICK, 0, 0, check_stormmix, "epyc-2s-nps4.txt" },
	{ "pileup: three guests leaving one node at once do not all pick the same destination", "pileup.scn",
	  { FAST_TIER_ONLY, "--sim-bandwidth", "300", NULL }, NULL, SPEED_IN_TIME, 0, 0, check_pileup, "4x16g.txt" },
	{ "herd: three guests leaving a full node in the same tick take a node each, one move each", "herd.scn",
	  { NULL }, NULL, SPEED_IN_TIME, 0, 0, check_herd, "4x16g.txt" },
	{ "fastfill: six guests crowded at 6 GB/s in quick succession are all extended in time", "fastfill.scn",
	  { NULL }, NULL, SPEED_FILL, 0, 0, check_fastfill, NULL },
	{ "storm1000: 1,000 guests started at 20 a second on the EPYC all run, placed safely", "many.scn", { NULL }, NULL,
	  SPEED_QUICK, 0, 0, check_many, "epyc-2s-nps4.txt" },
};

#define NSIM (sizeof(sim_cases) / sizeof(sim_cases[0]))

/* The case being run; its teardown frees it even when an assertion ended the case early. */
static struct sim_result cur_sim;

static void test_scenario(void **state)
{
	struct sim_case *c = *state;
	struct sim_result *r = &cur_sim;
	char dir[64], logp[128], topo[PATH_MAX], scen[PATH_MAX], empty[] = "";
	const char *args[24];
	int n = 0;
	long ooms;

	memset(r, 0, sizeof(*r));
	r->c = c;
	read_topo_named(&r->host, c->topo ? c->topo : TOPO_FILE);
	read_scenario(c->scenario, &r->scen);
	make_tmpdir(dir, sizeof(dir));
	snprintf(logp, sizeof(logp), "%s/numad.log", dir);
	snprintf(topo, sizeof(topo), "%s/%s", TOPO_DIR, c->topo ? c->topo : TOPO_FILE);
	snprintf(scen, sizeof(scen), "%s/%s", SCEN_DIR, c->scenario);
	args[n++] = "--simulate";
	args[n++] = topo;
	args[n++] = "--scenario";
	args[n++] = scen;
	args[n++] = "--speed";
	args[n++] = c->speed;
	args[n++] = "--log";
	args[n++] = logp;
	args[n++] = "--socket";
	args[n++] = empty;
	args[n++] = "--pidfile";
	args[n++] = empty;
	args[n++] = "-F";
	for (size_t k = 0; k < NELEM(c->flags) && c->flags[k]; k++)
		args[n++] = c->flags[k];
	args[n] = NULL;

	run_numad(&r->run, args, c->inject, RUN_LIMIT_S);
	if (r->run.code == 0 && access(logp, F_OK) < 0)
		fail_msg("%s: numad wrote no log at %s", c->name, logp);
	if (access(logp, F_OK) == 0)
		read_log(logp, &r->log);
	rm_tree(dir);
	if (r->run.code != 0) {
		dump_log(&r->log);
		fail_msg("%s: numad exited %d at the scenario's end, want 0; stderr tail:\n%s", c->name, r->run.code,
			 strlen(r->run.err) > 4000 ? r->run.err + strlen(r->run.err) - 4000 : r->run.err);
	}
	ooms = oom_kills(r->run.out);
	if (ooms < c->oom_min || ooms > c->oom_max) {
		dump_log(&r->log);
		fail_msg("%s: 'OOM kills: %ld', want %ld..%ld\n%s", c->name, ooms, c->oom_min, c->oom_max, r->run.out);
	}
	c->check(r);
}

/* Runs after each scenario case, passed or failed: nothing it read stays allocated. */
static int scenario_teardown(void **state)
{
	(void)state;
	free_log(&cur_sim.log);
	run_free(&cur_sim.run);
	return 0;
}

/* ---- a running daemon ---- */

struct daemon {
	pid_t pid;
	char dir[64];
	char sock[128], pidf[128], logp[128], scen[128], outp[128], errp[128];
};

static void daemon_paths(struct daemon *d)
{
	make_tmpdir(d->dir, sizeof(d->dir));
	snprintf(d->sock, sizeof(d->sock), "%s/sock", d->dir);
	snprintf(d->pidf, sizeof(d->pidf), "%s/pid", d->dir);
	snprintf(d->logp, sizeof(d->logp), "%s/numad.log", d->dir);
	snprintf(d->scen, sizeof(d->scen), "%s/long.scn", d->dir);
	snprintf(d->outp, sizeof(d->outp), "%s/out", d->dir);
	snprintf(d->errp, sizeof(d->errp), "%s/err", d->dir);
	write_text(d->scen, long_scenario);
}

static void daemon_fail(struct daemon *d, const char *what)
{
	char *err = slurp(d->errp);

	if (d->pid > 0 && still_running(d->pid, NULL))
		stop_process(d->pid, 5000);
	d->pid = 0;
	print_error("---- daemon stderr ----\n%s\n", err ? err : "(none)");
	free(err);
	fail_msg("%s", what);
}

/*
 * Start the daemon on the long scenario at real speed (the scenario never ends during a
 * test) with a control socket and a pid file in its private directory, and wait until
 * its socket accepts a connection.
 */
static void daemon_start(struct daemon *d)
{
	char topo[PATH_MAX];
	const char *args[] = { "--simulate", topo, "--scenario", d->scen, "--speed", "1", "--log", d->logp,
			       "--socket", d->sock, "--pidfile", d->pidf, "-F", NULL };
	int64_t deadline = mono_ms() + READY_LIMIT_MS;
	int code = 0;

	snprintf(topo, sizeof(topo), "%s/%s", TOPO_DIR, TOPO_FILE);
	d->pid = spawn_numad(args, NULL, d->outp, d->errp, 600);
	for (;;) {
		int fd;
		if (!still_running(d->pid, &code)) {
			char msg[128];
			d->pid = 0;
			snprintf(msg, sizeof(msg), "the daemon exited %d before its socket was ready", code);
			daemon_fail(d, msg);
		}
		if ((fd = connect_unix(d->sock)) >= 0) {
			close(fd);
			return;
		}
		if (mono_ms() > deadline)
			daemon_fail(d, "the control socket did not appear");
		sleep_ms(50);
	}
}

/* SIGTERM the daemon: it must exit 0 and take its socket and pid file with it. */
static void daemon_stop(struct daemon *d)
{
	struct stat st;
	int code;

	assert_true(d->pid > 0);
	assert_int_equal(kill(d->pid, SIGTERM), 0);
	code = wait_exit(d->pid, STOP_LIMIT_S * 1000);
	d->pid = 0;
	if (code != 0) {
		char *err = slurp(d->errp);
		fail_msg("after SIGTERM numad exited %d, want 0; stderr:\n%s", code, err ? err : "");
	}
	if (lstat(d->sock, &st) == 0)
		fail_msg("numad left its socket %s behind after SIGTERM", d->sock);
	if (lstat(d->pidf, &st) == 0)
		fail_msg("numad left its pid file %s behind after SIGTERM", d->pidf);
}

/* After a failure: stop a daemon still running (SIGTERM lets it remove its simulated host), then the files. */
static void daemon_cleanup(struct daemon *d)
{
	if (d->pid > 0) {
		if (stop_process(d->pid, 5000) < 0)
			print_message("note: numad pid %d ignored SIGTERM and was killed\n", (int)d->pid);
		d->pid = 0;
	}
	rm_tree(d->dir);
}

/* ---- raw control-socket client ---- */

/* One line (without the newline) within IO_LIMIT_MS, malloc'd; NULL on timeout or EOF. */
static char *read_reply(int fd)
{
	char *buf = malloc(REPLY_MAX);

	assert_non_null(buf);
	if (read_line(fd, buf, REPLY_MAX, IO_LIMIT_MS) == GOT_LINE)
		return buf;
	free(buf);
	return NULL;
}

static struct json_object *read_json(int fd, const char *after)
{
	char *line = read_reply(fd);
	struct json_object *o;

	if (!line)
		fail_msg("no reply line from numad after %s", after);
	o = json_tokener_parse(line);
	if (!o || !json_object_is_type(o, json_type_object))
		fail_msg("reply to %s is not a JSON object: '%s'", after, line);
	free(line);
	return o;
}

static struct json_object *member(struct json_object *o, const char *key, json_type type, const char *ctx)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, type))
		fail_msg("%s: no \"%s\" of the right type in %s", ctx, key, json_object_to_json_string(o));
	return v;
}

/* A status reply: "id" echoed, "return" with the host's nodes and the guests, vm1 among them. */
static void check_status_reply(struct json_object *rep, int id, const struct host *h)
{
	struct json_object *ret = member(rep, "return", json_type_object, "status"), *nodes, *guests;
	bool vm1 = false;

	assert_int_equal(json_object_get_int(member(rep, "id", json_type_int, "status")), id);
	nodes = member(ret, "nodes", json_type_array, "status");
	guests = member(ret, "guests", json_type_array, "status");
	if ((int)json_object_array_length(nodes) != h->n)
		fail_msg("status lists %d nodes, the DL980 has %d", (int)json_object_array_length(nodes), h->n);
	for (size_t i = 0; i < json_object_array_length(guests); i++) {
		struct json_object *g = json_object_array_get_idx(guests, i), *v;
		json_object_object_foreach(g, key, val) {
			(void)key;
			v = val;
			if (json_object_is_type(v, json_type_string) && strcmp(json_object_get_string(v), "vm1") == 0)
				vm1 = true;
		}
	}
	if (!vm1)
		fail_msg("status lists no guest vm1: %s", json_object_to_json_string(ret));
}

/* An error reply: "error" with a "class" and a "desc" string. */
static void check_error_reply(struct json_object *rep, const char *ctx)
{
	struct json_object *e = member(rep, "error", json_type_object, ctx);

	member(e, "class", json_type_string, ctx);
	if (!json_object_get_string_len(member(e, "desc", json_type_string, ctx)))
		fail_msg("%s: empty error desc", ctx);
	if (json_object_object_get_ex(rep, "return", NULL))
		fail_msg("%s: an error reply that also has \"return\"", ctx);
}

/* The running daemon and the last client run of the case; its teardown cleans up after a failure too. */
static struct daemon cur_daemon;
static struct run cur_run;

/* A log read by a running-daemon case, freed by the teardown even after a failed assertion. */
static struct log cur_log;

static int daemon_teardown(void **state)
{
	(void)state;
	free_log(&cur_log);
	run_free(&cur_run);
	if (cur_daemon.dir[0])
		daemon_cleanup(&cur_daemon);
	memset(&cur_daemon, 0, sizeof(cur_daemon));
	return 0;
}

/*
 * -w with a daemon running: the answer comes from the daemon's (simulated DL980) view, not
 * from this host, so it is a pair of DL980 nodes at the SLIT's nearest distance. The raw
 * protocol: greeting, status with an id, errors for garbage and unknown commands that
 * leave the connection usable, clients that hang up mid-reply, and a clean SIGTERM.
 */
static void test_running_daemon(void **state)
{
	struct daemon *d = &cur_daemon;
	struct host h;
	struct run *r = &cur_run;
	struct json_object *rep;
	char empty[] = "";
	const char *wargs[] = { "-w", "4:20000", "--socket", d->sock, "--log", empty, NULL };
	uint64_t set;
	int fd, a, b, near = 99;
	(void)state;

	read_topo_file(&h);
	for (int i = 0; i < h.n; i++)
		for (int j = 0; j < h.n; j++)
			if (i != j && h.dist[i][j] < near)
				near = h.dist[i][j];
	daemon_paths(d);
	daemon_start(d);

	/* -w through the daemon */
	run_numad(r, wargs, NULL, CLIENT_LIMIT_S);
	if (r->code != 0 || !parse_nodes(r->out, strcspn(r->out, "\n"), &set) ||
	    strlen(r->out) != strcspn(r->out, "\n") + 1) {
		char msg[1024];
		snprintf(msg, sizeof(msg),
			 "numad -w 4:20000 with a running daemon: exit %d, stdout '%.200s', stderr '%.400s'; "
			 "want exit 0 and one bare node list",
			 r->code, r->out, r->err);
		daemon_fail(d, msg);
	}
	if (popcount64(set) != 2)
		fail_msg("-w 4:20000 answered '%s': want two DL980 nodes (20000 MB fits no 16 GB node)", r->out);
	a = __builtin_ctzll(set);
	b = 63 - __builtin_clzll(set);
	if (distance(&h, a, b) != near)
		fail_msg("-w 4:20000 answered nodes %d and %d at distance %d; the nearest pair is at %d", a, b,
			 distance(&h, a, b), near);
	run_free(r);

	/* the raw protocol */
	fd = connect_unix(d->sock);
	assert_true(fd >= 0);
	rep = read_json(fd, "connecting");
	member(rep, "numad", json_type_object, "greeting");
	json_object_put(rep);

	send_all(fd, "{\"cmd\":\"status\",\"id\":7}\n");
	rep = read_json(fd, "status");
	check_status_reply(rep, 7, &h);
	json_object_put(rep);

	send_all(fd, "not json\n");
	rep = read_json(fd, "'not json'");
	check_error_reply(rep, "not json");
	json_object_put(rep);

	send_all(fd, "{\"cmd\":\"no-such-command\",\"id\":8}\n");
	rep = read_json(fd, "an unknown command");
	check_error_reply(rep, "unknown command");
	assert_int_equal(json_object_get_int(member(rep, "id", json_type_int, "unknown command")), 8);
	json_object_put(rep);

	send_all(fd, "{\"cmd\":\"status\",\"id\":9}\n");
	rep = read_json(fd, "status after errors");
	check_status_reply(rep, 9, &h);
	json_object_put(rep);
	close(fd);

	/* Clients that hang up before reading their greeting or reply must not harm the daemon. */
	for (int i = 0; i < 50; i++) {
		int c = connect_unix(d->sock);
		if (c < 0)
			daemon_fail(d, "the daemon stopped accepting while clients hung up");
		if (i % 2)
			send(c, "{\"cmd\":\"status\",\"id\":1}\n", 25, MSG_NOSIGNAL);
		close(c);
	}
	sleep_ms(200);
	if (!still_running(d->pid, &a)) {
		d->pid = 0;
		daemon_fail(d, "the daemon died when clients hung up on it");
	}
	fd = connect_unix(d->sock);
	assert_true(fd >= 0);
	json_object_put(read_json(fd, "connecting after hang-ups"));
	send_all(fd, "{\"cmd\":\"status\",\"id\":10}\n");
	rep = read_json(fd, "status after hang-ups");
	check_status_reply(rep, 10, &h);
	json_object_put(rep);
	close(fd);

	daemon_stop(d);
}

/* SIGHUP reopens the log: after a rotation (rename) the file is re-created where it was. */
static void test_sighup_reopens_log(void **state)
{
	struct daemon *d = &cur_daemon;
	char rotated[PATH_MAX], *text, *old;
	(void)state;

	daemon_paths(d);
	daemon_start(d);
	snprintf(rotated, sizeof(rotated), "%s.1", d->logp);
	assert_int_equal(rename(d->logp, rotated), 0);
	assert_int_equal(kill(d->pid, SIGHUP), 0);
	if (wait_for_text(d->logp, "SIGHUP: log reopened", 1, IO_LIMIT_MS, 0) < 0)
		daemon_fail(d, access(d->logp, F_OK) == 0 ? "the re-created log never got 'SIGHUP: log reopened'"
							  : "SIGHUP did not re-create the log at its path");
	text = must_slurp(d->logp);
	assert_true(is_ctime_prefix(text));
	old = must_slurp(rotated);
	if (strstr(old, "SIGHUP: log reopened"))
		fail_msg("after SIGHUP numad still wrote to the rotated file");
	free(old);
	free(text);
	daemon_stop(d);
}

/* A second daemon refuses to start on the same socket, and on the same pid file, leaving the first alone. */
static void test_second_daemon_refused(void **state)
{
	struct daemon *d = &cur_daemon;
	char topo[PATH_MAX], sock2[PATH_MAX], pidbefore[64], *pidtext, empty[] = "";
	const char *same_sock[] = { "--simulate", topo, "--scenario", d->scen, "--speed", "1", "--log", empty,
				    "--socket", d->sock, "--pidfile", empty, "-F", NULL };
	const char *same_pid[] = { "--simulate", topo, "--scenario", d->scen, "--speed", "1", "--log", empty,
				   "--socket", sock2, "--pidfile", d->pidf, "-F", NULL };
	static const struct {
		const char *what;
		int which;  /* 0: same socket, 1: same pid file */
	} cases[] = { { "same --socket", 0 }, { "same --pidfile", 1 } };
	struct stat st;
	int fd;
	(void)state;

	snprintf(topo, sizeof(topo), "%s/%s", TOPO_DIR, TOPO_FILE);
	daemon_paths(d);
	snprintf(sock2, sizeof(sock2), "%s/sock2", d->dir);
	daemon_start(d);
	pidtext = must_slurp(d->pidf);
	snprintf(pidbefore, sizeof(pidbefore), "%s", pidtext);
	free(pidtext);
	assert_int_equal(atoi(pidbefore), (int)d->pid);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *names = cases[i].which ? d->pidf : d->sock;
		struct run *r = &cur_run;

		run_numad(r, cases[i].which ? same_pid : same_sock, NULL, CLIENT_LIMIT_S);
		if (r->code == 0)
			fail_msg("%s: a second daemon started (exit 0) while the first runs", cases[i].what);
		if (!strstr(r->err, names))
			fail_msg("%s: the refusal does not name %s:\n%s", cases[i].what, names, r->err);
		run_free(r);
		if (!still_running(d->pid, NULL)) {
			d->pid = 0;
			daemon_fail(d, "the first daemon died when a second one tried to start");
		}
	}
	/* the first daemon keeps its socket and pid file, and still answers */
	if (lstat(d->sock, &st) < 0 || !S_ISSOCK(st.st_mode))
		fail_msg("the refused daemon took the first one's socket away");
	pidtext = must_slurp(d->pidf);
	assert_int_equal(atoi(pidtext), (int)d->pid);
	free(pidtext);
	if (lstat(sock2, &st) == 0)
		fail_msg("the daemon refused for its pid file left a socket at %s", sock2);
	fd = connect_unix(d->sock);
	assert_true(fd >= 0);
	json_object_put(read_json(fd, "connecting after the refusals"));
	send_all(fd, "{\"cmd\":\"status\",\"id\":3}\n");
	{
		struct host h;
		struct json_object *rep = read_json(fd, "status after the refusals");
		read_topo_file(&h);
		check_status_reply(rep, 3, &h);
		json_object_put(rep);
	}
	close(fd);
	daemon_stop(d);
}

/* numad with args (-i 0 ...) must exit 0 (else fail with why) and the daemon d then exit 0. */
static void stop_by_i0(struct daemon *d, struct run *r, const char *const *args, const char *why)
{
	int code;

	run_numad(r, args, NULL, CLIENT_LIMIT_S);
	if (r->code != 0)
		daemon_fail(d, why);
	run_free(r);
	code = wait_exit(d->pid, STOP_LIMIT_S * 1000);
	d->pid = 0;
	if (code != 0)
		fail_msg("the daemon stopped by -i 0 exited %d, want 0 (or it did not stop: -1)", code);
}

/* numad -i 0 stops the daemon named by --pidfile; with none running it says so and fails. */
static void test_stop_with_i0(void **state)
{
	struct daemon *d = &cur_daemon;
	char missing[PATH_MAX];
	const char *stop[] = { "-i", "0", "--pidfile", d->pidf, NULL };
	const char *stop_missing[] = { "-i", "0", "--pidfile", missing, NULL };
	struct run *r = &cur_run;
	(void)state;

	daemon_paths(d);
	snprintf(missing, sizeof(missing), "%s/no-such.pid", d->dir);
	daemon_start(d);

	stop_by_i0(d, r, stop, "numad -i 0 did not exit 0 with a daemon running");

	/* no daemon any more: the same command fails with a message */
	run_numad(r, stop, NULL, CLIENT_LIMIT_S);
	if (r->code == 0 || !r->err[0])
		fail_msg("numad -i 0 with no daemon: exit %d, stderr '%s'; want non-zero and a message", r->code,
			 r->err);
	run_free(r);
	run_numad(r, stop_missing, NULL, CLIENT_LIMIT_S);
	if (r->code == 0 || !strstr(r->err, missing))
		fail_msg("numad -i 0 with a missing pid file: exit %d, stderr '%s'; want non-zero naming %s", r->code,
			 r->err, missing);
	run_free(r);
}

/*
 * A pid file numad cannot open or lock is fatal: exit 1 and one error naming the path and
 * why, before the daemon forks, so that a second numad never runs unlocked. A symlink
 * there is refused, and its target not created.
 */
static void test_pidfile_refused(void **state)
{
	struct daemon *d = &cur_daemon;
	char topo[PATH_MAX], nodir[PATH_MAX], link[PATH_MAX], target[PATH_MAX], want[2][PATH_MAX + 96], empty[] = "";
	const char *args[] = { "--simulate", topo, "--scenario", d->scen, "--speed", "1", "--log", empty, "--socket",
			       empty, "--pidfile", NULL, "-F", "--run-for", "3", NULL };
	/* the daemon itself, not simulated: numad 0.5's way, in the background (no -F) */
	const char *real[] = { "--log", empty, "--socket", empty, "--pidfile", nodir, "--run-for", "3", NULL };
	struct run *r = &cur_run;
	struct stat st;
	(void)state;

	snprintf(topo, sizeof(topo), "%s/%s", TOPO_DIR, TOPO_FILE);
	daemon_paths(d);
	snprintf(nodir, sizeof(nodir), "%s/no-such-dir/numad.pid", d->dir);
	snprintf(link, sizeof(link), "%s/link.pid", d->dir);
	snprintf(target, sizeof(target), "%s/target.pid", d->dir);
	assert_int_equal(symlink(target, link), 0);
	snprintf(want[0], sizeof(want[0]), "cannot open pid file %s: No such file or directory", nodir);
	snprintf(want[1], sizeof(want[1]), "pid file %s is a symbolic link: numad does not follow one", link);
	for (int i = 0; i < 2; i++) {
		args[11] = i == 0 ? nodir : link;
		run_numad(r, args, NULL, CLIENT_LIMIT_S);
		if (r->code != 1 || !strstr(r->err, want[i]))
			fail_msg("--pidfile %s: exit %d, stderr '%s'; want 1 and '%s'", args[11], r->code, r->err, want[i]);
		run_free(r);
	}
	if (lstat(target, &st) == 0)
		fail_msg("numad followed the symlink %s and created %s", link, target);
	/* without -F the error must come before the fork: the exit status is the user's answer */
	if (access("/sys/devices/system/node/node0", F_OK) == 0) {
		run_numad(r, real, NULL, CLIENT_LIMIT_S);
		if (r->code != 1 || !strstr(r->err, want[0]))
			fail_msg("numad without -F, --pidfile %s: exit %d, stderr '%s'; want 1 and '%s'", nodir, r->code,
				 r->err, want[0]);
		run_free(r);
	}
}

/* /run/numad when test_stop_with_i0_unit_path made it, to remove after the test. */
static bool made_run_dir;

static int unit_path_teardown(void **state)
{
	daemon_teardown(state);
	if (made_run_dir)
		rmdir("/run/numad");
	made_run_dir = false;
	return 0;
}

/*
 * numad -i 0 without --pidfile finds a daemon that numad.service started, whose pid file
 * is /run/numad/numad.pid, not numad 0.5's /var/run/numad.pid. The daemon is numad itself
 * on this host (the simulator keeps to its own files) with libvirt's test driver and
 * --advise-only, so it changes nothing. Root only, and only when neither file exists, so
 * that no real numad is disturbed.
 */
static void test_stop_with_i0_unit_path(void **state)
{
	struct daemon *d = &cur_daemon;
	static const char *const stop[] = { "-i", "0", NULL };
	const char *args[] = { "-F", "--connect", "test:///default", "--advise-only", "--log", d->logp, "--socket",
			       d->sock, "--pidfile", "/run/numad/numad.pid", "--state-file", "", "--ledger", "", NULL };
	int64_t deadline = mono_ms() + READY_LIMIT_MS;
	struct run *r = &cur_run;
	struct stat st;
	int code = 0, fd;
	(void)state;

	if (geteuid() != 0 || access("/sys/devices/system/node/node0", F_OK) < 0 ||
	    lstat("/var/run/numad.pid", &st) == 0 || lstat("/run/numad/numad.pid", &st) == 0)
		skip();
	if (mkdir("/run/numad", 0755) == 0)
		made_run_dir = true;
	else if (errno != EEXIST)
		skip();
	daemon_paths(d);
	d->pid = spawn_numad(args, NULL, d->outp, d->errp, 120);
	while ((fd = connect_unix(d->sock)) < 0) {
		if (!still_running(d->pid, &code)) {
			d->pid = 0;
			daemon_fail(d, "numad exited before its socket was ready");
		}
		if (mono_ms() > deadline)
			daemon_fail(d, "the control socket did not appear");
		sleep_ms(50);
	}
	close(fd);
	stop_by_i0(d, r, stop, "numad -i 0 did not find the daemon by /run/numad/numad.pid");
	if (lstat("/run/numad/numad.pid", &st) == 0)
		fail_msg("numad left /run/numad/numad.pid behind");
	/* no daemon: the message names both files */
	run_numad(r, stop, NULL, CLIENT_LIMIT_S);
	if (r->code != 1 || !strstr(r->err, "/var/run/numad.pid") || !strstr(r->err, "/run/numad/numad.pid"))
		fail_msg("numad -i 0 with no daemon: exit %d, stderr '%s'; want 1 naming both pid files", r->code, r->err);
	run_free(r);
}

/*
 * The control socket's path is taken safely: a symlink planted there is not followed (numad
 * refuses to start and the link and its target stay as they were), and a directory anyone
 * may write to without the sticky bit is refused.
 */
static void test_socket_path_hardening(void **state)
{
	struct daemon *d = &cur_daemon;
	char topo[PATH_MAX], link[PATH_MAX], target[PATH_MAX], open_dir[256], sock3[PATH_MAX], empty[] = "";
	const char *at_link[] = { "--simulate", topo, "--scenario", NULL, "--speed", "1", "--log", empty,
				  "--socket", link, "--pidfile", empty, "-F", "--run-for", "5", NULL };
	const char *in_open_dir[] = { "--simulate", topo, "--scenario", NULL, "--speed", "1", "--log", empty,
				      "--socket", sock3, "--pidfile", empty, "-F", "--run-for", "5", NULL };
	struct run *r = &cur_run;
	struct stat st;
	char *kept;
	(void)state;

	snprintf(topo, sizeof(topo), "%s/%s", TOPO_DIR, TOPO_FILE);
	daemon_paths(d);
	at_link[3] = in_open_dir[3] = d->scen;
	snprintf(target, sizeof(target), "%s/victim", d->dir);
	snprintf(link, sizeof(link), "%s/numad.sock", d->dir);
	write_text(target, "keep me\n");
	assert_int_equal(symlink(target, link), 0);
	run_numad(r, at_link, NULL, CLIENT_LIMIT_S);
	if (r->code == 0)
		fail_msg("numad started with a symlink at its socket path");
	if (!strstr(r->err, link))
		fail_msg("the refusal does not name %s:\n%s", link, r->err);
	run_free(r);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	kept = must_slurp(target);
	assert_string_equal(kept, "keep me\n");
	free(kept);

	snprintf(open_dir, sizeof(open_dir), "%.63s/open", d->dir);
	assert_int_equal(mkdir(open_dir, 0777), 0);
	assert_int_equal(chmod(open_dir, 0777), 0);
	snprintf(sock3, sizeof(sock3), "%.200s/numad.sock", open_dir);
	run_numad(r, in_open_dir, NULL, CLIENT_LIMIT_S);
	if (r->code == 0)
		fail_msg("numad put its socket in a world-writable directory without the sticky bit");
	if (!strstr(r->err, open_dir))
		fail_msg("the refusal does not name %s:\n%s", open_dir, r->err);
	run_free(r);
	rmdir(open_dir); /* the teardown removes the rest */
}

/* 1,000 connections opened and dropped, some mid-request: the daemon still serves. */
static void test_thousand_connections(void **state)
{
	struct daemon *d = &cur_daemon;
	struct host h;
	int fd;
	(void)state;

	daemon_paths(d);
	daemon_start(d);
	for (int i = 0; i < 1000; i++) {
		fd = connect_unix(d->sock);
		if (fd < 0)
			fail_msg("connection %d refused", i);
		/* The daemon may already have closed this one (Busy: over 64 clients): a failed send is fine. */
		if (i % 3 == 1)
			(void)!send(fd, "{\"cmd\":\"sta", 10, MSG_NOSIGNAL); /* half a request, then gone */
		else if (i % 3 == 2)
			(void)!send(fd, "{\"cmd\":\"status\",\"id\":1}\n", 25, MSG_NOSIGNAL); /* gone before the reply */
		close(fd);
	}
	if (!still_running(d->pid, NULL)) {
		d->pid = 0;
		daemon_fail(d, "the daemon died under 1,000 dropped connections");
	}
	/* The daemon reaps the dropped clients as it sees their hang-ups: until then a new
	 * client may be told Busy, which is the documented answer, not a failure. */
	for (int tries = 0;; tries++) {
		struct json_object *hello, *busy = NULL;

		fd = connect_unix(d->sock);
		assert_true(fd >= 0);
		hello = read_json(fd, "connecting after 1,000 dropped connections");
		if (!json_object_object_get_ex(hello, "error", &busy)) {
			json_object_put(hello);
			break;
		}
		json_object_put(hello);
		close(fd);
		if (tries == 100)
			fail_msg("the daemon still answers Busy 10 s after 1,000 clients hung up");
		sleep_ms(100);
	}
	send_all(fd, "{\"cmd\":\"status\",\"id\":9}\n");
	{
		struct json_object *rep = read_json(fd, "status after 1,000 dropped connections");
		read_topo_file(&h);
		check_status_reply(rep, 9, &h);
		json_object_put(rep);
	}
	close(fd);
	daemon_stop(d);
}

/*
 * A full disk for the log (/dev/full answers every write with ENOSPC): numad keeps running
 * and keeps acting (vm1 is still widened, no OOM), says once that it cannot write the log,
 * and nothing is lost: the decisions go to stderr instead.
 */
static void test_log_disk_full(void **state)
{
	char topo[PATH_MAX], scen[PATH_MAX], empty[] = "";
	const char *args[] = { "--simulate", topo, "--scenario", scen, "--speed", SPEED_IN_TIME, "--log", "/dev/full",
			       "--socket", empty, "--pidfile", empty, NULL };
	struct run r = { 0 };
	(void)state;

	if (access("/dev/full", W_OK) != 0)
		skip();
	snprintf(topo, sizeof(topo), "%s/%s", TOPO_DIR, TOPO_FILE);
	snprintf(scen, sizeof(scen), "%s/crowded.scn", SCEN_DIR);
	run_numad(&r, args, NULL, RUN_LIMIT_S);
	assert_int_equal(r.code, 0);
	assert_int_equal(oom_kills(r.out), 0);
	if (!strstr(r.err, "cannot write to /dev/full"))
		fail_msg("numad did not say it cannot write the log; stderr:\n%s", r.err);
	if (!strstr(r.err, "Advising pid ") || !strstr(r.err, "Applied through libvirt: domain vm1"))
		fail_msg("the decisions were lost with the log; stderr:\n%s", r.err);
	run_free(&r);
}

/* The log on a full disk, seen from outside: numadctl status carries a warning saying so. */
static void test_log_disk_full_status(void **state)
{
	struct daemon *d = &cur_daemon;
	struct json_object *rep, *warnings;
	bool said = false;
	int fd;
	(void)state;

	if (access("/dev/full", W_OK) != 0)
		skip();
	daemon_paths(d);
	snprintf(d->logp, sizeof(d->logp), "/dev/full");
	daemon_start(d); /* its start-up lines have already failed to reach the log */
	fd = connect_unix(d->sock);
	assert_true(fd >= 0);
	json_object_put(read_json(fd, "connecting"));
	send_all(fd, "{\"cmd\":\"status\",\"id\":1}\n");
	rep = read_json(fd, "status");
	warnings = member(member(rep, "return", json_type_object, "status"), "warnings", json_type_array, "status");
	for (size_t i = 0; i < json_object_array_length(warnings); i++)
		said |= strstr(json_object_get_string(json_object_array_get_idx(warnings, i)), "cannot write the log") != NULL;
	if (!said)
		fail_msg("status does not warn that the log cannot be written: %s", json_object_to_json_string(warnings));
	json_object_put(rep);
	close(fd);
}

/*
 * SIGTERM in the middle of an apply. NUMAD_INJECT_FAULT=slow:MS (a test fake) holds every
 * apply with the new nodeset set and the CPU pins still to come. vm1 sits on node 3 until
 * another process takes 4 GB there at once: vm1's 6 GB still to come no longer fit, and
 * numad extends it. The test waits for the hold to begin and sends SIGTERM; the signal is
 * inside the apply when the log does not yet hold that apply's outcome. The apply runs off
 * the loop's thread, so the loop answers the signal at once ("SIGTERM: stopping" while the
 * apply is held), then waits for the apply to finish (the Advising line from node 3 to a
 * superset with its nearest node, then "Applied through libvirt ... vCPUs re-pinned"), and
 * only then exits 0, leaving libvirt with exactly the nodeset it logged.
 */
#define HOLD_MS "5000"

static const char mid_apply_scenario[] = "0 start vm1 vcpus=4 mem=12G touch=6G mode=restrictive nodes=3\n"
					 "1 hog node=3 size=4G\n"
					 "600 end\n";

static void test_sigterm_mid_apply(void **state)
{
	struct daemon *d = &cur_daemon;
	char topo[PATH_MAX], empty[] = "", *text, *out;
	const char *args[] = { "--simulate", topo, "--scenario", d->scen, "--speed", SPEED_IN_TIME, "--log", d->logp,
			       "--socket", empty, "--pidfile", empty, "-F", NULL };
	int64_t deadline = mono_ms() + IO_LIMIT_MS + 5000;
	const char *held = "fault injection: the apply to domain vm1 holds";
	int hold = -1, adv = -1, stop = -1, code = 0, near;
	struct host h;
	struct log *lg = &cur_log;
	struct advice a;
	struct row row;
	uint64_t from = 1ULL << 3, want;
	(void)state;

	read_topo_file(&h);
	near = nearest_node(&h, 3);
	want = from | (1ULL << near);
	daemon_paths(d);
	write_text(d->scen, mid_apply_scenario);
	snprintf(topo, sizeof(topo), "%s/%s", TOPO_DIR, TOPO_FILE);
	d->pid = spawn_numad(args, "NUMAD_INJECT_FAULT=slow:" HOLD_MS, d->outp, d->errp, 120);
	if (wait_for_text(d->logp, held, 1, (int)(deadline - mono_ms()), d->pid) < 0) {
		if (!still_running(d->pid, &code)) {
			d->pid = 0;
			fail_msg("numad exited %d before any apply began", code);
		}
		daemon_fail(d, "no apply to vm1 began (no hold in the log)");
	}
	assert_int_equal(kill(d->pid, SIGTERM), 0);
	/* The log only grows: without the outcome now, the signal came before the apply ended. */
	text = must_slurp(d->logp);
	if (strstr(text, "Applied through libvirt: domain vm1"))
		daemon_fail(d, "the apply had finished before SIGTERM was sent: the " HOLD_MS
			       " ms hold was too short on this machine");
	free(text);
	code = wait_exit(d->pid, STOP_LIMIT_S * 1000);
	d->pid = 0;
	if (code != 0)
		fail_msg("SIGTERM during an apply: numad exited %d, want 0", code);

	read_log(d->logp, lg);
	hold = find_line(lg, 0, held, NULL);
	for (int i = hold + 1; i < lg->n && adv < 0; i++)
		if (parse_advice(lg->line[i], &a) && a.pid > 0)
			adv = i;
	stop = find_line(lg, 0, "SIGTERM: stopping", NULL);
	if (hold < 0 || adv < 0 || stop < 0 || !(hold < stop && stop < adv)) {
		dump_log(lg);
		fail_msg("want the hold (line %d), then 'SIGTERM: stopping' (%d) while it holds, then the apply's Advising "
			 "line (%d) and its outcome", hold, stop, adv);
	}
	if (a.from != from || (a.to & want) != want || strcmp(a.comm, "qemu-system-x86") != 0) {
		dump_log(lg);
		fail_msg("the apply under the signal is '%s'; want vm1's qemu-system-x86 moved from node 3 to a "
			 "superset with node %d", lg->line[adv], near);
	}
	if (!is_outcome(lg, adv + 1, "Applied through libvirt:", "vm1") || !strstr(lg->line[adv + 1], "vCPUs re-pinned")) {
		dump_log(lg);
		fail_msg("the line after the apply's Advising line is '%s'; want 'Applied through libvirt: domain "
			 "vm1, ...; nodeset ..., vCPUs re-pinned'", lg->line[adv + 1]);
	}
	if (find_line(lg, 0, "Failed", NULL) >= 0 || find_line(lg, 0, "scenario ended", NULL) >= 0) {
		dump_log(lg);
		fail_msg("a failed apply, or a run that ended by itself instead of by SIGTERM");
	}
	/* What libvirt holds at exit (the simulator's summary) is the whole logged nodeset. */
	out = must_slurp(d->outp);
	must_row(out, "vm1", &row);
	assert_string_equal(row.fate, "running");
	if (nodes_of(row.nodes) != a.to)
		fail_msg("libvirt holds nodes %s for vm1 at exit; the log says: '%s'", row.nodes, lg->line[adv]);
	assert_int_equal(oom_kills(out), 0);
	free(out);
}

/*
 * bigmove.scn on the EPYC layout: a 64 GB guest consolidates across the sockets (most of
 * it migrates) while vm2 starts and is crowded at 1 GB/s. The test probes `status` on the
 * control socket every 100 ms for the whole run. What a user must see:
 *  - nothing OOM-killed; vm2 extended from its one node to a superset of it, running;
 *  - the big guest's move staged and ended on one node ("Applied through libvirt: domain
 *    big, consolidate move: staged: M of N MB moved", N more than half its 64 GB and M all
 *    of it), with no nodeset write migrating more than the 256 MB bound (the simulator's
 *    count), the rest moved page by page;
 *  - with NUMAD_INJECT_FAULT=slow:15000 (every nodeset write held 15 s after the nodeset is
 *    set), the same safety, and every probe answered within 0.5 s while the apply is held.
 * Expected values come from the scenario text (its guests, their nodes and sizes) and the
 * bound stated in numad(8).
 */
#define BIG_TOPO "epyc-2s-nps4.txt"
#define PROBE_MS 100
#define PROBE_LATE_MS 500
#define NARROW_BOUND_MB 256

struct probes {
	int n, late;
	double max_ms;
};

/* Ask status once; the latency in ms, or -1 when the daemon did not answer (or is gone). */
static double probe_status(const char *sock)
{
	int64_t t0 = mono_ms();
	int fd = connect_unix(sock);
	char *greet, *reply;
	double ms = -1;

	if (fd < 0)
		return -1;
	greet = read_reply(fd);
	if (greet) {
		send_all(fd, "{\"cmd\":\"status\",\"id\":7}\n");
		reply = read_reply(fd);
		if (reply && strstr(reply, "\"return\""))
			ms = (double)(mono_ms() - t0);
		free(reply);
	}
	free(greet);
	close(fd);
	return ms;
}

static double summary_number(const char *out, const char *before)
{
	const char *p = strstr(out, before);

	if (!p)
		fail_msg("no '%s' in the summary:\n%s", before, out);
	return strtod(p + strlen(before), NULL);
}

static void run_bigmove(const char *file, const char *inject, struct probes *pr, char **out, struct log *lg)
{
	struct daemon *d = &cur_daemon;
	char topo[PATH_MAX], scen[PATH_MAX];
	const char *args[] = { "--simulate", topo, "--scenario", scen, "--speed", SPEED_IN_TIME, "--log", d->logp,
			       "--socket", d->sock, "--pidfile", "", "-F", NULL };
	int code = 0;

	daemon_paths(d);
	snprintf(topo, sizeof(topo), "%s/%s", TOPO_DIR, BIG_TOPO);
	snprintf(scen, sizeof(scen), "%s/%s", SCEN_DIR, file);
	d->pid = spawn_numad(args, inject, d->outp, d->errp, RUN_LIMIT_S);
	memset(pr, 0, sizeof(*pr));
	while (still_running(d->pid, &code)) {
		double ms = probe_status(d->sock);
		if (ms >= 0) {
			pr->n++;
			pr->late += ms > PROBE_LATE_MS;
			pr->max_ms = fmax(pr->max_ms, ms);
		}
		sleep_ms(PROBE_MS);
	}
	d->pid = 0;
	if (code != 0)
		daemon_fail(d, "numad did not exit 0 at the end of the scenario");
	*out = must_slurp(d->outp);
	read_log(d->logp, lg);
	if (pr->n < 50)
		fail_msg("only %d status probes were answered during the run", pr->n);
	if (oom_kills(*out) != 0) {
		dump_log(lg);
		fail_msg("a guest was OOM-killed:\n%s", *out);
	}
}

/* vm2, on its start node, was widened to a superset of it, and runs. */
static void check_vm2_extended(const char *out, const struct log *lg, const struct scenario *sc)
{
	uint64_t from = nodes_of(scen_guest(sc, "vm2")->nodes);
	struct row row;

	for (int i = 0; i + 1 < lg->n; i++) {
		struct advice a;
		if (!parse_advice(lg->line[i], &a) || a.pid <= 0 || !strstr(lg->line[i + 1], "domain vm2,"))
			continue;
		if (a.from != from || (a.to & from) != from || a.to == from ||
		    (!is_outcome(lg, i + 1, "Applied through libvirt:", "vm2") &&
		     !is_outcome(lg, i + 1, "Staging through libvirt:", "vm2"))) {
			dump_log(lg);
			fail_msg("vm2's first decision is not a widening of its nodes %s, carried out: '%s' / '%s'",
				 scen_guest(sc, "vm2")->nodes, lg->line[i], lg->line[i + 1]);
		}
		must_row(out, "vm2", &row);
		assert_string_equal(row.fate, "running");
		return;
	}
	dump_log(lg);
	fail_msg("vm2 was never widened");
}

/* The last "Applied through libvirt: domain NAME, consolidate move: staged: M of N MB moved": M and N. */
static void staged_applied(const struct log *lg, const char *name, double *moved, double *total)
{
	for (int i = 0; i < lg->n; i++)
		if (is_outcome(lg, i, "Applied through libvirt:", name) && strstr(lg->line[i], "consolidate move: staged: "))
			sscanf(strstr(lg->line[i], "staged: "), "staged: %lf of %lf MB moved", moved, total);
}

/*
 * What both bigmove runs must show of big: one staged consolidation, applied, of more than
 * half of its mem_mb and all of it moved (M and N back in moved, total); big running on one
 * node; no nodeset write over the bound. Returns the largest write, in MB.
 */
static double check_big_consolidated(const struct log *lg, const char *out, double mem_mb, double *moved, double *total)
{
	struct row row;
	double largest;

	staged_applied(lg, "big", moved, total);
	if (*total < mem_mb / 2 || *moved < *total) {
		dump_log(lg);
		fail_msg("no staged consolidation of big that moved more than half of its %.0f MB, all of it (moved %.0f of %.0f)",
			 mem_mb, *moved, *total);
	}
	must_row(out, "big", &row);
	assert_string_equal(row.fate, "running");
	if (popcount64(nodes_of(row.nodes)) != 1)
		fail_msg("big ends on nodes %s, want one node", row.nodes);
	largest = summary_number(out, "the largest ");
	if (largest > NARROW_BOUND_MB)
		fail_msg("a nodeset write migrated %.0f MB, more than the %d MB bound:\n%s", largest, NARROW_BOUND_MB, out);
	return largest;
}

static void test_bigmove(void **state)
{
	struct scenario sc;
	struct probes pr;
	struct log *lg = &cur_log;
	char *out;
	double moved = -1, total = -1, largest;
	(void)state;

	read_scenario("bigmove.scn", &sc);
	run_bigmove("bigmove.scn", NULL, &pr, &out, lg);
	check_vm2_extended(out, lg, &sc);
	largest = check_big_consolidated(lg, out, scen_guest(&sc, "big")->mem_mb, &moved, &total);
	if (!strstr(out, "MB moved page by page") || summary_number(out, " at most; ") < total)
		fail_msg("the simulator saw less than the staged %.0f MB moved page by page:\n%s", total, out);
	print_message("bigmove: %d status probes, the slowest %.0f ms; largest nodeset write %.0f MB\n", pr.n, pr.max_ms,
		      largest);
	free(out);
}

static void test_bigmove_slow(void **state)
{
	struct scenario sc;
	struct probes pr;
	struct log *lg = &cur_log;
	char *out;
	(void)state;

	read_scenario("bigmove.scn", &sc);
	run_bigmove("bigmove.scn", "NUMAD_INJECT_FAULT=slow:15000", &pr, &out, lg);
	if (find_line(lg, 0, "fault injection: the apply to domain big holds", NULL) < 0) {
		dump_log(lg);
		fail_msg("no apply to big was held");
	}
	if (pr.late) {
		dump_log(lg);
		fail_msg("%d of %d status probes took more than %d ms (the slowest %.0f ms) while an apply was held",
			 pr.late, pr.n, PROBE_LATE_MS, pr.max_ms);
	}
	check_vm2_extended(out, lg, &sc);
	print_message("bigmove, slow:15000: %d status probes, the slowest %.0f ms\n", pr.n, pr.max_ms);
	free(out);
}

/*
 * hidden.scn: bigmove's consolidation of big, with 80% of its pages outside the new
 * nodeset hidden from move_pages(2) (the kernel's NUMA balancing, as in the lab). What a
 * user must see: the move still ends applied on one node, all of it moved, after a log line
 * saying that what the walks could not find moves with migrate_pages(2), which is most of
 * it (the scenario's share, less a margin for what the walks moved first); no nodeset
 * write migrates more than the bound, and nothing is OOM-killed.
 */
static void test_bigmove_hidden(void **state)
{
	struct scenario sc;
	struct probes pr;
	struct log *lg = &cur_log;
	char *out;
	double moved = -1, total = -1, swept = -1, largest;
	const struct scen_start *big;
	(void)state;

	read_scenario("hidden.scn", &sc);
	big = scen_guest(&sc, "big");
	run_bigmove("hidden.scn", NULL, &pr, &out, lg);
	largest = check_big_consolidated(lg, out, big->mem_mb, &moved, &total);
	for (int i = 0; i < lg->n; i++) {
		const char *p;
		if (strstr(lg->line[i], "domain big: staged move: ") && (p = strstr(lg->line[i], "): the ")) &&
		    strstr(lg->line[i], "move with migrate_pages(2) in one call"))
			swept = strtod(p + strlen("): the "), NULL);
	}
	if (swept < total * big->hidden * 0.9) {
		dump_log(lg);
		fail_msg("migrate_pages(2) took %.0f MB, want at least 90%% of the %.0f%% hidden of %.0f MB", swept,
			 big->hidden * 100, total);
	}
	print_message("bigmove, %.0f%% hidden: %.0f of %.0f MB moved, %.0f MB by migrate_pages(2); largest nodeset write %.0f MB\n",
		      big->hidden * 100, moved, total, swept, largest);
	free(out);
}

/* ---- what a restart keeps (the state file) ---- */

/* A guest numad consolidates at once: two nodes, and room on one of them. */
static const char restart_scenario[] = "0 start vm1 vcpus=2 mem=4G touch=2G mode=restrictive nodes=0-1\n"
				       "600 end\n";

/* numad on the simulated host with root/scn, its log at root/LOG and --state-file root/state. */
static void restart_args(const char *root, const char *log, const char *run_for, const char **args, char *bufs,
			 size_t buflen)
{
	char *topo = bufs, *scen = bufs + buflen, *logp = bufs + 2 * buflen, *statep = bufs + 3 * buflen;
	int n = 0;

	snprintf(topo, buflen, "%s/%s", TOPO_DIR, TOPO_FILE);
	snprintf(scen, buflen, "%s/scn", root);
	snprintf(logp, buflen, "%s/%s", root, log);
	snprintf(statep, buflen, "%s/state", root);
	args[n++] = "--simulate";
	args[n++] = topo;
	args[n++] = "--scenario";
	args[n++] = scen;
	args[n++] = "--speed";
	args[n++] = "10";
	args[n++] = "--log";
	args[n++] = logp;
	args[n++] = "--socket";
	args[n++] = "";
	args[n++] = "--pidfile";
	args[n++] = "";
	args[n++] = "--state-file";
	args[n++] = statep;
	args[n++] = "--guest-interval";
	args[n++] = "3600";
	args[n++] = "-F";
	if (run_for) {
		args[n++] = "--run-for";
		args[n++] = run_for;
	}
	args[n] = NULL;
}

/*
 * numad moves vm1, is killed with SIGKILL once the move is on disk (Restart=on-failure
 * would start it again), and the numad started next must not move vm1 again within
 * --guest-interval: the pacing goes on from the state file. With the file made foreign,
 * numad warns naming FILE:LINE, starts afresh and moves vm1 again, as before.
 */
static void test_restart_keeps_pacing(void **state)
{
	char *root = make_root("restart"), bufs[4][PATH_MAX], path[PATH_MAX], outp[PATH_MAX], *text;
	const char *args[32];
	struct run r = { 0 };
	struct log lg;
	struct row row;
	pid_t pid;
	(void)state;

	snprintf(path, sizeof(path), "%s/scn", root);
	write_text(path, restart_scenario);
	restart_args(root, "numad.log", NULL, args, bufs[0], PATH_MAX);
	snprintf(outp, sizeof(outp), "%s/out", root);
	pid = spawn_numad(args, NULL, outp, NULL, RUN_LIMIT_S);
	snprintf(path, sizeof(path), "%s/numad.log", root);
	if (wait_for_text(path, "Applied through libvirt: domain vm1, consolidate move", 1, 60000, pid) < 1) {
		kill(pid, SIGKILL);
		wait_exit(pid, STOP_LIMIT_S * 1000);
		read_log(path, &lg);
		dump_log(&lg);
		fail_msg("numad did not consolidate vm1 (nodes 0-1) in its first run");
	}
	snprintf(path, sizeof(path), "%s/state", root);
	if (wait_for_text(path, " prev=0-1 ", 1, 10000, pid) < 1)
		fail_msg("the move of vm1 is not in the state file %s", path);
	kill(pid, SIGKILL);
	assert_int_equal(wait_exit(pid, STOP_LIMIT_S * 1000), 128 + SIGKILL);

	/* the second numad: 30 simulated seconds on the same host, vm1 back on nodes 0-1 */
	restart_args(root, "numad2.log", "30", args, bufs[0], PATH_MAX);
	run_numad(&r, args, NULL, RUN_LIMIT_S);
	snprintf(path, sizeof(path), "%s/numad2.log", root);
	read_log(path, &lg);
	if (r.code != 0 || find_line(&lg, 0, "Advising pid", NULL) >= 0 ||
	    find_line(&lg, 0, "domain vm1: from the state file: managed, last moved", NULL) < 0) {
		dump_log(&lg);
		text = slurp(bufs[3]);
		fail_msg("after a restart numad moved vm1 again within --guest-interval (exit %d); the state file:\n%s", r.code,
			 text ? text : strerror(errno));
	}
	must_row(r.out, "vm1", &row);
	assert_string_equal(row.nodes, "0-1");
	free_log(&lg);

	/* a foreign file: a warning that names it and its line, a fresh start, vm1 moved again */
	snprintf(path, sizeof(path), "%s/state", root);
	write_text(path, "interval = 1:15\n");
	restart_args(root, "numad3.log", "30", args, bufs[0], PATH_MAX);
	run_numad(&r, args, NULL, RUN_LIMIT_S);
	snprintf(outp, sizeof(outp), "%s/state:1: not a numad state file", root);
	snprintf(path, sizeof(path), "%s/numad3.log", root);
	read_log(path, &lg);
	if (r.code != 0 || find_line(&lg, 0, "state file ", outp) < 0 ||
	    find_line(&lg, 0, "Applied through libvirt: domain vm1, consolidate move", NULL) < 0) {
		dump_log(&lg);
		fail_msg("a foreign state file: want the warning '%s', a fresh start and vm1 moved (exit %d)", outp, r.code);
	}
	free_log(&lg);
	text = must_slurp(bufs[3]);
	assert_true(strncmp(text, "numad-state 1\n", 14) == 0); /* written anew */
	free(text);
	run_free(&r);
	drop_root(root);
}

/*
 * A transient domain numad moved, then numad SIGKILLed: the numad started next finds the
 * domain's only definition saying placement='static' (numad's own move wrote it). From the
 * state file it knows the domain is managed, and it keeps protecting it: an urgent extension
 * when the domain grows on a crowded node, no OOM kill. The same host without the state file
 * is the control: the domain is then observed only, and numad never touches it.
 */
static void test_restart_transient(void **state)
{
	static const char first[] = "0 start vm1 vcpus=2 mem=4G touch=2G mode=restrictive nodes=0-1 transient=1\n"
				    "600 end\n";
	static const char after[] = "0   start vm1 vcpus=4 mem=20G touch=6G mode=restrictive nodes=3 transient=moved\n"
				    "4   hog node=3 size=4G rate=2G\n"
				    "8   grow vm1 rate=1G until=12G\n"
				    "30  end\n";
	char *root = make_root("restarttr"), bufs[4][PATH_MAX], path[PATH_MAX], outp[PATH_MAX];
	const char *args[32];
	struct run r = { 0 };
	struct log lg;
	int moves;
	pid_t pid;
	(void)state;

	snprintf(path, sizeof(path), "%s/scn", root);
	write_text(path, first);
	restart_args(root, "numad.log", NULL, args, bufs[0], PATH_MAX);
	snprintf(outp, sizeof(outp), "%s/out", root);
	pid = spawn_numad(args, NULL, outp, NULL, RUN_LIMIT_S);
	snprintf(path, sizeof(path), "%s/numad.log", root);
	if (wait_for_text(path, "Applied through libvirt: domain vm1, consolidate move", 1, 60000, pid) < 1) {
		kill(pid, SIGKILL);
		wait_exit(pid, STOP_LIMIT_S * 1000);
		read_log(path, &lg);
		dump_log(&lg);
		fail_msg("numad did not consolidate transient vm1 (nodes 0-1) in its first run");
	}
	snprintf(path, sizeof(path), "%s/state", root);
	if (wait_for_text(path, " prev=0-1 ", 1, 10000, pid) < 1)
		fail_msg("the move of vm1 is not in the state file %s", path);
	kill(pid, SIGKILL);
	assert_int_equal(wait_exit(pid, STOP_LIMIT_S * 1000), 128 + SIGKILL);

	/* the second numad: vm1's live definition says 'static'; only the state file says managed */
	snprintf(path, sizeof(path), "%s/scn", root);
	write_text(path, after);
	restart_args(root, "numad2.log", NULL, args, bufs[0], PATH_MAX);
	run_numad(&r, args, NULL, RUN_LIMIT_S);
	snprintf(path, sizeof(path), "%s/numad2.log", root);
	read_log(path, &lg);
	moves = count_prefix(&lg, "Applied through libvirt:", "vm1");
	if (r.code != 0 || find_line(&lg, 0, "domain vm1: from the state file: managed", NULL) < 0 || moves < 1 ||
	    oom_kills(r.out) != 0) {
		dump_log(&lg);
		fail_msg("restarted numad and transient vm1: %d moves applied (want 1 or more), %ld OOM kills, exit %d:\n%s",
			 moves, oom_kills(r.out), r.code, r.out);
	}
	free_log(&lg);

	/* the control: no state file, so nothing says vm1 is managed */
	snprintf(path, sizeof(path), "%s/state", root);
	unlink(path);
	restart_args(root, "numad3.log", NULL, args, bufs[0], PATH_MAX);
	run_numad(&r, args, NULL, RUN_LIMIT_S);
	snprintf(path, sizeof(path), "%s/numad3.log", root);
	read_log(path, &lg);
	if (r.code != 0 || find_line(&lg, 0, "domain vm1 (", "observed only") < 0 ||
	    count_prefix(&lg, "Applied through libvirt:", "vm1") != 0) {
		dump_log(&lg);
		fail_msg("without the state file vm1 should be observed only and never moved (exit %d)", r.code);
	}
	free_log(&lg);
	run_free(&r);
	drop_root(root);
}

/*
 * A transient domain (virsh create, as oVirt starts guests) whose only placement='auto'
 * is in <numatune>: its live definition says 'static' from the first nodeset write on.
 * numad must keep managing it: here, a consolidation and then an urgent extension when
 * it grows on crowded nodes, with no OOM kill.
 */
static void test_transient_stays_managed(void **state)
{
	static const char scn[] = "0   start vm1 vcpus=4 mem=20G touch=6G mode=restrictive nodes=3 transient=1\n"
				  "4   hog node=3 size=4G rate=2G\n"
				  "8   grow vm1 rate=1G until=12G\n"
				  "20  hog node=2 size=8G rate=2G\n"
				  "24  grow vm1 rate=1G until=20G\n"
				  "50  end\n";
	char *root = make_root("transient"), scen[PATH_MAX], logp[PATH_MAX], topo[PATH_MAX];
	const char *args[] = { "--simulate", topo, "--scenario", scen, "--speed", SPEED_IN_TIME, "--log", logp,
			       "--socket", "", "--pidfile", "", "-F", NULL };
	struct run r = { 0 };
	struct log lg;
	int moves;
	(void)state;

	snprintf(topo, sizeof(topo), "%s/%s", TOPO_DIR, TOPO_FILE);
	snprintf(scen, sizeof(scen), "%s/scn", root);
	snprintf(logp, sizeof(logp), "%s/numad.log", root);
	write_text(scen, scn);
	run_numad(&r, args, NULL, RUN_LIMIT_S);
	read_log(logp, &lg);
	moves = count_prefix(&lg, "Applied through libvirt:", "vm1");
	if (r.code != 0 || moves < 2 || oom_kills(r.out) != 0) {
		dump_log(&lg);
		fail_msg("transient vm1: %d moves applied (want 2 or more: it stays managed after the first), %ld OOM kills, "
			 "exit %d:\n%s", moves, oom_kills(r.out), r.code, r.out);
	}
	free_log(&lg);
	run_free(&r);
	drop_root(root);
}

int main(void)
{
	struct CMUnitTest tests[NSIM + 17];
	size_t n = 0;

	signal(SIGPIPE, SIG_IGN);
	if (getenv("NUMAD_TEST_FILTER")) /* run only the cases whose name matches, e.g. "*SIGTERM*" */
		cmocka_set_test_filter(getenv("NUMAD_TEST_FILTER"));
	if (getenv("NUMAD_TEST_SKIP")) /* leave out the cases whose name matches (ctest runs "storm*" apart) */
		cmocka_set_skip_filter(getenv("NUMAD_TEST_SKIP"));
	{
		const char *probe[] = { "-V", NULL };
		struct run r = { 0 };
		config_opt = true;
		run_numad(&r, probe, NULL, CLIENT_LIMIT_S);
		config_opt = r.code == 0;
		run_free(&r);
	}
	for (size_t i = 0; i < NSIM; i++) {
		memset(&tests[n], 0, sizeof(tests[n]));
		tests[n].name = sim_cases[i].name;
		tests[n].test_func = test_scenario;
		tests[n].teardown_func = scenario_teardown;
		tests[n].initial_state = &sim_cases[i];
		n++;
	}
	tests[n++] = (struct CMUnitTest)cmocka_unit_test_teardown(test_running_daemon, daemon_teardown);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test_teardown(test_sighup_reopens_log, daemon_teardown);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test_teardown(test_second_daemon_refused, daemon_teardown);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test_teardown(test_stop_with_i0, daemon_teardown);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test_teardown(test_stop_with_i0_unit_path, unit_path_teardown);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test_teardown(test_pidfile_refused, daemon_teardown);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_log_disk_full);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test_teardown(test_log_disk_full_status, daemon_teardown);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test_teardown(test_socket_path_hardening, daemon_teardown);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test_teardown(test_thousand_connections, daemon_teardown);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test_teardown(test_sigterm_mid_apply, daemon_teardown);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test_teardown(test_bigmove, daemon_teardown);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test_teardown(test_bigmove_slow, daemon_teardown);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test_teardown(test_bigmove_hidden, daemon_teardown);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_restart_keeps_pacing);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_transient_stays_managed);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_restart_transient);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
