/*
 * Boot-time state the rest of the kernel may consult: the loader's boot
 * information (modules, command line).
 */
#ifndef KERNEL_BOOT_H
#define KERNEL_BOOT_H

#include <boot/bootinfo.h>

extern const struct boot_info *boot_info;

/* The boot module named @name, or NULL. */
const struct boot_module *boot_module_find(const char *name);

#endif
