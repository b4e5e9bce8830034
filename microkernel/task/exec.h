/*
 * Turning an ELF executable into the regions of an address map: one region
 * per PT_LOAD segment backed by the image itself, plus the stack.
 */
#ifndef KERNEL_EXEC_H
#define KERNEL_EXEC_H

#include <stddef.h>
#include <stdint.h>
#include <vm/vm_map.h>

struct task;

/*
 * Validate the ELF image and enter its segments and a stack (anonymous
 * memory of @task, which may be NULL in tests) into @map.
 * Returns 0 with the entry point in *@entry, -ERR_BADEXEC for a malformed
 * image or -ERR_NOMEM. On failure regions already entered stay in @map
 * (the caller destroys the map).
 */
int exec_load(struct task *task, struct vm_map *map, const uint8_t *image, size_t len,
              uint64_t *entry);

#endif
