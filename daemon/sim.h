/* sim.h: the simulated host (--simulate). */
#ifndef NUMAD_SIM_H
#define NUMAD_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include "nodeset.h"

struct daemon;
struct sim;
struct host_hooks;

/* sim.c */
/* Build the simulated host from o->simulate (and o->scenario) under a new root; sets o->root. Returns NULL on error. */
struct sim *sim_create(struct daemon *d);
/* Advance the simulated host to now (ms) and rewrite its files. */
void sim_step(struct sim *s, int64_t now);
/* Simulated clock in ms. */
int64_t sim_now(const struct sim *s);
/* Print the end-of-run summary and free the simulator. */
void sim_destroy(struct sim *s);
/* True when the scenario has run to its end. */
bool sim_done(const struct sim *s);
/*
 * A nodeset write to a simulated guest, after libvirt's test driver took it: migrates the
 * guest's memory outside to in the caller's thread at the simulated bandwidth, as the
 * kernel does, holding the simulated host's cgroup lock for as long.
 */
void sim_nodeset_written(struct sim *s, const char *uuid, const struct nodeset *to);
/* The simulated host's hooks for the actuator: migrating writes, and page moves at the bandwidth. */
void sim_host_hooks(struct sim *s, struct host_hooks *h);

#endif
