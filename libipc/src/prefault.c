/*
 * Prefaulting of a program's own pages (see <ipc/prefault.h>). Data and bss
 * pages are written, not only read, so a kernel that maps a shared zero
 * page on read faults still hands out the private frame now.
 */
#include <ipc/prefault.h>

#include <abi/page.h>
#include <ipc/sys.h>
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

/* What pin_image_and_stack pinned: the image's two ranges and the stack's. */
static struct {
    uintptr_t start, end;
} pinned[3];

/* See <ipc/prefault.h>. */
long __attribute__((noinline)) pin_image_and_stack(size_t bytes)
{
    volatile char here = 0;
    uintptr_t page = (uintptr_t)&here & ~(uintptr_t)(PAGE_SIZE - 1), top = page + PAGE_SIZE;
    struct vm_query q;

    for (int i = 0; i < PIN_STACK_ABOVE && sys_vm_query((const void *)top, &q) == 0 && q.prot; i++)
        top += PAGE_SIZE;                      /* the caller's frames, as far as the stack goes */
    pinned[0].start = (uintptr_t)__text_start; /* text and read-only data */
    pinned[0].end = (uintptr_t)__data_start;
    pinned[1].start = (uintptr_t)__data_start; /* data and bss */
    pinned[1].end = ((uintptr_t)_end + PAGE_SIZE - 1) & ~(uintptr_t)(PAGE_SIZE - 1);
    pinned[2].start = page - ((bytes + PAGE_SIZE - 1) & ~(size_t)(PAGE_SIZE - 1));
    pinned[2].end = top;
    for (unsigned i = 0; i < 3; i++) {
        long err = pinned[i].end > pinned[i].start
                       ? sys_vm_pin((void *)pinned[i].start, pinned[i].end - pinned[i].start)
                       : 0;
        if (err) {
            while (i-- > 0)
                sys_vm_unpin((void *)pinned[i].start, pinned[i].end - pinned[i].start);
            for (i = 0; i < 3; i++)
                pinned[i].start = pinned[i].end = 0;
            return err;
        }
    }
    return 0;
}

/* See <ipc/prefault.h>. */
void unpin_image_and_stack(void)
{
    for (unsigned i = 0; i < 3; i++) {
        if (pinned[i].end > pinned[i].start)
            sys_vm_unpin((void *)pinned[i].start, pinned[i].end - pinned[i].start);
        pinned[i].start = pinned[i].end = 0;
    }
}
