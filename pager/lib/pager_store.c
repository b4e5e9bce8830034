/*
 * The page store (pager_store.h): the library's hash table (lib/hash.h) from
 * page offset to stored page, hashed by page number, its buckets and pages
 * from the framework's allocator.
 */
#include <pager/pager_store.h>

#include <abi/errors.h>
#include <abi/page.h>
#include <pager/pager_mem.h>
#include <stddef.h>

static const struct hash_type pager_store_type = {
    .key_offset = HASH_KEY_OFFSET(struct pager_page, offset, link),
    .key_shift = PAGE_SHIFT,
    .order_min = 4,
    .order_max = 17, /* the largest bucket array fits a 1 MiB block */
    .zalloc = pager_mem_zalloc,
    .free = pager_mem_free,
};

int pager_store_init(struct pager_store *s)
{
    return hash_init(&s->table, &pager_store_type) ? 0 : -ERR_NOMEM;
}

void pager_store_fini(struct pager_store *s)
{
    hash_fini(&s->table);
}

struct pager_page *pager_store_lookup(const struct pager_store *s, uint64_t offset)
{
    struct hash_link *link = hash_lookup(&s->table, offset);

    return link != NULL ? hash_entry(link, struct pager_page, link) : NULL;
}

int pager_store_insert(struct pager_store *s, uint64_t offset, void *addr, struct pager_run *run)
{
    struct pager_page *p;

    if (pager_store_lookup(s, offset) != NULL)
        return -ERR_BUSY;
    p = pager_mem_alloc(sizeof(*p));
    if (p == NULL)
        return -ERR_NOMEM;
    p->offset = offset;
    p->addr = addr;
    p->run = run;
    hash_insert(&s->table, &p->link);
    return 0;
}

int pager_store_remove(struct pager_store *s, uint64_t offset, struct pager_page *out)
{
    struct hash_link *link = hash_remove(&s->table, offset);

    if (link == NULL)
        return -ERR_NOENT;
    struct pager_page *p = hash_entry(link, struct pager_page, link);
    if (out != NULL)
        *out = *p;
    pager_mem_free(p, sizeof(*p));
    return 0;
}

bool pager_store_drain_some(struct pager_store *s, uint64_t max,
                            void (*fn)(void *ctx, const struct pager_page *page), void *ctx)
{
    struct hash_link *link;
    uint64_t b = 0;

    for (uint64_t n = 0; n < max && (link = hash_pop(&s->table, &b)) != NULL; n++) {
        struct pager_page *p = hash_entry(link, struct pager_page, link);
        fn(ctx, p);
        pager_mem_free(p, sizeof(*p));
    }
    return s->table.count > 0;
}

void pager_store_drain(struct pager_store *s, void (*fn)(void *ctx, const struct pager_page *page),
                       void *ctx)
{
    pager_store_drain_some(s, UINT64_MAX, fn, ctx);
}
