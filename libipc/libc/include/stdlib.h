/*
 * <stdlib.h> of the user runtime (docs/runtime.md): the heap
 * (libipc/src/malloc.c), ending the program, and number conversions.
 */
#ifndef _STDLIB_H
#define _STDLIB_H

#include <stddef.h>

#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1

/* A 16-byte aligned block of at least @size bytes, or NULL. */
void *malloc(size_t size);
/* @n * @size zeroed bytes, or NULL (also when the product overflows). */
void *calloc(size_t n, size_t size);
/* Resize the block @ptr to @size bytes, keeping its contents; NULL on failure (@ptr stays). */
void *realloc(void *ptr, size_t size);
/* Release a block of malloc, calloc or realloc; NULL is ignored. */
void free(void *ptr);

/* End the task with @status (all its threads). */
__attribute__((noreturn)) void exit(int status);
/* End the task abnormally: a line on the console, then an invalid-opcode fault. */
__attribute__((noreturn)) void abort(void);

int abs(int v);
long labs(long v);
long strtol(const char *restrict s, char **restrict end, int base);
unsigned long strtoul(const char *restrict s, char **restrict end, int base);
int atoi(const char *s);

#endif
