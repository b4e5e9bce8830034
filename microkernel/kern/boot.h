/*
 * Boot-time state the rest of the kernel may consult: the loader's boot
 * information (modules, command line).
 */
#ifndef KERNEL_BOOT_H
#define KERNEL_BOOT_H

#include <boot/bootinfo.h>
#include <stddef.h>

extern const struct boot_info *boot_info;

/* The boot module named @name (the ".elf" suffix may be left out), or NULL. */
const struct boot_module *boot_module_find(const char *name);
/* The task name for module @m: its file name without ".elf". */
void boot_module_task_name(const struct boot_module *m, char *out, size_t size);

#endif
