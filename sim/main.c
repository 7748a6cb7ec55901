/*
 * main.c: numad-sim, numad's daemon on a simulated host (sim.c). numad --simulate runs it;
 * it takes numad's options, --simulate TOPOLOGY among them, and stays in the foreground.
 */
#include <stdio.h>

#include "daemon.h"
#include "log.h"
#include "options.h"
#include "sim.h"

int main(int argc, char **argv)
{
	struct options o;
	int r = options_parse(argc, argv, &o);

	if (r != 0)
		return r > 0 ? 0 : 2;
	if (!o.simulate) {
		fprintf(stderr, "numad-sim: --simulate TOPOLOGY is required (a numactl -H text; see numad-sim(8))\n");
		return 2;
	}
	log_set_level(o.log_level);
	log_set_stderr_level(LOG_WARNING);
	return daemon_main(&o, sim_open_host);
}
