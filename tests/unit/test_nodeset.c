/*
 * test_nodeset.c: node id sets, the "0-3,6" list syntax, idlist_parse and the
 * argument of numad -w (wspec_parse).
 *
 * Every expected value below is written by hand from the list syntax, or computed by
 * the small independent reader/formatter in this file; none is taken from the code
 * under test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nodeset.h"
#include "support.h"
#include "wspec.h"

#define END (-1)
#define MAXIDS 40

/* ---------------------------------------------------------------- helpers */

/* Fill a set from an END-terminated id list. */
static void set_from_ids(struct nodeset *s, const int *ids)
{
	nodeset_clear(s);
	for (int i = 0; ids[i] != END; i++)
		nodeset_add(s, ids[i]);
}

/* An independent formatter: canonical "a-b,c" text of a bool array. */
static void format_bools(const bool *in, int n, char *out, size_t outlen)
{
	size_t len = 0;

	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		int j = i;

		if (!in[i])
			continue;
		while (j + 1 < n && in[j + 1])
			j++;
		if (j == i)
			len += (size_t)snprintf(out + len, outlen - len, "%s%d", len ? "," : "", i);
		else
			len += (size_t)snprintf(out + len, outlen - len, "%s%d-%d", len ? "," : "", i, j);
		i = j;
	}
}

/* A deterministic generator (xorshift32), so the random sets are the same every run. */
static uint32_t rng_state;

static uint32_t rng(void)
{
	uint32_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	rng_state = x;
	return x;
}

/* ---------------------------------------------------------------- nodeset_parse / format */

static void test_nodeset_parse_format_table(void **state)
{
	static const struct {
		const char *what;
		const char *input;
		int ids[MAXIDS];        /* END-terminated */
		const char *canonical;  /* what nodeset_format must print for that set */
	} cases[] = {
		{ .what = "range and single", .input = "0-3,6", .ids = { 0, 1, 2, 3, 6, END }, .canonical = "0-3,6" },
		{ .what = "single zero", .input = "0", .ids = { 0, END }, .canonical = "0" },
		{ .what = "empty list", .input = "", .ids = { END }, .canonical = "" },
		{ .what = "sparse with range", .input = "0,2,4-5", .ids = { 0, 2, 4, 5, END }, .canonical = "0,2,4-5" },
		{ .what = "highest id 1023", .input = "1023", .ids = { 1023, END }, .canonical = "1023" },
		{ .what = "ids near the top", .input = "1000,1021-1023", .ids = { 1000, 1021, 1022, 1023, END },
		  .canonical = "1000,1021-1023" },
		{ .what = "range across a 64-bit word", .input = "62-65", .ids = { 62, 63, 64, 65, END },
		  .canonical = "62-65" },
		{ .what = "unsorted input comes out sorted", .input = "6,0-3", .ids = { 0, 1, 2, 3, 6, END },
		  .canonical = "0-3,6" },
		{ .what = "adjacent singles merge into a range", .input = "3,1,2", .ids = { 1, 2, 3, END },
		  .canonical = "1-3" },
		{ .what = "duplicates", .input = "2,2,2-2", .ids = { 2, END }, .canonical = "2" },
		{ .what = "one-element range", .input = "7-7", .ids = { 7, END }, .canonical = "7" },
		{ .what = "trailing newline (sysfs file)", .input = "0-1,3\n", .ids = { 0, 1, 3, END },
		  .canonical = "0-1,3" },
		{ .what = "surrounding blanks", .input = "  5 \n", .ids = { 5, END }, .canonical = "5" },
		{ .what = "only a newline (empty sysfs list)", .input = "\n", .ids = { END }, .canonical = "" },
		{ .what = "two pairs", .input = "0-1,3-4", .ids = { 0, 1, 3, 4, END }, .canonical = "0-1,3-4" },
	};
	int nfail = 0;
	(void)state;

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const char *what = cases[c].what;
		struct nodeset s, want, back;
		char err[256] = "", buf[4096];
		int nids = 0, r, len;

		set_from_ids(&want, cases[c].ids);
		while (cases[c].ids[nids] != END)
			nids++;

		/* text -> set */
		r = nodeset_parse(&s, cases[c].input, err, sizeof(err));
		CHECK(what, r == 0, "nodeset_parse(\"%s\") returned %d (%s)", cases[c].input, r, err);
		if (r != 0)
			continue;
		CHECK(what, nodeset_count(&s) == nids, "count %d, want %d", nodeset_count(&s), nids);
		CHECK(what, nodeset_empty(&s) == (nids == 0), "empty %d, want %d", nodeset_empty(&s), nids == 0);
		for (int i = 0; cases[c].ids[i] != END; i++)
			CHECK(what, nodeset_has(&s, cases[c].ids[i]), "id %d missing", cases[c].ids[i]);
		CHECK(what, nodeset_equal(&s, &want), "parsed set differs from the expected ids");

		/* set -> text: built independently from the id list */
		len = nodeset_format(&want, buf, sizeof(buf));
		CHECK(what, len == (int)strlen(cases[c].canonical), "format length %d, want %zu", len,
		      strlen(cases[c].canonical));
		CHECK(what, len >= 0 && strcmp(buf, cases[c].canonical) == 0, "format \"%s\", want \"%s\"", buf,
		      cases[c].canonical);

		/* and back */
		r = nodeset_parse(&back, buf, err, sizeof(err));
		CHECK(what, r == 0 && nodeset_equal(&back, &want), "formatted text \"%s\" does not parse back", buf);
	}
	assert_int_equal(nfail, 0);
}

static void test_nodeset_garbage_table(void **state)
{
	static const struct {
		const char *what;
		const char *input;
		const char *token;  /* the message must quote this */
	} cases[] = {
		{ .what = "range without end", .input = "1-", .token = "1-" },
		{ .what = "letter", .input = "a", .token = "a" },
		{ .what = "descending range", .input = "3-1", .token = "3-1" },
		{ .what = "empty element", .input = "1,,2", .token = ",," },
		{ .what = "id above 1023", .input = "1024", .token = "1024" },
		{ .what = "range past 1023", .input = "1020-1030", .token = "1020-1030" },
		{ .what = "negative id", .input = "-1", .token = "-1" },
		{ .what = "junk after a range", .input = "0-3x", .token = "0-3x" },
		{ .what = "junk in a later element", .input = "0,2,x5", .token = "x5" },
		{ .what = "trailing comma", .input = "1,2,", .token = "1,2," },
		{ .what = "blank instead of a comma", .input = "0 1", .token = "0 1" },
		{ .what = "number that overflows", .input = "99999999999999999999", .token = "99999999999999999999" },
		{ .what = "range with a second dash", .input = "1-2-3", .token = "1-2-3" },
		/* bytes a terminal would obey are quoted as \xNN: the message stays one line of text */
		{ .what = "an escape sequence", .input = "0-1\x1b[2J", .token = "'0-1\\x1b[2J'" },
		{ .what = "a newline inside", .input = "0,\r1", .token = "\\x0d1" },
		{ .what = "a byte above ASCII", .input = "\xff", .token = "'\\xff'" },
	};
	int nfail = 0;
	(void)state;

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const char *what = cases[c].what;
		struct nodeset s;
		char err[256];
		int r;

		memset(err, 0, sizeof(err));
		r = nodeset_parse(&s, cases[c].input, err, sizeof(err));
		CHECK(what, r == -1, "nodeset_parse(\"%s\") returned %d, want -1", cases[c].input, r);
		CHECK(what, strstr(err, cases[c].token) != NULL, "message \"%s\" does not name \"%s\"", err,
		      cases[c].token);
		for (const char *e = err; *e; e++)
			CHECK(what, *e >= 0x20 && *e < 0x7f, "message \"%s\" holds byte 0x%02x", err, (unsigned char)*e);
	}
	assert_int_equal(nfail, 0);
}

static void test_nodeset_random_round_trip(void **state)
{
	int nfail = 0;
	(void)state;

	rng_state = 0x2545f491u;
	for (int round = 0; round < 300; round++) {
		bool want[NUMAD_MAX_NODES] = { false };
		char what[64], text[8192], expect_text[8192], err[256];
		struct nodeset s, back;
		/* density from very sparse to nearly full; top sets a smaller id range sometimes */
		uint32_t density = rng() % 101;
		int top = (round % 3 == 0) ? 64 : NUMAD_MAX_NODES;
		int count = 0, len, r, id;

		snprintf(what, sizeof(what), "random set %d (density %u%%, ids < %d)", round, density, top);
		nodeset_clear(&s);
		for (int i = 0; i < top; i++) {
			if (rng() % 100 < density) {
				want[i] = true;
				count++;
				nodeset_add(&s, i);
			}
		}
		CHECK(what, nodeset_count(&s) == count, "count %d, want %d", nodeset_count(&s), count);
		for (int i = 0; i < NUMAD_MAX_NODES; i++)
			if (nodeset_has(&s, i) != want[i]) {
				CHECK(what, false, "nodeset_has(%d) is %d, want %d", i, nodeset_has(&s, i), want[i]);
				break;
			}

		/* iteration visits exactly the true entries in order */
		id = nodeset_next(&s, 0);
		for (int i = 0; i < NUMAD_MAX_NODES && id != -2; i++) {
			if (!want[i])
				continue;
			if (id != i) {
				CHECK(what, false, "iteration gave %d, want %d", id, i);
				id = -2;
				break;
			}
			id = nodeset_next(&s, id + 1);
		}
		CHECK(what, id == -1 || id == -2, "iteration did not end after the last id (gave %d)", id);

		len = nodeset_format(&s, text, sizeof(text));
		format_bools(want, NUMAD_MAX_NODES, expect_text, sizeof(expect_text));
		CHECK(what, len == (int)strlen(expect_text) && strcmp(text, expect_text) == 0,
		      "format gave \"%.80s\" (%d), want \"%.80s\"", text, len, expect_text);

		r = nodeset_parse(&back, text, err, sizeof(err));
		CHECK(what, r == 0, "parse of formatted text failed: %s", err);
		for (int i = 0; r == 0 && i < NUMAD_MAX_NODES; i++)
			if (nodeset_has(&back, i) != want[i]) {
				CHECK(what, false, "after round trip id %d is %d, want %d", i, nodeset_has(&back, i),
				      want[i]);
				break;
			}
	}
	assert_int_equal(nfail, 0);
}

static void test_nodeset_format_buffer_size(void **state)
{
	static const struct {
		const char *what;
		int ids[MAXIDS];
		size_t buflen;
		int want;  /* length, or -1 */
	} cases[] = {
		/* "0-3,6" is 5 characters and needs 6 bytes with its NUL */
		{ .what = "exact fit", .ids = { 0, 1, 2, 3, 6, END }, .buflen = 6, .want = 5 },
		{ .what = "one byte short", .ids = { 0, 1, 2, 3, 6, END }, .buflen = 5, .want = -1 },
		{ .what = "zero-size buffer", .ids = { 0, END }, .buflen = 0, .want = -1 },
		{ .what = "empty set in one byte", .ids = { END }, .buflen = 1, .want = 0 },
		{ .what = "\"1023\" in 4 bytes is too small", .ids = { 1023, END }, .buflen = 4, .want = -1 },
		{ .what = "\"1023\" in 5 bytes fits", .ids = { 1023, END }, .buflen = 5, .want = 4 },
	};
	int nfail = 0;
	(void)state;

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const char *what = cases[c].what;
		struct nodeset s;
		char buf[64];
		int r;

		memset(buf, 'Z', sizeof(buf));
		set_from_ids(&s, cases[c].ids);
		r = nodeset_format(&s, buf, cases[c].buflen);
		CHECK(what, r == cases[c].want, "nodeset_format returned %d, want %d", r, cases[c].want);
		/* never writes past buflen */
		for (size_t i = cases[c].buflen; i < sizeof(buf); i++)
			if (buf[i] != 'Z') {
				CHECK(what, false, "byte %zu past the buffer was written", i);
				break;
			}
	}
	assert_int_equal(nfail, 0);
}

/* ---------------------------------------------------------------- idlist_parse */

struct collect {
	bool seen[20000];
	int calls;
};

static void collect_id(void *ctx, unsigned id)
{
	struct collect *c = ctx;

	if (id < sizeof(c->seen) / sizeof(c->seen[0]))
		c->seen[id] = true;
	c->calls++;
}

static void test_idlist_parse_max_id_table(void **state)
{
	static const struct {
		const char *what;
		const char *input;
		unsigned max_id;
		int ok;
		int ids[MAXIDS];    /* END-terminated, when ok */
		const char *token;  /* in the message, when not ok */
	} cases[] = {
		{ .what = "whole range up to max", .input = "0-7", .max_id = 7, .ok = 1,
		  .ids = { 0, 1, 2, 3, 4, 5, 6, 7, END } },
		{ .what = "single above max", .input = "8", .max_id = 7, .ok = 0, .token = "8" },
		{ .what = "range ending above max", .input = "0-8", .max_id = 7, .ok = 0, .token = "0-8" },
		{ .what = "good then too big", .input = "1,3,9", .max_id = 7, .ok = 0, .token = "9" },
		{ .what = "max 0 accepts 0", .input = "0", .max_id = 0, .ok = 1, .ids = { 0, END } },
		{ .what = "max 0 rejects 1", .input = "1", .max_id = 0, .ok = 0, .token = "1" },
		{ .what = "CPU ids (max 16383)", .input = "16380-16383", .max_id = 16383, .ok = 1,
		  .ids = { 16380, 16381, 16382, 16383, END } },
		{ .what = "CPU id 16384 with max 16383", .input = "16384", .max_id = 16383, .ok = 0, .token = "16384" },
		{ .what = "SMT sibling list", .input = "3,35\n", .max_id = 16383, .ok = 1, .ids = { 3, 35, END } },
		{ .what = "empty list calls nothing", .input = "", .max_id = 7, .ok = 1, .ids = { END } },
		{ .what = "garbage", .input = "0-2,z", .max_id = 7, .ok = 0, .token = "z" },
	};
	int nfail = 0;
	(void)state;

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const char *what = cases[c].what;
		struct collect *col = calloc(1, sizeof(*col));
		char err[256] = "";
		int r, nids = 0;

		assert_non_null(col);
		r = idlist_parse(cases[c].input, cases[c].max_id, collect_id, col, err, sizeof(err));
		if (cases[c].ok) {
			CHECK(what, r == 0, "idlist_parse(\"%s\", max %u) returned %d (%s)", cases[c].input,
			      cases[c].max_id, r, err);
			for (int i = 0; cases[c].ids[i] != END; i++, nids++)
				CHECK(what, col->seen[cases[c].ids[i]], "id %d not reported", cases[c].ids[i]);
			CHECK(what, col->calls == nids, "%d ids reported, want %d", col->calls, nids);
		} else {
			CHECK(what, r == -1, "idlist_parse(\"%s\", max %u) returned %d, want -1", cases[c].input,
			      cases[c].max_id, r);
			CHECK(what, strstr(err, cases[c].token) != NULL, "message \"%s\" does not name \"%s\"", err,
			      cases[c].token);
		}
		free(col);
	}
	assert_int_equal(nfail, 0);
}

/* ---------------------------------------------------------------- iteration and set operations */

static void test_nodeset_next_sparse_table(void **state)
{
	static const struct {
		const char *what;
		int ids[MAXIDS];  /* END-terminated, ascending: the expected iteration order */
	} cases[] = {
		{ .what = "empty", .ids = { END } },
		{ .what = "only node 0", .ids = { 0, END } },
		{ .what = "only node 1023", .ids = { 1023, END } },
		{ .what = "word edges", .ids = { 63, 64, 127, 128, END } },
		{ .what = "sparse ids 0,2,5", .ids = { 0, 2, 5, END } },
		{ .what = "far apart", .ids = { 5, 100, 1000, END } },
		{ .what = "first and last", .ids = { 0, 1023, END } },
		{ .what = "every 64th", .ids = { 0, 64, 128, 192, 256, 320, 384, 448, 512, 576, 640, 704, 768, 832, 896,
						 960, END } },
	};
	int nfail = 0;
	(void)state;

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const char *what = cases[c].what;
		struct nodeset s;
		int got[MAXIDS + 1], ngot = 0, nids = 0, n;

		set_from_ids(&s, cases[c].ids);
		while (cases[c].ids[nids] != END)
			nids++;
		for (n = nodeset_next(&s, 0); n >= 0 && ngot <= MAXIDS; n = nodeset_next(&s, n + 1))
			got[ngot++] = n;
		CHECK(what, ngot == nids, "iteration visited %d ids, want %d", ngot, nids);
		for (int i = 0; i < ngot && i < nids; i++)
			CHECK(what, got[i] == cases[c].ids[i], "step %d gave %d, want %d", i, got[i], cases[c].ids[i]);

		/* from an id inside the set it returns that id; from above the last it returns -1 */
		for (int i = 0; i < nids; i++) {
			CHECK(what, nodeset_next(&s, cases[c].ids[i]) == cases[c].ids[i], "next(%d) is %d",
			      cases[c].ids[i], nodeset_next(&s, cases[c].ids[i]));
			if (cases[c].ids[i] > 0 && (i == 0 || cases[c].ids[i - 1] < cases[c].ids[i] - 1))
				CHECK(what, nodeset_next(&s, cases[c].ids[i] - 1) == cases[c].ids[i],
				      "next(%d) is %d, want %d", cases[c].ids[i] - 1,
				      nodeset_next(&s, cases[c].ids[i] - 1), cases[c].ids[i]);
		}
		CHECK(what, nodeset_next(&s, NUMAD_MAX_NODES) == -1, "next(1024) is %d",
		      nodeset_next(&s, NUMAD_MAX_NODES));
		CHECK(what, nodeset_next(&s, 5000) == -1, "next(5000) is %d", nodeset_next(&s, 5000));
		CHECK(what, nodeset_next(&s, -7) == (nids ? cases[c].ids[0] : -1), "next(-7) is %d",
		      nodeset_next(&s, -7));
	}
	assert_int_equal(nfail, 0);
}

static void test_nodeset_add_del_bounds(void **state)
{
	static const struct {
		const char *what;
		int add;      /* id to add */
		bool stored;  /* whether it is a valid id */
	} cases[] = {
		{ .what = "id 0", .add = 0, .stored = true },
		{ .what = "id 1023", .add = 1023, .stored = true },
		{ .what = "id 1024 is out of range", .add = 1024, .stored = false },
		{ .what = "negative id", .add = -1, .stored = false },
		{ .what = "huge id", .add = 1 << 30, .stored = false },
	};
	int nfail = 0;
	(void)state;

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const char *what = cases[c].what;
		struct nodeset s, empty;

		nodeset_clear(&s);
		nodeset_clear(&empty);
		nodeset_add(&s, cases[c].add);
		CHECK(what, nodeset_has(&s, cases[c].add) == cases[c].stored, "has() %d", nodeset_has(&s, cases[c].add));
		CHECK(what, nodeset_count(&s) == (cases[c].stored ? 1 : 0), "count %d", nodeset_count(&s));
		nodeset_del(&s, cases[c].add);
		CHECK(what, nodeset_empty(&s) && nodeset_equal(&s, &empty), "set not empty after delete");
	}
	assert_int_equal(nfail, 0);
}

/* ---------------------------------------------------------------- wspec_parse */

static void test_wspec_table(void **state)
{
	static const struct {
		const char *what;
		const char *input;
		int ok;
		double ncpus;      /* exact, when ok */
		uint64_t mb;
		const char *word;  /* when rejected: the part of the argument the message must name */
	} cases[] = {
		{ .what = "CPUs only", .input = "4", .ok = 1, .ncpus = 4.0, .mb = 0 },
		{ .what = "CPUs and MB", .input = "4:4096", .ok = 1, .ncpus = 4.0, .mb = 4096 },
		{ .what = "one decimal with MB", .input = "2.5:100", .ok = 1, .ncpus = 2.5, .mb = 100 },
		{ .what = "two decimals", .input = "0.25", .ok = 1, .ncpus = 0.25, .mb = 0 },
		{ .what = "two decimals with MB", .input = "1.75:10", .ok = 1, .ncpus = 1.75, .mb = 10 },
		{ .what = "memory only", .input = "0:512", .ok = 1, .ncpus = 0.0, .mb = 512 },
		{ .what = "largest CPU count", .input = "65536", .ok = 1, .ncpus = 65536.0, .mb = 0 },
		{ .what = "largest MB", .input = "1:4294967296", .ok = 1, .ncpus = 1.0, .mb = UINT64_C(4294967296) },
		{ .what = "empty", .input = "", .ok = 0, .word = "NCPUS" },
		{ .what = "letter", .input = "x", .ok = 0, .word = "NCPUS" },
		{ .what = "colon without MB", .input = "4:", .ok = 0, .word = "MB" },
		{ .what = "MB without CPUs", .input = ":4", .ok = 0, .word = "NCPUS" },
		{ .what = "MB not a number", .input = "4:x", .ok = 0, .word = "MB" },
		{ .what = "three decimals", .input = "2.555", .ok = 0, .word = "decimals" },
		{ .what = "dot without decimals", .input = "4.", .ok = 0, .word = "NCPUS" },
		{ .what = "negative CPUs", .input = "-1", .ok = 0, .word = "NCPUS" },
		{ .what = "two colons", .input = "4:4:4", .ok = 0, .word = ":4" },
		{ .what = "negative MB", .input = "4:-5", .ok = 0, .word = "MB" },
		{ .what = "zero asks for nothing", .input = "0", .ok = 0, .word = "'0'" },
		{ .what = "zero and zero", .input = "0:0", .ok = 0, .word = "'0:0'" },
		{ .what = "too many CPUs", .input = "65537", .ok = 0, .word = "NCPUS" },
		{ .what = "largest CPU count plus a fraction", .input = "65536.5", .ok = 0, .word = "NCPUS" },
		{ .what = "too many MB", .input = "1:4294967297", .ok = 0, .word = "MB" },
		{ .what = "unit suffix", .input = "4:4096M", .ok = 0, .word = "M" },
	};
	int nfail = 0;
	(void)state;

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const char *what = cases[c].what;
		double ncpus = -99;
		uint64_t mb = 12345;
		char err[256];
		int r;

		memset(err, 0, sizeof(err));
		r = wspec_parse(cases[c].input, &ncpus, &mb, err, sizeof(err));
		if (cases[c].ok) {
			CHECK(what, r == 0, "wspec_parse(\"%s\") returned %d (%s)", cases[c].input, r, err);
			/* these values are exact in binary floating point */
			CHECK(what, ncpus == cases[c].ncpus, "ncpus %.17g, want %.17g", ncpus, cases[c].ncpus);
			CHECK(what, mb == cases[c].mb, "mb %llu, want %llu", (unsigned long long)mb,
			      (unsigned long long)cases[c].mb);
		} else {
			char quoted[64];

			snprintf(quoted, sizeof(quoted), "'%s'", cases[c].input);
			CHECK(what, r == -1, "wspec_parse(\"%s\") returned %d, want -1", cases[c].input, r);
			CHECK(what, strlen(err) > 10, "message \"%s\" is not a clear message", err);
			CHECK(what, strstr(err, quoted) != NULL, "message \"%s\" does not quote the argument %s", err,
			      quoted);
			CHECK(what, strstr(err, cases[c].word) != NULL, "message \"%s\" does not name \"%s\"", err,
			      cases[c].word);
		}
	}
	assert_int_equal(nfail, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nodeset_parse_format_table),
		cmocka_unit_test(test_nodeset_garbage_table),
		cmocka_unit_test(test_nodeset_random_round_trip),
		cmocka_unit_test(test_nodeset_format_buffer_size),
		cmocka_unit_test(test_idlist_parse_max_id_table),
		cmocka_unit_test(test_nodeset_next_sparse_table),
		cmocka_unit_test(test_nodeset_add_del_bounds),
		cmocka_unit_test(test_wspec_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
