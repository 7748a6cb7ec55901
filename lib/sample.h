/* sample.h: per-node CPU use, per-process state and residency, cgroup and zone figures. */
#ifndef NUMAD_SAMPLE_H
#define NUMAD_SAMPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "topology.h"
#include "util.h"

/* ---- /proc/stat ---- */

struct cpu_times {
	uint64_t busy;   /* user+nice+system+irq+softirq+steal, in ticks */
	uint64_t total;  /* busy + idle + iowait */
	bool present;
};

struct cpustat {
	int ncpu;               /* entries in cpu[] (allocated; ids without a line are not present) */
	struct cpu_times *cpu;  /* indexed by CPU id */
};

/* Parse /proc/stat text into cs (replacing its contents). Returns 0, or -1 when no cpuN line parses. */
int cpustat_parse(const char *text, struct cpustat *cs);
/* Read and parse root/proc/stat. Returns 0 or -1 with errno. */
int cpustat_read(const char *root, struct cpustat *cs);
/* Free a cpustat. */
void cpustat_free(struct cpustat *cs);
/*
 * Busy CPUs per node index (in units of CPUs, 0..ncpus) from the delta between two
 * samples. With no previous sample, or no ticks elapsed, every node counts as idle.
 */
void cpustat_node_busy(const struct topology *t, const struct cpustat *prev, const struct cpustat *cur,
		       double *busy);

/* ---- /proc/PID ---- */

#define PROC_COMM_MAX 64

struct proc_stat {
	int pid;
	char comm[PROC_COMM_MAX];  /* without the surrounding parentheses */
	char state;
	int ppid;
	long nthreads;
	uint64_t utime, stime;     /* ticks */
	uint64_t starttime;        /* ticks after boot: tells a reused pid apart */
	uint64_t rss_pages;
	int processor;
};

/* Parse /proc/PID/stat; the comm may hold spaces and ')' so fields are read after the last ')'. Returns 0 or -1. */
int proc_stat_parse(const char *text, struct proc_stat *ps);

struct proc_status {
	long threads;
	uint64_t vmrss_kb;
	char mems_allowed[256];   /* Mems_allowed_list, "" when absent */
};

/* Parse /proc/PID/status. Returns 0, or -1 when neither Threads nor VmRSS is present. */
int proc_status_parse(const char *text, struct proc_status *st);

struct numa_maps_sum {
	uint64_t total_kb;        /* resident memory counted over all nodes */
	uint64_t huge_kb;         /* of which backed by huge pages */
	uint64_t interleave_kb;   /* of which in interleave-policy mappings */
	uint64_t bind_kb;         /* of which in bind-policy mappings */
	uint64_t offline_kb;      /* on node ids that are not online */
	unsigned lines;
};

/*
 * Sum /proc/PID/numa_maps residency per node index into kb (t->nnodes entries, zeroed
 * first). Each N<id>=<pages> counts pages of that line's kernelpagesize_kB, so huge
 * pages weigh what they hold. Returns 0, or -1 when a line is malformed.
 */
int numa_maps_parse(const char *text, const struct topology *t, uint64_t *kb, struct numa_maps_sum *sum);
/* What one numa_maps line (p up to end, without its newline) holds on nodes, in KiB: 0, or -1 when malformed. */
int numa_maps_line_on(const char *p, const char *end, const struct nodeset *nodes, uint64_t *kb);

/* True when a comm names a QEMU process ("qemu-system-*", "qemu-kvm", "qemu:*"). */
bool comm_is_qemu(const char *comm);
/* True when a thread comm is a QEMU vCPU thread ("CPU 3/KVM", "CPU 0/TCG"). */
bool comm_is_vcpu(const char *comm);

struct proc_info {
	struct proc_stat st;
	bool is_qemu;
	int nvcpus;              /* QEMU vCPU threads, -1 when not counted */
	uint64_t rss_kb;
	bool have_residency;
	uint64_t *res_kb;        /* per node index, when have_residency */
	struct numa_maps_sum res;
	char cgroup[512];        /* cgroup v2 path from /proc/PID/cgroup ("" when unknown) */
};

struct proc_scan_opts {
	bool qemu_only;          /* skip processes that are not QEMU */
	uint64_t min_rss_kb;     /* skip smaller processes (by statm where readable, else stat) */
	bool residency;          /* walk numa_maps (expensive: takes mmap_lock) */
	bool vcpus;              /* count vCPU threads of QEMU processes */
	bool no_cgroup;          /* leave cgroup empty: /proc/PID/cgroup is not read */
};

struct proc_scan_stats {
	unsigned seen;           /* numeric entries in /proc */
	unsigned kept;           /* processes in the result */
	unsigned vanished;       /* disappeared or unreadable mid-read: dropped */
	unsigned malformed;      /* files that did not parse: dropped */
};

struct proc_list {
	int n, cap;
	struct proc_info *p;
};

/*
 * Read one process. Returns 0, 1 when it was skipped by the options, or -1 when it
 * vanished or its files are malformed (errno ESRCH or EINVAL); never aborts on a bad file.
 */
int proc_read(const char *root, int pid, const struct topology *t, const struct proc_scan_opts *o,
	      struct proc_info *pi, struct buf *b);
/* Free the residency array of one process. */
void proc_info_free(struct proc_info *pi);
/* Scan every process under root/proc into out (emptied first). Returns 0, or -1 when /proc can't be opened. */
int proc_scan(const char *root, const struct topology *t, const struct proc_scan_opts *o, struct proc_list *out,
	      struct proc_scan_stats *stats);
/* Free a process list. */
void proc_list_free(struct proc_list *l);

/* ---- cgroup memory.numa_stat ---- */

/*
 * Parse memory.numa_stat in either format into kb per node index (zeroed first):
 * cgroup v2 ("anon N0=<bytes> ..."; anon + shmem are counted) or v1 ("anon=<pages>
 * N0=<pages> ..."). *version gets 1 or 2. Returns 0, or -1 when no anon line parses.
 */
int cgroup_numa_stat_parse(const char *text, const struct topology *t, uint64_t *kb, int *version);

/* ---- /proc/zoneinfo ---- */

struct zone_wm {
	uint64_t free_pages;
	uint64_t min_pages, low_pages, high_pages;
	uint64_t managed_pages;
};

/* Sum zone free pages and watermarks per node index into wm (zeroed first). Returns the number of zone blocks seen, or -1 when none. */
int zoneinfo_parse(const char *text, const struct topology *t, struct zone_wm *wm);

#endif
