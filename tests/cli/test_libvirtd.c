/*
 * test_libvirtd.c: numad against a real libvirtd that goes away and comes back.
 * A private libvirtd (its own socket directory, serving libvirt's test driver) runs
 * beside numad. numad must notice the loss, reconnect with back-off, re-read the
 * domains, and follow lifecycle events on the new connection. A second case drives
 * numad's libvirt event bridge (daemon/evbridge.c) in this process: several threads make
 * libvirt calls on one connection while the loop's thread dispatches libvirt's socket,
 * keepalive timers and domain events and makes calls of its own, as numad's actuator and
 * loop do; it must not deadlock. A third starts numad the way it starts at boot, before
 * libvirtd (numad.service is ordered before it): libvirt's socket listens, but nothing
 * answers on it until systemd starts libvirtd with that socket, once numad is ready.
 * Skipped when no libvirtd binary is installed.
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
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
#include <event2/event.h>
#include <event2/thread.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <pthread.h>

#include "evbridge.h"
#include "fixture.h"
#include "support.h"

#define LIBVIRTD "/usr/sbin/libvirtd"

static char dir[64], uri[256], logp[128];

/* Start argv[0] with argv in a process group of its own, stdout and stderr added to out. */
static pid_t start(const char *const *argv, const char *out)
{
	struct child c = { .prog = argv[0], .args = argv + 1, .outp = out, .append = true, .own_group = true };

	return spawn(&c);
}

static pid_t start_libvirtd(void)
{
	char conf[128], pidf[128], sock[128], out[128];
	const char *argv[] = { LIBVIRTD, "-f", conf, "--pid-file", pidf, NULL };
	struct stat st;
	pid_t pid;

	snprintf(conf, sizeof(conf), "%s/libvirtd.conf", dir);
	snprintf(pidf, sizeof(pidf), "%s/libvirtd.pid", dir);
	snprintf(sock, sizeof(sock), "%s/libvirt-sock", dir);
	snprintf(out, sizeof(out), "%s/libvirtd.out", dir);
	unlink(sock); /* a socket an earlier case left (socket activation keeps it) is not this libvirtd's */
	pid = start(argv, out);
	for (int i = 0; i < 200 && stat(sock, &st) < 0; i++)
		sleep_ms(50);
	if (stat(sock, &st) < 0)
		fail_msg("libvirtd did not create %s", sock);
	return pid;
}

static void start_domain(const char *name)
{
	virConnectPtr c = virConnectOpen(uri);
	char xml[1024];
	virDomainPtr dom;

	assert_non_null(c);
	snprintf(xml, sizeof(xml),
		 "<domain type='test'><name>%s</name><memory unit='KiB'>1048576</memory>"
		 "<vcpu placement='auto'>2</vcpu><numatune><memory mode='restrictive' placement='auto'/>"
		 "</numatune><os><type>hvm</type></os></domain>",
		 name);
	dom = virDomainDefineXML(c, xml);
	assert_non_null(dom);
	assert_int_equal(virDomainCreate(dom), 0);
	virDomainFree(dom);
	virConnectClose(c);
}

static void test_libvirtd_restart(void **state)
{
	char line[128];
	pid_t lvd, numad;
	const char *argv[] = { NUMAD_BIN, "-F", "-v", "--log", logp, "--socket", "", "--pidfile", "", "--state-file", "",
			       "--ledger", "", "--connect", uri, NULL };
	(void)state;

	if (access(LIBVIRTD, X_OK) != 0)
		skip();
	lvd = start_libvirtd();
	numad = start(argv, "/dev/null");
	assert_true(wait_for_text(logp, "connected to libvirt", 1, 15000, 0) >= 1);

	/* A managed domain started while numad watches is seen through its lifecycle event. */
	start_domain("before");
	assert_true(wait_for_text(logp, "domain before (", 1, 10000, 0) >= 1);
	assert_true(wait_for_text(logp, "managed (placement='auto')", 1, 1000, 0) >= 1);

	/* libvirtd goes away: numad says so and keeps running. */
	stop_process(lvd, -1);
	assert_true(wait_for_text(logp, "lost", 1, 10000, 0) >= 1);
	assert_int_equal(waitpid(numad, NULL, WNOHANG), 0);

	/* libvirtd comes back (its test driver starts empty): numad reconnects by itself. */
	lvd = start_libvirtd();
	assert_true(wait_for_text(logp, "connected to libvirt", 2, 40000, 0) >= 2);

	/* Events flow on the new connection. */
	start_domain("after");
	snprintf(line, sizeof(line), "domain after (");
	assert_true(wait_for_text(logp, line, 1, 10000, 0) >= 1);
	assert_int_equal(waitpid(numad, NULL, WNOHANG), 0);

	stop_process(numad, -1);
	stop_process(lvd, -1);
}

/* Destroy the running domain name, and undefine it. */
static void stop_domain(const char *name)
{
	virConnectPtr c = virConnectOpen(uri);
	virDomainPtr dom;

	assert_non_null(c);
	dom = virDomainLookupByName(c, name);
	assert_non_null(dom);
	assert_int_equal(virDomainDestroy(dom), 0);
	assert_int_equal(virDomainUndefine(dom), 0);
	virDomainFree(dom);
	virConnectClose(c);
}

/*
 * Events lost (NUMAD_INJECT_FAULT=noevents drops every domain event numad gets) with a real
 * libvirtd: a domain that starts, and then stops, is found by the scans of a second, within
 * a few of them. (The test driver's domains have no cgroup, so each scan takes the list;
 * test_daemon's lost-events cases show the count of running domains doing it.)
 */
static void test_lost_events(void **state)
{
	pid_t lvd, numad;
	const char *argv[] = { NUMAD_BIN, "-F", "-v", "-i", "1:1", "--log", logp, "--socket", "", "--pidfile", "",
			       "--state-file", "", "--ledger", "", "--connect", uri, NULL };
	struct child c = { .prog = NUMAD_BIN, .args = argv + 1, .outp = "/dev/null", .append = true, .own_group = true,
			   .env = "NUMAD_INJECT_FAULT=noevents" };
	(void)state;

	if (access(LIBVIRTD, X_OK) != 0)
		skip();
	unlink(logp);
	lvd = start_libvirtd();
	numad = spawn(&c);
	assert_true(wait_for_text(logp, "connected to libvirt", 1, 15000, 0) >= 1);

	start_domain("unheard");
	assert_true(wait_for_text(logp, "the started event of domain unheard dropped", 1, 10000, 0) >= 1);
	assert_true(wait_for_text(logp, "domain unheard (", 1, 10000, 0) >= 1);
	assert_true(wait_for_text(logp, "managed (placement='auto')", 1, 1000, 0) >= 1);

	stop_domain("unheard");
	assert_true(wait_for_text(logp, "domain unheard stopped (no longer in libvirt's list)", 1, 10000, 0) >= 1);
	assert_int_equal(waitpid(numad, NULL, WNOHANG), 0);

	stop_process(numad, -1);
	stop_process(lvd, -1);
}

/* ---- at boot: numad is up before libvirtd, which is socket-activated ---- */

/* What numad's control socket says to a status request, within limit_ms; NULL when nothing came. */
static char *ask_status(const char *sock, int limit_ms)
{
	static char line[1 << 16];
	int fd = connect_unix(sock);
	enum got got;

	if (fd < 0)
		return NULL;
	got = read_line(fd, line, sizeof(line), limit_ms); /* the greeting */
	if (got == GOT_LINE) {
		send_all(fd, "{\"cmd\":\"status\",\"id\":1}\n");
		got = read_line(fd, line, sizeof(line), limit_ms);
	}
	close(fd);
	return got == GOT_LINE ? line : NULL;
}

static void test_boot_before_libvirtd(void **state)
{
	char lsock[128], csock[128], conf[128], pidf[128], out[128], *st;
	const char *nargv[] = { "-F", "-v", "--log", logp, "--socket", csock, "--pidfile", "", "--state-file", "",
				"--ledger", "", "--connect", uri, NULL };
	const char *largv[] = { "-f", conf, "--pid-file", pidf, NULL };
	struct sockaddr_un sa;
	struct child lc = { .prog = LIBVIRTD, .args = largv, .outp = out, .append = true, .own_group = true,
			    .env = "LISTEN_FDNAMES=libvirtd.socket" };
	struct child nc = { .prog = NUMAD_BIN, .args = nargv, .outp = "/dev/null", .own_group = true };
	int64_t t0;
	pid_t lvd, numad;
	int lfd;
	(void)state;

	if (access(LIBVIRTD, X_OK) != 0)
		skip();
	snprintf(lsock, sizeof(lsock), "%s/libvirt-sock", dir);
	snprintf(csock, sizeof(csock), "%s/numad.sock", dir);
	snprintf(conf, sizeof(conf), "%s/libvirtd.conf", dir);
	snprintf(pidf, sizeof(pidf), "%s/libvirtd.pid", dir);
	snprintf(out, sizeof(out), "%s/libvirtd.out", dir);
	unlink(lsock);
	unlink(logp);
	/* systemd listens on libvirt's socket (libvirtd.socket) from early boot. */
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(lfd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	set_sun_path(&sa, lsock);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 16), 0);

	/* numad starts first. Its control socket must answer although libvirt does not. */
	t0 = mono_ms();
	numad = spawn(&nc);
	assert_true(wait_for_text(logp, "does not answer yet", 1, 20000, numad) >= 1);
	while (!(st = ask_status(csock, 2000)) && mono_ms() - t0 < 20000)
		sleep_ms(50);
	if (!st)
		fail_msg("numad's control socket did not answer while libvirt was silent");
	if (!strstr(st, "\"libvirt\": false") && !strstr(st, "\"libvirt\":false"))
		fail_msg("status says libvirt is connected before libvirtd ran: %s", st);
	if (!strstr(st, "has not answered yet"))
		fail_msg("status does not say libvirt has not answered yet: %s", st);
	/* A second probe a moment later still answers at once: the loop is not stuck in the connect. */
	sleep_ms(500);
	if (!ask_status(csock, 1000))
		fail_msg("numad stopped answering while its libvirt connection was pending");
	assert_int_equal(waitpid(numad, NULL, WNOHANG), 0);

	/* Then systemd starts libvirtd on that socket: the connection numad has pending is served. */
	lc.listen_fd = fcntl(lfd, F_DUPFD, 10); /* without close-on-exec, and never fd 3 itself */
	assert_true(lc.listen_fd > 3);
	lvd = spawn(&lc);
	close(lc.listen_fd);
	close(lfd);
	assert_true(wait_for_text(logp, "connected to libvirt", 1, 30000, numad) >= 1);
	{
		char *text = slurp(logp);
		assert_non_null(text);
		if (strstr(text, "cannot connect to libvirt"))
			fail_msg("numad gave up on the pending connection instead of waiting for libvirtd:\n%s", text);
		free(text);
	}
	start_domain("booted");
	assert_true(wait_for_text(logp, "domain booted (", 1, 10000, numad) >= 1);
	st = ask_status(csock, 5000);
	assert_non_null(st);
	if (!strstr(st, "\"libvirt\": true") && !strstr(st, "\"libvirt\":true"))
		fail_msg("status does not say libvirt is connected: %s", st);
	stop_process(numad, -1);
	stop_process(lvd, -1);
}

/* ---- the event bridge under calls from several threads ---- */

#define CALLERS 4
#define CALLS 300
#define BRIDGE_LIMIT_S 90

static virConnectPtr bconn;
static pid_t bridge_lvd;   /* killed by the alarm too: a failed run leaves no libvirtd behind */
static int calls_done, calls_failed, events_seen, callers_done;
static pthread_mutex_t counts = PTHREAD_MUTEX_INITIALIZER;

static void count(int *what)
{
	pthread_mutex_lock(&counts);
	(*what)++;
	pthread_mutex_unlock(&counts);
}

static int counted(int *what)
{
	int n;

	pthread_mutex_lock(&counts);
	n = *what;
	pthread_mutex_unlock(&counts);
	return n;
}

/*
 * A worker of numad's actuator makes its libvirt calls on the daemon's connection: CALLS of
 * them, and more until a domain event has reached the loop, so that events always meet
 * calls in flight however the machine schedules the threads (the alarm ends a run in which
 * none ever comes).
 */
static void *caller(void *arg)
{
	(void)arg;
	for (int i = 0; i < CALLS || !counted(&events_seen); i++) {
		virDomainPtr *doms = NULL;
		int n = virConnectListAllDomains(bconn, &doms, 0);
		for (int k = 0; k < n; k++)
			virDomainFree(doms[k]);
		free(doms);
		count(n < 0 ? &calls_failed : &calls_done);
	}
	count(&callers_done);
	return NULL;
}

static int on_lifecycle(virConnectPtr c, virDomainPtr dom, int event, int detail, void *opaque)
{
	(void)c;
	(void)dom;
	(void)event;
	(void)detail;
	(void)opaque;
	count(&events_seen);
	return 0;
}

/* The loop's own calls (numad's refresh), domains coming and going, and the end of the run. */
static void loop_tick(evutil_socket_t fd, short what, void *arg)
{
	struct event_base *base = arg;
	static int turn;
	int done;

	(void)fd;
	(void)what;
	if (virConnectNumOfDomains(bconn) < 0)
		count(&calls_failed);
	if (++turn % 20 == 0) {
		char name[32];
		snprintf(name, sizeof(name), "churn%d", turn);
		start_domain(name);
	}
	done = counted(&callers_done) == CALLERS;
	if (done)
		event_base_loopbreak(base);
}

static void on_alarm(int sig)
{
	static const char msg[] = "test_bridge_threads: the calls and the loop deadlocked, or no domain event "
				  "reached the loop (no end after BRIDGE_LIMIT_S s)\n";
	(void)sig;
	if (bridge_lvd > 0)
		kill(bridge_lvd, SIGKILL);
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(2);
	_exit(1);
}

static void test_bridge_threads(void **state)
{
	struct timeval tick = { 0, 5000 };
	struct event_base *base;
	struct event *ev;
	pthread_t t[CALLERS];
	pid_t lvd;
	(void)state;

	if (access(LIBVIRTD, X_OK) != 0)
		skip();
	lvd = bridge_lvd = start_libvirtd();
	assert_int_equal(evthread_use_pthreads(), 0);
	base = event_base_new();
	assert_non_null(base);
	assert_int_equal(evbridge_register(base), 0);
	bconn = virConnectOpen(uri);
	assert_non_null(bconn);
	assert_int_equal(virConnectSetKeepAlive(bconn, 1, 3), 0);
	assert_true(virConnectDomainEventRegisterAny(bconn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
						     VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), NULL, NULL) >= 0);
	ev = event_new(base, -1, EV_PERSIST, loop_tick, base);
	assert_non_null(ev);
	event_add(ev, &tick);
	signal(SIGALRM, on_alarm);
	alarm(BRIDGE_LIMIT_S);
	for (int i = 0; i < CALLERS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, caller, NULL), 0);
	event_base_dispatch(base);
	for (int i = 0; i < CALLERS; i++)
		pthread_join(t[i], NULL);
	alarm(0);
	if (calls_failed)
		fail_msg("%d of %d calls failed", calls_failed, calls_done + calls_failed);
	if (events_seen == 0)
		fail_msg("no domain event reached the loop while the calls ran");
	event_free(ev);
	virConnectClose(bconn);
	event_base_loop(base, EVLOOP_NONBLOCK); /* libvirt's deferred free callbacks */
	evbridge_shutdown();
	event_base_free(base);
	stop_process(lvd, -1);
	bridge_lvd = 0;
}

static int setup(void **state)
{
	FILE *f;
	char conf[128];

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/numad-lvd.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(conf, sizeof(conf), "%s/libvirtd.conf", dir);
	f = fopen(conf, "w");
	if (!f)
		return -1;
	fprintf(f, "unix_sock_dir = \"%s\"\nauth_unix_rw = \"none\"\nauth_unix_ro = \"none\"\n"
		   "unix_sock_rw_perms = \"0700\"\n", dir);
	fclose(f);
	snprintf(uri, sizeof(uri), "test+unix:///default?socket=%s/libvirt-sock", dir);
	snprintf(logp, sizeof(logp), "%s/numad.log", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (getenv("NUMAD_TEST_SHOW_LOG")) {
		char err[256], *text = fixture_read_file(logp, err, sizeof(err));
		fprintf(stderr, "%s", text ? text : err);
		free(text);
	}
	fixture_remove(dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_libvirtd_restart),
		cmocka_unit_test(test_lost_events),
		cmocka_unit_test(test_boot_before_libvirtd),
		cmocka_unit_test(test_bridge_threads),
	};

	virSetErrorFunc(NULL, NULL);
	return cmocka_run_group_tests(tests, setup, teardown);
}
