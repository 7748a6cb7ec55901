/* sim.h: the simulated host (numad-sim, numad --simulate). */
#ifndef NUMAD_SIM_H
#define NUMAD_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include "nodeset.h"

struct daemon;
struct host;
struct options;
struct sim;

/* sim.c */
/*
 * Before the daemon runs: read the topology (--simulate) and build the host tree under dir,
 * read the scenario (--scenario, or the built-in one written for that host) and check both.
 * Each error goes to stderr as FILE:LINE: reason. Returns 0, 2 for a bad topology or
 * scenario (bad usage), or 1 when the tree cannot be written.
 */
int sim_prepare(const struct options *o, const char *dir);
/* Free what sim_prepare() read when sim_open_host() did not take it. */
void sim_unprepare(void);
/*
 * Start the simulated host sim_prepare() made, with the daemon's options (--speed,
 * --sim-bandwidth), and hand it to the daemon as h (host.h):
 * its root, libvirt's test driver, its clock and its "kernel" hooks. Run by daemon_run once
 * the event loop exists. Returns 0, or -1 having logged why.
 */
int sim_open_host(struct daemon *d, struct host *h);
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

#endif
