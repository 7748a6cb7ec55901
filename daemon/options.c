/* options.c: numad's command line (numad 0.5's option letters) and its config file, from one table. */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "metrics.h"
#include "nodeset.h"
#include "options.h"
#include "topology.h"

enum {
	OPT_ROOT = 256,
	OPT_LOG,
	OPT_PIDFILE,
	OPT_EXPLAIN,
	OPT_CONNECT,
	OPT_SOCKET,
	OPT_SIMULATE,
	OPT_SCENARIO,
	OPT_SPEED,
	OPT_RUN_FOR,
	OPT_SIM_BANDWIDTH,
	OPT_ADVISE_ONLY,
	OPT_NUMAD05,
	OPT_FAST,
	OPT_HORIZON,
	OPT_MARGIN,
	OPT_GUEST_INTERVAL,
	OPT_MIGRATE_RATE,
	OPT_URGENT_BURST,
	OPT_CONFIG,
	OPT_CHECK_CONFIG,
	OPT_CONTROL_GROUP,
	OPT_METRICS_LISTEN,
};

void options_usage(FILE *f)
{
	fprintf(f,
		"Usage: numad [options]\n"
		"\n"
		"Automatic NUMA placement for KVM hosts. Options of numad 0.5 keep their meaning.\n"
		"\n"
		"Pre-placement query (what libvirt runs for placement='auto'):\n"
		"  -w NCPUS[:MB]       print the best node list for NCPUS vCPUs and MB of memory;\n"
		"                      asks the running daemon when one answers, else reads the host\n"
		"      --explain       with -w: also print every node and the best scored node sets\n"
		"\n"
		"Placement policy:\n"
		"  -u PERCENT          target utilisation of a node, 10-130 (memory capped at 100), default 85\n"
		"  -m PERCENT          memory locality target, 50-100, default 90\n"
		"  -C 0|1              count inactive file cache as free memory, default 1\n"
		"  -R CPULIST          CPUs reserved for other uses: never counted or advised\n"
		"  -t PERCENT          value of an SMT sibling CPU, 0-100, default 20\n"
		"\n"
		"Daemon:\n"
		"  -i [MIN:]MAX        full scan interval in seconds, adaptive between MIN and MAX (1:15);\n"
		"                      -i 0 stops the running daemon\n"
		"  -F, --foreground    stay in the foreground (for systemd)\n"
		"      --connect URI   libvirt URI, default " NUMAD_URI_DEFAULT "\n"
		"      --socket PATH   control socket, default " NUMAD_SOCKET_DEFAULT " (\"\" for none)\n"
		"      --control-group GROUP  group whose members may change state over the socket\n"
		"                      (default: root only)\n"
		"      --metrics-listen [ADDR:]PORT  serve OpenMetrics at http://ADDR:PORT/metrics; a bare\n"
		"                      PORT listens on 127.0.0.1 only, ADDR must be numeric or localhost\n"
		"      --pidfile PATH  default " NUMAD_PIDFILE_DEFAULT " (\"\" for none)\n"
		"      --advise-only   log and report every plan, change nothing\n"
		"      --fast-interval MS   fast tier period (free memory, guest growth), default 250\n"
		"      --horizon S     extend a guest's nodes when they run out within S seconds, default 2\n"
		"      --margin MB     headroom kept above a guest's remaining need, and above a node's\n"
		"                      watermark before numad moves a guest off a node others run out;\n"
		"                      default 256\n"
		"      --guest-interval S   least time between two consolidations of a guest, default 60\n"
		"      --migrate-rate MB    MB/s at which consolidating moves migrate memory, over all\n"
		"                      guests, default 512\n"
		"      --urgent-burst N     urgent extensions allowed back to back, default 4\n"
		"      --numad05-timing     react like numad 0.5 (15 s scans, one move per scan, 300 s per\n"
		"                      process, no fast tier), for comparisons\n"
		"  -x PID[,PID]...     never manage these processes (guests by their QEMU pid)\n"
		"  -r PID[,PID]...     remove pids from the -x and -p lists (the config file's too)\n"
		"  -K 0|1              other processes: merge interleaved memory (0, default) or keep it\n"
		"                      spread (1); libvirt's interleave guests are never merged\n"
		"  -H MS               set khugepaged's scan_sleep_millisecs at start (0: leave it)\n"
		"  -S 0|1              also manage other processes over 300 MB with sched_setaffinity and\n"
		"                      migrate_pages: all of them (1) or only -p ones (0, default)\n"
		"  -p PID              manage this process numad-style too (a comma list works)\n"
		"\n"
		"Simulated host:\n"
		"      --simulate TOPOLOGY.txt   run against a simulated host built from numactl -H text,\n"
		"                      with guests in libvirt's test driver\n"
		"      --scenario FILE scenario for the simulated host (default: the article's cases)\n"
		"      --speed X       simulated seconds per real second, default 1\n"
		"      --run-for S     stop after S (simulated) seconds\n"
		"      --sim-bandwidth MB   page migration bandwidth of the simulated host, MB/s,\n"
		"                      default 2048\n"
		"\n"
		"Common:\n"
		"      --config PATH   configuration file, default " NUMAD_CONFIG_DEFAULT " (\"\" for none);\n"
		"                      every option above has a key there, and the command line wins\n"
		"                      (see numad.conf(5))\n"
		"      --check-config  check the configuration file and the command line, then exit\n"
		"                      (0 when good, 2 with FILE:LINE: reason for each error)\n"
		"  -l LEVEL            log level 0-7 (5 notice, 6 info, 7 debug), default 5\n"
		"  -v / -d             same as -l 6 / -l 7\n"
		"      --log PATH      advice log, default " NUMAD_LOG_DEFAULT_PATH " (\"\" for none)\n"
		"      --root DIR      read sysfs and /proc under DIR instead of /\n"
		"  -h, --help          this help\n"
		"  -V, --version       print the version\n");
}

/*
 * Every option is one row of the table below: its command-line spelling, its config file
 * key (NULL for options that only make sense on a command line), the parser both use, its
 * range, and whether a reload may change it. One parser per value, so "-u 150" and
 * "target_utilization = 150" are refused with the same words.
 */
enum when {
	CLI_ONLY,       /* not a config file key */
	AT_RELOAD,      /* SIGHUP and numadctl reload apply a new value */
	AT_RESTART,     /* a new value is read, and used from the next start */
};

enum kind {
	K_NONE,
	K_INT,
	K_BOOL,
	K_DOUBLE,
	K_STR,          /* a const char * into argv or o->strings */
	K_INTERVAL,     /* interval_min, interval_max */
	K_PIDS,         /* exclude, nexclude */
};

struct optdesc;
typedef int (*opt_parser)(const struct optdesc *d, const char *arg, struct options *o, char *why, size_t len);

struct optdesc {
	const char *lname;      /* long option, or NULL */
	int code;               /* short option letter, or an OPT_ value */
	int has_arg;            /* no_argument or required_argument (on the command line) */
	const char *key;        /* config file key, or NULL */
	const char *alias;      /* another accepted key (numad 0.5's file), or NULL */
	opt_parser parse;
	size_t off;             /* the field in struct options */
	double lo, hi;          /* range of a number; p_const stores lo */
	enum when when;
	enum kind kind;
};

#define OFF(field) offsetof(struct options, field)

static void *field(struct options *o, const struct optdesc *d)
{
	return (char *)o + d->off;
}

/* Parse an integer in [lo, hi]. */
static int int_value(const char *arg, long lo, long hi, int *out, char *why, size_t len)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < lo || v > hi) {
		snprintf(why, len, "'%s' is not a number from %ld to %ld", arg, lo, hi);
		return -1;
	}
	*out = (int)v;
	return 0;
}

static int p_int(const struct optdesc *d, const char *arg, struct options *o, char *why, size_t len)
{
	return int_value(arg, (long)d->lo, (long)d->hi, field(o, d), why, len);
}

static int p_double(const struct optdesc *d, const char *arg, struct options *o, char *why, size_t len)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !(v >= d->lo && v <= d->hi)) {
		snprintf(why, len, "'%s' is not a number from %g to %g", arg, d->lo, d->hi);
		return -1;
	}
	*(double *)field(o, d) = v;
	return 0;
}

static int p_str(const struct optdesc *d, const char *arg, struct options *o, char *why, size_t len)
{
	(void)why;
	(void)len;
	*(const char **)field(o, d) = arg;
	return 0;
}

static int p_const(const struct optdesc *d, const char *arg, struct options *o, char *why, size_t len)
{
	(void)arg;
	(void)why;
	(void)len;
	*(int *)field(o, d) = (int)d->lo;
	return 0;
}

/* A flag on the command line; yes/no in the file. */
static int p_flag(const struct optdesc *d, const char *arg, struct options *o, char *why, size_t len)
{
	static const char *const yes[] = { "yes", "true", "1" }, *const no[] = { "no", "false", "0" };

	for (size_t i = 0; arg && i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcmp(arg, no[i]) == 0) {
			*(bool *)field(o, d) = false;
			return 0;
		}
		if (strcmp(arg, yes[i]) == 0)
			arg = NULL;
	}
	if (arg) {
		snprintf(why, len, "'%s' is not yes, no, true, false, 1 or 0", arg);
		return -1;
	}
	*(bool *)field(o, d) = true;
	return 0;
}

/* 0 or 1 into a bool (-C). */
static int p_bool01(const struct optdesc *d, const char *arg, struct options *o, char *why, size_t len)
{
	int v;

	if (int_value(arg, 0, 1, &v, why, len) < 0)
		return -1;
	*(bool *)field(o, d) = v;
	return 0;
}

static int p_interval(const struct optdesc *d, const char *arg, struct options *o, char *why, size_t len)
{
	const char *colon = strchr(arg, ':');
	int min = o->interval_min, max;
	char part[32];

	(void)d;
	if (colon) {
		size_t n = (size_t)(colon - arg);
		if (n >= sizeof(part)) {
			snprintf(why, len, "'%s' is not [MIN:]MAX seconds", arg);
			return -1;
		}
		memcpy(part, arg, n);
		part[n] = '\0';
		if (int_value(part, 1, 3600, &min, why, len) < 0)
			return -1;
		arg = colon + 1;
	}
	if (int_value(arg, 0, 3600, &max, why, len) < 0)
		return -1;
	if (colon && max && min > max) {
		snprintf(why, len, "MIN %d is above MAX %d", min, max);
		return -1;
	}
	o->interval_min = min;
	o->interval_max = max;
	o->interval_set = true;
	return 0;
}

/* One pid, or a comma-separated list ("" is none), each appended to list. Blanks around a pid are fine. */
static int pid_list(const char *arg, int *list, int *n, char *why, size_t len)
{
	const char *all = arg;
	char item[32];

	while (*arg) {
		size_t k = strcspn(arg, ","), end = k;
		int pid;

		if (k >= sizeof(item)) {
			snprintf(why, len, "'%.*s' is not a pid", (int)k, arg);
			return -1;
		}
		memcpy(item, arg, k);
		while (end && (item[end - 1] == ' ' || item[end - 1] == '\t'))
			end--;
		item[end] = '\0';
		if (!item[strspn(item, " \t")] || (arg[k] == ',' && !arg[k + 1])) {
			snprintf(why, len, "a pid is missing in '%s'", all);
			return -1;
		}
		if (int_value(item, 1, INT_MAX, &pid, why, len) < 0)
			return -1;
		if (*n >= NUMAD_MAX_PID_LIST) {
			snprintf(why, len, "at most %d pids", NUMAD_MAX_PID_LIST);
			return -1;
		}
		list[(*n)++] = pid;
		arg += k + (arg[k] == ',');
	}
	return 0;
}

static int p_exclude(const struct optdesc *d, const char *arg, struct options *o, char *why, size_t len)
{
	(void)d;
	return pid_list(arg, o->exclude, &o->nexclude, why, len);
}

static int p_include(const struct optdesc *d, const char *arg, struct options *o, char *why, size_t len)
{
	(void)d;
	return pid_list(arg, o->include, &o->ninclude, why, len);
}

static int p_remove(const struct optdesc *d, const char *arg, struct options *o, char *why, size_t len)
{
	int from = o->nremove;

	(void)d;
	if (pid_list(arg, o->remove, &o->nremove, why, len) < 0)
		return -1;
	for (int r = from; r < o->nremove; r++) {
		for (int k = 0; k < o->nexclude; k++)
			if (o->exclude[k] == o->remove[r])
				o->exclude[k--] = o->exclude[--o->nexclude];
		for (int k = 0; k < o->ninclude; k++)
			if (o->include[k] == o->remove[r])
				o->include[k--] = o->include[--o->ninclude];
	}
	return 0;
}

static void ignore_cpu(void *ctx, unsigned id)
{
	(void)ctx;
	(void)id;
}

static int p_reserved(const struct optdesc *d, const char *arg, struct options *o, char *why, size_t len)
{
	if (idlist_parse(arg, NUMAD_MAX_CPUS - 1, ignore_cpu, NULL, why, len) < 0)
		return -1;
	return p_str(d, *arg ? arg : NULL, o, why, len); /* "": none */
}

/* A group name or number; "" for root only. */
static int p_group(const struct optdesc *d, const char *arg, struct options *o, char *why, size_t len)
{
	const struct group *g;

	if (!*arg) {
		*(int *)field(o, d) = -1;
		return 0;
	}
	if (strspn(arg, "0123456789") == strlen(arg))
		return int_value(arg, 0, INT_MAX, field(o, d), why, len);
	errno = 0;
	g = getgrnam(arg);
	if (!g) {
		snprintf(why, len, "no group '%s'%s%s", arg, errno ? ": " : "", errno ? strerror(errno) : "");
		return -1;
	}
	*(int *)field(o, d) = (int)g->gr_gid;
	return 0;
}

/* --metrics-listen: checked here, so a bad value stops the start with exit 2. */
static int p_listen(const struct optdesc *d, const char *arg, struct options *o, char *why, size_t len)
{
	char host[64];
	bool loopback;
	int port;

	if (!*arg)
		return p_str(d, NULL, o, why, len); /* "": off, as without the option */
	if (metrics_parse_listen(arg, host, sizeof(host), &port, &loopback, why, len) < 0)
		return -1;
	return p_str(d, arg, o, why, len);
}

static const struct optdesc optdescs[] = {
	/* placement policy */
	{ NULL, 'u', required_argument, "target_utilization", NULL, p_int, OFF(policy.target_util), 10, 130,
	  AT_RELOAD, K_INT },
	{ NULL, 'm', required_argument, "memory_locality", NULL, p_int, OFF(policy.locality_target), 50, 100,
	  AT_RELOAD, K_INT },
	{ NULL, 'C', required_argument, "inactive_file_cache", NULL, p_bool01, OFF(policy.count_inactive_file), 0, 1,
	  AT_RELOAD, K_BOOL },
	{ NULL, 't', required_argument, "smt_percent", NULL, p_int, OFF(policy.ht_percent), 0, 100, AT_RELOAD, K_INT },
	{ NULL, 'R', required_argument, "reserved_cpus", NULL, p_reserved, OFF(reserved_cpus), 0, 0, AT_RESTART, K_STR },
	/* the daemon */
	{ NULL, 'i', required_argument, "interval", "INTERVAL", p_interval, 0, 0, 3600, AT_RESTART, K_INTERVAL },
	{ "advise-only", OPT_ADVISE_ONLY, no_argument, "advise_only", NULL, p_flag, OFF(advise_only), 0, 0, AT_RELOAD,
	  K_BOOL },
	{ NULL, 'x', required_argument, "exclude", NULL, p_exclude, 0, 0, 0, AT_RELOAD, K_PIDS },
	{ NULL, 'r', required_argument, NULL, NULL, p_remove, 0, 0, 0, CLI_ONLY, K_NONE },
	{ NULL, 'p', required_argument, NULL, NULL, p_include, 0, 0, 0, CLI_ONLY, K_NONE },
	{ NULL, 'K', required_argument, "keep_interleave", NULL, p_int, OFF(keep_interleave), 0, 1,
	  AT_RESTART, K_INT },
	{ NULL, 'S', required_argument, "scan_all", NULL, p_int, OFF(scan_all), 0, 1, AT_RESTART, K_INT },
	{ NULL, 'H', required_argument, "thp_scan_ms", NULL, p_int, OFF(thp_scan_ms), 0, 1000000, AT_RESTART, K_INT },
	{ "fast-interval", OPT_FAST, required_argument, "fast_interval", NULL, p_int, OFF(fast_ms), 10, 10000,
	  AT_RESTART, K_INT },
	{ "horizon", OPT_HORIZON, required_argument, "horizon", NULL, p_double, OFF(horizon_s), 0.1, 600, AT_RELOAD,
	  K_DOUBLE },
	{ "margin", OPT_MARGIN, required_argument, "margin", NULL, p_int, OFF(margin_mb), 0, 1 << 20, AT_RELOAD, K_INT },
	{ "guest-interval", OPT_GUEST_INTERVAL, required_argument, "guest_interval", NULL, p_int,
	  OFF(guest_interval_s), 0, 86400, AT_RELOAD, K_INT },
	{ "migrate-rate", OPT_MIGRATE_RATE, required_argument, "migrate_rate", NULL, p_int, OFF(migrate_mb_s), 1,
	  1 << 20, AT_RELOAD, K_INT },
	{ "urgent-burst", OPT_URGENT_BURST, required_argument, "urgent_burst", NULL, p_int, OFF(urgent_burst), 1, 1000,
	  AT_RELOAD, K_INT },
	{ "numad05-timing", OPT_NUMAD05, no_argument, "numad05_timing", NULL, p_flag, OFF(numad05_timing), 0, 0,
	  AT_RESTART, K_BOOL },
	{ "connect", OPT_CONNECT, required_argument, "connect", NULL, p_str, OFF(uri), 0, 0, AT_RESTART, K_STR },
	{ "socket", OPT_SOCKET, required_argument, "socket", NULL, p_str, OFF(socket_path), 0, 0, AT_RESTART, K_STR },
	{ "control-group", OPT_CONTROL_GROUP, required_argument, "control_group", NULL, p_group, OFF(control_gid), 0,
	  0, AT_RESTART, K_INT },
	{ "metrics-listen", OPT_METRICS_LISTEN, required_argument, "metrics_listen", NULL, p_listen, OFF(metrics_listen),
	  0, 0, AT_RESTART, K_STR },
	{ "pidfile", OPT_PIDFILE, required_argument, "pidfile", NULL, p_str, OFF(pidfile), 0, 0, AT_RESTART, K_STR },
	{ "foreground", 'F', no_argument, NULL, NULL, p_flag, OFF(foreground), 0, 0, CLI_ONLY, K_NONE },
	/* logging */
	{ NULL, 'l', required_argument, "log_level", NULL, p_int, OFF(log_level), 0, 7, AT_RELOAD, K_INT },
	{ NULL, 'v', no_argument, NULL, NULL, p_const, OFF(log_level), LOG_INFO, 0, CLI_ONLY, K_NONE },
	{ NULL, 'd', no_argument, NULL, NULL, p_const, OFF(log_level), LOG_DEBUG, 0, CLI_ONLY, K_NONE },
	{ "log", OPT_LOG, required_argument, "log", NULL, p_str, OFF(log_path), 0, 0, AT_RESTART, K_STR },
	/* one-shot runs and the simulator */
	{ NULL, 'w', required_argument, NULL, NULL, p_str, OFF(wspec), 0, 0, CLI_ONLY, K_NONE },
	{ "explain", OPT_EXPLAIN, no_argument, NULL, NULL, p_flag, OFF(explain), 0, 0, CLI_ONLY, K_NONE },
	{ "root", OPT_ROOT, required_argument, NULL, NULL, p_str, OFF(root), 0, 0, CLI_ONLY, K_NONE },
	{ "simulate", OPT_SIMULATE, required_argument, NULL, NULL, p_str, OFF(simulate), 0, 0, CLI_ONLY, K_NONE },
	{ "scenario", OPT_SCENARIO, required_argument, NULL, NULL, p_str, OFF(scenario), 0, 0, CLI_ONLY, K_NONE },
	{ "speed", OPT_SPEED, required_argument, NULL, NULL, p_double, OFF(speed), 0.1, 1000, CLI_ONLY, K_NONE },
	{ "run-for", OPT_RUN_FOR, required_argument, NULL, NULL, p_double, OFF(run_for_s), 0, 1e7, CLI_ONLY, K_NONE },
	{ "sim-bandwidth", OPT_SIM_BANDWIDTH, required_argument, NULL, NULL, p_double, OFF(sim_bandwidth_mb_s), 1, 1e7,
	  CLI_ONLY, K_NONE },
	/* read before everything else */
	{ "config", OPT_CONFIG, required_argument, NULL, NULL, NULL, 0, 0, 0, CLI_ONLY, K_NONE },
	{ "check-config", OPT_CHECK_CONFIG, no_argument, NULL, NULL, NULL, 0, 0, 0, CLI_ONLY, K_NONE },
	{ "help", 'h', no_argument, NULL, NULL, NULL, 0, 0, 0, CLI_ONLY, K_NONE },
	{ "version", 'V', no_argument, NULL, NULL, NULL, 0, 0, 0, CLI_ONLY, K_NONE },
};

#define NOPTS (sizeof(optdescs) / sizeof(optdescs[0]))
#define MAX_FILE_ERRORS 20

static const struct optdesc *desc_by_code(int code)
{
	for (size_t i = 0; i < NOPTS; i++)
		if (optdescs[i].code == code)
			return &optdescs[i];
	return NULL;
}

static const struct optdesc *desc_by_key(const char *key)
{
	for (size_t i = 0; i < NOPTS; i++)
		if (optdescs[i].key && (strcmp(optdescs[i].key, key) == 0 ||
					(optdescs[i].alias && strcmp(optdescs[i].alias, key) == 0)))
			return &optdescs[i];
	return NULL;
}

/* How an option is written on the command line: "-u" or "--horizon". */
static const char *cli_name(const struct optdesc *d, char *buf, size_t len)
{
	if (d->code < 256)
		snprintf(buf, len, "-%c", d->code);
	else
		snprintf(buf, len, "--%s", d->lname);
	return buf;
}

/* Where messages go: printed as they come (options_parse), or the first kept (reload). */
struct report {
	FILE *f;
	const char *prefix;
	char *first;
	size_t firstlen;
	int n;
};

static void say(struct report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(struct report *r, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (r->f)
		fprintf(r->f, "%s%s\n", r->prefix, msg);
	if (r->n++ == 0 && r->first)
		snprintf(r->first, r->firstlen, "%s", msg);
}

static int set_defaults(struct options *o)
{
	memset(o, 0, sizeof(*o));
	o->root = "/";
	o->log_path = NUMAD_LOG_DEFAULT_PATH;
	o->pidfile = NUMAD_PIDFILE_DEFAULT;
	o->socket_path = NUMAD_SOCKET_DEFAULT;
	o->uri = NUMAD_URI_DEFAULT;
	o->config_path = NUMAD_CONFIG_DEFAULT;
	o->log_level = LOG_NOTICE;
	engine_policy_default(&o->policy);
	o->interval_min = 1;
	o->interval_max = 15;
	o->fast_ms = 250;
	o->horizon_s = 2.0;
	o->margin_mb = 256;
	o->guest_interval_s = 60;
	o->migrate_mb_s = 512;
	o->urgent_burst = 4;
	o->speed = 1.0;
	o->sim_bandwidth_mb_s = 2048;
	o->keep_interleave = 0;
	o->thp_scan_ms = -1;
	o->scan_all = 0;
	o->control_gid = -1;
	return 0;
}

/* ---- the config file ---- */

struct file_ctx {
	struct options *o;
	int set_on[NOPTS];      /* line that set each option: a key and its alias may not both be there */
	const char *set_as[NOPTS];
};

/* Keep a value from the file in o itself: the file's text is freed after parsing. */
static const char *keep_string(struct options *o, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p;

	if (n > sizeof(o->strings) - o->strings_used)
		return NULL;
	p = o->strings + o->strings_used;
	memcpy(p, s, n);
	o->strings_used += n;
	return p;
}

static int file_setter(const char *key, const char *value, int line, void *ctx, char *why, size_t len)
{
	struct file_ctx *fc = ctx;
	const struct optdesc *d = desc_by_key(key);
	size_t i = (size_t)(d - optdescs);
	int n;

	if (fc->set_on[i]) {
		snprintf(why, len, "'%s' repeats '%s' from line %d (%s is numad 0.5's name for %s)", key,
			 fc->set_as[i], fc->set_on[i], d->alias, d->key);
		return -1;
	}
	fc->set_on[i] = line;
	fc->set_as[i] = key;
	if (d->kind == K_STR && !(value = keep_string(fc->o, value))) {
		snprintf(why, len, "%s: too much text in the file's values", key);
		return -1;
	}
	n = snprintf(why, len, "%s: ", key);
	if (n < 0 || (size_t)n >= len || d->parse(d, value, fc->o, why + n, len - (size_t)n) < 0)
		return -1;
	if (d->kind == K_INTERVAL && fc->o->interval_max == 0) {
		snprintf(why, len, "%s: a MAX of 0 stops a running daemon, which only -i 0 on the command line does",
			 key);
		return -1;
	}
	return 0;
}

/*
 * Apply the file at path to o. A missing file is fine unless named with --config (explicit).
 * Returns 0, or -1 after saying every error.
 */
static int load_file(struct options *o, const char *path, bool explicit, bool *missing, struct report *r)
{
	const char *keys[2 * NOPTS + 1];
	struct config_error errs[MAX_FILE_ERRORS];
	struct file_ctx fc = { .o = o };
	char msg[1024];
	size_t len, nkeys = 0;
	char *text = config_read(path, &len);
	int n;

	*missing = false;
	if (!text) {
		if (errno == ENOENT && !explicit) {
			*missing = true;
			return 0;
		}
		say(r, "%s: cannot read: %s", path, errno == EFBIG ? "larger than 1 MiB" : strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < NOPTS; i++) {
		if (optdescs[i].key)
			keys[nkeys++] = optdescs[i].key;
		if (optdescs[i].alias)
			keys[nkeys++] = optdescs[i].alias;
	}
	keys[nkeys] = NULL;
	n = config_parse(text, len, keys, file_setter, &fc, errs, MAX_FILE_ERRORS);
	free(text);
	for (int i = 0; i < n && i < MAX_FILE_ERRORS; i++) {
		config_error_format(path, &errs[i], msg, sizeof(msg));
		say(r, "%s", msg);
	}
	if (n > MAX_FILE_ERRORS)
		say(r, "%s: %d more errors", path, n - MAX_FILE_ERRORS);
	return n ? -1 : 0;
}

/* ---- the command line ---- */

/* Build getopt's tables from optdescs. */
static void getopt_tables(char *shortopts, struct option *longopts)
{
	size_t s = 0, l = 0;

	shortopts[s++] = ':'; /* report a missing value as ':' */
	for (size_t i = 0; i < NOPTS; i++) {
		const struct optdesc *d = &optdescs[i];

		if (d->code < 256) {
			shortopts[s++] = (char)d->code;
			if (d->has_arg == required_argument)
				shortopts[s++] = ':';
		}
		if (d->lname)
			longopts[l++] = (struct option){ d->lname, d->has_arg, NULL, d->code };
	}
	shortopts[s] = '\0';
	longopts[l] = (struct option){ NULL, 0, NULL, 0 };
}

/* What the first pass over the command line finds: where the file is, and the one-shot modes. */
struct first_pass {
	const char *config;     /* NULL for none */
	bool explicit;          /* --config given */
	bool check;             /* --check-config */
	bool help, version;
};

/* Check the command line's shape and find --config; values are checked in the second pass. */
static int scan_args(int argc, char **argv, struct first_pass *fp, struct report *r)
{
	char shortopts[2 * NOPTS + 2];
	struct option longopts[NOPTS + 1];
	int c;

	getopt_tables(shortopts, longopts);
	memset(fp, 0, sizeof(*fp));
	fp->config = NUMAD_CONFIG_DEFAULT;
	optind = 0; /* glibc: start afresh, also after an earlier parse */
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (c == '?') {
			if (optopt)
				say(r, "unknown option -%c (see numad -h)", optopt);
			else
				say(r, "unknown option '%s' (see numad -h)", argv[optind - 1]);
			return -1;
		}
		if (c == ':') {
			say(r, "option '%s' needs a value (see numad -h)", argv[optind - 1]);
			return -1;
		}
		if (c == OPT_CONFIG) {
			fp->config = *optarg ? optarg : NULL;
			fp->explicit = true;
		}
		fp->check |= c == OPT_CHECK_CONFIG;
		fp->help |= c == 'h';
		fp->version |= c == 'V';
	}
	if (optind < argc) {
		say(r, "unexpected argument '%s' (see numad -h)", argv[optind]);
		return -1;
	}
	return 0;
}

/* Apply the command line's values over o, in order. */
static int apply_args(int argc, char **argv, struct options *o, struct report *r)
{
	char shortopts[2 * NOPTS + 2], why[512], name[64];
	struct option longopts[NOPTS + 1];
	int c;

	getopt_tables(shortopts, longopts);
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		const struct optdesc *d = desc_by_code(c);

		if (!d || !d->parse)
			continue; /* --config and the like: the first pass took them */
		why[0] = '\0';
		if (d->parse(d, optarg, o, why, sizeof(why)) < 0) {
			say(r, "%s: %s", cli_name(d, name, sizeof(name)), why);
			return -1;
		}
	}
	return 0;
}

/* Defaults, then the config file, then the command line. Returns 0 or -1. */
static int load(int argc, char **argv, const struct first_pass *fp, struct options *o, bool *missing,
		struct report *r)
{
	int bad;

	set_defaults(o);
	o->argc = argc;
	o->argv = argv;
	o->config_path = fp->config;
	*missing = false;
	bad = o->config_path && load_file(o, o->config_path, fp->explicit, missing, r) < 0;
	/* The command line is checked even after a bad file, so one run shows every mistake. */
	if (apply_args(argc, argv, o, r) < 0 || bad)
		return -1;
	return 0;
}

/* ---- reload ---- */

static bool same_value(const struct optdesc *d, struct options *a, struct options *b)
{
	switch (d->kind) {
	case K_INT: return *(int *)field(a, d) == *(int *)field(b, d);
	case K_BOOL: return *(bool *)field(a, d) == *(bool *)field(b, d);
	case K_DOUBLE: return *(double *)field(a, d) == *(double *)field(b, d);
	case K_STR: {
		const char *x = *(const char **)field(a, d), *y = *(const char **)field(b, d);
		return x == y || (x && y && strcmp(x, y) == 0);
	}
	case K_INTERVAL: return a->interval_min == b->interval_min && a->interval_max == b->interval_max;
	case K_PIDS:
		return a->nexclude == b->nexclude &&
		       memcmp(a->exclude, b->exclude, (size_t)a->nexclude * sizeof(a->exclude[0])) == 0;
	case K_NONE: break;
	}
	return true;
}

/* Copy a value that may change while running (numbers and pid lists only: no pointers). */
static void copy_value(const struct optdesc *d, struct options *to, struct options *from)
{
	switch (d->kind) {
	case K_INT: *(int *)field(to, d) = *(int *)field(from, d); break;
	case K_BOOL: *(bool *)field(to, d) = *(bool *)field(from, d); break;
	case K_DOUBLE: *(double *)field(to, d) = *(double *)field(from, d); break;
	case K_PIDS:
		memcpy(to->exclude, from->exclude, sizeof(to->exclude));
		to->nexclude = from->nexclude;
		break;
	case K_STR:
	case K_INTERVAL:
	case K_NONE: break;
	}
}

int options_reload(struct options *o, char *err, size_t errlen)
{
	struct report r = { .first = err, .firstlen = errlen };
	struct options *n = malloc(sizeof(*n));
	struct first_pass fp;
	bool missing;

	if (!n) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (scan_args(o->argc, o->argv, &fp, &r) < 0 || load(o->argc, o->argv, &fp, n, &missing, &r) < 0) {
		size_t used = strlen(err);

		if (r.n > 1 && used < errlen)
			snprintf(err + used, errlen - used, " (and %d more: numad --check-config lists them)", r.n - 1);
		free(n);
		return -1;
	}
	for (size_t i = 0; i < NOPTS; i++) {
		const struct optdesc *d = &optdescs[i];

		if (d->when == AT_RELOAD)
			copy_value(d, o, n);
		else if (d->off == OFF(uri) && o->simulate)
			continue; /* the simulator always connects to its own test driver */
		else if (d->when == AT_RESTART && !same_value(d, o, n))
			log_msg(LOG_NOTICE, "%s: %s changed: takes effect at restart", o->config_path ? o->config_path : "",
				d->key);
	}
	free(n);
	return 0;
}

/* ---- start ---- */

int options_parse(int argc, char **argv, struct options *o)
{
	struct report r = { .f = stderr, .prefix = "numad: " };
	struct first_pass fp;
	bool missing;
	int res;

	set_defaults(o);
	if (scan_args(argc, argv, &fp, &r) < 0)
		return -1;
	if (fp.help || fp.version) {
		if (fp.help)
			options_usage(stdout);
		else
			printf("numad version %s\n", NUMAD_VERSION);
		return 1;
	}
	if (fp.check)
		r.prefix = "";
	res = load(argc, argv, &fp, o, &missing, &r);
	if (!fp.check)
		return res;
	/* --check-config: say how it went, and stop there. */
	if (res < 0)
		return -1;
	if (!o->config_path)
		fprintf(stderr, "no configuration file: OK\n");
	else if (missing)
		fprintf(stderr, "%s: not found, numad runs on its defaults: OK\n", o->config_path);
	else
		fprintf(stderr, "%s: OK\n", o->config_path);
	return 1;
}
