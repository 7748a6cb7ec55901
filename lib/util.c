/* util.c: file reading under a root prefix, and small parsing helpers. */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

int path_join(char *out, size_t outlen, const char *root, const char *rel)
{
	int n;

	while (*rel == '/')
		rel++;
	if (!root || !*root || strcmp(root, "/") == 0)
		n = snprintf(out, outlen, "/%s", rel);
	else
		n = snprintf(out, outlen, "%s%s%s", root, root[strlen(root) - 1] == '/' ? "" : "/", rel);
	if (n < 0 || (size_t)n >= outlen) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

static int buf_reserve(struct buf *b, size_t need)
{
	char *p;
	size_t cap;

	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 4096;
	while (cap < need)
		cap *= 2;
	p = realloc(b->data, cap);
	if (!p)
		return -1;
	b->data = p;
	b->cap = cap;
	return 0;
}

/*
 * Read an open file into b from offset off on: with pread(2) when off >= 0 (a file kept
 * open, read again from its start), else with read(2) from where it stands.
 */
static int read_fd(int fd, off_t off, struct buf *b, size_t max, bool whole_at_once)
{
	b->len = 0;
	if (buf_reserve(b, 4096) < 0)
		return -1;
	b->data[0] = '\0';
	for (;;) {
		ssize_t n;
		size_t want;

		if (b->len + 1 >= b->cap) {
			if (b->cap >= max + 1)
				break;
			if (buf_reserve(b, b->cap * 2) < 0)
				return -1;
		}
		want = (b->cap - 1 < max ? b->cap - 1 : max) - b->len;
		n = off >= 0 ? pread(fd, b->data + b->len, want, off + (off_t)b->len) : read(fd, b->data + b->len, want);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			b->data[b->len] = '\0';
			return -1;
		}
		if (n == 0)
			break;
		b->len += (size_t)n;
		if (b->len >= max || (whole_at_once && (size_t)n < want))
			break;
	}
	b->data[b->len] = '\0';
	return 0;
}

static int read_at(const char *root, const char *rel, struct buf *b, size_t max, bool whole_at_once)
{
	char path[4096];
	int fd, r, saved;

	b->len = 0;
	if (buf_reserve(b, 4096) < 0)
		return -1;
	b->data[0] = '\0';
	if (path_join(path, sizeof(path), root, rel) < 0)
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	r = read_fd(fd, -1, b, max, whole_at_once);
	saved = errno;
	close(fd);
	errno = saved;
	return r;
}

int read_file_at(const char *root, const char *rel, struct buf *b, size_t max)
{
	return read_at(root, rel, b, max, false);
}

int read_attr_at(const char *root, const char *rel, struct buf *b, size_t max)
{
	return read_at(root, rel, b, max, true);
}

int read_attr_fd(int fd, struct buf *b, size_t max)
{
	return read_fd(fd, 0, b, max, true);
}

int parse_u64(const char **p, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!isdigit((unsigned char)*s))
		return -1;
	while (isdigit((unsigned char)*s)) {
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
		s++;
	}
	*p = s;
	*out = v;
	return 0;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9'; /* not isdigit(): the grammar is the same in every locale */
}

/* A range's end as the messages write it: 0.1, 600, 10000000 (no exponent: the grammar has none). */
static void format_bound(double v, char *buf, size_t len)
{
	if (v > -1e15 && v < 1e15 && v == (double)(long long)v)
		snprintf(buf, len, "%lld", (long long)v);
	else
		snprintf(buf, len, "%g", v);
}

int parse_decimal(const char *text, bool fraction, double lo, double hi, double *out, char *why, size_t whylen)
{
	const char *p = text + (*text == '-');
	bool point = false;
	char *end, a[32], b[32];
	double v;

	if (!is_digit(*p))
		goto bad;
	while (is_digit(*p))
		p++;
	if (*p == '.') {
		point = true;
		if (!is_digit(*++p))
			goto bad;
		while (is_digit(*p))
			p++;
	}
	if (*p)
		goto bad;
	if (point && !fraction) {
		snprintf(why, whylen, "'%s' is not a whole number", text);
		return -1;
	}
	/* What is left is strtod's decimal form; a number too large for a double is HUGE_VAL, out of range. */
	errno = 0;
	v = strtod(text, &end);
	if (end != p)
		goto bad; /* a locale whose decimal point is not '.' */
	if (!(v >= lo && v <= hi)) {
		format_bound(lo, a, sizeof(a));
		format_bound(hi, b, sizeof(b));
		snprintf(why, whylen, "'%s' is not a number from %s to %s", text, a, b);
		return -1;
	}
	*out = v;
	return 0;
bad:
	snprintf(why, whylen, "'%s' is not a decimal number", text);
	return -1;
}

#define NEAR_LEN 64 /* longer words are near nothing: no key or option is that long */

/* The edit distance of a and b, a swap of neighbours counting as one edit (optimal string alignment). */
static int distance(const char *a, size_t n, const char *b, size_t m)
{
	int r[3][NEAR_LEN + 1];

	for (size_t j = 0; j <= m; j++)
		r[0][j] = (int)j;
	for (size_t i = 1; i <= n; i++) {
		int *cur = r[i % 3], *up = r[(i - 1) % 3], *up2 = r[(i + 1) % 3]; /* rows i, i - 1, i - 2 */

		cur[0] = (int)i;
		for (size_t j = 1; j <= m; j++) {
			int v = up[j - 1] + (a[i - 1] != b[j - 1]);

			if (up[j] + 1 < v)
				v = up[j] + 1;
			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && up2[j - 2] + 1 < v)
				v = up2[j - 2] + 1;
			cur[j] = v;
		}
	}
	return r[n % 3][m];
}

int near_word(const char *w, const char *const *words)
{
	size_t n = strlen(w);
	int max = n >= 6 ? 2 : n >= 3 ? 1 : 0, best = -1, bestd = max + 1;
	bool tie = false;

	if (n > NEAR_LEN)
		return -1;
	for (int i = 0; words[i]; i++) {
		size_t m = strlen(words[i]);
		int d;

		if (m > NEAR_LEN || (m > n ? m - n : n - m) > (size_t)max)
			continue; /* more edits apart than the lengths allow */
		d = distance(w, n, words[i], m);
		if (d < bestd) {
			best = i;
			bestd = d;
			tie = false;
		} else if (d == bestd) {
			tie = true;
		}
	}
	return tie ? -1 : best;
}

int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t wall_clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
