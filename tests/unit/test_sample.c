/*
 * test_sample.c: proc_read()/proc_scan() and cgroup residency over host trees built by
 * the fixture tool from a numactl text and a process description.
 *
 * Expected values come from the description below (mem=/huge= MB times 1024, vcpus=,
 * comm=, cgroup=) and from what the fixture documents about the files it writes; none
 * is taken from the code under test.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"
#include "sample.h"
#include "support.h"
#include "topology.h"
#include "util.h"

typedef unsigned long long ull;

#define MB (1024ULL) /* KiB per MB */

/*
 * Besides mem= (anonymous) and huge= (hugetlbfs) memory, the fixture maps the process's
 * binary: a few file-backed pages on one node. The test finds those pages itself with
 * file_backed_kb() below and adds them to the expected residency.
 */

/* Three nodes with sparse ids, so node id and dense index differ. */
static const char host_numactl[] =
	"available: 3 nodes (0,2,5)\n"
	"node 0 cpus: 0 1 2 3\nnode 0 size: 8192 MB\nnode 0 free: 4000 MB\n"
	"node 2 cpus: 4 5 6 7\nnode 2 size: 8192 MB\nnode 2 free: 4000 MB\n"
	"node 5 cpus: 8 9 10 11\nnode 5 size: 8192 MB\nnode 5 free: 4000 MB\n"
	"node distances:\nnode   0   2   5\n  0:  10  16  22\n  2:  16  10  16\n  5:  22  16  10\n";

/* Dense indexes of the node ids above. */
enum { I0, I2, I5, NNODES };

static const char host_desc[] =
	"# a Debian guest: 4 vCPUs, memory on 0 and 2, hugepage-backed RAM on 5, cgroup v2\n"
	"proc pid=1000 comm=qemu-system-x86 name=vm1 vcpus=4 mem=0:512,2:256 huge=5:1024 "
	"cgroup=machine.slice/machine-qemu\\x2d1\\x2dvm1.scope\n"
	"proc pid=2000 comm=\"a (b) c\" mem=2:64\n"
	"proc pid=3000 comm=bash mem=0:1\n"
	"# a RHEL-style guest, interleaved over all nodes, cgroup v1\n"
	"proc pid=4000 comm=qemu-kvm vcpus=2 mem=0:100,2:120,5:80 policy=interleave:0,2,5 cgroupv=1 "
	"cgroup=machine/vm2.libvirt-qemu\n"
	"proc pid=5000 comm=defunct state=Z\n"
	"# two guests with the same memory, one per cgroup version\n"
	"proc pid=10000 comm=qemu-system-x86 vcpus=2 mem=0:300,5:200 cgroup=machine.slice/machine-qemu\\x2d3\\x2dvmv2.scope\n"
	"proc pid=11000 comm=qemu-system-x86 vcpus=2 mem=0:300,5:200 cgroupv=1 "
	"cgroup=machine.slice/machine-qemu\\x2d4\\x2dvmv1.scope\n";

/* Processes that the damaged-tree test breaks after the tree is built. */
static const char damaged_desc[] = "proc pid=6000 comm=vanishing mem=0:32\n"
				   "proc pid=7000 comm=truncated mem=0:32\n"
				   "proc pid=8000 comm=wrongpid mem=0:32\n"
				   "proc pid=9000 comm=nostat mem=0:8\n"
				   "proc pid=9500 comm=badmaps mem=2:8\n";

/* ---------------------------------------------------------------- helpers */

/* Build the host (with extra description lines appended) and read its topology. */
static char *build_host(const char *extra, struct topology *t)
{
	char err[512] = "", *root = make_root("sample");
	size_t len = strlen(host_desc) + (extra ? strlen(extra) : 0) + 1;
	char *desc = malloc(len);

	assert_non_null(desc);
	snprintf(desc, len, "%s%s", host_desc, extra ? extra : "");
	if (fixture_build(root, host_numactl, desc, err, sizeof(err)) != 0)
		fail_msg("fixture_build: %s", err);
	free(desc);
	if (topology_read(root, t, err, sizeof(err)) != 0)
		fail_msg("topology_read: %s", err);
	assert_int_equal(t->nnodes, NNODES);
	assert_int_equal(topology_index(t, 0), I0);
	assert_int_equal(topology_index(t, 2), I2);
	assert_int_equal(topology_index(t, 5), I5);
	return root;
}

static const struct proc_info *find_pid(const struct proc_list *l, int pid)
{
	for (int i = 0; i < l->n; i++)
		if (l->p[i].st.pid == pid)
			return &l->p[i];
	return NULL;
}

/* Independent reader: KiB of file-backed, non-huge mappings per node index in a numa_maps. */
static void file_backed_kb(const char *root, int pid, const struct topology *t, ull *out)
{
	char path[4096], line[4096];
	FILE *f;

	for (int i = 0; i < NNODES; i++)
		out[i] = 0;
	snprintf(path, sizeof(path), "%s/proc/%d/numa_maps", root, pid);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *save = NULL, *tok;
		const char *ps = strstr(line, "kernelpagesize_kB=");
		ull pagekb = ps ? strtoull(ps + 18, NULL, 10) : 4;

		if (!strstr(line, " file=") || strstr(line, " huge "))
			continue;
		for (tok = strtok_r(line, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
			unsigned id;
			ull pages;
			int used = 0;

			if (sscanf(tok, "N%u=%llu%n", &id, &pages, &used) == 2 && tok[used] == '\0' &&
			    topology_index(t, (int)id) >= 0)
				out[topology_index(t, (int)id)] += pages * pagekb;
		}
	}
	fclose(f);
}

static uint64_t rss_kb_of_pages(uint64_t pages)
{
	return pages * (uint64_t)(sysconf(_SC_PAGESIZE) / 1024);
}

/* ---------------------------------------------------------------- proc_read, one process at a time */

static void test_proc_read_table(void **state)
{
	static const struct {
		const char *what;
		int pid;
		struct proc_scan_opts o;
		int ret;
		const char *comm;
		bool is_qemu;
		int nvcpus;
		ull rss_kb;            /* mem= in the description (huge pages are not in stat's rss) */
		ull res[NNODES];       /* mem= + huge= per dense index, when o.residency */
		ull huge_kb, interleave_kb;
		const char *cgroup;
	} cases[] = {
		{ .what = "qemu guest with vCPUs, huge pages on node 5", .pid = 1000,
		  .o = { .residency = true, .vcpus = true }, .ret = 0, .comm = "qemu-system-x86", .is_qemu = true,
		  .nvcpus = 4, .rss_kb = (512 + 256) * MB, .res = { 512 * MB, 256 * MB, 1024 * MB },
		  .huge_kb = 1024 * MB, .cgroup = "/machine.slice/machine-qemu\\x2d1\\x2dvm1.scope" },
		{ .what = "same guest without vCPU counting", .pid = 1000, .o = { .residency = true }, .ret = 0,
		  .comm = "qemu-system-x86", .is_qemu = true, .nvcpus = -1, .rss_kb = (512 + 256) * MB,
		  .res = { 512 * MB, 256 * MB, 1024 * MB }, .huge_kb = 1024 * MB,
		  .cgroup = "/machine.slice/machine-qemu\\x2d1\\x2dvm1.scope" },
		{ .what = "comm with spaces and parentheses", .pid = 2000, .o = { .residency = true, .vcpus = true },
		  .ret = 0, .comm = "a (b) c", .is_qemu = false, .nvcpus = -1, .rss_kb = 64 * MB,
		  .res = { 0, 64 * MB, 0 }, .cgroup = "/" },
		{ .what = "small process", .pid = 3000, .o = { .residency = true }, .ret = 0, .comm = "bash",
		  .nvcpus = -1, .rss_kb = 1 * MB, .res = { 1 * MB, 0, 0 }, .cgroup = "/" },
		{ .what = "interleaved qemu-kvm guest in a v1 cgroup", .pid = 4000, .o = { .residency = true, .vcpus = true },
		  .ret = 0, .comm = "qemu-kvm", .is_qemu = true, .nvcpus = 2, .rss_kb = 300 * MB,
		  .res = { 100 * MB, 120 * MB, 80 * MB }, .interleave_kb = 300 * MB, .cgroup = "" },
		{ .what = "min_rss_kb below the process: kept", .pid = 2000, .o = { .min_rss_kb = 64 * MB }, .ret = 0,
		  .comm = "a (b) c", .nvcpus = -1, .rss_kb = 64 * MB, .cgroup = "/" },
		{ .what = "min_rss_kb above the process: skipped", .pid = 2000, .o = { .min_rss_kb = 64 * MB + 1 },
		  .ret = 1 },
		{ .what = "qemu_only skips bash", .pid = 3000, .o = { .qemu_only = true }, .ret = 1 },
		{ .what = "qemu_only keeps qemu-kvm", .pid = 4000, .o = { .qemu_only = true }, .ret = 0, .comm = "qemu-kvm",
		  .is_qemu = true, .nvcpus = -1, .rss_kb = 300 * MB, .cgroup = "" },
		{ .what = "zombie is skipped", .pid = 5000, .o = { 0 }, .ret = 1 },
		{ .what = "pid that does not exist", .pid = 4242, .o = { 0 }, .ret = -1 },
	};
	struct topology t;
	char *root = build_host(NULL, &t);
	struct buf b = { 0 };
	int nfail = 0;
	(void)state;

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const char *what = cases[c].what;
		struct proc_info pi;
		int r = proc_read(root, cases[c].pid, &t, &cases[c].o, &pi, &b);

		CHECK(what, r == cases[c].ret, "proc_read(%d) returned %d, want %d", cases[c].pid, r, cases[c].ret);
		if (r == 0 && cases[c].ret == 0) {
			CHECK(what, pi.st.pid == cases[c].pid, "pid %d", pi.st.pid);
			CHECK(what, strcmp(pi.st.comm, cases[c].comm) == 0, "comm \"%s\", want \"%s\"", pi.st.comm,
			      cases[c].comm);
			CHECK(what, pi.is_qemu == cases[c].is_qemu, "is_qemu %d", pi.is_qemu);
			CHECK(what, pi.nvcpus == cases[c].nvcpus, "nvcpus %d, want %d", pi.nvcpus, cases[c].nvcpus);
			CHECK(what, pi.rss_kb == cases[c].rss_kb, "rss %llu KiB, want %llu", (ull)pi.rss_kb,
			      cases[c].rss_kb);
			CHECK(what, pi.rss_kb == rss_kb_of_pages(pi.st.rss_pages), "rss_kb does not match rss pages");
			CHECK(what, strcmp(pi.cgroup, cases[c].cgroup) == 0, "cgroup \"%s\", want \"%s\"", pi.cgroup,
			      cases[c].cgroup);
			CHECK(what, pi.have_residency == cases[c].o.residency, "have_residency %d", pi.have_residency);
			if (pi.have_residency && pi.res_kb) {
				ull total = 0, file_kb[NNODES], file_total = 0;

				file_backed_kb(root, cases[c].pid, &t, file_kb);
				for (int i = 0; i < NNODES; i++) {
					ull want = cases[c].res[i] + file_kb[i];

					CHECK(what, pi.res_kb[i] == want, "node index %d: %llu KiB, want %llu (+%llu file)", i,
					      (ull)pi.res_kb[i], cases[c].res[i], file_kb[i]);
					total += want;
					file_total += file_kb[i];
				}
				/* the binary's pages are a small extra, not guest memory */
				CHECK(what, file_total < 4 * MB, "%llu KiB of file-backed pages", file_total);
				CHECK(what, pi.res.total_kb == total, "total %llu KiB, want %llu", (ull)pi.res.total_kb, total);
				CHECK(what, pi.res.huge_kb == cases[c].huge_kb, "huge %llu KiB, want %llu", (ull)pi.res.huge_kb,
				      cases[c].huge_kb);
				CHECK(what, pi.res.interleave_kb == cases[c].interleave_kb, "interleave %llu KiB, want %llu",
				      (ull)pi.res.interleave_kb, cases[c].interleave_kb);
				CHECK(what, pi.res.offline_kb == 0, "offline %llu KiB", (ull)pi.res.offline_kb);
			}
		}
		if (r == 0)
			proc_info_free(&pi);
	}
	buf_free(&b);
	topology_free(&t);
	drop_root(root);
	assert_int_equal(nfail, 0);
}

/*
 * With min_rss_kb, /proc/PID/statm decides first where it can be read; stat decides where it
 * can't, and for what passes. Process 2000 has 64 MB in stat; statm is written here to say
 * otherwise, so that which file decided shows.
 */
static void test_proc_read_statm_table(void **state)
{
	long pk = sysconf(_SC_PAGESIZE) / 1024;
	char small[64], big[64], bigger[64];
	const struct {
		const char *what;
		const char *statm;     /* NULL: no statm file */
		struct proc_scan_opts o;
		int ret;
	} cases[] = {
		{ "statm under the threshold: skipped without stat", small, { .min_rss_kb = 1 * MB }, 1 },
		{ "statm at the threshold: stat read, kept", big, { .min_rss_kb = 64 * MB }, 0 },
		{ "statm over the threshold but stat under it: skipped", bigger, { .min_rss_kb = 64 * MB + 1 }, 1 },
		{ "garbled statm: stat decides, kept", "x y\n", { .min_rss_kb = 1 * MB }, 0 },
		{ "empty statm: stat decides, skipped", "", { .min_rss_kb = 64 * MB + 1 }, 1 },
		{ "no statm: stat decides, kept", NULL, { .min_rss_kb = 64 * MB }, 0 },
		{ "no threshold: statm not consulted", small, { 0 }, 0 },
		{ "no_cgroup: kept with no cgroup", big, { .min_rss_kb = 1 * MB, .no_cgroup = true }, 0 },
	};
	struct topology t;
	char *root = build_host(NULL, &t);
	struct buf b = { 0 };
	int nfail = 0;
	(void)state;

	snprintf(small, sizeof(small), "%llu 1 0 1 0 1 0\n", (ull)(64 * MB / (ull)pk));
	snprintf(big, sizeof(big), "%llu %llu 0 1 0 1 0\n", (ull)(64 * MB / (ull)pk), (ull)(64 * MB / (ull)pk));
	snprintf(bigger, sizeof(bigger), "%llu %llu 0 1 0 1 0\n", (ull)(128 * MB / (ull)pk), (ull)(128 * MB / (ull)pk));
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const char *what = cases[c].what;
		struct proc_info pi;
		int r;

		if (cases[c].statm)
			assert_int_equal(fixture_write(root, "proc/2000/statm", cases[c].statm), 0);
		else
			rm_rel(root, "proc/2000/statm");
		r = proc_read(root, 2000, &t, &cases[c].o, &pi, &b);
		CHECK(what, r == cases[c].ret, "proc_read returned %d, want %d", r, cases[c].ret);
		if (r == 0) {
			CHECK(what, strcmp(pi.st.comm, "a (b) c") == 0, "comm \"%s\"", pi.st.comm);
			CHECK(what, pi.rss_kb == 64 * MB, "rss %llu KiB", (ull)pi.rss_kb);
			CHECK(what, strcmp(pi.cgroup, cases[c].o.no_cgroup ? "" : "/") == 0, "cgroup \"%s\"", pi.cgroup);
			proc_info_free(&pi);
		}
	}
	buf_free(&b);
	topology_free(&t);
	drop_root(root);
	assert_int_equal(nfail, 0);
}

/* ---------------------------------------------------------------- proc_scan with filters */

#define MAXP 16

static void test_proc_scan_filters_table(void **state)
{
	static const struct {
		const char *what;
		struct proc_scan_opts o;
		int kept[MAXP];  /* 0-terminated, any order */
	} cases[] = {
		{ .what = "no filter (zombie skipped)", .o = { 0 }, .kept = { 1000, 2000, 3000, 4000, 10000, 11000 } },
		{ .what = "no filter with residency and vCPUs", .o = { .residency = true, .vcpus = true },
		  .kept = { 1000, 2000, 3000, 4000, 10000, 11000 } },
		{ .what = "qemu_only", .o = { .qemu_only = true }, .kept = { 1000, 4000, 10000, 11000 } },
		{ .what = "min_rss_kb 64 MB keeps a 64 MB process", .o = { .min_rss_kb = 64 * MB },
		  .kept = { 1000, 2000, 4000, 10000, 11000 } },
		{ .what = "min_rss_kb just above 64 MB", .o = { .min_rss_kb = 64 * MB + 1 },
		  .kept = { 1000, 4000, 10000, 11000 } },
		{ .what = "qemu_only and min_rss_kb 400 MB", .o = { .qemu_only = true, .min_rss_kb = 400 * MB },
		  .kept = { 1000, 10000, 11000 } },
		{ .what = "min_rss_kb above everything", .o = { .min_rss_kb = 1024 * MB * 1024 }, .kept = { 0 } },
	};
	static const int all_pids = 7;  /* numeric /proc entries: the processes of host_desc */
	struct topology t;
	char *root = build_host(NULL, &t);
	struct proc_list list = { 0 };
	int nfail = 0;
	(void)state;

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const char *what = cases[c].what;
		struct proc_scan_stats st;
		int nkept = 0, r;

		memset(&st, 0xff, sizeof(st));
		/* the list is reused from the previous case: proc_scan empties it first */
		r = proc_scan(root, &t, &cases[c].o, &list, &st);
		CHECK(what, r == 0, "proc_scan returned %d", r);
		for (int k = 0; cases[c].kept[k]; k++, nkept++)
			CHECK(what, find_pid(&list, cases[c].kept[k]) != NULL, "pid %d missing", cases[c].kept[k]);
		CHECK(what, list.n == nkept, "%d processes kept, want %d", list.n, nkept);
		CHECK(what, st.seen == (unsigned)all_pids, "seen %u, want %d", st.seen, all_pids);
		CHECK(what, st.kept == (unsigned)nkept, "kept %u, want %d", st.kept, nkept);
		CHECK(what, st.vanished == 0 && st.malformed == 0, "vanished %u malformed %u", st.vanished, st.malformed);
		for (int i = 0; i < list.n; i++) {
			const struct proc_info *pi = &list.p[i];

			CHECK(what, pi->have_residency == cases[c].o.residency, "pid %d have_residency %d", pi->st.pid,
			      pi->have_residency);
			CHECK(what, pi->rss_kb >= cases[c].o.min_rss_kb, "pid %d rss %llu below the minimum", pi->st.pid,
			      (ull)pi->rss_kb);
			CHECK(what, !cases[c].o.qemu_only || pi->is_qemu, "pid %d is not qemu", pi->st.pid);
		}
		/* spot-check the guest's figures in the scan result */
		if (find_pid(&list, 1000)) {
			const struct proc_info *g = find_pid(&list, 1000);
			ull file_kb[NNODES];

			file_backed_kb(root, 1000, &t, file_kb);
			CHECK(what, g->nvcpus == (cases[c].o.vcpus ? 4 : -1), "guest nvcpus %d", g->nvcpus);
			if (g->have_residency && g->res_kb)
				CHECK(what, g->res_kb[I0] == 512 * MB + file_kb[I0] && g->res_kb[I2] == 256 * MB + file_kb[I2] &&
						    g->res_kb[I5] == 1024 * MB + file_kb[I5],
				      "guest residency %llu/%llu/%llu", (ull)g->res_kb[I0], (ull)g->res_kb[I2],
				      (ull)g->res_kb[I5]);
		}
	}
	proc_list_free(&list);
	topology_free(&t);
	drop_root(root);
	assert_int_equal(nfail, 0);
}

/* ---------------------------------------------------------------- damaged processes */

/* Break the processes of damaged_desc in the ways a live /proc can look mid-scan. */
static void damage_tree(const char *root)
{
	/* 6000: gone between reading its stat and its numa_maps */
	assert_int_equal(rm_rel(root, "proc/6000/numa_maps"), 0);
	/* 7000: a stat cut off after utime */
	assert_int_equal(fixture_write(root, "proc/7000/stat", "7000 (truncated) S 1 7000 7000 0 -1 4194560 0 0 0 0 5"),
			 0);
	/* 8000: a stat that names another pid */
	assert_int_equal(fixture_write(root, "proc/8000/stat",
				       "8001 (wrongpid) S 1 8001 8001 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 1000 "
				       "134742016 8192 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 "
				       "0 0 0 0 0 0 0 0\n"),
			 0);
	/* 9000: the directory is there but the stat is gone */
	assert_int_equal(rm_rel(root, "proc/9000/stat"), 0);
	/* 9500: numa_maps that is not numa_maps */
	assert_int_equal(fixture_write(root, "proc/9500/numa_maps", "this is not numa_maps\n"), 0);
	/* entries that are not processes */
	assert_int_equal(fixture_write(root, "proc/self/stat", "1 (init) S 0 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1 1 1\n"),
			 0);
	assert_int_equal(fixture_write(root, "proc/12abc/stat", "12 (x) S 0 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1 1 1\n"),
			 0);
}

static void test_proc_scan_damaged_table(void **state)
{
	static const struct {
		const char *what;
		struct proc_scan_opts o;
		int kept[MAXP];  /* 0-terminated */
		unsigned vanished, malformed;
	} cases[] = {
		{ .what = "with residency: vanished and malformed are dropped",
		  .o = { .residency = true, .vcpus = true },
		  .kept = { 1000, 2000, 3000, 4000, 10000, 11000 }, .vanished = 2 /* 6000 9000 */,
		  .malformed = 3 /* 7000 8000 9500 */ },
		{ .what = "without residency numa_maps is not read",
		  .o = { 0 },
		  .kept = { 1000, 2000, 3000, 4000, 10000, 11000, 6000, 9500 }, .vanished = 1 /* 9000 */,
		  .malformed = 2 /* 7000 8000 */ },
		{ .what = "qemu_only still counts the broken ones it had to read",
		  .o = { .qemu_only = true, .residency = true },
		  .kept = { 1000, 4000, 10000, 11000 }, .vanished = 1 /* 9000: no stat */,
		  .malformed = 2 /* 7000 8000: stat unusable */ },
	};
	static const unsigned all_pids = 7 + 5;
	struct topology t;
	char *root = build_host(damaged_desc, &t);
	struct proc_list list = { 0 };
	int nfail = 0;
	(void)state;

	damage_tree(root);
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const char *what = cases[c].what;
		struct proc_scan_stats st;
		int nkept = 0, r;

		r = proc_scan(root, &t, &cases[c].o, &list, &st);
		CHECK(what, r == 0, "proc_scan returned %d", r);
		for (int k = 0; cases[c].kept[k]; k++, nkept++)
			CHECK(what, find_pid(&list, cases[c].kept[k]) != NULL, "pid %d missing", cases[c].kept[k]);
		CHECK(what, list.n == nkept, "%d processes kept, want %d", list.n, nkept);
		CHECK(what, st.seen == all_pids, "seen %u, want %u", st.seen, all_pids);
		CHECK(what, st.kept == (unsigned)nkept, "kept %u, want %d", st.kept, nkept);
		CHECK(what, st.vanished == cases[c].vanished, "vanished %u, want %u", st.vanished, cases[c].vanished);
		CHECK(what, st.malformed == cases[c].malformed, "malformed %u, want %u", st.malformed,
		      cases[c].malformed);
		CHECK(what, find_pid(&list, 8001) == NULL && find_pid(&list, 1) == NULL && find_pid(&list, 12) == NULL,
		      "a process from a mismatched or non-numeric entry was kept");
	}
	proc_list_free(&list);
	topology_free(&t);
	drop_root(root);
	assert_int_equal(nfail, 0);
}

static void test_proc_read_damaged_table(void **state)
{
	static const struct {
		const char *what;
		int pid;
		int err;  /* errno after -1 */
	} cases[] = {
		{ .what = "numa_maps deleted after stat", .pid = 6000, .err = ESRCH },
		{ .what = "truncated stat", .pid = 7000, .err = EINVAL },
		{ .what = "stat pid does not match its directory", .pid = 8000, .err = EINVAL },
		{ .what = "stat missing", .pid = 9000, .err = ESRCH },
		{ .what = "garbage numa_maps", .pid = 9500, .err = EINVAL },
	};
	static const struct proc_scan_opts o = { .residency = true, .vcpus = true };
	struct topology t;
	char *root = build_host(damaged_desc, &t);
	struct buf b = { 0 };
	int nfail = 0;
	(void)state;

	damage_tree(root);
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const char *what = cases[c].what;
		struct proc_info pi;
		int r;

		errno = 0;
		r = proc_read(root, cases[c].pid, &t, &o, &pi, &b);
		CHECK(what, r == -1, "proc_read(%d) returned %d, want -1", cases[c].pid, r);
		CHECK(what, r != -1 || errno == cases[c].err, "errno %d (%s), want %d (%s)", errno, strerror(errno),
		      cases[c].err, strerror(cases[c].err));
		CHECK(what, pi.res_kb == NULL && !pi.have_residency, "a failed read left residency behind");
		if (r == 0)
			proc_info_free(&pi);
	}
	buf_free(&b);
	topology_free(&t);
	drop_root(root);
	assert_int_equal(nfail, 0);
}

static void test_proc_scan_no_proc(void **state)
{
	static const struct {
		const char *what;
		const char *root;  /* NULL: an empty temporary directory */
	} cases[] = {
		{ .what = "root without proc", .root = NULL },
		{ .what = "root that does not exist", .root = "/nonexistent/numad-test-root" },
	};
	int nfail = 0;
	(void)state;

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const char *what = cases[c].what;
		char *tmp = cases[c].root ? NULL : make_root("sample");
		struct topology t;
		struct proc_list list = { 0 };
		struct proc_scan_stats st;
		struct proc_scan_opts o = { 0 };
		static const int ids[] = { 0 };

		memset(&t, 0, sizeof(t));
		for (int i = 0; i < NUMAD_MAX_NODES; i++)
			t.idx_of[i] = -1;
		t.nnodes = 1;
		t.idx_of[ids[0]] = 0;
		CHECK(what, proc_scan(tmp ? tmp : cases[c].root, &t, &o, &list, &st) == -1, "proc_scan did not fail");
		CHECK(what, list.n == 0, "list has %d entries", list.n);
		proc_list_free(&list);
		if (tmp)
			drop_root(tmp);
	}
	assert_int_equal(nfail, 0);
}

/* ---------------------------------------------------------------- cgroup residency */

static void test_cgroup_residency_table(void **state)
{
	static const struct {
		const char *what;
		int pid;
		const char *rel;  /* memory.numa_stat under root; NULL: from the process's v2 cgroup path */
		int version;
		ull kb[NNODES];   /* anon residency from mem= (huge pages are not anon) */
	} cases[] = {
		{ .what = "v2 guest", .pid = 10000, .rel = NULL, .version = 2, .kb = { 300 * MB, 0, 200 * MB } },
		{ .what = "v1 guest with the same memory",
		  .pid = 11000, .rel = "sys/fs/cgroup/memory/machine.slice/machine-qemu\\x2d4\\x2dvmv1.scope/memory.numa_stat",
		  .version = 1, .kb = { 300 * MB, 0, 200 * MB } },
		{ .what = "v2 guest with huge pages", .pid = 1000, .rel = NULL, .version = 2,
		  .kb = { 512 * MB, 256 * MB, 0 } },
		{ .what = "v1 interleaved guest", .pid = 4000,
		  .rel = "sys/fs/cgroup/memory/machine/vm2.libvirt-qemu/memory.numa_stat", .version = 1,
		  .kb = { 100 * MB, 120 * MB, 80 * MB } },
	};
	static const struct proc_scan_opts o = { 0 };
	struct topology t;
	char *root = build_host(NULL, &t);
	struct buf b = { 0 };
	ull seen_v1[NNODES] = { 0 }, seen_v2[NNODES] = { 0 };
	int nfail = 0;
	(void)state;

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const char *what = cases[c].what;
		struct proc_info pi;
		char rel[1024];
		uint64_t kb[NNODES];
		int version = 0, r;

		r = proc_read(root, cases[c].pid, &t, &o, &pi, &b);
		CHECK(what, r == 0, "proc_read(%d) returned %d", cases[c].pid, r);
		if (r != 0)
			continue;
		if (cases[c].rel)
			snprintf(rel, sizeof(rel), "%s", cases[c].rel);
		else
			snprintf(rel, sizeof(rel), "sys/fs/cgroup%s/memory.numa_stat", pi.cgroup);
		proc_info_free(&pi);
		r = read_file_at(root, rel, &b, 1 << 20);
		CHECK(what, r == 0, "cannot read %s: %s", rel, strerror(errno));
		if (r != 0)
			continue;
		r = cgroup_numa_stat_parse(b.data, &t, kb, &version);
		CHECK(what, r == 0, "cgroup_numa_stat_parse returned %d", r);
		CHECK(what, version == cases[c].version, "version %d, want %d", version, cases[c].version);
		for (int i = 0; i < NNODES; i++)
			CHECK(what, kb[i] == cases[c].kb[i], "node index %d: %llu KiB, want %llu", i, (ull)kb[i],
			      cases[c].kb[i]);
		if (cases[c].pid == 10000)
			memcpy(seen_v2, kb, sizeof(seen_v2));
		if (cases[c].pid == 11000)
			memcpy(seen_v1, kb, sizeof(seen_v1));
	}
	/* the same guest memory reads the same through either cgroup version */
	CHECK("v1 and v2 agree", memcmp(seen_v1, seen_v2, sizeof(seen_v1)) == 0, "v1 %llu/%llu/%llu, v2 %llu/%llu/%llu",
	      seen_v1[0], seen_v1[1], seen_v1[2], seen_v2[0], seen_v2[1], seen_v2[2]);
	buf_free(&b);
	topology_free(&t);
	drop_root(root);
	assert_int_equal(nfail, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proc_read_table),
		cmocka_unit_test(test_proc_read_statm_table),
		cmocka_unit_test(test_proc_scan_filters_table),
		cmocka_unit_test(test_proc_scan_damaged_table),
		cmocka_unit_test(test_proc_read_damaged_table),
		cmocka_unit_test(test_proc_scan_no_proc),
		cmocka_unit_test(test_cgroup_residency_table),
	};

	return cmocka_run_group_tests(tests, setup_quiet, NULL);
}
