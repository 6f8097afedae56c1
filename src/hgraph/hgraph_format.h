/* .hgraph byte layout shared by the reader and the writer (formats/hgraph.md is normative;
 * every number here is named there). */
#ifndef HD_HGRAPH_FORMAT_H
#define HD_HGRAPH_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#define HG_MAGIC "HGRAPH\r\n" /* 8 bytes: CR LF catches text-mode transfers */
#define HG_VERSION_MAJOR 1u
#define HG_VERSION_MINOR 0u

#define HG_HEADER_SIZE 64u
#define HG_ENTRY_SIZE 32u
#define HG_MAX_SECTIONS 1024u

/* Header flags: bits 0-15 are features a reader must understand (none in 1.0), bits 16-31 are
 * informational. */
#define HG_FLAG_REQUIRED_MASK 0x0000FFFFu
#define HG_FLAG_HAS_ANALYSIS (1u << 16)

/* Section flags. */
#define HG_SEC_REQUIRED 1u /* a reader that does not know the id must refuse the file */

/* Section ids: the four ASCII letters as a little-endian u32, so a hex dump shows the name. */
#define HG_ID(a, b, c, d)                                                                          \
    ((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)
#define HG_META HG_ID('M', 'E', 'T', 'A')
#define HG_STRS HG_ID('S', 'T', 'R', 'S')
#define HG_TYPE HG_ID('T', 'Y', 'P', 'E')
#define HG_MULT HG_ID('M', 'U', 'L', 'T')
#define HG_NTYP HG_ID('N', 'T', 'Y', 'P')
#define HG_NSIZ HG_ID('N', 'S', 'I', 'Z')
#define HG_BIGS HG_ID('B', 'I', 'G', 'S')
#define HG_NADR HG_ID('N', 'A', 'D', 'R')
#define HG_EFST HG_ID('E', 'F', 'S', 'T')
#define HG_ETGT HG_ID('E', 'T', 'G', 'T')
#define HG_WEAK HG_ID('W', 'E', 'A', 'K')
#define HG_DOMS HG_ID('D', 'O', 'M', 'S')

/* The graph sections in canonical order (the writer's order, and the order of the analysis
 * key); DOMS comes last. */
#define HG_N_GRAPH_SECTIONS 11
extern const uint32_t hg_graph_sections[HG_N_GRAPH_SECTIONS];

#define HG_META_FIXED 128u /* META's fixed part in 1.0; the text area follows */
#define HG_TYPE_RECORD 12u /* u32 name, u32 module, u8 kind, u8 root, u16 0 */
#define HG_BIG_RECORD 16u  /* u32 node, u32 0, u64 size */
#define HG_WEAK_RECORD 8u  /* u32 from, u32 to */
#define HG_DOMS_FIXED 24u  /* u32 version, u32 n_nodes, u32 n_reachable, u32 0, u64 key */
#define HG_ANALYSIS_VERSION                                                                        \
    2u /* semantics of hd_dominators + hd_node_weight (2: order is a dominator-tree preorder) */
#define HG_MAX_MULTIPLIER 1e9f

static inline uint64_t hg_align8(uint64_t x)
{
    return (x + 7) & ~(uint64_t)7;
}

/* The key of a cached analysis: XXH3-64 over 16-byte records (u32 id, u32 0, u64 checksum) of
 * the graph sections present, in canonical order. ids[i]/sums[i] describe the file's sections
 * (any order; DOMS and unknown ids are skipped). */
uint64_t hg_graph_key(const uint32_t *ids, const uint64_t *sums, uint32_t n);

/* For fuzzing: rewrites every in-bounds section checksum, the analysis key, the table and
 * header checksums of a file in memory, so mutations reach the structural checks instead of
 * stopping at a checksum. Returns 0, or -1 when the header itself is unusable. */
int hg_fix_checksums(uint8_t *data, size_t size);

#endif
