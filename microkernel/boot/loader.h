/*
 * Internal interfaces of the UEFI loader. The loader is split into pure parts
 * that only compute on memory (configuration parsing, ELF checking, memory
 * range normalisation, page-table building; testable on the host) and the
 * firmware-facing parts (file reading, memory map, exit and jump).
 */
#ifndef BOOT_LOADER_H
#define BOOT_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include <abi/page.h>
#include <boot/bootinfo.h>

#define LOADER_PATH_MAX 256

/* The settings of \boot.cfg; paths are ESP-relative, '\' separated, no leading '\'. */
struct loader_config {
    char kernel[LOADER_PATH_MAX];
    char cmdline[BOOT_CMDLINE_MAX];
    char modules[BOOT_MAX_MODULES][LOADER_PATH_MAX];
    uint32_t module_count;
    int have_cmdline;
};

/*
 * Parse the @len bytes of @text (the boot.cfg format: key=value lines, '#'
 * comments, blank lines) into *cfg, which this function clears first.
 * Returns NULL on success, else a static message; *line is set to the line
 * number of the error (0 for errors about the whole file).
 */
const char *config_parse(const char *text, size_t len, struct loader_config *cfg, unsigned *line);

/* Return the base name of @path (the part after the last '\'). */
const char *config_base_name(const char *path);

/* The layout of a checked kernel image. */
struct elf_kernel {
    uint64_t entry; /* virtual, inside [BOOT_KERNEL_BASE, BOOT_KERNEL_BASE + span) */
    uint64_t span;  /* bytes from BOOT_KERNEL_BASE to the page-rounded end */
    uint32_t load_count;
};

/*
 * Check that the @size bytes at @image are an ELF64 x86-64 executable whose
 * PT_LOAD segments all lie in the kernel half and inside the file, and
 * compute its layout into *out. Returns NULL or a static error message.
 */
const char *elf_kernel_check(const void *image, uint64_t size, struct elf_kernel *out);

/*
 * Copy the PT_LOAD segments of a checked @image into @dest, which holds the
 * kernel span (BOOT_KERNEL_BASE maps to dest[0]) and is already zeroed.
 */
void elf_kernel_copy(const void *image, uint8_t *dest);

/* Sort @n ranges by base (stable insertion sort: the firmware map is nearly sorted). */
void memrange_sort(struct boot_mem_range *r, uint32_t n);

/* Merge touching neighbours of the same type in sorted @r; returns the new count. */
uint32_t memrange_merge(struct boot_mem_range *r, uint32_t n);

/*
 * Merge sorted, merged ranges until at most @max remain, never marking memory
 * more usable than it is: a lossy merge turns the pair into RESERVED (or
 * keeps a shared unusable type), choosing the pair that loses the fewest
 * usable pages. Returns the new count; *lost gets the usable pages lost.
 */
uint32_t memrange_fit(struct boot_mem_range *r, uint32_t n, uint32_t max, uint64_t *lost);

/* Highest identity-mapped direct-map top the 4-level layout allows (255 PML4 slots). */
#define PAGING_TOP_MAX (255ULL << 39)

/* Number of 4 KiB table pages paging_build needs for @top and a kernel of @kspan bytes. */
uint64_t paging_table_count(uint64_t top, uint64_t kspan);

/*
 * Build the boot page tables (see bootinfo.h) in @count zeroed pages at
 * @tables, whose physical address is @tables_phys: 2 MiB pages mapping
 * [0, top) at 0 and at BOOT_HHDM_BASE, and 4 KiB pages mapping @kspan bytes
 * at BOOT_KERNEL_BASE to @kphys. @top must be a multiple of 1 GiB and at most
 * PAGING_TOP_MAX. Returns the PML4's physical address, or 0 if @count pages
 * are too few.
 */
uint64_t paging_build(void *tables, uint64_t tables_phys, uint64_t count, uint64_t top,
                      uint64_t kphys, uint64_t kspan);

#endif
