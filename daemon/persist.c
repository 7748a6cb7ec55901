/*
 * persist.c: the state file between the guest table and lib/statefile.c. Times go to the
 * file as wall-clock milliseconds, since the daemon's clock (monotonic, or a simulation's)
 * starts over with each run; a guest's last move is converted once, when it changes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "log.h"
#include "persist.h"
#include "state.h"
#include "statefile.h"

#define WRITE_EVERY_MS 1000  /* the most often the file is written */

struct persist {
	const char *path;
	struct state_table loaded;  /* what the file held at start */
	bool *claimed;              /* per loaded entry: handed to a guest */
	bool listed;                /* a complete domain list came: unclaimed entries are gone */
	char *written;              /* the text last written, NULL before the first write */
	int64_t written_at_ms;      /* monotonic time of the last try, 0 before the first */
	bool warned;                /* a failed write was logged; the next success says so */
};

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Host time per real time: a simulated host's clock may run faster than the wall. */
static double speed(const struct daemon *d)
{
	return d->host.speed > 0 ? d->host.speed : 1.0;
}

const char *persist_path(const struct daemon *d)
{
	const struct options *o = d->o;

	if (!o->state_file_asked && (o->simulate || (o->root && strcmp(o->root, "/") != 0)))
		return NULL; /* a simulated or fixture host never writes the real host's file */
	return o->state_file && *o->state_file ? o->state_file : NULL;
}

void persist_open(struct daemon *d)
{
	const char *path = persist_path(d);
	struct persist *p;
	char err[512];
	int rc;

	if (!path || !(p = calloc(1, sizeof(*p))))
		return;
	p->path = path;
	d->persist = p;
	rc = statefile_load(path, &p->loaded, err, sizeof(err));
	if (rc < 0) {
		log_warnx("state file %s; starting afresh: guests' last moves are forgotten", err);
		return;
	}
	if (rc == 0 && p->loaded.n && !(p->claimed = calloc((size_t)p->loaded.n, sizeof(bool)))) {
		statefile_free(&p->loaded);
		return;
	}
	if (rc == 0)
		log_info("state file %s: %d guests known", path, p->loaded.n);
}

bool persist_restore(struct daemon *d, struct guest *g)
{
	struct persist *p = d->persist;
	int64_t now = daemon_now(d), ago_ms;
	char from[160] = "-";

	if (!p || p->listed)
		return false;
	for (int i = 0; i < p->loaded.n; i++) {
		const struct state_entry *e = &p->loaded.e[i];

		if (p->claimed[i] || strcasecmp(e->uuid, g->uuid) != 0)
			continue;
		if (e->dom_id != g->dom_id)
			return false; /* the domain was restarted: a new guest */
		p->claimed[i] = true;
		g->verdict_known = true;
		g->placement_auto = e->managed;
		g->awaiting_libvirt = e->urgent;
		if (e->has_prev) {
			g->prev_nodes = e->prev;
			nodeset_format(&e->prev, from, sizeof(from));
		}
		if (e->moved_wall_ms) {
			ago_ms = wall_ms() - e->moved_wall_ms;
			if (ago_ms < 0)
				ago_ms = 0; /* the wall clock went back: as if it had just moved */
			g->last_move_ms = now - (int64_t)((double)ago_ms * speed(d));
			if (!g->last_move_ms)
				g->last_move_ms = -1; /* 0 is "never moved" */
			g->moved_wall_ms = e->moved_wall_ms;
			g->moved_wall_of_ms = g->last_move_ms;
			log_notice("domain %s: from the state file: %s, last moved %.0f s ago from nodes %s%s", g->name,
				 e->managed ? "managed" : "observed", (double)ago_ms / 1000.0, from,
				 e->urgent ? ", an urgent move waited for libvirt" : "");
		} else {
			log_notice("domain %s: from the state file: %s, never moved%s", g->name,
				 e->managed ? "managed" : "observed", e->urgent ? ", an urgent move waited for libvirt" : "");
		}
		return true;
	}
	return false;
}

void persist_listed(struct daemon *d)
{
	if (d->persist)
		d->persist->listed = true;
}

/* What the file should hold now. */
static int build(struct daemon *d, struct state_table *t)
{
	struct persist *p = d->persist;
	int64_t now = daemon_now(d), wall = wall_ms();

	for (int i = 0; i < d->nguests; i++) {
		struct guest *g = &d->guests[i];
		struct state_entry e;

		if (!g->verdict_known)
			continue;
		if (g->last_move_ms && g->last_move_ms != g->moved_wall_of_ms) {
			g->moved_wall_ms = wall - (int64_t)((double)(now - g->last_move_ms) / speed(d));
			g->moved_wall_of_ms = g->last_move_ms;
		}
		memset(&e, 0, sizeof(e));
		snprintf(e.uuid, sizeof(e.uuid), "%s", g->uuid);
		e.dom_id = g->dom_id;
		e.managed = g->placement_auto;
		e.moved_wall_ms = g->last_move_ms && g->moved_wall_ms > 0 ? g->moved_wall_ms : 0;
		e.has_prev = !nodeset_empty(&g->prev_nodes);
		e.prev = g->prev_nodes;
		e.urgent = g->awaiting_libvirt;
		if (statefile_add(t, &e) < 0)
			return -1;
	}
	/* Until libvirt has listed its domains, what the file knew of the others is kept. */
	for (int i = 0; !p->listed && i < p->loaded.n; i++)
		if (!p->claimed[i] && !guest_find(d, p->loaded.e[i].uuid) && statefile_add(t, &p->loaded.e[i]) < 0)
			return -1;
	return 0;
}

/* mkdir the file's directory when it is missing (the unit's StateDirectory= makes it). */
static void make_dir(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');

	if (!slash || slash == path || (size_t)(slash - path) >= sizeof(dir))
		return;
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		log_debug("state file directory %s: %s", dir, strerror(errno));
}

void persist_flush(struct daemon *d, bool now)
{
	struct persist *p = d->persist;
	struct state_table t = { 0 };
	char err[512], *text;

	if (!p)
		return;
	if (build(d, &t) < 0 || !(text = statefile_format(&t))) {
		statefile_free(&t);
		log_warnx("state file %s: out of memory", p->path);
		return;
	}
	statefile_free(&t);
	if ((p->written && strcmp(text, p->written) == 0) ||
	    (!now && p->written_at_ms && now_ms() - p->written_at_ms < WRITE_EVERY_MS)) {
		free(text); /* unchanged, or written less than a second ago: a later tick writes it */
		return;
	}
	if (!p->written)
		make_dir(p->path);
	if (statefile_save(p->path, text, err, sizeof(err)) < 0) {
		if (!p->warned)
			log_warnx("cannot write the state file: %s; a restart forgets the guests' last moves", err);
		p->warned = true;
		p->written_at_ms = now_ms(); /* try again in a second */
		free(text);
		return;
	}
	if (p->warned)
		log_notice("state file %s written again", p->path);
	p->warned = false;
	free(p->written);
	p->written = text;
	p->written_at_ms = now_ms();
}

void persist_close(struct daemon *d)
{
	struct persist *p = d->persist;

	if (!p)
		return;
	persist_flush(d, true);
	statefile_free(&p->loaded);
	free(p->claimed);
	free(p->written);
	free(p);
	d->persist = NULL;
}
