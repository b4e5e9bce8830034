/*
 * The kernel's memcpy and memset (lib/string.h), with the CPU's string
 * instructions: every copy of a page or a slab object goes through them, so
 * they are the machine's to make fast. Both go upwards (DF is clear in the
 * kernel), as memmove expects of memcpy.
 */
#include <lib/string.h>

#include <stdint.h>

/* Eight bytes per iteration, then the tail: string instructions count one
 * step per iteration, so pages and slab objects go eight times faster. */
void *memcpy(void *dst, const void *src, size_t n)
{
    void *ret = dst;
    size_t quads = n / 8, tail = n % 8;

    __asm__ volatile("rep movsq" : "+D"(dst), "+S"(src), "+c"(quads) : : "memory");
    __asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(tail) : : "memory");
    return ret;
}

void *memset(void *dst, int c, size_t n)
{
    void *ret = dst;
    size_t quads = n / 8, tail = n % 8;
    uint64_t pattern = (uint8_t)c * 0x0101010101010101ULL;

    __asm__ volatile("rep stosq" : "+D"(dst), "+c"(quads) : "a"(pattern) : "memory");
    __asm__ volatile("rep stosb" : "+D"(dst), "+c"(tail) : "a"(pattern) : "memory");
    return ret;
}
