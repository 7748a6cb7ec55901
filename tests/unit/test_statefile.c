/*
 * test_statefile.c: numad's state file (lib/statefile.h): what it remembers of each guest
 * across a restart. A table of good and bad texts for the parser, each bad one with the line
 * (or byte) and the words of its reason as statefile.h documents the format; files that are
 * missing, truncated, foreign, oversize or not regular; and saves that replace the file at
 * once, leave no temporary file and keep the old file when they cannot write.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "statefile.h"
#include "support.h"

#define U1 "5e1a0000-0000-4000-8000-5f194ec59887"
#define U2 "0b6f3c1e-95a2-4c11-9d3e-2f8a1b7c6d5e"
#define HEAD "numad-state 1\n"
#define G1 "guest " U1 " id=2 managed=1 moved=1796179394115 prev=3 urgent=0\n"
#define G2 "guest " U2 " id=17 managed=0 moved=0 prev=- urgent=1\n"

static int nfail;

/* ---- the parser ---- */

static void test_parse_good(void **state)
{
	struct state_table t = { 0 };
	char err[256] = "";
	(void)state;

	nfail = 0;
	CHECK("two guests", statefile_parse(HEAD G1 G2 "end 2\n", strlen(HEAD G1 G2 "end 2\n"), &t, err, sizeof(err)) == 0,
	      "%s", err);
	CHECK("two guests", t.n == 2, "n %d", t.n);
	if (t.n == 2) {
		const struct state_entry *a = &t.e[0], *b = &t.e[1];
		CHECK("first", strcmp(a->uuid, U1) == 0 && a->dom_id == 2 && a->managed && a->moved_wall_ms == 1796179394115LL &&
			      a->has_prev && nodeset_count(&a->prev) == 1 && nodeset_has(&a->prev, 3) && !a->urgent,
		      "uuid %s id %d managed %d moved %lld", a->uuid, a->dom_id, a->managed, (long long)a->moved_wall_ms);
		CHECK("second", strcmp(b->uuid, U2) == 0 && b->dom_id == 17 && !b->managed && b->moved_wall_ms == 0 &&
			      !b->has_prev && b->urgent,
		      "uuid %s id %d", b->uuid, b->dom_id);
	}
	CHECK("no guest", statefile_parse(HEAD "end 0\n", strlen(HEAD "end 0\n"), &t, err, sizeof(err)) == 0 && t.n == 0,
	      "%s", err);
	statefile_free(&t);
	assert_int_equal(nfail, 0);
}

static void test_parse_bad(void **state)
{
	static const struct {
		const char *what, *text, *err;
	} cases[] = {
		{ "empty", "", "line 1: empty" },
		{ "foreign: a config file", "interval = 1:15\n", "line 1: not a numad state file" },
		{ "foreign: JSON", "{\"guests\": []}\n", "line 1: not a numad state file" },
		{ "another version", "numad-state 2\nend 0\n", "line 1: version '2' (numad reads version 1)" },
		{ "no version", "numad-state x\nend 0\n", "line 1: version 'x'" },
		{ "truncated mid-line", HEAD "guest " U1 " id=2 man", "line 2: cut short (no end of line)" },
		{ "truncated at a line's end", HEAD G1, "line 3: cut short (no 'end N' line)" },
		{ "end miscounts", HEAD G1 G2 "end 1\n", "line 4: the 'end' line does not count" },
		{ "text after end", HEAD "end 0\n" G1, "line 3: text after 'end'" },
		{ "bad uuid", HEAD "guest 5e1a0000 id=2 managed=1 moved=0 prev=- urgent=0\nend 1\n", "line 2: bad UUID" },
		{ "negative id", HEAD "guest " U1 " id=-1 managed=1 moved=0 prev=- urgent=0\nend 1\n", "line 2: bad id=" },
		{ "id too big", HEAD "guest " U1 " id=2147483648 managed=1 moved=0 prev=- urgent=0\nend 1\n",
		  "line 2: bad id=" },
		{ "managed 2", HEAD "guest " U1 " id=2 managed=2 moved=0 prev=- urgent=0\nend 1\n", "line 2: bad managed=" },
		{ "moved in the year 3000", HEAD "guest " U1 " id=2 managed=1 moved=32503680000000 prev=- urgent=0\nend 1\n",
		  "line 2: bad moved=" },
		{ "moved overflows", HEAD "guest " U1 " id=2 managed=1 moved=99999999999999999999 prev=- urgent=0\nend 1\n",
		  "line 2: bad moved=" },
		{ "prev node 5000", HEAD "guest " U1 " id=2 managed=1 moved=0 prev=5000 urgent=0\nend 1\n",
		  "line 2: bad prev=" },
		{ "prev empty", HEAD "guest " U1 " id=2 managed=1 moved=0 prev= urgent=0\nend 1\n", "line 2: bad prev=" },
		{ "fields out of order", HEAD "guest " U1 " managed=1 id=2 moved=0 prev=- urgent=0\nend 1\n",
		  "line 2: bad id=" },
		{ "a field missing", HEAD "guest " U1 " id=2 managed=1 moved=0 prev=-\nend 1\n", "line 2: bad urgent=" },
		{ "a field more", HEAD "guest " U1 " id=2 managed=1 moved=0 prev=- urgent=0 x=1\nend 1\n",
		  "line 2: text after urgent=" },
		{ "a trailing space", HEAD "guest " U1 " id=2 managed=1 moved=0 prev=- urgent=0 \nend 1\n",
		  "line 2: bad urgent=" },
		{ "two spaces", HEAD "guest  " U1 " id=2 managed=1 moved=0 prev=- urgent=0\nend 1\n", "line 2: bad UUID" },
		{ "a uuid twice", HEAD G1 G1 "end 2\n", "line 3: a second line for this UUID" },
		{ "a NUL byte", "numad-state 1\n\0end 0\n", "byte 14: a NUL byte" },
	};
	struct state_table t = { 0 };
	char err[256];
	(void)state;

	nfail = 0;
	for (size_t i = 0; i < NELEM(cases); i++) {
		size_t len = strcmp(cases[i].what, "a NUL byte") == 0 ? 21 : strlen(cases[i].text);
		int rc;

		err[0] = '\0';
		rc = statefile_parse(cases[i].text, len, &t, err, sizeof(err));
		CHECK(cases[i].what, rc == -1, "parsed (rc %d)", rc);
		CHECK(cases[i].what, strncmp(err, cases[i].err, strlen(cases[i].err)) == 0, "error '%s', want '%s...'", err,
		      cases[i].err);
		CHECK(cases[i].what, t.n == 0 && t.e == NULL, "a bad text left %d entries", t.n);
	}
	assert_int_equal(nfail, 0);
}

/* The most guests parse; one more is refused, and so is a text over the size bound. */
static void test_parse_bounds(void **state)
{
	size_t cap = 64 + (size_t)(STATEFILE_MAX_GUESTS + 1) * 100;
	char *text = malloc(cap), *big;
	struct state_table t = { 0 };
	char err[256];
	size_t used;
	(void)state;

	assert_non_null(text);
	for (int extra = 0; extra < 2; extra++) {
		int n = STATEFILE_MAX_GUESTS + extra;

		used = (size_t)snprintf(text, cap, HEAD);
		for (int i = 0; i < n; i++)
			used += (size_t)snprintf(text + used, cap - used,
						 "guest 00000000-0000-4000-8000-%012d id=%d managed=1 moved=0 prev=- urgent=0\n", i, i);
		used += (size_t)snprintf(text + used, cap - used, "end %d\n", n);
		if (!extra) {
			assert_int_equal(statefile_parse(text, used, &t, err, sizeof(err)), 0);
			assert_int_equal(t.n, STATEFILE_MAX_GUESTS);
		} else {
			assert_int_equal(statefile_parse(text, used, &t, err, sizeof(err)), -1);
			assert_string_equal(err, "line 4098: too many guests");
		}
	}
	big = malloc(STATEFILE_MAX_BYTES + 2);
	assert_non_null(big);
	memset(big, '#', STATEFILE_MAX_BYTES + 1);
	assert_int_equal(statefile_parse(big, STATEFILE_MAX_BYTES + 1, &t, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "larger than 1048576 bytes"));
	free(big);
	free(text);
	statefile_free(&t);
}

/* What format writes, parse reads back the same, and the text is the documented one. */
static void test_format_round_trip(void **state)
{
	struct state_table t = { 0 }, back = { 0 };
	struct state_entry e = { .uuid = U1, .dom_id = 2, .managed = true, .moved_wall_ms = 1796179394115LL };
	char err[256], *text;
	(void)state;

	nodeset_add(&e.prev, 3);
	e.has_prev = true;
	assert_int_equal(statefile_add(&t, &e), 0);
	memset(&e, 0, sizeof(e));
	snprintf(e.uuid, sizeof(e.uuid), "%s", U2);
	e.dom_id = 17;
	e.urgent = true;
	assert_int_equal(statefile_add(&t, &e), 0);
	text = statefile_format(&t);
	assert_non_null(text);
	assert_string_equal(text, HEAD G1 G2 "end 2\n");
	assert_int_equal(statefile_parse(text, strlen(text), &back, err, sizeof(err)), 0);
	assert_int_equal(back.n, 2);
	assert_memory_equal(&back.e[0], &t.e[0], sizeof(t.e[0]));
	assert_memory_equal(&back.e[1], &t.e[1], sizeof(t.e[1]));
	free(text);
	statefile_free(&t);
	statefile_free(&back);
}

/* ---- files ---- */

static void test_load_files(void **state)
{
	char *root = make_root("statefile"), path[512], err[512];
	struct state_table t = { 0 };
	FILE *f;
	(void)state;

	snprintf(path, sizeof(path), "%s/state", root);
	assert_int_equal(statefile_load(path, &t, err, sizeof(err)), 1); /* none yet: a fresh start, no warning */
	write_text(path, HEAD G1 "end 1\n");
	assert_int_equal(statefile_load(path, &t, err, sizeof(err)), 0);
	assert_int_equal(t.n, 1);
	/* truncated by a crash of something else: named by FILE:LINE */
	write_text(path, HEAD G1);
	assert_int_equal(statefile_load(path, &t, err, sizeof(err)), -1);
	assert_int_equal(t.n, 0);
	assert_true(strncmp(err, path, strlen(path)) == 0);
	assert_string_equal(err + strlen(path), ":3: cut short (no 'end N' line)");
	/* foreign */
	write_text(path, "[Unit]\nDescription=not ours\n");
	assert_int_equal(statefile_load(path, &t, err, sizeof(err)), -1);
	assert_string_equal(err + strlen(path), ":1: not a numad state file (no 'numad-state VERSION' line)");
	/* oversize: refused from its size, before it is read */
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(ftruncate(fileno(f), STATEFILE_MAX_BYTES + 1), 0);
	fclose(f);
	assert_int_equal(statefile_load(path, &t, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "1048577 bytes, larger than 1048576"));
	/* not a regular file, and a symlink (never followed) */
	unlink(path);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(statefile_load(path, &t, err, sizeof(err)), -1);
	rmdir(path);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	assert_int_equal(statefile_load(path, &t, err, sizeof(err)), -1);
	unlink(path);
	drop_root(root);
}

static void test_save(void **state)
{
	char *root = make_root("statefile"), path[512], tmp[520], err[512], *text;
	struct state_table t = { 0 };
	struct stat st;
	(void)state;

	snprintf(path, sizeof(path), "%s/state", root);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	write_text(tmp, "left by a crash"); /* a temporary file an earlier run left */
	assert_int_equal(statefile_save(path, HEAD G1 "end 1\n", err, sizeof(err)), 0);
	text = must_slurp(path);
	assert_string_equal(text, HEAD G1 "end 1\n");
	free(text);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(access(tmp, F_OK), -1); /* renamed, none left */
	assert_int_equal(statefile_load(path, &t, err, sizeof(err)), 0);
	assert_int_equal(t.n, 1);
	statefile_free(&t);
	/* a directory it cannot write in: an error naming the file, the old file as it was */
	if (geteuid() != 0) {
		assert_int_equal(chmod(root, 0500), 0);
		assert_int_equal(statefile_save(path, HEAD "end 0\n", err, sizeof(err)), -1);
		assert_true(strstr(err, "state.tmp") != NULL);
		assert_int_equal(chmod(root, 0700), 0);
		text = must_slurp(path);
		assert_string_equal(text, HEAD G1 "end 1\n");
		free(text);
	}
	/* no such directory */
	snprintf(path, sizeof(path), "%s/missing/state", root);
	assert_int_equal(statefile_save(path, HEAD "end 0\n", err, sizeof(err)), -1);
	assert_true(strstr(err, "missing/state.tmp") != NULL);
	drop_root(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),  cmocka_unit_test(test_parse_bad),   cmocka_unit_test(test_parse_bounds),
		cmocka_unit_test(test_format_round_trip), cmocka_unit_test(test_load_files), cmocka_unit_test(test_save),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
