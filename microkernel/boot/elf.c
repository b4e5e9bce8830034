/*
 * Checking and copying of the kernel's ELF image. Every header field the
 * loader relies on is validated before anything is copied, so a corrupt or
 * foreign file ends in a clear message rather than a wild write. Headers are
 * read with memcpy because the file buffer gives no alignment guarantee.
 */
#include "loader.h"

#define ELF_PT_LOAD 1
#define ELF_ET_EXEC 2
#define ELF_EM_X86_64 62
/* The kernel half: BOOT_KERNEL_BASE up to the top of the address space. */
#define ELF_KERNEL_LIMIT (0ULL - BOOT_KERNEL_BASE)

struct elf_ehdr {
    uint8_t ident[16];
    uint16_t type;
    uint16_t machine;
    uint32_t version;
    uint64_t entry;
    uint64_t phoff;
    uint64_t shoff;
    uint32_t flags;
    uint16_t ehsize;
    uint16_t phentsize;
    uint16_t phnum;
    uint16_t shentsize;
    uint16_t shnum;
    uint16_t shstrndx;
};
_Static_assert(sizeof(struct elf_ehdr) == 64, "ELF64 header layout");

struct elf_phdr {
    uint32_t type;
    uint32_t flags;
    uint64_t offset;
    uint64_t vaddr;
    uint64_t paddr;
    uint64_t filesz;
    uint64_t memsz;
    uint64_t align;
};
_Static_assert(sizeof(struct elf_phdr) == 56, "ELF64 program header layout");

static const char *elf_header_check(const void *image, uint64_t size, struct elf_ehdr *eh)
{
    const uint8_t *id = eh->ident;

    if (size < sizeof(*eh))
        return "kernel file too small for an ELF header";
    __builtin_memcpy(eh, image, sizeof(*eh));
    if (id[0] != 0x7f || id[1] != 'E' || id[2] != 'L' || id[3] != 'F')
        return "kernel is not an ELF file";
    if (id[4] != 2 || id[5] != 1 || id[6] != 1 || eh->version != 1)
        return "kernel is not ELF64 little-endian version 1";
    if (eh->type != ELF_ET_EXEC || eh->machine != ELF_EM_X86_64)
        return "kernel is not an x86-64 ET_EXEC executable";
    if (eh->phentsize != sizeof(struct elf_phdr) || eh->phnum == 0)
        return "kernel has no or odd-sized program headers";
    if (eh->phoff > size || (uint64_t)eh->phnum * sizeof(struct elf_phdr) > size - eh->phoff)
        return "kernel program headers lie outside the file";
    return NULL;
}

static void elf_phdr_read(const void *image, const struct elf_ehdr *eh, unsigned i,
                          struct elf_phdr *ph)
{
    const uint8_t *p = (const uint8_t *)image + eh->phoff + (uint64_t)i * sizeof(*ph);

    __builtin_memcpy(ph, p, sizeof(*ph));
}

/* Check one PT_LOAD; returns its end offset from BOOT_KERNEL_BASE in *end. */
static const char *elf_segment_check(const struct elf_phdr *ph, uint64_t size, uint64_t *end)
{
    uint64_t off;

    if (ph->vaddr < BOOT_KERNEL_BASE)
        return "kernel segment below BOOT_KERNEL_BASE (link the kernel at 0xffffffff80000000)";
    if (ph->filesz > ph->memsz)
        return "kernel segment has filesz > memsz";
    if (ph->offset > size || ph->filesz > size - ph->offset)
        return "kernel segment lies outside the file";
    off = ph->vaddr - BOOT_KERNEL_BASE;
    if (ph->memsz > ELF_KERNEL_LIMIT - off)
        return "kernel segment runs past the end of the address space";
    *end = off + ph->memsz;
    return NULL;
}

const char *elf_kernel_check(const void *image, uint64_t size, struct elf_kernel *out)
{
    struct elf_ehdr eh;
    struct elf_phdr ph;
    uint64_t end, max_end = 0;
    const char *err;
    unsigned i;

    __builtin_memset(out, 0, sizeof(*out));
    err = elf_header_check(image, size, &eh);
    if (err)
        return err;
    for (i = 0; i < eh.phnum; i++) {
        elf_phdr_read(image, &eh, i, &ph);
        if (ph.type != ELF_PT_LOAD)
            continue;
        err = elf_segment_check(&ph, size, &end);
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
    struct elf_ehdr eh;
    struct elf_phdr ph;
    unsigned i;

    __builtin_memcpy(&eh, image, sizeof(eh));
    for (i = 0; i < eh.phnum; i++) {
        elf_phdr_read(image, &eh, i, &ph);
        if (ph.type != ELF_PT_LOAD || ph.filesz == 0)
            continue;
        __builtin_memcpy(dest + (ph.vaddr - BOOT_KERNEL_BASE), (const uint8_t *)image + ph.offset,
                         ph.filesz);
    }
}
