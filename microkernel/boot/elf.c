/*
 * Checking and copying of the kernel's ELF image. Every header field the
 * loader relies on is validated before anything is copied, so a corrupt or
 * foreign file ends in a clear message rather than a wild write. The ELF
 * checks common to every image are the shared library's (lib/elf.h); here
 * are the kernel's own: version 1, segments in the kernel half.
 */
#include "loader.h"

#include <lib/elf.h>

/* The kernel half: BOOT_KERNEL_BASE up to the top of the address space. */
#define ELF_KERNEL_LIMIT (0ULL - BOOT_KERNEL_BASE)

/* Check one PT_LOAD; returns its end offset from BOOT_KERNEL_BASE in *end. */
static const char *elf_kernel_segment_check(const struct elf64_phdr *ph, uint64_t size,
                                            uint64_t *end)
{
    const char *err;
    uint64_t off;

    if (ph->vaddr < BOOT_KERNEL_BASE)
        return "kernel segment below BOOT_KERNEL_BASE (link the kernel at 0xffffffff80000000)";
    err = elf_segment_check(ph, size);
    if (err)
        return err;
    off = ph->vaddr - BOOT_KERNEL_BASE;
    if (ph->memsz > ELF_KERNEL_LIMIT - off)
        return "kernel segment runs past the end of the address space";
    *end = off + ph->memsz;
    return NULL;
}

const char *elf_kernel_check(const void *image, uint64_t size, struct elf_kernel *out)
{
    struct elf64_ehdr eh;
    struct elf64_phdr ph;
    uint64_t end, max_end = 0;
    const char *err;
    unsigned i = 0;

    __builtin_memset(out, 0, sizeof(*out));
    err = elf_header_check(image, size, &eh);
    if (err)
        return err;
    if (eh.ident[6] != 1 || eh.version != 1)
        return "kernel is not ELF version 1";
    while (elf_next_load(image, &eh, &i, &ph)) {
        err = elf_kernel_segment_check(&ph, size, &end);
        if (err)
            return err;
        if (end > max_end)
            max_end = end;
        out->load_count++;
    }
    if (out->load_count == 0 || max_end == 0)
        return "kernel has no loadable bytes";
    out->span = (max_end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    if (eh.entry < BOOT_KERNEL_BASE || eh.entry - BOOT_KERNEL_BASE >= out->span)
        return "kernel entry point outside the loaded image";
    out->entry = eh.entry;
    return NULL;
}

void elf_kernel_copy(const void *image, uint8_t *dest)
{
    struct elf64_ehdr eh;
    struct elf64_phdr ph;
    unsigned i = 0;

    __builtin_memcpy(&eh, image, sizeof(eh));
    while (elf_next_load(image, &eh, &i, &ph)) {
        if (ph.filesz == 0)
            continue;
        __builtin_memcpy(dest + (ph.vaddr - BOOT_KERNEL_BASE), (const uint8_t *)image + ph.offset,
                         ph.filesz);
    }
}
