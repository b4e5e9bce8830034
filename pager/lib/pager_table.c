/*
 * The object table (pager_table.h): a chained hash table from the kernel's
 * object id to struct pager_object, linked through obj->next. It doubles
 * when it holds more objects than buckets, if memory allows.
 */
#include <pager/pager_table.h>

#include <abi/errors.h>
#include <stddef.h>

#define PAGER_TABLE_ORDER_MIN 4
#define PAGER_TABLE_ORDER_MAX 17

/* Bucket of object id @id in a table of 1 << @order buckets. */
static uint32_t pager_table_hash(uint64_t id, uint32_t order)
{
    return (uint32_t)((id * 0x9e3779b97f4a7c15ull) >> (64 - order));
}

static struct pager_object **pager_table_buckets_alloc(uint32_t order)
{
    return pager_mem_zalloc(sizeof(struct pager_object *) << order);
}

int pager_table_init(struct pager_table *t)
{
    t->order = PAGER_TABLE_ORDER_MIN;
    t->count = 0;
    t->buckets = pager_table_buckets_alloc(t->order);
    return t->buckets != NULL ? 0 : -ERR_NOMEM;
}

void pager_table_fini(struct pager_table *t)
{
    pager_mem_free(t->buckets, sizeof(struct pager_object *) << t->order);
    t->buckets = NULL;
}

struct pager_object *pager_table_lookup(const struct pager_table *t, uint64_t id)
{
    struct pager_object *obj = t->buckets[pager_table_hash(id, t->order)];

    while (obj != NULL && obj->id != id)
        obj = obj->next;
    return obj;
}

/* Double the buckets of @t when it is full; keep the old ones if memory is short. */
static void pager_table_grow(struct pager_table *t)
{
    uint32_t order = t->order + 1;
    struct pager_object **buckets;

    if (t->count < (1ull << t->order) || order > PAGER_TABLE_ORDER_MAX)
        return;
    buckets = pager_table_buckets_alloc(order);
    if (buckets == NULL)
        return;
    for (uint64_t b = 0; b < (1ull << t->order); b++) {
        while (t->buckets[b] != NULL) {
            struct pager_object *obj = t->buckets[b];
            uint32_t h = pager_table_hash(obj->id, order);
            t->buckets[b] = obj->next;
            obj->next = buckets[h];
            buckets[h] = obj;
        }
    }
    pager_table_fini(t);
    t->buckets = buckets;
    t->order = order;
}

int pager_table_insert(struct pager_table *t, struct pager_object *obj)
{
    if (pager_table_lookup(t, obj->id) != NULL)
        return -ERR_BUSY;
    pager_table_grow(t);
    uint32_t h = pager_table_hash(obj->id, t->order);
    obj->next = t->buckets[h];
    t->buckets[h] = obj;
    t->count++;
    return 0;
}

struct pager_object *pager_table_remove(struct pager_table *t, uint64_t id)
{
    struct pager_object **link = &t->buckets[pager_table_hash(id, t->order)];

    while (*link != NULL && (*link)->id != id)
        link = &(*link)->next;
    if (*link == NULL)
        return NULL;
    struct pager_object *obj = *link;
    *link = obj->next;
    obj->next = NULL;
    t->count--;
    return obj;
}
