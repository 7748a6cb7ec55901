/* pages.h: numad's own page mover for staged moves. */
#ifndef NUMAD_PAGES_H
#define NUMAD_PAGES_H

#include <stddef.h>

#include "actuator.h"
#include "nodeset.h"

/* pages.c */
/*
 * Move up to max_kb of process pid's pages that sit on nodes of leave to nodes of to (in
 * turn), with move_pages(2), from c on. A walk starts by finding the mappings that hold pages
 * on leave (root/proc/PID/numa_maps, with their ends from maps; every readable mapping when
 * numa_maps cannot be read), so that mapped but empty memory costs nothing. Adds what moved
 * to *moved_kb. Returns 0 (c->done once the whole address space was walked), -2 with
 * why when numad may not move its pages (CAP_SYS_NICE or CAP_SYS_PTRACE missing), or -1 with
 * why on any other failure (the process is gone).
 */
int pages_move_chunk(const char *root, int pid, const struct nodeset *leave, const struct nodeset *to,
		     double max_kb, struct page_cursor *c, double *moved_kb, char *why, size_t whylen);
/*
 * Move every page of process pid on nodes of leave to nodes of to in one migrate_pages(2)
 * call, which walks the page tables itself and so also moves the pages move_pages(2) cannot
 * see (c->hidden_kb). It has no bound: the call returns when the kernel is done. Returns 0
 * (why says how many pages stayed), -2 or -1 with why as pages_move_chunk does.
 */
int pages_sweep(int pid, const struct nodeset *leave, const struct nodeset *to, char *why, size_t whylen);
/* Free what a cursor holds (its walk's mappings) and start it over. */
void pages_cursor_free(struct page_cursor *c);

#endif
