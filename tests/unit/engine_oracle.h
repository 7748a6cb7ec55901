/*
 * engine_oracle.h: the placement decision by scoring every subset of the candidate nodes,
 * for the tests to hold engine_place() against. It is written on lib/engine.h alone: each
 * set is scored by engine_score_set() and ranked by engine_better(), so the top list is the
 * one engine_place()'s exact search must give, sets and scores equal to the last bit.
 *
 * The decision around the search follows lib/engine.h: candidates are the online nodes that
 * offer the guest memory or that it must hold, less the nodes to avoid; every set holds the
 * candidates in must; when no set fits, the advice is every node with memory that is not to
 * be avoided (every node not to be avoided, when those have no CPUs); a current set that fits,
 * is local enough (-m) and is not beaten by more than the hysteresis is kept.
 */
#ifndef NUMAD_TEST_ENGINE_ORACLE_H
#define NUMAD_TEST_ENGINE_ORACLE_H

#include "engine.h"

/* The most candidates the oracle scores every subset of (2^24 sets). */
#define ORACLE_MAX_CANDIDATES 24

/*
 * Fill out as engine_place() would, with every subset of the candidates scored: status,
 * best, best_score, top, ntop, ncandidates, evaluated (the sets scored) and exhaustive.
 * Returns 0, or -1 (ENGINE_ERROR) on a bad request, an empty host or more than
 * ORACLE_MAX_CANDIDATES candidates.
 */
int oracle_place_every_subset(const struct engine_host *h, const struct engine_policy *p,
			      const struct engine_request *r, struct engine_result *out);

#endif
