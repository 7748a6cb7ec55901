/*
 * scenario.h: the simulator's scenarios. A scenario is a text of timed events (numad-sim(8),
 * SCENARIOS); it is read and checked in one pass against the host it will run on, before
 * anything runs, so that a node the host lacks, a guest never started or a value numad-sim
 * could not play is an error at its line. Without a file, the built-in scenario is written
 * for the host's own nodes and sizes.
 */
#ifndef NUMAD_SIM_SCENARIO_H
#define NUMAD_SIM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>

#include "decide.h"
#include "topology.h"

#define SCENARIO_NAME_MAX 63          /* a guest's name, in characters */
#define SCENARIO_MAX_EVENTS 1000000
#define SCENARIO_MAX_TIME_S 1e7       /* the latest time of an event, as --run-for's limit */
#define SCENARIO_MAX_VCPUS 1024       /* KVM's limit on x86 */
#define SCENARIO_MAX_KB (1024.0 * 1024 * 1024 * 1024)  /* 1 PiB, in KiB: the largest size */
#define SCENARIO_MAX_PER_MIN 1e6      /* procs per_min= */

enum ev_kind { EV_START, EV_GROW, EV_STOP, EV_HOG, EV_FREE, EV_PROCS, EV_END };

struct sim_event {
	double at_s;
	enum ev_kind kind;
	char name[SCENARIO_NAME_MAX + 1];
	int vcpus;
	double mem_kb, touch_kb, rate_kbps, until_kb, size_kb;
	enum guest_mode mode;
	char nodes[256];
	int node;
	double per_min, life_s, cpu;   /* procs; cpu also for start */
	double hidden;                 /* start: the share of its pages move_pages(2) does not find */
	bool oom;                      /* hog: bound and cannot wait; a failed allocation OOM-kills */
	bool transient;                /* start: a domain without a persistent definition (virsh create) */
	bool moved;                    /* start, transient=moved: its live definition says 'static' from the start */
	int line;
};

struct scenario {
	struct sim_event *ev;
	int nev, cap;
};

/* Called for each error: line 1.. of the text, or 0 for the text as a whole. */
typedef void (*scenario_report_fn)(void *ctx, int line, const char *why);

/*
 * Read the scenario text[0..len) into sc (start from { 0 }), checking every line against
 * the host t: the time (seconds from 0 to SCENARIO_MAX_TIME_S, in order), the verb, the keys
 * that verb takes (each once) and their values, nodes and node ids that are t's nodes with
 * memory, guests that run when they are grown or stopped, touch= and until= within mem=, and
 * at least one event. Each error goes to report. Returns the number of errors (0: sc holds
 * every event).
 */
int scenario_parse(struct scenario *sc, const char *text, size_t len, const struct topology *t,
		   scenario_report_fn report, void *ctx);
/* Free what scenario_parse() put in sc. */
void scenario_free(struct scenario *sc);
/*
 * The built-in scenario for host t: the reference article's story (a restrictive guest
 * crowded on its node, one pre-placed by numad -w, an interleaved one, a second crowded
 * guest, memory freed, a guest stopped, the end at 50 s) on t's own nodes, sized from
 * their free memory. A malloc'd text (free it), or NULL when out of memory.
 */
char *scenario_builtin(const struct topology *t);

#endif
