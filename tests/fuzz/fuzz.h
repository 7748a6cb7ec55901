/*
 * fuzz.h: what every numad fuzz target shares.
 *
 * A target defines LLVMFuzzerTestOneInput() and, when it needs one-time setup,
 * LLVMFuzzerInitialize(). The same source links either with libFuzzer (NUMAD_FUZZ=ON,
 * clang) or with standalone.c, which replays files and directories given on the command
 * line, so ctest runs every corpus and every crasher with the normal compiler.
 *
 * Targets check invariants with FUZZ_CHECK(): a broken one prints what failed and
 * aborts, which libFuzzer records as a crash and ctest as a failure.
 */
#ifndef NUMAD_FUZZ_H
#define NUMAD_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "topology.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Print "fuzz check failed: what (file:line)" and abort. */
__attribute__((noreturn)) void fuzz_fail(const char *what, const char *file, int line);
#define FUZZ_CHECK(cond)                                            \
	do {                                                        \
		if (!(cond))                                        \
			fuzz_fail(#cond, __FILE__, __LINE__);       \
	} while (0)

/* True when s has a NUL within its first len bytes (an error message that ends). */
bool fuzz_terminated(const char *s, size_t len);

/* A NUL-terminated malloc'd copy of the input (free() it); embedded NULs end the text early. */
char *fuzz_text(const uint8_t *data, size_t size);

/* Reads numbers from the front of an input, then zeros once it runs out. */
struct fuzz_in {
	const uint8_t *p;
	size_t n;
};
uint8_t fuzz_u8(struct fuzz_in *in);
uint16_t fuzz_u16(struct fuzz_in *in);
uint32_t fuzz_u32(struct fuzz_in *in);
uint64_t fuzz_u64(struct fuzz_in *in);
/* A number in lo..hi (inclusive). */
int fuzz_range(struct fuzz_in *in, int lo, int hi);
/* A boolean. */
bool fuzz_bool(struct fuzz_in *in);

/*
 * A fixed in-memory host for the parsers that map node ids to indexes: online ids
 * 0-7 (the DL980), 9, 64 and 1023 (sparse, and the highest id the kernel allows), so
 * counts for N8, N10 or N1024 are off-line. Node 9 has no CPUs; node 64 no memory.
 */
void fuzz_topology_sparse(struct topology *t);
/*
 * An empty topology for a target's own builder: room for n nodes and their distances
 * (zeroed), no node id mapped to an index, no CPU. Aborts when out of memory.
 */
void fuzz_topology_alloc(struct topology *t, int n);
/* Free what fuzz_topology_sparse() or a target's own builder allocated. */
void fuzz_topology_free(struct topology *t);

#endif
