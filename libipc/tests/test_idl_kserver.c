/*
 * Host tests of the kernel-side dispatch tools/idlgen generates for an
 * interface the kernel serves (kstest.idl, marked kserved): kernel messages
 * (struct kmsg) built by hand go through kstest_kdispatch() to recording
 * handlers. A message of the wrong shape (id, descriptors, rights, inline
 * size, scalar ranges, string and bytes lengths) must be refused with
 * -ERR_INVAL or -ERR_NOSYS before any handler runs; a good one reaches its
 * handler with C values, and the answer is laid out as the reply's layout.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <kstest_kserver.h>

#define HIGH 0xabcd000000000000ULL /* bits a 32-bit argument may not have */

struct kstest_object {
    unsigned calls;   /* handlers run */
    int code;         /* what the handlers return */
    uint64_t arg[5];  /* scalars they got */
    const void *ptr;  /* the string, bytes or first right they got */
    uint32_t len;     /* the bytes' length or the pages' count */
    const char *name; /* echo: the string to answer (may lack a NUL) */
    uint32_t odata_len;
};

static struct kstest_object obj;
static struct kdesc desc[IPC_DESC_MAX];
static paddr_t ool[4];
static uint64_t inline_words[32];

int kstest_scalars(struct kstest_object *ctx, uint32_t a, int32_t b2, uint64_t c, int64_t d,
                   uint32_t e, uint32_t *oa, int32_t *ob, uint64_t *oc, int64_t *od)
{
    ctx->calls++;
    ctx->arg[0] = a, ctx->arg[1] = (uint64_t)(int64_t)b2, ctx->arg[2] = c;
    ctx->arg[3] = (uint64_t)d, ctx->arg[4] = e;
    *oa = 0xfffffffeu, *ob = -7, *oc = HIGH, *od = -9;
    return ctx->code;
}

int kstest_echo(struct kstest_object *ctx, uint32_t tag, const char *name, const void *data,
                uint32_t data_len, char *oname, void *odata, uint32_t *odata_len, uint64_t *count)
{
    ctx->calls++;
    ctx->arg[0] = tag;
    ctx->ptr = name;
    ctx->arg[1] = (uint64_t)(uintptr_t)data;
    ctx->len = data_len;
    memcpy(oname, ctx->name, strnlen(ctx->name, 20));
    memset(odata, 0x5a, 64);
    *odata_len = ctx->odata_len;
    *count = 42;
    return ctx->code;
}

int kstest_rights(struct kstest_object *ctx, struct kright *p, const paddr_t *page,
                  uint32_t page_npages, struct kright *once)
{
    ctx->calls++;
    ctx->ptr = p;
    ctx->arg[0] = (uint64_t)(uintptr_t)page;
    ctx->len = page_npages;
    ctx->arg[1] = (uint64_t)(uintptr_t)once;
    return ctx->code;
}

int kstest_note(struct kstest_object *ctx, int32_t level)
{
    ctx->calls++;
    ctx->arg[0] = (uint64_t)(int64_t)level;
    return ctx->code;
}

int kstest_empty(struct kstest_object *ctx)
{
    ctx->calls++;
    return ctx->code;
}

static int setup(void **state)
{
    (void)state;
    memset(&obj, 0, sizeof(obj));
    memset(desc, 0, sizeof(desc));
    memset(inline_words, 0, sizeof(inline_words));
    return 0;
}

/* A message @id with words @w0..@w3 and @inline_size bytes of inline_words. */
static struct kmsg msg(uint32_t id, uint64_t w0, uint64_t w1, uint64_t w2, uint64_t w3,
                       uint32_t inline_size)
{
    return (struct kmsg){.id = id,
                         .w = {w0, w1, w2, w3},
                         .desc = desc,
                         .ool = ool,
                         .inline_size = inline_size,
                         .inline_data = inline_size ? (uint8_t *)inline_words : NULL};
}

/* @m is refused with @err: no handler ran and the answer carries only the code. */
static void refused(struct kmsg m, int err)
{
    struct kstest_kreply answer;
    uint32_t pages = m.ool_pages;

    memset(&answer, 0xa5, sizeof(answer));
    assert_int_equal(kstest_kdispatch(&obj, &m, &answer), err);
    assert_int_equal(obj.calls, 0);
    assert_int_equal((int64_t)answer.w[0], err);
    assert_int_equal(answer.w[1] | answer.w[2] | answer.w[3], 0);
    assert_int_equal(answer.inline_size, 0);
    assert_int_equal(m.ool_pages, pages);
    assert_int_equal(kstest_kdispatch(&obj, &m, NULL), err); /* without an answer too */
    assert_int_equal(obj.calls, 0);
}

/* Scalars: decoded typed, u32/i32 ranges checked, outputs in their slots. */
static void test_kserver_scalars(void **state)
{
    struct kstest_kreply answer;
    struct kmsg m = msg(KSTEST_SCALARS_ID, 0xffffffffu, (uint64_t)-5, HIGH, (uint64_t)-6, 8);
    (void)state;

    inline_words[0] = 0x80000000u; /* e: slot 4, in the inline area */
    assert_int_equal(kstest_kdispatch(&obj, &m, &answer), 0);
    assert_int_equal(obj.calls, 1);
    assert_int_equal(obj.arg[0], 0xffffffffu);
    assert_int_equal((int64_t)obj.arg[1], -5);
    assert_int_equal(obj.arg[2], HIGH);
    assert_int_equal((int64_t)obj.arg[3], -6);
    assert_int_equal(obj.arg[4], 0x80000000u);
    assert_int_equal(answer.w[0], 0);
    assert_int_equal(answer.w[1], 0xfffffffeu);  /* u32: zero extended */
    assert_int_equal(answer.w[2], (uint64_t)-7); /* i32: sign extended */
    assert_int_equal(answer.w[3], HIGH);
    assert_int_equal(answer.inline_size, KSTEST_SCALARS_REPLY_INLINE_SIZE);
    assert_int_equal((int64_t)answer.inline_data.scalars.od, -9);
    obj.calls = 0;

    refused(msg(KSTEST_SCALARS_ID, HIGH | 1, 0, 0, 0, 8), -ERR_INVAL);    /* u32 */
    refused(msg(KSTEST_SCALARS_ID, 0, 0x80000000u, 0, 0, 8), -ERR_INVAL); /* i32 */
    refused(msg(KSTEST_SCALARS_ID, 0, (uint64_t)INT32_MIN - 1, 0, 0, 8), -ERR_INVAL);
    refused(msg(KSTEST_SCALARS_ID, 0, 0, 0, 0, 0), -ERR_INVAL);  /* slot 4 missing */
    refused(msg(KSTEST_SCALARS_ID, 0, 0, 0, 0, 16), -ERR_INVAL); /* inline bytes too many */
    inline_words[0] = HIGH;
    refused(msg(KSTEST_SCALARS_ID, 0, 0, 0, 0, 8), -ERR_INVAL); /* u32 in the inline area */
    inline_words[0] = 0;
    m = msg(KSTEST_SCALARS_ID, 0, 0, 0, 0, 8);
    m.ndesc = 1; /* an extra descriptor */
    desc[0] = (struct kdesc){.type = IPC_DESC_OOL, .flags = IPC_OOL_MOVE};
    refused(m, -ERR_INVAL);

    /* Outputs and nowhere to put them: refused before the handler runs. */
    m = msg(KSTEST_SCALARS_ID, 0, 0, 0, 0, 8);
    assert_int_equal(kstest_kdispatch(&obj, &m, NULL), -ERR_INVAL);
    assert_int_equal(obj.calls, 0);

    /* A handler's error is an answer with the code alone. */
    obj.code = -ERR_BUSY;
    memset(&answer, 0xa5, sizeof(answer));
    assert_int_equal(kstest_kdispatch(&obj, &m, &answer), -ERR_BUSY);
    assert_int_equal(obj.calls, 1);
    assert_int_equal((int64_t)answer.w[0], -ERR_BUSY);
    assert_int_equal(answer.w[1] | answer.w[2] | answer.w[3], 0);
    assert_int_equal(answer.inline_size, 0);
}

/* Fill the echo request in inline_words: @name claiming @name_len bytes, @data_len bytes. */
static uint32_t echo_request(const char *name, uint64_t name_len, uint64_t data_len)
{
    struct kstest_echo_krequest *rq = (struct kstest_echo_krequest *)inline_words;

    rq->name_len = name_len;
    memset(rq->name, 0, sizeof(rq->name));
    memcpy(rq->name, name, strlen(name)); /* shorter than 20 */
    rq->data_len = data_len;
    memset(rq->data, 0x33, 64);
    return (uint32_t)(offsetof(struct kstest_echo_krequest, data) +
                      (data_len <= 64 ? data_len : 64));
}

/* A string and trailing bytes: lengths, NUL and size checked; the answer trimmed. */
static void test_kserver_echo(void **state)
{
    struct kstest_kreply answer;
    (void)state;

    obj.name = "twenty characters!!!"; /* 20, no NUL: cut to 19 */
    obj.odata_len = 5;
    struct kmsg m = msg(KSTEST_ECHO_ID, 7, 0, 0, 0, echo_request("abc", 4, 3));
    assert_int_equal(kstest_kdispatch(&obj, &m, &answer), 0);
    assert_int_equal(obj.calls, 1);
    assert_int_equal(obj.arg[0], 7);
    assert_string_equal(obj.ptr, "abc");
    assert_int_equal(obj.len, 3);
    assert_int_equal(answer.w[0], 0);
    assert_int_equal(answer.w[1], 42);
    assert_int_equal(answer.inline_data.echo.oname_len, 20);
    assert_string_equal(answer.inline_data.echo.oname, "twenty characters!!");
    assert_int_equal(answer.inline_data.echo.odata_len, 5);
    assert_int_equal(answer.inline_size, offsetof(struct kstest_echo_kreply, odata) + 5);
    obj.calls = 0;

    refused(msg(KSTEST_ECHO_ID, 7, 0, 0, 0, echo_request("abc", 0, 3)), -ERR_INVAL);
    refused(msg(KSTEST_ECHO_ID, 7, 0, 0, 0, echo_request("abcd", 3, 3)), -ERR_INVAL); /* no NUL */
    refused(msg(KSTEST_ECHO_ID, 7, 0, 0, 0, echo_request("abc", 21, 3)), -ERR_INVAL);
    uint32_t size = echo_request("abc", 4, 65);
    refused(msg(KSTEST_ECHO_ID, 7, 0, 0, 0, size), -ERR_INVAL); /* bytes over their bound */
    size = echo_request("abc", 4, 3);
    refused(msg(KSTEST_ECHO_ID, 7, 0, 0, 0, size + 1), -ERR_INVAL); /* size and length differ */
    refused(msg(KSTEST_ECHO_ID, 7, 0, 0, 0, 8), -ERR_INVAL);        /* short of the bytes */
    refused(msg(KSTEST_ECHO_ID, HIGH, 0, 0, 0, size), -ERR_INVAL);

    /* A handler's output over its bound is an error answer, not a long reply. */
    obj.odata_len = 65;
    struct kmsg good = msg(KSTEST_ECHO_ID, 7, 0, 0, 0, size);
    assert_int_equal(kstest_kdispatch(&obj, &good, &answer), -ERR_INVAL);
    assert_int_equal(answer.inline_size, 0);
}

/* A rights request with @ndesc descriptors: p (send), page (moved, 2 pages), once. */
static struct kmsg rights_msg(unsigned ndesc)
{
    struct kmsg m = msg(KSTEST_RIGHTS_ID, 0, 0, 0, 0, 0);

    desc[0] = (struct kdesc){.type = IPC_DESC_PORT, .right = {.kind = IPC_RIGHT_SEND}};
    desc[1] =
        (struct kdesc){.type = IPC_DESC_OOL, .flags = IPC_OOL_MOVE, .first_page = 1, .npages = 2};
    desc[2] = (struct kdesc){.type = IPC_DESC_PORT, .right = {.kind = IPC_RIGHT_SEND_ONCE}};
    m.ndesc = ndesc;
    m.ool_pages = 3;
    return m;
}

/* Descriptors: count, type, the right a port gives, ool flags; pages taken on success. */
static void test_kserver_rights(void **state)
{
    struct kstest_kreply answer;
    (void)state;

    struct kmsg m = rights_msg(3);
    obj.code = -ERR_BUSY; /* refused by the handler: the pages stay the message's */
    assert_int_equal(kstest_kdispatch(&obj, &m, &answer), -ERR_BUSY);
    assert_int_equal(m.ool_pages, 3);
    obj.code = 0;
    assert_int_equal(kstest_kdispatch(&obj, &m, &answer), 0);
    assert_int_equal(obj.calls, 2);
    assert_ptr_equal(obj.ptr, &desc[0].right);
    assert_ptr_equal((void *)(uintptr_t)obj.arg[0], &ool[1]);
    assert_int_equal(obj.len, 2);
    assert_ptr_equal((void *)(uintptr_t)obj.arg[1], &desc[2].right);
    assert_int_equal(m.ool_pages, 0); /* the handler took them */
    assert_int_equal(answer.w[0], 0);
    assert_int_equal(answer.inline_size, 0);
    obj.calls = 0;

    refused(rights_msg(2), -ERR_INVAL);
    refused(rights_msg(4), -ERR_INVAL);
    m = rights_msg(3);
    desc[1].type = IPC_DESC_PORT;
    refused(m, -ERR_INVAL);
    m = rights_msg(3);
    desc[1].flags = 0;
    refused(m, -ERR_INVAL);
    m = rights_msg(3);
    desc[0].type = IPC_DESC_OOL;
    refused(m, -ERR_INVAL);
    m = rights_msg(3);
    desc[2].right.kind = IPC_RIGHT_SEND; /* a send right where a send-once one belongs */
    refused(m, -ERR_INVAL);
    m = rights_msg(3);
    desc[0].right.kind = IPC_RIGHT_RECEIVE;
    refused(m, -ERR_INVAL);
    m = rights_msg(3);
    m.inline_size = 8;
    m.inline_data = (uint8_t *)inline_words;
    refused(m, -ERR_INVAL);
}

/* Ids: a skipped one, outside the interface, a reply's; routines without outputs. */
static void test_kserver_ids(void **state)
{
    struct kstest_kreply answer;
    (void)state;

    refused(msg(KSTEST_BASE + 3, 0, 0, 0, 0, 0), -ERR_NOSYS); /* skip */
    refused(msg(KSTEST_BASE + KSTEST_COUNT, 0, 0, 0, 0, 0), -ERR_NOSYS);
    refused(msg(KSTEST_BASE - 1, 0, 0, 0, 0, 0), -ERR_NOSYS);
    refused(msg(KSTEST_EMPTY_ID | IPC_ID_REPLY, 0, 0, 0, 0, 0), -ERR_NOSYS);
    refused(msg(KSTEST_NOTE_ID, 0x80000000u, 0, 0, 0, 0), -ERR_INVAL);
    refused(msg(KSTEST_EMPTY_ID, 0, 0, 0, 0, 8), -ERR_INVAL);

    struct kmsg m = msg(KSTEST_NOTE_ID, (uint64_t)-3, 0, 0, 0, 0);
    assert_int_equal(kstest_kdispatch(&obj, &m, NULL), 0); /* one way: no answer needed */
    assert_int_equal((int64_t)obj.arg[0], -3);
    m = msg(KSTEST_EMPTY_ID, HIGH, HIGH, HIGH, HIGH, 0); /* unused words are ignored */
    memset(&answer, 0xa5, sizeof(answer));
    assert_int_equal(kstest_kdispatch(&obj, &m, &answer), 0);
    assert_int_equal(obj.calls, 2);
    assert_int_equal(answer.w[0] | answer.w[1] | answer.w[2] | answer.w[3], 0);
    assert_int_equal(answer.inline_size, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_kserver_scalars, setup),
        cmocka_unit_test_setup(test_kserver_echo, setup),
        cmocka_unit_test_setup(test_kserver_rights, setup),
        cmocka_unit_test_setup(test_kserver_ids, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
