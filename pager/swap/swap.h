/*
 * The swap-space allocator of the default pager (section 3.6.5): the swap partition, blocks
 * 0..N-1 of one 4 KiB page each, is a sorted list of free chunks (start, length), allocated first
 * fit and coalesced on free, in a caller-provided fixed array. On top of it, the two placements of
 * Fig. 3-28: a static swap area per task (a) and per-page allocation recorded in a disk map (b).
 * Plain C, no system calls and no heap; see docs/swap.md for the design and its bounds.
 */
#ifndef SWAP_H
#define SWAP_H

#include <stdint.h>

typedef uint32_t swap_blk_t;

/* "No block": a disk-map entry for a page that is not on swap, or an error result. */
#define SWAP_NONE ((swap_blk_t)0xffffffffu)

/*
 * Chunk-table entries that make every free succeed for a partition of @n blocks: free chunks are
 * separated by at least one used block, so there are at most ceil(n / 2) of them.
 */
#define SWAP_CHUNKS_FOR(n) ((uint32_t)(n) / 2u + 1u)

/* One free extent: blocks start .. start + len - 1, len > 0. */
struct swap_chunk {
    swap_blk_t start;
    swap_blk_t len;
};

/*
 * The free-chunk list. chunks[0..count-1] is sorted by start, no two chunks overlap or touch
 * (they are coalesced), and their lengths add up to nfree. live counts the allocations not yet
 * freed; when the table is smaller than SWAP_CHUNKS_FOR(nblocks), live is kept below live_max =
 * capacity - 1, which bounds the chunks by live + 1 <= capacity (see swap_init).
 */
struct swap_space {
    struct swap_chunk *chunks;
    uint32_t count;
    uint32_t capacity;
    swap_blk_t nblocks;
    swap_blk_t nfree;
    uint32_t live;
    uint32_t live_max;
};

struct swap_stats {
    swap_blk_t nblocks;      /* size of the partition */
    swap_blk_t free_blocks;  /* blocks in free chunks */
    swap_blk_t largest_free; /* length of the largest free chunk, 0 when full */
    uint32_t chunks;         /* number of free chunks */
    uint32_t allocations;    /* allocations not yet freed */
};

/*
 * Set up @s to manage @nblocks blocks (all free, one chunk) with the chunk table @table of
 * @capacity entries, which the caller keeps for the life of @s. With capacity >=
 * SWAP_CHUNKS_FOR(nblocks) there is no limit on the number of allocations; with a smaller table
 * (at least 2) at most capacity - 1 allocations may be live at once, and swap_alloc returns
 * -ERR_LIMIT beyond that, so that no free can ever find the table full.
 * Returns 0, or -ERR_INVAL (no blocks, nblocks == SWAP_NONE, table NULL, or a table too small:
 * capacity 0, or 1 below SWAP_CHUNKS_FOR(nblocks)).
 */
int swap_init(struct swap_space *s, swap_blk_t nblocks, struct swap_chunk *table,
              uint32_t capacity);

/*
 * Allocate @len contiguous blocks, first fit: the lowest-addressed free chunk that is large
 * enough gives its first @len blocks. Returns 0 and the first block in *out, -ERR_INVAL (len 0),
 * -ERR_NOSPACE (no free chunk is large enough) or -ERR_LIMIT (too many live allocations for a
 * small table). On error nothing changes.
 */
int swap_alloc(struct swap_space *s, swap_blk_t len, swap_blk_t *out);

/*
 * Give back @len blocks from @start, exactly as one earlier swap_alloc returned them; they merge
 * with the free chunks on either side. Returns 0, or -ERR_INVAL (len 0, out of range, or some of
 * the blocks already free: a double free), or -ERR_FULL (the range is not one whole allocation and
 * the table has no room: only a caller that splits its allocations can see this). On error
 * nothing changes and the caller still owns the blocks.
 */
int swap_free(struct swap_space *s, swap_blk_t start, swap_blk_t len);

/* Fill *out with the statistics of @s. Constant time except largest_free (one pass). */
void swap_stats_get(const struct swap_space *s, struct swap_stats *out);

/* Whether block @blk is in a free chunk (binary search); false when out of range. */
int swap_block_is_free(const struct swap_space *s, swap_blk_t blk);

/* Check the invariants of @s (sorted, disjoint, coalesced, in range, nfree adds up). 0 or -1. */
int swap_check(const struct swap_space *s);

/* ---- Placement (a): a static swap area per task (Fig. 3-28a). ---- */

/* A task's swap area: page p of the task lives in block start + p, for p < npages. */
struct swap_area {
    swap_blk_t start;
    swap_blk_t npages;
};

/*
 * Reserve one contiguous area of @npages blocks for a task being created. Returns 0 and the area
 * in *out, or the error of swap_alloc (nothing changes, *out is set to an empty area).
 */
int swap_area_reserve(struct swap_space *s, swap_blk_t npages, struct swap_area *out);

/* The block of page @page of area @a, or SWAP_NONE when the page lies outside the area. */
swap_blk_t swap_area_block(const struct swap_area *a, swap_blk_t page);

/*
 * Release area @a when its task exits and leave it empty; releasing an empty area does nothing.
 * Returns 0 or the error of swap_free.
 */
int swap_area_release(struct swap_space *s, struct swap_area *a);

/* ---- Placement (b): per-page allocation with a disk map (Fig. 3-28b). ---- */

/* A disk map is a two-level table: a directory of leaf indices, leaves of block numbers. */
#define SWAP_MAP_LEAF_PAGES 1024u
#define SWAP_MAP_DIR_ENTRIES 256u
#define SWAP_MAP_MAX_PAGES (SWAP_MAP_LEAF_PAGES * SWAP_MAP_DIR_ENTRIES)
#define SWAP_LEAF_NONE 0xffffu

/* One leaf: the blocks of SWAP_MAP_LEAF_PAGES consecutive pages and how many are set. */
struct swap_map_leaf {
    uint32_t used;
    uint32_t next_free; /* free-list link while the leaf is in the pool */
    swap_blk_t blk[SWAP_MAP_LEAF_PAGES];
};

/*
 * The leaves every disk map of the server draws from, in a caller-provided array of at most
 * SWAP_LEAF_NONE entries. A map takes a leaf only for a range of 1024 pages with a page on swap,
 * so sparse objects cost little, and gives it back when the last of those pages leaves swap.
 */
struct swap_map_pool {
    struct swap_map_leaf *leaves;
    uint32_t nleaves;
    uint32_t free_head; /* SWAP_LEAF_NONE when empty */
    uint32_t nfree;
};

/* The disk map of one object or task: pages 0..npages-1. */
struct swap_map {
    struct swap_map_pool *pool;
    swap_blk_t npages;
    swap_blk_t count; /* pages with a block */
    /* NULL, or the count of the blocks its owner holds (swap_map_charge): every block this map
     * takes or gives back is added to or taken from it, so the maps of one owner share it. */
    uint64_t *charge;
    uint16_t dir[SWAP_MAP_DIR_ENTRIES];
};

/*
 * Set up @pool over @leaves[0..nleaves-1], which the caller keeps for the life of the pool.
 * Returns 0, or -ERR_INVAL (NULL leaves, nleaves 0 or >= SWAP_LEAF_NONE).
 */
int swap_map_pool_init(struct swap_map_pool *pool, struct swap_map_leaf *leaves, uint32_t nleaves);

/*
 * Set up an empty disk map for an object of @npages pages, drawing leaves from @pool.
 * Returns 0, or -ERR_INVAL (npages 0 or above SWAP_MAP_MAX_PAGES).
 */
int swap_map_init(struct swap_map *map, struct swap_map_pool *pool, swap_blk_t npages);

/*
 * Charge the blocks of @map to the count at @charge (NULL: to nobody) from now on: the blocks it
 * holds already move from its previous count to @charge, so each count stays exactly the number
 * of blocks its maps hold.
 */
void swap_map_charge(struct swap_map *map, uint64_t *charge);

/* The block holding page @page of @map, or SWAP_NONE (not on swap, or out of range). */
swap_blk_t swap_map_lookup(const struct swap_map *map, swap_blk_t page);

/*
 * Pageout of page @page: give it a block and record it in @map. A page that already has a block
 * keeps it (its old copy is superseded by the write). Returns 0 and the block in *out, or
 * -ERR_INVAL (page out of range), -ERR_NOMEM (a leaf is needed and the pool is empty),
 * -ERR_NOSPACE (swap full) or -ERR_LIMIT (see swap_alloc); on error nothing changes.
 */
int swap_page_alloc(struct swap_space *s, struct swap_map *map, swap_blk_t page, swap_blk_t *out);

/*
 * Page @page came back in (or its copy is no longer wanted): free its block and clear its entry,
 * returning the leaf to the pool when it empties. Returns 0, -ERR_INVAL (out of range) or
 * -ERR_NOENT (the page has no block).
 */
int swap_page_free(struct swap_space *s, struct swap_map *map, swap_blk_t page);

/* The object died or its task exited: free every block of @map and all its leaves. */
void swap_map_release(struct swap_space *s, struct swap_map *map);

#endif
