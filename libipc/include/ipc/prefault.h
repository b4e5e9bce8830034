/*
 * Prefaulting for programs that measure the kernel's frame counters: touch
 * the program's own image and stack up front so that its own demand paging
 * does not show up inside a measurement.
 */
#ifndef IPC_PREFAULT_H
#define IPC_PREFAULT_H

#include <stddef.h>

/* Segment boundaries defined by user.ld. */
extern char __text_start[], __rodata_start[], __data_start[], _end[];

/* Read every page of text and rodata; read and write back every page of data and bss. */
void prefault_image(void);

/* Write one byte in every page of the @bytes (at most 16 KiB) of stack below the caller. */
void prefault_stack(size_t bytes);

#endif
