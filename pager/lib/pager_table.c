/*
 * The object table (pager_table.h): the library's hash table (lib/hash.h)
 * from the kernel's object id to struct pager_object, its buckets from the
 * framework's allocator.
 */
#include <pager/pager_table.h>

#include <abi/errors.h>
#include <stddef.h>

static const struct hash_type pager_table_type = {
    .key_offset = HASH_KEY_OFFSET(struct pager_object, id, link),
    .key_shift = 0,
    .order_min = 4,
    .order_max = 17,
    .zalloc = pager_mem_zalloc,
    .free = pager_mem_free,
};

int pager_table_init(struct pager_table *t)
{
    return hash_init(&t->table, &pager_table_type) ? 0 : -ERR_NOMEM;
}

void pager_table_fini(struct pager_table *t)
{
    hash_fini(&t->table);
}

/* The object of @link, or NULL. */
static struct pager_object *pager_table_object(struct hash_link *link)
{
    return link != NULL ? hash_entry(link, struct pager_object, link) : NULL;
}

struct pager_object *pager_table_lookup(const struct pager_table *t, uint64_t id)
{
    return pager_table_object(hash_lookup(&t->table, id));
}

int pager_table_insert(struct pager_table *t, struct pager_object *obj)
{
    if (pager_table_lookup(t, obj->id) != NULL)
        return -ERR_BUSY;
    hash_insert(&t->table, &obj->link);
    return 0;
}

struct pager_object *pager_table_remove(struct pager_table *t, uint64_t id)
{
    return pager_table_object(hash_remove(&t->table, id));
}
