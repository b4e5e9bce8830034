/*
 * The ELF64 checks shared by the loader and the kernel (lib/elf.h). Every
 * field is checked with overflow-safe arithmetic before anything is read
 * through it, since the image is untrusted input.
 */
#include <lib/elf.h>
#include <lib/string.h>

#define ELF_CLASS64 2
#define ELF_DATA2LSB 1
#define ELF_ET_EXEC 2
#define ELF_EM_X86_64 62

const char *elf_header_check(const void *image, uint64_t size, struct elf64_ehdr *eh)
{
    const uint8_t *id = eh->ident;

    if (size < sizeof(*eh))
        return "file too small for an ELF header";
    memcpy(eh, image, sizeof(*eh));
    if (id[0] != 0x7f || id[1] != 'E' || id[2] != 'L' || id[3] != 'F')
        return "not an ELF file";
    if (id[4] != ELF_CLASS64 || id[5] != ELF_DATA2LSB)
        return "not ELF64 little-endian";
    if (eh->type != ELF_ET_EXEC || eh->machine != ELF_EM_X86_64)
        return "not an x86-64 ET_EXEC executable";
    if (eh->phentsize != sizeof(struct elf64_phdr) || eh->phnum == 0)
        return "no or odd-sized program headers";
    if (eh->phoff > size || (uint64_t)eh->phnum * sizeof(struct elf64_phdr) > size - eh->phoff)
        return "program headers lie outside the file";
    return NULL;
}

bool elf_next_load(const void *image, const struct elf64_ehdr *eh, unsigned *i,
                   struct elf64_phdr *ph)
{
    const uint8_t *table = (const uint8_t *)image + eh->phoff;

    while (*i < eh->phnum) {
        memcpy(ph, table + (uint64_t)(*i)++ * sizeof(*ph), sizeof(*ph));
        if (ph->type == ELF_PT_LOAD)
            return true;
    }
    return false;
}

const char *elf_segment_check(const struct elf64_phdr *ph, uint64_t size)
{
    if (ph->filesz > ph->memsz)
        return "segment has filesz > memsz";
    if (ph->offset > size || ph->filesz > size - ph->offset)
        return "segment lies outside the file";
    return NULL;
}
