/*
 * Number parsing of the runtime's <stdlib.h>: strtol, strtoul and atoi, as
 * the C standard defines them (leading space, sign, base prefixes, ERANGE
 * on overflow). No system calls: the host tests build this very file.
 */
#include <stdlib.h>

#include <errno.h>
#include <limits.h>

/* The value of digit @c in bases up to 36, or 36 for none. */
static int digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    return 36;
}

/*
 * Parse as strtoul does: spaces, a sign, a 0x/0 prefix by @base, digits.
 * *@negative tells the sign; *@overflow that the magnitude passed ULONG_MAX.
 */
static unsigned long parse_unsigned(const char *s, char **end, int base, int *negative,
                                    int *overflow)
{
    const char *p = s;
    unsigned long v = 0;
    int any = 0;

    *negative = 0;
    *overflow = 0;
    while (*p == ' ' || (*p >= '\t' && *p <= '\r'))
        p++;
    if (*p == '+' || *p == '-')
        *negative = *p++ == '-';
    if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
        digit_value(p[2]) < 16) {
        p += 2;
        base = 16;
    } else if (base == 0) {
        base = p[0] == '0' ? 8 : 10;
    }
    for (; base >= 2 && base <= 36 && digit_value(*p) < base; p++, any = 1) {
        unsigned long d = (unsigned long)digit_value(*p);
        if (v > (ULONG_MAX - d) / (unsigned long)base)
            *overflow = 1;
        v = v * (unsigned long)base + d;
    }
    if (end != NULL)
        *end = (char *)(any ? p : s);
    return v;
}

unsigned long strtoul(const char *restrict s, char **restrict end, int base)
{
    int negative, overflow;
    unsigned long v = parse_unsigned(s, end, base, &negative, &overflow);

    if (overflow) {
        errno = ERANGE;
        return ULONG_MAX;
    }
    return negative ? 0 - v : v;
}

long strtol(const char *restrict s, char **restrict end, int base)
{
    int negative, overflow;
    unsigned long v = parse_unsigned(s, end, base, &negative, &overflow);
    unsigned long limit = negative ? (unsigned long)LONG_MAX + 1 : (unsigned long)LONG_MAX;

    if (overflow || v > limit) {
        errno = ERANGE;
        return negative ? LONG_MIN : LONG_MAX;
    }
    return negative ? (long)(0 - v) : (long)v;
}

int atoi(const char *s)
{
    return (int)strtol(s, NULL, 10);
}
