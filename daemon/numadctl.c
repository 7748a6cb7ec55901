/*
 * numadctl.c: the command-line client of numad's control socket. It sends one command,
 * prints the answer as a table for a person or as the raw JSON for a script (--json),
 * and exits non-zero with one line on stderr when anything goes wrong.
 */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ctlproto.h"
#include "nodeset.h"
#include "options.h"
#include "util.h"
#include "wspec.h"

#define EXIT_ERROR 1      /* the daemon answered with an error, or something unreadable */
#define EXIT_USAGE 2
#define EXIT_UNREACHABLE 3  /* not running, denied, no answer */
#define HISTORY_DEFAULT 20
#define MAX_COLS 16

/* Classes of numadctl's own failures, in the "error" object --json prints. */
#define E_USAGE "Usage"                /* exit 2 */
#define E_UNREACHABLE "Unreachable"    /* exit 3: not running, permission denied, no answer */
#define E_MALFORMED "MalformedReply"   /* exit 1: the answer is not a reply, or not what it should be */

/* --json: failures too are JSON, {"error": {"class": ..., "desc": ...}} on stdout. */
static bool json_errors;

/* Say why numadctl fails: "numadctl: DESC" on stderr, or with --json the error object. */
static void complain(const char *eclass, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void complain(const char *eclass, const char *fmt, ...)
{
	struct json_object *o, *e;
	char desc[1024], *text;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(desc, sizeof(desc), fmt, ap);
	va_end(ap);
	if (!json_errors) {
		fprintf(stderr, "numadctl: %s\n", desc);
		return;
	}
	o = json_object_new_object();
	e = json_object_new_object();
	json_object_object_add(e, "class", json_object_new_string(eclass));
	json_object_object_add(e, "desc", json_object_new_string(desc));
	json_object_object_add(o, "error", e);
	if ((text = ctl_wire_text(o)))  /* UTF-8 whatever a daemon sent */
		printf("%s\n", text);
	else
		fprintf(stderr, "numadctl: %s\n", desc);
	free(text);
	json_object_put(o);
	fflush(stdout);
}

/* Whether --json (-j, or a prefix of --json) is on the line, before "--". */
static bool wants_json(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "-j") == 0 || (strlen(argv[i]) >= 3 && strncmp(argv[i], "--json", strlen(argv[i])) == 0))
			return true;
	return false;
}

/* ---- reading the answer ---- */

static struct json_object *member(struct json_object *o, const char *k)
{
	struct json_object *v = NULL;

	return json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, k, &v) ? v : NULL;
}

/* A member as text: a string as is, a number or boolean as JSON writes it, "-" when null or missing. */
static const char *str(struct json_object *o, const char *k)
{
	struct json_object *v = member(o, k);

	return v ? json_object_get_string(v) : "-";
}

static double num(struct json_object *o, const char *k)
{
	return json_object_get_double(member(o, k));
}

static bool flag(struct json_object *o, const char *k)
{
	return json_object_get_boolean(member(o, k));
}

static struct json_object *array(struct json_object *o, const char *k)
{
	struct json_object *v = k ? member(o, k) : o;

	return json_object_is_type(v, json_type_array) ? v : NULL;
}

/* ---- tables ---- */

struct table {
	int ncols, ncells, cap;
	const char *head[MAX_COLS];
	bool right[MAX_COLS];  /* numbers are aligned right */
	char **cells;
};

/* Columns from "NAME NAME ...", a leading '>' aligning a column right. */
static void table_init(struct table *t, const char *spec)
{
	static char heads[1024];
	char *save = NULL, *w;

	memset(t, 0, sizeof(*t));
	snprintf(heads, sizeof(heads), "%s", spec);
	for (w = strtok_r(heads, " ", &save); w && t->ncols < MAX_COLS; w = strtok_r(NULL, " ", &save)) {
		t->right[t->ncols] = *w == '>';
		t->head[t->ncols++] = w + (*w == '>');
	}
}

static void cell(struct table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void cell(struct table *t, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (t->ncells == t->cap) {
		int cap = t->cap ? t->cap * 2 : 64;
		char **p = realloc(t->cells, (size_t)cap * sizeof(*p));
		if (!p)
			return;
		t->cells = p;
		t->cap = cap;
	}
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	t->cells[t->ncells++] = s;
}

static void table_print(struct table *t)
{
	int width[MAX_COLS], rows = t->ncells / (t->ncols ? t->ncols : 1);

	for (int c = 0; c < t->ncols; c++)
		width[c] = (int)strlen(t->head[c]);
	for (int i = 0; i < rows * t->ncols; i++) {
		int w = t->cells[i] ? (int)strlen(t->cells[i]) : 0;
		if (w > width[i % t->ncols])
			width[i % t->ncols] = w;
	}
	for (int r = -1; r < rows; r++) {
		for (int c = 0; c < t->ncols; c++) {
			const char *s = r < 0 ? t->head[c] : t->cells[r * t->ncols + c];
			bool last = c == t->ncols - 1;
			if (!s)
				s = "";
			if (t->right[c])
				printf("%*s%s", width[c], s, last ? "" : "  ");
			else
				printf("%-*s%s", last ? 0 : width[c], s, last ? "" : "  ");
		}
		putchar('\n');
	}
}

static void table_free(struct table *t)
{
	for (int i = 0; i < t->ncells; i++)
		free(t->cells[i]);
	free(t->cells);
}

/* ---- printing each answer ---- */

static int print_nodes(struct json_object *nodes)
{
	struct table t;
	size_t n;

	if (!array(nodes, NULL))
		return -1;
	n = json_object_array_length(nodes);
	table_init(&t, ">NODE >CPUS >BUSY >CPU% >TOTAL_MB >FREE_MB >FREE% DISTANCES");
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(nodes, i), *dist = array(o, "distances");
		double total = num(o, "total_mb");
		char row[1024] = "";
		size_t len = 0;

		for (size_t j = 0; dist && j < json_object_array_length(dist) && len < sizeof(row) - 16; j++)
			len += (size_t)snprintf(row + len, sizeof(row) - len, "%s%d", j ? " " : "",
						json_object_get_int(json_object_array_get_idx(dist, j)));
		cell(&t, "%s", str(o, "node"));
		cell(&t, "%s", str(o, "cpus"));
		cell(&t, "%.1f", num(o, "busy_cpus"));
		cell(&t, "%.0f", num(o, "cpu_use_pct"));
		cell(&t, "%s", str(o, "total_mb"));
		cell(&t, "%s", str(o, "free_mb"));
		cell(&t, "%.0f", total > 0 ? 100.0 * num(o, "free_mb") / total : 0.0);
		cell(&t, "%s", row);
	}
	table_print(&t);
	table_free(&t);
	return 0;
}

/* "3:6108 2:100": where a guest's memory is, in MB per node. */
static void by_node(struct json_object *g, char *out, size_t len)
{
	struct json_object *by = member(g, "node_mb");
	size_t n = 0;

	out[0] = '\0';
	if (json_object_is_type(by, json_type_object)) {
		json_object_object_foreach(by, node, mb) {
			if (n + 1 >= len)
				break;
			n += (size_t)snprintf(out + n, len - n, "%s%s:%s", n ? " " : "", node, json_object_get_string(mb));
		}
	}
	if (n == 0)
		snprintf(out, len, "-");
}

static int print_guests(struct json_object *guests, bool wide)
{
	struct table t;
	size_t n;

	if (!array(guests, NULL))
		return -1;
	n = json_object_array_length(guests);
	if (n == 0) {
		printf("no guests\n");
		return 0;
	}
	table_init(&t, wide ? "DOMAIN UUID >PID >VCPUS >CPU_USED >MEM_MB MODE MANAGED NODES >RESIDENT_MB >LOCAL% BY_NODE_MB "
			      "RUNS_OUT_IN LAST_ADVICE"
			    : "DOMAIN >PID MODE MANAGED NODES >RESIDENT_MB >LOCAL% BY_NODE_MB RUNS_OUT_IN LAST_ADVICE");
	for (size_t i = 0; i < n; i++) {
		struct json_object *g = json_object_array_get_idx(guests, i), *tte = member(g, "time_to_exhaustion_s");
		char where[512];

		by_node(g, where, sizeof(where));
		cell(&t, "%s", str(g, "domain"));
		if (wide) {
			cell(&t, "%s", str(g, "uuid"));
			cell(&t, "%s", str(g, "pid"));
			cell(&t, "%s", str(g, "vcpus"));
			if (member(g, "cpu_used"))
				cell(&t, "%.2f", num(g, "cpu_used"));
			else
				cell(&t, "-");
			cell(&t, "%s", str(g, "mem_mb"));
		} else {
			cell(&t, "%s", str(g, "pid"));
		}
		cell(&t, "%s", str(g, "mode"));
		cell(&t, "%s", str(g, "management"));
		cell(&t, "%s", *str(g, "nodes") ? str(g, "nodes") : "-");
		cell(&t, "%s", str(g, "resident_mb"));
		if (member(g, "locality_pct"))
			cell(&t, "%.0f", num(g, "locality_pct"));
		else
			cell(&t, "-");
		cell(&t, "%s", where);
		if (tte)
			cell(&t, "%.0f s%s", num(g, "time_to_exhaustion_s"), flag(g, "at_risk") ? " (at risk)" : "");
		else
			cell(&t, "%s", flag(g, "at_risk") ? "now (at risk)" : "-");
		if (member(g, "killed_at"))
			cell(&t, "OOM-killed at %s", str(g, "killed_at"));
		else if (!*str(g, "last_advice"))
			cell(&t, "-");
		else
			cell(&t, "%s: %s", str(g, "last_advice"), str(g, "last_outcome"));
	}
	table_print(&t);
	table_free(&t);
	return 0;
}

static void print_warnings(struct json_object *warnings)
{
	size_t n = warnings ? json_object_array_length(warnings) : 0;

	if (n == 0) {
		printf("warnings: none\n");
		return;
	}
	printf("WARNINGS\n");
	for (size_t i = 0; i < n; i++)
		printf("  ! %s\n", json_object_get_string(json_object_array_get_idx(warnings, i)));
}

/* Staged moves in flight and libvirt calls that do not return (an older daemon sends neither). */
static void print_actuator(struct json_object *a)
{
	struct json_object *moves = array(a, "moves"), *stuck = array(a, "stuck_calls");
	size_t nm = moves ? json_object_array_length(moves) : 0, ns = stuck ? json_object_array_length(stuck) : 0;

	if (!a)
		return;
	printf("moves in flight: %s\n", nm ? "" : "none");
	for (size_t i = 0; i < nm; i++) {
		struct json_object *m = json_object_array_get_idx(moves, i);
		printf("  %s: %s move %s -> %s, %s, %s of %s MB moved, for %s s\n", str(m, "domain"), str(m, "reason"),
		       str(m, "from"), str(m, "to"), str(m, "stage"), str(m, "moved_mb"), str(m, "total_mb"), str(m, "for_s"));
	}
	for (size_t i = 0; i < ns; i++) {
		struct json_object *c = json_object_array_get_idx(stuck, i);
		printf("  ! %s: libvirt call (%s) not returned after %s s\n", str(c, "domain"), str(c, "call"),
		       str(c, "for_s"));
	}
	putchar('\n');
}

/*
 * At most STATUS_GUESTS rows, those at risk or OOM-killed first, then in the daemon's order,
 * and how many were left out: a host of a thousand guests keeps a status that fits a screen.
 */
#define STATUS_GUESTS 20

static void print_status_guests(struct json_object *guests)
{
	size_t n = json_object_array_length(guests), shown = 0;
	struct json_object *sel;

	if (n <= STATUS_GUESTS) {
		print_guests(guests, false);
		return;
	}
	sel = json_object_new_array();
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < n && shown < STATUS_GUESTS; i++) {
			struct json_object *g = json_object_array_get_idx(guests, i);
			bool first = flag(g, "at_risk") || member(g, "killed_at");
			if (first == (pass == 0)) {
				json_object_array_add(sel, json_object_get(g));
				shown++;
			}
		}
	print_guests(sel, false);
	printf("... and %zu more guests: numadctl guests [--at-risk] [--managed] [--node N] [--sort KEY]\n", n - shown);
	json_object_put(sel);
}

static int print_status(struct json_object *r)
{
	if (!array(r, "nodes") || !array(r, "guests") || !array(r, "warnings"))
		return -1;
	printf("numad %s, up %.0f s, libvirt %s, %s\n", str(r, "version"), num(r, "uptime_s"),
	       flag(r, "libvirt") ? "connected" : flag(r, "libvirt_connecting") ? "CONNECTING" : "NOT CONNECTED",
	       flag(r, "paused") ? "PAUSED: advice only" : flag(r, "advise_only") ? "advise only" : "acting");
	printf("decisions: %s, %s applied (%s urgent), %s failed; OOM kills seen: %s\n\n", str(r, "advices"),
	       str(r, "applied"), str(r, "urgent"), str(r, "failed"), str(r, "oom_kills"));
	print_nodes(member(r, "nodes"));
	putchar('\n');
	print_status_guests(member(r, "guests"));
	putchar('\n');
	print_actuator(member(r, "actuator"));
	print_warnings(array(r, "warnings"));
	return 0;
}

static int print_nodes_cmd(struct json_object *r)
{
	return print_nodes(r);
}

/* numadctl guests' filters and order (numadctl's own: the daemon sends every guest). */
static struct {
	bool given;          /* any of them: only with guests */
	bool at_risk, managed;
	int node;            /* -1: any */
	const char *sort;    /* NULL: the daemon's order */
} gsel = { false, false, false, -1, NULL };

static const char *const sort_keys[] = { "name", "resident", "local", "runs-out", "mem", NULL };

/* --node and --sort: the value, checked. Returns 0, or -1 having said why. */
static int guests_option(int c, const char *v)
{
	double n;
	int k = 0;

	if (c == 'n') {
		if (parse_decimal(v, false, 0, NUMAD_MAX_NODES - 1, &n, NULL, 0) < 0) {
			complain(E_USAGE, "--node: '%s' is not a node id from 0 to %d", v, NUMAD_MAX_NODES - 1);
			return -1;
		}
		gsel.node = (int)n;
		return 0;
	}
	while (sort_keys[k] && strcmp(sort_keys[k], v) != 0)
		k++;
	if (!sort_keys[k]) {
		complain(E_USAGE, "--sort: '%s' is none of name, resident, local, runs-out, mem", v);
		return -1;
	}
	gsel.sort = sort_keys[k];
	return 0;
}

static bool on_node(struct json_object *g, int node)
{
	struct json_object *by = member(g, "node_mb");
	struct nodeset set;
	char id[16], err[128];

	/* bound to it, or holding memory there */
	snprintf(id, sizeof(id), "%d", node);
	if (json_object_is_type(by, json_type_object) && member(by, id))
		return true;
	return nodeset_parse(&set, str(g, "nodes"), err, sizeof(err)) == 0 && nodeset_has(&set, node);
}

/* Larger first for sizes and locality, soonest first for runs-out (none last), names in order. */
static int by_key(const void *a, const void *b)
{
	struct json_object *x = *(struct json_object *const *)a, *y = *(struct json_object *const *)b;
	const char *k = gsel.sort;
	double u, v;

	if (strcmp(k, "name") == 0)
		return strcmp(str(x, "domain"), str(y, "domain"));
	if (strcmp(k, "runs-out") == 0) {
		u = member(x, "time_to_exhaustion_s") ? num(x, "time_to_exhaustion_s") : INFINITY;
		v = member(y, "time_to_exhaustion_s") ? num(y, "time_to_exhaustion_s") : INFINITY;
		return u < v ? -1 : u > v ? 1 : 0;
	}
	k = strcmp(k, "resident") == 0 ? "resident_mb" : strcmp(k, "local") == 0 ? "locality_pct" : "mem_mb";
	u = member(x, k) ? num(x, k) : -1;
	v = member(y, k) ? num(y, k) : -1;
	return u > v ? -1 : u < v ? 1 : 0;
}

/* The guests numadctl guests shows: the daemon's list filtered and sorted (a new reference). */
static struct json_object *select_guests(struct json_object *all)
{
	struct json_object *out = json_object_new_array();
	size_t n = json_object_array_length(all);

	for (size_t i = 0; i < n; i++) {
		struct json_object *g = json_object_array_get_idx(all, i);
		if ((gsel.at_risk && !flag(g, "at_risk")) || (gsel.managed && strcmp(str(g, "management"), "yes") != 0) ||
		    (gsel.node >= 0 && !on_node(g, gsel.node)))
			continue;
		json_object_array_add(out, json_object_get(g));
	}
	if (gsel.sort)
		json_object_array_sort(out, by_key);
	return out;
}

static int print_guests_cmd(struct json_object *r)
{
	struct json_object *sel;
	int rc;

	if (!array(r, NULL))
		return -1;
	sel = select_guests(r);
	rc = print_guests(sel, true);
	json_object_put(sel);
	return rc;
}

static int print_history(struct json_object *r)
{
	struct table t;
	size_t n;

	if (!array(r, NULL))
		return -1;
	n = json_object_array_length(r);
	if (n == 0) {
		printf("no decisions yet\n");
		return 0;
	}
	table_init(&t, "TIME DOMAIN >PID FROM TO REASON OUTCOME DETAIL");
	for (size_t i = 0; i < n; i++) {
		struct json_object *h = json_object_array_get_idx(r, i);
		cell(&t, "%s", str(h, "time"));
		cell(&t, "%s", str(h, "domain"));
		cell(&t, "%s", str(h, "pid"));
		cell(&t, "%s", *str(h, "from") ? str(h, "from") : "-");
		cell(&t, "%s", str(h, "to"));
		cell(&t, "%s", str(h, "reason"));
		cell(&t, "%s", str(h, "outcome"));
		cell(&t, "%s", str(h, "detail"));
	}
	table_print(&t);
	table_free(&t);
	return 0;
}

/* One row of scores: label (or rank), then the breakdown. */
static void score_row(struct table *t, const char *label, struct json_object *s)
{
	cell(t, "%s", label);
	cell(t, "%s", str(s, "nodes"));
	cell(t, "%s", flag(s, "fits") ? "yes" : "no");
	cell(t, "%.4f", num(s, "score"));
	cell(t, "%.4f", num(s, "distance"));
	cell(t, "%.3f", num(s, "mem"));
	cell(t, "%.3f", num(s, "cpu"));
	cell(t, "%.3f", num(s, "move"));
	cell(t, "%s", str(s, "offers_mb"));
	cell(t, "%.2f", num(s, "idle_cpus"));
}

#define SCORE_COLUMNS "NODES FITS >SCORE >DISTANCE >MEM >CPU >MOVE >OFFERS_MB >IDLE_CPUS"

static int print_advise(struct json_object *r)
{
	struct json_object *cands = array(r, "candidates");
	struct table t;

	if (!cands)
		return -1;
	printf("advice for %s CPUs, %s MB: nodes %s (%s: %s)\n\n", str(r, "cpus"), str(r, "mb"), str(r, "nodes"),
	       str(r, "status"), str(r, "why"));
	table_init(&t, ">RANK " SCORE_COLUMNS);
	for (size_t i = 0; i < json_object_array_length(cands); i++) {
		char rank[24];
		snprintf(rank, sizeof(rank), "%zu", i + 1);
		score_row(&t, rank, json_object_array_get_idx(cands, i));
	}
	table_print(&t);
	table_free(&t);
	printf("\n%s node sets scored (%s search)\n", str(r, "evaluated"),
	       flag(r, "exhaustive") ? "exhaustive" : "greedy");
	return 0;
}

static int print_explain(struct json_object *r)
{
	struct json_object *g = member(r, "guest"), *cur = member(r, "current"), *best = member(r, "best");
	const char *how = str(g, "management");
	struct table t;

	if (!json_object_is_type(g, json_type_object))
		return -1;
	printf("%s (%s, %s), nodes %s, %s MB resident", str(g, "domain"), str(g, "mode"),
	       !strcmp(how, "yes") ? "managed" : !strcmp(how, "observed") ? "observed only"
	       : !strcmp(how, "failed") ? "no longer managed" : "not managed",
	       *str(g, "nodes") ? str(g, "nodes") : "-", str(g, "resident_mb"));
	if (member(g, "locality_pct"))
		printf(", %.0f%% on its nodes", num(g, "locality_pct"));
	printf("\n\n");
	table_init(&t, "SET " SCORE_COLUMNS);
	if (cur)
		score_row(&t, "current", cur);
	if (best)
		score_row(&t, "best", best);
	table_print(&t);
	table_free(&t);
	printf("\nengine: %s (%s); advised nodes %s\n", str(r, "status"), str(r, "why"), str(r, "advised"));
	printf("verdict: %s\n", str(r, "verdict"));
	return 0;
}

static int print_pause(struct json_object *r)
{
	if (!member(r, "paused"))
		return -1;
	if (flag(r, "paused"))
		printf("%s: numad keeps sampling and logs its decisions as advice only (numadctl resume acts again)\n",
		       flag(r, "changed") ? "paused" : "already paused");
	else
		printf("%s: numad acts on its decisions\n", flag(r, "changed") ? "resumed" : "not paused");
	return 0;
}

static int print_reload(struct json_object *r)
{
	if (!member(r, "reloaded"))
		return -1;
	if (member(r, "config") && member(r, "config_found") && !flag(r, "config_found"))
		printf("configuration reloaded: %s does not exist, so numad runs on its defaults and its command line\n",
		       str(r, "config"));
	else if (member(r, "config"))
		printf("configuration reloaded from %s\n", str(r, "config"));
	else
		printf("configuration reloaded: no configuration file (--config \"\"), only the command line\n");
	return 0;
}

static int print_log_level(struct json_object *r)
{
	if (!member(r, "level"))
		return -1;
	printf("log level %s (was %s)\n", str(r, "level"), str(r, "previous"));
	return 0;
}

static int print_config(struct json_object *r)
{
	struct json_object *a = array(r, "settings");
	struct table t;

	if (!a)
		return -1;
	if (!member(r, "file"))
		printf("configuration file: none (--config \"\")\n\n");
	else
		printf("configuration file: %s%s\n\n", str(r, "file"), flag(r, "file_found") ? "" : " (not found: defaults)");
	table_init(&t, "SETTING OPTION VALUE SOURCE");
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct json_object *s = json_object_array_get_idx(a, i);
		cell(&t, "%s", member(s, "key") ? str(s, "key") : "-");
		cell(&t, "%s", str(s, "option"));
		cell(&t, "%s", *str(s, "value") ? str(s, "value") : "\"\"");
		cell(&t, "%s", str(s, "source"));
	}
	table_print(&t);
	table_free(&t);
	return 0;
}

static int print_metrics(struct json_object *r)
{
	if (!json_object_is_type(r, json_type_string))
		return -1;
	fputs(json_object_get_string(r), stdout);
	return 0;
}

/* ---- building each request ---- */

static int args_history(char **argv, int argc, struct json_object *args, char *err, size_t len)
{
	double n = HISTORY_DEFAULT;

	/* numbers as numad.conf(5) writes them, on every command line of numad's */
	if (argc > 0 && parse_decimal(argv[0], false, 0, 1000000, &n, NULL, 0) < 0) {
		snprintf(err, len, "history: '%s' is not a count of decisions", argv[0]);
		return -1;
	}
	json_object_object_add(args, "count", json_object_new_int64((int64_t)n));
	return 0;
}

static int args_advise(char **argv, int argc, struct json_object *args, char *err, size_t len)
{
	char why[256];
	double ncpus;
	uint64_t mb;

	(void)argc;
	if (wspec_parse(argv[0], &ncpus, &mb, why, sizeof(why)) < 0) {
		snprintf(err, len, "advise: %s", why);
		return -1;
	}
	json_object_object_add(args, "cpus", json_object_new_double(ncpus));
	json_object_object_add(args, "mb", json_object_new_int64((int64_t)mb));
	return 0;
}

static int args_explain(char **argv, int argc, struct json_object *args, char *err, size_t len)
{
	(void)argc;
	(void)err;
	(void)len;
	json_object_object_add(args, "guest", json_object_new_string(argv[0]));
	return 0;
}

static int args_log_level(char **argv, int argc, struct json_object *args, char *err, size_t len)
{
	double n;

	(void)argc;
	if (parse_decimal(argv[0], false, 0, 7, &n, NULL, 0) < 0) {
		snprintf(err, len, "log-level: '%s' is not a level from 0 to 7", argv[0]);
		return -1;
	}
	json_object_object_add(args, "level", json_object_new_int((int)n));
	return 0;
}

/* ---- the commands ---- */

struct command {
	const char *name;
	const char *usage;
	const char *help;
	int min_args, max_args;
	int (*build)(char **argv, int argc, struct json_object *args, char *err, size_t len);
	int (*print)(struct json_object *ret);
};

static const struct command commands[] = {
	{ "status", "", "the host at a glance: nodes, guests and warnings", 0, 0, NULL, print_status },
	{ "nodes", "", "every node: CPUs, CPU use, total and free MB, SLIT distance row", 0, 0, NULL,
	  print_nodes_cmd },
	{ "guests", "[--at-risk] [--managed] [--node N] [--sort KEY]",
	  "every guest (or those at risk, managed, on node N): uuid,\n"
	  "                      mode, nodes, MB per node, locality, time until its nodes run\n"
	  "                      out, last advice and its outcome; KEY: name, resident, local,\n"
	  "                      runs-out, mem", 0, 0, NULL, print_guests_cmd },
	{ "history", "[N]", "the last N decisions (default 20), newest last", 0, 1, args_history, print_history },
	{ "advise", "NCPUS[:MB]", "where a new guest would go (what numad -w answers), with\n"
				  "                      the score of every candidate node set", 1, 1, args_advise, print_advise },
	{ "explain", "GUEST", "why a guest (name or UUID) stays or moves: its node set and\n"
			      "                      score against the best set, and what would make it move", 1, 1, args_explain,
	  print_explain },
	{ "pause", "", "keep sampling, but only advise: no guest is changed (*)", 0, 0, NULL, print_pause },
	{ "resume", "", "act on decisions again (*)", 0, 0, NULL, print_pause },
	{ "reload", "", "re-read the configuration file (*)", 0, 0, NULL, print_reload },
	{ "log-level", "N", "set the log level, 0-7: 5 notice, 6 info, 7 debug (*)", 1, 1, args_log_level,
	  print_log_level },
	{ "metrics", "", "the daemon's metrics as OpenMetrics text", 0, 0, NULL, print_metrics },
	{ "config", "", "the settings in force, each with where it came from (default,\n"
			"                      file, command line, numadctl)", 0, 0, NULL, print_config },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	fprintf(f, "Usage: numadctl [--socket PATH] [--json] COMMAND [ARGS]\n"
		   "\n"
		   "Ask the running numad daemon over its control socket. A command may be shortened\n"
		   "to any unique prefix (\"stat\" for status).\n"
		   "\n"
		   "Commands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++) {
		char head[64];
		snprintf(head, sizeof(head), "%s %s", commands[i].name, commands[i].usage);
		if (strlen(head) >= 20) /* a long usage: the description starts on the next line */
			fprintf(f, "  %s\n  %-20s%s\n", head, "", commands[i].help);
		else
			fprintf(f, "  %-20s%s\n", head, commands[i].help);
	}
	fprintf(f, "  (*) changes the daemon's state: root, or the group numad --control-group names\n"
		   "\n"
		   "Options:\n"
		   "  -s, --socket PATH   numad's control socket, default " NUMAD_SOCKET_DEFAULT "\n"
		   "  -j, --json          print the daemon's JSON answer instead of a table\n"
		   "                      (numadctl status --json | jq .guests); a failure is then\n"
		   "                      {\"error\": {\"class\": ..., \"desc\": ...}} on stdout\n"
		   "  -t, --timeout S     give up when numad has not answered within S seconds, default 10\n"
		   "  -h, --help          this help\n"
		   "  -V, --version       print the version\n"
		   "\n"
		   "Exit status: 0 done; 1 numad answered with an error (printed as CLASS: description)\n"
		   "or with something that is not a reply; 2 bad usage; 3 numad cannot be reached (not\n"
		   "running, permission denied, no answer in time).\n"
		   "\n"
		   "The protocol is newline-delimited JSON (socat - UNIX-CONNECT:" NUMAD_SOCKET_DEFAULT "):\n"
		   "{\"cmd\": \"explain\", \"args\": {\"guest\": \"vm1\"}, \"id\": 1}\n");
}

static void list_commands(char *out, size_t len)
{
	size_t n = 0;

	out[0] = '\0';
	for (size_t i = 0; i < NCOMMANDS && n < len; i++)
		n += (size_t)snprintf(out + n, len - n, "%s%s", i ? ", " : "", commands[i].name);
}

/* The command word names, exactly or by a unique prefix; NULL after saying why. */
static const struct command *lookup(const char *word)
{
	const struct command *found = NULL;
	char all[256], matches[256] = "";
	size_t n = 0;
	int count = 0;

	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, word) == 0)
			return &commands[i];
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (*word && strncmp(commands[i].name, word, strlen(word)) == 0) {
			found = &commands[i];
			count++;
			if (n < sizeof(matches))
				n += (size_t)snprintf(matches + n, sizeof(matches) - n, "%s%s", n ? ", " : "",
						      commands[i].name);
		}
	if (count == 1)
		return found;
	list_commands(all, sizeof(all));
	if (count > 1)
		complain(E_USAGE, "'%s' is ambiguous (%s); commands: %s", word, matches, all);
	else
		complain(E_USAGE, "unknown command '%s'; commands: %s", word, all);
	return NULL;
}

/* One line on stderr for a failed request; returns the exit code. */
static int report(const char *path, const char *cmd, const struct ctl_status *st)
{
	struct stat sb;

	switch (st->failure) {
	case CTL_CONNECT:
		/* connect(2) says ECONNREFUSED for a path that is no socket at all */
		if (stat(path, &sb) == 0 && !S_ISSOCK(sb.st_mode))
			complain(E_UNREACHABLE, "%s is %s, not a socket: --socket takes the daemon's socket, such as %s", path,
				 S_ISDIR(sb.st_mode) ? "a directory" : "a file", NUMAD_SOCKET_DEFAULT);
		else if (st->sys_errno == ENOENT)
			complain(E_UNREACHABLE, "numad is not running (no socket at %s)", path);
		else if (st->sys_errno == ECONNREFUSED)
			complain(E_UNREACHABLE, "numad is not running (nothing listens on %s)", path);
		else if (st->sys_errno == EACCES || st->sys_errno == EPERM)
			complain(E_UNREACHABLE, "permission denied on %s: run as root or as a member of its group", path);
		else
			complain(E_UNREACHABLE, "%s", st->desc);
		return EXIT_UNREACHABLE;
	case CTL_IO:
		complain(E_UNREACHABLE, "%s", st->desc);
		return EXIT_UNREACHABLE;
	case CTL_ERROR:
		if (json_errors)
			complain(st->eclass, "%s", st->desc);  /* the daemon's class and text */
		else
			complain(st->eclass, "%s: %s: %s", cmd, st->eclass, st->desc);
		return EXIT_ERROR;
	default:
		complain(E_MALFORMED, "malformed reply: %s", st->desc);
		return EXIT_ERROR;
	}
}

struct cli {
	const char *socket;
	bool json;
	int timeout_ms;
};

/* Options anywhere on the line ("numadctl status --json"). Returns the index of the command word, or -1. */
static int parse_options(int argc, char **argv, struct cli *cli)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' }, { "json", no_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 't' }, { "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },       { "at-risk", no_argument, NULL, 'a' },
		{ "managed", no_argument, NULL, 'm' },       { "node", required_argument, NULL, 'n' },
		{ "sort", required_argument, NULL, 'o' },    { NULL, 0, NULL, 0 },
	};
	int c;
	double s;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":s:jt:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': gsel.at_risk = gsel.given = true; break;
		case 'm': gsel.managed = gsel.given = true; break;
		case 'n':
		case 'o':
			gsel.given = true;
			if (guests_option(c, optarg) < 0)
				return -1;
			break;
		case 's': cli->socket = optarg; break;
		case 'j': cli->json = true; break;
		case 't':
			if (parse_decimal(optarg, true, 0, 3600, &s, NULL, 0) < 0 || !(s > 0)) {
				complain(E_USAGE, "--timeout: '%s' is not a number of seconds above 0, at most 3600", optarg);
				return -1;
			}
			cli->timeout_ms = (int)(s * 1000);
			break;
		case 'h': usage(stdout); exit(0);
		case 'V': printf("numadctl version %s\n", NUMAD_VERSION); exit(0);
		case ':':
			complain(E_USAGE, "option '%s' needs a value (see numadctl --help)", argv[optind - 1]);
			return -1;
		default:
			complain(E_USAGE, "unknown option '%s' (see numadctl --help)", argv[optind - 1]);
			return -1;
		}
	}
	if (optind >= argc) {
		complain(E_USAGE, "no command given (see numadctl --help)");
		return -1;
	}
	return optind;
}

/* Send the command and print its answer. Returns the exit code. */
static int run(const struct cli *cli, const struct command *cmd, struct json_object *args)
{
	struct ctl_status st;
	struct json_object *ret = ctl_request(cli->socket, cmd->name, args, cli->timeout_ms, &st);
	int code = 0;

	if (!ret)
		return report(cli->socket, cmd->name, &st);
	if (cli->json) {
		if (cmd->print == print_guests_cmd && json_object_is_type(ret, json_type_array)) {
			struct json_object *sel = select_guests(ret); /* --json shows what the table would */
			json_object_put(ret);
			ret = sel;
		}
		printf("%s\n", json_object_to_json_string_ext(ret, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	} else if (cmd->print(ret) < 0) {
		fflush(stdout);
		complain(E_MALFORMED, "malformed reply: %s's answer lacks what it should hold", cmd->name);
		code = EXIT_ERROR;
	}
	json_object_put(ret);
	if (fflush(stdout) != 0 && code == 0) {
		fprintf(stderr, "numadctl: cannot write the answer: %s\n", strerror(errno));
		code = EXIT_ERROR;
	}
	return code;
}

int main(int argc, char **argv)
{
	struct cli cli = { NUMAD_SOCKET_DEFAULT, false, 10000 };
	const struct command *cmd;
	struct json_object *args;
	char err[512];
	int first, nargs, code;

	json_errors = wants_json(argc, argv);
	first = parse_options(argc, argv, &cli);
	if (first < 0)
		return EXIT_USAGE;
	if (!(cmd = lookup(argv[first])))
		return EXIT_USAGE;
	if (gsel.given && cmd->print != print_guests_cmd) {
		complain(E_USAGE, "--at-risk, --managed, --node and --sort choose guests: numadctl guests --managed");
		return EXIT_USAGE;
	}
	nargs = argc - first - 1;
	if (nargs < cmd->min_args || nargs > cmd->max_args) {
		complain(E_USAGE, "usage: numadctl %s %s", cmd->name, cmd->usage);
		return EXIT_USAGE;
	}
	args = json_object_new_object();
	if (cmd->build && cmd->build(argv + first + 1, nargs, args, err, sizeof(err)) < 0) {
		complain(E_USAGE, "%s", err);
		json_object_put(args);
		return EXIT_USAGE;
	}
	code = run(&cli, cmd, args);
	json_object_put(args);
	return code;
}
