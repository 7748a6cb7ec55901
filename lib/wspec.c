/* wspec.c: parse numad -w's "NCPUS[:MB]". */
#include "wspec.h"

#include <ctype.h>
#include <stdio.h>

#include "util.h"

int wspec_parse(const char *arg, double *ncpus, uint64_t *mb, char *err, size_t errlen)
{
	const char *p = arg;
	uint64_t whole, frac = 0;
	int fdigits = 0;

	if (!isdigit((unsigned char)*p) || parse_u64(&p, &whole) < 0 || whole > WSPEC_MAX_CPUS) {
		snprintf(err, errlen, "bad NCPUS in '%s': expected a number of CPUs up to %d, like 4 or 2.5", arg,
			 WSPEC_MAX_CPUS);
		return -1;
	}
	if (*p == '.') {
		p++;
		while (isdigit((unsigned char)*p) && fdigits < 3) {
			frac = frac * 10 + (uint64_t)(*p - '0');
			fdigits++;
			p++;
		}
		if (fdigits == 0 || fdigits > 2) {
			snprintf(err, errlen, "bad NCPUS in '%s': use at most two decimals, like 2.25", arg);
			return -1;
		}
	}
	*ncpus = (double)whole + (double)frac / (fdigits == 2 ? 100.0 : 10.0);
	if (*ncpus > WSPEC_MAX_CPUS) {
		snprintf(err, errlen, "bad NCPUS in '%s': at most %d CPUs", arg, WSPEC_MAX_CPUS);
		return -1;
	}
	*mb = 0;
	if (*p == ':') {
		p++;
		if (!isdigit((unsigned char)*p) || parse_u64(&p, mb) < 0 || *mb > WSPEC_MAX_MB) {
			snprintf(err, errlen, "bad MB in '%s': expected whole megabytes, like 4:4096", arg);
			return -1;
		}
	}
	if (*p != '\0') {
		snprintf(err, errlen, "unexpected '%s' in '%s': the form is NCPUS[:MB]", p, arg);
		return -1;
	}
	if (*ncpus <= 0 && *mb == 0) {
		snprintf(err, errlen, "'%s' asks for nothing: give NCPUS > 0 or MB > 0", arg);
		return -1;
	}
	return 0;
}
