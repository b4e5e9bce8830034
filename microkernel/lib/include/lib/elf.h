/*
 * ELF64 executables for x86-64: the header layouts and the checks every
 * reader of them needs, written once for the UEFI loader (the kernel image,
 * boot/elf.c) and the kernel (program images, task/exec.c). Each caller adds
 * its own rules for where segments may go. Headers are copied out with
 * memcpy: an image in a file buffer has no alignment guarantee.
 */
#ifndef LIB_ELF_H
#define LIB_ELF_H

#include <stdbool.h>
#include <stdint.h>

#define ELF_PT_LOAD 1
#define ELF_PF_X 1
#define ELF_PF_W 2
#define ELF_PF_R 4

struct elf64_ehdr {
    uint8_t ident[16]; /* magic, class, data, version, OS ABI */
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
_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF64 header layout");

struct elf64_phdr {
    uint32_t type;
    uint32_t flags;
    uint64_t offset;
    uint64_t vaddr;
    uint64_t paddr;
    uint64_t filesz;
    uint64_t memsz;
    uint64_t align;
};
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF64 program header layout");

/*
 * Check that the @size bytes at @image begin with the header of an ELF64
 * little-endian x86-64 ET_EXEC executable with one or more program headers
 * of the ELF64 size, all inside the image, and copy the header to *@eh.
 * Returns NULL, or a static message saying what is wrong.
 */
const char *elf_header_check(const void *image, uint64_t size, struct elf64_ehdr *eh);

/*
 * Find the first PT_LOAD program header of a checked @image at index *@i or
 * later: copy it to *@ph, advance *@i past it and return true; false when
 * none is left. Start with *@i = 0.
 */
bool elf_next_load(const void *image, const struct elf64_ehdr *eh, unsigned *i,
                   struct elf64_phdr *ph);

/*
 * Check that the file bytes of segment @ph lie inside the @size-byte image
 * and are no more than its memory bytes. Returns NULL or a static message.
 */
const char *elf_segment_check(const struct elf64_phdr *ph, uint64_t size);

#endif
