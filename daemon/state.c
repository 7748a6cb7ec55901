/* state.c: the daemon's clock. */
#include <math.h>

#include "state.h"

int64_t daemon_now(const struct daemon *d)
{
	return d->clock ? d->clock(d->clock_ctx) : now_ms();
}

struct timeval daemon_timeval(const struct daemon *d, double ms)
{
	struct timeval tv;
	double real = ms / (d->clock && d->o->speed > 0 ? d->o->speed : 1.0); /* the simulator may run faster */

	if (real < 1)
		real = 1;
	tv.tv_sec = (time_t)(real / 1000);
	tv.tv_usec = (suseconds_t)fmod(real, 1000.0) * 1000;
	return tv;
}
