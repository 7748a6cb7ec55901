/* config.c: the key = value parser behind /etc/numad.conf (format in config.h). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "util.h"

struct parse_state {
	const char *const *keys;
	int *first_line;          /* per key: the line that set it, 0 when not yet */
	config_setter set;
	void *ctx;
	struct config_error *errs;
	int maxerrs;
	int nerr;
};

static void add_error(struct parse_state *st, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void add_error(struct parse_state *st, int line, const char *fmt, ...)
{
	va_list ap;

	if (st->nerr < st->maxerrs) {
		struct config_error *e = &st->errs[st->nerr];

		e->line = line;
		va_start(ap, fmt);
		vsnprintf(e->reason, sizeof(e->reason), fmt, ap);
		va_end(ap);
	}
	st->nerr++;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

static char *trim(char *s, char *end)
{
	while (s < end && is_blank(*s))
		s++;
	while (end > s && is_blank(end[-1]))
		end--;
	*end = '\0';
	return s;
}

/* A comment starts at a '#' that begins the text or follows whitespace. */
static char *comment_start(char *s)
{
	for (char *q = s; *q; q++)
		if (*q == '#' && (q == s || is_blank(q[-1])))
			return q;
	return NULL;
}

static int find_key(const struct parse_state *st, const char *key)
{
	for (int i = 0; st->keys[i]; i++)
		if (strcmp(st->keys[i], key) == 0)
			return i;
	return -1;
}

/*
 * The key a near miss was meant to be. Case and a '-' for a '_' are no edit (the keys are
 * lower case, and the options they stand for are spelt with '-'); beyond that, a spelling a
 * letter or two away: "target_utilisation", "fast_intreval".
 */
static int near_key(const struct parse_state *st, const char *key)
{
	char want[CONFIG_LINE_MAX + 1];
	size_t i;

	for (i = 0; key[i] && i < CONFIG_LINE_MAX; i++)
		want[i] = key[i] == '-' ? '_' : (char)tolower((unsigned char)key[i]);
	want[i] = '\0';
	return near_word(want, st->keys);
}

/* Split off the value; returns it, or NULL after recording why not. */
static char *parse_value(struct parse_state *st, char *v, int line)
{
	char *end;

	while (is_blank(*v))
		v++;
	if (*v == '"') {
		char *close = strchr(v + 1, '"');
		char *rest;

		if (!close) {
			add_error(st, line, "unterminated quote");
			return NULL;
		}
		*close = '\0';
		for (rest = close + 1; is_blank(*rest); rest++)
			;
		if (*rest && *rest != '#') {
			add_error(st, line, "text after the closing quote");
			return NULL;
		}
		return v + 1;
	}
	end = comment_start(v);
	v = trim(v, end ? end : v + strlen(v));
	if (!*v) {
		add_error(st, line, "missing value (write \"\" for an empty one)");
		return NULL;
	}
	if (strchr(v, '"')) {
		add_error(st, line, "stray '\"' in value (quote the whole value)");
		return NULL;
	}
	return v;
}

static void parse_line(struct parse_state *st, char *s, int line)
{
	char why[sizeof(st->errs->reason)] = "";
	char *eq, *key, *value, *hash;
	int k;

	while (is_blank(*s))
		s++;
	if (!*s || *s == '#')
		return;
	eq = strchr(s, '=');
	hash = comment_start(s);
	if (!eq || (hash && hash < eq)) {
		add_error(st, line, "missing '='");
		return;
	}
	key = trim(s, eq);
	if (!*key) {
		add_error(st, line, "empty key");
		return;
	}
	for (const char *c = key; *c; c++)
		if (!is_key_char(*c)) {
			if (isprint((unsigned char)*c))
				add_error(st, line, "bad character '%c' in key '%.64s' (use letters, digits, '_' and '-')",
					  *c, key);
			else
				add_error(st, line, "bad character '\\x%02x' in key (use letters, digits, '_' and '-')",
					  (unsigned char)*c);
			return;
		}
	value = parse_value(st, eq + 1, line);
	if (!value)
		return;
	k = find_key(st, key);
	if (k < 0) {
		int near = near_key(st, key);

		if (near >= 0)
			add_error(st, line, "unknown key '%.64s' (did you mean '%s'?)", key, st->keys[near]);
		else
			add_error(st, line, "unknown key '%.64s'", key);
		return;
	}
	if (st->first_line[k]) {
		add_error(st, line, "duplicate key '%s' (first set on line %d)", st->keys[k], st->first_line[k]);
		return;
	}
	st->first_line[k] = line;
	if (st->set(st->keys[k], value, line, st->ctx, why, sizeof(why)) < 0)
		add_error(st, line, "%s", why[0] ? why : "bad value");
}

int config_parse(const char *text, size_t len, const char *const *keys, config_setter set, void *ctx,
		 struct config_error *errs, int maxerrs)
{
	struct parse_state st = { .keys = keys, .set = set, .ctx = ctx, .errs = errs, .maxerrs = errs ? maxerrs : 0 };
	char buf[CONFIG_LINE_MAX + 1];
	size_t nkeys = 0, pos = 0;
	int line = 0;

	while (keys[nkeys])
		nkeys++;
	st.first_line = calloc(nkeys + 1, sizeof(*st.first_line));
	if (!st.first_line) {
		add_error(&st, 0, "out of memory");
		return st.nerr;
	}
	while (pos < len) {
		const char *start = text + pos;
		const char *nl = memchr(start, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - start) : len - pos;

		pos += n + (nl ? 1 : 0);
		line++;
		if (n && start[n - 1] == '\r')
			n--;
		if (memchr(start, '\0', n)) {
			add_error(&st, line, "NUL byte");
			continue;
		}
		if (n > CONFIG_LINE_MAX) {
			add_error(&st, line, "line longer than %d bytes", CONFIG_LINE_MAX);
			continue;
		}
		memcpy(buf, start, n);
		buf[n] = '\0';
		parse_line(&st, buf, line);
	}
	free(st.first_line);
	return st.nerr;
}

void config_error_format(const char *path, const struct config_error *e, char *buf, size_t len)
{
	if (path && e->line > 0)
		snprintf(buf, len, "%s:%d: %s", path, e->line, e->reason);
	else if (path)
		snprintf(buf, len, "%s: %s", path, e->reason);
	else if (e->line > 0)
		snprintf(buf, len, "line %d: %s", e->line, e->reason);
	else
		snprintf(buf, len, "%s", e->reason);
}

char *config_read(const char *path, size_t *len)
{
	size_t n = 0, cap = 4096;
	char *text = malloc(cap);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int saved;

	if (!text || fd < 0)
		goto fail;
	for (;;) {
		ssize_t r;

		if (n + 1 >= cap) {
			char *bigger;

			if (cap > CONFIG_FILE_MAX) {
				errno = EFBIG;
				goto fail;
			}
			bigger = realloc(text, cap * 2);
			if (!bigger)
				goto fail;
			text = bigger;
			cap *= 2;
		}
		r = read(fd, text + n, cap - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto fail;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > CONFIG_FILE_MAX) {
		errno = EFBIG;
		goto fail;
	}
	close(fd);
	text[n] = '\0';
	*len = n;
	return text;
fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	free(text);
	errno = saved;
	return NULL;
}
