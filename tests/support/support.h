/*
 * support.h: what numad's test programs share. Table checks for the unit tests, and for
 * the programs that run numad, numadctl and libvirtd: children started with their output
 * in files, waits with a bound, whole files and private trees, node lists, the host a
 * numactl -H text describes, and a client for a control socket. Every helper that cannot go on fails the
 * running cmocka test with a message; none of them ever asks numad what to expect.
 */
#ifndef NUMAD_TEST_SUPPORT_H
#define NUMAD_TEST_SUPPORT_H

#include <limits.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/un.h>

#include <cmocka.h>

/*
 * Check one row of a table test: when cond is false, print the row's name (what), where,
 * the condition and a printf-style reason, and count the failure in the caller's nfail
 * (a variable in scope), so that every row is checked before assert_int_equal(nfail, 0).
 */
#define CHECK(what, cond, ...)                                                                       \
	do {                                                                                         \
		if (!(cond)) {                                                                       \
			print_error("[%s] %s:%d: '%s' failed: ", (what), __FILE__, __LINE__, #cond); \
			print_error(__VA_ARGS__);                                                    \
			print_error("\n");                                                           \
			nfail++;                                                                     \
		}                                                                                    \
	} while (0)

/* The number of elements of array a. */
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The most nodes a host or a node list here holds (node ids 0 to 63). */
#define MAX_NODES 64

/* ---- time ---- */

/* Milliseconds on the monotonic clock. */
int64_t mono_ms(void);

/* Sleep ms milliseconds, the whole of them even when a signal comes. */
void sleep_ms(int ms);

/* ---- files ---- */

/* The whole file at path, NUL-terminated and malloc'd (free it), or NULL with errno set. */
char *slurp(const char *path);

/* slurp(), failing the test when the file cannot be read. */
char *must_slurp(const char *path);

/* Replace the file at path with text at once (a new file renamed over it), as an editor does. */
void write_text(const char *path, const char *text);

/*
 * Wait up to limit_ms for the file at path to hold what count times or more, looking
 * every 20 ms. Returns how many times it holds it, or -1 at the deadline, or as soon as
 * pid (when above 0) has exited; pid is left to its parent to reap.
 */
int wait_for_text(const char *path, const char *what, int count, int limit_ms, pid_t pid);

/* A new private directory /tmp/numad-test-NAME-XXXXXX, malloc'd; fails the test when it cannot be made. */
char *make_root(const char *name);

/* Remove the tree at root with everything in it, and free root. */
void drop_root(char *root);

/*
 * What a simulation needs to run in a test: a private XDG_RUNTIME_DIR (mode 0700, where
 * numad-sim makes its run directory) with "XDG_RUNTIME_DIR=..." for the child's
 * environment, and a directory for the test's own files.
 */
struct sim_dirs {
	char *xdg, *work;
	char xdg_env[PATH_MAX + 32];
};
extern struct sim_dirs sim_dirs;
/* cmocka group setup and teardown: make sim_dirs (named after the program), then remove them. */
int sim_dirs_setup(void **state);
int sim_dirs_teardown(void **state);

/* Unlink root/rel. Returns 0, or -1 with errno set. */
int rm_rel(const char *root, const char *rel);

/* A cmocka group setup that quiets numad's library: errors only, and none on stderr. */
int setup_quiet(void **state);

/* ---- children ---- */

/* Another user: uid, primary gid and one supplementary group (-1 for none). */
struct who {
	int uid, gid, group;
};

/* Become as, in this process. Returns 0, or -1 when a step is refused. */
int become(const struct who *as);

/*
 * A program to start and how. Zero fields are the plain way: stdin from /dev/null,
 * nothing added to the environment, no alarm, this user, this process group. Every child
 * loses the variables through which systemd or a fault injection could reach it
 * (NOTIFY_SOCKET, LISTEN_*, WATCHDOG_*, JOURNAL_STREAM, NUMAD_INJECT_FAULT) and gets the
 * default action for SIGPIPE back.
 */
struct child {
	const char *prog;          /* the program's path, its argv[0] too */
	const char *const *args;   /* its arguments after argv[0], NULL-terminated (NULL: none) */
	bool no_config;            /* numad: --config "" before args, so no /etc/numad.conf counts */
	const char *env;           /* NULL, or "NAME=VALUE" to add */
	const char *outp;          /* stdout to this file (spawn only: run_child picks its own) */
	const char *errp;          /* stderr to this file; NULL: to outp as well */
	bool append;               /* add to outp and errp instead of truncating them */
	unsigned alarm_s;          /* SIGALRM after this many seconds, which exec keeps (0: none) */
	const struct who *as;      /* NULL, or the user to run as (the files are opened before) */
	int listen_fd;             /* above 0: passed as fd 3 with LISTEN_PID and LISTEN_FDS=1 */
	bool own_group;            /* in a process group of its own */
};

/* Start c; returns its pid. A child that cannot be set up exits 126, one that cannot exec 127. */
pid_t spawn(const struct child *c);

/*
 * Wait up to limit_ms (below 0: as long as it takes) for pid to exit. Returns its exit
 * code, 128 + the signal that ended it, or -1 when it was still running at the deadline
 * and was killed (SIGKILL) and reaped.
 */
int wait_exit(pid_t pid, int limit_ms);

/* SIGTERM pid, then wait_exit(pid, limit_ms). */
int stop_process(pid_t pid, int limit_ms);

/*
 * The children a test program started and has not reaped: spawn() records each one,
 * track_child() one forked by hand (what names it in a message), and wait_exit() forgets
 * each it reaps. A failing test jumps out past its own cleanup (cmocka's fail_msg), so a
 * teardown calls stop_children(mark): every child recorded since children_mark() gave mark
 * that is still this process's child is killed (SIGKILL, with its process group when it
 * leads one) and reaped, and named on stderr; it returns how many were still running. At
 * exit the same happens to every child recorded, so that no test program leaves a process
 * behind.
 */
void track_child(pid_t pid, const char *what);
unsigned long children_mark(void);
int stop_children(unsigned long mark);

/*
 * A finished run. Start from { 0 }: a run fills it anew and frees what an earlier run
 * left in it; run_free() frees the last.
 */
struct run {
	int code;   /* exit code, 128 + signal (wait_exit) */
	char *out;  /* all it wrote to stdout */
	char *err;  /* all it wrote to stderr */
};

/*
 * Run c to its end with stdout and stderr in temporary files (c->outp and c->errp are not
 * used), waiting up to limit_ms (below 0: as long as it takes), and put what it wrote in
 * r. Fails the test when it had to be killed at the deadline.
 */
void run_child(struct run *r, const struct child *c, int limit_ms);

/* Free what a run holds; r can be run again. */
void run_free(struct run *r);

/* ---- node lists ---- */

/* Parse the node list s[0..len) ("0-1,3"; "" is the empty set) into a bit set. False on anything else. */
bool parse_nodes(const char *s, size_t len, uint64_t *set);

/* The set of node list s (one newline may end it); fails the test when s is no node list. */
uint64_t nodes_of(const char *s);

/* The nodes of set into ids (MAX_NODES of room), lowest first. Returns how many. */
int node_ids(uint64_t set, int *ids);

/* How many bits of x are set. */
int popcount64(uint64_t x);

/* ---- the host of a numactl -H text, read independently of numad ---- */

struct host {
	int n;                          /* nodes, in the order the text names them */
	int id[MAX_NODES];
	long size_mb[MAX_NODES];        /* "node N size: X MB" */
	long free_mb[MAX_NODES];        /* "node N free: X MB" */
	int ncpus[MAX_NODES];           /* the CPUs "node N cpus:" lists */
	int dist[MAX_NODES][MAX_NODES]; /* dist[i][j]: the distance from node id[i] to node id[j] */
};

/* Read h from numactl -H text. Returns how many rows of distances it had. */
int read_host(const char *text, struct host *h);

/* The index of node id in h, or -1. */
int host_index(const struct host *h, int id);

/* ---- a client of a control socket ---- */

/* Put path into an AF_UNIX address; fails the test when it does not fit. */
void set_sun_path(struct sockaddr_un *sa, const char *path);

/* A stream connection (close-on-exec) to the AF_UNIX socket at path, or -1 with errno set. */
int connect_unix(const char *path);

/* Send all of s; fails the test when the connection will not take it. */
void send_all(int fd, const char *s);

/* What read_line found. */
enum got { GOT_LINE, GOT_EOF, GOT_TIMEOUT };

/*
 * Read one line from fd into buf, without its newline, within timeout_ms in all. On EOF
 * or at the deadline buf holds what came of the line so far. Fails the test when the
 * line does not fit in len.
 */
enum got read_line(int fd, char *buf, size_t len, int timeout_ms);

#endif
