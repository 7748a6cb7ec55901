/* ctl.h: the daemon's control socket; the protocol it speaks is ctlproto.h. */
#ifndef NUMAD_CTL_H
#define NUMAD_CTL_H

struct daemon;
struct ctl;

/* ctl.c */
/*
 * Listen on the socket systemd passed (socket activation), else on path (NULL or "" for
 * no socket). Returns NULL when there is no socket or it must not start (another daemon,
 * unsafe path).
 */
struct ctl *ctl_open(struct daemon *d, const char *path);
/* Stop listening, drop clients, remove the socket (unless systemd owns it). */
void ctl_close(struct ctl *c);

#endif
