/* statefile.c: numad's state file (statefile.h): a strict parser, the writer, atomic saves. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "statefile.h"

#define HEADER "numad-state"

void statefile_free(struct state_table *t)
{
	free(t->e);
	t->e = NULL;
	t->n = t->cap = 0;
}

int statefile_add(struct state_table *t, const struct state_entry *e)
{
	if (t->n >= STATEFILE_MAX_GUESTS)
		return -1;
	if (t->n == t->cap) {
		int cap = t->cap ? t->cap * 2 : 16;
		struct state_entry *p = realloc(t->e, (size_t)cap * sizeof(*p));

		if (!p)
			return -1;
		t->e = p;
		t->cap = cap;
	}
	t->e[t->n++] = *e;
	return 0;
}

/* libvirt's UUID form: 8-4-4-4-12 hex digits. */
static bool uuid_ok(const char *s, size_t len)
{
	if (len != 36)
		return false;
	for (size_t i = 0; i < len; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		char c = s[i];

		if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			return false;
	}
	return true;
}

/* A decimal in [0, max] of exactly len characters. */
static bool number(const char *s, size_t len, int64_t max, int64_t *out)
{
	int64_t v = 0;

	if (len == 0 || len > 19)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		if (v > max / 10 || (v == max / 10 && s[i] - '0' > max % 10))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/* The next space-separated word of [*p, end): its start and length; false when none. */
static bool word(const char **p, const char *end, const char **w, size_t *len)
{
	const char *q = *p;

	if (q >= end || *q == ' ')
		return false;
	*w = q;
	while (q < end && *q != ' ')
		q++;
	*len = (size_t)(q - *w);
	*p = q < end ? q + 1 : q;
	return !(q < end && q + 1 == end); /* no trailing space */
}

/* "KEY=VALUE" of a word: the value, or NULL when the key is not key. */
static const char *field(const char *w, size_t len, const char *key, size_t *vlen)
{
	size_t k = strlen(key);

	if (len <= k || strncmp(w, key, k) != 0 || w[k] != '=')
		return NULL;
	*vlen = len - k - 1;
	return w + k + 1;
}

static int line_error(char *err, size_t errlen, int line, const char *why)
{
	snprintf(err, errlen, "line %d: %s", line, why);
	return -1;
}

/* One "guest ..." line of [p, end). Returns NULL, or the reason it is bad. */
static const char *guest_line(const char *p, const char *end, struct state_entry *e)
{
	const char *w, *v;
	size_t len, vlen;
	int64_t x;
	char nodes[512], why[128];

	memset(e, 0, sizeof(*e));
	if (!word(&p, end, &w, &len) || len != 5 || strncmp(w, "guest", 5) != 0)
		return "expected 'guest UUID ...' or 'end N'";
	if (!word(&p, end, &w, &len) || !uuid_ok(w, len))
		return "bad UUID (want 8-4-4-4-12 hex digits)";
	memcpy(e->uuid, w, len);
	e->uuid[len] = '\0';
	if (!word(&p, end, &w, &len) || !(v = field(w, len, "id", &vlen)) || !number(v, vlen, INT32_MAX, &x))
		return "bad id= (want a domain id from 0 to 2147483647)";
	e->dom_id = (int)x;
	if (!word(&p, end, &w, &len) || !(v = field(w, len, "managed", &vlen)) || !number(v, vlen, 1, &x))
		return "bad managed= (want 0 or 1)";
	e->managed = x == 1;
	if (!word(&p, end, &w, &len) || !(v = field(w, len, "moved", &vlen)) ||
	    !number(v, vlen, STATEFILE_MAX_WALL_MS, &x))
		return "bad moved= (want milliseconds since the epoch, before the year 2500, or 0)";
	e->moved_wall_ms = x;
	if (!word(&p, end, &w, &len) || !(v = field(w, len, "prev", &vlen)) || vlen == 0 || vlen >= sizeof(nodes))
		return "bad prev= (want a node list or -)";
	if (!(vlen == 1 && *v == '-')) {
		memcpy(nodes, v, vlen);
		nodes[vlen] = '\0';
		if (nodeset_parse(&e->prev, nodes, why, sizeof(why)) < 0 || nodeset_empty(&e->prev))
			return "bad prev= (want a node list or -)";
		e->has_prev = true;
	}
	if (!word(&p, end, &w, &len) || !(v = field(w, len, "urgent", &vlen)) || !number(v, vlen, 1, &x))
		return "bad urgent= (want 0 or 1)";
	e->urgent = x == 1;
	if (p != end)
		return "text after urgent=";
	return NULL;
}

int statefile_parse(const char *text, size_t len, struct state_table *t, char *err, size_t errlen)
{
	const char *p = text, *end = text + len, *nul;
	bool ended = false;
	int line = 0;

	statefile_free(t);
	if (len > STATEFILE_MAX_BYTES) {
		snprintf(err, errlen, "byte %d: larger than %d bytes", STATEFILE_MAX_BYTES, STATEFILE_MAX_BYTES);
		return -1;
	}
	if ((nul = memchr(text, '\0', len))) {
		snprintf(err, errlen, "byte %zu: a NUL byte (not a state file)", (size_t)(nul - text));
		return -1;
	}
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		struct state_entry e;
		const char *why;
		int64_t n;

		line++;
		if (!eol) {
			line_error(err, errlen, line, "cut short (no end of line)");
			goto bad;
		}
		if (ended) {
			line_error(err, errlen, line, "text after 'end'");
			goto bad;
		}
		if (line == 1) {
			size_t hl = strlen(HEADER);
			int64_t v;

			if ((size_t)(eol - p) <= hl + 1 || strncmp(p, HEADER " ", hl + 1) != 0) {
				line_error(err, errlen, line, "not a numad state file (no 'numad-state VERSION' line)");
				goto bad;
			}
			if (!number(p + hl + 1, (size_t)(eol - p) - hl - 1, INT32_MAX, &v) || v != STATEFILE_VERSION) {
				size_t vl = (size_t)(eol - p) - hl - 1;

				snprintf(err, errlen, "line 1: version '%.*s' (numad reads version %d)", (int)(vl > 32 ? 32 : vl),
					 p + hl + 1, STATEFILE_VERSION);
				goto bad;
			}
		} else if (eol - p > 4 && strncmp(p, "end ", 4) == 0) {
			if (!number(p + 4, (size_t)(eol - p - 4), STATEFILE_MAX_GUESTS, &n) || n != t->n) {
				line_error(err, errlen, line, "the 'end' line does not count the guests above it");
				goto bad;
			}
			ended = true;
		} else if ((why = guest_line(p, eol, &e))) {
			line_error(err, errlen, line, why);
			goto bad;
		} else {
			for (int i = 0; i < t->n; i++)
				if (strcasecmp(t->e[i].uuid, e.uuid) == 0) {
					line_error(err, errlen, line, "a second line for this UUID");
					goto bad;
				}
			if (statefile_add(t, &e) < 0) {
				line_error(err, errlen, line, t->n >= STATEFILE_MAX_GUESTS ? "too many guests" : "out of memory");
				goto bad;
			}
		}
		p = eol + 1;
	}
	if (!ended) {
		line_error(err, errlen, line + 1, line ? "cut short (no 'end N' line)" : "empty (no 'numad-state' line)");
		goto bad;
	}
	return 0;
bad:
	statefile_free(t);
	return -1;
}

char *statefile_format(const struct state_table *t)
{
	size_t cap = 64 + (size_t)t->n * 256, used;
	char *out = malloc(cap);

	if (!out)
		return NULL;
	used = (size_t)snprintf(out, cap, HEADER " %d\n", STATEFILE_VERSION);
	for (int i = 0; i < t->n; i++) {
		const struct state_entry *e = &t->e[i];
		char prev[160];

		if (!e->has_prev || nodeset_format(&e->prev, prev, sizeof(prev)) < 0 || !prev[0])
			snprintf(prev, sizeof(prev), "-");
		used += (size_t)snprintf(out + used, cap - used, "guest %.36s id=%d managed=%d moved=%" PRId64 " prev=%s urgent=%d\n",
					 e->uuid, e->dom_id, e->managed, e->moved_wall_ms, prev, e->urgent);
		if (used >= cap) { /* a node list longer than 160 characters: never in practice */
			free(out);
			return NULL;
		}
	}
	snprintf(out + used, cap - used, "end %d\n", t->n);
	return out;
}

int statefile_load(const char *path, struct state_table *t, char *err, size_t errlen)
{
	char why[256], *text;
	struct stat st;
	ssize_t n;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	statefile_free(t);
	if (fd < 0) {
		if (errno == ENOENT)
			return 1;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: %s", path, errno ? strerror(errno) : "not a regular file");
		close(fd);
		return -1;
	}
	if (st.st_size > STATEFILE_MAX_BYTES) {
		snprintf(err, errlen, "%s: %lld bytes, larger than %d", path, (long long)st.st_size, STATEFILE_MAX_BYTES);
		close(fd);
		return -1;
	}
	if (!(text = malloc(STATEFILE_MAX_BYTES + 1))) {
		snprintf(err, errlen, "%s: out of memory", path);
		close(fd);
		return -1;
	}
	while (got <= STATEFILE_MAX_BYTES && (n = read(fd, text + got, STATEFILE_MAX_BYTES + 1 - got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			free(text);
			close(fd);
			return -1;
		}
		got += (size_t)n;
	}
	close(fd);
	if (statefile_parse(text, got, t, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "%s:%s", path, strncmp(why, "line ", 5) == 0 ? why + 5 : why);
		free(text);
		return -1;
	}
	free(text);
	return 0;
}

/* The directory part of path ("." for none). */
static void dir_of(const char *path, char *dir, size_t len)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		snprintf(dir, len, ".");
	else if (slash == path)
		snprintf(dir, len, "/");
	else
		snprintf(dir, len, "%.*s", (int)(slash - path), path);
}

int statefile_save(const char *path, const char *text, char *err, size_t errlen)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	size_t len = strlen(text), done = 0;
	int fd, dfd;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	unlink(tmp); /* one a crash left behind */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	while (done < len) {
		ssize_t n = write(fd, text + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "%s: %s", tmp, n < 0 ? strerror(errno) : "short write");
			goto fail;
		}
		done += (size_t)n;
	}
	if (fsync(fd) < 0) {
		snprintf(err, errlen, "%s: fsync: %s", tmp, strerror(errno));
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		snprintf(err, errlen, "%s: rename: %s", path, strerror(errno));
		goto fail;
	}
	dir_of(path, dir, sizeof(dir));
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		if (fsync(dfd) < 0) {
			snprintf(err, errlen, "%s: fsync: %s", dir, strerror(errno));
			close(dfd);
			return -1;
		}
		close(dfd);
	}
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return -1;
}
