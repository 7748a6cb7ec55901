/*
 * ledger.h: the reservation ledger. Every pre-placement answer (numad -w) promises the
 * guest's memory to the nodes it advised. Until the guest has touched that memory, the
 * nodes' free memory does not show it, and a guest started a moment later would be sent to
 * the same nodes. The ledger remembers each answer, and what is still owed to each node is
 * counted as taken by the next answers and by the engine's decisions.
 *
 * What is owed shrinks as memory shows up: each node's free memory is remembered at the
 * moment of the answer, and what the node lost since then is taken off what is owed there,
 * oldest reservation first. A reservation goes when the guest is seen (the daemon matches
 * it to the new domain), or when it is older than LEDGER_TTL_MS: a guest that was never
 * started, or one that touches its memory over minutes.
 *
 * The ledger's file (the -w front end's when no daemon runs; the daemon takes it over):
 *
 *	numad-ledger 1
 *	u AT_MS NODE:KB[,NODE:KB...]
 *	r AT_MS MB CPUS NODE:KB:FREE_KB[,NODE:KB:FREE_KB...]
 *
 * AT_MS is the wall clock in ms, MB and CPUS what -w asked, then for each advised node its
 * share in KiB and its free memory in KiB at the answer. The one optional u line is the
 * daemon's: what its running guests had not touched yet on each node at AT_MS, so that a
 * -w that answers alone (the daemon too slow to answer) counts it as the daemon would; it
 * expires like a reservation, and the daemon, which counts its guests itself, ignores it. At most LEDGER_MAX lines, each
 * with at most LEDGER_NODES nodes, in order of AT_MS; LEDGER_FILE_MAX bytes in all.
 * Pure functions, but for the locked file helpers at the end.
 */
#ifndef NUMAD_LEDGER_H
#define NUMAD_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nodeset.h"
#include "topology.h"

#define LEDGER_MAX 256
#define LEDGER_NODES 64
#define LEDGER_TTL_MS 120000
#define LEDGER_FILE_MAX 65536

struct ledger_share {
	int node;            /* node id */
	uint64_t kb;         /* what was promised there */
	uint64_t free_kb;    /* the node's free memory at the answer */
};

struct ledger_entry {
	int64_t at_ms;       /* wall clock of the answer */
	uint64_t mb;         /* memory -w asked for */
	double cpus;         /* vCPUs -w asked for */
	int nshares;
	struct ledger_share share[LEDGER_NODES];
};

struct ledger {
	int n;               /* entries, oldest first */
	struct ledger_entry e[LEDGER_MAX];
	/* the u line: guests' untouched memory per node (free_kb unused), 0 shares for none */
	int64_t untouched_at_ms;
	int nuntouched;
	struct ledger_share untouched[LEDGER_NODES];
};

/* Parse a ledger file's text. Returns 0, or -1 with "line N: reason" in err and l empty. */
int ledger_parse(const char *text, size_t len, struct ledger *l, char *err, size_t errlen);
/* The file's text for l (malloc'd, NUL-terminated), or NULL when out of memory. */
char *ledger_format(const struct ledger *l);
/* Drop what is older than LEDGER_TTL_MS at now_ms, or stamped more than that ahead of it (a clock set back), the u line included. */
int ledger_expire(struct ledger *l, int64_t now_ms);
/*
 * What is still owed to each node (per node index of t, in KiB) added to out: each
 * reservation's share less what its node lost since the answer, oldest first, and the u
 * line's untouched memory. The free
 * memory is t's current sample (free pages, not counting Inactive(file)).
 */
void ledger_owed(const struct ledger *l, const struct topology *t, double *out);
/*
 * Record an answer: mb over the nodes of advice with memory, in proportion to what each
 * offers (its free memory less what is owed there already, per node index in owed, or NULL).
 * The oldest entry goes when the ledger is full. Returns 0, or -1 when advice has no node
 * with memory.
 */
int ledger_add(struct ledger *l, int64_t now_ms, uint64_t mb, double cpus, const struct nodeset *advice,
	       const struct topology *t, const double *owed);
/* The oldest reservation of mb (within 1 MB) on exactly these nodes, or -1. */
int ledger_match(const struct ledger *l, uint64_t mb, const struct nodeset *nodes);
/* Remove entry i. */
void ledger_remove(struct ledger *l, int i);
/* The nodes of entry i. */
void ledger_nodes(const struct ledger_entry *e, struct nodeset *out);

/*
 * The file, locked. ledger_lock() opens (creating it, and its directory, mode 0755) and
 * locks path, waiting at most wait_ms: -w must never hang on a stuck holder. Returns the
 * descriptor, or -1 with the reason in err. ledger_load() reads it into l: a file that is
 * not a ledger, or larger than LEDGER_FILE_MAX, leaves l empty and says why in err
 * ("PATH:LINE: reason") with 1 returned; 0 when it was read, -1 when it could not be.
 * ledger_store() writes l in place; ledger_unlock() closes.
 */
int ledger_lock(const char *path, int wait_ms, char *err, size_t errlen);
int ledger_load(int fd, const char *path, struct ledger *l, char *err, size_t errlen);
int ledger_store(int fd, const struct ledger *l);
void ledger_unlock(int fd);

#endif
