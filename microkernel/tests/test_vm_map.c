/*
 * Address maps, the fault handler and the ELF loader on the host, with the
 * real MMU handler over simulated RAM: region lookup and placement, demand
 * zero and image fills, protection and guard-page results, copies across
 * pages, and teardown returning every frame.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <abi/errors.h>
#include <task/exec.h>
#include <vm/frame.h>
#include <vm/vm_copy.h>
#include <vm/vm_fault.h>
#include <vm/vm_map.h>

#include "host_support.h"

#define RW (MMU_PROT_READ | MMU_PROT_WRITE)

static struct vm_map map;
static uint64_t baseline;

static int setup(void **state)
{
    (void)state;
    host_memory_init(2048, 0, 0);
    paddr_t root = frame_alloc(FRAME_TABLE, NULL);
    memset(phys_to_virt(root), 0, 4096);
    assert_int_equal(mmu_init(root, false), MMU_OK);
    baseline = host_free_frames();
    assert_int_equal(vm_map_init(&map), 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    vm_map_destroy(&map);
    assert_int_equal(host_free_frames(), baseline); /* every frame came back */
    host_memory_free();
    return 0;
}

static void test_vm_map_lookup_and_overlap(void **state)
{
    (void)state;
    struct vm_region *a, *b;
    assert_int_equal(vm_map_enter(&map, 0x400000, 0x3000, RW, NULL, 0, &a), 0);
    assert_int_equal(vm_map_enter(&map, 0x800000, 0x1000, MMU_PROT_READ, NULL, 0, &b), 0);
    assert_ptr_equal(vm_map_lookup(&map, 0x400000), a);
    assert_ptr_equal(vm_map_lookup(&map, 0x402fff), a);
    assert_null(vm_map_lookup(&map, 0x403000));
    assert_ptr_equal(vm_map_lookup(&map, 0x800800), b);
    assert_null(vm_map_lookup(&map, 0x3fffff));
    assert_int_equal(vm_map_enter(&map, 0x402000, 0x2000, RW, NULL, 0, NULL), -ERR_BUSY);
    assert_int_equal(vm_map_enter(&map, 0x3ff000, 0x2000, RW, NULL, 0, NULL), -ERR_BUSY);
    assert_int_equal(vm_map_enter(&map, 0x400800, 0x1000, RW, NULL, 0, NULL), -ERR_INVAL);
    assert_int_equal(vm_map_enter(&map, 0, 0x1000, RW, NULL, 0, NULL), -ERR_INVAL);
    assert_int_equal(vm_map_enter(&map, 0x500000, 0, RW, NULL, 0, NULL), -ERR_INVAL);
    assert_int_equal(vm_map_enter(&map, 0xfffffffffffff000ULL, 0x1000, RW, NULL, 0, NULL),
                     -ERR_INVAL);
    assert_int_equal(vm_map_enter(&map, VM_STACK_TOP - 0x1000, 0x2000, RW, NULL, 0, NULL),
                     -ERR_INVAL);
    /* The region holding an address, or else the next one above it. */
    assert_ptr_equal(vm_map_lookup_from(&map, 0x10000), a);
    assert_ptr_equal(vm_map_lookup_from(&map, 0x401000), a);
    assert_ptr_equal(vm_map_lookup_from(&map, 0x403000), b);
    assert_null(vm_map_lookup_from(&map, 0x801000));
    assert_null(vm_map_lookup_from(&map, 0x400000000000ULL));
    assert_int_equal(vm_map_can_enter(&map, 0x400000000000ULL, 1ULL << 30), 0);
    assert_int_equal(vm_map_can_enter(&map, 0x7ff000, 0x2000), -ERR_BUSY);
}

/* A task cannot make the kernel hold more than VM_MAP_MAX_REGIONS regions. */
static void test_vm_map_region_limit(void **state)
{
    (void)state;
    const vaddr_t top = 0x400000ULL + 2ULL * VM_MAP_MAX_REGIONS * 0x1000;
    /* Downwards, so every insertion is at the head of the sorted list. */
    for (unsigned i = 1; i <= VM_MAP_MAX_REGIONS; i++)
        assert_int_equal(vm_map_enter(&map, top - i * 0x2000, 0x1000, RW, NULL, 0, NULL), 0);
    assert_int_equal(map.nregions, VM_MAP_MAX_REGIONS);
    assert_int_equal(vm_map_enter(&map, 0x200000, 0x1000, RW, NULL, 0, NULL), -ERR_LIMIT);
    assert_int_equal(vm_map_remove(&map, top - 0x2000, 0x1000), 0);
    assert_int_equal(vm_map_enter(&map, 0x200000, 0x1000, RW, NULL, 0, NULL), 0);
}

/* The list walk the tree replaced: first fit above VM_ALLOC_BASE, a free page after each region. */
static vaddr_t model_find_space(size_t size)
{
    vaddr_t candidate = VM_ALLOC_BASE;
    struct list_node *pos;

    list_for_each(pos, &map.regions)
    {
        struct vm_region *r = list_entry(pos, struct vm_region, link);
        vaddr_t low = (r->flags & VM_REGION_STACK) ? r->start - 0x1000 : r->start;
        if (r->end + 0x1000 <= candidate)
            continue;
        if (candidate + size + 0x1000 <= low)
            break;
        candidate = r->end + 0x1000;
    }
    return candidate;
}

/*
 * Thousands of random placements, explicit entries and removals: after each,
 * the tree agrees with the list (order, balance, gaps), first fit finds what
 * a walk of the list finds, and every lookup finds the right region.
 */
static void test_vm_map_tree_random(void **state)
{
    (void)state;
    static vaddr_t starts[600];
    static size_t sizes[600];
    static bool stack[600];
    unsigned n = 0;
    uint64_t x = 0x2545f4914f6cdd1dull;

    for (unsigned step = 0; step < 6000; step++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t size = (1 + x % 8) * 0x1000;
        vaddr_t va;
        if (n > 0 && (x >> 8) % 3 == 0) { /* remove one */
            unsigned i = (unsigned)((x >> 16) % n);
            assert_int_equal(vm_map_remove(&map, starts[i], sizes[i]), 0);
            n--;
            starts[i] = starts[n], sizes[i] = sizes[n], stack[i] = stack[n];
        } else if (n < 600 && (x >> 8) % 3 == 1) { /* first fit */
            vaddr_t want = model_find_space(size);
            assert_int_equal(vm_map_find_space(&map, size, &va), 0);
            assert_int_equal(va, want);
            assert_int_equal(vm_map_enter(&map, va, size, RW, NULL, 0, NULL), 0);
            stack[n] = false, starts[n] = va, sizes[n++] = size;
        } else if (n < 600) { /* an explicit address, maybe taken; sometimes a stack */
            va = VM_ALLOC_BASE - 0x100000 + ((x >> 20) % 2048) * 0x1000;
            struct vm_region *r;
            int err = vm_map_enter(&map, va, size, RW, NULL, 0, &r);
            bool free = true, below_free = va > VM_USER_BASE;
            for (unsigned i = 0; i < n; i++) {
                vaddr_t low = stack[i] ? starts[i] - 0x1000 : starts[i];
                free &= va + size <= low || starts[i] + sizes[i] <= va;
                below_free &= va <= low || starts[i] + sizes[i] <= va - 0x1000;
            }
            assert_int_equal(err, free ? 0 : -ERR_BUSY);
            if (!err) {
                stack[n] = below_free && (x >> 40) % 4 == 0; /* its guard page is free */
                if (stack[n])
                    vm_map_set_stack(&map, r);
                starts[n] = va, sizes[n++] = size;
            }
        }
        assert_int_equal(vm_map_check(&map), 0);
        assert_int_equal(map.nregions, n);
        for (unsigned i = 0; i < n; i += 7) {
            struct vm_region *r = vm_map_lookup(&map, starts[i] + sizes[i] - 1);
            assert_non_null(r);
            assert_int_equal(r->start, starts[i]);
        }
    }
}

static void test_vm_map_find_space_leaves_gaps(void **state)
{
    (void)state;
    vaddr_t a, b;
    assert_int_equal(vm_map_find_space(&map, 0x10000, &a), 0);
    assert_int_equal(a, VM_ALLOC_BASE);
    assert_int_equal(vm_map_enter(&map, a, 0x10000, RW, NULL, 0, NULL), 0);
    assert_int_equal(vm_map_find_space(&map, 0x2000, &b), 0);
    assert_int_equal(b, a + 0x10000 + 0x1000);
    assert_int_equal(vm_map_find_space(&map, VM_STACK_TOP, &b), -ERR_NOSPACE);
}

static void test_vm_fault_zero_fill_and_protection(void **state)
{
    (void)state;
    paddr_t pa, pa2;
    assert_int_equal(vm_map_enter(&map, 0x400000, 0x4000, MMU_PROT_READ, NULL, 0, NULL), 0);
    uint64_t faults = vm_stats.faults;
    assert_int_equal(vm_fault_page(&map, 0x401234, MMU_ACCESS_READ, &pa), VM_FAULT_OK);
    unsigned char *page = phys_to_virt(pa);
    for (int i = 0; i < 4096; i++)
        assert_int_equal(page[i], 0); /* simulated RAM starts as 0xa5 */
    assert_int_equal(vm_stats.faults, faults + 1);
    assert_int_equal(map.resident, 1);
    /* Resident already: same frame, no new fault. */
    assert_int_equal(vm_fault_page(&map, 0x401000, MMU_ACCESS_READ, &pa2), VM_FAULT_OK);
    assert_int_equal(pa2, pa);
    assert_int_equal(vm_stats.faults, faults + 1);
    assert_int_equal(vm_fault_page(&map, 0x401000, MMU_ACCESS_WRITE, &pa2), VM_FAULT_PROTECTION);
    assert_int_equal(vm_fault_page(&map, 0x402000, MMU_ACCESS_EXEC, &pa2), VM_FAULT_PROTECTION);
    assert_int_equal(vm_fault_page(&map, 0x404000, MMU_ACCESS_READ, &pa2), VM_FAULT_UNMAPPED);
    assert_int_equal(vm_fault_page(&map, 0, MMU_ACCESS_READ, &pa2), VM_FAULT_UNMAPPED);
}

static void test_vm_fault_out_of_frames(void **state)
{
    (void)state;
    paddr_t pa;
    uint64_t pages = host_free_frames() + 10;
    assert_int_equal(vm_map_enter(&map, 0x400000, pages * 4096, RW, NULL, 0, NULL), 0);
    enum vm_fault_result r = VM_FAULT_OK;
    for (uint64_t i = 0; i < pages && r == VM_FAULT_OK; i++)
        r = vm_fault_page(&map, 0x400000 + i * 4096, MMU_ACCESS_WRITE, &pa);
    assert_int_equal(r, VM_FAULT_NOMEM);
    assert_int_equal(host_free_frames(), 0);
    /* teardown checks that every frame, page tables included, comes back */
}

static void test_vm_copy_across_pages(void **state)
{
    (void)state;
    char out[10000], in[10000];
    for (size_t i = 0; i < sizeof(out); i++)
        out[i] = (char)(i * 7);
    assert_int_equal(vm_map_enter(&map, 0x400000, 0x4000, RW, NULL, 0, NULL), 0);
    assert_int_equal(vm_copy_out(&map, 0x400100, out, sizeof(out)), 0);
    assert_int_equal(vm_copy_in(&map, in, 0x400100, sizeof(in)), 0);
    assert_memory_equal(in, out, sizeof(in));
    assert_int_equal(map.resident, 3);
    assert_int_equal(vm_copy_in(&map, in, 0x403000, 0x1001), -ERR_FAULT);
    assert_int_equal(vm_copy_in(&map, in, 0xffff800000000000ULL, 1), -ERR_FAULT);
    assert_int_equal(vm_copy_in(&map, in, 0x7ffffffff000ULL, 0x2000), -ERR_FAULT);
    char s[8];
    assert_int_equal(vm_copy_out(&map, 0x401ffe, "hi there", 9), 0);
    assert_int_equal(vm_copy_string_in(&map, s, 0x401ffe, 3), -ERR_INVAL);
    char s2[16];
    assert_int_equal(vm_copy_string_in(&map, s2, 0x401ffe, sizeof(s2)), 8);
    assert_string_equal(s2, "hi there");
}

static void test_vm_map_remove_frees_pages(void **state)
{
    (void)state;
    paddr_t pa;
    assert_int_equal(vm_map_enter(&map, 0x400000, 0x200000, RW, NULL, 0, NULL), 0);
    assert_int_equal(vm_map_enter(&map, 0x600000, 0x1000, RW, NULL, 0, NULL), 0);
    assert_int_equal(vm_fault_page(&map, 0x600000, MMU_ACCESS_WRITE, &pa), VM_FAULT_OK);
    uint64_t free_before = host_free_frames(); /* PDPT, PD, PT of 0x600000, one page */
    for (int i = 0; i < 512; i += 3)
        assert_int_equal(vm_fault_page(&map, 0x400000 + i * 4096, MMU_ACCESS_WRITE, &pa),
                         VM_FAULT_OK);
    assert_int_equal(vm_map_remove(&map, 0x400000, 0x1000), -ERR_INVAL); /* part of a region */
    assert_int_equal(vm_map_remove(&map, 0x400000, 0x200000), 0);
    assert_int_equal(map.resident, 1);
    assert_null(vm_map_lookup(&map, 0x400000));
    /* The pages and the PT of the removed region are freed (slab pages of its
     * bookkeeping may come back too); the PD and PDPT still serve the other. */
    assert_true(host_free_frames() >= free_before);
    assert_int_equal(map.space.tables, 4);
    assert_int_equal(vm_map_remove(&map, 0x600000, 0x1000), 0);
    /* Nothing is mapped: every table but the root is gone; teardown checks
     * that every frame came back. */
    assert_int_equal(map.resident, 0);
    assert_int_equal(map.space.tables, 1);
}

/* A minimal ELF: a text segment (2 pages of 0xcc) and a data segment with bss. */
static uint8_t *make_elf(size_t *len)
{
    static uint8_t image[0x4000];
    memset(image, 0, sizeof(image));
    uint16_t *h16 = (uint16_t *)image;
    uint32_t *h32 = (uint32_t *)image;
    uint64_t *h64 = (uint64_t *)image;
    h32[0] = 0x464c457f;
    image[4] = 2, image[5] = 1, image[6] = 1;
    h16[8] = 2;        /* ET_EXEC */
    h16[9] = 62;       /* x86-64 */
    h64[3] = 0x401010; /* entry */
    h64[4] = 64;       /* phoff */
    h16[27] = 56;      /* phentsize */
    h16[28] = 2;       /* phnum */
    uint64_t *ph = (uint64_t *)(image + 64);
    ph[0] = 1 | (5ULL << 32); /* PT_LOAD, R X */
    ph[1] = 0x1000, ph[2] = 0x401000, ph[4] = 0x1800, ph[5] = 0x1800;
    ph += 7;
    ph[0] = 1 | (6ULL << 32); /* PT_LOAD, R W */
    ph[1] = 0x3000, ph[2] = 0x603000, ph[4] = 0x10, ph[5] = 0x3000;
    memset(image + 0x1000, 0xcc, 0x1800);
    memset(image + 0x3000, 0x11, 0x10);
    *len = sizeof(image);
    return image;
}

static void test_exec_load_and_image_fill(void **state)
{
    (void)state;
    size_t len;
    uint8_t *image = make_elf(&len);
    uint64_t entry;
    paddr_t pa;
    assert_int_equal(exec_load(NULL, &map, image, len, &entry), 0);
    assert_int_equal(entry, 0x401010);
    assert_int_equal(map.resident, 0); /* nothing loaded before first touch */
    assert_int_equal(vm_fault_page(&map, 0x402000, MMU_ACCESS_EXEC, &pa), VM_FAULT_OK);
    uint8_t *p = phys_to_virt(pa);
    assert_int_equal(p[0], 0xcc);
    assert_int_equal(p[0x7ff], 0xcc);
    assert_int_equal(p[0x800], 0); /* past p_filesz */
    assert_int_equal(vm_fault_page(&map, 0x401000, MMU_ACCESS_WRITE, &pa), VM_FAULT_PROTECTION);
    assert_int_equal(vm_fault_page(&map, 0x603000, MMU_ACCESS_WRITE, &pa), VM_FAULT_OK);
    p = phys_to_virt(pa);
    assert_int_equal(p[0xf], 0x11);
    assert_int_equal(p[0x10], 0); /* bss */
    assert_int_equal(vm_fault_page(&map, 0x603000, MMU_ACCESS_EXEC, &pa), VM_FAULT_PROTECTION);
    /* The stack and its guard page. */
    assert_int_equal(vm_fault_page(&map, VM_STACK_TOP - 8, MMU_ACCESS_WRITE, &pa), VM_FAULT_OK);
    assert_int_equal(vm_fault_page(&map, VM_STACK_TOP - VM_STACK_LIMIT - 8, MMU_ACCESS_WRITE, &pa),
                     VM_FAULT_GUARD);
    assert_int_equal(
        vm_map_enter(&map, VM_STACK_TOP - VM_STACK_LIMIT - 0x1000, 0x1000, RW, NULL, 0, NULL),
        -ERR_BUSY);
}

static void test_exec_rejects_bad_images(void **state)
{
    (void)state;
    size_t len;
    uint64_t entry;
    uint8_t *image = make_elf(&len);
    uint64_t *ph = (uint64_t *)(image + 64);

    assert_int_equal(exec_load(NULL, &map, image, 63, &entry), -ERR_BADEXEC);
    image[0] = 0;
    assert_int_equal(exec_load(NULL, &map, image, len, &entry), -ERR_BADEXEC);
    image = make_elf(&len);
    ph[4] = 0x100000; /* filesz past the end of the file */
    ph[5] = 0x100000;
    assert_int_equal(exec_load(NULL, &map, image, len, &entry), -ERR_BADEXEC);
    image = make_elf(&len);
    ph[2] = 0xffff800000000000ULL; /* kernel address */
    assert_int_equal(exec_load(NULL, &map, image, len, &entry), -ERR_BADEXEC);
    image = make_elf(&len);
    ph[2] = 0x401001; /* vaddr and offset not congruent */
    assert_int_equal(exec_load(NULL, &map, image, len, &entry), -ERR_BADEXEC);
    image = make_elf(&len);
    ((uint64_t *)image)[3] = 0x603000; /* entry in a non-executable segment */
    assert_int_equal(exec_load(NULL, &map, image, len, &entry), -ERR_BADEXEC);
    image = make_elf(&len);
    ((uint64_t *)image)[4] = 0xfffffffffffffff0ULL; /* phoff overflow */
    assert_int_equal(exec_load(NULL, &map, image, len, &entry), -ERR_BADEXEC);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_vm_map_lookup_and_overlap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_map_find_space_leaves_gaps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_map_region_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_map_tree_random, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_fault_zero_fill_and_protection, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_fault_out_of_frames, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_copy_across_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_map_remove_frees_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec_load_and_image_fill, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec_rejects_bad_images, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
