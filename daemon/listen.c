/* listen.c: the --metrics-listen address, parsed where the options are (numad -w's front end
 * takes the same options without the HTTP server). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listen.h"
#include "util.h"

static int parse_port(const char *s, int *port)
{
	double v;

	if (parse_decimal(s, false, 1, 65535, &v, NULL, 0) < 0)
		return -1;
	*port = (int)v;
	return 0;
}

static bool is_loopback(const char *host)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6) ||
		       (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
	return false;
}

int metrics_parse_listen(const char *spec, char *host, size_t hostlen, int *port, bool *loopback, char *err,
			 size_t errlen)
{
	const char *colon = strrchr(spec, ':');
	struct in6_addr a6;
	struct in_addr a4;
	size_t len;

	if (!colon || colon == spec) {  /* "PORT" or ":PORT": loopback only */
		snprintf(host, hostlen, "127.0.0.1");
		*loopback = true;
		if (parse_port(colon ? colon + 1 : spec, port) < 0)
			goto bad_port;
		return 0;
	}
	if (parse_port(colon + 1, port) < 0)
		goto bad_port;
	len = (size_t)(colon - spec);
	if (spec[0] == '[' && len >= 2 && spec[len - 1] == ']') {
		spec++;
		len -= 2;
	}
	if (len >= hostlen || len >= INET6_ADDRSTRLEN) {
		snprintf(err, errlen, "address in '%s' is too long", spec);
		return -1;
	}
	memcpy(host, spec, len);
	host[len] = '\0';
	if (strcmp(host, "localhost") == 0)
		snprintf(host, hostlen, "127.0.0.1");
	if (inet_pton(AF_INET, host, &a4) != 1 && inet_pton(AF_INET6, host, &a6) != 1) {
		snprintf(err, errlen, "'%s' is not a numeric address (or localhost); IPv6 goes in brackets", host);
		return -1;
	}
	*loopback = is_loopback(host);
	return 0;
bad_port:
	snprintf(err, errlen, "'%s' is not [ADDR:]PORT with PORT from 1 to 65535", spec);
	return -1;
}
