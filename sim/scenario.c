/*
 * scenario.c: reading and checking a scenario against its host, and the built-in scenario
 * written for the host (scenario.h).
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

static const char *const verbs[] = { "start", "grow", "stop", "hog", "free", "procs", "end" };
#define NVERBS 7

/* The keys of each verb, in the order numad-sim(8) lists them. */
static const char *const verb_keys[NVERBS][10] = {
	[EV_START] = { "vcpus", "mem", "touch", "mode", "cpu", "nodes", "hidden", "transient", NULL },
	[EV_GROW] = { "rate", "until", NULL },
	[EV_STOP] = { NULL },
	[EV_HOG] = { "node", "size", "rate", "oom", NULL },
	[EV_FREE] = { "node", "size", "rate", NULL },
	[EV_PROCS] = { "per_min", "life", "mem", "cpu", NULL },
	[EV_END] = { NULL },
};

/* What a line's checks need from the lines before it. */
struct reader {
	struct scenario *sc;
	const struct topology *t;
	scenario_report_fn report;
	void *ctx;
	int errors;
	int line;
	double last_s;
	int end_line;          /* the line of the end event, 0 before it */
	struct nodeset mem_nodes;  /* the host's nodes with memory */
	/* the guests that run at this point of the scenario, with their mem= */
	struct running {
		char name[SCENARIO_NAME_MAX + 1];
		double mem_kb;
		int line;
	} *run;
	int nrun, caprun;
};

static void say(struct reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct reader *r, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	r->errors++;
	if (r->report)
		r->report(r->ctx, r->line, why);
}

/* "12G", "512M", "2048" (MB) -> KiB, 0 to SCENARIO_MAX_KB. */
static int parse_size(const char *v, double *kb)
{
	char *end;
	double x;

	if (!isdigit((unsigned char)*v) && *v != '.')
		return -1;
	x = strtod(v, &end);
	if (end == v || x < 0 || !isfinite(x))
		return -1;
	if (*end == 'G' || *end == 'g')
		x *= 1024 * 1024, end++;
	else if (*end == 'M' || *end == 'm')
		x *= 1024, end++;
	else
		x *= 1024;
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end || x > SCENARIO_MAX_KB)
		return -1;
	*kb = x;
	return 0;
}

/* A plain decimal number from lo to hi. */
static int parse_number(const char *v, double lo, double hi, double *out)
{
	char *end;
	double x;

	if (!isdigit((unsigned char)*v) && *v != '.')
		return -1;
	x = strtod(v, &end);
	if (end == v || *end || !isfinite(x) || x < lo || x > hi)
		return -1;
	*out = x;
	return 0;
}

static int parse_mode(const char *v, enum guest_mode *m)
{
	static const char *const names[] = { "strict", "preferred", "interleave", "restrictive" };

	for (int i = 0; i < 4; i++)
		if (strcmp(v, names[i]) == 0) {
			*m = (enum guest_mode)i;
			return 0;
		}
	return -1;
}

/* The host's nodes with memory, as a list for the messages. */
static void host_nodes(const struct reader *r, char *buf, size_t len)
{
	if (nodeset_format(&r->mem_nodes, buf, len) <= 0)
		snprintf(buf, len, "none");
}

/* One key=value; says why and returns -1 when the value is refused. */
static int key_value(struct reader *r, struct sim_event *e, const char *k, const char *v)
{
	char list[256], err[128];
	double x;

	if (!strcmp(k, "vcpus")) {
		if (parse_number(v, 1, SCENARIO_MAX_VCPUS, &x) < 0 || x != floor(x))
			goto range;
		e->vcpus = (int)x;
	} else if (!strcmp(k, "mem") || !strcmp(k, "touch") || !strcmp(k, "rate") || !strcmp(k, "until") ||
		   !strcmp(k, "size")) {
		double *to = !strcmp(k, "mem") ? &e->mem_kb : !strcmp(k, "touch") ? &e->touch_kb
					    : !strcmp(k, "rate")  ? &e->rate_kbps
					    : !strcmp(k, "until") ? &e->until_kb
								  : &e->size_kb;
		if (parse_size(v, to) < 0) {
			say(r, "%s=%s: a size is megabytes, or a number with M or G, up to 1 PiB", k, v);
			return -1;
		}
	} else if (!strcmp(k, "mode")) {
		if (parse_mode(v, &e->mode) < 0) {
			say(r, "mode=%s: the mode is strict, preferred, interleave or restrictive", v);
			return -1;
		}
	} else if (!strcmp(k, "node")) {
		if (parse_number(v, 0, NUMAD_MAX_NODES - 1, &x) < 0 || x != floor(x))
			goto range;
		e->node = (int)x;
		if (!nodeset_has(&r->mem_nodes, e->node)) {
			host_nodes(r, list, sizeof(list));
			say(r, "node=%s: the host has no node %d with memory (its nodes with memory: %s)", v, e->node,
			    list);
			return -1;
		}
	} else if (!strcmp(k, "per_min")) {
		if (parse_number(v, 0, SCENARIO_MAX_PER_MIN, &e->per_min) < 0)
			goto range;
	} else if (!strcmp(k, "life")) {
		if (parse_number(v, 0, SCENARIO_MAX_TIME_S, &e->life_s) < 0)
			goto range;
	} else if (!strcmp(k, "cpu")) {
		if (parse_number(v, 0, NUMAD_MAX_CPUS, &e->cpu) < 0)
			goto range;
	} else if (!strcmp(k, "hidden")) {
		char num[64];
		size_t n = strlen(v);
		if (n < 2 || n >= sizeof(num) || v[n - 1] != '%')
			goto range;
		memcpy(num, v, n - 1);
		num[n - 1] = '\0';
		if (parse_number(num, 0, 100, &x) < 0)
			goto range;
		e->hidden = x / 100;
	} else if (!strcmp(k, "transient")) {
		if (strcmp(v, "0") && strcmp(v, "1") && strcmp(v, "moved"))
			goto range;
		e->transient = *v != '0';
		e->moved = *v == 'm';
	} else if (!strcmp(k, "oom")) {
		if (strcmp(v, "0") && strcmp(v, "1"))
			goto range;
		e->oom = *v == '1';
	} else if (!strcmp(k, "nodes")) {
		struct nodeset ns;
		int bad = -1;

		if (strlen(v) >= sizeof(e->nodes) || nodeset_parse(&ns, v, err, sizeof(err)) < 0 || nodeset_empty(&ns)) {
			say(r, "nodes=%s: not a node list (such as 0-2,5)", v);
			return -1;
		}
		for (int n = nodeset_next(&ns, 0); n >= 0 && bad < 0; n = nodeset_next(&ns, n + 1))
			if (!nodeset_has(&r->mem_nodes, n))
				bad = n;
		if (bad >= 0) {
			host_nodes(r, list, sizeof(list));
			say(r, "nodes=%s: the host has no node %d with memory (its nodes with memory: %s)", v, bad, list);
			return -1;
		}
		snprintf(e->nodes, sizeof(e->nodes), "%s", v);
	}
	return 0;
range:
	say(r, "%s=%s: %s", k, v,
	    !strcmp(k, "vcpus")     ? "vCPUs are a whole number from 1 to 1024"
	    : !strcmp(k, "node")    ? "not a node id"
	    : !strcmp(k, "per_min") ? "a number of processes a minute, 0 to 1000000"
	    : !strcmp(k, "life")    ? "seconds, 0 to 10000000"
	    : !strcmp(k, "cpu")     ? "a number of CPUs, 0 to 16384"
	    : !strcmp(k, "hidden")  ? "a percentage, 0% to 100%"
	    : !strcmp(k, "transient") ? "0, 1 or moved"
				    : "0 or 1");
	return -1;
}

static struct running *find_running(struct reader *r, const char *name)
{
	for (int i = 0; i < r->nrun; i++)
		if (strcmp(r->run[i].name, name) == 0)
			return &r->run[i];
	return NULL;
}

/* A guest's name: what libvirt and the log take as they are. */
static int check_name(struct reader *r, const char *verb, const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (!name || strchr(name, '=')) {
		say(r, "%s needs a guest name", verb);
		return -1;
	}
	if (n > SCENARIO_NAME_MAX) {
		say(r, "the guest name '%.20s...' is %zu characters long, more than %d", name, n, SCENARIO_NAME_MAX);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && !strchr("._+-", name[i])) {
			say(r, "the guest name '%s' has a character other than letters, digits, '.', '_', '+' and '-'",
			    name);
			return -1;
		}
	return 0;
}

/* After a line's own checks: what it means for the guests that run. */
static void track_guests(struct reader *r, const struct sim_event *e)
{
	struct running *g = e->kind <= EV_STOP ? find_running(r, e->name) : NULL;

	if (e->kind == EV_START) {
		if (g) {
			say(r, "start %s: %s runs already (started on line %d)", e->name, e->name, g->line);
			return;
		}
		if (r->nrun == r->caprun) {
			int cap = r->caprun ? r->caprun * 2 : 16;
			struct running *p = realloc(r->run, (size_t)cap * sizeof(*p));
			if (!p) {
				say(r, "out of memory");
				return;
			}
			r->run = p;
			r->caprun = cap;
		}
		g = &r->run[r->nrun++];
		snprintf(g->name, sizeof(g->name), "%s", e->name);
		g->mem_kb = e->mem_kb;
		g->line = e->line;
	} else if (e->kind == EV_GROW || e->kind == EV_STOP) {
		if (!g) {
			say(r, "%s %s: no guest %s runs at this point (no start line before it, or it was stopped)",
			    verbs[e->kind], e->name, e->name);
			return;
		}
		if (e->kind == EV_GROW && e->until_kb > g->mem_kb)
			say(r, "grow %s: until=%.0fM is more than its mem=%.0fM (line %d)", e->name, e->until_kb / 1024,
			    g->mem_kb / 1024, g->line);
		if (e->kind == EV_STOP)
			*g = r->run[--r->nrun];
	}
}

/* Check one line; an event that passes goes into sc. */
static void read_line(struct reader *r, char *line)
{
	struct sim_event ev, *e = &ev;
	bool seen[10] = { false };
	char *tok, *end, *save = NULL;
	int v;

	line[strcspn(line, "#")] = '\0';
	tok = strtok_r(line, " \t\r", &save);
	if (!tok)
		return;
	memset(e, 0, sizeof(*e));
	e->line = r->line;
	e->mode = MODE_RESTRICTIVE;
	e->vcpus = 1;
	e->node = -1;
	if (r->end_line) {
		say(r, "an event after the end (line %d)", r->end_line);
		return;
	}
	e->at_s = strtod(tok, &end);
	if (end == tok || *end || !isdigit((unsigned char)*tok) || !isfinite(e->at_s) || e->at_s < 0 ||
	    e->at_s > SCENARIO_MAX_TIME_S) {
		say(r, "'%.40s' is not a time: seconds from 0 to 10000000", tok);
		return;
	}
	if (e->at_s < r->last_s) {
		say(r, "the time %g comes before the previous line's %g: times go in order", e->at_s, r->last_s);
		return;
	}
	r->last_s = e->at_s;
	tok = strtok_r(NULL, " \t\r", &save);
	for (v = 0; tok && v < NVERBS && strcmp(tok, verbs[v]); v++)
		;
	if (!tok || v == NVERBS) {
		say(r, "expected start, grow, stop, hog, free, procs or end after the time");
		return;
	}
	e->kind = (enum ev_kind)v;
	if (e->kind <= EV_STOP) {
		tok = strtok_r(NULL, " \t\r", &save);
		if (check_name(r, verbs[v], tok) < 0)
			return;
		snprintf(e->name, sizeof(e->name), "%s", tok);
	}
	while ((tok = strtok_r(NULL, " \t\r", &save))) {
		char *eq = strchr(tok, '=');
		int k;

		if (eq)
			*eq = '\0';
		for (k = 0; verb_keys[v][k] && strcmp(verb_keys[v][k], tok); k++)
			;
		if (!eq || !verb_keys[v][k]) {
			char keys[128] = "";
			for (int j = 0; verb_keys[v][j]; j++)
				snprintf(keys + strlen(keys), sizeof(keys) - strlen(keys), "%s%s=", j ? ", " : "",
					 verb_keys[v][j]);
			say(r, "'%.40s': %s takes %s", tok, verbs[v], *keys ? keys : "no arguments");
			return;
		}
		if (seen[k]) {
			say(r, "%s= given twice", tok);
			return;
		}
		seen[k] = true;
		if (key_value(r, e, tok, eq + 1) < 0)
			return;
	}
	if (e->kind == EV_START && e->mem_kb <= 0) {
		say(r, "start needs mem=SIZE, more than 0");
		return;
	}
	if (e->kind == EV_START && e->touch_kb > e->mem_kb) {
		say(r, "touch=%.0fM is more than mem=%.0fM", e->touch_kb / 1024, e->mem_kb / 1024);
		return;
	}
	if ((e->kind == EV_HOG || e->kind == EV_FREE) && (e->node < 0 || e->size_kb <= 0)) {
		say(r, "%s needs node=N and size=SIZE", verbs[v]);
		return;
	}
	if (e->kind == EV_PROCS && e->per_min > 0 && e->life_s <= 0) {
		say(r, "procs needs life=SECONDS");
		return;
	}
	track_guests(r, e);
	if (e->kind == EV_END)
		r->end_line = r->line;
	if (r->errors)
		return; /* the events are kept only while the text is good */
	if (r->sc->nev >= SCENARIO_MAX_EVENTS) {
		say(r, "more than %d events", SCENARIO_MAX_EVENTS);
		return;
	}
	if (r->sc->nev == r->sc->cap) {
		int cap = r->sc->cap ? r->sc->cap * 2 : 64;
		struct sim_event *p = realloc(r->sc->ev, (size_t)cap * sizeof(*p));
		if (!p) {
			say(r, "out of memory");
			return;
		}
		r->sc->ev = p;
		r->sc->cap = cap;
	}
	memcpy(&r->sc->ev[r->sc->nev++], e, sizeof(*e)); /* padding too: the same text gives the same bytes */
}

int scenario_parse(struct scenario *sc, const char *text, size_t len, const struct topology *t,
		   scenario_report_fn report, void *ctx)
{
	struct reader r = { .sc = sc, .t = t, .report = report, .ctx = ctx };
	size_t at = 0;

	nodeset_clear(&r.mem_nodes);
	for (int i = 0; i < t->nnodes; i++)
		if (t->nodes[i].has_memory)
			nodeset_add(&r.mem_nodes, t->nodes[i].id);
	while (at < len) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t n = nl ? (size_t)(nl - (text + at)) : len - at;
		char *line;

		r.line++;
		if (memchr(text + at, '\0', n)) {
			say(&r, "a NUL byte in the line");
		} else if (!(line = malloc(n + 1))) {
			say(&r, "out of memory");
		} else {
			memcpy(line, text + at, n);
			line[n] = '\0';
			read_line(&r, line);
			free(line);
		}
		at += n + 1;
	}
	if (r.errors == 0 && sc->nev == 0) {
		r.line = 0;
		say(&r, "no events: a scenario has at least one line such as '0 start vm1 mem=2G' (and '50 end' to end)");
	}
	free(r.run);
	if (r.errors) {
		scenario_free(sc);
		return r.errors;
	}
	return 0;
}

void scenario_free(struct scenario *sc)
{
	free(sc->ev);
	memset(sc, 0, sizeof(*sc));
}

/* ---- the built-in scenario ---- */

struct text {
	char *p;
	size_t len, cap;
	bool oom;
};

static void add(struct text *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct text *x, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (x->oom)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || x->len + (size_t)n + 1 > x->cap) {
		size_t cap = (x->cap ? x->cap * 2 : 1024) + (n > 0 ? (size_t)n : 0);
		char *p = n < 0 ? NULL : realloc(x->p, cap);
		if (!p) {
			x->oom = true;
			return;
		}
		x->p = p;
		x->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(x->p + x->len, x->cap - x->len, fmt, ap);
	va_end(ap);
	x->len += (size_t)n;
}

static long free_mb(const struct topology *t, int i)
{
	return (long)(t->nodes[i].mem.free_kb / 1024);
}

/* The part of a node's free memory the story plays on: all of it, up to 16 GB (the article's node). */
static long story_mb(const struct topology *t, int i)
{
	long f = free_mb(t, i);

	return f < 16384 ? f : 16384;
}

static long at_least(long x, long lo)
{
	return x > lo ? x : lo;
}

static int vcpus_of(const struct topology *t, int i)
{
	return t->nodes[i].ncpus < 1 ? 1 : t->nodes[i].ncpus < 4 ? t->nodes[i].ncpus : 4;
}

char *scenario_builtin(const struct topology *t)
{
	struct text x = { 0 };
	int use[NUMAD_MAX_NODES], n = 0, a, b;
	struct nodeset rest;
	char list[256];
	long sa, fa, hog_a, sb = 0, hog_b = 0, m2, rest_mb = 0, spare = 0, share, ov_a, ov_b;

	/* the nodes a guest is placed on: CPUs and 2 GB free; failing those, any with the most free memory */
	for (int i = 0; i < t->nnodes && n < NUMAD_MAX_NODES; i++)
		if (t->nodes[i].has_memory && t->nodes[i].ncpus > 0 && free_mb(t, i) >= 2048)
			use[n++] = i;
	if (n == 0) {
		int best = -1;
		for (int i = 0; i < t->nnodes; i++)
			if (t->nodes[i].has_memory && (best < 0 || free_mb(t, i) > free_mb(t, best)))
				best = i;
		if (best < 0 || free_mb(t, best) < 64)
			return strdup("# the built-in scenario: this host has no node with free memory\n0 end\n");
		use[n++] = best;
	}
	a = use[n > 1 ? 1 : 0];
	b = n >= 3 ? use[n - 1] : -1;
	nodeset_clear(&rest);
	for (int k = 0, taken = 0; k < n && taken < 3; k++)
		if (use[k] != a && use[k] != b) {
			nodeset_add(&rest, t->nodes[use[k]].id);
			taken++;
		}
	fa = free_mb(t, a);
	sa = story_mb(t, a);
	m2 = at_least(sa / 4, 64);
	if (b >= 0)
		sb = story_mb(t, b);
	/*
	 * vm1 touches 3/8 of its node's story share and grows to 3/4 while another process takes
	 * the rest of the node but for 3/4 of the share less an overflow: what numad must find
	 * on other nodes, 1/8 of the share at most, and no more than half of what the other
	 * nodes keep free once vm2 and vm3 are there. vm4 is crowded on its node the same way.
	 * With too little room elsewhere (a host of one such node), the crowding leaves 1/8 of
	 * the share free.
	 */
	for (int id = nodeset_next(&rest, 0); id >= 0; id = nodeset_next(&rest, id + 1))
		rest_mb += story_mb(t, topology_index(t, id));
	for (int i = 0; i < t->nnodes; i++)
		if (i != a && i != b && t->nodes[i].has_memory)
			spare += free_mb(t, i);
	spare -= rest_mb * 3 / 16 + m2 / 4 + 512;
	share = spare / (b >= 0 ? 2 : 1) / 2;
	ov_a = share >= 256 ? (sa / 8 < share ? sa / 8 : share) : -sa / 8;
	ov_b = share >= 256 ? (sb / 8 < share ? sb / 8 : share) : -sb / 8;
	hog_a = at_least(fa - sa * 3 / 4 + ov_a, 1);
	add(&x, "# The built-in scenario, written for this host: the reference article's story on its nodes.\n");
	add(&x, "0 start vm1 vcpus=%d mem=%ldM touch=%ldM mode=restrictive nodes=%d\n", vcpus_of(t, a),
	    at_least(sa * 3 / 4, 2), at_least(sa * 3 / 8, 1), t->nodes[a].id);
	add(&x, "0 start vm2 vcpus=2 mem=%ldM touch=%ldM mode=restrictive\n", m2, at_least(m2 / 4, 1));
	if (!nodeset_empty(&rest) && nodeset_format(&rest, list, sizeof(list)) > 0)
		add(&x, "0 start vm3 vcpus=%d mem=%ldM touch=%ldM mode=interleave nodes=%s\n",
		    vcpus_of(t, topology_index(t, nodeset_next(&rest, 0))), at_least(rest_mb / 4, 2),
		    at_least(rest_mb * 3 / 16, 1), list);
	if (b >= 0) {
		hog_b = at_least(free_mb(t, b) - sb * 3 / 4 + ov_b, 1);
		add(&x, "0 start vm4 vcpus=%d mem=%ldM touch=%ldM mode=restrictive nodes=%d\n", vcpus_of(t, b),
		    at_least(sb * 3 / 4, 2), at_least(sb / 8, 1), t->nodes[b].id);
	}
	add(&x, "4 hog node=%d size=%ldM rate=%ldM\n", t->nodes[a].id, hog_a, at_least(hog_a / 4, 64));
	add(&x, "8 grow vm1 rate=%ldM until=%ldM\n", at_least(sa / 32 < 1024 ? sa / 32 : 1024, 16),
	    at_least(sa * 3 / 4, 2));
	if (b >= 0) {
		add(&x, "10 hog node=%d size=%ldM rate=%ldM\n", t->nodes[b].id, hog_b, at_least(hog_b / 4, 64));
		add(&x, "12 grow vm4 rate=%ldM until=%ldM\n", at_least(sb / 32 < 1024 ? sb / 32 : 1024, 16),
		    at_least(sb * 3 / 4, 2));
	}
	add(&x, "30 free node=%d size=%ldM\n", t->nodes[a].id, hog_a);
	add(&x, "45 stop vm2\n");
	add(&x, "50 end\n");
	if (x.oom) {
		free(x.p);
		return NULL;
	}
	return x.p;
}
