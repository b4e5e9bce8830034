/*
 * <string.h> of the user runtime (docs/runtime.md): the memory and string
 * functions, with their standard names and signatures. The shared library
 * (<lib/string.h>, microkernel/lib/string.c) holds most of them, the
 * runtime (libipc/libc/string.c) memcpy, memset and the rest.
 */
#ifndef _STRING_H
#define _STRING_H

#include <stddef.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
char *strstr(const char *haystack, const char *needle);
char *strcpy(char *restrict dst, const char *restrict src);
char *strncpy(char *restrict dst, const char *restrict src, size_t n);
char *strcat(char *restrict dst, const char *restrict src);
size_t strspn(const char *s, const char *accept);
size_t strcspn(const char *s, const char *reject);
/* A copy of @s from malloc, or NULL. */
char *strdup(const char *s);
/* The text of error number @errnum (<errno.h>). */
char *strerror(int errnum);

#endif
