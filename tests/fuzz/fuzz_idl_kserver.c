/*
 * libFuzzer target: the dispatch tools/idlgen generates for the interface
 * the kernel serves to pagers (memory_object_control.idl, kserved), fed
 * kernel messages of any id, words, descriptors and inline size built from
 * the input. A message reaches a handler only when its shape is right; the
 * handlers here check the values they get against what the shape promised
 * (a page list inside the message) and abort otherwise, and fill the bytes
 * answer to its declared size (ASan sees a write past the reply), which
 * libFuzzer reports with the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <memory_object_control_kserver.h>

struct vm_object {
    unsigned calls;
};

static struct kdesc desc[IPC_DESC_MAX];
static paddr_t ool[IPC_OOL_MAX_PAGES];
static uint8_t inline_bytes[IPC_INLINE_MAX];

int vm_pager_control_ready(struct vm_object *ctx, uint64_t attributes)
{
    (void)attributes;
    return (int)++ctx->calls & 1;
}

int vm_pager_control_data_supply(struct vm_object *ctx, uint64_t offset, uint64_t flags,
                                 const paddr_t *pages, uint32_t npages)
{
    (void)offset, (void)flags;
    if (npages > IPC_OOL_MAX_PAGES ||
        (npages && (pages < ool || pages + npages > ool + IPC_OOL_MAX_PAGES)))
        abort(); /* a page list outside the message */
    ctx->calls++;
    return 0;
}

int vm_pager_control_data_unavailable(struct vm_object *ctx, uint64_t offset, uint64_t count)
{
    (void)offset, (void)count;
    ctx->calls++;
    return 0;
}

int vm_pager_control_data_error(struct vm_object *ctx, uint64_t offset, uint64_t count,
                                int64_t code)
{
    (void)offset, (void)count, (void)code;
    ctx->calls++;
    return 0;
}

int vm_pager_control_lock_request(struct vm_object *ctx, uint64_t offset, uint64_t count,
                                  uint32_t op, uint64_t *vetoed, uint64_t *first)
{
    (void)offset, (void)count, (void)op;
    *vetoed = 0, *first = 0;
    ctx->calls++;
    return 0;
}

int vm_pager_control_query_bits(struct vm_object *ctx, uint64_t offset, uint64_t count, void *bits,
                                uint32_t *bits_len)
{
    (void)offset;
    /* As much as the interface declares (writes past the reply show under
     * ASan); a length over it must be refused by the dispatch. */
    memset(bits, 0xa5, MEMORY_OBJECT_CONTROL_QUERY_BITS_BITS_MAX);
    *bits_len = (uint32_t)(count % (MEMORY_OBJECT_CONTROL_QUERY_BITS_BITS_MAX + 8));
    ctx->calls++;
    return 0;
}

int vm_pager_control_store_full(struct vm_object *ctx, uint64_t full)
{
    (void)full;
    ctx->calls++;
    return 0;
}

int vm_pager_control_quota(struct vm_object *ctx, uint64_t quota, uint64_t *resident,
                           uint64_t *peak, uint64_t *signals)
{
    *resident = quota, *peak = quota, *signals = 0;
    ctx->calls++;
    return 0;
}

int vm_pager_control_refuse(struct vm_object *ctx, int64_t code)
{
    (void)code;
    ctx->calls++;
    return 0;
}

int vm_pager_control_evacuate_done(struct vm_object *ctx, uint64_t refused)
{
    (void)refused;
    ctx->calls++;
    return 0;
}

/* A byte of the input, or 0 past its end. */
static uint8_t in_byte(const uint8_t *data, size_t size, size_t *at)
{
    return *at < size ? data[(*at)++] : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vm_object obj = {0};
    struct kmsg m = {0};
    struct memory_object_control_kreply out;
    size_t at = 0;

    /* Every routine, and two ids past the last. */
    m.id =
        MEMORY_OBJECT_CONTROL_BASE + in_byte(data, size, &at) % (MEMORY_OBJECT_CONTROL_COUNT + 2);
    if (in_byte(data, size, &at) == 0xff)
        m.id = (uint32_t)in_byte(data, size, &at) << 24 | m.id;
    for (unsigned i = 0; i < IPC_WORDS; i++)
        for (unsigned b = 0; b < 8; b++)
            m.w[i] |= (uint64_t)in_byte(data, size, &at) << (8 * (in_byte(data, size, &at) % 8));
    m.ndesc = in_byte(data, size, &at) % (IPC_DESC_MAX + 1);
    m.desc = desc;
    m.ool = ool;
    for (unsigned i = 0; i < m.ndesc; i++) {
        desc[i] = (struct kdesc){.type = in_byte(data, size, &at) % 4,
                                 .flags = in_byte(data, size, &at) % 8,
                                 .first_page = in_byte(data, size, &at) % IPC_OOL_MAX_PAGES,
                                 .npages = in_byte(data, size, &at) % (IPC_OOL_MAX_PAGES + 2)};
        if (desc[i].first_page + desc[i].npages > IPC_OOL_MAX_PAGES)
            desc[i].npages = IPC_OOL_MAX_PAGES - desc[i].first_page; /* as copy-in builds them */
        m.ool_pages = desc[i].first_page + desc[i].npages;
    }
    m.inline_size = (uint32_t)(size - at < sizeof(inline_bytes) ? size - at : sizeof(inline_bytes));
    memcpy(inline_bytes, data + at, m.inline_size);
    m.inline_data = inline_bytes;
    memory_object_control_kdispatch(&obj, &m, &out);
    return 0;
}
