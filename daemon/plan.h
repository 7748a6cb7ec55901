/*
 * plan.h: the rules of lib/decide.h fed from the daemon's samples, and their plans handed
 * to the actuator: the fast tier's urgent check and the full scan's consolidation.
 */
#ifndef NUMAD_PLAN_H
#define NUMAD_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"

struct daemon;
struct guest;

/* plan.c */
/* Urgent check for one guest, from the fast tier. */
void plan_urgent(struct daemon *d, struct guest *g, int64_t now);
/* Consolidation decision for one guest, from the full scan. Returns true when it moved. */
bool plan_consolidate(struct daemon *d, struct guest *g, int64_t now);
/* Run the engine for a guest as consolidation would, without acting. Returns 0 or -1. */
int plan_explain(struct daemon *d, const struct guest *g, struct engine_result *res, struct engine_score *current);

#endif
