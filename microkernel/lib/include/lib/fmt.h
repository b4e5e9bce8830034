/*
 * Formatted output into a sink: fmt_format() turns a printf-style format
 * into a stream of characters handed to a sink, and makes no system call, so
 * the kernel (printk), user programs (printf) and the host tests share it.
 * vsnprintf and snprintf are built on it (lib/fmt.c).
 */
#ifndef LIB_FMT_H
#define LIB_FMT_H

#include <stdarg.h>
#include <stddef.h>

/* Receives @len formatted bytes at @buf; @ctx is the caller's state. */
typedef void (*fmt_sink_t)(void *ctx, const char *buf, size_t len);

/*
 * Format @fmt with @ap into @sink. Supports %d %i %u %x %X %p %s %c %%, flags
 * '-' '0', a field width (digits or '*'), a precision for %s, and the length
 * modifiers h hh l ll z. Returns the number of characters produced.
 */
int fmt_format(fmt_sink_t sink, void *ctx, const char *fmt, va_list ap);

/*
 * Format into @buf of @size bytes, always NUL-terminated when @size > 0.
 * Returns the length the full output would have (C99 semantics).
 */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(__printf__, 3, 4)));

#endif
