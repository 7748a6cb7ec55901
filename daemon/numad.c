/* numad.c: entry point: -w, -i 0, the daemon, or --simulate (which runs numad-sim). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "advise.h"
#include "daemon.h"
#include "log.h"
#include "options.h"
#include "util.h"

/*
 * numad 0.5 kept its pid file at /var/run/numad.pid, the default of --pidfile;
 * numad.service keeps it in its runtime directory.
 */
#define PIDFILE_05 "/var/run/numad.pid"
#define PIDFILE_UNIT "/run/numad/numad.pid"

/*
 * The pid of the numad that holds path locked. Returns it, or 0 with why filled in: no
 * such file, no daemon holds it (a stale file), or no pid in it.
 */
static int locked_pid(const char *path, char *why, size_t len)
{
	char buf[32];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), pid;

	if (fd < 0) {
		snprintf(why, len, "%s: %s", path, strerror(errno));
		return 0;
	}
	/* a running numad holds the lock; a file no one holds is left from one that died */
	if (flock(fd, LOCK_SH | LOCK_NB) == 0) {
		snprintf(why, len, "%s: no daemon holds it", path);
		close(fd);
		return 0;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	if ((pid = atoi(buf)) <= 0)
		snprintf(why, len, "%s: no pid in it", path);
	return pid > 0 ? pid : 0;
}

/*
 * numad 0.5's way to stop its daemon: -i 0. Signal the pid in the pid file, if a numad
 * holds it; with the default --pidfile, numad.service's pid file is looked at too.
 */
static int stop_daemon(const struct options *o)
{
	const char *paths[2] = { o->pidfile ? o->pidfile : "", NULL };
	char why[2][PATH_MAX + 64], rel[64];
	struct buf b = { 0 };
	int pid = 0, i;

	if (strcmp(paths[0], PIDFILE_05) == 0)
		paths[1] = PIDFILE_UNIT;
	for (i = 0; i < 2 && paths[i] && !pid; i++)
		pid = locked_pid(paths[i], why[i], sizeof(why[i]));
	if (!pid) {
		fprintf(stderr, "numad: -i 0: no running daemon (%s%s%s)\n", why[0], paths[1] ? "; " : "",
			paths[1] ? why[1] : "");
		return 1;
	}
	snprintf(rel, sizeof(rel), "proc/%d/comm", pid);
	if (read_file_at("/", rel, &b, 64) < 0 || strncmp(b.data, "numad", 5) != 0) {
		fprintf(stderr, "numad: -i 0: pid %d from %s is not a running numad\n", pid, paths[i - 1]);
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
