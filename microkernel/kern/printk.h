/*
 * Kernel logging to the serial console. Every line is prefixed with the time
 * since boot. panic() is for broken kernel invariants only: nothing a task
 * does may reach it.
 */
#ifndef KERNEL_PRINTK_H
#define KERNEL_PRINTK_H

#include <stdarg.h>

void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kvprintf(const char *fmt, va_list ap);
__attribute__((noreturn)) void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Check a kernel invariant (a precondition, an object's state). Built in
 * when KERNEL_ASSERTS is 1: the normal build, the debug build and the host
 * tests; tools/bench measures a kernel built with 0, where the condition is
 * still compiled (so it cannot rot) but never evaluated.
 */
#define KASSERT(cond)                                                                              \
    do {                                                                                           \
        if (KERNEL_ASSERTS && !(cond))                                                             \
            panic("assertion failed: %s at %s:%d", #cond, __FILE__, __LINE__);                     \
    } while (0)

#endif
