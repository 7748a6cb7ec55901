/*
 * metrics.c: the daemon's state as OpenMetrics text (numadctl metrics, and GET /metrics
 * over HTTP with --metrics-listen). Every family is written whole, with its # TYPE and
 * # HELP lines first, and the text ends with "# EOF".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <math.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "apply.h"
#include "guests.h"
#include "log.h"
#include "listen.h"
#include "metrics.h"
#include "state.h"
#include "virt.h"

#define HTTP_TIMEOUT_S 10
#define HTTP_MAX_HEADERS 8192

struct metrics_http {
	struct daemon *d;
	struct evhttp *http;
};

/* ---- rendering ---- */

static void family(FILE *f, const char *name, const char *type, const char *unit, const char *help)
{
	fprintf(f, "# TYPE %s %s\n", name, type);
	if (unit)
		fprintf(f, "# UNIT %s %s\n", name, unit);
	fprintf(f, "# HELP %s %s\n", name, help);
}

/* A label value, escaped as OpenMetrics requires (backslash, double quote, newline). */
static void label_value(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void guest_labels(FILE *f, const struct guest *g)
{
	fputs("{domain=\"", f);
	label_value(f, g->name);
	fputs("\",uuid=\"", f);
	label_value(f, g->uuid);
	fputc('"', f);
}

static void node_metrics(FILE *f, const struct daemon *d)
{
	const struct topology *t = &d->topo;
	bool cif = d->o->policy.count_inactive_file;

	family(f, "numad_node_memory_free_bytes", "gauge", "bytes",
	       "Free memory of the node as numad counts it (MemFree, plus Inactive(file) with -C 1).");
	for (int i = 0; i < t->nnodes; i++)
		fprintf(f, "numad_node_memory_free_bytes{node=\"%d\"} %llu\n", t->nodes[i].id,
			(unsigned long long)node_free_kb(&t->nodes[i].mem, cif) * 1024ULL);
	family(f, "numad_node_memory_total_bytes", "gauge", "bytes", "Memory of the node.");
	for (int i = 0; i < t->nnodes; i++)
		fprintf(f, "numad_node_memory_total_bytes{node=\"%d\"} %llu\n", t->nodes[i].id,
			(unsigned long long)t->nodes[i].mem.total_kb * 1024ULL);
	family(f, "numad_node_cpus", "gauge", NULL, "CPUs of the node that numad may use (without -R ones).");
	for (int i = 0; i < t->nnodes; i++)
		fprintf(f, "numad_node_cpus{node=\"%d\"} %d\n", t->nodes[i].id, t->nodes[i].ncpus);
	family(f, "numad_node_busy_cpus", "gauge", NULL, "Busy CPUs of the node between the last two full scans.");
	for (int i = 0; i < t->nnodes; i++)
		fprintf(f, "numad_node_busy_cpus{node=\"%d\"} %.3f\n", t->nodes[i].id, d->busy ? d->busy[i] : 0.0);
}


static void guest_metrics(FILE *f, const struct daemon *d)
{
	int risk = 0;

	family(f, "numad_guest_resident_bytes", "gauge", "bytes", "Memory the guest holds on the node.");
	for (int k = 0; k < d->nguests; k++) {
		const struct guest *g = &d->guests[k];
		if (!g->res_valid)
			continue;
		for (int i = 0; i < d->topo.nnodes; i++) {
			fputs("numad_guest_resident_bytes", f);
			guest_labels(f, g);
			fprintf(f, ",node=\"%d\"} %llu\n", d->topo.nodes[i].id, (unsigned long long)g->res_kb[i] * 1024ULL);
		}
	}
	family(f, "numad_guest_locality_ratio", "gauge", "ratio",
	       "Share of the guest's resident memory on its own nodeset (1 = all of it).");
	for (int k = 0; k < d->nguests; k++) {
		double loc = guest_locality(d, &d->guests[k]);
		if (isnan(loc))
			continue;
		fputs("numad_guest_locality_ratio", f);
		guest_labels(f, &d->guests[k]);
		fprintf(f, "} %.4f\n", loc);
	}
	family(f, "numad_guest_at_risk", "gauge", NULL,
	       "1 when the guest's nodes run out of memory within the horizon (OOM risk).");
	for (int k = 0; k < d->nguests; k++) {
		fputs("numad_guest_at_risk", f);
		guest_labels(f, &d->guests[k]);
		fprintf(f, "} %d\n", d->guests[k].at_risk ? 1 : 0);
		risk += d->guests[k].at_risk;
	}
	family(f, "numad_guest_exhaustion_seconds", "gauge", "seconds",
	       "Time until the guest's nodes run out of memory; no sample when nothing runs out.");
	for (int k = 0; k < d->nguests; k++) {
		double tte = guest_time_to_exhaustion(&d->guests[k]);
		if (isnan(tte))
			continue;
		fputs("numad_guest_exhaustion_seconds", f);
		guest_labels(f, &d->guests[k]);
		fprintf(f, "} %.1f\n", tte);
	}
	family(f, "numad_guest", "info", NULL,
	       "The guest's numatune mode and whether numad moves it (management: yes, observed, no, failed).");
	for (int k = 0; k < d->nguests; k++) {
		const struct guest *g = &d->guests[k];
		fputs("numad_guest_info", f);
		guest_labels(f, g);
		fprintf(f, ",mode=\"%s\",management=\"%s\"} 1\n", mode_name(g->mode), guest_management(g));
	}
	family(f, "numad_guests_at_risk", "gauge", NULL, "Guests whose nodes run out of memory within the horizon.");
	fprintf(f, "numad_guests_at_risk %d\n", risk);
	family(f, "numad_guests", "gauge", NULL, "Guests numad sees (managed or observed).");
	fprintf(f, "numad_guests %d\n", d->nguests);
}

static void counter(FILE *f, const char *name, const char *help, unsigned long v)
{
	family(f, name, "counter", NULL, help);
	fprintf(f, "%s_total %lu\n", name, v);
}

static void gauge(FILE *f, const char *name, const char *unit, const char *help, double v)
{
	family(f, name, "gauge", unit, help);
	fprintf(f, "%s %.6g\n", name, v);
}

static void daemon_metrics(FILE *f, const struct daemon *d)
{
	family(f, "numad_advice", "counter", NULL, "Placement decisions by reason and outcome.");
	for (int r = 0; r < REASON_COUNT; r++)
		for (int o = OUT_NONE + 1; o < OUTCOME_COUNT; o++)
			fprintf(f, "numad_advice_total{reason=\"%s\",outcome=\"%s\"} %lu\n", reason_name((enum reason)r),
				outcome_name((enum outcome)o), d->by_outcome[r][o]);
	counter(f, "numad_urgent_extensions", "Nodesets extended through libvirt because a guest's nodes ran out.",
		d->urgent);
	counter(f, "numad_oom_kills", "OOM kills on the host since numad started (oom_kill in /proc/vmstat).", daemon_oom_kills(d));
	counter(f, "numad_fast_ticks", "Fast-tier samples (node free memory, guest residency).", d->fast_ticks);
	counter(f, "numad_full_scans", "Full scans (CPU use, domains, consolidation).", d->full_scans);
	counter(f, "numad_psi_events", "Memory-pressure (PSI) wake-ups.", d->psi_events);
	counter(f, "numad_numa_stat_reads", "Reads of guests' memory.numa_stat (each makes the kernel flush memcg statistics).",
		d->numa_stat_reads);
	counter(f, "numad_node_meminfo_reads", "Fast-tier reads of nodeN/meminfo, one per node and tick.",
		d->mem_files.reads);
	counter(f, "numad_node_meminfo_opens", "Opens of nodeN/meminfo files the fast tier keeps open.",
		d->mem_files.opens);
	gauge(f, "numad_fast_sample_duration_seconds", "seconds", "How long the last fast-tier sample took.",
	      d->fast_cost_ms / 1000.0);
	gauge(f, "numad_full_scan_duration_seconds", "seconds", "How long the last full scan took.",
	      d->full_cost_ms / 1000.0);
	{
		int in_flight, stuck;
		double moved;
		apply_counts(d->apply, &in_flight, &stuck, &moved);
		gauge(f, "numad_apply_jobs_in_flight", NULL, "Libvirt calls and page moves under way off the loop.",
		      in_flight);
		gauge(f, "numad_apply_stuck_calls", NULL, "Libvirt calls that have not returned after 120 s.", stuck);
		counter(f, "numad_pages_moved_bytes", "Guest memory numad moved itself in staged moves.",
			(unsigned long)(moved * 1024));
	}
	gauge(f, "numad_libvirt_connected", NULL, "1 when numad holds a libvirt connection.",
	      virt_connected(d->virt) ? 1 : 0);
	gauge(f, "numad_paused", NULL, "1 when paused with numadctl pause (advice only).", d->paused ? 1 : 0);
	family(f, "numad_build", "info", NULL, "numad's version.");
	fprintf(f, "numad_build_info{version=\"%s\"} 1\n", NUMAD_VERSION);
}

char *metrics_render(const struct daemon *d)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	node_metrics(f, d);
	guest_metrics(f, d);
	daemon_metrics(f, d);
	fputs("# EOF\n", f);
	if (ferror(f)) {
		fclose(f);
		free(text);
		return NULL;
	}
	fclose(f);
	return text;
}

static void reply(struct evhttp_request *req, int code, const char *reason, const char *type, const char *text)
{
	struct evbuffer *body = evbuffer_new();

	if (!body || evbuffer_add(body, text, strlen(text)) < 0) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
	} else {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", type);
		evhttp_send_reply(req, code, reason, body);
	}
	if (body)
		evbuffer_free(body);
}

static void on_metrics(struct evhttp_request *req, void *arg)
{
	struct metrics_http *m = arg;
	char *text = metrics_render(m->d);

	if (text)
		reply(req, HTTP_OK, "OK", METRICS_CONTENT_TYPE, text);
	else
		reply(req, HTTP_INTERNAL, "Internal Server Error", "text/plain", "cannot render the metrics\n");
	free(text);
}

static void on_other(struct evhttp_request *req, void *arg)
{
	(void)arg;
	reply(req, HTTP_NOTFOUND, "Not Found", "text/plain", "numad serves /metrics only\n");
}

/* A non-blocking listening TCP socket on host:port. Returns the fd, or -1 (logged). */
static int listen_tcp(const char *host, int port)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE, .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai = NULL;
	char serv[16];
	int fd = -1, one = 1, r;

	snprintf(serv, sizeof(serv), "%d", port);
	if ((r = getaddrinfo(host, serv, &hints, &ai)) != 0) {
		log_error("--metrics-listen %s:%d: %s", host, port, gai_strerror(r));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 16) < 0) {
		log_warn("--metrics-listen: cannot listen on %s port %d", host, port);
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

struct metrics_http *metrics_http_open(struct daemon *d, const char *spec)
{
	struct metrics_http *m;
	char host[INET6_ADDRSTRLEN], err[256];
	bool loopback;
	int port, fd;

	if (metrics_parse_listen(spec, host, sizeof(host), &port, &loopback, err, sizeof(err)) < 0) {
		log_error("--metrics-listen: %s", err);
		return NULL;
	}
	if ((fd = listen_tcp(host, port)) < 0)
		return NULL;
	m = calloc(1, sizeof(*m));
	if (!m || !(m->http = evhttp_new(d->base)) || evhttp_accept_socket(m->http, fd) < 0) {
		log_error("--metrics-listen: cannot start the HTTP server");
		close(fd);
		metrics_http_close(m);
		return NULL;
	}
	m->d = d;
	evhttp_set_allowed_methods(m->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
	evhttp_set_max_headers_size(m->http, HTTP_MAX_HEADERS);
	evhttp_set_max_body_size(m->http, 0);
	evhttp_set_timeout(m->http, HTTP_TIMEOUT_S);
	evhttp_set_cb(m->http, "/metrics", on_metrics, m);
	evhttp_set_gencb(m->http, on_other, m);
	if (loopback)
		log_info("metrics at http://%s%s%s:%d/metrics", strchr(host, ':') ? "[" : "", host,
			 strchr(host, ':') ? "]" : "", port);
	else
		log_warnx("metrics at %s port %d, not a loopback address: anyone who can reach it reads them",
			  host, port);
	return m;
}

void metrics_http_close(struct metrics_http *m)
{
	if (!m)
		return;
	if (m->http)
		evhttp_free(m->http);
	free(m);
}
