/*
 * apply.h: the actuator. Plans (struct move, from lib/decide.h) come in from the loop; the
 * calls that carry them out (libvirt's, and page moves) run in worker threads; their
 * results come back to the loop as an event. The loop never waits on libvirt or on a
 * migration.
 *
 * A move that migrates memory is staged:
 *   1. widen: the nodeset becomes from + to (which migrates nothing) and vCPUs, emulator and
 *      iothreads are pinned to the CPUs of to, so new first touches land there;
 *   2. migrate: the guest's pages leave the nodes it leaves in bounded chunks, moved by numad
 *      itself (move_pages(2)), at --migrate-rate for a consolidation and at full speed for an
 *      urgent move; nobody joining a cgroup waits on these;
 *   3. narrow: once at most APPLY_NARROW_BOUND_KB is left on those nodes, the nodeset becomes
 *      to, through libvirt: that write migrates only the rest.
 * A move that stops midway (an urgent extension came first, libvirt went away, numad stops,
 * pages would not move) stays widened, which is safe: the guest has every node it had. It is
 * then decided again. Every job is bounded (a call that migrates nothing, a chunk, or a
 * narrowing of at most the bound), and a guest has at most one job in flight, so an urgent
 * extension waits for at most one such step of its own guest and for nothing of another.
 */
#ifndef NUMAD_APPLY_H
#define NUMAD_APPLY_H

#include <stdbool.h>
#include <stdint.h>

#include "actuator.h"
#include "decide.h"

struct daemon;
struct guest;
struct apply;
struct json_object;

/* apply.c */
/* Start the worker threads for d's loop. Returns NULL on error (logged). */
struct apply *apply_open(struct daemon *d, int nworkers);
/* The implementation the next plans use (libvirt, or its fakes), with its context. */
void apply_set_actuator(struct apply *a, const struct actuator_ops *ops, void *ctx);
/*
 * Carry out a plan for g: at once (advice only, when --advise-only or paused), or through
 * the actuator off the loop's thread. An urgent plan supersedes a staged move of g in flight
 * (which stops widened). Returns the immediate outcome (OUT_ADVICE_ONLY, OUT_REFUSED,
 * OUT_TRANSIENT when there is nothing to apply it with), or OUT_NONE when the plan went to
 * a worker: its outcome is logged when it comes back.
 */
int apply_submit(struct apply *a, struct guest *g, const struct move *m);
/* True when g has a job or a staged move in flight. */
bool apply_busy(const struct apply *a, const struct guest *g);
/* The reason of g's staged move in flight that an urgent plan may still supersede, or -1 for none. */
int apply_staged_reason(const struct apply *a, const struct guest *g);
/* True once numad was refused moving a guest's pages itself: moves over the bound are not staged. */
bool apply_pages_refused(const struct apply *a);
/*
 * The nodes g's staged move in flight takes its pages to, and the nodes they leave; false
 * when g has none, or its move stops (it then stays widened and moves no more pages).
 */
bool apply_moving(const struct apply *a, const struct guest *g, struct nodeset *to, struct nodeset *leave);
/*
 * The nodeset g's last nodeset write in flight (or waiting for its turn) sets, into to; false
 * when it has none. Until that write lands g->nodes is still the old set, though the guest's
 * next allocations are to come from the new one.
 */
bool apply_setting(const struct apply *a, const struct guest *g, struct nodeset *to);
/* True when a staged consolidation of any guest is in flight (they run one at a time). */
bool apply_any_consolidation(const struct apply *a);
/* At each fast tick: staged moves look at what is left on the nodes they leave. */
void apply_tick(struct apply *a, int64_t now);
/* The actuator's state for numadctl status: moves in flight and calls that do not return. */
struct json_object *apply_json(const struct apply *a);
/* Counters for metrics: jobs in flight, calls not returning, KiB numad moved itself. */
void apply_counts(const struct apply *a, int *in_flight, int *stuck, double *moved_kb);
/*
 * Stop: staged moves stop after their current step, and the loop waits up to wait_ms for
 * the jobs in flight, logging their outcomes. Then the workers are ended and a is freed.
 */
void apply_close(struct apply *a, int wait_ms);

#endif
