/* pace.c: growth estimation and token buckets, with time passed in. */
#include "pace.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void growth_init(struct growth *g, double tau_s)
{
	memset(g, 0, sizeof(*g));
	g->tau_s = tau_s > 0 ? tau_s : 1.0;
}

void growth_update(struct growth *g, int64_t now_ms, double value_kb)
{
	double dt, inst, alpha;

	if (!isfinite(value_kb))
		return; /* a garbled sample must not poison the estimate for good */
	if (!g->primed) {
		g->primed = true;
		g->last_ms = now_ms;
		g->last_kb = value_kb;
		return;
	}
	if (now_ms <= g->last_ms)
		return;
	dt = (double)(now_ms - g->last_ms) / 1000.0;
	inst = (value_kb - g->last_kb) / dt;
	/* Weight by elapsed time, so irregular sampling gives the same estimate. */
	alpha = g->has_rate ? 1.0 - exp(-dt / g->tau_s) : 1.0;
	g->rate += alpha * (inst - g->rate);
	g->prev_rate = g->last_rate;
	g->last_rate = inst;
	g->last_dt_s = dt;
	g->has_rate = true;
	g->last_ms = now_ms;
	g->last_kb = value_kb;
}

void growth_rebase(struct growth *g, int64_t now_ms, double value_kb)
{
	double dt;

	if (!isfinite(value_kb))
		return;
	if (!g->primed) {
		growth_update(g, now_ms, value_kb);
		return;
	}
	if (now_ms <= g->last_ms)
		return;
	dt = (double)(now_ms - g->last_ms) / 1000.0;
	if (g->has_rate) {
		g->rate *= exp(-dt / g->tau_s);
		g->prev_rate = g->last_rate = 0;
		g->last_dt_s = dt;
	}
	g->last_ms = now_ms;
	g->last_kb = value_kb;
}

void node_trends_init(struct node_trends *t, double tau_s)
{
	t->v = NULL;
	t->n = t->cap = 0;
	growth_init(&t->rest, tau_s);
}

void node_trends_free(struct node_trends *t)
{
	free(t->v);
	t->v = NULL;
	t->n = t->cap = 0;
}

/* The own trend of index, or NULL. */
static struct node_trend *own_trend(const struct node_trends *t, int index)
{
	for (int k = 0; k < t->n; k++)
		if (t->v[k].index == index)
			return &t->v[k];
	return NULL;
}

const struct growth *node_trends_get(const struct node_trends *t, int index)
{
	const struct node_trend *e = own_trend(t, index);

	return e ? &e->g : &t->rest;
}

struct growth *node_trends_add(struct node_trends *t, int index)
{
	struct node_trend *e = own_trend(t, index);

	if (e)
		return &e->g;
	if (t->n == t->cap) {
		/* one more at a time: most guests hold memory on one or two nodes, and seldom more */
		int cap = t->cap ? t->cap + 1 : 1;
		struct node_trend *v = realloc(t->v, (size_t)cap * sizeof(*v));
		if (!v)
			return NULL;
		t->v = v;
		t->cap = cap;
	}
	e = &t->v[t->n++];
	e->index = index;
	e->g = t->rest;
	return &e->g;
}

double time_to_exhaust(double headroom_kb, double rate_kbps)
{
	if (rate_kbps <= 0)
		return INFINITY;
	if (headroom_kb <= 0)
		return 0;
	return headroom_kb / rate_kbps;
}

void tb_init(struct token_bucket *b, double rate_per_s, double burst, int64_t now_ms)
{
	b->rate = rate_per_s;
	b->burst = burst;
	b->tokens = burst;
	b->last_ms = now_ms;
}

static void tb_refill(struct token_bucket *b, int64_t now_ms)
{
	if (now_ms > b->last_ms) {
		b->tokens += b->rate * (double)(now_ms - b->last_ms) / 1000.0;
		if (b->tokens > b->burst)
			b->tokens = b->burst;
		b->last_ms = now_ms;
	}
}

bool tb_take(struct token_bucket *b, double amount, int64_t now_ms)
{
	double need = amount < b->burst ? amount : b->burst;

	if (!(amount >= 0))
		return false; /* negative or NaN: never a way to add tokens */
	tb_refill(b, now_ms);
	/* An amount above the burst passes on a full bucket and leaves it in debt. */
	if (b->tokens + 1e-9 < need)
		return false;
	b->tokens -= amount;
	return true;
}

double tb_available(struct token_bucket *b, int64_t now_ms)
{
	tb_refill(b, now_ms);
	return b->tokens;
}
