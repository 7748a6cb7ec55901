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
#include <stddef.h>
#include <stdint.h>

#include "decide.h"
#include "nodeset.h"

struct daemon;
struct guest;
struct apply;
struct json_object;

#define APPLY_NARROW_BOUND_KB (256.0 * 1024)  /* the most one narrowing write may migrate */
#define APPLY_STUCK_MS 120000                  /* a call this long is reported as not returning */

/* Where a page mover is in a process's address space. */
struct page_cursor {
	unsigned long addr;     /* the next address to look at */
	bool done;              /* the whole address space was walked */
};

/* One job, copied whole into the worker: it touches nothing of the daemon's. */
enum job_kind { JOB_SET, JOB_NARROW, JOB_PAGES };

struct actuator_ops;

struct job {
	enum job_kind kind;
	const struct actuator_ops *ops;  /* who carries it out, and with what */
	void *ctx;
	/* the plan it is part of, for the outcome's log lines */
	int reason;                  /* enum reason */
	struct nodeset from, to;
	char because[256];
	char uuid[40];
	char name[256];
	int pid;
	int nvcpus;
	struct nodeset nodes;        /* SET, NARROW: the nodeset to set; PAGES: where pages go */
	struct nodeset cpu_nodes;    /* SET: pin vCPUs, emulator and iothreads to these nodes' CPUs */
	struct nodeset leave;        /* PAGES: the nodes pages leave */
	double max_kb;               /* PAGES: at most this much per job */
	struct page_cursor cursor;   /* PAGES: in and out */
	void *conn;                  /* the libvirt connection, with a reference of the job's own */
	/* results */
	int out;                     /* enum outcome */
	int bad_pins;
	double moved_kb;
	char why[256];
	char call[64];               /* what it is doing, for a call that does not return */
	int64_t submitted_ms;        /* monotonic, real time (loop) */
	int64_t started_ms, done_ms; /* monotonic, real time (worker) */
	bool stuck_reported;
	bool urgent;
	unsigned long move_id;       /* the staged move it belongs to, 0 for none */
	struct job *next;            /* in a queue, the done list or the held list */
	struct job *flight_next;     /* in the loop's list of jobs out */
};

/*
 * One implementation of what an apply does: libvirt's (virt.c), advice only (apply.c), and
 * the test fakes NUMAD_INJECT_FAULT names (inject.c), which wrap libvirt's. Every call but
 * acquire and release runs in a worker thread (or, with inline_calls, in the loop's: it must
 * then not block), fills j->why, and returns an enum outcome.
 */
struct actuator_ops {
	const char *name;
	bool inline_calls;
	/* Set the guest's live nodeset to j->nodes. */
	int (*set_nodes)(void *ctx, struct job *j);
	/* Pin its vCPUs, emulator and iothreads to the CPUs of j->cpu_nodes; returns the failed pins. */
	int (*pin)(void *ctx, struct job *j);
	/* Move up to j->max_kb of its pages on j->leave to j->nodes, from j->cursor on; adds to j->moved_kb. */
	int (*move_pages)(void *ctx, struct job *j);
	/* In the loop, at submission: what the job needs (a connection), or NULL when there is none. */
	void *(*acquire)(void *ctx);
	/* In the loop, when the job is done with: give it back. */
	void (*release)(void *ctx, void *handle);
};

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
