/*
 * main.c: numad-sim, numad's daemon on a simulated host (sim.c). numad --simulate runs it;
 * it takes numad's options, --simulate TOPOLOGY among them, and stays in the foreground.
 *
 * A simulation never takes the real daemon's place: its control socket, pid file, log and
 * host tree are in a private run directory (rundir.h) unless given, and the real daemon's
 * own paths are refused unless --sim-system-paths says they are meant. The topology and
 * the scenario are checked before anything runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "log.h"
#include "options.h"
#include "rundir.h"
#include "sim.h"

/* Whether the value at p came from the command line or the config file, not a default. */
static bool given(const struct options *o, const char *p)
{
	if (!p)
		return true; /* "" on the command line or in the file: none */
	if (p >= o->strings && p < o->strings + sizeof(o->strings))
		return true;
	for (int i = 0; i < o->argc; i++)
		if (p >= o->argv[i] && p <= o->argv[i] + strlen(o->argv[i]))
			return true;
	return false;
}

/* Whether the command line says the real daemon's paths are meant (--sim-system-paths). */
static bool system_paths_meant(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (strcmp(argv[i], "--sim-system-paths") == 0)
			return true;
	return false;
}

/*
 * Each of the socket, pid file and log that was not given goes into the run directory;
 * one given that is the real daemon's is refused. Returns 0, or 2 having said why.
 */
static int choose_paths(struct options *o, const char *dir, bool system_ok)
{
	static char sock[4200], pid[4200], logp[4200];
	struct {
		const char **path;
		char *buf;
		const char *name, *opt;
	} paths[] = {
		{ &o->socket_path, sock, "numad.sock", "--socket" },
		{ &o->pidfile, pid, "numad.pid", "--pidfile" },
		{ &o->log_path, logp, "numad.log", "--log" },
	};
	int bad = 0;

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		if (!given(o, *paths[i].path)) {
			snprintf(paths[i].buf, 4200, "%s/%s", dir, paths[i].name);
			*paths[i].path = paths[i].buf;
		} else if (!system_ok && rundir_is_system_path(*paths[i].path)) {
			fprintf(stderr,
				"numad-sim: %s %s is the real numad's own: a simulation keeps its files in its run "
				"directory (leave %s out), or give --sim-system-paths to take the real daemon's place\n",
				paths[i].opt, *paths[i].path, paths[i].opt);
			bad = 2;
		}
	}
	return bad;
}

int main(int argc, char **argv)
{
	struct options o;
	char dir[4096], err[512];
	int r = options_parse(argc, argv, &o);

	if (r != 0)
		return r > 0 ? 0 : 2;
	if (!o.simulate) {
		fprintf(stderr, "numad-sim: --simulate TOPOLOGY is required (a numactl -H text; see numad-sim(8))\n");
		return 2;
	}
	if (o.root && given(&o, o.root)) {
		/* said, not ignored: the user would believe the simulation ran on that tree */
		fprintf(stderr, "numad-sim: --root %s: a simulation builds its host from the topology in its own run "
			"directory; --root is for numad against a tree you made (numad-sim(8))\n", o.root);
		return 2;
	}
	log_set_level(o.log_level);
	log_set_stderr_level(LOG_WARNING);
	if (rundir_make(dir, sizeof(dir), err, sizeof(err)) < 0) {
		fprintf(stderr, "numad-sim: %s\n", err);
		return 1;
	}
	r = choose_paths(&o, dir, system_paths_meant(argc, argv));
	if (r == 0)
		r = sim_prepare(&o, dir);
	if (r == 0) {
		fprintf(stderr, "numad-sim: run directory %s (socket %s, pid file %s, log %s)\n", dir,
			o.socket_path && *o.socket_path ? o.socket_path : "none",
			o.pidfile && *o.pidfile ? o.pidfile : "none", o.log_path && *o.log_path ? o.log_path : "none");
		r = daemon_main(&o, sim_open_host);
	}
	sim_unprepare();
	rundir_remove(dir);
	return r;
}
