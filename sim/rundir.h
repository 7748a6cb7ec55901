/*
 * rundir.h: a simulation's private run directory. A simulated host must not take the real
 * daemon's place: its control socket, pid file, log and host tree live in a directory of its
 * own (mode 0700, this user's), which goes when the simulation ends; one whose simulation
 * was killed is removed by the next simulation of the same user.
 */
#ifndef NUMAD_SIM_RUNDIR_H
#define NUMAD_SIM_RUNDIR_H

#include <stdbool.h>
#include <stddef.h>

#define RUNDIR_MARKER "numad-sim.pid"   /* in the directory: "PID STARTTIME\n" of its simulation */

/*
 * Remove the numad-sim.* directories under parent that this user owns and whose marker
 * names a process that no longer runs. Returns how many were removed.
 */
int rundir_remove_stale(const char *parent);
/*
 * Make a new run directory: $XDG_RUNTIME_DIR/numad-sim.XXXXXX when that is this user's
 * directory, else /dev/shm (a tmpfs keeps the host tree's many rewrites cheap), else /tmp;
 * first removing the stale ones there. dir gets its path. Returns 0, or -1 with why in err.
 */
int rundir_make(char *dir, size_t len, char *err, size_t errlen);
/* Remove the run directory and everything in it (unless NUMAD_SIM_KEEP is set). */
void rundir_remove(const char *dir);
/*
 * Whether path is one of the real daemon's own files: its socket, pid file or log by
 * default, or anything in the socket's directory (/run/numad). Symbolic links in the
 * directories (/var/run is /run) are followed.
 */
bool rundir_is_system_path(const char *path);

#endif
