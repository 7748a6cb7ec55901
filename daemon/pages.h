/* pages.h: numad's own page mover for staged moves. */
#ifndef NUMAD_PAGES_H
#define NUMAD_PAGES_H

#include <stddef.h>

#include "actuator.h"
#include "nodeset.h"

/* pages.c */
/*
 * Move up to max_kb of process pid's pages that sit on nodes of leave to nodes of to (in
 * turn), with move_pages(2), walking its mappings (root/proc/PID/maps) from c on. Adds what
 * moved to *moved_kb. Returns 0 (c->done once the whole address space was walked), -2 with
 * why when numad may not move its pages (CAP_SYS_NICE or CAP_SYS_PTRACE missing), or -1 with
 * why on any other failure (the process is gone).
 */
int pages_move_chunk(const char *root, int pid, const struct nodeset *leave, const struct nodeset *to,
		     double max_kb, struct page_cursor *c, double *moved_kb, char *why, size_t whylen);

#endif
