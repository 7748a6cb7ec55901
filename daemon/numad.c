/* numad.c: entry point: -w, -i 0, or the daemon. */
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
	if (o.log_path && *o.log_path && log_open(o.log_path) < 0) {
		fprintf(stderr, "numad: cannot open log %s: %s\n", o.log_path, strerror(errno));
		return 1;
	}
	/* In the foreground, the log is copied to stderr so a person sees it. */
	if (o.foreground || o.simulate)
		log_set_stderr_level(o.log_level);
	return daemon_run(&o);
}
