/* options.h: numad's options (defaults, the config file, the command line) and the -w query. */
#ifndef NUMAD_OPTIONS_H
#define NUMAD_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "engine.h"
#include "topology.h"

/* Also numadctl's default. The other defaults are in options.c's table of options. */
#define NUMAD_SOCKET_DEFAULT "/run/numad/numad.sock"
#define NUMAD_MAX_PID_LIST 256
#define NUMAD_MAX_GUEST_LIST 64    /* domain names and UUIDs in one of -x and -p */
#define NUMAD_GUEST_NAME_MAX 256   /* the longest name, with its NUL */

#define OPTIONS_MAX 64  /* rows of the option table (options.c checks it) */

struct options {
	const char *root;          /* --root: read sysfs/proc under this directory */
	const char *log_path;      /* --log: the advice log */
	const char *pidfile;       /* --pidfile */
	const char *socket_path;   /* --socket */
	const char *uri;           /* --connect */
	const char *simulate;      /* --simulate TOPOLOGY.txt */
	const char *scenario;      /* --scenario FILE */
	const char *config_path;   /* --config (a missing default file is fine), NULL for none */
	const char *metrics_listen; /* --metrics-listen ADDR:PORT, NULL when off */
	const char *state_file;    /* --state-file, "" for none */
	bool state_file_asked;     /* given by the file or the command line, not the default */
	const char *ledger;        /* --ledger, "" for none */
	int config_errors;         /* -w: errors of a configuration file it answered without */
	unsigned char source[OPTIONS_MAX];  /* per option row: enum option_source of its value */
	char config_warning[640];  /* -w: the first of them */
	bool ledger_asked;         /* given, not the default (which is under the host's root) */
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
	int thp_scan_ms;           /* -H, 0 leaves khugepaged alone */
	int scan_all;              /* -S 0|1 */
	const char *reserved_cpus; /* -R CPU list */
	int include[NUMAD_MAX_PID_LIST], ninclude;  /* -p: the pids */
	int exclude[NUMAD_MAX_PID_LIST], nexclude;  /* -x: the pids */
	/* -p and -x: libvirt domains by name or UUID (lowercase), as given */
	char include_guests[NUMAD_MAX_GUEST_LIST][NUMAD_GUEST_NAME_MAX];
	int ninclude_guests;
	char exclude_guests[NUMAD_MAX_GUEST_LIST][NUMAD_GUEST_NAME_MAX];
	int nexclude_guests;
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
 * while running (policy, pacing, log level, advise_only, exclude, include); a changed start-only key
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

/* Where a setting's value came from. */
enum option_source { SOURCE_DEFAULT, SOURCE_FILE, SOURCE_COMMAND_LINE, SOURCE_NUMADCTL };
/*
 * Each setting in force, in the table's order: its command-line option ("-u", "--horizon"),
 * its config file key (or NULL), its value as the file would write it ("" for none) and
 * where it came from.
 */
void options_each(const struct options *o,
		  void (*fn)(void *ctx, const char *option, const char *key, const char *value, enum option_source src),
		  void *ctx);
/* A value changed while numad runs (numadctl log-level): its source says so. */
void options_set_source(struct options *o, const char *key, enum option_source src);

/* Whether -x (the exclude key) names a guest: by its pid (when above 0), its domain name or its UUID. */
bool options_excludes(const struct options *o, int pid, const char *name, const char *uuid);
/* Whether -p (the include key) names a libvirt domain by its name or its UUID. */
bool options_includes(const struct options *o, const char *name, const char *uuid);

/*
 * At the daemon's start: warn when numad 0.5's defaults file (etc/default/numad under
 * --root) sets DAEMON_ARGS, which numad 0.5's init script passed and numad.service never
 * reads, naming what to use instead. Its value is shown, never used.
 */
void options_legacy_defaults(const struct options *o);

/* Print the usage text to f, from the table of options: each option's help line, range and default. */
void options_usage(FILE *f);

#endif
