/* proc.c: per-process state and NUMA residency from /proc/PID. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sample.h"

int proc_stat_parse(const char *text, struct proc_stat *ps)
{
	const char *open = strchr(text, '('), *close = strrchr(text, ')'), *p;
	uint64_t f[40];
	size_t clen;
	int n;

	memset(ps, 0, sizeof(*ps));
	if (!open || !close || close < open)
		return -1;
	p = text;
	if (parse_u64(&p, &f[0]) < 0 || f[0] > 0x7fffffff)
		return -1;
	ps->pid = (int)f[0];
	clen = (size_t)(close - open - 1);
	if (clen >= sizeof(ps->comm))
		clen = sizeof(ps->comm) - 1;
	memcpy(ps->comm, open + 1, clen);
	ps->comm[clen] = '\0';
	p = close + 1;
	while (*p == ' ')
		p++;
	if (!isalpha((unsigned char)*p))
		return -1;
	ps->state = *p++;
	/* f[k] holds field k+4 of proc(5): ppid is field 4. */
	for (n = 0; n < 36; n++) {
		while (*p == ' ')
			p++;
		if (*p == '-') /* tty_nr/tpgid/priority/nice may be negative: not needed */
			p++;
		if (parse_u64(&p, &f[n]) < 0)
			break;
	}
	if (n < 21) /* need up to rss (field 24) */
		return -1;
	ps->ppid = (int)f[0];
	ps->utime = f[10];
	ps->stime = f[11];
	ps->nthreads = (long)f[16];
	ps->starttime = f[18];
	ps->rss_pages = f[20];
	ps->processor = n > 35 ? (int)f[35] : -1;
	return 0;
}

int proc_status_parse(const char *text, struct proc_status *st)
{
	const char *line = text;
	int found = 0;

	memset(st, 0, sizeof(*st));
	for (; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		const char *p;
		uint64_t v;

		if (strncmp(line, "Threads:", 8) == 0) {
			p = line + 8;
			if (parse_u64(&p, &v) == 0) {
				st->threads = (long)v;
				found++;
			}
		} else if (strncmp(line, "VmRSS:", 6) == 0) {
			p = line + 6;
			if (parse_u64(&p, &v) == 0) {
				st->vmrss_kb = v;
				found++;
			}
		} else if (strncmp(line, "Mems_allowed_list:", 18) == 0) {
			size_t len;

			p = line + 18;
			while (*p == ' ' || *p == '\t')
				p++;
			len = strcspn(p, "\n");
			if (len >= sizeof(st->mems_allowed))
				len = sizeof(st->mems_allowed) - 1;
			memcpy(st->mems_allowed, p, len);
			st->mems_allowed[len] = '\0';
		}
	}
	return found ? 0 : -1;
}

bool comm_is_qemu(const char *comm)
{
	return strncmp(comm, "qemu-system-", 12) == 0 || strncmp(comm, "qemu-kvm", 8) == 0 ||
	       strncmp(comm, "qemu:", 5) == 0;
}

bool comm_is_vcpu(const char *comm)
{
	const char *p = comm;

	if (strncmp(p, "CPU ", 4) != 0)
		return false;
	p += 4;
	if (!isdigit((unsigned char)*p))
		return false;
	while (isdigit((unsigned char)*p))
		p++;
	return *p == '/';
}

/* A numa_maps line's page size (kernelpagesize_kB, last on the line) and policy words. */
static int line_words(const char *p, const char *end, uint64_t *pagekb, bool *huge, bool *inter, bool *bind)
{
	*pagekb = 4;
	*huge = *inter = *bind = false;
	for (const char *tok = p; tok < end; tok += strcspn(tok, " \n"), tok += (*tok == ' ')) {
		if (strncmp(tok, "kernelpagesize_kB=", 18) == 0) {
			const char *v = tok + 18;
			if (parse_u64(&v, pagekb) < 0 || *pagekb == 0)
				return -1;
		} else if (strncmp(tok, "huge", 4) == 0 && (tok[4] == ' ' || tok + 4 == end)) {
			*huge = true;
		} else if (strncmp(tok, "interleave", 10) == 0) {
			*inter = true;
		} else if (strncmp(tok, "bind", 4) == 0) {
			*bind = true;
		}
	}
	return 0;
}

/*
 * The line's N<id>=<pages> counts, each as add(ctx, id, KiB). The kernel prints them last,
 * just before kernelpagesize_kB, and a file path earlier on the line may hold blanks and
 * anything else: read the counts backwards from the end and stop at the first other token.
 * Returns 0, or -1 when a count is malformed.
 */
static int line_counts(const char *p, const char *end, uint64_t pagekb, void (*add)(void *ctx, uint64_t id, uint64_t kb),
		       void *ctx)
{
	for (const char *stop = end; stop > p;) {
		const char *w = stop, *v;
		uint64_t id, pages;

		while (w > p && w[-1] != ' ')
			w--;
		v = w + 1;
		if (w == stop) { /* an empty token: two blanks, or a trailing blank */
			stop = w - 1;
			continue;
		}
		stop = w > p ? w - 1 : p;
		if (strncmp(w, "kernelpagesize_kB=", 18) == 0)
			continue;
		if (*w != 'N' || !isdigit((unsigned char)w[1]))
			break;
		if (parse_u64(&v, &id) < 0 || *v != '=')
			return -1;
		v++;
		if (parse_u64(&v, &pages) < 0 || (v != end && *v != ' '))
			return -1;
		add(ctx, id, pages * pagekb);
	}
	return 0;
}

struct line_sum {
	const struct topology *t;
	uint64_t *kb, counts_kb;
	struct numa_maps_sum *sum;
};

static void add_by_index(void *ctx, uint64_t id, uint64_t kb)
{
	struct line_sum *ls = ctx;

	if (id < NUMAD_MAX_NODES && ls->t->idx_of[id] >= 0)
		ls->kb[ls->t->idx_of[id]] += kb;
	else
		ls->sum->offline_kb += kb;
	ls->counts_kb += kb;
}

/* Parse one numa_maps line (without its newline) into kb. */
static int numa_maps_line(const char *p, const char *end, const struct topology *t, uint64_t *kb,
			  struct numa_maps_sum *sum)
{
	struct line_sum ls = { t, kb, 0, sum };
	uint64_t pagekb;
	bool huge, inter, bind;

	if (line_words(p, end, &pagekb, &huge, &inter, &bind) < 0 || line_counts(p, end, pagekb, add_by_index, &ls) < 0)
		return -1;
	sum->total_kb += ls.counts_kb;
	if (huge || pagekb > 4)
		sum->huge_kb += ls.counts_kb;
	if (inter)
		sum->interleave_kb += ls.counts_kb;
	if (bind)
		sum->bind_kb += ls.counts_kb;
	sum->lines++;
	return 0;
}

struct line_on {
	const struct nodeset *nodes;
	uint64_t kb;
};

static void add_on(void *ctx, uint64_t id, uint64_t kb)
{
	struct line_on *lo = ctx;

	if (id < NUMAD_MAX_NODES && nodeset_has(lo->nodes, (int)id))
		lo->kb += kb;
}

int numa_maps_line_on(const char *p, const char *end, const struct nodeset *nodes, uint64_t *kb)
{
	struct line_on lo = { nodes, 0 };
	uint64_t pagekb;
	bool huge, inter, bind;

	*kb = 0;
	if (line_words(p, end, &pagekb, &huge, &inter, &bind) < 0 || line_counts(p, end, pagekb, add_on, &lo) < 0)
		return -1;
	*kb = lo.kb;
	return 0;
}

int numa_maps_parse(const char *text, const struct topology *t, uint64_t *kb, struct numa_maps_sum *sum)
{
	const char *line = text;

	memset(kb, 0, (size_t)t->nnodes * sizeof(*kb));
	memset(sum, 0, sizeof(*sum));
	for (; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		const char *end = line + strcspn(line, "\n");

		if (end == line)
			continue;
		if (!isxdigit((unsigned char)*line) || numa_maps_line(line, end, t, kb, sum) < 0)
			return -1;
	}
	return 0;
}

void proc_info_free(struct proc_info *pi)
{
	free(pi->res_kb);
	pi->res_kb = NULL;
}

void proc_list_free(struct proc_list *l)
{
	for (int i = 0; i < l->n; i++)
		proc_info_free(&l->p[i]);
	free(l->p);
	memset(l, 0, sizeof(*l));
}

static int count_vcpus(const char *root, int pid, struct buf *b)
{
	char rel[96], path[4096];
	struct dirent *de;
	DIR *d;
	int n = 0;

	snprintf(rel, sizeof(rel), "proc/%d/task", pid);
	if (path_join(path, sizeof(path), root, rel) < 0 || !(d = opendir(path)))
		return -1;
	while ((de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(rel, sizeof(rel), "proc/%d/task/%.20s/comm", pid, de->d_name);
		if (read_attr_at(root, rel, b, 256) == 0 && comm_is_vcpu(b->data))
			n++;
	}
	closedir(d);
	return n;
}

static void read_cgroup(const char *root, int pid, struct proc_info *pi, struct buf *b)
{
	char rel[64];
	const char *line;

	pi->cgroup[0] = '\0';
	snprintf(rel, sizeof(rel), "proc/%d/cgroup", pid);
	if (read_attr_at(root, rel, b, 1 << 16) < 0)
		return;
	for (line = b->data; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		if (strncmp(line, "0::", 3) == 0) {
			size_t len = strcspn(line + 3, "\n");
			if (len >= sizeof(pi->cgroup))
				return;
			memcpy(pi->cgroup, line + 3, len);
			pi->cgroup[len] = '\0';
			return;
		}
	}
}

static uint64_t page_kb(void)
{
	static uint64_t kb;

	if (!kb)
		kb = (uint64_t)(sysconf(_SC_PAGESIZE) / 1024);
	return kb;
}

int proc_read(const char *root, int pid, const struct topology *t, const struct proc_scan_opts *o,
	      struct proc_info *pi, struct buf *b)
{
	char rel[64];

	memset(pi, 0, sizeof(*pi));
	pi->nvcpus = -1;
	/*
	 * With a size threshold, /proc/PID/statm says first whether the process is big enough:
	 * the kernel makes it from two memory counters, while /proc/PID/stat walks every thread
	 * for the CPU times. Most processes are small, so a scan reads stat only for the few
	 * that pass. Where statm can't be read, stat decides as before.
	 */
	if (o->min_rss_kb) {
		uint64_t size, resident;
		const char *p;

		snprintf(rel, sizeof(rel), "proc/%d/statm", pid);
		if (read_attr_at(root, rel, b, 256) == 0 && (p = b->data, parse_u64(&p, &size) == 0) &&
		    parse_u64(&p, &resident) == 0 && resident * page_kb() < o->min_rss_kb)
			return 1;
	}
	snprintf(rel, sizeof(rel), "proc/%d/stat", pid);
	if (read_attr_at(root, rel, b, 4096) < 0) {
		errno = ESRCH;
		return -1;
	}
	if (proc_stat_parse(b->data, &pi->st) < 0 || pi->st.pid != pid) {
		errno = EINVAL;
		return -1;
	}
	pi->is_qemu = comm_is_qemu(pi->st.comm);
	pi->rss_kb = pi->st.rss_pages * page_kb();
	if ((o->qemu_only && !pi->is_qemu) || pi->rss_kb < o->min_rss_kb || pi->st.state == 'Z')
		return 1;
	if (o->vcpus && pi->is_qemu)
		pi->nvcpus = count_vcpus(root, pid, b);
	if (!o->no_cgroup)
		read_cgroup(root, pid, pi, b);
	if (!o->residency)
		return 0;
	snprintf(rel, sizeof(rel), "proc/%d/numa_maps", pid);
	if (read_file_at(root, rel, b, (size_t)1 << 30) < 0) {
		errno = ESRCH;
		return -1;
	}
	pi->res_kb = calloc((size_t)t->nnodes, sizeof(*pi->res_kb));
	if (!pi->res_kb)
		return -1;
	if (numa_maps_parse(b->data, t, pi->res_kb, &pi->res) < 0) {
		proc_info_free(pi);
		errno = EINVAL;
		return -1;
	}
	pi->have_residency = true;
	return 0;
}

static struct proc_info *list_slot(struct proc_list *l)
{
	if (l->n == l->cap) {
		int cap = l->cap ? l->cap * 2 : 64;
		struct proc_info *p = realloc(l->p, (size_t)cap * sizeof(*p));
		if (!p)
			return NULL;
		l->p = p;
		l->cap = cap;
	}
	return &l->p[l->n];
}

int proc_scan(const char *root, const struct topology *t, const struct proc_scan_opts *o, struct proc_list *out,
	      struct proc_scan_stats *stats)
{
	char path[4096];
	struct buf b = { 0 };
	struct dirent *de;
	DIR *d;

	for (int i = 0; i < out->n; i++)
		proc_info_free(&out->p[i]);
	out->n = 0;
	memset(stats, 0, sizeof(*stats));
	if (path_join(path, sizeof(path), root, "proc") < 0 || !(d = opendir(path)))
		return -1;
	while ((de = readdir(d))) {
		struct proc_info *pi;
		char *endp;
		long pid = strtol(de->d_name, &endp, 10);
		int r;

		if (*endp || pid <= 0 || pid > 0x3fffffff)
			continue;
		stats->seen++;
		pi = list_slot(out);
		if (!pi)
			break;
		r = proc_read(root, (int)pid, t, o, pi, &b);
		if (r == 0) {
			out->n++;
			stats->kept++;
		} else if (r < 0 && errno == EINVAL) {
			stats->malformed++;
		} else if (r < 0) {
			stats->vanished++;
		}
	}
	closedir(d);
	buf_free(&b);
	return 0;
}
