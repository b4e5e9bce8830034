/*
 * The few C library routines the kernel uses, plus small helpers for
 * alignment and the ABI's page size. Implemented in lib.c; the compiler may
 * also emit calls to memcpy and memset on its own.
 */
#ifndef KERNEL_LIB_H
#define KERNEL_LIB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <abi/page.h>

#define ALIGN_DOWN(x, a) ((x) & ~((uint64_t)(a)-1))
#define ALIGN_UP(x, a) (((x) + (uint64_t)(a)-1) & ~((uint64_t)(a)-1))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
void strlcpy(char *dst, const char *src, size_t size);

/* Format into @buf (always NUL terminated); returns the length it wanted. */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Find "@key=value" in a space separated @cmdline; copies value. True if found. */
bool cmdline_get(const char *cmdline, const char *key, char *value, size_t size);
/* Parse an unsigned decimal (or 0x hex) number with optional K/M/G suffix. */
bool parse_u64(const char *s, uint64_t *out);

#endif
