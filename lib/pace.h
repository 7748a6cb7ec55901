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
