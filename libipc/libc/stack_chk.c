/*
 * The stack protector's side of the runtime, for code compiled with
 * -fstack-protector such as Debian's static libraries: the thread control
 * block at the thread pointer (ABI_USER_THREAD_POINTER, placed there by
 * user.ld), whose word at offset 0x28 is the canary protected functions
 * read through %fs, and __stack_chk_fail. start_main calls
 * runtime_tcb_init, through a weak reference, only in programs that link
 * this file: the others never touch the block's page.
 */
#include <abi/syscall.h>
#include <ipc/sys.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* The x86-64 thread control block as compilers and the C library lay it out. */
struct runtime_tcb {
    struct runtime_tcb *self; /* %fs:0 reads the block's own address */
    uint64_t unused[4];
    uint64_t stack_guard;   /* -fstack-protector's canary */
    uint64_t pointer_guard; /* glibc's pointer mangling key, unused here */
};
_Static_assert(offsetof(struct runtime_tcb, stack_guard) == 0x28,
               "compilers read the canary at %fs:0x28");

struct runtime_tcb runtime_tcb __attribute__((section(".tcb")));

void runtime_tcb_init(void);
__attribute__((noreturn)) void __stack_chk_fail(void);

/*
 * Fill the block before main runs: its address, and a canary from the
 * cycle counter and the clock whose low byte is zero (a string copy that
 * runs over the end of a buffer stops at it).
 */
void runtime_tcb_init(void)
{
    uint32_t lo, hi;

    if ((uintptr_t)&runtime_tcb != ABI_USER_THREAD_POINTER)
        abort(); /* user.ld put it elsewhere: protected code would read junk */
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    uint64_t seed = ((uint64_t)hi << 32 | lo) ^ (sys_clock_ns() * 0x9e3779b97f4a7c15ull);
    runtime_tcb.self = &runtime_tcb;
    runtime_tcb.stack_guard = seed & ~(uint64_t)0xff;
}

/* A protected function found its canary overwritten: end the task. */
void __stack_chk_fail(void)
{
    static const char line[] = "stack smashing detected\n";

    sys_console_write(line, sizeof(line) - 1);
    abort();
}
