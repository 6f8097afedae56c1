/* PE images (DLLs, executables) as the Windows loader maps them in a process dump: headers,
 * section table, exports and the version resource, read from dump memory through the target
 * API (or, with the *_src variants, from dump memory and then the module's file: image_file.h).
 *
 * The heap walker uses it to find coreclr.dll's exported DotNetRuntimeContractDescriptor /
 * g_dacTable in Windows minidumps. As in elf_image.h: a page the dump did not capture is
 * reported, never guessed (HD_EINPUT and *not_captured = 1). Every RVA, size and count read
 * from the image is bounds-checked; loops are bounded; nothing recurses. */
#ifndef HD_TARGET_PE_IMAGE_H
#define HD_TARGET_PE_IMAGE_H

#include <stdint.h>

#include "heapdiff/target.h"
#include "target/image_file.h"

#define HD_PE_MAX_SECTIONS 96 /* the Windows loader refuses more */

enum {
    HD_PE_DIR_EXPORT = 0,
    HD_PE_DIR_IMPORT = 1,
    HD_PE_DIR_RESOURCE = 2,
    HD_PE_DIR_DEBUG = 6,
};

typedef struct hd_pe_section {
    char name[9];          /* NUL-terminated (8 bytes in the header, not necessarily terminated) */
    uint32_t vaddr, vsize; /* VirtualAddress, VirtualSize (RVA and size in memory) */
    uint32_t raw_off, raw_size; /* PointerToRawData, SizeOfRawData (in the file) */
    uint32_t flags;             /* Characteristics */
} hd_pe_section;

typedef struct hd_pe_image {
    uint64_t base;       /* where the DOS header is mapped */
    uint64_t image_base; /* the preferred ImageBase from the optional header */
    uint32_t e_lfanew;
    uint16_t machine;   /* COFF Machine (0x8664 x64, 0x14c x86, 0xaa64 arm64) */
    uint16_t magic;     /* 0x10b PE32, 0x20b PE32+ */
    uint32_t ptr;       /* 4 (PE32) or 8 (PE32+) */
    uint32_t timestamp; /* COFF TimeDateStamp */
    uint16_t characteristics;
    uint32_t size_of_image, size_of_headers, checksum;
    uint32_t n_dirs; /* NumberOfRvaAndSizes, capped at 16 */
    struct {
        uint32_t rva, size;
    } dir[16];
    uint32_t n_sections;
    hd_pe_section sec[HD_PE_MAX_SECTIONS];
} hd_pe_image;

/* Reads the DOS header, PE signature, COFF header, optional header (PE32 or PE32+) and the
 * section table at base. HD_OK or HD_EINPUT (not captured, or not a sane PE header). */
int hd_pe_image_open(const hd_target *t, uint64_t base, hd_pe_image *im);
/* The same with a message in err (may be NULL) and *not_captured (may be NULL) = 1 when the
 * headers are missing from the source rather than malformed. */
int hd_pe_image_open_src(const hd_image_src *s, hd_pe_image *im, int *not_captured, hd_error *err);

/* The address of the exported symbol `name` of the PE image mapped at base, through its export
 * directory: binary search of the (normally sorted) name pointer table, then a linear scan if
 * the table turned out unsorted, then the ordinal table and the address table. A forwarded
 * export (its address-table RVA points inside the export directory) is not an address: HD_EINPUT
 * with "forwarded to MODULE.NAME" in err, and *forward (when not NULL, 256 bytes) receives the
 * forwarder string. Otherwise as hd_elf_image_symbol: HD_OK, or HD_EINPUT with a message and
 * *not_captured = 1 when a needed page is missing. */
int hd_pe_image_export(const hd_target *t, uint64_t base, const char *name, uint64_t *addr,
                       int *not_captured, hd_error *err);
int hd_pe_image_export_src(const hd_image_src *s, const char *name, uint64_t *addr,
                           char forward[256], int *not_captured, hd_error *err);

/* The file version a.b.c.d and product version from the VS_FIXEDFILEINFO of the image's
 * RT_VERSION resource (the first name and language), when captured. */
typedef struct hd_pe_version {
    uint16_t file[4], product[4];
    uint32_t flags, os, type;
} hd_pe_version;
int hd_pe_image_version(const hd_target *t, uint64_t base, hd_pe_version *v, int *not_captured,
                        hd_error *err);
int hd_pe_image_version_src(const hd_image_src *s, hd_pe_version *v, int *not_captured,
                            hd_error *err);

#endif
