/*
 * config.h: a small strict parser for numad's configuration file (/etc/numad.conf).
 *
 * The format, one setting per line:
 *
 *	# a comment line
 *	key = value            # a trailing comment starts at a '#' after whitespace
 *	key=value              # the spaces around '=' are optional
 *	socket = ""            # double quotes keep an empty value, spaces or a '#'
 *
 * Blank lines and whole-line comments are skipped; CRLF line ends are accepted. A key is
 * made of letters, digits, '_' and '-', and must be one the caller knows (case counts).
 * An unquoted value runs to the end of the line or to a comment, a '#' that begins the
 * value or follows whitespace, with the surrounding whitespace trimmed; it may not be
 * empty. A quoted value is everything between the two double quotes: there are no escapes,
 * so no value can hold a '"'. Each key may be set once.
 *
 * config_parse() reads no file and keeps no state: text in, one call per setting out. Each
 * error is a line number and a reason; config_error_format() writes "line N: reason" or
 * "PATH:N: reason". The reasons the parser itself gives are exactly:
 *
 *	line N: missing '='
 *	line N: empty key
 *	line N: bad character 'C' in key 'K' (use letters, digits, '_' and '-')   (C as \xNN if unprintable)
 *	line N: missing value (write "" for an empty one)
 *	line N: unterminated quote
 *	line N: text after the closing quote
 *	line N: stray '"' in value (quote the whole value)
 *	line N: unknown key 'K'
 *	line N: unknown key 'K' (did you mean 'k'?)      (K is k in another case, with '-' for '_',
 *	                                                  or a near miss of it: near_word() in util.h)
 *	line N: duplicate key 'K' (first set on line M)
 *	line N: line longer than 4096 bytes
 *	line N: NUL byte
 *
 * and the setter's own reason for a value it refuses.
 */
#ifndef NUMAD_CONFIG_H
#define NUMAD_CONFIG_H

#include <stddef.h>

#define CONFIG_LINE_MAX 4096            /* bytes in a line, without its line end */
#define CONFIG_FILE_MAX (1024 * 1024)   /* config_read() refuses a larger file */

/* One error: where and why. */
struct config_error {
	int line;          /* 1-based; 0 when the error is about the whole text */
	char reason[384];
};

/*
 * Called for each well-formed setting, in file order, with a key from the caller's list
 * and the value with quotes and comments removed. Returns 0, or -1 with a reason in why
 * (the line then counts as an error, and parsing goes on).
 */
typedef int (*config_setter)(const char *key, const char *value, int line, void *ctx, char *why, size_t whylen);

/*
 * Parse len bytes of text. keys is the NULL-terminated list of known keys. Every line is
 * checked, so one pass finds every error: the first maxerrs go to errs (errs may be NULL
 * when maxerrs is 0). Returns the number of errors, 0 when the text is good.
 */
int config_parse(const char *text, size_t len, const char *const *keys, config_setter set, void *ctx,
		 struct config_error *errs, int maxerrs);

/* Write "PATH:N: reason" into buf, or "line N: reason" when path is NULL ("PATH: reason" for line 0). */
void config_error_format(const char *path, const struct config_error *e, char *buf, size_t len);

/*
 * Read the file at path into a malloc'd buffer (free() it) of *len bytes plus a NUL.
 * Returns NULL with errno set (EFBIG above CONFIG_FILE_MAX).
 */
char *config_read(const char *path, size_t *len);

#endif
