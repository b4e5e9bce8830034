/*
 * Host tests of the message helpers of <ipc/ipc.h>: building a message with
 * descriptors and inline data, the order rule that keeps inline data after
 * the descriptors, the limits, and the receiver-side descriptor checks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <ipc/ipc.h>

static void test_msg_init_clears_header(void **state)
{
    (void)state;
    struct ipc_message m;
    memset(&m, 0xaa, sizeof(m));
    ipc_msg_init(&m, 42, IPC_DISP_COPY_SEND, 0x1234);
    assert_int_equal(m.id, 0x1234);
    assert_int_equal(m.remote, 42);
    assert_int_equal(m.remote_disp, IPC_DISP_COPY_SEND);
    assert_int_equal(m.local, PORT_NULL);
    assert_int_equal(m.local_disp, IPC_DISP_NONE);
    assert_int_equal(m.ndesc, 0);
    assert_int_equal(m.ext_size, 0);
    assert_int_equal(ipc_inline_size(&m), 0);
    assert_ptr_equal(ipc_inline(&m), m.ext.bytes);
}

static void test_msg_descriptors_then_inline(void **state)
{
    (void)state;
    struct ipc_message m;
    static char page[4096];
    ipc_msg_init(&m, 1, IPC_DISP_COPY_SEND, 1);
    assert_int_equal(ipc_add_port(&m, 9, IPC_DISP_MAKE_SEND), 0);
    assert_int_equal(ipc_add_ool(&m, page, sizeof(page), IPC_OOL_MOVE), 0);
    assert_int_equal(m.ndesc, 2);
    assert_int_equal(m.ext_size, 64);
    assert_int_equal(m.ext.desc[0].type, IPC_DESC_PORT);
    assert_int_equal(m.ext.desc[0].flags, IPC_DISP_MAKE_SEND);
    assert_int_equal(m.ext.desc[0].name, 9);
    assert_int_equal(m.ext.desc[1].type, IPC_DESC_OOL);
    assert_int_equal(m.ext.desc[1].flags, IPC_OOL_MOVE);
    assert_int_equal(m.ext.desc[1].address, (uintptr_t)page);
    assert_int_equal(m.ext.desc[1].size, 4096);

    /* Inline data starts right after the two descriptors. */
    char *p = ipc_inline(&m);
    assert_ptr_equal(p, m.ext.bytes + 64);
    assert_int_equal((uintptr_t)p % 8, 0);
    memcpy(p, "hello", 5);
    assert_int_equal(ipc_set_inline(&m, 5), 0);
    assert_int_equal(m.ext_size, 64 + 5);
    assert_int_equal(ipc_inline_size(&m), 5);
    assert_memory_equal(m.ext.bytes + 64, "hello", 5);
    assert_int_equal(m.ext.desc[1].size, 4096); /* the descriptors are intact */
}

static void test_msg_set_inline_limit(void **state)
{
    (void)state;
    struct ipc_message m;
    ipc_msg_init(&m, 1, IPC_DISP_COPY_SEND, 1);
    ipc_add_port(&m, 3, IPC_DISP_COPY_SEND);
    assert_int_equal(ipc_set_inline(&m, IPC_INLINE_MAX), 0);
    assert_int_equal(m.ext_size, 32 + IPC_INLINE_MAX);
    assert_int_equal(ipc_set_inline(&m, IPC_INLINE_MAX + 1), -ERR_TOO_LARGE);
    assert_int_equal(m.ext_size, 32 + IPC_INLINE_MAX); /* unchanged */
    assert_int_equal(ipc_set_inline(&m, 0), 0);
    assert_int_equal(m.ext_size, 32);
    /* Every descriptor plus the largest inline area fits the buffer. */
    assert_true(sizeof(m.ext) == IPC_DESC_MAX * sizeof(struct ipc_desc) + IPC_INLINE_MAX);
}

static void test_msg_descriptor_limit(void **state)
{
    (void)state;
    struct ipc_message m;
    ipc_msg_init(&m, 1, IPC_DISP_COPY_SEND, 1);
    for (unsigned i = 0; i < IPC_DESC_MAX; i++)
        assert_int_equal(ipc_add_port(&m, i + 1, IPC_DISP_COPY_SEND), 0);
    assert_int_equal(ipc_add_port(&m, 99, IPC_DISP_COPY_SEND), -ERR_LIMIT);
    assert_int_equal(ipc_add_ool(&m, NULL, 0, IPC_OOL_COPY), -ERR_LIMIT);
    assert_int_equal(m.ndesc, IPC_DESC_MAX);
    assert_int_equal(m.ext_size, IPC_DESC_MAX * 32);
    assert_int_equal(m.ext.desc[IPC_DESC_MAX - 1].name, IPC_DESC_MAX);
}

static void test_msg_inline_size_malformed(void **state)
{
    (void)state;
    struct ipc_message m;
    ipc_msg_init(&m, 1, IPC_DISP_COPY_SEND, 1);
    m.ndesc = 3;
    m.ext_size = 40; /* fewer bytes than the descriptors need */
    assert_int_equal(ipc_inline_size(&m), 0);
}

static void test_msg_disp_rights(void **state)
{
    (void)state;
    assert_int_equal(ipc_disp_right(IPC_DISP_MOVE_SEND), IPC_RIGHT_SEND);
    assert_int_equal(ipc_disp_right(IPC_DISP_COPY_SEND), IPC_RIGHT_SEND);
    assert_int_equal(ipc_disp_right(IPC_DISP_MAKE_SEND), IPC_RIGHT_SEND);
    assert_int_equal(ipc_disp_right(IPC_DISP_MOVE_SEND_ONCE), IPC_RIGHT_SEND_ONCE);
    assert_int_equal(ipc_disp_right(IPC_DISP_MAKE_SEND_ONCE), IPC_RIGHT_SEND_ONCE);
    assert_int_equal(ipc_disp_right(IPC_DISP_MOVE_RECEIVE), IPC_RIGHT_RECEIVE);
    assert_int_equal(ipc_disp_right(IPC_DISP_NONE), 0);
    assert_int_equal(ipc_disp_right(77), 0);

    struct ipc_desc d = {.type = IPC_DESC_PORT, .flags = IPC_DISP_MOVE_SEND, .name = 5};
    assert_true(ipc_desc_port_ok(&d, IPC_RIGHT_SEND));
    assert_false(ipc_desc_port_ok(&d, IPC_RIGHT_SEND_ONCE));
    d.type = IPC_DESC_OOL;
    assert_false(ipc_desc_port_ok(&d, IPC_RIGHT_SEND));
    d.flags = IPC_OOL_COPY;
    assert_true(ipc_desc_ool_ok(&d));
    d.flags = IPC_OOL_MOVE | IPC_OOL_COPY;
    assert_false(ipc_desc_ool_ok(&d));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_msg_init_clears_header),
        cmocka_unit_test(test_msg_descriptors_then_inline),
        cmocka_unit_test(test_msg_set_inline_limit),
        cmocka_unit_test(test_msg_descriptor_limit),
        cmocka_unit_test(test_msg_inline_size_malformed),
        cmocka_unit_test(test_msg_disp_rights),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
