/*
 * guests.h: the guest table, what is sampled of each guest, and the history of decisions
 * with their log lines. Below the actuator and the rules' glue; above lib/.
 */
#ifndef NUMAD_GUESTS_H
#define NUMAD_GUESTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "actuator.h"
#include "decide.h"
#include "nodeset.h"
#include "pace.h"
#include "sample.h"

struct daemon;

#define HISTORY_LEN 256

/* One decision, as the log has it, for numadctl history. */
struct advice_record {
	time_t when;            /* wall clock (simulated seconds are not wall time) */
	int64_t at_ms;          /* daemon clock */
	char domain[256];
	char uuid[40];
	int pid;
	char from[128], to[128];
	enum reason reason;
	enum outcome outcome;
	char detail[256];
};

#define KILLED_MAX 16

/* A guest that stopped as the host's oom_kill count rose: what status lists of it. */
struct killed_guest {
	char name[256];
	char uuid[40];
	int pid;
	enum guest_mode mode;
	char nodes[128];
	time_t when;            /* wall clock */
	int64_t at_ms;          /* daemon clock */
};

/*
 * The most each of a guest's strings may hold, its terminating NUL included: longer text is
 * cut to this less one byte, as snprintf into a buffer of that size cuts it.
 */
#define GUEST_NAME_MAX 256
#define GUEST_CGROUP_MAX 512
#define GUEST_FAILURE_MAX 256
#define GUEST_ADVICE_MAX 160

/*
 * A guest's strings (name, cgroup, failure, last_advice) are never NULL once guest_clear or
 * guest_add has made the guest: "" until set, each on the heap as long as it is (guest_set_text).
 */
struct guest {
	const char *name;
	char uuid[40];
	int dom_id;
	int64_t virt_read_ms;     /* daemon time libvirt was last asked for its size, vCPUs and NUMA settings */
	int pid;
	uint64_t pid_start;       /* starttime of pid, to notice pid reuse */
	char comm[PROC_COMM_MAX];
	const char *cgroup;       /* path under the cgroup mount holding memory.numa_stat, "": none found */
	int cgroup_version;
	bool managed;             /* placement_auto or named by -p, and not named by -x (guest_set_managed) */
	signed char listed;       /* what the lists said at the last guest_set_managed: -1 -x, 1 -p, 0 neither */
	bool listed_known;        /* listed was set */
	bool verdict_known;       /* placement_auto was decided: when numad first saw it, or by the state file */
	bool placement_auto;      /* its definition asked for placement='auto' then (persistent, or live before any move) */
	bool persistent;
	enum guest_mode mode;
	struct nodeset nodes;     /* live nodeset */
	int nvcpus;
	uint64_t mem_kb;          /* configured memory */
	uint64_t *res_kb;         /* per node index */
	uint64_t res_total_kb;
	bool res_valid;
	struct growth growth;
	/*
	 * Per node index: trend of res_kb, fed at fast ticks. Only a node it has held memory on
	 * at a tick has a trend of its own; every other shares gain.rest, which was fed only 0s.
	 */
	struct node_trends gain;
	bool gain_ready;          /* gain seeded at a fast tick */
	bool fresh;               /* it started while numad ran */
	bool reservation_matched; /* a -w reservation was matched to it (reserve.c) */
	uint64_t *tick_res_kb;    /* per node index: res_kb at the last fast tick */
	bool res_new;             /* res_kb written (or a read of it tried) since the last fast tick copied it */
	bool tick_res_valid;
	int64_t added_ms;         /* daemon time numad first saw it */
	int64_t read_ms;          /* daemon time of the last read of its memory.numa_stat, 0: none yet */
	int64_t tick_read_ms;     /* the fast tick that last read it, 0: none yet */
	bool quiet_read;          /* this tick's read was the slow refresh of a quiet guest (guest_sample_due) */
	unsigned long numa_stat_reads;  /* reads of its memory.numa_stat */
	uint64_t cpu_ticks;       /* utime+stime of its process at cpu_at_ms */
	int64_t cpu_at_ms;        /* 0: no sample yet */
	double cpu_used;          /* CPUs it kept busy between the last two full scans */
	bool cpu_known;
	double tte_s;             /* time until its nodes run out, INFINITY when not growing */
	bool at_risk;
	int64_t last_move_ms;
	struct nodeset prev_nodes;  /* nodeset before the last move, against flapping */
	int64_t moved_wall_ms;    /* last_move_ms on the wall clock, for the state file (persist.c) */
	int64_t moved_wall_of_ms; /* the last_move_ms that moved_wall_ms is of */
	int64_t last_warn_ms;
	double warned_tte_s;      /* the time to exhaustion last logged in this risk episode, INFINITY: none */
	int failures;             /* consecutive transient failures */
	int64_t retry_at_ms;
	bool awaiting_libvirt;    /* an urgent extension decided while libvirt was away: decided again when it is back */
	bool permanent_failure;
	const char *failure;      /* why it failed for good (permanent_failure) */
	const char *last_advice;  /* "FROM -> TO (REASON)" of its last decision, "": none */
	enum outcome last_outcome;
	bool seen;                /* mark for the refresh sweep */
};

/* guests.c */
/* Find a guest by uuid, or NULL. */
struct guest *guest_find(struct daemon *d, const char *uuid);
/* Add (or return the existing) guest with this uuid. */
struct guest *guest_add(struct daemon *d, const char *uuid);
/* Remove a guest. */
void guest_remove(struct daemon *d, struct guest *g);
/* Make g all zero with its strings empty: a guest to fill in, which holds nothing yet. */
void guest_clear(struct guest *g);
/* Free what a guest holds (its strings and per-node arrays); the guest is not usable afterwards. */
void guest_release(struct guest *g);
/*
 * Set one of a guest's strings to text (NULL reads as snprintf's "%s" writes it), cut to
 * max - 1 bytes: a copy on the heap, kept as it is when the text is the same. When memory
 * runs out it is left empty.
 */
void guest_set_text(const char **field, const char *text, size_t max);
/*
 * A guest stopped (may_be_oom: not by its own shutdown): when the host's oom_kill count
 * rose as it stopped, it is logged and kept for status as OOM-killed. Then it is removed.
 */
void guest_stopped(struct daemon *d, struct guest *g, bool may_be_oom);
/* At a full scan: note a rise of the host's oom_kill count that no guest stop has claimed. */
void guests_note_oom(struct daemon *d, int64_t now);
/*
 * How often the fast tier reads the memory.numa_stat of a guest with nothing going on (its
 * nodes steady, itself neither growing nor at risk): the kernel flushes memcg statistics at
 * every read of that file, and flushes them every 2 s anyway.
 */
#define NUMA_STAT_QUIET_MS 2000

/* How a guest's residency is read: not now, outside a fast tick, at a tick, or as a quiet guest's slow refresh at a tick. */
enum guest_read { READ_NONE, READ_OUTSIDE_TICK, READ_AT_TICK, READ_QUIET };

/*
 * At a fast tick, after the nodes' sample: how this guest's memory.numa_stat is read now,
 * READ_AT_TICK while something may change it (a node of its declines, it grows or may grow,
 * it is at risk), READ_QUIET once its quiet period (NUMA_STAT_QUIET_MS, longer with more than
 * 100 guests) has passed since its last read and the tick has reads left for it, else READ_NONE.
 */
enum guest_read guest_sample_due(const struct daemon *d, const struct guest *g, int64_t now);
/* At a fast tick, after the nodes' sample and before guest_sample_due: the nodes that decline, and the quiet reads' share. */
void guests_tick_begin(struct daemon *d, int64_t now);
/* Read a guest's residency from its cgroup and update its growth estimate (how: guest_sample_due, or READ_OUTSIDE_TICK). */
void guest_sample(struct daemon *d, struct guest *g, int64_t now, enum guest_read how);
/* After res_kb changed: its total, and the trends of both (the per-node trend only at a tick). */
void guest_residency_updated(struct daemon *d, struct guest *g, int64_t now, bool tick);
/* Read a guest's CPU use from its process's utime+stime (full scan). */
void guest_sample_cpu(struct daemon *d, struct guest *g, int64_t now);
/* After every guest's sample of a fast tick: what processes that cannot fall back take of each node. */
void guests_track_taken(struct daemon *d, int64_t now);
/* Share (0-1) of a guest's resident memory on its own nodes, NAN when unknown. */
double guest_locality(const struct daemon *d, const struct guest *g);
/*
 * The time until the guest's nodes run out as status and the metrics report it, in seconds:
 * NAN when it needs no more of them or nothing runs out within 30 days.
 */
double guest_time_to_exhaustion(const struct guest *g);
/* Name of a reason (start, urgent, consolidate). */
const char *reason_name(enum reason r);
/* Name of a mode. */
const char *mode_name(enum guest_mode m);
/*
 * Decide g->managed from its definition (placement_auto) and the -x and -p lists (the
 * exclude and include keys), by its pid, domain name or UUID: -x wins over both. Called at
 * every refresh of the domain, so a reload's lists count from the next full scan; a change
 * of verdict after numad first saw the guest is logged.
 */
void guest_set_managed(struct daemon *d, struct guest *g);
/* Whether numad may change the guest's nodes: managed, restrictive, not failed for good. */
bool guest_moves(const struct guest *g);
/* What numadctl's MANAGED column says: yes, observed (a mode numad does not move), no, failed. */
const char *guest_management(const struct guest *g);
/* Name of an outcome. */
const char *outcome_name(enum outcome o);

/* Write the advice line and the outcome line for one decision, and record it in the history. */
void guest_log_advice(struct daemon *d, struct guest *g, const struct nodeset *from, const struct nodeset *to,
		      enum reason why, enum outcome out, const char *detail);
/* A later outcome of decision number hist (a staged move's end): its outcome line, and its history record. */
void guest_log_outcome(struct daemon *d, struct guest *g, enum reason why, enum outcome out, const char *detail,
		       unsigned long hist);

#endif
