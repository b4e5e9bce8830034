/*
 * The ELF64 loader. It checks every header field a task controls (the image
 * comes from a boot module, but it is still untrusted input; the checks any
 * ELF reader makes are the shared library's, lib/elf.h), then enters one
 * region per PT_LOAD segment, mapping an object of the in-kernel pager whose
 * pages are copied out of the image on first touch, and a stack region with
 * a guard page below it. Nothing is read into memory here: that is left to
 * demand paging.
 */
#include <abi/errors.h>
#include <lib/elf.h>
#include <lib/lib.h>
#include <task/exec.h>
#include <vm/vm_object.h>

#define EXEC_MAX_PHDRS 16

static unsigned prot_of(uint32_t flags)
{
    return MMU_PROT_READ | ((flags & ELF_PF_W) ? MMU_PROT_WRITE : 0) |
           ((flags & ELF_PF_X) ? MMU_PROT_EXEC : 0);
}

/* Enter the region of one PT_LOAD segment after checking it. */
static int load_segment(struct vm_map *map, const uint8_t *image, size_t len,
                        const struct elf64_phdr *ph)
{
    const uint64_t limit = VM_STACK_TOP - VM_STACK_LIMIT - 2 * PAGE_SIZE;

    if (elf_segment_check(ph, len) || ph->vaddr < VM_USER_BASE || ph->vaddr > limit ||
        ph->memsz > limit - ph->vaddr || (ph->vaddr - ph->offset) % PAGE_SIZE != 0)
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
    struct elf64_ehdr eh;
    struct elf64_phdr ph;
    struct vm_region *r;

    /* A short header table (bounded work), 8-byte aligned as linkers write it. */
    if (elf_header_check(image, len, &eh) || eh.phnum > EXEC_MAX_PHDRS || eh.phoff % 8)
        return -ERR_BADEXEC;
    for (unsigned i = 0; elf_next_load(image, &eh, &i, &ph);) {
        if (ph.memsz == 0)
            continue; /* an empty PT_LOAD is legal and maps nothing */
        int err = load_segment(map, image, len, &ph);
        if (err)
            return err;
    }
    r = vm_map_lookup(map, eh.entry);
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
    *entry = eh.entry;
    return 0;
}
