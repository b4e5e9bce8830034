/*
 * memcpy and memset for user programs; the other memory and string
 * functions are the shared library's (microkernel/lib/string.c). Plain byte
 * loops: the compiler must not turn them back into calls to themselves, so
 * CMake builds this file with -fno-tree-loop-distribute-patterns. Also
 * compiled into the host tests.
 */
#include <ipc/string.h>

/* Copy @n bytes from @src to @dst (no overlap), upwards. Returns @dst. */
void *memcpy(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;

    while (n--)
        *d++ = *s++;
    return dst;
}

/* Fill @n bytes at @dst with the byte @c. Returns @dst. */
void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;

    while (n--)
        *d++ = (unsigned char)c;
    return dst;
}
