/*
 * inject.c: the actuator's test fakes, named by NUMAD_INJECT_FAULT and never set in
 * production. They wrap libvirt's implementation (virt.c):
 *   transient:N, permanent:N   the next N plans fail (their first nodeset write), as a
 *                              libvirtd that refuses for now, or for good;
 *   slow:MS                    every nodeset write holds MS ms of real time after the new
 *                              nodeset is set and before the CPU pins, as a libvirtd that
 *                              answers slowly would (in the actuator's thread: the loop
 *                              goes on meanwhile).
 * disconnect:AT:FOR (the connection's) and noevents (the domain events') are in virt.c.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actuator.h"
#include "inject.h"
#include "log.h"

struct inject {
	const struct actuator_ops *inner;
	void *inner_ctx;
	pthread_mutex_t mu;
	int transient, permanent;  /* under mu */
	int slow_ms;
	struct actuator_ops ops;
};

static struct inject the_fakes; /* one per process: the variable is read once */

static int fake_set_nodes(void *ctx, struct job *j)
{
	struct inject *f = ctx;
	const char *fail = NULL;
	int out = OUT_APPLIED;
	char set[64];

	if (j->kind == JOB_SET) {
		pthread_mutex_lock(&f->mu);
		if (f->permanent > 0 && f->permanent--)
			fail = "permanent";
		else if (f->transient > 0 && f->transient--)
			fail = "transient";
		pthread_mutex_unlock(&f->mu);
	}
	if (fail) {
		snprintf(j->why, sizeof(j->why), "injected %s failure (NUMAD_INJECT_FAULT)", fail);
		return fail[0] == 'p' ? OUT_PERMANENT : OUT_TRANSIENT;
	}
	out = f->inner->set_nodes(f->inner_ctx, j);
	if (out == OUT_APPLIED && f->slow_ms > 0) {
		struct timespec left = { f->slow_ms / 1000, (long)(f->slow_ms % 1000) * 1000000L };

		nodeset_format(&j->nodes, set, sizeof(set));
		log_notice("fault injection: the apply to domain %s holds for %d ms, nodeset %s set, pins to come",
			   j->name, f->slow_ms, set);
		while (nanosleep(&left, &left) < 0 && errno == EINTR)
			;
	}
	return out;
}

static int fake_pin(void *ctx, struct job *j)
{
	struct inject *f = ctx;

	return f->inner->pin(f->inner_ctx, j);
}

static int fake_move_pages(void *ctx, struct job *j)
{
	struct inject *f = ctx;

	return f->inner->move_pages(f->inner_ctx, j);
}

static void *fake_acquire(void *ctx)
{
	struct inject *f = ctx;

	return f->inner->acquire ? f->inner->acquire(f->inner_ctx) : NULL;
}

static void fake_release(void *ctx, void *handle)
{
	struct inject *f = ctx;

	if (f->inner->release)
		f->inner->release(f->inner_ctx, handle);
}

const struct actuator_ops *inject_wrap(const char *spec, const struct actuator_ops *inner, void *inner_ctx, void **ctx)
{
	struct inject *f = &the_fakes;
	char *copy = strdup(spec), *tok, *save = NULL;
	bool any = false;

	if (!copy)
		return NULL;
	memset(f, 0, sizeof(*f));
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (strncmp(tok, "transient:", 10) == 0)
			f->transient = atoi(tok + 10);
		else if (strncmp(tok, "permanent:", 10) == 0)
			f->permanent = atoi(tok + 10);
		else if (strncmp(tok, "slow:", 5) == 0)
			f->slow_ms = atoi(tok + 5);
		else if (strncmp(tok, "disconnect:", 11) != 0 && strcmp(tok, "noevents") != 0)
			log_warnx("NUMAD_INJECT_FAULT: unknown fault '%s' ignored", tok);
		else
			continue;
		any = true;
	}
	free(copy);
	if (!any)
		return NULL;
	pthread_mutex_init(&f->mu, NULL);
	f->inner = inner;
	f->inner_ctx = inner_ctx;
	f->ops = (struct actuator_ops){ "fakes around libvirt", false, fake_set_nodes, fake_pin, fake_move_pages,
					fake_acquire, fake_release };
	*ctx = f;
	return &f->ops;
}
