/*
 * test_ctl.c: the control socket and numadctl, end to end. The real daemon runs on the
 * simulated DL980 with this file's scenario and a socket in a temporary directory;
 * numadctl, raw AF_UNIX clients and a TCP client talk to it, and each case checks what a
 * user would see. Expected values come from the topology text (read by the test support's
 * own reader) and from the scenario below, never from the daemon's own output.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <poll.h>
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
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"
#include "support.h"

/* The guests and their facts: vm1 restrictive on node 3, crowded by a hog so numad acts. */
static const char scenario[] = "0 start vm1 vcpus=4 mem=12G touch=6G mode=restrictive nodes=3\n"
			       "0 start vm2 vcpus=2 mem=2G touch=1G mode=strict nodes=1\n"
			       "0 start vm3 vcpus=2 mem=2G touch=1G mode=interleave nodes=4-5\n"
			       "2 hog node=3 size=8G rate=4G\n"
			       "600 end\n";

#define DAEMON_LIMIT_S 180  /* hard limit on the daemon's life (SIGALRM survives exec) */
#define CLIENT_LIMIT_S 30   /* hard limit on one numadctl run */
#define IO_WAIT_MS 20000    /* a raw client gives up on the daemon after this long */
#define STOP_LIMIT_MS 10000 /* a SIGTERMed daemon is killed when it is not gone by then */
#define CTL_MAX_MSG (64 * 1024)
#define CTL_MAX_CLIENTS 64
#define CTL_IDLE_TIMEOUT_S 10
#define CTL_REQUEST_TIMEOUT_S 5  /* numadctl(8): a request is complete this long after its first byte */
#define CTL_ROOT_SLOTS 4         /* numadctl(8): root's slots beyond the 64 */

static const char *const ctl_commands[] = { "status", "nodes", "guests", "history", "advise", "explain",
					    "pause", "resume", "reload", "log-level", "metrics" };

/* ---- the environment: one daemon for the whole file ---- */

static struct {
	char dir[64], sock[128], logp[128], scn[128], out[128];
	char bin[64], ctl_copy[128]; /* a directory every user reaches, and numadctl's copy in it */
	char topo_path[1024];
	struct host h;
	pid_t daemon;
	int port;
} env;

/* A TCP port on loopback that nobody listens on right now. */
static int free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

static const struct who nobody = { 65534, 65534, -1 };

/*
 * Run a program with args (NULL-terminated, without argv[0]) and a hard time limit,
 * capturing stdout and stderr; as (or NULL) runs it as another user, and numadctl then
 * from its copy in env.bin: the build tree may be out of that user's reach, as a checkout
 * in a home of mode 0700 is.
 */
static void run_prog(struct run *r, const char *prog, const char *const *args, const struct who *as)
{
	struct child c = { .prog = as && strcmp(prog, NUMADCTL_BIN) == 0 ? env.ctl_copy : prog, .args = args,
			   .as = as, .alarm_s = CLIENT_LIMIT_S };

	run_child(r, &c, -1);
}

/* numadctl --socket SOCK ARGS... */
static void ctl(struct run *r, const char *const *args)
{
	const char *argv[32] = { "--socket", env.sock };
	int n = 2;

	while (*args && n < 31)
		argv[n++] = *args++;
	argv[n] = NULL;
	run_prog(r, NUMADCTL_BIN, argv, NULL);
}

/* numadctl --json ARGS...: the parsed answer (caller puts it); fails the test on any error. */
static struct json_object *ctl_json(const char *const *args)
{
	const char *argv[32] = { "--json" };
	struct json_object *o;
	struct run *r = calloc(1, sizeof(*r));
	int n = 1;

	assert_non_null(r);
	while (*args && n < 31)
		argv[n++] = *args++;
	argv[n] = NULL;
	ctl(r, argv);
	if (r->code != 0)
		fail_msg("numadctl --json %s: exit %d, stderr %s", argv[1], r->code, r->err);
	o = json_tokener_parse(r->out);
	if (!o)
		fail_msg("numadctl --json %s: stdout is not JSON: %.200s", argv[1], r->out);
	run_free(r);
	free(r);
	return o;
}

static struct json_object *get(struct json_object *o, const char *k)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, k, &v))
		fail_msg("no \"%s\" in %.300s", k, json_object_to_json_string(o));
	return v;
}

/* The guest named name in an array of guests, or NULL. */
static struct json_object *guest_named(struct json_object *guests, const char *name)
{
	for (size_t i = 0; i < json_object_array_length(guests); i++) {
		struct json_object *g = json_object_array_get_idx(guests, i);
		if (strcmp(json_object_get_string(get(g, "domain")), name) == 0)
			return g;
	}
	return NULL;
}

/* Copy the program at from to the new file to, mode 0755. Returns 0, or -1 with errno set. */
static int copy_prog(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC), out = -1, e;
	ssize_t n = -1;

	if (in >= 0 && (out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755)) >= 0)
		while ((n = read(in, buf, sizeof(buf))) > 0)
			if (write(out, buf, (size_t)n) != n) {
				n = -1;
				break;
			}
	e = errno;
	/* the umask may have taken bits away from open()'s mode */
	if (n == 0 && fchmod(out, 0755) < 0)
		n = -1, e = errno;
	if (out >= 0 && close(out) < 0 && n == 0)
		n = -1, e = errno;
	if (in >= 0)
		close(in);
	errno = e;
	return n == 0 ? 0 : -1;
}

/*
 * The tests that run numadctl as another user need root (only root becomes another user)
 * and a numadctl that user can run: skip, saying why, or fail when its copy is out of reach.
 */
static void need_other_user(void)
{
	struct run r = { 0 };

	if (geteuid() != 0) {
		print_message("skipped: only root can run numadctl as another user\n");
		skip();
	}
	run_prog(&r, NUMADCTL_BIN, (const char *const[]){ "--version", NULL }, &nobody);
	if (r.code != 0)
		fail_msg("nobody cannot run %s: exit %d, stderr '%s'", env.ctl_copy, r.code, r.err);
	run_free(&r);
}

static bool status_has_guests(void)
{
	static const char *const args[] = { "status", NULL };
	struct json_object *st = ctl_json(args), *guests = get(st, "guests");
	bool all = guest_named(guests, "vm1") && guest_named(guests, "vm2") && guest_named(guests, "vm3");

	json_object_put(st);
	return all;
}

static int setup(void **state)
{
	char port[16], err[256], *text;
	const char *args[] = { "--simulate", env.topo_path, "--scenario", env.scn, "--speed", "2", "--log", env.logp,
			       "--pidfile", "", "--socket", env.sock, "--metrics-listen", port, "-F", NULL };
	struct stat st;

	(void)state;
	snprintf(env.dir, sizeof(env.dir), "/tmp/numad-ctl.XXXXXX");
	if (!mkdtemp(env.dir))
		return -1;
	snprintf(env.sock, sizeof(env.sock), "%s/numad.sock", env.dir);
	snprintf(env.logp, sizeof(env.logp), "%s/numad.log", env.dir);
	snprintf(env.scn, sizeof(env.scn), "%s/ctl.scn", env.dir);
	snprintf(env.out, sizeof(env.out), "%s/numad.out", env.dir);
	snprintf(env.topo_path, sizeof(env.topo_path), "%s/dl980-8node.txt", TOPO_DIR);
	snprintf(env.bin, sizeof(env.bin), "/tmp/numad-ctl-bin.XXXXXX");
	if (!mkdtemp(env.bin) || chmod(env.bin, 0755) < 0)
		return -1;
	snprintf(env.ctl_copy, sizeof(env.ctl_copy), "%s/numadctl", env.bin);
	if (copy_prog(NUMADCTL_BIN, env.ctl_copy) < 0) {
		fprintf(stderr, "cannot copy %s to %s: %s\n", NUMADCTL_BIN, env.ctl_copy, strerror(errno));
		return -1;
	}
	if (fixture_write(env.dir, "ctl.scn", scenario) < 0 || !(text = fixture_read_file(env.topo_path, err, sizeof(err))))
		return -1;
	read_host(text, &env.h);
	free(text);
	env.port = free_port();
	snprintf(port, sizeof(port), "%d", env.port);
	env.daemon = spawn(&(struct child){ .prog = NUMAD_BIN, .args = args, .outp = env.out, .alarm_s = DAEMON_LIMIT_S });
	for (int i = 0; i < 300 && stat(env.sock, &st) < 0; i++)
		sleep_ms(50);
	for (int i = 0; i < 100 && !status_has_guests(); i++)
		sleep_ms(100);
	return status_has_guests() ? 0 : -1;
}

/* The daemon stops cleanly on SIGTERM (a sanitizer report would make it exit non-zero). */
static int teardown(void **state)
{
	char err[256], *out;
	int code = 0;

	(void)state;
	if (env.daemon > 0 && (code = stop_process(env.daemon, STOP_LIMIT_MS)) != 0) {
		out = fixture_read_file(env.out, err, sizeof(err));
		fprintf(stderr, "numad exited with %d; its output:\n%s\n", code, out ? out : err);
		free(out);
	}
	fixture_remove(env.dir);
	if (env.bin[0])
		fixture_remove(env.bin);
	return code == 0 ? 0 : -1;
}

/* What a test started: its teardown kills what is left, which a failure jumps past. */
static unsigned long children_before;

static int mark_children(void **state)
{
	(void)state;
	children_before = children_mark();
	return 0;
}

/* A test that passed and left a process running fails here. */
static int stop_test_children(void **state)
{
	(void)state;
	return stop_children(children_before) == 0 ? 0 : -1;
}

/* ---- raw clients ---- */

static int raw_connect(void)
{
	int fd = connect_unix(env.sock);

	if (fd < 0)
		fail_msg("connect %s: %s", env.sock, strerror(errno));
	return fd;
}

/* Connect and read the greeting; checks its version and capabilities. */
static int raw_open(void)
{
	char line[4096];
	struct json_object *g, *caps;
	int fd = raw_connect();

	assert_int_equal(read_line(fd, line, sizeof(line), IO_WAIT_MS), GOT_LINE);
	g = json_tokener_parse(line);
	assert_non_null(g);
	assert_true(json_object_is_type(get(get(g, "numad"), "version"), json_type_string));
	caps = get(get(g, "numad"), "capabilities");
	for (size_t i = 0; i < sizeof(ctl_commands) / sizeof(ctl_commands[0]); i++) {
		bool found = false;
		for (size_t k = 0; k < json_object_array_length(caps); k++)
			found |= strcmp(json_object_get_string(json_object_array_get_idx(caps, k)), ctl_commands[i]) == 0;
		if (!found)
			fail_msg("greeting does not list %s: %s", ctl_commands[i], line);
	}
	json_object_put(g);
	return fd;
}

/* line as JSON that is UTF-8 throughout (json_tokener_parse() takes any byte), or NULL. */
static struct json_object *parse_utf8(const char *line)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o;

	assert_non_null(tok);
	json_tokener_set_flags(tok, JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, line, (int)strlen(line) + 1);
	json_tokener_free(tok);
	return o;
}

/* Send one request line and return the parsed reply (caller puts it). */
static struct json_object *raw_ask(int fd, const char *req)
{
	static char line[1 << 20];
	struct json_object *r;

	send_all(fd, req);
	send_all(fd, "\n");
	if (read_line(fd, line, sizeof(line), IO_WAIT_MS) != GOT_LINE)
		fail_msg("no reply to %s", req);
	if (!(r = parse_utf8(line)) || !json_object_is_type(r, json_type_object))
		fail_msg("reply to %s is not a UTF-8 JSON object: %.200s", req, line);
	return r;
}

static void assert_error_class(struct json_object *reply, const char *eclass, const char *what)
{
	struct json_object *e = NULL;

	if (!json_object_object_get_ex(reply, "error", &e))
		fail_msg("%s: expected error %s, got %s", what, eclass, json_object_to_json_string(reply));
	if (strcmp(json_object_get_string(get(e, "class")), eclass) != 0)
		fail_msg("%s: expected error %s, got %s", what, eclass, json_object_to_json_string(reply));
	assert_true(strlen(json_object_get_string(get(e, "desc"))) > 0);
}

/* status on this connection answers with the host's nodes. */
static void assert_status_works(int fd, const char *after)
{
	struct json_object *r = raw_ask(fd, "{\"cmd\":\"status\",\"id\":99}"), *ret = NULL;

	if (!json_object_object_get_ex(r, "return", &ret))
		fail_msg("status after %s: %s", after, json_object_to_json_string(r));
	assert_int_equal(json_object_array_length(get(ret, "nodes")), env.h.n);
	assert_int_equal(json_object_get_int(get(r, "id")), 99);
	json_object_put(r);
}

/* ---- numadctl, as a person and a script use it ---- */

/* Lines of the text output whose first word is word. */
static const char *line_starting(const char *text, const char *word, char *buf, size_t len)
{
	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		const char *p = l;
		size_t n = strcspn(l, "\n");
		while (*p == ' ')
			p++;
		if (strncmp(p, word, strlen(word)) == 0 && (p[strlen(word)] == ' ' || p[strlen(word)] == '\n')) {
			snprintf(buf, len, "%.*s", (int)n, l);
			return buf;
		}
	}
	return NULL;
}

static void distance_row(int k, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int j = 0; j < env.h.n; j++)
		n += (size_t)snprintf(buf + n, len - n, "%s%d", j ? " " : "", env.h.dist[k][j]);
}

/* numadctl status: a nodes table with every node and its distance row, guests, warnings. */
static void test_status_text(void **state)
{
	static const char *const args[] = { "status", NULL };
	struct run *r = calloc(1, sizeof(*r));
	char line[1024], id[16], row[256];
	const char *table;

	(void)state;
	ctl(r, args);
	assert_int_equal(r->code, 0);
	assert_string_equal(r->err, "");
	assert_non_null(strstr(r->out, "libvirt connected"));
	assert_non_null(line_starting(r->out, "NODE", line, sizeof(line)));
	assert_non_null(strstr(line, "DISTANCES"));
	table = strstr(r->out, line);
	for (int k = 0; k < env.h.n; k++) {
		snprintf(id, sizeof(id), "%d", env.h.id[k]);
		if (!line_starting(table, id, line, sizeof(line)))
			fail_msg("no row for node %s in:\n%s", id, r->out);
		distance_row(k, row, sizeof(row));
		if (!strstr(line, row))
			fail_msg("node %s row lacks its distances '%s': %s", id, row, line);
	}
	/* the article's DL980: node 3 is paired with node 2 */
	assert_non_null(line_starting(table, "3", line, sizeof(line)));
	assert_non_null(strstr(line, "17 17 12 10 19 19 19 19"));
	assert_non_null(line_starting(r->out, "vm1", line, sizeof(line)));
	assert_non_null(strstr(line, "restrictive"));
	assert_non_null(line_starting(r->out, "vm2", line, sizeof(line)));
	assert_non_null(strstr(line, "strict"));
	assert_non_null(line_starting(r->out, "vm3", line, sizeof(line)));
	assert_non_null(strstr(line, "interleave"));
	/* a strict guest is a warning a person must see */
	assert_non_null(strstr(r->out, "WARNINGS"));
	assert_non_null(strstr(r->out, "! vm2 "));
	run_free(r);
	free(r);
}

/* numadctl status --json: the host's nodes, sizes, CPUs and SLIT rows; the scenario's guests. */
static void test_status_json(void **state)
{
	static const char *const args[] = { "status", NULL };
	struct json_object *st = ctl_json(args), *nodes = get(st, "nodes"), *guests = get(st, "guests"), *g;
	bool warned = false;

	(void)state;
	assert_int_equal(json_object_array_length(nodes), env.h.n);
	assert_int_equal(env.h.n, 8);
	for (int k = 0; k < env.h.n; k++) {
		struct json_object *n = json_object_array_get_idx(nodes, (size_t)k), *dist = get(n, "distances");
		assert_int_equal(json_object_get_int(get(n, "node")), env.h.id[k]);
		assert_int_equal(json_object_get_int64(get(n, "total_mb")), env.h.size_mb[k]);
		assert_int_equal(json_object_get_int(get(n, "cpus")), env.h.ncpus[k]);
		assert_true(json_object_get_int64(get(n, "free_mb")) <= env.h.size_mb[k]);
		assert_int_equal(json_object_array_length(dist), env.h.n);
		for (int j = 0; j < env.h.n; j++)
			assert_int_equal(json_object_get_int(json_object_array_get_idx(dist, (size_t)j)), env.h.dist[k][j]);
	}
	g = guest_named(guests, "vm1");
	assert_non_null(g);
	assert_string_equal(json_object_get_string(get(g, "mode")), "restrictive");
	assert_true(json_object_get_boolean(get(g, "managed")));
	assert_int_equal(json_object_get_int(get(g, "vcpus")), 4);
	assert_int_equal(json_object_get_int64(get(g, "mem_mb")), 12 * 1024);
	assert_true(json_object_get_int64(get(g, "resident_mb")) > 0);
	g = guest_named(guests, "vm2");
	assert_string_equal(json_object_get_string(get(g, "mode")), "strict");
	assert_string_equal(json_object_get_string(get(g, "nodes")), "1");
	g = guest_named(guests, "vm3");
	assert_string_equal(json_object_get_string(get(g, "mode")), "interleave");
	assert_false(json_object_get_boolean(get(g, "managed")));
	assert_string_equal(json_object_get_string(get(g, "nodes")), "4-5");
	for (size_t i = 0; i < json_object_array_length(get(st, "warnings")); i++)
		warned |= strstr(json_object_get_string(json_object_array_get_idx(get(st, "warnings"), i)), "vm2") != NULL;
	assert_true(warned);
	assert_false(json_object_get_boolean(get(st, "paused")));
	assert_true(json_object_get_boolean(get(st, "libvirt")));
	json_object_put(st);
}

/* numadctl nodes and guests: the same facts on their own; guests shows each uuid. */
static void test_nodes_and_guests(void **state)
{
	static const char *const nodes_args[] = { "nodes", NULL }, *const guests_args[] = { "guests", NULL };
	struct json_object *nodes = ctl_json(nodes_args), *guests = ctl_json(guests_args), *n3;
	struct run *r = calloc(1, sizeof(*r));
	char line[1024];

	(void)state;
	assert_int_equal(json_object_array_length(nodes), 8);
	n3 = json_object_array_get_idx(nodes, (size_t)host_index(&env.h, 3));
	assert_int_equal(json_object_get_int(get(n3, "node")), 3);
	assert_int_equal(json_object_get_int(json_object_array_get_idx(get(n3, "distances"), 2)), 12);
	assert_non_null(guest_named(guests, "vm1"));
	ctl(r, guests_args);
	assert_int_equal(r->code, 0);
	assert_non_null(line_starting(r->out, "vm1", line, sizeof(line)));
	assert_non_null(strstr(line, json_object_get_string(get(guest_named(guests, "vm1"), "uuid"))));
	ctl(r, nodes_args);
	assert_int_equal(r->code, 0);
	assert_non_null(line_starting(r->out, "7", line, sizeof(line)));
	assert_non_null(strstr(line, "19 19 19 19 17 17 12 10"));
	json_object_put(nodes);
	json_object_put(guests);
	run_free(r);
	free(r);
}

/* The hog crowds node 3, so numad decides about vm1; history has it, from node 3, newest last. */
static void test_history(void **state)
{
	static const char *const all[] = { "history", "100", NULL }, *const one[] = { "history", "1", NULL },
				 *const text[] = { "history", NULL };
	struct json_object *h = NULL, *first = NULL, *last;
	struct run *r = calloc(1, sizeof(*r));
	char line[2048];

	(void)state;
	for (int i = 0; i < 200 && !first; i++) {
		json_object_put(h);
		h = ctl_json(all);
		for (size_t k = 0; k < json_object_array_length(h) && !first; k++)
			if (strcmp(json_object_get_string(get(json_object_array_get_idx(h, k), "domain")), "vm1") == 0)
				first = json_object_array_get_idx(h, k);
		if (!first)
			sleep_ms(100);
	}
	if (!first)
		fail_msg("no decision about vm1 in the history");
	assert_string_equal(json_object_get_string(get(first, "from")), "3");
	assert_true(strlen(json_object_get_string(get(first, "to"))) > 0);
	assert_true(strcmp(json_object_get_string(get(first, "reason")), "urgent") == 0 ||
		    strcmp(json_object_get_string(get(first, "reason")), "consolidate") == 0);
	last = json_object_array_get_idx(h, json_object_array_length(h) - 1);
	assert_true(json_object_get_double(get(last, "uptime_s")) >= json_object_get_double(get(first, "uptime_s")));
	json_object_put(h);
	h = ctl_json(one);
	assert_int_equal(json_object_array_length(h), 1);
	json_object_put(h);
	ctl(r, text);
	assert_int_equal(r->code, 0);
	assert_non_null(line_starting(r->out, "TIME", line, sizeof(line)));
	assert_non_null(strstr(r->out, " vm1 "));
	run_free(r);
	free(r);
}

/* numadctl advise 4:20000 on the DL980: a pair at SLIT distance 12, with every candidate's score. */
static void test_advise(void **state)
{
	static const char *const args[] = { "advise", "4:20000", NULL }, *const bad[] = { "advise", "x", NULL };
	struct json_object *a = ctl_json(args), *cands = get(a, "candidates");
	struct run *r = calloc(1, sizeof(*r));
	int x = -1, y = -1;
	char want[64], line[1024];

	(void)state;
	if (sscanf(json_object_get_string(get(a, "nodes")), "%d-%d", &x, &y) != 2 &&
	    sscanf(json_object_get_string(get(a, "nodes")), "%d,%d", &x, &y) != 2)
		fail_msg("advise 4:20000 is not two nodes: %s", json_object_get_string(get(a, "nodes")));
	assert_int_equal(env.h.dist[host_index(&env.h, x)][host_index(&env.h, y)], 12);
	assert_true(json_object_array_length(cands) > 1);
	for (size_t i = 0; i < json_object_array_length(cands); i++) {
		struct json_object *c = json_object_array_get_idx(cands, i);
		assert_true(json_object_is_type(get(c, "score"), json_type_double));
		assert_true(json_object_is_type(get(c, "fits"), json_type_boolean));
	}
	ctl(r, args);
	assert_int_equal(r->code, 0);
	snprintf(want, sizeof(want), "nodes %s ", json_object_get_string(get(a, "nodes")));
	assert_non_null(strstr(r->out, want));
	assert_non_null(line_starting(r->out, "RANK", line, sizeof(line)));
	ctl(r, bad);
	assert_int_equal(r->code, 2);
	assert_string_equal(r->out, "");
	json_object_put(a);
	run_free(r);
	free(r);
}

/* numadctl explain: current set and best set with their scores, and a sentence on what moves it. */
static void test_explain(void **state)
{
	static const char *const vm1[] = { "explain", "vm1", NULL }, *const vm2[] = { "explain", "vm2", NULL },
				 *const nosuch[] = { "explain", "nosuchvm", NULL };
	struct json_object *e = ctl_json(vm1), *g = get(e, "guest"), *byuuid;
	const char *args[] = { "explain", json_object_get_string(get(g, "uuid")), NULL };
	struct run *r = calloc(1, sizeof(*r));

	(void)state;
	assert_string_equal(json_object_get_string(get(g, "domain")), "vm1");
	assert_string_equal(json_object_get_string(get(get(e, "current"), "nodes")),
			    json_object_get_string(get(g, "nodes")));
	assert_true(json_object_is_type(get(get(e, "current"), "score"), json_type_double));
	assert_true(json_object_is_type(get(get(e, "best"), "score"), json_type_double));
	assert_true(strlen(json_object_get_string(get(e, "verdict"))) > 10);
	byuuid = ctl_json(args);
	assert_string_equal(json_object_get_string(get(get(byuuid, "guest"), "domain")), "vm1");
	ctl(r, vm1);
	assert_int_equal(r->code, 0);
	assert_non_null(strstr(r->out, "verdict: "));
	assert_non_null(strstr(r->out, "current"));
	ctl(r, vm2);
	assert_int_equal(r->code, 0);
	assert_non_null(strstr(r->out, "strict"));
	ctl(r, nosuch);
	assert_int_equal(r->code, 1);
	assert_non_null(strstr(r->err, "NotFound"));
	assert_non_null(strstr(r->err, "nosuchvm"));
	assert_int_equal(strchr(r->err, '\n') - r->err + 1, strlen(r->err));  /* one line */
	json_object_put(e);
	json_object_put(byuuid);
	run_free(r);
	free(r);
}

/* Root changes state: pause shows in status, resume undoes it; reload; log-level. */
static void test_state_changes(void **state)
{
	static const char *const pause[] = { "pause", NULL }, *const resume[] = { "resume", NULL },
				 *const status[] = { "status", NULL }, *const reload[] = { "reload", NULL },
				 *const debug[] = { "log-level", "7", NULL }, *const notice[] = { "log-level", "5", NULL },
				 *const bad[] = { "log-level", "9", NULL };
	struct run *r = calloc(1, sizeof(*r));
	struct json_object *st;

	(void)state;
	if (geteuid() != 0)
		skip();
	ctl(r, pause);
	assert_int_equal(r->code, 0);
	assert_non_null(strstr(r->out, "paused"));
	st = ctl_json(status);
	assert_true(json_object_get_boolean(get(st, "paused")));
	json_object_put(st);
	ctl(r, status);
	assert_non_null(strstr(r->out, "PAUSED"));
	ctl(r, resume);
	assert_int_equal(r->code, 0);
	st = ctl_json(status);
	assert_false(json_object_get_boolean(get(st, "paused")));
	json_object_put(st);
	ctl(r, reload);
	assert_int_equal(r->code, 0);
	assert_non_null(strstr(r->out, "reloaded"));
	ctl(r, debug);
	assert_int_equal(r->code, 0);
	st = ctl_json(status);
	assert_int_equal(json_object_get_int(get(st, "log_level")), 7);
	json_object_put(st);
	ctl(r, notice);
	assert_int_equal(r->code, 0);
	ctl(r, bad);
	assert_int_equal(r->code, 2);
	run_free(r);
	free(r);
}

/* Unique prefixes work; an ambiguous or unknown word lists every command on one line. */
static void test_prefixes(void **state)
{
	static const char *const stat[] = { "stat", NULL }, *const hist[] = { "hist", "3", NULL },
				 *const re[] = { "re", NULL }, *const typo[] = { "stauts", NULL };
	struct run *r = calloc(1, sizeof(*r));

	(void)state;
	ctl(r, stat);
	assert_int_equal(r->code, 0);
	assert_non_null(strstr(r->out, "DISTANCES"));
	ctl(r, hist);
	assert_int_equal(r->code, 0);
	ctl(r, re);
	assert_int_equal(r->code, 2);
	assert_non_null(strstr(r->err, "ambiguous"));
	assert_non_null(strstr(r->err, "reload"));
	assert_non_null(strstr(r->err, "resume"));
	ctl(r, typo);
	assert_int_equal(r->code, 2);
	assert_non_null(strstr(r->err, "stauts"));
	for (size_t i = 0; i < sizeof(ctl_commands) / sizeof(ctl_commands[0]); i++)
		if (!strstr(r->err, ctl_commands[i]))
			fail_msg("the typo's message does not list %s: %s", ctl_commands[i], r->err);
	assert_int_equal(strchr(r->err, '\n') - r->err + 1, strlen(r->err));
	assert_string_equal(r->out, "");
	run_free(r);
	free(r);
}

/* numadctl --help names every command and option. */
static void test_help(void **state)
{
	static const char *const args[] = { "--help", NULL };
	static const char *const options[] = { "--socket", "--json", "--timeout", "--help", "--version" };
	struct run *r = calloc(1, sizeof(*r));

	(void)state;
	run_prog(r, NUMADCTL_BIN, args, NULL);
	assert_int_equal(r->code, 0);
	for (size_t i = 0; i < sizeof(ctl_commands) / sizeof(ctl_commands[0]); i++)
		if (!strstr(r->out, ctl_commands[i]))
			fail_msg("--help does not document %s", ctl_commands[i]);
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++)
		if (!strstr(r->out, options[i]))
			fail_msg("--help does not document %s", options[i]);
	run_free(r);
	free(r);
}

/* No daemon: one line that says so, and a non-zero exit; the same for a stale socket. */
static void test_not_running(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char path[160], want[256];
	const char *args[] = { "--socket", path, "status", NULL };
	struct run *r = calloc(1, sizeof(*r));
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/none.sock", env.dir);
	run_prog(r, NUMADCTL_BIN, args, NULL);
	assert_int_not_equal(r->code, 0);
	snprintf(want, sizeof(want), "numadctl: numad is not running (no socket at %s)\n", path);
	assert_string_equal(r->err, want);
	assert_string_equal(r->out, "");
	/* a socket file that nobody listens on, as a killed daemon leaves it */
	snprintf(path, sizeof(path), "%s/stale.sock", env.dir);
	set_sun_path(&sa, path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	run_prog(r, NUMADCTL_BIN, args, NULL);
	assert_int_not_equal(r->code, 0);
	assert_non_null(strstr(r->err, "numad is not running"));
	assert_int_equal(strchr(r->err, '\n') - r->err + 1, strlen(r->err));
	unlink(path);
	run_free(r);
	free(r);
}

/* A fake daemon that greets, reads one request and answers with reply, then closes. */
static pid_t fake_daemon(const char *path, const char *reply)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	pid_t pid;

	set_sun_path(&sa, path);
	unlink(path);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		static const char greeting[] = "{\"numad\":{\"version\":\"0\",\"capabilities\":[]}}\n";
		char c;
		int fd;

		alarm(CLIENT_LIMIT_S);
		fd = accept(lfd, NULL, NULL);
		if (fd < 0 || write(fd, greeting, sizeof(greeting) - 1) < 0)
			_exit(1);
		while (read(fd, &c, 1) == 1 && c != '\n')
			;
		if (write(fd, reply, strlen(reply)) < 0)
			_exit(1);
		close(fd);
		_exit(0);
	}
	track_child(pid, "a fake daemon");
	close(lfd);
	return pid;
}

/* A reply numadctl cannot read, or an error reply: one line, a non-zero exit. */
static void test_bad_replies(void **state)
{
	static const struct {
		const char *what, *reply, *says;
	} cases[] = {
		{ .what = "not JSON", .reply = "this is not json\n", .says = "malformed reply" },
		{ .what = "no return or error", .reply = "{\"id\":1}\n", .says = "malformed reply" },
		{ .what = "another id", .reply = "{\"return\":{},\"id\":7}\n", .says = "malformed reply" },
		{ .what = "status of the wrong shape", .reply = "{\"return\":[1],\"id\":1}\n", .says = "malformed reply" },
		{ .what = "closed without a reply", .reply = "", .says = "closed" },
		{ .what = "an error", .reply = "{\"error\":{\"class\":\"Frobbed\",\"desc\":\"it broke\"},\"id\":1}\n",
		  .says = "status: Frobbed: it broke" },
	};
	char path[160];
	const char *args[] = { "--socket", path, "status", NULL };
	struct run *r = calloc(1, sizeof(*r));

	(void)state;
	snprintf(path, sizeof(path), "%s/fake.sock", env.dir);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pid_t pid = fake_daemon(path, cases[i].reply);
		int st;

		run_prog(r, NUMADCTL_BIN, args, NULL);
		waitpid(pid, &st, 0);
		if (r->code == 0)
			fail_msg("%s: exit 0", cases[i].what);
		if (!strstr(r->err, cases[i].says) || strchr(r->err, '\n') - r->err + 1 != (long)strlen(r->err))
			fail_msg("%s: stderr is not one line saying '%s': '%s'", cases[i].what, cases[i].says, r->err);
	}
	unlink(path);
	run_free(r);
	free(r);
}

/*
 * With --json every failure is one line of JSON on stdout, {"error": {"class", "desc"}}
 * and nothing on stderr, with the exit code of the failure.
 */
static void test_json_errors(void **state)
{
	char none[160], fake[160];
	const struct {
		const char *what, *const *args, *reply, *eclass, *desc;
		int code;
	} cases[] = {
		{ "the daemon's error", (const char *const[]){ "--socket", env.sock, "--json", "explain", "vm99", NULL }, NULL,
		  "NotFound", "no guest named or with uuid \"vm99\"", 1 },
		{ "not running", (const char *const[]){ "--json", "--socket", none, "status", NULL }, NULL, "Unreachable",
		  NULL, 3 },
		{ "unknown command", (const char *const[]){ "--socket", env.sock, "frob", "-j", NULL }, NULL, "Usage",
		  "unknown command 'frob'; commands: status, nodes, guests, history, advise, explain, pause, resume, "
		  "reload, log-level, metrics, config", 2 },
		{ "unknown option", (const char *const[]){ "--bogus", "--json", "status", NULL }, NULL, "Usage",
		  "unknown option '--bogus' (see numadctl --help)", 2 },
		{ "bad argument", (const char *const[]){ "--js", "log-level", "9", NULL }, NULL, "Usage",
		  "log-level: '9' is not a level from 0 to 7", 2 },
		{ "not a reply", (const char *const[]){ "--json", "--socket", fake, "status", NULL }, "garbage\n",
		  "MalformedReply", NULL, 1 },
		{ "an error that is not UTF-8", (const char *const[]){ "--json", "--socket", fake, "status", NULL },
		  "{\"error\":{\"class\":\"Frobbed\",\"desc\":\"it \xff broke\"},\"id\":1}\n", "Frobbed",
		  "it \xef\xbf\xbd broke", 1 },
	};
	struct run *r = calloc(1, sizeof(*r));

	(void)state;
	snprintf(none, sizeof(none), "%s/none.sock", env.dir);
	snprintf(fake, sizeof(fake), "%s/fake.sock", env.dir);
	for (size_t i = 0; i < NELEM(cases); i++) {
		pid_t pid = cases[i].reply ? fake_daemon(fake, cases[i].reply) : 0;
		struct json_object *o = NULL, *e = NULL;
		int st;

		run_prog(r, NUMADCTL_BIN, cases[i].args, NULL);
		if (pid > 0)
			waitpid(pid, &st, 0);
		if (r->code != cases[i].code || strcmp(r->err, "") != 0)
			fail_msg("%s: exit %d (not %d), stderr '%s'", cases[i].what, r->code, cases[i].code, r->err);
		if (strchr(r->out, '\n') - r->out + 1 != (long)strlen(r->out) || !(o = parse_utf8(r->out)) ||
		    !json_object_object_get_ex(o, "error", &e) || json_object_object_length(o) != 1)
			fail_msg("%s: stdout is not one line of JSON with \"error\": '%s'", cases[i].what, r->out);
		if (strcmp(json_object_get_string(get(e, "class")), cases[i].eclass) != 0 ||
		    (cases[i].desc && strcmp(json_object_get_string(get(e, "desc")), cases[i].desc) != 0) ||
		    !*json_object_get_string(get(e, "desc")))
			fail_msg("%s: %s, not class %s desc %s", cases[i].what, r->out, cases[i].eclass,
				 cases[i].desc ? cases[i].desc : "(any)");
		json_object_put(o);
	}
	unlink(fake);
	run_free(r);
	free(r);
}

/* ---- the protocol over a raw socket ---- */

/* Each bad request gets its documented error, and the connection still serves status. */
static void test_protocol_errors(void **state)
{
	static const struct {
		const char *what, *req, *eclass, *desc;
	} cases[] = {
		{ .what = "bad JSON", .req = "{\"cmd\": \"status\"", .eclass = "ParseError" },
		{ .what = "not JSON at all", .req = "hello numad", .eclass = "ParseError" },
		{ .what = "an array", .req = "[\"status\"]", .eclass = "ParseError" },
		{ .what = "a number", .req = "42", .eclass = "ParseError" },
		{ .what = "text after the object", .req = "{\"cmd\":\"status\"} {}", .eclass = "ParseError" },
		{ .what = "no cmd", .req = "{\"id\":1}", .eclass = "InvalidArgument" },
		{ .what = "cmd not a string", .req = "{\"cmd\":7}", .eclass = "InvalidArgument" },
		{ .what = "unknown command", .req = "{\"cmd\":\"frobnicate\",\"id\":3}", .eclass = "CommandNotFound" },
		{ .what = "unknown member", .req = "{\"cmd\":\"status\",\"arg\":{}}", .eclass = "InvalidArgument" },
		{ .what = "args not an object", .req = "{\"cmd\":\"advise\",\"args\":[4]}", .eclass = "InvalidArgument" },
		{ .what = "advise cpus a string", .req = "{\"cmd\":\"advise\",\"args\":{\"cpus\":\"x\"},\"id\":4}",
		  .eclass = "InvalidArgument" },
		{ .what = "advise without cpus", .req = "{\"cmd\":\"advise\",\"args\":{\"mb\":100}}",
		  .eclass = "InvalidArgument" },
		{ .what = "advise mb fractional", .req = "{\"cmd\":\"advise\",\"args\":{\"cpus\":1,\"mb\":1.5}}",
		  .eclass = "InvalidArgument" },
		{ .what = "advise nothing asked", .req = "{\"cmd\":\"advise\",\"args\":{\"cpus\":0}}",
		  .eclass = "InvalidArgument" },
		{ .what = "unknown argument", .req = "{\"cmd\":\"history\",\"args\":{\"cnt\":3}}",
		  .eclass = "InvalidArgument" },
		{ .what = "negative count", .req = "{\"cmd\":\"history\",\"args\":{\"count\":-1}}",
		  .eclass = "InvalidArgument" },
		{ .what = "explain no such guest", .req = "{\"cmd\":\"explain\",\"args\":{\"guest\":\"vm99\"}}",
		  .eclass = "NotFound" },
		{ .what = "explain a number", .req = "{\"cmd\":\"explain\",\"args\":{\"guest\":1}}",
		  .eclass = "InvalidArgument" },
		/* json-c keeps the last of two members of one name: this would pause */
		{ .what = "cmd twice", .req = "{\"cmd\":\"status\",\"cmd\":\"pause\",\"id\":5}", .eclass = "ParseError",
		  .desc = "duplicate member \"cmd\": a name may appear once in an object" },
		{ .what = "an argument twice", .req = "{\"cmd\":\"history\",\"args\":{\"count\":1,\"count\":2}}",
		  .eclass = "ParseError", .desc = "duplicate member \"count\": a name may appear once in an object" },
		/* the reply must not echo the bytes (raw_ask reads every reply as UTF-8) */
		{ .what = "not UTF-8", .req = "{\"cmd\":\"\xff\xfe\"}", .eclass = "ParseError",
		  .desc = "not valid JSON: not UTF-8 at byte 8" },
		{ .what = "an unknown command cut inside a character",
		  .req = "{\"cmd\":\"x\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
			 "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"}",
		  .eclass = "CommandNotFound" },
	};
	struct json_object *st;
	int fd;

	(void)state;
	fd = raw_open();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct json_object *r = raw_ask(fd, cases[i].req), *id = NULL;
		assert_error_class(r, cases[i].eclass, cases[i].what);
		if (cases[i].desc && strcmp(json_object_get_string(get(get(r, "error"), "desc")), cases[i].desc) != 0)
			fail_msg("%s: desc %s, not \"%s\"", cases[i].what, json_object_to_json_string(r), cases[i].desc);
		/* a request that parsed as an object gets its id back */
		if (strstr(cases[i].req, "\"id\":") && strcmp(cases[i].eclass, "ParseError") != 0 &&
		    !json_object_object_get_ex(r, "id", &id))
			fail_msg("%s: the reply lacks the request's id", cases[i].what);
		json_object_put(r);
		assert_status_works(fd, cases[i].what);
	}
	close(fd);
	st = ctl_json((const char *const[]){ "status", NULL });
	if (json_object_get_boolean(get(st, "paused")))
		fail_msg("a refused request paused numad");
	json_object_put(st);
}

/* Several requests in one write are answered in order, with their ids. */
static void test_pipelined(void **state)
{
	char line[1 << 16];
	int fd;

	(void)state;
	fd = raw_open();
	send_all(fd, "{\"cmd\":\"nodes\",\"id\":1}\n{\"cmd\":\"frob\",\"id\":2}\n\n{\"cmd\":\"guests\",\"id\":3}\r\n");
	for (int want = 1; want <= 3; want++) {
		struct json_object *r;
		assert_int_equal(read_line(fd, line, sizeof(line), IO_WAIT_MS), GOT_LINE);
		r = json_tokener_parse(line);
		assert_int_equal(json_object_get_int(get(r, "id")), want);
		assert_true(json_object_object_get_ex(r, want == 2 ? "error" : "return", NULL));
		json_object_put(r);
	}
	close(fd);
}

/* Over 64 KiB without a newline: a TooLarge error, then the daemon closes the connection. */
static void test_oversized(void **state)
{
	static const char after[] = "\n{\"cmd\":\"status\"}\n";
	size_t len = CTL_MAX_MSG + 1024;
	char *big = malloc(len + 1), line[4096];
	struct json_object *r;
	int fd;

	(void)state;
	memset(big, 'x', len);
	big[0] = '{';
	big[len] = '\0';
	fd = raw_open();
	send_all(fd, big);
	assert_int_equal(read_line(fd, line, sizeof(line), IO_WAIT_MS), GOT_LINE);
	r = json_tokener_parse(line);
	assert_error_class(r, "TooLarge", "oversized request");
	json_object_put(r);
	/* closed: a request after it goes unanswered (the send may fail, the daemon having closed) */
	if (send(fd, after, strlen(after), MSG_NOSIGNAL) < 0)
		assert_true(errno == EPIPE || errno == ECONNRESET);
	assert_int_equal(read_line(fd, line, sizeof(line), IO_WAIT_MS), GOT_EOF);
	close(fd);
	free(big);
	fd = raw_open();
	assert_status_works(fd, "an oversized request");
	close(fd);
}

/* Half a request, then silence: the daemon drops the client after its idle timeout, no reply. */
static void test_idle_client(void **state)
{
	char line[4096];
	int fd;

	(void)state;
	fd = raw_open();
	send_all(fd, "{\"cmd\":\"sta");
	assert_int_equal(read_line(fd, line, sizeof(line), (CTL_IDLE_TIMEOUT_S * 3) * 1000), GOT_EOF);
	assert_string_equal(line, "");
	close(fd);
	fd = raw_open();
	assert_status_works(fd, "an idle client");
	close(fd);
}

/* 100 clients at once: 64 are served, the others get Busy and are closed; then status works. */
static void test_many_clients(void **state)
{
	enum { N = 100 };
	int fds[N], greeted = 0, busy = 0, fd;
	char line[4096];
	struct json_object *r;

	(void)state;
	for (int i = 0; i < N; i++)
		fds[i] = raw_connect();
	for (int i = 0; i < N; i++) {
		assert_int_equal(read_line(fds[i], line, sizeof(line), IO_WAIT_MS), GOT_LINE);
		r = json_tokener_parse(line);
		assert_non_null(r);
		if (json_object_object_get_ex(r, "numad", NULL)) {
			greeted++;
		} else {
			assert_error_class(r, "Busy", "client over the limit");
			assert_int_equal(read_line(fds[i], line, sizeof(line), IO_WAIT_MS), GOT_EOF);
			busy++;
		}
		json_object_put(r);
	}
	assert_true(greeted <= CTL_MAX_CLIENTS + CTL_ROOT_SLOTS);  /* this test runs as root */
	assert_true(busy >= N - CTL_MAX_CLIENTS - CTL_ROOT_SLOTS);
	assert_int_equal(greeted + busy, N);
	/* a served client is served in full */
	r = raw_ask(fds[0], "{\"cmd\":\"nodes\",\"id\":5}");
	assert_true(json_object_object_get_ex(r, "return", NULL));
	json_object_put(r);
	for (int i = 0; i < N; i++)
		close(fds[i]);
	/* the daemon notices the closes in its own time: a new client may still meet Busy for a moment */
	for (int tries = 0;; tries++) {
		fd = raw_connect();
		assert_int_equal(read_line(fd, line, sizeof(line), IO_WAIT_MS), GOT_LINE);
		if (strstr(line, "\"numad\""))
			break;
		close(fd);
		assert_true(tries < 100);
		sleep_ms(50);
	}
	assert_status_works(fd, "100 clients");
	close(fd);
}

/*
 * Clients that send a byte now and then (a blank, or a blank line) and never end a
 * request: each is closed CTL_REQUEST_TIMEOUT_S after its first byte, with no reply, though
 * none is ever silent for the idle timeout; then the slots are free again.
 */
static void test_slow_clients(void **state)
{
	enum { N = CTL_MAX_CLIENTS };
	int fds[N], left = N, waited_s = 0;
	int limit_s = CTL_REQUEST_TIMEOUT_S * 4 + 20;  /* the bound and generous slack */
	struct run *r = calloc(1, sizeof(*r));

	(void)state;
	for (int i = 0; i < N; i++) {
		fds[i] = raw_open();
		send_all(fds[i], i % 2 ? " " : "\n");
	}
	while (left > 0 && waited_s < limit_s) {
		sleep_ms(1000);  /* a byte a second: far inside the idle timeout */
		waited_s++;
		for (int i = 0; i < N; i++) {
			char c;
			ssize_t n;

			if (fds[i] < 0)
				continue;
			n = recv(fds[i], &c, 1, MSG_DONTWAIT);
			if (n > 0)
				fail_msg("a client that never ended its request got a reply");
			if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) ||
			    send(fds[i], i % 2 ? " " : "\n", 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
				close(fds[i]);
				fds[i] = -1;
				left--;
			}
		}
	}
	for (int i = 0; i < N; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (left > 0)
		fail_msg("%d of %d clients sending a byte a second still connected after %d s", left, N, limit_s);
	ctl(r, (const char *const[]){ "status", NULL });
	assert_int_equal(r->code, 0);
	run_free(r);
	free(r);
}

/*
 * A child, as nobody, that takes every one of the 64 slots and keeps them as a busy client
 * does, a request a second on each; it writes 'k' to fd once all are greeted, and runs
 * until it is killed.
 */
static void hold_every_slot(int fd)
{
	int fds[CTL_MAX_CLIENTS];
	char line[1 << 16];

	if (become(&nobody) < 0)
		_exit(10);
	for (int i = 0; i < CTL_MAX_CLIENTS; i++) {
		/* the daemon notices an earlier client's close in its own time: Busy may come for a moment */
		for (int tries = 0;; tries++) {
			if ((fds[i] = connect_unix(env.sock)) < 0 || read_line(fds[i], line, sizeof(line), IO_WAIT_MS) != GOT_LINE)
				_exit(11);
			if (strstr(line, "\"numad\""))
				break;
			close(fds[i]);
			if (tries == 100)
				_exit(11);
			sleep_ms(50);
		}
	}
	if (write(fd, "k", 1) != 1)
		_exit(12);
	for (;;) {
		for (int i = 0; i < CTL_MAX_CLIENTS; i++) {
			if (send(fds[i], "{\"cmd\":\"nodes\"}\n", 16, MSG_NOSIGNAL) != 16 ||
			    read_line(fds[i], line, sizeof(line), IO_WAIT_MS) != GOT_LINE)
				_exit(13);
		}
		sleep_ms(1000);
	}
}

/* Another user's clients hold every slot: that user's next one gets Busy, root's is served. */
static void test_root_slot(void **state)
{
	static const char *const status[] = { "--socket", env.sock, "status", NULL };
	struct run *r = calloc(1, sizeof(*r));
	struct pollfd pfd;
	char c = 0;
	int p[2], wst, tries;
	pid_t pid;

	(void)state;
	need_other_user();
	assert_int_equal(chmod(env.dir, 0711), 0);
	assert_int_equal(chmod(env.sock, 0666), 0);
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(DAEMON_LIMIT_S);
		close(p[0]);
		hold_every_slot(p[1]);
	}
	track_child(pid, "nobody's 64 clients");
	close(p[1]);
	pfd = (struct pollfd){ .fd = p[0], .events = POLLIN };
	if (poll(&pfd, 1, IO_WAIT_MS) != 1 || read(p[0], &c, 1) != 1 || c != 'k')
		fail_msg("nobody's 64 clients were not all served");
	close(p[0]);
	run_prog(r, NUMADCTL_BIN, status, &nobody);
	if (r->code != 1 || !strstr(r->err, "status: Busy: too many clients"))
		fail_msg("a 65th client of nobody's: exit %d, stderr '%s'; want 1 and Busy", r->code, r->err);
	run_prog(r, NUMADCTL_BIN, status, NULL);
	if (r->code != 0)
		fail_msg("root with every other slot taken: exit %d, stderr '%s'; want 0", r->code, r->err);
	kill(pid, SIGKILL);
	waitpid(pid, &wst, 0);
	/* the daemon notices the closes in its own time */
	for (tries = 0; tries < 100; tries++) {
		run_prog(r, NUMADCTL_BIN, status, &nobody);
		if (r->code == 0)
			break;
		sleep_ms(100);
	}
	assert_int_equal(r->code, 0);
	assert_int_equal(chmod(env.sock, 0660), 0);
	assert_int_equal(chmod(env.dir, 0700), 0);
	run_free(r);
	free(r);
}

/* Send all of req from a child: false when the connection will not take it (see nobody_client). */
static bool child_send(int fd, const char *req)
{
	return send(fd, req, strlen(req), MSG_NOSIGNAL) == (ssize_t)strlen(req);
}

/*
 * A child that connects as nobody: status works, pause is Denied. Exits 0 when both hold.
 * It fails no test itself (a cmocka failure would jump into the child's copy of the test
 * run, which would go on with the next tests), but returns the step that went wrong.
 */
static int nobody_client(void)
{
	char line[1 << 16];
	int fd;

	if (become(&nobody) < 0)
		return 10;
	if ((fd = connect_unix(env.sock)) < 0 || read_line(fd, line, sizeof(line), IO_WAIT_MS) != GOT_LINE)
		return 11;
	if (!child_send(fd, "{\"cmd\":\"pause\",\"id\":1}\n") || read_line(fd, line, sizeof(line), IO_WAIT_MS) != GOT_LINE ||
	    !strstr(line, "\"class\":\"Denied\""))
		return 12;
	if (!child_send(fd, "{\"cmd\":\"status\",\"id\":2}\n") || read_line(fd, line, sizeof(line), IO_WAIT_MS) != GOT_LINE ||
	    !strstr(line, "\"return\""))
		return 13;
	return 0;
}

/* A user other than root may read but not change state; without access to the socket, one line. */
static void test_unprivileged(void **state)
{
	static const char *const pause[] = { "--socket", env.sock, "pause", NULL },
			      *const status[] = { "--socket", env.sock, "status", NULL };
	struct run *r = calloc(1, sizeof(*r));
	struct json_object *st;
	pid_t pid;
	int wst;

	(void)state;
	need_other_user();
	/* the daemon made the socket 0660 root: open it to everyone for this test only */
	assert_int_equal(chmod(env.dir, 0711), 0);
	assert_int_equal(chmod(env.sock, 0666), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(CLIENT_LIMIT_S);
		_exit(nobody_client());
	}
	track_child(pid, "nobody's client");
	waitpid(pid, &wst, 0);
	if (!WIFEXITED(wst) || WEXITSTATUS(wst) != 0)
		fail_msg("nobody's client failed at step %d", WIFEXITED(wst) ? WEXITSTATUS(wst) : -1);
	run_prog(r, NUMADCTL_BIN, pause, &nobody);
	assert_int_equal(r->code, 1);
	assert_non_null(strstr(r->err, "pause: Denied: "));
	run_prog(r, NUMADCTL_BIN, status, &nobody);
	assert_int_equal(r->code, 0);
	st = ctl_json((const char *const[]){ "status", NULL });
	assert_false(json_object_get_boolean(get(st, "paused")));
	json_object_put(st);
	/* back to the daemon's mode: nobody cannot connect at all */
	assert_int_equal(chmod(env.sock, 0660), 0);
	run_prog(r, NUMADCTL_BIN, status, &nobody);
	assert_int_not_equal(r->code, 0);
	assert_non_null(strstr(r->err, "permission denied"));
	assert_int_equal(strchr(r->err, '\n') - r->err + 1, strlen(r->err));
	assert_int_equal(chmod(env.dir, 0700), 0);
	run_free(r);
	free(r);
}

/* Start numad as systemd would with numad.socket: the listening socket as fd 3, LISTEN_FDS=1. */
static pid_t start_activated(int lfd, const char *outp)
{
	const char *args[] = { "--simulate", env.topo_path, "--scenario", env.scn, "--speed", "2", "--log", "",
			       "--pidfile", "", "--socket", "", "--control-group", "4242", "-F", NULL };
	struct child c = { .prog = NUMAD_BIN, .args = args, .outp = outp, .alarm_s = DAEMON_LIMIT_S, .listen_fd = lfd };

	return spawn(&c);
}

/*
 * Socket activation: numad serves the socket it is handed, and leaves it in place when it
 * stops. With --control-group, a member of that group (primary or supplementary) may change
 * state; anyone else may not.
 */
static void test_activation_and_group(void **state)
{
	static const struct who member = { 65534, 65534, 4242 }, primary = { 65534, 4242, -1 };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char path[160], outp[160];
	const char *status[] = { "--socket", path, "status", NULL }, *pause[] = { "--socket", path, "pause", NULL },
		   *resume[] = { "--socket", path, "resume", NULL };
	struct run *r = calloc(1, sizeof(*r));
	struct stat st;
	pid_t pid;
	int lfd, code;

	(void)state;
	need_other_user();
	snprintf(path, sizeof(path), "%s/activated.sock", env.dir);
	snprintf(outp, sizeof(outp), "%s/activated.out", env.dir);
	set_sun_path(&sa, path);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 16), 0);
	assert_int_equal(chmod(path, 0666), 0);
	assert_int_equal(chmod(env.dir, 0711), 0);
	pid = start_activated(lfd, outp);
	close(lfd);
	for (int i = 0; i < 5; i++) {
		run_prog(r, NUMADCTL_BIN, status, NULL);
		if (r->code == 0)
			break;
	}
	if (r->code != 0)
		fail_msg("status over the activated socket: exit %d, %s", r->code, r->err);
	assert_non_null(strstr(r->out, "DISTANCES"));
	run_prog(r, NUMADCTL_BIN, pause, &member);
	if (r->code != 0)
		fail_msg("pause by a supplementary member of the control group: %s", r->err);
	run_prog(r, NUMADCTL_BIN, resume, &primary);
	if (r->code != 0)
		fail_msg("resume with the control group as primary group: %s", r->err);
	run_prog(r, NUMADCTL_BIN, pause, &nobody);
	assert_int_equal(r->code, 1);
	assert_non_null(strstr(r->err, "Denied"));
	assert_non_null(strstr(r->err, "4242"));
	if ((code = stop_process(pid, STOP_LIMIT_MS)) != 0)
		fail_msg("the activated daemon exited with %d (see %s)", code, outp);
	assert_int_equal(lstat(path, &st), 0);  /* systemd's socket stays */
	assert_true(S_ISSOCK(st.st_mode));
	unlink(path);
	assert_int_equal(chmod(env.dir, 0700), 0);
	run_free(r);
	free(r);
}

/* ---- metrics ---- */

#define MAX_FAMILIES 128

struct families {
	int n;
	char name[MAX_FAMILIES][128];
	char type[MAX_FAMILIES][32];
};

static int family_of(const struct families *f, const char *sample)
{
	static const char *const suffixes[] = { "", "_total", "_created", "_info" };

	for (int i = 0; i < f->n; i++)
		for (size_t s = 0; s < sizeof(suffixes) / sizeof(suffixes[0]); s++) {
			char want[192];
			snprintf(want, sizeof(want), "%s%s", f->name[i], suffixes[s]);
			if (strcmp(want, sample) == 0 &&
			    (!*suffixes[s] ? strcmp(f->type[i], "counter") != 0 && strcmp(f->type[i], "info") != 0
					   : strcmp(suffixes[s], "_info") == 0 ? strcmp(f->type[i], "info") == 0
									       : strcmp(f->type[i], "counter") == 0))
				return i;
		}
	return -1;
}

/* Check OpenMetrics text: every sample's family has a # TYPE before it; the text ends with # EOF. */
static void parse_openmetrics(const char *text, struct families *f)
{
	const char *eof = "# EOF\n";
	size_t len = strlen(text);

	memset(f, 0, sizeof(*f));
	assert_true(len >= strlen(eof));
	if (strcmp(text + len - strlen(eof), eof) != 0)
		fail_msg("the metrics do not end with # EOF: ...%s", text + (len > 40 ? len - 40 : 0));
	for (const char *l = text; *l; l = strchr(l, '\n') + 1) {
		char name[128], type[32];
		size_t n = strcspn(l, "{ \n");

		if (strncmp(l, "# TYPE ", 7) == 0) {
			assert_int_equal(sscanf(l, "# TYPE %127s %31s", name, type), 2);
			assert_true(f->n < MAX_FAMILIES);
			snprintf(f->name[f->n], sizeof(f->name[0]), "%s", name);
			snprintf(f->type[f->n++], sizeof(f->type[0]), "%s", type);
		} else if (l[0] == '#') {
			assert_true(strncmp(l, "# HELP ", 7) == 0 || strncmp(l, "# UNIT ", 7) == 0 || strcmp(l, eof) == 0);
		} else {
			assert_true(n > 0 && n < sizeof(name));
			snprintf(name, sizeof(name), "%.*s", (int)n, l);
			if (family_of(f, name) < 0)
				fail_msg("sample %s has no # TYPE before it", name);
		}
	}
}

/* The value of the sample line starting with prefix ("name{labels} "), or -1. */
static double sample_value(const char *text, const char *prefix)
{
	for (const char *l = text; *l; l = strchr(l, '\n') + 1)
		if (strncmp(l, prefix, strlen(prefix)) == 0)
			return strtod(l + strlen(prefix), NULL);
	return -1;
}

static char *http_get(const char *path, int *code)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)env.port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	size_t cap = 1 << 20, n = 0;
	char *buf = malloc(cap + 1), req[256];
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	ssize_t r;

	assert_true(fd >= 0 && buf);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		fail_msg("connect to 127.0.0.1:%d: %s", env.port, strerror(errno));
	snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", path);
	send_all(fd, req);
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, IO_WAIT_MS) <= 0 || (r = read(fd, buf + n, cap - n)) <= 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	close(fd);
	assert_int_equal(sscanf(buf, "HTTP/1.%*d %d", code), 1);
	return buf;
}

/* numadctl metrics is OpenMetrics with the topology's facts; GET /metrics serves the same families. */
static void test_metrics(void **state)
{
	static const char *const args[] = { "metrics", NULL };
	static const char *const expected[] = { "numad_node_memory_free_bytes", "numad_node_memory_total_bytes",
						"numad_node_busy_cpus", "numad_guest_resident_bytes",
						"numad_guest_locality_ratio", "numad_advice", "numad_urgent_extensions",
						"numad_guests_at_risk", "numad_oom_kills", "numad_fast_sample_duration_seconds",
						"numad_full_scan_duration_seconds", "numad_fast_ticks", "numad_full_scans",
						"numad_libvirt_connected", "numad_paused", "numad_guest_exhaustion_seconds",
						"numad_guest", "numad_numa_stat_reads", "numad_node_meminfo_reads",
						"numad_node_meminfo_opens" };
	/* what status and numad(8) say of the scenario's guests: their modes, and what numad does with each */
	static const char *const info[] = { "domain=\"vm1\",uuid=\"%s\",mode=\"restrictive\",management=\"yes\"} 1\n",
					    "domain=\"vm2\",uuid=\"%s\",mode=\"strict\",management=\"observed\"} 1\n",
					    "domain=\"vm3\",uuid=\"%s\",mode=\"interleave\",management=\"no\"} 1\n" };
	struct run *r = calloc(1, sizeof(*r));
	struct families *cli = malloc(sizeof(*cli)), *web = malloc(sizeof(*web));
	char want[256], *page, *body;
	int code;

	(void)state;
	/* 36 s after the hog stopped (36 times the 1 s smoothing of the decline it caused), nothing grows */
	for (int i = 0;; i++) {
		struct json_object *st = ctl_json((const char *const[]){ "status", NULL });
		double up = json_object_get_double(get(st, "uptime_s"));
		json_object_put(st);
		if (up >= 40)
			break;
		if (i == 300)
			fail_msg("the daemon's uptime is %.1f s after 30 s", up);
		sleep_ms(100);
	}
	ctl(r, args);
	assert_int_equal(r->code, 0);
	parse_openmetrics(r->out, cli);
	for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
		bool found = false;
		for (int k = 0; k < cli->n; k++)
			found |= strcmp(cli->name[k], expected[i]) == 0;
		if (!found)
			fail_msg("no %s family in the metrics", expected[i]);
	}
	for (int k = 0; k < env.h.n; k++) {
		snprintf(want, sizeof(want), "numad_node_memory_total_bytes{node=\"%d\"} ", env.h.id[k]);
		assert_true(sample_value(r->out, want) == (double)env.h.size_mb[k] * 1024 * 1024);
	}
	assert_non_null(strstr(r->out, "numad_guest_locality_ratio{domain=\"vm1\",uuid=\""));
	assert_non_null(strstr(r->out, "numad_guest_resident_bytes{domain=\"vm1\",uuid=\""));
	assert_true(sample_value(r->out, "numad_libvirt_connected ") == 1);
	/* no guest's nodes run out: the hog is done and no guest grows, so no exhaustion sample */
	if (strstr(r->out, "\nnumad_guest_exhaustion_seconds{"))
		fail_msg("an exhaustion sample with nothing growing:\n%s", r->out);
	{
		struct json_object *st = ctl_json((const char *const[]){ "status", NULL }), *guests = get(st, "guests");
		for (size_t i = 0; i < sizeof(info) / sizeof(info[0]); i++) {
			char vm[8];
			struct json_object *g;
			snprintf(vm, sizeof(vm), "vm%zu", i + 1);
			g = guest_named(guests, vm);
			assert_non_null(g);
			snprintf(want, sizeof(want), "\nnumad_guest_info{");
			snprintf(want + strlen(want), sizeof(want) - strlen(want), info[i], json_object_get_string(get(g, "uuid")));
			if (!strstr(r->out, want))
				fail_msg("no %s in the metrics:\n%s", want + 1, r->out);
		}
		json_object_put(st);
	}

	page = http_get("/metrics", &code);
	assert_int_equal(code, 200);
	assert_non_null(strcasestr(page, "\r\nContent-Type: application/openmetrics-text"));
	body = strstr(page, "\r\n\r\n");
	assert_non_null(body);
	parse_openmetrics(body + 4, web);
	assert_int_equal(web->n, cli->n);
	for (int k = 0; k < cli->n; k++)
		assert_string_equal(web->name[k], cli->name[k]);
	free(page);
	page = http_get("/other", &code);
	assert_int_equal(code, 404);
	free(page);
	free(cli);
	free(web);
	run_free(r);
	free(r);
}

/* --metrics-listen refuses what is not [ADDR:]PORT with a numeric address, before starting. */
static void test_metrics_listen_values(void **state)
{
	static const char *const bad[] = { "nonsense", "70000", "127.0.0.1:", "somehost:9100", "[::1]9100" };
	struct run *r = calloc(1, sizeof(*r));

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *args[] = { "--metrics-listen", bad[i], "--pidfile", "", "--socket", "", NULL };
		run_prog(r, NUMAD_BIN, args, NULL);
		if (r->code != 2 || !strstr(r->err, "metrics-listen"))
			fail_msg("--metrics-listen %s: exit %d, stderr '%s'", bad[i], r->code, r->err);
	}
	run_free(r);
	free(r);
}

/* Every test with its teardown, which kills what the test left running. */
#define CTL_TEST(f) cmocka_unit_test_setup_teardown(f, mark_children, stop_test_children)

int main(void)
{
	const struct CMUnitTest tests[] = {
		CTL_TEST(test_help),
		CTL_TEST(test_not_running),
		CTL_TEST(test_bad_replies),
		CTL_TEST(test_json_errors),
		CTL_TEST(test_metrics_listen_values),
		CTL_TEST(test_status_text),
		CTL_TEST(test_status_json),
		CTL_TEST(test_nodes_and_guests),
		CTL_TEST(test_history),
		CTL_TEST(test_advise),
		CTL_TEST(test_explain),
		CTL_TEST(test_state_changes),
		CTL_TEST(test_prefixes),
		CTL_TEST(test_protocol_errors),
		CTL_TEST(test_pipelined),
		CTL_TEST(test_oversized),
		CTL_TEST(test_idle_client),
		CTL_TEST(test_many_clients),
		CTL_TEST(test_slow_clients),
		CTL_TEST(test_root_slot),
		CTL_TEST(test_unprivileged),
		CTL_TEST(test_activation_and_group),
		CTL_TEST(test_metrics),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
