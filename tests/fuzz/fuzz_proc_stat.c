/*
 * fuzz_proc_stat: proc_stat_parse on /proc/PID/stat text.
 *
 * Input: the file text. The comm may hold spaces and ')' (fields are read after the
 * last ')'), a process can vanish mid-read (truncated text), and a hostile process can
 * name itself anything. Checks: the comm is terminated, at most PROC_COMM_MAX-1 bytes,
 * and is a piece of the input between its first '(' and last ')'; the pid is not
 * negative; the state is a letter; a failed parse reports -1 and nothing else.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "sample.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);
	struct proc_stat ps;
	int r;

	memset(&ps, 0x5a, sizeof(ps));
	r = proc_stat_parse(text, &ps);
	FUZZ_CHECK(r == 0 || r == -1);
	FUZZ_CHECK(fuzz_terminated(ps.comm, sizeof(ps.comm)));
	if (r == 0) {
		const char *open = strchr(text, '('), *close = strrchr(text, ')');
		size_t clen = strlen(ps.comm);

		FUZZ_CHECK(open && close && open < close);
		FUZZ_CHECK(clen <= (size_t)(close - open - 1));
		FUZZ_CHECK(memcmp(ps.comm, open + 1, clen) == 0);
		FUZZ_CHECK(ps.pid >= 0);
		FUZZ_CHECK(isalpha((unsigned char)ps.state));
		/* comm_is_* must cope with whatever the comm holds */
		(void)comm_is_qemu(ps.comm);
		(void)comm_is_vcpu(ps.comm);
	}
	/* thread comms from /proc/PID/task/TID/comm are plain text too */
	(void)comm_is_qemu(text);
	(void)comm_is_vcpu(text);
	free(text);
	return 0;
}
