/*
 * apply.c: the actuator (see apply.h). The loop owns every struct job until a worker takes
 * it from the queue, and again from the moment the worker puts it on the done list; a
 * worker touches nothing but its job. Staged moves are state machines driven by the loop.
 */
#include <errno.h>
#include <event2/event.h>
#include <json-c/json.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apply.h"
#include "guests.h"
#include "log.h"
#include "pages.h"
#include "persist.h"
#include "state.h"

#define CHUNK_MIN_KB (16.0 * 1024)
#define CHUNK_MAX_KB (256.0 * 1024)
#define URGENT_CHUNK_KB (256.0 * 1024)  /* an urgent move's chunks go back to back */
#define CHUNK_SHARE_S 0.25              /* a consolidation's chunk: this much of a second at the rate */
#define MAX_PASSES 3                    /* walks of the address space before a move gives up on what is left */
#define WATCH_MS 1000
#define RETRY_MAX_MS 60000

enum stage { ST_WIDEN, ST_MIGRATE, ST_SETTLE, ST_NARROW };

static const char *stage_names[] = { "widening", "migrating", "settling", "narrowing" };

/* A move that migrates memory, from the decision to its end. */
struct staged {
	unsigned long id;
	char uuid[40];
	char name[256];
	int pid, nvcpus;
	enum reason reason;
	struct nodeset from, to, widened, leave;
	char because[256];
	double total_kb, moved_kb;
	enum stage stage;
	struct page_cursor cursor;
	int passes;
	bool swept;             /* the rest went in one migrate_pages(2) call */
	double sweep_from_kb;   /* what was left on the left nodes when it began */
	bool in_flight;         /* one of its jobs is out */
	bool stop;              /* stop after the current step, left widened */
	char stop_why[160];
	char last_chunk[256];   /* what the page mover said last */
	struct event *timer;    /* the next chunk, paced */
	int64_t started_ms;     /* daemon time of the decision */
	unsigned long history;  /* its decision's record in d->history */
	struct apply *a;
	struct staged *next;
};

struct apply {
	struct daemon *d;
	const struct actuator_ops *ops;
	void *ctx;
	pthread_t *threads;
	int nthreads;
	pthread_mutex_t mu;
	pthread_cond_t work_cv, done_cv;
	struct job *urgent_q, *queue, *done;  /* under mu */
	bool stopping;                        /* under mu */
	struct job *flight;                   /* loop: submitted, not yet handled back */
	struct job *held;                     /* loop: jobs waiting for their guest's job in flight */
	struct event *done_ev, *watch_ev;
	struct staged *moves;
	unsigned long next_id;
	double moved_kb_total;
	int stuck;
	bool closing;
	bool pages_refused;   /* numad may not move guest pages itself (see apply_pages_refused) */
};

/* ---- the advise-only implementation: it changes nothing, so it runs in the loop ---- */

static int advise_set_nodes(void *ctx, struct job *j)
{
	(void)ctx;
	snprintf(j->why, sizeof(j->why), "nothing changed");
	return OUT_ADVICE_ONLY;
}

static int advise_pin(void *ctx, struct job *j)
{
	(void)ctx;
	(void)j;
	return 0;
}

static int advise_move_pages(void *ctx, struct job *j)
{
	(void)ctx;
	j->cursor.done = true;
	return OUT_ADVICE_ONLY;
}

static const struct actuator_ops advise_ops = { "advise-only", true, advise_set_nodes, advise_pin, advise_move_pages,
						NULL, NULL };

/* ---- the job queue ---- */

static int64_t real_ms(void)
{
	return now_ms();
}

static void push(struct job **list, struct job *j)
{
	struct job **p = list;

	while (*p)
		p = &(*p)->next;
	j->next = NULL;
	*p = j;
}

static struct job *pop(struct job **list)
{
	struct job *j = *list;

	if (j)
		*list = j->next;
	if (j)
		j->next = NULL;
	return j;
}

static void unlink_job(struct job **list, struct job *j)
{
	for (struct job **p = list; *p; p = &(*p)->next)
		if (*p == j) {
			*p = j->next;
			j->next = NULL;
			return;
		}
}

static void run_job(struct job *j)
{
	const struct actuator_ops *ops = j->ops;

	j->started_ms = real_ms();
	if (j->kind == JOB_PAGES) {
		j->out = ops->move_pages(j->ctx, j);
	} else {
		j->out = ops->set_nodes(j->ctx, j);
		if (j->out == OUT_APPLIED && j->kind == JOB_SET)
			j->bad_pins = ops->pin(j->ctx, j);
	}
	j->done_ms = real_ms();
}

static void *worker(void *arg)
{
	struct apply *a = arg;

	for (;;) {
		struct job *j;

		pthread_mutex_lock(&a->mu);
		while (!a->urgent_q && !a->queue && !a->stopping)
			pthread_cond_wait(&a->work_cv, &a->mu);
		j = pop(&a->urgent_q);
		if (!j)
			j = pop(&a->queue);
		pthread_mutex_unlock(&a->mu);
		if (!j)
			break; /* stopping, and nothing queued */
		run_job(j);
		pthread_mutex_lock(&a->mu);
		push(&a->done, j);
		pthread_cond_broadcast(&a->done_cv);
		pthread_mutex_unlock(&a->mu);
		event_active(a->done_ev, EV_READ, 0);
	}
	return NULL;
}

static void flight_add(struct apply *a, struct job *j)
{
	j->flight_next = a->flight;
	a->flight = j;
}

static void flight_del(struct apply *a, struct job *j)
{
	for (struct job **p = &a->flight; *p; p = &(*p)->flight_next)
		if (*p == j) {
			*p = j->flight_next;
			j->flight_next = NULL;
			return;
		}
}

static bool same_guest(const struct job *j, const char *uuid)
{
	return strcmp(j->uuid, uuid) == 0;
}

static bool in_flight_for(const struct apply *a, const char *uuid)
{
	for (const struct job *j = a->flight; j; j = j->flight_next)
		if (same_guest(j, uuid))
			return true;
	return false;
}

static void handle(struct apply *a, struct job *j);

/* Hand a job to a worker (or run it here, for an implementation that does not block). */
static void dispatch(struct apply *a, struct job *j)
{
	j->submitted_ms = real_ms();
	flight_add(a, j);
	if (j->ops->inline_calls) {
		run_job(j);
		flight_del(a, j);
		handle(a, j);
		return;
	}
	pthread_mutex_lock(&a->mu);
	push(j->urgent ? &a->urgent_q : &a->queue, j);
	pthread_cond_signal(&a->work_cv);
	pthread_mutex_unlock(&a->mu);
}

/* A guest has at most one job out: the next waits for it. */
static void submit_job(struct apply *a, struct job *j)
{
	if (in_flight_for(a, j->uuid)) {
		push(&a->held, j);
		return;
	}
	dispatch(a, j);
}

static void release_held(struct apply *a, const char *uuid)
{
	for (struct job *j = a->held; j; j = j->next)
		if (same_guest(j, uuid)) {
			unlink_job(&a->held, j);
			dispatch(a, j);
			return;
		}
}

static void free_job(struct apply *a, struct job *j)
{
	if (j->conn && j->ops->release)
		j->ops->release(j->ctx, j->conn);
	pages_cursor_free(&j->cursor); /* what a job took with it and nobody took back */
	(void)a;
	free(j);
}

/* A job for guest g, with the actuator the daemon's state asks for now. */
static struct job *new_job(struct apply *a, const struct guest *g, enum job_kind kind, bool urgent)
{
	struct daemon *d = a->d;
	struct job *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->kind = kind;
	snprintf(j->uuid, sizeof(j->uuid), "%s", g->uuid);
	snprintf(j->name, sizeof(j->name), "%s", g->name);
	j->pid = g->pid;
	j->nvcpus = g->nvcpus;
	j->urgent = urgent;
	if (d->o->advise_only || d->paused || !a->ops) {
		j->ops = &advise_ops;
	} else {
		j->ops = a->ops;
		j->ctx = a->ctx;
		if (j->ops->acquire && !(j->conn = j->ops->acquire(j->ctx))) {
			free(j);
			return NULL; /* no connection to apply it with */
		}
	}
	return j;
}

/* ---- outcomes ---- */

static struct guest *guest_of(struct apply *a, const char *uuid)
{
	return guest_find(a->d, uuid);
}

static struct staged *move_of(const struct apply *a, const char *uuid)
{
	for (struct staged *m = a->moves; m; m = m->next)
		if (strcmp(m->uuid, uuid) == 0)
			return m;
	return NULL;
}

static struct staged *move_by_id(const struct apply *a, unsigned long id)
{
	for (struct staged *m = a->moves; m; m = m->next)
		if (m->id == id)
			return m;
	return NULL;
}

static void drop_move(struct apply *a, struct staged *m)
{
	for (struct staged **p = &a->moves; *p; p = &(*p)->next)
		if (*p == m) {
			*p = m->next;
			break;
		}
	if (m->timer)
		event_free(m->timer);
	pages_cursor_free(&m->cursor);
	free(m);
}

static void back_off(struct daemon *d, struct guest *g, int64_t now)
{
	int64_t backoff = 1000LL << (g->failures < 6 ? g->failures : 6);

	g->failures++;
	g->retry_at_ms = now + (backoff < RETRY_MAX_MS ? backoff : RETRY_MAX_MS);
	d->failed++;
}

/*
 * The outcome of a plan's first (or only) step, as the landed actuate() recorded it: the
 * guest's state, the counters, then numad's Advising line and the outcome line.
 */
static void conclude_first(struct apply *a, struct guest *g, const struct job *j, int out, const char *extra)
{
	struct daemon *d = a->d;
	int64_t now = daemon_now(d);
	char detail[600];

	switch (out) {
	case OUT_APPLIED:
	case OUT_STAGING:
		g->prev_nodes = j->from;
		g->nodes = j->nodes;
		g->last_move_ms = now;
		g->failures = 0;
		if (out == OUT_APPLIED) {
			d->applied++;
			if (j->urgent)
				d->urgent++;
		}
		persist_flush(d, true); /* on disk before it is logged: a SIGKILL now must not lose the move */
		snprintf(detail, sizeof(detail), "%s; %s", j->because, extra ? extra : j->why);
		break;
	case OUT_TRANSIENT:
		back_off(d, g, now);
		snprintf(detail, sizeof(detail), "%s; retry in %.1f s", j->why, (double)(g->retry_at_ms - now) / 1000.0);
		break;
	case OUT_PERMANENT:
		g->permanent_failure = true;
		guest_set_text(&g->failure, j->why, GUEST_FAILURE_MAX);
		d->failed++;
		snprintf(detail, sizeof(detail), "%s", j->why);
		break;
	case OUT_ADVICE_ONLY:
		g->last_move_ms = now; /* pace advice as if applied */
		snprintf(detail, sizeof(detail), "%s (%s)", j->because, d->paused ? "paused" : "--advise-only");
		break;
	default:
		d->refused++;
		snprintf(detail, sizeof(detail), "%s", j->why[0] ? j->why : "no libvirt connection");
		break;
	}
	guest_log_advice(d, g, &j->from, &j->to, (enum reason)j->reason, (enum outcome)out, detail);
}

/* ---- staged moves ---- */

static void schedule_chunk(struct apply *a, struct staged *m);

static double left_on_leave(const struct apply *a, const struct guest *g, const struct staged *m)
{
	double kb = 0;

	for (int i = 0; g->res_valid && i < a->d->topo.nnodes; i++)
		if (nodeset_has(&m->leave, a->d->topo.nodes[i].id))
			kb += (double)g->res_kb[i];
	return kb;
}

/* The end of a staged move that did not narrow: the guest stays widened, and is decided again. */
static void stop_move(struct apply *a, struct staged *m, const char *why)
{
	struct guest *g = guest_of(a, m->uuid);
	char detail[600], w[128];

	if (g) {
		nodeset_format(&m->widened, w, sizeof(w));
		snprintf(detail, sizeof(detail), "staged: %.0f of %.0f MB moved; left on nodes %s (widened): %s",
			 m->moved_kb / 1024, m->total_kb / 1024, w, why);
		guest_log_outcome(a->d, g, m->reason, OUT_STOPPED, detail, m->history);
	}
	drop_move(a, m);
}

static void narrow(struct apply *a, struct staged *m, struct guest *g)
{
	struct job *j;

	if (a->d->paused || a->d->o->advise_only) {
		stop_move(a, m, a->d->paused ? "numad was paused" : "numad advises only now");
		return;
	}
	if (!(j = new_job(a, g, JOB_NARROW, m->reason == REASON_URGENT))) {
		stop_move(a, m, "no libvirt connection to narrow the nodeset with");
		return;
	}
	m->stage = ST_NARROW;
	m->in_flight = true;
	j->move_id = m->id;
	j->nodes = m->to;
	j->from = m->widened;
	j->to = m->to;
	j->reason = m->reason;
	{
		char set[40];
		nodeset_format(&m->to, set, sizeof(set));
		snprintf(j->call, sizeof(j->call), "narrow to nodes %.40s", set);
	}
	submit_job(a, j);
}

static void on_chunk_timer(evutil_socket_t fd, short what, void *arg)
{
	struct staged *m = arg;

	(void)fd;
	(void)what;
	schedule_chunk(m->a, m);
}

/* The next chunk now, or when --migrate-rate allows it. */
static void schedule_chunk(struct apply *a, struct staged *m)
{
	struct daemon *d = a->d;
	double rate_kbps = d->o->migrate_mb_s * 1024.0, chunk;
	struct guest *g = guest_of(a, m->uuid);
	struct job *j;

	if (!g) {
		drop_move(a, m);
		return;
	}
	if (m->stop) {
		stop_move(a, m, m->stop_why);
		return;
	}
	if (d->paused || d->o->advise_only) {
		stop_move(a, m, d->paused ? "numad was paused" : "numad advises only now");
		return;
	}
	chunk = m->reason == REASON_URGENT ? URGENT_CHUNK_KB : fmin(CHUNK_MAX_KB, fmax(CHUNK_MIN_KB, rate_kbps * CHUNK_SHARE_S));
	if (m->reason != REASON_URGENT && !tb_take(&d->migrate_bucket, chunk / 1024, daemon_now(d))) {
		double wait_ms = (chunk / 1024 - tb_available(&d->migrate_bucket, daemon_now(d))) / d->o->migrate_mb_s * 1000;
		struct timeval tv = daemon_timeval(d, wait_ms > 1 ? wait_ms : 1);
		if (!m->timer)
			m->timer = evtimer_new(d->base, on_chunk_timer, m);
		evtimer_add(m->timer, &tv);
		return;
	}
	if (!(j = new_job(a, g, JOB_PAGES, m->reason == REASON_URGENT))) {
		stop_move(a, m, "no libvirt connection");
		return;
	}
	m->in_flight = true;
	j->move_id = m->id;
	j->leave = m->leave;
	j->nodes = m->to;
	j->max_kb = chunk;
	j->cursor = m->cursor; /* the job holds the walk's mappings while it runs */
	m->cursor.ranges = NULL;
	snprintf(j->call, sizeof(j->call), "move %.0f MB of pages", chunk / 1024);
	submit_job(a, j);
}

/*
 * What a walk could not see (the kernel's NUMA balancing had marked those pages for its
 * hinting faults, and move_pages(2) does not find such pages on some kernels) goes in one
 * migrate_pages(2) call, which walks the page tables itself. It has no bound and does not
 * keep to --migrate-rate, but it is no nodeset write: it holds no cgroup lock, and it runs in
 * a worker like every call.
 */
static void sweep(struct apply *a, struct staged *m, struct guest *g, double left)
{
	char set[64];
	struct job *j;

	if (!(j = new_job(a, g, JOB_PAGES, m->reason == REASON_URGENT))) {
		stop_move(a, m, "no libvirt connection");
		return;
	}
	nodeset_format(&m->leave, set, sizeof(set));
	log_notice("domain %s: staged move: %.0f MB on nodes %s that move_pages(2) did not find (pages marked by "
		   "the kernel's NUMA balancing, kernel.numa_balancing): the %.0f MB left there move with migrate_pages(2) "
		   "in one call", m->name, m->cursor.hidden_kb / 1024, set, left / 1024);
	pages_cursor_free(&m->cursor);
	m->swept = true;
	m->sweep_from_kb = left;
	m->stage = ST_MIGRATE;
	m->in_flight = true;
	j->move_id = m->id;
	j->leave = m->leave;
	j->nodes = m->to;
	j->max_kb = left;
	j->sweep = true;
	j->cursor.done = true; /* one call is the whole walk */
	snprintf(j->call, sizeof(j->call), "migrate_pages of %.0f MB", left / 1024);
	submit_job(a, j);
}

/* After a walk of the address space: narrow once little is left, walk again, or give up. */
static void settle(struct apply *a, struct staged *m, struct guest *g)
{
	double left = left_on_leave(a, g, m);
	char why[400];

	if (m->swept && m->sweep_from_kb > 0) { /* what the sweep moved, by the guest's numa_stat */
		double moved = fmax(0, m->sweep_from_kb - left);
		m->moved_kb += moved;
		a->moved_kb_total += moved;
		m->sweep_from_kb = 0;
	}
	if (left <= APPLY_NARROW_BOUND_KB) {
		narrow(a, m, g);
		return;
	}
	/* the sweep only when the pages the walk could not see are much of what keeps the move from narrowing */
	if (!m->swept && m->cursor.hidden_kb > 0 && m->cursor.hidden_kb >= (left - APPLY_NARROW_BOUND_KB) / 2) {
		sweep(a, m, g, left);
		return;
	}
	if (++m->passes < MAX_PASSES) {
		pages_cursor_free(&m->cursor); /* a new walk finds the mappings again */
		m->stage = ST_MIGRATE;
		schedule_chunk(a, m);
		return;
	}
	snprintf(why, sizeof(why), "%.0f MB would not leave those nodes after %d passes%s, more than one nodeset write may "
		 "move (the last chunk: %.120s)", left / 1024, MAX_PASSES, m->swept ? " and migrate_pages(2)" : "",
		 m->last_chunk);
	stop_move(a, m, why);
}

static void widen_done(struct apply *a, struct staged *m, struct guest *g, struct job *j)
{
	char extra[300], w[64], t[64];

	if (j->out != OUT_APPLIED) {
		conclude_first(a, g, j, j->out, NULL);
		drop_move(a, m);
		return;
	}
	nodeset_format(&m->widened, w, sizeof(w));
	nodeset_format(&m->to, t, sizeof(t));
	snprintf(extra, sizeof(extra), "widened to %s, vCPUs pinned to nodes %s%s; %.0f MB to move %s", w, t,
		 j->bad_pins ? " (some pins failed)" : "", m->total_kb / 1024,
		 m->reason == REASON_URGENT ? "at full speed" : "at --migrate-rate");
	j->nodes = m->widened;
	conclude_first(a, g, j, OUT_STAGING, extra);
	m->history = a->d->nhistory - 1;
	m->stage = ST_MIGRATE;
	schedule_chunk(a, m);
}

static void chunk_done(struct apply *a, struct staged *m, struct guest *g, struct job *j)
{
	char why[300];

	log_debug("domain %s: staged move, a chunk: %s", m->name, j->why);
	snprintf(m->last_chunk, sizeof(m->last_chunk), "%s", j->why);
	m->moved_kb += j->moved_kb;
	a->moved_kb_total += j->moved_kb;
	m->cursor = j->cursor; /* and gives them back */
	j->cursor.ranges = NULL;
	if (j->out == OUT_PERMANENT && !a->pages_refused) {
		a->pages_refused = true;
		log_warnx("numad may not move guest pages itself (%s): moves that migrate more than %.0f MB are "
			  "no longer staged; urgent ones go in one nodeset write, consolidations that large are not made. "
			  "Grant CAP_SYS_NICE and CAP_SYS_PTRACE (numad.service does) to stage them", j->why,
			  APPLY_NARROW_BOUND_KB / 1024);
	}
	if (j->out == OUT_PERMANENT && m->reason == REASON_URGENT && !m->stop) {
		narrow(a, m, g); /* a guest's life first: the rest migrates in the narrowing write */
		return;
	}
	if (j->out != OUT_APPLIED) {
		snprintf(why, sizeof(why), "pages would not move: %s", j->why);
		stop_move(a, m, why);
		return;
	}
	if (m->stop) {
		stop_move(a, m, m->stop_why);
		return;
	}
	if (j->cursor.done) {
		m->stage = ST_SETTLE; /* the next fast tick sees what is left */
		return;
	}
	(void)g;
	schedule_chunk(a, m);
}

static void narrow_done(struct apply *a, struct staged *m, struct guest *g, struct job *j)
{
	struct daemon *d = a->d;
	char detail[600], t[64];

	if (j->out != OUT_APPLIED) {
		if (j->out == OUT_TRANSIENT)
			back_off(d, g, daemon_now(d));
		snprintf(detail, sizeof(detail), "narrowing failed: %s", j->why);
		stop_move(a, m, detail);
		return;
	}
	g->nodes = m->to;
	g->last_move_ms = daemon_now(d);
	d->applied++;
	if (m->reason == REASON_URGENT)
		d->urgent++;
	persist_flush(d, true);
	nodeset_format(&m->to, t, sizeof(t));
	snprintf(detail, sizeof(detail), "staged: %.0f of %.0f MB moved; nodeset %s", m->moved_kb / 1024,
		 m->total_kb / 1024, t);
	guest_log_outcome(d, g, m->reason, OUT_APPLIED, detail, m->history);
	drop_move(a, m);
}

static void staged_done(struct apply *a, struct staged *m, struct job *j)
{
	struct guest *g = guest_of(a, m->uuid);

	m->in_flight = false;
	if (!g) { /* it stopped meanwhile */
		drop_move(a, m);
		return;
	}
	switch (m->stage) {
	case ST_WIDEN:
		widen_done(a, m, g, j);
		break;
	case ST_MIGRATE:
		chunk_done(a, m, g, j);
		break;
	case ST_NARROW:
		narrow_done(a, m, g, j);
		break;
	default:
		break;
	}
}

/*
 * How long a nodeset change took from its submission to libvirt's answer (queue wait
 * included), in daemon time: the urgent path counts it in its horizon. It follows a slower
 * call at once and a faster one slowly, as a tail does. Advice and page moves do not count.
 */
static void note_lag(struct apply *a, const struct job *j)
{
	struct daemon *d = a->d;
	double lag;

	if (j->kind == JOB_PAGES || j->ops == &advise_ops || j->out != OUT_APPLIED)
		return;
	lag = (double)(j->done_ms - j->submitted_ms) * (d->host.speed > 0 ? d->host.speed : 1.0);
	if (lag > LAG_CAP_MS)
		lag = LAG_CAP_MS;
	d->apply_lag_ms = lag > d->apply_lag_ms ? lag : d->apply_lag_ms + 0.1 * (lag - d->apply_lag_ms);
}

/* A job came back (in the loop's thread). */
static void handle(struct apply *a, struct job *j)
{
	struct staged *m = j->move_id ? move_by_id(a, j->move_id) : NULL;
	struct guest *g;

	if (j->stuck_reported) {
		log_notice("domain %s: the libvirt call (%s) returned after %.0f s", j->name, j->call,
			   (double)(real_ms() - j->submitted_ms) / 1000.0);
		a->stuck--;
	}
	note_lag(a, j);
	if (m) {
		staged_done(a, m, j);
	} else if (!j->move_id && (g = guest_of(a, j->uuid))) {
		if (j->bad_pins && j->out == OUT_APPLIED)
			log_warnx("domain %s: nodeset applied, but %d CPU pinning call(s) failed", j->name, j->bad_pins);
		conclude_first(a, g, j, j->out, NULL);
	} else if (!j->move_id) {
		log_info("domain %s stopped before its move's outcome came back (%s)", j->name,
			 outcome_name((enum outcome)j->out));
	}
	release_held(a, j->uuid);
	free_job(a, j);
}

static void drain(struct apply *a)
{
	for (;;) {
		struct job *j;

		pthread_mutex_lock(&a->mu);
		j = pop(&a->done);
		pthread_mutex_unlock(&a->mu);
		if (!j)
			return;
		flight_del(a, j);
		handle(a, j);
	}
}

static void on_done(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	drain(arg);
}

/* Calls that do not return within APPLY_STUCK_MS are said once; numad carries on without them. */
static void on_watch(evutil_socket_t fd, short what, void *arg)
{
	struct apply *a = arg;
	struct timeval tv = { WATCH_MS / 1000, (WATCH_MS % 1000) * 1000 };

	(void)fd;
	(void)what;
	for (struct job *j = a->flight; j; j = j->flight_next)
		if (!j->stuck_reported && real_ms() - j->submitted_ms >= APPLY_STUCK_MS) {
			j->stuck_reported = true;
			a->stuck++;
			log_warnx("domain %s: the libvirt call (%s) has not returned after %d s; numad carries on, "
				  "and this guest waits for it", j->name, j->call, APPLY_STUCK_MS / 1000);
		}
	evtimer_add(a->watch_ev, &tv);
}

/* ---- the interface ---- */

struct apply *apply_open(struct daemon *d, int nworkers)
{
	struct apply *a = calloc(1, sizeof(*a));
	struct timeval tv = { WATCH_MS / 1000, (WATCH_MS % 1000) * 1000 };

	if (!a)
		return NULL;
	a->d = d;
	a->next_id = 1;
	pthread_mutex_init(&a->mu, NULL);
	pthread_cond_init(&a->work_cv, NULL);
	pthread_cond_init(&a->done_cv, NULL);
	a->done_ev = event_new(d->base, -1, EV_PERSIST, on_done, a);
	a->watch_ev = evtimer_new(d->base, on_watch, a);
	a->threads = calloc((size_t)nworkers, sizeof(*a->threads));
	if (!a->done_ev || !a->watch_ev || !a->threads) {
		log_error("cannot set up the actuator");
		apply_close(a, 0);
		return NULL;
	}
	event_add(a->done_ev, NULL);
	evtimer_add(a->watch_ev, &tv);
	for (int i = 0; i < nworkers; i++) {
		int e = pthread_create(&a->threads[i], NULL, worker, a);
		if (e) {
			log_error("cannot start an actuator thread: %s", strerror(e));
			apply_close(a, 0);
			return NULL;
		}
		a->nthreads++;
	}
	return a;
}

void apply_set_actuator(struct apply *a, const struct actuator_ops *ops, void *ctx)
{
	a->ops = ops;
	a->ctx = ctx;
}

bool apply_busy(const struct apply *a, const struct guest *g)
{
	if (!a)
		return false;
	if (move_of(a, g->uuid) || in_flight_for(a, g->uuid))
		return true;
	for (const struct job *j = a->held; j; j = j->next)
		if (same_guest(j, g->uuid))
			return true;
	return false;
}

bool apply_pages_refused(const struct apply *a)
{
	return a && a->pages_refused;
}

int apply_staged_reason(const struct apply *a, const struct guest *g)
{
	const struct staged *m = a ? move_of(a, g->uuid) : NULL;

	return m && !m->stop ? (int)m->reason : -1;
}

bool apply_moving(const struct apply *a, const struct guest *g, struct nodeset *to, struct nodeset *leave)
{
	const struct staged *m = a ? move_of(a, g->uuid) : NULL;

	if (!m || m->stop)
		return false;
	*to = m->to;
	*leave = m->leave;
	return true;
}

bool apply_setting(const struct apply *a, const struct guest *g, struct nodeset *to)
{
	const struct job *last = NULL;

	if (!a)
		return false;
	/* the jobs held wait for the one in flight, so one of them is the later */
	for (const struct job *j = a->flight; j; j = j->flight_next)
		if (j->kind != JOB_PAGES && same_guest(j, g->uuid))
			last = j;
	for (const struct job *j = a->held; j; j = j->next)
		if (j->kind != JOB_PAGES && same_guest(j, g->uuid))
			last = j;
	if (!last)
		return false;
	*to = last->nodes;
	return true;
}

bool apply_any_consolidation(const struct apply *a)
{
	for (const struct staged *m = a ? a->moves : NULL; m; m = m->next)
		if (m->reason == REASON_CONSOLIDATE)
			return true;
	return false;
}

/* An urgent plan for a guest with a staged move: the move stops after its current step. */
static void supersede(struct apply *a, struct staged *m, struct move *plan)
{
	m->stop = true;
	snprintf(m->stop_why, sizeof(m->stop_why), "an urgent move came first");
	if (m->timer)
		event_del(m->timer);
	if (m->stage == ST_WIDEN) /* the widening may land first: keep its nodes */
		for (int n = nodeset_next(&m->widened, 0); n >= 0; n = nodeset_next(&m->widened, n + 1))
			nodeset_add(&plan->to, n);
	if (!m->in_flight)
		stop_move(a, m, m->stop_why);
}

static struct staged *new_move(struct apply *a, const struct guest *g, const struct move *p)
{
	struct staged *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->id = a->next_id++;
	m->a = a;
	snprintf(m->uuid, sizeof(m->uuid), "%s", g->uuid);
	snprintf(m->name, sizeof(m->name), "%s", g->name);
	m->pid = g->pid;
	m->nvcpus = g->nvcpus;
	m->reason = p->reason;
	m->from = p->from;
	m->to = p->to;
	m->widened = p->from;
	m->leave = p->from;
	for (int n = nodeset_next(&p->to, 0); n >= 0; n = nodeset_next(&p->to, n + 1)) {
		nodeset_add(&m->widened, n);
		nodeset_del(&m->leave, n);
	}
	snprintf(m->because, sizeof(m->because), "%s", p->because);
	m->total_kb = p->migrate_kb;
	m->started_ms = daemon_now(a->d);
	m->next = a->moves;
	a->moves = m;
	return m;
}

int apply_submit(struct apply *a, struct guest *g, const struct move *plan)
{
	struct move p = *plan;
	struct staged *m = move_of(a, g->uuid);
	bool staged, inline_calls;
	struct job *j;
	char set[64];

	if (m && p.reason == REASON_URGENT)
		supersede(a, m, &p);
	if (!(j = new_job(a, g, JOB_SET, p.reason == REASON_URGENT))) {
		struct job none = { 0 };
		none.from = g->nodes;
		none.to = p.to;
		none.reason = p.reason;
		snprintf(none.because, sizeof(none.because), "%s", p.because);
		snprintf(none.why, sizeof(none.why), "no libvirt connection");
		conclude_first(a, g, &none, OUT_REFUSED, NULL);
		return OUT_REFUSED;
	}
	j->from = g->nodes;
	j->to = p.to;
	j->reason = p.reason;
	snprintf(j->because, sizeof(j->because), "%s", p.because);
	/* a move that migrates more than one write may is staged; advice changes nothing, so it is not */
	staged = p.migrate_kb > APPLY_NARROW_BOUND_KB && !j->ops->inline_calls && !nodeset_empty(&p.to) &&
		 !a->pages_refused;
	j->cpu_nodes = p.to;
	j->nodes = p.to;
	if (staged && (m = new_move(a, g, &p))) {
		j->move_id = m->id;
		j->nodes = m->widened;
		m->in_flight = true;
	}
	nodeset_format(&j->nodes, set, sizeof(set));
	snprintf(j->call, sizeof(j->call), "set nodeset %.40s and pin", set);
	inline_calls = j->ops->inline_calls;
	submit_job(a, j); /* an inline job is done and freed on return */
	return inline_calls ? OUT_ADVICE_ONLY : OUT_NONE;
}

void apply_tick(struct apply *a, int64_t now)
{
	struct staged *m, *next;

	(void)now;
	for (m = a ? a->moves : NULL; m; m = next) {
		struct guest *g = guest_of(a, m->uuid);

		next = m->next;
		if (!g) {
			if (!m->in_flight)
				drop_move(a, m);
			continue;
		}
		if (m->stage == ST_SETTLE && !m->in_flight)
			settle(a, m, g);
	}
}

struct json_object *apply_json(const struct apply *a)
{
	struct json_object *r = json_object_new_object(), *moves = json_object_new_array(),
			   *stuck = json_object_new_array();
	int n = 0;

	for (const struct staged *m = a ? a->moves : NULL; m; m = m->next) {
		struct json_object *o = json_object_new_object();
		char from[64], to[64];

		nodeset_format(&m->from, from, sizeof(from));
		nodeset_format(&m->to, to, sizeof(to));
		json_object_object_add(o, "domain", json_object_new_string(m->name));
		json_object_object_add(o, "reason", json_object_new_string(reason_name(m->reason)));
		json_object_object_add(o, "stage", json_object_new_string(stage_names[m->stage]));
		json_object_object_add(o, "from", json_object_new_string(from));
		json_object_object_add(o, "to", json_object_new_string(to));
		json_object_object_add(o, "moved_mb", json_object_new_int64((int64_t)(m->moved_kb / 1024)));
		json_object_object_add(o, "total_mb", json_object_new_int64((int64_t)(m->total_kb / 1024)));
		json_object_object_add(o, "for_s", json_object_new_int64((daemon_now(a->d) - m->started_ms) / 1000));
		json_object_array_add(moves, o);
	}
	for (const struct job *j = a ? a->flight : NULL; j; j = j->flight_next) {
		n++;
		if (j->stuck_reported) {
			struct json_object *o = json_object_new_object();
			json_object_object_add(o, "domain", json_object_new_string(j->name));
			json_object_object_add(o, "call", json_object_new_string(j->call));
			json_object_object_add(o, "for_s", json_object_new_int64((real_ms() - j->submitted_ms) / 1000));
			json_object_array_add(stuck, o);
		}
	}
	json_object_object_add(r, "jobs_in_flight", json_object_new_int(n));
	json_object_object_add(r, "moves", moves);
	json_object_object_add(r, "stuck_calls", stuck);
	json_object_object_add(r, "moved_mb", json_object_new_int64(a ? (int64_t)(a->moved_kb_total / 1024) : 0));
	return r;
}

void apply_counts(const struct apply *a, int *in_flight, int *stuck, double *moved_kb)
{
	*in_flight = 0;
	for (const struct job *j = a ? a->flight : NULL; j; j = j->flight_next)
		(*in_flight)++;
	*stuck = a ? a->stuck : 0;
	*moved_kb = a ? a->moved_kb_total : 0;
}

/* Wait (up to the deadline) for every job in flight, handling each as it comes back. */
static void wait_flight(struct apply *a, int64_t deadline)
{
	for (;;) {
		struct timespec ts;
		int64_t left;

		drain(a);
		if (!a->flight)
			return;
		left = deadline - real_ms();
		if (left <= 0)
			return;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += (time_t)(left / 1000);
		ts.tv_nsec += (long)(left % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_mutex_lock(&a->mu);
		if (!a->done)
			pthread_cond_timedwait(&a->done_cv, &a->mu, &ts);
		pthread_mutex_unlock(&a->mu);
	}
}

void apply_close(struct apply *a, int wait_ms)
{
	int64_t deadline = real_ms() + wait_ms;
	struct job *j;
	bool stuck = false;

	if (!a)
		return;
	a->closing = true;
	for (struct staged *m = a->moves; m; m = m->next) {
		m->stop = true;
		snprintf(m->stop_why, sizeof(m->stop_why), "numad is stopping");
		if (m->timer)
			event_del(m->timer);
	}
	/* what no worker has taken yet is not started: a guest keeps the nodeset it has */
	pthread_mutex_lock(&a->mu);
	while ((j = pop(&a->urgent_q)) || (j = pop(&a->queue))) {
		flight_del(a, j);
		free_job(a, j);
	}
	pthread_mutex_unlock(&a->mu);
	while ((j = pop(&a->held)))
		free_job(a, j);
	if (a->flight)
		log_notice("stopping: waiting up to %d s for %s in flight", wait_ms / 1000,
			   a->flight->flight_next ? "the libvirt calls" : "a libvirt call");
	wait_flight(a, deadline);
	for (struct staged *m = a->moves, *next; m; m = next) {
		next = m->next;
		if (!m->in_flight)
			stop_move(a, m, m->stop_why);
	}
	stuck = a->flight != NULL;
	pthread_mutex_lock(&a->mu);
	a->stopping = true;
	pthread_cond_broadcast(&a->work_cv);
	pthread_mutex_unlock(&a->mu);
	for (int i = 0; i < a->nthreads; i++) {
		if (stuck)
			pthread_detach(a->threads[i]); /* one is inside a call that does not return */
		else
			pthread_join(a->threads[i], NULL);
	}
	if (stuck) {
		log_warnx("stopping with a libvirt call still in flight: its outcome is not known");
		return; /* its thread still holds its job and this state: left to the process's exit */
	}
	while (a->moves)
		drop_move(a, a->moves);
	if (a->done_ev)
		event_free(a->done_ev);
	if (a->watch_ev)
		event_free(a->watch_ev);
	free(a->threads);
	pthread_mutex_destroy(&a->mu);
	pthread_cond_destroy(&a->work_cv);
	pthread_cond_destroy(&a->done_cv);
	free(a);
}
