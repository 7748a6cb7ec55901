/*
 * test_config.c: the config file parser (lib/config.h) and the options layer on top of it
 * (daemon/options.c, linked in): tables of good and bad texts.
 *
 * Expected settings and messages are written out here from the texts and from the
 * reasons config.h documents, not taken from the code. The options layer's cases check
 * that a file value means what the same command-line value means: the same range, the
 * same words in the error, and that the command line wins.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "fixture.h"
#include "log.h"
#include "metrics.h"
#include "options.h"
#include "support.h"

static int nfail;

/* ---------------------------------------------------------------- the parser on its own */

static const char *const test_keys[] = { "interval", "socket", "log", "connect", "numad05_timing", "fast_interval",
					 "x-y", "lock", NULL };

struct record {
	char text[8192];
};

/* Note each setting as "LINE:key=[value]"; refuse the value "refuse". */
static int record_setting(const char *key, const char *value, int line, void *ctx, char *why, size_t len)
{
	struct record *r = ctx;
	size_t used = strlen(r->text);

	if (strcmp(value, "refuse") == 0) {
		snprintf(why, len, "%s: refused", key);
		return -1;
	}
	snprintf(r->text + used, sizeof(r->text) - used, "%d:%s=[%s]\n", line, key, value);
	return 0;
}

/* A text with its exact length, NUL bytes included. */
#define TEXT(s) .text = (s), .len = sizeof(s) - 1

struct pcase {
	const char *what;
	const char *text;
	size_t len;
	const char *want;    /* the settings the setter saw, "LINE:key=[value]\n" each */
	const char *errors;  /* "line N: reason\n" each, in order */
};

static const struct pcase parse_cases[] = {
	/* good texts */
	{ .what = "empty text", TEXT(""), .want = "", .errors = "" },
	{ .what = "comments and blank lines only", TEXT("# a comment\n\n   \t\n  # indented\n\t#tab\n"), .want = "",
	  .errors = "" },
	{ .what = "spaces around '=' are optional",
	  TEXT("interval=5\nsocket =/a\nlog= /b\nconnect\t=\tqemu:///system\n"),
	  .want = "1:interval=[5]\n2:socket=[/a]\n3:log=[/b]\n4:connect=[qemu:///system]\n", .errors = "" },
	{ .what = "a trailing comment after whitespace", TEXT("interval = 5 # five\nsocket = /a\t# a tab before\n"),
	  .want = "1:interval=[5]\n2:socket=[/a]\n", .errors = "" },
	{ .what = "a '#' inside a value stays", TEXT("log = /var/log/a#b\n"), .want = "1:log=[/var/log/a#b]\n",
	  .errors = "" },
	{ .what = "an '=' inside a value stays", TEXT("connect = qemu+ssh://h/system?socket=/x\n"),
	  .want = "1:connect=[qemu+ssh://h/system?socket=/x]\n", .errors = "" },
	{ .what = "blanks inside a value stay, around it go", TEXT("log =   /a b  c  \n"), .want = "1:log=[/a b  c]\n",
	  .errors = "" },
	{ .what = "a quoted empty value", TEXT("socket = \"\"\n"), .want = "1:socket=[]\n", .errors = "" },
	{ .what = "quotes keep blanks and '#'", TEXT("log = \" /tmp/my log # 1 \"  # a comment\n"),
	  .want = "1:log=[ /tmp/my log # 1 ]\n", .errors = "" },
	{ .what = "a comment right after the closing quote", TEXT("log = \"/a\"# c\n"), .want = "1:log=[/a]\n",
	  .errors = "" },
	{ .what = "digits and '-' in keys", TEXT("numad05_timing = yes\nx-y = 1\n"),
	  .want = "1:numad05_timing=[yes]\n2:x-y=[1]\n", .errors = "" },
	{ .what = "CRLF line ends", TEXT("interval = 5\r\nsocket = \"\"\r\n# c\r\n\r\nlog = /b\r\n"),
	  .want = "1:interval=[5]\n2:socket=[]\n5:log=[/b]\n", .errors = "" },
	{ .what = "no newline after the last line", TEXT("interval = 5\nlog = /b"),
	  .want = "1:interval=[5]\n2:log=[/b]\n", .errors = "" },
	/* bad texts */
	{ .what = "missing '='", TEXT("interval 5\n"), .want = "", .errors = "line 1: missing '='\n" },
	{ .what = "an '=' only inside a comment", TEXT("interval # = 5\n"), .want = "",
	  .errors = "line 1: missing '='\n" },
	{ .what = "empty key", TEXT("  = 5\n"), .want = "", .errors = "line 1: empty key\n" },
	{ .what = "a space in a key", TEXT("fast interval = 5\n"), .want = "",
	  .errors = "line 1: bad character ' ' in key 'fast interval' (use letters, digits, '_' and '-')\n" },
	{ .what = "a dot in a key", TEXT("log.path = /a\n"), .want = "",
	  .errors = "line 1: bad character '.' in key 'log.path' (use letters, digits, '_' and '-')\n" },
	{ .what = "a control character in a key", TEXT("inter\001val = 5\n"), .want = "",
	  .errors = "line 1: bad character '\\x01' in key (use letters, digits, '_' and '-')\n" },
	{ .what = "missing values", TEXT("interval =\nsocket = # nothing\nlog =#x\n"), .want = "",
	  .errors = "line 1: missing value (write \"\" for an empty one)\n"
		    "line 2: missing value (write \"\" for an empty one)\n"
		    "line 3: missing value (write \"\" for an empty one)\n" },
	{ .what = "unterminated quote", TEXT("log = \"/a\n"), .want = "", .errors = "line 1: unterminated quote\n" },
	{ .what = "text after the closing quote", TEXT("log = \"/a\" b\n"), .want = "",
	  .errors = "line 1: text after the closing quote\n" },
	{ .what = "a quote inside an unquoted value", TEXT("log = /a\"b\n"), .want = "",
	  .errors = "line 1: stray '\"' in value (quote the whole value)\n" },
	{ .what = "unknown key", TEXT("u = 85\n"), .want = "", .errors = "line 1: unknown key 'u'\n" },
	{ .what = "keys are lower case", TEXT("Interval = 5\nSOCKET = /a\n"), .want = "",
	  .errors = "line 1: unknown key 'Interval' (did you mean 'interval'?)\n"
		    "line 2: unknown key 'SOCKET' (did you mean 'socket'?)\n" },
	{ .what = "'-' written for '_'", TEXT("fast-interval = 5\n"), .want = "",
	  .errors = "line 1: unknown key 'fast-interval' (did you mean 'fast_interval'?)\n" },
	{ .what = "a letter or two off", TEXT("intervl = 5\nfast_intreval = 5\nsockt = /a\nconect = x\nconnnectt = x\n"),
	  .want = "",
	  .errors = "line 1: unknown key 'intervl' (did you mean 'interval'?)\n"
		    "line 2: unknown key 'fast_intreval' (did you mean 'fast_interval'?)\n"
		    "line 3: unknown key 'sockt' (did you mean 'socket'?)\n"
		    "line 4: unknown key 'conect' (did you mean 'connect'?)\n"
		    "line 5: unknown key 'connnectt' (did you mean 'connect'?)\n" },
	{ .what = "another case and a letter off", TEXT("Fast-Intervall = 5\n"), .want = "",
	  .errors = "line 1: unknown key 'Fast-Intervall' (did you mean 'fast_interval'?)\n" },
	{ .what = "too far for a hint", TEXT("sokcet_path = /a\nsck = /a\ninterval_max = 5\n"), .want = "",
	  .errors = "line 1: unknown key 'sokcet_path'\nline 2: unknown key 'sck'\nline 3: unknown key 'interval_max'\n" },
	{ .what = "a short key is near nothing", TEXT("lg = /a\n"), .want = "", .errors = "line 1: unknown key 'lg'\n" },
	{ .what = "two keys as near: no hint", TEXT("loc = /a\n"), .want = "", .errors = "line 1: unknown key 'loc'\n" },
	{ .what = "duplicate key", TEXT("interval = 5\nsocket = /a\n\ninterval = 6\n"),
	  .want = "1:interval=[5]\n2:socket=[/a]\n", .errors = "line 4: duplicate key 'interval' (first set on line 1)\n" },
	{ .what = "NUL byte", TEXT("interval = 5\nlog = /a\0b\nsocket = /s\n"), .want = "1:interval=[5]\n3:socket=[/s]\n",
	  .errors = "line 2: NUL byte\n" },
	{ .what = "the setter refuses, parsing goes on", TEXT("interval = refuse\nlog = /a\nsocket = refuse\n"),
	  .want = "2:log=[/a]\n", .errors = "line 1: interval: refused\nline 3: socket: refused\n" },
	{ .what = "a refused value still counts as set", TEXT("interval = refuse\ninterval = 5\n"), .want = "",
	  .errors = "line 1: interval: refused\nline 2: duplicate key 'interval' (first set on line 1)\n" },
	{ .what = "every error in one pass", TEXT("u = 1\ninterval 5\ninterval = 7\n = 1\nlog = \"x\n"),
	  .want = "3:interval=[7]\n",
	  .errors = "line 1: unknown key 'u'\nline 2: missing '='\nline 4: empty key\nline 5: unterminated quote\n" },
};

/* Run one text through config_parse; returns what the setter saw, and the errors as text. */
static int run_parse(const char *text, size_t len, struct record *rec, char *errors, size_t errlen)
{
	struct config_error errs[16];
	size_t used = 0;
	int n;

	memset(rec, 0, sizeof(*rec));
	n = config_parse(text, len, test_keys, record_setting, rec, errs, (int)NELEM(errs));
	errors[0] = '\0';
	for (int i = 0; i < n && i < (int)NELEM(errs); i++) {
		char line[512];

		config_error_format(NULL, &errs[i], line, sizeof(line));
		used += (size_t)snprintf(errors + used, errlen - used, "%s\n", line);
	}
	return n;
}

static void test_parse_table(void **state)
{
	(void)state;
	nfail = 0;
	for (size_t i = 0; i < NELEM(parse_cases); i++) {
		const struct pcase *c = &parse_cases[i];
		struct record rec;
		char errors[4096];
		int n = run_parse(c->text, c->len, &rec, errors, sizeof(errors));
		int want_n = 0;

		for (const char *p = c->errors; *p; p++)
			want_n += *p == '\n';
		CHECK(c->what, strcmp(rec.text, c->want) == 0, "settings:\n%s\nwanted:\n%s", rec.text, c->want);
		CHECK(c->what, strcmp(errors, c->errors) == 0, "errors:\n%s\nwanted:\n%s", errors, c->errors);
		CHECK(c->what, n == want_n, "returned %d errors, wanted %d", n, want_n);
	}
	assert_int_equal(nfail, 0);
}

/* The 4096-byte limit counts the line without its line end. */
static void test_parse_long_lines(void **state)
{
	static const struct {
		const char *what;
		size_t linelen;      /* bytes before the line end */
		const char *end;     /* the line end, and a second line after it; "" for neither */
		bool ok;
	} cases[] = {
		{ "4096 bytes", CONFIG_LINE_MAX, "\n", true },
		{ "4096 bytes and CRLF", CONFIG_LINE_MAX, "\r\n", true },
		{ "4096 bytes at the end of the text", CONFIG_LINE_MAX, "", true },
		{ "4097 bytes", CONFIG_LINE_MAX + 1, "\n", false },
		{ "4097 bytes and CRLF", CONFIG_LINE_MAX + 1, "\r\n", false },
		{ "4097 bytes at the end of the text", CONFIG_LINE_MAX + 1, "", false },
		{ "a megabyte", 1 << 20, "\n", false },
	};
	(void)state;
	nfail = 0;
	for (size_t i = 0; i < NELEM(cases); i++) {
		size_t n = cases[i].linelen;
		char *text = malloc(n + 64), errors[1024], want[64];
		struct record rec;

		assert_non_null(text);
		memcpy(text, "log = ", 6);
		memset(text + 6, 'a', n - 6);
		snprintf(text + n, 64, "%s%s", cases[i].end, *cases[i].end ? "log = again\n" : "");
		run_parse(text, strlen(text), &rec, errors, sizeof(errors));
		if (cases[i].ok) {
			/* A second line is a duplicate: proof that the long line was read as a setting. */
			CHECK(cases[i].what,
			      strcmp(errors, *cases[i].end ? "line 2: duplicate key 'log' (first set on line 1)\n" : "") == 0,
			      "errors: %s", errors);
			CHECK(cases[i].what, strlen(rec.text) == n - 6 + strlen("1:log=[]\n"), "settings: %.40s",
			      rec.text);
		} else {
			snprintf(want, sizeof(want), "line 1: line longer than %d bytes\n", CONFIG_LINE_MAX);
			CHECK(cases[i].what, strcmp(errors, want) == 0, "errors: %s", errors);
			CHECK(cases[i].what, strcmp(rec.text, *cases[i].end ? "2:log=[again]\n" : "") == 0,
			      "settings: %.40s", rec.text);
		}
		free(text);
	}
	assert_int_equal(nfail, 0);
}

/* Errors beyond maxerrs are counted, not stored. */
static void test_parse_maxerrs(void **state)
{
	static const char text[] = "a = 1\nb = 2\nc = 3\n";
	struct config_error errs[3];
	struct record rec;
	char buf[256];
	(void)state;

	memset(errs, 0, sizeof(errs));
	memset(&rec, 0, sizeof(rec));
	assert_int_equal(config_parse(text, sizeof(text) - 1, test_keys, record_setting, &rec, errs, 2), 3);
	assert_int_equal(errs[0].line, 1);
	assert_int_equal(errs[1].line, 2);
	assert_int_equal(errs[2].line, 0);
	assert_int_equal(config_parse(text, sizeof(text) - 1, test_keys, record_setting, &rec, NULL, 0), 3);

	config_error_format("/etc/numad.conf", &errs[1], buf, sizeof(buf));
	assert_string_equal(buf, "/etc/numad.conf:2: unknown key 'b'");
	config_error_format(NULL, &errs[1], buf, sizeof(buf));
	assert_string_equal(buf, "line 2: unknown key 'b'");
	errs[2].line = 0;
	snprintf(errs[2].reason, sizeof(errs[2].reason), "out of memory");
	config_error_format("/etc/numad.conf", &errs[2], buf, sizeof(buf));
	assert_string_equal(buf, "/etc/numad.conf: out of memory");
}

/* ---------------------------------------------------------------- the options layer */

static char tmpdir[64];
static char conf_path[128];
static char *argv_pool[1024];  /* every argv string handed to options_parse: o points into them */
static int nargv_pool;

/* Catch what goes to fd 2 (or 1) between capture_start and capture_end. */
struct capture {
	int fd, saved;
	FILE *f;
};

static void capture_fd(struct capture *c, int fd)
{
	fflush(stdout);
	fflush(stderr);
	c->fd = fd;
	c->f = tmpfile();
	assert_non_null(c->f);
	c->saved = dup(fd);
	dup2(fileno(c->f), fd);
}

static void capture_start(struct capture *c)
{
	capture_fd(c, 2);
}

static void capture_end(struct capture *c, char *out, size_t len)
{
	size_t n;

	fflush(stdout);
	fflush(stderr);
	dup2(c->saved, c->fd);
	close(c->saved);
	rewind(c->f);
	n = fread(out, 1, len - 1, c->f);
	out[n] = '\0';
	fclose(c->f);
}

/*
 * options_parse on "numad --config PATH ARGS..." (no --config when conf is NULL, --config ""
 * when conf is ""), with stderr captured in err.
 */
static int parse_with(struct options *o, const char *conf, const char *const *args, char *err, size_t errlen)
{
	char **argv = calloc(24, sizeof(*argv));
	struct capture cap;
	int argc = 0, r;

	assert_non_null(argv);
	argv_pool[nargv_pool++] = (char *)argv;
	argv[argc++] = strdup("numad");
	if (conf) {
		argv[argc++] = strdup("--config");
		argv[argc++] = strdup(conf);
	}
	for (; args && *args && argc < 22; args++)
		argv[argc++] = strdup(*args);
	for (int i = 0; i < argc; i++)
		argv_pool[nargv_pool++] = argv[i];
	assert_true(nargv_pool < (int)NELEM(argv_pool) - 24);
	capture_start(&cap);
	r = options_parse(argc, argv, o);
	capture_end(&cap, err, errlen);
	return r;
}

/* A domain name one byte too long, and what an error shows of it. */
#define LONG_NAME16 "abcdefghijklmnop"
#define LONG_NAME LONG_NAME16 LONG_NAME16 LONG_NAME16 LONG_NAME16 LONG_NAME16 LONG_NAME16 LONG_NAME16 LONG_NAME16 \
	LONG_NAME16 LONG_NAME16 LONG_NAME16 LONG_NAME16 LONG_NAME16 LONG_NAME16 LONG_NAME16 LONG_NAME16
#define LONG_NAME_HEAD LONG_NAME16 LONG_NAME16 "abcdefgh"

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* A -x or -p list as a word: its pids sorted, then its domain names and UUIDs in order. */
static void list_word(const int *pid, int npid, const char (*guest)[NUMAD_GUEST_NAME_MAX], int nguest, char *buf,
		      size_t len)
{
	int sorted[NUMAD_MAX_PID_LIST];
	size_t used = 0;

	buf[0] = '\0';
	memcpy(sorted, pid, (size_t)npid * sizeof(int));
	qsort(sorted, (size_t)npid, sizeof(int), cmp_int);
	for (int i = 0; i < npid && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%d", used ? "," : "", sorted[i]);
	for (int i = 0; i < nguest && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? "," : "", guest[i]);
	for (char *c = buf; *c; c++)
		if (*c == ' ')
			*c = '~'; /* a snapshot's words are split at spaces */
}

/* The options the file can set, as " key=value " words (pids sorted; "(none)" for NULL). */
static void snapshot(const struct options *o, char *buf, size_t len)
{
	char pids[2048], incl[2048];

	list_word(o->exclude, o->nexclude, o->exclude_guests, o->nexclude_guests, pids, sizeof(pids));
	list_word(o->include, o->ninclude, o->include_guests, o->ninclude_guests, incl, sizeof(incl));
#define S(p) ((p) ? (p) : "(none)")
#define YN(b) ((b) ? "yes" : "no")
	snprintf(buf, len,
		 " target_utilization=%d memory_locality=%d inactive_file_cache=%d smt_percent=%d reserved_cpus=%s"
		 " interval=%d:%d advise_only=%s exclude=%s include=%s keep_interleave=%d scan_all=%d thp_scan_ms=%d"
		 " fast_interval=%d horizon=%g margin=%d guest_interval=%d migrate_rate=%d urgent_burst=%d"
		 " numad05_timing=%s connect=%s socket=%s control_gid=%d pidfile=%s log_level=%d log=%s"
		 " metrics_listen=%s state_file=%s ledger=%s foreground=%s config=%s ",
		 o->policy.target_util, o->policy.locality_target, o->policy.count_inactive_file, o->policy.ht_percent,
		 S(o->reserved_cpus), o->interval_min, o->interval_max, YN(o->advise_only), pids, incl, o->keep_interleave,
		 o->scan_all, o->thp_scan_ms, o->fast_ms, o->horizon_s, o->margin_mb, o->guest_interval_s,
		 o->migrate_mb_s, o->urgent_burst, YN(o->numad05_timing), S(o->uri), S(o->socket_path), o->control_gid,
		 S(o->pidfile), o->log_level, S(o->log_path), S(o->metrics_listen), S(o->state_file), S(o->ledger),
		 YN(o->foreground),
		 S(o->config_path));
#undef S
#undef YN
}

/* Every "key=value" word of want is in the snapshot of o. */
static void check_snapshot(const char *what, const struct options *o, const char *want)
{
	char snap[16384], word[256];

	snapshot(o, snap, sizeof(snap));
	for (const char *p = want; *p;) {
		size_t n = strcspn(p, " ");

		if (n) {
			snprintf(word, sizeof(word), " %.*s ", (int)n, p);
			CHECK(what, strstr(snap, word) != NULL, "'%s' is not in%s", word + 1, snap);
		}
		p += n + (p[n] == ' ');
	}
}

#define DEFAULTS                                                                                             \
	"target_utilization=85 memory_locality=90 inactive_file_cache=1 smt_percent=20 reserved_cpus=(none) "  \
	"interval=1:15 advise_only=no exclude= include= keep_interleave=0 scan_all=0 fast_interval=250 horizon=2 "     \
	"margin=256 guest_interval=60 migrate_rate=512 urgent_burst=4 numad05_timing=no "                     \
	"connect=qemu:///system socket=/run/numad/numad.sock control_gid=-1 pidfile=/var/run/numad.pid "     \
	"log_level=5 log=/var/log/numad.log metrics_listen=(none) state_file=/var/lib/numad/state "              \
	"ledger=/run/numad/ledger"

/* Every key, none at its default. */
#define EVERY_KEY_TEXT                                                                                       \
	"target_utilization = 50\nmemory_locality = 60\ninactive_file_cache = 0\nsmt_percent = 35\n"          \
	"reserved_cpus = 0-1,40\ninterval = 5:30\nadvise_only = yes\nexclude = 100, 200,300\ninclude = vm9\n"   \
	"keep_interleave = 1\nscan_all = 0\nthp_scan_ms = 1000\nfast_interval = 100\nhorizon = 3.5\n"         \
	"margin = 512\nguest_interval = 120\nmigrate_rate = 64\nurgent_burst = 2\nnumad05_timing = true\n"    \
	"connect = qemu:///session\nsocket = /tmp/n.sock\ncontrol_group = 4242\npidfile = /tmp/n.pid\n"       \
	"log_level = 7\nlog = /tmp/n.log\nmetrics_listen = 9100\nstate_file = /tmp/n.state\nledger = /tmp/n.ledger\n"

struct ocase {
	const char *what;
	const char *text;      /* the file; NULL: --config "" */
	const char *args[8];   /* the rest of the command line */
	const char *want;      /* key=value words (see snapshot) */
};

static const struct ocase good_cases[] = {
	{ .what = "no file: the defaults", .text = NULL, .want = DEFAULTS " config=(none)" },
	{ .what = "an empty file: the defaults", .text = "", .want = DEFAULTS },
	{ .what = "comments only: the defaults", .text = "# nothing here\n\n", .want = DEFAULTS },
	{ .what = "every key",
	  .text = EVERY_KEY_TEXT,
	  .want = "target_utilization=50 memory_locality=60 inactive_file_cache=0 smt_percent=35 reserved_cpus=0-1,40 "
		  "interval=5:30 advise_only=yes exclude=100,200,300 include=vm9 keep_interleave=1 scan_all=0 thp_scan_ms=1000 "
		  "fast_interval=100 horizon=3.5 margin=512 guest_interval=120 migrate_rate=64 urgent_burst=2 "
		  "numad05_timing=yes connect=qemu:///session socket=/tmp/n.sock control_gid=4242 pidfile=/tmp/n.pid "
		  "log_level=7 log=/tmp/n.log metrics_listen=9100 state_file=/tmp/n.state ledger=/tmp/n.ledger" },
	{ .what = "\"\" turns things off",
	  .text = "socket = \"\"\npidfile = \"\"\nlog = \"\"\nreserved_cpus = \"\"\nexclude = \"\"\ncontrol_group = \"\"\n"
		  "metrics_listen = \"\"\n",
	  .want = "socket= pidfile= log= reserved_cpus=(none) exclude= control_gid=-1 metrics_listen=(none)" },
	{ .what = "yes and no words", .text = "advise_only = 1\nnumad05_timing = false\n",
	  .want = "advise_only=yes numad05_timing=no" },
	{ .what = "no is no", .text = "advise_only = no\nnumad05_timing = 0\n", .want = "advise_only=no numad05_timing=no" },
	{ .what = "interval MAX alone keeps the MIN", .text = "interval = 40\n", .want = "interval=1:40" },
	{ .what = "numad 0.5's file sets INTERVAL", .text = "# numad 0.5's service reads this\nINTERVAL=10\n",
	  .want = "interval=1:10" },
	{ .what = "a group by name", .text = "control_group = root\n", .want = "control_gid=0" },
	{ .what = "a quoted value with comments around", .text = "# x\nlog = \"/tmp/a#b.log\"  # y\n",
	  .want = "log=/tmp/a#b.log" },
	{ .what = "the command line wins",
	  .text = "target_utilization = 50\nlog_level = 7\nsocket = /tmp/file.sock\nhorizon = 9\n",
	  .args = { "-u", "70", "-v", "--socket", "/tmp/cli.sock", NULL },
	  .want = "target_utilization=70 log_level=6 socket=/tmp/cli.sock horizon=9" },
	{ .what = "-x adds to the file's exclude list, -r takes from it", .text = "exclude = 5,6\n",
	  .args = { "-x", "7", "-r", "5", NULL }, .want = "exclude=6,7" },
	/* -x and -p: pids, libvirt domain names and UUIDs in one list */
	{ .what = "names, UUIDs and pids in one exclude list",
	  .text = "exclude = web 1, 4000 ,5E1A0000-0000-4000-8000-00000000ABCD,db.prod-2\n",
	  .want = "exclude=4000,web~1,5e1a0000-0000-4000-8000-00000000abcd,db.prod-2" },
	{ .what = "the include key and -p add up", .text = "include = vm4\n", .args = { "-p", "vm5,7800", NULL },
	  .want = "include=7800,vm4,vm5" },
	{ .what = "-r takes names and UUIDs off both lists",
	  .text = "exclude = vm1,vm2,5e1a0000-0000-4000-8000-000000000001\ninclude = vm3,vm2\n",
	  .args = { "-r", "vm2,5E1A0000-0000-4000-8000-000000000001", NULL }, .want = "exclude=vm1 include=vm3" },
	{ .what = "a UUID-shaped name with a digit first is a UUID",
	  .text = "exclude = 00000000-0000-0000-0000-000000000000\n",
	  .want = "exclude=00000000-0000-0000-0000-000000000000" },
	{ .what = "a name may hold what the file quotes", .text = "exclude = \"a#b = c\"\n", .want = "exclude=a#b~=~c" },
	{ .what = "-i MAX keeps the file's MIN", .text = "interval = 5:30\n", .args = { "-i", "20", NULL },
	  .want = "interval=5:20" },
	{ .what = "-d over log_level", .text = "log_level = 3\n", .args = { "-d", NULL }, .want = "log_level=7" },
	{ .what = "--advise-only over advise_only = no", .text = "advise_only = no\n", .args = { "--advise-only", NULL },
	  .want = "advise_only=yes" },
	{ .what = "-R \"\" over reserved_cpus", .text = "reserved_cpus = 0-3\n", .args = { "-R", "", NULL },
	  .want = "reserved_cpus=(none)" },
	/* numbers (numad.conf(5)): decimal, leading zeros are not octal, fractions where the setting has them */
	{ .what = "leading zeros are decimal", .text = "target_utilization = 080\nexclude = 010\ninterval = 02:09\n",
	  .want = "target_utilization=80 exclude=10 interval=2:9" },
	{ .what = "a fraction", .text = "horizon = 2.50\n", .want = "horizon=2.5" },
	{ .what = "a fraction on the command line", .text = "", .args = { "--horizon", "3.25", NULL },
	  .want = "horizon=3.25" },
	{ .what = "the ends of a fractional range", .text = "horizon = 0.1\n", .args = { "--horizon", "600", NULL },
	  .want = "horizon=600" },
	{ .what = "the lower end of a fractional range", .text = "horizon = 0.100\n", .want = "horizon=0.1" },
	{ .what = "-0 is 0", .text = "margin = -0\n", .want = "margin=0" },
};

static void test_options_good(void **state)
{
	(void)state;
	nfail = 0;
	for (size_t i = 0; i < NELEM(good_cases); i++) {
		const struct ocase *c = &good_cases[i];
		struct options *o = malloc(sizeof(*o));
		char err[4096];
		int r;

		assert_non_null(o);
		if (c->text)
			write_text(conf_path, c->text);
		r = parse_with(o, c->text ? conf_path : "", c->args, err, sizeof(err));
		CHECK(c->what, r == 0, "options_parse returned %d: %s", r, err);
		CHECK(c->what, err[0] == '\0', "stderr: %s", err);
		if (r == 0)
			check_snapshot(c->what, o, c->want);
		if (c->text)
			CHECK(c->what, strcmp(o->config_path, conf_path) == 0, "config_path %s", o->config_path);
		free(o);
	}
	assert_int_equal(nfail, 0);
}

struct bcase {
	const char *what;
	const char *text;
	const char *args[6];
	const char *errors;    /* stderr, with @ for the file's path */
	const char *cli[4];    /* the same value on the command line, which must give the same reason */
};

static const struct bcase bad_cases[] = {
	{ .what = "-u range", .text = "target_utilization = 150\n",
	  .errors = "numad: @:1: target_utilization: '150' is not a number from 10 to 130\n", .cli = { "-u", "150" } },
	{ .what = "-m range", .text = "\nmemory_locality = 20\n",
	  .errors = "numad: @:2: memory_locality: '20' is not a number from 50 to 100\n", .cli = { "-m", "20" } },
	{ .what = "-C is 0 or 1", .text = "inactive_file_cache = yes\n",
	  .errors = "numad: @:1: inactive_file_cache: 'yes' is not a decimal number\n", .cli = { "-C", "yes" } },
	{ .what = "-C 2", .text = "inactive_file_cache = 2\n",
	  .errors = "numad: @:1: inactive_file_cache: '2' is not a number from 0 to 1\n", .cli = { "-C", "2" } },
	{ .what = "-t range", .text = "smt_percent = 101\n",
	  .errors = "numad: @:1: smt_percent: '101' is not a number from 0 to 100\n", .cli = { "-t", "101" } },
	{ .what = "-l range", .text = "log_level = 8\n", .errors = "numad: @:1: log_level: '8' is not a number from 0 to 7\n",
	  .cli = { "-l", "8" } },
	{ .what = "--horizon range", .text = "horizon = 0\n",
	  .errors = "numad: @:1: horizon: '0' is not a number from 0.1 to 600\n", .cli = { "--horizon", "0" } },
	{ .what = "--margin a word", .text = "margin = lots\n",
	  .errors = "numad: @:1: margin: 'lots' is not a decimal number\n", .cli = { "--margin", "lots" } },
	{ .what = "--fast-interval range", .text = "fast_interval = 5\n",
	  .errors = "numad: @:1: fast_interval: '5' is not a number from 10 to 10000\n", .cli = { "--fast-interval", "5" } },
	{ .what = "-i MIN above MAX", .text = "interval = 9:3\n", .errors = "numad: @:1: interval: MIN 9 is above MAX 3\n",
	  .cli = { "-i", "9:3" } },
	{ .what = "interval 0 is the command line's stop", .text = "interval = 0\n",
	  .errors = "numad: @:1: interval: a MAX of 0 stops a running daemon, which only -i 0 on the command line does\n" },
	{ .what = "-K 2", .text = "keep_interleave = 2\n",
	  .errors = "numad: @:1: keep_interleave: '2' is not a number from 0 to 1\n", .cli = { "-K", "2" } },
	{ .what = "-S 2", .text = "scan_all = 2\n",
	  .errors = "numad: @:1: scan_all: '2' is not a number from 0 to 1\n", .cli = { "-S", "2" } },
	{ .what = "-R garbage", .text = "reserved_cpus = 1-x\n",
	  .errors = "numad: @:1: reserved_cpus: bad token '1-x' in list '1-x'\n", .cli = { "-R", "1-x" } },
	{ .what = "an empty pid", .text = "exclude = 1,,2\n",
	  .errors = "numad: @:1: exclude: a pid, name or UUID is missing in '1,,2'\n", .cli = { "-x", "1,,2" } },
	{ .what = "a list that ends in a comma", .text = "include = vm1,\n",
	  .errors = "numad: @:1: include: a pid, name or UUID is missing in 'vm1,'\n", .cli = { "-p", "vm1," } },
	{ .what = "a name that starts with a digit", .text = "exclude = 2fast\n",
	  .errors = "numad: @:1: exclude: '2fast' is not a decimal number (a domain whose name starts with a digit is "
		    "given by its UUID)\n",
	  .cli = { "-x", "2fast" } },
	{ .what = "a name too long", .text = "include = " LONG_NAME "\n",
	  .errors = "numad: @:1: include: '" LONG_NAME_HEAD "...': a domain name is at most 255 bytes\n",
	  .cli = { "-p", LONG_NAME } },
	{ .what = "a name with a control character", .text = "exclude = \"a\tb\"\n",
	  .errors = "numad: @:1: exclude: 'a\tb': a domain name has no control characters\n", .cli = { "-x", "a\tb" } },
	{ .what = "pid 0", .text = "exclude = 0\n",
	  .errors = "numad: @:1: exclude: '0' is not a number from 1 to 2147483647\n", .cli = { "-x", "0" } },
	{ .what = "a bool that is not", .text = "advise_only = maybe\n",
	  .errors = "numad: @:1: advise_only: 'maybe' is not yes, no, true, false, 1 or 0\n" },
	{ .what = "no such group", .text = "control_group = no-such-group-numad\n",
	  .errors = "numad: @:1: control_group: no group 'no-such-group-numad'\n",
	  .cli = { "--control-group", "no-such-group-numad" } },
	{ .what = "numad 0.5's letter is not a key", .text = "u = 85\n", .errors = "numad: @:1: unknown key 'u'\n" },
	{ .what = "one-shot options are not keys", .text = "w = 4:1024\nroot = /\nforeground = yes\nconfig = /x\n",
	  .errors = "numad: @:1: unknown key 'w'\nnumad: @:2: unknown key 'root'\nnumad: @:3: unknown key 'foreground'\n"
		    "numad: @:4: unknown key 'config'\n" },
	{ .what = "a long option's spelling", .text = "advise-only = yes\n",
	  .errors = "numad: @:1: unknown key 'advise-only' (did you mean 'advise_only'?)\n" },
	{ .what = "a British spelling", .text = "target_utilisation = 80\n",
	  .errors = "numad: @:1: unknown key 'target_utilisation' (did you mean 'target_utilization'?)\n" },
	{ .what = "two letters swapped", .text = "smt_precent = 20\n",
	  .errors = "numad: @:1: unknown key 'smt_precent' (did you mean 'smt_percent'?)\n" },
	{ .what = "a letter missing", .text = "horizn = 3\n",
	  .errors = "numad: @:1: unknown key 'horizn' (did you mean 'horizon'?)\n" },
	{ .what = "a long option's spelling and a typo", .text = "advise-onyl = yes\n",
	  .errors = "numad: @:1: unknown key 'advise-onyl' (did you mean 'advise_only'?)\n" },
	{ .what = "INTERVAL and interval", .text = "INTERVAL=15\ninterval = 3\n",
	  .errors = "numad: @:2: 'interval' repeats 'INTERVAL' from line 1 (INTERVAL is numad 0.5's name for interval)\n" },
	{ .what = "a duplicate", .text = "log_level = 3\n# again\nlog_level = 4\n",
	  .errors = "numad: @:3: duplicate key 'log_level' (first set on line 1)\n" },
	{ .what = "every error, in order", .text = "u = 1\ntarget_utilization = 5\nlog_level = 3\nlog_level = 4\nmargin\n",
	  .errors = "numad: @:1: unknown key 'u'\nnumad: @:2: target_utilization: '5' is not a number from 10 to 130\n"
		    "numad: @:4: duplicate key 'log_level' (first set on line 3)\nnumad: @:5: missing '='\n" },
	{ .what = "a bad file and a bad command line", .text = "margin = -1\n", .args = { "-u", "5", NULL },
	  .errors = "numad: @:1: margin: '-1' is not a number from 0 to 1048576\n"
		    "numad: -u: '5' is not a number from 10 to 130\n" },
	{ .what = "a good file and a bad command line", .text = "log_level = 6\r\nsocket = \"\"\r\n",
	  .args = { "--horizon", "700", NULL }, .errors = "numad: --horizon: '700' is not a number from 0.1 to 600\n" },
	/*
	 * Numbers, in numad.conf(5)'s grammar: decimal digits, a '-' before them, and a '.' and
	 * more digits only where the setting has fractions. The same words from the file and
	 * from the command line.
	 */
	{ .what = "hex", .text = "horizon = 0x10\n", .errors = "numad: @:1: horizon: '0x10' is not a decimal number\n",
	  .cli = { "--horizon", "0x10" } },
	{ .what = "an exponent", .text = "horizon = 1e1\n", .errors = "numad: @:1: horizon: '1e1' is not a decimal number\n",
	  .cli = { "--horizon", "1e1" } },
	{ .what = "an exponent in a whole number", .text = "smt_percent = 1e2\n",
	  .errors = "numad: @:1: smt_percent: '1e2' is not a decimal number\n", .cli = { "-t", "1e2" } },
	{ .what = "a hex fraction", .text = "horizon = 0x1p-3\n",
	  .errors = "numad: @:1: horizon: '0x1p-3' is not a decimal number\n", .cli = { "--horizon", "0x1p-3" } },
	{ .what = "inf", .text = "horizon = inf\n", .errors = "numad: @:1: horizon: 'inf' is not a decimal number\n",
	  .cli = { "--horizon", "inf" } },
	{ .what = "nan", .text = "horizon = nan\n", .errors = "numad: @:1: horizon: 'nan' is not a decimal number\n",
	  .cli = { "--horizon", "nan" } },
	{ .what = "a '+'", .text = "target_utilization = +80\n",
	  .errors = "numad: @:1: target_utilization: '+80' is not a decimal number\n", .cli = { "-u", "+80" } },
	{ .what = "a '+' before a fraction", .text = "horizon = +2.5\n",
	  .errors = "numad: @:1: horizon: '+2.5' is not a decimal number\n", .cli = { "--horizon", "+2.5" } },
	{ .what = "a unit after the number", .text = "margin = 256MB\n",
	  .errors = "numad: @:1: margin: '256MB' is not a decimal number\n", .cli = { "--margin", "256MB" } },
	{ .what = "a point without digits after it", .text = "horizon = 5.\n",
	  .errors = "numad: @:1: horizon: '5.' is not a decimal number\n", .cli = { "--horizon", "5." } },
	{ .what = "a point without digits before it", .text = "horizon = .5\n",
	  .errors = "numad: @:1: horizon: '.5' is not a decimal number\n", .cli = { "--horizon", ".5" } },
	{ .what = "a comma for the point", .text = "horizon = 2,5\n",
	  .errors = "numad: @:1: horizon: '2,5' is not a decimal number\n", .cli = { "--horizon", "2,5" } },
	{ .what = "a '-' alone", .text = "margin = -\n", .errors = "numad: @:1: margin: '-' is not a decimal number\n",
	  .cli = { "--margin", "-" } },
	{ .what = "a fraction where whole numbers go", .text = "target_utilization = 85.5\n",
	  .errors = "numad: @:1: target_utilization: '85.5' is not a whole number\n", .cli = { "-u", "85.5" } },
	{ .what = "85.0 is a fraction too", .text = "fast_interval = 100.0\n",
	  .errors = "numad: @:1: fast_interval: '100.0' is not a whole number\n", .cli = { "--fast-interval", "100.0" } },
	{ .what = "a fraction below the range", .text = "horizon = 0.09\n",
	  .errors = "numad: @:1: horizon: '0.09' is not a number from 0.1 to 600\n", .cli = { "--horizon", "0.09" } },
	{ .what = "a fraction above the range", .text = "horizon = 600.01\n",
	  .errors = "numad: @:1: horizon: '600.01' is not a number from 0.1 to 600\n", .cli = { "--horizon", "600.01" } },
	{ .what = "more digits than any number holds", .text = "margin = 99999999999999999999999\n",
	  .errors = "numad: @:1: margin: '99999999999999999999999' is not a number from 0 to 1048576\n",
	  .cli = { "--margin", "99999999999999999999999" } },
	{ .what = "a hex pid", .text = "exclude = 0x10\n",
	  .errors = "numad: @:1: exclude: '0x10' is not a decimal number (a domain whose name starts with a digit is "
		    "given by its UUID)\n",
	  .cli = { "-x", "0x10" } },
	{ .what = "a '+' pid in a list", .text = "exclude = 1, +2\n",
	  .errors = "numad: @:1: exclude: '+2' is not a decimal number\n", .cli = { "-x", "1, +2" } },
	{ .what = "a fraction in an interval", .text = "interval = 1.5:15\n",
	  .errors = "numad: @:1: interval: '1.5' is not a whole number\n", .cli = { "-i", "1.5:15" } },
	{ .what = "an exponent in an interval", .text = "interval = 1:1e1\n",
	  .errors = "numad: @:1: interval: '1e1' is not a decimal number\n", .cli = { "-i", "1:1e1" } },
	{ .what = "an exponent in a log level", .text = "log_level = 5e0\n",
	  .errors = "numad: @:1: log_level: '5e0' is not a decimal number\n", .cli = { "-l", "5e0" } },
	{ .what = "a blank before a number on the command line", .text = "", .args = { "-u", " 80", NULL },
	  .errors = "numad: -u: ' 80' is not a decimal number\n" },
	{ .what = "a blank after a number on the command line", .text = "", .args = { "--horizon", "2.5 ", NULL },
	  .errors = "numad: --horizon: '2.5 ' is not a decimal number\n" },
	{ .what = "a range written without an exponent", .text = "", .args = { "--run-for", "20000001", NULL },
	  .errors = "numad: --run-for: '20000001' is not a number from 0 to 10000000\n" },
	{ .what = "an exponent in a simulator option", .text = "", .args = { "--speed", "1e1", NULL },
	  .errors = "numad: --speed: '1e1' is not a decimal number\n" },
};

/* Replace each @ in pattern with path. */
static void expand(const char *pattern, const char *path, char *out, size_t len)
{
	size_t used = 0;

	for (const char *p = pattern; *p && used + 1 < len; p++)
		if (*p == '@')
			used += (size_t)snprintf(out + used, len - used, "%s", path);
		else
			out[used++] = *p;
	out[used < len ? used : len - 1] = '\0';
}

static void test_options_bad(void **state)
{
	(void)state;
	nfail = 0;
	for (size_t i = 0; i < NELEM(bad_cases); i++) {
		const struct bcase *c = &bad_cases[i];
		struct options *o = malloc(sizeof(*o));
		char err[4096], want[4096], cli_err[4096];
		int r;

		assert_non_null(o);
		write_text(conf_path, c->text);
		r = parse_with(o, conf_path, c->args, err, sizeof(err));
		expand(c->errors, conf_path, want, sizeof(want));
		CHECK(c->what, r == -1, "options_parse returned %d", r);
		CHECK(c->what, strcmp(err, want) == 0, "stderr:\n%s\nwanted:\n%s", err, want);
		if (c->cli[0]) {
			/* "numad: PATH:N: key: REASON" from the file, "numad: -x: REASON" from the command line. */
			const char *reason = strstr(err, ": ") ? strstr(strstr(err, ": ") + 2, ": ") : NULL;
			const char *key_end = reason ? strstr(reason + 2, ": ") : NULL;
			char cli_want[1024];

			r = parse_with(o, "", c->cli, cli_err, sizeof(cli_err));
			CHECK(c->what, r == -1, "the command line returned %d", r);
			snprintf(cli_want, sizeof(cli_want), "numad: %s%s", c->cli[0], key_end ? key_end : "?");
			CHECK(c->what, key_end && strcmp(cli_err, cli_want) == 0, "command line:\n%s\nwanted:\n%s", cli_err,
			      cli_want);
		}
		free(o);
	}
	assert_int_equal(nfail, 0);
}

/* An unknown long option gets the same kind of hint as an unknown key, and exit 2 (-1 here). */
static void test_unknown_option(void **state)
{
	static const struct {
		const char *args[3];
		const char *err;
	} cases[] = {
		{ { "--horizn", "3" }, "numad: unknown option '--horizn' (did you mean '--horizon'?)\n" },
		{ { "--margn=5" }, "numad: unknown option '--margn=5' (did you mean '--margin'?)\n" },
		{ { "--advise_only" }, "numad: unknown option '--advise_only' (did you mean '--advise-only'?)\n" },
		{ { "--Foreground" }, "numad: unknown option '--Foreground' (did you mean '--foreground'?)\n" },
		{ { "--migrate-rates", "5" }, "numad: unknown option '--migrate-rates' (did you mean '--migrate-rate'?)\n" },
		{ { "--bogus" }, "numad: unknown option '--bogus' (see numad -h)\n" },
		{ { "-Q" }, "numad: unknown option -Q (see numad -h)\n" },
	};
	(void)state;
	nfail = 0;
	for (size_t i = 0; i < NELEM(cases); i++) {
		struct options *o = malloc(sizeof(*o));
		char err[1024];
		int r;

		assert_non_null(o);
		r = parse_with(o, "", cases[i].args, err, sizeof(err));
		CHECK(cases[i].args[0], r == -1, "options_parse returned %d", r);
		CHECK(cases[i].args[0], strcmp(err, cases[i].err) == 0, "stderr:\n%s\nwanted:\n%s", err, cases[i].err);
		free(o);
	}
	assert_int_equal(nfail, 0);
}

/* More than 20 errors: the first 20, then a count. A missing or unreadable explicit file fails. */
static void test_options_file_trouble(void **state)
{
	struct options *o = malloc(sizeof(*o));
	char text[2048] = "", err[8192], want[8192], missing[192];
	size_t used = 0;
	(void)state;

	assert_non_null(o);
	for (int i = 0; i < 25; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used, "u%d = 1\n", i);
	write_text(conf_path, text);
	assert_int_equal(parse_with(o, conf_path, NULL, err, sizeof(err)), -1);
	used = 0;
	for (int i = 0; i < 20; i++)
		used += (size_t)snprintf(want + used, sizeof(want) - used, "numad: %s:%d: unknown key 'u%d'\n", conf_path,
					 i + 1, i);
	snprintf(want + used, sizeof(want) - used, "numad: %s: 5 more errors\n", conf_path);
	assert_string_equal(err, want);

	snprintf(missing, sizeof(missing), "%s/no-such.conf", tmpdir);
	assert_int_equal(parse_with(o, missing, NULL, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "numad: %s: cannot read: No such file or directory\n", missing);
	assert_string_equal(err, want);

	assert_int_equal(parse_with(o, tmpdir, NULL, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "numad: %s: cannot read: Is a directory\n", tmpdir);
	assert_string_equal(err, want);
	free(o);
}

/*
 * conf/numad.conf: it validates as shipped; it names exactly the keys of the every-key case
 * above (so a new key gets a line there); and it writes no value, only the value's name
 * ("#margin = MB", "#scan_all = 0|1"), so that no default is written twice: the defaults are
 * the option table's, which numad -h prints.
 */
static void test_shipped_conf(void **state)
{
	char err[4096], *text;
	struct options *o = malloc(sizeof(*o));
	char conf_keys[2048] = " ", every_keys[2048] = " ";
	(void)state;

	assert_non_null(o);
	assert_int_equal(parse_with(o, CONF_FILE, NULL, err, sizeof(err)), 0);
	assert_string_equal(err, "");

	text = fixture_read_file(CONF_FILE, err, sizeof(err));
	assert_non_null(text);
	for (const char *line = text; *line;) {
		size_t n = strcspn(line, "\n");
		size_t k = strspn(line + 1, "abcdefghijklmnopqrstuvwxyz0123456789_");

		if (line[0] == '#' && k && strncmp(line + 1 + k, " = ", 3) == 0) {
			const char *value = line + 1 + k + 3;
			size_t v = strcspn(value, " \n");

			snprintf(conf_keys + strlen(conf_keys), sizeof(conf_keys) - strlen(conf_keys), "%.*s ", (int)k,
				 line + 1);
			if (!(v == 3 && strncmp(value, "0|1", 3) == 0) && !(v == 6 && strncmp(value, "yes|no", 6) == 0))
				for (size_t i = 0; i < v; i++)
					if ((value[i] >= 'a' && value[i] <= 'z') || (value[i] >= '0' && value[i] <= '9'))
						fail_msg("conf/numad.conf writes a value, not its name: %.*s", (int)n, line);
		}
		line += n + (line[n] == '\n');
	}
	for (const char *line = EVERY_KEY_TEXT; *line; line = strchr(line, '\n') + 1)
		snprintf(every_keys + strlen(every_keys), sizeof(every_keys) - strlen(every_keys), "%.*s ",
			 (int)strcspn(line, " "), line);
	/* The same set: each of one is in the other, and as many. */
	for (const char *k = every_keys + 1; *k; k += strcspn(k, " ") + 1) {
		char word[64];

		snprintf(word, sizeof(word), " %.*s ", (int)strcspn(k, " "), k);
		if (!strstr(conf_keys, word))
			fail_msg("conf/numad.conf has no line for%s", word);
	}
	assert_int_equal(strlen(conf_keys), strlen(every_keys));
	free(text);
	free(o);
}

/* options_reload: the new file with the command line over it; on any error o stays as it was. */
static void test_reload(void **state)
{
	struct options *o = malloc(sizeof(*o)), *saved = malloc(sizeof(*saved));
	const char *args[] = { "-m", "70", NULL };
	char err[1024], want[1024], logged[4096];
	struct capture cap;
	(void)state;

	assert_non_null(o);
	assert_non_null(saved);
	nfail = 0;
	write_text(conf_path, "target_utilization = 50\nsocket = /tmp/a.sock\nlog_level = 5\nexclude = 10\n"
			      "fast_interval = 300\n");
	assert_int_equal(parse_with(o, conf_path, args, err, sizeof(err)), 0);
	check_snapshot("start", o, "target_utilization=50 memory_locality=70 socket=/tmp/a.sock exclude=10");

	/* Good: what can change does; what needs a restart is noted and kept; -m 70 still wins. */
	write_text(conf_path, "target_utilization = 60\nsocket = /tmp/b.sock\nlog_level = 7\nexclude = 11, 12, vm1\n"
			      "include = vm2\nmemory_locality = 95\nhorizon = 5\nadvise_only = yes\nfast_interval = 300\n");
	log_set_stderr_level(LOG_NOTICE);
	capture_start(&cap);
	assert_int_equal(options_reload(o, err, sizeof(err)), 0);
	capture_end(&cap, logged, sizeof(logged));
	log_set_stderr_level(LOG_WARNING);
	check_snapshot("reload", o,
		       "target_utilization=60 memory_locality=70 socket=/tmp/a.sock log_level=7 exclude=11,12,vm1 "
		       "include=vm2 horizon=5 advise_only=yes fast_interval=300");
	CHECK("reload", options_excludes(o, 0, "vm1", NULL) && options_excludes(o, 12, "other", NULL) &&
			!options_excludes(o, 13, "vm2", NULL) && options_includes(o, "vm2", NULL),
	      "the reloaded lists do not name what the file names");
	snprintf(want, sizeof(want), "numad: %s: socket changed: takes effect at restart\n", conf_path);
	assert_string_equal(logged, want);

	/* Bad: -1, the first error with its line, and o untouched. */
	memcpy(saved, o, sizeof(*o));
	write_text(conf_path, "target_utilization = 65\nmargin = x\nu = 1\n");
	assert_int_equal(options_reload(o, err, sizeof(err)), -1);
	snprintf(want, sizeof(want),
		 "%s:2: margin: 'x' is not a decimal number (and 1 more: numad --check-config lists them)", conf_path);
	assert_string_equal(err, want);
	assert_memory_equal(o, saved, sizeof(*o));

	write_text(conf_path, "horizon = 1000\n");
	assert_int_equal(options_reload(o, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:1: horizon: '1000' is not a number from 0.1 to 600", conf_path);
	assert_string_equal(err, want);
	assert_memory_equal(o, saved, sizeof(*o));

	/* An explicit file that went away is an error too. */
	unlink(conf_path);
	assert_int_equal(options_reload(o, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: cannot read: No such file or directory", conf_path);
	assert_string_equal(err, want);
	assert_memory_equal(o, saved, sizeof(*o));

	/* Fixed again: applied. */
	write_text(conf_path, "target_utilization = 40\n");
	assert_int_equal(options_reload(o, err, sizeof(err)), 0);
	check_snapshot("fixed", o, "target_utilization=40 memory_locality=70 log_level=5 exclude= advise_only=no horizon=2");
	assert_int_equal(nfail, 0);
	free(o);
	free(saved);
}

/* Which guests -x and -p name: a pid, a domain's exact name, or its UUID in any case; -x wins. */
static void test_guest_lists(void **state)
{
	static const char uuid[] = "5e1a0000-0000-4000-8000-0000000000ab";
	static const struct {
		const char *what, *file;
		const char *args[4];
		int pid;
		const char *name, *uuid;
		bool excluded, included;
	} cases[] = {
		{ "by pid", "exclude = 4000\n", { NULL }, 4000, "vm1", uuid, true, false },
		{ "another pid", "exclude = 4000\n", { NULL }, 4001, "vm1", uuid, false, false },
		{ "a pid names no domain by name", "exclude = 4000\n", { NULL }, 0, "4000", NULL, false, false },
		{ "by name", "exclude = vm1\n", { NULL }, 4000, "vm1", uuid, true, false },
		{ "a name is matched exactly", "exclude = vm1\n", { NULL }, 4000, "VM1", uuid, false, false },
		{ "by UUID in capitals", "exclude = 5E1A0000-0000-4000-8000-0000000000AB\n", { NULL }, 0, "x", uuid, true,
		  false },
		{ "include by name", "include = vm1\n", { NULL }, 4000, "vm1", uuid, false, true },
		{ "include by UUID on the command line", "", { "-p", uuid, NULL }, 0, "vm1", uuid, false, true },
		{ "named in both", "include = vm1\n", { "-x", uuid, NULL }, 0, "vm1", uuid, true, true },
		{ "a name with a blank inside", "exclude = \"web server\"\n", { NULL }, 0, "web server", NULL, true, false },
	};
	struct options *o = malloc(sizeof(*o));
	char err[1024];
	(void)state;

	assert_non_null(o);
	nfail = 0;
	for (size_t i = 0; i < NELEM(cases); i++) {
		write_text(conf_path, cases[i].file);
		CHECK(cases[i].what, parse_with(o, conf_path, cases[i].args, err, sizeof(err)) == 0, "refused: %s", err);
		CHECK(cases[i].what, options_excludes(o, cases[i].pid, cases[i].name, cases[i].uuid) == cases[i].excluded,
		      "excluded is not %d", cases[i].excluded);
		CHECK(cases[i].what, options_includes(o, cases[i].name, cases[i].uuid) == cases[i].included,
		      "included is not %d", cases[i].included);
	}
	assert_int_equal(nfail, 0);
	free(o);
}

/* Help and version need no config file, even a broken one. --check-config says OK and stops. */
static void test_one_shot(void **state)
{
	struct options *o = malloc(sizeof(*o));
	const char *help[] = { "-h", NULL }, *check[] = { "--check-config", NULL };
	char err[1024], want[512], out[8192];
	struct capture cap;
	(void)state;

	assert_non_null(o);
	write_text(conf_path, "this is not a config\n");
	capture_fd(&cap, 1);
	assert_int_equal(parse_with(o, conf_path, help, err, sizeof(err)), 1);
	capture_end(&cap, out, sizeof(out));
	assert_string_equal(err, "");
	assert_true(strncmp(out, "Usage: numad", 12) == 0);
	assert_non_null(strstr(out, "--check-config"));
	write_text(conf_path, "log_level = 6\n");
	assert_int_equal(parse_with(o, conf_path, check, err, sizeof(err)), 1);
	snprintf(want, sizeof(want), "%s: OK\n", conf_path);
	assert_string_equal(err, want);
	assert_int_equal(parse_with(o, "", check, err, sizeof(err)), 1);
	assert_string_equal(err, "no configuration file: OK\n");
	write_text(conf_path, "log_level = 9\n");
	assert_int_equal(parse_with(o, conf_path, check, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:1: log_level: '9' is not a number from 0 to 7\n", conf_path);
	assert_string_equal(err, want);
	free(o);
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/numad-config.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(conf_path, sizeof(conf_path), "%s/numad.conf", tmpdir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (int i = 0; i < nargv_pool; i++)
		free(argv_pool[i]);
	return fixture_remove(tmpdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_parse_long_lines),
		cmocka_unit_test(test_parse_maxerrs),
		cmocka_unit_test(test_options_good),
		cmocka_unit_test(test_options_bad),
		cmocka_unit_test(test_unknown_option),
		cmocka_unit_test(test_options_file_trouble),
		cmocka_unit_test(test_shipped_conf),
		cmocka_unit_test(test_reload),
		cmocka_unit_test(test_guest_lists),
		cmocka_unit_test(test_one_shot),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
