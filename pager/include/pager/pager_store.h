/*
 * A page store: the pages a pager holds for one memory object, keyed by
 * their offset in the object, in a hash table that doubles as it fills
 * (lib/hash.h), so lookup, insert and remove cost O(1) whatever the number
 * of pages. The store
 * only keeps the bookkeeping; the pages themselves stay where they are.
 * Callers serialize access to a store (the framework holds the object lock).
 */
#ifndef PAGER_PAGER_STORE_H
#define PAGER_PAGER_STORE_H

#include <lib/hash.h>
#include <stdbool.h>
#include <stdint.h>

struct pager_run; /* the region a page lives in (pager_pages.c); opaque here */

/* One stored page. */
struct pager_page {
    uint64_t offset;       /* page-aligned offset in the object */
    void *addr;            /* where the page is mapped in this task */
    struct pager_run *run; /* the region it belongs to, or NULL */
    struct hash_link link; /* the store's */
};

struct pager_store {
    struct hash_table table; /* of struct pager_page by offset */
};

/* Start an empty store in @s. Returns 0 or -ERR_NOMEM. */
int pager_store_init(struct pager_store *s);

/* Release the table of @s, which must be empty (pager_store_drain first). */
void pager_store_fini(struct pager_store *s);

/* The page stored at @offset, or NULL. */
struct pager_page *pager_store_lookup(const struct pager_store *s, uint64_t offset);

/*
 * Store the page at @addr (in region @run) for @offset. Returns 0, -ERR_BUSY
 * when @offset is already stored (nothing changes) or -ERR_NOMEM.
 */
int pager_store_insert(struct pager_store *s, uint64_t offset, void *addr, struct pager_run *run);

/*
 * Forget the page stored at @offset; its entry is copied to *@out first
 * (@out may be NULL). Returns 0 or -ERR_NOENT.
 */
int pager_store_remove(struct pager_store *s, uint64_t offset, struct pager_page *out);

/*
 * Remove at most @max pages of @s, calling @fn(@ctx, page) for each before
 * it goes. Returns true when pages remain.
 */
bool pager_store_drain_some(struct pager_store *s, uint64_t max,
                            void (*fn)(void *ctx, const struct pager_page *page), void *ctx);
/* Remove every page of @s, calling @fn(@ctx, page) for each before it goes. */
void pager_store_drain(struct pager_store *s, void (*fn)(void *ctx, const struct pager_page *page),
                       void *ctx);

#endif
