/*
 * Host tests of the code tools/idlgen generates for naming.idl and
 * idltest.idl. A fake ipc_msg() stands in for the kernel (link-time
 * substitution): it hands the client's request to the generated dispatch,
 * whose handlers live here, and returns the reply, so every round trip runs
 * stub -> dispatch -> handler -> reply -> stub. Malformed requests and
 * replies are built by hand and must be refused without reaching a handler.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "idltest_defs.h"
#include "naming_defs.h"

#define SERVER_PORT 0x10u  /* the server's receive right */
#define REPLY_ONCE 0x20u   /* the send-once reply right the server receives */
#define NAME_SHIFT 0x1000u /* names of moved rights in the receiver: name + NAME_SHIFT */

/* What the fake kernel and the handlers saw. */
static struct {
    int ipc_calls;
    unsigned options;
    struct ipc_message sent; /* the last message the client sent */
    long force_ret;          /* != 0: ipc_msg fails with it */
    bool canned;             /* reply with canned_reply instead of dispatching */
    struct ipc_message canned_reply;
    int destroyed; /* ipc_msg_destroy() calls */
    int handled;   /* handler calls */
    int handler_code;
    char name[64];
    port_name_t port;
    uint32_t level;
    /* The deferred routine later: what its handler does and saw, the reply sent. */
    enum { LATER_NOW, LATER_DEFER, LATER_ANSWER } later_mode;
    port_name_t later_reply; /* the reply right the handler got */
    int deferred_sent;       /* replies sent on REPLY_ONCE without a call */
    struct ipc_message deferred;
    long reply_ret;          /* what sending such a reply returns */
    uint64_t timeout;        /* of the last call */
    port_name_t deallocated; /* the last port_deallocate() */
} fake;

static struct ipc_message in_msg, out_msg;

/* The kernel's translation of the descriptors of @m into the receiver. */
static void fake_transfer(struct ipc_message *m)
{
    for (unsigned i = 0; i < m->ndesc; i++)
        if (m->ext.desc[i].type == IPC_DESC_PORT && m->ext.desc[i].name != PORT_NULL)
            m->ext.desc[i].name += NAME_SHIFT;
}

long ipc_msg(struct ipc_message *m, unsigned options, port_name_t rcv_name, uint64_t timeout_ns)
{
    (void)rcv_name;
    (void)timeout_ns;
    if (m->remote == REPLY_ONCE && !(options & IPC_CALL)) { /* a deferred reply goes out */
        assert_int_equal(options, IPC_SEND);
        assert_int_equal(timeout_ns, 0); /* a server never waits on a client */
        fake.deferred_sent++;
        fake.deferred = *m;
        return fake.reply_ret;
    }
    fake.ipc_calls++;
    fake.options = options;
    fake.timeout = timeout_ns;
    fake.sent = *m;
    if (fake.force_ret != 0)
        return fake.force_ret;
    if (fake.canned) {
        *m = fake.canned_reply;
        return 0;
    }
    in_msg = *m;
    fake_transfer(&in_msg);
    in_msg.remote = options & IPC_CALL ? REPLY_ONCE : PORT_NULL;
    in_msg.remote_disp = options & IPC_CALL ? IPC_DISP_MOVE_SEND_ONCE : IPC_DISP_NONE;
    in_msg.local = SERVER_PORT;
    bool reply = NAMING_ID_IS(in_msg.id) ? naming_dispatch(&fake, &in_msg, &out_msg)
                                         : idltest_dispatch(&fake, &in_msg, &out_msg);
    if (!(options & IPC_CALL)) {
        assert_false(reply);
        return 0;
    }
    if (!reply && fake.deferred_sent == 0)
        return -ERR_TIMEOUT; /* deferred and not answered yet: a real client would wait */
    struct ipc_message *answer = reply ? &out_msg : &fake.deferred;
    assert_int_equal(answer->remote, REPLY_ONCE);
    assert_int_equal(answer->remote_disp, IPC_DISP_MOVE_SEND_ONCE);
    *m = *answer;
    fake_transfer(m);
    m->remote = PORT_NULL;
    return 0;
}

void ipc_msg_destroy(const struct ipc_message *m)
{
    (void)m;
    fake.destroyed++;
}

int port_deallocate(port_name_t name)
{
    fake.deallocated = name;
    return 0;
}

/* ---- handlers the generated dispatch calls */

int naming_do_register(void *ctx, const char *name, port_name_t service)
{
    assert_ptr_equal(ctx, &fake);
    fake.handled++;
    strcpy(fake.name, name);
    fake.port = service;
    return fake.handler_code;
}

int naming_do_lookup(void *ctx, const char *name, port_name_t *service)
{
    (void)ctx;
    fake.handled++;
    if (strcmp(name, fake.name) != 0)
        return -ERR_NOENT;
    *service = fake.port;
    return 0;
}

int idltest_do_scalars(void *ctx, uint32_t a, int32_t b2, uint64_t c, int64_t d, uint32_t e,
                       uint32_t *oa, int32_t *ob, uint64_t *oc, int64_t *od)
{
    (void)ctx;
    fake.handled++;
    *oa = a + e;
    *ob = -b2;
    *oc = c * 2;
    *od = d - 1;
    return 0;
}

int idltest_do_echo(void *ctx, uint32_t tag, const char *name, const void *data, uint32_t data_len,
                    char *oname, void *odata, uint32_t *odata_len, uint64_t *count)
{
    (void)ctx;
    fake.handled++;
    size_t n = strlen(name);
    for (size_t i = 0; i < n; i++)
        oname[i] = name[n - 1 - i];
    oname[n] = '\0';
    if (data_len != 0)
        memcpy(odata, data, data_len);
    ((uint8_t *)odata)[data_len] = (uint8_t)tag;
    *odata_len = data_len + 1;
    *count = n + data_len;
    return fake.handler_code;
}

int idltest_do_rights(void *ctx, port_name_t p, void *page, uint64_t page_size, port_name_t once,
                      port_name_t *q, void **back, uint64_t *back_size)
{
    (void)ctx;
    fake.handled++;
    *q = p + once;
    *back = (char *)page + 4096;
    *back_size = page_size * 2;
    return 0;
}

int idltest_do_note(void *ctx, uint32_t level, const char *text)
{
    (void)ctx;
    fake.handled++;
    fake.level = level;
    strcpy(fake.name, text);
    return 0;
}

int idltest_do_empty(void *ctx)
{
    (void)ctx;
    fake.handled++;
    return fake.handler_code;
}

int idltest_do_later(void *ctx, port_name_t reply, uint64_t x, uint64_t *y, char *otext, void *data,
                     uint32_t *data_len, port_name_t *q, void **page, uint64_t *page_size)
{
    (void)ctx;
    fake.handled++;
    fake.later_reply = reply;
    if (fake.later_mode == LATER_NOW) {
        *y = x + 1;
        strcpy(otext, "now");
        memcpy(data, "abc", 3);
        *data_len = 3;
        *q = 9;
        *page = (void *)0x5000;
        *page_size = 4096;
        return 0;
    }
    if (fake.later_mode == LATER_ANSWER) /* as if the answer came before the return */
        assert_int_equal(
            idltest_later_reply(reply, 0, x * 2, "later", "xyz", 3, 11, (void *)0x6000, 8192), 0);
    return IPC_REPLY_DEFERRED;
}

static int setup(void **state)
{
    (void)state;
    memset(&fake, 0, sizeof(fake));
    return 0;
}

/* ---- layout */

static void test_idl_layout(void **state)
{
    (void)state;
    assert_int_equal(NAMING_REGISTER_ID, 0x1000);
    assert_int_equal(NAMING_LOOKUP_ID, 0x1001);
    assert_int_equal(NAMING_LOOKUP_REPLY_ID, 0x80001001u);
    assert_true(NAMING_ID_IS(0x1001) && !NAMING_ID_IS(0x1002) && !NAMING_ID_IS(0xfff));
    assert_int_equal(offsetof(struct naming_lookup_request, name_len), 0);
    assert_int_equal(offsetof(struct naming_lookup_request, name), 8);
    assert_int_equal(NAMING_REGISTER_REQUEST_NDESC, 1);
    assert_int_equal(NAMING_LOOKUP_REPLY_NDESC, 1);
    assert_int_equal(NAMING_LOOKUP_NAME_MAX, 48);
    /* "skip" reserves an index: note is routine 4, empty 5. */
    assert_int_equal(IDLTEST_NOTE_ID, 0x7e04);
    assert_int_equal(IDLTEST_EMPTY_ID, 0x7e05);
    assert_int_equal(IDLTEST_LATER_ID, 0x7e06);
    assert_int_equal(IDLTEST_COUNT, 7);
    /* Slot 4 overflows into the inline area; reply slot 0 is the code. */
    assert_int_equal(offsetof(struct idltest_scalars_request, e), 0);
    assert_int_equal(offsetof(struct idltest_scalars_reply, od), 0);
    /* A 20-byte string slot is padded to 24 so what follows stays aligned. */
    assert_int_equal(offsetof(struct idltest_echo_request, name), 8);
    assert_int_equal(offsetof(struct idltest_echo_request, data_len), 32);
    assert_int_equal(offsetof(struct idltest_echo_request, data), 40);
    assert_int_equal(IDLTEST_ECHO_REQUEST_INLINE_SIZE, 104);
}

/* ---- round trips */

static void test_idl_naming_roundtrip(void **state)
{
    (void)state;
    assert_int_equal(naming_register(SERVER_PORT, "disk", 7), 0);
    assert_int_equal(fake.options, IPC_CALL | IPC_SEND | IPC_RECV);
    assert_int_equal(fake.sent.id, NAMING_REGISTER_ID);
    assert_int_equal(fake.sent.remote, SERVER_PORT);
    assert_int_equal(fake.sent.remote_disp, IPC_DISP_COPY_SEND);
    assert_int_equal(fake.sent.ndesc, 1);
    assert_int_equal(fake.sent.ext.desc[0].flags, IPC_DISP_COPY_SEND);
    assert_int_equal(fake.sent.ext.desc[0].name, 7);
    /* Only the used bytes of the trailing string travel: 32 + 8 + "disk\0". */
    assert_int_equal(fake.sent.ext_size, 32 + 8 + 5);
    assert_string_equal(fake.name, "disk");
    assert_int_equal(fake.port, 7 + NAME_SHIFT);

    port_name_t service = 0;
    assert_int_equal(naming_lookup(SERVER_PORT, "disk", &service), 0);
    assert_int_equal(fake.sent.ndesc, 0);
    assert_int_equal(fake.sent.ext_size, 8 + 5);
    assert_int_equal(service, 7 + 2 * NAME_SHIFT);
    assert_int_equal(fake.handled, 2);
    assert_int_equal(fake.destroyed, 0);
}

static void test_idl_naming_error_code(void **state)
{
    (void)state;
    strcpy(fake.name, "disk");
    port_name_t service = 1234;
    assert_int_equal(naming_lookup(SERVER_PORT, "tape", &service), -ERR_NOENT);
    assert_int_equal(service, 1234); /* outputs untouched on failure */
    assert_int_equal(out_msg.ndesc, 0);
    assert_int_equal(out_msg.ext_size, 0);

    fake.handler_code = 5; /* a positive code from a buggy handler */
    assert_int_equal(naming_register(SERVER_PORT, "x", 3), -ERR_INVAL);
    fake.handler_code = -ERR_BUSY;
    assert_int_equal(naming_register(SERVER_PORT, "x", 3), -ERR_BUSY);
}

static void test_idl_client_bad_args(void **state)
{
    (void)state;
    char name[49];
    memset(name, 'a', 48);
    name[48] = '\0';
    assert_int_equal(naming_register(SERVER_PORT, name, 3), -ERR_INVAL);
    assert_int_equal(fake.ipc_calls, 0);
    name[47] = '\0'; /* 47 characters and the NUL fill string[48] exactly */
    assert_int_equal(naming_register(SERVER_PORT, name, 3), 0);
    assert_string_equal(fake.name, name);

    uint8_t data[65] = {0};
    char oname[20];
    uint8_t odata[64];
    uint32_t olen;
    uint64_t count;
    int calls = fake.ipc_calls;
    assert_int_equal(idltest_echo(SERVER_PORT, 1, "n", data, 65, oname, odata, &olen, &count),
                     -ERR_INVAL);
    assert_int_equal(fake.ipc_calls, calls);
}

static void test_idl_ipc_error(void **state)
{
    (void)state;
    fake.force_ret = -ERR_TIMEOUT;
    port_name_t service = 0;
    assert_int_equal(naming_lookup(SERVER_PORT, "disk", &service), -ERR_TIMEOUT);
    assert_int_equal(fake.handled, 0);
}

static void test_idl_scalars_roundtrip(void **state)
{
    (void)state;
    uint32_t oa;
    int32_t ob;
    uint64_t oc;
    int64_t od;
    assert_int_equal(idltest_scalars(SERVER_PORT, 0xfffffff0u, -5, 1ull << 40, INT64_MIN + 1, 0x10,
                                     &oa, &ob, &oc, &od),
                     0);
    /* Request: w[0..3] = a, b2 (sign extended), c, d; e in the inline area. */
    assert_int_equal(fake.sent.w[0], 0xfffffff0u);
    assert_int_equal(fake.sent.w[1], (uint64_t)-5);
    assert_int_equal(fake.sent.w[2], 1ull << 40);
    assert_int_equal(fake.sent.ext_size, 8);
    assert_int_equal(oa, 0);
    assert_int_equal(ob, 5);
    assert_int_equal(oc, 1ull << 41);
    assert_int_equal(od, INT64_MIN);
    /* Reply: w[0] = code, w[1..3] = oa, ob, oc; od in the inline area. */
    assert_int_equal(out_msg.w[0], 0);
    assert_int_equal(out_msg.w[2], 5);
    assert_int_equal(out_msg.ext_size, 8);
}

static void test_idl_echo_roundtrip(void **state)
{
    (void)state;
    char oname[20];
    uint8_t odata[64];
    uint32_t olen = 0;
    uint64_t count = 0;
    const uint8_t data[3] = {1, 2, 3};
    assert_int_equal(idltest_echo(SERVER_PORT, 9, "abc", data, 3, oname, odata, &olen, &count), 0);
    /* The middle string keeps its whole slot; the trailing bytes are trimmed. */
    assert_int_equal(fake.sent.ext_size, 8 + 24 + 8 + 3);
    assert_string_equal(oname, "cba");
    assert_int_equal(olen, 4);
    assert_memory_equal(odata, "\1\2\3\11", 4);
    assert_int_equal(count, 6);

    /* Empty bytes and a string that fills its bound. */
    const char *full = "0123456789012345678";
    assert_int_equal(idltest_echo(SERVER_PORT, 0, full, NULL, 0, oname, odata, &olen, &count), 0);
    assert_string_equal(oname, "8765432109876543210");
    assert_int_equal(olen, 1);
}

static void test_idl_rights_roundtrip(void **state)
{
    (void)state;
    static char pages[3 * 4096];
    port_name_t q = 0;
    void *back = NULL;
    uint64_t back_size = 0;
    assert_int_equal(idltest_rights(SERVER_PORT, 5, pages, 4096, 6, &q, &back, &back_size), 0);
    assert_int_equal(fake.sent.ndesc, 3);
    assert_int_equal(fake.sent.ext.desc[0].flags, IPC_DISP_COPY_SEND);
    assert_int_equal(fake.sent.ext.desc[1].type, IPC_DESC_OOL);
    assert_int_equal(fake.sent.ext.desc[1].flags, IPC_OOL_MOVE);
    assert_int_equal(fake.sent.ext.desc[2].flags, IPC_DISP_MAKE_SEND_ONCE);
    assert_int_equal(fake.sent.ext_size, 3 * 32);
    assert_int_equal(out_msg.ext.desc[0].flags, IPC_DISP_MOVE_SEND);
    assert_int_equal(out_msg.ext.desc[1].flags, IPC_OOL_COPY);
    assert_int_equal(q, 5 + 6 + 3 * NAME_SHIFT);
    assert_ptr_equal(back, pages + 4096);
    assert_int_equal(back_size, 8192);
}

static void test_idl_simpleroutine(void **state)
{
    (void)state;
    assert_int_equal(idltest_note(SERVER_PORT, 3, "hi"), 0);
    assert_int_equal(fake.options, IPC_SEND);
    assert_int_equal(fake.level, 3);
    assert_string_equal(fake.name, "hi");

    fake.handler_code = -ERR_PERM;
    assert_int_equal(idltest_empty(SERVER_PORT), -ERR_PERM);
    fake.handler_code = 0;
    assert_int_equal(idltest_empty(SERVER_PORT), 0);
    assert_int_equal(fake.sent.ext_size, 0);
}

/* ---- malformed requests */

/* A well-formed register request for "svc" carrying send right 4, as the server receives it. */
static void build_register(struct ipc_message *m)
{
    ipc_msg_init(m, REPLY_ONCE, IPC_DISP_MOVE_SEND_ONCE, NAMING_REGISTER_ID);
    m->local = SERVER_PORT;
    ipc_add_port(m, 4, IPC_DISP_MOVE_SEND);
    struct naming_register_request *b = ipc_inline(m);
    b->name_len = 4;
    memcpy(b->name, "svc", 4);
    ipc_set_inline(m, 8 + 4);
}

/* Dispatch @m and check it got error reply @code with the handler not called. */
static void expect_refused(struct ipc_message *m, int code)
{
    int destroyed = fake.destroyed;
    bool naming = NAMING_ID_IS(m->id);
    uint32_t id = m->id;
    bool send = naming ? naming_dispatch(&fake, m, &out_msg) : idltest_dispatch(&fake, m, &out_msg);
    assert_true(send);
    assert_int_equal(fake.handled, 0);
    assert_int_equal(fake.destroyed, destroyed + 1);
    assert_int_equal(out_msg.id, id | IPC_ID_REPLY);
    assert_int_equal(out_msg.remote, REPLY_ONCE);
    assert_int_equal(out_msg.remote_disp, IPC_DISP_MOVE_SEND_ONCE);
    assert_int_equal((int64_t)out_msg.w[0], code);
    assert_int_equal(out_msg.ndesc, 0);
    assert_int_equal(out_msg.ext_size, 0);
}

static void test_idl_request_wellformed(void **state)
{
    (void)state;
    build_register(&in_msg);
    assert_true(naming_dispatch(&fake, &in_msg, &out_msg));
    assert_int_equal(fake.handled, 1);
    assert_int_equal((int64_t)out_msg.w[0], 0);
    assert_int_equal(out_msg.id, NAMING_REGISTER_REPLY_ID);
    assert_string_equal(fake.name, "svc");
    assert_int_equal(fake.port, 4);
}

static void test_idl_request_bad_descriptors(void **state)
{
    (void)state;
    build_register(&in_msg);
    in_msg.ext.desc[0].type = IPC_DESC_OOL; /* wrong descriptor type */
    expect_refused(&in_msg, -ERR_INVAL);

    build_register(&in_msg);
    in_msg.ext.desc[0].flags = IPC_DISP_MOVE_SEND_ONCE; /* a send-once right, not send */
    expect_refused(&in_msg, -ERR_INVAL);

    build_register(&in_msg);
    in_msg.ext.desc[0].flags = 0; /* no disposition */
    expect_refused(&in_msg, -ERR_INVAL);

    build_register(&in_msg);
    in_msg.ndesc = 0; /* the port is missing */
    in_msg.ext_size = 12;
    expect_refused(&in_msg, -ERR_INVAL);

    build_register(&in_msg);
    in_msg.ndesc = 2; /* an extra descriptor */
    expect_refused(&in_msg, -ERR_INVAL);
}

static void test_idl_request_bad_sizes(void **state)
{
    (void)state;
    struct naming_register_request *b;
    build_register(&in_msg);
    in_msg.ext_size = 32 + 6; /* truncated inside the length */
    expect_refused(&in_msg, -ERR_INVAL);

    build_register(&in_msg);
    in_msg.ext_size = 16; /* shorter than the descriptor */
    expect_refused(&in_msg, -ERR_INVAL);

    build_register(&in_msg);
    in_msg.ext_size += 1; /* a byte more than the length says */
    expect_refused(&in_msg, -ERR_INVAL);

    build_register(&in_msg);
    b = ipc_inline(&in_msg);
    b->name_len = 49; /* over the bound */
    in_msg.ext_size = 32 + 8 + 49;
    expect_refused(&in_msg, -ERR_INVAL);

    build_register(&in_msg);
    b = ipc_inline(&in_msg);
    b->name_len = 0; /* no room for the NUL */
    in_msg.ext_size = 32 + 8;
    expect_refused(&in_msg, -ERR_INVAL);

    build_register(&in_msg);
    b = ipc_inline(&in_msg);
    b->name[3] = 'x'; /* not NUL terminated */
    expect_refused(&in_msg, -ERR_INVAL);
}

static void test_idl_request_bad_id_or_port(void **state)
{
    (void)state;
    build_register(&in_msg);
    in_msg.id = NAMING_BASE + NAMING_COUNT; /* unknown routine */
    expect_refused(&in_msg, -ERR_NOSYS);

    build_register(&in_msg);
    in_msg.id = NAMING_LOOKUP_REPLY_ID; /* a reply is no request */
    expect_refused(&in_msg, -ERR_NOSYS);

    /* No reply right: nothing to answer, the rights are released. */
    build_register(&in_msg);
    in_msg.remote = PORT_NULL;
    int destroyed = fake.destroyed;
    assert_false(naming_dispatch(&fake, &in_msg, &out_msg));
    assert_int_equal(fake.handled, 0);
    assert_int_equal(fake.destroyed, destroyed + 1);
}

/* A well-formed scalars request as the server receives it. */
static void build_scalars(struct ipc_message *m)
{
    ipc_msg_init(m, REPLY_ONCE, IPC_DISP_MOVE_SEND_ONCE, IDLTEST_SCALARS_ID);
    m->w[0] = 1;
    m->w[1] = (uint64_t)-1;
    m->w[2] = 2;
    m->w[3] = 3;
    ((struct idltest_scalars_request *)ipc_inline(m))->e = 4;
    ipc_set_inline(m, 8);
}

static void test_idl_request_bad_scalars(void **state)
{
    (void)state;
    build_scalars(&in_msg);
    in_msg.w[0] = 1ull << 32; /* u32 with high bits */
    expect_refused(&in_msg, -ERR_INVAL);

    build_scalars(&in_msg);
    in_msg.w[1] = 0x80000000u; /* i32 out of range (not sign extended) */
    expect_refused(&in_msg, -ERR_INVAL);

    build_scalars(&in_msg);
    ((struct idltest_scalars_request *)ipc_inline(&in_msg))->e = 1ull << 40; /* overflow slot */
    expect_refused(&in_msg, -ERR_INVAL);

    build_scalars(&in_msg);
    in_msg.ext_size = 0; /* the overflow slot is missing */
    expect_refused(&in_msg, -ERR_INVAL);

    build_scalars(&in_msg);
    assert_true(idltest_dispatch(&fake, &in_msg, &out_msg));
    assert_int_equal(fake.handled, 1);
}

static void test_idl_request_bad_echo_and_rights(void **state)
{
    (void)state;
    ipc_msg_init(&in_msg, REPLY_ONCE, IPC_DISP_MOVE_SEND_ONCE, IDLTEST_ECHO_ID);
    struct idltest_echo_request *b = ipc_inline(&in_msg);
    b->name_len = 2;
    memcpy(b->name, "ab", 2); /* the middle string's last byte is not NUL */
    b->data_len = 0;
    ipc_set_inline(&in_msg, 40);
    expect_refused(&in_msg, -ERR_INVAL);

    b->name[1] = '\0';
    b->data_len = 65; /* bytes over the bound */
    ipc_set_inline(&in_msg, 40 + 65);
    expect_refused(&in_msg, -ERR_INVAL);

    ipc_msg_init(&in_msg, REPLY_ONCE, IPC_DISP_MOVE_SEND_ONCE, IDLTEST_RIGHTS_ID);
    ipc_add_port(&in_msg, 1, IPC_DISP_MOVE_SEND);
    ipc_add_ool(&in_msg, NULL, 4096, IPC_OOL_MOVE | IPC_OOL_COPY); /* bad OOL flags */
    ipc_add_port(&in_msg, 2, IPC_DISP_MOVE_SEND_ONCE);
    expect_refused(&in_msg, -ERR_INVAL);

    in_msg.ext.desc[1].flags = IPC_OOL_MOVE;
    in_msg.ext.desc[2].type = IPC_DESC_OOL; /* an OOL where a port belongs */
    expect_refused(&in_msg, -ERR_INVAL);
}

static void test_idl_request_bad_simpleroutine(void **state)
{
    (void)state;
    ipc_msg_init(&in_msg, PORT_NULL, IPC_DISP_NONE, IDLTEST_NOTE_ID);
    in_msg.w[0] = 1;
    struct idltest_note_request *b = ipc_inline(&in_msg);
    b->text_len = 3;
    memcpy(b->text, "abc", 3); /* not NUL terminated */
    ipc_set_inline(&in_msg, 8 + 3);
    assert_false(idltest_dispatch(&fake, &in_msg, &out_msg));
    assert_int_equal(fake.handled, 0);
    assert_int_equal(fake.destroyed, 1);

    b->text[2] = '\0';
    assert_false(idltest_dispatch(&fake, &in_msg, &out_msg));
    assert_int_equal(fake.handled, 1);
    assert_string_equal(fake.name, "ab");
}

/* A request builder makes what the stub sends, for a server that sends it its own way. */
static void test_idl_build(void **state)
{
    static struct ipc_message m;
    char big[40];
    (void)state;
    assert_int_equal(idltest_note_build(&m, SERVER_PORT, 3, "hello"), 0);
    assert_int_equal(m.id, IDLTEST_NOTE_ID);
    assert_int_equal(m.remote, SERVER_PORT);
    assert_int_equal(m.remote_disp, IPC_DISP_COPY_SEND);
    assert_int_equal(m.w[0], 3);
    in_msg = m;
    in_msg.remote = PORT_NULL;
    assert_false(idltest_dispatch(&fake, &in_msg, &out_msg));
    assert_int_equal(fake.handled, 1);
    assert_int_equal(fake.level, 3);
    assert_string_equal(fake.name, "hello");

    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(idltest_note_build(&m, SERVER_PORT, 3, big), -ERR_INVAL);
    assert_int_equal(fake.ipc_calls, 0); /* nothing was sent */
}

/* The error reply a server builds itself, as the dispatch builds its own. */
static void test_idl_error_reply(void **state)
{
    (void)state;
    build_register(&in_msg);
    assert_true(naming_error_reply(&in_msg, &out_msg, -ERR_BUSY));
    assert_int_equal(out_msg.id, NAMING_REGISTER_REPLY_ID);
    assert_int_equal(out_msg.remote, REPLY_ONCE);
    assert_int_equal(out_msg.remote_disp, IPC_DISP_MOVE_SEND_ONCE);
    assert_int_equal((int64_t)out_msg.w[0], -ERR_BUSY);
    assert_true(out_msg.w[1] == 0 && out_msg.ndesc == 0 && out_msg.ext_size == 0);
    in_msg.remote = PORT_NULL;
    assert_false(naming_error_reply(&in_msg, &out_msg, -ERR_BUSY)); /* no reply right */
}

/* ---- deferred replies */

/* What the client stub of later returns, and its outputs. */
static struct {
    uint64_t y;
    char otext[IDLTEST_LATER_OTEXT_MAX];
    uint8_t data[IDLTEST_LATER_DATA_MAX];
    uint32_t data_len;
    port_name_t q;
    void *page;
    uint64_t page_size;
} later;

static int call_later(uint64_t x)
{
    memset(&later, 0, sizeof(later));
    return idltest_later(SERVER_PORT, 12345, x, &later.y, later.otext, later.data, &later.data_len,
                         &later.q, &later.page, &later.page_size);
}

/* The outputs the client got: @y, @otext, three bytes @data, port @q, @size bytes at @page. */
static void expect_later(uint64_t y, const char *otext, const char *data, port_name_t q,
                         uintptr_t page, uint64_t size)
{
    assert_int_equal(later.y, y);
    assert_string_equal(later.otext, otext);
    assert_int_equal(later.data_len, 3);
    assert_memory_equal(later.data, data, 3);
    assert_int_equal(later.q, q + NAME_SHIFT);
    assert_ptr_equal(later.page, (void *)page);
    assert_int_equal(later.page_size, size);
}

/* A deferred routine's handler may still answer at once, through the dispatch. */
static void test_idl_deferred_at_once(void **state)
{
    (void)state;
    fake.later_mode = LATER_NOW;
    assert_int_equal(call_later(4), 0);
    assert_int_equal(fake.later_reply, REPLY_ONCE); /* the handler got the reply right */
    assert_int_equal(fake.deferred_sent, 0);
    assert_int_equal(fake.timeout, 12345); /* a timed routine's stub waits that long */
    expect_later(5, "now", "abc", 9, 0x5000, 4096);
}

/* IPC_REPLY_DEFERRED: the dispatch sends nothing, and the reply the handler
 * sends through idltest_later_reply() is one the client stub accepts. */
static void test_idl_deferred_roundtrip(void **state)
{
    (void)state;
    fake.later_mode = LATER_ANSWER;
    assert_int_equal(call_later(4), 0);
    assert_int_equal(fake.deferred_sent, 1);
    assert_int_equal(fake.destroyed, 0); /* the request was served, not refused */
    expect_later(8, "later", "xyz", 11, 0x6000, 8192);
    assert_int_equal(fake.deferred.ext.desc[0].flags, IPC_DISP_MOVE_SEND);
    assert_int_equal(fake.deferred.ext.desc[1].flags, IPC_OOL_MOVE);
}

/* Deferred and answered later with an error: the code alone, to the kept right. */
static void test_idl_deferred_error_later(void **state)
{
    (void)state;
    fake.later_mode = LATER_DEFER;
    assert_int_equal(call_later(4), -ERR_TIMEOUT); /* no reply yet */
    assert_int_equal(fake.handled, 1);
    assert_int_equal(fake.later_reply, REPLY_ONCE);
    assert_int_equal(fake.deferred_sent, 0);

    assert_int_equal(
        idltest_later_reply(REPLY_ONCE, -ERR_IO, 1, "x", "d", 1, 5, (void *)0x1000, 4096), 0);
    struct ipc_message *r = &fake.deferred;
    assert_int_equal(fake.deferred_sent, 1);
    assert_int_equal(r->id, IDLTEST_LATER_REPLY_ID);
    assert_int_equal(r->remote, REPLY_ONCE);
    assert_int_equal(r->remote_disp, IPC_DISP_MOVE_SEND_ONCE);
    assert_int_equal((int64_t)r->w[0], -ERR_IO);
    assert_true(r->w[1] == 0 && r->w[2] == 0 && r->w[3] == 0);
    assert_int_equal(r->ndesc, 0);
    assert_int_equal(r->ext_size, 0);

    /* The client takes it as the server's code. */
    fake.canned = true;
    fake.canned_reply = *r;
    assert_int_equal(call_later(4), -ERR_IO);
}

/* The reply is checked as the dispatch checks a handler's outputs. */
static void test_idl_deferred_reply_checks(void **state)
{
    (void)state;
    assert_int_equal(idltest_later_reply(REPLY_ONCE, 5, 1, "x", "", 0, 5, NULL, 0), 0);
    assert_int_equal((int64_t)fake.deferred.w[0], -ERR_INVAL); /* a positive code */
    assert_int_equal(idltest_later_reply(REPLY_ONCE, 0, 1, "x", "123456789", 9, 5, NULL, 0), 0);
    assert_int_equal((int64_t)fake.deferred.w[0], -ERR_INVAL); /* bytes over their bound */
    assert_int_equal(fake.deferred.ndesc, 0);

    /* A string longer than its bound is cut to 15 characters and a NUL. */
    assert_int_equal(idltest_later_reply(REPLY_ONCE, 0, 7, "0123456789abcdefXYZ", "", 0, 5,
                                         (void *)0x2000, 4096),
                     0);
    fake.canned = true;
    fake.canned_reply = fake.deferred;
    assert_int_equal(call_later(4), 0);
    assert_int_equal(later.y, 7);
    assert_string_equal(later.otext, "0123456789abcde");
    assert_int_equal(later.data_len, 0);
}

/* A reply that cannot be sent returns the error and releases the reply right. */
static void test_idl_deferred_send_fails(void **state)
{
    (void)state;
    fake.reply_ret = -ERR_DEAD;
    assert_int_equal(idltest_later_reply(REPLY_ONCE, 0, 1, "x", "", 0, 5, NULL, 0), -ERR_DEAD);
    assert_int_equal(fake.deallocated, REPLY_ONCE);
    fake.deallocated = PORT_NULL;
    fake.reply_ret = 0;
    assert_int_equal(idltest_later_reply(REPLY_ONCE, -ERR_IO, 0, "", "", 0, 0, NULL, 0), 0);
    assert_int_equal(fake.deallocated, PORT_NULL);
}

/* ---- malformed replies */

static void canned_lookup_reply(int64_t code)
{
    fake.canned = true;
    struct ipc_message *r = &fake.canned_reply;
    ipc_msg_init(r, PORT_NULL, IPC_DISP_NONE, NAMING_LOOKUP_REPLY_ID);
    r->w[0] = (uint64_t)code;
    if (code == 0)
        ipc_add_port(r, 77, IPC_DISP_MOVE_SEND);
}

/* naming_lookup() must fail with -ERR_INVAL, release the reply and leave *service. */
static void expect_bad_reply(void)
{
    port_name_t service = 1234;
    int destroyed = fake.destroyed;
    assert_int_equal(naming_lookup(SERVER_PORT, "disk", &service), -ERR_INVAL);
    assert_int_equal(service, 1234);
    assert_int_equal(fake.destroyed, destroyed + 1);
}

static void test_idl_reply_malformed(void **state)
{
    (void)state;
    port_name_t service = 0;
    canned_lookup_reply(0);
    assert_int_equal(naming_lookup(SERVER_PORT, "disk", &service), 0);
    assert_int_equal(service, 77);

    canned_lookup_reply(0);
    fake.canned_reply.id = NAMING_REGISTER_REPLY_ID; /* the wrong reply */
    expect_bad_reply();

    canned_lookup_reply(0);
    fake.canned_reply.ndesc = 0; /* success without the port */
    fake.canned_reply.ext_size = 0;
    expect_bad_reply();

    canned_lookup_reply(0);
    fake.canned_reply.ext.desc[0].flags = IPC_DISP_MAKE_SEND_ONCE; /* wrong right */
    expect_bad_reply();

    canned_lookup_reply(0);
    fake.canned_reply.ext_size += 8; /* trailing junk */
    expect_bad_reply();

    canned_lookup_reply(3); /* a positive code */
    expect_bad_reply();

    canned_lookup_reply((int64_t)INT32_MIN - 1); /* a code that is no int */
    expect_bad_reply();

    canned_lookup_reply(-ERR_NOENT);
    ipc_add_port(&fake.canned_reply, 5, IPC_DISP_MOVE_SEND); /* an error with a payload */
    expect_bad_reply();

    canned_lookup_reply(-ERR_NOENT);
    assert_int_equal(naming_lookup(SERVER_PORT, "disk", &service), -ERR_NOENT);
}

static void test_idl_reply_malformed_echo(void **state)
{
    (void)state;
    char oname[20];
    uint8_t odata[64];
    uint32_t olen = 99;
    uint64_t count;
    fake.canned = true;
    struct ipc_message *r = &fake.canned_reply;
    ipc_msg_init(r, PORT_NULL, IPC_DISP_NONE, IDLTEST_ECHO_REPLY_ID);
    r->w[0] = 0;
    struct idltest_echo_reply *b = ipc_inline(r);
    b->oname_len = 20;
    memset(b->oname, 'z', 20); /* a string without its NUL */
    b->odata_len = 0;
    ipc_set_inline(r, 8 + 24 + 8);
    assert_int_equal(idltest_echo(SERVER_PORT, 0, "a", NULL, 0, oname, odata, &olen, &count),
                     -ERR_INVAL);
    assert_int_equal(olen, 99);

    b->oname[19] = '\0';
    b->odata_len = 65; /* bytes over the bound */
    ipc_set_inline(r, 8 + 24 + 8 + 65);
    assert_int_equal(idltest_echo(SERVER_PORT, 0, "a", NULL, 0, oname, odata, &olen, &count),
                     -ERR_INVAL);

    b->odata_len = 2;
    ipc_set_inline(r, 8 + 24 + 8 + 2);
    assert_int_equal(idltest_echo(SERVER_PORT, 0, "a", NULL, 0, oname, odata, &olen, &count), 0);
    assert_int_equal(olen, 2);
    assert_int_equal(strlen(oname), 19);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_idl_layout, setup),
        cmocka_unit_test_setup(test_idl_naming_roundtrip, setup),
        cmocka_unit_test_setup(test_idl_naming_error_code, setup),
        cmocka_unit_test_setup(test_idl_client_bad_args, setup),
        cmocka_unit_test_setup(test_idl_ipc_error, setup),
        cmocka_unit_test_setup(test_idl_scalars_roundtrip, setup),
        cmocka_unit_test_setup(test_idl_echo_roundtrip, setup),
        cmocka_unit_test_setup(test_idl_rights_roundtrip, setup),
        cmocka_unit_test_setup(test_idl_simpleroutine, setup),
        cmocka_unit_test_setup(test_idl_request_wellformed, setup),
        cmocka_unit_test_setup(test_idl_request_bad_descriptors, setup),
        cmocka_unit_test_setup(test_idl_request_bad_sizes, setup),
        cmocka_unit_test_setup(test_idl_request_bad_id_or_port, setup),
        cmocka_unit_test_setup(test_idl_request_bad_scalars, setup),
        cmocka_unit_test_setup(test_idl_request_bad_echo_and_rights, setup),
        cmocka_unit_test_setup(test_idl_request_bad_simpleroutine, setup),
        cmocka_unit_test_setup(test_idl_reply_malformed, setup),
        cmocka_unit_test_setup(test_idl_reply_malformed_echo, setup),
        cmocka_unit_test_setup(test_idl_build, setup),
        cmocka_unit_test_setup(test_idl_error_reply, setup),
        cmocka_unit_test_setup(test_idl_deferred_at_once, setup),
        cmocka_unit_test_setup(test_idl_deferred_roundtrip, setup),
        cmocka_unit_test_setup(test_idl_deferred_error_later, setup),
        cmocka_unit_test_setup(test_idl_deferred_reply_checks, setup),
        cmocka_unit_test_setup(test_idl_deferred_send_fails, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
