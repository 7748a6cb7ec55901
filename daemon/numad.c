/* numad.c: entry point: -w, -i 0, the daemon, or --simulate (which runs numad-sim). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "advise.h"
#include "daemon.h"
#include "log.h"
#include "options.h"
#include "util.h"

/* numad 0.5's way to stop its daemon: -i 0. Signal the pid in the pid file, if it is numad. */
static int stop_daemon(const struct options *o)
{
	struct buf b = { 0 };
	char rel[64];
	int pid;

	if (read_file_at("/", o->pidfile, &b, 64) < 0 || (pid = atoi(b.data)) <= 0) {
		fprintf(stderr, "numad: -i 0: no running daemon (no pid in %s)\n", o->pidfile);
		buf_free(&b);
		return 1;
	}
	snprintf(rel, sizeof(rel), "proc/%d/comm", pid);
	if (read_file_at("/", rel, &b, 64) < 0 || strncmp(b.data, "numad", 5) != 0) {
		fprintf(stderr, "numad: -i 0: pid %d from %s is not a running numad\n", pid, o->pidfile);
		buf_free(&b);
		return 1;
	}
	buf_free(&b);
	if (kill(pid, SIGTERM) < 0) {
		fprintf(stderr, "numad: -i 0: cannot stop pid %d: %s\n", pid, strerror(errno));
		return 1;
	}
	return 0;
}

/*
 * --simulate: the simulator is its own program, numad-sim, installed next to numad (the
 * production numad holds none of it). It takes the same arguments.
 */
static int run_simulator(char **argv)
{
	char self[4096], path[4096 + 16];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n <= 0) {
		fprintf(stderr, "numad: --simulate: cannot find numad's own path: %s\n", strerror(errno));
		return 1;
	}
	self[n] = '\0';
	slash = strrchr(self, '/');
	snprintf(path, sizeof(path), "%.*s/numad-sim", slash ? (int)(slash - self) : 1, slash ? self : ".");
	argv[0] = path;
	execv(path, argv);
	fprintf(stderr, "numad: --simulate runs %s: %s (it is installed with numad)\n", path, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	struct options o;
	int r = options_parse(argc, argv, &o);

	if (r != 0)
		return r > 0 ? 0 : 2;
	log_set_level(o.log_level);
	log_set_stderr_level(LOG_WARNING);
	if (o.wspec)
		return advise_run(&o);
	if (o.interval_set && o.interval_max == 0)
		return stop_daemon(&o);
	if (o.simulate)
		return run_simulator(argv);
	return daemon_main(&o, NULL);
}
