/*
 * evbridge.c: libvirt's event loop implemented on the daemon's libevent base, so libvirt's
 * sockets, keepalives and domain events run in the same single loop as everything else.
 * libvirt's callbacks carry no context pointer, so the base is held in one static.
 *
 * libvirt calls the add, update and remove functions from any thread: the actuator's
 * workers make RPCs, and the thread that does a call's I/O changes its socket's watch. The
 * libevent events themselves are only ever changed in the loop's thread: libevent's
 * event_del() from another thread waits for the event's callback to finish, and that
 * callback (libvirt's client I/O) can be waiting for the lock the calling thread holds.
 * So a call from another thread records what it wants and wakes the loop, which applies it
 * (sync_all); a handle or timer removed there is not called again.
 */
#include <event2/event.h>
#include <event2/thread.h>
#include <libvirt/libvirt.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "evbridge.h"
#include "log.h"

struct bridge_handle {
	int id;
	int fd;
	int events;      /* libvirt VIR_EVENT_HANDLE_* wanted */
	int armed;       /* what the libevent event watches now (loop thread) */
	bool removed;
	virEventHandleCallback cb;
	void *opaque;
	virFreeCallback ff;
	struct event *ev;
	struct bridge_handle *next;
};

struct bridge_timer {
	int id;
	int ms;          /* -1 disabled, 0 every loop turn, >0 period */
	bool dirty;      /* ms changed since the loop last armed it */
	bool removed;
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
static pthread_t loop_thread;
static struct event *sync_ev;    /* made active from other threads: the loop applies their changes */
static struct bridge_handle *handles;
static struct bridge_timer *timers;
static int next_id = 1;
static pthread_mutex_t bridge_lock = PTHREAD_MUTEX_INITIALIZER;

static bool on_loop(void)
{
	return pthread_equal(pthread_self(), loop_thread);
}

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
	bool removed;

	pthread_mutex_lock(&bridge_lock);
	removed = h->removed;
	pthread_mutex_unlock(&bridge_lock);
	if (removed)
		return; /* removed by another thread; the loop frees it at its sync */
	if (what & EV_READ)
		ev |= VIR_EVENT_HANDLE_READABLE;
	if (what & EV_WRITE)
		ev |= VIR_EVENT_HANDLE_WRITABLE;
	h->cb(h->id, (int)fd, ev, h->opaque);
}

static void timer_fired(evutil_socket_t fd, short what, void *arg)
{
	struct bridge_timer *t = arg;
	bool removed;

	(void)fd;
	(void)what;
	pthread_mutex_lock(&bridge_lock);
	removed = t->removed;
	pthread_mutex_unlock(&bridge_lock);
	if (!removed)
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

/* Loop thread, bridge_lock held: make h's libevent event watch what libvirt wants. */
static void arm_handle(struct bridge_handle *h)
{
	short f = to_libevent(h->events);

	if (h->ev && h->armed == h->events)
		return;
	if (h->ev) {
		event_del(h->ev);
		event_free(h->ev);
		h->ev = NULL;
	}
	h->armed = h->events;
	if (!f)
		return;
	h->ev = event_new(bridge_base, h->fd, f | EV_PERSIST, handle_fired, h);
	if (h->ev)
		event_add(h->ev, NULL);
}

/* Loop thread, bridge_lock held. */
static void arm_timer(struct bridge_timer *t)
{
	struct timeval tv;

	t->dirty = false;
	event_del(t->ev);
	if (t->ms < 0)
		return;
	tv.tv_sec = t->ms / 1000;
	tv.tv_usec = (t->ms % 1000) * 1000;
	event_add(t->ev, &tv);
}

/* Loop thread: apply what other threads asked for, and free what they removed. */
static void sync_all(evutil_socket_t fd, short what, void *arg)
{
	struct bridge_handle **hp, *gone_h = NULL;
	struct bridge_timer **tp, *gone_t = NULL;

	(void)fd;
	(void)what;
	(void)arg;
	pthread_mutex_lock(&bridge_lock);
	for (hp = &handles; *hp;) {
		struct bridge_handle *h = *hp;
		if (h->removed) {
			*hp = h->next;
			h->next = gone_h;
			gone_h = h;
			continue;
		}
		arm_handle(h);
		hp = &h->next;
	}
	for (tp = &timers; *tp;) {
		struct bridge_timer *t = *tp;
		if (t->removed) {
			*tp = t->next;
			t->next = gone_t;
			gone_t = t;
			continue;
		}
		if (t->dirty)
			arm_timer(t);
		tp = &t->next;
	}
	pthread_mutex_unlock(&bridge_lock);
	while (gone_h) {
		struct bridge_handle *h = gone_h;
		gone_h = h->next;
		if (h->ev)
			event_free(h->ev);
		defer_free(h->ff, h->opaque);
		free(h);
	}
	while (gone_t) {
		struct bridge_timer *t = gone_t;
		gone_t = t->next;
		event_free(t->ev);
		defer_free(t->ff, t->opaque);
		free(t);
	}
}

/* Another thread changed something: the loop applies it at once. */
static void wake_loop(void)
{
	event_active(sync_ev, EV_TIMEOUT, 0);
}

static int add_handle(int fd, int events, virEventHandleCallback cb, void *opaque, virFreeCallback ff)
{
	struct bridge_handle *h = calloc(1, sizeof(*h));
	int id;

	if (!h)
		return -1;
	pthread_mutex_lock(&bridge_lock);
	id = h->id = next_id++;
	h->fd = fd;
	h->events = events;
	h->armed = -1;
	h->cb = cb;
	h->opaque = opaque;
	h->ff = ff;
	h->next = handles;
	handles = h;
	if (on_loop())
		arm_handle(h);
	pthread_mutex_unlock(&bridge_lock);
	if (!on_loop())
		wake_loop();
	return id;
}

static void update_handle(int id, int events)
{
	bool found = false;

	pthread_mutex_lock(&bridge_lock);
	for (struct bridge_handle *h = handles; h; h = h->next)
		if (h->id == id && !h->removed) {
			h->events = events;
			if (on_loop())
				arm_handle(h);
			found = true;
			break;
		}
	pthread_mutex_unlock(&bridge_lock);
	if (found && !on_loop())
		wake_loop();
}

static int remove_handle(int id)
{
	struct bridge_handle **pp, *h = NULL;

	pthread_mutex_lock(&bridge_lock);
	for (pp = &handles; *pp; pp = &(*pp)->next)
		if ((*pp)->id == id && !(*pp)->removed) {
			h = *pp;
			if (on_loop())
				*pp = h->next;
			else
				h->removed = true; /* the loop unlinks and frees it */
			break;
		}
	pthread_mutex_unlock(&bridge_lock);
	if (!h)
		return -1;
	if (!on_loop()) {
		wake_loop();
		return 0;
	}
	if (h->ev) {
		event_del(h->ev);
		event_free(h->ev);
	}
	defer_free(h->ff, h->opaque);
	free(h);
	return 0;
}

static int add_timeout(int ms, virEventTimeoutCallback cb, void *opaque, virFreeCallback ff)
{
	struct bridge_timer *t = calloc(1, sizeof(*t));
	int id;

	if (!t)
		return -1;
	t->ev = event_new(bridge_base, -1, EV_PERSIST, timer_fired, t);
	if (!t->ev) {
		free(t);
		return -1;
	}
	pthread_mutex_lock(&bridge_lock);
	id = t->id = next_id++;
	t->ms = ms;
	t->cb = cb;
	t->opaque = opaque;
	t->ff = ff;
	t->next = timers;
	timers = t;
	t->dirty = true;
	if (on_loop())
		arm_timer(t);
	pthread_mutex_unlock(&bridge_lock);
	if (!on_loop())
		wake_loop();
	return id;
}

static void update_timeout(int id, int ms)
{
	bool found = false;

	pthread_mutex_lock(&bridge_lock);
	for (struct bridge_timer *t = timers; t; t = t->next)
		if (t->id == id && !t->removed) {
			t->ms = ms;
			t->dirty = true;
			if (on_loop())
				arm_timer(t);
			found = true;
			break;
		}
	pthread_mutex_unlock(&bridge_lock);
	if (found && !on_loop())
		wake_loop();
}

static int remove_timeout(int id)
{
	struct bridge_timer **pp, *t = NULL;

	pthread_mutex_lock(&bridge_lock);
	for (pp = &timers; *pp; pp = &(*pp)->next)
		if ((*pp)->id == id && !(*pp)->removed) {
			t = *pp;
			if (on_loop())
				*pp = t->next;
			else
				t->removed = true; /* the loop unlinks and frees it */
			break;
		}
	pthread_mutex_unlock(&bridge_lock);
	if (!t)
		return -1;
	if (!on_loop()) {
		wake_loop();
		return 0;
	}
	event_del(t->ev);
	event_free(t->ev);
	defer_free(t->ff, t->opaque);
	free(t);
	return 0;
}

int evbridge_register(struct event_base *base)
{
	bridge_base = base;
	loop_thread = pthread_self(); /* the thread that runs the loop */
	sync_ev = event_new(base, -1, 0, sync_all, NULL);
	if (!sync_ev)
		return -1;
	virEventRegisterImpl(add_handle, update_handle, remove_handle, add_timeout, update_timeout,
			     remove_timeout);
	return 0;
}

void evbridge_shutdown(void)
{
	sync_all(-1, 0, NULL);
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
	if (sync_ev)
		event_free(sync_ev);
	sync_ev = NULL;
}
