/*
 * front.c: BINDIR/numad, the program libvirt runs for placement='auto' (numad -w NCPUS:MB).
 *
 * libvirt waits for that answer before it starts a guest, and most of the daemon's start-up
 * time is the dynamic loader mapping libvirt and its sixty-odd libraries. This program
 * answers -w itself without them: the same option parser and the same advise code as the
 * daemon, linked without libvirt and libevent. Anything else (the daemon, -i 0,
 * --check-config, --help) runs SBINDIR/numad with the same arguments, in the same process.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "advise.h"
#include "log.h"
#include "options.h"

/*
 * The full numad: next to this program's directory in a build tree (build/daemon/numad for
 * build/daemon/front/numad), else where it is installed. The build-tree path is tried first
 * so that a build never runs an installed numad, and is never there on an installed system.
 */
static void run_full(char **argv)
{
	char self[PATH_MAX], dir[PATH_MAX], path[PATH_MAX + 16];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n > 0) {
		self[n] = '\0';
		snprintf(dir, sizeof(dir), "%s", self);
		snprintf(path, sizeof(path), "%s/../numad", dirname(dir));
		if (access(path, X_OK) == 0)
			execv(path, argv);
	}
	execv(NUMAD_FULL_PATH, argv);
	fprintf(stderr, "numad: cannot run %s: %s\n", NUMAD_FULL_PATH, strerror(errno));
}

int main(int argc, char **argv)
{
	struct options o;
	int r;

	/* a command line with -w is parsed here (its errors too, by the same parser); anything else is the full program's */
	for (int i = 1; i < argc; i++)
		if (strncmp(argv[i], "-w", 2) == 0)
			goto query;
	run_full(argv);
	return 1;
query:
	r = options_parse(argc, argv, &o);
	if (r != 0)
		return r > 0 ? 0 : 2;
	if (!o.wspec) {
		run_full(argv);
		return 1;
	}
	log_set_level(o.log_level);
	log_set_stderr_level(LOG_WARNING);
	return advise_run(&o);
}
