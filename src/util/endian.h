/* Little-endian field readers for the file formats (unaligned-safe; every format heapdiff
 * reads is little-endian). */
#ifndef HD_UTIL_ENDIAN_H
#define HD_UTIL_ENDIAN_H

#include <stdint.h>

static inline uint16_t hd_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}
static inline uint32_t hd_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t hd_le64(const uint8_t *p)
{
    return (uint64_t)hd_le32(p) | (uint64_t)hd_le32(p + 4) << 32;
}
/* A target-word (4 or 8 bytes) field. */
static inline uint64_t hd_leword(const uint8_t *p, uint32_t ptr)
{
    return ptr == 8 ? hd_le64(p) : hd_le32(p);
}

#endif
