/*
 * fuzz_proc_status: proc_status_parse on /proc/PID/status text, then the
 * Mems_allowed_list it extracts through nodeset_parse, as the sampler does.
 *
 * Checks: mems_allowed is terminated and a copy of the line's value (cut at 255 bytes);
 * a parse without Threads: or VmRSS: fails; the node list either parses or reports a
 * terminated error.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "nodeset.h"
#include "sample.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);
	struct proc_status st;
	struct nodeset ns;
	char err[128];
	int r;

	memset(&st, 0x5a, sizeof(st));
	r = proc_status_parse(text, &st);
	FUZZ_CHECK(r == 0 || r == -1);
	FUZZ_CHECK(fuzz_terminated(st.mems_allowed, sizeof(st.mems_allowed)));
	FUZZ_CHECK(strchr(st.mems_allowed, '\n') == NULL);
	if (r == 0)
		FUZZ_CHECK(strstr(text, "Threads:") || strstr(text, "VmRSS:"));
	if (st.mems_allowed[0]) {
		FUZZ_CHECK(strstr(text, "Mems_allowed_list:") != NULL);
		FUZZ_CHECK(strstr(text, st.mems_allowed) != NULL);
		memset(err, 'x', sizeof(err));
		if (nodeset_parse(&ns, st.mems_allowed, err, sizeof(err)) < 0)
			FUZZ_CHECK(fuzz_terminated(err, sizeof(err)));
	}
	free(text);
	return 0;
}
