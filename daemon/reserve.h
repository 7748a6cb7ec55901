/*
 * reserve.h: what the daemon counts as promised on each node though free memory does not
 * show it yet (lib/ledger.h): the reservations of its -w answers, and each running guest's
 * memory it has not touched yet. Every placement decision counts both as taken. The daemon
 * keeps the ledger, and mirrors it in the ledger file that the -w front end uses when no
 * daemon answers (--ledger), so that neither forgets what the other promised. Below plan,
 * ctl, virt and the loop; above the shared state.
 */
#ifndef NUMAD_RESERVE_H
#define NUMAD_RESERVE_H

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"

struct daemon;
struct guest;

/* reserve.c */
/* The ledger file numad uses (--ledger, or its default under the host's root), or NULL for none. */
const char *reserve_path(const struct daemon *d);
/* Start: take over what the file holds (what -w promised while no daemon ran). */
void reserve_open(struct daemon *d);
/* A full scan: expire old reservations, and take in what -w front ends wrote to the file since. */
void reserve_scan(struct daemon *d);
/*
 * What is promised on each node (per node index, KiB) that free memory does not show, for a
 * decision about guest g (NULL: a new one): the ledger's reservations and every other
 * guest's untouched memory, and the pages other guests' staged moves have still to bring.
 * Valid until the next call.
 */
const double *reserve_owed(struct daemon *d, const struct guest *g);
/*
 * A window in which reserve_owed() sums every guest's part once and takes each decision's
 * own part out, instead of summing all the others for each decision: the loops that decide
 * for every guest in turn (the fast tick's urgent path, the full scan's consolidation) open
 * one, so that a tick costs one pass over the guests, not one per guest. Nothing may change
 * a guest's memory, nodes or moves inside it without reserve_owed_changed() (plan.c calls it
 * after each apply_submit).
 */
void reserve_owed_begin(struct daemon *d);
void reserve_owed_changed(struct daemon *d);
void reserve_owed_end(struct daemon *d);
/* Whether the daemon is far enough in its start to answer -w (reserve_open() ran). */
bool reserve_ready(const struct daemon *d);
/*
 * Answer -w (the socket's advise, numad-sim's pre-placement) with what is promised counted,
 * and when reserve, reserve the answer (a guest starts there; numadctl advise only asks).
 */
int reserve_advise(struct daemon *d, double ncpus, uint64_t mb, bool reserve, struct engine_result *res);
/* A domain numad sees for the first time: the reservation it came from is no longer owed. */
void reserve_seen(struct daemon *d, struct guest *g);
/* Reservations live now, for status. */
int reserve_count(const struct daemon *d);
/* Stop: what is still reserved goes back to the file, for the -w front end and the next start. */
void reserve_close(struct daemon *d);

#endif
