/* state.c: the daemon's clock, and what it reads of the host's counters. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "state.h"

int64_t daemon_now(const struct daemon *d)
{
	return d->host.clock ? d->host.clock(d->host.ctx) : now_ms();
}

struct timeval daemon_timeval(const struct daemon *d, double ms)
{
	struct timeval tv;
	double real = ms / (d->host.speed > 0 ? d->host.speed : 1.0); /* a simulated host may run faster */

	if (real < 1)
		real = 1;
	tv.tv_sec = (time_t)(real / 1000);
	tv.tv_usec = (suseconds_t)fmod(real, 1000.0) * 1000;
	return tv;
}

unsigned long host_oom_kill_count(const char *root)
{
	struct buf b = { 0 };
	unsigned long n = 0;
	const char *p;

	if (read_file_at(root, "proc/vmstat", &b, 1 << 16) == 0) {
		for (p = b.data; p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
			if (strncmp(p, "oom_kill ", 9) == 0) {
				n = strtoul(p + 9, NULL, 10);
				break;
			}
	}
	buf_free(&b);
	return n;
}

unsigned long daemon_oom_kills(const struct daemon *d)
{
	unsigned long n = host_oom_kill_count(d->host.root);

	return n > d->oom_kill0 ? n - d->oom_kill0 : 0;
}
