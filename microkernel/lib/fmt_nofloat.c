/*
 * fmt_float (lib/fmt.h) for code built without the floating-point
 * registers, the kernel above all: it cannot take a double from a va_list,
 * so %f and its kin print as their letter.
 */
#include <lib/fmt.h>

/* See <lib/fmt.h>: no floating point here; always -1. */
int fmt_float(struct fmt_float *f, va_list *ap, char *buf, size_t size)
{
    (void)f;
    (void)ap;
    (void)buf;
    (void)size;
    return -1;
}
