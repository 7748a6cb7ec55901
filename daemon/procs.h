/* procs.h: numad-style management of processes that are not libvirt guests (-S 1, -p). */
#ifndef NUMAD_PROCS_H
#define NUMAD_PROCS_H

#include <stddef.h>
#include <stdint.h>

#include "nodeset.h"
#include "topology.h"

struct daemon;

/* procs.c */
/* Consider every process over the threshold (or named with -p) and move at most one. */
void procs_scan(struct daemon *d, int64_t now);
/* Pin every thread of pid to the CPUs of to, and migrate its pages there. Returns 0, or -1 with why. */
int procs_apply(const struct topology *t, int pid, const struct nodeset *to, char *why, size_t whylen);

#endif
