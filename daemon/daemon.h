/* daemon.h: the event loop. */
#ifndef NUMAD_DAEMON_H
#define NUMAD_DAEMON_H

struct daemon;
struct host;
struct options;

/* daemon.c */
/*
 * Run the daemon until SIGTERM/SIGINT (or --run-for). Returns the exit code. On the real
 * host open_host is NULL; a simulated host's (numad-sim) fills in the host once the event
 * loop exists, from the options, which it does not change (host.h). The daemon then stays
 * in the foreground.
 */
int daemon_run(struct options *o, int (*open_host)(struct daemon *d, struct host *h));
/* numad's start after its options: the log (and its copy on stderr), then daemon_run. */
int daemon_main(struct options *o, int (*open_host)(struct daemon *d, struct host *h));

#endif
