/*
 * statefile.h: the file in which numad keeps what it knows of each guest across restarts
 * (default /var/lib/numad/state): whether the guest is managed, when it last moved (wall
 * clock), the nodes it came from, and an urgent move waiting for libvirt.
 *
 * The format, one guest per line after a header:
 *
 *	numad-state 1
 *	guest UUID id=DOMID managed=0|1 moved=WALL_MS prev=NODES|- urgent=0|1
 *	end N
 *
 * UUID is libvirt's 36-character form; DOMID the domain's id while it runs (a restarted
 * domain has another, and so is a new guest); WALL_MS milliseconds since the epoch of
 * the last move, 0 for none; NODES a node list ("0-1,3"). Every field is required, in
 * this order, one space apart. The last line counts the guests, so that a file cut short at
 * a line's end is seen as cut too. The file is at most STATEFILE_MAX_BYTES and STATEFILE_MAX_GUESTS lines of
 * guests. statefile_parse() reads no file and keeps no state: text in, a table out, or an
 * error "line N: reason" (statefile_load() writes "PATH:N: reason").
 */
#ifndef NUMAD_STATEFILE_H
#define NUMAD_STATEFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nodeset.h"

#define STATEFILE_VERSION 1
#define STATEFILE_MAX_BYTES (1 << 20)
#define STATEFILE_MAX_GUESTS 4096
/* The latest WALL_MS accepted: the year 2500. */
#define STATEFILE_MAX_WALL_MS 16725225600000LL

struct state_entry {
	char uuid[40];
	int dom_id;              /* 0 to INT32_MAX */
	bool managed;
	int64_t moved_wall_ms;   /* 0: never moved */
	bool has_prev;
	struct nodeset prev;     /* the nodes before the last move, when has_prev */
	bool urgent;             /* an urgent move waited for libvirt */
};

struct state_table {
	struct state_entry *e;
	int n, cap;
};

/* lib/statefile.c */
/* Empty t and free its memory. */
void statefile_free(struct state_table *t);
/* Append a copy of e. Returns 0, or -1 when out of memory or full. */
int statefile_add(struct state_table *t, const struct state_entry *e);
/*
 * Parse text[0..len) into t (emptied first). Returns 0, or -1 with t empty and
 * "line N: reason" in err (the byte offset for a NUL byte or an oversize text).
 */
int statefile_parse(const char *text, size_t len, struct state_table *t, char *err, size_t errlen);
/* The file's text for t, malloc'd and NUL-terminated, or NULL when out of memory. */
char *statefile_format(const struct state_table *t);
/*
 * Read and parse the file at path into t. Returns 1 when there is no file (t empty), 0 when
 * it was read, or -1 with t empty and "PATH:N: reason" or "PATH: reason" in err.
 */
int statefile_load(const char *path, struct state_table *t, char *err, size_t errlen);
/*
 * Replace the file at path with text at once: a temporary file beside it, written and
 * fsync'd, renamed over it, then the directory fsync'd; mode 0600. Returns 0, or -1 with
 * "PATH: reason" in err and the old file left as it was.
 */
int statefile_save(const char *path, const char *text, char *err, size_t errlen);

#endif
