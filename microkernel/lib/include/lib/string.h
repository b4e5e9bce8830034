/*
 * Memory and string functions, the freestanding subset of <string.h>: one
 * implementation (lib/string.c) for the kernel, user programs and the host
 * tests. memcpy and memset are each environment's own, as fast as it can
 * make them: arch/x86_64/string.c in the kernel, libipc's src/string.c in
 * user programs. The compiler may emit calls to memcpy, memset and memmove
 * on its own, so all keep their standard names and semantics.
 */
#ifndef LIB_STRING_H
#define LIB_STRING_H

#include <stddef.h>

/*
 * Copy @n bytes from @src to @dst (no overlap). Returns @dst. Every
 * environment's memcpy copies upwards, which memmove relies on.
 */
void *memcpy(void *dst, const void *src, size_t n);
/* Copy @n bytes from @src to @dst; the ranges may overlap. Returns @dst. */
void *memmove(void *dst, const void *src, size_t n);
/* Fill @n bytes at @dst with the byte @c. Returns @dst. */
void *memset(void *dst, int c, size_t n);
/* Compare @n bytes as unsigned chars: <0, 0 or >0. */
int memcmp(const void *a, const void *b, size_t n);
/* Length of the NUL-terminated string @s. */
size_t strlen(const char *s);
/* Length of @s, but at most @max. */
size_t strnlen(const char *s, size_t max);
/* Compare two strings as unsigned chars: <0, 0 or >0. */
int strcmp(const char *a, const char *b);
/* Compare at most @n characters of two strings. */
int strncmp(const char *a, const char *b, size_t n);
/* First occurrence of (char)@c in @s (the NUL counts), or NULL. */
char *strchr(const char *s, int c);
/* Copy @src into @dst of @size > 0 bytes, truncating; always NUL terminated. */
void strlcpy(char *dst, const char *src, size_t size);

#endif
