/*
 * evbridge.c: libvirt's event loop implemented on the daemon's libevent base, so libvirt's
 * sockets, keepalives and domain events run in the same single loop as everything else.
 * libvirt's callbacks carry no context pointer, so the base is held in one static.
 */
#include <event2/event.h>
#include <event2/thread.h>
#include <libvirt/libvirt.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "evbridge.h"
#include "log.h"

struct bridge_handle {
	int id;
	int fd;
	int events;      /* libvirt VIR_EVENT_HANDLE_* */
	virEventHandleCallback cb;
	void *opaque;
	virFreeCallback ff;
	struct event *ev;
	struct bridge_handle *next;
};

struct bridge_timer {
	int id;
	int ms;          /* -1 disabled, 0 every loop turn, >0 period */
	virEventTimeoutCallback cb;
	void *opaque;
	virFreeCallback ff;
	struct event *ev;
	struct bridge_timer *next;
};

struct deferred_free {
	virFreeCallback ff;
	void *opaque;
};

static struct event_base *bridge_base;
static struct bridge_handle *handles;
static struct bridge_timer *timers;
static int next_id = 1;
static pthread_mutex_t bridge_lock = PTHREAD_MUTEX_INITIALIZER;

static short to_libevent(int events)
{
	short f = 0;

	if (events & VIR_EVENT_HANDLE_READABLE)
		f |= EV_READ;
	if (events & VIR_EVENT_HANDLE_WRITABLE)
		f |= EV_WRITE;
	return f;
}

static void handle_fired(evutil_socket_t fd, short what, void *arg)
{
	struct bridge_handle *h = arg;
	int ev = 0;

	if (what & EV_READ)
		ev |= VIR_EVENT_HANDLE_READABLE;
	if (what & EV_WRITE)
		ev |= VIR_EVENT_HANDLE_WRITABLE;
	h->cb(h->id, (int)fd, ev, h->opaque);
}

static void timer_fired(evutil_socket_t fd, short what, void *arg)
{
	struct bridge_timer *t = arg;

	(void)fd;
	(void)what;
	t->cb(t->id, t->opaque);
}

/* libvirt requires free callbacks to run outside the remove call: do it on the next loop turn. */
static void run_deferred_free(evutil_socket_t fd, short what, void *arg)
{
	struct deferred_free *df = arg;

	(void)fd;
	(void)what;
	df->ff(df->opaque);
	free(df);
}

static void defer_free(virFreeCallback ff, void *opaque)
{
	struct timeval zero = { 0, 0 };
	struct deferred_free *df;

	if (!ff)
		return;
	df = malloc(sizeof(*df));
	if (!df || event_base_once(bridge_base, -1, EV_TIMEOUT, run_deferred_free, df, &zero) < 0) {
		free(df);
		ff(opaque); /* better now than never */
		return;
	}
	df->ff = ff;
	df->opaque = opaque;
}

static void arm_handle(struct bridge_handle *h)
{
	short f = to_libevent(h->events);

	if (h->ev) {
		event_del(h->ev);
		event_free(h->ev);
		h->ev = NULL;
	}
	if (!f)
		return;
	h->ev = event_new(bridge_base, h->fd, f | EV_PERSIST, handle_fired, h);
	if (h->ev)
		event_add(h->ev, NULL);
}

static int add_handle(int fd, int events, virEventHandleCallback cb, void *opaque, virFreeCallback ff)
{
	struct bridge_handle *h = calloc(1, sizeof(*h));

	if (!h)
		return -1;
	pthread_mutex_lock(&bridge_lock);
	h->id = next_id++;
	h->fd = fd;
	h->events = events;
	h->cb = cb;
	h->opaque = opaque;
	h->ff = ff;
	h->next = handles;
	handles = h;
	arm_handle(h);
	pthread_mutex_unlock(&bridge_lock);
	return h->id;
}

static void update_handle(int id, int events)
{
	pthread_mutex_lock(&bridge_lock);
	for (struct bridge_handle *h = handles; h; h = h->next)
		if (h->id == id) {
			if (h->events != events) {
				h->events = events;
				arm_handle(h);
			}
			break;
		}
	pthread_mutex_unlock(&bridge_lock);
}

static int remove_handle(int id)
{
	struct bridge_handle **pp, *h = NULL;

	pthread_mutex_lock(&bridge_lock);
	for (pp = &handles; *pp; pp = &(*pp)->next)
		if ((*pp)->id == id) {
			h = *pp;
			*pp = h->next;
			break;
		}
	pthread_mutex_unlock(&bridge_lock);
	if (!h)
		return -1;
	if (h->ev) {
		event_del(h->ev);
		event_free(h->ev);
	}
	defer_free(h->ff, h->opaque);
	free(h);
	return 0;
}

static void arm_timer(struct bridge_timer *t)
{
	struct timeval tv;

	event_del(t->ev);
	if (t->ms < 0)
		return;
	tv.tv_sec = t->ms / 1000;
	tv.tv_usec = (t->ms % 1000) * 1000;
	event_add(t->ev, &tv);
}

static int add_timeout(int ms, virEventTimeoutCallback cb, void *opaque, virFreeCallback ff)
{
	struct bridge_timer *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	t->ev = event_new(bridge_base, -1, EV_PERSIST, timer_fired, t);
	if (!t->ev) {
		free(t);
		return -1;
	}
	pthread_mutex_lock(&bridge_lock);
	t->id = next_id++;
	t->ms = ms;
	t->cb = cb;
	t->opaque = opaque;
	t->ff = ff;
	t->next = timers;
	timers = t;
	arm_timer(t);
	pthread_mutex_unlock(&bridge_lock);
	return t->id;
}

static void update_timeout(int id, int ms)
{
	pthread_mutex_lock(&bridge_lock);
	for (struct bridge_timer *t = timers; t; t = t->next)
		if (t->id == id) {
			t->ms = ms;
			arm_timer(t);
			break;
		}
	pthread_mutex_unlock(&bridge_lock);
}

static int remove_timeout(int id)
{
	struct bridge_timer **pp, *t = NULL;

	pthread_mutex_lock(&bridge_lock);
	for (pp = &timers; *pp; pp = &(*pp)->next)
		if ((*pp)->id == id) {
			t = *pp;
			*pp = t->next;
			break;
		}
	pthread_mutex_unlock(&bridge_lock);
	if (!t)
		return -1;
	event_del(t->ev);
	event_free(t->ev);
	defer_free(t->ff, t->opaque);
	free(t);
	return 0;
}

int evbridge_register(struct event_base *base)
{
	bridge_base = base;
	virEventRegisterImpl(add_handle, update_handle, remove_handle, add_timeout, update_timeout,
			     remove_timeout);
	return 0;
}

void evbridge_shutdown(void)
{
	/* Remaining handles belong to libvirt objects already closed; release our side. */
	while (handles) {
		struct bridge_handle *h = handles;
		handles = h->next;
		if (h->ev)
			event_free(h->ev);
		free(h);
	}
	while (timers) {
		struct bridge_timer *t = timers;
		timers = t->next;
		event_free(t->ev);
		free(t);
	}
}
