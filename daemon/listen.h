/*
 * listen.h: the --metrics-listen address (listen.c), parsed where the options are: the -w
 * front end takes the same options without the HTTP server of metrics.h.
 */
#ifndef NUMAD_LISTEN_H
#define NUMAD_LISTEN_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Parse a --metrics-listen value: "PORT" (loopback), "ADDR:PORT" or "[ADDR6]:PORT" with a
 * numeric address or "localhost". Sets host, port and whether the address is loopback.
 * Returns 0, or -1 with a message in err.
 */
int metrics_parse_listen(const char *spec, char *host, size_t hostlen, int *port, bool *loopback, char *err,
			 size_t errlen);

#endif
