/*
 * bench.c: how long one daemon sample and one placement decision take.
 *
 * Not a test and not run by ctest: timings on shared machines are noisy. It builds a fake
 * host tree with the fixture tool under /tmp, times the sampling calls the daemon makes on
 * every full-tier tick, then times engine_place() on 8, 16 and 64 nodes, and prints
 * Markdown tables. See README.md next to this file.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "fixture.h"
#include "nodeset.h"
#include "sample.h"
#include "topology.h"

struct opts {
	int procs, guests, runs, decisions;
	const char *topo;   /* numactl -H file in TOPO_DIR, or a path */
};

static double clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Sorts v. Median (mean of the middle two for even n) and nearest-rank quantiles. */
static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double quantile(double *v, int n, double q)
{
	int k = (int)(q * n + 0.999999);

	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	if (k < 1)
		k = 1;
	return v[(k > n ? n : k) - 1];
}

static void row(const char *what, double *v, int n)
{
	double med = median(v, n), p90 = quantile(v, n, 0.9);

	printf("| %s | %.3f | %.3f |\n", what, med, p90);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: numad_bench [--procs N] [--guests G] [--runs R] [--decisions D] [--topo FILE]\n"
		   "  --procs N      generic processes in the fake /proc (default 2000)\n"
		   "  --guests G     QEMU guests in the fake /proc (default 64)\n"
		   "  --runs R       timed samples (default 20)\n"
		   "  --decisions D  timed engine decisions per host (default 200)\n"
		   "  --topo FILE    numactl -H layout for the sample, in tests/topologies or a path\n"
		   "                 (default epyc-2s-nps4.txt)\n");
}

static int parse_int(const char *s, int min, int max, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < min || v > max)
		return -1;
	*out = (int)v;
	return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "procs", required_argument, NULL, 'p' },
		{ "guests", required_argument, NULL, 'g' },
		{ "runs", required_argument, NULL, 'r' },
		{ "decisions", required_argument, NULL, 'd' },
		{ "topo", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->procs = 2000;
	o->guests = 64;
	o->runs = 20;
	o->decisions = 200;
	o->topo = "epyc-2s-nps4.txt";
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		int bad = 0;

		switch (c) {
		case 'p': bad = parse_int(optarg, 0, 1000000, &o->procs); break;
		case 'g': bad = parse_int(optarg, 0, 10000, &o->guests); break;
		case 'r': bad = parse_int(optarg, 1, 100000, &o->runs); break;
		case 'd': bad = parse_int(optarg, 1, 10000000, &o->decisions); break;
		case 't': o->topo = optarg; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
		if (bad) {
			fprintf(stderr, "numad_bench: bad value '%s'\n", optarg);
			return -1;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return -1;
	}
	return 0;
}

static void header(const struct opts *o)
{
	struct utsname u;
	char date[64];
	time_t now = time(NULL);

	strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S %Z", localtime(&now));
	if (uname(&u) < 0)
		memset(&u, 0, sizeof(u));
	printf("# numad_bench\n\n");
	printf("- date: %s\n", date);
	printf("- machine: %ld CPUs online (nproc), kernel %s (%s)\n", sysconf(_SC_NPROCESSORS_ONLN), u.release,
	       u.machine);
	printf("- sample tree: %s, %d processes, %d QEMU guests, %d runs; engine: %d decisions per host\n\n",
	       o->topo, o->procs, o->guests, o->runs, o->decisions);
}

/* Build a fixture tree at dir from numactl text (and a process description) and read it. */
static int build_and_read(const char *dir, const char *text, const char *desc, struct topology *t)
{
	char err[512];

	if (fixture_build(dir, text, desc, err, sizeof(err)) < 0) {
		fprintf(stderr, "numad_bench: fixture: %s\n", err);
		return -1;
	}
	if (topology_read(dir, t, err, sizeof(err)) < 0) {
		fprintf(stderr, "numad_bench: topology_read: %s\n", err);
		return -1;
	}
	return 0;
}

/* (a) one full sample: node memory, /proc/stat, every process with its residency. */
static int bench_sample(const struct opts *o, const char *root)
{
	char path[PATH_MAX], err[512], dir[PATH_MAX];
	char *text = NULL, *desc = NULL;
	double *mem_ms, *stat_ms, *scan_ms, *full_ms, *light_ms, build_ms;
	struct proc_scan_opts with = { .residency = true, .vcpus = true };
	struct proc_scan_opts without = { .residency = false, .vcpus = true };
	struct proc_scan_stats st = { 0 }, st_light = { 0 };
	struct proc_list pl = { 0 };
	struct cpustat cs = { 0 };
	struct topology t;
	unsigned long residency = 0;
	int rc = -1;

	if (strchr(o->topo, '/'))
		snprintf(path, sizeof(path), "%s", o->topo);
	else
		snprintf(path, sizeof(path), "%s/%s", TOPO_DIR, o->topo);
	snprintf(dir, sizeof(dir), "%s/sample", root);
	mem_ms = calloc((size_t)o->runs * 5, sizeof(double));
	if (!mem_ms)
		return -1;
	stat_ms = mem_ms + o->runs;
	scan_ms = stat_ms + o->runs;
	full_ms = scan_ms + o->runs;
	light_ms = full_ms + o->runs;
	if (!(text = fixture_read_file(path, err, sizeof(err))) ||
	    !(desc = fixture_gen_desc(text, o->procs, o->guests, err, sizeof(err)))) {
		fprintf(stderr, "numad_bench: %s\n", err);
		goto out;
	}
	build_ms = clock_ms();
	if (build_and_read(dir, text, desc, &t) < 0)
		goto out;
	build_ms = clock_ms() - build_ms;

	/* One untimed pass so every run sees the same warm page cache. */
	if (proc_scan(dir, &t, &with, &pl, &st) < 0 || cpustat_read(dir, &cs) < 0) {
		fprintf(stderr, "numad_bench: cannot scan the fixture tree: %s\n", strerror(errno));
		goto out_topo;
	}
	for (int r = 0; r < o->runs; r++) {
		double t0 = clock_ms(), t1, t2, t3;

		topology_sample_mem(dir, &t);
		t1 = clock_ms();
		cpustat_read(dir, &cs);
		t2 = clock_ms();
		proc_scan(dir, &t, &with, &pl, &st);
		t3 = clock_ms();
		mem_ms[r] = t1 - t0;
		stat_ms[r] = t2 - t1;
		scan_ms[r] = t3 - t2;
		full_ms[r] = t3 - t0;
	}
	for (int i = 0; i < pl.n; i++)
		residency += pl.p[i].have_residency;
	for (int r = 0; r < o->runs; r++) {
		double t0 = clock_ms();

		proc_scan(dir, &t, &without, &pl, &st_light);
		light_ms[r] = clock_ms() - t0;
	}

	printf("## (a) One sample: %d nodes, %u processes (%u kept, %lu with residency)\n\n", t.nnodes, st.seen,
	       st.kept, residency);
	printf("Fixture tree built in %.0f ms. Times in ms over %d runs, page cache warm.\n\n", build_ms, o->runs);
	printf("| step | median ms | p90 ms |\n|---|---:|---:|\n");
	row("topology_sample_mem (nodeN/meminfo)", mem_ms, o->runs);
	row("cpustat_read (/proc/stat)", stat_ms, o->runs);
	row("proc_scan with residency (numa_maps)", scan_ms, o->runs);
	row("**full sample** (the three above)", full_ms, o->runs);
	row("proc_scan without residency", light_ms, o->runs);
	printf("\n");
	rc = 0;
out_topo:
	topology_free(&t);
	proc_list_free(&pl);
	cpustat_free(&cs);
out:
	free(text);
	free(desc);
	free(mem_ms);
	return rc;
}

/* numactl -H text for n nodes in `sockets` sockets of 16 CPUs and 64 GiB per node. */
static char *gen_numactl(int n, int sockets)
{
	size_t cap = (size_t)n * (size_t)n * 5 + (size_t)n * 256 + 256, len = 0;
	char *s = malloc(cap);
	int per = n / sockets;

#define PUT(...) (len += (size_t)snprintf(s + len, cap - len, __VA_ARGS__))
	if (!s)
		return NULL;
	PUT("available: %d nodes (0-%d)\n", n, n - 1);
	for (int i = 0; i < n; i++) {
		PUT("node %d cpus:", i);
		for (int c = 0; c < 16; c++)
			PUT(" %d", i * 16 + c);
		PUT("\nnode %d size: 65536 MB\nnode %d free: %d MB\n", i, i, 12000 + (i * 7919) % 48000);
	}
	PUT("node distances:\nnode");
	for (int j = 0; j < n; j++)
		PUT(" %3d", j);
	PUT("\n");
	for (int i = 0; i < n; i++) {
		PUT("%3d:", i);
		for (int j = 0; j < n; j++)
			PUT(" %3d", i == j ? 10 : i / per == j / per ? 12 : 32);
		PUT("\n");
	}
#undef PUT
	return s;
}

struct engine_host_case {
	const char *what;
	const char *file;   /* in TOPO_DIR, or NULL to generate */
	int n, sockets;
};

static int bench_engine(const struct opts *o, const char *root)
{
	static const struct engine_host_case cases[] = {
		{ .what = "8 nodes (dl980-8node.txt)", .file = "dl980-8node.txt" },
		{ .what = "16 nodes, 2 sockets", .n = 16, .sockets = 2 },
		{ .what = "64 nodes, 4 sockets", .n = 64, .sockets = 4 },
	};
	double *ms = calloc((size_t)o->decisions, sizeof(double));
	int rc = 0;

	if (!ms)
		return -1;
	printf("## (b) One engine_place decision\n\n");
	printf("Request: 8 vCPUs and 30%% of the memory the host offers (5%% and 60%% too on the generated "
	       "hosts), idle CPUs, new guest. %d decisions per host and request. Search: exact (proven optimal), "
	       "budget (the exact search stopped at its budget) or greedy.\n\n", o->decisions);
	printf("The first columns time the decision with its top list (%d sets: what `numadctl explain` and the urgent "
	       "rules use); \"alone\" times it as consolidation asks for it (`advice_only`: the status and the best "
	       "set, the same advice).\n\n", ENGINE_TOP);
	printf("| host | search | candidates | sets evaluated | median ms | p90 ms | p99 ms | alone: sets | alone: median ms | alone: p99 ms | advice |\n");
	printf("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++)
	for (int q = 0; q < (cases[c].file ? 1 : 3); q++) {
		static const double fractions[] = { 0.3, 0.05, 0.6 };
		char dir[PATH_MAX], path[PATH_MAX], err[512], advice[256];
		char *text;
		struct topology t;
		struct engine_policy p;
		struct engine_request rq = { .ncpus = 8 };
		struct engine_result out, alone;
		struct engine_host eh;
		double offer_mb = 0, med, p90, p99;

		snprintf(dir, sizeof(dir), "%s/engine%zu-%d", root, c, q);
		if (cases[c].file) {
			snprintf(path, sizeof(path), "%s/%s", TOPO_DIR, cases[c].file);
			text = fixture_read_file(path, err, sizeof(err));
		} else {
			text = gen_numactl(cases[c].n, cases[c].sockets);
			snprintf(err, sizeof(err), "out of memory");
		}
		if (!text) {
			fprintf(stderr, "numad_bench: %s\n", err);
			rc = -1;
			break;
		}
		if (build_and_read(dir, text, NULL, &t) < 0) {
			free(text);
			rc = -1;
			break;
		}
		free(text);
		engine_policy_default(&p);
		for (int i = 0; i < t.nnodes; i++) {
			double free_mb = (double)node_free_kb(&t.nodes[i].mem, p.count_inactive_file) / 1024.0;
			double keep_mb = (double)t.nodes[i].mem.total_kb / 1024.0 * (100 - p.target_util) / 100.0;

			offer_mb += free_mb > keep_mb ? free_mb - keep_mb : 0;
		}
		rq.mem_mb = (uint64_t)(offer_mb * fractions[q]);
		eh.topo = &t;
		eh.cpu_busy = NULL;
		eh.owed_kb = NULL;
		engine_place(&eh, &p, &rq, &out);  /* warm-up */
		for (int d = 0; d < o->decisions; d++) {
			double t0 = clock_ms();

			engine_place(&eh, &p, &rq, &out);
			ms[d] = clock_ms() - t0;
		}
		med = median(ms, o->decisions);
		p90 = quantile(ms, o->decisions, 0.9);
		p99 = quantile(ms, o->decisions, 0.99);
		rq.advice_only = true;
		engine_place(&eh, &p, &rq, &alone);  /* warm-up */
		for (int d = 0; d < o->decisions; d++) {
			double t0 = clock_ms();

			engine_place(&eh, &p, &rq, &alone);
			ms[d] = clock_ms() - t0;
		}
		rq.advice_only = false;
		if (nodeset_format(&out.best, advice, sizeof(advice)) < 0)
			snprintf(advice, sizeof(advice), "?");
		printf("| %s, %llu MB (%.0f%%) | %s | %d | %lu | %.3f | %.3f | %.3f | %lu | %.3f | %.3f | %s (%s)%s |\n",
		       cases[c].what, (unsigned long long)rq.mem_mb, fractions[q] * 100,
		       out.exhaustive ? "exact" : out.budget_spent ? "budget" : "greedy", out.ncandidates, out.evaluated,
		       med, p90, p99, alone.evaluated, median(ms, o->decisions), quantile(ms, o->decisions, 0.99), advice,
		       engine_status_name(out.status),
		       nodeset_equal(&alone.best, &out.best) && alone.status == out.status ? ""
		       : alone.exhaustive && !out.exhaustive ? "; alone, proven: other advice" : "; alone: other advice");
		topology_free(&t);
	}
	printf("\n");
	free(ms);
	return rc;
}

int main(int argc, char **argv)
{
	char root[] = "/tmp/numad-bench-XXXXXX";
	struct opts o;
	int rc;

	if (parse_opts(argc, argv, &o) < 0)
		return 2;
	if (!mkdtemp(root)) {
		fprintf(stderr, "numad_bench: mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	header(&o);
	rc = bench_sample(&o, root);
	if (bench_engine(&o, root) < 0)
		rc = -1;
	if (fixture_remove(root) < 0)
		fprintf(stderr, "numad_bench: cannot remove %s: %s\n", root, strerror(errno));
	return rc < 0 ? 1 : 0;
}
