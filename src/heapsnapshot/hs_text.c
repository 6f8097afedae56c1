/* Text of a .heapsnapshot: the buffered output, JSON strings (written and measured by the same
 * code, so the planned size of the strings section is the written one), names of nodes. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "heapsnapshot/hs.h"

const char hs_digit_pairs[201] = "00010203040506070809"
                                 "10111213141516171819"
                                 "20212223242526272829"
                                 "30313233343536373839"
                                 "40414243444546474849"
                                 "50515253545556575859"
                                 "60616263646566676869"
                                 "70717273747576777879"
                                 "80818283848586878889"
                                 "90919293949596979899";

void hs_out_flush(hs_out *o)
{
    size_t off = 0;
    while (off < o->len && !o->err) {
        ssize_t k = write(o->fd, o->buf + off, o->len - off);
        if (k < 0) {
            if (errno == EINTR) continue;
            o->err = errno ? errno : EIO;
        } else {
            off += (size_t)k;
        }
    }
    o->total += o->len;
    o->len = 0;
}

void hs_out_text(hs_out *o, const char *s)
{
    size_t n = strlen(s);
    while (n) {
        if (o->len == o->cap) hs_out_flush(o);
        size_t k = o->cap - o->len < n ? o->cap - o->len : n;
        memcpy(o->buf + o->len, s, k);
        o->len += k;
        s += k;
        n -= k;
    }
}

/* Length of the well-formed UTF-8 sequence at s (1-4), 0 when it is not one (surrogates and
 * overlong forms included: a browser's decoder would turn those into U+FFFD). */
static size_t utf8_len(const unsigned char *s)
{
    unsigned char b = s[0];
    if (b < 0x80) return 1;
    if (b >= 0xC2 && b <= 0xDF) return (s[1] & 0xC0) == 0x80 ? 2 : 0;
    if (b >= 0xE0 && b <= 0xEF) {
        unsigned char lo = b == 0xE0 ? 0xA0 : 0x80, hi = b == 0xED ? 0x9F : 0xBF;
        return s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 ? 3 : 0;
    }
    if (b >= 0xF0 && b <= 0xF4) {
        unsigned char lo = b == 0xF0 ? 0x90 : 0x80, hi = b == 0xF4 ? 0x8F : 0xBF;
        return s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 && (s[3] & 0xC0) == 0x80 ? 4 : 0;
    }
    return 0;
}

static void put(hs_out *o, const void *p, size_t n)
{
    hs_out_reserve(o, n);
    memcpy(o->buf + o->len, p, n);
    o->len += n;
}

static uint64_t json_part(hs_out *o, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    uint64_t units = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        /* Plain ASCII runs are copied in one go. */
        const unsigned char *q = p;
        while (*q >= 0x20 && *q < 0x80 && *q != '"' && *q != '\\') q++;
        if (q > p) {
            units += (uint64_t)(q - p);
            if (o) put(o, p, (size_t)(q - p));
            p = q;
            continue;
        }
        unsigned char c = *p;
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            units += 2;
            if (o) put(o, e, 2);
            p++;
        } else if (c < 0x20) {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            units += 6;
            if (o) put(o, e, 6);
            p++;
        } else {
            size_t n = utf8_len(p);
            if (n == 0) {
                units += 1;
                if (o) put(o, "\xEF\xBF\xBD", 3); /* U+FFFD */
                p++;
            } else {
                units += n == 4 ? 2 : 1; /* a surrogate pair above the BMP */
                if (o) put(o, p, n);
                p += n;
            }
        }
    }
    return units;
}

uint64_t hs_json_string(hs_out *o, const char *prefix, const char *s)
{
    if (o) put(o, "\"", 1);
    uint64_t units = 2 + json_part(o, prefix) + json_part(o, s);
    if (o) put(o, "\"", 1);
    return units;
}

uint64_t hs_prop_names(hs_out *o, uint32_t n)
{
    uint64_t units = 0;
    for (uint32_t k = 0; k < n; k++) {
        if (o) {
            hs_out_reserve(o, 32);
            memcpy(o->buf + o->len, ",\"ref", 5);
            o->len += 5;
            hs_out_u64(o, k);
            o->buf[o->len++] = '"';
        }
        unsigned digits = 1;
        for (uint32_t v = k; v >= 10; v /= 10) digits++;
        units += 1 + 2 + 3 + digits; /* comma, quotes, "ref", digits */
    }
    return units;
}

const char *hs_type_prefix(const hd_graph *g, uint32_t t, const char **name)
{
    const char *s = hd_type_base_name(g, t);
    *name = s;
    /* DevTools cuts a name that starts with "<" (or "Detached <") at its first space and
     * closes it with ">", taking it for an HTML tag ("<div id=x>" -> "<div>"); .NET names such
     * as "<>f__AnonymousType0<System.Int32, System.String>" would merge. U+2060 (WORD JOINER,
     * invisible) in front keeps them whole. */
    if ((s[0] == '<' || strncmp(s, "Detached <", 10) == 0) && strchr(s, ' ')) return "\xE2\x81\xA0";
    return "";
}
