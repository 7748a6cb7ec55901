/*
 * fuzz_statefile: statefile_parse, the loader of numad's state file (lib/statefile.h),
 * which a restart reads whatever is on disk.
 *
 * Input: the file's bytes (NUL bytes, no newline at the end, over-long lines included).
 *
 * Checks: a refused text leaves the table empty with a terminated "line N: " or
 * "byte N: " error; an accepted one holds at most STATEFILE_MAX_GUESTS entries with
 * in-range fields and distinct UUIDs, and what statefile_format writes of it parses back
 * to the same table and the same text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz.h"
#include "statefile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct state_table t = { 0 }, back = { 0 };
	char err[256], err2[256];
	char *text, *again;

	memset(err, 'x', sizeof(err));
	if (statefile_parse((const char *)data, size, &t, err, sizeof(err)) < 0) {
		FUZZ_CHECK(fuzz_terminated(err, sizeof(err)));
		FUZZ_CHECK(strncmp(err, "line ", 5) == 0 || strncmp(err, "byte ", 5) == 0);
		FUZZ_CHECK(t.n == 0 && t.e == NULL);
		return 0;
	}
	FUZZ_CHECK(t.n >= 0 && t.n <= STATEFILE_MAX_GUESTS);
	for (int i = 0; i < t.n; i++) {
		const struct state_entry *e = &t.e[i];

		FUZZ_CHECK(strlen(e->uuid) == 36);
		FUZZ_CHECK(e->dom_id >= 0);
		FUZZ_CHECK(e->moved_wall_ms >= 0 && e->moved_wall_ms <= STATEFILE_MAX_WALL_MS);
		FUZZ_CHECK(!e->has_prev || !nodeset_empty(&e->prev));
		for (int j = 0; j < i; j++)
			FUZZ_CHECK(strcasecmp(t.e[j].uuid, e->uuid) != 0);
	}
	text = statefile_format(&t);
	FUZZ_CHECK(text != NULL);
	FUZZ_CHECK(statefile_parse(text, strlen(text), &back, err2, sizeof(err2)) == 0);
	FUZZ_CHECK(back.n == t.n);
	for (int i = 0; i < t.n; i++) {
		FUZZ_CHECK(strcmp(back.e[i].uuid, t.e[i].uuid) == 0 && back.e[i].dom_id == t.e[i].dom_id);
		FUZZ_CHECK(back.e[i].managed == t.e[i].managed && back.e[i].urgent == t.e[i].urgent);
		FUZZ_CHECK(back.e[i].moved_wall_ms == t.e[i].moved_wall_ms && back.e[i].has_prev == t.e[i].has_prev);
		FUZZ_CHECK(!t.e[i].has_prev || nodeset_equal(&back.e[i].prev, &t.e[i].prev));
	}
	again = statefile_format(&back);
	FUZZ_CHECK(again != NULL && strcmp(again, text) == 0);
	free(again);
	free(text);
	statefile_free(&t);
	statefile_free(&back);
	return 0;
}
