/* log.h: numad's log file (ctime-prefixed lines) and stderr. */
#ifndef NUMAD_LOG_H
#define NUMAD_LOG_H

#include <stdbool.h>
#include <syslog.h>

#define NUMAD_LOG_DEFAULT_PATH "/var/log/numad.log"

/* Open (append) the log file; NULL or "" logs to stderr only. Returns 0, or -1 with errno. */
int log_open(const char *path);
/* Close the log file. */
void log_close(void);
/* Reopen the log file at the same path (after rotation). Returns 0 or -1. */
int log_reopen(void);
/* Set the level (syslog LOG_ERR..LOG_DEBUG); messages above it are dropped. */
void log_set_level(int level);
/* Current level. */
int log_get_level(void);
/* Also copy messages at or below level to stderr (-1 disables). */
void log_set_stderr_level(int level);
/* True when the last write to the log file failed (full disk, bad path); messages then also go to stderr. */
bool log_write_failed(void);
/* The log file's path, or NULL when logging to stderr only. */
const char *log_file_path(void);

/*
 * One function per level: log_error, log_warn (with errno) and log_warnx, log_notice,
 * log_info, log_debug. log_msg is for a level chosen at run time.
 */
/* Log at a level, printf-style. */
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Error: something numad cannot do (a start that fails, a request refused for good). */
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Warning with ": strerror(errno)" appended. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Warning without errno. */
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* What an administrator tails the log for: decisions, outcomes, starts and stops. */
void log_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Informational message. */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Debug message. */
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Write numad's advice line, "Advising pid N (comm) move from nodes (X) to nodes (Y)",
 * at notice level. comm is given without parentheses (NULL means "unknown").
 */
void log_advice(long pid, const char *comm, const char *from, const char *to);

#endif
