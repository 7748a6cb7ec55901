/*
 * main.c: numad-sim, numad's daemon on a simulated host (sim.c). numad --simulate runs it;
 * it takes numad's options, --simulate TOPOLOGY among them, and stays in the foreground.
 * The topology and the scenario are checked before anything runs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "fixture.h"
#include "log.h"
#include "options.h"
#include "sim.h"

int main(int argc, char **argv)
{
	struct options o;
	char dir[64];
	int r = options_parse(argc, argv, &o);

	if (r != 0)
		return r > 0 ? 0 : 2;
	if (!o.simulate) {
		fprintf(stderr, "numad-sim: --simulate TOPOLOGY is required (a numactl -H text; see numad-sim(8))\n");
		return 2;
	}
	log_set_level(o.log_level);
	log_set_stderr_level(LOG_WARNING);
	/* tmpfs keeps the host tree's many small rewrites cheap; /tmp when there is no /dev/shm. */
	snprintf(dir, sizeof(dir), "%s/numad-sim.XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!mkdtemp(dir)) {
		fprintf(stderr, "numad-sim: mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	r = sim_prepare(&o, dir);
	if (r == 0)
		r = daemon_main(&o, sim_open_host);
	sim_unprepare();
	if (!getenv("NUMAD_SIM_KEEP"))
		fixture_remove(dir);
	return r;
}
