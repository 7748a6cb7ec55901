/*
 * fuzz_engine: engine_place on small hosts, policies and requests built from the input.
 *
 * The input is read as numbers (see struct fuzz_in): 1-20 nodes with sparse ids up to
 * 1023, 0-8 CPUs each (memory-only nodes included), any memory size and free memory
 * (free <= total, as node_meminfo_parse guarantees), samples that may be invalid,
 * has_memory that may disagree with the size, huge pages, asymmetric SLITs with 10 on the
 * diagonal, busy CPUs or none, a policy within numad's option ranges, and a request that
 * is a new guest, a consolidation (current), an urgent extension (must) or both.
 *
 * Checks, for every request:
 *  - engine_place returns 0 and a status other than ENGINE_ERROR, with a reason;
 *  - the advice is never empty and names online nodes only;
 *  - 1..ENGINE_TOP candidates, each a distinct non-empty set of online nodes, in the
 *    order engine_better() gives (no candidate beats any listed above it, which needs
 *    engine_better() to be transitive), with finite scores (distance >= 1, cpu and move
 *    in 0..1);
 *  - ENGINE_OK: best is the first candidate, it fits, and holds every online node of must;
 *  - ENGINE_KEEP: a current set was given, and best is its online part and fits;
 *  - ENGINE_NOFIT: best holds every node with memory;
 *  - engine_score_set() on the advice gives the score the result reports;
 *  - a second call with the same input gives the same result;
 *  - when the search was exact, scoring every subset with engine_score_set()
 *    (oracle_place_every_subset, tests/unit/engine_oracle.h) gives the same status,
 *    advice and top list, scores equal to the last bit;
 *  - when the search was exact, a greedy search of the same request finds no fitting
 *    set better than the exact best, and fits nothing when the exact search fit nothing.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "engine_oracle.h"
#include "fuzz.h"

#define MAX_NODES 20

struct host {
	struct topology t;
	double busy[MAX_NODES];
	uint64_t res[MAX_NODES];
	struct nodeset current, must;
};

static void build_host(struct fuzz_in *in, struct host *h)
{
	struct topology *t = &h->t;
	int n = fuzz_range(in, 1, MAX_NODES), id = -1, cpu = 0;

	memset(h, 0, sizeof(*h));
	fuzz_topology_alloc(t, n);
	t->huge_page_kb = fuzz_bool(in) ? 2048 : 1048576;
	for (int i = 0; i < n; i++) {
		struct node_info *ni = &t->nodes[i];
		uint8_t gap = fuzz_u8(in), flags;

		/* mostly dense, sometimes a gap, sometimes straight to the top ids */
		id += 1 + (gap < 200 ? 0 : gap < 250 ? gap - 199 : 1000);
		if (id > NUMAD_MAX_NODES - (n - i))
			id = NUMAD_MAX_NODES - (n - i);
		ni->id = id;
		t->idx_of[id] = i;
		nodeset_add(&t->online, id);
		t->nnodes = i + 1;

		ni->ncpus = fuzz_range(in, 0, 8);
		ni->ncores = ni->ncpus - fuzz_range(in, 0, ni->ncpus);
		ni->cpus = calloc(8, sizeof(int));
		if (!ni->cpus)
			abort();
		for (int k = 0; k < ni->ncpus; k++)
			ni->cpus[k] = cpu++;
		flags = fuzz_u8(in);
		switch (flags & 3) {
		case 0: ni->mem.total_kb = 0; break;
		case 1: ni->mem.total_kb = (uint64_t)fuzz_u16(in) * 1024; break;      /* up to 64 GiB */
		case 2: ni->mem.total_kb = (uint64_t)fuzz_u32(in) * 1024; break;      /* up to 4 PiB */
		default: ni->mem.total_kb = fuzz_u64(in); break;                      /* anything */
		}
		ni->mem.free_kb = ni->mem.total_kb ? fuzz_u64(in) % (ni->mem.total_kb + (ni->mem.total_kb < UINT64_MAX)) : 0;
		ni->mem.inactive_file_kb = ni->mem.total_kb ? fuzz_u64(in) % (ni->mem.total_kb + (ni->mem.total_kb < UINT64_MAX)) : 0;
		ni->mem.file_kb = ni->mem.inactive_file_kb;
		ni->mem.huge_page_kb = t->huge_page_kb;
		ni->mem.huge_total = fuzz_u16(in);
		ni->mem.huge_free = ni->mem.huge_total ? fuzz_u16(in) % (ni->mem.huge_total + 1) : 0;
		ni->mem.valid = !(flags & 4) || !(flags & 8);   /* a quarter invalid */
		ni->has_memory = (flags & 16) ? !(ni->mem.total_kb > 0) : ni->mem.total_kb > 0;
		if (flags & 16 && flags & 32)
			ni->has_memory = ni->mem.total_kb > 0;
		if (ni->mem.valid && ni->mem.total_kb == 0)
			ni->has_memory = false;   /* as topology_read() decides */
		if (!ni->mem.valid)
			memset(&ni->mem, 0, sizeof(ni->mem)); /* read_node_mem() leaves a zeroed sample */
		if (ni->ncpus > 0 && ni->cpus[ni->ncpus - 1] > t->max_cpu)
			t->max_cpu = ni->cpus[ni->ncpus - 1];
	}
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++)
			t->dist[i * n + j] = i == j ? 10 : 10 + fuzz_u8(in) % 246;
	for (int i = 0; i < n; i++)
		h->busy[i] = t->nodes[i].ncpus * (fuzz_u8(in) / 255.0);
	for (int i = 0; i < n; i++)
		h->res[i] = (uint64_t)fuzz_u32(in) * (fuzz_bool(in) ? 1 : 1024);
}

static void build_policy(struct fuzz_in *in, struct engine_policy *p)
{
	engine_policy_default(p);
	if (fuzz_bool(in))
		return;
	p->target_util = fuzz_range(in, 10, 130);
	p->locality_target = fuzz_range(in, 50, 100);
	p->count_inactive_file = fuzz_bool(in);
	p->exact_max_nodes = fuzz_range(in, 0, 12);
	p->w_mem = fuzz_u8(in) / 64.0;
	p->w_cpu = fuzz_u8(in) / 64.0;
	p->w_move = fuzz_u8(in) / 64.0;
	p->hysteresis = fuzz_u8(in) / 512.0;
	p->ht_percent = fuzz_range(in, 0, 100);
}

/* A set of ids: mostly online ones, sometimes an offline id. */
static void build_set(struct fuzz_in *in, const struct topology *t, struct nodeset *s)
{
	int k = fuzz_range(in, 1, t->nnodes);

	nodeset_clear(s);
	for (int a = 0; a < k; a++) {
		uint16_t v = fuzz_u16(in);
		if (v & 0x8000)
			nodeset_add(s, v % NUMAD_MAX_NODES);
		else
			nodeset_add(s, t->nodes[v % t->nnodes].id);
	}
}

static void print_set(const char *label, const struct nodeset *s)
{
	char buf[8192];

	nodeset_format(s, buf, sizeof(buf));
	fprintf(stderr, "%s%s", label, buf);
}

static void print_score(const char *label, const struct engine_score *s)
{
	print_set(label, &s->set);
	fprintf(stderr, " fits=%d total=%.17g distance=%.17g mem=%.17g cpu=%.17g move=%.17g avail_mb=%llu idle=%.17g\n",
		s->fits, s->total, s->distance, s->mem, s->cpu, s->move, (unsigned long long)s->avail_mb, s->idle_cpus);
}

/* FUZZ_VERBOSE=1: print the host, request and result, to report a failure precisely. */
static void dump(const struct host *h, const struct engine_host *eh, const struct engine_policy *p,
		 const struct engine_request *r, const struct engine_result *res)
{
	const struct topology *t = &h->t;

	if (!getenv("FUZZ_VERBOSE"))
		return;
	fprintf(stderr, "host: %d nodes, huge page %llu kB\n", t->nnodes, (unsigned long long)t->huge_page_kb);
	for (int i = 0; i < t->nnodes; i++) {
		const struct node_info *ni = &t->nodes[i];

		fprintf(stderr,
			"  node %d: cpus=%d cores=%d has_memory=%d valid=%d total_kb=%llu free_kb=%llu inactive_file_kb=%llu "
			"huge=%llu/%llu busy=%.17g res_kb=%llu dist=",
			ni->id, ni->ncpus, ni->ncores, ni->has_memory, ni->mem.valid, (unsigned long long)ni->mem.total_kb,
			(unsigned long long)ni->mem.free_kb, (unsigned long long)ni->mem.inactive_file_kb,
			(unsigned long long)ni->mem.huge_free, (unsigned long long)ni->mem.huge_total,
			eh->cpu_busy ? eh->cpu_busy[i] : 0.0, r->resident_kb ? (unsigned long long)r->resident_kb[i] : 0ULL);
		for (int j = 0; j < t->nnodes; j++)
			fprintf(stderr, "%s%d", j ? "," : "", t->dist[i * t->nnodes + j]);
		fprintf(stderr, "\n");
	}
	fprintf(stderr, "policy: util=%d locality=%d inactive=%d exact_max=%d w_mem=%g w_cpu=%g w_move=%g hyst=%g ht=%d\n",
		p->target_util, p->locality_target, p->count_inactive_file, p->exact_max_nodes, p->w_mem, p->w_cpu,
		p->w_move, p->hysteresis, p->ht_percent);
	fprintf(stderr, "request: ncpus=%.17g mem_mb=%llu hugepages=%d", r->ncpus, (unsigned long long)r->mem_mb,
		r->hugepages);
	if (r->current)
		print_set(" current=", r->current);
	if (r->must)
		print_set(" must=", r->must);
	fprintf(stderr, "\nresult: status=%s why=%s ncandidates=%d evaluated=%lu exhaustive=%d\n",
		engine_status_name(res->status), res->why ? res->why : "(null)", res->ncandidates, res->evaluated,
		res->exhaustive);
	print_score("  best ", &res->best_score);
	for (int k = 0; k < res->ntop; k++)
		print_score("  top ", &res->top[k]);
}

static bool subset_online(const struct nodeset *s, const struct topology *t)
{
	for (int n = nodeset_next(s, 0); n >= 0; n = nodeset_next(s, n + 1))
		if (!nodeset_has(&t->online, n))
			return false;
	return true;
}

static void online_part(const struct nodeset *s, const struct topology *t, struct nodeset *out)
{
	nodeset_clear(out);
	for (int n = nodeset_next(s, 0); n >= 0; n = nodeset_next(s, n + 1))
		if (nodeset_has(&t->online, n))
			nodeset_add(out, n);
}

static bool close_to(double a, double b)
{
	return fabs(a - b) <= 1e-9 * (1 + fabs(a) + fabs(b));
}

/* MB figures from sums of doubles: equal up to one MB and the rounding of a double */
static bool close_mb(uint64_t a, uint64_t b)
{
	double d = a > b ? (double)(a - b) : (double)(b - a);

	return d <= 1 + 1e-12 * ((double)a + (double)b);
}

static void check_score(const struct engine_score *s, const struct topology *t)
{
	FUZZ_CHECK(!nodeset_empty(&s->set) && subset_online(&s->set, t));
	FUZZ_CHECK(isfinite(s->total) && isfinite(s->distance) && isfinite(s->mem) && isfinite(s->cpu) &&
		   isfinite(s->move) && isfinite(s->idle_cpus));
	FUZZ_CHECK(s->distance >= 1.0 - 1e-9);
	FUZZ_CHECK(s->mem >= 0);
	FUZZ_CHECK(s->cpu >= 0 && s->cpu <= 1.0 + 1e-9);
	FUZZ_CHECK(s->move >= -1e-9 && s->move <= 1.0 + 1e-9);
	FUZZ_CHECK(s->idle_cpus >= 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct host *h = malloc(sizeof(*h));
	struct engine_policy p;
	struct engine_request r = { 0 };
	struct engine_host eh;
	struct engine_result res, again;
	struct engine_score sc;
	struct nodeset part;
	uint8_t kind;
	int rc;

	if (!h)
		abort();
	build_host(&in, h);
	build_policy(&in, &p);
	if (p.exact_max_nodes > 12)
		p.exact_max_nodes = 12; /* every subset of 16 is too slow to fuzz against: 2^12 shows the same code */
	r.ncpus = fuzz_bool(&in) ? fuzz_u16(&in) / 100.0 : fuzz_range(&in, 0, 64);
	r.mem_mb = fuzz_bool(&in) ? fuzz_u16(&in) : fuzz_u32(&in);
	r.hugepages = fuzz_u8(&in) == 0x55;
	if (fuzz_bool(&in))
		r.resident_kb = h->res;
	kind = fuzz_u8(&in) & 3;
	if (kind & 1) {
		build_set(&in, &h->t, &h->current);
		r.current = &h->current;
	}
	if (kind & 2) {
		if (kind & 1) /* an extension keeps (some of) the current nodes */
			for (int n = nodeset_next(&h->current, 0); n >= 0; n = nodeset_next(&h->current, n + 1))
				if (fuzz_bool(&in))
					nodeset_add(&h->must, n);
		if (!(kind & 1) || nodeset_empty(&h->must))
			build_set(&in, &h->t, &h->must);
		r.must = &h->must;
	}
	eh.topo = &h->t;
	eh.cpu_busy = fuzz_bool(&in) ? h->busy : NULL;
	eh.owed_kb = NULL;

	rc = engine_place(&eh, &p, &r, &res);
	dump(h, &eh, &p, &r, &res);
	FUZZ_CHECK(rc == 0);
	FUZZ_CHECK(res.status == ENGINE_OK || res.status == ENGINE_KEEP || res.status == ENGINE_NOFIT);
	FUZZ_CHECK(res.why != NULL);
	FUZZ_CHECK(!nodeset_empty(&res.best) && subset_online(&res.best, &h->t));
	FUZZ_CHECK(nodeset_equal(&res.best, &res.best_score.set));
	FUZZ_CHECK(res.ntop >= 1 && res.ntop <= ENGINE_TOP);
	check_score(&res.best_score, &h->t);
	for (int k = 0; k < res.ntop; k++) {
		check_score(&res.top[k], &h->t);
		FUZZ_CHECK(!engine_better(&res.top[k], &res.top[k]));
		if (k > 0)
			FUZZ_CHECK(!engine_better(&res.top[k], &res.top[k - 1]));
		for (int j = 0; j < k; j++) {
			FUZZ_CHECK(!nodeset_equal(&res.top[j].set, &res.top[k].set));
			/* a ranking is an order: no candidate ranks before one listed above it */
			FUZZ_CHECK(!engine_better(&res.top[k], &res.top[j]));
		}
	}
	FUZZ_CHECK(res.ncandidates >= 0 && res.ncandidates <= h->t.nnodes);
	switch (res.status) {
	case ENGINE_OK:
		FUZZ_CHECK(nodeset_equal(&res.best, &res.top[0].set));
		FUZZ_CHECK(res.best_score.fits);
		if (r.must) {
			online_part(r.must, &h->t, &part);
			for (int n = nodeset_next(&part, 0); n >= 0; n = nodeset_next(&part, n + 1))
				FUZZ_CHECK(nodeset_has(&res.best, n));
		}
		break;
	case ENGINE_KEEP:
		FUZZ_CHECK(r.current != NULL);
		online_part(r.current, &h->t, &part);
		FUZZ_CHECK(nodeset_equal(&res.best, &part));
		FUZZ_CHECK(res.best_score.fits);
		break;
	default:
		/* every node with memory (every node, when those have no CPUs) */
		for (int i = 0; i < h->t.nnodes; i++)
			if (h->t.nodes[i].has_memory)
				FUZZ_CHECK(nodeset_has(&res.best, h->t.nodes[i].id));
		break;
	}
	/* the result's score is the model's score of that set */
	FUZZ_CHECK(engine_score_set(&eh, &p, &r, &res.best, &sc) == 0);
	if (getenv("FUZZ_VERBOSE"))
		print_score("engine_score_set(best): ", &sc);
	/* the sums may run in another order (greedy adds nodes by merit): allow for rounding */
	FUZZ_CHECK(close_mb(sc.avail_mb, res.best_score.avail_mb));
	if (!close_mb(sc.avail_mb, r.mem_mb))
		FUZZ_CHECK(sc.fits == res.best_score.fits);
	FUZZ_CHECK(close_to(sc.total, res.best_score.total) && close_to(sc.distance, res.best_score.distance));
	/* pure: the same input gives the same answer */
	FUZZ_CHECK(engine_place(&eh, &p, &r, &again) == 0);
	FUZZ_CHECK(again.status == res.status && nodeset_equal(&again.best, &res.best) && again.ntop == res.ntop &&
		   again.evaluated == res.evaluated && again.exhaustive == res.exhaustive);
	for (int k = 0; k < res.ntop; k++)
		FUZZ_CHECK(nodeset_equal(&again.top[k].set, &res.top[k].set) && again.top[k].total == res.top[k].total);

	/* the pruned exact search gives what scoring every subset gives, to the last bit */
	if (res.exhaustive) {
		FUZZ_CHECK(!res.budget_spent);
		FUZZ_CHECK(oracle_place_every_subset(&eh, &p, &r, &again) == 0);
		FUZZ_CHECK(again.status == res.status && nodeset_equal(&again.best, &res.best) &&
			   again.ntop == res.ntop && again.best_score.total == res.best_score.total);
		for (int k = 0; k < res.ntop; k++)
			FUZZ_CHECK(nodeset_equal(&again.top[k].set, &res.top[k].set) &&
				   again.top[k].total == res.top[k].total);
	}

	/*
	 * Exact against greedy: the exact search scores every set of candidates, and the greedy
	 * set is one of them, so greedy never finds a fitting set that beats the exact best
	 * (compared with both re-scored the same way, so summation order cannot decide).
	 */
	if (res.exhaustive) {
		struct engine_policy pg = p;
		struct engine_score se, sg;

		pg.exact_max_nodes = 0;
		FUZZ_CHECK(engine_place(&eh, &pg, &r, &again) == 0);
		FUZZ_CHECK(!again.exhaustive && again.status != ENGINE_ERROR);
		if (getenv("FUZZ_VERBOSE")) {
			fprintf(stderr, "greedy: status=%s\n", engine_status_name(again.status));
			print_score("  greedy top ", &again.top[0]);
		}
		if (res.status == ENGINE_NOFIT)
			FUZZ_CHECK(again.status == ENGINE_NOFIT);
		if (res.status != ENGINE_NOFIT && again.status != ENGINE_NOFIT &&
		    !nodeset_equal(&res.top[0].set, &again.top[0].set)) {
			FUZZ_CHECK(engine_score_set(&eh, &p, &r, &res.top[0].set, &se) == 0);
			FUZZ_CHECK(engine_score_set(&eh, &p, &r, &again.top[0].set, &sg) == 0);
			FUZZ_CHECK(!(sg.fits && engine_better(&sg, &se)));
		}
	}

	fuzz_topology_free(&h->t);
	free(h);
	return 0;
}
