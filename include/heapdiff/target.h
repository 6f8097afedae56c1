/* heapdiff — target memory: what a process dump holds (memory ranges, modules, threads), one
 * API over Windows minidumps and Linux ELF cores. The CoreCLR heap walker reads the target
 * through this API only.
 *
 * A target borrows the mapped file: nothing is copied, inputs are never modified, and a 20 GB
 * dump opens in the time it takes to read its directory. Every count, offset and size from the
 * file is checked against the file's size before it is used. */
#ifndef HEAPDIFF_TARGET_H
#define HEAPDIFF_TARGET_H

#include <stddef.h>
#include <stdint.h>

#include "heapdiff/error.h"
#include "heapdiff/source.h"

enum hd_os {
    HD_OS_UNKNOWN = 0,
    HD_OS_WINDOWS,
    HD_OS_LINUX,
    HD_OS_MACOS,
    HD_OS_ANDROID,
    HD_OS_OTHER
};
enum hd_arch {
    HD_ARCH_UNKNOWN = 0,
    HD_ARCH_X86,
    HD_ARCH_X64,
    HD_ARCH_ARM,
    HD_ARCH_ARM64,
    HD_ARCH_OTHER,
};

/* A captured range of the process's address space. Bytes [addr, addr + file_size) are at
 * file offset `offset`; [addr + file_size, addr + size) existed in the process but were NOT
 * captured (ELF p_filesz < p_memsz): reads there fail, they are not zeros. */
typedef struct hd_range {
    uint64_t addr, size;
    uint64_t offset, file_size;
} hd_range;

enum hd_module_kind { HD_MOD_UNKNOWN = 0, HD_MOD_PE, HD_MOD_ELF, HD_MOD_MACHO };

typedef struct hd_module {
    uint64_t base, size;
    const char *path; /* UTF-8, owned by the target; never NULL ("" if unknown) */
    uint8_t kind;     /* enum hd_module_kind (from the dump's records or the mapped header) */
    uint8_t has_version;
    uint16_t version[4];          /* file version a.b.c.d (minidump VS_FIXEDFILEINFO) */
    uint32_t timestamp, checksum; /* PE TimeDateStamp / CheckSum (minidump) */
    uint8_t build_id[32]; /* ELF build id (NT_GNU_BUILD_ID / CodeView 'BpEL'), or PDB GUID */
    uint8_t build_id_len; /* 0 when unknown */
    uint32_t pdb_age;     /* CodeView RSDS age, 0 otherwise */
    const char *pdb_name; /* CodeView RSDS path, or NULL */
} hd_module;

typedef struct hd_thread {
    uint32_t tid;
    uint64_t stack_lo, stack_hi; /* captured stack range (minidump) or [sp, end of its mapping) */
    uint64_t ip, sp, fp;         /* 0 when unknown */
    int has_regs;
    const char *name; /* or NULL */
} hd_thread;

typedef struct hd_target {
    const char *path;
    hd_file file;
    enum hd_input_format container; /* HD_FMT_MINIDUMP or HD_FMT_ELFCORE */
    enum hd_os os;
    enum hd_arch arch;
    uint32_t pointer_size;
    char os_version[64];     /* "10.0.17763", uname text, ... or "" */
    uint64_t minidump_flags; /* MINIDUMP_TYPE bits (minidump only) */
    int full_memory;         /* 1: every committed page is captured; 0: partial; -1 unknown */
    int64_t time;            /* capture time, seconds since 1970 (0 unknown) */
    uint32_t pid;            /* 0 unknown */
    char *exe;               /* main executable / process name, or NULL */

    hd_range *ranges; /* sorted by addr, non-overlapping (later duplicates are dropped) */
    uint64_t n_ranges;
    uint64_t bytes_captured; /* sum of file_size */
    uint64_t bytes_reserved; /* committed+reserved address space the dump describes, 0 unknown */
    uint64_t bytes_cut;      /* bytes the dump's headers place beyond the end of the file (a
                              * truncated copy); 0 when the file is whole */
    hd_module *modules;
    uint32_t n_modules;
    hd_thread *threads;
    uint32_t n_threads;

    /* Storage owned by the target (strings and arrays), freed by hd_target_close. */
    struct hd_arena_block *arena; /* strings: blocks never move, so pointers stay valid */
    uint64_t cap_ranges;
    uint32_t cap_modules, cap_threads;
} hd_target;

/* Opens a minidump or an ELF core (recognised by content). */
int hd_target_open(hd_target *t, const char *path, hd_error *err);
void hd_target_close(hd_target *t);

/* Reads up to `size` bytes at `addr` into buf. *got receives how many bytes were captured
 * contiguously from addr (reads stop at the first byte the dump does not hold). Returns HD_OK
 * when all `size` bytes were read, HD_EINPUT otherwise (no message is recorded: a missing
 * page is normal in a dump; callers decide). */
int hd_target_read(const hd_target *t, uint64_t addr, void *buf, uint64_t size, uint64_t *got);

/* A pointer into the mapped file for [addr, addr + size) when one range holds it all, else
 * NULL. Zero-copy access for the heap walker. */
const uint8_t *hd_target_ptr(const hd_target *t, uint64_t addr, uint64_t size);

/* The range containing addr, or NULL. O(log n). */
const hd_range *hd_target_find(const hd_target *t, uint64_t addr);

/* The first range with captured bytes at or after addr (the one holding addr, else the next),
 * or NULL. O(log n). For scans that must skip what a dump left out without probing it. */
const hd_range *hd_target_next_captured(const hd_target *t, uint64_t addr);

/* The module containing addr, or NULL. */
const hd_module *hd_target_module_at(const hd_target *t, uint64_t addr);

/* The module's file version as "a.b.c.d" in buf (32 bytes), or "" when the dump has none. */
const char *hd_module_version(const hd_module *m, char *buf);

const char *hd_os_name(enum hd_os os);
const char *hd_arch_name(enum hd_arch arch);

/* --- used by the container readers (src/target/) --- */

/* Copies a string into the target's storage; returns a stable pointer (NULL on OOM). */
const char *hd_target_strdup(hd_target *t, const char *s, size_t len, hd_error *err);
int hd_target_add_range(hd_target *t, uint64_t addr, uint64_t size, uint64_t offset,
                        uint64_t file_size, hd_error *err);
hd_module *hd_target_add_module(hd_target *t, hd_error *err);
hd_thread *hd_target_add_thread(hd_target *t, hd_error *err);
/* Sorts the ranges, drops overlaps, totals the captured bytes. Readers call it once at the
 * end; it also resolves module kinds from the bytes at each module base when not known. */
int hd_target_finish(hd_target *t, hd_error *err);

/* The readers: fill t from t->file. */
int hd_minidump_read(hd_target *t, hd_error *err);
int hd_elfcore_read(hd_target *t, hd_error *err);

#endif
