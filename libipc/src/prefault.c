/*
 * Prefaulting of a program's own pages (see <ipc/prefault.h>). Data and bss
 * pages are written, not only read, so a kernel that maps a shared zero
 * page on read faults still hands out the private frame now.
 */
#include <ipc/prefault.h>

#include <abi/page.h>
#include <stdint.h>

#define PREFAULT_STACK_MAX (16 * 1024)

/* See <ipc/prefault.h>: make the whole image resident and writable pages private. */
void prefault_image(void)
{
    uintptr_t p;

    for (p = (uintptr_t)__text_start; p < (uintptr_t)__data_start; p += PAGE_SIZE)
        (void)*(volatile const char *)p;
    for (p = (uintptr_t)__data_start; p < (uintptr_t)_end; p += PAGE_SIZE) {
        volatile char *c = (volatile char *)p;
        *c = *c;
    }
    if ((uintptr_t)_end > (uintptr_t)__data_start) {
        volatile char *last = (volatile char *)((uintptr_t)_end - 1);
        *last = *last;
    }
}

/* See <ipc/prefault.h>: touch @bytes (at most 16 KiB) of stack, top down. */
void __attribute__((noinline)) prefault_stack(size_t bytes)
{
    char area[PREFAULT_STACK_MAX];
    volatile char *top = area + PREFAULT_STACK_MAX - 1;
    size_t off;

    if (bytes > PREFAULT_STACK_MAX)
        bytes = PREFAULT_STACK_MAX;
    for (off = 0; off < bytes; off += PAGE_SIZE / 2)
        *(top - off) = 0;
}
