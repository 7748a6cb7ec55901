/* inject.h: NUMAD_INJECT_FAULT's actuator fakes, for tests. */
#ifndef NUMAD_INJECT_H
#define NUMAD_INJECT_H

struct actuator_ops;

/* inject.c: transient:N, permanent:N, slow:MS */
/* Wrap inner (libvirt's) in the fakes that spec names; NULL when it names none of them. */
const struct actuator_ops *inject_wrap(const char *spec, const struct actuator_ops *inner, void *inner_ctx, void **ctx);

#endif
