/* virt.h: the libvirt connection, domain discovery, and libvirt's implementation of the actuator. */
#ifndef NUMAD_VIRT_H
#define NUMAD_VIRT_H

#include <stdbool.h>

#include "host.h"
#include "nodeset.h"

struct daemon;
struct virt;
struct job;
struct actuator_ops;

/* virt.c */
/*
 * Connect (and keep reconnecting with back-off). The connection is opened in a thread: the
 * start waits up to 1 s for it, then goes on, and the loop takes it when libvirtd answers.
 * Returns the handle; never fails on a dead or silent libvirtd.
 */
struct virt *virt_open(struct daemon *d, const char *uri);
/* Close the connection and free the handle. */
void virt_close(struct virt *v);
/* True when connected. */
bool virt_connected(const struct virt *v);
/* True while a connection is being opened (libvirtd has not answered yet). */
bool virt_connecting(const struct virt *v);
/* Re-read the domain list into the guest table. */
void virt_refresh(struct virt *v);
/*
 * The host behind libvirt as a nodeset write and numad's page moves meet it (host.h): the
 * live kernel (no hooks), or a simulated one, which migrates in the writer's thread and
 * moves its own pages.
 */
void virt_set_host(struct virt *v, const struct host_hooks *h);
/* The actuator that applies plans through this connection (NUMAD_INJECT_FAULT's fakes around it when set), and its context. */
const struct actuator_ops *virt_actuator(struct virt *v, void **ctx);

#endif
