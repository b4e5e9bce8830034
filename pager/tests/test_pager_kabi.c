/*
 * The kernel's view of the pager protocol (<name>_kabi.h) against libipc's
 * (<name>_defs.h and the generated stubs): both headers compile together
 * (identical macros), messages built with only the kabi macros, as the
 * kernel builds them, pass the generated dispatch with the right arguments,
 * and requests from the generated client stubs sit where the kabi macros say.
 */
#include <memory_object_control_defs.h>
#include <memory_object_control_kabi.h>
#include <memory_object_defs.h>
#include <memory_object_kabi.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

/* What the memory_object_do_* handlers saw last. */
static struct {
    uint32_t id;
    uint64_t object, size, owner, offset, count, dirty, pages_size;
    uint32_t access;
    port_name_t control;
    void *pages;
} seen;

int memory_object_do_init(void *ctx, uint64_t object, uint64_t size, uint64_t owner,
                          port_name_t control)
{
    (void)ctx;
    seen.id = MEMORY_OBJECT_INIT_ID;
    seen.object = object;
    seen.size = size;
    seen.owner = owner;
    seen.control = control;
    return 0;
}

int memory_object_do_data_request(void *ctx, uint64_t object, uint64_t offset, uint64_t count,
                                  uint32_t access)
{
    (void)ctx;
    seen.id = MEMORY_OBJECT_DATA_REQUEST_ID;
    seen.object = object;
    seen.offset = offset;
    seen.count = count;
    seen.access = access;
    return 0;
}

int memory_object_do_data_return(void *ctx, uint64_t object, uint64_t offset, uint64_t dirty,
                                 void *pages, uint64_t pages_size)
{
    (void)ctx;
    seen.id = MEMORY_OBJECT_DATA_RETURN_ID;
    seen.object = object;
    seen.offset = offset;
    seen.dirty = dirty;
    seen.pages = pages;
    seen.pages_size = pages_size;
    return 0;
}

int memory_object_do_terminate(void *ctx, uint64_t object)
{
    (void)ctx;
    seen.id = MEMORY_OBJECT_TERMINATE_ID;
    seen.object = object;
    return 0;
}

int memory_object_do_evacuate(void *ctx, uint64_t object, uint64_t count, uint64_t first)
{
    (void)ctx, (void)count, (void)first;
    seen.id = MEMORY_OBJECT_EVACUATE_ID;
    seen.object = object;
    return 0;
}

/* The last request a client stub sent, and the reply the fake kernel gives. */
static struct ipc_message sent;
static uint8_t reply_bits[4] = {1, 3, 5, 7};

/* The fake kernel: record the request, answer with code 0 built from kabi macros only. */
long ipc_msg(struct ipc_message *m, unsigned options, port_name_t rcv_name, uint64_t timeout_ns)
{
    (void)options, (void)rcv_name, (void)timeout_ns;
    sent = *m;
    m->id |= IPC_ID_REPLY;
    m->w[MEMORY_OBJECT_CONTROL_REPLY_CODE_SLOT] = 0;
    m->ndesc = 0;
    m->ext_size = 0;
    if (m->id == MEMORY_OBJECT_CONTROL_QUERY_BITS_REPLY_ID) {
        uint64_t len = sizeof(reply_bits);
        memcpy(m->ext.bytes + MEMORY_OBJECT_CONTROL_QUERY_BITS_BITS_LEN_OFFSET, &len, 8);
        memcpy(m->ext.bytes + MEMORY_OBJECT_CONTROL_QUERY_BITS_BITS_DATA_OFFSET, reply_bits, len);
        m->ext_size = MEMORY_OBJECT_CONTROL_QUERY_BITS_BITS_DATA_OFFSET + (uint32_t)len;
    }
    return 0;
}

void ipc_msg_destroy(const struct ipc_message *m)
{
    (void)m;
}

/* Start a one-way kernel message @id with @ndesc descriptors and no inline bytes. */
static void kernel_msg(struct ipc_message *m, uint32_t id, unsigned ndesc)
{
    memset(m, 0, sizeof(*m));
    m->id = id;
    m->remote = PORT_NULL;
    m->ndesc = (uint8_t)ndesc;
    m->ext_size = ndesc * (uint32_t)sizeof(struct ipc_desc);
}

static void test_kabi_ids_agree(void **state)
{
    (void)state;
    assert_int_equal(MEMORY_OBJECT_INIT_ID, 0x2000);
    assert_int_equal(MEMORY_OBJECT_TERMINATE_ID, 0x2003);
    assert_int_equal(MEMORY_OBJECT_CONTROL_DATA_SUPPLY_REPLY_ID, 0x80002101u);
    assert_true(MEMORY_OBJECT_ID_IS(MEMORY_OBJECT_DATA_RETURN_ID));
    assert_false(MEMORY_OBJECT_CONTROL_ID_IS(MEMORY_OBJECT_DATA_RETURN_ID));
    assert_int_equal(MEMORY_OBJECT_CONTROL_QUERY_BITS_REPLY_INLINE_SIZE,
                     sizeof(struct memory_object_control_query_bits_reply));
    assert_int_equal(MEMORY_OBJECT_CONTROL_QUERY_BITS_BITS_DATA_OFFSET,
                     offsetof(struct memory_object_control_query_bits_reply, bits));
}

static void test_kabi_init_dispatches(void **state)
{
    static struct ipc_message in, out;

    (void)state;
    kernel_msg(&in, MEMORY_OBJECT_INIT_ID, MEMORY_OBJECT_INIT_REQUEST_NDESC);
    in.w[MEMORY_OBJECT_INIT_OBJECT_SLOT] = 42;
    in.w[MEMORY_OBJECT_INIT_SIZE_SLOT] = 1 << 20;
    in.w[MEMORY_OBJECT_INIT_OWNER_SLOT] = 9;
    in.ext.desc[MEMORY_OBJECT_INIT_CONTROL_DESC] = (struct ipc_desc){
        .type = IPC_DESC_PORT, .flags = MEMORY_OBJECT_INIT_CONTROL_DISP, .name = 77};
    assert_false(memory_object_dispatch(NULL, &in, &out));
    assert_int_equal(seen.id, MEMORY_OBJECT_INIT_ID);
    assert_int_equal(seen.object, 42);
    assert_int_equal(seen.size, 1 << 20);
    assert_int_equal(seen.owner, 9);
    assert_int_equal(seen.control, 77);
}

static void test_kabi_data_request_dispatches(void **state)
{
    static struct ipc_message in, out;

    (void)state;
    kernel_msg(&in, MEMORY_OBJECT_DATA_REQUEST_ID, MEMORY_OBJECT_DATA_REQUEST_REQUEST_NDESC);
    in.w[MEMORY_OBJECT_DATA_REQUEST_OBJECT_SLOT] = 9;
    in.w[MEMORY_OBJECT_DATA_REQUEST_OFFSET_SLOT] = 0x3000;
    in.w[MEMORY_OBJECT_DATA_REQUEST_COUNT_SLOT] = 0x2000;
    in.w[MEMORY_OBJECT_DATA_REQUEST_ACCESS_SLOT] = 2;
    assert_false(memory_object_dispatch(NULL, &in, &out));
    assert_int_equal(seen.id, MEMORY_OBJECT_DATA_REQUEST_ID);
    assert_int_equal(seen.object, 9);
    assert_int_equal(seen.offset, 0x3000);
    assert_int_equal(seen.count, 0x2000);
    assert_int_equal(seen.access, 2);
}

static void test_kabi_data_return_dispatches(void **state)
{
    static struct ipc_message in, out;

    (void)state;
    kernel_msg(&in, MEMORY_OBJECT_DATA_RETURN_ID, MEMORY_OBJECT_DATA_RETURN_REQUEST_NDESC);
    in.w[MEMORY_OBJECT_DATA_RETURN_OBJECT_SLOT] = 5;
    in.w[MEMORY_OBJECT_DATA_RETURN_OFFSET_SLOT] = 0x10000;
    in.w[MEMORY_OBJECT_DATA_RETURN_DIRTY_SLOT] = 0x5;
    in.ext.desc[MEMORY_OBJECT_DATA_RETURN_PAGES_DESC] =
        (struct ipc_desc){.type = IPC_DESC_OOL,
                          .flags = MEMORY_OBJECT_DATA_RETURN_PAGES_OOL_FLAGS,
                          .address = 0x40000000,
                          .size = 0x3000};
    assert_false(memory_object_dispatch(NULL, &in, &out));
    assert_int_equal(seen.id, MEMORY_OBJECT_DATA_RETURN_ID);
    assert_int_equal(seen.object, 5);
    assert_int_equal(seen.offset, 0x10000);
    assert_int_equal(seen.dirty, 0x5);
    assert_ptr_equal(seen.pages, (void *)0x40000000);
    assert_int_equal(seen.pages_size, 0x3000);

    kernel_msg(&in, MEMORY_OBJECT_TERMINATE_ID, MEMORY_OBJECT_TERMINATE_REQUEST_NDESC);
    in.w[MEMORY_OBJECT_TERMINATE_OBJECT_SLOT] = 6;
    assert_false(memory_object_dispatch(NULL, &in, &out));
    assert_int_equal(seen.id, MEMORY_OBJECT_TERMINATE_ID);
    assert_int_equal(seen.object, 6);
}

/* A kabi-built message with one descriptor too many is refused (nothing dispatched). */
static void test_kabi_wrong_shape_refused(void **state)
{
    static struct ipc_message in, out;

    (void)state;
    seen.id = 0;
    kernel_msg(&in, MEMORY_OBJECT_TERMINATE_ID, MEMORY_OBJECT_TERMINATE_REQUEST_NDESC + 1);
    in.ext.desc[0] = (struct ipc_desc){.type = IPC_DESC_PORT, .flags = IPC_DISP_MOVE_SEND};
    assert_false(memory_object_dispatch(NULL, &in, &out));
    assert_int_equal(seen.id, 0);
}

static void test_kabi_control_requests(void **state)
{
    static char page[4096];

    (void)state;
    assert_int_equal(memory_object_control_data_supply(3, 0x7000, 1, page, sizeof(page)), 0);
    assert_int_equal(sent.id, MEMORY_OBJECT_CONTROL_DATA_SUPPLY_ID);
    assert_int_equal(sent.ndesc, MEMORY_OBJECT_CONTROL_DATA_SUPPLY_REQUEST_NDESC);
    assert_int_equal(sent.w[MEMORY_OBJECT_CONTROL_DATA_SUPPLY_OFFSET_SLOT], 0x7000);
    assert_int_equal(sent.w[MEMORY_OBJECT_CONTROL_DATA_SUPPLY_FLAGS_SLOT], 1);
    const struct ipc_desc *d = &sent.ext.desc[MEMORY_OBJECT_CONTROL_DATA_SUPPLY_PAGES_DESC];
    assert_int_equal(d->type, IPC_DESC_OOL);
    assert_int_equal(d->flags, MEMORY_OBJECT_CONTROL_DATA_SUPPLY_PAGES_OOL_FLAGS);
    assert_int_equal(d->address, (uint64_t)(uintptr_t)page);
    assert_int_equal(d->size, sizeof(page));

    assert_int_equal(memory_object_control_data_error(3, 0x1000, 0x2000, -5), 0);
    assert_int_equal(sent.id, MEMORY_OBJECT_CONTROL_DATA_ERROR_ID);
    assert_int_equal(sent.w[MEMORY_OBJECT_CONTROL_DATA_ERROR_OFFSET_SLOT], 0x1000);
    assert_int_equal(sent.w[MEMORY_OBJECT_CONTROL_DATA_ERROR_COUNT_SLOT], 0x2000);
    assert_int_equal((int64_t)sent.w[MEMORY_OBJECT_CONTROL_DATA_ERROR_CODE_SLOT], -5);

    uint64_t vetoed = 1, first = 1;
    assert_int_equal(memory_object_control_lock_request(3, 0x4000, 0x1000, 2, &vetoed, &first), 0);
    assert_int_equal(sent.w[MEMORY_OBJECT_CONTROL_LOCK_REQUEST_OP_SLOT], 2);
    assert_int_equal(memory_object_control_data_unavailable(3, 0x8000, 0x1000), 0);
    assert_int_equal(sent.w[MEMORY_OBJECT_CONTROL_DATA_UNAVAILABLE_COUNT_SLOT], 0x1000);
    assert_int_equal(memory_object_control_ready(3, 0), 0);
    assert_int_equal(sent.id, MEMORY_OBJECT_CONTROL_READY_ID);
}

/* A query_bits reply laid out with the kabi offsets parses in the generated stub. */
static void test_kabi_query_bits_reply(void **state)
{
    uint8_t bits[MEMORY_OBJECT_CONTROL_QUERY_BITS_BITS_MAX];
    uint32_t len = 0;

    (void)state;
    assert_int_equal(memory_object_control_query_bits(3, 0, 0x4000, bits, &len), 0);
    assert_int_equal(sent.w[MEMORY_OBJECT_CONTROL_QUERY_BITS_COUNT_SLOT], 0x4000);
    assert_int_equal(len, sizeof(reply_bits));
    assert_memory_equal(bits, reply_bits, sizeof(reply_bits));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kabi_ids_agree),
        cmocka_unit_test(test_kabi_init_dispatches),
        cmocka_unit_test(test_kabi_data_request_dispatches),
        cmocka_unit_test(test_kabi_data_return_dispatches),
        cmocka_unit_test(test_kabi_wrong_shape_refused),
        cmocka_unit_test(test_kabi_control_requests),
        cmocka_unit_test(test_kabi_query_bits_reply),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
