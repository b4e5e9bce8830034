/*
 * What kernel code takes from the freestanding library in one include: the
 * memory and string functions (lib/string.h), formatting (lib/fmt.h), small
 * helpers for alignment, the ABI's page size, and the command line
 * (lib/cmdline.h, lib.c).
 */
#ifndef LIB_LIB_H
#define LIB_LIB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <abi/page.h>
#include <lib/cmdline.h>
#include <lib/fmt.h>
#include <lib/string.h>

#define ALIGN_DOWN(x, a) ((x) & ~((uint64_t)(a)-1))
#define ALIGN_UP(x, a) (((x) + (uint64_t)(a)-1) & ~((uint64_t)(a)-1))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* Parse an unsigned decimal (or 0x hex) number with optional K/M/G suffix. */
bool parse_u64(const char *s, uint64_t *out);

#endif
