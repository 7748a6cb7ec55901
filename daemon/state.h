/*
 * state.h: the daemon's shared state: the host's samples, the guest table, the history
 * and the counters, and the daemon's clock. Data only: every module of the daemon reads it,
 * and it calls none of them.
 *
 * Names of times: a point in time is named for its event (start_ms, next_full_ms,
 * last_full_at_ms, last_move_ms), a duration for what it measures (fast_cost_ms,
 * fast_period_ms, wait_ms); both are in ms unless the name ends otherwise (_s).
 */
#ifndef NUMAD_STATE_H
#define NUMAD_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/time.h>

#include "guests.h"
#include "host.h"
#include "options.h"
#include "pace.h"
#include "sample.h"
#include "topology.h"
#include "util.h"

struct virt;
struct apply;
struct ctl;
struct pstate;
struct persist;
struct reserve;
struct metrics_http;

/* While a node loses free memory faster than this (KiB/s), the fast tier ticks every FAST_DECLINE_MS. */
#define FAST_DECLINE_KBPS (1024.0 * 1024)
#define FAST_DECLINE_MS 50
/* The most of its own lag (a tick, a libvirt call) the urgent path adds to --horizon. */
#define LAG_CAP_MS 1000

struct daemon {
	struct options *o;
	struct event_base *base;
	struct event *fast_ev, *full_ev, *stop_ev, *sig_ev[3], *psi_ev;
	int psi_fd;
	struct topology topo;
	double *busy;               /* busy CPUs per node index, from the last two /proc/stat samples */
	struct cpustat cs[2];
	int cs_cur;
	struct zone_wm *wm;         /* per node index, watermarks read on the full scan */
	int64_t wm_read_ms;         /* daemon time of the last /proc/zoneinfo read */
	int fast_period_ms;         /* the fast timer's period now: fast_ms, FAST_DECLINE_MS, or 1000 with no guest */
	double apply_lag_ms;        /* a nodeset change's time from submission to libvirt's answer, daemon time (apply.c) */
	struct growth *node_free;   /* per node index: free memory trend */
	double *tick_free_kb;       /* per node index: free memory at the last fast tick, < 0 when unknown */
	double *taken_kb;           /* per node index: memory taken by processes that cannot fall back, cumulative */
	struct growth *taken;       /* per node index: the rate of taken_kb */
	struct node_mem_files mem_files;  /* every node's meminfo, kept open for the fast tier */
	int64_t last_tick_ms;       /* daemon time of the last fast tick, 0 before the first */
	int *declining;             /* the node indexes that decline at this tick (guest_sample_due), ndeclining of them */
	int ndeclining;
	int quiet_left;             /* quiet guests' slow refreshes this tick may still make (guest_sample_due) */
	bool urgent_all;            /* the rules changed (reload): every guest's urgent rules run at the next tick */
	struct guest *guests;
	int nguests, capguests;
	int find_from;              /* where guest_find() starts: lookups in table order cost one compare */
	struct virt *virt;
	struct apply *apply;        /* the actuator: plans are carried out off the loop's thread */
	struct host host;           /* the host: its root, libvirt URI and clock (host.h) */
	struct ctl *ctl;
	struct metrics_http *metrics;  /* --metrics-listen HTTP server, NULL when off */
	struct persist *persist;    /* the state file (persist.h), NULL when none */
	struct reserve *reserve;    /* what -w answers promised and guests have not touched (reserve.h) */
	struct token_bucket migrate_bucket;  /* MB of consolidating migration */
	struct token_bucket urgent_bucket;   /* urgent extensions */
	int full_interval_s;        /* current adaptive full-scan interval */
	int64_t next_full_ms;       /* daemon time the next full scan is due */
	bool scan_soon;             /* a guest started: the loop brings the full scan back to its shortest interval */
	/* set by daemon.c: re-read the configuration (SIGHUP, numadctl reload); 0, or -1 with err */
	int (*reload)(struct daemon *d, char *err, size_t errlen);
	int64_t start_ms;
	int64_t last_full_at_ms;     /* daemon time of the last full scan */
	bool paused;                /* numadctl pause: keep sampling, act advice-only */
	bool stopping;
	struct advice_record history[HISTORY_LEN];  /* ring: the last HISTORY_LEN decisions */
	unsigned long nhistory;     /* decisions ever recorded; the newest is history[(nhistory-1) % HISTORY_LEN] */
	unsigned long by_outcome[REASON_COUNT][OUTCOME_COUNT];  /* decisions by reason and outcome */
	int exit_code;
	struct buf buf;             /* reused by sampling reads */
	struct proc_list numad_style;  /* processes considered for numad-style management (-S 1, -p) */
	struct pstate *pstate;      /* their CPU ticks and last move, by pid */
	int npstate, cappstate;
	/* counters for status and metrics */
	unsigned long fast_ticks, full_scans, advices, applied, urgent, refused, failed;
	unsigned long oom_kill0;    /* the host's oom_kill count (/proc/vmstat) when numad started */
	unsigned long oom_seen;     /* that count when numad last looked (full scans, guest stops) */
	unsigned long oom_unclaimed; /* kills of the last rise no stopped guest has claimed yet */
	int64_t oom_rise_ms;        /* daemon time a full scan saw the count rise */
	struct killed_guest killed[KILLED_MAX];  /* ring: the guests numad saw OOM-killed, kept for status */
	unsigned long nkilled;      /* guests ever seen OOM-killed; the newest is killed[(nkilled-1) % KILLED_MAX] */
	unsigned long psi_events;   /* PSI trigger wake-ups */
	unsigned long numa_stat_reads;  /* reads of guests' memory.numa_stat (each one makes the kernel flush memcg statistics) */
	double fast_cost_ms, full_cost_ms;  /* how long the last fast tick and full scan took */
};

/* state.c */
/* The daemon's clock in ms: the host's (host.h), monotonic on a real host. */
int64_t daemon_now(const struct daemon *d);
/* A period in daemon time (ms) as a timeval of real time for a libevent timer. */
struct timeval daemon_timeval(const struct daemon *d, double ms);
/* OOM kills on the host since numad started, from ROOT/proc/vmstat's oom_kill (0 where it has none). */
unsigned long daemon_oom_kills(const struct daemon *d);
/* The host's oom_kill count now (ROOT/proc/vmstat), or 0 where the file has none. */
unsigned long host_oom_kill_count(const char *root);

#endif
