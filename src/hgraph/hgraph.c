/* .hgraph: the signature, the analysis key and the checksum fixer shared by the reader, the
 * writer and the fuzz target (formats/hgraph.md). */
#include <string.h>
#include <xxhash.h>

#include "heapdiff/hgraph.h"
#include "hgraph/hgraph_format.h"
#include "util/endian.h"

const uint32_t hg_graph_sections[HG_N_GRAPH_SECTIONS] = {
    HG_META, HG_STRS, HG_TYPE, HG_MULT, HG_NTYP, HG_NSIZ,
    HG_BIGS, HG_NADR, HG_EFST, HG_ETGT, HG_WEAK,
};

int hd_hgraph_sniff(const uint8_t *data, uint64_t size)
{
    return size >= 8 && memcmp(data, "HGRAPH", 6) == 0;
}

static void le64_put(uint8_t *p, uint64_t v)
{
    for (int k = 0; k < 8; k++) p[k] = (uint8_t)(v >> (8 * k));
}

uint64_t hg_graph_key(const uint32_t *ids, const uint64_t *sums, uint32_t n)
{
    uint8_t rec[16 * HG_N_GRAPH_SECTIONS];
    size_t len = 0;
    for (int c = 0; c < HG_N_GRAPH_SECTIONS; c++)
        for (uint32_t i = 0; i < n; i++)
            if (ids[i] == hg_graph_sections[c]) {
                le64_put(rec + len, ids[i]);
                le64_put(rec + len + 8, sums[i]);
                len += 16;
                break;
            }
    return XXH3_64bits(rec, len);
}

int hg_fix_checksums(uint8_t *data, size_t size)
{
    if (size < HG_HEADER_SIZE) return -1;
    uint64_t tab = hd_le64(data + 24);
    uint32_t n = hd_le32(data + 20);
    if (n > HG_MAX_SECTIONS || tab > size || (size - tab) / HG_ENTRY_SIZE < n) return -1;
    uint32_t ids[HG_N_GRAPH_SECTIONS];
    uint64_t sums[HG_N_GRAPH_SECTIONS];
    uint32_t n_graph = 0;
    uint8_t *doms = NULL;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t *e = data + tab + (uint64_t)i * HG_ENTRY_SIZE;
        uint64_t off = hd_le64(e + 8), len = hd_le64(e + 16);
        if (off > size || len > size - off) continue;
        uint32_t id = hd_le32(e);
        if (id == HG_DOMS && len >= HG_DOMS_FIXED) doms = e;
        uint64_t sum = XXH3_64bits(data + off, (size_t)len);
        le64_put(e + 24, sum);
        for (int c = 0; c < HG_N_GRAPH_SECTIONS; c++)
            if (id == hg_graph_sections[c] && n_graph < HG_N_GRAPH_SECTIONS) {
                ids[n_graph] = id;
                sums[n_graph++] = sum;
            }
    }
    if (doms) {
        uint64_t off = hd_le64(doms + 8), len = hd_le64(doms + 16);
        le64_put(data + off + 16, hg_graph_key(ids, sums, n_graph));
        le64_put(doms + 24, XXH3_64bits(data + off, (size_t)len));
    }
    le64_put(data + 40, XXH3_64bits(data + tab, (size_t)n * HG_ENTRY_SIZE));
    le64_put(data + 56, XXH3_64bits(data, 56));
    return 0;
}
