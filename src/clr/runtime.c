/* Locating the .NET runtime in a dump and reading its contract descriptor
 * (dotnet/runtime docs/design/datacontracts/contract-descriptor.md):
 *
 *   struct DotNetRuntimeContractDescriptor {
 *       uint64_t magic;            // "DNCCDAC\0"
 *       uint32_t flags;            // bit 0 always 1; bit 1: 32-bit pointers
 *       uint32_t descriptor_size;  // bytes of JSON
 *       const char *descriptor;    // UTF-8 JSON
 *       uint32_t pointer_data_count;
 *       uint32_t pad0;
 *       uintptr_t *pointer_data;
 *   };
 *
 * The symbol is an export of libcoreclr.so / coreclr.dll. Its pages are read from the dump,
 * and from the module file on disk only when the dump lacks them and the file is provably the
 * one that was loaded (src/target/image_file.c). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "heapdiff/clr.h"
#include "target/elf_image.h"
#include "target/image_file.h"
#include "target/pe_image.h"
#include "util/alloc.h"

#define DESCRIPTOR_SYMBOL "DotNetRuntimeContractDescriptor"
#define DAC_TABLE_SYMBOL "g_dacTable"
#define MAX_JSON (16u << 20)    /* .NET 10's is about 20 KB */
#define MAX_POINTERS (1u << 20) /* a few hundred in practice */

static const char *base_name(const char *path)
{
    const char *b = path;
    for (const char *p = path; *p; p++)
        if (*p == '/' || *p == '\\') b = p + 1;
    return b;
}

static const hd_module *find_runtime(const hd_target *t, const char **flavor)
{
    for (uint32_t i = 0; i < t->n_modules; i++) {
        const char *b = base_name(t->modules[i].path);
        if (!strcasecmp(b, "libcoreclr.so") || !strcasecmp(b, "coreclr.dll") ||
            !strcasecmp(b, "libcoreclr.dylib")) {
            *flavor = "coreclr";
            return &t->modules[i];
        }
        if (!strcasecmp(b, "clr.dll") || !strcasecmp(b, "mscorwks.dll")) {
            *flavor = "netfx";
            return &t->modules[i];
        }
    }
    return NULL;
}

/* The module's file version, else the shared-framework folder in its path
 * (".../Microsoft.NETCore.App/10.0.12/libcoreclr.so"). */
static void runtime_version(const hd_module *m, char *buf, size_t len)
{
    char v[32];
    if (*hd_module_version(m, v)) {
        snprintf(buf, len, "%s", v);
        return;
    }
    buf[0] = '\0';
    const char *key = "Microsoft.NETCore.App";
    const char *p = strstr(m->path, key);
    if (!p || (p[strlen(key)] != '/' && p[strlen(key)] != '\\')) return;
    p += strlen(key) + 1;
    size_t n = strcspn(p, "/\\");
    if (n && n < len) snprintf(buf, len, "%.*s", (int)n, p);
}

/* The version a runtime module carries in its data: "@(#)Version 8.0.3126.42015" (the file
 * version; every CoreCLR since .NET Core has it). The fallback for self-contained apps, whose
 * path names no framework folder, on dumps whose module records carry no version. */
static void embedded_version(const hd_target *t, const hd_module *m, char *buf, size_t len)
{
    static const char key[] = "@(#)Version ";
    const size_t klen = sizeof key - 1;
    uint64_t end_mod = m->base + m->size;
    for (uint64_t a = m->base; a < end_mod;) {
        const hd_range *r = hd_target_next_captured(t, a);
        if (!r || r->addr >= end_mod) return;
        if (r->addr > a) a = r->addr;
        uint64_t end = r->addr + r->file_size < end_mod ? r->addr + r->file_size : end_mod;
        const uint8_t *p = end > a ? t->file.data + r->offset + (a - r->addr) : NULL;
        for (uint64_t i = 0; p && i + klen + 1 < end - a; i++) {
            if (p[i] != '@' || memcmp(p + i, key, klen) != 0) continue;
            size_t n = 0;
            const uint8_t *v = p + i + klen;
            while (n + 1 < len && i + klen + n < end - a &&
                   ((v[n] >= '0' && v[n] <= '9') || v[n] == '.'))
                n++;
            if (n && v[0] >= '0' && v[0] <= '9') {
                memcpy(buf, v, n);
                buf[n] = '\0';
                return;
            }
        }
        a = r->addr + r->size > a ? r->addr + r->size : a + 1;
    }
}

static uint64_t word(const uint8_t *p, uint32_t ptr)
{
    return hd_leword(p, ptr);
}

/* A descriptor value: a JSON integer, or a decimal or 0x-hex string. */
static int number(const json_t *v, uint64_t *out)
{
    if (json_is_integer(v)) {
        *out = (uint64_t)json_integer_value(v);
        return 1;
    }
    if (!json_is_string(v)) return 0;
    const char *s = json_string_value(v);
    char *end;
    if (!*s) return 0;
    unsigned long long x = strtoull(s, &end, 0);
    if (*end) return 0;
    *out = x;
    return 1;
}

int hd_clr_parse(hd_clr_runtime *rt)
{
    json_error_t je;
    json_t *doc = json_loadb(rt->json, rt->json_len, 0, &je);
    if (!doc || !json_is_object(doc)) {
        snprintf(rt->why, sizeof rt->why, "the contract descriptor's JSON does not parse: %s",
                 doc ? "not an object" : je.text);
        json_decref(doc);
        return HD_EINPUT;
    }
    rt->doc = doc;
    json_t *v = json_object_get(doc, "version");
    uint64_t ver;
    rt->contract_version = number(v, &ver) ? (int)ver : -1;
    json_t *types = json_object_get(doc, "types"), *globals = json_object_get(doc, "globals");
    json_t *contracts = json_object_get(doc, "contracts");
    rt->n_types = json_is_object(types) ? (uint32_t)json_object_size(types) : 0;
    rt->n_globals = json_is_object(globals) ? (uint32_t)json_object_size(globals) : 0;
    rt->n_contracts = json_is_object(contracts) ? (uint32_t)json_object_size(contracts) : 0;
    const char *key;
    json_t *val;
    size_t used = 0;
    if (json_is_object(contracts)) json_object_foreach(contracts, key, val)
        {
            char one[96];
            if (json_is_integer(val))
                snprintf(one, sizeof one, "%s %lld", key, (long long)json_integer_value(val));
            else if (json_is_string(val))
                snprintf(one, sizeof one, "%s %s", key, json_string_value(val));
            else
                snprintf(one, sizeof one, "%s", key);
            int n = snprintf(rt->contracts + used, sizeof rt->contracts - used, "%s%s",
                             used ? ", " : "", one);
            if (n < 0 || (size_t)n >= sizeof rt->contracts - used) break;
            used += (size_t)n;
        }
    return HD_OK;
}

static const json_t *type_of(const hd_clr_runtime *rt, const char *type)
{
    if (!rt->doc) return NULL;
    const json_t *o = json_object_get(json_object_get(rt->doc, "types"), type);
    return json_is_object(o) ? o : NULL;
}

int hd_clr_type_size(const hd_clr_runtime *rt, const char *type, uint64_t *size)
{
    const json_t *t = type_of(rt, type);
    return t && number(json_object_get(t, "!"), size) ? HD_OK : HD_EINPUT;
}

int hd_clr_field(const hd_clr_runtime *rt, const char *type, const char *field, uint64_t *offset)
{
    const json_t *t = type_of(rt, type);
    if (!t || !strcmp(field, "!")) return HD_EINPUT;
    const json_t *f = json_object_get(t, field);
    if (json_is_array(f)) f = json_array_get(f, 0); /* [offset, "type"] */
    return number(f, offset) ? HD_OK : HD_EINPUT;
}

int hd_clr_global(const hd_clr_runtime *rt, const char *name, uint64_t *value)
{
    if (!rt->doc) return HD_EINPUT;
    const json_t *g = json_object_get(json_object_get(rt->doc, "globals"), name);
    if (!g) return HD_EINPUT;
    /* value | [value, "type"] | [n] | [[n], "type"] */
    if (json_is_array(g)) {
        const json_t *first = json_array_get(g, 0);
        int indirect = json_array_size(g) == 1 || json_is_array(first);
        if (json_is_array(first)) first = json_array_get(first, 0);
        uint64_t x;
        if (!number(first, &x)) return HD_EINPUT;
        if (!indirect) {
            *value = x;
            return HD_OK;
        }
        if (x >= rt->n_pointer_data) return HD_EINPUT;
        *value = rt->pointer_data[x];
        return HD_OK;
    }
    return number(g, value) ? HD_OK : HD_EINPUT;
}

static int read_descriptor(const hd_target *t, hd_clr_runtime *rt, const hd_image_src *src,
                           hd_error *err)
{
    uint32_t ptr = t->pointer_size == 4 ? 4 : 8;
    uint8_t h[40];
    uint64_t got;
    /* The descriptor and its pointer data hold relocated pointers: only the dump has the values
     * the process used (the file has link-time ones). The JSON text is read-only data, which
     * the module file may supply. */
    if (hd_target_read(t, rt->descriptor_addr, h, 16 + 2 * ptr + 8, &got)) {
        snprintf(rt->why, sizeof rt->why, "the contract descriptor at 0x%llx is not in the dump",
                 (unsigned long long)rt->descriptor_addr);
        return HD_OK;
    }
    if (memcmp(h, "DNCCDAC", 8) != 0) {
        snprintf(rt->why, sizeof rt->why,
                 "the contract descriptor at 0x%llx does not start with \"DNCCDAC\"",
                 (unsigned long long)rt->descriptor_addr);
        return HD_OK;
    }
    uint32_t flags = hd_le32(h + 8), size = hd_le32(h + 12);
    if (flags & 2) ptr = 4;
    uint64_t json_at = word(h + 16, ptr);
    uint32_t count = hd_le32(h + 16 + ptr);
    uint64_t data_at = word(h + 24 + ptr, ptr);
    rt->pointer_size = ptr;
    if (size == 0 || size > MAX_JSON || count > MAX_POINTERS) {
        snprintf(rt->why, sizeof rt->why,
                 "the contract descriptor claims %u bytes of JSON and %u pointers; expected at "
                 "most %u and %u",
                 size, count, MAX_JSON, MAX_POINTERS);
        return HD_OK;
    }
    rt->json = hd_alloc((uint64_t)size + 1, 1, "contract descriptor", err);
    uint8_t *raw = hd_alloc((uint64_t)count * ptr, 1, "contract descriptor", err);
    rt->pointer_data = hd_alloc(count, sizeof *rt->pointer_data, "contract descriptor", err);
    if (!rt->json || !raw || !rt->pointer_data) {
        free(raw);
        return err->code;
    }
    if (hd_image_src_read(src, json_at, rt->json, size, &got) ||
        (count && hd_target_read(t, data_at, raw, (uint64_t)count * ptr, &got))) {
        snprintf(rt->why, sizeof rt->why,
                 "the contract descriptor's JSON (0x%llx, %u bytes) or pointer data is not in the "
                 "dump nor in the module file",
                 (unsigned long long)json_at, size);
        free(raw);
        free(rt->json);
        rt->json = NULL;
        return HD_OK;
    }
    rt->json[size] = '\0';
    rt->json_len = size;
    for (uint32_t i = 0; i < count; i++) rt->pointer_data[i] = word(raw + (uint64_t)i * ptr, ptr);
    rt->n_pointer_data = count;
    free(raw);
    hd_clr_parse(rt); /* a JSON that does not parse leaves rt->why set; not an input error */
    return HD_OK;
}

int hd_clr_locate(const hd_target *t, hd_clr_runtime *rt, hd_error *err)
{
    memset(rt, 0, sizeof *rt);
    rt->contract_version = -1;
    rt->module = find_runtime(t, &rt->flavor);
    if (!rt->module)
        return hd_error_set(err, HD_EINPUT, "%s: no .NET runtime module in this dump", t->path);
    runtime_version(rt->module, rt->version, sizeof rt->version);
    if (!rt->version[0]) embedded_version(t, rt->module, rt->version, sizeof rt->version);
    if (strcmp(rt->flavor, "coreclr") != 0) {
        snprintf(rt->why, sizeof rt->why, ".NET Framework has no contract descriptor");
        return HD_OK;
    }
    /* The export, from dump memory, else from the module file when it is the same file. */
    hd_image_file file;
    int have_file = 0, not_captured = 0;
    hd_image_src src = {t, NULL, rt->module->base};
    int kind = rt->module->kind;
    int rc = kind == HD_MOD_PE ? hd_pe_image_export(t, rt->module->base, DESCRIPTOR_SYMBOL,
                                                    &rt->descriptor_addr, &not_captured, NULL)
                               : hd_elf_image_symbol(t, rt->module->base, DESCRIPTOR_SYMBOL,
                                                     &rt->descriptor_addr, &not_captured, NULL);
    if (rc && not_captured) {
        hd_error ferr;
        hd_error_clear(&ferr);
        if (hd_image_file_open(t, rt->module, NULL, &file, &ferr) == HD_OK) {
            have_file = 1;
            src.f = &file;
            rt->from_file = 1;
            char forward[256];
            rc = kind == HD_MOD_PE
                     ? hd_pe_image_export_src(&src, DESCRIPTOR_SYMBOL, &rt->descriptor_addr,
                                              forward, &not_captured, NULL)
                     : hd_elf_image_symbol_src(&src, DESCRIPTOR_SYMBOL, &rt->descriptor_addr,
                                               &not_captured, NULL);
        } else {
            snprintf(rt->why, sizeof rt->why,
                     "the runtime's export table is not in the dump and its file cannot be used: "
                     "%s",
                     ferr.msg);
        }
    }
    if (rc) {
        rt->descriptor_addr = 0;
        if (!rt->why[0])
            snprintf(rt->why, sizeof rt->why,
                     not_captured ? "the runtime's export table is not in the dump"
                                  : "this runtime exports no contract descriptor (.NET 8 or "
                                    "older)");
    } else {
        rc = read_descriptor(t, rt, &src, err);
    }
    /* g_dacTable: the addresses of the runtime's variables the DAC reads (the GC's among
     * them), filled at startup; the GC heap is found through it (gcheap.c). */
    {
        uint64_t a = 0;
        char forward[256];
        int nc = 0,
            r2 = have_file
                     ? (kind == HD_MOD_PE
                            ? hd_pe_image_export_src(&src, DAC_TABLE_SYMBOL, &a, forward, &nc, NULL)
                            : hd_elf_image_symbol_src(&src, DAC_TABLE_SYMBOL, &a, &nc, NULL))
                     : (kind == HD_MOD_PE ? hd_pe_image_export(t, rt->module->base,
                                                               DAC_TABLE_SYMBOL, &a, &nc, NULL)
                                          : hd_elf_image_symbol(t, rt->module->base,
                                                                DAC_TABLE_SYMBOL, &a, &nc, NULL));
        if (!r2) rt->dac_table_addr = a;
    }
    if (have_file) hd_image_file_close(&file);
    return rc == HD_EINPUT ? HD_OK : rc;
}

void hd_clr_runtime_free(hd_clr_runtime *rt)
{
    json_decref(rt->doc);
    free(rt->json);
    free(rt->pointer_data);
    memset(rt, 0, sizeof *rt);
}
