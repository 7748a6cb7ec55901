/*
 * persist.h: what numad knows of each guest, kept across restarts in the state file
 * (--state-file, lib/statefile.h): the managed verdict, the last move's wall-clock time,
 * the nodes it came from and an urgent move waiting for libvirt. Loaded at start, handed
 * to each guest when numad first sees it, and written when it changes, at most once a
 * second. Below virt and the loop; above the shared state.
 */
#ifndef NUMAD_PERSIST_H
#define NUMAD_PERSIST_H

#include <stdbool.h>

struct daemon;
struct guest;

/* persist.c */
/* The state file numad uses (--state-file, or its default for this run), or NULL for none. */
const char *persist_path(const struct daemon *d);
/* Load the state file; a bad one is a warning and a fresh start. */
void persist_open(struct daemon *d);
/* A guest numad sees for the first time: what the file knew of it. True when it knew it. */
bool persist_restore(struct daemon *d, struct guest *g);
/* After a complete list of the domains: what the file knew of domains that are gone is dropped. */
void persist_listed(struct daemon *d);
/* Write the file when what it would hold changed, at most once a second unless now. */
void persist_flush(struct daemon *d, bool now);
/* Write what changed and free everything. */
void persist_close(struct daemon *d);

#endif
