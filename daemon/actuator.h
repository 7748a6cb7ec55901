/*
 * actuator.h: the actuator's interface: what one job is, and what an implementation of the
 * actuator does with it (libvirt's in virt.c, advice only in apply.c, NUMAD_INJECT_FAULT's
 * fakes in inject.c). apply.c drives the jobs; pages.c is numad's own page mover.
 */
#ifndef NUMAD_ACTUATOR_H
#define NUMAD_ACTUATOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nodeset.h"

/* What became of an apply (a job, a plan, a decision). */
enum outcome {
	OUT_NONE,
	OUT_APPLIED,      /* libvirt took the new nodeset (and pins) */
	OUT_PINNED,       /* strict: vCPUs re-pinned, nodeset unchanged */
	OUT_ADVICE_ONLY,  /* --advise-only or paused */
	OUT_TRANSIENT,    /* failed, will retry */
	OUT_PERMANENT,    /* failed for good: the guest is no longer managed */
	OUT_REFUSED,      /* numad would not: strict mode, no room, rate limit */
	OUT_STAGING,      /* a staged move: widened and pinned, its pages moving */
	OUT_STOPPED,      /* a staged move that stopped midway, left widened */
};

#define OUTCOME_COUNT (OUT_STOPPED + 1)

#define APPLY_NARROW_BOUND_KB (256.0 * 1024)  /* the most one narrowing write may migrate */
#define APPLY_STUCK_MS 120000                  /* a call this long is reported as not returning */

/*
 * Where a page mover is in a process's address space. ranges, found at the start of a walk
 * (the mappings that hold pages on the nodes being left), belongs to whoever holds the
 * cursor: a job while it runs, the staged move between jobs (pages_cursor_free()).
 */
struct page_ranges;
struct page_cursor {
	unsigned long addr;     /* the next address to look at */
	bool done;              /* the whole address space was walked */
	double seen_kb;         /* this walk: pages move_pages(2) found on the left nodes */
	double hidden_kb;       /* at its end: what numa_maps counted there that the walk did not find */
	struct page_ranges *ranges;
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
	bool sweep;                  /* PAGES: every page on leave at once, with migrate_pages(2) */
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
	/*
	 * Move up to j->max_kb of its pages on j->leave to j->nodes, from j->cursor on; adds to
	 * j->moved_kb. With j->sweep, every page on j->leave in one call (the pages a walk could
	 * not see), without a bound.
	 */
	int (*move_pages)(void *ctx, struct job *j);
	/* In the loop, at submission: what the job needs (a connection), or NULL when there is none. */
	void *(*acquire)(void *ctx);
	/* In the loop, when the job is done with: give it back. */
	void (*release)(void *ctx, void *handle);
};

#endif
