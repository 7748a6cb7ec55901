/*
 * test_config_cli.c: numad's config file as an administrator and libvirt meet it. The real
 * binary runs with --config and --check-config; -w runs on a fixture tree with the file and
 * the command line disagreeing; a daemon on the simulated host gets SIGHUP with a bad file
 * and then a good one. Every run has a deadline and is killed when it passes.
 */
#include <errno.h>
#include <fcntl.h>
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"

#define RUN_DEADLINE_MS 20000     /* a one-shot run (-w, --check-config) */
#define DAEMON_DEADLINE_MS 30000  /* the daemon to start, to log a reload, to stop */

static char dir[64];        /* this run's files */
static char conf[128];      /* the config file the cases write */
static pid_t daemon_pid;    /* killed in teardown if a case fails with it running */

struct run {
	int code;               /* exit code, or 128 + signal */
	char out[8192];
	char err[8192];
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void write_text(const char *path, const char *text)
{
	char tmp[256];
	FILE *f;

	/* Replace atomically, as an editor would: the daemon never reads half a file. */
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	f = fopen(tmp, "w");
	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(rename(tmp, path), 0);
}

static void read_all(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	size_t n = 0;
	ssize_t r;

	buf[0] = '\0';
	if (fd < 0)
		return;
	while (n + 1 < len && (r = read(fd, buf + n, len - 1 - n)) > 0)
		n += (size_t)r;
	buf[n] = '\0';
	close(fd);
}

/* Start numad with args (NULL-terminated), stdout and stderr to files under dir. */
static pid_t spawn(const char *const *args, const char *outp, const char *errp)
{
	char *argv[40];
	int n = 0;
	pid_t pid;

	argv[n++] = strdup(NUMAD_BIN);
	for (; *args && n < 39; args++)
		argv[n++] = strdup(*args);
	argv[n] = NULL;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int o = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0644), e = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (o < 0 || e < 0)
			_exit(126);
		dup2(o, 1);
		dup2(e, 2);
		execv(NUMAD_BIN, argv);
		_exit(127);
	}
	for (int i = 0; i < n; i++)
		free(argv[i]);
	return pid;
}

/* Wait for pid until the deadline; kill it and return -1 when it is not done by then. */
static int wait_exit(pid_t pid, int deadline_ms)
{
	int64_t end = now_ms() + deadline_ms;
	int status;

	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (now_ms() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		sleep_ms(20);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Run numad to the end (with a deadline), capturing what it prints. */
static void run_numad(struct run *r, const char *const *args)
{
	char outp[128], errp[128];
	pid_t pid;

	snprintf(outp, sizeof(outp), "%s/out", dir);
	snprintf(errp, sizeof(errp), "%s/err", dir);
	pid = spawn(args, outp, errp);
	r->code = wait_exit(pid, RUN_DEADLINE_MS);
	if (r->code < 0)
		fail_msg("numad %s ... did not finish in %d ms", args[0], RUN_DEADLINE_MS);
	read_all(outp, r->out, sizeof(r->out));
	read_all(errp, r->err, sizeof(r->err));
}

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* ---- --check-config ---- */

static void test_check_good(void **state)
{
	const char *args[] = { "--check-config", "--config", conf, NULL };
	char want[256];
	struct run r;
	(void)state;

	write_text(conf, "# a good file\ntarget_utilization = 70\nsocket = \"\"   # no socket\r\nexclude = 4000, 4001\n");
	run_numad(&r, args);
	assert_int_equal(r.code, 0);
	assert_string_equal(r.out, "");
	snprintf(want, sizeof(want), "%s: OK\n", conf);
	assert_string_equal(r.err, want);
}

/* Every error, each naming the file and its line, exit 2. */
static void test_check_bad(void **state)
{
	const char *args[] = { "--check-config", "--config", conf, NULL };
	char want[1024];
	struct run r;
	(void)state;

	write_text(conf, "# a bad file\ntarget_utilization = 150\nu = 85\nsocket = \"/a\nlog_level = 6\nlog_level = 7\n");
	run_numad(&r, args);
	assert_int_equal(r.code, 2);
	assert_string_equal(r.out, "");
	snprintf(want, sizeof(want),
		 "%s:2: target_utilization: '150' is not a number from 10 to 130\n"
		 "%s:3: unknown key 'u'\n"
		 "%s:4: unterminated quote\n"
		 "%s:6: duplicate key 'log_level' (first set on line 5)\n",
		 conf, conf, conf, conf);
	assert_string_equal(r.err, want);
}

/* The file the package installs as /etc/numad.conf passes as it is. */
static void test_shipped_conf(void **state)
{
	const char *args[] = { "--check-config", "--config", CONF_FILE, NULL };
	char want[1024];
	struct run r;
	(void)state;

	run_numad(&r, args);
	assert_int_equal(r.code, 0);
	snprintf(want, sizeof(want), "%s: OK\n", CONF_FILE);
	assert_string_equal(r.err, want);
}

/* metrics_listen goes through the same parser as --metrics-listen. */
static void test_metrics_listen_key(void **state)
{
	const char *args[] = { "--check-config", "--config", conf, NULL };
	const char *cli[] = { "--check-config", "--config", "", "--metrics-listen", "nowhere:x", NULL };
	char want[sizeof(((struct run *)0)->err) + 256];
	struct run r, c;
	(void)state;

	write_text(conf, "metrics_listen = 127.0.0.1:9100\n");
	run_numad(&r, args);
	assert_int_equal(r.code, 0);
	write_text(conf, "metrics_listen = nowhere:x\n");
	run_numad(&r, args);
	assert_int_equal(r.code, 2);
	run_numad(&c, cli);
	assert_int_equal(c.code, 2);
	/* "FILE:1: metrics_listen: REASON" and "--metrics-listen: REASON". */
	assert_true(strncmp(c.err, "--metrics-listen: ", 18) == 0);
	snprintf(want, sizeof(want), "%s:1: metrics_listen: %s", conf, c.err + 18);
	assert_string_equal(r.err, want);
}

/* An explicit --config that is not there is an error, for every kind of run. */
static void test_missing_config(void **state)
{
	char missing[128], want[256];
	const char *check[] = { "--check-config", "--config", missing, NULL };
	const char *w[] = { "--config", missing, "--log", "", "-w", "1", NULL };
	struct run r;
	(void)state;

	snprintf(missing, sizeof(missing), "%s/no-such.conf", dir);
	run_numad(&r, check);
	assert_int_equal(r.code, 2);
	snprintf(want, sizeof(want), "%s: cannot read: No such file or directory\n", missing);
	assert_string_equal(r.err, want);
	run_numad(&r, w);
	assert_int_equal(r.code, 2);
	assert_string_equal(r.out, "");
	snprintf(want, sizeof(want), "numad: %s: cannot read: No such file or directory\n", missing);
	assert_string_equal(r.err, want);
}

/* --check-config checks and stops: no pid file, no log, no socket, nothing on stdout. */
static void test_check_does_nothing_else(void **state)
{
	char pidp[128], logp[128], sockp[128];
	const char *args[] = { "--check-config", "--config", conf, "--pidfile", pidp, "--log", logp, "--socket", sockp,
			       "-F", NULL };
	struct run r;
	(void)state;

	snprintf(pidp, sizeof(pidp), "%s/numad.pid", dir);
	snprintf(logp, sizeof(logp), "%s/numad.log", dir);
	snprintf(sockp, sizeof(sockp), "%s/numad.sock", dir);
	write_text(conf, "log_level = 7\n");
	run_numad(&r, args);
	assert_int_equal(r.code, 0);
	assert_string_equal(r.out, "");
	assert_false(exists(pidp));
	assert_false(exists(logp));
	assert_false(exists(sockp));
}

/* ---- -w: the file's policy counts, and the command line wins ---- */

/* Count the nodes in a node list such as "0-1,3\n". */
static int count_nodes(const char *list)
{
	char *copy = strdup(list), *p = copy;
	int n = 0;

	assert_non_null(copy);
	while (*p && *p != '\n') {
		long a = strtol(p, &p, 10), b = a;

		if (*p == '-')
			b = strtol(p + 1, &p, 10);
		n += (int)(b - a + 1);
		if (*p == ',')
			p++;
		else if (*p && *p != '\n')
			fail_msg("not a node list: '%s'", list);
	}
	free(copy);
	return n;
}

/*
 * The DL980's nodes are 16 GB with about 15.8 GB free. At -u 85 a node offers its free
 * memory above 15% of its size, about 13.3 GB: a 10000 MB guest fits one node. At -u 50
 * it offers about 7.6 GB, so the guest needs two.
 */
static void test_w_policy_from_file(void **state)
{
	char topo[1024], root[128], err[512], *text;
	const char *no_file[] = { "--config", "", "--root", root, "--log", "", "-w", "4:10000", NULL };
	const char *file[] = { "--config", conf, "--root", root, "--log", "", "-w", "4:10000", NULL };
	const char *file_and_u[] = { "--config", conf, "-u", "85", "--root", root, "--log", "", "-w", "4:10000", NULL };
	struct run r;
	(void)state;

	snprintf(topo, sizeof(topo), "%s/dl980-8node.txt", TOPO_DIR);
	text = fixture_read_file(topo, err, sizeof(err));
	assert_non_null(text);
	snprintf(root, sizeof(root), "%s/tree", dir);
	if (fixture_build(root, text, NULL, err, sizeof(err)) < 0)
		fail_msg("fixture: %s", err);
	free(text);
	write_text(conf, "target_utilization = 50\n");

	run_numad(&r, no_file);
	assert_int_equal(r.code, 0);
	assert_int_equal(count_nodes(r.out), 1);
	run_numad(&r, file);
	assert_int_equal(r.code, 0);
	assert_int_equal(count_nodes(r.out), 2);
	run_numad(&r, file_and_u);
	assert_int_equal(r.code, 0);
	assert_int_equal(count_nodes(r.out), 1);
	fixture_remove(root);
}

/* libvirt shows numad's stderr: a bad file makes -w say why, print nothing on stdout, exit 2. */
static void test_w_bad_config(void **state)
{
	const char *args[] = { "--config", conf, "--log", "", "-w", "1", NULL };
	char want[256];
	struct run r;
	(void)state;

	write_text(conf, "target_utilization = 500\n");
	run_numad(&r, args);
	assert_int_equal(r.code, 2);
	assert_string_equal(r.out, "");
	snprintf(want, sizeof(want), "numad: %s:1: target_utilization: '500' is not a number from 10 to 130\n", conf);
	assert_string_equal(r.err, want);
}

/* ---- the daemon ---- */

/* The daemon on the simulated DL980, with one guest, for ten minutes at most. */
static void daemon_args(const char **args, char *scn, char *logp, char *topo)
{
	int n = 0;

	snprintf(topo, 1024, "%s/dl980-8node.txt", TOPO_DIR);
	snprintf(scn, 128, "%s/reload.scn", dir);
	snprintf(logp, 128, "%s/numad.log", dir);
	write_text(scn, "0 start vm1 vcpus=2 mem=2G touch=1G mode=restrictive\n600 end\n");
	args[n++] = "--simulate";
	args[n++] = topo;
	args[n++] = "--scenario";
	args[n++] = scn;
	args[n++] = "--config";
	args[n++] = conf;
	args[n++] = "--socket";
	args[n++] = "";
	args[n++] = "--pidfile";
	args[n++] = "";
	args[n++] = "--log";
	args[n++] = logp;
	args[n++] = "-F";
	args[n++] = "--speed";
	args[n++] = "1";
	args[n++] = "--run-for";
	args[n++] = "120"; /* the daemon's own deadline, should ours fail */
	args[n] = NULL;
}

static void test_daemon_refuses_bad_config(void **state)
{
	char scn[128], logp[128], topo[1024], want[256];
	const char *args[24];
	struct run r;
	(void)state;

	daemon_args(args, scn, logp, topo);
	unlink(logp);
	write_text(conf, "log_level = 6\nhorizon = never\n");
	run_numad(&r, args);
	assert_int_equal(r.code, 2);
	snprintf(want, sizeof(want), "numad: %s:2: horizon: 'never' is not a number from 0.1 to 600\n", conf);
	assert_string_equal(r.err, want);
	assert_false(exists(logp));
}

/* Wait until the log has a line containing what; fail at the deadline. */
static void wait_for_log(const char *logp, const char *what)
{
	int64_t end = now_ms() + DAEMON_DEADLINE_MS;
	static char log[1 << 20];

	for (;;) {
		read_all(logp, log, sizeof(log));
		if (strstr(log, what))
			return;
		if (now_ms() > end)
			fail_msg("the log has no '%s' after %d ms:\n%s", what, DAEMON_DEADLINE_MS, log);
		if (waitpid(daemon_pid, NULL, WNOHANG) != 0)
			fail_msg("numad exited while waiting for '%s':\n%s", what, log);
		sleep_ms(50);
	}
}

/*
 * SIGHUP with a bad file: the log names the file and line, and the daemon goes on. SIGHUP
 * with the file fixed: "configuration reloaded", and a start-only key is noted for later.
 */
static void test_daemon_reload(void **state)
{
	char scn[128], logp[128], topo[1024], outp[128], errp[128], want[512];
	const char *args[24];
	int code;
	(void)state;

	daemon_args(args, scn, logp, topo);
	unlink(logp);
	snprintf(outp, sizeof(outp), "%s/daemon.out", dir);
	snprintf(errp, sizeof(errp), "%s/daemon.err", dir);
	write_text(conf, "log_level = 5\n");
	daemon_pid = spawn(args, outp, errp);
	wait_for_log(logp, " started: ");

	write_text(conf, "log_level = 5\ntarget_utilization = 500\n");
	assert_int_equal(kill(daemon_pid, SIGHUP), 0);
	snprintf(want, sizeof(want),
		 "configuration not reloaded, the running one stays: %s:2: target_utilization: '500' is not a number "
		 "from 10 to 130\n",
		 conf);
	wait_for_log(logp, want);
	sleep_ms(200);
	assert_int_equal(waitpid(daemon_pid, NULL, WNOHANG), 0);

	write_text(conf, "log_level = 6\nfast_interval = 100\n");
	assert_int_equal(kill(daemon_pid, SIGHUP), 0);
	snprintf(want, sizeof(want), "%s: fast_interval changed: takes effect at restart\n", conf);
	wait_for_log(logp, want);
	snprintf(want, sizeof(want), "configuration reloaded from %s\n", conf);
	wait_for_log(logp, want);

	assert_int_equal(kill(daemon_pid, SIGTERM), 0);
	code = wait_exit(daemon_pid, DAEMON_DEADLINE_MS);
	daemon_pid = 0;
	assert_int_equal(code, 0);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/numad-config-cli.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(conf, sizeof(conf), "%s/numad.conf", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (daemon_pid > 0) {
		kill(daemon_pid, SIGKILL);
		waitpid(daemon_pid, NULL, 0);
	}
	return fixture_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_good),
		cmocka_unit_test(test_check_bad),
		cmocka_unit_test(test_shipped_conf),
		cmocka_unit_test(test_metrics_listen_key),
		cmocka_unit_test(test_missing_config),
		cmocka_unit_test(test_check_does_nothing_else),
		cmocka_unit_test(test_w_policy_from_file),
		cmocka_unit_test(test_w_bad_config),
		cmocka_unit_test(test_daemon_refuses_bad_config),
		cmocka_unit_test(test_daemon_reload),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
