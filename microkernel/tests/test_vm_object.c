/*
 * The page hash of vm_object.c over simulated RAM: vm_object_hash_init gives
 * it a power of two of buckets >= the frames, in adjacent frames of its own
 * (fewer when memory has no run that long: built with HASH_FRAGMENTED), and
 * with as many pages entered as there are frames every page is found, a
 * missing one is not, and removal unlinks from any place in a chain. The
 * hash is sized once per process, so each executable runs one case.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <vm/frame.h>
#include <vm/vm_object.h>

#include "host_support.h"

#ifndef HASH_FRAGMENTED
#define HASH_FRAGMENTED 0 /* 1: only short runs of free frames when the hash is sized */
#endif
#define FRAMES 4096u
#define OBJECTS 3u
#define OBJECT_PAGES 2048u /* pages per object: more pages than frames in all */

/* Page ops of a plain object that is never faulted or paged out here. */
static int no_fault(struct vm_object *obj, uint64_t offset, unsigned access, bool timed_out,
                    struct vm_page **page)
{
    (void)obj, (void)offset, (void)access, (void)timed_out, (void)page;
    fail_msg("no fault expected");
    return 0;
}

static int no_page_out(struct vm_object *obj, struct vm_page *p, bool back, bool dirty)
{
    (void)obj, (void)p, (void)back, (void)dirty;
    fail_msg("no pageout expected");
    return 0;
}

static const struct vm_pager_ops test_ops = {
    .name = "test", .fault = no_fault, .page_out = no_page_out};

/*
 * Leave free only runs of two adjacent frames (every third frame kept), so
 * that the hash cannot have more than two frames of buckets.
 */
static void fragment_memory(void)
{
    uint64_t total = frame_total_count();
    paddr_t *all = calloc(total, sizeof(*all));

    assert_non_null(all);
    for (uint64_t i = 0; i < total; i++)
        all[i] = frame_alloc(FRAME_USER, NULL);
    for (uint64_t i = 0; i < total; i++)
        if (i % 3 != 2)
            frame_free(all[i]);
    free(all);
}

/* The hash's own frames: FRAME_KERNEL, adjacent, @pages of them, taken from the free ones. */
static uint64_t hash_init_checked(void)
{
    uint64_t free0 = host_free_frames(), kernel0 = frame_state_count(FRAME_KERNEL);
    uint64_t buckets = vm_object_hash_init(frame_total_count());
    uint64_t pages = (buckets * sizeof(void *) + 4095) / 4096;

    assert_true(buckets >= 64 && (buckets & (buckets - 1)) == 0);
    assert_int_equal(host_free_frames(), free0 - pages);
    assert_int_equal(frame_state_count(FRAME_KERNEL), kernel0 + pages);
    assert_null(frame_check());
    return buckets;
}

static void test_vm_object_hash_sized_and_found(void **state)
{
    (void)state;
    struct vm_object *obj[OBJECTS];
    uint64_t buckets;

    host_memory_init(FRAMES, 0, 0);
    if (HASH_FRAGMENTED)
        fragment_memory();
    buckets = hash_init_checked();
    if (HASH_FRAGMENTED)
        assert_int_equal(buckets, 1024); /* two frames of buckets: the longest free run */
    else
        assert_true(buckets >= frame_total_count() && buckets / 2 < frame_total_count());
    /* Busy pages (no frame): as many as the hash has buckets, and more. */
    for (unsigned o = 0; o < OBJECTS; o++) {
        obj[o] = vm_object_alloc(&test_ops, (uint64_t)OBJECT_PAGES * 4096);
        assert_non_null(obj[o]);
        for (uint64_t i = 0; i < OBJECT_PAGES; i++)
            assert_non_null(vm_object_page_insert(obj[o], i * 4096, 0));
    }
    for (unsigned o = 0; o < OBJECTS; o++) {
        for (uint64_t i = 0; i < OBJECT_PAGES; i++) {
            struct vm_page *p = vm_object_page_lookup(obj[o], i * 4096);
            assert_non_null(p);
            assert_ptr_equal(p->object, obj[o]);
            assert_int_equal(p->offset, i * 4096);
        }
        assert_null(vm_object_check(obj[o]));
    }
    /* Every other page of object 1 goes: the rest are still found, the removed are not. */
    for (uint64_t i = 0; i < OBJECT_PAGES; i += 2) {
        struct vm_page *p = vm_object_page_lookup(obj[1], i * 4096);
        p->flags = 0;
        assert_int_equal(vm_object_page_remove(p), 0);
    }
    for (uint64_t i = 0; i < OBJECT_PAGES; i++) {
        assert_int_equal(vm_object_page_lookup(obj[1], i * 4096) != NULL, i % 2 == 1);
        assert_non_null(vm_object_page_lookup(obj[0], i * 4096));
        assert_non_null(vm_object_page_lookup(obj[2], i * 4096));
    }
    for (unsigned o = 0; o < OBJECTS; o++) {
        assert_null(vm_object_check(obj[o]));
        vm_object_unref(obj[o]); /* frees every page, unlinking it from the hash */
    }
    for (unsigned o = 0; o < OBJECTS; o++)
        assert_null(vm_object_page_lookup(obj[o], 0)); /* addresses only, never dereferenced */
    host_memory_free();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vm_object_hash_sized_and_found),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
