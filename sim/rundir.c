/* rundir.c: a simulation's private run directory (rundir.h). */
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

#include "fixture.h"
#include "options.h"
#include "rundir.h"

/* Field 22 of /proc/PID/stat, the start time in ticks after boot; 0 when the process is gone. */
static unsigned long long start_time(long pid)
{
	char path[64], buf[1024];
	unsigned long long st = 0;
	const char *p;
	ssize_t n;
	int fd, field = 2;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	for (; p && *p && field < 22; p++)
		if (*p == ' ')
			field++;
	if (p && field == 22)
		st = strtoull(p, NULL, 10);
	return st;
}

/* Whether the simulation a marker names still runs: the same pid, started at the same time. */
static bool marker_alive(const char *dir)
{
	char path[2 * PATH_MAX], buf[128];
	unsigned long long st = 0;
	long pid = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, RUNDIR_MARKER);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno != ENOENT; /* no marker: not a run directory of ours, leave it */
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return true;
	buf[n] = '\0';
	if (sscanf(buf, "%ld %llu", &pid, &st) != 2 || pid <= 0)
		return true;
	if (kill((pid_t)pid, 0) < 0 && errno == ESRCH)
		return false;
	return start_time(pid) == st; /* a pid taken over by another process is not the simulation */
}

int rundir_remove_stale(const char *parent)
{
	DIR *d = opendir(parent);
	struct dirent *e;
	int removed = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char path[PATH_MAX + 256];
		struct stat st;

		if (strncmp(e->d_name, "numad-sim.", 10) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", parent, e->d_name);
		if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != getuid())
			continue;
		if (!marker_alive(path) && fixture_remove(path) == 0)
			removed++;
	}
	closedir(d);
	return removed;
}

/* $XDG_RUNTIME_DIR when it is a directory of this user's that only this user may enter. */
static const char *runtime_dir(void)
{
	const char *x = getenv("XDG_RUNTIME_DIR");
	struct stat st;

	if (!x || *x != '/' || stat(x, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != getuid() ||
	    (st.st_mode & 077) || access(x, W_OK) < 0)
		return NULL;
	return x;
}

int rundir_make(char *dir, size_t len, char *err, size_t errlen)
{
	const char *parent = runtime_dir();
	char marker[PATH_MAX + 32], text[64];
	int fd, n;

	if (!parent)
		parent = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	rundir_remove_stale(parent);
	if ((size_t)snprintf(dir, len, "%s/numad-sim.XXXXXX", parent) >= len) {
		snprintf(err, errlen, "%s: the path is too long", parent);
		return -1;
	}
	if (!mkdtemp(dir)) {
		snprintf(err, errlen, "cannot make a run directory in %s: %s", parent, strerror(errno));
		return -1;
	}
	snprintf(marker, sizeof(marker), "%s/%s", dir, RUNDIR_MARKER);
	n = snprintf(text, sizeof(text), "%ld %llu\n", (long)getpid(), start_time((long)getpid()));
	fd = open(marker, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, text, (size_t)n) != n) {
		snprintf(err, errlen, "cannot write %s: %s", marker, strerror(errno));
		if (fd >= 0)
			close(fd);
		fixture_remove(dir);
		return -1;
	}
	close(fd);
	return 0;
}

void rundir_remove(const char *dir)
{
	if (dir && *dir && strstr(dir, "/numad-sim.") && !getenv("NUMAD_SIM_KEEP"))
		fixture_remove(dir);
}

/* path with its directory's symbolic links resolved (the file itself need not exist). */
static void canonical(const char *path, char *out, size_t len)
{
	char dir[PATH_MAX], real[PATH_MAX + 1];
	const char *slash = strrchr(path, '/');

	if (!slash || (size_t)(slash - path) >= sizeof(dir)) {
		snprintf(out, len, "%s", path);
		return;
	}
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	if (realpath(*dir ? dir : "/", real) && strlen(real) + strlen(slash) < len) {
		strcpy(out, strcmp(real, "/") ? real : "");
		strcat(out, slash);
	} else
		snprintf(out, len, "%s", path);
}

bool rundir_is_system_path(const char *path)
{
	const char *const mine[] = { NUMAD_SOCKET_DEFAULT, "/var/run/numad.pid", "/run/numad.pid",
				     "/var/log/numad.log" };
	char p[PATH_MAX], q[PATH_MAX], sockdir[PATH_MAX + 1];
	size_t n;

	if (!path || !*path)
		return false;
	canonical(path, p, sizeof(p));
	for (size_t i = 0; i < sizeof(mine) / sizeof(mine[0]); i++) {
		canonical(mine[i], q, sizeof(q));
		if (strcmp(p, q) == 0 || strcmp(path, mine[i]) == 0)
			return true;
	}
	/* anything in /run/numad, the real daemon's own directory */
	canonical(NUMAD_SOCKET_DEFAULT, q, sizeof(q));
	n = (size_t)(strrchr(q, '/') - q) + 1; /* with its '/' */
	memcpy(sockdir, q, n);
	sockdir[n] = '\0';
	return strncmp(p, sockdir, n) == 0 || strncmp(path, "/run/numad/", 11) == 0;
}
