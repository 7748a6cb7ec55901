/* advise.c: numad -w, the pre-placement query libvirt runs for placement='auto'. */
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <systemd/sd-journal.h>

#include "advise.h"
#include "ctlproto.h"
#include "engine.h"
#include "ledger.h"
#include "log.h"
#include "options.h"
#include "topology.h"
#include "util.h"
#include "wspec.h"

static void explain_nodes(const struct topology *t, const struct engine_policy *p, const double *owed)
{
	printf("\n%-6s %6s %10s %10s %11s %10s  %s\n", "node", "cpus", "total_MB", "free_MB", "promised_MB", "huge_free",
	       "distances");
	for (int i = 0; i < t->nnodes; i++) {
		const struct node_info *ni = &t->nodes[i];

		printf("%-6d %6d %10llu %10llu %11.0f %10llu ", ni->id, ni->ncpus, (unsigned long long)(ni->mem.total_kb / 1024),
		       (unsigned long long)(node_free_kb(&ni->mem, p->count_inactive_file) / 1024),
		       owed ? owed[i] / 1024 : 0.0, (unsigned long long)ni->mem.huge_free);
		for (int j = 0; j < t->nnodes; j++)
			printf(" %d", topology_distance(t, i, j));
		printf("%s\n", ni->has_memory ? "" : "  (no memory)");
	}
	if (t->slit_fallback)
		printf("distances are 10/20 placeholders: this host reports no usable SLIT\n");
	if (topology_outside_nodes_kb(t))
		printf("/proc/meminfo counts %llu MB, %llu MB more than the nodes hold: numad can neither see nor place it\n",
		       (unsigned long long)(t->host_total_kb / 1024),
		       (unsigned long long)(topology_outside_nodes_kb(t) / 1024));
}

static void explain_scores(const struct engine_result *res)
{
	char set[1024];

	printf("\n%-4s %-16s %-4s %8s %8s %6s %6s %6s %10s %9s\n", "rank", "nodes", "fits", "score", "distance",
	       "mem", "cpu", "move", "offers_MB", "idle_cpus");
	for (int k = 0; k < res->ntop; k++) {
		const struct engine_score *s = &res->top[k];

		nodeset_format(&s->set, set, sizeof(set));
		printf("%-4d %-16s %-4s %8.4f %8.4f %6.3f %6.3f %6.3f %10llu %9.2f\n", k + 1, set, s->fits ? "yes" : "no",
		       s->total, s->distance, s->mem, s->cpu, s->move, (unsigned long long)s->avail_mb, s->idle_cpus);
	}
}

static void explain(const struct options *o, const struct topology *t, double ncpus, uint64_t mb,
		    const struct engine_result *res, const char *list, const double *owed)
{
	printf("\nrequest: %.2f CPUs, %llu MB (%llu MB asked, plus --margin); host %s: %d nodes, %d candidates, "
	       "%lu node sets scored (%s search)\n",
	       ncpus, (unsigned long long)(mb > 0 ? mb + (uint64_t)o->margin_mb : 0), (unsigned long long)mb, o->root, t->nnodes, res->ncandidates, res->evaluated,
	       res->exhaustive ? "exhaustive" : res->ntop > 1 ? "greedy" : "no");
	printf("policy: target utilisation %d%%, inactive file cache %s free\n", o->policy.target_util,
	       o->policy.count_inactive_file ? "counts as" : "does not count as");
	explain_nodes(t, &o->policy, owed);
	explain_scores(res);
	printf("\npromised: what earlier -w answers reserved (the ledger) and their guests have not touched yet; "
	       "counted as taken\n");
	printf("score = distance + %.2f*mem + %.2f*cpu + %.2f*move; lower is better, sets that fit rank first\n",
	       o->policy.w_mem, o->policy.w_cpu, o->policy.w_move);
	printf("advice: %s (%s: %s)\n", list, engine_status_name(res->status), res->why);
}

int advise_compute(const struct topology *t, const double *busy, const struct engine_policy *p, double ncpus,
		   uint64_t mb, uint64_t margin_mb, const double *owed_kb, struct engine_result *res)
{
	struct engine_host host = { t, busy, owed_kb };
	struct engine_request req = { 0 };

	req.ncpus = ncpus;
	/* the need consolidation counts for a running guest (decide_consolidation_request) */
	req.mem_mb = mb > 0 ? mb + margin_mb : 0;
	if (engine_place(&host, p, &req, res) < 0 || res->status == ENGINE_ERROR || nodeset_empty(&res->best))
		return -1;
	return 0;
}

/* Ask a running daemon, which knows CPU use and pending moves. Returns 0 with list filled, or -1. */
static int ask_daemon(const struct options *o, double ncpus, uint64_t mb, char *list, size_t len)
{
	struct json_object *args, *ret;
	char err[256];
	int r = -1;

	/* on a --root tree, only a daemon named with --socket is that tree's: never the real host's */
	if (!o->socket_path || !*o->socket_path ||
	    (strcmp(o->root, "/") != 0 && strcmp(o->socket_path, NUMAD_SOCKET_DEFAULT) == 0))
		return -1;
	args = json_object_new_object();
	json_object_object_add(args, "cpus", json_object_new_double(ncpus));
	json_object_object_add(args, "mb", json_object_new_int64((int64_t)mb));
	json_object_object_add(args, "reserve", json_object_new_int(1)); /* a guest starts there */
	/* libvirt waits for -w with no timeout: never wait long on a daemon. */
	ret = ctl_call(o->socket_path, "advise", args, 1000, err, sizeof(err));
	json_object_put(args);
	if (ret)
		r = ctl_advice_nodes(ret, list, len);
	json_object_put(ret);
	/* a socket that is there but gave no answer is a daemon too slow or broken: say so */
	if (r < 0 && access(o->socket_path, F_OK) == 0)
		log_warnx("-w: the daemon at %s gave no answer (%s): answering alone, with the ledger file",
			  o->socket_path, ret ? "an answer without nodes" : err);
	return r;
}

const char *advise_ledger_path(const struct options *o, const char *root, char *out, size_t len)
{
	if (!o->ledger || !*o->ledger)
		snprintf(out, len, "%s", "");
	else if (o->ledger_asked || !root || strcmp(root, "/") == 0)
		snprintf(out, len, "%s", o->ledger);
	else /* a fixture's or a simulation's tree keeps its own, never the real host's */
		snprintf(out, len, "%s%s%s", root, o->ledger[0] == '/' ? "" : "/", o->ledger);
	return out;
}

/*
 * The ledger when no daemon answers: what earlier -w answers promised and their guests have
 * not touched yet counts as taken, and this answer is added. The file is locked for the
 * moment of the answer. Whatever is wrong with it, -w still answers: a lock that does not
 * come, or a file that cannot be opened, is a warning and an answer without the ledger; a
 * file that is not a ledger is a warning and a fresh ledger.
 */
struct front_ledger {
	int fd;
	char path[PATH_MAX];
	struct ledger *l;
	double *owed;      /* per node index */
};

#define FRONT_LOCK_WAIT_MS 300


static void ledger_begin(const struct options *o, const char *root, const struct topology *t, struct front_ledger *lg)
{
	char err[PATH_MAX + 256];
	int rc;

	if (!lg->owed || !*advise_ledger_path(o, root, lg->path, sizeof(lg->path)))
		return;
	if (!(lg->l = calloc(1, sizeof(*lg->l))))
		return;
	if ((lg->fd = ledger_lock(lg->path, FRONT_LOCK_WAIT_MS, err, sizeof(err))) < 0) {
		log_warnx("ledger: %s; this answer counts no earlier reservation", err);
		return;
	}
	rc = ledger_load(lg->fd, lg->path, lg->l, err, sizeof(err));
	if (rc < 0)
		log_warnx("ledger: %s; this answer counts no earlier reservation", err);
	else if (rc > 0)
		log_warnx("ledger %s: starting a fresh ledger", err);
	ledger_expire(lg->l, wall_clock_ms());
	ledger_owed(lg->l, t, lg->owed);
}

/* Reserve mb (0: nothing) on advice, write the file back and let it go. */
static void ledger_end(struct front_ledger *lg, const struct topology *t, uint64_t mb, double ncpus,
		       const struct nodeset *advice)
{
	if (lg->fd >= 0) {
		if (mb > 0)
			ledger_add(lg->l, wall_clock_ms(), mb, ncpus, advice, t, lg->owed);
		if (ledger_store(lg->fd, lg->l) < 0)
			log_warn("ledger: cannot write %s", lg->path);
		ledger_unlock(lg->fd);
		lg->fd = -1;
	}
	free(lg->l);
	lg->l = NULL;
}

int advise_offline(const struct options *o, const char *root, const struct topology *t, double ncpus, uint64_t mb,
		   struct engine_result *res)
{
	struct front_ledger lg = { .fd = -1 };
	int r;

	lg.owed = calloc((size_t)t->nnodes, sizeof(double));
	ledger_begin(o, root, t, &lg);
	r = advise_compute(t, NULL, &o->policy, ncpus, mb, (uint64_t)o->margin_mb, lg.owed, res);
	ledger_end(&lg, t, r == 0 ? mb : 0, ncpus, &res->best);
	free(lg.owed);
	return r;
}

/* Log the answer: numad's line in the log file, and structured fields in the journal. */
static void log_answer(const char *list)
{
	log_advice(-1, NULL, "", list);
	if (getenv("JOURNAL_STREAM"))
		sd_journal_send("MESSAGE=Advising pid -1 (unknown) move from nodes () to nodes (%s)", list, "PRIORITY=5",
				"NUMAD_PID=-1", "NUMAD_FROM=", "NUMAD_TO=%s", list, "NUMAD_REASON=start", NULL);
}

int advise_run(const struct options *o)
{
	struct front_ledger lg = { .fd = -1 };
	struct engine_result res;
	struct topology t;
	char err[512], list[4096];
	uint64_t mb;
	double ncpus;

	if (wspec_parse(o->wspec, &ncpus, &mb, err, sizeof(err)) < 0) {
		fprintf(stderr, "numad: -w: %s\n", err);
		return 2;
	}
	if (o->log_path && *o->log_path && log_open(o->log_path) < 0)
		fprintf(stderr, "numad: cannot open log %s (%m): the advice is not logged\n", o->log_path);
	if (o->config_errors)
		log_warnx("%s%s; -w answers with the defaults and the command line (numad --check-config shows every "
			  "error)", o->config_warning, o->config_errors > 1 ? " (and more)" : "");
	if (!o->explain && ask_daemon(o, ncpus, mb, list, sizeof(list)) == 0) {
		printf("%s\n", list);
		fflush(stdout);
		log_answer(list);
		return 0;
	}
	if (topology_read(o->root, &t, err, sizeof(err)) < 0) {
		fprintf(stderr, "numad: %s\n", err);
		log_error("cannot read the NUMA topology: %s", err);
		return 1;
	}
	if (o->reserved_cpus && topology_reserve_cpus(&t, o->reserved_cpus, err, sizeof(err)) < 0) {
		fprintf(stderr, "numad: -R: %s\n", err);
		topology_free(&t);
		return 2;
	}
	lg.owed = calloc((size_t)t.nnodes, sizeof(double));
	ledger_begin(o, o->root, &t, &lg);
	/* A single sample has no delta: every CPU counts as idle. */
	if (advise_compute(&t, NULL, &o->policy, ncpus, mb, (uint64_t)o->margin_mb, lg.owed, &res) < 0 ||
	    nodeset_format(&res.best, list, sizeof(list)) <= 0) {
		fprintf(stderr, "numad: no advice: %s\n", res.why ? res.why : "empty result");
		ledger_end(&lg, &t, 0, 0, NULL);
		topology_free(&t);
		return 1;
	}
	/* --explain is a person's question: it reserves nothing */
	ledger_end(&lg, &t, o->explain ? 0 : mb, ncpus, &res.best);
	printf("%s\n", list);
	fflush(stdout);
	log_answer(list);
	if (res.status == ENGINE_NOFIT)
		log_warnx("-w %s: %s", o->wspec, res.why);
	if (o->explain)
		explain(o, &t, ncpus, mb, &res, list, lg.owed);
	fflush(stdout);
	free(lg.owed);
	topology_free(&t);
	return 0;
}
