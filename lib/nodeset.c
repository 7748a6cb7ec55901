/* nodeset.c: node id sets and list syntax. */
#include "nodeset.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void nodeset_clear(struct nodeset *s)
{
	memset(s, 0, sizeof(*s));
}

void nodeset_add(struct nodeset *s, int n)
{
	if (n >= 0 && n < NUMAD_MAX_NODES)
		s->w[n / 64] |= UINT64_C(1) << (n % 64);
}

void nodeset_del(struct nodeset *s, int n)
{
	if (n >= 0 && n < NUMAD_MAX_NODES)
		s->w[n / 64] &= ~(UINT64_C(1) << (n % 64));
}

bool nodeset_has(const struct nodeset *s, int n)
{
	if (n < 0 || n >= NUMAD_MAX_NODES)
		return false;
	return (s->w[n / 64] >> (n % 64)) & 1;
}

int nodeset_count(const struct nodeset *s)
{
	int c = 0;
	for (size_t i = 0; i < sizeof(s->w) / sizeof(s->w[0]); i++)
		c += __builtin_popcountll(s->w[i]);
	return c;
}

bool nodeset_empty(const struct nodeset *s)
{
	for (size_t i = 0; i < sizeof(s->w) / sizeof(s->w[0]); i++)
		if (s->w[i])
			return false;
	return true;
}

bool nodeset_equal(const struct nodeset *a, const struct nodeset *b)
{
	return memcmp(a->w, b->w, sizeof(a->w)) == 0;
}

int nodeset_next(const struct nodeset *s, int from)
{
	if (from < 0)
		from = 0;
	for (int i = from / 64; i < NUMAD_MAX_NODES / 64; i++) {
		uint64_t w = s->w[i];
		if (i == from / 64)
			w &= ~UINT64_C(0) << (from % 64);
		if (w)
			return i * 64 + __builtin_ctzll(w);
	}
	return -1;
}

/* Parse one decimal id at *p; advances *p. Returns -1 when no digits or overflow. */
static long parse_id(const char **p)
{
	const char *s = *p;
	long v = 0;

	if (!isdigit((unsigned char)*s))
		return -1;
	while (isdigit((unsigned char)*s)) {
		v = v * 10 + (*s - '0');
		if (v > 0x7fffffffL)
			return -1;
		s++;
	}
	*p = s;
	return v;
}

/*
 * n bytes at p into buf for an error message, what is not printable ASCII as \xNN: the
 * text comes from sysfs or a user, and a message must stay one line of plain text.
 */
static const char *quote_bytes(const char *p, size_t n, char *buf, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 5 <= len; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c >= 0x20 && c < 0x7f && c != '\\')
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
	}
	buf[o < len ? o : len - 1] = '\0';
	return buf;
}

/* The token starting at p (up to the next comma or end) into buf for error messages. */
static const char *token_at(const char *p, char *buf, size_t len)
{
	size_t n = strcspn(p, ",");
	while (n > 0 && isspace((unsigned char)p[n - 1]))
		n--;
	return quote_bytes(p, n, buf, len);
}

int idlist_parse(const char *text, unsigned max_id, void (*add)(void *ctx, unsigned id), void *ctx,
		 char *err, size_t errlen)
{
	const char *p = text;
	char tok[64], all[256];

	while (isspace((unsigned char)*p))
		p++;
	if (*p == '\0')
		return 0;
	for (;;) {
		const char *start = p;
		long lo = parse_id(&p), hi;

		if (lo < 0)
			goto bad;
		hi = lo;
		if (*p == '-') {
			p++;
			hi = parse_id(&p);
			if (hi < 0)
				goto bad;
		}
		if (hi < lo) {
			snprintf(err, errlen, "bad range '%s': end is below start", token_at(start, tok, sizeof(tok)));
			return -1;
		}
		if ((unsigned long)hi > max_id) {
			snprintf(err, errlen, "id in '%s' is above the maximum %u", token_at(start, tok, sizeof(tok)),
				 max_id);
			return -1;
		}
		for (long i = lo; i <= hi; i++)
			add(ctx, (unsigned)i);
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == ',') {
			p++;
			continue;
		}
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			return 0;
	bad:
		snprintf(err, errlen, "bad token '%s' in list '%s'", token_at(start, tok, sizeof(tok)),
			 quote_bytes(text, strcspn(text, "\n"), all, sizeof(all)));
		return -1;
	}
}

static void add_node(void *ctx, unsigned id)
{
	nodeset_add(ctx, (int)id);
}

int nodeset_parse(struct nodeset *s, const char *text, char *err, size_t errlen)
{
	nodeset_clear(s);
	return idlist_parse(text, NUMAD_MAX_NODES - 1, add_node, s, err, errlen);
}

int nodeset_format(const struct nodeset *s, char *buf, size_t buflen)
{
	size_t len = 0;
	int n = nodeset_next(s, 0);

	if (buflen == 0)
		return -1;
	buf[0] = '\0';
	while (n >= 0) {
		int end = n;
		int w;

		while (nodeset_has(s, end + 1))
			end++;
		if (end == n)
			w = snprintf(buf + len, buflen - len, "%s%d", len ? "," : "", n);
		else
			w = snprintf(buf + len, buflen - len, "%s%d-%d", len ? "," : "", n, end);
		if (w < 0 || (size_t)w >= buflen - len)
			return -1;
		len += (size_t)w;
		n = nodeset_next(s, end + 1);
	}
	return (int)len;
}
