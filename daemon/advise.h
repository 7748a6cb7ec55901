/* advise.h: the -w query (pre-placement advice), answered by a daemon or computed here. */
#ifndef NUMAD_ADVISE_H
#define NUMAD_ADVISE_H

#include <stdint.h>

#include "engine.h"
#include "topology.h"

struct options;

/* advise.c */
/* Answer -w: from a running daemon when one answers, else from the host. Returns the exit code. */
int advise_run(const struct options *o);
/* Compute -w advice from a topology (shared by -w, the daemon and the simulator). Returns 0 or -1. */
int advise_compute(const struct topology *t, const double *busy, const struct engine_policy *p, double ncpus,
		   uint64_t mb, struct engine_result *res);

#endif
