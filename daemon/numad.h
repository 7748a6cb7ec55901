/* numad.h: the daemon's private declarations, one section per file. */
#ifndef NUMAD_NUMAD_H
#define NUMAD_NUMAD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "decide.h"
#include "engine.h"
#include "nodeset.h"
#include "pace.h"
#include "sample.h"
#include "topology.h"

#define NUMAD_PIDFILE_DEFAULT "/var/run/numad.pid"
#define NUMAD_SOCKET_DEFAULT "/run/numad/numad.sock"
#define NUMAD_URI_DEFAULT "qemu:///system"
#define NUMAD_CONFIG_DEFAULT "/etc/numad.conf"
#define NUMAD_MAX_PID_LIST 256

struct options {
	const char *root;          /* --root: read sysfs/proc under this directory */
	const char *log_path;      /* --log: the advice log */
	const char *pidfile;       /* --pidfile */
	const char *socket_path;   /* --socket */
	const char *uri;           /* --connect */
	const char *simulate;      /* --simulate TOPOLOGY.txt */
	const char *scenario;      /* --scenario FILE */
	const char *config_path;   /* --config, default /etc/numad.conf (a missing default file is fine), NULL for none */
	const char *metrics_listen; /* --metrics-listen ADDR:PORT, NULL when off */
	int control_gid;           /* group allowed to change state over the socket, -1 for root only */
	bool explain;              /* --explain: show the scores behind -w */
	bool foreground;           /* -F */
	bool advise_only;          /* --advise-only: log plans, change nothing */
	bool numad05_timing;       /* --numad05-timing: react like numad 0.5 (for comparisons) */
	double speed;              /* --speed: simulated seconds per real second */
	double run_for_s;          /* --run-for: exit after this many (simulated) seconds, 0 = forever */
	double sim_bandwidth_mb_s; /* --sim-bandwidth: the simulated host's page migration speed */
	int log_level;             /* -l/-d/-v */
	struct engine_policy policy;  /* -u -m -C -t */
	const char *wspec;         /* -w NCPUS[:MB], NULL when not asked */
	int interval_min, interval_max;  /* -i [min:]max, seconds; max 0 stops a running daemon */
	bool interval_set;
	int fast_ms;               /* --fast-interval: fast tier period in ms */
	double horizon_s;          /* --horizon: act when a guest's nodes run out within this */
	int margin_mb;             /* --margin: headroom kept above a guest's remaining need */
	int guest_interval_s;      /* --guest-interval: least time between two consolidations of a guest */
	int migrate_mb_s;          /* --migrate-rate: MB/s of consolidating migration, all guests */
	int urgent_burst;          /* --urgent-burst: urgent extensions allowed back to back */
	int keep_interleave;       /* -K 0|1 */
	int thp_scan_ms;           /* -H, -1 when not given */
	int scan_all;              /* -S 0|1, -1 when not given */
	const char *reserved_cpus; /* -R CPU list */
	int include[NUMAD_MAX_PID_LIST], ninclude;  /* -p */
	int exclude[NUMAD_MAX_PID_LIST], nexclude;  /* -x */
	int remove[NUMAD_MAX_PID_LIST], nremove;    /* -r */
	int argc;                  /* the command line, applied again over the file on reload */
	char **argv;
	/* The config file's string values live here: a struct options is never copied by value. */
	char strings[32768];
	size_t strings_used;
};

/* options.c */
/*
 * Re-read o->config_path with the command line over it again, and apply what can change
 * while running (policy, pacing, log level, advise_only, exclude); a changed start-only key
 * is logged as taking effect at restart. On any error o is left as it was and -1 returned
 * with "FILE:LINE: reason" (the first error) in err.
 */
int options_reload(struct options *o, char *err, size_t errlen);
/*
 * Defaults, then the config file (--config, default /etc/numad.conf), then the command line,
 * into o; argv must outlive o. Returns 0, 1 when it printed help or version or passed
 * --check-config (exit 0), or -1 after printing each error (exit 2).
 */
int options_parse(int argc, char **argv, struct options *o);
/* Print the usage text to f. */
void options_usage(FILE *f);

/* advise.c */
/* Answer -w: from a running daemon when one answers, else from the host. Returns the exit code. */
int advise_run(const struct options *o);
/* Compute -w advice from a topology (shared by -w, the daemon and the simulator). Returns 0 or -1. */
int advise_compute(const struct topology *t, const double *busy, const struct engine_policy *p, double ncpus,
		   uint64_t mb, struct engine_result *res);

/* ---- the daemon ---- */

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

struct guest {
	char name[256];
	char uuid[40];
	int dom_id;
	int pid;
	uint64_t pid_start;       /* starttime of pid, to notice pid reuse */
	char comm[PROC_COMM_MAX];
	char cgroup[512];         /* path under the cgroup mount holding memory.numa_stat */
	int cgroup_version;
	bool managed;             /* persistent definition has placement='auto' */
	bool persistent;
	enum guest_mode mode;
	struct nodeset nodes;     /* live nodeset */
	int nvcpus;
	uint64_t mem_kb;          /* configured memory */
	uint64_t *res_kb;         /* per node index */
	uint64_t res_total_kb;
	bool res_valid;
	struct growth growth;
	struct growth *gain;      /* per node index: trend of res_kb, fed at fast ticks */
	bool gain_ready;          /* gain seeded at a fast tick */
	bool fresh;               /* it started while numad ran */
	uint64_t *tick_res_kb;    /* per node index: res_kb at the last fast tick */
	bool tick_res_valid;
	uint64_t cpu_ticks;       /* utime+stime of its process at cpu_at_ms */
	int64_t cpu_at_ms;        /* 0: no sample yet */
	double cpu_used;          /* CPUs it kept busy between the last two full scans */
	bool cpu_known;
	double tte_s;             /* time until its nodes run out, INFINITY when not growing */
	bool at_risk;
	int64_t last_move_ms;
	struct nodeset prev_nodes;  /* nodeset before the last move, against flapping */
	int64_t last_warn_ms;
	bool tte_warned;          /* the time to exhaustion of this risk episode was logged */
	int failures;             /* consecutive transient failures */
	int64_t retry_at_ms;
	bool awaiting_libvirt;    /* an urgent extension decided while libvirt was away: decided again when it is back */
	bool permanent_failure;
	char failure[256];
	char last_advice[160];
	enum outcome last_outcome;
	bool seen;                /* mark for the refresh sweep */
};

struct sim;
struct virt;
struct apply;
struct job;
struct actuator_ops;
struct ctl;
struct pstate;
struct metrics_http;

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
	int fast_period_ms;         /* the fast timer's period now: fast_ms, or 1000 with no guest */
	struct growth *node_free;   /* per node index: free memory trend */
	double *tick_free_kb;       /* per node index: free memory at the last fast tick, < 0 when unknown */
	double *taken_kb;           /* per node index: memory taken by processes that cannot fall back, cumulative */
	struct growth *taken;       /* per node index: the rate of taken_kb */
	struct guest *guests;
	int nguests, capguests;
	struct virt *virt;
	struct apply *apply;        /* the actuator: plans are carried out off the loop's thread */
	struct sim *sim;
	struct ctl *ctl;
	struct metrics_http *metrics;  /* --metrics-listen HTTP server, NULL when off */
	struct token_bucket migrate_bucket;  /* MB of consolidating migration */
	struct token_bucket urgent_bucket;   /* urgent extensions */
	int full_interval_s;        /* current adaptive full-scan interval */
	int64_t next_full_ms;       /* daemon time the next full scan is due */
	int64_t start_ms;
	int64_t last_full_ms;
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
	unsigned long ooms;         /* OOM kills seen (simulated host) */
	unsigned long psi_events;   /* PSI trigger wake-ups */
	double last_fast_ms, last_full_ms_cost;
};

/* daemon.c */
/* Re-read the configuration (SIGHUP, numadctl reload); the running one stays on error. Returns 0 or -1. */
int daemon_reload(struct daemon *d, char *err, size_t errlen);
/* Run the daemon until SIGTERM/SIGINT (or --run-for). Returns the exit code. */
int daemon_run(struct options *o);
/* The daemon's clock in ms: monotonic, or simulated time when simulating. */
int64_t daemon_now(const struct daemon *d);
/* Something changed (a guest started): the full scan comes back to its shortest interval. */
void daemon_scan_soon(struct daemon *d);
/* A period in daemon time (ms) as a timeval of real time for a libevent timer. */
struct timeval daemon_timeval(const struct daemon *d, double ms);

/* virt.c: libvirt connection, domain discovery and the actuator */
/* Connect (and keep reconnecting with back-off). Returns the handle; never fails on a dead libvirtd. */
struct virt *virt_open(struct daemon *d, const char *uri);
/* Close the connection and free the handle. */
void virt_close(struct virt *v);
/* True when connected. */
bool virt_connected(const struct virt *v);
/* Re-read the domain list into the guest table. */
void virt_refresh(struct virt *v);
/*
 * The host behind libvirt as a nodeset write and numad's page moves meet it: the live kernel
 * (no hooks), or the simulator, which migrates in the writer's thread and moves its own pages.
 */
struct host_hooks {
	void *ctx;
	/* after libvirt took a nodeset: what the kernel migrates before the write returns */
	void (*nodeset_written)(void *ctx, const char *uuid, const struct nodeset *to);
	/* a page mover in place of move_pages(2) */
	int (*move_pages)(void *ctx, struct job *j);
};
/* Use these hooks for the host behind the connection. */
void virt_set_host(struct virt *v, const struct host_hooks *h);
/* The actuator that applies plans through this connection (NUMAD_INJECT_FAULT's fakes around it when set), and its context. */
const struct actuator_ops *virt_actuator(struct virt *v, void **ctx);

/* guests.c: the guest table and decisions */
/* Find a guest by uuid, or NULL. */
struct guest *guest_find(struct daemon *d, const char *uuid);
/* Add (or return the existing) guest with this uuid. */
struct guest *guest_add(struct daemon *d, const char *uuid);
/* Remove a guest. */
void guest_remove(struct daemon *d, struct guest *g);
/* Read a guest's residency from its cgroup and update its growth estimate; tick: at a fast tick, after the nodes' sample. */
void guest_sample(struct daemon *d, struct guest *g, int64_t now, bool tick);
/* After res_kb changed: its total, and the trends of both (the per-node trend only at a tick). */
void guest_residency_updated(struct daemon *d, struct guest *g, int64_t now, bool tick);
/* Read a guest's CPU use from its process's utime+stime (full scan). */
void guest_sample_cpu(struct daemon *d, struct guest *g, int64_t now);
/* After every guest's sample of a fast tick: what processes that cannot fall back take of each node. */
void guests_track_taken(struct daemon *d, int64_t now);
/* Urgent check for one guest, from the fast tier. */
void guest_check_urgent(struct daemon *d, struct guest *g, int64_t now);
/* Consolidation decision for one guest, from the full scan. Returns true when it moved. */
bool guest_consolidate(struct daemon *d, struct guest *g, int64_t now);
/* Run the engine for a guest as consolidation would, without acting. Returns 0 or -1. */
int guest_explain(struct daemon *d, const struct guest *g, struct engine_result *res, struct engine_score *current);
/* Share (0-1) of a guest's resident memory on its own nodes, NAN when unknown. */
double guest_locality(const struct daemon *d, const struct guest *g);
/* Name of a reason (start, urgent, consolidate). */
const char *reason_name(enum reason r);
/* Name of a mode. */
const char *mode_name(enum guest_mode m);
/* Name of an outcome. */
const char *outcome_name(enum outcome o);

/* Write the advice line and the outcome line for one decision, and record it in the history. */
void guest_log_advice(struct daemon *d, struct guest *g, const struct nodeset *from, const struct nodeset *to,
		      enum reason why, enum outcome out, const char *detail);
/* A later outcome of decision number hist (a staged move's end): its outcome line, and its history record. */
void guest_log_outcome(struct daemon *d, struct guest *g, enum reason why, enum outcome out, const char *detail,
		       unsigned long hist);

/* procs.c: numad-style management of other processes (-S 1, -p) */
/* Consider every process over the threshold (or named with -p) and move at most one. */
void procs_scan(struct daemon *d, int64_t now);
/* Pin every thread of pid to the CPUs of to, and migrate its pages there. Returns 0, or -1 with why. */
int procs_apply(const struct topology *t, int pid, const struct nodeset *to, char *why, size_t whylen);

/* inject.c: NUMAD_INJECT_FAULT's actuator fakes (transient:N, permanent:N, slow:MS) */
/* Wrap inner (libvirt's) in the fakes that spec names; NULL when it names none of them. */
const struct actuator_ops *inject_wrap(const char *spec, const struct actuator_ops *inner, void *inner_ctx, void **ctx);

/* sim.c: the simulated host */
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

/* evbridge.c */
struct event_base;
/* Back libvirt's event loop with base; call before opening a connection. */
int evbridge_register(struct event_base *base);
/* Release the bridge's own records at exit. */
void evbridge_shutdown(void);

#endif
