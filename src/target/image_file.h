/* The on-disk fallback for module images: when a dump lacks the pages of an ELF or PE image
 * (its symbol tables, export directory, resources), the same bytes can be read from the
 * module's file -- if, and only if, it is the very file that was loaded:
 *   ELF: the file's GNU build id (from its own PT_NOTE segments) equals the module record's
 *        build id, or, when the record has none, the build id in the dump's copy of its notes;
 *   PE:  the file's COFF TimeDateStamp and SizeOfImage equal the module record's (or, when the
 *        record has neither, those of the headers in dump memory).
 * A file that cannot be shown to be the same is refused: wrong bytes would give wrong
 * addresses, which is worse than none.
 *
 * Addresses are image-relative ("rva"): the offset from where the image's first byte (the ELF
 * header at file offset 0, the PE DOS header) is mapped in the process. ELF: rva + (first
 * PT_LOAD's p_vaddr - p_offset) is a link-time vaddr, found in a PT_LOAD's [p_vaddr, p_vaddr +
 * p_filesz); PE: rva below SizeOfHeaders is the file offset itself, else a section's
 * [VirtualAddress, + min(VirtualSize, SizeOfRawData)) maps to PointerToRawData. Bytes the file
 * does not hold (.bss, zero-fill past SizeOfRawData) are not read: they are not what the
 * process held.
 *
 * hd_image_src combines both: reads try dump memory first and the file for what the dump lacks.
 * The *_src variants of the image lookups (hd_elf_image_symbol_src, hd_pe_image_export_src,
 * hd_pe_image_version_src) read through it. */
#ifndef HD_TARGET_IMAGE_FILE_H
#define HD_TARGET_IMAGE_FILE_H

#include <stdint.h>

#include "heapdiff/target.h"

#define HD_IMAGE_FILE_MAX_SEGS 100 /* PE: headers + 96 sections (the loader's limit) */

typedef struct hd_image_file_seg {
    uint64_t rva, size; /* [rva, rva + size): the image bytes this segment of the file holds */
    uint64_t off;       /* their file offset (size is already cut to the file's end) */
} hd_image_file_seg;

typedef struct hd_image_file {
    hd_file file;
    char path[4096];
    uint8_t kind; /* HD_MOD_ELF or HD_MOD_PE */
    uint32_t n_segs;
    hd_image_file_seg seg[HD_IMAGE_FILE_MAX_SEGS];
    uint8_t build_id[32]; /* ELF: the file's GNU build id */
    uint8_t build_id_len;
    uint32_t timestamp, size_of_image; /* PE */
} hd_image_file;

/* Opens and maps (read-only) the file of module m: search_dir/BASENAME when search_dir is not
 * NULL (BASENAME: after the last '/' or '\\' of m->path), else m->path itself. t (may be NULL)
 * supplies the in-memory notes or headers when the module record lacks the identity. Returns
 * HD_OK, or HD_EINPUT with a message (missing file, not an ELF/PE file, identity unknown, or a
 * mismatch naming both build ids / timestamps and sizes). Close with hd_image_file_close. */
int hd_image_file_open(const hd_target *t, const hd_module *m, const char *search_dir,
                       hd_image_file *f, hd_error *err);
void hd_image_file_close(hd_image_file *f);

/* Reads up to size image bytes at image-relative address rva. *got (may be NULL) receives how
 * many were read contiguously. HD_OK when all were, else HD_EINPUT (no message). */
int hd_image_file_read(const hd_image_file *f, uint64_t rva, void *buf, uint64_t size,
                       uint64_t *got);

/* Dump memory first, then the file. Either may be NULL. base: where the image is mapped in
 * the process (the address of rva 0). */
typedef struct hd_image_src {
    const hd_target *t;
    const hd_image_file *f;
    uint64_t base;
} hd_image_src;

/* Like hd_target_read over both sources: HD_OK when all size bytes at addr were read. */
int hd_image_src_read(const hd_image_src *s, uint64_t addr, void *buf, uint64_t size,
                      uint64_t *got);

#endif
