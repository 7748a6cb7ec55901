/*
 * stagewatch.c: scenario h's two watchers, static so that the lab guest runs it.
 *
 *   stagewatch probe SOCKET INTERVAL_MS OUT
 *       Every INTERVAL_MS (from a fixed start, not from the last answer): connect to
 *       numad's control socket, read the greeting, send {"cmd": "status", "id": 1}, read
 *       the reply line. One line per probe into OUT:
 *         T MS OK STAGE MOVE_MB TOTAL_MB
 *       T the probe's start (s since $LAB_T0), MS connect to the reply's last byte,
 *       OK 1 when the reply holds "return", STAGE the first staged move's stage ("-" when
 *       none is in flight), MOVE_MB its moved_mb, TOTAL_MB actuator.moved_mb (what numad
 *       has moved page by page). A probe gives up after 10 s (OK 0, MS >= 10000). The reply
 *       is kept in OUT.replies whenever STAGE changes.
 *
 *   stagewatch sample SCOPE INTERVAL_MS OUT
 *       Every INTERVAL_MS: the domain's cpuset.mems in its libvirt cgroup leaves
 *       (SCOPE/libvirt/emulator, SCOPE/libvirt/vcpu0, SCOPE/libvirt) and its anon memory
 *       per node from SCOPE/memory.numa_stat, in KiB. One line per sample:
 *         T EMULATOR VCPU0 LIBVIRT N0=KIB N1=KIB ...
 *       ("-" for a file that cannot be read: the domain is gone).
 *
 * Both run until SIGTERM or SIGINT, and flush every line (the host reads OUT afterwards).
 *
 *   stagewatch stacks PID
 *       Where each thread of PID is, for a daemon that stopped answering: its state, wchan,
 *       /proc/PID/task/TID/syscall and kernel stack, then every word of its user stack (32 KiB
 *       from the stack pointer) that points into an executable mapping, as PATH+OFFSET
 *       (addr2line -f -i -e PATH OFFSET on the host gives the function). On stdout.
 *
 *   stagewatch movetest PID FROM TO MAXMB
 *       Whether the kernel moves PID's pages off node FROM, asked the way numad's page
 *       mover asks: the 3 mappings /proc/PID/numa_maps counts most pages on FROM for, 4096 pages
 *       a move_pages(2) call, first where they are (nodes NULL), then those on FROM to TO
 *       (MPOL_MF_MOVE_ALL), until MAXMB have been asked to move. Prints each mapping's
 *       numa_maps line and the per-page statuses of both calls, counted (a node, or -errno).
 *       Run after the scenario's measurements: it moves MAXMB at most.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static double t0;

static void on_signal(int s)
{
	(void)s;
	stop = 1;
}

static double now_real(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double now_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Sleep until the monotonic time t (or a signal). */
static void sleep_until(double t)
{
	struct timespec ts;
	ts.tv_sec = (time_t)t;
	ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
	while (!stop && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* ---------------------------------------------------------------- probe */

#define REPLY_MAX (8 << 20)

/* Read one line (up to '\n') into buf from buf[*len]; 0, or -1 on timeout, EOF or error. */
static int read_line(int fd, char *buf, size_t cap, size_t *len, double deadline)
{
	for (;;) {
		char *nl = memchr(buf, '\n', *len);
		if (nl)
			return 0;
		double left = deadline - now_mono();
		if (left <= 0 || *len >= cap - 1)
			return -1;
		struct pollfd p = { fd, POLLIN, 0 };
		int r = poll(&p, 1, (int)(left * 1000) + 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		ssize_t n = read(fd, buf + *len, cap - 1 - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		*len += (size_t)n;
	}
}

/* The string value of "key" at or after p (before end), into out; false if none. */
static int json_str_after(const char *p, const char *end, const char *key, char *out, size_t outlen)
{
	char k[64];
	snprintf(k, sizeof(k), "\"%s\"", key);
	const char *q = strstr(p, k);
	if (!q || (end && q >= end))
		return 0;
	q += strlen(k);
	while (*q == ' ' || *q == ':')
		q++;
	if (*q != '"')
		return 0;
	q++;
	size_t i = 0;
	while (*q && *q != '"' && i + 1 < outlen)
		out[i++] = *q++;
	out[i] = '\0';
	return 1;
}

static long json_num_after(const char *p, const char *end, const char *key, long dflt)
{
	char k[64];
	snprintf(k, sizeof(k), "\"%s\"", key);
	const char *q = strstr(p, k);
	if (!q || (end && q >= end))
		return dflt;
	q += strlen(k);
	while (*q == ' ' || *q == ':')
		q++;
	return strtol(q, NULL, 10);
}

static int probe(const char *path, int interval_ms, const char *out)
{
	FILE *f = fopen(out, "a"), *rf;
	char rpath[4096];
	char *buf = malloc(REPLY_MAX);
	char last_stage[64] = "";
	double next = now_mono();
	const char *req = "{\"cmd\": \"status\", \"id\": 1}\n";

	snprintf(rpath, sizeof(rpath), "%s.replies", out);
	rf = fopen(rpath, "a");
	if (!f || !rf || !buf) {
		perror(out);
		return 1;
	}
	fprintf(f, "# t(s) ms ok stage move_moved_mb actuator_moved_mb\n");
	fflush(f);
	while (!stop) {
		double ts = now_real() - t0, start = now_mono(), deadline = start + 10.0;
		size_t len = 0;
		int ok = 0, fd;
		char stage[64] = "-";
		long mmb = -1, tmb = -1;
		struct sockaddr_un sa = { .sun_family = AF_UNIX };

		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
		    read_line(fd, buf, REPLY_MAX, &len, deadline) == 0) {
			len = 0; /* the greeting is read; the reply comes after the request */
			if (write(fd, req, strlen(req)) == (ssize_t)strlen(req) &&
			    read_line(fd, buf, REPLY_MAX, &len, deadline) == 0) {
				buf[len] = '\0';
				ok = strstr(buf, "\"return\"") != NULL;
			}
		}
		double ms = (now_mono() - start) * 1000.0;
		if (fd >= 0)
			close(fd);
		if (ok) {
			const char *a = strstr(buf, "\"actuator\"");
			const char *sc = a ? strstr(a, "\"stuck_calls\"") : NULL;
			if (a) {
				json_str_after(a, sc, "stage", stage, sizeof(stage));
				if (strcmp(stage, "-") != 0)
					mmb = json_num_after(a, sc, "moved_mb", -1);
				if (sc)
					tmb = json_num_after(sc, NULL, "moved_mb", -1);
			}
			if (strcmp(stage, last_stage) != 0) {
				fprintf(rf, "== %.3f %s\n%s", ts, stage, buf);
				fflush(rf);
				snprintf(last_stage, sizeof(last_stage), "%s", stage);
			}
		}
		fprintf(f, "%.3f %.1f %d %s %ld %ld\n", ts, ms, ok, stage, mmb, tmb);
		fflush(f);
		next += interval_ms / 1000.0;
		if (next < now_mono())
			next = now_mono(); /* a late probe: the next one now, none skipped silently */
		sleep_until(next);
	}
	fclose(f);
	fclose(rf);
	return 0;
}

/* ---------------------------------------------------------------- sample */

static int read_small(const char *path, char *out, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, out, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	out[n] = '\0';
	out[strcspn(out, "\n")] = '\0';
	if (!out[0])
		snprintf(out, len, "none");
	return 0;
}

static int sample(const char *scope, int interval_ms, const char *out)
{
	FILE *f = fopen(out, "a");
	char p_emu[4096], p_vcpu[4096], p_lv[4096], p_stat[4096];
	static char stat[1 << 16];
	double next = now_mono();

	if (!f) {
		perror(out);
		return 1;
	}
	snprintf(p_emu, sizeof(p_emu), "%s/libvirt/emulator/cpuset.mems", scope);
	snprintf(p_vcpu, sizeof(p_vcpu), "%s/libvirt/vcpu0/cpuset.mems", scope);
	snprintf(p_lv, sizeof(p_lv), "%s/libvirt/cpuset.mems", scope);
	snprintf(p_stat, sizeof(p_stat), "%s/memory.numa_stat", scope);
	fprintf(f, "# t(s) emulator/cpuset.mems vcpu0/cpuset.mems libvirt/cpuset.mems anon KiB per node (%s)\n", scope);
	while (!stop) {
		double ts = now_real() - t0;
		char emu[256], vcpu[256], lv[256], nodes[4096] = "";
		int fd;
		ssize_t n;

		if (read_small(p_emu, emu, sizeof(emu)) < 0)
			snprintf(emu, sizeof(emu), "-");
		if (read_small(p_vcpu, vcpu, sizeof(vcpu)) < 0)
			snprintf(vcpu, sizeof(vcpu), "-");
		if (read_small(p_lv, lv, sizeof(lv)) < 0)
			snprintf(lv, sizeof(lv), "-");
		fd = open(p_stat, O_RDONLY | O_CLOEXEC);
		n = fd >= 0 ? read(fd, stat, sizeof(stat) - 1) : -1;
		if (fd >= 0)
			close(fd);
		if (n > 0) {
			stat[n] = '\0';
			for (char *l = stat; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
				if (strncmp(l, "anon ", 5) != 0)
					continue;
				char *e = strchr(l, '\n'), *tok, *save;
				if (e)
					*e = '\0';
				size_t off = 0;
				for (tok = strtok_r(l + 5, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
					int node;
					unsigned long long bytes;
					if (sscanf(tok, "N%d=%llu", &node, &bytes) == 2 && off < sizeof(nodes) - 64)
						off += (size_t)snprintf(nodes + off, sizeof(nodes) - off, " %d=%llu", node,
									bytes / 1024);
				}
				break;
			}
		}
		fprintf(f, "%.3f %s %s %s%s\n", ts, emu, vcpu, lv, nodes[0] ? nodes : " -");
		fflush(f);
		next += interval_ms / 1000.0;
		if (next < now_mono())
			next = now_mono();
		sleep_until(next);
	}
	fclose(f);
	return 0;
}

/* ---------------------------------------------------------------- movetest */

#include <sys/syscall.h>

#define MT_BATCH 4096
#define MT_HIST 64

struct hist {
	int key[MT_HIST];
	long n[MT_HIST];
	int used;
};

static void hist_add(struct hist *h, int k)
{
	for (int i = 0; i < h->used; i++)
		if (h->key[i] == k) {
			h->n[i]++;
			return;
		}
	if (h->used < MT_HIST) {
		h->key[h->used] = k;
		h->n[h->used++] = 1;
	}
}

static void hist_print(const char *what, const struct hist *h)
{
	printf("  %s:", what);
	for (int i = 0; i < h->used; i++) {
		if (h->key[i] >= 0)
			printf(" node%d=%ld", h->key[i], h->n[i]);
		else if (h->key[i] == -4095)
			printf(" unset=%ld", h->n[i]);
		else
			printf(" %s=%ld", strerrorname_np(-h->key[i]) ? strerrorname_np(-h->key[i]) : "?", h->n[i]);
	}
	printf("\n");
}

static int movetest(int pid, int from, int to, long maxmb)
{
	char path[64], line[4096], key[32];
	FILE *f;
	long page = sysconf(_SC_PAGESIZE), asked = 0, limit = maxmb * 1024 * 1024 / page;
	static void *pages[MT_BATCH], *go[MT_BATCH];
	static int status[MT_BATCH], dest[MT_BATCH];

	snprintf(key, sizeof(key), " N%d=", from);
	snprintf(path, sizeof(path), "/proc/%d/numa_maps", pid);
	if (!(f = fopen(path, "r"))) {
		printf("%s: %s\n", path, strerror(errno));
		return 1;
	}
	/* the 3 mappings with the most pages on FROM */
	static char top[3][4096];
	long topn[3] = { 0, 0, 0 };
	while (fgets(line, sizeof(line), f)) {
		char *k = strstr(line, key);
		long cnt = k ? atol(k + strlen(key)) : 0;
		for (int i = 0; i < 3; i++)
			if (cnt > topn[i]) {
				for (int j = 2; j > i; j--) {
					topn[j] = topn[j - 1];
					memcpy(top[j], top[j - 1], sizeof(top[j]));
				}
				topn[i] = cnt;
				snprintf(top[i], sizeof(top[i]), "%s", line);
				break;
			}
	}
	fclose(f);
	for (int ti = 0; ti < 3 && topn[ti] > 0 && asked < limit; ti++) {
		snprintf(line, sizeof(line), "%s", top[ti]);
		/* numa_maps gives starts; the ends come from maps */
		unsigned long start = strtoul(line, NULL, 16), end = 0, s, e;
		char ml[1024];
		FILE *m;

		snprintf(path, sizeof(path), "/proc/%d/maps", pid);
		if ((m = fopen(path, "r"))) {
			while (fgets(ml, sizeof(ml), m))
				if (sscanf(ml, "%lx-%lx", &s, &e) == 2 && s == start) {
					end = e;
					break;
				}
			fclose(m);
		}
		line[strcspn(line, "\n")] = '\0';
		printf("mapping %lx-%lx (%lu MB): %s\n", start, end, (end - start) >> 20, line);
		struct hist where = { 0 }, moved = { 0 };
		long calls_fail = 0, calls_short = 0, not_migrated = 0, calls = 0;
		int err1 = 0, err2 = 0;
		for (unsigned long a = start; a < end && asked < limit;) {
			long n = 0, k = 0;
			for (; a < end && n < MT_BATCH; a += (unsigned long)page)
				pages[n++] = (void *)a;
			if (syscall(SYS_move_pages, pid, n, pages, NULL, status, 0) < 0) {
				calls_fail++;
				err1 = errno;
				continue;
			}
			for (long i = 0; i < n; i++) {
				hist_add(&where, status[i]);
				if (status[i] == from) {
					go[k] = pages[i];
					dest[k++] = to;
				}
			}
			if (!k)
				continue;
			asked += k;
			for (long i = 0; i < k; i++)
				status[i] = -4095; /* "unset": the kernel wrote nothing there */
			long r = syscall(SYS_move_pages, pid, k, go, dest, status, 4 /* MPOL_MF_MOVE_ALL */);
			calls++;
			if (r < 0) {
				calls_fail++;
				err2 = errno;
				continue;
			}
			/* a positive return: that many pages were not migrated, and the kernel
			 * stopped there, leaving the rest of the statuses unset */
			if (r > 0) {
				calls_short++;
				not_migrated += r;
			}
			for (long i = 0; i < k; i++)
				hist_add(&moved, status[i]);
		}
		hist_print("where", &where);
		hist_print("after moving those on FROM", &moved);
		printf("  %ld move calls, %ld returned > 0 (pages not migrated, the rest of the call not tried): %ld pages\n",
		       calls, calls_short, not_migrated);
		if (calls_fail)
			printf("  %ld calls failed (where: %s, move: %s)\n", calls_fail, err1 ? strerror(err1) : "-",
			       err2 ? strerror(err2) : "-");
	}
	printf("asked to move %ld pages (%ld MB)\n", asked, asked * page >> 20);
	return 0;
}

/* ---------------------------------------------------------------- stacks */

struct xmap {
	unsigned long start, end, off;
	char path[256];
};

static void cat_file(const char *path, const char *prefix)
{
	char buf[8192];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0) {
		printf("%s(cannot read %s: %s)\n", prefix, path, strerror(errno));
		return;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	for (char *l = buf, *e; l && *l; l = e ? e + 1 : NULL) {
		e = strchr(l, '\n');
		if (e)
			*e = '\0';
		printf("%s%s\n", prefix, l);
	}
}

static int stacks(int pid)
{
	char path[256], line[1024];
	static struct xmap maps[4096];
	int nmaps = 0, memfd;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	if (!(f = fopen(path, "r"))) {
		printf("pid %d: %s\n", pid, strerror(errno));
		return 1;
	}
	while (fgets(line, sizeof(line), f) && nmaps < 4096) {
		struct xmap *m = &maps[nmaps];
		char perms[8] = "";
		m->path[0] = '\0';
		if (sscanf(line, "%lx-%lx %7s %lx %*s %*s %255s", &m->start, &m->end, perms, &m->off, m->path) >= 4 &&
		    perms[2] == 'x')
			nmaps++;
	}
	fclose(f);
	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	memfd = open(path, O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	DIR *dir = opendir(path);
	for (struct dirent *de; dir && (de = readdir(dir));) {
		char d[256];
		int tid = atoi(de->d_name);
		if (tid <= 0)
			continue;
		printf("== thread %d\n", tid);
		snprintf(d, sizeof(d), "/proc/%d/task/%d/comm", pid, tid);
		cat_file(d, "comm ");
		snprintf(d, sizeof(d), "/proc/%d/task/%d/stat", pid, tid);
		cat_file(d, "stat ");
		snprintf(d, sizeof(d), "/proc/%d/task/%d/wchan", pid, tid);
		cat_file(d, "wchan ");
		snprintf(d, sizeof(d), "/proc/%d/task/%d/syscall", pid, tid);
		cat_file(d, "syscall ");
		snprintf(d, sizeof(d), "/proc/%d/task/%d/stack", pid, tid);
		cat_file(d, "kstack ");
		/* the user stack pointer: the next-to-last field of syscall */
		snprintf(d, sizeof(d), "/proc/%d/task/%d/syscall", pid, tid);
		int fd = open(d, O_RDONLY | O_CLOEXEC);
		char sc[512] = "";
		ssize_t n = fd >= 0 ? read(fd, sc, sizeof(sc) - 1) : -1;
		if (fd >= 0)
			close(fd);
		if (n <= 0 || memfd < 0)
			continue;
		sc[n] = '\0';
		char *tok[16], *save;
		int nt = 0;
		for (char *t = strtok_r(sc, " \n", &save); t && nt < 16; t = strtok_r(NULL, " \n", &save))
			tok[nt++] = t;
		if (nt < 3)
			continue; /* "running" */
		unsigned long sp = strtoul(tok[nt - 2], NULL, 16), pc = strtoul(tok[nt - 1], NULL, 16);
		static unsigned long words[4096];
		ssize_t got = pread(memfd, words, sizeof(words), (off_t)sp);
		for (ssize_t w = -1; w < (got > 0 ? got / 8 : 0); w++) {
			unsigned long a = w < 0 ? pc : words[w];
			for (int k = 0; k < nmaps; k++)
				if (a >= maps[k].start && a < maps[k].end) {
					printf("%s sp+0x%lx %s+0x%lx\n", w < 0 ? "pc" : "ret?", w < 0 ? 0 : (unsigned long)w * 8,
					       maps[k].path[0] ? maps[k].path : "[anon]", a - maps[k].start + maps[k].off);
					break;
				}
		}
	}
	if (dir)
		closedir(dir);
	if (memfd >= 0)
		close(memfd);
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	const char *e = getenv("LAB_T0");

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	t0 = e ? strtod(e, NULL) : now_real();
	if (argc == 5 && strcmp(argv[1], "probe") == 0)
		return probe(argv[2], atoi(argv[3]), argv[4]);
	if (argc == 5 && strcmp(argv[1], "sample") == 0)
		return sample(argv[2], atoi(argv[3]), argv[4]);
	if (argc == 6 && strcmp(argv[1], "movetest") == 0)
		return movetest(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]), atol(argv[5]));
	if (argc == 3 && strcmp(argv[1], "stacks") == 0)
		return stacks(atoi(argv[2]));
	fprintf(stderr, "usage: stagewatch probe SOCKET INTERVAL_MS OUT | sample SCOPE INTERVAL_MS OUT | stacks PID | "
		"movetest PID FROM TO MAXMB\n");
	return 2;
}
