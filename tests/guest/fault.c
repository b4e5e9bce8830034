/*
 * Helper for test_faults: commits the fault named by its argument and should
 * never get to exit. "null" reads address 0, "rotext" writes to _start (the
 * first byte of text, 0x400000), "nx" calls a `ret` placed in a page-aligned
 * data buffer, "kernel" reads 0xffff800000000000, "guard" recurses into the
 * stack guard page, and "ok" exits 0 as the control case.
 */
#include <ipc/fmt.h>
#include <ipc/string.h>
#include <stdint.h>

#define FAULT_KERNEL_ADDR 0xffff800000000000ull
#define FAULT_TEXT_BASE 0x400000ul

void _start(void);

/* One page of data, page aligned so its address is the fault address of "nx". */
static unsigned char fault_nx_page[4096] __attribute__((aligned(4096))) = {0x90};

/* Pointers hidden from the optimizer, so each access really happens. */
static void *volatile fault_null_ptr;
static volatile uintptr_t fault_kernel_addr = FAULT_KERNEL_ADDR;
static volatile int fault_depth_limit = -1;

static int fault_recurse(int depth)
{
    volatile char frame[512];

    frame[0] = (char)depth;
    if (depth == fault_depth_limit)
        return frame[0];
    return fault_recurse(depth + 1) + frame[0];
}

static int fault_nx(void)
{
    void (*volatile fn)(void);

    fault_nx_page[0] = 0xc3; /* ret */
    fn = (void (*)(void))(uintptr_t)fault_nx_page;
    printf("fault: calling data at %p\n", (void *)fault_nx_page);
    fn();
    return 1;
}

static int fault_rotext(void)
{
    volatile unsigned char *text = (volatile unsigned char *)(uintptr_t)_start;

    if ((uintptr_t)text != FAULT_TEXT_BASE) {
        printf("fault: _start at %p, expected 0x%lx\n", (void *)text, FAULT_TEXT_BASE);
        return 2;
    }
    *text = 0xcc;
    return 1;
}

int main(int argc, char **argv)
{
    const char *args = argc > 1 ? argv[1] : "";

    printf("fault: committing \"%s\"\n", args);
    if (strcmp(args, "null") == 0) {
        (void)*(volatile int *)fault_null_ptr;
        return 1;
    }
    if (strcmp(args, "rotext") == 0)
        return fault_rotext();
    if (strcmp(args, "nx") == 0)
        return fault_nx();
    if (strcmp(args, "kernel") == 0) {
        (void)*(volatile unsigned long *)fault_kernel_addr;
        return 1;
    }
    if (strcmp(args, "guard") == 0)
        return fault_recurse(0) != 0;
    if (strcmp(args, "ok") == 0)
        return 0;
    printf("fault: unknown case \"%s\"\n", args);
    return 3;
}
