/*
 * Kernel log output on the serial console, each line stamped with the time
 * since boot in seconds.milliseconds, and panic().
 */
#include <arch/arch.h>
#include <kern/printk.h>
#include <lib/lib.h>

void kvprintf(const char *fmt, va_list ap)
{
    char line[256];
    uint64_t ms = arch_time_ns() / 1000000;
    int n =
        snprintf(line, sizeof(line), "[%4u.%03u] ", (unsigned)(ms / 1000), (unsigned)(ms % 1000));

    vsnprintf(line + n, sizeof(line) - n, fmt, ap);
    arch_console_write(line, strlen(line));
}

void kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
}

/* Report a broken kernel invariant and stop (QEMU exits with status 0x7f). */
void panic(const char *fmt, ...)
{
    char msg[200];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    kprintf("KERNEL PANIC: %s\n", msg);
    arch_shutdown(0x7f);
}
