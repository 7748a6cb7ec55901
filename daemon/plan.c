/*
 * plan.c: the rules of lib/decide.h fed from the daemon's samples (host_view, guest_view,
 * policy_view), their verdicts turned into warnings, and their plans handed to the actuator
 * under the rate limits: the urgent burst cap for the fast tier's urgent moves, the
 * migration budget and one staged consolidation at a time for the full scan's.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "guests.h"
#include "log.h"
#include "plan.h"
#include "reserve.h"
#include "state.h"
#include "virt.h"

#define STRICT_WARN_EVERY_MS 30000
#define FLAP_WINDOW_MS 300000

static void warn_strict(struct guest *g, int64_t now, double headroom, double remaining)
{
	char nodes[1024];

	/*
	 * The moment a time to exhaustion is known, say it, even inside the quiet period; and
	 * again each time it has halved since it was last said, so that a fill that speeds up
	 * is not announced only by the OOM killer.
	 */
	if (isfinite(g->tte_s) && g->tte_s < g->warned_tte_s / 2) {
		bool again = isfinite(g->warned_tte_s);
		g->warned_tte_s = g->tte_s;
		log_warnx("domain %s: time to exhaustion %.1f s%s", g->name, g->tte_s, again ? " (sooner than last said)" : "");
	}
	if (g->last_warn_ms && now - g->last_warn_ms < STRICT_WARN_EVERY_MS)
		return;
	g->last_warn_ms = now;
	nodeset_format(&g->nodes, nodes, sizeof(nodes));
	log_warnx("domain %s (pid %d) is in strict mode and its nodes (%s) run out %s (%.0f MB free above the "
		  "watermarks, %.0f MB still to come): libvirt cannot widen a strict domain live, so numad cannot "
		  "save it from the OOM killer; use <memory mode='restrictive' placement='auto'/>",
		  g->name, g->pid, nodes, isfinite(g->tte_s) ? "soon" : "when it grows", headroom / 1024, remaining / 1024);
}

/*
 * Whether an urgent move may go ahead now. Without libvirt nothing can be applied: the move
 * is decided and logged once, with no burst token taken and no back-off, and decided again
 * as soon as libvirt is back (virt.c clears awaiting_libvirt on reconnection). The burst
 * cap holds back only moves that migrate memory: an extension migrates nothing, cannot
 * flap (it only adds nodes), and is what keeps the guest from the OOM killer.
 */
static bool urgent_may_act(struct daemon *d, struct guest *g, const struct move *m, int64_t now, bool *offline)
{
	if (now < g->retry_at_ms)
		return false;
	*offline = !d->o->advise_only && !d->paused && !virt_connected(d->virt);
	if (*offline && g->awaiting_libvirt)
		return false;
	if (!*offline && m->migrate_kb > 0 && !tb_take(&d->urgent_bucket, 1, now)) {
		log_debug("urgent move of %s held back by the burst cap", g->name);
		return false;
	}
	return true;
}

/* Hand a plan to the actuator: a staged move's pages in flight, or nodes set inline, change what is owed. */
static void submit(struct daemon *d, struct guest *g, const struct move *m)
{
	apply_submit(d->apply, g, m);
	reserve_owed_changed(d);
}

static void urgent_act(struct daemon *d, struct guest *g, const struct move *m, bool offline)
{
	char detail[512];

	if (offline) {
		g->awaiting_libvirt = true;
		d->failed++;
		snprintf(detail, sizeof(detail), "%s; no libvirt connection: applied as soon as libvirt is back", m->because);
		guest_log_advice(d, g, &g->nodes, &m->to, REASON_URGENT, OUT_TRANSIENT, detail);
		return;
	}
	submit(d, g, m);
}

static void warn_no_room(struct guest *g, int64_t now, const char *what)
{
	if (g->last_warn_ms && now - g->last_warn_ms < STRICT_WARN_EVERY_MS)
		return;
	g->last_warn_ms = now;
	log_warnx("domain %s %s", g->name, what);
}


/* ---- the rules of lib/decide.h, fed from the daemon's samples ---- */

/* The host for a decision about g: what is promised to others counts as taken. */
static void host_view(struct daemon *d, const struct guest *g, struct decide_host *h)
{
	h->owed_kb = reserve_owed(d, g);
	h->topo = &d->topo;
	h->busy = d->busy;
	h->wm = d->wm;
	h->node_free = d->node_free;
	h->taken = d->taken;
	h->count_inactive_file = d->o->policy.count_inactive_file;
}

static void guest_view(const struct guest *g, struct decide_guest *v)
{
	memset(v, 0, sizeof(*v));
	v->name = g->name;
	v->mode = g->mode;
	v->nodes = &g->nodes;
	v->nvcpus = g->nvcpus;
	v->mem_kb = g->mem_kb;
	v->res_kb = g->res_valid ? g->res_kb : NULL;
	v->res_total_kb = g->res_total_kb;
	v->growth = &g->growth;
	v->gain = &g->gain;
	v->cpu_used = g->cpu_used;
	v->cpu_known = g->cpu_known;
	v->cpu_pending = g->pid > 0 && !g->cpu_known; /* not measured yet, or measured afresh after a read that failed */
	v->last_move_ms = g->last_move_ms;
	v->prev_nodes = &g->prev_nodes;
}

/*
 * The rules' policy. Their horizon is --horizon plus numad's own lag, at most LAG_CAP_MS:
 * a risk seen now is acted on at the next tick at the latest, and its change takes effect
 * once libvirt has answered.
 */
static void policy_view(const struct daemon *d, struct decide_policy *p)
{
	p->engine = &d->o->policy;
	p->horizon_s = d->o->horizon_s + fmin(d->fast_period_ms + d->apply_lag_ms, LAG_CAP_MS) / 1000.0;
	p->margin_kb = d->o->margin_mb * 1024.0;
	p->guest_interval_ms = (int64_t)d->o->guest_interval_s * 1000;
	p->flap_window_ms = FLAP_WINDOW_MS;
	p->resident_only = d->o->numad05_timing;
}

/* Managed and healthy: the rules may act on it. */
static bool managed(const struct guest *g)
{
	return g->managed && !g->permanent_failure && g->res_valid;
}

/*
 * A guest with work in flight is not decided again until it ends, except by an urgent plan
 * over a staged move (which then stops, widened): an extension over any, a move off a crowded
 * node over a consolidation.
 */
static bool may_supersede(const struct daemon *d, const struct guest *g, bool extension)
{
	int r;

	if (!apply_busy(d->apply, g))
		return true;
	r = apply_staged_reason(d->apply, g);
	return r >= 0 && (extension || r == REASON_CONSOLIDATE);
}

void plan_urgent(struct daemon *d, struct guest *g, int64_t now)
{
	struct decide_host h;
	struct decide_guest v;
	struct decide_policy p;
	struct risk risk;
	struct move m;
	enum verdict verdict;
	bool offline, extension = true;

	if (!managed(g))
		return;
	host_view(d, g, &h);
	guest_view(g, &v);
	policy_view(d, &p);
	verdict = decide_urgent(&h, &v, &p, &risk, &m);
	g->tte_s = risk.tte_s;
	g->at_risk = risk.at_risk;
	if (!risk.at_risk) {
		g->warned_tte_s = INFINITY; /* a new risk episode will say its time again */
		verdict = decide_crowded(&h, &v, &p, &m);
		if (verdict == DECIDE_NONE)
			return;
		g->at_risk = true;
		extension = false;
	}
	switch (verdict) {
	case DECIDE_WARN_STRICT:
		warn_strict(g, now, risk.headroom_kb, risk.remaining_kb);
		return;
	case DECIDE_NO_ROOM:
		warn_no_room(g, now, risk.at_risk ? "runs out of memory on its nodes and no other node has room" : m.because);
		return;
	case DECIDE_MOVE:
		if (may_supersede(d, g, extension) && urgent_may_act(d, g, &m, now, &offline))
			urgent_act(d, g, &m, offline);
		return;
	default:
		return;
	}
}

int plan_explain(struct daemon *d, const struct guest *g, struct engine_result *res, struct engine_score *current)
{
	struct engine_host host = { &d->topo, d->busy, reserve_owed(d, g) };
	struct engine_request req;
	struct decide_host h;
	struct decide_guest v;
	struct decide_policy p;
	double own[NUMAD_MAX_NODES];

	host_view(d, g, &h);
	guest_view(g, &v);
	policy_view(d, &p);
	decide_consolidation_request(&h, &v, &p, &req, own);
	if (engine_place(&host, &d->o->policy, &req, res) < 0)
		return -1;
	if (nodeset_empty(&g->nodes) || engine_score_set(&host, &d->o->policy, &req, &g->nodes, current) < 0)
		memset(current, 0, sizeof(*current));
	return 0;
}

/*
 * The debug line of a full scan for a managed guest that stays where it is: the rule that
 * held it (a few fixed words, for grep) and the detail.
 */
static void not_moved(const struct guest *g, const char *hold, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void not_moved(const struct guest *g, const char *hold, const char *fmt, ...)
{
	char detail[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	log_debug("domain %s not moved: %s: %s", g->name, hold, detail);
}

/* Why numad only advises now, for a line that says so. */
static const char *advising(const struct daemon *d)
{
	return d->paused ? "paused (numadctl pause)" : "--advise-only";
}

bool plan_consolidate(struct daemon *d, struct guest *g, int64_t now)
{
	struct decide_host h;
	struct decide_guest v;
	struct decide_policy p;
	enum verdict verdict;
	struct move m;
	bool advise = d->o->advise_only || d->paused;

	if (!g->managed)
		return false; /* observed only: nothing to say of it */
	if (g->permanent_failure) {
		not_moved(g, "failed", "%s", g->failure);
		return false;
	}
	if (!g->res_valid) {
		not_moved(g, "not sampled yet", "its memory per node is not known (no cgroup read yet)");
		return false;
	}
	if (now < g->retry_at_ms) {
		not_moved(g, "retry back-off", "its last apply failed; retried in %.1f s", (double)(g->retry_at_ms - now) / 1000.0);
		return false;
	}
	if (apply_busy(d->apply, g)) {
		not_moved(g, "apply in flight", "a change of its placement is being applied");
		return false;
	}
	if (!advise && !virt_connected(d->virt)) {
		not_moved(g, "no libvirt connection", "decided again at the first scan after libvirt is back");
		return false; /* nothing to apply it with; the next scan after reconnection decides again */
	}
	host_view(d, g, &h);
	guest_view(g, &v);
	policy_view(d, &p);
	verdict = decide_consolidate(&h, &v, &p, now, &m);
	if (verdict != DECIDE_MOVE) {
		/* under advice only, the guest interval paces advice as it paces moves */
		not_moved(g, m.hold ? m.hold : decide_verdict_name(verdict), "%s%s%s%s", m.because,
			  advise && g->last_move_ms ? " (the last was advice only: " : "",
			  advise && g->last_move_ms ? advising(d) : "", advise && g->last_move_ms ? ")" : "");
		return false;
	}
	/* A staged move takes --migrate-rate chunk by chunk, one consolidation at a time; a small one up front. */
	if (m.migrate_kb > APPLY_NARROW_BOUND_KB && apply_pages_refused(d->apply)) {
		not_moved(g, "one nodeset write", "it would migrate %.0f MB in one nodeset write", m.migrate_kb / 1024);
		return false;
	}
	if (m.migrate_kb > APPLY_NARROW_BOUND_KB && apply_any_consolidation(d->apply)) {
		not_moved(g, "staged move in flight", "it waits for another guest's staged move to end");
		return false;
	}
	if (m.migrate_kb <= APPLY_NARROW_BOUND_KB && !tb_take(&d->migrate_bucket, m.migrate_kb / 1024.0, now)) {
		not_moved(g, "migration budget", "%.0f MB to migrate waits for --migrate-rate's budget", m.migrate_kb / 1024);
		return false;
	}
	if (advise)
		not_moved(g, "advise only", "%s: the move is logged as advice, not made", advising(d));
	submit(d, g, &m);
	return true;
}
