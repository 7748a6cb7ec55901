/*
 * fuzz_config: config_parse, the parser of /etc/numad.conf, with the keys of
 * conf/numad.conf and numad 0.5's names beside them.
 *
 * Input: the file's bytes (NUL bytes, CRLF and over-long lines included). The setter
 * refuses values of the numeric keys that are not digits, so the setter's error path
 * runs too.
 *
 * Checks: the error count is the same with and without an error array; each recorded
 * error names a line of the text (1..lines) with a terminated, non-empty reason, and
 * formats (with and without a path, into small and large buffers) without overrun;
 * every setting the setter sees is a known key, at most once per key, on increasing
 * lines, with a value that is a piece of the text and holds no '"' or '\n'; settings
 * plus errors are at most the lines of the text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"

static const char *const keys[] = {
	"target_utilization", "memory_locality", "inactive_file_cache", "smt_percent", "reserved_cpus",
	"interval", "advise_only", "exclude", "fast_interval", "horizon", "margin", "guest_interval",
	"migrate_rate", "urgent_burst", "thp_scan_ms", "keep_interleave", "scan_all", "connect", "socket",
	"control_group", "pidfile", "log", "log_level",
	/* numad 0.5's option letters as aliases, and a key with a '-' */
	"u", "m", "C", "t", "R", "i", "S", "x", "K", "p", "l", "log-file", NULL,
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]) - 1)

struct seen {
	const char *text;
	size_t len;
	int calls;
	int refused;   /* calls the setter refused: those lines count as errors too */
	int last_line;
	int line_of[NKEYS];
};

static int numeric(const char *key)
{
	static const char *const nums[] = { "target_utilization", "memory_locality", "smt_percent", "margin",
					    "log_level", "u", "m", "t", NULL };

	for (int i = 0; nums[i]; i++)
		if (strcmp(nums[i], key) == 0)
			return 1;
	return 0;
}

static int setter(const char *key, const char *value, int line, void *ctx, char *why, size_t whylen)
{
	struct seen *s = ctx;
	size_t k, vlen;

	for (k = 0; k < NKEYS; k++)
		if (keys[k] == key || strcmp(keys[k], key) == 0)
			break;
	FUZZ_CHECK(k < NKEYS);
	FUZZ_CHECK(s->line_of[k] == 0);
	s->line_of[k] = line;
	FUZZ_CHECK(line > s->last_line);
	s->last_line = line;
	s->calls++;
	vlen = strlen(value);
	FUZZ_CHECK(vlen <= CONFIG_LINE_MAX);
	FUZZ_CHECK(!strchr(value, '"') && !strchr(value, '\n'));
	/* the value is a piece of the text */
	FUZZ_CHECK(vlen == 0 || memmem(s->text, s->len, value, vlen) != NULL);
	if (numeric(key) && (vlen == 0 || strspn(value, "0123456789") != vlen)) {
		/* a long reason: the parser must cut it into its 384 bytes */
		snprintf(why, whylen, "'%s' is not a whole number: %s%s", value, value, value);
		s->refused++;
		return -1;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config_error errs[8];
	struct seen s = { 0 };
	char *text = malloc(size ? size : 1);
	int n, n2, lines = 0;

	if (!text)
		abort();
	memcpy(text, data, size);   /* exactly size bytes, no NUL after: the parser takes a length */
	s.text = text;
	s.len = size;
	for (size_t i = 0; i < size; i++)
		lines += text[i] == '\n';
	if (size && text[size - 1] != '\n')
		lines++;

	memset(errs, 'x', sizeof(errs));
	n = config_parse(text, size, keys, setter, &s, errs, 8);
	FUZZ_CHECK(n >= 0);
	FUZZ_CHECK(s.calls - s.refused + n <= lines && s.refused <= n);
	for (int i = 0; i < n && i < 8; i++) {
		char small[16], big[1024];

		FUZZ_CHECK(errs[i].line >= 0 && errs[i].line <= lines);
		FUZZ_CHECK(fuzz_terminated(errs[i].reason, sizeof(errs[i].reason)) && errs[i].reason[0]);
		memset(small, 'x', sizeof(small));
		config_error_format("/etc/numad.conf", &errs[i], small, sizeof(small));
		FUZZ_CHECK(fuzz_terminated(small, sizeof(small)));
		config_error_format(NULL, &errs[i], big, sizeof(big));
		FUZZ_CHECK(fuzz_terminated(big, sizeof(big)) && strlen(big) > 0);
	}
	/* the same text, no room for errors: the same count */
	memset(&s, 0, sizeof(s));
	s.text = text;
	s.len = size;
	n2 = config_parse(text, size, keys, setter, &s, NULL, 0);
	FUZZ_CHECK(n2 == n);
	free(text);
	return 0;
}
