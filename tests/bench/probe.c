/*
 * probe.c: numadctl status latency and fast-tier gaps, seen from outside the daemon.
 *
 *   numad_probe SOCKET PERIOD_MS SECONDS [OUT]
 *
 * Every PERIOD_MS it connects to the control socket, reads the greeting, sends
 * {"cmd":"status"} and times the reply from connect() to the reply's newline; on the same
 * connection it sends {"cmd":"metrics"} and reads numad_fast_ticks_total. A daemon whose
 * loop is blocked answers neither, so a probe waits (up to 120 s) and its latency shows the
 * block. The longest tick gap is the longest real time between two probes that saw the
 * counter change (its resolution is the period plus a reply). It ends after SECONDS, or when
 * the socket goes away once it has answered. It prints one line:
 *
 *   probes N answered N latency_ms p50 P p99 Q max M tick_gap_ms G
 *
 * and, with OUT, every probe's latency in ms, one a line. Nothing here asserts a timing.
 */
#include <errno.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define WAIT_MS 120000
#define MAX_PROBES 100000

static double mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* Read one line into buf (without the newline) within the deadline. Returns its length or -1. */
static int read_line(int fd, char **buf, size_t *cap, double deadline)
{
	size_t len = 0;

	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		double left = deadline - mono_ms();
		ssize_t n;

		if (left <= 0 || poll(&p, 1, (int)left + 1) <= 0)
			return -1;
		if (len + 4096 > *cap) {
			char *q = realloc(*buf, *cap + 65536);
			if (!q)
				return -1;
			*buf = q;
			*cap += 65536;
		}
		n = read(fd, *buf + len, 1); /* byte by byte: the next line must stay in the socket */
		if (n <= 0)
			return -1;
		if ((*buf)[len] == '\n') {
			(*buf)[len] = '\0';
			return (int)len;
		}
		len++;
	}
}

static int send_line(int fd, const char *s)
{
	size_t len = strlen(s);

	return write(fd, s, len) == (ssize_t)len ? 0 : -1;
}

/* One probe: the status latency in ms (or -1), and the tick counter (or -1). */
static double probe(const char *path, long long *ticks)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	static char *buf;
	static size_t cap;
	double t0 = mono_ms(), lat = -1;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	*ticks = -1;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto out;
	if (read_line(fd, &buf, &cap, t0 + WAIT_MS) < 0 || send_line(fd, "{\"cmd\":\"status\",\"id\":1}\n") < 0 ||
	    read_line(fd, &buf, &cap, t0 + WAIT_MS) < 0 || !strstr(buf, "\"return\""))
		goto out;
	lat = mono_ms() - t0;
	if (send_line(fd, "{\"cmd\":\"metrics\",\"id\":2}\n") == 0 && read_line(fd, &buf, &cap, mono_ms() + WAIT_MS) > 0) {
		struct json_object *o = json_tokener_parse(buf), *ret;
		const char *text = o && json_object_object_get_ex(o, "return", &ret) ? json_object_get_string(ret) : NULL;
		const char *m = text ? strstr(text, "\nnumad_fast_ticks_total ") : NULL;
		if (m)
			*ticks = atoll(m + strlen("\nnumad_fast_ticks_total "));
		json_object_put(o);
	}
out:
	if (fd >= 0)
		close(fd);
	return lat;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	static double lat[MAX_PROBES];
	double period, end, last_change = -1, gap = 0;
	long long last_ticks = -1;
	int n = 0, answered = 0;
	FILE *out = NULL;

	if (argc < 4 || (period = atof(argv[2])) <= 0) {
		fprintf(stderr, "usage: %s SOCKET PERIOD_MS SECONDS [OUT]\n", argv[0]);
		return 2;
	}
	if (argc > 4 && !(out = fopen(argv[4], "w"))) {
		perror(argv[4]);
		return 1;
	}
	end = mono_ms() + atof(argv[3]) * 1000.0;
	while (mono_ms() < end && n < MAX_PROBES) {
		double t = mono_ms(), l;
		long long ticks;
		struct timespec nap;

		l = probe(argv[1], &ticks);
		if (l < 0 && answered > 0 && access(argv[1], F_OK) < 0)
			break; /* the daemon is gone */
		if (l >= 0) {
			lat[answered++] = l;
			if (out)
				fprintf(out, "%.2f\n", l);
		}
		n++;
		if (ticks >= 0 && ticks != last_ticks) {
			double now = mono_ms();
			if (last_change >= 0 && now - last_change > gap)
				gap = now - last_change;
			last_change = now;
			last_ticks = ticks;
		}
		t = t + period - mono_ms();
		if (t > 0) {
			nap.tv_sec = (time_t)(t / 1000);
			nap.tv_nsec = (long)((t - (double)nap.tv_sec * 1000) * 1e6);
			nanosleep(&nap, NULL);
		}
	}
	if (out)
		fclose(out);
	qsort(lat, (size_t)answered, sizeof(lat[0]), cmp);
	printf("probes %d answered %d latency_ms p50 %.1f p99 %.1f max %.1f tick_gap_ms %.0f\n", n, answered,
	       answered ? lat[answered / 2] : -1.0, answered ? lat[(answered * 99) / 100 < answered ? (answered * 99) / 100 : answered - 1] : -1.0,
	       answered ? lat[answered - 1] : -1.0, gap);
	return answered ? 0 : 1;
}
