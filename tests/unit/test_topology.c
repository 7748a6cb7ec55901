/*
 * test_topology.c: topology_read() over host trees that the fixture tool builds from
 * `numactl -H` text, plus hand-damaged trees.
 *
 * Every expected value comes from the numactl text, read by the small reader in this
 * file (independent of both the library and the fixture tool), or from the damage the
 * test itself does to the tree.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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
#include "support.h"
#include "topology.h"

typedef unsigned long long ull;

#define NODE_DIR "sys/devices/system/node"
#define RMAX_NODES 64
#define RMAX_CPUS 512

/* ---------------------------------------------------------------- independent numactl -H reader */

struct rnode {
	int id;
	int ncpus;
	int cpus[RMAX_CPUS];
	ull size_mb, free_mb;
	int dist[RMAX_NODES];
};

struct rtopo {
	int n;
	bool have_dist;
	struct rnode node[RMAX_NODES];
};

static int rindex_of(const struct rtopo *r, int id)
{
	for (int i = 0; i < r->n; i++)
		if (r->node[i].id == id)
			return i;
	return -1;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static int cmp_rnode(const void *a, const void *b)
{
	return cmp_int(&((const struct rnode *)a)->id, &((const struct rnode *)b)->id);
}

/*
 * Read numactl -H text: "node N cpus: ...", "node N size: X MB", "node N free: X MB"
 * and the distance table ("node  a b c" header then "a: d d d" rows, columns in header
 * order). Nodes come out sorted by id. Returns 0 or -1.
 */
static int read_numactl(const char *text, struct rtopo *r)
{
	char *copy = strdup(text), *save = NULL, *line;
	int cols[RMAX_NODES], ncols = 0;
	bool in_dist = false;

	memset(r, 0, sizeof(*r));
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int id, used = 0;
		ull v;

		if (strncmp(line, "node distances:", 15) == 0) {
			in_dist = true;
			r->have_dist = true;
			continue;
		}
		if (in_dist) {
			char *p = line, *end;

			while (*p == ' ')
				p++;
			if (strncmp(p, "node", 4) == 0) {
				p += 4;
				ncols = 0;
				for (long c = strtol(p, &end, 10); end != p; c = strtol(p, &end, 10)) {
					cols[ncols++] = (int)c;
					p = end;
				}
				continue;
			}
			id = (int)strtol(p, &end, 10);
			if (end == p || *end != ':')
				goto bad;
			p = end + 1;
			for (int k = 0; k < ncols; k++) {
				long d = strtol(p, &end, 10);
				int ri = rindex_of(r, id);

				if (end == p || ri < 0)
					goto bad;
				/* store by column node id; resolved to sorted order below */
				r->node[ri].dist[k] = (int)d;
				p = end;
			}
			continue;
		}
		if (sscanf(line, "node %d cpus:%n", &id, &used) == 1 && used > 0) {
			int ri = rindex_of(r, id);
			char *p = line + used, *end;

			if (ri < 0) {
				ri = r->n++;
				r->node[ri].id = id;
			}
			for (long c = strtol(p, &end, 10); end != p; c = strtol(p, &end, 10)) {
				r->node[ri].cpus[r->node[ri].ncpus++] = (int)c;
				p = end;
			}
			qsort(r->node[ri].cpus, (size_t)r->node[ri].ncpus, sizeof(int), cmp_int);
			continue;
		}
		if (sscanf(line, "node %d size: %llu MB", &id, &v) == 2 && rindex_of(r, id) >= 0) {
			r->node[rindex_of(r, id)].size_mb = v;
			continue;
		}
		if (sscanf(line, "node %d free: %llu MB", &id, &v) == 2 && rindex_of(r, id) >= 0) {
			r->node[rindex_of(r, id)].free_mb = v;
			continue;
		}
	}
	free(copy);
	/* distance columns are in header order; turn them into an id-sorted matrix */
	if (r->have_dist) {
		for (int i = 0; i < r->n; i++) {
			int row[RMAX_NODES];

			for (int k = 0; k < ncols; k++)
				row[k] = r->node[i].dist[k];
			for (int k = 0; k < ncols; k++)
				r->node[i].dist[k] = 0;
			for (int k = 0; k < ncols; k++) {
				int j = 0;

				/* position of column k's node among ids, in sorted order */
				for (int m = 0; m < r->n; m++)
					if (r->node[m].id < cols[k])
						j++;
				r->node[i].dist[j] = row[k];
			}
		}
	}
	qsort(r->node, (size_t)r->n, sizeof(r->node[0]), cmp_rnode);
	return r->n > 0 ? 0 : -1;
bad:
	free(copy);
	return -1;
}

/* ---------------------------------------------------------------- tree helpers */

/* Replace a file by a directory of the same name, so opening works but reading fails. */
static int make_unreadable(const char *root, const char *rel)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if (unlink(path) < 0 && errno != ENOENT)
		return -1;
	return mkdir(path, 0755);
}

/* Compare a topology with what the numactl text says. Returns the number of mismatches. */
static int compare_topology(const char *what, const struct topology *t, const struct rtopo *r, bool want_fallback)
{
	int nfail = 0, max_cpu = -1;

	CHECK(what, t->nnodes == r->n, "nnodes %d, want %d", t->nnodes, r->n);
	if (t->nnodes != r->n)
		return nfail;
	CHECK(what, nodeset_count(&t->online) == r->n, "online set has %d ids, want %d", nodeset_count(&t->online),
	      r->n);
	for (int i = 0; i < r->n; i++) {
		const struct node_info *ni = &t->nodes[i];
		const struct rnode *rn = &r->node[i];

		CHECK(what, ni->id == rn->id, "node index %d has id %d, want %d", i, ni->id, rn->id);
		CHECK(what, topology_index(t, rn->id) == i, "topology_index(%d) is %d, want %d", rn->id,
		      topology_index(t, rn->id), i);
		CHECK(what, nodeset_has(&t->online, rn->id), "node %d not in the online set", rn->id);
		CHECK(what, ni->ncpus == rn->ncpus, "node %d has %d CPUs, want %d", rn->id, ni->ncpus, rn->ncpus);
		for (int k = 0; k < ni->ncpus && k < rn->ncpus; k++)
			if (ni->cpus[k] != rn->cpus[k]) {
				CHECK(what, false, "node %d CPU #%d is %d, want %d", rn->id, k, ni->cpus[k], rn->cpus[k]);
				break;
			}
		for (int k = 0; k < rn->ncpus; k++)
			if (rn->cpus[k] > max_cpu)
				max_cpu = rn->cpus[k];
		CHECK(what, ni->has_memory == (rn->size_mb > 0), "node %d has_memory %d, size %llu MB", rn->id,
		      ni->has_memory, rn->size_mb);
		CHECK(what, ni->mem.valid, "node %d memory not valid", rn->id);
		CHECK(what, ni->mem.total_kb == rn->size_mb * 1024, "node %d MemTotal %llu kB, want %llu", rn->id,
		      (ull)ni->mem.total_kb, rn->size_mb * 1024);
		CHECK(what, ni->mem.free_kb == rn->free_mb * 1024, "node %d MemFree %llu kB, want %llu", rn->id,
		      (ull)ni->mem.free_kb, rn->free_mb * 1024);
		for (int j = 0; j < r->n; j++) {
			int want = want_fallback || !r->have_dist ? (i == j ? 10 : 20) : rn->dist[j];

			CHECK(what, topology_distance(t, i, j) == want, "distance %d->%d is %d, want %d", rn->id,
			      r->node[j].id, topology_distance(t, i, j), want);
		}
	}
	/* ids that are not online map to -1 */
	for (int id = 0; id < NUMAD_MAX_NODES; id++)
		if (rindex_of(r, id) < 0 && topology_index(t, id) != -1) {
			CHECK(what, false, "offline id %d maps to index %d", id, topology_index(t, id));
			break;
		}
	CHECK(what, topology_index(t, -1) == -1 && topology_index(t, NUMAD_MAX_NODES) == -1,
	      "out-of-range ids do not map to -1");
	CHECK(what, t->max_cpu == max_cpu, "max_cpu %d, want %d", t->max_cpu, max_cpu);
	CHECK(what, t->slit_fallback == (want_fallback || !r->have_dist), "slit_fallback %d, want %d",
	      t->slit_fallback, want_fallback || !r->have_dist);
	return nfail;
}

/* ---------------------------------------------------------------- every file in TOPO_DIR */

static void test_every_topology_file(void **state)
{
	DIR *d = opendir(TOPO_DIR);
	struct dirent *de;
	int nfail = 0, files = 0;
	(void)state;

	assert_non_null(d);
	while ((de = readdir(d))) {
		char path[4096], err[512] = "", *text, *root;
		const char *what = de->d_name;
		size_t len = strlen(de->d_name);
		struct rtopo *r;
		struct topology t;

		if (len < 5 || strcmp(de->d_name + len - 4, ".txt") != 0)
			continue;
		files++;
		snprintf(path, sizeof(path), "%s/%s", TOPO_DIR, de->d_name);
		text = slurp(path);
		r = calloc(1, sizeof(*r));
		assert_non_null(text);
		assert_non_null(r);
		CHECK(what, read_numactl(text, r) == 0, "the test's reader cannot read %s", path);
		root = make_root("topology");
		CHECK(what, fixture_build(root, text, NULL, err, sizeof(err)) == 0, "fixture_build: %s", err);
		if (topology_read(root, &t, err, sizeof(err)) != 0) {
			CHECK(what, false, "topology_read failed: %s", err);
		} else {
			nfail += compare_topology(what, &t, r, false);
			topology_free(&t);
		}
		drop_root(root);
		free(r);
		free(text);
	}
	closedir(d);
	assert_true(files >= 5);
	assert_int_equal(nfail, 0);
}

/* ---------------------------------------------------------------- invented layouts */

static char *gen_64_nodes(void)
{
	size_t cap = 1 << 16, len = 0;
	char *s = malloc(cap);

	len += (size_t)snprintf(s + len, cap - len, "available: 64 nodes (0-63)\n");
	for (int i = 0; i < 64; i++) {
		len += (size_t)snprintf(s + len, cap - len, "node %d cpus: %d %d\n", i, 2 * i, 2 * i + 1);
		len += (size_t)snprintf(s + len, cap - len, "node %d size: %d MB\nnode %d free: %d MB\n", i, 4096 + i,
					i, 1024 + 7 * i);
	}
	len += (size_t)snprintf(s + len, cap - len, "node distances:\nnode ");
	for (int j = 0; j < 64; j++)
		len += (size_t)snprintf(s + len, cap - len, " %3d", j);
	len += (size_t)snprintf(s + len, cap - len, "\n");
	for (int i = 0; i < 64; i++) {
		len += (size_t)snprintf(s + len, cap - len, "%3d:", i);
		for (int j = 0; j < 64; j++)
			len += (size_t)snprintf(s + len, cap - len, " %3d", i == j ? 10 : 11 + (i / 8 + j / 8) % 20 +
										      (i < j ? 1 : 0));
		len += (size_t)snprintf(s + len, cap - len, "\n");
	}
	return s;
}

static void test_invented_layouts(void **state)
{
	static const struct {
		const char *what;
		const char *numactl;
		const char *desc;
		bool fallback;  /* distances must be the 10/20 placeholder */
	} cases[] = {
		{ .what = "sparse node ids 0,2,5",
		  .numactl = "available: 3 nodes (0,2,5)\n"
			     "node 0 cpus: 0 1 2 3\nnode 0 size: 8192 MB\nnode 0 free: 4000 MB\n"
			     "node 2 cpus: 4 5 6 7\nnode 2 size: 8192 MB\nnode 2 free: 5000 MB\n"
			     "node 5 cpus: 8 9 10 11\nnode 5 size: 4096 MB\nnode 5 free: 100 MB\n"
			     "node distances:\nnode   0   2   5\n  0:  10  16  22\n  2:  16  10  16\n  5:  22  16  10\n" },
		{ .what = "CPU-less memory-only node 0",
		  .numactl = "available: 2 nodes (0-1)\n"
			     "node 0 cpus:\nnode 0 size: 65536 MB\nnode 0 free: 65000 MB\n"
			     "node 1 cpus: 0 1 2 3 4 5 6 7\nnode 1 size: 32768 MB\nnode 1 free: 3000 MB\n"
			     "node distances:\nnode   0   1\n  0:  10  30\n  1:  30  10\n" },
		{ .what = "asymmetric SLIT kept as-is",
		  .numactl = "available: 2 nodes (0-1)\n"
			     "node 0 cpus: 0 1\nnode 0 size: 2048 MB\nnode 0 free: 1024 MB\n"
			     "node 1 cpus: 2 3\nnode 1 size: 2048 MB\nnode 1 free: 1500 MB\n"
			     "node distances:\nnode   0   1\n  0:  10  12\n  1:  14  10\n" },
		{ .what = "nodes 0 and 1000",
		  .numactl = "available: 2 nodes (0,1000)\n"
			     "node 0 cpus: 0 1\nnode 0 size: 1024 MB\nnode 0 free: 512 MB\n"
			     "node 1000 cpus: 2 3\nnode 1000 size: 2048 MB\nnode 1000 free: 2000 MB\n"
			     "node distances:\nnode   0 1000\n  0:  10  21\n1000:  21  10\n" },
		{ .what = "node 1023 (highest id)",
		  .numactl = "available: 2 nodes (1,1023)\n"
			     "node 1 cpus: 0\nnode 1 size: 1024 MB\nnode 1 free: 1000 MB\n"
			     "node 1023 cpus: 1\nnode 1023 size: 1024 MB\nnode 1023 free: 10 MB\n"
			     "node distances:\nnode   1 1023\n  1:  10  40\n1023:  40  10\n" },
		{ .what = "sparse CPU ids out of order in the text",
		  .numactl = "available: 2 nodes (0-1)\n"
			     "node 0 cpus: 64 0 32 1\nnode 0 size: 1024 MB\nnode 0 free: 100 MB\n"
			     "node 1 cpus: 200 100\nnode 1 size: 1024 MB\nnode 1 free: 200 MB\n"
			     "node distances:\nnode   0   1\n  0:  10  20\n  1:  20  10\n" },
		{ .what = "no distance information (numactl says so)",
		  .numactl = "available: 2 nodes (0-1)\n"
			     "node 0 cpus: 0 1\nnode 0 size: 1024 MB\nnode 0 free: 512 MB\n"
			     "node 1 cpus: 2 3\nnode 1 size: 1024 MB\nnode 1 free: 512 MB\n"
			     "No distance information available.\n",
		  .fallback = true },
		{ .what = "distance files missing (noslit)",
		  .numactl = "available: 2 nodes (0-1)\n"
			     "node 0 cpus: 0 1\nnode 0 size: 1024 MB\nnode 0 free: 512 MB\n"
			     "node 1 cpus: 2 3\nnode 1 size: 1024 MB\nnode 1 free: 512 MB\n"
			     "node distances:\nnode   0   1\n  0:  10  12\n  1:  12  10\n",
		  .desc = "noslit\n", .fallback = true },
		{ .what = "single node", .numactl = "available: 1 nodes (0)\nnode 0 cpus: 0 1 2 3\nnode 0 size: 3000 MB\n"
						    "node 0 free: 2999 MB\nnode distances:\nnode   0\n  0:  10\n" },
		{ .what = "64 nodes", .numactl = NULL /* generated */ },
	};
	int nfail = 0;
	(void)state;

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const char *what = cases[c].what;
		char *gen = cases[c].numactl ? NULL : gen_64_nodes();
		const char *text = gen ? gen : cases[c].numactl;
		struct rtopo *r = calloc(1, sizeof(*r));
		char err[512] = "", *root = make_root("topology");
		struct topology t;

		assert_non_null(r);
		CHECK(what, read_numactl(text, r) == 0, "the test's reader cannot read the layout");
		CHECK(what, fixture_build(root, text, cases[c].desc, err, sizeof(err)) == 0, "fixture_build: %s", err);
		if (topology_read(root, &t, err, sizeof(err)) != 0) {
			CHECK(what, false, "topology_read failed: %s", err);
		} else {
			nfail += compare_topology(what, &t, r, cases[c].fallback);
			topology_free(&t);
		}
		drop_root(root);
		free(r);
		free(gen);
	}
	assert_int_equal(nfail, 0);
}

/* ---------------------------------------------------------------- damaged trees */

#define THREE_NODES                                                                                     \
	"available: 3 nodes (0-2)\n"                                                                    \
	"node 0 cpus: 0 1\nnode 0 size: 4096 MB\nnode 0 free: 1000 MB\n"                                \
	"node 1 cpus: 2 3\nnode 1 size: 4096 MB\nnode 1 free: 2000 MB\n"                                \
	"node 2 cpus: 4 5\nnode 2 size: 4096 MB\nnode 2 free: 3000 MB\n"                                \
	"node distances:\nnode   0   1   2\n  0:  10  15  25\n  1:  15  10  15\n  2:  25  15  10\n"

enum damage { D_WRITE, D_REMOVE, D_UNREADABLE };

static void test_bad_distance_files(void **state)
{
	static const struct {
		const char *what;
		enum damage how;
		const char *rel;
		const char *contents;
	} cases[] = {
		{ .what = "one distance file missing", .how = D_REMOVE, .rel = NODE_DIR "/node1/distance" },
		{ .what = "all distance files missing", .how = D_REMOVE, .rel = NULL },
		{ .what = "row too short", .how = D_WRITE, .rel = NODE_DIR "/node1/distance", .contents = "15 10\n" },
		{ .what = "row too long", .how = D_WRITE, .rel = NODE_DIR "/node2/distance", .contents = "25 15 10 20\n" },
		{ .what = "garbage in a row", .how = D_WRITE, .rel = NODE_DIR "/node0/distance", .contents = "10 abc 25\n" },
		{ .what = "number glued to garbage", .how = D_WRITE, .rel = NODE_DIR "/node0/distance",
		  .contents = "10 15x 25\n" },
		{ .what = "empty row", .how = D_WRITE, .rel = NODE_DIR "/node2/distance", .contents = "" },
		{ .what = "distance below 10", .how = D_WRITE, .rel = NODE_DIR "/node1/distance", .contents = "5 10 15\n" },
		{ .what = "local distance not 10", .how = D_WRITE, .rel = NODE_DIR "/node1/distance",
		  .contents = "15 12 15\n" },
		{ .what = "distance file unreadable", .how = D_UNREADABLE, .rel = NODE_DIR "/node2/distance" },
	};
	int nfail = 0;
	(void)state;

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const char *what = cases[c].what;
		struct rtopo *r = calloc(1, sizeof(*r));
		char err[512] = "", *root = make_root("topology");
		struct topology t;
		int dmg = 0;

		assert_non_null(r);
		read_numactl(THREE_NODES, r);
		CHECK(what, fixture_build(root, THREE_NODES, NULL, err, sizeof(err)) == 0, "fixture_build: %s", err);
		if (cases[c].how == D_WRITE)
			dmg = fixture_write(root, cases[c].rel, cases[c].contents);
		else if (cases[c].how == D_UNREADABLE)
			dmg = make_unreadable(root, cases[c].rel);
		else if (cases[c].rel)
			dmg = rm_rel(root, cases[c].rel);
		else
			for (int i = 0; i < 3 && dmg == 0; i++) {
				char rel[128];

				snprintf(rel, sizeof(rel), NODE_DIR "/node%d/distance", i);
				dmg = rm_rel(root, rel);
			}
		CHECK(what, dmg == 0, "could not damage the tree: %s", strerror(errno));
		if (topology_read(root, &t, err, sizeof(err)) != 0) {
			CHECK(what, false, "topology_read failed: %s", err);
		} else {
			/* everything else is as the text says; distances are the placeholder */
			nfail += compare_topology(what, &t, r, true);
			topology_free(&t);
		}
		drop_root(root);
		free(r);
	}
	assert_int_equal(nfail, 0);
}

static void test_bad_online_file(void **state)
{
	static const struct {
		const char *what;
		enum damage how;
		const char *contents;
	} cases[] = {
		{ .what = "online file missing", .how = D_REMOVE },
		{ .what = "online file unreadable", .how = D_UNREADABLE },
		{ .what = "online file garbage", .how = D_WRITE, .contents = "zero\n" },
		{ .what = "online file lists no node", .how = D_WRITE, .contents = "\n" },
		{ .what = "online id above 1023", .how = D_WRITE, .contents = "0-1,2000\n" },
	};
	int nfail = 0;
	(void)state;

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const char *what = cases[c].what;
		const char *rel = NODE_DIR "/online";
		char err[512] = "", *root = make_root("topology");
		struct topology t;
		int dmg;

		CHECK(what, fixture_build(root, THREE_NODES, NULL, err, sizeof(err)) == 0, "fixture_build: %s", err);
		if (cases[c].how == D_WRITE)
			dmg = fixture_write(root, rel, cases[c].contents);
		else if (cases[c].how == D_UNREADABLE)
			dmg = make_unreadable(root, rel);
		else
			dmg = rm_rel(root, rel);
		CHECK(what, dmg == 0, "could not damage the tree: %s", strerror(errno));
		err[0] = '\0';
		CHECK(what, topology_read(root, &t, err, sizeof(err)) == -1, "topology_read did not fail");
		CHECK(what, strstr(err, rel) != NULL, "message \"%s\" does not name %s", err, rel);
		drop_root(root);
	}
	assert_int_equal(nfail, 0);
}

static void test_bad_meminfo(void **state)
{
	static const struct {
		const char *what;
		enum damage how;
		int node;
		const char *contents;
	} cases[] = {
		{ .what = "meminfo missing", .how = D_REMOVE, .node = 1 },
		{ .what = "meminfo unreadable", .how = D_UNREADABLE, .node = 0 },
		{ .what = "meminfo garbage", .how = D_WRITE, .node = 2, .contents = "this is not meminfo\n" },
		{ .what = "meminfo without MemFree", .how = D_WRITE, .node = 1,
		  .contents = "Node 1 MemTotal:        4194304 kB\nNode 1 MemUsed:         2097152 kB\n" },
		{ .what = "meminfo empty", .how = D_WRITE, .node = 0, .contents = "" },
	};
	int nfail = 0;
	(void)state;

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const char *what = cases[c].what;
		struct rtopo *r = calloc(1, sizeof(*r));
		char err[512] = "", rel[128], *root = make_root("topology");
		struct topology t;
		int dmg;

		assert_non_null(r);
		read_numactl(THREE_NODES, r);
		snprintf(rel, sizeof(rel), NODE_DIR "/node%d/meminfo", cases[c].node);
		CHECK(what, fixture_build(root, THREE_NODES, NULL, err, sizeof(err)) == 0, "fixture_build: %s", err);
		if (cases[c].how == D_WRITE)
			dmg = fixture_write(root, rel, cases[c].contents);
		else if (cases[c].how == D_UNREADABLE)
			dmg = make_unreadable(root, rel);
		else
			dmg = rm_rel(root, rel);
		CHECK(what, dmg == 0, "could not damage the tree: %s", strerror(errno));
		if (topology_read(root, &t, err, sizeof(err)) != 0) {
			CHECK(what, false, "topology_read failed: %s", err);
		} else {
			CHECK(what, t.nnodes == 3, "nnodes %d", t.nnodes);
			for (int i = 0; i < t.nnodes && i < 3; i++) {
				if (t.nodes[i].id == cases[c].node) {
					CHECK(what, !t.nodes[i].mem.valid, "node %d memory is valid", t.nodes[i].id);
					/* has_memory lists the node: one bad read does not make it memory-less */
					CHECK(what, t.nodes[i].has_memory, "node %d lost has_memory after one bad meminfo read",
					      t.nodes[i].id);
					continue;
				}
				CHECK(what, t.nodes[i].mem.valid, "node %d memory not valid", t.nodes[i].id);
				CHECK(what, t.nodes[i].mem.free_kb == r->node[i].free_mb * 1024, "node %d MemFree %llu",
				      t.nodes[i].id, (ull)t.nodes[i].mem.free_kb);
			}
			/* the rest of the topology is unaffected */
			for (int i = 0; i < t.nnodes && i < 3; i++)
				CHECK(what, t.nodes[i].ncpus == 2 && topology_distance(&t, i, i) == 10 && !t.slit_fallback,
				      "node %d CPUs or distances damaged", t.nodes[i].id);
			/* once the file is good again, the next sample sees the node's memory */
			{
				char good[256];
				int bad;

				if (cases[c].how == D_UNREADABLE) {
					char path[4096];

					snprintf(path, sizeof(path), "%s/%s", root, rel);
					rmdir(path);
				}
				snprintf(good, sizeof(good), "Node %d MemTotal: 4194304 kB\nNode %d MemFree: 1234 kB\n",
					 cases[c].node, cases[c].node);
				CHECK(what, fixture_write(root, rel, good) == 0, "cannot repair %s", rel);
				bad = topology_sample_mem(root, &t);
				CHECK(what, bad == 0, "topology_sample_mem after repair returned %d", bad);
				for (int i = 0; i < t.nnodes && i < 3; i++)
					if (t.nodes[i].id == cases[c].node)
						CHECK(what, t.nodes[i].mem.valid && t.nodes[i].mem.free_kb == 1234 &&
								    t.nodes[i].has_memory,
						      "after repair node %d: valid %d free %llu has_memory %d", t.nodes[i].id,
						      t.nodes[i].mem.valid, (ull)t.nodes[i].mem.free_kb, t.nodes[i].has_memory);
			}
			topology_free(&t);
		}
		drop_root(root);
		free(r);
	}
	assert_int_equal(nfail, 0);
}

/* ---------------------------------------------------------------- SMT cores */

static void test_smt_cores(void **state)
{
	/* Linux numbers SMT siblings n and n+4 here: node 0 holds cores 0,1 (threads 0,4 and 1,5) */
	static const struct {
		const char *what;
		const char *siblings[8];  /* thread_siblings_list of CPUs 0..7, NULL: not written */
		int cores[2];
	} cases[] = {
		{ .what = "no SMT information: every CPU is a core", .siblings = { NULL }, .cores = { 4, 4 } },
		{ .what = "two threads per core",
		  .siblings = { "0,4", "1,5", "2,6", "3,7", "0,4", "1,5", "2,6", "3,7" }, .cores = { 2, 2 } },
		{ .what = "four threads per core",
		  .siblings = { "0-1,4-5", "0-1,4-5", "2-3,6-7", "2-3,6-7", "0-1,4-5", "0-1,4-5", "2-3,6-7", "2-3,6-7" },
		  .cores = { 1, 1 } },
		{ .what = "SMT off: each CPU its own sibling",
		  .siblings = { "0", "1", "2", "3", "4", "5", "6", "7" }, .cores = { 4, 4 } },
		{ .what = "garbage sibling list counts the CPU as a core",
		  .siblings = { "0,4", "1,5", "2,6", "3,7", "zz", "1,5", "2,6", "3,7" }, .cores = { 3, 2 } },
	};
	static const char numactl[] = "available: 2 nodes (0-1)\n"
				      "node 0 cpus: 0 1 4 5\nnode 0 size: 1024 MB\nnode 0 free: 512 MB\n"
				      "node 1 cpus: 2 3 6 7\nnode 1 size: 1024 MB\nnode 1 free: 512 MB\n"
				      "node distances:\nnode   0   1\n  0:  10  20\n  1:  20  10\n";
	int nfail = 0;
	(void)state;

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const char *what = cases[c].what;
		char err[512] = "", *root = make_root("topology");
		struct topology t;

		CHECK(what, fixture_build(root, numactl, NULL, err, sizeof(err)) == 0, "fixture_build: %s", err);
		for (int cpu = 0; cpu < 8; cpu++) {
			char rel[128], text[32];

			if (!cases[c].siblings[cpu])
				continue;
			snprintf(rel, sizeof(rel), "sys/devices/system/cpu/cpu%d/topology/thread_siblings_list", cpu);
			snprintf(text, sizeof(text), "%s\n", cases[c].siblings[cpu]);
			CHECK(what, fixture_write(root, rel, text) == 0, "fixture_write %s", rel);
		}
		if (topology_read(root, &t, err, sizeof(err)) != 0) {
			CHECK(what, false, "topology_read failed: %s", err);
		} else {
			for (int i = 0; i < 2; i++) {
				CHECK(what, t.nodes[i].ncpus == 4, "node %d has %d CPUs", i, t.nodes[i].ncpus);
				CHECK(what, t.nodes[i].ncores == cases[c].cores[i], "node %d has %d cores, want %d", i,
				      t.nodes[i].ncores, cases[c].cores[i]);
			}
			topology_free(&t);
		}
		drop_root(root);
	}
	assert_int_equal(nfail, 0);
}

/* ------------------------------------------ what numad takes from /proc/meminfo */

/*
 * The default huge page size, and memory the kernel counts but no node holds: a virtual
 * machine was seen with 128 GiB in /proc/meminfo and 4.4 GiB in its only node's meminfo
 * (numactl -H agreed with the node). THREE_NODES holds 3 x 4096 MB = 12582912 kB.
 */
static void test_proc_meminfo(void **state)
{
	static const struct {
		const char *what;
		const char *meminfo;  /* proc/meminfo written over the fixture's, NULL: keep it */
		ull want_kb;          /* default huge page size */
		ull want_outside_kb;  /* topology_outside_nodes_kb() */
	} cases[] = {
		{ .what = "the fixture's own: MemTotal is the nodes' sum", .meminfo = NULL, .want_kb = 2048 },
		{ .what = "2 MiB huge pages (x86 default)",
		  .meminfo = "MemTotal:        8388608 kB\nHugePages_Total:       0\nHugepagesize:       2048 kB\n",
		  .want_kb = 2048 },
		{ .what = "1 GiB default huge pages",
		  .meminfo = "MemTotal:        8388608 kB\nHugePages_Total:       4\nHugepagesize:    1048576 kB\n",
		  .want_kb = 1048576 },
		{ .what = "128 GiB in MemTotal, 12 GiB in the nodes",
		  .meminfo = "MemTotal:      134217728 kB\nHugepagesize:       2048 kB\n",
		  .want_kb = 2048, .want_outside_kb = 134217728ULL - 12582912ULL },
		{ .what = "4% more than the nodes: rounding, not reported",
		  .meminfo = "MemTotal:       13086228 kB\nHugepagesize:       2048 kB\n", .want_kb = 2048 },
		{ .what = "no MemTotal line", .meminfo = "Hugepagesize:       2048 kB\n", .want_kb = 2048 },
		{ .what = "garbage MemTotal, no Hugepagesize", .meminfo = "MemTotal: lots kB\n", .want_kb = 2048 },
	};
	int nfail = 0;
	(void)state;

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const char *what = cases[c].what;
		char err[512] = "", *root = make_root("topology");
		struct topology t;

		CHECK(what, fixture_build(root, THREE_NODES, NULL, err, sizeof(err)) == 0, "fixture_build: %s", err);
		if (cases[c].meminfo)
			CHECK(what, fixture_write(root, "proc/meminfo", cases[c].meminfo) == 0, "fixture_write failed");
		if (topology_read(root, &t, err, sizeof(err)) != 0) {
			CHECK(what, false, "topology_read failed: %s", err);
		} else {
			CHECK(what, t.huge_page_kb == cases[c].want_kb, "huge_page_kb %llu, want %llu", (ull)t.huge_page_kb,
			      cases[c].want_kb);
			for (int i = 0; i < t.nnodes; i++)
				CHECK(what, t.nodes[i].mem.huge_page_kb == cases[c].want_kb, "node %d huge_page_kb %llu",
				      t.nodes[i].id, (ull)t.nodes[i].mem.huge_page_kb);
			CHECK(what, topology_outside_nodes_kb(&t) == cases[c].want_outside_kb, "outside %llu kB, want %llu",
			      (ull)topology_outside_nodes_kb(&t), cases[c].want_outside_kb);
			topology_free(&t);
		}
		drop_root(root);
	}
	assert_int_equal(nfail, 0);
}

/* ---------------------------------------------------------------- numad -R */

static void test_reserve_cpus(void **state)
{
	static const struct {
		const char *what;
		const char *list;
		int ret;               /* CPUs removed, or -1 */
		const char *token;     /* in the message when ret is -1 */
		int reserved[16];      /* the CPUs the list names, -1-terminated */
	} cases[] = {
		{ .what = "two CPUs of node 0", .list = "0-1", .ret = 2, .reserved = { 0, 1, -1 } },
		{ .what = "one CPU on each of three nodes", .list = "0,10,20", .ret = 3, .reserved = { 0, 10, 20, -1 } },
		{ .what = "a whole node", .list = "70-79", .ret = 10,
		  .reserved = { 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, -1 } },
		{ .what = "empty list", .list = "", .ret = 0, .reserved = { -1 } },
		{ .what = "CPUs the host does not have", .list = "500-502", .ret = 0, .reserved = { 500, 501, 502, -1 } },
		{ .what = "present and absent mixed", .list = "79-81", .ret = 1, .reserved = { 79, 80, 81, -1 } },
		{ .what = "garbage", .list = "0-x", .ret = -1, .token = "0-x" },
		{ .what = "descending range", .list = "9-3", .ret = -1, .token = "9-3" },
	};
	int nfail = 0;
	char path[4096], *text, *root = make_root("topology"), err[512] = "";
	struct rtopo *r = calloc(1, sizeof(*r));
	(void)state;

	snprintf(path, sizeof(path), "%s/dl980-8node.txt", TOPO_DIR);
	text = slurp(path);
	assert_non_null(text);
	assert_non_null(r);
	assert_int_equal(read_numactl(text, r), 0);
	assert_int_equal(fixture_build(root, text, NULL, err, sizeof(err)), 0);

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const char *what = cases[c].what;
		struct topology t;
		int got;

		if (topology_read(root, &t, err, sizeof(err)) != 0) {
			CHECK(what, false, "topology_read failed: %s", err);
			continue;
		}
		err[0] = '\0';
		got = topology_reserve_cpus(&t, cases[c].list, err, sizeof(err));
		CHECK(what, got == cases[c].ret, "topology_reserve_cpus(\"%s\") returned %d, want %d", cases[c].list, got,
		      cases[c].ret);
		if (cases[c].ret < 0) {
			CHECK(what, strstr(err, cases[c].token) != NULL, "message \"%s\" does not name \"%s\"", err,
			      cases[c].token);
		} else {
			/* each node keeps exactly its CPUs from the text minus the reserved ones */
			for (int i = 0; i < r->n && i < t.nnodes; i++) {
				int want[RMAX_CPUS], nwant = 0, ncores = t.nodes[i].ncores;

				for (int k = 0; k < r->node[i].ncpus; k++) {
					bool res = false;

					for (int q = 0; cases[c].reserved[q] >= 0; q++)
						res |= cases[c].reserved[q] == r->node[i].cpus[k];
					if (!res)
						want[nwant++] = r->node[i].cpus[k];
				}
				CHECK(what, t.nodes[i].ncpus == nwant, "node %d keeps %d CPUs, want %d", r->node[i].id,
				      t.nodes[i].ncpus, nwant);
				for (int k = 0; k < nwant && k < t.nodes[i].ncpus; k++)
					if (t.nodes[i].cpus[k] != want[k]) {
						CHECK(what, false, "node %d CPU #%d is %d, want %d", r->node[i].id, k,
						      t.nodes[i].cpus[k], want[k]);
						break;
					}
				CHECK(what, ncores <= t.nodes[i].ncpus, "node %d has %d cores but %d CPUs", r->node[i].id,
				      ncores, t.nodes[i].ncpus);
			}
		}
		topology_free(&t);
	}
	drop_root(root);
	free(r);
	free(text);
	assert_int_equal(nfail, 0);
}

/* ---------------------------------------------------------------- topology_sample_mem */

static void test_sample_mem(void **state)
{
	static const struct {
		const char *what;
		int node;               /* whose meminfo is rewritten or removed */
		const char *contents;   /* NULL: remove it */
		int ret;                /* nodes that could not be read */
		bool valid;
		ull total_kb, free_kb, inactive_file_kb;
	} cases[] = {
		{ .what = "MemFree drops on node 1", .node = 1,
		  .contents = "Node 1 MemTotal:        4194304 kB\nNode 1 MemFree:           10240 kB\n"
			      "Node 1 Inactive(file):     2048 kB\n",
		  .ret = 0, .valid = true, .total_kb = 4194304, .free_kb = 10240, .inactive_file_kb = 2048 },
		{ .what = "node 2 fills up completely", .node = 2,
		  .contents = "Node 2 MemTotal:        4194304 kB\nNode 2 MemFree:               0 kB\n", .ret = 0,
		  .valid = true, .total_kb = 4194304, .free_kb = 0 },
		{ .what = "node 0 meminfo vanishes", .node = 0, .contents = NULL, .ret = 1, .valid = false },
		{ .what = "node 0 meminfo garbage", .node = 0, .contents = "garbage\n", .ret = 1, .valid = false },
	};
	int nfail = 0;
	struct rtopo *r = calloc(1, sizeof(*r));
	(void)state;

	assert_non_null(r);
	read_numactl(THREE_NODES, r);
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const char *what = cases[c].what;
		char err[512] = "", rel[128], *root = make_root("topology");
		struct topology t;
		int got;

		CHECK(what, fixture_build(root, THREE_NODES, NULL, err, sizeof(err)) == 0, "fixture_build: %s", err);
		if (topology_read(root, &t, err, sizeof(err)) != 0) {
			CHECK(what, false, "topology_read failed: %s", err);
			drop_root(root);
			continue;
		}
		snprintf(rel, sizeof(rel), NODE_DIR "/node%d/meminfo", cases[c].node);
		if (cases[c].contents)
			CHECK(what, fixture_write(root, rel, cases[c].contents) == 0, "fixture_write failed");
		else
			CHECK(what, rm_rel(root, rel) == 0, "unlink failed");
		got = topology_sample_mem(root, &t);
		CHECK(what, got == cases[c].ret, "topology_sample_mem returned %d, want %d", got, cases[c].ret);
		for (int i = 0; i < t.nnodes; i++) {
			const struct node_mem *m = &t.nodes[i].mem;

			if (t.nodes[i].id != cases[c].node) {
				CHECK(what, m->valid && m->free_kb == r->node[i].free_mb * 1024,
				      "untouched node %d: valid %d free %llu", t.nodes[i].id, m->valid, (ull)m->free_kb);
				continue;
			}
			CHECK(what, m->valid == cases[c].valid, "node %d valid %d, want %d", t.nodes[i].id, m->valid,
			      cases[c].valid);
			if (cases[c].valid) {
				CHECK(what, m->total_kb == cases[c].total_kb, "MemTotal %llu, want %llu", (ull)m->total_kb,
				      cases[c].total_kb);
				CHECK(what, m->free_kb == cases[c].free_kb, "MemFree %llu, want %llu", (ull)m->free_kb,
				      cases[c].free_kb);
				CHECK(what, m->inactive_file_kb == cases[c].inactive_file_kb, "Inactive(file) %llu, want %llu",
				      (ull)m->inactive_file_kb, cases[c].inactive_file_kb);
				CHECK(what, node_free_kb(m, true) == cases[c].free_kb + cases[c].inactive_file_kb,
				      "free with -C 1 is %llu", (ull)node_free_kb(m, true));
			}
		}
		/* and it recovers once the file is good again */
		{
			char good[256];

			snprintf(good, sizeof(good), "Node %d MemTotal: 4194304 kB\nNode %d MemFree: 777 kB\n", cases[c].node,
				 cases[c].node);
			CHECK(what, fixture_write(root, rel, good) == 0, "fixture_write failed");
			got = topology_sample_mem(root, &t);
			CHECK(what, got == 0, "second topology_sample_mem returned %d", got);
			for (int i = 0; i < t.nnodes; i++)
				if (t.nodes[i].id == cases[c].node)
					CHECK(what, t.nodes[i].mem.valid && t.nodes[i].mem.free_kb == 777,
					      "after repair: valid %d free %llu", t.nodes[i].mem.valid,
					      (ull)t.nodes[i].mem.free_kb);
		}
		topology_free(&t);
		drop_root(root);
	}
	free(r);
	assert_int_equal(nfail, 0);
}

/* ---------------------------------------------------------------- topology_sample_mem_kept */

enum change { REPLACED, IN_PLACE, REMOVED };

/* Write contents over ROOT/rel in place: the same file, as the kernel's meminfo stays. */
static int write_in_place(const char *root, const char *rel, const char *contents)
{
	char path[4096];
	int fd, ok;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ok = write(fd, contents, strlen(contents)) == (ssize_t)strlen(contents);
	return close(fd) == 0 && ok ? 0 : -1;
}

/*
 * The fast tier's kept files see every way node 1's meminfo changes between two samples:
 * replaced by rename (as the simulator writes it), rewritten in place, removed, garbled;
 * and each one recovers at the next sample once the file is good again. A file rewritten
 * in place is read again without being opened again.
 */
static void test_sample_mem_kept(void **state)
{
	static const char good[] = "Node 1 MemTotal: 4194304 kB\nNode 1 MemFree: 777 kB\n";
	static const struct {
		const char *what;
		enum change how;
		const char *contents;
		int ret;                /* nodes that could not be read */
		ull free_kb;            /* node 1's, when ret is 0 */
		unsigned long opens;    /* files opened after the change's sample (3 at the first) */
	} cases[] = {
		{ "replaced by rename", REPLACED, "Node 1 MemTotal: 4194304 kB\nNode 1 MemFree: 10240 kB\n", 0, 10240, 4 },
		{ "rewritten in place", IN_PLACE, "Node 1 MemTotal: 4194304 kB\nNode 1 MemFree: 20480 kB\n", 0, 20480, 3 },
		{ "removed", REMOVED, NULL, 1, 0, 3 },
		{ "garbled in place", IN_PLACE, "garbage\n", 1, 0, 3 },
	};
	int nfail = 0;
	(void)state;

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const char *what = cases[c].what, *rel = NODE_DIR "/node1/meminfo";
		char err[512] = "", *root = make_root("kept");
		struct node_mem_files f;
		struct topology t;
		int got;

		CHECK(what, fixture_build(root, THREE_NODES, NULL, err, sizeof(err)) == 0, "fixture_build: %s", err);
		if (topology_read(root, &t, err, sizeof(err)) != 0 || node_mem_files_init(&f, root, &t) != 0) {
			CHECK(what, false, "topology_read failed: %s", err);
			drop_root(root);
			continue;
		}
		CHECK(what, topology_sample_mem_kept(&f, root, &t) == 0 && f.opens == 3 && f.reads == 3,
		      "first sample: %lu opens, %lu reads, want 3 and 3", f.opens, f.reads);
		if (cases[c].how == REPLACED)
			CHECK(what, fixture_write(root, rel, cases[c].contents) == 0, "fixture_write failed");
		else if (cases[c].how == IN_PLACE)
			CHECK(what, write_in_place(root, rel, cases[c].contents) == 0, "write failed");
		else
			CHECK(what, rm_rel(root, rel) == 0, "unlink failed");
		got = topology_sample_mem_kept(&f, root, &t);
		CHECK(what, got == cases[c].ret, "returned %d, want %d", got, cases[c].ret);
		CHECK(what, t.nodes[1].mem.valid == (cases[c].ret == 0), "node 1 valid %d", t.nodes[1].mem.valid);
		if (cases[c].ret == 0)
			CHECK(what, t.nodes[1].mem.free_kb == cases[c].free_kb, "node 1 MemFree %llu, want %llu",
			      (ull)t.nodes[1].mem.free_kb, cases[c].free_kb);
		CHECK(what, f.opens == cases[c].opens, "%lu files opened, want %lu", f.opens, cases[c].opens);
		CHECK(what, t.nodes[0].mem.valid && t.nodes[2].mem.valid, "the other nodes are no longer read");
		/* good again: read at the next sample */
		CHECK(what, fixture_write(root, rel, good) == 0, "fixture_write failed");
		got = topology_sample_mem_kept(&f, root, &t);
		CHECK(what, got == 0 && t.nodes[1].mem.valid && t.nodes[1].mem.free_kb == 777,
		      "after repair: returned %d, valid %d, MemFree %llu", got, t.nodes[1].mem.valid,
		      (ull)t.nodes[1].mem.free_kb);
		node_mem_files_close(&f);
		topology_free(&t);
		drop_root(root);
	}
	assert_int_equal(nfail, 0);
}

/* On this host's own sysfs: the files are opened once, then only read. */
static void test_sample_mem_kept_live(void **state)
{
	struct node_mem_files f;
	struct topology t;
	char err[512];
	(void)state;

	if (access("/sys/devices/system/node/online", R_OK) != 0 || topology_read("/", &t, err, sizeof(err)) != 0) {
		skip();
		return;
	}
	assert_int_equal(node_mem_files_init(&f, "/", &t), 0);
	for (int k = 0; k < 3; k++)
		assert_int_equal(topology_sample_mem_kept(&f, "/", &t), 0);
	assert_int_equal(f.opens, (unsigned long)t.nnodes);
	assert_int_equal(f.reads, 3UL * (unsigned long)t.nnodes);
	for (int i = 0; i < t.nnodes; i++)
		assert_true(t.nodes[i].mem.valid && t.nodes[i].mem.total_kb > 0);
	node_mem_files_close(&f);
	topology_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_topology_file),
		cmocka_unit_test(test_invented_layouts),
		cmocka_unit_test(test_bad_distance_files),
		cmocka_unit_test(test_bad_online_file),
		cmocka_unit_test(test_bad_meminfo),
		cmocka_unit_test(test_smt_cores),
		cmocka_unit_test(test_proc_meminfo),
		cmocka_unit_test(test_reserve_cpus),
		cmocka_unit_test(test_sample_mem),
		cmocka_unit_test(test_sample_mem_kept),
		cmocka_unit_test(test_sample_mem_kept_live),
	};

	return cmocka_run_group_tests(tests, setup_quiet, NULL);
}
