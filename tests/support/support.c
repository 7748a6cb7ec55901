/* support.c: what numad's test programs share (see support.h). */
#include "support.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fixture.h"
#include "log.h"

/* ---- time ---- */

int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* ---- files ---- */

char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL, *p;
	size_t len = 0, cap = 0, n;

	if (!f)
		return NULL;
	do {
		if (cap - len < 4096) {
			p = realloc(buf, cap + 65536);
			assert_non_null(p);
			buf = p;
			cap += 65536;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
	} while (n > 0);
	if (ferror(f)) {
		fclose(f);
		free(buf);
		errno = EIO;
		return NULL;
	}
	fclose(f);
	buf[len] = '\0';
	return buf;
}

char *must_slurp(const char *path)
{
	char *t = slurp(path);

	if (!t)
		fail_msg("cannot read %s: %s", path, strerror(errno));
	return t;
}

void write_text(const char *path, const char *text)
{
	char tmp[PATH_MAX];
	FILE *f;

	assert_true((size_t)snprintf(tmp, sizeof(tmp), "%s.new", path) < sizeof(tmp));
	f = fopen(tmp, "w");
	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(rename(tmp, path), 0);
}

/* How many times what stands in text (NULL: none). */
static int count_in(const char *text, const char *what)
{
	int n = 0;

	for (const char *p = text; p && (p = strstr(p, what)); p++)
		n++;
	return n;
}

/* Whether pid has exited (or is no child of ours), leaving it unreaped. */
static bool exited(pid_t pid)
{
	siginfo_t si;
	int r;

	memset(&si, 0, sizeof(si));
	do
		r = waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT);
	while (r < 0 && errno == EINTR);
	return r < 0 || si.si_pid == pid;
}

int wait_for_text(const char *path, const char *what, int count, int limit_ms, pid_t pid)
{
	int64_t deadline = mono_ms() + limit_ms;

	for (;;) {
		char *text = slurp(path);
		int n = count_in(text, what);

		free(text);
		if (n >= count)
			return n;
		if ((pid > 0 && exited(pid)) || mono_ms() >= deadline)
			return -1;
		sleep_ms(20);
	}
}

char *make_root(const char *name)
{
	char tmpl[PATH_MAX], *root;

	snprintf(tmpl, sizeof(tmpl), "/tmp/numad-test-%s-XXXXXX", name);
	root = strdup(tmpl);
	if (!root || !mkdtemp(root))
		fail_msg("mkdtemp: %s", strerror(errno));
	return root;
}

void drop_root(char *root)
{
	fixture_remove(root);
	free(root);
}

struct sim_dirs sim_dirs;

int sim_dirs_setup(void **state)
{
	char n[64];

	(void)state;
	snprintf(n, sizeof(n), "%sxdg", program_invocation_short_name);
	sim_dirs.xdg = make_root(n);
	snprintf(n, sizeof(n), "%swork", program_invocation_short_name);
	sim_dirs.work = make_root(n);
	if (chmod(sim_dirs.xdg, 0700) < 0)
		return -1;
	snprintf(sim_dirs.xdg_env, sizeof(sim_dirs.xdg_env), "XDG_RUNTIME_DIR=%s", sim_dirs.xdg);
	return 0;
}

int sim_dirs_teardown(void **state)
{
	(void)state;
	drop_root(sim_dirs.xdg);
	drop_root(sim_dirs.work);
	sim_dirs.xdg = sim_dirs.work = NULL;
	return 0;
}

int rm_rel(const char *root, const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	return unlink(path);
}

int setup_quiet(void **state)
{
	(void)state;
	/* the library warns about every damaged file; keep the test output readable */
	log_set_level(LOG_ERR);
	log_set_stderr_level(-1);
	return 0;
}

/* ---- children ---- */

int become(const struct who *as)
{
	gid_t g = (gid_t)as->group;

	if (setgroups(as->group >= 0 ? 1 : 0, &g) < 0 || setgid((gid_t)as->gid) < 0 || setuid((uid_t)as->uid) < 0)
		return -1;
	return 0;
}

/* The children started and not reaped yet, in no order; seq counts them for children_mark(). */
static struct started {
	pid_t pid;
	unsigned long seq;
	char what[256];
} *started;
static size_t nstarted, capstarted;
static unsigned long nextseq;

static void stop_every_child(void)
{
	stop_children(0);
}

void track_child(pid_t pid, const char *what)
{
	if (nstarted == capstarted) {
		struct started *p = realloc(started, (capstarted + 16) * sizeof(*started));

		assert_non_null(p);
		started = p;
		capstarted += 16;
	}
	/* registered by the first child, so that a program which starts none installs nothing */
	if (nextseq == 0)
		atexit(stop_every_child);
	started[nstarted].pid = pid;
	started[nstarted].seq = nextseq++;
	snprintf(started[nstarted].what, sizeof(started[0].what), "%s", what);
	nstarted++;
}

unsigned long children_mark(void)
{
	return nextseq;
}

/* Drop pid from the children started (it has been reaped). */
static void forget_child(pid_t pid)
{
	for (size_t i = 0; i < nstarted; i++)
		if (started[i].pid == pid) {
			started[i] = started[--nstarted];
			return;
		}
}

int stop_children(unsigned long mark)
{
	int running = 0;

	/* from the end, so that the entry moved into a dropped one's place has been seen */
	for (size_t i = nstarted; i-- > 0;) {
		struct started s = started[i];
		siginfo_t si;
		int r;

		if (s.seq < mark)
			continue;
		started[i] = started[--nstarted];
		memset(&si, 0, sizeof(si));
		do
			r = waitid(P_PID, (id_t)s.pid, &si, WEXITED | WNOHANG | WNOWAIT);
		while (r < 0 && errno == EINTR);
		/* reaped by a plain waitpid(): the pid is no longer ours, whoever has it now */
		if (r < 0)
			continue;
		if (si.si_pid == 0) {
			fprintf(stderr, "killing %s (pid %d), still running after its test\n", s.what, (int)s.pid);
			kill(getpgid(s.pid) == s.pid ? -s.pid : s.pid, SIGKILL);
			running++;
		}
		while (waitpid(s.pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	return running;
}

/* argv for c, made before the fork: prog, --config "" for no_config, then the args. */
static char **make_argv(const struct child *c)
{
	size_t n = 0, k = 0;
	char **argv;

	while (c->args && c->args[n])
		n++;
	argv = calloc(n + 4, sizeof(*argv));
	assert_non_null(argv);
	argv[k++] = strdup(c->prog);
	if (c->no_config) {
		argv[k++] = strdup("--config");
		argv[k++] = strdup("");
	}
	for (size_t i = 0; i < n; i++)
		argv[k++] = strdup(c->args[i]);
	for (size_t i = 0; i < k; i++)
		assert_non_null(argv[i]);
	return argv;
}

static void free_argv(char **argv)
{
	for (size_t i = 0; argv[i]; i++)
		free(argv[i]);
	free(argv);
}

/* In the child: stdin from /dev/null, stdout and stderr to c's files, the listening socket as fd 3. */
static void child_files(const struct child *c)
{
	int flags = O_WRONLY | O_CREAT | (c->append ? O_APPEND : O_TRUNC);
	int in = open("/dev/null", O_RDONLY), out = open(c->outp, flags, 0644);
	int err = c->errp ? open(c->errp, flags, 0644) : dup(out);

	if (in < 0 || out < 0 || err < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
		_exit(126);
	if (in > 2)
		close(in);
	if (out > 2)
		close(out);
	if (err > 2)
		close(err);
	if (c->listen_fd > 0 && c->listen_fd != 3 && (dup2(c->listen_fd, 3) < 0 || close(c->listen_fd) < 0))
		_exit(126);
}

/* In the child: none of this session's systemd or fault injection; env and socket activation added. */
static void child_env(const struct child *c, char *env)
{
	static const char *const drop[] = { "NUMAD_INJECT_FAULT", "NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID",
					    "LISTEN_FDNAMES", "WATCHDOG_USEC", "WATCHDOG_PID", "JOURNAL_STREAM" };
	char me[16];

	for (size_t i = 0; i < NELEM(drop); i++)
		unsetenv(drop[i]);
	if (env)
		putenv(env);
	if (c->listen_fd > 0) {
		snprintf(me, sizeof(me), "%d", (int)getpid());
		setenv("LISTEN_PID", me, 1);
		setenv("LISTEN_FDS", "1", 1);
	}
}

pid_t spawn(const struct child *c)
{
	char **argv = make_argv(c), *env = c->env ? strdup(c->env) : NULL;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		child_files(c);
		if (c->as && become(c->as) < 0)
			_exit(126);
		child_env(c, env);
		if (c->own_group)
			setpgid(0, 0);
		signal(SIGPIPE, SIG_DFL);
		if (c->alarm_s)
			alarm(c->alarm_s);
		execv(argv[0], argv);
		_exit(127);
	}
	free_argv(argv);
	free(env);
	track_child(pid, c->prog);
	return pid;
}

static int exit_code(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int wait_exit(pid_t pid, int limit_ms)
{
	int64_t deadline = mono_ms() + limit_ms;
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, limit_ms < 0 ? 0 : WNOHANG);

		if (r == pid) {
			forget_child(pid);
			return exit_code(status);
		}
		if (r < 0 && errno != EINTR)
			fail_msg("waitpid(%d): %s", (int)pid, strerror(errno));
		if (r == 0 && mono_ms() >= deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			forget_child(pid);
			return -1;
		}
		if (r == 0)
			sleep_ms(20);
	}
}

int stop_process(pid_t pid, int limit_ms)
{
	kill(pid, SIGTERM);
	return wait_exit(pid, limit_ms);
}

void run_child(struct run *r, const struct child *c, int limit_ms)
{
	char outp[] = "/tmp/numad-test-out.XXXXXX", errp[] = "/tmp/numad-test-err.XXXXXX";
	int ofd = mkstemp(outp), efd = mkstemp(errp);
	struct child tmp = *c;

	assert_true(ofd >= 0 && efd >= 0);
	close(ofd);
	close(efd);
	tmp.outp = outp;
	tmp.errp = errp;
	tmp.append = false;
	run_free(r);
	r->code = wait_exit(spawn(&tmp), limit_ms);
	r->out = must_slurp(outp);
	r->err = must_slurp(errp);
	unlink(outp);
	unlink(errp);
	if (r->code < 0)
		fail_msg("%s did not finish within %d ms; stderr:\n%s", c->prog, limit_ms, r->err);
}

void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

/* ---- node lists ---- */

/* The decimal number at s[*i..len), advancing *i; false when there is none. */
static bool parse_id(const char *s, size_t len, size_t *i, long *v)
{
	if (*i >= len || !isdigit((unsigned char)s[*i]))
		return false;
	for (*v = 0; *i < len && isdigit((unsigned char)s[*i]); (*i)++)
		*v = *v * 10 + (s[*i] - '0');
	return true;
}

bool parse_nodes(const char *s, size_t len, uint64_t *set)
{
	size_t i = 0;

	*set = 0;
	while (i < len) {
		long a, b;

		if (!parse_id(s, len, &i, &a))
			return false;
		b = a;
		if (i < len && s[i] == '-' && (++i, !parse_id(s, len, &i, &b)))
			return false;
		if (a > b || b >= MAX_NODES)
			return false;
		for (long k = a; k <= b; k++)
			*set |= 1ULL << k;
		if (i < len && s[i++] != ',')
			return false;
	}
	return true;
}

uint64_t nodes_of(const char *s)
{
	size_t len = strlen(s);
	uint64_t set;

	if (len > 0 && s[len - 1] == '\n')
		len--;
	if (!parse_nodes(s, len, &set))
		fail_msg("'%s' is not a node list", s);
	return set;
}

int node_ids(uint64_t set, int *ids)
{
	int n = 0;

	for (int k = 0; k < MAX_NODES; k++)
		if (set & (1ULL << k))
			ids[n++] = k;
	return n;
}

int popcount64(uint64_t x)
{
	int n = 0;

	for (; x; x &= x - 1)
		n++;
	return n;
}

/* ---- the host of a numactl -H text ---- */

int host_index(const struct host *h, int id)
{
	for (int k = 0; k < h->n; k++)
		if (h->id[k] == id)
			return k;
	return -1;
}

/* The index of node id, added when it is new; -1 when there is no room for it. */
static int host_add(struct host *h, int id)
{
	int k = host_index(h, id);

	if (k < 0 && h->n < MAX_NODES) {
		k = h->n++;
		h->id[k] = id;
	}
	return k;
}

/* How many CPU numbers the rest of a "node N cpus:" line lists. */
static int count_cpus(const char *p)
{
	int n = 0;

	for (; *p && *p != '\n'; p++)
		if (isdigit((unsigned char)*p) && !isdigit((unsigned char)p[1]))
			n++;
	return n;
}

/* One row of the distance table, after its "N:". */
static void read_distances(const char *p, struct host *h, int row)
{
	for (int j = 0; j < h->n; j++) {
		char *end;

		h->dist[row][j] = (int)strtol(p, &end, 10);
		p = end;
	}
}

static const char *next_line(const char *line)
{
	line = strchr(line, '\n');
	return line ? line + 1 : NULL;
}

int read_host(const char *text, struct host *h)
{
	int row = 0;

	memset(h, 0, sizeof(*h));
	for (const char *line = text; line && *line; line = next_line(line)) {
		int id, k, off = -1;
		long v;

		if (sscanf(line, "node %d size: %ld MB", &id, &v) == 2 && (k = host_add(h, id)) >= 0)
			h->size_mb[k] = v;
		else if (sscanf(line, "node %d free: %ld MB", &id, &v) == 2 && (k = host_add(h, id)) >= 0)
			h->free_mb[k] = v;
		else if (sscanf(line, "node %d cpus:%n", &id, &off) == 1 && off > 0 && (k = host_add(h, id)) >= 0)
			h->ncpus[k] = count_cpus(line + off);
		else if (line[0] == ' ' && sscanf(line, " %d:%n", &id, &off) == 1 && off > 0 && row < h->n)
			read_distances(line + off, h, row++);
	}
	return row;
}

/* ---- a client of a control socket ---- */

void set_sun_path(struct sockaddr_un *sa, const char *path)
{
	size_t n = strlen(path);

	assert_true(n < sizeof(sa->sun_path));
	memcpy(sa->sun_path, path, n + 1);
}

int connect_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), e;

	assert_true(fd >= 0);
	set_sun_path(&sa, path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

void send_all(int fd, const char *s)
{
	size_t n = strlen(s);

	while (n > 0) {
		ssize_t w = send(fd, s, n, MSG_NOSIGNAL);

		if (w <= 0)
			fail_msg("send: %s", strerror(errno));
		s += w;
		n -= (size_t)w;
	}
}

enum got read_line(int fd, char *buf, size_t len, int timeout_ms)
{
	int64_t deadline = mono_ms() + timeout_ms;
	size_t n = 0;

	buf[0] = '\0';
	while (n + 1 < len) {
		struct pollfd p = { fd, POLLIN, 0 };
		int64_t left = deadline - mono_ms();
		int r = left > 0 ? poll(&p, 1, (int)left) : 0;

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return GOT_TIMEOUT;
		if (read(fd, buf + n, 1) <= 0) { /* EOF, or ECONNRESET after a close with our bytes unread */
			buf[n] = '\0';
			return GOT_EOF;
		}
		if (buf[n] == '\n') {
			buf[n] = '\0';
			return GOT_LINE;
		}
		buf[++n] = '\0';
	}
	fail_msg("line longer than %zu bytes", len);
	return GOT_TIMEOUT;
}
