/*
 * The formatting core behind printk, printf and snprintf (lib/fmt.h). It
 * parses each conversion into a small spec, renders numbers into a local
 * buffer and hands bytes to a sink. No system calls and no other library
 * calls: the kernel, user programs and the host tests build this very file.
 */
#include <lib/fmt.h>

#include <stdint.h>

struct fmt_spec {
    int left;      /* '-': pad on the right */
    int zero;      /* '0': pad numbers with zeros */
    char sign;     /* '+' or ' ' before a signed number that is not negative, else 0 */
    int alt;       /* '#': keep the point and the zeros of floating point */
    int width;     /* minimum field width */
    int precision; /* -1: none */
    int length;    /* 'H' hh, 'h', 0 int, 'l', 'L' ll, 'z' */
    char conv;     /* conversion character */
};

struct fmt_out {
    fmt_sink_t sink;
    void *ctx;
    int count;
};

static void fmt_put(struct fmt_out *out, const char *buf, size_t len)
{
    if (len == 0)
        return;
    out->sink(out->ctx, buf, len);
    out->count += (int)len;
}

static void fmt_pad(struct fmt_out *out, char c, int n)
{
    char chunk[16];
    int i;

    for (i = 0; i < (int)sizeof(chunk); i++)
        chunk[i] = c;
    while (n > 0) {
        int step = n < (int)sizeof(chunk) ? n : (int)sizeof(chunk);
        fmt_put(out, chunk, (size_t)step);
        n -= step;
    }
}

/* Read a decimal number at *@p, advancing it. */
static int fmt_parse_int(const char **p)
{
    int n = 0;

    while (**p >= '0' && **p <= '9') {
        if (n < 100000)
            n = n * 10 + (**p - '0');
        (*p)++;
    }
    return n;
}

/* Parse a width or precision at *@p: digits or '*' (taken from @ap). */
static int fmt_parse_count(const char **p, va_list *ap)
{
    if (**p == '*') {
        (*p)++;
        return va_arg(*ap, int);
    }
    return fmt_parse_int(p);
}

/* Parse a length modifier at *@p into @spec->length. */
static void fmt_parse_length(const char **p, struct fmt_spec *spec)
{
    char c = **p;

    if (c == 'h' || c == 'l') {
        (*p)++;
        spec->length = c;
        if (**p == c) {
            spec->length = c == 'h' ? 'H' : 'L';
            (*p)++;
        }
    } else if (c == 'z' || c == 'j' || c == 't') {
        (*p)++;
        spec->length = 'z';
    }
}

/* Parse flags, width, precision and length of the conversion at *@p (after '%'). */
static void fmt_parse_spec(const char **p, va_list *ap, struct fmt_spec *spec)
{
    *spec = (struct fmt_spec){.precision = -1};
    for (;; (*p)++) {
        if (**p == '-')
            spec->left = 1;
        else if (**p == '0')
            spec->zero = 1;
        else if (**p == '+')
            spec->sign = '+';
        else if (**p == ' ')
            spec->sign = spec->sign == '+' ? '+' : ' ';
        else if (**p == '#')
            spec->alt = 1;
        else
            break;
    }
    spec->width = fmt_parse_count(p, ap);
    if (spec->width < 0) {
        spec->left = 1;
        spec->width = spec->width < -100000 ? 100000 : -spec->width;
    }
    if (**p == '.') {
        (*p)++;
        spec->precision = fmt_parse_count(p, ap);
    }
    fmt_parse_length(p, spec);
    spec->conv = **p;
}

/* Emit @len bytes of @body padded to the field width; @prefix goes before zero padding. */
static void fmt_field(struct fmt_out *out, const struct fmt_spec *spec, const char *prefix,
                      const char *body, int len)
{
    int plen = 0;
    int pad;

    while (prefix[plen] != '\0')
        plen++;
    pad = spec->width - plen - len;
    if (!spec->left && !spec->zero)
        fmt_pad(out, ' ', pad);
    fmt_put(out, prefix, (size_t)plen);
    if (!spec->left && spec->zero)
        fmt_pad(out, '0', pad);
    fmt_put(out, body, (size_t)len);
    if (spec->left)
        fmt_pad(out, ' ', pad);
}

/* Render @value in @base (10 or 16) with sign/prefix, precision and padding. */
static void fmt_number(struct fmt_out *out, struct fmt_spec spec, uint64_t value, int negative,
                       const char *prefix)
{
    static const char lower[] = "0123456789abcdef";
    static const char upper[] = "0123456789ABCDEF";
    const char *digits = spec.conv == 'X' ? upper : lower;
    unsigned int base = (spec.conv == 'x' || spec.conv == 'X' || spec.conv == 'p') ? 16 : 10;
    char buf[96];
    int pos = (int)sizeof(buf);
    int min = spec.precision < 0 ? 1 : spec.precision;

    if (min > 64)
        min = 64;
    while (value != 0 || (int)sizeof(buf) - pos < min) {
        buf[--pos] = digits[value % base];
        value /= base;
    }
    if (spec.precision >= 0)
        spec.zero = 0;
    fmt_field(out, &spec, negative ? "-" : prefix, buf + pos, (int)sizeof(buf) - pos);
}

/* Fetch a signed argument of the spec's length. */
static int64_t fmt_arg_signed(va_list *ap, int length)
{
    switch (length) {
    case 'H':
        return (signed char)va_arg(*ap, int);
    case 'h':
        return (short)va_arg(*ap, int);
    case 'l':
        return va_arg(*ap, long);
    case 'L':
        return va_arg(*ap, long long);
    case 'z':
        return (int64_t)va_arg(*ap, size_t);
    default:
        return va_arg(*ap, int);
    }
}

/* Fetch an unsigned argument of the spec's length. */
static uint64_t fmt_arg_unsigned(va_list *ap, int length)
{
    switch (length) {
    case 'H':
        return (unsigned char)va_arg(*ap, unsigned int);
    case 'h':
        return (unsigned short)va_arg(*ap, unsigned int);
    case 'l':
        return va_arg(*ap, unsigned long);
    case 'L':
        return va_arg(*ap, unsigned long long);
    case 'z':
        return va_arg(*ap, size_t);
    default:
        return va_arg(*ap, unsigned int);
    }
}

/* Emit the string conversion, honouring precision and width. */
static void fmt_string(struct fmt_out *out, const struct fmt_spec *spec, const char *s)
{
    struct fmt_spec plain = *spec;
    int len = 0;

    if (s == NULL)
        s = "(null)";
    while (s[len] != '\0' && (spec->precision < 0 || len < spec->precision))
        len++;
    plain.zero = 0;
    fmt_field(out, &plain, "", s, len);
}

/*
 * Emit a floating-point conversion: the environment's fmt_float renders the
 * digits (the kernel's renders none: the conversion prints as its letter),
 * this pads them. Not inlined, so its buffer is on the stack only while a
 * double is formatted.
 */
static __attribute__((noinline)) void fmt_convert_float(struct fmt_out *out,
                                                        const struct fmt_spec *spec, va_list *ap)
{
    struct fmt_float f = {.conv = spec->conv, .precision = spec->precision, .alt = spec->alt};
    struct fmt_spec plain = *spec;
    char buf[FMT_FLOAT_SIZE];
    char sign[2] = {spec->sign, '\0'};
    int len = fmt_float(&f, ap, buf, sizeof(buf));

    if (len < 0) {
        fmt_put(out, &spec->conv, 1);
        return;
    }
    if (f.negative)
        sign[0] = '-';
    if (f.special)
        plain.zero = 0;
    fmt_field(out, &plain, sign, buf, len);
}

/* Emit one conversion described by @spec, taking its argument from @ap. */
static void fmt_convert(struct fmt_out *out, const struct fmt_spec *spec, va_list *ap)
{
    struct fmt_spec plain = *spec;
    char c;

    switch (spec->conv) {
    case 'd':
    case 'i': {
        int64_t v = fmt_arg_signed(ap, spec->length);
        uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
        char sign[2] = {spec->sign, '\0'};
        fmt_number(out, *spec, mag, v < 0, sign);
        break;
    }
    case 'f':
    case 'F':
    case 'e':
    case 'E':
    case 'g':
    case 'G':
        fmt_convert_float(out, spec, ap);
        break;
    case 'u':
    case 'x':
    case 'X':
        fmt_number(out, *spec, fmt_arg_unsigned(ap, spec->length), 0, "");
        break;
    case 'p':
        fmt_number(out, *spec, (uintptr_t)va_arg(*ap, void *), 0, "0x");
        break;
    case 's':
        fmt_string(out, spec, va_arg(*ap, const char *));
        break;
    case 'c':
        c = (char)va_arg(*ap, int);
        plain.zero = 0;
        fmt_field(out, &plain, "", &c, 1);
        break;
    default: /* "%%" and unknown conversions print the character itself */
        fmt_put(out, &spec->conv, 1);
        break;
    }
}

/* See <lib/fmt.h>: format @fmt with @ap into @sink; returns characters produced. */
int fmt_format(fmt_sink_t sink, void *ctx, const char *fmt, va_list ap)
{
    struct fmt_out out = {.sink = sink, .ctx = ctx, .count = 0};
    struct fmt_spec spec;
    va_list args;
    const char *p = fmt;

    va_copy(args, ap);
    while (*p != '\0') {
        const char *run = p;
        while (*p != '\0' && *p != '%')
            p++;
        fmt_put(&out, run, (size_t)(p - run));
        if (*p == '\0')
            break;
        p++;
        fmt_parse_spec(&p, &args, &spec);
        if (spec.conv == '\0')
            break;
        fmt_convert(&out, &spec, &args);
        p++;
    }
    va_end(args);
    return out.count;
}

struct fmt_buffer {
    char *buf;
    size_t size; /* capacity including the NUL */
    size_t used; /* bytes stored, excluding the NUL */
};

static void fmt_buffer_sink(void *ctx, const char *data, size_t len)
{
    struct fmt_buffer *b = ctx;

    while (len > 0 && b->used + 1 < b->size) {
        b->buf[b->used++] = *data++;
        len--;
    }
}

/* See <lib/fmt.h>: bounded, always terminated; returns the untruncated length. */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct fmt_buffer b = {.buf = buf, .size = size, .used = 0};
    int n = fmt_format(fmt_buffer_sink, &b, fmt, ap);

    if (size > 0)
        buf[b.used] = '\0';
    return n;
}

/* See <lib/fmt.h>: vsnprintf with a variable argument list. */
int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
