/* wspec.h: the argument of numad -w, "NCPUS[:MB]". */
#ifndef NUMAD_WSPEC_H
#define NUMAD_WSPEC_H

#include <stddef.h>
#include <stdint.h>

/* Largest values accepted: more vCPUs or MB than any host has is a typo. */
#define WSPEC_MAX_CPUS 65536
#define WSPEC_MAX_MB (UINT64_C(1) << 32)

/*
 * Parse "NCPUS[:MB]": NCPUS is a non-negative number with at most two decimals
 * ("4", "2.5", "0.25"), MB an integer (0 when omitted). Returns 0, or -1 with a
 * message naming the bad part in err.
 */
int wspec_parse(const char *arg, double *ncpus, uint64_t *mb, char *err, size_t errlen);

#endif
