/* topology.h: the host's NUMA layout and per-node memory, read from sysfs under a root prefix. */
#ifndef NUMAD_TOPOLOGY_H
#define NUMAD_TOPOLOGY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nodeset.h"

/* Highest CPU id accepted from cpulist files. */
#define NUMAD_MAX_CPUS 16384

/* Per-node memory, from nodeN/meminfo (all in KiB). */
struct node_mem {
	uint64_t total_kb;
	uint64_t free_kb;
	uint64_t inactive_file_kb;
	uint64_t file_kb;
	uint64_t huge_total;    /* huge pages of the default size */
	uint64_t huge_free;
	uint64_t huge_page_kb;  /* size of one huge page, 0 when unknown */
	bool valid;             /* false when meminfo could not be read this time */
};

struct node_info {
	int id;          /* kernel node id; may be sparse */
	int ncpus;
	int *cpus;       /* sorted CPU ids */
	int ncores;      /* CPUs that are the first thread of their core (all of them when unknown) */
	bool has_memory;
	struct node_mem mem;  /* as read by topology_read(); refreshed by topology_sample_mem() */
};

struct topology {
	int nnodes;                 /* online nodes, dense index 0..nnodes-1 sorted by id */
	struct node_info *nodes;
	int *dist;                  /* nnodes*nnodes SLIT, dist[i*nnodes+j] from node i to node j */
	bool slit_fallback;         /* true when distances are the 10/20 placeholder we made up */
	int max_cpu;                /* highest CPU id seen, -1 when none */
	uint64_t huge_page_kb;      /* default huge page size (Hugepagesize in /proc/meminfo) */
	uint64_t host_total_kb;     /* MemTotal in /proc/meminfo, 0 when unknown */
	struct nodeset online;
	int idx_of[NUMAD_MAX_NODES];  /* node id -> dense index, -1 when not online */
};

/*
 * Read the topology under root ("/" for the live host): online nodes, CPUs, SLIT rows
 * and a first memory sample. A missing or malformed SLIT falls back to 10 local / 20
 * remote with a warning. Returns 0, or -1 with a message in err.
 */
int topology_read(const char *root, struct topology *t, char *err, size_t errlen);
/*
 * Memory the kernel counts in /proc/meminfo but no online node's meminfo holds (seen on
 * virtual machines whose memory is hot-plugged outside the NUMA description): numad can
 * neither see nor place it. Returns that amount in KiB when it is over 5% of MemTotal,
 * else 0 (also when MemTotal is unknown).
 */
uint64_t topology_outside_nodes_kb(const struct topology *t);
/* Free what topology_read() allocated. */
void topology_free(struct topology *t);
/* SLIT distance between dense indexes i and j. */
int topology_distance(const struct topology *t, int i, int j);
/* Dense index of node id, or -1. */
int topology_index(const struct topology *t, int node_id);

/*
 * Drop the CPUs in list (kernel list syntax) from every node: numad -R reserves them for
 * other uses. Returns how many were removed, or -1 with a message in err.
 */
int topology_reserve_cpus(struct topology *t, const char *list, char *err, size_t errlen);

/* Parse one nodeN/meminfo text into m. Returns 0, or -1 when MemTotal/MemFree are missing. */
int node_meminfo_parse(const char *text, struct node_mem *m);
/* Refresh every node's memory from sysfs. Returns how many nodes could not be read. */
int topology_sample_mem(const char *root, struct topology *t);

/*
 * Every node's meminfo kept open between samples, for the fast tier: each sample is one
 * pread(2) per node instead of an open, a read and a close.
 */
struct node_mem_files {
	int n;                  /* nodes, by dense index */
	int *fd;                /* per node index, -1 while closed */
	bool check_replaced;    /* a tree under --root, whose writer may replace a file by rename */
	unsigned long reads;    /* preads made (one per node and sample, successful or not) */
	unsigned long opens;    /* files (re)opened */
};

/* Prepare f for t's nodes under root, all closed. Returns 0, or -1 when out of memory. */
int node_mem_files_init(struct node_mem_files *f, const char *root, const struct topology *t);
/*
 * topology_sample_mem() through the files of f: a file is opened on first use and kept; one
 * whose read fails or whose text does not parse is closed and opened again at the next
 * sample. Returns how many nodes could not be read.
 */
int topology_sample_mem_kept(struct node_mem_files *f, const char *root, struct topology *t);
/* Close every file of f and free it. */
void node_mem_files_close(struct node_mem_files *f);

/*
 * Free memory of a node in KiB as numad counts it: MemFree, plus Inactive(file) when
 * count_inactive_file is set (numad's -C 1, the default).
 */
uint64_t node_free_kb(const struct node_mem *m, bool count_inactive_file);

#endif
