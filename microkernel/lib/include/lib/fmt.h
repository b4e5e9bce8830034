/*
 * Formatted output into a sink: fmt_format() turns a printf-style format
 * into a stream of characters handed to a sink, and makes no system call, so
 * the kernel (printk), user programs (printf) and the host tests share it.
 * vsnprintf and snprintf are built on it (lib/fmt.c).
 */
#ifndef LIB_FMT_H
#define LIB_FMT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* Receives @len formatted bytes at @buf; @ctx is the caller's state. */
typedef void (*fmt_sink_t)(void *ctx, const char *buf, size_t len);

/*
 * Format @fmt with @ap into @sink. Supports %d %i %u %x %X %p %s %c %%, the
 * floating-point %f %F %e %E %g %G where the environment renders them
 * (fmt_float), flags '-' '0' '+' ' ' (and '#' for floating point), a field
 * width (digits or '*'), a precision, and the length modifiers h hh l ll z.
 * Returns the number of characters produced.
 */
int fmt_format(fmt_sink_t sink, void *ctx, const char *fmt, va_list ap);

/* One floating-point conversion, for fmt_float. */
struct fmt_float {
    char conv;     /* in: f F e E g G */
    int precision; /* in: the precision, -1 when none was given (6) */
    bool alt;      /* in: '#', keep the point and trailing zeros */
    bool negative; /* out: the sign bit was set (-0.0 too) */
    bool special;  /* out: inf or nan, padded with spaces even under '0' */
};

/* Room fmt_float gets: the longest %f of a double with the largest precision it honours. */
#define FMT_FLOAT_SIZE 1536

/*
 * Take a double from *@ap and render the conversion @f describes, without
 * its sign, into @buf of @size bytes (not NUL terminated); fill the out
 * fields of @f. Returns the length, or -1 when the environment formats no
 * floating point (the argument stays in *@ap). Each environment brings its
 * own, as with memcpy: user programs render exactly what the host C library
 * does (libipc/libc/fmt_float.c); the kernel, which is built without the
 * floating-point registers, renders nothing (lib/fmt_nofloat.c).
 */
int fmt_float(struct fmt_float *f, va_list *ap, char *buf, size_t size);

/*
 * Format into @buf of @size bytes, always NUL-terminated when @size > 0.
 * Returns the length the full output would have (C99 semantics).
 */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(__printf__, 3, 4)));

#endif
