/*
 * The chained hash table of lib/hash.h. Objects are linked at the head of
 * their bucket's chain; growing moves every object to a bucket array twice
 * the size, allocated and freed through the table's type.
 */
#include <lib/hash.h>

static uint64_t hash_key(const struct hash_table *t, const struct hash_link *link)
{
    return *(const uint64_t *)((const char *)link + t->type->key_offset);
}

/* Bucket of @key in a table of 1 << @order buckets. */
static uint32_t hash_bucket(const struct hash_table *t, uint64_t key, uint32_t order)
{
    return (uint32_t)(((key >> t->type->key_shift) * 0x9e3779b97f4a7c15ull) >> (64 - order));
}

static size_t hash_bytes(uint32_t order)
{
    return sizeof(struct hash_link *) << order;
}

bool hash_init(struct hash_table *t, const struct hash_type *type)
{
    t->type = type;
    t->order = type->order_min;
    t->count = 0;
    t->buckets = type->zalloc(hash_bytes(t->order));
    return t->buckets != NULL;
}

void hash_fini(struct hash_table *t)
{
    t->type->free(t->buckets, hash_bytes(t->order));
    t->buckets = NULL;
}

struct hash_link *hash_lookup(const struct hash_table *t, uint64_t key)
{
    struct hash_link *link = t->buckets[hash_bucket(t, key, t->order)];

    while (link != NULL && hash_key(t, link) != key)
        link = link->next;
    return link;
}

/* Double the buckets of @t when it is full; keep the old ones if memory is short. */
static void hash_grow(struct hash_table *t)
{
    uint32_t order = t->order + 1;
    struct hash_link **buckets;

    if (t->count < (1ull << t->order) || order > t->type->order_max)
        return;
    buckets = t->type->zalloc(hash_bytes(order));
    if (buckets == NULL)
        return;
    for (uint64_t b = 0; b < (1ull << t->order); b++) {
        while (t->buckets[b] != NULL) {
            struct hash_link *link = t->buckets[b];
            uint32_t h = hash_bucket(t, hash_key(t, link), order);
            t->buckets[b] = link->next;
            link->next = buckets[h];
            buckets[h] = link;
        }
    }
    hash_fini(t);
    t->buckets = buckets;
    t->order = order;
}

void hash_insert(struct hash_table *t, struct hash_link *link)
{
    hash_grow(t);
    uint32_t h = hash_bucket(t, hash_key(t, link), t->order);
    link->next = t->buckets[h];
    t->buckets[h] = link;
    t->count++;
}

struct hash_link *hash_remove(struct hash_table *t, uint64_t key)
{
    struct hash_link **at = &t->buckets[hash_bucket(t, key, t->order)];

    while (*at != NULL && hash_key(t, *at) != key)
        at = &(*at)->next;
    if (*at == NULL)
        return NULL;
    struct hash_link *link = *at;
    *at = link->next;
    link->next = NULL;
    t->count--;
    return link;
}

struct hash_link *hash_pop(struct hash_table *t, uint64_t *bucket)
{
    for (; *bucket < (1ull << t->order); (*bucket)++) {
        struct hash_link *link = t->buckets[*bucket];
        if (link != NULL) {
            t->buckets[*bucket] = link->next;
            link->next = NULL;
            t->count--;
            return link;
        }
    }
    return NULL;
}
