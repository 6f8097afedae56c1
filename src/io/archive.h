/* Inputs inside archives and compressed files (.zip .gz .xz .bz2 .zst .7z .tar ...), read with
 * libarchive: the snapshot is found by content, streamed to a temporary file and mapped. */
#ifndef HD_IO_ARCHIVE_H
#define HD_IO_ARCHIVE_H

#include <stdint.h>

#include "heapdiff/error.h"
#include "heapdiff/source.h"

/* True when data starts like a compressed file or an archive. */
int hd_archive_sniff(const uint8_t *data, uint64_t size);

/* Extracts the one snapshot (or the entry named `member`, when not NULL) from the archive held
 * in data, maps it, and replaces f's mapping with it. The temporary file is unlinked as soon as
 * it is mapped, so it disappears on every exit path. */
int hd_archive_extract(hd_file *f, const uint8_t *data, uint64_t size, const char *member,
                       hd_error *err);

#endif
