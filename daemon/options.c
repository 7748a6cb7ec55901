/* options.c: numad's command line, compatible with numad 0.5's option letters. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "nodeset.h"
#include "numad.h"
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
	OPT_ADVISE_ONLY,
	OPT_NUMAD05,
	OPT_FAST,
	OPT_HORIZON,
	OPT_MARGIN,
	OPT_GUEST_INTERVAL,
	OPT_MIGRATE_RATE,
	OPT_URGENT_BURST,
};

static const struct option longopts[] = {
	{ "root", required_argument, NULL, OPT_ROOT },
	{ "log", required_argument, NULL, OPT_LOG },
	{ "pidfile", required_argument, NULL, OPT_PIDFILE },
	{ "explain", no_argument, NULL, OPT_EXPLAIN },
	{ "connect", required_argument, NULL, OPT_CONNECT },
	{ "socket", required_argument, NULL, OPT_SOCKET },
	{ "simulate", required_argument, NULL, OPT_SIMULATE },
	{ "scenario", required_argument, NULL, OPT_SCENARIO },
	{ "speed", required_argument, NULL, OPT_SPEED },
	{ "run-for", required_argument, NULL, OPT_RUN_FOR },
	{ "advise-only", no_argument, NULL, OPT_ADVISE_ONLY },
	{ "numad05-timing", no_argument, NULL, OPT_NUMAD05 },
	{ "fast-interval", required_argument, NULL, OPT_FAST },
	{ "horizon", required_argument, NULL, OPT_HORIZON },
	{ "margin", required_argument, NULL, OPT_MARGIN },
	{ "guest-interval", required_argument, NULL, OPT_GUEST_INTERVAL },
	{ "migrate-rate", required_argument, NULL, OPT_MIGRATE_RATE },
	{ "urgent-burst", required_argument, NULL, OPT_URGENT_BURST },
	{ "foreground", no_argument, NULL, 'F' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
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
		"      --pidfile PATH  default " NUMAD_PIDFILE_DEFAULT " (\"\" for none)\n"
		"      --advise-only   log and report every plan, change nothing\n"
		"      --fast-interval MS   fast tier period (free memory, guest growth), default 250\n"
		"      --horizon S     extend a guest's nodes when they run out within S seconds, default 2\n"
		"      --margin MB     headroom kept above a guest's remaining need, default 256\n"
		"      --guest-interval S   least time between two consolidations of a guest, default 60\n"
		"      --migrate-rate MB    MB/s of consolidating migration over all guests, default 512\n"
		"      --urgent-burst N     urgent extensions allowed back to back, default 4\n"
		"      --numad05-timing     react like numad 0.5 (15 s scans, one move per scan, 300 s per\n"
		"                      process, no fast tier), for comparisons\n"
		"  -x PID              never manage the guest whose QEMU has this pid\n"
		"  -r PID              remove PID from the -x list\n"
		"  -K 1                leave interleaved guests spread (always the case; -K 0 is refused)\n"
		"  -H MS               set khugepaged's scan_sleep_millisecs at start (0: leave it)\n"
		"  -S 0                manage libvirt guests only (the only mode; -S 1 and -p are refused)\n"
		"\n"
		"Simulated host:\n"
		"      --simulate TOPOLOGY.txt   run against a simulated host built from numactl -H text,\n"
		"                      with guests in libvirt's test driver\n"
		"      --scenario FILE scenario for the simulated host (default: the article's cases)\n"
		"      --speed X       simulated seconds per real second, default 1\n"
		"      --run-for S     stop after S (simulated) seconds\n"
		"\n"
		"Common:\n"
		"  -l LEVEL            log level 0-7 (5 notice, 6 info, 7 debug), default 5\n"
		"  -v / -d             same as -l 6 / -l 7\n"
		"      --log PATH      advice log, default " NUMAD_LOG_DEFAULT_PATH " (\"\" for none)\n"
		"      --root DIR      read sysfs and /proc under DIR instead of /\n"
		"  -h, --help          this help\n"
		"  -V, --version       print the version\n");
}

/* Parse an integer option in [lo, hi]; prints an error naming the option. */
static int int_arg(const char *opt, const char *arg, long lo, long hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < lo || v > hi) {
		fprintf(stderr, "numad: %s: '%s' is not a number from %ld to %ld\n", opt, arg, lo, hi);
		return -1;
	}
	*out = (int)v;
	return 0;
}

static int double_arg(const char *opt, const char *arg, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !(v >= lo && v <= hi)) {
		fprintf(stderr, "numad: %s: '%s' is not a number from %g to %g\n", opt, arg, lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

static int pid_arg(const char *opt, const char *arg, int *list, int *n)
{
	int pid;

	if (int_arg(opt, arg, 1, INT_MAX, &pid) < 0)
		return -1;
	if (*n >= NUMAD_MAX_PID_LIST) {
		fprintf(stderr, "numad: %s: at most %d pids\n", opt, NUMAD_MAX_PID_LIST);
		return -1;
	}
	list[(*n)++] = pid;
	return 0;
}

static int interval_arg(const char *arg, struct options *o)
{
	const char *colon = strchr(arg, ':');
	char min[32];

	if (colon) {
		size_t len = (size_t)(colon - arg);
		if (len >= sizeof(min)) {
			fprintf(stderr, "numad: -i: '%s' is not [MIN:]MAX seconds\n", arg);
			return -1;
		}
		memcpy(min, arg, len);
		min[len] = '\0';
		if (int_arg("-i", min, 1, 3600, &o->interval_min) < 0)
			return -1;
		arg = colon + 1;
	}
	if (int_arg("-i", arg, 0, 3600, &o->interval_max) < 0)
		return -1;
	if (colon && o->interval_max && o->interval_min > o->interval_max) {
		fprintf(stderr, "numad: -i: MIN %d is above MAX %d\n", o->interval_min, o->interval_max);
		return -1;
	}
	o->interval_set = true;
	return 0;
}

static void ignore_cpu(void *ctx, unsigned id)
{
	(void)ctx;
	(void)id;
}

static int set_defaults(struct options *o)
{
	memset(o, 0, sizeof(*o));
	o->root = "/";
	o->log_path = NUMAD_LOG_DEFAULT_PATH;
	o->pidfile = NUMAD_PIDFILE_DEFAULT;
	o->socket_path = NUMAD_SOCKET_DEFAULT;
	o->uri = NUMAD_URI_DEFAULT;
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
	o->keep_interleave = 1;
	o->thp_scan_ms = -1;
	o->scan_all = 0;
	o->control_gid = -1;
	return 0;
}

/* Handle one option; returns 0, 1 for help/version, or -1 on a bad value. */
static int one_option(int c, const char *arg, struct options *o)
{
	char err[256];
	int v;

	switch (c) {
	case 'C': if (int_arg("-C", arg, 0, 1, &v) < 0) return -1; o->policy.count_inactive_file = v; return 0;
	case 'd': o->log_level = LOG_DEBUG; return 0;
	case 'v': o->log_level = LOG_INFO; return 0;
	case 'l': return int_arg("-l", arg, 0, 7, &o->log_level);
	case 'F': o->foreground = true; return 0;
	case 'H': return int_arg("-H", arg, 0, 1000000, &o->thp_scan_ms);
	case 'i': return interval_arg(arg, o);
	case 'K':
		if (int_arg("-K", arg, 0, 1, &o->keep_interleave) < 0)
			return -1;
		if (o->keep_interleave == 0) {
			fprintf(stderr, "numad: -K 0: numad never merges interleaved memory; libvirt's interleave "
					"mode is left as the domain configures it\n");
			return -1;
		}
		return 0;
	case 'm': return int_arg("-m", arg, 50, 100, &o->policy.locality_target);
	case 'u': return int_arg("-u", arg, 10, 130, &o->policy.target_util);
	case 'S':
		if (int_arg("-S", arg, 0, 1, &o->scan_all) < 0)
			return -1;
		if (o->scan_all) {
			fprintf(stderr, "numad: -S 1: numad manages libvirt guests only; moving other processes "
					"with sched_setaffinity/migrate_pages is not supported\n");
			return -1;
		}
		return 0;
	case 't': return int_arg("-t", arg, 0, 100, &o->policy.ht_percent);
	case 'p':
		fprintf(stderr, "numad: -p %s: numad manages libvirt guests only; including other processes is not "
				"supported\n", arg);
		return -1;
	case 'x': return pid_arg("-x", arg, o->exclude, &o->nexclude);
	case 'r':
		if (pid_arg("-r", arg, o->remove, &o->nremove) < 0)
			return -1;
		for (int k = 0; k < o->nexclude; k++)
			if (o->exclude[k] == o->remove[o->nremove - 1])
				o->exclude[k--] = o->exclude[--o->nexclude];
		return 0;
	case 'R':
		if (idlist_parse(arg, NUMAD_MAX_CPUS - 1, ignore_cpu, NULL, err, sizeof(err)) < 0) {
			fprintf(stderr, "numad: -R: %s\n", err);
			return -1;
		}
		o->reserved_cpus = arg;
		return 0;
	case 'w': o->wspec = arg; return 0;
	case OPT_ROOT: o->root = arg; return 0;
	case OPT_LOG: o->log_path = arg; return 0;
	case OPT_PIDFILE: o->pidfile = arg; return 0;
	case OPT_EXPLAIN: o->explain = true; return 0;
	case OPT_CONNECT: o->uri = arg; return 0;
	case OPT_SOCKET: o->socket_path = arg; return 0;
	case OPT_SIMULATE: o->simulate = arg; return 0;
	case OPT_SCENARIO: o->scenario = arg; return 0;
	case OPT_SPEED: return double_arg("--speed", arg, 0.1, 1000, &o->speed);
	case OPT_RUN_FOR: return double_arg("--run-for", arg, 0, 1e7, &o->run_for_s);
	case OPT_ADVISE_ONLY: o->advise_only = true; return 0;
	case OPT_NUMAD05: o->numad05_timing = true; return 0;
	case OPT_FAST: return int_arg("--fast-interval", arg, 10, 10000, &o->fast_ms);
	case OPT_HORIZON: return double_arg("--horizon", arg, 0.1, 600, &o->horizon_s);
	case OPT_MARGIN: return int_arg("--margin", arg, 0, 1 << 20, &o->margin_mb);
	case OPT_GUEST_INTERVAL: return int_arg("--guest-interval", arg, 0, 86400, &o->guest_interval_s);
	case OPT_MIGRATE_RATE: return int_arg("--migrate-rate", arg, 1, 1 << 20, &o->migrate_mb_s);
	case OPT_URGENT_BURST: return int_arg("--urgent-burst", arg, 1, 1000, &o->urgent_burst);
	case 'h': options_usage(stdout); return 1;
	case 'V': printf("numad version %s\n", NUMAD_VERSION); return 1;
	default: return -1;
	}
}

int options_reload(struct options *o, char *err, size_t errlen)
{
	/* No configuration file support yet: nothing to re-read. */
	(void)o;
	(void)err;
	(void)errlen;
	return 0;
}

int options_parse(int argc, char **argv, struct options *o)
{
	int c;

	set_defaults(o);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":C:dFhH:i:K:l:m:p:r:R:S:t:u:vVw:x:", longopts, NULL)) != -1) {
		int r;

		if (c == '?') {
			if (optopt)
				fprintf(stderr, "numad: unknown option -%c (see numad -h)\n", optopt);
			else
				fprintf(stderr, "numad: unknown option '%s' (see numad -h)\n", argv[optind - 1]);
			return -1;
		}
		if (c == ':') {
			fprintf(stderr, "numad: option '%s' needs a value (see numad -h)\n", argv[optind - 1]);
			return -1;
		}
		r = one_option(c, optarg, o);
		if (r != 0)
			return r;
	}
	if (optind < argc) {
		fprintf(stderr, "numad: unexpected argument '%s' (see numad -h)\n", argv[optind]);
		return -1;
	}
	return 0;
}
