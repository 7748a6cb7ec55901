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
/*
 * The ledger file for a host whose tree is root ("/" on a real host): --ledger as given,
 * else its default under root. Returns out, "" when there is none.
 */
const char *advise_ledger_path(const struct options *o, const char *root, char *out, size_t len);
/*
 * -w as the front end answers it when no daemon does, for the host whose tree is root and
 * whose topology t was just sampled: with the ledger file (advise_ledger_path) counted,
 * and this answer reserved in it. Returns 0 or -1.
 */
int advise_offline(const struct options *o, const char *root, const struct topology *t, double ncpus, uint64_t mb,
		   struct engine_result *res);
/*
 * Compute -w advice from a topology (shared by -w and the daemon), with owed_kb (per node
 * index, or NULL) promised already and counted as taken. A guest of mb > 0 is placed with
 * margin_mb (--margin) on top, as consolidation counts a running guest: a node -w picks is
 * one consolidation keeps. Returns 0 or -1.
 */
int advise_compute(const struct topology *t, const double *busy, const struct engine_policy *p, double ncpus,
		   uint64_t mb, uint64_t margin_mb, const double *owed_kb, struct engine_result *res);

#endif
