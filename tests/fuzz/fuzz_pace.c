/*
 * fuzz_pace: the growth estimator and the token bucket of lib/pace.h, driven by a
 * sequence of operations read from the input (see struct fuzz_in).
 *
 * Times move on a millisecond clock that mostly goes forward (sometimes it repeats or
 * steps back, which must be ignored) and stays within what CLOCK_MONOTONIC gives (0 to
 * 2^53 ms). Samples are memory sizes in KiB (0 to 2^64), sometimes NaN or infinite, which
 * must be ignored.
 *
 * Checks: the rate stays finite; it exists only after two samples at increasing times;
 * a rate from two samples alone is their slope; time_to_exhaust() is never negative or
 * NaN for finite figures and is infinite exactly when the rate is not positive; a bucket
 * never holds more than its burst, a take that fails changes nothing, a take of at most
 * what is there succeeds, and waiting never lowers what is available.
 */
#include <math.h>
#include <string.h>

#include "fuzz.h"
#include "pace.h"

static double sample(struct fuzz_in *in)
{
	uint8_t kind = fuzz_u8(in);

	switch (kind & 7) {
	case 0: return NAN;
	case 1: return kind & 8 ? INFINITY : -INFINITY;
	case 2: return (double)fuzz_u64(in);          /* up to 2^64 KiB */
	default: return (double)fuzz_u32(in) * 4.0;   /* ordinary sizes */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct growth g;
	struct token_bucket b;
	int64_t now = (int64_t)(fuzz_u32(&in) & 0xffffff), tb_now;
	double tau = 0.05 + fuzz_u16(&in) / 100.0, rate = fuzz_u16(&in) / 10.0, burst = fuzz_u8(&in) / 4.0;
	int good = 0;          /* finite samples taken at increasing times */
	int64_t first_ms = 0, second_ms = 0;
	double first_kb = 0, second_kb = 0;

	growth_init(&g, fuzz_bool(&in) ? tau : -tau);
	FUZZ_CHECK(g.tau_s > 0 && !g.primed && !g.has_rate);
	tb_init(&b, rate, burst, now);
	tb_now = now;
	FUZZ_CHECK(tb_available(&b, now) == burst);

	for (int ops = 0; in.n > 0 && ops < 512; ops++) {
		uint8_t op = fuzz_u8(&in);
		int64_t step;

		switch (op % 4) {
		case 0: /* the clock moves */
			step = (int64_t)fuzz_u32(&in) % 100000;
			if (op & 0x80)
				step = -step / 100; /* a clock that steps back a little */
			now += step;
			if (now < 0)
				now = 0;
			if (now > (INT64_C(1) << 53))
				now = INT64_C(1) << 53;
			break;
		case 1: { /* a memory sample */
			double v = sample(&in);
			int64_t last = g.last_ms;
			bool primed = g.primed;

			growth_update(&g, now, v);
			if (isfinite(v) && (!primed || now > last)) {
				if (good == 0) {
					first_ms = now;
					first_kb = v;
				} else if (good == 1) {
					second_ms = now;
					second_kb = v;
				}
				good++;
			}
			FUZZ_CHECK(g.primed == (good > 0));
			FUZZ_CHECK(g.has_rate == (good > 1));
			FUZZ_CHECK(isfinite(g.rate));
			if (good == 2) {
				double slope = (second_kb - first_kb) / ((double)(second_ms - first_ms) / 1000.0);
				FUZZ_CHECK(fabs(g.rate - slope) <= 1e-9 * (1 + fabs(slope)));
			}
			break;
		}
		case 2: { /* how long until a node runs out */
			double head = sample(&in), tte;

			if (!isfinite(head))
				head = 0;
			tte = time_to_exhaust(head, g.rate);
			FUZZ_CHECK(!isnan(tte) && tte >= 0);
			FUZZ_CHECK(isinf(tte) == (g.rate <= 0 || (head > 0 && isinf(head / g.rate))));
			break;
		}
		default: { /* the rate limiter */
			double amount = (op & 0x40) ? NAN : fuzz_u8(&in) / 8.0 - ((op & 0x20) ? 2.0 : 0.0);
			double before, after, later;
			int64_t t = now > tb_now ? now : tb_now; /* the daemon's clock never goes back */
			bool took;

			tb_now = t;
			before = tb_available(&b, t);
			FUZZ_CHECK(before <= burst + 1e-9);
			took = tb_take(&b, amount, t);
			after = tb_available(&b, t);
			if (!took)
				FUZZ_CHECK(after == before);
			else
				FUZZ_CHECK(amount >= 0 && fabs(after - (before - amount)) <= 1e-9 * (1 + fabs(before)));
			if (amount >= 0 && amount <= before - 1e-6)
				FUZZ_CHECK(took);
			if (!(amount >= 0))
				FUZZ_CHECK(!took);
			later = tb_available(&b, t + 1000);
			FUZZ_CHECK(later >= after - 1e-9 && later <= (after > burst ? after : burst) + 1e-9);
			tb_now = t + 1000;
			break;
		}
		}
	}
	return 0;
}
