/* nodeset.h: sets of NUMA node ids and the numad/libvirt list syntax ("0-3,6"). */
#ifndef NUMAD_NODESET_H
#define NUMAD_NODESET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The kernel allows up to 1024 node ids (CONFIG_NODES_SHIFT=10). */
#define NUMAD_MAX_NODES 1024

struct nodeset {
	uint64_t w[NUMAD_MAX_NODES / 64];
};

/* Empty the set. */
void nodeset_clear(struct nodeset *s);
/* Add node id n (ignored when out of range). */
void nodeset_add(struct nodeset *s, int n);
/* Remove node id n. */
void nodeset_del(struct nodeset *s, int n);
/* True when n is in the set. */
bool nodeset_has(const struct nodeset *s, int n);
/* Number of ids in the set. */
int nodeset_count(const struct nodeset *s);
/* True when the set has no ids. */
bool nodeset_empty(const struct nodeset *s);
/* True when both sets hold the same ids. */
bool nodeset_equal(const struct nodeset *a, const struct nodeset *b);
/* Lowest id >= from in the set, or -1. Iterate with for (n = nodeset_next(s, 0); n >= 0; n = nodeset_next(s, n + 1)). */
int nodeset_next(const struct nodeset *s, int from);

/*
 * Parse a list of non-negative ids in kernel/numad/libvirt syntax ("0-3,6", "", "5").
 * Calls add(ctx, id) for every id. Ids above max_id are an error. Surrounding
 * whitespace and a trailing newline are accepted. Returns 0, or -1 with a message
 * naming the offending token in err.
 */
int idlist_parse(const char *text, unsigned max_id, void (*add)(void *ctx, unsigned id), void *ctx,
		 char *err, size_t errlen);
/* Parse a node list into s (cleared first). Returns 0 or -1 with a message in err. */
int nodeset_parse(struct nodeset *s, const char *text, char *err, size_t errlen);
/* Format s as "0-3,6" (empty string for an empty set). Returns the length, or -1 when buf is too small. */
int nodeset_format(const struct nodeset *s, char *buf, size_t buflen);

#endif
