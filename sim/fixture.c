/*
 * fixture.c - build a fake host tree (sysfs/procfs shaped) for numad tests.
 *
 * Input 1: `numactl -H` text (node list, per-node cpus/size/free, SLIT).
 * Input 2: an optional line-based description of processes and overrides
 *          (format in README.md).
 * Output:  files under root that mimic the kernel's layout and formats.
 *
 * Everything is parsed first and validated (errors carry the input line
 * number); only then is anything written.
 */
#include "fixture.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FX_MAX_NODES   1024          /* node ids 0..1023 (MAX_NUMNODES) */
#define FX_MAX_CPUS    8192          /* cpu ids 0..8191 (NR_CPUS) */
#define NW             (FX_MAX_NODES / 64)
#define CW             (FX_MAX_CPUS / 64)
#define FX_MAX_PID     4194304L      /* pid_max limit */
#define FX_MAX_THREADS 4096          /* per process, sanity bound */
#define FX_MAX_WORDS   64            /* tokens per description line */
#define FX_MAX_COMM    255
#define FX_MAX_MB      (1ULL << 40)  /* sanity bound for MB values */

#define PAGES_PER_MB   256ULL        /* 4 KiB pages */
#define ANON_CHUNK     262144ULL     /* 1 GiB of 4 KiB pages per numa_maps line */
#define HUGE_CHUNK     512ULL        /* 1 GiB of 2 MiB pages per numa_maps line */
#define HEAP_PAGES     16ULL         /* pages per node carved into the heap line */
#define FILE_PAGES_1   180ULL        /* qemu binary text pages (file-backed) */
#define FILE_PAGES_2   24ULL         /* qemu binary data pages (file-backed) */

typedef unsigned long long ull;

/* ------------------------------------------------------------------------ */
/* small utilities                                                          */

static void oom(void)
{
    fputs("fixture: out of memory\n", stderr);
    abort();
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom();
    return p;
}

static void *xcalloc(size_t n, size_t s)
{
    void *p = calloc(n ? n : 1, s ? s : 1);
    if (!p)
        oom();
    return p;
}

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom();
    return q;
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = xmalloc(n);
    memcpy(p, s, n);
    return p;
}

__attribute__((format(printf, 3, 4)))
static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    if (!err || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* growable string */
typedef struct {
    char *p;
    size_t len, cap;
} sbuf;

static void sb_reserve(sbuf *b, size_t extra)
{
    if (b->len + extra + 1 > b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 512;
        while (nc < b->len + extra + 1)
            nc *= 2;
        b->p = xrealloc(b->p, nc);
        b->cap = nc;
    }
}

static void sb_putn(sbuf *b, const char *s, size_t n)
{
    sb_reserve(b, n);
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_puts(sbuf *b, const char *s)
{
    sb_putn(b, s, strlen(s));
}

static void sb_putc(sbuf *b, char c)
{
    sb_putn(b, &c, 1);
}

__attribute__((format(printf, 2, 3)))
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof tmp) {
        sb_putn(b, tmp, (size_t)n);
        return;
    }
    sb_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

static void sb_clear(sbuf *b)
{
    b->len = 0;
    if (b->p)
        b->p[0] = '\0';
}

static const char *sb_str(sbuf *b)
{
    if (!b->p)
        sb_reserve(b, 0), b->p[0] = '\0';
    return b->p;
}

static void sb_free(sbuf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

/* Parse a plain unsigned decimal number (digits only, no sign, no spaces). */
static int parse_ull(const char *s, ull *out)
{
    ull v = 0;
    if (!s || !*s)
        return -1;
    for (; *s; s++) {
        unsigned d;
        if (*s < '0' || *s > '9')
            return -1;
        d = (unsigned)(*s - '0');
        if (v > (ULLONG_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

static int parse_int_range(const char *s, long lo, long hi, long *out)
{
    ull v;
    if (parse_ull(s, &v) < 0 || v < (ull)lo || v > (ull)hi)
        return -1;
    *out = (long)v;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* bitmaps and kernel list / mask syntax                                    */

static void bm_set(uint64_t *w, int i)
{
    w[i >> 6] |= 1ULL << (i & 63);
}

static int bm_test(const uint64_t *w, int i)
{
    return (int)((w[i >> 6] >> (i & 63)) & 1);
}

static int bm_count(const uint64_t *w, int nwords)
{
    int c = 0;
    for (int i = 0; i < nwords; i++)
        c += __builtin_popcountll(w[i]);
    return c;
}

/* next set bit >= from, or -1 */
static int bm_next(const uint64_t *w, int nbits, int from)
{
    for (int i = from; i < nbits; i++) {
        if ((i & 63) == 0 && w[i >> 6] == 0) {
            i += 63;
            continue;
        }
        if (bm_test(w, i))
            return i;
    }
    return -1;
}

/* "0-3,5,7-8" (no newline); empty set gives "" */
static void bm_list(sbuf *b, const uint64_t *w, int nbits)
{
    int first = 1;
    int i = bm_next(w, nbits, 0);
    while (i >= 0) {
        int j = i;
        while (j + 1 < nbits && bm_test(w, j + 1))
            j++;
        if (!first)
            sb_putc(b, ',');
        if (j == i)
            sb_printf(b, "%d", i);
        else
            sb_printf(b, "%d-%d", i, j);
        first = 0;
        i = bm_next(w, nbits, j + 1);
    }
}

/* kernel "%*pb": 32-bit hex chunks, most significant first, comma-separated;
 * the first chunk is only as wide as the bits it holds need. */
static void bm_hex(sbuf *b, const uint64_t *w, int nbits)
{
    int chunksz, i;
    if (nbits <= 0) {
        sb_putc(b, '0');
        return;
    }
    chunksz = nbits & 31;
    if (chunksz == 0)
        chunksz = 32;
    i = ((nbits + 31) & ~31) - 32;
    for (int first = 1; i >= 0; i -= 32, first = 0) {
        uint64_t mask = (chunksz == 32) ? 0xffffffffULL : ((1ULL << chunksz) - 1);
        uint64_t val = (w[i >> 6] >> (i & 63)) & mask;
        if (!first)
            sb_putc(b, ',');
        sb_printf(b, "%0*llx", (chunksz + 3) / 4, (ull)val);
        chunksz = 32;
    }
}

/* Parse "0-3,5,7-8" into w (bits < nbits).  An empty string is an empty set. */
static int parse_list(const char *s, uint64_t *w, int nbits, const char **why)
{
    const char *p = s;
    if (!*p)
        return 0;
    for (;;) {
        long a, b;
        char *end;
        if (!isdigit((unsigned char)*p)) {
            *why = "expected a number";
            return -1;
        }
        errno = 0;
        a = strtol(p, &end, 10);
        if (errno || a >= nbits) {
            *why = "id out of range";
            return -1;
        }
        p = end;
        b = a;
        if (*p == '-') {
            p++;
            if (!isdigit((unsigned char)*p)) {
                *why = "expected a number after '-'";
                return -1;
            }
            errno = 0;
            b = strtol(p, &end, 10);
            if (errno || b >= nbits) {
                *why = "id out of range";
                return -1;
            }
            if (b < a) {
                *why = "descending range";
                return -1;
            }
            p = end;
        }
        for (long i = a; i <= b; i++)
            bm_set(w, (int)i);
        if (*p == '\0')
            return 0;
        if (*p != ',') {
            *why = "unexpected character in list";
            return -1;
        }
        p++;
    }
}

/* ------------------------------------------------------------------------ */
/* data model                                                               */

enum {
    NO_FREE_MB, NO_INACTIVE_FILE_MB, NO_ACTIVE_FILE_MB, NO_ANON_MB,
    NO_ACTIVE_ANON_MB, NO_INACTIVE_ANON_MB, NO_HP_TOTAL, NO_HP_FREE, NO_HP_SURP,
    NO_MIN_PAGES, NO_LOW_PAGES, NO_HIGH_PAGES, NO_NUMA_HIT, NO_NUMA_MISS,
    NO_NUMA_FOREIGN, NO_NUMA_INTERLEAVE, NO_NUMA_LOCAL, NO_NUMA_OTHER,
    NO_COUNT
};

_Static_assert(NO_COUNT <= 32, "seen[] in parse_override");

static const char *const node_keys[NO_COUNT] = {
    "free_mb", "inactive_file_mb", "active_file_mb", "anon_mb",
    "active_anon_mb", "inactive_anon_mb", "hugepages_total", "hugepages_free",
    "hugepages_surp", "min_pages", "low_pages", "high_pages", "numa_hit",
    "numa_miss", "numa_foreign", "numa_interleave", "numa_local", "numa_other",
};

enum { CS_USER, CS_NICE, CS_SYSTEM, CS_IDLE, CS_IOWAIT, CS_IRQ, CS_SOFTIRQ,
       CS_STEAL, CS_GUEST, CS_GUEST_NICE, CS_COUNT };

static const char *const cpu_keys[CS_COUNT] = {
    "user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal",
    "guest", "guest_nice",
};

typedef struct {
    int id;
    int line_cpus, line_size, line_free, line_dist;  /* 0 = not seen */
    ull size_mb, free_mb;
    uint64_t cpus[CW];
    int *dist;                 /* n entries, in order of the online ids */
    long long ovr[NO_COUNT];   /* -1 = not overridden */
    /* derived from processes */
    ull proc_anon_mb, proc_huge_pages;
} fx_node;

typedef struct {
    int n;                     /* online nodes */
    fx_node *nodes;            /* sorted by id */
    short idx[FX_MAX_NODES];   /* id -> index, -1 */
    uint64_t online[NW];
    uint64_t has_mem[NW];
    uint64_t has_cpu[NW];
    uint64_t allcpus[CW];
    int max_cpu;               /* -1 if none */
    int max_node;
    int have_dist;             /* "node distances:" section present */
    int last_line;
} fx_topo;

typedef struct {
    int line;
    long pid, ppid;
    char *comm;
    char *name;
    int threads, vcpus;
    ull *mem_mb;               /* per node index */
    ull *huge_mb;              /* per node index */
    char *policy;              /* "default", "interleave:0-2", ... */
    char *cgroup;              /* NULL if none; no leading '/' */
    int cgroupv;               /* 1 or 2 */
    char state;
    ull utime, stime, starttime;
    int cpus_set, mems_set;
    uint64_t cpus[CW];
    uint64_t mems[NW];
    long lastcpu;              /* -1 = automatic */
} fx_proc;

typedef struct {
    fx_topo t;
    fx_proc *procs;
    int nprocs, capprocs;
    ull (*cpustat)[CS_COUNT];  /* indexed by cpu id, max_cpu+1 entries */
    int noslit;
} fx_model;

static void topo_init(fx_topo *t)
{
    memset(t, 0, sizeof *t);
    for (int i = 0; i < FX_MAX_NODES; i++)
        t->idx[i] = -1;
    t->max_cpu = -1;
    t->max_node = -1;
}

static void model_free(fx_model *m)
{
    for (int i = 0; i < m->t.n; i++)
        free(m->t.nodes[i].dist);
    free(m->t.nodes);
    for (int i = 0; i < m->nprocs; i++) {
        fx_proc *p = &m->procs[i];
        free(p->comm);
        free(p->name);
        free(p->mem_mb);
        free(p->huge_mb);
        free(p->policy);
        free(p->cgroup);
    }
    free(m->procs);
    free(m->cpustat);
    memset(m, 0, sizeof *m);
}

/* ------------------------------------------------------------------------ */
/* line iteration and whitespace splitting                                  */

typedef struct {
    const char *p;
    int lineno;
    sbuf buf;
} line_iter;

/* Returns the next line (trailing CR/whitespace removed) or NULL at end. */
static char *next_line(line_iter *it)
{
    const char *s = it->p, *e;
    size_t n;
    if (!s || !*s)
        return NULL;
    e = strchr(s, '\n');
    n = e ? (size_t)(e - s) : strlen(s);
    it->p = e ? e + 1 : s + n;
    it->lineno++;
    sb_clear(&it->buf);
    sb_putn(&it->buf, s, n);
    while (it->buf.len > 0 && isspace((unsigned char)it->buf.p[it->buf.len - 1]))
        it->buf.p[--it->buf.len] = '\0';
    return it->buf.p;
}

/* Split in place on whitespace; returns the number of words (at most max;
 * more words than max gives max+1 so callers can detect it). */
static int split_ws(char *s, char **w, int max)
{
    int n = 0;
    for (;;) {
        while (*s && isspace((unsigned char)*s))
            s++;
        if (!*s)
            return n;
        if (n == max)
            return max + 1;
        w[n++] = s;
        while (*s && !isspace((unsigned char)*s))
            s++;
        if (*s)
            *s++ = '\0';
    }
}

/* ------------------------------------------------------------------------ */
/* numactl -H parser                                                        */

#define NERR(...) do { \
        char m_[384]; \
        snprintf(m_, sizeof m_, __VA_ARGS__); \
        seterr(err, errlen, "numactl line %d: %s", it.lineno, m_); \
        goto fail; \
    } while (0)

static int parse_numactl(fx_topo *t, const char *text, char *err, size_t errlen)
{
    line_iter it = { text, 0, { NULL, 0, 0 } };
    enum { ST_NODES, ST_DIST_HDR, ST_DIST_ROWS } st = ST_NODES;
    int have_avail = 0;
    char *line;
    char **w = xmalloc(sizeof(char *) * (FX_MAX_CPUS + 8));
    const int maxw = FX_MAX_CPUS + 6;

    if (!text) {
        seterr(err, errlen, "numactl line 0: no topology text");
        free(w);
        return -1;
    }
    while ((line = next_line(&it)) != NULL) {
        int nw = split_ws(line, w, maxw);
        if (nw == 0)
            continue;
        if (nw > maxw)
            NERR("line has too many fields");

        if (st == ST_DIST_HDR) {
            if (strcmp(w[0], "node") != 0)
                NERR("expected the distance header 'node <id> <id> ...'");
            if (nw - 1 != t->n)
                NERR("distance header lists %d nodes, 'available:' lists %d", nw - 1, t->n);
            for (int i = 1; i < nw; i++) {
                long id;
                if (parse_int_range(w[i], 0, FX_MAX_NODES - 1, &id) < 0)
                    NERR("bad node id '%s' in distance header", w[i]);
                if (t->nodes[i - 1].id != id)
                    NERR("distance header column %d is node %ld, expected node %d",
                         i, id, t->nodes[i - 1].id);
            }
            st = ST_DIST_ROWS;
            continue;
        }
        if (st == ST_DIST_ROWS) {
            size_t l0 = strlen(w[0]);
            long id;
            fx_node *nd;
            if (l0 < 2 || w[0][l0 - 1] != ':')
                NERR("expected a distance row '<id>: <d> ...'");
            w[0][l0 - 1] = '\0';
            if (parse_int_range(w[0], 0, FX_MAX_NODES - 1, &id) < 0 || t->idx[id] < 0)
                NERR("distance row for unknown node '%s'", w[0]);
            nd = &t->nodes[t->idx[id]];
            if (nd->line_dist)
                NERR("second distance row for node %ld (first on line %d)", id, nd->line_dist);
            if (nw - 1 != t->n)
                NERR("distance row for node %ld has %d values, expected %d", id, nw - 1, t->n);
            nd->dist = xmalloc(sizeof(int) * (size_t)t->n);
            for (int i = 1; i < nw; i++) {
                long d;
                if (parse_int_range(w[i], 1, 255, &d) < 0)
                    NERR("bad distance '%s' (expected 1..255)", w[i]);
                nd->dist[i - 1] = (int)d;
            }
            nd->line_dist = it.lineno;
            continue;
        }

        /* ST_NODES */
        if (strcmp(w[0], "available:") == 0) {
            long cnt;
            size_t ll;
            const char *why = "";
            uint64_t set[NW];
            char *lst;
            if (have_avail)
                NERR("second 'available:' line");
            if (nw != 4 || strcmp(w[2], "nodes") != 0)
                NERR("expected 'available: <n> nodes (<list>)'");
            if (parse_int_range(w[1], 1, FX_MAX_NODES, &cnt) < 0)
                NERR("bad node count '%s'", w[1]);
            lst = w[3];
            ll = strlen(lst);
            if (ll < 3 || lst[0] != '(' || lst[ll - 1] != ')')
                NERR("expected '(<list>)' after the node count");
            lst[ll - 1] = '\0';
            lst++;
            memset(set, 0, sizeof set);
            if (parse_list(lst, set, FX_MAX_NODES, &why) < 0)
                NERR("bad node list '%s': %s", lst, why);
            if (bm_count(set, NW) != cnt)
                NERR("node count %ld does not match the list (%s) with %d nodes",
                     cnt, lst, bm_count(set, NW));
            t->n = (int)cnt;
            t->nodes = xcalloc((size_t)cnt, sizeof(fx_node));
            memcpy(t->online, set, sizeof set);
            for (int id = bm_next(set, FX_MAX_NODES, 0), k = 0; id >= 0;
                 id = bm_next(set, FX_MAX_NODES, id + 1), k++) {
                t->nodes[k].id = id;
                for (int j = 0; j < NO_COUNT; j++)
                    t->nodes[k].ovr[j] = -1;
                t->idx[id] = (short)k;
                t->max_node = id;
            }
            have_avail = 1;
            continue;
        }
        if (strcmp(w[0], "No") == 0 && nw >= 3 && strcmp(w[1], "distance") == 0) {
            /* "No distance information available." */
            continue;
        }
        if (strcmp(w[0], "node") == 0 && nw == 2 && strcmp(w[1], "distances:") == 0) {
            if (!have_avail)
                NERR("'node distances:' before the 'available:' line");
            if (t->have_dist)
                NERR("second 'node distances:' section");
            t->have_dist = 1;
            st = ST_DIST_HDR;
            continue;
        }
        if (strcmp(w[0], "node") == 0 && nw >= 3) {
            long id;
            fx_node *nd;
            if (parse_int_range(w[1], 0, FX_MAX_NODES - 1, &id) < 0)
                NERR("bad node id '%s'", w[1]);
            if (!have_avail)
                NERR("node line before the 'available:' line");
            if (t->idx[id] < 0)
                NERR("node %ld is not in the 'available:' list", id);
            nd = &t->nodes[t->idx[id]];
            if (strcmp(w[2], "cpus:") == 0) {
                if (nd->line_cpus)
                    NERR("second cpus line for node %ld (first on line %d)", id, nd->line_cpus);
                for (int i = 3; i < nw; i++) {
                    long c;
                    if (parse_int_range(w[i], 0, FX_MAX_CPUS - 1, &c) < 0)
                        NERR("bad cpu id '%s'", w[i]);
                    if (bm_test(t->allcpus, (int)c))
                        NERR("cpu %ld listed twice", c);
                    bm_set(t->allcpus, (int)c);
                    bm_set(nd->cpus, (int)c);
                    if (c > t->max_cpu)
                        t->max_cpu = (int)c;
                }
                nd->line_cpus = it.lineno;
                continue;
            }
            if (strcmp(w[2], "size:") == 0 || strcmp(w[2], "free:") == 0) {
                int is_size = w[2][0] == 's';
                ull v;
                if (nw != 5 || strcmp(w[4], "MB") != 0)
                    NERR("expected 'node %ld %s <n> MB'", id, w[2]);
                if (parse_ull(w[3], &v) < 0 || v > FX_MAX_MB)
                    NERR("bad %s value '%s'", is_size ? "size" : "free", w[3]);
                if (is_size) {
                    if (nd->line_size)
                        NERR("second size line for node %ld", id);
                    nd->size_mb = v;
                    nd->line_size = it.lineno;
                } else {
                    if (nd->line_free)
                        NERR("second free line for node %ld", id);
                    nd->free_mb = v;
                    nd->line_free = it.lineno;
                }
                if (nd->line_size && nd->line_free && nd->free_mb > nd->size_mb)
                    NERR("node %ld free (%llu MB) exceeds size (%llu MB)", id,
                         nd->free_mb, nd->size_mb);
                continue;
            }
        }
        NERR("unrecognised line '%s'", w[0]);
    }

    t->last_line = it.lineno;
    if (!have_avail) {
        seterr(err, errlen, "numactl line %d: no 'available: <n> nodes (<list>)' line",
               it.lineno);
        goto fail_nomsg;
    }
    if (st == ST_DIST_HDR) {
        seterr(err, errlen, "numactl line %d: 'node distances:' without a header line",
               it.lineno);
        goto fail_nomsg;
    }
    for (int i = 0; i < t->n; i++) {
        fx_node *nd = &t->nodes[i];
        const char *missing = !nd->line_cpus ? "cpus" : !nd->line_size ? "size"
                            : !nd->line_free ? "free" : NULL;
        if (!missing && t->have_dist && !nd->line_dist)
            missing = "distance row";
        if (missing) {
            seterr(err, errlen, "numactl line %d (end of input): node %d has no %s line",
                   it.lineno, nd->id, missing);
            goto fail_nomsg;
        }
        if (nd->size_mb > 0)
            bm_set(t->has_mem, nd->id);
        if (bm_count(nd->cpus, CW) > 0)
            bm_set(t->has_cpu, nd->id);
    }
    sb_free(&it.buf);
    free(w);
    return 0;

fail:
fail_nomsg:
    sb_free(&it.buf);
    free(w);
    return -1;
}

#undef NERR

/* ------------------------------------------------------------------------ */
/* description parser                                                       */

/* Split a description line into words.  Whitespace separates words; a '"'
 * toggles quoting (inside quotes whitespace is kept and \" and \\ are escapes;
 * any other backslash is literal, also outside quotes).  A word starting with
 * '#' outside quotes starts a comment.  In place; returns count or -1. */
static int split_desc(char *s, char **w, int max, const char **why)
{
    char *r = s, *o = s;
    int n = 0;
    for (;;) {
        int inq = 0;
        while (*r && isspace((unsigned char)*r))
            r++;
        if (!*r || *r == '#')
            return n;
        if (n == max) {
            *why = "too many words on the line";
            return -1;
        }
        w[n++] = o;
        while (*r && (inq || !isspace((unsigned char)*r))) {
            if (*r == '"') {
                inq = !inq;
                r++;
            } else if (inq && *r == '\\' && (r[1] == '"' || r[1] == '\\')) {
                *o++ = r[1];
                r += 2;
            } else {
                *o++ = *r++;
            }
        }
        if (inq) {
            *why = "unterminated quote";
            return -1;
        }
        if (*r)
            r++;
        *o++ = '\0';
    }
}

#define DERR(...) do { \
        char m_[384]; \
        snprintf(m_, sizeof m_, __VA_ARGS__); \
        seterr(err, errlen, "desc line %d: %s", line, m_); \
        return -1; \
    } while (0)

/* "0:1024,3:512" -> per-node-index MB */
static int parse_node_mb(fx_topo *t, const char *key, const char *v, ull *out, int need_even,
                         int line, char *err, size_t errlen)
{
    const char *p = v;
    uint64_t seen[NW];
    memset(seen, 0, sizeof seen);
    if (!*p)
        DERR("%s= needs <node>:<MB>[,<node>:<MB>...]", key);
    for (;;) {
        char *end;
        long id;
        ull mb = 0;
        int k;
        if (!isdigit((unsigned char)*p))
            DERR("bad %s= value '%s' (expected <node>:<MB>,...)", key, v);
        errno = 0;
        id = strtol(p, &end, 10);
        if (errno || *end != ':' || id >= FX_MAX_NODES)
            DERR("bad %s= value '%s' (expected <node>:<MB>,...)", key, v);
        if (t->idx[id] < 0)
            DERR("%s= names node %ld, which is not online", key, id);
        k = t->idx[id];
        if (t->nodes[k].size_mb == 0)
            DERR("%s= names node %ld, which has no memory", key, id);
        p = end + 1;
        if (!isdigit((unsigned char)*p))
            DERR("bad %s= value '%s' (expected <node>:<MB>,...)", key, v);
        while (isdigit((unsigned char)*p)) {
            mb = mb * 10 + (ull)(*p - '0');
            if (mb > FX_MAX_MB)
                DERR("%s= value too large", key);
            p++;
        }
        if (bm_test(seen, (int)id))
            DERR("%s= names node %ld twice", key, id);
        bm_set(seen, (int)id);
        if (need_even && (mb % 2))
            DERR("%s= node %ld: %llu MB is not a whole number of 2 MiB pages", key, id, mb);
        out[k] = mb;
        if (*p == '\0')
            return 0;
        if (*p != ',')
            DERR("bad %s= value '%s' (expected <node>:<MB>,...)", key, v);
        p++;
    }
}

static int parse_policy(fx_topo *t, const char *v, char **out, int line, char *err, size_t errlen)
{
    const char *colon = strchr(v, ':');
    size_t kl = colon ? (size_t)(colon - v) : strlen(v);
    uint64_t set[NW];
    const char *why = "";
    sbuf b = { NULL, 0, 0 };
    const char *kw = NULL;

    if (!colon) {
        if (strcmp(v, "default") == 0 || strcmp(v, "local") == 0) {
            *out = xstrdup(v);
            return 0;
        }
        DERR("bad policy '%s' (default, local, interleave:<nodes>, bind:<nodes>, prefer:<node>)", v);
    }
    if (kl == 10 && strncmp(v, "interleave", kl) == 0)
        kw = "interleave";
    else if (kl == 4 && strncmp(v, "bind", kl) == 0)
        kw = "bind";
    else if ((kl == 6 && strncmp(v, "prefer", kl) == 0) ||
             (kl == 9 && strncmp(v, "preferred", kl) == 0))
        kw = "prefer";
    else
        DERR("bad policy '%s' (default, local, interleave:<nodes>, bind:<nodes>, prefer:<node>)", v);
    memset(set, 0, sizeof set);
    if (parse_list(colon + 1, set, FX_MAX_NODES, &why) < 0)
        DERR("bad policy node list '%s': %s", colon + 1, why);
    if (bm_count(set, NW) == 0)
        DERR("policy '%s' has no nodes", v);
    if (strcmp(kw, "prefer") == 0 && bm_count(set, NW) != 1)
        DERR("policy prefer takes exactly one node");
    for (int i = bm_next(set, FX_MAX_NODES, 0); i >= 0; i = bm_next(set, FX_MAX_NODES, i + 1))
        if (t->idx[i] < 0)
            DERR("policy names node %d, which is not online", i);
    sb_printf(&b, "%s:", kw);
    bm_list(&b, set, FX_MAX_NODES);
    *out = b.p;
    return 0;
}

static int parse_cgroup_path(const char *v, char **out, int line, char *err, size_t errlen)
{
    const char *p = v;
    while (*p == '/')
        p++;
    if (!*p)
        DERR("cgroup= needs a path (use no cgroup= for the root cgroup)");
    {
        /* reject empty, "." and ".." components */
        const char *c = p;
        while (*c) {
            const char *e = strchr(c, '/');
            size_t n = e ? (size_t)(e - c) : strlen(c);
            if ((n == 0 && e && e[1]) || (n == 1 && c[0] == '.') ||
                (n == 2 && c[0] == '.' && c[1] == '.'))
                DERR("cgroup path '%s' has an empty, '.' or '..' component", v);
            if (!e)
                break;
            c = e + 1;
        }
    }
    *out = xstrdup(p);
    {
        size_t n = strlen(*out);
        while (n > 0 && (*out)[n - 1] == '/')
            (*out)[--n] = '\0';
    }
    return 0;
}

static fx_proc *new_proc(fx_model *m)
{
    fx_proc *p;
    if (m->nprocs == m->capprocs) {
        m->capprocs = m->capprocs ? m->capprocs * 2 : 64;
        m->procs = xrealloc(m->procs, sizeof(fx_proc) * (size_t)m->capprocs);
    }
    p = &m->procs[m->nprocs++];
    memset(p, 0, sizeof *p);
    p->mem_mb = xcalloc((size_t)m->t.n, sizeof(ull));
    p->huge_mb = xcalloc((size_t)m->t.n, sizeof(ull));
    return p;
}

enum { PK_PID, PK_COMM, PK_NAME, PK_THREADS, PK_VCPUS, PK_MEM, PK_HUGE, PK_POLICY,
       PK_CGROUP, PK_CGROUPV, PK_PPID, PK_STATE, PK_UTIME, PK_STIME, PK_STARTTIME,
       PK_CPUS, PK_MEMS, PK_LASTCPU, PK_COUNT };

static const char *const proc_keys[PK_COUNT] = {
    "pid", "comm", "name", "threads", "vcpus", "mem", "huge", "policy", "cgroup",
    "cgroupv", "ppid", "state", "utime", "stime", "starttime", "cpus", "mems", "lastcpu",
};

static int find_key(const char *const *keys, int n, const char *k)
{
    for (int i = 0; i < n; i++)
        if (strcmp(keys[i], k) == 0)
            return i;
    return -1;
}

static int split_kv(char *word, char **val, int line, char *err, size_t errlen)
{
    char *eq = strchr(word, '=');
    if (!eq || eq == word)
        DERR("expected key=value, got '%s'", word);
    *eq = '\0';
    *val = eq + 1;
    return 0;
}

static int parse_proc(fx_model *m, char **w, int nw, int line, char *err, size_t errlen)
{
    fx_topo *t = &m->t;
    fx_proc *p = new_proc(m);
    int seen[PK_COUNT] = { 0 };
    long threads = -1;

    p->line = line;
    p->ppid = 1;
    p->state = 'S';
    p->cgroupv = 2;
    p->lastcpu = -1;
    p->starttime = 1000;

    for (int i = 1; i < nw; i++) {
        char *v;
        int k;
        long n;
        ull u;
        const char *why = "";
        if (split_kv(w[i], &v, line, err, errlen) < 0)
            return -1;
        k = find_key(proc_keys, PK_COUNT, w[i]);
        if (k < 0)
            DERR("unknown proc key '%s'", w[i]);
        if (seen[k])
            DERR("proc key '%s' given twice", w[i]);
        seen[k] = 1;
        switch (k) {
        case PK_PID:
            if (parse_int_range(v, 1, FX_MAX_PID, &n) < 0)
                DERR("bad pid '%s' (1..%ld)", v, FX_MAX_PID);
            p->pid = n;
            break;
        case PK_PPID:
            if (parse_int_range(v, 0, FX_MAX_PID, &n) < 0)
                DERR("bad ppid '%s'", v);
            p->ppid = n;
            break;
        case PK_COMM:
            if (!*v || strlen(v) > FX_MAX_COMM || strchr(v, '\n') || strchr(v, '/'))
                DERR("bad comm '%s' (1..%d characters, no '/')", v, FX_MAX_COMM);
            p->comm = xstrdup(v);
            break;
        case PK_NAME:
            if (!*v || strlen(v) > FX_MAX_COMM || strchr(v, '/'))
                DERR("bad name '%s'", v);
            p->name = xstrdup(v);
            break;
        case PK_THREADS:
            if (parse_int_range(v, 1, FX_MAX_THREADS, &n) < 0)
                DERR("bad threads '%s' (1..%d)", v, FX_MAX_THREADS);
            threads = n;
            break;
        case PK_VCPUS:
            if (parse_int_range(v, 0, FX_MAX_THREADS - 1, &n) < 0)
                DERR("bad vcpus '%s'", v);
            p->vcpus = (int)n;
            break;
        case PK_MEM:
            if (parse_node_mb(t, "mem", v, p->mem_mb, 0, line, err, errlen) < 0)
                return -1;
            break;
        case PK_HUGE:
            if (parse_node_mb(t, "huge", v, p->huge_mb, 1, line, err, errlen) < 0)
                return -1;
            break;
        case PK_POLICY:
            if (parse_policy(t, v, &p->policy, line, err, errlen) < 0)
                return -1;
            break;
        case PK_CGROUP:
            if (parse_cgroup_path(v, &p->cgroup, line, err, errlen) < 0)
                return -1;
            break;
        case PK_CGROUPV:
            if (strcmp(v, "1") != 0 && strcmp(v, "2") != 0)
                DERR("bad cgroupv '%s' (1 or 2)", v);
            p->cgroupv = v[0] - '0';
            break;
        case PK_STATE:
            if (strlen(v) != 1 || !strchr("RSDTtXZPI", v[0]))
                DERR("bad state '%s' (one of R S D T t X Z P I)", v);
            p->state = v[0];
            break;
        case PK_UTIME:
        case PK_STIME:
        case PK_STARTTIME:
            if (parse_ull(v, &u) < 0)
                DERR("bad %s '%s'", proc_keys[k], v);
            if (k == PK_UTIME)
                p->utime = u;
            else if (k == PK_STIME)
                p->stime = u;
            else
                p->starttime = u;
            break;
        case PK_CPUS:
            if (parse_list(v, p->cpus, FX_MAX_CPUS, &why) < 0)
                DERR("bad cpus list '%s': %s", v, why);
            for (int c = bm_next(p->cpus, FX_MAX_CPUS, 0); c >= 0;
                 c = bm_next(p->cpus, FX_MAX_CPUS, c + 1))
                if (!bm_test(t->allcpus, c))
                    DERR("cpus= names cpu %d, which is not in the topology", c);
            if (bm_count(p->cpus, CW) == 0)
                DERR("cpus= is empty");
            p->cpus_set = 1;
            break;
        case PK_MEMS:
            if (parse_list(v, p->mems, FX_MAX_NODES, &why) < 0)
                DERR("bad mems list '%s': %s", v, why);
            for (int c = bm_next(p->mems, FX_MAX_NODES, 0); c >= 0;
                 c = bm_next(p->mems, FX_MAX_NODES, c + 1))
                if (t->idx[c] < 0)
                    DERR("mems= names node %d, which is not online", c);
            if (bm_count(p->mems, NW) == 0)
                DERR("mems= is empty");
            p->mems_set = 1;
            break;
        case PK_LASTCPU:
            if (parse_int_range(v, 0, FX_MAX_CPUS - 1, &n) < 0 || !bm_test(t->allcpus, (int)n))
                DERR("lastcpu '%s' is not a cpu of the topology", v);
            p->lastcpu = n;
            break;
        }
    }
    if (!seen[PK_PID])
        DERR("proc needs pid=");
    if (threads < 0)
        threads = p->vcpus > 0 ? p->vcpus + 1 : 1;
    if (p->vcpus > 0 && threads < p->vcpus + 1)
        DERR("threads=%ld must exceed vcpus=%d (the main thread is not a vCPU)",
             threads, p->vcpus);
    if (p->pid + threads - 1 > FX_MAX_PID)
        DERR("thread ids of pid %ld run past %ld", p->pid, FX_MAX_PID);
    p->threads = (int)threads;
    if (p->cpus_set && p->lastcpu >= 0 && !bm_test(p->cpus, (int)p->lastcpu))
        DERR("lastcpu=%ld is not in cpus=", p->lastcpu);
    if (!p->comm)
        p->comm = xstrdup(p->vcpus > 0 ? "qemu-system-x86" : "proc");
    if (!p->name) {
        char nb[32];
        snprintf(nb, sizeof nb, "vm%ld", p->pid);
        p->name = xstrdup(nb);
    }
    if (!p->policy)
        p->policy = xstrdup("default");
    if (seen[PK_CGROUPV] && !p->cgroup)
        DERR("cgroupv= without cgroup=");
    return 0;
}

/* "node <id>|all k=v ..." and "cpu <id>|all k=v ..." */
static int parse_override(fx_model *m, int is_node, char **w, int nw, int line,
                          char *err, size_t errlen)
{
    fx_topo *t = &m->t;
    long id = -1;
    const char *what = is_node ? "node" : "cpu";
    int seen[32] = { 0 }; /* >= NO_COUNT and CS_COUNT */

    if (nw < 2)
        DERR("%s needs an id (or 'all')", what);
    if (strcmp(w[1], "all") != 0) {
        if (is_node) {
            if (parse_int_range(w[1], 0, FX_MAX_NODES - 1, &id) < 0 || t->idx[id] < 0)
                DERR("node '%s' is not online", w[1]);
        } else {
            if (parse_int_range(w[1], 0, FX_MAX_CPUS - 1, &id) < 0 ||
                !bm_test(t->allcpus, (int)id))
                DERR("cpu '%s' is not in the topology", w[1]);
        }
    }
    if (nw < 3)
        DERR("%s %s: nothing to set", what, w[1]);
    for (int i = 2; i < nw; i++) {
        char *v;
        ull u;
        int k;
        if (split_kv(w[i], &v, line, err, errlen) < 0)
            return -1;
        k = is_node ? find_key(node_keys, NO_COUNT, w[i]) : find_key(cpu_keys, CS_COUNT, w[i]);
        if (k < 0)
            DERR("unknown %s key '%s'", what, w[i]);
        if (seen[k])
            DERR("%s key '%s' given twice", what, w[i]);
        seen[k] = 1;
        if (parse_ull(v, &u) < 0 || u > (1ULL << 62))
            DERR("bad value '%s' for %s", v, w[i]);
        if (is_node) {
            for (int j = 0; j < t->n; j++) {
                fx_node *nd = &t->nodes[j];
                if (id >= 0 && nd->id != id)
                    continue;
                if (k == NO_FREE_MB && u > nd->size_mb)
                    DERR("free_mb=%llu exceeds the size of node %d (%llu MB)", u, nd->id,
                         nd->size_mb);
                nd->ovr[k] = (long long)u;
            }
        } else {
            for (int c = 0; c <= t->max_cpu; c++) {
                if (!bm_test(t->allcpus, c) || (id >= 0 && c != id))
                    continue;
                m->cpustat[c][k] = u;
            }
        }
    }
    return 0;
}

static int cmp_range(const void *a, const void *b)
{
    const long *x = a, *y = b;
    return (x[0] > y[0]) - (x[0] < y[0]);
}

static int parse_desc(fx_model *m, const char *text, char *err, size_t errlen)
{
    line_iter it = { text, 0, { NULL, 0, 0 } };
    char *ln;
    char *w[FX_MAX_WORDS];
    int rc = -1;

    while ((ln = next_line(&it)) != NULL) {
        const char *why = "";
        int line = it.lineno;
        int nw = split_desc(ln, w, FX_MAX_WORDS, &why);
        if (nw < 0) {
            seterr(err, errlen, "desc line %d: %s", line, why);
            goto out;
        }
        if (nw == 0)
            continue;
        if (strcmp(w[0], "proc") == 0) {
            if (parse_proc(m, w, nw, line, err, errlen) < 0)
                goto out;
        } else if (strcmp(w[0], "node") == 0 || strcmp(w[0], "cpu") == 0) {
            if (parse_override(m, w[0][0] == 'n', w, nw, line, err, errlen) < 0)
                goto out;
        } else if (strcmp(w[0], "noslit") == 0) {
            if (nw != 1) {
                seterr(err, errlen, "desc line %d: noslit takes no arguments", line);
                goto out;
            }
            m->noslit = 1;
        } else {
            seterr(err, errlen, "desc line %d: unknown directive '%s' (proc, node, cpu, noslit)",
                   line, w[0]);
            goto out;
        }
    }

    /* thread id ranges must not overlap */
    if (m->nprocs > 1) {
        long *r = xmalloc(sizeof(long) * 3 * (size_t)m->nprocs);
        for (int i = 0; i < m->nprocs; i++) {
            r[3 * i] = m->procs[i].pid;
            r[3 * i + 1] = m->procs[i].pid + m->procs[i].threads - 1;
            r[3 * i + 2] = m->procs[i].line;
        }
        qsort(r, (size_t)m->nprocs, sizeof(long) * 3, cmp_range);
        for (int i = 1; i < m->nprocs; i++) {
            if (r[3 * i] <= r[3 * (i - 1) + 1]) {
                /* report the later line, name the earlier one */
                int later = r[3 * i + 2] > r[3 * (i - 1) + 2];
                const long *L = &r[3 * (later ? i : i - 1)], *E = &r[3 * (later ? i - 1 : i)];
                seterr(err, errlen,
                       "desc line %ld: thread ids %ld-%ld of pid %ld overlap thread ids "
                       "%ld-%ld of pid %ld (line %ld); a process uses pid..pid+threads-1",
                       L[2], L[0], L[1], L[0], E[0], E[1], E[0], E[2]);
                free(r);
                goto out;
            }
        }
        free(r);
    }
    rc = 0;
out:
    sb_free(&it.buf);
    return rc;
}

#undef DERR

/* ------------------------------------------------------------------------ */
/* writing                                                                  */

typedef struct {
    char path[PATH_MAX];
    size_t rootlen;
    char *err;
    size_t errlen;
} wctx;

/* mkdir -p for every directory component of path (not the last one) */
static int mkparents(char *path, size_t skip)
{
    for (char *s = path + skip + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(path, 0755) < 0 && errno != EEXIST) {
            int e = errno;
            *s = '/';
            errno = e;
            return -1;
        }
        *s = '/';
    }
    return 0;
}

static int mkdir_p(const char *dir)
{
    char buf[PATH_MAX];
    size_t n = strlen(dir);
    if (n + 2 > sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(buf, dir, n);
    buf[n] = '/';
    buf[n + 1] = '\0';
    return mkparents(buf, 0);
}

static int write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t k = write(fd, data, len);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        data += k;
        len -= (size_t)k;
    }
    return 0;
}

static int wfile(wctx *c, const char *rel, const char *data, size_t len)
{
    size_t rl = strlen(rel);
    int fd;
    if (c->rootlen + 1 + rl + 1 > sizeof c->path) {
        seterr(c->err, c->errlen, "path too long: %s", rel);
        return -1;
    }
    c->path[c->rootlen] = '/';
    memcpy(c->path + c->rootlen + 1, rel, rl + 1);
    fd = open(c->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 && errno == ENOENT) {
        if (mkparents(c->path, c->rootlen) < 0) {
            seterr(c->err, c->errlen, "cannot create directories for %s: %s", c->path,
                   strerror(errno));
            return -1;
        }
        fd = open(c->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    }
    if (fd < 0) {
        seterr(c->err, c->errlen, "cannot create %s: %s", c->path, strerror(errno));
        return -1;
    }
    if (write_all(fd, data, len) < 0) {
        seterr(c->err, c->errlen, "cannot write %s: %s", c->path, strerror(errno));
        close(fd);
        return -1;
    }
    if (close(fd) < 0) {
        seterr(c->err, c->errlen, "cannot write %s: %s", c->path, strerror(errno));
        return -1;
    }
    return 0;
}

__attribute__((format(printf, 3, 4)))
static int wsb(wctx *c, sbuf *content, const char *relfmt, ...)
{
    char rel[PATH_MAX];
    va_list ap;
    int n;
    va_start(ap, relfmt);
    n = vsnprintf(rel, sizeof rel, relfmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof rel) {
        seterr(c->err, c->errlen, "path too long");
        return -1;
    }
    return wfile(c, rel, sb_str(content), content->len);
}

/* mkdir one directory under root (parent must exist); EEXIST is fine.
 * Creating directories up front avoids a failed open() per new directory. */
__attribute__((format(printf, 2, 3)))
static int wdir(wctx *c, const char *relfmt, ...)
{
    va_list ap;
    int n;
    size_t room = sizeof c->path - c->rootlen - 1;
    va_start(ap, relfmt);
    n = vsnprintf(c->path + c->rootlen + 1, room, relfmt, ap);
    va_end(ap);
    c->path[c->rootlen] = '/';
    if (n < 0 || (size_t)n >= room) {
        seterr(c->err, c->errlen, "path too long");
        return -1;
    }
    if (mkdir(c->path, 0755) < 0 && errno != EEXIST) {
        if (errno == ENOENT && mkparents(c->path, c->rootlen) == 0 &&
            (mkdir(c->path, 0755) == 0 || errno == EEXIST))
            return 0;
        seterr(c->err, c->errlen, "cannot create %s: %s", c->path, strerror(errno));
        return -1;
    }
    return 0;
}

/* a list file: "<list>\n" */
static int wlist(wctx *c, sbuf *b, const uint64_t *w, int nbits, const char *rel)
{
    sb_clear(b);
    bm_list(b, w, nbits);
    sb_putc(b, '\n');
    return wsb(c, b, "%s", rel);
}

#define KB_LINE(b, id, label, v) sb_printf(b, "Node %d %-15s %8llu kB\n", id, label, (ull)(v))

typedef struct {
    ull total_kb, free_kb, used_kb, anon_kb, active_anon_kb, inactive_anon_kb;
    ull active_file_kb, inactive_file_kb, file_kb, hp_total, hp_free, hp_surp;
    ull managed, wmin, wlow, whigh;
    ull numa[6];
} node_vals;

static long long ovr_or(const fx_node *nd, int k, ull dflt)
{
    return nd->ovr[k] >= 0 ? nd->ovr[k] : (long long)dflt;
}

static void node_values(const fx_node *nd, node_vals *v)
{
    memset(v, 0, sizeof *v);
    v->total_kb = nd->size_mb * 1024;
    v->free_kb = (ull)ovr_or(nd, NO_FREE_MB, nd->free_mb) * 1024;
    v->used_kb = v->total_kb > v->free_kb ? v->total_kb - v->free_kb : 0;
    v->anon_kb = (ull)ovr_or(nd, NO_ANON_MB, nd->proc_anon_mb) * 1024;
    v->active_anon_kb = nd->ovr[NO_ACTIVE_ANON_MB] >= 0 ? (ull)nd->ovr[NO_ACTIVE_ANON_MB] * 1024
                                                        : v->anon_kb;
    v->inactive_anon_kb = (ull)ovr_or(nd, NO_INACTIVE_ANON_MB, 0) * 1024;
    v->active_file_kb = (ull)ovr_or(nd, NO_ACTIVE_FILE_MB, 0) * 1024;
    v->inactive_file_kb = (ull)ovr_or(nd, NO_INACTIVE_FILE_MB, 0) * 1024;
    v->file_kb = v->active_file_kb + v->inactive_file_kb;
    v->hp_total = (ull)ovr_or(nd, NO_HP_TOTAL, nd->proc_huge_pages);
    {
        ull used = nd->proc_huge_pages;
        v->hp_free = (ull)ovr_or(nd, NO_HP_FREE, v->hp_total > used ? v->hp_total - used : 0);
    }
    v->hp_surp = (ull)ovr_or(nd, NO_HP_SURP, 0);
    v->managed = v->total_kb / 4;
    v->wmin = (ull)ovr_or(nd, NO_MIN_PAGES, v->managed / 256);
    v->wlow = (ull)ovr_or(nd, NO_LOW_PAGES, v->wmin * 5 / 4);
    v->whigh = (ull)ovr_or(nd, NO_HIGH_PAGES, v->wmin * 3 / 2);
    for (int i = 0; i < 6; i++)
        v->numa[i] = (ull)ovr_or(nd, NO_NUMA_HIT + i, 0);
}

static int write_nodes(wctx *c, fx_model *m, sbuf *b)
{
    fx_topo *t = &m->t;
    const char *nd_dir = "sys/devices/system/node";
    char rel[256];
    int ncpubits = t->max_cpu + 1;

    snprintf(rel, sizeof rel, "%s/online", nd_dir);
    if (wlist(c, b, t->online, FX_MAX_NODES, rel) < 0)
        return -1;
    snprintf(rel, sizeof rel, "%s/possible", nd_dir);
    if (wlist(c, b, t->online, FX_MAX_NODES, rel) < 0)
        return -1;
    snprintf(rel, sizeof rel, "%s/has_memory", nd_dir);
    if (wlist(c, b, t->has_mem, FX_MAX_NODES, rel) < 0)
        return -1;
    snprintf(rel, sizeof rel, "%s/has_normal_memory", nd_dir);
    if (wlist(c, b, t->has_mem, FX_MAX_NODES, rel) < 0)
        return -1;
    snprintf(rel, sizeof rel, "%s/has_cpu", nd_dir);
    if (wlist(c, b, t->has_cpu, FX_MAX_NODES, rel) < 0)
        return -1;

    for (int i = 0; i < t->n; i++) {
        fx_node *nd = &t->nodes[i];
        int id = nd->id;
        node_vals v;
        node_values(nd, &v);

        snprintf(rel, sizeof rel, "%s/node%d/cpulist", nd_dir, id);
        if (wlist(c, b, nd->cpus, FX_MAX_CPUS, rel) < 0)
            return -1;

        sb_clear(b);
        bm_hex(b, nd->cpus, ncpubits > 0 ? ncpubits : 1);
        sb_putc(b, '\n');
        if (wsb(c, b, "%s/node%d/cpumap", nd_dir, id) < 0)
            return -1;

        if (t->have_dist && !m->noslit) {
            sb_clear(b);
            for (int j = 0; j < t->n; j++)
                sb_printf(b, "%s%d", j ? " " : "", nd->dist[j]);
            sb_putc(b, '\n');
            if (wsb(c, b, "%s/node%d/distance", nd_dir, id) < 0)
                return -1;
        }

        sb_clear(b);
        KB_LINE(b, id, "MemTotal:", v.total_kb);
        KB_LINE(b, id, "MemFree:", v.free_kb);
        KB_LINE(b, id, "MemUsed:", v.used_kb);
        KB_LINE(b, id, "SwapCached:", 0);
        KB_LINE(b, id, "Active:", v.active_anon_kb + v.active_file_kb);
        KB_LINE(b, id, "Inactive:", v.inactive_anon_kb + v.inactive_file_kb);
        KB_LINE(b, id, "Active(anon):", v.active_anon_kb);
        KB_LINE(b, id, "Inactive(anon):", v.inactive_anon_kb);
        KB_LINE(b, id, "Active(file):", v.active_file_kb);
        KB_LINE(b, id, "Inactive(file):", v.inactive_file_kb);
        KB_LINE(b, id, "Unevictable:", 0);
        KB_LINE(b, id, "Mlocked:", 0);
        KB_LINE(b, id, "Dirty:", 0);
        KB_LINE(b, id, "Writeback:", 0);
        KB_LINE(b, id, "FilePages:", v.file_kb);
        KB_LINE(b, id, "Mapped:", 0);
        KB_LINE(b, id, "AnonPages:", v.anon_kb);
        KB_LINE(b, id, "Shmem:", 0);
        KB_LINE(b, id, "KernelStack:", 0);
        KB_LINE(b, id, "PageTables:", 0);
        KB_LINE(b, id, "NFS_Unstable:", 0);
        KB_LINE(b, id, "Bounce:", 0);
        KB_LINE(b, id, "WritebackTmp:", 0);
        KB_LINE(b, id, "KReclaimable:", 0);
        KB_LINE(b, id, "Slab:", 0);
        KB_LINE(b, id, "SReclaimable:", 0);
        KB_LINE(b, id, "SUnreclaim:", 0);
        KB_LINE(b, id, "AnonHugePages:", 0);
        KB_LINE(b, id, "ShmemHugePages:", 0);
        KB_LINE(b, id, "ShmemPmdMapped:", 0);
        KB_LINE(b, id, "FileHugePages:", 0);
        KB_LINE(b, id, "FilePmdMapped:", 0);
        /* the kernel prints these as "HugePages_Total: %5u", "HugePages_Free:  %5u" */
        sb_printf(b, "Node %d %-16s %5llu\n", id, "HugePages_Total:", v.hp_total);
        sb_printf(b, "Node %d %-16s %5llu\n", id, "HugePages_Free:", v.hp_free);
        sb_printf(b, "Node %d %-16s %5llu\n", id, "HugePages_Surp:", v.hp_surp);
        if (wsb(c, b, "%s/node%d/meminfo", nd_dir, id) < 0)
            return -1;

        sb_clear(b);
        sb_printf(b, "nr_free_pages %llu\n", v.free_kb / 4);
        sb_printf(b, "nr_zone_inactive_anon %llu\n", v.inactive_anon_kb / 4);
        sb_printf(b, "nr_zone_active_anon %llu\n", v.active_anon_kb / 4);
        sb_printf(b, "nr_zone_inactive_file %llu\n", v.inactive_file_kb / 4);
        sb_printf(b, "nr_zone_active_file %llu\n", v.active_file_kb / 4);
        sb_printf(b, "nr_zone_unevictable 0\nnr_zone_write_pending 0\nnr_mlock 0\n"
                     "nr_bounce 0\nnr_zspages 0\nnr_free_cma 0\n");
        sb_printf(b, "numa_hit %llu\nnuma_miss %llu\nnuma_foreign %llu\n"
                     "numa_interleave %llu\nnuma_local %llu\nnuma_other %llu\n",
                  v.numa[0], v.numa[1], v.numa[2], v.numa[3], v.numa[4], v.numa[5]);
        sb_printf(b, "nr_inactive_anon %llu\n", v.inactive_anon_kb / 4);
        sb_printf(b, "nr_active_anon %llu\n", v.active_anon_kb / 4);
        sb_printf(b, "nr_inactive_file %llu\n", v.inactive_file_kb / 4);
        sb_printf(b, "nr_active_file %llu\n", v.active_file_kb / 4);
        sb_printf(b, "nr_unevictable 0\nnr_slab_reclaimable 0\nnr_slab_unreclaimable 0\n");
        sb_printf(b, "nr_anon_pages %llu\n", v.anon_kb / 4);
        sb_printf(b, "nr_mapped 0\n");
        sb_printf(b, "nr_file_pages %llu\n", v.file_kb / 4);
        sb_printf(b, "nr_dirty 0\nnr_writeback 0\nnr_shmem 0\nnr_anon_transparent_hugepages 0\n");
        if (wsb(c, b, "%s/node%d/vmstat", nd_dir, id) < 0)
            return -1;

        sb_clear(b);
        sb_printf(b, "numa_hit %llu\nnuma_miss %llu\nnuma_foreign %llu\n"
                     "interleave_hit %llu\nlocal_node %llu\nother_node %llu\n",
                  v.numa[0], v.numa[1], v.numa[2], v.numa[3], v.numa[4], v.numa[5]);
        if (wsb(c, b, "%s/node%d/numastat", nd_dir, id) < 0)
            return -1;

        sb_clear(b);
        sb_printf(b, "%llu\n", v.hp_total);
        if (wsb(c, b, "%s/node%d/hugepages/hugepages-2048kB/nr_hugepages", nd_dir, id) < 0)
            return -1;
        sb_clear(b);
        sb_printf(b, "%llu\n", v.hp_free);
        if (wsb(c, b, "%s/node%d/hugepages/hugepages-2048kB/free_hugepages", nd_dir, id) < 0)
            return -1;
        sb_clear(b);
        sb_printf(b, "%llu\n", v.hp_surp);
        if (wsb(c, b, "%s/node%d/hugepages/hugepages-2048kB/surplus_hugepages", nd_dir, id) < 0)
            return -1;
    }
    return 0;
}

static int write_cpu_and_global(wctx *c, fx_model *m, sbuf *b)
{
    fx_topo *t = &m->t;
    ull sum[CS_COUNT] = { 0 };
    ull tot_kb = 0, free_kb = 0, avail_kb = 0, anon_kb = 0, file_kb = 0;
    ull aa = 0, ia = 0, af = 0, inf = 0, hpt = 0, hpf = 0, hps = 0;
    int running = 0;

    if (wlist(c, b, t->allcpus, FX_MAX_CPUS, "sys/devices/system/cpu/online") < 0 ||
        wlist(c, b, t->allcpus, FX_MAX_CPUS, "sys/devices/system/cpu/possible") < 0 ||
        wlist(c, b, t->allcpus, FX_MAX_CPUS, "sys/devices/system/cpu/present") < 0)
        return -1;

    /* proc/stat */
    for (int cpu = 0; cpu <= t->max_cpu; cpu++)
        if (bm_test(t->allcpus, cpu))
            for (int k = 0; k < CS_COUNT; k++)
                sum[k] += m->cpustat[cpu][k];
    for (int i = 0; i < m->nprocs; i++)
        if (m->procs[i].state == 'R')
            running++;
    sb_clear(b);
    sb_printf(b, "cpu  %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu\n", sum[0], sum[1],
              sum[2], sum[3], sum[4], sum[5], sum[6], sum[7], sum[8], sum[9]);
    for (int cpu = 0; cpu <= t->max_cpu; cpu++) {
        const ull *s = m->cpustat[cpu];
        if (!bm_test(t->allcpus, cpu))
            continue;
        sb_printf(b, "cpu%d %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu\n", cpu, s[0],
                  s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9]);
    }
    sb_printf(b, "intr 0\nctxt 0\nbtime 0\nprocesses 0\nprocs_running %d\nprocs_blocked 0\n"
                 "softirq 0 0 0 0 0 0 0 0 0 0 0\n", running > 0 ? running : 1);
    if (wsb(c, b, "proc/stat") < 0)
        return -1;

    /* proc/meminfo and proc/zoneinfo */
    {
        sbuf z = { NULL, 0, 0 };
        ull start_pfn = 1048576;
        for (int i = 0; i < t->n; i++) {
            fx_node *nd = &t->nodes[i];
            node_vals v;
            node_values(nd, &v);
            tot_kb += v.total_kb;
            free_kb += v.free_kb;
            avail_kb += v.free_kb + v.file_kb;
            anon_kb += v.anon_kb;
            file_kb += v.file_kb;
            aa += v.active_anon_kb;
            ia += v.inactive_anon_kb;
            af += v.active_file_kb;
            inf += v.inactive_file_kb;
            hpt += v.hp_total;
            hpf += v.hp_free;
            hps += v.hp_surp;
            if (nd->size_mb == 0)
                continue;
            sb_printf(&z, "Node %d, zone %8s", nd->id, "Normal");
            sb_printf(&z, "\n  per-node stats");
            sb_printf(&z, "\n      %-12s %llu", "nr_inactive_anon", v.inactive_anon_kb / 4);
            sb_printf(&z, "\n      %-12s %llu", "nr_active_anon", v.active_anon_kb / 4);
            sb_printf(&z, "\n      %-12s %llu", "nr_inactive_file", v.inactive_file_kb / 4);
            sb_printf(&z, "\n      %-12s %llu", "nr_active_file", v.active_file_kb / 4);
            sb_printf(&z, "\n      %-12s %llu", "nr_unevictable", 0ULL);
            sb_printf(&z, "\n      %-12s %llu", "nr_anon_pages", v.anon_kb / 4);
            sb_printf(&z, "\n      %-12s %llu", "nr_mapped", 0ULL);
            sb_printf(&z, "\n      %-12s %llu", "nr_file_pages", v.file_kb / 4);
            sb_printf(&z, "\n      %-12s %llu", "nr_dirty", 0ULL);
            sb_printf(&z, "\n      %-12s %llu", "nr_writeback", 0ULL);
            sb_printf(&z, "\n      %-12s %llu", "nr_shmem", 0ULL);
            sb_printf(&z,
                      "\n  pages free     %llu"
                      "\n        boost    %llu"
                      "\n        min      %llu"
                      "\n        low      %llu"
                      "\n        high     %llu"
                      "\n        spanned  %llu"
                      "\n        present  %llu"
                      "\n        managed  %llu"
                      "\n        cma      %llu",
                      v.free_kb / 4, 0ULL, v.wmin, v.wlow, v.whigh, v.managed, v.managed,
                      v.managed, 0ULL);
            sb_printf(&z, "\n        protection: (0, 0, 0, 0, 0)");
            sb_printf(&z, "\n      %-12s %llu", "nr_free_pages", v.free_kb / 4);
            sb_printf(&z, "\n      %-12s %llu", "nr_zone_inactive_anon", v.inactive_anon_kb / 4);
            sb_printf(&z, "\n      %-12s %llu", "nr_zone_active_anon", v.active_anon_kb / 4);
            sb_printf(&z, "\n      %-12s %llu", "nr_zone_inactive_file", v.inactive_file_kb / 4);
            sb_printf(&z, "\n      %-12s %llu", "nr_zone_active_file", v.active_file_kb / 4);
            sb_printf(&z, "\n      %-12s %llu", "nr_zone_unevictable", 0ULL);
            sb_printf(&z, "\n      %-12s %llu", "nr_zone_write_pending", 0ULL);
            sb_printf(&z, "\n      %-12s %llu", "nr_mlock", 0ULL);
            sb_printf(&z, "\n      %-12s %llu", "nr_free_cma", 0ULL);
            sb_printf(&z, "\n  pagesets");
            {
                int fc = bm_next(nd->cpus, FX_MAX_CPUS, 0);
                if (fc < 0)
                    fc = bm_next(t->allcpus, FX_MAX_CPUS, 0);
                if (fc >= 0)
                    sb_printf(&z, "\n    cpu: %d"
                                  "\n              count: 0"
                                  "\n              high:  0"
                                  "\n              batch: 1"
                                  "\n  vm stats threshold: 0", fc);
            }
            sb_printf(&z, "\n  node_unreclaimable:  0"
                          "\n  start_pfn:           %llu\n", start_pfn);
            start_pfn += v.managed;
        }
        if (wsb(c, &z, "proc/zoneinfo") < 0) {
            sb_free(&z);
            return -1;
        }
        sb_free(&z);
    }

#define MI(label, val) sb_printf(b, "%-15s %8llu kB\n", label, (ull)(val))
    sb_clear(b);
    MI("MemTotal:", tot_kb);
    MI("MemFree:", free_kb);
    MI("MemAvailable:", avail_kb);
    MI("Buffers:", 0);
    MI("Cached:", file_kb);
    MI("SwapCached:", 0);
    MI("Active:", aa + af);
    MI("Inactive:", ia + inf);
    MI("Active(anon):", aa);
    MI("Inactive(anon):", ia);
    MI("Active(file):", af);
    MI("Inactive(file):", inf);
    MI("Unevictable:", 0);
    MI("Mlocked:", 0);
    MI("SwapTotal:", 0);
    MI("SwapFree:", 0);
    MI("Dirty:", 0);
    MI("Writeback:", 0);
    MI("AnonPages:", anon_kb);
    MI("Mapped:", 0);
    MI("Shmem:", 0);
    MI("AnonHugePages:", 0);
    sb_printf(b, "HugePages_Total:   %5llu\nHugePages_Free:    %5llu\n"
                 "HugePages_Rsvd:    %5llu\nHugePages_Surp:    %5llu\n", hpt, hpf, 0ULL, hps);
    MI("Hugepagesize:", 2048);
    MI("Hugetlb:", hpt * 2048);
#undef MI
    if (wsb(c, b, "proc/meminfo") < 0)
        return -1;

    /* global hugepage counters */
    sb_clear(b);
    sb_printf(b, "%llu\n", hpt);
    if (wsb(c, b, "sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages") < 0)
        return -1;
    sb_clear(b);
    sb_printf(b, "%llu\n", hpf);
    if (wsb(c, b, "sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages") < 0)
        return -1;
    sb_clear(b);
    sb_printf(b, "%llu\n", hps);
    if (wsb(c, b, "sys/kernel/mm/hugepages/hugepages-2048kB/surplus_hugepages") < 0)
        return -1;
    sb_clear(b);
    sb_puts(b, "0\n");
    if (wsb(c, b, "sys/kernel/mm/hugepages/hugepages-2048kB/resv_hugepages") < 0)
        return -1;
    return 0;
}

static const char *state_name(char s)
{
    switch (s) {
    case 'R': return "R (running)";
    case 'S': return "S (sleeping)";
    case 'D': return "D (disk sleep)";
    case 'T': return "T (stopped)";
    case 't': return "t (tracing stop)";
    case 'X': return "X (dead)";
    case 'Z': return "Z (zombie)";
    case 'P': return "P (parked)";
    case 'I': return "I (idle)";
    default: return "S (sleeping)";
    }
}

/* /proc/PID/stat and task/TID/stat: 52 fields */
static void build_stat(sbuf *b, long tid, const char *comm, char state, long ppid, long tgid,
                       int nthreads, ull utime, ull stime, ull starttime, ull vsize, ull rss,
                       int processor, ull guest_time)
{
    sb_printf(b,
              "%ld (%s) %c %ld %ld %ld 0 -1 4194560 0 0 0 0 %llu %llu 0 0 20 0 %d 0 %llu "
              "%llu %llu 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 %d 0 0 0 %llu 0 "
              "0 0 0 0 0 0 0 0\n",
              tid, comm, state, ppid, tgid, tgid, utime, stime, nthreads, starttime, vsize,
              rss, processor, guest_time);
}

typedef struct {
    const char *cpus_list, *cpus_mask, *mems_list, *mems_mask;
} allowed_strs;

static void build_status(sbuf *b, const fx_proc *p, long tid, const char *comm, char state,
                         ull rss_kb, ull vsz_kb, ull huge_kb, const allowed_strs *a)
{
    sb_puts(b, "Name:\t");
    for (const char *s = comm; *s; s++) {
        if (*s == '\\')
            sb_puts(b, "\\\\");
        else
            sb_putc(b, *s);
    }
    sb_printf(b, "\nUmask:\t0022\nState:\t%s\nTgid:\t%ld\nNgid:\t0\nPid:\t%ld\nPPid:\t%ld\n"
                 "TracerPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t64\nGroups:\t\n"
                 "NStgid:\t%ld\nNSpid:\t%ld\nNSpgid:\t%ld\nNSsid:\t%ld\n",
              state_name(state), p->pid, tid, p->ppid, p->pid, tid, p->pid, p->pid);
    sb_printf(b, "VmPeak:\t%8llu kB\nVmSize:\t%8llu kB\nVmLck:\t%8llu kB\nVmPin:\t%8llu kB\n"
                 "VmHWM:\t%8llu kB\nVmRSS:\t%8llu kB\nRssAnon:\t%8llu kB\n"
                 "RssFile:\t%8llu kB\nRssShmem:\t%8llu kB\nVmData:\t%8llu kB\n"
                 "VmStk:\t%8llu kB\nVmExe:\t%8llu kB\nVmLib:\t%8llu kB\nVmPTE:\t%8llu kB\n"
                 "VmSwap:\t%8llu kB\nHugetlbPages:\t%8llu kB\n",
              vsz_kb, vsz_kb, 0ULL, 0ULL, rss_kb, rss_kb, rss_kb, 0ULL, 0ULL, rss_kb, 132ULL,
              4096ULL, 8192ULL, 0ULL, 0ULL, huge_kb);
    sb_printf(b, "CoreDumping:\t0\nTHP_enabled:\t1\nThreads:\t%d\nSigQ:\t0/63382\n"
                 "SigPnd:\t0000000000000000\nShdPnd:\t0000000000000000\n"
                 "SigBlk:\t0000000000000000\nSigIgn:\t0000000000001000\n"
                 "SigCgt:\t0000000100000000\nCapInh:\t0000000000000000\n"
                 "CapPrm:\t000001ffffffffff\nCapEff:\t000001ffffffffff\n"
                 "CapBnd:\t000001ffffffffff\nCapAmb:\t0000000000000000\nNoNewPrivs:\t0\n"
                 "Seccomp:\t0\nSeccomp_filters:\t0\nSpeculation_Store_Bypass:\tthread vulnerable\n"
                 "SpeculationIndirectBranch:\tconditional enabled\n",
              p->threads);
    sb_printf(b, "Cpus_allowed:\t%s\nCpus_allowed_list:\t%s\nMems_allowed:\t%s\n"
                 "Mems_allowed_list:\t%s\nvoluntary_ctxt_switches:\t0\n"
                 "nonvoluntary_ctxt_switches:\t0\n",
              a->cpus_mask, a->cpus_list, a->mems_mask, a->mems_list);
}

static void build_numa_maps(sbuf *b, const fx_topo *t, const fx_proc *p, int file_node)
{
    const char *pol = p->policy;
    int is_qemu = p->vcpus > 0 || strncmp(p->comm, "qemu", 4) == 0;
    const char *bin = is_qemu ? "/usr/bin/qemu-system-x86_64" : "/usr/lib/x86_64-linux-gnu/libc.so.6";
    ull addr;
    ull heap_total = 0;

    /* file-backed text and data of the binary (not anon, not guest memory) */
    if (file_node >= 0) {
        sb_printf(b, "55d0bf000000 default file=%s mapped=%llu mapmax=2 N%d=%llu kernelpagesize_kB=4\n",
                  bin, FILE_PAGES_1, file_node, FILE_PAGES_1);
        sb_printf(b, "55d0bf800000 default file=%s mapped=%llu mapmax=2 N%d=%llu kernelpagesize_kB=4\n",
                  bin, FILE_PAGES_2, file_node, FILE_PAGES_2);
    }
    /* heap: up to HEAP_PAGES carved from each node's resident memory */
    for (int i = 0; i < t->n; i++) {
        ull pg = p->mem_mb[i] * PAGES_PER_MB;
        heap_total += pg < HEAP_PAGES ? pg : HEAP_PAGES;
    }
    if (heap_total > 0) {
        sb_printf(b, "55d0c1000000 %s heap anon=%llu dirty=%llu", pol, heap_total, heap_total);
        for (int i = 0; i < t->n; i++) {
            ull pg = p->mem_mb[i] * PAGES_PER_MB;
            if (pg)
                sb_printf(b, " N%d=%llu", t->nodes[i].id, pg < HEAP_PAGES ? pg : HEAP_PAGES);
        }
        sb_puts(b, " kernelpagesize_kB=4\n");
    }
    /* hugetlbfs-backed guest memory */
    addr = 0x7e0000000000ULL;
    for (int i = 0, k = 0; i < t->n; i++) {
        ull left = p->huge_mb[i] / 2;
        while (left > 0) {
            ull ch = left < HUGE_CHUNK ? left : HUGE_CHUNK;
            sb_printf(b, "%llx %s file=/dev/hugepages/libvirt/qemu/%ld-%s/qemu_back_mem.%d huge "
                         "dirty=%llu N%d=%llu kernelpagesize_kB=2048\n",
                      addr, pol, p->pid, p->name, k++, ch, t->nodes[i].id, ch);
            addr += ch * 2 * 1024 * 1024 + (2ULL << 20);
            left -= ch;
        }
    }
    /* anonymous memory, one line per node chunk of at most 1 GiB */
    addr = 0x7f0000000000ULL;
    for (int i = 0; i < t->n; i++) {
        ull pg = p->mem_mb[i] * PAGES_PER_MB;
        ull left = pg - (pg < HEAP_PAGES ? pg : HEAP_PAGES);
        while (left > 0) {
            ull ch = left < ANON_CHUNK ? left : ANON_CHUNK;
            sb_printf(b, "%llx %s anon=%llu dirty=%llu N%d=%llu kernelpagesize_kB=4\n", addr, pol,
                      ch, ch, t->nodes[i].id, ch);
            addr += ((ch * 4096 + (2ULL << 20) - 1) & ~((2ULL << 20) - 1)) + (2ULL << 20);
            left -= ch;
        }
    }
    /* an untouched stack mapping: the kernel prints no counters for it */
    sb_puts(b, "7ffd4a3f1000 default stack\n");
}

typedef struct {
    int v;
    char *path;
    int *procs;
    int nprocs;
} cg_entry;

static int write_procs(wctx *c, fx_model *m, sbuf *b)
{
    fx_topo *t = &m->t;
    int ncpubits = t->max_cpu + 1 > 0 ? t->max_cpu + 1 : 1;
    int nnodebits = t->max_node + 1;
    sbuf cl = { NULL, 0, 0 }, cm = { NULL, 0, 0 }, ml = { NULL, 0, 0 }, mm = { NULL, 0, 0 };
    int *cand = xmalloc(sizeof(int) * (size_t)(t->max_cpu + 2));
    int rc = -1;

    if (wdir(c, "proc") < 0)
        goto out;
    if (nnodebits < 64)
        nnodebits = 64;
    nnodebits = (nnodebits + 31) & ~31;

    for (int pi = 0; pi < m->nprocs; pi++) {
        const fx_proc *p = &m->procs[pi];
        uint64_t allowed[CW];
        const uint64_t *mems = p->mems_set ? p->mems : t->has_mem;
        allowed_strs as;
        ull mem_mb = 0, huge_mb = 0, rss_pages, vsz_kb;
        int home = -1, file_node = -1, ncand = 0;
        ull best = 0;
        ull guest_sum = 0;

        memcpy(allowed, p->cpus_set ? p->cpus : t->allcpus, sizeof allowed);
        sb_clear(&cl);
        bm_list(&cl, allowed, FX_MAX_CPUS);
        sb_clear(&cm);
        bm_hex(&cm, allowed, ncpubits);
        sb_clear(&ml);
        bm_list(&ml, mems, FX_MAX_NODES);
        sb_clear(&mm);
        bm_hex(&mm, mems, nnodebits);
        as.cpus_list = sb_str(&cl);
        as.cpus_mask = sb_str(&cm);
        as.mems_list = sb_str(&ml);
        as.mems_mask = sb_str(&mm);

        for (int i = 0; i < t->n; i++) {
            mem_mb += p->mem_mb[i];
            huge_mb += p->huge_mb[i];
            if (p->mem_mb[i] + p->huge_mb[i] > best) {
                best = p->mem_mb[i] + p->huge_mb[i];
                home = i;
            }
        }
        rss_pages = mem_mb * PAGES_PER_MB;
        vsz_kb = (mem_mb + huge_mb + 512) * 1024;

        /* cpus the threads last ran on: allowed cpus of the home node */
        if (home >= 0)
            for (int cpu = bm_next(t->nodes[home].cpus, FX_MAX_CPUS, 0); cpu >= 0;
                 cpu = bm_next(t->nodes[home].cpus, FX_MAX_CPUS, cpu + 1))
                if (bm_test(allowed, cpu))
                    cand[ncand++] = cpu;
        if (ncand == 0)
            for (int cpu = bm_next(allowed, FX_MAX_CPUS, 0); cpu >= 0;
                 cpu = bm_next(allowed, FX_MAX_CPUS, cpu + 1))
                cand[ncand++] = cpu;
        if (p->lastcpu >= 0) {
            cand[0] = (int)p->lastcpu;
            ncand = 1;
        }
        if (ncand == 0) { /* topology without cpus */
            cand[0] = 0;
            ncand = 1;
        }

        if (home >= 0 && t->nodes[home].size_mb > 0)
            file_node = t->nodes[home].id;
        else
            file_node = bm_next(t->has_mem, FX_MAX_NODES, 0);

        if (wdir(c, "proc/%ld", p->pid) < 0 || wdir(c, "proc/%ld/task", p->pid) < 0)
            goto out;
        /* threads */
        for (int ti = 0; ti < p->threads; ti++) {
            long tid = p->pid + ti;
            int is_vcpu = p->vcpus > 0 && ti >= 1 && ti <= p->vcpus;
            char tcomm[FX_MAX_COMM + 1];
            ull ut = p->utime / (ull)p->threads + ((ull)ti < p->utime % (ull)p->threads);
            ull st = p->stime / (ull)p->threads + ((ull)ti < p->stime % (ull)p->threads);
            if (is_vcpu) {
                snprintf(tcomm, sizeof tcomm, "CPU %d/KVM", ti - 1);
                guest_sum += ut;
            } else {
                snprintf(tcomm, sizeof tcomm, "%s", p->comm);
            }
            if (wdir(c, "proc/%ld/task/%ld", p->pid, tid) < 0)
                goto out;
            sb_clear(b);
            sb_printf(b, "%s\n", tcomm);
            if (wsb(c, b, "proc/%ld/task/%ld/comm", p->pid, tid) < 0)
                goto out;
            sb_clear(b);
            build_stat(b, tid, tcomm, ti == 0 ? p->state : 'S', p->ppid, p->pid, p->threads,
                       ut, st, p->starttime, vsz_kb * 1024, rss_pages, cand[ti % ncand],
                       is_vcpu ? ut : 0);
            if (wsb(c, b, "proc/%ld/task/%ld/stat", p->pid, tid) < 0)
                goto out;
            sb_clear(b);
            build_status(b, p, tid, tcomm, ti == 0 ? p->state : 'S', mem_mb * 1024, vsz_kb,
                         huge_mb * 1024, &as);
            if (wsb(c, b, "proc/%ld/task/%ld/status", p->pid, tid) < 0)
                goto out;
        }

        sb_clear(b);
        build_stat(b, p->pid, p->comm, p->state, p->ppid, p->pid, p->threads, p->utime,
                   p->stime, p->starttime, vsz_kb * 1024, rss_pages, cand[0], guest_sum);
        if (wsb(c, b, "proc/%ld/stat", p->pid) < 0)
            goto out;
        sb_clear(b);
        build_status(b, p, p->pid, p->comm, p->state, mem_mb * 1024, vsz_kb, huge_mb * 1024, &as);
        if (wsb(c, b, "proc/%ld/status", p->pid) < 0)
            goto out;
        sb_clear(b);
        sb_printf(b, "%s\n", p->comm);
        if (wsb(c, b, "proc/%ld/comm", p->pid) < 0)
            goto out;

        sb_clear(b);
        if (p->vcpus > 0) {
            sb_printf(b, "/usr/bin/qemu-system-x86_64%c-name%cguest=%s,debug-threads=on%c"
                         "-smp%c%d%c-m%c%llu%c", 0, 0, p->name, 0, 0, p->vcpus, 0, 0,
                      mem_mb + huge_mb, 0);
        } else {
            sb_puts(b, p->comm);
            sb_putc(b, '\0');
        }
        if (wsb(c, b, "proc/%ld/cmdline", p->pid) < 0)
            goto out;

        sb_clear(b);
        build_numa_maps(b, t, p, file_node);
        if (wsb(c, b, "proc/%ld/numa_maps", p->pid) < 0)
            goto out;

        sb_clear(b);
        if (!p->cgroup)
            sb_puts(b, "0::/\n");
        else if (p->cgroupv == 2)
            sb_printf(b, "0::/%s\n", p->cgroup);
        else
            sb_printf(b, "7:cpuset:/%s\n4:memory:/%s\n1:name=systemd:/%s\n", p->cgroup,
                      p->cgroup, p->cgroup);
        if (wsb(c, b, "proc/%ld/cgroup", p->pid) < 0)
            goto out;
    }
    rc = 0;
out:
    sb_free(&cl);
    sb_free(&cm);
    sb_free(&ml);
    sb_free(&mm);
    free(cand);
    return rc;
}

static int write_cgroups(wctx *c, fx_model *m, sbuf *b)
{
    fx_topo *t = &m->t;
    cg_entry *cg = NULL;
    int ncg = 0, any_v1 = 0, any_v2 = 0, rc = -1;
    ull *anon = xcalloc((size_t)t->n, sizeof(ull));

    for (int pi = 0; pi < m->nprocs; pi++) {
        const fx_proc *p = &m->procs[pi];
        int k;
        if (!p->cgroup)
            continue;
        if (p->cgroupv == 1)
            any_v1 = 1;
        else
            any_v2 = 1;
        for (k = 0; k < ncg; k++)
            if (cg[k].v == p->cgroupv && strcmp(cg[k].path, p->cgroup) == 0)
                break;
        if (k == ncg) {
            cg = xrealloc(cg, sizeof(cg_entry) * (size_t)(ncg + 1));
            cg[ncg].v = p->cgroupv;
            cg[ncg].path = p->cgroup;
            cg[ncg].procs = NULL;
            cg[ncg].nprocs = 0;
            ncg++;
        }
        cg[k].procs = xrealloc(cg[k].procs, sizeof(int) * (size_t)(cg[k].nprocs + 1));
        cg[k].procs[cg[k].nprocs++] = pi;
    }

    /* mount table and version markers: v2 unless only v1 cgroups are used;
     * a tree mixing both versions gets both (an artificial test setup) */
    sb_clear(b);
    sb_puts(b, "sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0\n"
               "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n");
    if (any_v1 && !any_v2)
        sb_puts(b, "tmpfs /sys/fs/cgroup tmpfs ro,nosuid,nodev,noexec,mode=755 0 0\n");
    if (!any_v1 || any_v2)
        sb_puts(b, "cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime,nsdelegate,memory_recursiveprot 0 0\n");
    if (any_v1)
        sb_puts(b, "cgroup /sys/fs/cgroup/cpuset cgroup rw,nosuid,nodev,noexec,relatime,cpuset 0 0\n"
                   "cgroup /sys/fs/cgroup/memory cgroup rw,nosuid,nodev,noexec,relatime,memory 0 0\n");
    if (wsb(c, b, "proc/mounts") < 0)
        goto out;
    if (!any_v1 || any_v2) {
        sb_clear(b);
        sb_puts(b, "cpuset cpu io memory hugetlb pids rdma misc\n");
        if (wsb(c, b, "sys/fs/cgroup/cgroup.controllers") < 0)
            goto out;
    }

    for (int k = 0; k < ncg; k++) {
        const cg_entry *e = &cg[k];
        ull total = 0;
        sbuf mems = { NULL, 0, 0 }, cpus = { NULL, 0, 0 };
        int bad;

        memset(anon, 0, sizeof(ull) * (size_t)t->n);
        for (int j = 0; j < e->nprocs; j++) {
            const fx_proc *p = &m->procs[e->procs[j]];
            for (int i = 0; i < t->n; i++) {
                anon[i] += p->mem_mb[i];
                total += p->mem_mb[i];
            }
        }
        /* cpuset.mems / cpuset.cpus: from the first process that sets them */
        for (int j = 0; j < e->nprocs; j++) {
            const fx_proc *p = &m->procs[e->procs[j]];
            if (p->mems_set && !mems.len)
                bm_list(&mems, p->mems, FX_MAX_NODES);
            if (p->cpus_set && !cpus.len)
                bm_list(&cpus, p->cpus, FX_MAX_CPUS);
        }
        sb_putc(&mems, '\n');
        sb_putc(&cpus, '\n');

        sb_clear(b);
        if (e->v == 2) {
            static const char *const zero_keys[] = {
                "kernel_stack", "pagetables", "shmem", "file_mapped", "file_dirty",
                "file_writeback", "swapcached", "anon_thp", "file_thp", "shmem_thp",
            };
            sb_puts(b, "anon");
            for (int i = 0; i < t->n; i++)
                sb_printf(b, " N%d=%llu", t->nodes[i].id, anon[i] << 20);
            sb_puts(b, "\nfile");
            for (int i = 0; i < t->n; i++)
                sb_printf(b, " N%d=0", t->nodes[i].id);
            sb_putc(b, '\n');
            for (size_t z = 0; z < sizeof zero_keys / sizeof zero_keys[0]; z++) {
                sb_puts(b, zero_keys[z]);
                for (int i = 0; i < t->n; i++)
                    sb_printf(b, " N%d=0", t->nodes[i].id);
                sb_putc(b, '\n');
            }
            sb_puts(b, "inactive_anon");
            for (int i = 0; i < t->n; i++)
                sb_printf(b, " N%d=0", t->nodes[i].id);
            sb_puts(b, "\nactive_anon");
            for (int i = 0; i < t->n; i++)
                sb_printf(b, " N%d=%llu", t->nodes[i].id, anon[i] << 20);
            sb_putc(b, '\n');
            {
                static const char *const tail_keys[] = {
                    "inactive_file", "active_file", "unevictable", "slab_reclaimable",
                    "slab_unreclaimable",
                };
                for (size_t z = 0; z < sizeof tail_keys / sizeof tail_keys[0]; z++) {
                    sb_puts(b, tail_keys[z]);
                    for (int i = 0; i < t->n; i++)
                        sb_printf(b, " N%d=0", t->nodes[i].id);
                    sb_putc(b, '\n');
                }
            }
            bad = wsb(c, b, "sys/fs/cgroup/%s/memory.numa_stat", e->path) < 0;
            if (!bad) {
                sb_clear(b);
                for (int j = 0; j < e->nprocs; j++)
                    sb_printf(b, "%ld\n", m->procs[e->procs[j]].pid);
                bad = wsb(c, b, "sys/fs/cgroup/%s/cgroup.procs", e->path) < 0;
            }
            if (!bad) {
                sb_clear(b);
                for (int j = 0; j < e->nprocs; j++) {
                    const fx_proc *p = &m->procs[e->procs[j]];
                    for (int ti = 0; ti < p->threads; ti++)
                        sb_printf(b, "%ld\n", p->pid + ti);
                }
                bad = wsb(c, b, "sys/fs/cgroup/%s/cgroup.threads", e->path) < 0;
            }
            if (!bad) {
                sb_clear(b);
                sb_printf(b, "%llu\n", total << 20);
                bad = wsb(c, b, "sys/fs/cgroup/%s/memory.current", e->path) < 0;
            }
            if (!bad)
                bad = wsb(c, &mems, "sys/fs/cgroup/%s/cpuset.mems", e->path) < 0;
            if (!bad)
                bad = wsb(c, &cpus, "sys/fs/cgroup/%s/cpuset.cpus", e->path) < 0;
            if (!bad) {
                sb_clear(b);
                if (mems.len > 1)
                    sb_puts(b, mems.p);
                else
                    bm_list(b, t->has_mem, FX_MAX_NODES), sb_putc(b, '\n');
                bad = wsb(c, b, "sys/fs/cgroup/%s/cpuset.mems.effective", e->path) < 0;
            }
            if (!bad) {
                sb_clear(b);
                if (cpus.len > 1)
                    sb_puts(b, cpus.p);
                else
                    bm_list(b, t->allcpus, FX_MAX_CPUS), sb_putc(b, '\n');
                bad = wsb(c, b, "sys/fs/cgroup/%s/cpuset.cpus.effective", e->path) < 0;
            }
        } else {
            static const char *const v1_rows[] = { "total", "file", "anon", "unevictable" };
            for (int h = 0; h < 2; h++) {
                for (int r = 0; r < 4; r++) {
                    int is_anon = (r == 0 || r == 2);
                    sb_printf(b, "%s%s=%llu", h ? "hierarchical_" : "", v1_rows[r],
                              is_anon ? total * PAGES_PER_MB : 0ULL);
                    for (int i = 0; i < t->n; i++)
                        sb_printf(b, " N%d=%llu", t->nodes[i].id,
                                  is_anon ? anon[i] * PAGES_PER_MB : 0ULL);
                    sb_putc(b, '\n');
                }
            }
            bad = wsb(c, b, "sys/fs/cgroup/memory/%s/memory.numa_stat", e->path) < 0;
            if (!bad) {
                sb_clear(b);
                sb_printf(b, "%llu\n", total << 20);
                bad = wsb(c, b, "sys/fs/cgroup/memory/%s/memory.usage_in_bytes", e->path) < 0;
            }
            for (int ctl = 0; ctl < 2 && !bad; ctl++) {
                const char *cn = ctl ? "cpuset" : "memory";
                sb_clear(b);
                for (int j = 0; j < e->nprocs; j++)
                    sb_printf(b, "%ld\n", m->procs[e->procs[j]].pid);
                bad = wsb(c, b, "sys/fs/cgroup/%s/%s/cgroup.procs", cn, e->path) < 0;
                if (!bad) {
                    sb_clear(b);
                    for (int j = 0; j < e->nprocs; j++) {
                        const fx_proc *p = &m->procs[e->procs[j]];
                        for (int ti = 0; ti < p->threads; ti++)
                            sb_printf(b, "%ld\n", p->pid + ti);
                    }
                    bad = wsb(c, b, "sys/fs/cgroup/%s/%s/tasks", cn, e->path) < 0;
                }
            }
            if (!bad)
                bad = wsb(c, &mems, "sys/fs/cgroup/cpuset/%s/cpuset.mems", e->path) < 0;
            if (!bad)
                bad = wsb(c, &cpus, "sys/fs/cgroup/cpuset/%s/cpuset.cpus", e->path) < 0;
        }
        sb_free(&mems);
        sb_free(&cpus);
        if (bad)
            goto out;
    }
    rc = 0;
out:
    for (int k = 0; k < ncg; k++)
        free(cg[k].procs);
    free(cg);
    free(anon);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* public API                                                               */

static int build_model(fx_model *m, const char *numactl_text, const char *desc_text,
                       char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    topo_init(&m->t);
    if (parse_numactl(&m->t, numactl_text, err, errlen) < 0)
        return -1;
    m->cpustat = xcalloc((size_t)(m->t.max_cpu + 2), sizeof *m->cpustat);
    for (int cpu = 0; cpu <= m->t.max_cpu; cpu++) {
        m->cpustat[cpu][CS_USER] = 100;
        m->cpustat[cpu][CS_IDLE] = 1000;
    }
    if (desc_text && parse_desc(m, desc_text, err, errlen) < 0)
        return -1;
    for (int pi = 0; pi < m->nprocs; pi++) {
        for (int i = 0; i < m->t.n; i++) {
            m->t.nodes[i].proc_anon_mb += m->procs[pi].mem_mb[i];
            m->t.nodes[i].proc_huge_pages += m->procs[pi].huge_mb[i] / 2;
        }
    }
    return 0;
}

static int build_tree(const char *root, const char *numactl_text, const char *desc_text,
                      int procs_only, char *err, size_t errlen)
{
    fx_model m;
    wctx c;
    sbuf b = { NULL, 0, 0 };
    int rc = -1;
    size_t rl;

    if (err && errlen)
        err[0] = '\0';
    if (!root || !*root) {
        seterr(err, errlen, "no root directory given");
        return -1;
    }
    if (build_model(&m, numactl_text, desc_text, err, errlen) < 0) {
        model_free(&m);
        return -1;
    }
    rl = strlen(root);
    while (rl > 1 && root[rl - 1] == '/')
        rl--;
    if (rl + 64 > sizeof c.path) {
        seterr(err, errlen, "root path too long");
        model_free(&m);
        return -1;
    }
    memcpy(c.path, root, rl);
    c.path[rl] = '\0';
    c.rootlen = rl;
    c.err = err;
    c.errlen = errlen;
    if (mkdir_p(c.path) < 0) {
        seterr(err, errlen, "cannot create %s: %s", c.path, strerror(errno));
        model_free(&m);
        return -1;
    }
    if (procs_only)
        rc = write_procs(&c, &m, &b);
    else if (write_nodes(&c, &m, &b) == 0 && write_cpu_and_global(&c, &m, &b) == 0 &&
             write_procs(&c, &m, &b) == 0 && write_cgroups(&c, &m, &b) == 0)
        rc = 0;
    sb_free(&b);
    model_free(&m);
    return rc;
}

int fixture_build(const char *root, const char *numactl_text, const char *desc_text,
                  char *err, size_t errlen)
{
    return build_tree(root, numactl_text, desc_text, 0, err, errlen);
}

int fixture_write_procs(const char *root, const char *numactl_text, const char *desc_text,
                        char *err, size_t errlen)
{
    return build_tree(root, numactl_text, desc_text, 1, err, errlen);
}

char *fixture_read_file(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    sbuf b = { NULL, 0, 0 };
    char tmp[65536];
    size_t n;
    if (!f) {
        seterr(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        sb_putn(&b, tmp, n);
    if (ferror(f)) {
        seterr(err, errlen, "cannot read %s: %s", path, strerror(errno));
        fclose(f);
        sb_free(&b);
        return NULL;
    }
    fclose(f);
    if (memchr(sb_str(&b), '\0', b.len)) {
        seterr(err, errlen, "%s contains a NUL byte", path);
        sb_free(&b);
        return NULL;
    }
    return b.p;
}

int fixture_build_files(const char *root, const char *numactl_path, const char *desc_path,
                        char *err, size_t errlen)
{
    char *topo, *desc = NULL;
    int rc;
    char sub[384];

    if (err && errlen)
        err[0] = '\0';
    topo = fixture_read_file(numactl_path, err, errlen);
    if (!topo)
        return -1;
    if (desc_path) {
        desc = fixture_read_file(desc_path, err, errlen);
        if (!desc) {
            free(topo);
            return -1;
        }
    }
    rc = fixture_build(root, topo, desc, sub, sizeof sub);
    if (rc < 0) {
        /* name the file the line number refers to */
        const char *file = strncmp(sub, "numactl", 7) == 0 ? numactl_path
                         : strncmp(sub, "desc", 4) == 0 ? desc_path : NULL;
        if (file)
            seterr(err, errlen, "%s: %s", file, sub);
        else
            seterr(err, errlen, "%s", sub);
    }
    free(topo);
    free(desc);
    return rc;
}

int fixture_write(const char *root, const char *relpath, const char *contents)
{
    char path[PATH_MAX], tmp[PATH_MAX];
    size_t rl;
    int fd, n;

    if (!root || !relpath || !contents) {
        errno = EINVAL;
        return -1;
    }
    while (*relpath == '/')
        relpath++;
    if (!*relpath) {
        errno = EINVAL;
        return -1;
    }
    rl = strlen(root);
    while (rl > 1 && root[rl - 1] == '/')
        rl--;
    n = snprintf(path, sizeof path, "%.*s/%s", (int)rl, root, relpath);
    if (n < 0 || (size_t)n >= sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    n = snprintf(tmp, sizeof tmp, "%s.fxtmp.%ld", path, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof tmp) {
        errno = ENAMETOOLONG;
        return -1;
    }
    if (mkparents(path, 0) < 0)
        return -1;
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    if (write_all(fd, contents, strlen(contents)) < 0 || close(fd) < 0) {
        int e = errno;
        close(fd);
        unlink(tmp);
        errno = e;
        return -1;
    }
    if (rename(tmp, path) < 0) {
        int e = errno;
        unlink(tmp);
        errno = e;
        return -1;
    }
    return 0;
}

static int rm_cb(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    if (type == FTW_DP || type == FTW_D)
        return rmdir(path) < 0 ? -1 : 0;
    return unlink(path) < 0 ? -1 : 0;
}

int fixture_remove(const char *root)
{
    struct stat st;
    if (!root || !*root || strcmp(root, "/") == 0) {
        errno = EINVAL;
        return -1;
    }
    if (lstat(root, &st) < 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st.st_mode))
        return unlink(root);
    return nftw(root, rm_cb, 32, FTW_DEPTH | FTW_PHYS);
}

/* ------------------------------------------------------------------------ */
/* generator for benchmarks                                                 */

char *fixture_gen_desc(const char *numactl_text, int nprocs, int nguests, char *err,
                       size_t errlen)
{
    static const char *const names[] = {
        "sshd", "bash", "systemd-journal", "rsyslogd", "cron", "nginx", "postgres",
        "java", "python3", "redis-server", "containerd", "dockerd",
    };
    static const int vc[] = { 2, 4, 8, 4 };
    fx_topo t;
    sbuf b = { NULL, 0, 0 };
    int mem_nodes[FX_MAX_NODES], home_nodes[FX_MAX_NODES];
    int nmem = 0, nhome = 0;
    long gbase;
    ull *assigned;

    if (err && errlen)
        err[0] = '\0';
    if (nprocs < 0 || nguests < 0 || nprocs > 200000 || nguests > 10000) {
        seterr(err, errlen, "bad process/guest counts %d/%d", nprocs, nguests);
        return NULL;
    }
    topo_init(&t);
    if (parse_numactl(&t, numactl_text, err, errlen) < 0) {
        for (int i = 0; i < t.n; i++)
            free(t.nodes[i].dist);
        free(t.nodes);
        return NULL;
    }
    for (int i = 0; i < t.n; i++) {
        if (t.nodes[i].size_mb == 0)
            continue;
        mem_nodes[nmem++] = i;
        if (bm_count(t.nodes[i].cpus, CW) > 0)
            home_nodes[nhome++] = i;
    }
    if (nmem == 0) {
        seterr(err, errlen, "topology has no node with memory");
        goto fail;
    }
    if (nhome == 0) {
        memcpy(home_nodes, mem_nodes, sizeof(int) * (size_t)nmem);
        nhome = nmem;
    }

    assigned = xcalloc((size_t)t.n, sizeof(ull));
    sb_printf(&b, "# generated: %d processes, %d guests\n", nprocs, nguests);

    /* generic processes: 1..64 MB each, together at most ~20% of a node */
    for (int i = 0; i < nprocs; i++) {
        int ni = mem_nodes[i % nmem];
        const fx_node *nd = &t.nodes[ni];
        ull per_node = (ull)((nprocs + nmem - 1) / nmem);
        ull cap = nd->size_mb / 5 / per_node;
        ull mb = 1 + (ull)((i / nmem) % 64);
        if (mb > cap)
            mb = cap ? cap : 1;
        assigned[ni] += mb;
        sb_printf(&b, "proc pid=%d comm=%s threads=%d mem=%d:%llu utime=%d stime=%d\n",
                  20000 + 4 * i, names[i % (int)(sizeof names / sizeof names[0])], 1 + i % 4,
                  nd->id, mb, (i * 7) % 1000, (i * 3) % 200);
    }

    /* guests: 1..4 GiB each, together at most ~50% of their home nodes; the
     * variant (size, vcpus, split, hugepages) rotates independently of the
     * home node */
    gbase = 20000L + 4L * nprocs + 1000;
    if (gbase < 100000)
        gbase = 100000;
    for (int g = 0; g < nguests; g++) {
        int hi = g % nhome;
        int hn = home_nodes[hi];
        const fx_node *home = &t.nodes[hn];
        ull per_node = (ull)((nguests + nhome - 1) / nhome);
        int var = g + g / nhome;
        ull budget = home->size_mb / 2 / per_node;
        ull mb = 1024ULL * (ull)(1 + var % 4);
        int v = vc[var % 4];
        long pid = gbase + 64L * g;
        if (mb > budget)
            mb = budget;
        mb &= ~1ULL;
        if (mb < 2)
            mb = 2;
        sb_printf(&b, "proc pid=%ld comm=qemu-system-x86 name=vm%d threads=%d vcpus=%d", pid,
                  g + 1, v + 3, v);
        if ((g + 2 * (g / nhome)) % 8 == 5 && mb >= 256) {
            /* hugepage-backed guest: guest RAM in 2 MiB pages, a little anon */
            sb_printf(&b, " mem=%d:64 huge=%d:%llu", home->id, home->id, mb - 64);
            assigned[hn] += mb;
        } else if (var % 4 == 3 && nmem > 1) {
            /* split across two nodes: something for the daemon to fix */
            int other = mem_nodes[0];
            for (int k = 0; k < nmem; k++)
                if (mem_nodes[k] == hn) {
                    other = mem_nodes[(k + 1) % nmem];
                    break;
                }
            sb_printf(&b, " mem=%d:%llu,%d:%llu", home->id, mb / 2, t.nodes[other].id,
                      mb - mb / 2);
            assigned[hn] += mb / 2;
            assigned[other] += mb - mb / 2;
        } else {
            sb_printf(&b, " mem=%d:%llu", home->id, mb);
            assigned[hn] += mb;
        }
        sb_printf(&b, " cgroup=machine.slice/machine-qemu\\x2d%d\\x2dvm%d.scope utime=%d stime=%d\n",
                  g + 1, g + 1, 100 + (g * 37) % 5000, 10 + (g * 11) % 500);
    }

    /* keep MemFree consistent: the generated memory must be in use */
    for (int i = 0; i < t.n; i++) {
        const fx_node *nd = &t.nodes[i];
        ull room = nd->size_mb > assigned[i] ? nd->size_mb - assigned[i] : 0;
        if (nd->size_mb > 0 && room < nd->free_mb)
            sb_printf(&b, "node %d free_mb=%llu\n", nd->id, room);
    }
    free(assigned);
    for (int i = 0; i < t.n; i++)
        free(t.nodes[i].dist);
    free(t.nodes);
    return b.p ? b.p : xstrdup("");

fail:
    for (int i = 0; i < t.n; i++)
        free(t.nodes[i].dist);
    free(t.nodes);
    sb_free(&b);
    return NULL;
}
