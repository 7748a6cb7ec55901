/*
 * test_config_cli.c: numad's config file as an administrator and libvirt meet it. The real
 * binary runs with --config and --check-config; -w runs on a fixture tree with the file and
 * the command line disagreeing; a daemon on the simulated host gets SIGHUP with a bad file
 * and then a good one. Every run has a deadline and is killed when it passes.
 */
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
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"
#include "support.h"

#define RUN_DEADLINE_MS 20000     /* a one-shot run (-w, --check-config) */
#define DAEMON_DEADLINE_MS 30000  /* the daemon to start, to log a reload, to stop */

static char dir[64];        /* this run's files */
static char conf[128];      /* the config file the cases write */
static pid_t daemon_pid;    /* killed in teardown if a case fails with it running */

/* Run numad with args (NULL-terminated, without argv[0]) to its end within the deadline, capturing its output. */
static void run_numad(struct run *r, const char *const *args)
{
	struct child c = { .prog = NUMAD_BIN, .args = args };

	run_child(r, &c, RUN_DEADLINE_MS);
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
	struct run r = { 0 };
	(void)state;

	write_text(conf, "# a good file\ntarget_utilization = 70\nsocket = \"\"   # no socket\r\n"
			 "exclude = 4000, 4001, web1, 5E1A0000-0000-4000-8000-0000000000AB\ninclude = \"db #2\"\n");
	run_numad(&r, args);
	assert_int_equal(r.code, 0);
	assert_string_equal(r.out, "");
	snprintf(want, sizeof(want), "%s: OK\n", conf);
	assert_string_equal(r.err, want);
	run_free(&r);
}

/* Every error, each naming the file and its line, exit 2. */
static void test_check_bad(void **state)
{
	const char *args[] = { "--check-config", "--config", conf, NULL };
	char want[1024];
	struct run r = { 0 };
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
	run_free(&r);
}

/*
 * Numbers in the file are plain decimal (numad.conf(5)): no exponent, no hex, no '+', and a
 * fraction only where the setting has one; each refused with its line, exit 2.
 */
static void test_check_numbers(void **state)
{
	const char *args[] = { "--check-config", "--config", conf, NULL };
	char want[2048];
	struct run r = { 0 };
	(void)state;

	write_text(conf, "smt_percent = 1e2\nhorizon = 0x10\nmargin = 2.5\nlog_level = +6\nexclude = 0x7b\n"
			 "guest_interval = 1e3\nurgent_burst = 4 # four\ninclude = vm1, 9lives\n");
	run_numad(&r, args);
	assert_int_equal(r.code, 2);
	assert_string_equal(r.out, "");
	snprintf(want, sizeof(want),
		 "%s:1: smt_percent: '1e2' is not a decimal number\n"
		 "%s:2: horizon: '0x10' is not a decimal number\n"
		 "%s:3: margin: '2.5' is not a whole number\n"
		 "%s:4: log_level: '+6' is not a decimal number\n"
		 "%s:5: exclude: '0x7b' is not a decimal number (a domain whose name starts with a digit is given by its "
		 "UUID)\n"
		 "%s:6: guest_interval: '1e3' is not a decimal number\n"
		 "%s:8: include: '9lives' is not a decimal number (a domain whose name starts with a digit is given by "
		 "its UUID)\n",
		 conf, conf, conf, conf, conf, conf, conf);
	assert_string_equal(r.err, want);

	/* What the grammar has: leading zeros (decimal, not octal), a fraction where one goes. */
	write_text(conf, "smt_percent = 010\nhorizon = 2.5\nmargin = 0256\n");
	run_numad(&r, args);
	assert_int_equal(r.code, 0);
	snprintf(want, sizeof(want), "%s: OK\n", conf);
	assert_string_equal(r.err, want);
	run_free(&r);
}

/* A key a letter or two from a known one gets that key as a hint; a key far from all gets none. */
static void test_check_near_keys(void **state)
{
	const char *args[] = { "--check-config", "--config", conf, NULL };
	char want[2048];
	struct run r = { 0 };
	(void)state;

	write_text(conf, "target_utilisation = 80\nmemory-locality = 95\nHorizon = 5\nmigrate_rat = 64\nutilization = 80\n");
	run_numad(&r, args);
	assert_int_equal(r.code, 2);
	snprintf(want, sizeof(want),
		 "%s:1: unknown key 'target_utilisation' (did you mean 'target_utilization'?)\n"
		 "%s:2: unknown key 'memory-locality' (did you mean 'memory_locality'?)\n"
		 "%s:3: unknown key 'Horizon' (did you mean 'horizon'?)\n"
		 "%s:4: unknown key 'migrate_rat' (did you mean 'migrate_rate'?)\n"
		 "%s:5: unknown key 'utilization'\n",
		 conf, conf, conf, conf, conf);
	assert_string_equal(r.err, want);
	run_free(&r);
}

/* The file the package installs as /etc/numad.conf passes as it is. */
static void test_shipped_conf(void **state)
{
	const char *args[] = { "--check-config", "--config", CONF_FILE, NULL };
	char want[1024];
	struct run r = { 0 };
	(void)state;

	run_numad(&r, args);
	assert_int_equal(r.code, 0);
	snprintf(want, sizeof(want), "%s: OK\n", CONF_FILE);
	assert_string_equal(r.err, want);
	run_free(&r);
}

/* metrics_listen goes through the same parser as --metrics-listen. */
static void test_metrics_listen_key(void **state)
{
	const char *args[] = { "--check-config", "--config", conf, NULL };
	const char *cli[] = { "--check-config", "--config", "", "--metrics-listen", "nowhere:x", NULL };
	char want[8192 + 256];
	struct run r = { 0 }, c = { 0 };
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
	run_free(&r);
	run_free(&c);
}

/*
 * An explicit --config that is not there is an error for every kind of run but -w, which
 * libvirt runs at a guest's start: it says so and answers with the defaults.
 */
static void test_missing_config(void **state)
{
	char missing[128], want[512], ledger[160];
	const char *check[] = { "--check-config", "--config", missing, NULL };
	const char *w[] = { "--config", missing, "--log", "", "--ledger", ledger, "-w", "1", NULL };
	struct run r = { 0 };
	(void)state;

	snprintf(missing, sizeof(missing), "%s/no-such.conf", dir);
	snprintf(ledger, sizeof(ledger), "%s/ledger", dir);
	run_numad(&r, check);
	assert_int_equal(r.code, 2);
	snprintf(want, sizeof(want), "%s: cannot read: No such file or directory\n", missing);
	assert_string_equal(r.err, want);
	run_numad(&r, w);
	assert_int_equal(r.code, 0);
	assert_true(popcount64(nodes_of(r.out)) >= 1);
	snprintf(want, sizeof(want), "numad: %s: cannot read: No such file or directory; -w answers with the defaults "
		 "and the command line (numad --check-config shows every error)\n", missing);
	assert_string_equal(r.err, want);
	run_free(&r);
}

/* --check-config checks and stops: no pid file, no log, no socket, nothing on stdout. */
static void test_check_does_nothing_else(void **state)
{
	char pidp[128], logp[128], sockp[128];
	const char *args[] = { "--check-config", "--config", conf, "--pidfile", pidp, "--log", logp, "--socket", sockp,
			       "-F", NULL };
	struct run r = { 0 };
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
	run_free(&r);
}

/* ---- -w: the file's policy counts, and the command line wins ---- */

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
	struct run r = { 0 };
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
	assert_int_equal(popcount64(nodes_of(r.out)), 1);
	run_numad(&r, file);
	assert_int_equal(r.code, 0);
	assert_int_equal(popcount64(nodes_of(r.out)), 2);
	run_numad(&r, file_and_u);
	assert_int_equal(r.code, 0);
	assert_int_equal(popcount64(nodes_of(r.out)), 1);
	fixture_remove(root);
	run_free(&r);
}

/*
 * A file libvirt cannot fix must not fail a guest's start: -w says what is wrong on stderr
 * (which libvirt logs) and in numad's log, and answers with the defaults and the command
 * line, exit 0. A bad -w argument is libvirt's own, and still fails with exit 2.
 */
static void test_w_bad_config(void **state)
{
	char logp[160], ledger[160], want[512], *log;
	const char *args[] = { "--config", conf, "--log", logp, "--ledger", ledger, "-w", "1", NULL };
	const char *bad_w[] = { "--config", conf, "--log", "", "--ledger", ledger, "-w", "1:lots", NULL };
	const char *bad_u[] = { "--config", conf, "--log", "", "--ledger", ledger, "-u", "500", "-w", "1", NULL };
	static const struct {
		const char *text, *says;
	} files[] = {
		{ "target_utilization = 500\n", ":1: target_utilization: '500' is not a number from 10 to 130" },
		{ "target_utilisation = 80\n", ":1: unknown key 'target_utilisation' (did you mean 'target_utilization'?)" },
		{ "margin = 1\nthis is not a setting\nhorizon = x\n", ":2: " },
	};
	struct run r = { 0 };
	(void)state;

	snprintf(logp, sizeof(logp), "%s/w.log", dir);
	snprintf(ledger, sizeof(ledger), "%s/ledger", dir);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		write_text(conf, files[i].text);
		unlink(logp);
		run_numad(&r, args);
		snprintf(want, sizeof(want), "numad: %s%s", conf, files[i].says);
		if (r.code != 0 || popcount64(nodes_of(r.out)) < 1 || strncmp(r.err, want, strlen(want)) != 0 ||
		    !strstr(r.err, "; -w answers with the defaults and the command line"))
			fail_msg("file '%s': exit %d, stdout '%s', stderr '%s'; want 0, a node list and '%s...'", files[i].text,
				 r.code, r.out, r.err, want);
		log = must_slurp(logp);
		if (!strstr(log, want + strlen("numad: ")) || !strstr(log, "Advising pid -1 (unknown)"))
			fail_msg("the log lacks the file's error or the advice:\n%s", log);
		free(log);
	}
	run_numad(&r, bad_w);
	if (r.code != 2 || strcmp(r.out, "") != 0 || !strstr(r.err, "numad: -w: bad MB in '1:lots'"))
		fail_msg("-w 1:lots: exit %d, stdout '%s', stderr '%s'", r.code, r.out, r.err);
	run_numad(&r, bad_u);
	if (r.code != 2 || strcmp(r.out, "") != 0 || !strstr(r.err, "numad: -u: '500' is not a number from 10 to 130"))
		fail_msg("-u 500 -w 1: exit %d, stdout '%s', stderr '%s'", r.code, r.out, r.err);
	run_free(&r);
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
	struct run r = { 0 };
	(void)state;

	daemon_args(args, scn, logp, topo);
	unlink(logp);
	write_text(conf, "log_level = 6\nhorizon = never\n");
	run_numad(&r, args);
	assert_int_equal(r.code, 2);
	snprintf(want, sizeof(want), "numad: %s:2: horizon: 'never' is not a decimal number\n", conf);
	assert_string_equal(r.err, want);
	assert_false(exists(logp));
	run_free(&r);
}

/* Wait until the log has a line containing what; fail at the deadline, or when numad exits first. */
static void wait_for_log(const char *logp, const char *what)
{
	char *log;

	if (wait_for_text(logp, what, 1, DAEMON_DEADLINE_MS, daemon_pid) > 0)
		return;
	log = slurp(logp);
	if (waitpid(daemon_pid, NULL, WNOHANG) != 0)
		fail_msg("numad exited while waiting for '%s':\n%s", what, log ? log : "");
	fail_msg("the log has no '%s' after %d ms:\n%s", what, DAEMON_DEADLINE_MS, log ? log : "");
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
	daemon_pid = spawn(&(struct child){ .prog = NUMAD_BIN, .args = args, .outp = outp, .errp = errp });
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
		cmocka_unit_test(test_check_numbers),
		cmocka_unit_test(test_check_near_keys),
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
