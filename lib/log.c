/* log.c: numad's log file. Lines are "<ctime without newline>: message". */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int log_fd = -1;
static char *log_path;
static int log_level = LOG_NOTICE;
static int stderr_level = LOG_WARNING;
static bool write_failed;

int log_open(const char *path)
{
	log_close();
	free(log_path);
	log_path = NULL;
	if (!path || !*path)
		return 0;
	log_path = strdup(path);
	return log_reopen();
}

void log_close(void)
{
	if (log_fd >= 0)
		close(log_fd);
	log_fd = -1;
}

int log_reopen(void)
{
	int fd;

	if (!log_path)
		return 0;
	fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -1;
	if (log_fd >= 0)
		close(log_fd);
	log_fd = fd;
	write_failed = false;
	return 0;
}

void log_set_level(int level)
{
	log_level = level;
}

int log_get_level(void)
{
	return log_level;
}

void log_set_stderr_level(int level)
{
	stderr_level = level;
}

bool log_write_failed(void)
{
	return write_failed;
}

const char *log_file_path(void)
{
	return log_path;
}

static void log_vwrite(int level, const char *fmt, va_list ap, int errnum)
{
	char line[2048], stamp[64];
	time_t t = time(NULL);
	int n, m = 0;
	va_list aq;

	if (level > log_level && level > stderr_level)
		return;
	va_copy(aq, ap);
	n = vsnprintf(line, sizeof(line) - 2, fmt, aq);
	va_end(aq);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line) - 2)
		n = (int)sizeof(line) - 3;
	if (errnum)
		n += snprintf(line + n, sizeof(line) - 1 - (size_t)n, ": %s", strerror(errnum));
	if ((size_t)n >= sizeof(line) - 1)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	line[n] = '\0';

	if (level <= stderr_level)
		fprintf(stderr, "numad: %s", line);
	if (log_fd < 0 || level > log_level)
		return;
	ctime_r(&t, stamp);
	stamp[strcspn(stamp, "\n")] = '\0';
	{
		char out[2200];
		m = snprintf(out, sizeof(out), "%s: %s", stamp, line);
		if (m > 0 && write(log_fd, out, (size_t)m) != m) {
			if (!write_failed) /* once per outage, on stderr (the journal under systemd) */
				fprintf(stderr, "numad: cannot write to %s (%s): messages go to stderr only until it works again\n",
					log_path ? log_path : "the log", strerror(errno));
			write_failed = true;
		} else {
			write_failed = false;
		}
		if (write_failed && level > stderr_level)
			fprintf(stderr, "numad: %s", line); /* nothing is lost while the file cannot take it */
	}
}

void log_msg(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(level, fmt, ap, 0);
	va_end(ap);
}

void log_warn(const char *fmt, ...)
{
	int e = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_WARNING, fmt, ap, e);
	va_end(ap);
}

/* One function per level (log.h), each a printf-style call at its level. */
#define LOG_AT(name, level)                          \
	void name(const char *fmt, ...)              \
	{                                            \
		va_list ap;                          \
                                                     \
		va_start(ap, fmt);                   \
		log_vwrite(level, fmt, ap, 0);       \
		va_end(ap);                          \
	}

LOG_AT(log_error, LOG_ERR)
LOG_AT(log_warnx, LOG_WARNING)
LOG_AT(log_notice, LOG_NOTICE)
LOG_AT(log_info, LOG_INFO)
LOG_AT(log_debug, LOG_DEBUG)

void log_advice(long pid, const char *comm, const char *from, const char *to)
{
	log_notice("Advising pid %ld (%s) move from nodes (%s) to nodes (%s)", pid,
		comm ? comm : "unknown", from ? from : "", to ? to : "");
}
