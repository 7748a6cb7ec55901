/*
 * reserve.c: the daemon's reservations (reserve.h): its ledger (lib/ledger.h) in memory,
 * mirrored in the ledger file, and what each guest has not touched yet.
 *
 * In memory the reservations carry the daemon's clock (a simulated host's time runs at its
 * own speed); the file carries the wall clock, converted at each write and read.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "advise.h"
#include "apply.h"
#include "ledger.h"
#include "log.h"
#include "reserve.h"
#include "state.h"

/* How long the daemon waits for the file's lock: a -w front end holds it for a moment only. */
#define LOCK_WAIT_MS 50

struct reserve {
	char path[PATH_MAX];      /* "" for none */
	struct ledger l;          /* daemon clock */
	struct ledger file;       /* scratch: the file as read */
	double *owed;             /* per node index, reserve_owed()'s answer */
	double *total;            /* per node index: what is owed counting every guest (inside a window) */
	double *mine;             /* per node index: scratch, one guest's own part of total */
	bool window;              /* between reserve_owed_begin() and reserve_owed_end() */
	bool total_valid;         /* total is up to date */
	int64_t synced_wall_ms;   /* wall clock of the last write: a file entry newer than it is a front end's */
	bool warned;              /* a file problem was logged (once until it works again) */
};

const char *reserve_path(const struct daemon *d)
{
	return d->reserve && d->reserve->path[0] ? d->reserve->path : NULL;
}

static bool same_entry(const struct ledger_entry *a, const struct ledger_entry *b)
{
	return a->at_ms == b->at_ms && a->mb == b->mb && a->nshares == b->nshares &&
	       (a->nshares == 0 || a->share[0].node == b->share[0].node);
}

/*
 * Read the file, take in what front ends wrote since the last write (all of it at the
 * start), expire, and write the daemon's reservations back. A file that cannot be locked
 * or read is a warning; one that is not a ledger is a warning and is written afresh.
 */
static bool match_guest(struct daemon *d, struct guest *g);
static void untouched(const struct daemon *d, const struct guest *g, double *out);

/* The u line of the file: what the running guests have not touched yet, per node, at wall. */
static void file_untouched(struct daemon *d, int64_t wall)
{
	struct reserve *r = d->reserve;
	double *per = calloc((size_t)d->topo.nnodes, sizeof(double));

	r->file.nuntouched = 0;
	r->file.untouched_at_ms = 0;
	if (!per)
		return;
	for (int i = 0; i < d->nguests; i++)
		untouched(d, &d->guests[i], per);
	for (int i = 0; i < d->topo.nnodes && r->file.nuntouched < LEDGER_NODES; i++)
		if (per[i] >= 1) {
			struct ledger_share *sh = &r->file.untouched[r->file.nuntouched++];
			sh->node = d->topo.nodes[i].id;
			sh->kb = (uint64_t)per[i];
			sh->free_kb = 0;
		}
	if (r->file.nuntouched)
		r->file.untouched_at_ms = wall;
	free(per);
}

static void sync_file(struct daemon *d, bool all)
{
	struct reserve *r = d->reserve;
	int64_t now = daemon_now(d), wall = wall_clock_ms(), off = wall - now;
	char err[PATH_MAX + 256];
	int fd, rc, taken = 0;

	if (!r->path[0])
		return;
	if ((fd = ledger_lock(r->path, LOCK_WAIT_MS, err, sizeof(err))) < 0) {
		if (!r->warned)
			log_warnx("ledger: %s: -w answers of a front end while numad runs are not seen", err);
		r->warned = true;
		return;
	}
	rc = ledger_load(fd, r->path, &r->file, err, sizeof(err));
	if (rc != 0)
		log_warnx("ledger %s: starting a fresh ledger file", err);
	for (int i = 0; rc == 0 && i < r->file.n; i++) {
		struct ledger_entry e = r->file.e[i];
		bool known = false;

		if (!all && e.at_ms <= r->synced_wall_ms)
			continue; /* written by the daemon itself, or dropped by it since */
		e.at_ms -= off;
		for (int k = 0; k < r->l.n && !known; k++)
			known = same_entry(&r->l.e[k], &e);
		if (known)
			continue;
		if (r->l.n == LEDGER_MAX)
			ledger_remove(&r->l, 0);
		/* in time order */
		{
			int at = r->l.n;
			while (at > 0 && r->l.e[at - 1].at_ms > e.at_ms)
				at--;
			memmove(&r->l.e[at + 1], &r->l.e[at], (size_t)(r->l.n - at) * sizeof(e));
			r->l.e[at] = e;
			r->l.n++;
		}
		log_info("ledger: took over a reservation of %llu MB from %s", (unsigned long long)e.mb, r->path);
		taken++;
	}
	/*
	 * A -w that answered alone may have done so for a domain already running here: a
	 * reservation taken in late is matched against the guests that started while numad
	 * ran and matched none yet, as if it had come in time.
	 */
	for (int i = 0; taken && i < d->nguests; i++)
		if (d->guests[i].fresh && !d->guests[i].reservation_matched && match_guest(d, &d->guests[i]))
			taken--;
	ledger_expire(&r->l, now);
	r->file = r->l;
	for (int i = 0; i < r->file.n; i++)
		r->file.e[i].at_ms += off;
	file_untouched(d, wall);
	if (ledger_store(fd, &r->file) < 0) {
		if (!r->warned)
			log_warn("ledger: cannot write %s", r->path);
		r->warned = true;
	} else {
		r->warned = false;
	}
	r->synced_wall_ms = wall;
	ledger_unlock(fd);
}

void reserve_open(struct daemon *d)
{
	const struct options *o = d->o;
	struct reserve *r = calloc(1, sizeof(*r));

	if (!r || !(r->owed = calloc(3 * (size_t)d->topo.nnodes, sizeof(double)))) {
		free(r);
		log_warnx("ledger: out of memory: -w answers are not reserved");
		return;
	}
	r->total = r->owed + d->topo.nnodes;
	r->mine = r->total + d->topo.nnodes;
	d->reserve = r;
	advise_ledger_path(o, d->host.root, r->path, sizeof(r->path));
	sync_file(d, true);
	if (r->l.n)
		log_notice("ledger: %d reservation(s) of -w answers taken over from %s", r->l.n, r->path);
}

void reserve_scan(struct daemon *d)
{
	if (!d->reserve)
		return;
	ledger_expire(&d->reserve->l, daemon_now(d));
	sync_file(d, false);
}

/* Whether node index i has memory, is in over and not in but (NULL: none). */
static bool spread_to(const struct daemon *d, int i, const struct nodeset *over, const struct nodeset *but)
{
	int id = d->topo.nodes[i].id;

	return d->topo.nodes[i].has_memory && nodeset_has(over, id) && !(but && nodeset_has(but, id));
}

/* kb spread evenly over the nodes spread_to() takes, added to out. */
static void spread(const struct daemon *d, const struct nodeset *over, const struct nodeset *but, double kb,
		   double *out)
{
	int k = 0;

	for (int i = 0; i < d->topo.nnodes; i++)
		k += spread_to(d, i, over, but);
	for (int i = 0; k && i < d->topo.nnodes; i++)
		if (spread_to(d, i, over, but))
			out[i] += kb / k;
}

/*
 * A guest's memory not touched yet, spread evenly over its nodes with memory, added to out:
 * over the nodes a nodeset write in flight gives it, once one is on its way, so that the
 * next decisions of the same scan see those nodes as taken and do not all pick them.
 */
static void untouched(const struct daemon *d, const struct guest *g, double *out)
{
	struct nodeset to;
	double left;

	if (nodeset_empty(&g->nodes) || g->mem_kb == 0)
		return;
	if (g->res_valid)
		left = g->mem_kb > g->res_total_kb ? (double)(g->mem_kb - g->res_total_kb) : 0;
	else
		left = g->fresh ? (double)g->mem_kb : 0; /* started while numad runs, nothing read of it yet */
	if (left > 0)
		spread(d, apply_setting(d->apply, g, &to) ? &to : &g->nodes, NULL, left, out);
}

/*
 * Pages of g's staged move in flight still to arrive: what it has on the nodes it leaves,
 * spread evenly over the nodes it moves to (the page mover takes them round-robin), added
 * to out. What the move frees on the nodes it leaves is not counted: it is free once it is.
 */
static void arriving(const struct daemon *d, const struct guest *g, double *out)
{
	struct nodeset to, leave;
	double left = 0;

	if (!g->res_valid || !apply_moving(d->apply, g, &to, &leave))
		return;
	for (int i = 0; i < d->topo.nnodes; i++)
		if (nodeset_has(&leave, d->topo.nodes[i].id) && !nodeset_has(&to, d->topo.nodes[i].id))
			left += (double)g->res_kb[i];
	if (left > 0)
		spread(d, &to, &leave, left, out);
}

/* The ledger's reservations and what every guest but skip owes, per node index, into out. */
static void sum_owed(struct daemon *d, const struct guest *skip, double *out)
{
	memset(out, 0, (size_t)d->topo.nnodes * sizeof(double));
	ledger_owed(&d->reserve->l, &d->topo, out);
	for (int i = 0; i < d->nguests; i++)
		if (&d->guests[i] != skip) {
			untouched(d, &d->guests[i], out);
			arriving(d, &d->guests[i], out);
		}
}

const double *reserve_owed(struct daemon *d, const struct guest *g)
{
	struct reserve *r = d->reserve;
	int n = d->topo.nnodes;

	if (!r)
		return NULL;
	if (!r->window) {
		sum_owed(d, g, r->owed);
		return r->owed;
	}
	/* inside a window: every guest's part summed once, each decision's own part taken out */
	if (!r->total_valid) {
		sum_owed(d, NULL, r->total);
		r->total_valid = true;
	}
	memcpy(r->owed, r->total, (size_t)n * sizeof(double));
	if (g) {
		memset(r->mine, 0, (size_t)n * sizeof(double));
		untouched(d, g, r->mine);
		arriving(d, g, r->mine);
		for (int i = 0; i < n; i++)
			r->owed[i] = r->owed[i] > r->mine[i] ? r->owed[i] - r->mine[i] : 0;
	}
	return r->owed;
}

void reserve_owed_begin(struct daemon *d)
{
	if (d->reserve) {
		d->reserve->window = true;
		d->reserve->total_valid = false;
	}
}

void reserve_owed_changed(struct daemon *d)
{
	if (d->reserve)
		d->reserve->total_valid = false;
}

void reserve_owed_end(struct daemon *d)
{
	if (d->reserve)
		d->reserve->window = d->reserve->total_valid = false;
}

bool reserve_ready(const struct daemon *d)
{
	return d->reserve != NULL;
}

int reserve_advise(struct daemon *d, double ncpus, uint64_t mb, bool reserve, struct engine_result *res)
{
	struct reserve *r = d->reserve;
	const double *owed;

	/* free memory as it is now, not as the last fast tick saw it */
	topology_sample_mem(d->host.root, &d->topo);
	if (r)
		ledger_expire(&r->l, daemon_now(d));
	owed = reserve_owed(d, NULL);
	if (advise_compute(&d->topo, d->busy, &d->o->policy, ncpus, mb, (uint64_t)d->o->margin_mb, owed, res) < 0)
		return -1;
	if (r && reserve && mb > 0 && ledger_add(&r->l, daemon_now(d), mb, ncpus, &res->best, &d->topo, owed) == 0)
		sync_file(d, false);
	return 0;
}

/* Drop the reservation g's start fulfils, if there is one. */
static bool match_guest(struct daemon *d, struct guest *g)
{
	struct reserve *r = d->reserve;
	int i;

	if (g->mem_kb == 0 || (i = ledger_match(&r->l, g->mem_kb / 1024, &g->nodes)) < 0)
		return false;
	ledger_remove(&r->l, i);
	g->reservation_matched = true;
	log_debug("ledger: domain %s started where -w reserved %llu MB", g->name, (unsigned long long)(g->mem_kb / 1024));
	return true;
}

void reserve_seen(struct daemon *d, struct guest *g)
{
	if (d->reserve && match_guest(d, g))
		sync_file(d, false);
}

int reserve_count(const struct daemon *d)
{
	return d->reserve ? d->reserve->l.n : 0;
}

void reserve_close(struct daemon *d)
{
	struct reserve *r = d->reserve;

	if (!r)
		return;
	sync_file(d, false);
	free(r->owed);
	free(r);
	d->reserve = NULL;
}
