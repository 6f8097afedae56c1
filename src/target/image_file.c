/* The on-disk fallback for module images (see image_file.h): the module's file, mapped
 * read-only, accepted only when its identity (ELF build id; PE timestamp and size) matches the
 * dump's, and read through an image-relative address -> file offset table. */
#include <stdio.h>
#include <string.h>

#include "target/elf_image.h"
#include "target/image_file.h"
#include "target/pe_image.h"

enum { MAX_PHDRS = 4096, NOTE_MAX = 1 << 20 };

static int fits(const hd_file *f, uint64_t off, uint64_t len)
{
    return off <= f->size && len <= f->size - off;
}

static void add_seg(hd_image_file *f, uint64_t rva, uint64_t size, uint64_t off)
{
    if (!size || f->n_segs == HD_IMAGE_FILE_MAX_SEGS || off >= f->file.size) return;
    if (size > f->file.size - off) size = f->file.size - off; /* a truncated file */
    if (rva + size < rva) size = UINT64_MAX - rva;
    f->seg[f->n_segs++] = (hd_image_file_seg){rva, size, off};
}

static void hex(char *out, const uint8_t *b, uint8_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (uint8_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * n] = '\0';
    if (!n) strcpy(out, "(none)");
}

/* The ELF file's PT_LOAD table (as image-relative segments) and its GNU build id. */
static int elf_file(hd_image_file *f, hd_error *err)
{
    const uint8_t *d = f->file.data;
    if (f->file.size < 52 || (d[4] != 1 && d[4] != 2) || d[5] != 1)
        return hd_error_set(err, HD_EINPUT, "%s: expected a little-endian ELF file", f->path);
    int is64 = d[4] == 2;
    if (is64 && f->file.size < 64)
        return hd_error_set(err, HD_EINPUT, "%s: expected a 64-byte ELF header", f->path);
    uint64_t phoff = is64 ? hd_le64(d + 32) : hd_le32(d + 28);
    uint32_t phent = hd_le16(d + (is64 ? 54 : 42)), phnum = hd_le16(d + (is64 ? 56 : 44));
    if (phent != (is64 ? 56u : 32u) || phnum == 0 || phnum > MAX_PHDRS ||
        !fits(&f->file, phoff, (uint64_t)phnum * phent))
        return hd_error_set(err, HD_EINPUT, "%s: expected program headers inside the file",
                            f->path);
    /* Pass 1: the lowest PT_LOAD fixes where file offset 0 is mapped (rva 0). */
    uint64_t link_base = 0, low_va = 0;
    int have = 0;
    for (uint32_t pass = 0; pass < 2; pass++) {
        for (uint32_t i = 0; i < phnum; i++) {
            const uint8_t *p = d + phoff + (uint64_t)i * phent;
            uint32_t type = hd_le32(p);
            uint64_t off = is64 ? hd_le64(p + 8) : hd_le32(p + 4);
            uint64_t va = is64 ? hd_le64(p + 16) : hd_le32(p + 8);
            uint64_t fsz = is64 ? hd_le64(p + 32) : hd_le32(p + 16);
            if (pass == 0 && type == 1 && (!have || va < low_va)) {
                low_va = va;
                link_base = va - off;
                have = 1;
            } else if (pass == 1 && type == 1) {
                add_seg(f, va - link_base, fsz, off);
            } else if (pass == 1 && type == 4 && !f->build_id_len && fits(&f->file, off, fsz)) {
                uint64_t q = 0, n = fsz < NOTE_MAX ? fsz : NOTE_MAX;
                const uint8_t *nb = d + off;
                while (n - q >= 12 && q <= n) {
                    uint32_t namesz = hd_le32(nb + q), descsz = hd_le32(nb + q + 4);
                    uint64_t nm = q + 12, desc = nm + (((uint64_t)namesz + 3) & ~3ull);
                    if (desc > n || descsz > n - desc) break;
                    if (hd_le32(nb + q + 8) == 3 && namesz == 4 && !memcmp(nb + nm, "GNU", 4) &&
                        descsz) {
                        f->build_id_len = (uint8_t)(descsz < 32 ? descsz : 32);
                        memcpy(f->build_id, nb + desc, f->build_id_len);
                        break;
                    }
                    q = desc + (((uint64_t)descsz + 3) & ~3ull);
                }
            }
        }
    }
    if (!have) return hd_error_set(err, HD_EINPUT, "%s: expected a PT_LOAD segment", f->path);
    return HD_OK;
}

static int pe_file(hd_image_file *f, hd_error *err)
{
    /* The file's own headers through the same parser, reading the file as an image whose
     * sections are not yet known: the headers are at the same offsets in both. */
    add_seg(f, 0, f->file.size, 0);
    hd_image_src s = {NULL, f, 0};
    hd_pe_image im;
    hd_error e2;
    hd_error_clear(&e2);
    if (hd_pe_image_open_src(&s, &im, NULL, &e2))
        return hd_error_set(err, HD_EINPUT, "%s: %s", f->path, e2.msg);
    f->n_segs = 0;
    f->timestamp = im.timestamp;
    f->size_of_image = im.size_of_image;
    add_seg(f, 0, im.size_of_headers, 0);
    for (uint32_t i = 0; i < im.n_sections; i++) {
        const hd_pe_section *x = &im.sec[i];
        uint64_t n = x->raw_size;
        if (x->vsize && x->vsize < n) n = x->vsize;
        if (x->vaddr < im.size_of_headers) continue; /* overlaps the headers: hostile */
        add_seg(f, x->vaddr, n, x->raw_off);
    }
    return HD_OK;
}

int hd_image_file_open(const hd_target *t, const hd_module *m, const char *search_dir,
                       hd_image_file *f, hd_error *err)
{
    memset(f, 0, sizeof *f);
    const char *name = m->path;
    if (search_dir) {
        for (const char *p = m->path; *p; p++)
            if (*p == '/' || *p == '\\') name = p + 1;
        snprintf(f->path, sizeof f->path, "%s/%s", search_dir, name);
    } else {
        snprintf(f->path, sizeof f->path, "%s", m->path);
    }
    if (!*name)
        return hd_error_set(err, HD_EINPUT, "module at 0x%llx: its file name is unknown",
                            (unsigned long long)m->base);
    hd_error e2;
    hd_error_clear(&e2);
    if (hd_file_open(&f->file, f->path, &e2)) return hd_error_set(err, HD_EINPUT, "%s", e2.msg);
    const uint8_t *d = f->file.data;
    int rc;
    if (f->file.size >= 4 && !memcmp(d, "\177ELF", 4)) {
        f->kind = HD_MOD_ELF;
        rc = elf_file(f, err);
    } else if (f->file.size >= 2 && d[0] == 'M' && d[1] == 'Z') {
        f->kind = HD_MOD_PE;
        rc = pe_file(f, err);
    } else {
        rc = hd_error_set(err, HD_EINPUT, "%s: expected an ELF or PE file", f->path);
    }
    if (!rc && f->kind == HD_MOD_ELF) {
        uint8_t want[32], wlen = m->build_id_len;
        memcpy(want, m->build_id, sizeof want);
        hd_elf_image im;
        if (!wlen && t && !hd_elf_image_open(t, m->base, &im))
            hd_elf_image_build_id(t, &im, want, &wlen);
        char a[65], b[65];
        hex(a, f->build_id, f->build_id_len);
        hex(b, want, wlen);
        if (!wlen)
            rc = hd_error_set(err, HD_EINPUT,
                              "%s: refused: the dump does not say the build id of the module at "
                              "0x%llx, so the file (build id %s) cannot be shown to be the same",
                              f->path, (unsigned long long)m->base, a);
        else if (f->build_id_len != wlen || memcmp(f->build_id, want, wlen))
            rc = hd_error_set(err, HD_EINPUT,
                              "%s: refused: its build id %s differs from the dump's %s (module at "
                              "0x%llx)",
                              f->path, a, b, (unsigned long long)m->base);
    } else if (!rc && f->kind == HD_MOD_PE) {
        uint32_t ts = m->timestamp, size = (uint32_t)m->size;
        hd_pe_image im;
        if (!ts && !size && t && !hd_pe_image_open(t, m->base, &im))
            ts = im.timestamp, size = im.size_of_image;
        if (!ts && !size)
            rc = hd_error_set(err, HD_EINPUT,
                              "%s: refused: the dump does not say the timestamp and size of the "
                              "module at 0x%llx, so the file cannot be shown to be the same",
                              f->path, (unsigned long long)m->base);
        else if (ts != f->timestamp || size != f->size_of_image)
            rc = hd_error_set(err, HD_EINPUT,
                              "%s: refused: its TimeDateStamp 0x%08x and SizeOfImage 0x%x differ "
                              "from the dump's 0x%08x and 0x%x (module at 0x%llx)",
                              f->path, f->timestamp, f->size_of_image, ts, size,
                              (unsigned long long)m->base);
    }
    if (rc) hd_image_file_close(f);
    return rc;
}

void hd_image_file_close(hd_image_file *f)
{
    hd_file_close(&f->file);
    memset(f, 0, sizeof *f);
}

int hd_image_file_read(const hd_image_file *f, uint64_t rva, void *buf, uint64_t size,
                       uint64_t *got)
{
    uint64_t done = 0;
    while (done < size && rva + done >= rva) {
        uint64_t a = rva + done;
        const hd_image_file_seg *sg = NULL;
        for (uint32_t i = 0; i < f->n_segs && !sg; i++)
            if (a >= f->seg[i].rva && a - f->seg[i].rva < f->seg[i].size) sg = &f->seg[i];
        if (!sg) break;
        uint64_t in = a - sg->rva, n = sg->size - in;
        if (n > size - done) n = size - done;
        if (!fits(&f->file, sg->off + in, n)) break;
        memcpy((uint8_t *)buf + done, f->file.data + sg->off + in, n);
        done += n;
    }
    if (got) *got = done;
    return done == size ? HD_OK : HD_EINPUT;
}

int hd_image_src_read(const hd_image_src *s, uint64_t addr, void *buf, uint64_t size, uint64_t *got)
{
    uint64_t done = 0;
    /* Alternate: the dump's bytes where it has them, the file's for the gaps. Each round
     * progresses or stops; the bound only caps pathological interleavings. */
    for (int round = 0; round < 64 && done < size; round++) {
        uint64_t n = 0;
        if (s->t) hd_target_read(s->t, addr + done, (uint8_t *)buf + done, size - done, &n);
        done += n;
        if (done == size || !s->f || addr + done < s->base) break;
        uint64_t m = 0;
        hd_image_file_read(s->f, addr + done - s->base, (uint8_t *)buf + done, size - done, &m);
        done += m;
        if (!n && !m) break;
    }
    if (got) *got = done;
    return done == size ? HD_OK : HD_EINPUT;
}
