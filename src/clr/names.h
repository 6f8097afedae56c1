/* Type names for MethodTables (names.c). */
#ifndef HD_CLR_NAMES_H
#define HD_CLR_NAMES_H

#include "clr/walk.h"

struct hd_names_module;
typedef struct hd_names {
    const hd_clr_heap *h;
    struct hd_names_module *mods; /* metadata of each module met, opened once */
    uint32_t n_mods, cap_mods;
    uint32_t *slots; /* hash of mods by Module address: index + 1, 0 empty */
    uint32_t n_slots;
    uint32_t from_file; /* modules whose metadata came from files on this machine */
} hd_names;

void hd_names_init(hd_names *nm, const hd_clr_heap *h);
void hd_names_free(hd_names *nm);

/* The name of the type of MethodTable mt in buf ("UNKNOWN_TYPE(MT 0x...)" when its metadata
 * cannot be read); *module is its module's name ("LeakApp.dll") or NULL. */
const char *hd_names_mt(hd_names *nm, uint64_t mt, char *buf, size_t cap, const char **module);

#endif
