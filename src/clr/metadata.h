/* ECMA-335 metadata: enough of an assembly's tables to name its types the way the runtime and
 * PerfView print them. The heap walker gets a MethodTable's TypeDef token and module; this turns
 * the module's image (a PE file, or the PE image the runtime mapped into a dump) into
 * "Namespace.Outer+Inner`1".
 *
 * What is read (ECMA-335 II.24-25): the PE headers (file or loader layout) → CLI header (data
 * directory 14) → metadata root ("BSJB") → streams #~ (or #-), #Strings, #Blob, #GUID, #US → the
 * table stream header. Row sizes and column offsets are computed for every table the standard
 * defines (0x00-0x2C, coded indexes sized from the row counts), so any row of any of them can
 * be addressed; names come from Module, TypeRef, TypeDef, NestedClass and Assembly.
 *
 * The input is untrusted (dump memory): every offset, index and size is checked before use, a
 * string must end inside #Strings, loops are bounded and nothing recurses. */
#ifndef HD_CLR_METADATA_H
#define HD_CLR_METADATA_H

#include <stddef.h>
#include <stdint.h>

#include "heapdiff/error.h"
#include "heapdiff/target.h"

enum {
    HD_MD_MODULE = 0x00,
    HD_MD_TYPEREF = 0x01,
    HD_MD_TYPEDEF = 0x02,
    HD_MD_ASSEMBLY = 0x20,
    HD_MD_NESTEDCLASS = 0x29,
    HD_MD_N_TABLES = 0x2D,   /* tables with a known schema: 0x00 .. 0x2C */
    HD_MD_MAX_COLUMNS = 9,   /* Assembly and AssemblyRef */
    HD_MD_MAX_NESTING = 256, /* enclosing-class chain followed at most this deep */
};

typedef struct hd_md {
    uint8_t *owned; /* the copy hd_md_open_target made (freed by hd_md_close), or NULL */
    const uint8_t *root;
    uint32_t root_size;    /* the metadata blob: root .. root + root_size */
    char version[64];      /* the root's version string, "v4.0.30319" */
    int uncompressed;      /* 1: the table stream is #- */
    int from_pe, mapped;   /* how the metadata was found (hd_md_open) */
    const uint8_t *tables; /* first row of table 0; NULL when absent */
    const uint8_t *strings, *blob, *guid, *us;
    uint32_t tables_size, strings_size, blob_size, guid_size, us_size;
    uint8_t heap_sizes; /* the table stream's HeapSizes byte */
    uint64_t valid, sorted;
    uint32_t rows[64];
    uint32_t row_size[HD_MD_N_TABLES];
    uint32_t table_off[HD_MD_N_TABLES]; /* from md->tables; valid when rows[i] != 0 */
    uint8_t col_off[HD_MD_N_TABLES][HD_MD_MAX_COLUMNS], col_size[HD_MD_N_TABLES][HD_MD_MAX_COLUMNS];
    /* NestedClass lookup: binary search when the table is sorted by its NestedClass column
     * (valid metadata always is), else enclosing[rid] built once at open (0: not nested). */
    int nested_sorted;
    uint32_t *enclosing;
} hd_md;

/* Opens metadata held in memory the caller keeps alive until hd_md_close. With is_pe_image 0,
 * pe_or_md is the metadata blob itself (starting with "BSJB"); with 1 it is a PE image in file
 * layout (mapped_layout 0: RVAs translated through the section table), in the loader's layout
 * (1: RVA = offset) or either (-1: hd_md_pe_layout decides). HD_OK or HD_EINPUT with a message
 * naming the offset; HD_EINTERNAL when memory runs out. */
int hd_md_open(hd_md *md, const uint8_t *pe_or_md, size_t len, int is_pe_image, int mapped_layout,
               hd_error *err);

/* Which layout a PE image in memory has: 0 file, 1 mapped (sections at their RVAs), -1 when it
 * is not a PE image with metadata. Decided by the section table and by where the CLI header and
 * the "BSJB" signature are actually found; an image whose sections sit at offsets equal to their
 * RVAs reads the same both ways and is reported as 0. */
int hd_md_pe_layout(const uint8_t *pe, size_t len);

/* Reads the metadata of the PE image mapped at `base` in the dump (size: the mapping's size, 0
 * when unknown), copying only the headers, the CLI header and the metadata range into one buffer
 * owned by md. Images mapped flat (the file read into memory) and section by section are both
 * recognised. HD_EINPUT with a message when the image or its metadata is not captured or not
 * sane. */
int hd_md_open_target(hd_md *md, const hd_target *t, uint64_t base, uint64_t size, hd_error *err);

void hd_md_close(hd_md *md);

/* Rows of TypeDef (rids 1 .. count; rid 1 is the <Module> pseudo-type). */
uint32_t hd_md_typedef_count(const hd_md *md);

/* The full name of TypeDef `rid` in buf (NUL-terminated): "Namespace.Name", nested types
 * "Namespace.Outer+Inner" (each level's own namespace kept when it has one), generic arity
 * suffixes ("List`1") kept. Returns the length, or -1 (buf = "") when rid is out of range, a
 * name is not in #Strings, the enclosing chain loops or is deeper than HD_MD_MAX_NESTING, or
 * the name does not fit in cap bytes. */
int hd_md_typedef_name(const hd_md *md, uint32_t rid, char *buf, size_t cap);

/* TypeDef `rid`'s TypeAttributes (II.23.1.15). HD_OK or HD_EINPUT (rid out of range). */
int hd_md_typedef_flags(const hd_md *md, uint32_t rid, uint32_t *flags);

/* The enclosing TypeDef of nested TypeDef `rid`, 0 when it is not nested. */
uint32_t hd_md_typedef_enclosing(const hd_md *md, uint32_t rid);

/* TypeRef `rid`'s name: "Namespace.Name", "Namespace.Outer+Inner" when its resolution scope is
 * another TypeRef. Length or -1 as hd_md_typedef_name. */
uint32_t hd_md_typeref_count(const hd_md *md);
int hd_md_typeref_name(const hd_md *md, uint32_t rid, char *buf, size_t cap);

/* The Module table's name ("LeakApp.dll") and the Assembly table's name ("LeakApp"; -1 for a
 * netmodule, which has no Assembly row). Length or -1. */
int hd_md_module_name(const hd_md *md, char *buf, size_t cap);
int hd_md_assembly_name(const hd_md *md, char *buf, size_t cap);

/* One cell of any table with a known schema: row rid (1-based), column col (0-based, in the
 * order of ECMA-335 II.22). HD_OK or HD_EINPUT when the table, row or column does not exist. */
int hd_md_cell(const hd_md *md, uint32_t table, uint32_t rid, uint32_t col, uint32_t *value);

/* The NUL-terminated #Strings entry at index, or NULL when it is outside the heap or does not
 * end inside it. */
const char *hd_md_string(const hd_md *md, uint32_t index);

#endif
