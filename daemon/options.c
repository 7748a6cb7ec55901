/* options.c: numad's command line (numad 0.5's option letters) and its config file, from one table. */
#include <ctype.h>
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
#include <strings.h>

#include "config.h"
#include "log.h"
#include "listen.h"
#include "nodeset.h"
#include "options.h"
#include "topology.h"
#include "util.h"

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
	OPT_SIM_SYSTEM_PATHS,
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
	OPT_STATE_FILE,
	OPT_LEDGER,
};

/*
 * Every option is one row of the table below: its command-line spelling, its config file
 * key (NULL for options that only make sense on a command line), the parser both use, its
 * range, whether a reload may change it, its default, and its line of "numad -h". One parser
 * per value, so "-u 150" and "target_utilization = 150" are refused with the same words, and
 * the defaults go through the same parsers: set_defaults() and the help both read them here,
 * so each default is written once.
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
	K_PIDS,         /* a list of pids, domain names and UUIDs (-x, -p): struct id_list */
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
	/*
	 * The default, as the file would write it, given to parse by set_defaults(); "" is
	 * none (off), FROM_ENGINE the placement engine's own (engine_policy_default()), NULL
	 * no default (a flag is off, a query not asked).
	 */
	const char *def;
	const char *arg;        /* the value's name in the help, NULL for a flag */
	const char *help;       /* what it does, for the help: the range and default are added */
};

/* A policy default that lib/engine.c sets: the help prints the engine's value. */
static const char FROM_ENGINE[] = "(the engine's)";

#define OFF(field) offsetof(struct options, field)

static void *field(struct options *o, const struct optdesc *d)
{
	return (char *)o + d->off;
}

/*
 * Parse a whole number in [lo, hi]. Every number of the command line and the file goes
 * through parse_decimal(), so both have the one grammar numad.conf(5) documents.
 */
static int int_value(const char *arg, long lo, long hi, int *out, char *why, size_t len)
{
	double v;

	if (parse_decimal(arg, false, (double)lo, (double)hi, &v, why, len) < 0)
		return -1;
	*out = (int)v;
	return 0;
}

static int p_int(const struct optdesc *d, const char *arg, struct options *o, char *why, size_t len)
{
	return int_value(arg, (long)d->lo, (long)d->hi, field(o, d), why, len);
}

/* A number that may have a fraction ("2.5"). */
static int p_double(const struct optdesc *d, const char *arg, struct options *o, char *why, size_t len)
{
	return parse_decimal(arg, true, d->lo, d->hi, field(o, d), why, len);
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

/*
 * One list of -x, -p and -r, with the pids and the domains (names and UUIDs) it holds.
 * For -r, guest and nguest are a scratch list of what to take off the others.
 */
struct id_list {
	int *pid, *npid;
	char (*guest)[NUMAD_GUEST_NAME_MAX];
	int *nguest;
};

/* 8-4-4-4-12 hexadecimal digits, as virsh domuuid prints a UUID. */
static bool uuid_shaped(const char *s)
{
	for (int i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return false;
	}
	return s[36] == '\0';
}

/*
 * One item of a list: all digits is a pid, a UUID's shape a domain's UUID (kept in
 * lowercase, as libvirt writes it), and anything else a domain's name. An item that starts
 * with a digit or a sign and is neither is refused as a number, so that a mistyped pid is
 * not taken for a name.
 */
static int list_item(char *item, struct id_list *l, char *why, size_t len)
{
	int pid;

	if (strspn(item, "0123456789") == strlen(item)) {
		if (int_value(item, 1, INT_MAX, &pid, why, len) < 0)
			return -1;
		if (*l->npid >= NUMAD_MAX_PID_LIST) {
			snprintf(why, len, "at most %d pids", NUMAD_MAX_PID_LIST);
			return -1;
		}
		l->pid[(*l->npid)++] = pid;
		return 0;
	}
	if (uuid_shaped(item)) {
		for (char *c = item; *c; c++)
			*c = (char)tolower((unsigned char)*c);
	} else if (isdigit((unsigned char)item[0]) || item[0] == '+' || item[0] == '-' || item[0] == '.') {
		size_t n;

		if (int_value(item, 1, INT_MAX, &pid, why, len) == 0)
			snprintf(why, len, "'%s' is not a pid: a pid is all digits", item);
		n = strlen(why);
		if (isdigit((unsigned char)item[0]) && strcspn(item, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_") <
		    strlen(item) && n < len)
			snprintf(why + n, len - n, " (a domain whose name starts with a digit is given by its UUID)");
		return -1;
	} else {
		for (const char *c = item; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f) {
				snprintf(why, len, "'%s': a domain name has no control characters", item);
				return -1;
			}
	}
	if (strlen(item) >= NUMAD_GUEST_NAME_MAX) {
		snprintf(why, len, "'%.40s...': a domain name is at most %d bytes", item, NUMAD_GUEST_NAME_MAX - 1);
		return -1;
	}
	if (*l->nguest >= NUMAD_MAX_GUEST_LIST) {
		snprintf(why, len, "at most %d domain names and UUIDs", NUMAD_MAX_GUEST_LIST);
		return -1;
	}
	snprintf(l->guest[(*l->nguest)++], NUMAD_GUEST_NAME_MAX, "%s", item);
	return 0;
}

/*
 * A comma-separated list of pids, domain names and UUIDs ("" is none), each appended to l.
 * Blanks around an item are not part of it.
 */
static int id_list(const char *arg, struct id_list *l, char *why, size_t len)
{
	const char *all = arg;
	char item[NUMAD_GUEST_NAME_MAX + 1];

	while (*arg) {
		size_t k = strcspn(arg, ","), end = k, lead;

		if (k >= sizeof(item)) {
			snprintf(why, len, "'%.40s...': a domain name is at most %d bytes", arg, NUMAD_GUEST_NAME_MAX - 1);
			return -1;
		}
		memcpy(item, arg, k);
		while (end && (item[end - 1] == ' ' || item[end - 1] == '\t'))
			end--;
		item[end] = '\0';
		lead = strspn(item, " \t");
		if (!item[lead] || (arg[k] == ',' && !arg[k + 1])) {
			snprintf(why, len, "a pid, name or UUID is missing in '%s'", all);
			return -1;
		}
		if (list_item(item + lead, l, why, len) < 0)
			return -1;
		arg += k + (arg[k] == ',');
	}
	return 0;
}

/* The list of option code: -p's or -x's. */
static struct id_list list_of(int code, struct options *o)
{
	if (code == 'p')
		return (struct id_list){ o->include, &o->ninclude, o->include_guests, &o->ninclude_guests };
	return (struct id_list){ o->exclude, &o->nexclude, o->exclude_guests, &o->nexclude_guests };
}

static int p_list(const struct optdesc *d, const char *arg, struct options *o, char *why, size_t len)
{
	struct id_list l = list_of(d->code, o);

	return id_list(arg, &l, why, len);
}

/* Take pid, or the domain name or UUID guest, off a list. */
static void list_drop(struct id_list *l, int pid, const char *guest)
{
	for (int k = 0; pid && k < *l->npid; k++)
		if (l->pid[k] == pid) {
			memmove(&l->pid[k], &l->pid[k + 1], (size_t)(*l->npid - k - 1) * sizeof(l->pid[0]));
			(*l->npid)--;
			k--;
		}
	for (int k = 0; guest && k < *l->nguest; k++)
		if (strcmp(l->guest[k], guest) == 0) {
			memmove(l->guest[k], l->guest[k + 1], (size_t)(*l->nguest - k - 1) * sizeof(l->guest[0]));
			(*l->nguest)--;
			k--;
		}
}

static int p_remove(const struct optdesc *d, const char *arg, struct options *o, char *why, size_t len)
{
	int pids[NUMAD_MAX_PID_LIST], npids = 0, nguests = 0;
	char (*guests)[NUMAD_GUEST_NAME_MAX] = malloc(NUMAD_MAX_GUEST_LIST * sizeof(*guests));
	struct id_list gone = { pids, &npids, guests, &nguests };
	struct id_list lists[2] = { list_of('x', o), list_of('p', o) };

	(void)d;
	if (!guests) {
		snprintf(why, len, "out of memory");
		return -1;
	}
	if (id_list(arg, &gone, why, len) < 0) {
		free(guests);
		return -1;
	}
	for (int i = 0; i < 2; i++) {
		for (int r = 0; r < npids; r++)
			list_drop(&lists[i], pids[r], NULL);
		for (int r = 0; r < nguests; r++)
			list_drop(&lists[i], 0, guests[r]);
	}
	free(guests);
	return 0;
}

/* Whether a list names a domain by name (exactly) or by UUID (in any case). */
static bool names_guest(const char (*list)[NUMAD_GUEST_NAME_MAX], int n, const char *name, const char *uuid)
{
	for (int k = 0; k < n; k++)
		if ((name && strcmp(list[k], name) == 0) || (uuid && *uuid && strcasecmp(list[k], uuid) == 0))
			return true;
	return false;
}

bool options_excludes(const struct options *o, int pid, const char *name, const char *uuid)
{
	for (int k = 0; pid > 0 && k < o->nexclude; k++)
		if (o->exclude[k] == pid)
			return true;
	return names_guest(o->exclude_guests, o->nexclude_guests, name, uuid);
}

bool options_includes(const struct options *o, const char *name, const char *uuid)
{
	return names_guest(o->include_guests, o->ninclude_guests, name, uuid);
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
/* The state file: a path given, not the default, also counts on a simulated or fixture host. */
static int p_state_file(const struct optdesc *d, const char *arg, struct options *o, char *why, size_t len)
{
	o->state_file_asked = arg != d->def;
	return p_str(d, arg, o, why, len);
}

/* The ledger: the default is under the host's root (--root, or a simulation's tree); a path given is that path. */
static int p_ledger(const struct optdesc *d, const char *arg, struct options *o, char *why, size_t len)
{
	o->ledger_asked = arg != d->def;
	return p_str(d, arg, o, why, len);
}

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
	/* the pre-placement query */
	{ NULL, 'w', required_argument, NULL, NULL, p_str, OFF(wspec), 0, 0, CLI_ONLY, K_NONE, NULL, "NCPUS[:MB]",
	  "print the best node list for NCPUS vCPUs and MB of memory; asks the running daemon when one answers, "
	  "else reads the host" },
	{ "explain", OPT_EXPLAIN, no_argument, NULL, NULL, p_flag, OFF(explain), 0, 0, CLI_ONLY, K_NONE, NULL, NULL,
	  "with -w: also print every node and the best scored node sets" },
	/* placement policy */
	{ NULL, 'u', required_argument, "target_utilization", NULL, p_int, OFF(policy.target_util), 10, 130,
	  AT_RELOAD, K_INT, FROM_ENGINE, "PERCENT", "target utilisation of a node (memory is capped at 100)" },
	{ NULL, 'm', required_argument, "memory_locality", NULL, p_int, OFF(policy.locality_target), 50, 100,
	  AT_RELOAD, K_INT, FROM_ENGINE, "PERCENT",
	  "memory locality target: a guest this local, on nodes that hold it, stays" },
	{ NULL, 'C', required_argument, "inactive_file_cache", NULL, p_bool01, OFF(policy.count_inactive_file), 0, 1,
	  AT_RELOAD, K_BOOL, FROM_ENGINE, "0|1", "count inactive file cache as free memory" },
	{ NULL, 'R', required_argument, "reserved_cpus", NULL, p_reserved, OFF(reserved_cpus), 0, 0, AT_RESTART, K_STR,
	  "", "CPULIST", "CPUs reserved for other uses: never counted or advised" },
	{ NULL, 't', required_argument, "smt_percent", NULL, p_int, OFF(policy.ht_percent), 0, 100, AT_RELOAD, K_INT,
	  FROM_ENGINE, "PERCENT", "what an SMT sibling CPU is worth, in percent of a core" },
	/* the daemon */
	{ NULL, 'i', required_argument, "interval", "INTERVAL", p_interval, 0, 0, 3600, AT_RESTART, K_INTERVAL, "1:15",
	  "[MIN:]MAX", "full scan interval in seconds (each 1-3600), adaptive between MIN and MAX; -i 0 stops the "
	  "running daemon" },
	{ "foreground", 'F', no_argument, NULL, NULL, p_flag, OFF(foreground), 0, 0, CLI_ONLY, K_NONE, NULL, NULL,
	  "stay in the foreground (for systemd)" },
	{ "connect", OPT_CONNECT, required_argument, "connect", NULL, p_str, OFF(uri), 0, 0, AT_RESTART, K_STR,
	  "qemu:///system", "URI", "libvirt URI" },
	{ "socket", OPT_SOCKET, required_argument, "socket", NULL, p_str, OFF(socket_path), 0, 0, AT_RESTART, K_STR,
	  NUMAD_SOCKET_DEFAULT, "PATH", "control socket (\"\" for none)" },
	{ "control-group", OPT_CONTROL_GROUP, required_argument, "control_group", NULL, p_group, OFF(control_gid), 0,
	  0, AT_RESTART, K_INT, "", "GROUP",
	  "group whose members may change state over the socket (without it: root only)" },
	{ "metrics-listen", OPT_METRICS_LISTEN, required_argument, "metrics_listen", NULL, p_listen, OFF(metrics_listen),
	  0, 0, AT_RESTART, K_STR, "", "[ADDR:]PORT",
	  "serve OpenMetrics at http://ADDR:PORT/metrics; a bare PORT listens on 127.0.0.1 only, ADDR must be "
	  "numeric or localhost" },
	{ "state-file", OPT_STATE_FILE, required_argument, "state_file", NULL, p_state_file, OFF(state_file), 0, 0,
	  AT_RESTART, K_STR, "/var/lib/numad/state", "PATH",
	  "what numad knows of each guest across restarts (\"\" for none; not used with --simulate or --root "
	  "unless given)" },
	{ "ledger", OPT_LEDGER, required_argument, "ledger", NULL, p_ledger, OFF(ledger), 0, 0, AT_RESTART, K_STR,
	  "/run/numad/ledger", "PATH",
	  "memory promised by -w answers that guests have not touched yet (\"\" for none; under --root or "
	  "--simulate, that tree's run/numad/ledger unless given)" },
	{ "pidfile", OPT_PIDFILE, required_argument, "pidfile", NULL, p_str, OFF(pidfile), 0, 0, AT_RESTART, K_STR,
	  "/var/run/numad.pid", "PATH", "pid file, locked while the daemon runs (\"\" for none)" },
	{ "advise-only", OPT_ADVISE_ONLY, no_argument, "advise_only", NULL, p_flag, OFF(advise_only), 0, 0, AT_RELOAD,
	  K_BOOL, NULL, NULL, "log and report every plan, change nothing" },
	{ "fast-interval", OPT_FAST, required_argument, "fast_interval", NULL, p_int, OFF(fast_ms), 10, 10000,
	  AT_RESTART, K_INT, "250", "MS", "fast tier period (free memory, guest growth)" },
	{ "horizon", OPT_HORIZON, required_argument, "horizon", NULL, p_double, OFF(horizon_s), 0.1, 600, AT_RELOAD,
	  K_DOUBLE, "2", "S", "extend a guest's nodes when they run out within S seconds" },
	{ "margin", OPT_MARGIN, required_argument, "margin", NULL, p_int, OFF(margin_mb), 0, 1 << 20, AT_RELOAD, K_INT,
	  "256", "MB",
	  "headroom kept above a guest's remaining need, and above a node's low watermark before numad moves a "
	  "guest off a node others run out" },
	{ "guest-interval", OPT_GUEST_INTERVAL, required_argument, "guest_interval", NULL, p_int,
	  OFF(guest_interval_s), 0, 86400, AT_RELOAD, K_INT, "60", "S",
	  "least seconds between two consolidations of a guest" },
	{ "migrate-rate", OPT_MIGRATE_RATE, required_argument, "migrate_rate", NULL, p_int, OFF(migrate_mb_s), 1,
	  1 << 20, AT_RELOAD, K_INT, "512", "MB", "MB/s at which consolidating moves migrate memory, over all guests" },
	{ "urgent-burst", OPT_URGENT_BURST, required_argument, "urgent_burst", NULL, p_int, OFF(urgent_burst), 1, 1000,
	  AT_RELOAD, K_INT, "4", "N", "urgent moves off a node allowed back to back (extensions are never held back)" },
	{ "numad05-timing", OPT_NUMAD05, no_argument, "numad05_timing", NULL, p_flag, OFF(numad05_timing), 0, 0,
	  AT_RESTART, K_BOOL, NULL, NULL,
	  "react like numad 0.5 (15 s scans, one move per scan, 300 s per process, no fast tier), for comparisons" },
	{ NULL, 'x', required_argument, "exclude", NULL, p_list, 0, 0, 0, AT_RELOAD, K_PIDS, "", "ID[,ID]...",
	  "never manage these: libvirt domains by name or UUID, any process (a guest's QEMU too) by pid; an ID "
	  "of digits only is a pid" },
	{ NULL, 'r', required_argument, NULL, NULL, p_remove, 0, 0, 0, CLI_ONLY, K_NONE, NULL, "ID[,ID]...",
	  "take these off the -x and -p lists (the config file's exclude and include too)" },
	{ NULL, 'K', required_argument, "keep_interleave", NULL, p_int, OFF(keep_interleave), 0, 1, AT_RESTART, K_INT,
	  "0", "0|1",
	  "other processes: merge interleaved memory (0) or keep it spread (1); libvirt's interleave guests are "
	  "never merged" },
	{ NULL, 'H', required_argument, "thp_scan_ms", NULL, p_int, OFF(thp_scan_ms), 0, 1000000, AT_RESTART, K_INT,
	  "0", "MS", "set khugepaged's scan_sleep_millisecs at start (0: leave it)" },
	{ NULL, 'S', required_argument, "scan_all", NULL, p_int, OFF(scan_all), 0, 1, AT_RESTART, K_INT, "0", "0|1",
	  "also manage, as -p does, every other process over 300 MB and half a CPU (1), or only the -p ones (0)" },
	{ NULL, 'p', required_argument, "include", NULL, p_list, 0, 0, 0, AT_RELOAD, K_PIDS, "", "ID[,ID]...",
	  "also manage these: libvirt domains by name or UUID as if they asked for placement='auto', other "
	  "processes by pid whatever their size, numad 0.5's way (sched_setaffinity, migrate_pages; never a "
	  "QEMU process)" },
	/* the simulator (numad-sim) */
	{ "simulate", OPT_SIMULATE, required_argument, NULL, NULL, p_str, OFF(simulate), 0, 0, CLI_ONLY, K_NONE, NULL,
	  "TOPOLOGY.txt",
	  "run against a simulated host built from a numactl~-H text, with guests in libvirt's test driver" },
	{ "scenario", OPT_SCENARIO, required_argument, NULL, NULL, p_str, OFF(scenario), 0, 0, CLI_ONLY, K_NONE, NULL,
	  "FILE", "scenario for the simulated host (without it: the article's story, written for the topology)" },
	{ "speed", OPT_SPEED, required_argument, NULL, NULL, p_double, OFF(speed), 0.1, 1000, CLI_ONLY, K_NONE, "1",
	  "X", "simulated seconds per real second" },
	{ "run-for", OPT_RUN_FOR, required_argument, NULL, NULL, p_double, OFF(run_for_s), 0, 1e7, CLI_ONLY, K_NONE,
	  NULL, "S", "stop after S (simulated) seconds, 0 for never" },
	{ "sim-bandwidth", OPT_SIM_BANDWIDTH, required_argument, NULL, NULL, p_double, OFF(sim_bandwidth_mb_s), 1, 1e7,
	  CLI_ONLY, K_NONE, "2048", "MB", "page migration bandwidth of the simulated host, MB/s" },
	/* numad-sim reads it from its command line (sim/main.c) */
	{ "sim-system-paths", OPT_SIM_SYSTEM_PATHS, no_argument, NULL, NULL, NULL, 0, 0, 0, CLI_ONLY, K_NONE, NULL,
	  NULL,
	  "let a simulation take the real daemon's socket, pid file and log when they are given (without it: "
	  "refused; not given, they are in the simulation's run directory)" },
	/* read before everything else (--config's default is read there too) */
	{ "config", OPT_CONFIG, required_argument, NULL, NULL, NULL, OFF(config_path), 0, 0, CLI_ONLY, K_STR,
	  "/etc/numad.conf", "PATH",
	  "configuration file, whose keys numad.conf(5) lists; the command line wins over it (\"\" for none)" },
	{ "check-config", OPT_CHECK_CONFIG, no_argument, NULL, NULL, NULL, 0, 0, 0, CLI_ONLY, K_NONE, NULL, NULL,
	  "check the configuration file and the command line, then exit (0 when good, 2 with FILE:LINE: reason "
	  "for each error)" },
	/* logging */
	{ NULL, 'l', required_argument, "log_level", NULL, p_int, OFF(log_level), 0, 7, AT_RELOAD, K_INT, "5", "LEVEL",
	  "log level (5 notice, 6 info, 7 debug)" },
	{ NULL, 'v', no_argument, NULL, NULL, p_const, OFF(log_level), LOG_INFO, 0, CLI_ONLY, K_NONE, NULL, NULL,
	  "same as -l 6" },
	{ NULL, 'd', no_argument, NULL, NULL, p_const, OFF(log_level), LOG_DEBUG, 0, CLI_ONLY, K_NONE, NULL, NULL,
	  "same as -l 7" },
	{ "log", OPT_LOG, required_argument, "log", NULL, p_str, OFF(log_path), 0, 0, AT_RESTART, K_STR,
	  NUMAD_LOG_DEFAULT_PATH, "PATH", "advice log (\"\" for none)" },
	{ "root", OPT_ROOT, required_argument, NULL, NULL, p_str, OFF(root), 0, 0, CLI_ONLY, K_NONE, "/", "DIR",
	  "read sysfs and /proc under DIR" },
	{ "help", 'h', no_argument, NULL, NULL, NULL, 0, 0, 0, CLI_ONLY, K_NONE, NULL, NULL, "this help" },
	{ "version", 'V', no_argument, NULL, NULL, NULL, 0, 0, 0, CLI_ONLY, K_NONE, NULL, NULL, "print the version" },
};

#define NOPTS (sizeof(optdescs) / sizeof(optdescs[0]))
_Static_assert(NOPTS <= OPTIONS_MAX, "struct options' source[] is too short for the option table");

/* The help's headings, each before the row of its option. */
static const struct {
	int code;
	const char *title;
} help_sections[] = {
	{ 'w', "Pre-placement query (what libvirt runs for placement='auto')" },
	{ 'u', "Placement policy" },
	{ 'i', "Daemon" },
	{ OPT_SIMULATE, "Simulated host (numad --simulate runs numad-sim; see numad-sim(8))" },
	{ OPT_CONFIG, "Common" },
};
#define MAX_FILE_ERRORS 20
#define NEAR_OPTION_MAX 64 /* a longer "--NAME" gets no hint */

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

/* Every row's default, through the row's own parser. */
static int set_defaults(struct options *o)
{
	char why[256];

	memset(o, 0, sizeof(*o));
	engine_policy_default(&o->policy);
	for (size_t i = 0; i < NOPTS; i++) {
		const struct optdesc *d = &optdescs[i];

		if (!d->def || d->def == FROM_ENGINE)
			continue;
		if (!d->parse) {
			*(const char **)field(o, d) = d->def; /* --config, read in the first pass */
			continue;
		}
		if (d->parse(d, d->def, o, why, sizeof(why)) < 0) {
			fprintf(stderr, "numad: the built-in default '%s' of %s is refused: %s\n", d->def,
				d->key ? d->key : d->lname, why);
			abort();
		}
	}
	o->interval_set = false; /* the default is not an -i */
	return 0;
}

/* ---- the help ---- */

#define HELP_INDENT 22
#define HELP_WIDTH 79

/* "-u PERCENT", "--horizon S", "-F, --foreground". */
static void help_left(const struct optdesc *d, char *buf, size_t len)
{
	int n;

	if (d->code < 256 && d->lname)
		n = snprintf(buf, len, "  -%c, --%s", d->code, d->lname);
	else if (d->code < 256)
		n = snprintf(buf, len, "  -%c", d->code);
	else
		n = snprintf(buf, len, "      --%s", d->lname);
	if (d->arg && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, " %s", d->arg);
}

/* A number of the table as the help writes it: 0.1, 600, 1048576. */
static void help_number(double v, char *buf, size_t len)
{
	if (v == (double)(long)v)
		snprintf(buf, len, "%ld", (long)v);
	else
		snprintf(buf, len, "%g", v);
}

/* The row's range ("10-130") and default ("default 85"), from the table. */
static void help_tail(const struct optdesc *d, const struct options *defaults, char *buf, size_t len)
{
	char lo[32], hi[32], def[256] = "";
	size_t used = 0;

	buf[0] = '\0';
	if ((d->parse == p_int || d->parse == p_double) && d->lo < d->hi && !(d->arg && strchr(d->arg, '|'))) {
		help_number(d->lo, lo, sizeof(lo));
		help_number(d->hi, hi, sizeof(hi));
		used += (size_t)snprintf(buf, len, "%s-%s", lo, hi);
	}
	if (d->def == FROM_ENGINE && d->kind == K_INT)
		snprintf(def, sizeof(def), "%d", *(const int *)((const char *)defaults + d->off));
	else if (d->def == FROM_ENGINE && d->kind == K_BOOL)
		snprintf(def, sizeof(def), "%d", *(const bool *)((const char *)defaults + d->off));
	else if (d->def)
		snprintf(def, sizeof(def), "%s", d->def);
	if (*def && used < len)
		snprintf(buf + used, len - used, "%sdefault~%s", used ? ", " : "", def);
}

/*
 * The words of text from column col on, wrapped at HELP_WIDTH with continuation lines at
 * HELP_INDENT; a '~' joins two words.
 */
static void help_wrap(FILE *f, const char *text, int col, bool space)
{
	while (*text) {
		size_t w = strcspn(text, " ");

		if (space && col + 1 + (int)w > HELP_WIDTH) {
			fprintf(f, "\n%*s", HELP_INDENT, "");
			col = HELP_INDENT;
		} else if (space) {
			fputc(' ', f);
			col++;
		}
		for (size_t k = 0; k < w; k++)
			fputc(text[k] == '~' ? ' ' : text[k], f); /* '~': a space that does not break */
		col += (int)w;
		text += w;
		text += strspn(text, " ");
		space = true;
	}
	fputc('\n', f);
}

void options_usage(FILE *f)
{
	struct options *defaults = malloc(sizeof(*defaults));

	if (defaults)
		set_defaults(defaults);
	/* numad-sim takes the same options, --simulate TOPOLOGY among them */
	if (strcmp(program_invocation_short_name, "numad-sim") == 0)
		fprintf(f, "Usage: numad-sim --simulate TOPOLOGY [options]\n"
			   "\n"
			   "numad's daemon on a simulated host; see numad-sim(8).\n");
	else
		fprintf(f, "Usage: numad [options]\n"
			   "\n"
			   "Automatic NUMA placement for KVM hosts. numad 0.5's options keep their meaning.\n");
	for (size_t i = 0; i < NOPTS; i++) {
		const struct optdesc *d = &optdescs[i];
		char left[128], tail[320], text[1024];
		int col;

		for (size_t k = 0; k < sizeof(help_sections) / sizeof(help_sections[0]); k++)
			if (help_sections[k].code == d->code)
				fprintf(f, "\n%s:\n", help_sections[k].title);
		help_left(d, left, sizeof(left));
		tail[0] = '\0';
		if (defaults)
			help_tail(d, defaults, tail, sizeof(tail));
		snprintf(text, sizeof(text), "%s%s%s", d->help, *tail ? "; " : "", tail);
		col = fprintf(f, "%s", left);
		if (col <= HELP_INDENT - 2) {
			fprintf(f, "%*s", HELP_INDENT - col, "");
			help_wrap(f, text, HELP_INDENT, false);
		} else {
			fputc(' ', f); /* two spaces: help_wrap adds the second */
			help_wrap(f, text, col + 1, true);
		}
	}
	free(defaults);
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
	fc->o->source[i] = SOURCE_FILE;
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
	bool query;             /* -w */
	bool help, version;
};

/*
 * The row of the long option an unknown "--NAME" or "--NAME=VALUE" was meant to be, for a
 * hint as the config file's keys get one: near_word() of util.h, '_' written for '-' and
 * case being no edit. -1 for none.
 */
static int near_option(const char *arg)
{
	const char *names[NOPTS + 1];
	size_t rows[NOPTS], n = 0, len;
	char want[NEAR_OPTION_MAX + 1];
	int k;

	if (strncmp(arg, "--", 2) != 0)
		return -1;
	arg += 2;
	len = strcspn(arg, "=");
	if (len > NEAR_OPTION_MAX)
		return -1;
	for (size_t i = 0; i < len; i++)
		want[i] = arg[i] == '_' ? '-' : (char)tolower((unsigned char)arg[i]);
	want[len] = '\0';
	for (size_t i = 0; i < NOPTS; i++)
		if (optdescs[i].lname) {
			rows[n] = i;
			names[n++] = optdescs[i].lname;
		}
	names[n] = NULL;
	k = near_word(want, names);
	return k < 0 ? -1 : (int)rows[k];
}

/* Check the command line's shape and find --config; values are checked in the second pass. */
static int scan_args(int argc, char **argv, struct first_pass *fp, struct report *r)
{
	char shortopts[2 * NOPTS + 2];
	struct option longopts[NOPTS + 1];
	int c;

	getopt_tables(shortopts, longopts);
	memset(fp, 0, sizeof(*fp));
	fp->config = desc_by_code(OPT_CONFIG)->def;
	optind = 0; /* glibc: start afresh, also after an earlier parse */
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (c == '?') {
			const char *arg = argv[optind - 1];
			int near = optopt ? -1 : near_option(arg);

			if (optopt)
				say(r, "unknown option -%c (see numad -h)", optopt);
			else if (near >= 0)
				say(r, "unknown option '%s' (did you mean '--%s'?)", arg, optdescs[near].lname);
			else
				say(r, "unknown option '%s' (see numad -h)", arg);
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
		fp->query |= c == 'w';
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
		o->source[d - optdescs] = SOURCE_COMMAND_LINE;
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
	if (fp->query && !fp->check) {
		/*
		 * -w is libvirt's, at a guest's start: a file libvirt cannot fix must not fail the
		 * start. Its errors are kept for advise_run() to say (stderr and the log), and the
		 * answer uses the defaults and the command line.
		 */
		char first[sizeof(o->config_warning)] = "";
		struct report quiet = { .f = NULL, .prefix = "", .first = first, .firstlen = sizeof(first) };

		if (o->config_path && load_file(o, o->config_path, fp->explicit, missing, &quiet) < 0) {
			set_defaults(o);
			o->argc = argc;
			o->argv = argv;
			o->config_path = fp->config;
			o->config_errors = quiet.n > 0 ? quiet.n : 1;
			snprintf(o->config_warning, sizeof(o->config_warning), "%s", first);
		}
		return apply_args(argc, argv, o, r);
	}
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
	case K_PIDS: {
		struct id_list x = list_of(d->code, a), y = list_of(d->code, b);
		if (*x.npid != *y.npid || *x.nguest != *y.nguest ||
		    memcmp(x.pid, y.pid, (size_t)*x.npid * sizeof(x.pid[0])) != 0)
			return false;
		for (int k = 0; k < *x.nguest; k++)
			if (strcmp(x.guest[k], y.guest[k]) != 0)
				return false;
		return true;
	}
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
	case K_PIDS: {
		struct id_list t = list_of(d->code, to), f = list_of(d->code, from);
		memcpy(t.pid, f.pid, NUMAD_MAX_PID_LIST * sizeof(t.pid[0]));
		*t.npid = *f.npid;
		memcpy(t.guest, f.guest, NUMAD_MAX_GUEST_LIST * sizeof(t.guest[0]));
		*t.nguest = *f.nguest;
		break;
	}
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

		if (d->when == AT_RELOAD) {
			copy_value(d, o, n);
			o->source[i] = n->source[i];
		}
		else if (d->off == OFF(uri) && o->simulate)
			continue; /* the simulator always connects to its own test driver */
		else if (d->when == AT_RESTART && !same_value(d, o, n))
			log_notice("%s: %s changed: takes effect at restart", o->config_path ? o->config_path : "",
				   d->key);
	}
	free(n);
	return 0;
}

/* ---- what is in force ---- */

static void format_value(const struct optdesc *d, const struct options *o, char *out, size_t len)
{
	const void *f = (const char *)o + d->off;
	size_t n = 0;

	out[0] = '\0';
	switch (d->kind) {
	case K_INT: snprintf(out, len, "%d", *(const int *)f); break;
	case K_BOOL: snprintf(out, len, "%s", *(const bool *)f ? "yes" : "no"); break;
	case K_DOUBLE: snprintf(out, len, "%g", *(const double *)f); break;
	case K_STR: snprintf(out, len, "%s", *(const char *const *)f ? *(const char *const *)f : ""); break;
	case K_INTERVAL: snprintf(out, len, "%d:%d", o->interval_min, o->interval_max); break;
	case K_PIDS: {
		const int *pid = d->code == 'p' ? o->include : o->exclude;
		int npid = d->code == 'p' ? o->ninclude : o->nexclude;
		const char (*guest)[NUMAD_GUEST_NAME_MAX] = d->code == 'p' ? o->include_guests : o->exclude_guests;
		int nguest = d->code == 'p' ? o->ninclude_guests : o->nexclude_guests;

		for (int i = 0; i < npid && n + 1 < len; i++)
			n += (size_t)snprintf(out + n, len - n, "%s%d", n ? "," : "", pid[i]);
		for (int i = 0; i < nguest && n + 1 < len; i++)
			n += (size_t)snprintf(out + n, len - n, "%s%s", n ? "," : "", guest[i]);
		break;
	}
	case K_NONE: break;
	}
}

void options_each(const struct options *o,
		  void (*fn)(void *ctx, const char *option, const char *key, const char *value, enum option_source src),
		  void *ctx)
{
	/* the longest: -x's or -p's every pid, name and UUID */
	static char value[NUMAD_MAX_PID_LIST * 12 + NUMAD_MAX_GUEST_LIST * NUMAD_GUEST_NAME_MAX];
	char name[64];

	for (size_t i = 0; i < NOPTS; i++) {
		const struct optdesc *d = &optdescs[i];

		/* settings only: not the queries (-w), the actions (-i 0, --check-config) or the help */
		if (d->kind == K_NONE || !d->parse)
			continue;
		format_value(d, o, value, sizeof(value));
		fn(ctx, cli_name(d, name, sizeof(name)), d->key, value, (enum option_source)o->source[i]);
	}
}

void options_set_source(struct options *o, const char *key, enum option_source src)
{
	const struct optdesc *d = desc_by_key(key);

	if (d)
		o->source[d - optdescs] = src;
}

/* ---- numad 0.5's defaults file ---- */

#define LEGACY_DEFAULTS "etc/default/numad"

void options_legacy_defaults(const struct options *o)
{
	const char *root = o->root && *o->root ? o->root : "/";
	struct buf b = { 0 };
	int line = 0;

	if (read_file_at(root, LEGACY_DEFAULTS, &b, 1 << 16) < 0) {
		buf_free(&b);
		return; /* none: the usual case */
	}
	for (char *l = b.data, *next; l && *l; l = next) {
		char shown[128];
		size_t n = strcspn(l, "\n"), k = 0;
		const char *v;

		next = l[n] ? l + n + 1 : NULL;
		l[n] = '\0';
		line++;
		l += strspn(l, " \t");
		if (strncmp(l, "export", 6) == 0 && (l[6] == ' ' || l[6] == '\t'))
			l += 6 + strspn(l + 6, " \t");
		if (strncmp(l, "DAEMON_ARGS=", 12) != 0)
			continue;
		v = l + 12;
		if (!*v || strcmp(v, "\"\"") == 0 || strcmp(v, "''") == 0)
			continue; /* set to nothing: nothing is lost */
		for (; *v && k + 1 < sizeof(shown); v++)
			shown[k++] = isprint((unsigned char)*v) ? *v : '?';
		shown[k] = '\0';
		log_warnx("%s%s%s:%d sets DAEMON_ARGS=%s%s, which numad 0.5's init script passed on and "
			  "numad.service does not read: numad ignores it. Give those options as keys of the "
			  "configuration file (numad.conf(5)), or in a drop-in: systemctl edit numad, then under "
			  "[Service] an empty ExecStart= and the unit's ExecStart= line with the options added "
			  "(numad(8), SYSTEMD)",
			  root, root[strlen(root) - 1] == '/' ? "" : "/", LEGACY_DEFAULTS, line, shown, *v ? "..." : "");
		break; /* once */
	}
	buf_free(&b);
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
