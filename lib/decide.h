/*
 * decide.h: the rules numad exists for, as pure functions: the urgent extension of a guest
 * whose nodes run out, the move off a node that other processes run out, and consolidation,
 * with the estimates they share (headroom, what others take, time to exhaustion, own load).
 * Their input is a snapshot of the host, one guest's state, the policy and the time; their
 * output is a plan (struct move) or a verdict without one. No I/O, no clock, no libvirt:
 * rate limits, retries and the actuator are the caller's.
 *
 * The headroom test, shared by every rule: a guest on node set S is at risk when
 *   - S's free memory above the low watermarks, less the guest's memory that still has to
 *     arrive on S (what it holds elsewhere), is below what it may still touch (configured
 *     memory not yet resident) plus the margin; or
 *   - S runs out within the horizon, counting the guest's own growth (capped at what it may
 *     still touch: a guest's first touch of its own memory is not runaway growth) and what
 *     others take on S (a node's loss of free memory less the guest's own gain there, so a
 *     guest's own pages arriving by migration are not someone else's consumption). Each
 *     rate is the smoothed one, or the last interval's when that is more.
 * A move's target must pass the same test, or the move is not made.
 */
#ifndef NUMAD_DECIDE_H
#define NUMAD_DECIDE_H

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"
#include "nodeset.h"
#include "pace.h"
#include "sample.h"
#include "topology.h"

enum guest_mode {
	MODE_UNKNOWN = -1,
	MODE_STRICT = 0,       /* values of virDomainNumatuneMemMode */
	MODE_PREFERRED = 1,
	MODE_INTERLEAVE = 2,
	MODE_RESTRICTIVE = 3,
};

enum reason {
	REASON_START,
	REASON_URGENT,
	REASON_CONSOLIDATE,
	REASON_COUNT
};

struct decide_policy {
	const struct engine_policy *engine;
	double horizon_s;           /* act when nodes run out within this: --horizon and the daemon's own lag */
	double margin_kb;           /* --margin: headroom kept above a guest's remaining need */
	int64_t guest_interval_ms;  /* --guest-interval: least time between two consolidations */
	int64_t flap_window_ms;     /* a guest is not moved back where it was within this */
	bool resident_only;         /* --numad05-timing: consolidation knows only what a guest holds */
};

/* The host as the last samples saw it. Every array is per node index. */
struct decide_host {
	const struct topology *topo;     /* with a current memory sample */
	const double *busy;              /* busy CPUs, or NULL for idle */
	const struct zone_wm *wm;        /* watermarks, or NULL for none */
	const struct growth *node_free;  /* free memory trend, or NULL when unknown */
	const struct growth *taken;      /* what processes that cannot fall back take, or NULL */
	bool count_inactive_file;        /* -C: Inactive(file) counts as free */
	const double *owed_kb;           /* memory promised per node index that free memory does not show, or NULL */
};

/* One guest as the daemon knows it. */
struct decide_guest {
	const char *name;
	enum guest_mode mode;
	const struct nodeset *nodes;       /* live nodeset */
	double nvcpus;
	uint64_t mem_kb;                   /* configured memory, 0 when unknown */
	const uint64_t *res_kb;            /* resident per node index (NULL: unknown) */
	uint64_t res_total_kb;
	const struct growth *growth;       /* trend of res_total_kb, or NULL */
	const struct node_trends *gain;    /* trend of res_kb per node index (node_trends_get), or NULL */
	double cpu_used;                   /* CPUs it kept busy between the last two scans */
	bool cpu_known;                    /* cpu_used is measured */
	bool cpu_pending;                  /* cpu_used not measured yet (or again): it comes at a next scan */
	int64_t last_move_ms;              /* 0: never moved */
	const struct nodeset *prev_nodes;  /* its nodeset before the last move, or NULL */
};

/* The headroom test for one node set. */
struct risk {
	double headroom_kb;   /* free above the low watermarks, less the guest's memory still to arrive */
	double own_kbps;      /* the guest's own growth */
	double others_kbps;   /* what others take on the set */
	double remaining_kb;  /* configured memory not yet resident (0 when unknown: then growth is not capped) */
	double tte_s;         /* time until the set runs out, INFINITY when never */
	bool at_risk;
};

enum verdict {
	DECIDE_NONE,         /* nothing to do */
	DECIDE_MOVE,         /* the move holds the plan */
	DECIDE_WARN_STRICT,  /* a strict guest at risk: warn with the time left; libvirt cannot widen it */
	DECIDE_NO_ROOM,      /* at risk, and no node set that passes the headroom test can hold it */
	DECIDE_WAIT,         /* a move would help, but a rule holds it back for now (interval, flapping, CPU unknown) */
};

struct move {
	enum reason reason;
	struct nodeset from, to;
	double migrate_kb;    /* the guest's memory on the nodes it leaves */
	char because[256];    /* why, for the log */
	/*
	 * decide_consolidate only: what held a guest where it is, a few words for the log
	 * ("guest interval", "already good", ...; see decide_consolidate), NULL when it moves.
	 */
	const char *hold;
};

/* Free memory above the low watermark over a node set, in KiB. */
double decide_headroom_kb(const struct decide_host *h, const struct nodeset *nodes);
/* What processes other than the guest take on a node set, KiB/s (never negative). */
double decide_others_kbps(const struct decide_host *h, const struct decide_guest *g, const struct nodeset *nodes);
/*
 * Seconds until headroom_kb runs out when the guest grows at own_kbps for at most own_left_kb
 * more (INFINITY: no cap) and others take others_kbps throughout. INFINITY when never.
 */
double decide_exhaust_s(double headroom_kb, double own_kbps, double own_left_kb, double others_kbps);
/* The headroom test of the guest on node set on (its memory elsewhere counted as arriving). */
void decide_risk(const struct decide_host *h, const struct decide_guest *g, const struct decide_policy *p,
		 const struct nodeset *on, struct risk *r);
/* The CPUs the guest keeps busy per node index, spread over its nodes' CPUs, into own; NULL when unknown. */
const double *decide_own_load(const struct decide_host *h, const struct decide_guest *g, double *own);

/*
 * The fast tier's rule for a guest whose memory is bound to its nodes: when its nodes run
 * out (risk, filled in on every call), a restrictive guest is extended (the move adds nodes,
 * nearest first, to a set that passes the headroom test when one does) and a strict one is
 * warned about. DECIDE_NONE when not at risk or not bound (preferred, interleave).
 */
enum verdict decide_urgent(const struct decide_host *h, const struct decide_guest *g, const struct decide_policy *p,
			   struct risk *risk, struct move *m);
/*
 * A restrictive guest on several nodes, one of which others (bound processes) run out while
 * the guest holds a real share of it: the move takes the guest off that node, to a set that
 * keeps its other nodes and passes the headroom test with the guest's memory arrived.
 */
enum verdict decide_crowded(const struct decide_host *h, const struct decide_guest *g, const struct decide_policy *p,
			    struct move *m);
/* The engine request consolidation makes for a guest (numadctl explain shows its result); own holds a double per node. */
void decide_consolidation_request(const struct decide_host *h, const struct decide_guest *g,
				  const struct decide_policy *p, struct engine_request *req, double *own);
/*
 * The full scan's rule: a better placement for a restrictive guest, paced and without
 * flapping. Without a move, m->hold names the rule that held it and m->because the detail:
 * "not restrictive", "not sampled yet", "guest interval", "own CPU not measured",
 * "already good" (its nodes fit, meet the locality target and nothing is clearly better),
 * "no better set", "flap window" or "target would run out".
 */
enum verdict decide_consolidate(const struct decide_host *h, const struct decide_guest *g,
				const struct decide_policy *p, int64_t now_ms, struct move *m);

/* The memory of a guest outside a node set, KiB (what a move to that set migrates). */
double decide_outside_kb(const struct decide_host *h, const struct decide_guest *g, const struct nodeset *set);
/* Name of a verdict, for messages and tests. */
const char *decide_verdict_name(enum verdict v);

#endif
