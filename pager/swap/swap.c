/*
 * The swap-space allocator: a sorted, coalesced list of free chunks in a fixed array, first fit,
 * and the two placements of Fig. 3-28 built on it (static areas and per-page disk maps). Every
 * entry point checks its arguments and the room it needs before it changes anything, so an error
 * leaves the allocator as it was. No system calls and no library calls: the default pager links it
 * as is, and the host tests compile the same file.
 */
#include "swap.h"

#include <abi/errors.h>

/* Index of the first chunk that starts after @blk (count when there is none). */
static uint32_t swap_chunk_after(const struct swap_space *s, swap_blk_t blk)
{
    uint32_t lo = 0;
    uint32_t hi = s->count;

    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (s->chunks[mid].start <= blk)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Open a slot at index @i (count < capacity) and fill it. */
static void swap_chunk_insert(struct swap_space *s, uint32_t i, swap_blk_t start, swap_blk_t len)
{
    for (uint32_t j = s->count; j > i; j--)
        s->chunks[j] = s->chunks[j - 1];
    s->chunks[i].start = start;
    s->chunks[i].len = len;
    s->count++;
}

/* Close the slot at index @i. */
static void swap_chunk_remove(struct swap_space *s, uint32_t i)
{
    for (uint32_t j = i; j + 1 < s->count; j++)
        s->chunks[j] = s->chunks[j + 1];
    s->count--;
}

int swap_init(struct swap_space *s, swap_blk_t nblocks, struct swap_chunk *table, uint32_t capacity)
{
    if (nblocks == 0 || nblocks == SWAP_NONE || table == 0 || capacity == 0)
        return -ERR_INVAL;
    if (capacity < SWAP_CHUNKS_FOR(nblocks) && capacity < 2)
        return -ERR_INVAL; /* room for no allocation at all */
    s->chunks = table;
    s->capacity = capacity;
    s->nblocks = nblocks;
    s->nfree = nblocks;
    s->live = 0;
    /* A table of SWAP_CHUNKS_FOR(nblocks) entries never fills; a smaller one bounds the live
     * allocations, since the gaps between free chunks each hold a different allocation. */
    s->live_max = capacity >= SWAP_CHUNKS_FOR(nblocks) ? UINT32_MAX : capacity - 1;
    s->count = 0;
    swap_chunk_insert(s, 0, 0, nblocks);
    return 0;
}

int swap_alloc(struct swap_space *s, swap_blk_t len, swap_blk_t *out)
{
    if (len == 0)
        return -ERR_INVAL;
    for (uint32_t i = 0; i < s->count; i++) {
        struct swap_chunk *c = &s->chunks[i];
        if (c->len < len)
            continue;
        if (s->live >= s->live_max)
            return -ERR_LIMIT;
        /* First fit: take the low end, so the chunk count never grows on allocation. */
        *out = c->start;
        if (c->len == len) {
            swap_chunk_remove(s, i);
        } else {
            c->start += len;
            c->len -= len;
        }
        s->nfree -= len;
        s->live++;
        return 0;
    }
    return -ERR_NOSPACE;
}

int swap_free(struct swap_space *s, swap_blk_t start, swap_blk_t len)
{
    if (len == 0 || start >= s->nblocks || len > s->nblocks - start)
        return -ERR_INVAL;
    swap_blk_t end = start + len;
    uint32_t i = swap_chunk_after(s, start);
    struct swap_chunk *prev = i > 0 ? &s->chunks[i - 1] : 0;
    struct swap_chunk *next = i < s->count ? &s->chunks[i] : 0;

    /* Any overlap with a free chunk is a double free. */
    if (prev && prev->start + prev->len > start)
        return -ERR_INVAL;
    if (next && end > next->start)
        return -ERR_INVAL;
    int join_prev = prev && prev->start + prev->len == start;
    int join_next = next && next->start == end;
    if (!join_prev && !join_next && s->count == s->capacity)
        return -ERR_FULL;

    if (join_prev && join_next) {
        prev->len += len + next->len;
        swap_chunk_remove(s, i);
    } else if (join_prev) {
        prev->len += len;
    } else if (join_next) {
        next->start = start;
        next->len += len;
    } else {
        swap_chunk_insert(s, i, start, len);
    }
    s->nfree += len;
    if (s->live > 0)
        s->live--;
    return 0;
}

void swap_stats_get(const struct swap_space *s, struct swap_stats *out)
{
    swap_blk_t largest = 0;

    for (uint32_t i = 0; i < s->count; i++) {
        if (s->chunks[i].len > largest)
            largest = s->chunks[i].len;
    }
    out->nblocks = s->nblocks;
    out->free_blocks = s->nfree;
    out->largest_free = largest;
    out->chunks = s->count;
    out->allocations = s->live;
}

int swap_block_is_free(const struct swap_space *s, swap_blk_t blk)
{
    if (blk >= s->nblocks)
        return 0;
    uint32_t i = swap_chunk_after(s, blk);
    if (i == 0)
        return 0;
    const struct swap_chunk *c = &s->chunks[i - 1];
    return blk - c->start < c->len;
}

int swap_check(const struct swap_space *s)
{
    uint64_t total = 0;

    if (s->count > s->capacity || s->nfree > s->nblocks)
        return -1;
    for (uint32_t i = 0; i < s->count; i++) {
        const struct swap_chunk *c = &s->chunks[i];
        if (c->len == 0 || c->start >= s->nblocks || c->len > s->nblocks - c->start)
            return -1;
        /* Sorted and never touching: touching chunks should have been coalesced. */
        if (i > 0 && s->chunks[i - 1].start + s->chunks[i - 1].len >= c->start)
            return -1;
        total += c->len;
    }
    return total == s->nfree ? 0 : -1;
}

/* ---- Placement (a): static swap areas. ---- */

int swap_area_reserve(struct swap_space *s, swap_blk_t npages, struct swap_area *out)
{
    swap_blk_t start;
    int err = swap_alloc(s, npages, &start);

    if (err) {
        out->start = SWAP_NONE;
        out->npages = 0;
        return err;
    }
    out->start = start;
    out->npages = npages;
    return 0;
}

swap_blk_t swap_area_block(const struct swap_area *a, swap_blk_t page)
{
    if (page >= a->npages)
        return SWAP_NONE;
    return a->start + page;
}

int swap_area_release(struct swap_space *s, struct swap_area *a)
{
    if (a->npages == 0)
        return 0;
    int err = swap_free(s, a->start, a->npages);
    if (err)
        return err;
    a->start = SWAP_NONE;
    a->npages = 0;
    return 0;
}

/* ---- Placement (b): per-page allocation with disk maps. ---- */

int swap_map_pool_init(struct swap_map_pool *pool, struct swap_map_leaf *leaves, uint32_t nleaves)
{
    if (leaves == 0 || nleaves == 0 || nleaves >= SWAP_LEAF_NONE)
        return -ERR_INVAL;
    pool->leaves = leaves;
    pool->nleaves = nleaves;
    for (uint32_t i = 0; i < nleaves; i++)
        leaves[i].next_free = i + 1 < nleaves ? i + 1 : SWAP_LEAF_NONE;
    pool->free_head = 0;
    pool->nfree = nleaves;
    return 0;
}

/* Take an empty leaf from @pool (which is not empty); returns its index. */
static uint32_t swap_leaf_take(struct swap_map_pool *pool)
{
    uint32_t idx = pool->free_head;
    struct swap_map_leaf *leaf = &pool->leaves[idx];

    pool->free_head = leaf->next_free;
    pool->nfree--;
    leaf->used = 0;
    for (uint32_t i = 0; i < SWAP_MAP_LEAF_PAGES; i++)
        leaf->blk[i] = SWAP_NONE;
    return idx;
}

/* Give leaf @idx back to @pool. */
static void swap_leaf_put(struct swap_map_pool *pool, uint32_t idx)
{
    pool->leaves[idx].next_free = pool->free_head;
    pool->free_head = idx;
    pool->nfree++;
}

int swap_map_init(struct swap_map *map, struct swap_map_pool *pool, swap_blk_t npages)
{
    if (pool == 0 || npages == 0 || npages > SWAP_MAP_MAX_PAGES)
        return -ERR_INVAL;
    map->pool = pool;
    map->npages = npages;
    map->count = 0;
    map->charge = 0;
    for (uint32_t i = 0; i < SWAP_MAP_DIR_ENTRIES; i++)
        map->dir[i] = SWAP_LEAF_NONE;
    return 0;
}

void swap_map_charge(struct swap_map *map, uint64_t *charge)
{
    if (map->charge != 0)
        *map->charge -= map->count;
    if (charge != 0)
        *charge += map->count;
    map->charge = charge;
}

/* @map took (@delta 1) or gave back (-1, or minus all it held) blocks: its owner's count follows.
 */
static void swap_map_charged(struct swap_map *map, int64_t delta)
{
    if (map->charge != 0)
        *map->charge += (uint64_t)delta;
}

swap_blk_t swap_map_lookup(const struct swap_map *map, swap_blk_t page)
{
    if (page >= map->npages)
        return SWAP_NONE;
    uint16_t idx = map->dir[page / SWAP_MAP_LEAF_PAGES];
    if (idx == SWAP_LEAF_NONE)
        return SWAP_NONE;
    return map->pool->leaves[idx].blk[page % SWAP_MAP_LEAF_PAGES];
}

int swap_page_alloc(struct swap_space *s, struct swap_map *map, swap_blk_t page, swap_blk_t *out)
{
    if (page >= map->npages)
        return -ERR_INVAL;
    swap_blk_t old = swap_map_lookup(map, page);
    if (old != SWAP_NONE) {
        *out = old;
        return 0;
    }
    uint16_t *slot = &map->dir[page / SWAP_MAP_LEAF_PAGES];
    if (*slot == SWAP_LEAF_NONE && map->pool->free_head == SWAP_LEAF_NONE)
        return -ERR_NOMEM;
    swap_blk_t blk;
    int err = swap_alloc(s, 1, &blk);
    if (err)
        return err;
    /* Past the last check: nothing below can fail. */
    if (*slot == SWAP_LEAF_NONE)
        *slot = (uint16_t)swap_leaf_take(map->pool);
    struct swap_map_leaf *leaf = &map->pool->leaves[*slot];
    leaf->blk[page % SWAP_MAP_LEAF_PAGES] = blk;
    leaf->used++;
    map->count++;
    swap_map_charged(map, 1);
    *out = blk;
    return 0;
}

int swap_page_free(struct swap_space *s, struct swap_map *map, swap_blk_t page)
{
    if (page >= map->npages)
        return -ERR_INVAL;
    uint16_t *slot = &map->dir[page / SWAP_MAP_LEAF_PAGES];
    if (*slot == SWAP_LEAF_NONE)
        return -ERR_NOENT;
    struct swap_map_leaf *leaf = &map->pool->leaves[*slot];
    swap_blk_t *entry = &leaf->blk[page % SWAP_MAP_LEAF_PAGES];
    if (*entry == SWAP_NONE)
        return -ERR_NOENT;
    int err = swap_free(s, *entry, 1);
    if (err)
        return err;
    *entry = SWAP_NONE;
    map->count--;
    swap_map_charged(map, -1);
    if (--leaf->used == 0) {
        swap_leaf_put(map->pool, *slot);
        *slot = SWAP_LEAF_NONE;
    }
    return 0;
}

void swap_map_release(struct swap_space *s, struct swap_map *map)
{
    for (uint32_t d = 0; d < SWAP_MAP_DIR_ENTRIES; d++) {
        if (map->dir[d] == SWAP_LEAF_NONE)
            continue;
        struct swap_map_leaf *leaf = &map->pool->leaves[map->dir[d]];
        for (uint32_t i = 0; i < SWAP_MAP_LEAF_PAGES; i++) {
            /* One-block allocations always free: they never need a new table slot beyond
             * the bound swap_init keeps. */
            if (leaf->blk[i] != SWAP_NONE)
                (void)swap_free(s, leaf->blk[i], 1);
        }
        swap_leaf_put(map->pool, map->dir[d]);
        map->dir[d] = SWAP_LEAF_NONE;
    }
    swap_map_charged(map, -(int64_t)map->count);
    map->count = 0;
}
