/*
 * fixture.h: build a host tree (sysfs/procfs shaped) for numad's simulator and tests.
 *
 * A fixture is a directory that looks like the parts of / that numad reads
 * (sys/devices/system/node, sys/devices/system/cpu, sys/fs/cgroup, proc),
 * generated from a `numactl -H` text plus an optional description of
 * processes and per-node/per-cpu overrides.  Run the daemon with
 * `--root DIR` to make it read the fixture instead of the real host.
 * The description format is documented in tests/fixture/README.md.
 */
#ifndef NUMAD_TEST_FIXTURE_H
#define NUMAD_TEST_FIXTURE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Build a host tree under root (created if missing) from numactl -H text and
 * an optional process/override description (may be NULL).  Existing files are
 * replaced; other files already under root are left alone (call
 * fixture_remove() first for a clean tree).  Returns 0, or -1 with a message
 * in err naming the line number of the bad input ("numactl line 3: ..." or
 * "desc line 7: ..."), the path that could not be written, or "out of memory". */
int fixture_build(const char *root, const char *numactl_text, const char *desc_text, char *err, size_t errlen);

/* Write only the proc/PID trees of the processes in desc_text, leaving every other
 * file under root as it is (node and cpu files, proc/stat, cgroups): cheap enough to
 * start a short-lived process in a tree that fixture_build() made.  The numactl text is
 * needed to place the memory.  Returns 0, or -1 with a message in err. */
int fixture_write_procs(const char *root, const char *numactl_text, const char *desc_text, char *err, size_t errlen);

/* Same as fixture_build, reading both from files (desc_path may be NULL). */
int fixture_build_files(const char *root, const char *numactl_path, const char *desc_path, char *err, size_t errlen);

/* Write (create or replace) one file under root with the given contents;
 * creates parent dirs.  The replacement is atomic (temporary file + rename),
 * so a daemon reading the tree concurrently sees the old or the new
 * contents, never a partial file.  Returns 0, or -1 with errno set. */
int fixture_write(const char *root, const char *relpath, const char *contents);

/* Remove a whole tree (rm -rf), for test teardown.  A missing root is not an
 * error.  Refuses "" and "/".  Returns 0, or -1 with errno set. */
int fixture_remove(const char *root);

/* Read a whole file into a NUL-terminated malloc'd buffer (free() it).
 * Returns NULL with a message in err on failure. */
char *fixture_read_file(const char *path, char *err, size_t errlen);

/* Generate description text for nprocs generic processes and nguests qemu
 * guests spread across the nodes of the given topology (deterministic, no
 * randomness).  Generic processes use pids 20000, 20004, ...; guests use pids
 * from max(100000, 20000 + 4*nprocs + 1000) in steps of 64, cgroups
 * machine.slice/machine-qemu\x2d<k>\x2dvm<k>.scope (v2).  Returns a
 * malloc'd string (free() it) or NULL with a message in err. */
char *fixture_gen_desc(const char *numactl_text, int nprocs, int nguests, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* NUMAD_TEST_FIXTURE_H */
