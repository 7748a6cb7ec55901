/*
 * engine.h: the placement engine. A pure function of a host snapshot, a policy and a
 * request: no I/O, no globals, no clock. It scores node sets and returns the best with
 * the breakdown of every score, so the choice can be explained.
 *
 * The cost model (lower is better), for a node set S:
 *   avail_j  = memory node j offers the guest: free memory less what is owed there (promised
 *              to guests that have not touched it yet), above (100-u)% of the node's size,
 *              plus what the guest already holds on j;
 *   distance = sum over i,j in S of cpu_share_i * mem_share_j * SLIT(i,j) / 10, where the
 *              guest's vCPUs spread over S's CPUs and its memory over S in proportion to
 *              avail_j; 1.0 means every access is local;
 *   mem      = need / sum(avail): how full the set would be;
 *   cpu      = the share of the requested vCPUs that S's idle CPUs (below u% busy) can't cover;
 *              the CPU the guest itself uses now counts as idle (as its memory counts as
 *              available), so a busy guest is not pushed off its own nodes by its own load;
 *   move     = the share of the guest's resident memory outside S, which would migrate;
 *   total    = distance + w_mem*mem + w_cpu*cpu + w_move*move.
 * A set fits when sum(avail) covers the need; a set that fits always beats one that
 * doesn't, and a set without CPUs never fits. Nodes that offer no memory are never
 * candidates. When nothing fits, the advice is every node with memory (every online node
 * when none of those has CPUs), so the guest can start and spread.
 * The search is exact up to exact_max_nodes (64) candidates: a branch and bound over the
 * subsets that returns the ENGINE_TOP best sets every subset would give, ties included
 * (engine_better's order); its bound counts the nodes a set takes in each group of near
 * nodes (socket). It starts from a few greedy growths (one node added at a time; the best
 * then improved by single moves and grown again without each group it holds nodes of)
 * and their closest neighbours (a node more, fewer or swapped); should it price exact_budget
 * sets without proving the optimum, it stops and keeps the best set found so far, which is
 * at least as good as those growths (budget_spent says so). Above 64 candidates a greedy search from the 16 best
 * single nodes decides.
 * A decision alone (advice_only, as consolidation asks) gives the same status and best with
 * less work: the search cuts against the best set so far instead of the ENGINE_TOP-th, and a
 * current set that would be kept unless a set scores below total * (1 - hysteresis) makes
 * that the limit; when a bound over all candidates at once (the smallest SLIT, all their
 * memory and idle CPUs) is already above it, the current set stays without a search.
 * An extension (must) keeps the guest's current nodes in every candidate set; nodes to
 * avoid are never candidates, and never in the advice (not even when nothing fits).
 */
#ifndef NUMAD_ENGINE_H
#define NUMAD_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "nodeset.h"
#include "topology.h"

struct engine_policy {
	int target_util;          /* -u: fill nodes up to this % of memory and CPU (default 85) */
	int locality_target;      /* -m: a guest this % local on a set that fits stays (default 90) */
	bool count_inactive_file; /* -C: Inactive(file) counts as free (default true) */
	int exact_max_nodes;      /* exact search up to this many candidates (default 64, at most 64) */
	unsigned long exact_budget; /* the exact search gives up after pricing this many sets (5000) */
	double w_mem, w_cpu, w_move;
	double hysteresis;        /* keep the current set unless the best is this much better (0.05) */
	int ht_percent;           /* -t: an SMT sibling counts as this % of a core (default 20) */
};

struct engine_request {
	double ncpus;                  /* vCPUs (may be fractional, as numad -w allows) */
	uint64_t mem_mb;               /* memory the guest needs in total */
	bool hugepages;                /* backed by huge pages: only free huge pages count */
	const uint64_t *resident_kb;   /* per node index: memory the guest holds now, or NULL */
	const struct nodeset *current; /* its nodeset now, or NULL for a new guest */
	const struct nodeset *must;    /* every advised set must hold these nodes (extension), or NULL */
	const struct nodeset *avoid;   /* no advised set may hold these nodes, or NULL */
	const double *own_busy;        /* per node index: CPUs the guest itself keeps busy there now, or NULL */
	bool advice_only;              /* the caller needs the status and best alone (a decision), not the top
					  list: the search cuts against the best set so far and, when the current
					  set would be kept, against what the best must beat to replace it; top[0]
					  is then the best, and the rest of the list only what was scored on the way */
};

struct engine_host {
	const struct topology *topo;  /* with a current memory sample */
	const double *cpu_busy;       /* busy CPUs per node index, or NULL for idle */
	const double *owed_kb;        /* per node index: memory promised there that free memory does not show yet
					 (reservations, guests' untouched memory; lib/ledger.h), or NULL */
};

struct engine_score {
	struct nodeset set;
	bool fits;
	double total, distance, mem, cpu, move;
	uint64_t avail_mb;    /* memory the set offers the guest */
	double idle_cpus;     /* CPUs the set offers below the target utilisation */
};

enum engine_status {
	ENGINE_OK,      /* best is the advised set */
	ENGINE_KEEP,    /* the current set is good enough: best == current */
	ENGINE_NOFIT,   /* nothing fits; best is every node with memory (every node, when none of those has CPUs) */
	ENGINE_ERROR,   /* bad request or empty host */
};

#define ENGINE_TOP 8

struct engine_result {
	enum engine_status status;
	struct nodeset best;
	struct engine_score best_score;
	struct engine_score top[ENGINE_TOP];  /* best first, ntop entries */
	int ntop;
	unsigned long evaluated;  /* node sets scored */
	bool exhaustive;          /* exact: every subset of the candidates was scored or bounded out */
	bool budget_spent;        /* the exact search hit exact_budget: the best is the best of its greedy
				     starting sets and of what it had scored, not proven optimal */
	int ncandidates;
	const char *why;          /* one-line reason for the status */
};

/* Fill p with numad's defaults. */
void engine_policy_default(struct engine_policy *p);
/* Choose a node set for a request. Returns 0, or -1 (status ENGINE_ERROR) on a bad request. */
int engine_place(const struct engine_host *h, const struct engine_policy *p, const struct engine_request *r,
		 struct engine_result *out);
/*
 * Score one given set (node ids) under the same model, its online nodes summed in id order as
 * the exact search sums them: the same score to the last bit. Returns 0, or -1 when it names
 * no online node.
 */
int engine_score_set(const struct engine_host *h, const struct engine_policy *p, const struct engine_request *r,
		     const struct nodeset *set, struct engine_score *out);
/* True when a ranks before b (fits first, then lower total, then more memory, then lower ids). */
bool engine_better(const struct engine_score *a, const struct engine_score *b);
/* Name of a status, for messages. */
const char *engine_status_name(enum engine_status s);

#endif
