/*
 * The pool allocator of the compressed pager (zpool.h): size classes in
 * chunks, a free list of slots inside each chunk (threaded through the freed
 * slots themselves), a list per class of the chunks that have room, and a
 * list of unused chunks. Every operation is O(1).
 */
#include "zpool.h"

#include <abi/errors.h>

#define ZPOOL_NO_SLOT UINT16_MAX

static uint32_t zpool_class_bytes(uint32_t cls)
{
    return (cls + 1) * ZPOOL_ALIGN;
}

static uint32_t zpool_class_slots(uint32_t cls)
{
    return ZPOOL_CHUNK / zpool_class_bytes(cls);
}

uint32_t zpool_chunks_for(size_t size)
{
    return (uint32_t)(size / ZPOOL_CHUNK);
}

/* Put chunk @c at the head of list *@head. */
static void zpool_list_push(struct zpool *p, uint32_t *head, uint32_t c)
{
    p->chunks[c].prev = ZPOOL_NONE;
    p->chunks[c].next = *head;
    if (*head != ZPOOL_NONE)
        p->chunks[*head].prev = c;
    *head = c;
}

/* Take chunk @c out of list *@head. */
static void zpool_list_remove(struct zpool *p, uint32_t *head, uint32_t c)
{
    struct zpool_chunk *ch = &p->chunks[c];

    if (ch->prev != ZPOOL_NONE)
        p->chunks[ch->prev].next = ch->next;
    else
        *head = ch->next;
    if (ch->next != ZPOOL_NONE)
        p->chunks[ch->next].prev = ch->prev;
    ch->next = ch->prev = ZPOOL_NONE;
}

void zpool_init(struct zpool *p, void *base, size_t size, struct zpool_chunk *table)
{
    *p = (struct zpool){.base = base, .chunks = table, .nchunks = zpool_chunks_for(size)};
    p->free_chunks = ZPOOL_NONE;
    for (uint32_t cls = 0; cls < ZPOOL_CLASSES; cls++)
        p->partial[cls] = ZPOOL_NONE;
    for (uint32_t c = p->nchunks; c-- > 0;) {
        p->chunks[c] = (struct zpool_chunk){.free_head = ZPOOL_NO_SLOT};
        zpool_list_push(p, &p->free_chunks, c);
    }
}

uint32_t zpool_slot_size(size_t len)
{
    if (len == 0 || len > ZPOOL_OBJECT_MAX)
        return 0;
    return (uint32_t)((len + ZPOOL_ALIGN - 1) / ZPOOL_ALIGN * ZPOOL_ALIGN);
}

static uint8_t *zpool_slot_addr(const struct zpool *p, uint32_t c, uint32_t slot)
{
    return p->base + (size_t)c * ZPOOL_CHUNK + (size_t)slot * zpool_class_bytes(p->chunks[c].cls);
}

int zpool_alloc(struct zpool *p, size_t len, uint32_t *handle)
{
    uint32_t size = zpool_slot_size(len), cls, c, slot;

    if (size == 0)
        return -ERR_INVAL;
    cls = size / ZPOOL_ALIGN - 1;
    c = p->partial[cls];
    if (c == ZPOOL_NONE) { /* a fresh chunk for this class */
        c = p->free_chunks;
        if (c == ZPOOL_NONE)
            return -ERR_NOMEM;
        zpool_list_remove(p, &p->free_chunks, c);
        p->chunks[c] = (struct zpool_chunk){.next = ZPOOL_NONE,
                                            .prev = ZPOOL_NONE,
                                            .cls = (uint16_t)cls,
                                            .free_head = ZPOOL_NO_SLOT};
        zpool_list_push(p, &p->partial[cls], c);
        p->chunks_used++;
    }
    struct zpool_chunk *ch = &p->chunks[c];
    if (ch->free_head != ZPOOL_NO_SLOT) {
        slot = ch->free_head;
        const uint8_t *at = zpool_slot_addr(p, c, slot);
        ch->free_head = (uint16_t)(at[0] | at[1] << 8);
    } else {
        slot = ch->carved++;
    }
    if (++ch->used == zpool_class_slots(cls))
        zpool_list_remove(p, &p->partial[cls], c);
    p->bytes += size;
    p->objects++;
    *handle = c << ZPOOL_SLOT_BITS | slot;
    return 0;
}

void *zpool_map(const struct zpool *p, uint32_t handle)
{
    return zpool_slot_addr(p, handle >> ZPOOL_SLOT_BITS, handle & ((1u << ZPOOL_SLOT_BITS) - 1));
}

void zpool_free(struct zpool *p, uint32_t handle)
{
    uint32_t c = handle >> ZPOOL_SLOT_BITS, slot = handle & ((1u << ZPOOL_SLOT_BITS) - 1);
    struct zpool_chunk *ch = &p->chunks[c];
    uint32_t cls = ch->cls;
    uint8_t *at = zpool_slot_addr(p, c, slot);

    if (ch->used == zpool_class_slots(cls)) /* full until now: it has room again */
        zpool_list_push(p, &p->partial[cls], c);
    at[0] = (uint8_t)ch->free_head;
    at[1] = (uint8_t)(ch->free_head >> 8);
    ch->free_head = (uint16_t)slot;
    p->bytes -= zpool_class_bytes(cls);
    p->objects--;
    if (--ch->used == 0) { /* empty: any class may have it now */
        zpool_list_remove(p, &p->partial[cls], c);
        zpool_list_push(p, &p->free_chunks, c);
        p->chunks_used--;
    }
}

/* Chunks on list @head, checking each one's back link; UINT32_MAX when broken. */
static uint32_t zpool_list_count(const struct zpool *p, uint32_t head)
{
    uint32_t n = 0, prev = ZPOOL_NONE;

    for (uint32_t c = head; c != ZPOOL_NONE; prev = c, c = p->chunks[c].next) {
        if (c >= p->nchunks || p->chunks[c].prev != prev || ++n > p->nchunks)
            return UINT32_MAX;
    }
    return n;
}

int zpool_check(const struct zpool *p)
{
    uint64_t bytes = 0, objects = 0;
    uint32_t in_use = 0, listed = 0;

    uint32_t free_n = zpool_list_count(p, p->free_chunks);
    if (free_n == UINT32_MAX || free_n + p->chunks_used != p->nchunks)
        return 1;
    for (uint32_t cls = 0; cls < ZPOOL_CLASSES; cls++) {
        uint32_t n = zpool_list_count(p, p->partial[cls]);
        if (n == UINT32_MAX)
            return 2;
        listed += n;
        for (uint32_t c = p->partial[cls]; c != ZPOOL_NONE; c = p->chunks[c].next)
            if (p->chunks[c].cls != cls || p->chunks[c].used == 0 ||
                p->chunks[c].used >= zpool_class_slots(cls))
                return 3;
    }
    for (uint32_t c = 0; c < p->nchunks; c++) {
        const struct zpool_chunk *ch = &p->chunks[c];
        if (ch->used == 0)
            continue;
        in_use++;
        if (ch->used > ch->carved || ch->carved > zpool_class_slots(ch->cls))
            return 4;
        bytes += (uint64_t)ch->used * zpool_class_bytes(ch->cls);
        objects += ch->used;
    }
    if (in_use != p->chunks_used || listed > in_use)
        return 5;
    return bytes == p->bytes && objects == p->objects ? 0 : 6;
}
