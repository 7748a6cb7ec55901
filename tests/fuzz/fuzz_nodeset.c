/*
 * fuzz_nodeset: idlist_parse, nodeset_parse and nodeset_format on any text.
 *
 * Input: the list text ("0-3,6", a cpulist, a Mems_allowed_list value...).
 * Checks: parse errors leave a terminated message; every id handed to the callback is at
 * most max_id; a parsed set formats canonically and parses back to the same set; a
 * too-small buffer is refused (-1) and never overrun; formatting the format is a fixed
 * point; ids and nodeset_next/count agree.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "nodeset.h"

struct acc {
	unsigned max_id;
	unsigned long calls;
	struct nodeset s;
};

static void add(void *ctx, unsigned id)
{
	struct acc *a = ctx;

	FUZZ_CHECK(id <= a->max_id);
	a->calls++;
	nodeset_add(&a->s, (int)id);
}

static void check_format(const struct nodeset *s)
{
	char buf[8192], buf2[8192], small[64];
	struct nodeset back;
	char err[128];
	int len, n, count = 0;

	len = nodeset_format(s, buf, sizeof(buf));
	/* 1024 ids as "0,2,4,...": at most about 4.9 KB, so 8 KiB always fits */
	FUZZ_CHECK(len >= 0);
	FUZZ_CHECK((size_t)len == strlen(buf));
	FUZZ_CHECK((len == 0) == nodeset_empty(s));
	memset(err, 'x', sizeof(err));
	FUZZ_CHECK(nodeset_parse(&back, buf, err, sizeof(err)) == 0);
	FUZZ_CHECK(nodeset_equal(&back, s));
	FUZZ_CHECK(nodeset_format(&back, buf2, sizeof(buf2)) == len && strcmp(buf, buf2) == 0);
	for (n = nodeset_next(s, 0); n >= 0; n = nodeset_next(s, n + 1)) {
		FUZZ_CHECK(n < NUMAD_MAX_NODES && nodeset_has(s, n));
		count++;
	}
	FUZZ_CHECK(count == nodeset_count(s));

	/* every buffer size: either the whole text, or -1 without writing past the end */
	for (size_t sz = 0; sz <= sizeof(small) && sz <= (size_t)len + 1; sz++) {
		char *b = malloc(sz ? sz : 1);
		int r;

		if (!b)
			abort();
		r = nodeset_format(s, b, sz);
		if (sz > (size_t)len)
			FUZZ_CHECK(r == len && strcmp(b, buf) == 0);
		else
			FUZZ_CHECK(r == -1);
		free(b);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);
	static const unsigned maxes[] = { 0, 7, 63, NUMAD_MAX_NODES - 1, NUMAD_MAX_CPUS - 1 };
	char err[96], tiny[4];
	struct nodeset s;
	int r;

	for (size_t m = 0; m < sizeof(maxes) / sizeof(maxes[0]); m++) {
		struct acc a = { .max_id = maxes[m] };

		memset(err, 'x', sizeof(err));
		r = idlist_parse(text, maxes[m], add, &a, err, sizeof(err));
		FUZZ_CHECK(r == 0 || r == -1);
		if (r < 0) {
			FUZZ_CHECK(fuzz_terminated(err, sizeof(err)) && err[0] != '\0');
			for (const char *e = err; *e; e++) /* what came in is quoted as plain text */
				FUZZ_CHECK(*e >= 0x20 && *e < 0x7f);
		}
		/* a short error buffer is cut, not overrun */
		memset(tiny, 'x', sizeof(tiny));
		a.calls = 0;
		FUZZ_CHECK(idlist_parse(text, maxes[m], add, &a, tiny, sizeof(tiny)) == r);
		if (r < 0)
			FUZZ_CHECK(fuzz_terminated(tiny, sizeof(tiny)));
	}

	memset(err, 'x', sizeof(err));
	r = nodeset_parse(&s, text, err, sizeof(err));
	if (r == 0)
		check_format(&s);
	else
		FUZZ_CHECK(r == -1 && fuzz_terminated(err, sizeof(err)));
	free(text);
	return 0;
}
