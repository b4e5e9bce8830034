/*
 * Formatted output for user programs: the shared formatting core
 * (<lib/fmt.h>: fmt_format, snprintf, vsnprintf) and printf to the console,
 * built on it (src/print.c).
 */
#ifndef IPC_FMT_H
#define IPC_FMT_H

#include <lib/fmt.h>

/*
 * Format to the console. Output up to 512 bytes goes out in one
 * SYS_CONSOLE_WRITE, so lines of different tasks do not interleave.
 * Returns the number of characters produced.
 */
int vprintf(const char *fmt, va_list ap);
int printf(const char *fmt, ...) __attribute__((format(__printf__, 1, 2)));

#endif
