/*
 * fuzz_ledger: ledger_parse, the reader of the reservation ledger (lib/ledger.h) that every
 * numad -w without a daemon reads, whatever is on disk; then what the ledger owes a host.
 *
 * Input: the file's bytes (NUL bytes, no line end at the end, over-long lines included).
 *
 * Checks: a refused text leaves no entry and a terminated "line N: " error; an accepted one
 * holds at most LEDGER_MAX entries in time order, each with 1 to LEDGER_NODES distinct node
 * ids below NUMAD_MAX_NODES, and what ledger_format writes of it parses back to the same
 * entries and is a fixed point. On the sparse test host, what is owed to each node is
 * finite, never negative and never more than the shares on it; expiry only removes; a new
 * answer on the host's nodes with memory is recorded and keeps the ledger within bounds.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "ledger.h"

static bool same(const struct ledger *a, const struct ledger *b)
{
	if (a->n != b->n || a->nuntouched != b->nuntouched || (a->nuntouched && a->untouched_at_ms != b->untouched_at_ms))
		return false;
	for (int k = 0; k < a->nuntouched; k++)
		if (a->untouched[k].node != b->untouched[k].node || a->untouched[k].kb != b->untouched[k].kb)
			return false;
	for (int i = 0; i < a->n; i++) {
		const struct ledger_entry *x = &a->e[i], *y = &b->e[i];
		if (x->at_ms != y->at_ms || x->mb != y->mb || x->cpus != y->cpus || x->nshares != y->nshares)
			return false;
		for (int k = 0; k < x->nshares; k++)
			if (x->share[k].node != y->share[k].node || x->share[k].kb != y->share[k].kb ||
			    x->share[k].free_kb != y->share[k].free_kb)
				return false;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ledger l, back;
	static struct topology topo;
	const struct topology *t = &topo;
	double owed[NUMAD_MAX_NODES];
	char err[256], err2[256], *text, *again;
	struct nodeset all;

	if (topo.nnodes == 0)
		fuzz_topology_sparse(&topo);
	memset(err, 'x', sizeof(err));
	if (ledger_parse((const char *)data, size, &l, err, sizeof(err)) < 0) {
		FUZZ_CHECK(fuzz_terminated(err, sizeof(err)));
		FUZZ_CHECK(strncmp(err, "line ", 5) == 0);
		FUZZ_CHECK(l.n == 0);
		return 0;
	}
	FUZZ_CHECK(l.n >= 0 && l.n <= LEDGER_MAX);
	for (int i = 0; i < l.n; i++) {
		const struct ledger_entry *e = &l.e[i];
		FUZZ_CHECK(e->nshares >= 1 && e->nshares <= LEDGER_NODES);
		FUZZ_CHECK(i == 0 || l.e[i - 1].at_ms <= e->at_ms);
		FUZZ_CHECK(e->cpus >= 0 && e->cpus <= 65536.99);
		for (int k = 0; k < e->nshares; k++) {
			FUZZ_CHECK(e->share[k].node >= 0 && e->share[k].node < NUMAD_MAX_NODES);
			for (int j = 0; j < k; j++)
				FUZZ_CHECK(e->share[j].node != e->share[k].node);
		}
	}
	for (int k = 0; k < l.nuntouched; k++) {
		FUZZ_CHECK(l.untouched[k].node >= 0 && l.untouched[k].node < NUMAD_MAX_NODES);
		for (int j = 0; j < k; j++)
			FUZZ_CHECK(l.untouched[j].node != l.untouched[k].node);
	}
	text = ledger_format(&l);
	FUZZ_CHECK(text != NULL);
	FUZZ_CHECK(ledger_parse(text, strlen(text), &back, err2, sizeof(err2)) == 0);
	FUZZ_CHECK(same(&l, &back));
	again = ledger_format(&back);
	FUZZ_CHECK(again != NULL && strcmp(again, text) == 0);
	free(again);
	free(text);

	/* what it owes the sparse host */
	memset(owed, 0, sizeof(owed));
	ledger_owed(&l, t, owed);
	for (int i = 0; i < t->nnodes; i++) {
		double shares = 0;
		for (int k = 0; k < l.n; k++)
			for (int j = 0; j < l.e[k].nshares; j++)
				if (l.e[k].share[j].node == t->nodes[i].id)
					shares += (double)l.e[k].share[j].kb;
		for (int k = 0; k < l.nuntouched; k++) /* the daemon's u line is owed whole */
			if (l.untouched[k].node == t->nodes[i].id)
				shares += (double)l.untouched[k].kb;
		FUZZ_CHECK(isfinite(owed[i]) && owed[i] >= 0 && owed[i] <= shares);
	}
	{
		int n = l.n, gone = ledger_expire(&l, l.n ? l.e[l.n - 1].at_ms : 0);
		FUZZ_CHECK(gone >= 0 && l.n == n - gone);
	}
	nodeset_clear(&all);
	for (int i = 0; i < t->nnodes; i++)
		nodeset_add(&all, t->nodes[i].id);
	{
		int n = l.n;
		FUZZ_CHECK(ledger_add(&l, l.n ? l.e[l.n - 1].at_ms : 0, 1024, 1, &all, t, owed) == 0);
		FUZZ_CHECK(l.n == (n == LEDGER_MAX ? n : n + 1) && l.n <= LEDGER_MAX);
	}
	return 0;
}
