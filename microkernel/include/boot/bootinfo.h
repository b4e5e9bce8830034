/*
 * The hand-off from the UEFI loader to the kernel. The loader fills one
 * struct boot_info in memory it allocated, switches to the page tables it
 * built (described below) and jumps to the kernel entry with the PHYSICAL
 * address of the struct in %rdi. Both sides include this header and the
 * layout is checked at compile time on both sides.
 *
 * Page tables at entry (built by the loader, 2 MiB pages, no NX bits):
 *   - virtual 0 .. BOOT_MAP_TOP       -> physical 0 .. (identity, temporary)
 *   - BOOT_HHDM_BASE + p              -> physical p   (the direct map)
 *   - BOOT_KERNEL_BASE + off          -> kernel_phys + off (4 KiB pages)
 * where the mapped physical span is [0, max(4 GiB, top of memory map)).
 * Interrupts are disabled; boot services have been exited.
 */
#ifndef BOOT_BOOTINFO_H
#define BOOT_BOOTINFO_H

#include <stdint.h>

#define BOOT_INFO_MAGIC 0x4f464e49544f4f42ULL /* "BOOTINFO" */
#define BOOT_INFO_VERSION 2

#define BOOT_HHDM_BASE 0xffff800000000000ULL
#define BOOT_KERNEL_BASE 0xffffffff80000000ULL

#define BOOT_MAX_MODULES 128
#define BOOT_MAX_MEM_RANGES 256
#define BOOT_MODULE_NAME_MAX 48
#define BOOT_CMDLINE_MAX 512

/* Memory range types, translated by the loader from the UEFI memory types. */
enum boot_mem_type {
    BOOT_MEM_FREE = 1,         /* usable RAM (conventional, boot services) */
    BOOT_MEM_LOADER = 2,       /* kernel image, modules, boot info, page tables */
    BOOT_MEM_RESERVED = 3,     /* firmware, runtime services, unusable */
    BOOT_MEM_ACPI_RECLAIM = 4, /* ACPI tables: usable once they are parsed */
    BOOT_MEM_ACPI_NVS = 5,
    BOOT_MEM_MMIO = 6,
};

struct boot_mem_range {
    uint64_t base;  /* physical, page aligned */
    uint64_t pages; /* 4 KiB pages */
    uint32_t type;  /* enum boot_mem_type */
    uint32_t reserved;
};
_Static_assert(sizeof(struct boot_mem_range) == 24, "boot_mem_range layout");

/* A file named by a "module=" line of the boot configuration. */
struct boot_module {
    uint64_t phys;                   /* page aligned physical address of the file's bytes */
    uint64_t size;                   /* bytes */
    char name[BOOT_MODULE_NAME_MAX]; /* base name without directory, NUL terminated */
};
_Static_assert(sizeof(struct boot_module) == 64, "boot_module layout");

struct boot_info {
    uint64_t magic;   /* BOOT_INFO_MAGIC */
    uint32_t version; /* BOOT_INFO_VERSION */
    uint32_t size;    /* sizeof(struct boot_info) */

    uint64_t kernel_phys; /* physical base of the loaded kernel image */
    uint64_t kernel_size; /* bytes mapped at BOOT_KERNEL_BASE */
    uint64_t boot_pml4;   /* physical address of the loader's PML4 */
    uint64_t acpi_rsdp;   /* physical address of the ACPI RSDP, 0 if none */

    uint32_t mem_count;                             /* valid entries of mem[] */
    uint32_t module_count;                          /* valid entries of modules[] */
    struct boot_mem_range mem[BOOT_MAX_MEM_RANGES]; /* sorted by base, merged */
    struct boot_module modules[BOOT_MAX_MODULES];
    char cmdline[BOOT_CMDLINE_MAX]; /* kernel arguments, NUL terminated */
};
_Static_assert(sizeof(struct boot_info) ==
                   48 + 8 + 24 * BOOT_MAX_MEM_RANGES + 64 * BOOT_MAX_MODULES + BOOT_CMDLINE_MAX,
               "boot_info layout");

#endif
