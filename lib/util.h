/* util.h: file reading under a root prefix, and small parsing helpers. */
#ifndef NUMAD_UTIL_H
#define NUMAD_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A growable buffer that file reads reuse, so the sampling path allocates rarely. */
struct buf {
	char *data;
	size_t len;
	size_t cap;
};

/* Release a buffer's memory. */
void buf_free(struct buf *b);

/*
 * Read the whole file root/rel into b (NUL-terminated, b->len bytes). Reads at most
 * max bytes; a larger file is cut there. Returns 0, or -1 with errno set (ENOENT or
 * ESRCH when a process vanished; EIO on a short or failed read).
 */
int read_file_at(const char *root, const char *rel, struct buf *b, size_t max);

/*
 * read_file_at for a file the kernel writes whole at every read: a sysfs attribute, or a
 * proc file of one record such as /proc/PID/stat, /proc/PID/cgroup or /proc/PID/task/T/comm
 * (and any regular file). A read that returns less than it asked for is the end, so the
 * read that would only find the end is not made: one system call fewer per file, which
 * counts in a scan of every process. Not for files of many records (/proc/zoneinfo,
 * numa_maps): the kernel may return one part at a time there.
 */
int read_attr_at(const char *root, const char *rel, struct buf *b, size_t max);
/* read_attr_at for a file kept open: read it again from offset 0 with pread(2). */
int read_attr_fd(int fd, struct buf *b, size_t max);

/* Join root and rel into out ("/" root gives "/rel"). Returns -1 when it does not fit. */
int path_join(char *out, size_t outlen, const char *root, const char *rel);

/* Parse an unsigned decimal at *p, skipping leading blanks; advances *p. Returns -1 when none. */
int parse_u64(const char **p, uint64_t *out);

/*
 * A number a user wrote for numad, on its command line or in its config file, in the one
 * grammar numad.conf(5) documents: decimal digits, a '-' before them for a negative number,
 * and where fraction is true a '.' and more digits after them ("2.5"). Nothing else: no
 * '+', no blanks, no hex, no exponent, no inf or nan, nothing after the number; leading
 * zeros are not octal. Returns 0 with the value in *out when text is such a number from lo
 * to hi, else -1 with the reason in why: "'T' is not a decimal number", "'T' is not a whole
 * number" (a fraction where fraction is false) or "'T' is not a number from LO to HI".
 */
int parse_decimal(const char *text, bool fraction, double lo, double hi, double *out, char *why, size_t whylen);

/*
 * For a "did you mean" hint: the index of the word of words (NULL-terminated) that w is a
 * near miss of, or -1. Near is at most one edit (a character added, dropped or changed, or
 * two neighbours swapped) for a w of 3 to 5 characters and two from 6 on; a shorter w is
 * near nothing, since every short word is a few edits from every other. The nearest word
 * wins; two at the same distance give none, as a hint that may be wrong is worse than none.
 */
int near_word(const char *w, const char *const *words);

/* Current monotonic time in milliseconds. */
int64_t now_ms(void);
/* The wall clock (CLOCK_REALTIME) in milliseconds, for what other processes read. */
int64_t wall_clock_ms(void);

#endif
