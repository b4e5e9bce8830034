/*
 * The page store (pager_store.h): a chained hash table from page offset to
 * stored page. Offsets are hashed multiplicatively by page number; the table
 * doubles when it holds more pages than buckets, and stays as it is (longer
 * chains, still correct) when the memory for a bigger one is not there.
 */
#include <pager/pager_store.h>

#include <abi/errors.h>
#include <pager/pager_mem.h>
#include <stddef.h>

#define PAGER_STORE_ORDER_MIN 4
#define PAGER_STORE_ORDER_MAX 17 /* the largest bucket array fits a 1 MiB block */

/* Bucket of @offset in a table of 1 << @order buckets. */
static uint32_t pager_store_hash(uint64_t offset, uint32_t order)
{
    return (uint32_t)(((offset >> 12) * 0x9e3779b97f4a7c15ull) >> (64 - order));
}

static struct pager_page **pager_store_buckets_alloc(uint32_t order)
{
    return pager_mem_zalloc(sizeof(struct pager_page *) << order);
}

int pager_store_init(struct pager_store *s)
{
    s->order = PAGER_STORE_ORDER_MIN;
    s->count = 0;
    s->buckets = pager_store_buckets_alloc(s->order);
    return s->buckets != NULL ? 0 : -ERR_NOMEM;
}

void pager_store_fini(struct pager_store *s)
{
    pager_mem_free(s->buckets, sizeof(struct pager_page *) << s->order);
    s->buckets = NULL;
}

struct pager_page *pager_store_lookup(const struct pager_store *s, uint64_t offset)
{
    struct pager_page *p = s->buckets[pager_store_hash(offset, s->order)];

    while (p != NULL && p->offset != offset)
        p = p->next;
    return p;
}

/* Double the buckets of @s when it is full; keep the old ones if memory is short. */
static void pager_store_grow(struct pager_store *s)
{
    uint32_t order = s->order + 1;
    struct pager_page **buckets;

    if (s->count < (1ull << s->order) || order > PAGER_STORE_ORDER_MAX)
        return;
    buckets = pager_store_buckets_alloc(order);
    if (buckets == NULL)
        return;
    for (uint64_t b = 0; b < (1ull << s->order); b++) {
        while (s->buckets[b] != NULL) {
            struct pager_page *p = s->buckets[b];
            uint32_t h = pager_store_hash(p->offset, order);
            s->buckets[b] = p->next;
            p->next = buckets[h];
            buckets[h] = p;
        }
    }
    pager_store_fini(s);
    s->buckets = buckets;
    s->order = order;
}

int pager_store_insert(struct pager_store *s, uint64_t offset, void *addr, struct pager_run *run)
{
    struct pager_page *p;

    if (pager_store_lookup(s, offset) != NULL)
        return -ERR_BUSY;
    p = pager_mem_alloc(sizeof(*p));
    if (p == NULL)
        return -ERR_NOMEM;
    pager_store_grow(s);
    uint32_t h = pager_store_hash(offset, s->order);
    p->offset = offset;
    p->addr = addr;
    p->run = run;
    p->next = s->buckets[h];
    s->buckets[h] = p;
    s->count++;
    return 0;
}

int pager_store_remove(struct pager_store *s, uint64_t offset, struct pager_page *out)
{
    struct pager_page **link = &s->buckets[pager_store_hash(offset, s->order)];

    while (*link != NULL && (*link)->offset != offset)
        link = &(*link)->next;
    if (*link == NULL)
        return -ERR_NOENT;
    struct pager_page *p = *link;
    *link = p->next;
    s->count--;
    if (out != NULL) {
        *out = *p;
        out->next = NULL;
    }
    pager_mem_free(p, sizeof(*p));
    return 0;
}

void pager_store_drain(struct pager_store *s, void (*fn)(void *ctx, const struct pager_page *page),
                       void *ctx)
{
    for (uint64_t b = 0; b < (1ull << s->order); b++) {
        while (s->buckets[b] != NULL) {
            struct pager_page *p = s->buckets[b];
            s->buckets[b] = p->next;
            s->count--;
            p->next = NULL;
            fn(ctx, p);
            pager_mem_free(p, sizeof(*p));
        }
    }
}
