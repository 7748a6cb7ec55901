/*
 * pace.h: growth estimation and rate limiting. Pure: time comes in as an argument
 * (milliseconds on any monotonic clock), so tests and the simulator drive it.
 */
#ifndef NUMAD_PACE_H
#define NUMAD_PACE_H

#include <stdbool.h>
#include <stdint.h>

/* A smoothed rate of change of a quantity (KiB), e.g. a guest's memory or a node's free memory. */
struct growth {
	int64_t last_ms;
	double last_kb;
	double rate;     /* KiB per second, exponentially smoothed; negative when shrinking */
	double last_rate; /* KiB per second between the last two samples, unsmoothed */
	double prev_rate; /* last_rate as it was one sample before (0 until then) */
	double last_dt_s; /* seconds between the last two samples */
	double tau_s;    /* smoothing time constant in seconds */
	bool primed;     /* at least one sample seen */
	bool has_rate;   /* at least two samples seen */
};

/* Start an estimator with smoothing time constant tau_s (e.g. 1.0 s). */
void growth_init(struct growth *g, double tau_s);
/* Feed one sample. Samples at the same or an earlier time than the last are ignored. */
void growth_update(struct growth *g, int64_t now_ms, double value_kb);
/*
 * Take value_kb, seen after a gap, as the new base without a rate of its own: what changed
 * over the gap belongs to no interval. The rate decays as steady samples over the gap would
 * make it decay. Ignored like growth_update's samples; primes an estimator not yet primed.
 */
void growth_rebase(struct growth *g, int64_t now_ms, double value_kb);
/*
 * One trend per node index, e.g. of a guest's residency there, kept for the indexes that
 * were given one (node_trends_add): every other index has the trend rest. Fed as an array
 * of trends would be (each index's trend the same samples at the same times), rest is what
 * each index that was only ever fed 0 holds, so an index needs a trend of its own only from
 * the first sample other than 0 that it takes, and that trend starts as a copy of rest.
 */
struct node_trend {
	int index;
	struct growth g;
};

struct node_trends {
	struct node_trend *v;   /* n of them (room for cap), in the order they were added */
	int n, cap;
	struct growth rest;     /* the trend of every index without one in v */
};

/* Start with no index of its own and rest a trend with time constant tau_s (growth_init). */
void node_trends_init(struct node_trends *t, double tau_s);
/* Free the indexes' trends; t is empty (n 0) afterwards, rest as it was. */
void node_trends_free(struct node_trends *t);
/* The trend of index i: its own, else rest. */
const struct growth *node_trends_get(const struct node_trends *t, int index);
/* The own trend of index i, added as a copy of rest when it has none; NULL when memory runs out. */
struct growth *node_trends_add(struct node_trends *t, int index);

/* Seconds until headroom_kb is used up at rate_kbps; INFINITY when rate_kbps <= 0. */
double time_to_exhaust(double headroom_kb, double rate_kbps);

/* A token bucket: rate tokens per second up to burst; starts full. */
struct token_bucket {
	double rate, burst, tokens;
	int64_t last_ms;
};

/* Start a bucket at time now_ms, full. */
void tb_init(struct token_bucket *b, double rate_per_s, double burst, int64_t now_ms);
/*
 * Refill to now_ms and take amount if that many tokens are there (or the bucket is full,
 * for an amount above the burst: the bucket then goes into debt). Returns true when taken.
 */
bool tb_take(struct token_bucket *b, double amount, int64_t now_ms);
/* Tokens available at now_ms (refills, takes nothing). */
double tb_available(struct token_bucket *b, int64_t now_ms);

#endif
