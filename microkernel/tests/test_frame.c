/*
 * The frame allocator and kmalloc against simulated RAM: every free frame
 * can be allocated once, the table's own frames and reserved ranges never
 * are, the frames= limit holds, and empty slabs go back at once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <kern/kmalloc.h>
#include <vm/frame.h>

#include "host_support.h"

#define FRAMES 1024

static int teardown(void **state)
{
    (void)state;
    host_memory_free();
    return 0;
}

static void test_frame_alloc_all_distinct(void **state)
{
    (void)state;
    host_memory_init(FRAMES, 0, 0);
    uint64_t total = frame_total_count();
    /* The table (16 bytes per frame up to the top) takes whole frames. */
    uint64_t table_frames = ((HOST_PHYS_BASE / 4096 + FRAMES) * 16 + 4095) / 4096;
    assert_int_equal(total, FRAMES - table_frames);
    assert_int_equal(frame_free_count(), total);

    uint8_t *seen = calloc(FRAMES, 1);
    paddr_t first = 0;
    for (uint64_t i = 0; i < total; i++) {
        paddr_t pa = frame_alloc(FRAME_USER, seen);
        assert_true(pa >= HOST_PHYS_BASE + table_frames * 4096);
        assert_true(pa < HOST_PHYS_BASE + FRAMES * 4096);
        assert_int_equal(pa % 4096, 0);
        uint64_t idx = (pa - HOST_PHYS_BASE) / 4096;
        assert_int_equal(seen[idx], 0);
        seen[idx] = 1;
        assert_int_equal(frame_of(pa)->state, FRAME_USER);
        assert_ptr_equal(frame_of(pa)->owner, seen);
        if (i == 0)
            first = pa;
    }
    /* Low frames come out first. */
    assert_int_equal(first, HOST_PHYS_BASE + table_frames * 4096);
    assert_int_equal(frame_free_count(), 0);
    assert_int_equal(frame_alloc(FRAME_USER, NULL), 0);
    free(seen);
}

static void test_frame_free_returns_and_reuses(void **state)
{
    (void)state;
    host_memory_init(FRAMES, 0, 0);
    uint64_t before = frame_free_count();
    paddr_t a = frame_alloc(FRAME_KERNEL, NULL);
    paddr_t b = frame_alloc(FRAME_KERNEL, NULL);
    assert_int_equal(frame_free_count(), before - 2);
    frame_free(a);
    assert_int_equal(frame_of(a)->state, FRAME_FREE);
    assert_int_equal(frame_free_count(), before - 1);
    /* LIFO: the frame just freed is the next one handed out. */
    assert_int_equal(frame_alloc(FRAME_USER, NULL), a);
    frame_free(a);
    frame_free(b);
    assert_int_equal(frame_free_count(), before);
}

/* frame_alloc_zeroed zeroes a frame unless it came back through frame_free_zeroed. */
static void test_frame_zeroed(void **state)
{
    (void)state;
    host_memory_init(FRAMES, 0, 0);
    paddr_t a = frame_alloc(FRAME_TABLE, NULL);
    memset(phys_to_virt(a), 0x5a, PAGE_SIZE);
    frame_free(a);
    assert_int_equal(frame_alloc_zeroed(FRAME_TABLE, NULL), a);
    for (unsigned i = 0; i < PAGE_SIZE; i++)
        assert_int_equal(((uint8_t *)phys_to_virt(a))[i], 0);
    frame_free_zeroed(a);
    assert_true(frame_of(a)->flags & FRAME_FLAG_ZERO);
    assert_null(frame_check()); /* a clean free frame, flagged zero */
    /* Trusted, not zeroed again: a write behind the allocator's back shows. */
    ((uint8_t *)phys_to_virt(a))[7] = 1;
    assert_int_equal(frame_alloc_zeroed(FRAME_TABLE, NULL), a);
    assert_int_equal(((uint8_t *)phys_to_virt(a))[7], 1);
    assert_int_equal(frame_of(a)->flags, 0);
    frame_free(a);
    assert_false(frame_of(a)->flags & FRAME_FLAG_ZERO); /* an ordinary free forgets it */
}

static void test_frame_reserved_never_allocated(void **state)
{
    (void)state;
    host_memory_init(FRAMES, 0, 0);
    /* Reserved ranges above the last usable frame are not even in the table. */
    assert_null(frame_of(HOST_PHYS_BASE + FRAMES * 4096));
    /* Below the simulated RAM: not in the map, so reserved too. */
    assert_int_equal(frame_of(0x1000)->state, FRAME_RESERVED);
}

static void test_frame_limit(void **state)
{
    (void)state;
    host_memory_init(FRAMES, 100, 0);
    assert_int_equal(frame_total_count(), 100);
    for (int i = 0; i < 100; i++)
        assert_true(frame_alloc(FRAME_USER, NULL) != 0);
    assert_int_equal(frame_alloc(FRAME_USER, NULL), 0);
}

/* kernel_check's recount: a sound table passes; a frame whose state lies is found. */
static void test_frame_check_finds_corruption(void **state)
{
    (void)state;
    host_memory_init(FRAMES, 0, 0);
    paddr_t pa = frame_alloc(FRAME_USER, NULL);
    assert_null(frame_check());
    frame_of(pa)->state = FRAME_KERNEL; /* not what the counts say */
    assert_non_null(frame_check());
    frame_of(pa)->state = FRAME_USER;
    frame_of(pa)->flags = FRAME_FLAG_LAUNDRY; /* laundry the count does not know */
    assert_non_null(frame_check());
    frame_of(pa)->flags = 0;
    frame_free(pa);
    frame_of(pa)->pin_count = 1; /* a pinned frame on the free list */
    assert_non_null(frame_check());
    frame_of(pa)->pin_count = 0;
    assert_null(frame_check());
}

/* frame_alloc_contig: adjacent frames or none; a run is found anywhere on the list. */
static void test_frame_alloc_contig(void **state)
{
    (void)state;
    host_memory_init(64, 0, 0);
    uint64_t total = frame_total_count();
    paddr_t run = frame_alloc_contig(10, FRAME_KERNEL);
    assert_true(run != 0);
    for (uint64_t i = 0; i < 10; i++)
        assert_int_equal(frame_of(run + i * 4096)->state, FRAME_KERNEL);
    assert_int_equal(frame_free_count(), total - 10);
    assert_int_equal(frame_state_count(FRAME_KERNEL), 10);
    assert_int_equal(frame_alloc_contig(total, FRAME_KERNEL), 0); /* more than is free */
    assert_null(frame_check());

    /* Only every other frame free: runs of one, until all[5] joins all[4] and all[6]. */
    paddr_t all[64];
    uint64_t n = 0;
    for (paddr_t pa; (pa = frame_alloc(FRAME_USER, NULL)) != 0;)
        all[n++] = pa;
    assert_true(n > 8);
    for (uint64_t i = 1; i < n; i++)
        assert_int_equal(all[i], all[0] + i * 4096); /* low frames first, in order */
    for (uint64_t i = 0; i < n; i += 2)
        frame_free(all[i]);
    assert_int_equal(frame_alloc_contig(2, FRAME_KERNEL), 0);
    frame_free(all[5]);
    assert_int_equal(frame_alloc_contig(3, FRAME_KERNEL), all[4]);
    assert_int_equal(frame_of(all[6])->state, FRAME_KERNEL);
    assert_int_equal(frame_alloc(FRAME_USER, NULL), all[n % 2 ? n - 1 : n - 2]); /* list intact */
    assert_null(frame_check());
}

static void test_kmalloc_slabs_return_frames(void **state)
{
    (void)state;
    host_memory_init(FRAMES, 0, 0);
    uint64_t before = frame_free_count();
    void *p[300];
    for (int i = 0; i < 300; i++) {
        p[i] = kzalloc(24 + (i % 5) * 200);
        assert_non_null(p[i]);
        for (int j = 0; j < 24; j++)
            assert_int_equal(((unsigned char *)p[i])[j], 0);
        memset(p[i], 0x5a, 24);
    }
    assert_true(frame_free_count() < before);
    for (int i = 0; i < 300; i++)
        kfree(p[i]);
    /* All back but the spare each class keeps, which kmalloc_trim gives back. */
    unsigned kept = kmalloc_trim();
    assert_true(kept >= 1 && kept <= 8);
    assert_int_equal(frame_free_count(), before);
    assert_int_equal(kmalloc_trim(), 0);
    assert_null(kzalloc(4096));
}

/*
 * An object allocated and freed again and again at a slab boundary (a
 * message per call) makes no slab each time: the emptied slab is kept as
 * the class's spare and used again.
 */
static void test_kmalloc_spare_slab_at_boundary(void **state)
{
    (void)state;
    host_memory_init(FRAMES, 0, 0);
    void *full[PAGE_SIZE / 256];
    unsigned n = 0;
    uint64_t before = frame_free_count();

    /* Fill one 256-byte slab exactly: the first object of a fresh slab starts it. */
    full[n++] = kzalloc(256);
    while (frame_free_count() == before - 1 && n < sizeof(full) / sizeof(full[0]))
        full[n++] = kzalloc(256);
    kfree(full[--n]); /* the one that started a second slab: that slab is now the spare */
    uint64_t steady = frame_free_count();
    for (int i = 0; i < 100; i++) {
        void *o = kzalloc(256);
        assert_non_null(o);
        assert_int_equal(frame_free_count(), steady); /* the spare, not a new frame */
        kfree(o);
        assert_int_equal(frame_free_count(), steady); /* kept, not freed */
    }
    while (n > 0)
        kfree(full[--n]);
    kmalloc_trim();
    assert_int_equal(frame_free_count(), before);
}

/* Each size goes to the smallest power-of-two class (16 .. KMALLOC_MAX) that holds it. */
static void test_kmalloc_size_classes(void **state)
{
    (void)state;
    static const size_t sizes[] = {0, 1, 16, 17, 32, 33, 64, 100, 128, 129, 1024, 1025, 2048};
    static const size_t classes[] = {16, 16, 16, 32, 32, 64, 64, 128, 128, 256, 1024, 2048, 2048};

    host_memory_init(FRAMES, 0, 0);
    for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        /* Objects of a class lie at multiples of it in their slab, and two of a fresh
         * slab a class apart (a 2048-byte slab holds one: its header takes the rest). */
        void *a = kzalloc(sizes[i]), *b = kzalloc(sizes[i]);
        assert_non_null(a);
        assert_non_null(b);
        assert_int_equal((uintptr_t)a % classes[i], 0);
        if (classes[i] <
            KMALLOC_MAX) /* in either order: a kept slab hands out what was freed last */
            assert_int_equal(a < b ? (uintptr_t)b - (uintptr_t)a : (uintptr_t)a - (uintptr_t)b,
                             classes[i]);
        kfree(a);
        kfree(b);
    }
    assert_null(kzalloc(KMALLOC_MAX + 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_frame_alloc_all_distinct, teardown),
        cmocka_unit_test_teardown(test_frame_free_returns_and_reuses, teardown),
        cmocka_unit_test_teardown(test_frame_zeroed, teardown),
        cmocka_unit_test_teardown(test_frame_reserved_never_allocated, teardown),
        cmocka_unit_test_teardown(test_frame_limit, teardown),
        cmocka_unit_test_teardown(test_frame_alloc_contig, teardown),
        cmocka_unit_test_teardown(test_kmalloc_slabs_return_frames, teardown),
        cmocka_unit_test_teardown(test_kmalloc_size_classes, teardown),
        cmocka_unit_test_teardown(test_kmalloc_spare_slab_at_boundary, teardown),
        cmocka_unit_test_teardown(test_frame_check_finds_corruption, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
