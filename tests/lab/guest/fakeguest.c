/*
 * fakeguest MIB THREADS BUSY_PERMILLE [CHUNK_MIB]: a process that looks like an
 * idle QEMU guest to a /proc scanner, for the lab's scan-cost scenario.  It maps
 * MIB of anonymous memory and writes every page once (so its RSS is MIB), starts
 * THREADS threads that are busy BUSY_PERMILLE thousandths of every 100 ms, and
 * waits.  With CHUNK_MIB the memory is CHUNK_MIB mappings of alternating
 * protection, so /proc/PID/numa_maps has one line per chunk instead of one.
 * The lab runs it as qemu-system-x86_64, so that its comm is qemu-system-x86.
 * Prints "ready" once the memory is written.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static long busy_ns;

static long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static void *spin(void *arg)
{
	volatile unsigned long x = 0;

	(void)arg;
	for (;;) {
		long t0 = now_ns();
		struct timespec rest;

		while (now_ns() - t0 < busy_ns)
			x++;
		rest.tv_sec = 0;
		rest.tv_nsec = 100000000L - busy_ns;
		nanosleep(&rest, NULL);
	}
	return NULL;
}

static int fill(size_t bytes, int prot)
{
	long page = sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -1;
	/* as QEMU does for guest RAM; also 512 times fewer faults under TCG */
	madvise(p, bytes, MADV_HUGEPAGE);
	for (size_t o = 0; o < bytes; o += (size_t)page)
		p[o] = 1;
	if (prot != (PROT_READ | PROT_WRITE))
		mprotect(p, bytes, prot);
	return 0;
}

int main(int argc, char **argv)
{
	size_t mib, chunk;
	int threads, permille;

	if (argc < 4) {
		fprintf(stderr, "usage: %s MIB THREADS BUSY_PERMILLE [CHUNK_MIB]\n", argv[0]);
		return 2;
	}
	mib = strtoul(argv[1], NULL, 10);
	threads = atoi(argv[2]);
	permille = atoi(argv[3]);
	chunk = argc > 4 ? strtoul(argv[4], NULL, 10) : 0;
	if (permille < 0 || permille > 1000)
		permille = 0;
	busy_ns = 100000000L * permille / 1000;
	if (chunk == 0 || chunk > mib)
		chunk = mib;
	for (size_t done = 0, k = 0; done < mib; done += chunk, k++) {
		size_t n = mib - done < chunk ? mib - done : chunk;

		/* alternate protections so that the kernel does not merge the mappings */
		if (fill(n << 20, (k & 1) ? PROT_READ : PROT_READ | PROT_WRITE) < 0) {
			perror("mmap");
			return 1;
		}
	}
	for (int i = 0; i < threads; i++) {
		pthread_t t;

		if (busy_ns > 0 && pthread_create(&t, NULL, spin, NULL) != 0) {
			perror("pthread_create");
			return 1;
		}
	}
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}
