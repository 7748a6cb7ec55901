/*
 * fuzz_wspec: wspec_parse, the argument of numad -w "NCPUS[:MB]" that libvirt passes.
 *
 * Input: the argument text. Checks: a result is either an error with a terminated
 * message, or NCPUS in 0..WSPEC_MAX_CPUS with at most two decimals, MB at most
 * WSPEC_MAX_MB, and not both zero; the accepted text is digits, an optional '.' and
 * ':' only; a short error buffer is cut, not overrun; the same text gives the same answer.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "wspec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *arg = fuzz_text(data, size);
	char err[160], tiny[8];
	double ncpus = -1, n2 = -1;
	uint64_t mb = 0, mb2 = 0;
	int r;

	memset(err, 'x', sizeof(err));
	r = wspec_parse(arg, &ncpus, &mb, err, sizeof(err));
	FUZZ_CHECK(r == 0 || r == -1);
	if (r == 0) {
		double hundredths = ncpus * 100.0;

		FUZZ_CHECK(ncpus >= 0 && ncpus <= WSPEC_MAX_CPUS);
		FUZZ_CHECK(mb <= WSPEC_MAX_MB);
		FUZZ_CHECK(ncpus > 0 || mb > 0);
		FUZZ_CHECK(fabs(hundredths - nearbyint(hundredths)) < 1e-6 * (1 + hundredths));
		FUZZ_CHECK(strspn(arg, "0123456789.:") == strlen(arg));
		FUZZ_CHECK(arg[0] >= '0' && arg[0] <= '9');
	} else {
		FUZZ_CHECK(fuzz_terminated(err, sizeof(err)) && err[0] != '\0');
	}
	memset(tiny, 'x', sizeof(tiny));
	FUZZ_CHECK(wspec_parse(arg, &n2, &mb2, tiny, sizeof(tiny)) == r);
	if (r == 0)
		FUZZ_CHECK(n2 == ncpus && mb2 == mb);
	else
		FUZZ_CHECK(fuzz_terminated(tiny, sizeof(tiny)));
	free(arg);
	return 0;
}
