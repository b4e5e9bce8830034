/*
 * The ELF64 loader. It checks every header field a task controls (the image
 * comes from a boot module, but it is still untrusted input), then enters
 * one region per PT_LOAD segment, mapping an object of the in-kernel pager
 * whose pages are copied out of the image on first touch, and a stack region
 * with a guard page below it. Nothing
 * is read into memory here: that is left to demand paging.
 */
#include <abi/errors.h>
#include <lib/lib.h>
#include <task/exec.h>
#include <vm/vm_object.h>

#define ELF_MAGIC 0x464c457fu
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define ET_EXEC 2
#define EM_X86_64 62
#define PT_LOAD 1
#define PF_X 1
#define PF_W 2
#define PF_R 4
#define MAX_PHDRS 16

struct elf64_ehdr {
    uint32_t magic;
    uint8_t class, data, version, osabi, pad[8];
    uint16_t type, machine;
    uint32_t version2;
    uint64_t entry, phoff, shoff;
    uint32_t flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF header layout");

struct elf64_phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz, align;
};
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF program header layout");

static bool header_ok(const struct elf64_ehdr *eh, size_t len)
{
    return len >= sizeof(*eh) && eh->magic == ELF_MAGIC && eh->class == ELFCLASS64 &&
           eh->data == ELFDATA2LSB && eh->type == ET_EXEC && eh->machine == EM_X86_64 &&
           eh->phentsize == sizeof(struct elf64_phdr) && eh->phnum <= MAX_PHDRS &&
           eh->phoff <= len && eh->phnum * sizeof(struct elf64_phdr) <= len - eh->phoff &&
           eh->phoff % 8 == 0;
}

static unsigned prot_of(uint32_t flags)
{
    return MMU_PROT_READ | ((flags & PF_W) ? MMU_PROT_WRITE : 0) |
           ((flags & PF_X) ? MMU_PROT_EXEC : 0);
}

/* Enter the region of one PT_LOAD segment after checking it. */
static int load_segment(struct vm_map *map, const uint8_t *image, size_t len,
                        const struct elf64_phdr *ph)
{
    const uint64_t limit = VM_STACK_TOP - VM_STACK_LIMIT - 2 * PAGE_SIZE;

    if (ph->filesz > ph->memsz || ph->offset > len || ph->filesz > len - ph->offset ||
        ph->vaddr < VM_USER_BASE || ph->vaddr > limit || ph->memsz > limit - ph->vaddr ||
        (ph->vaddr - ph->offset) % PAGE_SIZE != 0)
        return -ERR_BADEXEC;
    vaddr_t start = ALIGN_DOWN(ph->vaddr, PAGE_SIZE);
    vaddr_t end = ALIGN_UP(ph->vaddr + ph->memsz, PAGE_SIZE);
    uint64_t lead = ph->vaddr - start; /* bytes of the first page before the segment */
    struct vm_object *obj;
    if (vm_object_create_kernel(end - start, image + ph->offset - lead, ph->filesz + lead, &obj))
        return -ERR_NOMEM;
    int err = vm_map_enter(map, start, end - start, prot_of(ph->flags), obj, 0, NULL);
    if (err) {
        vm_object_unref(obj);
        return err == -ERR_NOMEM ? err : -ERR_BADEXEC;
    }
    return 0;
}

int exec_load(struct task *task, struct vm_map *map, const uint8_t *image, size_t len,
              uint64_t *entry)
{
    const struct elf64_ehdr *eh = (const void *)image;
    struct vm_region *r;

    if (!header_ok(eh, len))
        return -ERR_BADEXEC;
    const struct elf64_phdr *ph = (const void *)(image + eh->phoff);
    for (unsigned i = 0; i < eh->phnum; i++) {
        if (ph[i].type != PT_LOAD || ph[i].memsz == 0)
            continue; /* an empty PT_LOAD is legal and maps nothing */
        int err = load_segment(map, image, len, &ph[i]);
        if (err)
            return err;
    }
    r = vm_map_lookup(map, eh->entry);
    if (!r || !(r->prot & MMU_PROT_EXEC))
        return -ERR_BADEXEC;
    struct vm_object *stack;
    int err = task ? vm_object_create_anonymous(task, VM_STACK_LIMIT, false, &stack)
                   : vm_object_create_kernel(VM_STACK_LIMIT, NULL, 0, &stack);
    if (err)
        return err;
    err = vm_map_enter(map, VM_STACK_TOP - VM_STACK_LIMIT, VM_STACK_LIMIT,
                       MMU_PROT_READ | MMU_PROT_WRITE, stack, 0, &r);
    if (err) {
        vm_object_unref(stack);
        return err == -ERR_NOMEM ? err : -ERR_BADEXEC;
    }
    vm_map_set_stack(map, r);
    *entry = eh->entry;
    return 0;
}
