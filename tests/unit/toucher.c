/*
 * toucher.c: the process test_pages moves pages of. It maps and touches MB megabytes of
 * anonymous memory, says "r" on stdout, and waits to be killed. It is built without the
 * sanitizers even in the ASan build, so that its address space is a plain process's (an
 * ASan process maps terabytes of shadow memory).
 *   toucher MB
 */
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	size_t len = (size_t)(argc > 1 ? atoi(argv[1]) : 64) << 20;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return 1;
	for (size_t i = 0; i < len; i += 4096)
		p[i] = 1;
	if (write(1, "r", 1) != 1)
		return 1;
	for (;;)
		pause();
}
