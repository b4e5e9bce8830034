/*
 * The system's state at a glance, for a machine that seems stuck.
 */
#ifndef KERNEL_KERN_DUMP_H
#define KERNEL_KERN_DUMP_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Print memory, pageout, a running migration and every thread (what it
 * waits for, where it entered the kernel, its kernel return addresses), on
 * the console. @why names the occasion; @pc and @user say where the CPU was
 * interrupted. It reads without locks and changes nothing: a best effort
 * from an NMI.
 */
void kern_dump(const char *why, uint64_t pc, bool user);

#endif
