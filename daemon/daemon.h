/* daemon.h: the event loop. */
#ifndef NUMAD_DAEMON_H
#define NUMAD_DAEMON_H

struct options;

/* daemon.c */
/* Run the daemon until SIGTERM/SIGINT (or --run-for). Returns the exit code. */
int daemon_run(struct options *o);

#endif
