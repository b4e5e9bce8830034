/*
 * Memory and string functions for user programs (the freestanding subset of
 * <string.h>). gcc may emit calls to memcpy, memset and memmove on its own,
 * so these keep their standard names and semantics.
 */
#ifndef IPC_STRING_H
#define IPC_STRING_H

#include <stddef.h>

/* Copy @n bytes from @src to @dst (no overlap). Returns @dst. */
void *memcpy(void *dst, const void *src, size_t n);
/* Copy @n bytes from @src to @dst; the ranges may overlap. Returns @dst. */
void *memmove(void *dst, const void *src, size_t n);
/* Fill @n bytes at @dst with the byte @c. Returns @dst. */
void *memset(void *dst, int c, size_t n);
/* Compare @n bytes as unsigned chars: <0, 0 or >0. */
int memcmp(const void *a, const void *b, size_t n);
/* Length of the NUL-terminated string @s. */
size_t strlen(const char *s);
/* Compare two strings as unsigned chars: <0, 0 or >0. */
int strcmp(const char *a, const char *b);
/* Compare at most @n characters of two strings. */
int strncmp(const char *a, const char *b, size_t n);
/* First occurrence of (char)@c in @s (the NUL counts), or NULL. */
char *strchr(const char *s, int c);

#endif
