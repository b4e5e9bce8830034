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

/*
 * For a test that fills memory on purpose: pin the program's image and the
 * @bytes of stack below the caller (with the caller's own frames above, up
 * to the top of the stack region or PIN_STACK_ABOVE pages), so that none of
 * them can be evicted and no fault of this thread can fail while memory is
 * full. 0 or the error of the pin; unpin_image_and_stack undoes it.
 */
#define PIN_STACK_ABOVE 4
long pin_image_and_stack(size_t bytes);
void unpin_image_and_stack(void);

#endif
