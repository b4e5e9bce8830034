/*
 * Memory and string functions for user programs (the freestanding subset of
 * <string.h>): the shared library's (<lib/string.h>, microkernel/lib/), with
 * memcpy and memset from libipc's src/string.c.
 */
#ifndef IPC_STRING_H
#define IPC_STRING_H

#include <lib/string.h>

#endif
