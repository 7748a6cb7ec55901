/* metrics.h: the daemon's state as OpenMetrics text, and the optional HTTP endpoint serving it. */
#ifndef NUMAD_METRICS_H
#define NUMAD_METRICS_H

#include <stdbool.h>
#include <stddef.h>

struct daemon;
struct metrics_http;

#define METRICS_CONTENT_TYPE "application/openmetrics-text; version=1.0.0; charset=utf-8"

/* Render the daemon's state as OpenMetrics text ending in "# EOF\n". Returns a malloc'd string, or NULL. */
char *metrics_render(const struct daemon *d);

/* Serve GET /metrics over HTTP at spec on the daemon's event loop. Returns NULL (logged) on error. */
struct metrics_http *metrics_http_open(struct daemon *d, const char *spec);
/* Stop serving and free. */
void metrics_http_close(struct metrics_http *m);

#endif
