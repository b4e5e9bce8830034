/*
 * IPC name spaces on the host: allocation and lookup, the generation that
 * makes a reused name's old value stale, growth a page of entries at a time
 * up to IPC_SPACE_MAX_NAMES, the reverse lookup hash, and teardown returning
 * every frame, with real ports in a fake task.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <abi/errors.h>
#include <ipc/ipc.h>
#include <ipc/ipc_right.h>
#include <vm/frame.h>

#include "host_support.h"
#include "ipc_support.h"

#define NAME_INDEX(name) ((name) >> 8)
#define NAME_GEN(name) ((name)&0xff)

static struct ipc_space space;
static uint64_t baseline;

static int setup(void **state)
{
    (void)state;
    baseline = host_free_frames();
    assert_int_equal(ipc_space_init(&space), 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ipc_space_destroy(&space);
    assert_int_equal(host_free_frames(), baseline); /* entry pages and the hash came back */
    return 0;
}

/* Take a name and make it denote a dead name (a right that needs no object). */
static port_name_t name_take(void)
{
    port_name_t name = PORT_NULL;
    struct ipc_entry *e = ipc_entry_alloc(&space, &name);

    assert_non_null(e);
    e->rights = IPC_RIGHT_DEAD_NAME;
    return name;
}

static void name_give_back(port_name_t name)
{
    struct ipc_entry *e = ipc_entry_lookup(&space, name);

    assert_non_null(e);
    e->rights = 0;
    ipc_entry_free(&space, name);
}

static void test_ipc_space_alloc_lookup(void **state)
{
    (void)state;
    port_name_t name = PORT_NULL;
    struct ipc_entry *e = ipc_entry_alloc(&space, &name);

    assert_non_null(e);
    assert_int_not_equal(name, PORT_NULL);
    assert_int_not_equal(NAME_INDEX(name), 0);
    assert_null(ipc_entry_lookup(&space, name)); /* holds nothing yet */
    e->rights = IPC_RIGHT_DEAD_NAME;
    assert_ptr_equal(ipc_entry_lookup(&space, name), e);
    assert_int_equal(ipc_entry_name(&space, e), name);
    assert_int_equal(space.used, 1);
    assert_int_equal(ipc_space_free_names(&space), IPC_SPACE_MAX_NAMES - 2);

    assert_null(ipc_entry_lookup(&space, PORT_NULL));
    assert_null(ipc_entry_lookup(&space, name ^ 0x1));               /* wrong generation */
    assert_null(ipc_entry_lookup(&space, name & ~0xffu));            /* generation 0 */
    assert_null(ipc_entry_lookup(&space, name + (1u << 8)));         /* free entry */
    assert_null(ipc_entry_lookup(&space, IPC_SPACE_MAX_NAMES << 8)); /* past the table */
    assert_null(ipc_entry_lookup(&space, 0xffffffffu));
    name_give_back(name);
    assert_int_equal(space.used, 0);
}

static void test_ipc_space_reuse_bumps_generation(void **state)
{
    (void)state;
    port_name_t first = name_take(), prev = first;

    name_give_back(first);
    /* 254 reuses of the same entry: every name differs from all before it. */
    for (unsigned i = 1; i < 255; i++) {
        port_name_t name = name_take();
        assert_int_equal(NAME_INDEX(name), NAME_INDEX(first)); /* last freed, first reused */
        assert_int_not_equal(NAME_GEN(name), 0);
        assert_int_equal(NAME_GEN(name), NAME_GEN(first) + i);
        assert_null(ipc_entry_lookup(&space, prev)); /* the stale name is refused */
        assert_null(ipc_entry_lookup(&space, first));
        assert_non_null(ipc_entry_lookup(&space, name));
        prev = name;
        name_give_back(name);
    }
    /* The generation wraps to 1, never to 0. */
    port_name_t name = name_take();
    assert_int_equal(NAME_GEN(prev), 0xff);
    assert_int_equal(NAME_GEN(name), 1);
    name_give_back(name);
}

static void test_ipc_space_grows_by_pages(void **state)
{
    (void)state;
    static port_name_t names[300];
    uint64_t before = host_free_frames();

    for (unsigned i = 0; i < 300; i++) {
        names[i] = name_take();
        for (unsigned j = 0; j < i; j++)
            assert_int_not_equal(names[i], names[j]);
    }
    assert_int_equal(space.size, 3 * IPC_ENTRIES_PER_PAGE);
    assert_int_equal(before - host_free_frames(), 3); /* one frame per 128 entries */
    for (unsigned i = 0; i < 300; i++)
        assert_int_equal(ipc_entry_name(&space, ipc_entry_lookup(&space, names[i])), names[i]);
    for (unsigned i = 0; i < 300; i += 2)
        name_give_back(names[i]);
    for (unsigned i = 0; i < 300; i++)
        assert_true((ipc_entry_lookup(&space, names[i]) != NULL) == (i % 2 == 1));
    assert_int_equal(space.used, 150);
    /* Half the names free: still a page's worth in use in every page. */
    assert_int_equal(space.size, 3 * IPC_ENTRIES_PER_PAGE);
    for (unsigned i = 1; i < 300; i += 2)
        name_give_back(names[i]);
    /* Emptied out: the pages go back, all but the first. */
    assert_int_equal(space.size, IPC_ENTRIES_PER_PAGE);
    assert_int_equal(before - host_free_frames(), 1);
}

/* A page given back and grown again does not bring a stale name back to life. */
static void test_ipc_space_shrinks_and_regrows(void **state)
{
    (void)state;
    enum { N = 2 * IPC_ENTRIES_PER_PAGE + 10 }; /* indexes 1..N: three pages */
    static port_name_t names[N];
    port_name_t stale = PORT_NULL;

    for (unsigned i = 0; i < N; i++) {
        names[i] = name_take();
        if (NAME_INDEX(names[i]) == 2 * IPC_ENTRIES_PER_PAGE + 5)
            stale = names[i];
    }
    assert_int_equal(space.size, 3 * IPC_ENTRIES_PER_PAGE);
    /* Free every name above the first page: the third page goes; the second
     * stays, as a page's worth of free names besides the used ones. */
    for (unsigned i = 0; i < N; i++)
        if (NAME_INDEX(names[i]) >= IPC_ENTRIES_PER_PAGE)
            name_give_back(names[i]);
    assert_int_equal(space.size, 2 * IPC_ENTRIES_PER_PAGE);
    assert_null(ipc_entry_lookup(&space, stale));
    /* Grow again until the stale name's entry is handed out: a later generation. */
    port_name_t again = PORT_NULL;
    while (NAME_INDEX(again) != NAME_INDEX(stale))
        again = name_take();
    assert_true(NAME_GEN(again) > NAME_GEN(stale));
    assert_null(ipc_entry_lookup(&space, stale));
}

static void test_ipc_space_limit(void **state)
{
    (void)state;
    port_name_t name, last = PORT_NULL;

    for (unsigned i = 0; i < IPC_SPACE_MAX_NAMES - 1; i++) {
        last = name_take();
        assert_int_not_equal(NAME_INDEX(last), 0); /* PORT_NULL's entry is never handed out */
    }
    assert_int_equal(space.size, IPC_SPACE_MAX_NAMES);
    assert_int_equal(ipc_space_free_names(&space), 0);
    assert_null(ipc_entry_alloc(&space, &name));
    assert_int_equal(space.size, IPC_SPACE_MAX_NAMES);
    name_give_back(last);
    assert_int_equal(ipc_space_free_names(&space), 1);
    name = name_take();
    assert_int_equal(NAME_INDEX(name), NAME_INDEX(last));
    assert_int_not_equal(name, last);
    assert_null(ipc_entry_alloc(&space, &name));
    /* teardown: ipc_space_destroy frees 4095 dead names and 32 pages */
}

/* Objects 16 KiB apart fall into the same hash bucket (address >> 6, 256 buckets). */
static _Alignas(64) char objects[4][IPC_HASH_BUCKETS * 64];

static port_name_t name_hashed(void *object, uint8_t rights)
{
    port_name_t name = PORT_NULL;
    struct ipc_entry *e = ipc_entry_alloc(&space, &name);

    assert_non_null(e);
    e->object = object;
    e->rights = rights;
    if (rights & (IPC_RIGHT_SEND | IPC_RIGHT_RECEIVE))
        ipc_entry_hash(&space, name);
    return name;
}

static void name_unhashed_free(port_name_t name)
{
    struct ipc_entry *e = ipc_entry_lookup(&space, name);

    assert_non_null(e);
    if (e->rights & (IPC_RIGHT_SEND | IPC_RIGHT_RECEIVE))
        ipc_entry_unhash(&space, name);
    e->rights = 0;
    ipc_entry_free(&space, name);
}

static void test_ipc_space_find_port(void **state)
{
    (void)state;
    struct port *p[4];
    port_name_t n[4];

    for (int i = 0; i < 4; i++)
        p[i] = (struct port *)objects[i]; /* never dereferenced */
    n[0] = name_hashed(p[0], IPC_RIGHT_SEND);
    n[1] = name_hashed(p[1], IPC_RIGHT_RECEIVE);
    n[2] = name_hashed(p[2], IPC_RIGHT_RECEIVE | IPC_RIGHT_SEND);
    n[3] = name_hashed(p[3], IPC_RIGHT_SEND_ONCE); /* send-once names are not merged */
    for (int i = 0; i < 3; i++)
        assert_ptr_equal(ipc_entry_find_port(&space, p[i]), ipc_entry_lookup(&space, n[i]));
    assert_null(ipc_entry_find_port(&space, p[3]));
    assert_null(ipc_entry_find_port(&space, (struct port *)(objects[0] + 64)));

    /* Unhash the middle of the chain: the others are still found. */
    name_unhashed_free(n[1]);
    assert_null(ipc_entry_find_port(&space, p[1]));
    assert_ptr_equal(ipc_entry_find_port(&space, p[0]), ipc_entry_lookup(&space, n[0]));
    assert_ptr_equal(ipc_entry_find_port(&space, p[2]), ipc_entry_lookup(&space, n[2]));
    /* The freed entry is reused for another object: the chain stays sound. */
    port_name_t again = name_hashed(p[1], IPC_RIGHT_SEND);
    assert_int_equal(NAME_INDEX(again), NAME_INDEX(n[1]));
    assert_ptr_equal(ipc_entry_find_port(&space, p[1]), ipc_entry_lookup(&space, again));
    name_unhashed_free(n[2]);
    name_unhashed_free(n[0]);
    assert_ptr_equal(ipc_entry_find_port(&space, p[1]), ipc_entry_lookup(&space, again));
    name_unhashed_free(again);
    name_unhashed_free(n[3]);
    for (int i = 0; i < 4; i++)
        assert_null(ipc_entry_find_port(&space, p[i]));
}

/* kernel_check's walk: a sound space passes; each kind of corruption is named. */
static void test_ipc_space_check_finds_corruption(void **state)
{
    (void)state;
    static struct task a, b;

    ipc_test_task_init(&a, 1);
    ipc_test_task_init(&b, 2);
    port_name_t recv = ipc_test_port_allocate(&a);
    port_name_t send = ipc_test_right_transfer(&a, recv, IPC_DISP_MAKE_SEND, &b);
    assert_null(ipc_space_check(&a.ipc, &a));
    assert_null(ipc_space_check(&b.ipc, &b));
    struct ipc_entry *e = ipc_entry_lookup(&b.ipc, send);
    struct port *port = e->object;
    assert_int_equal(port->audit_names, 2); /* a's receive name and b's send name */

    e->send_refs = 0; /* a send right without references */
    assert_non_null(ipc_space_check(&b.ipc, &b));
    e->send_refs = 1;
    b.ipc.used++; /* the count disagrees with the entries */
    assert_non_null(ipc_space_check(&b.ipc, &b));
    b.ipc.used--;
    assert_non_null(ipc_space_check(&a.ipc, &b)); /* a receive right of another task */
    assert_null(ipc_space_check(&b.ipc, &b));
    ipc_test_task_destroy(&b);
    ipc_test_task_destroy(&a);
}

/* A fake task's space holding every kind of right; destroying it frees everything. */
static void test_ipc_space_destroy_releases_rights(void **state)
{
    (void)state;
    static struct task a, b;
    uint64_t before = host_free_frames();

    ipc_test_task_init(&a, 1);
    ipc_test_task_init(&b, 2);
    port_name_t pa = ipc_test_port_allocate(&a);
    port_name_t pb = ipc_test_port_allocate(&b);
    int64_t set = ipc_test_port_op(&a, PORT_OP_ALLOCATE, IPC_RIGHT_PORT_SET, 0);
    assert_true(set > 0);
    assert_int_equal(ipc_test_port_op(&a, PORT_OP_MOVE_MEMBER, pa, (uint64_t)set), 0);
    assert_int_equal(ipc_test_port_op(&a, PORT_OP_INSERT_SEND, pa, 0), 0);
    struct port *port_a = ipc_entry_lookup(&a.ipc, pa)->object;
    struct port *port_b = ipc_entry_lookup(&b.ipc, pb)->object;

    /* a holds send rights to b's port and a send-once right to it. */
    struct ipc_entry *e;
    assert_int_equal(ipc_right_check(&b.ipc, pb, IPC_DISP_MAKE_SEND, &e), 0);
    struct kright r = ipc_right_take(&b.ipc, pb, e, IPC_DISP_MAKE_SEND);
    port_name_t sb = ipc_right_install(&a, &r);
    struct kright so = ipc_right_take(&b.ipc, pb, e, IPC_DISP_MAKE_SEND_ONCE);
    port_name_t sob = ipc_right_install(&a, &so);
    assert_int_not_equal(sb, sob);
    assert_int_equal(port_b->send_rights, 1);
    assert_int_equal(port_b->send_once_rights, 1);
    assert_int_equal(port_b->refs, 3);
    assert_int_equal(port_a->refs, 1);

    ipc_test_task_destroy(&a);
    assert_int_equal(port_b->send_rights, 0);
    assert_int_equal(port_b->send_once_rights, 0);
    assert_int_equal(port_b->refs, 1);
    assert_int_equal(port_b->qcount, 1); /* the send-once right died unused: a notice */
    ipc_test_task_destroy(&b);
    assert_int_equal(host_free_frames(), before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ipc_space_alloc_lookup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipc_space_reuse_bumps_generation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipc_space_grows_by_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipc_space_shrinks_and_regrows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipc_space_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipc_space_find_port, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipc_space_destroy_releases_rights, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipc_space_check_finds_corruption, setup, teardown),
    };
    return cmocka_run_group_tests_name("ipc_space", tests, ipc_test_group_setup,
                                       ipc_test_group_teardown);
}
