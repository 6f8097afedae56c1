/* Choosing what to write when a heap exceeds DevTools' limits (formats/heapsnapshot.md). */
#ifndef HD_HEAPSNAPSHOT_HS_SELECT_H
#define HD_HEAPSNAPSHOT_HS_SELECT_H

#include "heapsnapshot/hs.h"

/* Replaces p->kept by whole dominator subtrees, largest retained size first, that fit lim
 * together (nodes, edges and string characters, counted as upper bounds), sets p->heads to
 * their tops and fills res's truncation fields and note. p->n_prop must be the whole heap's. */
int hs_select(hs_plan *p, const hs_limits *lim, hs_result *res, hd_error *err);

#endif
