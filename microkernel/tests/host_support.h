/*
 * Host test support for machine-independent kernel code: simulated physical
 * memory behind the real frame allocator, and stand-ins for the kernel
 * services the code under test calls (logging, the current task).
 */
#ifndef HOST_SUPPORT_H
#define HOST_SUPPORT_H

#include <boot/bootinfo.h>
#include <stddef.h>
#include <stdint.h>

#define HOST_PHYS_BASE 0x100000ULL /* physical address of the simulated RAM */

/*
 * Simulate @frames frames of RAM at HOST_PHYS_BASE (in a memory map where it is
 * followed by a reserved range), point hhdm_base at it and run frame_init
 * with @limit and @side_bytes of side table per frame.
 */
void host_memory_init(uint64_t frames, uint64_t limit, size_t side_bytes);
void host_memory_free(void);
/*
 * The free-frame count with the slabs kmalloc keeps empty given back first
 * (kmalloc_trim): the figure a leak check compares, the same whatever the
 * kernel objects allocated and freed before left as spares.
 */
uint64_t host_free_frames(void);

/* Number of log lines printed by the code under test since the last call. */
unsigned host_log_lines(void);
/* Tasks terminated through task_terminate since the last call. */
unsigned host_terminations(void);

#endif
