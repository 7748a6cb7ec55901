/*
 * fuzz_scenario: scenario_parse, the simulator's reader of scenario files (sim/scenario.c),
 * on the sparse host of fuzz.h (ids 0-7, 9, 64 and 1023; node 64 without memory), and
 * scenario_builtin for that host.
 *
 * Input: the file's bytes (NUL bytes, CR, over-long lines and names included).
 *
 * Checks: every reported error names a line of the text (1..lines, or 0 for the text as a
 * whole) with a terminated, non-empty reason; the count returned is the count reported; a
 * refused text leaves no event; an accepted one has 1..lines events, each on a line of
 * its own in increasing order, with times finite, 0..SCENARIO_MAX_TIME_S and in order, a
 * known verb, a terminated name of at most SCENARIO_NAME_MAX characters for start, grow and
 * stop, vcpus 1..SCENARIO_MAX_VCPUS, sizes finite, 0..SCENARIO_MAX_KB, touch <= mem, a start
 * with mem > 0, a hog or free on a node with memory, node lists of nodes with memory only;
 * the same text, the same result. The built-in scenario for the host is accepted.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "scenario.h"

struct seen {
	int reports, lines;
};

static void report(void *ctx, int line, const char *why)
{
	struct seen *s = ctx;

	FUZZ_CHECK(line >= 0 && line <= s->lines);
	FUZZ_CHECK(fuzz_terminated(why, 512) && why[0]);
	s->reports++;
}

static bool size_ok(double kb)
{
	return isfinite(kb) && kb >= 0 && kb <= SCENARIO_MAX_KB;
}

static void check_events(const struct scenario *sc, const struct topology *t, int lines)
{
	int last_line = 0;
	double last_s = 0;

	FUZZ_CHECK(sc->nev >= 1 && sc->nev <= lines);
	for (int i = 0; i < sc->nev; i++) {
		const struct sim_event *e = &sc->ev[i];

		FUZZ_CHECK(e->line > last_line && e->line <= lines);
		last_line = e->line;
		FUZZ_CHECK(isfinite(e->at_s) && e->at_s >= last_s && e->at_s <= SCENARIO_MAX_TIME_S);
		last_s = e->at_s;
		FUZZ_CHECK(e->kind >= EV_START && e->kind <= EV_END);
		if (e->kind <= EV_STOP)
			FUZZ_CHECK(fuzz_terminated(e->name, sizeof(e->name)) && e->name[0] &&
				   strlen(e->name) <= SCENARIO_NAME_MAX);
		FUZZ_CHECK(e->vcpus >= 1 && e->vcpus <= SCENARIO_MAX_VCPUS);
		FUZZ_CHECK(size_ok(e->mem_kb) && size_ok(e->touch_kb) && size_ok(e->rate_kbps) && size_ok(e->until_kb) &&
			   size_ok(e->size_kb));
		if (e->kind == EV_START)
			FUZZ_CHECK(e->mem_kb > 0 && e->touch_kb <= e->mem_kb);
		if (e->kind == EV_HOG || e->kind == EV_FREE) {
			int k = e->node >= 0 && e->node < NUMAD_MAX_NODES ? t->idx_of[e->node] : -1;
			FUZZ_CHECK(k >= 0 && t->nodes[k].has_memory && e->size_kb > 0);
		}
		FUZZ_CHECK(fuzz_terminated(e->nodes, sizeof(e->nodes)));
		if (e->nodes[0]) {
			struct nodeset ns;
			char err[128];
			FUZZ_CHECK(nodeset_parse(&ns, e->nodes, err, sizeof(err)) == 0 && !nodeset_empty(&ns));
			for (int n = nodeset_next(&ns, 0); n >= 0; n = nodeset_next(&ns, n + 1))
				FUZZ_CHECK(t->idx_of[n] >= 0 && t->nodes[t->idx_of[n]].has_memory);
		}
		FUZZ_CHECK(e->hidden >= 0 && e->hidden <= 1);
		FUZZ_CHECK(isfinite(e->per_min) && isfinite(e->life_s) && isfinite(e->cpu));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct topology t;
	static bool have_host;
	struct scenario sc = { 0 }, again = { 0 };
	struct seen s = { 0 };
	const char *text = (const char *)data;
	int n, n2;

	if (!have_host) {
		char *builtin;
		struct seen b = { 0 };

		fuzz_topology_sparse(&t);
		have_host = true;
		/* the built-in scenario for this host is one the reader takes */
		builtin = scenario_builtin(&t);
		FUZZ_CHECK(builtin != NULL);
		for (const char *p = builtin; *p; p++)
			b.lines += *p == '\n';
		FUZZ_CHECK(scenario_parse(&sc, builtin, strlen(builtin), &t, report, &b) == 0 && b.reports == 0);
		check_events(&sc, &t, b.lines);
		scenario_free(&sc);
		free(builtin);
	}
	for (size_t i = 0; i < size; i++)
		s.lines += text[i] == '\n';
	if (size && text[size - 1] != '\n')
		s.lines++;
	n = scenario_parse(&sc, text, size, &t, report, &s);
	FUZZ_CHECK(n >= 0 && n == s.reports);
	if (n) {
		FUZZ_CHECK(sc.nev == 0 && sc.ev == NULL);
	} else {
		check_events(&sc, &t, s.lines);
	}
	/* the same text, no reporter: the same result */
	n2 = scenario_parse(&again, text, size, &t, NULL, NULL);
	FUZZ_CHECK(n2 == n && again.nev == sc.nev);
	for (int i = 0; i < sc.nev; i++)
		FUZZ_CHECK(memcmp(&sc.ev[i], &again.ev[i], sizeof(sc.ev[i])) == 0);
	scenario_free(&sc);
	scenario_free(&again);
	return 0;
}
