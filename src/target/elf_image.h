/* ELF images (executables, shared libraries, the vDSO) as they are mapped in a process dump:
 * their headers, notes and dynamic symbols read from dump memory through the target API.
 *
 * Used by the ELF core reader (build ids, the r_debug/link_map fallback) and by the heap
 * walker (an exported symbol of libcoreclr.so, e.g. a DAC table). Every read goes through
 * hd_target_read, so a page the dump did not capture is reported, never guessed: the
 * functions return HD_EINPUT and, when asked, say whether the cause was missing pages. */
#ifndef HD_TARGET_ELF_IMAGE_H
#define HD_TARGET_ELF_IMAGE_H

#include <stdint.h>

#include "heapdiff/target.h"
#include "util/endian.h" /* hd_le16/32/64, hd_leword */
#include "target/image_file.h"

#define HD_ELF_IMAGE_MAX_NOTES 8

typedef struct hd_elf_image {
    uint64_t base;          /* where file offset 0 is mapped (the ELF header) */
    uint64_t bias;          /* load bias: runtime address = bias + p_vaddr */
    uint64_t lo, hi;        /* [lo, hi): the span of its PT_LOAD segments, runtime addresses */
    uint64_t dyn, dyn_size; /* PT_DYNAMIC (runtime address), 0 when none */
    uint64_t note[HD_ELF_IMAGE_MAX_NOTES], note_size[HD_ELF_IMAGE_MAX_NOTES];
    uint32_t n_notes;
    uint32_t ptr; /* 4 (ELFCLASS32) or 8 (ELFCLASS64) */
    uint16_t machine;
} hd_elf_image;

/* Reads the ELF header and program headers at base. HD_OK, or HD_EINPUT when the header is
 * not captured or is not a little-endian ELF header with sane program headers. */
int hd_elf_image_open(const hd_target *t, uint64_t base, hd_elf_image *im);

/* The GNU build id (NT_GNU_BUILD_ID) from the image's PT_NOTE segments in dump memory.
 * HD_OK and *len > 0 when found; HD_EINPUT when not found or not captured. */
int hd_elf_image_build_id(const hd_target *t, const hd_elf_image *im, uint8_t out[32],
                          uint8_t *len);

/* The runtime address of the exported (defined) dynamic symbol `name` of the ELF image whose
 * header is mapped at base: ELF header -> PT_DYNAMIC -> DT_SYMTAB/DT_STRTAB and DT_GNU_HASH,
 * DT_HASH or (neither) a bounded scan of the symbol table. d_ptr values that glibc relocated
 * in place (absolute) are used as they are; values below base get the load bias added.
 * Returns HD_OK, or HD_EINPUT with a message in err (may be NULL); *not_captured (may be NULL)
 * is set to 1 when the answer is unknown because the dump lacks a page that was needed, 0
 * when the symbol is really absent or the image is malformed. */
int hd_elf_image_symbol(const hd_target *t, uint64_t base, const char *name, uint64_t *addr,
                        int *not_captured, hd_error *err);
/* The same through dump memory and then the module's file (image_file.h: the pages the dump
 * lacks are read from the file when hd_image_file_open accepted it); s->base is the image's
 * base. *not_captured = 1 then means neither source holds a needed page. */
int hd_elf_image_symbol_src(const hd_image_src *s, const char *name, uint64_t *addr,
                            int *not_captured, hd_error *err);

#endif
