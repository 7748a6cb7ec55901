/* ledger.c: the reservation ledger (ledger.h): its entries, its file, what it owes each node. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ledger.h"
#include "util.h"

#define HEADER "numad-ledger 1\n"

static int bad(char *err, size_t errlen, int line, const char *why)
{
	snprintf(err, errlen, "line %d: %s", line, why);
	return -1;
}

/* An unsigned decimal number at *p, at most max; advances *p. */
static int number(const char **p, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	const char *s = *p;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (max - (uint64_t)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*p = s;
	*out = v;
	return 0;
}

/* One "r ..." line (without its newline) into e. */
static const char *parse_entry(const char *s, struct ledger_entry *e)
{
	uint64_t at, mb, whole, frac = 0, v;

	memset(e, 0, sizeof(*e));
	if (strncmp(s, "r ", 2) != 0)
		return "not a reservation (want 'r AT_MS MB CPUS NODE:KB:FREE_KB,...')";
	s += 2;
	if (number(&s, (uint64_t)INT64_MAX, &at) < 0 || *s++ != ' ')
		return "bad time";
	if (number(&s, UINT64_C(1) << 32, &mb) < 0 || *s++ != ' ')
		return "bad size in MB";
	if (number(&s, 65536, &whole) < 0)
		return "bad CPU count";
	if (*s == '.') { /* two decimals, as written */
		if (s[1] < '0' || s[1] > '9' || s[2] < '0' || s[2] > '9')
			return "bad CPU count";
		frac = (uint64_t)(s[1] - '0') * 10 + (uint64_t)(s[2] - '0');
		s += 3;
	}
	if (*s++ != ' ')
		return "bad CPU count";
	e->at_ms = (int64_t)at;
	e->mb = mb;
	e->cpus = (double)whole + (double)frac / 100.0;
	for (;;) {
		struct ledger_share *sh;

		if (e->nshares == LEDGER_NODES)
			return "more nodes than a reservation holds";
		sh = &e->share[e->nshares];
		if (number(&s, NUMAD_MAX_NODES - 1, &v) < 0 || *s++ != ':')
			return "bad node share (want NODE:KB:FREE_KB)";
		sh->node = (int)v;
		for (int k = 0; k < e->nshares; k++)
			if (e->share[k].node == sh->node)
				return "a node named twice";
		if (number(&s, UINT64_C(1) << 52, &sh->kb) < 0 || *s++ != ':' ||
		    number(&s, UINT64_C(1) << 52, &sh->free_kb) < 0)
			return "bad node share (want NODE:KB:FREE_KB)";
		e->nshares++;
		if (*s == '\0')
			return NULL;
		if (*s++ != ',')
			return "bad node share (want NODE:KB:FREE_KB)";
	}
}

/* The "u AT_MS NODE:KB,..." line (without its newline) into l. */
static const char *parse_untouched(const char *s, struct ledger *l)
{
	uint64_t at, v;

	if (l->nuntouched || l->untouched_at_ms)
		return "a second u line";
	s += 2;
	if (number(&s, (uint64_t)INT64_MAX, &at) < 0 || *s++ != ' ')
		return "bad time";
	l->untouched_at_ms = (int64_t)at;
	for (;;) {
		struct ledger_share *sh;

		if (l->nuntouched == LEDGER_NODES)
			return "more nodes than a u line holds";
		sh = &l->untouched[l->nuntouched];
		if (number(&s, NUMAD_MAX_NODES - 1, &v) < 0 || *s++ != ':')
			return "bad untouched share (want NODE:KB)";
		sh->node = (int)v;
		for (int k = 0; k < l->nuntouched; k++)
			if (l->untouched[k].node == sh->node)
				return "a node named twice";
		if (number(&s, UINT64_C(1) << 52, &sh->kb) < 0)
			return "bad untouched share (want NODE:KB)";
		sh->free_kb = 0;
		l->nuntouched++;
		if (*s == '\0')
			return NULL;
		if (*s++ != ',')
			return "bad untouched share (want NODE:KB)";
	}
}

int ledger_parse(const char *text, size_t len, struct ledger *l, char *err, size_t errlen)
{
	size_t hl = strlen(HEADER), off;
	int line = 1;

	l->n = 0;
	l->nuntouched = 0;
	l->untouched_at_ms = 0;
	if (len > LEDGER_FILE_MAX)
		return bad(err, errlen, 1, "larger than a ledger can be");
	if (memchr(text, '\0', len))
		return bad(err, errlen, 1, "a NUL byte: not a text file");
	if (len < hl || memcmp(text, HEADER, hl) != 0)
		return bad(err, errlen, 1, "not a numad ledger (no 'numad-ledger 1' line)");
	for (off = hl; off < len;) {
		const char *nl = memchr(text + off, '\n', len - off);
		char buf[LEDGER_NODES * 48 + 64];
		size_t n = nl ? (size_t)(nl - (text + off)) : len - off;
		const char *why;

		line++;
		if (!nl)
			return l->n = l->nuntouched = 0, l->untouched_at_ms = 0, bad(err, errlen, line, "cut short (no line end)");
		if (n >= sizeof(buf))
			return l->n = l->nuntouched = 0, l->untouched_at_ms = 0, bad(err, errlen, line, "line too long");
		if (l->n == LEDGER_MAX && strncmp(text + off, "u ", 2) != 0)
			return l->n = l->nuntouched = 0, l->untouched_at_ms = 0,
			       bad(err, errlen, line, "more reservations than a ledger holds");
		memcpy(buf, text + off, n);
		buf[n] = '\0';
		if (strncmp(buf, "u ", 2) == 0) {
			if ((why = parse_untouched(buf, l)))
				return l->n = l->nuntouched = 0, l->untouched_at_ms = 0, bad(err, errlen, line, why);
			off += n + 1;
			continue;
		}
		if ((why = parse_entry(buf, &l->e[l->n])))
			return l->n = l->nuntouched = 0, l->untouched_at_ms = 0, bad(err, errlen, line, why);
		if (l->n > 0 && l->e[l->n].at_ms < l->e[l->n - 1].at_ms)
			return l->n = l->nuntouched = 0, l->untouched_at_ms = 0, bad(err, errlen, line, "out of time order");
		l->n++;
		off += n + 1;
	}
	return 0;
}

char *ledger_format(const struct ledger *l)
{
	size_t cap = strlen(HEADER) + (size_t)(l->n + 1) * (64 + LEDGER_NODES * 48) + 1, n;
	char *s = malloc(cap);

	if (!s)
		return NULL;
	n = (size_t)snprintf(s, cap, "%s", HEADER);
	if (l->nuntouched) {
		n += (size_t)snprintf(s + n, cap - n, "u %lld ", (long long)l->untouched_at_ms);
		for (int k = 0; k < l->nuntouched; k++)
			n += (size_t)snprintf(s + n, cap - n, "%s%d:%llu", k ? "," : "", l->untouched[k].node,
					      (unsigned long long)l->untouched[k].kb);
		n += (size_t)snprintf(s + n, cap - n, "\n");
	}
	for (int i = 0; i < l->n; i++) {
		const struct ledger_entry *e = &l->e[i];
		long cpus = (long)(e->cpus * 100.0 + 0.5);

		n += (size_t)snprintf(s + n, cap - n, "r %lld %llu %ld.%02ld ", (long long)e->at_ms,
				      (unsigned long long)e->mb, cpus / 100, cpus % 100);
		for (int k = 0; k < e->nshares; k++)
			n += (size_t)snprintf(s + n, cap - n, "%s%d:%llu:%llu", k ? "," : "", e->share[k].node,
					      (unsigned long long)e->share[k].kb, (unsigned long long)e->share[k].free_kb);
		n += (size_t)snprintf(s + n, cap - n, "\n");
	}
	return s;
}

void ledger_remove(struct ledger *l, int i)
{
	memmove(&l->e[i], &l->e[i + 1], (size_t)(l->n - i - 1) * sizeof(l->e[0]));
	l->n--;
}

int ledger_expire(struct ledger *l, int64_t now_ms)
{
	int gone = 0;

	for (int i = l->n - 1; i >= 0; i--)
		if (now_ms - l->e[i].at_ms > LEDGER_TTL_MS || l->e[i].at_ms - now_ms > LEDGER_TTL_MS) {
			ledger_remove(l, i);
			gone++;
		}
	if (l->nuntouched && (now_ms - l->untouched_at_ms > LEDGER_TTL_MS || l->untouched_at_ms - now_ms > LEDGER_TTL_MS)) {
		l->nuntouched = 0;
		l->untouched_at_ms = 0;
	}
	return gone;
}

/* What the engine counts as a node's free memory when Inactive(file) counts: what a guest's touch takes from. */
static uint64_t node_free_now(const struct node_info *ni)
{
	return ni->has_memory && ni->mem.valid ? node_free_kb(&ni->mem, true) : 0;
}

void ledger_owed(const struct ledger *l, const struct topology *t, double *out)
{
	for (int i = 0; i < t->nnodes; i++) {
		const struct node_info *ni = &t->nodes[i];
		double owed = 0, lost = -1;

		for (int k = 0; k < l->n; k++)
			for (int j = 0; j < l->e[k].nshares; j++)
				if (l->e[k].share[j].node == ni->id) {
					/* what the node lost since the oldest reservation on it has shown up */
					if (lost < 0 && ni->mem.valid) {
						double was = (double)l->e[k].share[j].free_kb, is = (double)node_free_now(ni);
						lost = was > is ? was - is : 0;
					}
					owed += (double)l->e[k].share[j].kb;
				}
		if (lost > 0)
			owed = owed > lost ? owed - lost : 0;
		for (int k = 0; k < l->nuntouched; k++)
			if (l->untouched[k].node == ni->id)
				owed += (double)l->untouched[k].kb;
		out[i] += owed;
	}
}

int ledger_add(struct ledger *l, int64_t now_ms, uint64_t mb, double cpus, const struct nodeset *advice,
	       const struct topology *t, const double *owed)
{
	struct ledger_entry *e;
	double offer[LEDGER_NODES], sum = 0, want = (double)mb * 1024.0, given = 0;
	int idx[LEDGER_NODES], k = 0;

	for (int i = 0; i < t->nnodes && k < LEDGER_NODES; i++) {
		const struct node_info *ni = &t->nodes[i];
		double f;

		if (!nodeset_has(advice, ni->id) || !ni->has_memory)
			continue;
		f = (double)node_free_now(ni) - (owed ? owed[i] : 0);
		offer[k] = f > 0 ? f : 0;
		sum += offer[k];
		idx[k++] = i;
	}
	if (k == 0)
		return -1;
	if (l->n == LEDGER_MAX)
		ledger_remove(l, 0);
	e = &l->e[l->n++];
	memset(e, 0, sizeof(*e));
	e->at_ms = now_ms;
	e->mb = mb;
	e->cpus = cpus;
	e->nshares = k;
	for (int a = 0; a < k; a++) {
		/* in proportion to what each node offers (evenly when none offers anything), the rest on the last */
		double part = a == k - 1 ? want - given : sum > 0 ? want * offer[a] / sum : want / k;
		e->share[a].node = t->nodes[idx[a]].id;
		e->share[a].kb = part > 0 ? (uint64_t)(part + 0.5) : 0;
		e->share[a].free_kb = node_free_now(&t->nodes[idx[a]]);
		given += (double)e->share[a].kb;
	}
	return 0;
}

void ledger_nodes(const struct ledger_entry *e, struct nodeset *out)
{
	nodeset_clear(out);
	for (int k = 0; k < e->nshares; k++)
		nodeset_add(out, e->share[k].node);
}

int ledger_match(const struct ledger *l, uint64_t mb, const struct nodeset *nodes)
{
	for (int i = 0; i < l->n; i++) {
		struct nodeset s;
		uint64_t d = l->e[i].mb > mb ? l->e[i].mb - mb : mb - l->e[i].mb;

		ledger_nodes(&l->e[i], &s);
		if (d <= 1 && nodeset_equal(&s, nodes))
			return i;
	}
	return -1;
}

/* ---- the file ---- */

int ledger_lock(const char *path, int wait_ms, char *err, size_t errlen)
{
	char dir[PATH_MAX];
	int fd;

	/* its directory and the ones above it, as mkdir -p (a tree's run/numad, or /run/numad at boot) */
	snprintf(dir, sizeof(dir), "%s", path);
	dirname(dir);
	for (char *p = dir + 1;; p++) {
		bool last = *p == '\0';
		if (*p != '/' && !last)
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			snprintf(err, errlen, "cannot make %s: %s", dir, strerror(errno));
			return -1;
		}
		if (last)
			break;
		*p = '/';
	}
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	for (int waited = 0;; waited += 10) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd;
		if (errno != EWOULDBLOCK || waited >= wait_ms) {
			snprintf(err, errlen, "cannot lock %s: %s", path,
				 errno == EWOULDBLOCK ? "another holder keeps it locked" : strerror(errno));
			close(fd);
			return -1;
		}
		nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
	}
}

int ledger_load(int fd, const char *path, struct ledger *l, char *err, size_t errlen)
{
	struct stat st;
	char *text, why[256];
	ssize_t got = 0;

	l->n = 0;
	if (fstat(fd, &st) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		return 1;
	}
	if (st.st_size == 0)
		return 0; /* new */
	if (st.st_size > LEDGER_FILE_MAX) {
		snprintf(err, errlen, "%s:1: larger than a ledger can be (%lld bytes)", path, (long long)st.st_size);
		return 1;
	}
	text = malloc((size_t)st.st_size + 1);
	if (!text) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	while (got < st.st_size) {
		ssize_t r = pread(fd, text + got, (size_t)(st.st_size - got), got);
		if (r <= 0)
			break;
		got += r;
	}
	text[got] = '\0';
	if (ledger_parse(text, (size_t)got, l, why, sizeof(why)) < 0) {
		/* "line N: reason" as PATH:N: reason */
		const char *p = strncmp(why, "line ", 5) == 0 ? why + 5 : why;
		snprintf(err, errlen, "%s:%s", path, p);
		free(text);
		return 1;
	}
	free(text);
	return 0;
}

int ledger_store(int fd, const struct ledger *l)
{
	char *s = ledger_format(l);
	size_t len, off = 0;

	if (!s)
		return -1;
	len = strlen(s);
	if (ftruncate(fd, 0) < 0) {
		free(s);
		return -1;
	}
	while (off < len) {
		ssize_t w = pwrite(fd, s + off, len - off, (off_t)off);
		if (w <= 0) {
			free(s);
			return -1;
		}
		off += (size_t)w;
	}
	free(s);
	return 0;
}

void ledger_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}
