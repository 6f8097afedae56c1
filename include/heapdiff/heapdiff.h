/* libheapdiff — public API. The heapdiff command is a thin user of it. */
#ifndef HEAPDIFF_HEAPDIFF_H
#define HEAPDIFF_HEAPDIFF_H

#define HEAPDIFF_VERSION "0.1.0"

#include "heapdiff/error.h"
#include "heapdiff/graph.h"
#include "heapdiff/source.h"
#include "heapdiff/gcdump.h"
#include "heapdiff/analysis.h"
#include "heapdiff/report.h"
#include "heapdiff/target.h"
#include "heapdiff/clr.h"

#endif
