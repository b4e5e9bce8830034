/*
 * The rest of <stdlib.h> (the heap is malloc.c), <errno.h>'s errno and
 * <assert.h>'s failure path for user programs.
 */
#include <stdlib.h>

#include <assert.h>
#include <errno.h>
#include <ipc/sys.h>
#include <limits.h>
#include <stdio.h>

int errno;

void exit(int status)
{
    sys_exit(status);
}

/*
 * One line, then an invalid opcode: the kernel reports the fault (or hands
 * it to the task's exception port) and ends the task, as abnormal
 * termination should look.
 */
void abort(void)
{
    static const char line[] = "abort: program aborted\n";

    sys_console_write(line, sizeof(line) - 1);
    for (;;)
        __builtin_trap();
}

void __assert_fail(const char *expr, const char *file, unsigned int line, const char *func)
{
    printf("assertion failed: %s (%s:%u, %s)\n", expr, file, line, func);
    abort();
}

int abs(int v)
{
    return v < 0 ? -v : v;
}

long labs(long v)
{
    return v < 0 ? -v : v;
}

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
