/*
 * A chained hash table from 64-bit keys to objects that embed a struct
 * hash_link and hold their key in a uint64_t field. It doubles its buckets
 * when it holds as many objects as buckets, up to a limit, and stays as it
 * is (longer chains, still correct) when the memory for more is not there.
 * Keys are hashed multiplicatively (Fibonacci hashing) after dropping the
 * low bits every key shares. What a table holds and where its memory comes
 * from is one static struct hash_type per kind of table, so the table runs
 * wherever its user can allocate. It does not lock: callers serialize.
 */
#ifndef LIB_HASH_H
#define LIB_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lib/list.h>

struct hash_link {
    struct hash_link *next; /* chain */
};

struct hash_type {
    ptrdiff_t key_offset;          /* from an object's link to its key: HASH_KEY_OFFSET */
    uint32_t key_shift;            /* low key bits every key shares, dropped before hashing */
    uint32_t order_min, order_max; /* 1 << order buckets: at the start, at the most */
    void *(*zalloc)(size_t bytes); /* zero-filled memory, or NULL */
    void (*free)(void *ptr, size_t bytes);
};

/* The key_offset of objects of @type keyed by @key and linked by @link. */
#define HASH_KEY_OFFSET(type, key, link)                                                           \
    ((ptrdiff_t)offsetof(type, key) - (ptrdiff_t)offsetof(type, link))

/* The object of @type whose member @link is @ptr. */
#define hash_entry(ptr, type, link) container_of(ptr, type, link)

struct hash_table {
    const struct hash_type *type;
    struct hash_link **buckets;
    uint32_t order; /* 1 << order buckets */
    uint64_t count; /* objects */
};

/* Start an empty table of @type in @t. False when its buckets cannot be allocated. */
bool hash_init(struct hash_table *t, const struct hash_type *type);

/* Release the buckets of @t, which must be empty. */
void hash_fini(struct hash_table *t);

/* The link of the object with key @key, or NULL. */
struct hash_link *hash_lookup(const struct hash_table *t, uint64_t key);

/* Enter the object of @link under its key, which @t does not hold yet. */
void hash_insert(struct hash_table *t, struct hash_link *link);

/* Take the object with key @key out of @t and return its link, or NULL. */
struct hash_link *hash_remove(struct hash_table *t, uint64_t key);

/*
 * Take an object out of @t: the first of the lowest non-empty bucket at or
 * after *@bucket, which is left there. NULL when @t is empty. Emptying a
 * table with *@bucket starting at 0 visits each bucket once.
 */
struct hash_link *hash_pop(struct hash_table *t, uint64_t *bucket);

#endif
