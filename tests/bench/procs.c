/*
 * procs.c: a crowd of real processes for the footprint benchmark (tests/bench/report.sh).
 *
 * Forks SLEEPERS idle processes and BIG processes that each touch MB of anonymous memory and
 * take COMM as their name (qemu-system-x86 by default, what Debian's QEMU is called), prints
 * "ready" once every child is in place, and waits. On SIGTERM or SIGINT it ends every child
 * and exits; a child whose parent dies ends too.
 *
 *   numad_procs SLEEPERS BIG MB [COMM]
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static char *volatile keep; /* the touched memory, kept visibly alive */

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* The child's life: take the name, touch the memory, tell the parent, sleep until killed. */
static void child(int ready_fd, size_t mb, const char *comm)
{
	char one = 1;

	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() == 1)
		_exit(0);
	if (mb > 0) {
		char *mem = malloc(mb << 20);

		if (!mem)
			_exit(1);
		memset(mem, 0x5a, mb << 20);
		keep = mem;
		if (comm)
			prctl(PR_SET_NAME, comm);
	}
	if (write(ready_fd, &one, 1) != 1)
		_exit(1);
	close(ready_fd);
	for (;;)
		pause();
}

static int parse_count(const char *s, long max, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return errno || *end || end == s || *out < 0 || *out > max ? -1 : 0;
}

int main(int argc, char **argv)
{
	long sleepers, big, mb, n, got = 0;
	const char *comm = argc > 4 ? argv[4] : "qemu-system-x86";
	struct sigaction sa = { .sa_handler = on_signal };
	pid_t *pids;
	int fds[2];

	if (argc < 4 || argc > 5 || parse_count(argv[1], 100000, &sleepers) < 0 ||
	    parse_count(argv[2], 10000, &big) < 0 || parse_count(argv[3], 1 << 20, &mb) < 0) {
		fprintf(stderr, "usage: numad_procs SLEEPERS BIG MB [COMM]\n");
		return 2;
	}
	n = sleepers + big;
	pids = calloc((size_t)n + 1, sizeof(*pids));
	if (!pids || pipe(fds) < 0) {
		perror("numad_procs");
		return 1;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	for (long i = 0; i < n && !stop; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			perror("numad_procs: fork");
			stop = 1;
		} else if (pids[i] == 0) {
			close(fds[0]);
			child(fds[1], i < big ? (size_t)mb : 0, comm);
		}
	}
	close(fds[1]);
	while (got < n && !stop) {
		char buf[256];
		ssize_t r = read(fds[0], buf, sizeof(buf));

		if (r == 0 || (r < 0 && errno != EINTR))
			break;
		got += r > 0 ? r : 0;
	}
	if (got == n && !stop) {
		printf("ready %ld\n", n);
		fflush(stdout);
		while (!stop)
			pause();
	}
	for (long i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGTERM);
	for (long i = 0; i < n; i++)
		if (pids[i] > 0)
			waitpid(pids[i], NULL, 0);
	free(pids);
	return got == n ? 0 : 1;
}
