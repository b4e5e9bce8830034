/*
 * The string functions of the user runtime's <string.h> that the shared
 * library (microkernel/lib/string.c) does not have: memcpy and memset,
 * which each environment brings itself, and the rest of the standard set.
 * Plain loops: the compiler must not turn them back into calls to
 * themselves, so CMake builds this file with -fno-tree-loop-distribute-patterns.
 * Also compiled into the host tests, with the names renamed.
 */
#include <string.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

/* A word that may alias any object, for the eight-byte steps. */
typedef uint64_t __attribute__((may_alias)) string_word_t;

/* Copy @n bytes from @src to @dst (no overlap), upwards (memmove relies on it). Returns @dst. */
void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;

    /* Eight bytes at a time when both are aligned alike: lz4 copies pages. */
    if ((((uintptr_t)d ^ (uintptr_t)s) & 7) == 0) {
        while (n > 0 && ((uintptr_t)d & 7) != 0) {
            *d++ = *s++;
            n--;
        }
        for (; n >= 8; n -= 8, d += 8, s += 8)
            *(string_word_t *)(void *)d = *(const string_word_t *)(const void *)s;
    }
    while (n--)
        *d++ = *s++;
    return dst;
}

/* Fill @n bytes at @dst with the byte @c. Returns @dst. */
void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    uint64_t pattern = (unsigned char)c * 0x0101010101010101ull;

    while (n > 0 && ((uintptr_t)d & 7) != 0) {
        *d++ = (unsigned char)c;
        n--;
    }
    for (; n >= 8; n -= 8, d += 8)
        *(string_word_t *)(void *)d = pattern;
    while (n--)
        *d++ = (unsigned char)c;
    return dst;
}

/* The first byte (unsigned char)@c in @n bytes at @s, or NULL. */
void *memchr(const void *s, int c, size_t n)
{
    const unsigned char *p = s;

    for (; n > 0; n--, p++) {
        if (*p == (unsigned char)c)
            return (void *)p;
    }
    return NULL;
}

/* The last (char)@c in @s (the NUL counts), or NULL. */
char *strrchr(const char *s, int c)
{
    const char *last = NULL;

    for (;; s++) {
        if (*s == (char)c)
            last = s;
        if (*s == '\0')
            return (char *)last;
    }
}

/* The first occurrence of @needle in @haystack (@haystack for ""), or NULL. */
char *strstr(const char *haystack, const char *needle)
{
    size_t n = strlen(needle);

    for (; *haystack != '\0'; haystack++) {
        if (strncmp(haystack, needle, n) == 0)
            return (char *)haystack;
    }
    return n == 0 ? (char *)haystack : NULL;
}

char *strcpy(char *restrict dst, const char *restrict src)
{
    char *d = dst;

    while ((*d++ = *src++) != '\0')
        ;
    return dst;
}

/* Copy at most @n bytes of @src, then fill @dst up to @n with NULs (no NUL if @src is longer). */
char *strncpy(char *restrict dst, const char *restrict src, size_t n)
{
    size_t i = 0;

    for (; i < n && src[i] != '\0'; i++)
        dst[i] = src[i];
    for (; i < n; i++)
        dst[i] = '\0';
    return dst;
}

char *strcat(char *restrict dst, const char *restrict src)
{
    strcpy(dst + strlen(dst), src);
    return dst;
}

/* Length of the leading run of @s made of bytes in @set (@in) or not in it. */
static size_t string_span(const char *s, const char *set, int in)
{
    size_t n = 0;

    while (s[n] != '\0' && (strchr(set, s[n]) != NULL) == in)
        n++;
    return n;
}

size_t strspn(const char *s, const char *accept)
{
    return string_span(s, accept, 1);
}

size_t strcspn(const char *s, const char *reject)
{
    return string_span(s, reject, 0);
}

char *strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *copy = malloc(n);

    if (copy != NULL)
        memcpy(copy, s, n);
    return copy;
}

/* The text of the <errno.h> numbers the runtime sets; "error" for others. */
char *strerror(int errnum)
{
    switch (errnum) {
    case 0:
        return "success";
    case ENOMEM:
        return "out of memory";
    case EINVAL:
        return "invalid argument";
    case ERANGE:
        return "result out of range";
    case EDOM:
        return "argument out of domain";
    case ENOSYS:
        return "function not implemented";
    default:
        return "error";
    }
}
