/*
 * fmt_float (lib/fmt.h) for user programs: %f %e %g of a double, rounded
 * exactly as the host C library rounds (to nearest, ties to even, on the
 * exact decimal value). A double is m * 2^e; its integer part is turned
 * into decimal digits by long division of a big binary number, its
 * fraction by multiplying by ten, one digit at a time, so every digit is
 * exact. Built only with the floating-point registers (docs/runtime.md).
 */
#include <lib/fmt.h>

#include <stdint.h>

#define FP_LIMBS 36           /* 32-bit limbs: 1024 integer bits, 1074 fraction bits */
#define FP_INT_DIGITS 312     /* the integer part of DBL_MAX has 309 digits */
#define FP_MAX_PRECISION 1100 /* larger precisions are cut to this */

_Static_assert(FP_INT_DIGITS + 2 + FP_MAX_PRECISION < FMT_FLOAT_SIZE, "%f fits the buffer");

/* The exact decimal digits of a finite double's magnitude, read in order. */
struct fp_source {
    char intdig[FP_INT_DIGITS]; /* the integer part, no leading zero */
    int nint, next;             /* its length, and the next to read */
    uint32_t frac[FP_LIMBS];    /* the fraction, frac / 2^k */
    int k;
};

/* Divide the @n-limb number @big by 10^9 in place; returns the remainder. */
static uint32_t fp_divide(uint32_t *big, int n)
{
    uint64_t rem = 0;

    for (int i = n - 1; i >= 0; i--) {
        uint64_t cur = (rem << 32) | big[i];
        big[i] = (uint32_t)(cur / 1000000000u);
        rem = cur % 1000000000u;
    }
    return (uint32_t)rem;
}

/* The decimal digits of mant * 2^@shift into s->intdig. */
static void fp_integer(struct fp_source *s, uint64_t mant, int shift)
{
    uint32_t big[FP_LIMBS] = {0};
    char rev[FP_INT_DIGITS + 9];
    int n = 0, limbs = FP_LIMBS;

    for (int bit = 0; bit < 64; bit++) {
        if (mant & ((uint64_t)1 << bit))
            big[(bit + shift) / 32] |= (uint32_t)1 << ((bit + shift) % 32);
    }
    for (;;) {
        while (limbs > 0 && big[limbs - 1] == 0)
            limbs--;
        if (limbs == 0)
            break;
        uint32_t chunk = fp_divide(big, limbs);
        for (int i = 0; i < 9; i++, chunk /= 10)
            rev[n++] = (char)('0' + chunk % 10);
    }
    while (n > 0 && rev[n - 1] == '0')
        n--;
    s->nint = n;
    for (int i = 0; i < n; i++)
        s->intdig[i] = rev[n - 1 - i];
}

/* Split the magnitude of @v into s's integer digits and fraction. */
static void fp_source_init(struct fp_source *s, double v)
{
    union {
        double d;
        uint64_t u;
    } bits = {.d = v};
    int biased = (int)((bits.u >> 52) & 0x7ff);
    uint64_t mant = bits.u & (((uint64_t)1 << 52) - 1);
    int e2 = biased == 0 ? -1074 : biased - 1075;

    if (biased != 0)
        mant |= (uint64_t)1 << 52;
    *s = (struct fp_source){.k = e2 < 0 ? -e2 : 0};
    if (e2 >= 0) {
        fp_integer(s, mant, e2);
        return;
    }
    fp_integer(s, -e2 < 64 ? mant >> -e2 : 0, 0);
    for (int bit = 0; bit < 64 && bit < -e2; bit++) {
        if (mant & ((uint64_t)1 << bit))
            s->frac[bit / 32] |= (uint32_t)1 << (bit % 32);
    }
}

/* The next fraction digit: multiply by ten, take what passes 2^k. */
static int fp_frac_digit(struct fp_source *s)
{
    uint64_t carry = 0;
    int top = s->k / 32, shift = s->k % 32;

    for (int i = 0; i <= top && i < FP_LIMBS; i++) {
        uint64_t cur = (uint64_t)s->frac[i] * 10 + carry;
        s->frac[i] = (uint32_t)cur;
        carry = cur >> 32;
    }
    uint64_t high = ((uint64_t)carry << 32) | s->frac[top];
    int digit = (int)(high >> shift);
    s->frac[top] &= ((uint32_t)1 << shift) - 1;
    return digit;
}

/* The next digit of the magnitude: integer digits, then fraction digits. */
static int fp_next(struct fp_source *s)
{
    if (s->next < s->nint)
        return s->intdig[s->next++] - '0';
    return s->k > 0 ? fp_frac_digit(s) : 0;
}

/* Does any nonzero digit follow the ones read? */
static bool fp_rest_nonzero(const struct fp_source *s)
{
    for (int i = s->next; i < s->nint; i++) {
        if (s->intdig[i] != '0')
            return true;
    }
    for (int i = 0; i < FP_LIMBS; i++) {
        if (s->frac[i] != 0)
            return true;
    }
    return false;
}

/* Digits rounded to a length: value = 0.d[0] d[1] ... * 10^point. */
struct fp_digits {
    char d[FP_INT_DIGITS + FP_MAX_PRECISION + 2];
    int n;
    int point;
};

/*
 * Read @count digits of @s into @out and round to nearest, ties to even,
 * by the digit after them and whether anything nonzero follows. A carry
 * out of the first digit makes it "1" and moves the point.
 */
static void fp_take(struct fp_source *s, int count, struct fp_digits *out)
{
    for (out->n = 0; out->n < count; out->n++)
        out->d[out->n] = (char)('0' + fp_next(s));
    int next = fp_next(s);
    bool odd = count > 0 && ((out->d[count - 1] - '0') & 1);
    if (next < 5 || (next == 5 && !odd && !fp_rest_nonzero(s)))
        return;
    int i = count - 1;
    while (i >= 0 && out->d[i] == '9')
        out->d[i--] = '0';
    if (i >= 0) {
        out->d[i]++;
        return;
    }
    for (int j = count; j > 0; j--)
        out->d[j] = out->d[j - 1];
    out->d[0] = '1';
    out->n++;
    out->point++;
}

/* Digits for %f with @precision places: all the integer digits, then those. */
static void fp_fixed(double v, int precision, struct fp_digits *out)
{
    struct fp_source s;

    fp_source_init(&s, v);
    out->point = s.nint;
    fp_take(&s, s.nint + precision, out);
}

/* Digits for %e with @precision places: @precision + 1 significant digits. */
static void fp_exponent(double v, int precision, struct fp_digits *out)
{
    struct fp_source s;

    fp_source_init(&s, v);
    out->point = s.nint;
    if (v != 0.0) {
        /* Skip the zeros before the first significant digit. */
        struct fp_source peek = s;
        while (fp_next(&peek) == 0) {
            s = peek;
            out->point--;
        }
    } else {
        out->point = 1;
    }
    fp_take(&s, precision + 1, out);
    out->n = precision + 1; /* a carry added a digit, a zero at the end */
}

struct fp_out {
    char *buf;
    size_t size, len;
};

static void fp_put(struct fp_out *o, char c)
{
    if (o->len < o->size)
        o->buf[o->len++] = c;
}

/* Emit digits as %f does: the integer part (at least "0"), the point, @places digits. */
static void fp_emit_fixed(struct fp_out *o, const struct fp_digits *dg, int places, bool point)
{
    int i = 0;

    if (dg->point <= 0)
        fp_put(o, '0');
    for (; i < dg->point; i++)
        fp_put(o, i < dg->n ? dg->d[i] : '0');
    if (point)
        fp_put(o, '.');
    for (int p = 0; p < places; p++) {
        int at = dg->point + p;
        fp_put(o, at >= 0 && at < dg->n ? dg->d[at] : '0');
    }
}

/* Emit digits as %e does: d.ddd then e+XX (at least two exponent digits). */
static void fp_emit_exponent(struct fp_out *o, const struct fp_digits *dg, int places, bool point,
                             bool upper)
{
    int x = dg->point - 1;
    char ex[8];
    int n = 0;

    fp_put(o, dg->d[0]);
    if (point)
        fp_put(o, '.');
    for (int p = 1; p <= places; p++)
        fp_put(o, dg->d[p]);
    fp_put(o, upper ? 'E' : 'e');
    fp_put(o, x < 0 ? '-' : '+');
    x = x < 0 ? -x : x;
    do {
        ex[n++] = (char)('0' + x % 10);
        x /= 10;
    } while (x > 0 || n < 2);
    while (n > 0)
        fp_put(o, ex[--n]);
}

/* Drop the trailing zeros of a %g fraction, and the point if nothing follows it. */
static void fp_strip_zeros(struct fp_out *o, size_t start)
{
    size_t end = o->len, point = start, exp_at;

    while (point < end && o->buf[point] != '.')
        point++;
    if (point == end)
        return;
    exp_at = point;
    while (exp_at < end && o->buf[exp_at] != 'e' && o->buf[exp_at] != 'E')
        exp_at++;
    size_t keep = exp_at;
    while (keep > point + 1 && o->buf[keep - 1] == '0')
        keep--;
    if (keep == point + 1)
        keep = point;
    for (size_t i = exp_at; i < end; i++)
        o->buf[keep + i - exp_at] = o->buf[i];
    o->len = keep + (end - exp_at);
}

/* %g: %e or %f by the exponent, with @precision significant digits. */
static void fp_general(struct fp_out *o, double v, int precision, bool alt, bool upper)
{
    struct fp_digits dg;
    int p = precision == 0 ? 1 : precision;

    fp_exponent(v, p - 1, &dg);
    int x = dg.point - 1;
    if (x >= -4 && x < p) {
        fp_fixed(v, p - 1 - x, &dg);
        fp_emit_fixed(o, &dg, p - 1 - x, alt || p - 1 - x > 0);
    } else {
        fp_emit_exponent(o, &dg, p - 1, alt || p > 1, upper);
    }
    if (!alt)
        fp_strip_zeros(o, 0);
}

/* inf or nan, in the case of the conversion. */
static int fp_special(struct fmt_float *f, double v, struct fp_out *o)
{
    bool upper = f->conv == 'F' || f->conv == 'E' || f->conv == 'G';
    const char *text = v != v ? (upper ? "NAN" : "nan") : (upper ? "INF" : "inf");

    f->special = true;
    while (*text != '\0')
        fp_put(o, *text++);
    return (int)o->len;
}

/* See <lib/fmt.h>: render the double at *@ap for @f into @buf. */
int fmt_float(struct fmt_float *f, va_list *ap, char *buf, size_t size)
{
    double v = va_arg(*ap, double);
    struct fp_out o = {.buf = buf, .size = size, .len = 0};
    int precision = f->precision < 0 ? 6 : f->precision;
    struct fp_digits dg;

    if (precision > FP_MAX_PRECISION)
        precision = FP_MAX_PRECISION;
    f->negative = __builtin_signbit(v) != 0;
    if (f->negative)
        v = -v;
    if (v != v || v > __DBL_MAX__)
        return fp_special(f, v, &o);
    switch (f->conv) {
    case 'f':
    case 'F':
        fp_fixed(v, precision, &dg);
        fp_emit_fixed(&o, &dg, precision, f->alt || precision > 0);
        break;
    case 'e':
    case 'E':
        fp_exponent(v, precision, &dg);
        fp_emit_exponent(&o, &dg, precision, f->alt || precision > 0, f->conv == 'E');
        break;
    default:
        fp_general(&o, v, precision, f->alt, f->conv == 'G');
        break;
    }
    return (int)o.len;
}
