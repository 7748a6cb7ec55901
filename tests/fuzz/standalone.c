/*
 * standalone.c: replay inputs through a fuzz target without libFuzzer.
 *
 *	replay_TARGET PATH... [--allow-missing PATH...]
 *
 * Each PATH is a file or a directory whose regular files (not those starting with '.')
 * are run in name order. Every input goes through LLVMFuzzerTestOneInput() in a buffer
 * of exactly its size, as libFuzzer does, so AddressSanitizer catches a read past the
 * end. A failed check aborts; the exit status is 0 when every input ran, 1 when a path
 * could not be read. A missing PATH is an error unless --allow-missing comes before it
 * (the regressions directory of a target that never crashed need not exist).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

static unsigned ran;

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	size_t size = 0;
	long len;

	if (!f || fseek(f, 0, SEEK_END) < 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	size = (size_t)len;
	/* malloc(0) may return NULL: keep a real (empty) buffer so the target gets a pointer. */
	data = malloc(size ? size : 1);
	if (!data || (size && fread(data, 1, size, f) != size)) {
		fprintf(stderr, "replay: %s: short read\n", path);
		free(data);
		fclose(f);
		return -1;
	}
	fclose(f);
	fprintf(stderr, "replay: %s (%zu bytes)\n", path, size);
	LLVMFuzzerTestOneInput(data, size);
	free(data);
	ran++;
	return 0;
}

static int name_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int not_hidden(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

static int run_path(const char *path, int allow_missing)
{
	struct dirent **names;
	struct stat st;
	int n, bad = 0;

	if (stat(path, &st) < 0) {
		if (errno == ENOENT && allow_missing)
			return 0;
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path);
	n = scandir(path, &names, not_hidden, name_cmp);
	if (n < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char full[4096];
		struct stat fst;

		snprintf(full, sizeof(full), "%s/%s", path, names[i]->d_name);
		if (stat(full, &fst) == 0 && S_ISREG(fst.st_mode) && run_file(full) < 0)
			bad = 1;
		free(names[i]);
	}
	free(names);
	return bad ? -1 : 0;
}

int main(int argc, char **argv)
{
	int allow_missing = 0, bad = 0, paths = 0;

	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--allow-missing") == 0) {
			allow_missing = 1;
			continue;
		}
		paths++;
		if (run_path(argv[i], allow_missing) < 0)
			bad = 1;
	}
	if (paths == 0) {
		fprintf(stderr, "usage: %s PATH... [--allow-missing PATH...]\n", argv[0]);
		return 2;
	}
	fprintf(stderr, "replay: %u inputs ran%s\n", ran, bad ? ", some paths could not be read" : "");
	return bad;
}
