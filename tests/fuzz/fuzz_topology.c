/*
 * fuzz_topology: topology_read over a host tree whose sysfs files come from the input,
 * then topology_reserve_cpus, topology_sample_mem and one engine_place on the result.
 *
 * The tree is the DL980 of tests/topologies/dl980-8node.txt, built once per process
 * under $TMPDIR (or /dev/shm, or /tmp) as numad-fuzz-topo.PID. An input replaces or
 * deletes some of its files for one run; they are put back afterwards. Input format,
 * one record per header line:
 *
 *	@online                          sys/devices/system/node/online
 *	@has_memory                      sys/devices/system/node/has_memory
 *	@nodeN/cpulist                   sys/devices/system/node/nodeN/cpulist (N 0-1023)
 *	@nodeN/distance                  ... the SLIT row
 *	@nodeN/meminfo                   ... per-node memory
 *	@cpuN/siblings                   sys/devices/system/cpu/cpuN/topology/thread_siblings_list (N 0-16383)
 *	@meminfo                         proc/meminfo (Hugepagesize)
 *	@reserve                         not a file: the CPU list for topology_reserve_cpus (numad -R)
 *	@-NAME                           delete that file for this run
 *
 * The bytes after a header line, up to the newline before the next line that starts
 * with '@', are the file (NUL bytes included). Text before the first header and
 * unknown headers are ignored.
 *
 * Checks: a failure leaves a terminated message; a success has nnodes == the online
 * count, ids ascending with idx_of as their inverse (and -1 elsewhere), a SLIT with 10
 * on the diagonal and 10..255 elsewhere (exactly 10/20 when it fell back), sorted CPU
 * lists with max_cpu their maximum, 0 <= ncores <= ncpus, free <= total for a valid
 * sample, and no memory on a node whose valid sample says 0 KiB. Reserving CPUs keeps the
 * lists sorted and only shrinks them by the count it returns. engine_place on the result
 * returns a non-empty set of online nodes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine.h"
#include "fixture.h"
#include "fuzz.h"
#include "log.h"
#include "topology.h"

#ifndef TOPO_FILE
#error "TOPO_FILE (tests/topologies/dl980-8node.txt) must be defined"
#endif

#define MAX_SAVED 64

static char root[PATH_MAX];

/* A file this run replaced or deleted, and what to put back. */
struct saved {
	char path[PATH_MAX];
	char *data;    /* old contents, NULL when the file did not exist */
	size_t len;
};
static struct saved saved[MAX_SAVED];
static int nsaved;

static void remove_root(void)
{
	if (root[0])
		fixture_remove(root);
}

/* Remove trees left by fuzzer processes that died (a crash skips atexit). */
static void remove_stale(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char path[PATH_MAX];
		long pid;
		char *end;

		if (strncmp(e->d_name, "numad-fuzz-topo.", 16) != 0)
			continue;
		pid = strtol(e->d_name + 16, &end, 10);
		if (*end || pid <= 0 || pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		fixture_remove(path);
	}
	closedir(d);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("TMPDIR");
	char err[512];

	(void)argc;
	(void)argv;
	if (!dir || access(dir, W_OK) != 0)
		dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	remove_stale(dir);
	snprintf(root, sizeof(root), "%s/numad-fuzz-topo.%ld", dir, (long)getpid());
	fixture_remove(root);
	if (fixture_build_files(root, TOPO_FILE, NULL, err, sizeof(err)) < 0) {
		fprintf(stderr, "fuzz_topology: cannot build %s: %s\n", root, err);
		exit(1);
	}
	atexit(remove_root);
	/* format every message (coverage of the log paths) but print none */
	log_set_level(LOG_DEBUG);
	log_set_stderr_level(-1);
	return 0;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	size_t cap = 0, n = 0, r;

	if (!f)
		return NULL;
	do {
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			data = realloc(data, cap);
			if (!data)
				abort();
		}
		r = fread(data + n, 1, cap - n, f);
		n += r;
	} while (r > 0);
	fclose(f);
	*len = n;
	return data;
}

static void mkdirs(const char *path)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(tmp, 0755);
		*p = '/';
	}
}

static void put(const char *path, const char *data, size_t len)
{
	int fd;

	mkdirs(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "fuzz_topology: %s: %s\n", path, strerror(errno));
		abort();
	}
	if (len && write(fd, data, len) != (ssize_t)len)
		abort();
	close(fd);
}

/* Remember path's contents the first time this run touches it. */
static int save(const char *path)
{
	for (int i = 0; i < nsaved; i++)
		if (strcmp(saved[i].path, path) == 0)
			return 0;
	if (nsaved == MAX_SAVED)
		return -1;
	snprintf(saved[nsaved].path, sizeof(saved[nsaved].path), "%s", path);
	saved[nsaved].data = slurp(path, &saved[nsaved].len);
	nsaved++;
	return 0;
}

static void restore(void)
{
	while (nsaved > 0) {
		struct saved *s = &saved[--nsaved];

		if (s->data)
			put(s->path, s->data, s->len);
		else
			unlink(s->path);
		free(s->data);
	}
}

/* Map a header name to a path under root; returns 0, or -1 for an unknown name. */
static int slot_path(const char *name, char *path, size_t len)
{
	char rel[128];
	unsigned long n;
	char *end;
	int w;

	if (strcmp(name, "online") == 0 || strcmp(name, "has_memory") == 0) {
		snprintf(rel, sizeof(rel), "sys/devices/system/node/%s", name);
	} else if (strcmp(name, "meminfo") == 0) {
		snprintf(rel, sizeof(rel), "proc/meminfo");
	} else if (strncmp(name, "node", 4) == 0 && name[4] >= '0' && name[4] <= '9') {
		n = strtoul(name + 4, &end, 10);
		if (n >= NUMAD_MAX_NODES || (strcmp(end, "/cpulist") != 0 && strcmp(end, "/distance") != 0 &&
					     strcmp(end, "/meminfo") != 0))
			return -1;
		snprintf(rel, sizeof(rel), "sys/devices/system/node/node%lu%s", n, end);
	} else if (strncmp(name, "cpu", 3) == 0 && name[3] >= '0' && name[3] <= '9') {
		n = strtoul(name + 3, &end, 10);
		if (n >= NUMAD_MAX_CPUS || strcmp(end, "/siblings") != 0)
			return -1;
		snprintf(rel, sizeof(rel), "sys/devices/system/cpu/cpu%lu/topology/thread_siblings_list", n);
	} else {
		return -1;
	}
	w = snprintf(path, len, "%s/%s", root, rel);
	return w > 0 && (size_t)w < len ? 0 : -1;
}

/* Apply the records of the input; the "@reserve" text goes to *reserve (malloc'd) */
static void apply(const uint8_t *data, size_t size, char **reserve)
{
	size_t i = 0;

	/* find the first header */
	while (i < size && !(data[i] == '@' && (i == 0 || data[i - 1] == '\n')))
		i++;
	while (i < size) {
		size_t h = i + 1, hend = h, body, bend;
		char name[64], path[PATH_MAX];
		bool del;

		while (hend < size && data[hend] != '\n')
			hend++;
		body = hend < size ? hend + 1 : size;
		bend = body;
		while (bend < size && !(data[bend] == '@' && data[bend - 1] == '\n'))
			bend++;
		i = bend;
		if (hend - h >= sizeof(name))
			continue;
		memcpy(name, data + h, hend - h);
		name[hend - h] = '\0';
		if (memchr(name, '\0', hend - h))
			continue;
		if (strcmp(name, "reserve") == 0) {
			free(*reserve);
			*reserve = fuzz_text(data + body, bend - body);
			continue;
		}
		del = name[0] == '-';
		if (slot_path(name + del, path, sizeof(path)) < 0 || save(path) < 0)
			continue;
		if (del)
			unlink(path);
		else
			put(path, (const char *)data + body, bend - body);
	}
}

static void check_topology(const struct topology *t)
{
	int max_cpu = -1, prev_id = -1;

	FUZZ_CHECK(t->nnodes > 0 && t->nnodes == nodeset_count(&t->online));
	for (int id = 0; id < NUMAD_MAX_NODES; id++) {
		int i = t->idx_of[id];

		FUZZ_CHECK(i >= -1 && i < t->nnodes);
		FUZZ_CHECK((i >= 0) == nodeset_has(&t->online, id));
		if (i >= 0)
			FUZZ_CHECK(t->nodes[i].id == id && topology_index(t, id) == i);
	}
	for (int i = 0; i < t->nnodes; i++) {
		const struct node_info *ni = &t->nodes[i];

		FUZZ_CHECK(ni->id > prev_id);
		prev_id = ni->id;
		FUZZ_CHECK(ni->ncpus >= 0 && ni->ncores >= 0 && ni->ncores <= ni->ncpus);
		for (int k = 0; k < ni->ncpus; k++) {
			FUZZ_CHECK(ni->cpus[k] >= 0 && ni->cpus[k] < NUMAD_MAX_CPUS);
			FUZZ_CHECK(k == 0 || ni->cpus[k - 1] <= ni->cpus[k]);
			if (ni->cpus[k] > max_cpu)
				max_cpu = ni->cpus[k];
		}
		if (ni->mem.valid) {
			FUZZ_CHECK(ni->mem.free_kb <= ni->mem.total_kb);
			if (ni->mem.total_kb == 0)
				FUZZ_CHECK(!ni->has_memory);
		}
		for (int j = 0; j < t->nnodes; j++) {
			int d = topology_distance(t, i, j);

			if (i == j)
				FUZZ_CHECK(d == 10);
			else if (t->slit_fallback)
				FUZZ_CHECK(d == 20);
			else
				FUZZ_CHECK(d >= 10 && d <= 255);
		}
	}
	FUZZ_CHECK(t->max_cpu == max_cpu);
}

static void check_engine(const struct topology *t)
{
	struct engine_policy p;
	struct engine_request r = { .ncpus = 4, .mem_mb = 20000 };
	struct engine_host h = { t, NULL, NULL };
	struct engine_result res;

	engine_policy_default(&p);
	p.exact_max_nodes = 8; /* keep a run short on hosts with many nodes */
	FUZZ_CHECK(engine_place(&h, &p, &r, &res) == 0);
	FUZZ_CHECK(res.status != ENGINE_ERROR && res.why != NULL);
	FUZZ_CHECK(!nodeset_empty(&res.best));
	for (int n = nodeset_next(&res.best, 0); n >= 0; n = nodeset_next(&res.best, n + 1))
		FUZZ_CHECK(nodeset_has(&t->online, n));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct topology t;
	char err[256], *reserve = NULL;
	int r;

	if (!root[0])
		LLVMFuzzerInitialize(NULL, NULL);
	apply(data, size, &reserve);
	memset(err, 'x', sizeof(err));
	r = topology_read(root, &t, err, sizeof(err));
	FUZZ_CHECK(r == 0 || r == -1);
	if (r < 0) {
		FUZZ_CHECK(fuzz_terminated(err, sizeof(err)));
	} else {
		int before = 0, after = 0, removed, bad;

		check_topology(&t);
		check_engine(&t);
		bad = topology_sample_mem(root, &t);
		FUZZ_CHECK(bad >= 0 && bad <= t.nnodes);
		for (int i = 0; i < t.nnodes; i++)
			before += t.nodes[i].ncpus;
		if (reserve) {
			memset(err, 'x', sizeof(err));
			removed = topology_reserve_cpus(&t, reserve, err, sizeof(err));
			for (int i = 0; i < t.nnodes; i++)
				after += t.nodes[i].ncpus;
			if (removed < 0) {
				FUZZ_CHECK(removed == -1 && fuzz_terminated(err, sizeof(err)));
				/* a list that fails to parse partway may already have removed some */
			} else {
				FUZZ_CHECK(after == before - removed);
			}
			for (int i = 0; i < t.nnodes; i++) {
				const struct node_info *ni = &t.nodes[i];
				FUZZ_CHECK(ni->ncores >= 0 && ni->ncores <= ni->ncpus);
				for (int k = 1; k < ni->ncpus; k++)
					FUZZ_CHECK(ni->cpus[k - 1] <= ni->cpus[k]);
			}
			check_engine(&t);
		}
		topology_free(&t);
	}
	restore();
	free(reserve);
	return 0;
}
