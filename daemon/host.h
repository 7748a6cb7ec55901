/*
 * host.h: the host the daemon runs on. On a real host numad reads --root (/) and talks to
 * libvirt at --connect, on the monotonic clock, and the kernel migrates what a nodeset write
 * leaves behind. A simulated host (numad-sim, sim/) hands the daemon all of that through
 * this one interface instead: its own tree, its libvirt URI, its clock and what its
 * "kernel" does with nodeset writes and page moves. The daemon never knows more of it.
 */
#ifndef NUMAD_HOST_H
#define NUMAD_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include "nodeset.h"

struct daemon;
struct job;

/* The actuator's view of the host behind libvirt; no hooks on a real host. */
struct host_hooks {
	void *ctx;
	/* after libvirt took a nodeset: what the kernel migrates before the write returns */
	void (*nodeset_written)(void *ctx, const char *uuid, const struct nodeset *to);
	/* a page mover in place of move_pages(2) */
	int (*move_pages)(void *ctx, struct job *j);
};

struct host {
	const char *root;                 /* the tree /proc and /sys are read from */
	const char *uri;                  /* libvirt's connection */
	void *ctx;
	int64_t (*clock)(const void *ctx);  /* the host's time in ms; NULL: the monotonic clock */
	double speed;                     /* host time per real time (a simulation may run faster) */
	bool (*done)(const void *ctx);    /* the host's run is over: the daemon stops */
	/* the daemon is stopping (its state still readable): report and free the host */
	void (*close)(void *ctx, const struct daemon *d);
	struct host_hooks hooks;
};

#endif
