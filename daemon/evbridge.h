/* evbridge.h: libvirt's event loop on libevent. */
#ifndef NUMAD_EVBRIDGE_H
#define NUMAD_EVBRIDGE_H

/* evbridge.c */
struct event_base;
/* Back libvirt's event loop with base; call before opening a connection. */
int evbridge_register(struct event_base *base);
/* Release the bridge's own records at exit. */
void evbridge_shutdown(void);

#endif
