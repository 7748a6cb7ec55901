/*
 * test_pace.c: the growth estimator, time_to_exhaust and the token bucket (lib/pace.h).
 *
 * Time is passed in, so every case is a script of (time, value) samples or bucket calls.
 * Expected values come from the documented math, computed here and not read from pace.c:
 *  - the estimate is an exponentially smoothed rate of change in KiB/s: the first sample
 *    gives no rate, the second gives the instantaneous rate (value difference over the
 *    elapsed seconds), each later one moves the estimate towards the instantaneous rate by
 *    alpha = 1 - exp(-dt/tau);
 *  - consequences used as oracles: a constant slope stays exactly at the slope however the
 *    samples are spaced; from a rate of 0, a slope s that started T seconds ago gives
 *    s * (1 - exp(-T/tau)) whatever the sampling intervals; once the value stops changing
 *    the estimate shrinks by exp(-dt/tau) per sample;
 *  - time_to_exhaust(h, r) = h / r, INFINITY when r <= 0 (as the header says, whatever h),
 *    0 when h <= 0;
 *  - a token bucket holds at most burst tokens, starts full, gains rate tokens per second of
 *    time passed (never for time going backwards), gives amount when that many tokens are
 *    there; an amount above the burst passes only on a full bucket, which then goes negative
 *    (debt) by amount - burst.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include <cmocka.h>

#include "pace.h"
#include "support.h"

#define GIB_PER_S_IN_KIB 1048576.0 /* 1 GiB/s in KiB/s */
#define MAXS 64
#define MAXOPS 16

/* a and b agree within rel (relative to the larger magnitude) or within abs. */
static bool close_to(double a, double b, double rel, double abs_tol)
{
	double d = fabs(a - b), m = fmax(fabs(a), fabs(b));

	return d <= abs_tol || d <= rel * m;
}

/* ---------------------------------------------------------------- growth: table of scripts */

struct gsample {
	int64_t t_ms;
	double kb;
};

struct gcase {
	const char *what;
	double tau_s;
	int n;
	struct gsample s[MAXS];
	bool want_has_rate; /* after the last sample */
	double want_rate;
	double rel_tol;
};

/* A case of samples on a constant slope: kb0 at t0, then one sample after each interval. */
static struct gcase slope_case(const char *what, double tau_s, int64_t t0, double kb0, double slope_kbps,
			       const int *intervals_ms, int nint, int repeat, double rel_tol)
{
	struct gcase c;
	int64_t t = t0;

	memset(&c, 0, sizeof(c));
	c.what = what;
	c.tau_s = tau_s;
	c.s[c.n++] = (struct gsample){ t, kb0 };
	for (int r = 0; r < repeat; r++)
		for (int i = 0; i < nint && c.n < MAXS; i++) {
			t += intervals_ms[i];
			c.s[c.n++] = (struct gsample){ t, kb0 + slope_kbps * (double)(t - t0) / 1000.0 };
		}
	c.want_has_rate = c.n >= 2;
	c.want_rate = slope_kbps;
	c.rel_tol = rel_tol;
	return c;
}

static void test_growth_table(void **state)
{
	static const int every250[] = { 250 };
	static const int irregular[] = { 100, 400, 50, 1000 };
	static const int every1000[] = { 1000 };
	const struct gcase cases[] = {
		{ .what = "no samples", .tau_s = 1.0, .n = 0, .want_has_rate = false, .want_rate = 0 },
		{ .what = "one sample gives no rate",
		  .tau_s = 1.0,
		  .n = 1,
		  .s = { { 1000, 5000 } },
		  .want_has_rate = false,
		  .want_rate = 0 },
		/* 262144 KiB in 0.25 s = 1048576 KiB/s: the first estimate is the instantaneous rate,
		 * not a smoothed fraction of it. */
		{ .what = "second sample is the instantaneous rate (step of 256 MiB in 250 ms)",
		  .tau_s = 1.0,
		  .n = 2,
		  .s = { { 1000, 0 }, { 1250, 262144 } },
		  .want_has_rate = true,
		  .want_rate = 262144 / 0.25,
		  .rel_tol = 1e-12 },
		{ .what = "second sample is the instantaneous rate, long tau",
		  .tau_s = 60.0,
		  .n = 2,
		  .s = { { 0, 100 }, { 300, 400 } },
		  .want_has_rate = true,
		  .want_rate = 300 / 0.3,
		  .rel_tol = 1e-12 },
		slope_case("1 GiB/s sampled every 250 ms for 10 s", 1.0, 5000, 4194304, GIB_PER_S_IN_KIB, every250, 1,
			   40, 1e-3),
		slope_case("1 GiB/s sampled at 100, 400, 50, 1000 ms intervals", 1.0, 0, 0, GIB_PER_S_IN_KIB, irregular,
			   4, 6, 1e-9),
		slope_case("1 GiB/s sampled at 100, 400, 50, 1000 ms intervals, tau 5 s", 5.0, 0, 0, GIB_PER_S_IN_KIB,
			   irregular, 4, 6, 1e-9),
		slope_case("shrinking guest: -2 MiB/s every second", 1.0, 0, 8388608, -2048, every1000, 1, 10, 1e-9),
		slope_case("shrinking guest at irregular intervals", 2.0, 100000, 8388608, -512 * 1024.0, irregular, 4,
			   3, 1e-9),
		/* 1000 KiB over 1 s; the sample at the same time (1000 ms) and the one at an earlier
		 * time (500 ms) change nothing, even with wild values. */
		{ .what = "same timestamp ignored",
		  .tau_s = 1.0,
		  .n = 3,
		  .s = { { 0, 0 }, { 1000, 1000 }, { 1000, 999999 } },
		  .want_has_rate = true,
		  .want_rate = 1000,
		  .rel_tol = 1e-12 },
		{ .what = "earlier timestamp ignored",
		  .tau_s = 1.0,
		  .n = 3,
		  .s = { { 0, 0 }, { 1000, 1000 }, { 500, -5e6 } },
		  .want_has_rate = true,
		  .want_rate = 1000,
		  .rel_tol = 1e-12 },
		/* If the 500 ms sample had moved the reference point, the next rate would differ;
		 * 2000 KiB at 2000 ms is still 1000 KiB/s from the 1000 ms sample. */
		{ .what = "earlier timestamp does not move the reference",
		  .tau_s = 1.0,
		  .n = 4,
		  .s = { { 0, 0 }, { 1000, 1000 }, { 500, -5e6 }, { 2000, 2000 } },
		  .want_has_rate = true,
		  .want_rate = 1000,
		  .rel_tol = 1e-12 },
		{ .what = "same timestamp as the first sample gives no rate",
		  .tau_s = 1.0,
		  .n = 2,
		  .s = { { 1000, 0 }, { 1000, 5000 } },
		  .want_has_rate = false,
		  .want_rate = 0 },
		{ .what = "earlier than the first sample gives no rate",
		  .tau_s = 1.0,
		  .n = 2,
		  .s = { { 1000, 0 }, { 400, 5000 } },
		  .want_has_rate = false,
		  .want_rate = 0 },
		/* The 1000 ms sample at 5000 KiB is ignored, so the rate comes from (1000, 0). */
		{ .what = "ignored sample before the rate does not become the reference",
		  .tau_s = 1.0,
		  .n = 3,
		  .s = { { 1000, 0 }, { 1000, 5000 }, { 3000, 4000 } },
		  .want_has_rate = true,
		  .want_rate = 4000 / 2.0,
		  .rel_tol = 1e-12 },
		{ .what = "flat guest has rate 0",
		  .tau_s = 1.0,
		  .n = 4,
		  .s = { { 0, 777 }, { 250, 777 }, { 500, 777 }, { 1750, 777 } },
		  .want_has_rate = true,
		  .want_rate = 0,
		  .rel_tol = 0 },
	};
	int nfail = 0;

	(void)state;
	for (size_t c = 0; c < NELEM(cases); c++) {
		const struct gcase *k = &cases[c];
		struct growth g;

		growth_init(&g, k->tau_s);
		CHECK(k->what, !g.has_rate, "a new estimator has a rate");
		for (int i = 0; i < k->n; i++)
			growth_update(&g, k->s[i].t_ms, k->s[i].kb);
		CHECK(k->what, g.has_rate == k->want_has_rate, "has_rate %d, want %d", g.has_rate, k->want_has_rate);
		if (k->want_has_rate)
			CHECK(k->what, close_to(g.rate, k->want_rate, k->rel_tol, 1e-9), "rate %.9g KiB/s, want %.9g",
			      g.rate, k->want_rate);
	}
	assert_int_equal(nfail, 0);
}

/* ---------------------------------------------------------------- growth: from rest to a slope */

/*
 * Flat for a while (estimate exactly 0), then a constant slope from t_start. Whatever the
 * sampling intervals, after T seconds of slope the estimate is slope * (1 - exp(-T/tau)),
 * because the per-sample weights of the old estimate multiply to exp(-T/tau).
 */
struct ramp_case {
	const char *what;
	double tau_s;
	double slope_kbps;
	int nint;
	int intervals_ms[8];
	int repeat;
};

static void test_growth_from_rest(void **state)
{
	static const struct ramp_case cases[] = {
		{ "1 GiB/s every 250 ms, tau 1 s", 1.0, GIB_PER_S_IN_KIB, 1, { 250 }, 60 },
		{ "1 GiB/s at 100, 400, 50, 1000 ms, tau 1 s", 1.0, GIB_PER_S_IN_KIB, 4, { 100, 400, 50, 1000 }, 8 },
		{ "1 GiB/s at 100, 400, 50, 1000 ms, tau 3 s", 3.0, GIB_PER_S_IN_KIB, 4, { 100, 400, 50, 1000 }, 16 },
		{ "-64 MiB/s every 2 s, tau 10 s", 10.0, -65536, 1, { 2000 }, 40 },
		{ "100 KiB/s at 10 and 990 ms, tau 0.5 s", 0.5, 100, 2, { 10, 990 }, 10 },
	};
	int nfail = 0;

	(void)state;
	for (size_t c = 0; c < NELEM(cases); c++) {
		const struct ramp_case *k = &cases[c];
		const int64_t t_start = 20000;
		const double kb0 = 1048576;
		struct growth g;
		int64_t t = t_start;
		bool reached = false;

		growth_init(&g, k->tau_s);
		/* Flat samples: first and second give rate exactly 0. */
		growth_update(&g, t_start - 2000, kb0);
		growth_update(&g, t_start - 1000, kb0);
		growth_update(&g, t_start, kb0);
		CHECK(k->what, g.has_rate && g.rate == 0, "flat start: has_rate %d rate %g", g.has_rate, g.rate);
		for (int r = 0; r < k->repeat; r++)
			for (int i = 0; i < k->nint; i++) {
				double elapsed, want;

				t += k->intervals_ms[i];
				elapsed = (double)(t - t_start) / 1000.0;
				want = k->slope_kbps * (1.0 - exp(-elapsed / k->tau_s));
				growth_update(&g, t, kb0 + k->slope_kbps * elapsed);
				CHECK(k->what, close_to(g.rate, want, 1e-9, 1e-9),
				      "after %.3f s of slope: rate %.9g, want %.9g", elapsed, g.rate, want);
				/* Within 0.1% of the slope exactly when exp(-T/tau) <= 0.001. */
				if (elapsed >= k->tau_s * log(1000.0) * (1 + 1e-9)) {
					reached = true;
					CHECK(k->what, fabs(g.rate - k->slope_kbps) <= 1e-3 * fabs(k->slope_kbps),
					      "after %.3f s (> tau*ln 1000 = %.3f s) rate %.9g not within 0.1%% of %.9g",
					      elapsed, k->tau_s * log(1000.0), g.rate, k->slope_kbps);
				} else if (elapsed <= k->tau_s * log(1000.0) * (1 - 1e-9)) {
					CHECK(k->what, fabs(g.rate - k->slope_kbps) > 1e-3 * fabs(k->slope_kbps),
					      "after only %.3f s rate %.9g already within 0.1%% of %.9g: not smoothed with "
					      "tau %.3f s",
					      elapsed, g.rate, k->slope_kbps, k->tau_s);
				}
			}
		CHECK(k->what, reached, "case too short to reach 0.1%% (bad test table)");
	}
	assert_int_equal(nfail, 0);
}

/* ---------------------------------------------------------------- growth: decay after growth stops */

struct decay_case {
	const char *what;
	double tau_s;
	double slope_kbps;
	int nint;
	int intervals_ms[8]; /* flat sample intervals after the growth stops */
};

static void test_growth_decay(void **state)
{
	static const struct decay_case cases[] = {
		{ "1 GiB/s then flat every 250 ms, tau 1 s", 1.0, GIB_PER_S_IN_KIB, 1, { 250 } },
		{ "1 GiB/s then flat at 100, 400, 50, 1000 ms, tau 1 s", 1.0, GIB_PER_S_IN_KIB, 4, { 100, 400, 50, 1000 } },
		{ "1 GiB/s then flat every 1 s, tau 4 s", 4.0, GIB_PER_S_IN_KIB, 1, { 1000 } },
		{ "shrinking then flat at 30, 3000 ms, tau 2 s", 2.0, -8192, 2, { 30, 3000 } },
	};
	int nfail = 0;

	(void)state;
	for (size_t c = 0; c < NELEM(cases); c++) {
		const struct decay_case *k = &cases[c];
		struct growth g;
		int64_t t = 0, t_stop;
		double kb = 0, r0, prev;

		growth_init(&g, k->tau_s);
		/* Grow at the slope for 5 s in 500 ms steps: the estimate is exactly the slope. */
		for (int i = 0; i <= 10; i++) {
			t = 500 * (int64_t)i;
			kb = 2097152 + k->slope_kbps * (double)t / 1000.0;
			growth_update(&g, t, kb);
		}
		r0 = g.rate;
		CHECK(k->what, close_to(r0, k->slope_kbps, 1e-9, 1e-9), "before the stop rate %.9g, want %.9g", r0,
		      k->slope_kbps);
		t_stop = t;
		prev = r0;
		for (int step = 0; step < 24; step++) {
			int dt_ms = k->intervals_ms[step % k->nint];
			double factor = exp(-(double)dt_ms / 1000.0 / k->tau_s);
			double want_total;

			t += dt_ms;
			growth_update(&g, t, kb); /* flat */
			want_total = r0 * exp(-(double)(t - t_stop) / 1000.0 / k->tau_s);
			CHECK(k->what, close_to(g.rate, prev * factor, 1e-9, 1e-12),
			      "flat step %d (dt %d ms): rate %.9g, want %.9g * exp(-dt/tau) = %.9g", step, dt_ms, g.rate,
			      prev, prev * factor);
			CHECK(k->what, close_to(g.rate, want_total, 1e-9, 1e-12),
			      "after %.3f s flat: rate %.9g, want r0*exp(-T/tau) = %.9g", (double)(t - t_stop) / 1000.0,
			      g.rate, want_total);
			CHECK(k->what, fabs(g.rate) <= fabs(prev) && (g.rate == 0 || (g.rate > 0) == (r0 > 0)),
			      "rate %.9g does not decay towards 0 from %.9g", g.rate, prev);
			prev = g.rate;
		}
	}
	assert_int_equal(nfail, 0);
}

/* ---------------------------------------------------------------- time_to_exhaust */

/*
 * last_rate is the slope between the last two samples, unsmoothed, and prev_rate the slope
 * of the interval before: what the smoothed rate still remembers of a burst that ended is
 * gone from last_rate at the next sample, and from prev_rate at the one after. Samples: 0 KiB
 * at 0 s, 1000 KiB at 0.25 s (4000 KiB/s), 1000 KiB at 0.5 s (0), 1500 KiB at 1.5 s (500/s).
 */
static void test_growth_last_rate(void **state)
{
	struct growth g;

	(void)state;
	growth_init(&g, 1.0);
	growth_update(&g, 0, 0);
	growth_update(&g, 250, 1000);
	assert_true(fabs(g.last_rate - 4000.0) < 1e-9);
	assert_true(fabs(g.prev_rate) < 1e-9); /* no interval before the first */
	growth_update(&g, 500, 1000);
	assert_true(fabs(g.last_rate) < 1e-9);
	assert_true(fabs(g.prev_rate - 4000.0) < 1e-9); /* the interval before the last */
	assert_true(g.rate > 1000.0); /* the smoothed rate still remembers the burst: 4000 * e^-0.25 */
	growth_update(&g, 1500, 1500);
	assert_true(fabs(g.last_rate - 500.0) < 1e-9);
	assert_true(fabs(g.prev_rate) < 1e-9);
	/* samples out of order or not finite leave it as it was */
	growth_update(&g, 1400, 99999);
	growth_update(&g, 1600, NAN);
	assert_true(fabs(g.last_rate - 500.0) < 1e-9);
	assert_true(fabs(g.prev_rate) < 1e-9);
	/* a rebase after a gap: neither interval has a rate of its own */
	growth_rebase(&g, 5000, 9000);
	assert_true(fabs(g.last_rate) < 1e-9 && fabs(g.prev_rate) < 1e-9);
}

static void test_time_to_exhaust_table(void **state)
{
	static const struct {
		const char *what;
		double headroom_kb, rate_kbps;
		double want; /* INFINITY allowed */
	} cases[] = {
		{ "rate 0 never runs out", 1048576, 0, INFINITY },
		{ "negative zero rate never runs out", 1048576, -0.0, INFINITY },
		{ "shrinking never runs out", 1048576, -2048, INFINITY },
		{ "tiny negative rate", 1, -1e-300, INFINITY },
		{ "headroom 0 at a positive rate: now", 0, 1024, 0 },
		{ "negative headroom at a positive rate: now", -4096, 1024, 0 },
		/* The header says INFINITY when rate <= 0, without exception. */
		{ "headroom 0 and rate 0: header says INFINITY", 0, 0, INFINITY },
		{ "negative headroom and shrinking: header says INFINITY", -4096, -10, INFINITY },
		{ "1 GiB at 1 GiB/s", 1048576, 1048576, 1.0 },
		{ "1000 KiB at 250 KiB/s", 1000, 250, 4.0 },
		{ "1 KiB at 3 KiB/s", 1, 3, 1.0 / 3.0 },
		{ "16 GiB at 512 MiB/s", 16.0 * 1048576, 512.0 * 1024, 32.0 },
		{ "tiny rate, long time", 1048576, 1e-3, 1048576e3 },
	};
	int nfail = 0;

	(void)state;
	for (size_t c = 0; c < NELEM(cases); c++) {
		double got = time_to_exhaust(cases[c].headroom_kb, cases[c].rate_kbps);

		if (isinf(cases[c].want))
			CHECK(cases[c].what, isinf(got) && got > 0, "time_to_exhaust(%g, %g) = %g, want +inf",
			      cases[c].headroom_kb, cases[c].rate_kbps, got);
		else
			CHECK(cases[c].what, close_to(got, cases[c].want, 1e-12, 0), "time_to_exhaust(%g, %g) = %.12g, want %.12g",
			      cases[c].headroom_kb, cases[c].rate_kbps, got, cases[c].want);
	}
	assert_int_equal(nfail, 0);
}

/* time_to_exhaust on the output of the estimator: a guest growing at 1 GiB/s with 3 GiB free. */
static void test_time_to_exhaust_from_growth(void **state)
{
	struct growth g;
	int nfail = 0;
	const char *what = "3 GiB headroom at 1 GiB/s";

	(void)state;
	growth_init(&g, 1.0);
	for (int i = 0; i <= 8; i++)
		growth_update(&g, 250 * (int64_t)i, 250.0 * i / 1000.0 * GIB_PER_S_IN_KIB);
	CHECK(what, close_to(time_to_exhaust(3 * GIB_PER_S_IN_KIB, g.rate), 3.0, 1e-9, 0), "got %.9g s",
	      time_to_exhaust(3 * GIB_PER_S_IN_KIB, g.rate));
	assert_int_equal(nfail, 0);
}

/* ---------------------------------------------------------------- token bucket: table of scripts */

enum tb_kind { OP_END = 0, OP_TAKE, OP_AVAIL };

struct tbop {
	enum tb_kind kind;
	int64_t t_ms;
	double amount;      /* OP_TAKE */
	bool want_ok;       /* OP_TAKE */
	double want_tokens; /* tokens after the op, seen through tb_available at the op's time */
};

struct tbcase {
	const char *what;
	double rate, burst;
	int64_t t0;
	struct tbop ops[MAXOPS];
};

#define TAKE(t, a, ok, tok) { OP_TAKE, (t), (a), (ok), (tok) }
#define AVAIL(t, tok) { OP_AVAIL, (t), 0, true, (tok) }

static void test_token_bucket_table(void **state)
{
	/* Rate 10 tokens/s, burst 5, unless the case says otherwise. */
	static const struct tbcase cases[] = {
		{ "starts full", 10, 5, 1000, { AVAIL(1000, 5) } },
		{ "starts full at time 0", 3, 7, 0, { AVAIL(0, 7) } },
		{ "takes until empty",
		  10,
		  5,
		  1000,
		  { TAKE(1000, 2, true, 3), TAKE(1000, 2, true, 1), TAKE(1000, 1, true, 0), TAKE(1000, 1, false, 0),
		    TAKE(1000, 0.001, false, 0) } },
		{ "the whole burst at once", 10, 5, 1000, { TAKE(1000, 5, true, 0), TAKE(1000, 1, false, 0) } },
		{ "refuses when short and keeps the tokens",
		  10,
		  5,
		  1000,
		  { TAKE(1000, 4, true, 1), TAKE(1000, 2, false, 1), TAKE(1000, 1, true, 0) } },
		{ "refills at rate: 10/s for 250 ms is 2.5",
		  10,
		  5,
		  1000,
		  { TAKE(1000, 5, true, 0), AVAIL(1250, 10 * 0.25), TAKE(1250, 3, false, 2.5),
		    TAKE(1300, 3, true, 2.5 + 10 * 0.05 - 3) } },
		{ "refill in small steps adds up",
		  10,
		  5,
		  0,
		  { TAKE(0, 5, true, 0), AVAIL(100, 1), AVAIL(200, 2), AVAIL(250, 2.5), AVAIL(400, 4) } },
		{ "never above burst",
		  10,
		  5,
		  1000,
		  { AVAIL(11000, 5), TAKE(11000, 1, true, 4), AVAIL(100000, 5), TAKE(100000, 5.5, true, 5 - 5.5) } },
		{ "refill stops at burst, not burst plus the overshoot",
		  10,
		  5,
		  0,
		  { TAKE(0, 1, true, 4), AVAIL(1000, 5), TAKE(1000, 5, true, 0), TAKE(1000, 0.5, false, 0) } },
		/* 8 > burst 5: passes on a full bucket, leaving -3 (debt). */
		{ "above the burst passes on a full bucket and leaves debt",
		  10,
		  5,
		  1000,
		  { TAKE(1000, 8, true, 5 - 8), TAKE(1000, 1, false, -3), TAKE(1100, 1, false, -2),
		    TAKE(1400, 1, true, -3 + 10 * 0.4 - 1), AVAIL(1400, 0) } },
		/* From -3, back to the burst of 5 takes 8 tokens = 800 ms; until then 8 is refused. */
		{ "in debt, above the burst waits for a full bucket again",
		  10,
		  5,
		  1000,
		  { TAKE(1000, 8, true, -3), TAKE(1500, 8, false, 2), TAKE(1790, 8, false, -3 + 10 * 0.79),
		    TAKE(1800, 8, true, -3), TAKE(1800, 5, false, -3) } },
		{ "above the burst is refused on a bucket short of full",
		  10,
		  5,
		  1000,
		  { TAKE(1000, 1, true, 4), TAKE(1000, 8, false, 4), TAKE(1050, 8, false, 4.5), TAKE(1100, 8, true, -3) } },
		{ "far above the burst: deep debt",
		  512,
		  5120,
		  0,
		  { TAKE(0, 20480, true, 5120 - 20480), TAKE(29000, 1, false, -15360 + 512 * 29.0),
		    TAKE(30000, 1, false, 0), TAKE(31000, 1, true, 512 - 1), TAKE(31000, 20480, false, 511),
		    TAKE(40000, 20480, false, 511 + 512 * 9.0), TAKE(41000, 20480, true, 5120 - 20480) } },
		{ "time going backwards adds nothing",
		  10,
		  5,
		  1000,
		  { TAKE(1000, 5, true, 0), AVAIL(500, 0), TAKE(500, 1, false, 0), AVAIL(0, 0), AVAIL(1000, 0),
		    AVAIL(1250, 2.5) } },
		{ "time going backwards then forwards counts from the latest time",
		  10,
		  5,
		  1000,
		  { TAKE(1000, 5, true, 0), AVAIL(1200, 2), AVAIL(900, 2), TAKE(900, 2, true, 0), AVAIL(1200, 0),
		    AVAIL(1300, 1) } },
		{ "tb_available refills without taking",
		  10,
		  5,
		  0,
		  { TAKE(0, 5, true, 0), AVAIL(250, 2.5), AVAIL(250, 2.5), AVAIL(250, 2.5), TAKE(250, 2.5, true, 0) } },
		{ "zero rate never refills",
		  0,
		  5,
		  0,
		  { TAKE(0, 5, true, 0), AVAIL(1000000, 0), TAKE(1000000, 0.5, false, 0) } },
		{ "fractional rate: 0.1/s (one urgent extension per 10 s), burst 4",
		  0.1,
		  4,
		  0,
		  { TAKE(0, 1, true, 3), TAKE(0, 1, true, 2), TAKE(0, 1, true, 1), TAKE(0, 1, true, 0),
		    TAKE(5000, 1, false, 0.5), TAKE(9999, 1, false, 0.9999), TAKE(10000, 1, true, 0) } },
	};
	int nfail = 0;

	(void)state;
	for (size_t c = 0; c < NELEM(cases); c++) {
		const struct tbcase *k = &cases[c];
		struct token_bucket b;

		tb_init(&b, k->rate, k->burst, k->t0);
		for (int i = 0; i < MAXOPS && k->ops[i].kind != OP_END; i++) {
			const struct tbop *op = &k->ops[i];
			double tokens;

			if (op->kind == OP_TAKE) {
				bool ok = tb_take(&b, op->amount, op->t_ms);

				CHECK(k->what, ok == op->want_ok, "op %d: tb_take(%g, t=%lld) = %d, want %d", i, op->amount,
				      (long long)op->t_ms, ok, op->want_ok);
			}
			/* At the op's own time tb_available adds nothing more, so it shows the tokens. */
			tokens = tb_available(&b, op->t_ms);
			CHECK(k->what, close_to(tokens, op->want_tokens, 1e-9, 1e-9), "op %d (t=%lld): %.9g tokens, want %.9g",
			      i, (long long)op->t_ms, tokens, op->want_tokens);
		}
	}
	assert_int_equal(nfail, 0);
}

/* ---------------------------------------------------------------- rate-limit scenarios */

/*
 * The migration budget of the daemon: a bucket of rate MB/s with a burst, and a loop that
 * asks for moves every tick over a simulated run. Whatever the request sizes, what passes
 * in any window of W seconds is at most rate*W + burst when no move exceeds the burst
 * (the bucket holds at most burst at the window's start and gains rate*W in it). A move
 * above the burst may pass on a full bucket and leave debt, so with such moves the
 * documented bound is rate*W + max(burst, largest move).
 */
struct rl_case {
	const char *what;
	double rate, burst;
	int seconds;
	int tick_ms;
	double min_move, max_move; /* requested sizes, MB, uniform from a fixed generator */
	bool retry_same;           /* a refused move is asked again next tick (else a new one) */
	double want_min_total;     /* the limiter is not stricter than this over the run */
};

static uint64_t lcg_next(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return *s >> 11;
}

static double lcg_uniform(uint64_t *s, double lo, double hi)
{
	return lo + (hi - lo) * ((double)lcg_next(s) / 9007199254740992.0); /* 2^53 */
}

#define RL_MAXTICKS 60001

static void test_rate_limit_scenarios(void **state)
{
	static const struct rl_case cases[] = {
		{ "512 MB/s, burst 5120, moves up to the burst, waiting moves retried", 512, 5120, 60, 10, 1, 5120, true,
		  512 * 60 * 0.9 },
		{ "512 MB/s, burst 5120, moves up to the burst, refused moves dropped", 512, 5120, 60, 10, 1, 5120, false,
		  512 * 60 * 0.9 },
		{ "512 MB/s, burst 5120, small moves every ms", 512, 5120, 60, 1, 1, 64, false, 512 * 60 * 0.99 },
		{ "512 MB/s, burst 5120, moves of exactly the burst", 512, 5120, 60, 100, 5120, 5120, true,
		  512 * 60 * 0.8 },
		{ "512 MB/s, burst 5120, moves up to 4x the burst (debt)", 512, 5120, 60, 10, 1, 20480, true,
		  512 * 60 * 0.5 },
	};
	static double passed[RL_MAXTICKS];
	static double prefix[RL_MAXTICKS + 1];
	int nfail = 0;

	(void)state;
	for (size_t c = 0; c < NELEM(cases); c++) {
		const struct rl_case *k = &cases[c];
		int nticks = k->seconds * 1000 / k->tick_ms + 1; /* ticks at 0 .. seconds*1000 inclusive */
		uint64_t seed = 0x5eed0000u + c;
		double total = 0, largest = 0, pending = lcg_uniform(&seed, k->min_move, k->max_move);
		double extra, bound;

		struct token_bucket b;

		assert_true(nticks <= RL_MAXTICKS);
		tb_init(&b, k->rate, k->burst, 0);
		for (int i = 0; i < nticks; i++) {
			int64_t now = (int64_t)i * k->tick_ms;

			passed[i] = 0;
			if (tb_take(&b, pending, now)) {
				passed[i] = pending;
				total += pending;
				if (pending > largest)
					largest = pending;
				pending = lcg_uniform(&seed, k->min_move, k->max_move);
			} else if (!k->retry_same) {
				pending = lcg_uniform(&seed, k->min_move, k->max_move);
			}
		}
		extra = fmax(k->burst, largest);
		bound = k->rate * k->seconds + extra;
		if (k->max_move <= k->burst)
			CHECK(k->what, bound == 512.0 * 60 + 5120, "bound %.3f is not 512*60 + 5120 (bad table)", bound);
		CHECK(k->what, total <= bound + 1e-6, "%.3f MB passed in %d s, more than %.0f*%d + %.0f = %.3f", total,
		      k->seconds, k->rate, k->seconds, extra, bound);
		CHECK(k->what, total >= k->want_min_total, "only %.3f MB passed in %d s, want at least %.3f", total,
		      k->seconds, k->want_min_total);

		/* Every window of 1, 5 and 10 s: at most rate*W + max(burst, largest move). */
		prefix[0] = 0;
		for (int i = 0; i < nticks; i++)
			prefix[i + 1] = prefix[i] + passed[i];
		for (int w_s = 1; w_s <= 10; w_s += (w_s == 1 ? 4 : 5)) {
			int wticks = w_s * 1000 / k->tick_ms; /* ticks a .. a+wticks: W seconds apart */
			double worst = 0;
			int worst_at = 0;

			for (int a = 0; a + wticks < nticks; a++) {
				double in = prefix[a + wticks + 1] - prefix[a];

				if (in > worst) {
					worst = in;
					worst_at = a;
				}
			}
			CHECK(k->what, worst <= k->rate * w_s + extra + 1e-6,
			      "%.3f MB passed in the %d s from t=%d ms, more than %.0f*%d + %.0f", worst, w_s,
			      worst_at * k->tick_ms, k->rate, w_s, extra);
		}
	}
	assert_int_equal(nfail, 0);
}

/*
 * growth_rebase: a value seen after a 2 s gap, its change over the gap belonging to no
 * interval. The rate is what steady samples at 250 ms over the gap would have left
 * (1 MB/s decayed by e^-2), whatever the new value, and the next sample of the same value
 * shows no rate: the change made no jump.
 */
static void test_growth_rebase(void **state)
{
	static const double jumps_kb[] = { 0, 100 * 1024, -100 * 1024 };
	(void)state;

	for (size_t c = 0; c < sizeof(jumps_kb) / sizeof(jumps_kb[0]); c++) {
		struct growth steady, quiet;
		double kb = 0;

		growth_init(&steady, 1.0);
		growth_init(&quiet, 1.0);
		for (int t = 0; t <= 4000; t += 250, kb += 256) {
			growth_update(&steady, t, kb);
			growth_update(&quiet, t, kb);
		}
		kb -= 256;
		for (int t = 4250; t <= 6000; t += 250)
			growth_update(&steady, t, kb);
		growth_rebase(&quiet, 6000, kb + jumps_kb[c]);
		assert_float_equal(quiet.rate, steady.rate, 1e-9);
		assert_true(fabs(quiet.rate - 1024 * exp(-2.0)) < 0.05 * 1024 * exp(-2.0));
		assert_float_equal(quiet.last_kb, kb + jumps_kb[c], 1e-9);
		growth_update(&quiet, 6250, kb + jumps_kb[c]);
		assert_float_equal(quiet.last_rate, 0, 1e-9);
		assert_true(quiet.rate < steady.rate && quiet.rate > 0);
	}
}

/* ---------------------------------------------------------------- node_trends */

/* The same bits in every field (a -0 is not a 0 here). */
static bool same_trend(const struct growth *a, const struct growth *b)
{
	const double da[] = { a->last_kb, a->rate, a->last_rate, a->prev_rate, a->last_dt_s, a->tau_s };
	const double db[] = { b->last_kb, b->rate, b->last_rate, b->prev_rate, b->last_dt_s, b->tau_s };

	return a->last_ms == b->last_ms && a->primed == b->primed && a->has_rate == b->has_rate &&
	       memcmp(da, db, sizeof(da)) == 0;
}

static void test_node_trends_own_and_rest(void **state)
{
	struct node_trends t;
	struct growth *own;

	(void)state;
	node_trends_init(&t, 2.0);
	assert_ptr_equal(node_trends_get(&t, 0), &t.rest);
	assert_ptr_equal(node_trends_get(&t, 63), &t.rest);
	assert_true(t.rest.tau_s == 2.0 && !t.rest.primed);
	growth_update(&t.rest, 1000, 0);
	growth_update(&t.rest, 1250, 0);
	own = node_trends_add(&t, 5);
	assert_non_null(own);
	assert_true(same_trend(own, &t.rest)); /* as rest was when it was added */
	assert_ptr_equal(node_trends_add(&t, 5), own);
	assert_int_equal(t.n, 1);
	assert_ptr_equal(node_trends_get(&t, 5), own);
	assert_ptr_equal(node_trends_get(&t, 4), &t.rest);
	growth_update(own, 1500, 4096);
	assert_true(own->rate > 0 && t.rest.last_ms == 1250);
	own = node_trends_add(&t, 0);
	assert_true(own && own->last_ms == 1250 && own->last_kb == 0);
	assert_int_equal(t.n, 2);
	assert_true(node_trends_get(&t, 5)->last_kb == 4096);
	node_trends_free(&t);
	assert_int_equal(t.n, 0);
	assert_ptr_equal(node_trends_get(&t, 5), &t.rest);
}

/*
 * Fed as pace.h says (an index gets a trend of its own before its first sample other than
 * 0, rest takes the 0 of every other), every index's trend is bit for bit the one an array
 * of trends, one per index and all fed every sample, would hold: through updates, rebases
 * after a gap, and an index that goes back to 0.
 */
static void test_node_trends_as_array(void **state)
{
	enum { NIDX = 6, STEPS = 40 };
	struct growth dense[NIDX];
	struct node_trends t;

	(void)state;
	node_trends_init(&t, 1.0);
	for (int i = 0; i < NIDX; i++)
		growth_init(&dense[i], 1.0);
	for (int s = 0; s < STEPS; s++) {
		int64_t now = 1000 + 250 * (int64_t)s + (s > 20 ? 3000 : 0); /* a gap before step 21 */
		bool rebase = s == 21 || s == 30;
		double kb[NIDX] = { 0 };

		kb[1] = 1024.0 * (s + 1);                          /* from the start */
		kb[2] = s >= 5 && s < 12 ? 512.0 * (s - 4) : 0;    /* for a while, then gone */
		kb[3] = s == 21 ? 8192 : 0;                        /* only at a rebase */
		kb[5] = s >= 33 ? 300.0 * (s - 32) : 0;            /* late */
		for (int i = 0; i < NIDX; i++) {
			if (kb[i] != 0)
				assert_non_null(node_trends_add(&t, i));
			if (rebase)
				growth_rebase(&dense[i], now, kb[i]);
			else
				growth_update(&dense[i], now, kb[i]);
		}
		for (int k = 0; k < t.n; k++)
			if (rebase)
				growth_rebase(&t.v[k].g, now, kb[t.v[k].index]);
			else
				growth_update(&t.v[k].g, now, kb[t.v[k].index]);
		if (rebase)
			growth_rebase(&t.rest, now, 0);
		else
			growth_update(&t.rest, now, 0);
		for (int i = 0; i < NIDX; i++)
			if (!same_trend(node_trends_get(&t, i), &dense[i]))
				fail_msg("step %d: index %d's trend differs from the array's (rate %.17g, want %.17g)", s, i,
					 node_trends_get(&t, i)->rate, dense[i].rate);
	}
	assert_int_equal(t.n, 4); /* 1, 2, 3, 5: 0 and 4 never held anything */
	node_trends_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_growth_table),
		cmocka_unit_test(test_growth_from_rest),
		cmocka_unit_test(test_growth_decay),
		cmocka_unit_test(test_growth_last_rate),
		cmocka_unit_test(test_growth_rebase),
		cmocka_unit_test(test_time_to_exhaust_table),
		cmocka_unit_test(test_time_to_exhaust_from_growth),
		cmocka_unit_test(test_token_bucket_table),
		cmocka_unit_test(test_rate_limit_scenarios),
		cmocka_unit_test(test_node_trends_own_and_rest),
		cmocka_unit_test(test_node_trends_as_array),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
