/* Type table: (name, module) interned with xxh3 in an open-addressing table. Strings live in
 * one arena so a type costs a few bytes plus its name. */
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "heapdiff/graph.h"
#include "util/alloc.h"

void hd_typetab_init(hd_typetab *t)
{
    memset(t, 0, sizeof *t);
}

void hd_typetab_free(hd_typetab *t)
{
    free(t->types);
    free(t->strings);
    free(t->slots);
    memset(t, 0, sizeof *t);
}

static uint64_t key_hash(const char *name, size_t name_len, const char *module, size_t module_len)
{
    /* The name's hash seeds the module's hash, so ("ab","c") and ("a","bc") differ; "no module"
     * hashes apart from an empty module name. */
    uint64_t h = XXH3_64bits(name, name_len);
    return module ? XXH3_64bits_withSeed(module, module_len, h) : h ^ 0x9e3779b97f4a7c15ull;
}

static int same_key(const hd_typetab *t, const hd_type_info *ti, const char *name, size_t name_len,
                    const char *module, size_t module_len)
{
    const char *tn = t->strings + ti->name;
    if (strncmp(tn, name, name_len) != 0 || tn[name_len] != '\0') return 0;
    if (!module) return ti->module == HD_STR_NONE;
    if (ti->module == HD_STR_NONE) return 0;
    const char *tm = t->strings + ti->module;
    return strncmp(tm, module, module_len) == 0 && tm[module_len] == '\0';
}

static int add_string(hd_typetab *t, const char *s, size_t len, uint32_t *off, hd_error *err)
{
    if (t->strings_len + len + 1 >= HD_STR_NONE)
        return hd_error_set(err, HD_EINTERNAL, "type names exceed 4 GiB");
    if (hd_grow((void **)&t->strings, &t->strings_cap, t->strings_len + len + 1, 1, "type names",
                err))
        return err->code;
    memcpy(t->strings + t->strings_len, s, len);
    t->strings[t->strings_len + len] = '\0';
    *off = (uint32_t)t->strings_len;
    t->strings_len += len + 1;
    return HD_OK;
}

static int rehash(hd_typetab *t, hd_error *err)
{
    uint32_t n = t->n_slots ? t->n_slots * 2 : 64;
    uint32_t *slots = hd_calloc(n, sizeof *slots, "type hash table", err);
    if (!slots) return err->code;
    for (uint32_t id = 0; id < t->count; id++) {
        const hd_type_info *ti = &t->types[id];
        const char *nm = t->strings + ti->name;
        const char *md = ti->module == HD_STR_NONE ? NULL : t->strings + ti->module;
        uint64_t h = key_hash(nm, strlen(nm), md, md ? strlen(md) : 0);
        uint32_t i = (uint32_t)h & (n - 1);
        while (slots[i]) i = (i + 1) & (n - 1);
        slots[i] = id + 1;
    }
    free(t->slots);
    t->slots = slots;
    t->n_slots = n;
    return HD_OK;
}

int hd_typetab_intern(hd_typetab *t, const char *name, size_t name_len, const char *module,
                      size_t module_len, uint32_t *id, hd_error *err)
{
    if ((uint64_t)(t->count + 1) * 2 > t->n_slots && rehash(t, err)) return err->code;
    uint64_t h = key_hash(name, name_len, module, module_len);
    uint32_t mask = t->n_slots - 1, i = (uint32_t)h & mask;
    for (; t->slots[i]; i = (i + 1) & mask) {
        const hd_type_info *ti = &t->types[t->slots[i] - 1];
        if (same_key(t, ti, name, name_len, module, module_len)) {
            *id = t->slots[i] - 1;
            return HD_OK;
        }
    }
    if (t->count == UINT32_MAX - 1) return hd_error_set(err, HD_EINTERNAL, "too many types");
    uint64_t cap = t->cap;
    if (hd_grow((void **)&t->types, &cap, (uint64_t)t->count + 1, sizeof *t->types, "types", err))
        return err->code;
    t->cap = (uint32_t)cap;
    hd_type_info ti = {.module = HD_STR_NONE};
    if (add_string(t, name, name_len, &ti.name, err)) return err->code;
    if (module && add_string(t, module, module_len, &ti.module, err)) return err->code;
    size_t base_len = hd_type_base_len(name, name_len);
    ti.base = ti.name;
    if (base_len < name_len && add_string(t, name, base_len, &ti.base, err)) return err->code;
    hd_type_classify(name, name_len, &ti.kind, &ti.root);
    t->types[t->count] = ti;
    t->slots[i] = t->count + 1;
    *id = t->count++;
    return HD_OK;
}
