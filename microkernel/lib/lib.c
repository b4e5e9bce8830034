/*
 * Freestanding C library routines for the kernel: a small vsnprintf and
 * command-line parsing.
 */
#include <lib/lib.h>

struct out {
    char *buf;
    size_t size, len;
};

static void out_char(struct out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void out_number(struct out *o, unsigned long long v, unsigned base, int width, char pad,
                       bool negative)
{
    char tmp[24];
    int n = 0;

    do {
        tmp[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    if (negative)
        tmp[n++] = '-';
    for (int i = n; i < width; i++)
        out_char(o, pad);
    while (n)
        out_char(o, tmp[--n]);
}

/* Consume the length modifiers (l, ll, z) and fetch the argument. */
static unsigned long long fetch_arg(const char **fmt, va_list *ap, bool is_signed)
{
    int longs = 0;

    while (**fmt == 'l' || **fmt == 'z') {
        longs += (**fmt == 'z') ? 2 : 1;
        (*fmt)++;
    }
    if (longs == 0)
        return is_signed ? (unsigned long long)(long long)va_arg(*ap, int)
                         : va_arg(*ap, unsigned int);
    return is_signed ? (unsigned long long)va_arg(*ap, long long) : va_arg(*ap, unsigned long long);
}

static void format_one(struct out *o, const char **fmt, va_list *ap)
{
    char pad = ' ';
    int width = 0;

    if (**fmt == '0')
        pad = '0', (*fmt)++;
    while (**fmt >= '0' && **fmt <= '9')
        width = width * 10 + (*(*fmt)++ - '0');
    const char *mods = *fmt;
    while (**fmt == 'l' || **fmt == 'z')
        (*fmt)++;
    char conv = **fmt;
    *fmt = mods;
    if (conv == 'd' || conv == 'i') {
        long long v = (long long)fetch_arg(fmt, ap, true);
        out_number(o, v < 0 ? -(unsigned long long)v : (unsigned long long)v, 10, width, pad,
                   v < 0);
    } else if (conv == 'u' || conv == 'x') {
        out_number(o, fetch_arg(fmt, ap, false), conv == 'x' ? 16 : 10, width, pad, false);
    } else if (conv == 'p') {
        out_char(o, '0'), out_char(o, 'x');
        out_number(o, (uintptr_t)va_arg(*ap, void *), 16, width, pad, false);
    } else if (conv == 's') {
        const char *s = va_arg(*ap, const char *);
        s = s ? s : "(null)";
        for (int n = (int)strlen(s); n < width; n++)
            out_char(o, ' ');
        while (*s)
            out_char(o, *s++);
    } else if (conv == 'c') {
        out_char(o, (char)va_arg(*ap, int));
    } else {
        out_char(o, conv);
    }
    if (**fmt)
        (*fmt)++;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = {buf, size, 0};
    va_list args;

    va_copy(args, ap);
    while (*fmt) {
        if (*fmt != '%') {
            out_char(&o, *fmt++);
            continue;
        }
        fmt++;
        format_one(&o, &fmt, &args);
    }
    va_end(args);
    if (size)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

bool cmdline_get(const char *cmdline, const char *key, char *value, size_t size)
{
    size_t klen = strlen(key);
    const char *p = cmdline;

    while (*p) {
        while (*p == ' ')
            p++;
        const char *word = p;
        while (*p && *p != ' ')
            p++;
        if ((size_t)(p - word) >= klen && strncmp(word, key, klen) == 0 &&
            (word[klen] == '=' || word + klen == p)) {
            const char *v = word[klen] == '=' ? word + klen + 1 : p;
            size_t n = MIN((size_t)(p - v), size - 1);
            memcpy(value, v, n);
            value[n] = '\0';
            return true;
        }
    }
    return false;
}

bool parse_u64(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    unsigned base = 10;

    if (s[0] == '0' && s[1] == 'x')
        base = 16, s += 2;
    if (!*s)
        return false;
    for (; *s; s++) {
        unsigned d;
        if (*s >= '0' && *s <= '9')
            d = *s - '0';
        else if (base == 16 && *s >= 'a' && *s <= 'f')
            d = *s - 'a' + 10;
        else
            break;
        v = v * base + d;
    }
    unsigned shift = *s == 'K' ? 10 : *s == 'M' ? 20 : *s == 'G' ? 30 : 0;
    if (shift)
        s++;
    if (*s)
        return false;
    *out = v << shift;
    return true;
}
