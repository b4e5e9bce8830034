/*
 * The swap allocator on the host: both placements of Fig. 3-28, coalescing in every free order,
 * fragmentation, swap full (nothing changes), release on task exit, the bounded chunk table, and
 * a random stress run checked block by block against a bitmap model with an exact first-fit
 * oracle.
 */
#include "swap.h"

#include <abi/errors.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define MAX_BLOCKS 4096u
#define POOL_LEAVES 64u

static struct swap_chunk table[SWAP_CHUNKS_FOR(MAX_BLOCKS)];
static struct swap_map_leaf leaves[POOL_LEAVES];

/* A copy of the allocator's visible state, to show that a failed call changed nothing. */
struct snapshot {
    struct swap_space s;
    struct swap_chunk chunks[64];
};

static void snapshot_take(const struct swap_space *s, struct snapshot *snap)
{
    assert_true(s->count <= 64);
    snap->s = *s;
    memcpy(snap->chunks, s->chunks, s->count * sizeof(s->chunks[0]));
}

static void snapshot_assert_same(const struct swap_space *s, const struct snapshot *snap)
{
    assert_int_equal(s->count, snap->s.count);
    assert_int_equal(s->nfree, snap->s.nfree);
    assert_int_equal(s->live, snap->s.live);
    assert_memory_equal(s->chunks, snap->chunks, s->count * sizeof(s->chunks[0]));
}

static void space_init(struct swap_space *s, swap_blk_t n)
{
    assert_int_equal(swap_init(s, n, table, SWAP_CHUNKS_FOR(n)), 0);
}

static void assert_one_chunk(const struct swap_space *s)
{
    struct swap_stats st;

    assert_int_equal(swap_check(s), 0);
    swap_stats_get(s, &st);
    assert_int_equal(st.chunks, 1);
    assert_int_equal(st.free_blocks, s->nblocks);
    assert_int_equal(st.largest_free, s->nblocks);
    assert_int_equal(st.allocations, 0);
}

static void test_swap_init_one_chunk(void **state)
{
    struct swap_space s;

    (void)state;
    space_init(&s, 100);
    assert_one_chunk(&s);
    assert_true(swap_block_is_free(&s, 0));
    assert_true(swap_block_is_free(&s, 99));
    assert_false(swap_block_is_free(&s, 100));
    assert_int_equal(swap_init(&s, 0, table, 10), -ERR_INVAL);
    assert_int_equal(swap_init(&s, SWAP_NONE, table, 10), -ERR_INVAL);
    assert_int_equal(swap_init(&s, 10, NULL, 10), -ERR_INVAL);
    assert_int_equal(swap_init(&s, 10, table, 1), -ERR_INVAL);
}

/* Fig. 3-28a: each task gets one area; page p lives at start + p; exit frees the area. */
static void test_swap_static_area(void **state)
{
    struct swap_space s;
    struct swap_area a, b, c;
    struct swap_stats st;

    (void)state;
    space_init(&s, 64);
    assert_int_equal(swap_area_reserve(&s, 8, &a), 0);
    assert_int_equal(swap_area_reserve(&s, 16, &b), 0);
    assert_int_equal(a.start, 0);
    assert_int_equal(b.start, 8);
    assert_int_equal(swap_area_block(&a, 0), 0);
    assert_int_equal(swap_area_block(&a, 7), 7);
    assert_int_equal(swap_area_block(&a, 8), SWAP_NONE);
    assert_int_equal(swap_area_block(&b, 3), 11);
    assert_false(swap_block_is_free(&s, 23));
    assert_int_equal(swap_area_reserve(&s, 41, &c), -ERR_NOSPACE);
    assert_int_equal(c.npages, 0);
    assert_int_equal(swap_area_reserve(&s, 0, &c), -ERR_INVAL);

    /* The first task exits; a smaller task reuses its hole (first fit). */
    assert_int_equal(swap_area_release(&s, &a), 0);
    assert_int_equal(a.npages, 0);
    assert_int_equal(swap_area_release(&s, &a), 0); /* empty: no-op */
    assert_int_equal(swap_area_reserve(&s, 4, &c), 0);
    assert_int_equal(c.start, 0);
    swap_stats_get(&s, &st);
    assert_int_equal(st.free_blocks, 64 - 16 - 4);
    assert_int_equal(st.chunks, 2);
    assert_int_equal(swap_area_release(&s, &b), 0);
    assert_int_equal(swap_area_release(&s, &c), 0);
    assert_one_chunk(&s);
}

/* Two disk maps, one of them the largest and sparse, with three pages on swap (Fig. 3-28b). */
struct dyn {
    struct swap_space s;
    struct swap_map_pool pool;
    struct swap_map m1, m2;
    swap_blk_t b0, b1, b2;
};

static void dyn_setup(struct dyn *d)
{
    space_init(&d->s, 64);
    assert_int_equal(swap_map_pool_init(&d->pool, leaves, POOL_LEAVES), 0);
    assert_int_equal(swap_map_init(&d->m1, &d->pool, SWAP_MAP_MAX_PAGES), 0);
    assert_int_equal(swap_map_init(&d->m2, &d->pool, SWAP_MAP_MAX_PAGES + 1), -ERR_INVAL);
    assert_int_equal(swap_map_init(&d->m2, &d->pool, 0), -ERR_INVAL);
    assert_int_equal(swap_map_init(&d->m2, &d->pool, 10), 0);
    assert_int_equal(swap_map_lookup(&d->m1, 5), SWAP_NONE);
    assert_int_equal(swap_page_alloc(&d->s, &d->m1, 0, &d->b0), 0);
    assert_int_equal(swap_page_alloc(&d->s, &d->m1, 200000, &d->b1), 0);
    assert_int_equal(swap_page_alloc(&d->s, &d->m2, 9, &d->b2), 0);
}

/* Blocks are given on pageout and recorded; pages far apart cost one leaf per 1024 pages. */
static void test_swap_dynamic_map(void **state)
{
    struct dyn d;
    swap_blk_t again;

    (void)state;
    dyn_setup(&d);
    assert_int_equal(d.pool.nfree, POOL_LEAVES - 3);
    assert_true(d.b0 != d.b1 && d.b1 != d.b2 && d.b0 != d.b2);
    assert_int_equal(swap_map_lookup(&d.m1, 0), d.b0);
    assert_int_equal(swap_map_lookup(&d.m1, 200000), d.b1);
    assert_int_equal(swap_map_lookup(&d.m1, 200001), SWAP_NONE);
    assert_int_equal(swap_map_lookup(&d.m2, 9), d.b2);
    assert_int_equal(swap_map_lookup(&d.m2, 10), SWAP_NONE);
    assert_int_equal(d.m1.count, 2);

    /* A page paged out again keeps its block; bad pages are refused. */
    assert_int_equal(swap_page_alloc(&d.s, &d.m1, 0, &again), 0);
    assert_int_equal(again, d.b0);
    assert_int_equal(swap_page_alloc(&d.s, &d.m2, 10, &again), -ERR_INVAL);
    assert_int_equal(d.s.nfree, 61);
    swap_map_release(&d.s, &d.m1);
    swap_map_release(&d.s, &d.m2);
    assert_one_chunk(&d.s);
}

/* Page-in frees the block and, with the last page of a leaf, the leaf. */
static void test_swap_dynamic_page_in(void **state)
{
    struct dyn d;

    (void)state;
    dyn_setup(&d);
    assert_int_equal(swap_page_free(&d.s, &d.m1, 200000), 0);
    assert_int_equal(swap_page_free(&d.s, &d.m1, 200000), -ERR_NOENT);
    assert_int_equal(swap_page_free(&d.s, &d.m1, 1), -ERR_NOENT);
    assert_int_equal(swap_page_free(&d.s, &d.m2, 10), -ERR_INVAL);
    assert_int_equal(swap_map_lookup(&d.m1, 200000), SWAP_NONE);
    assert_true(swap_block_is_free(&d.s, d.b1));
    assert_int_equal(d.pool.nfree, POOL_LEAVES - 2);
    assert_int_equal(d.s.nfree, 62);
    swap_map_release(&d.s, &d.m1);
    swap_map_release(&d.s, &d.m2);
    assert_int_equal(d.pool.nfree, POOL_LEAVES);
    assert_one_chunk(&d.s);
}

/* Next permutation of a[0..n-1] in lexicographic order; 0 after the last. */
static int permute_next(int *a, int n)
{
    int i = n - 2;
    while (i >= 0 && a[i] >= a[i + 1])
        i--;
    if (i < 0)
        return 0;
    int j = n - 1;
    while (a[j] <= a[i])
        j--;
    int t = a[i];
    a[i] = a[j];
    a[j] = t;
    for (int l = i + 1, r = n - 1; l < r; l++, r--) {
        t = a[l];
        a[l] = a[r];
        a[r] = t;
    }
    return 1;
}

/* Six pieces of different sizes fill the space; every one of the 720 free orders ends in one
 * chunk, with the invariants holding after each free. */
static void test_swap_coalesce_every_order(void **state)
{
    static const swap_blk_t sizes[6] = {1, 3, 2, 5, 1, 4};
    int order[6] = {0, 1, 2, 3, 4, 5};
    int orders = 0;

    (void)state;
    do {
        struct swap_space s;
        swap_blk_t start[6];
        space_init(&s, 16);
        for (int i = 0; i < 6; i++)
            assert_int_equal(swap_alloc(&s, sizes[i], &start[i]), 0);
        assert_int_equal(s.nfree, 0);
        assert_int_equal(s.count, 0);
        for (int k = 0; k < 6; k++) {
            int i = order[k];
            assert_int_equal(swap_free(&s, start[i], sizes[i]), 0);
            assert_int_equal(swap_check(&s), 0);
        }
        assert_one_chunk(&s);
        orders++;
    } while (permute_next(order, 6));
    assert_int_equal(orders, 720);
}

/* Alternating frees leave holes too small for a big request until a neighbour is freed. */
static void test_swap_fragmentation(void **state)
{
    struct swap_space s;
    struct snapshot snap;
    struct swap_stats st;
    swap_blk_t piece[16], blk;

    (void)state;
    space_init(&s, 64);
    for (int i = 0; i < 16; i++)
        assert_int_equal(swap_alloc(&s, 4, &piece[i]), 0);
    for (int i = 0; i < 16; i += 2)
        assert_int_equal(swap_free(&s, piece[i], 4), 0);
    swap_stats_get(&s, &st);
    assert_int_equal(st.free_blocks, 32);
    assert_int_equal(st.chunks, 8);
    assert_int_equal(st.largest_free, 4);

    /* 32 blocks free, but no 12 in a row: refused, nothing changes. */
    snapshot_take(&s, &snap);
    assert_int_equal(swap_alloc(&s, 12, &blk), -ERR_NOSPACE);
    snapshot_assert_same(&s, &snap);

    /* Freeing piece 5 joins holes 4 and 6 into one of 12 blocks: now it fits there. */
    assert_int_equal(swap_free(&s, piece[5], 4), 0);
    swap_stats_get(&s, &st);
    assert_int_equal(st.chunks, 7);
    assert_int_equal(st.largest_free, 12);
    assert_int_equal(swap_alloc(&s, 12, &blk), 0);
    assert_int_equal(blk, piece[4]);
    assert_int_equal(swap_check(&s), 0);

    /* 24 blocks still free in six holes of 4: 5 contiguous do not fit. */
    assert_int_equal(s.nfree, 24);
    assert_int_equal(swap_alloc(&s, 5, &blk), -ERR_NOSPACE);
}

/* A swap space of @n blocks filled by @n pages of one disk map, blocks 0..n-1 in order. */
static void full_fill(struct swap_space *s, struct swap_map_pool *pool, struct swap_map *m,
                      swap_blk_t n)
{
    swap_blk_t blk;

    space_init(s, n);
    assert_int_equal(swap_map_pool_init(pool, leaves, POOL_LEAVES), 0);
    assert_int_equal(swap_map_init(m, pool, 4096), 0);
    for (swap_blk_t p = 0; p < n; p++) {
        assert_int_equal(swap_page_alloc(s, m, p, &blk), 0);
        assert_int_equal(blk, p);
    }
    assert_int_equal(s->nfree, 0);
    assert_int_equal(pool->nfree, POOL_LEAVES - 1);
}

/* Exactly N pages fit; the next allocation fails and changes nothing, in both placements. */
static void test_swap_full(void **state)
{
    struct swap_space s;
    struct swap_map_pool pool;
    struct swap_map m;
    struct swap_area a;
    struct snapshot snap;
    swap_blk_t blk;
    const swap_blk_t n = 40;

    (void)state;
    full_fill(&s, &pool, &m, n);
    snapshot_take(&s, &snap);
    assert_int_equal(swap_alloc(&s, 1, &blk), -ERR_NOSPACE);
    assert_int_equal(swap_area_reserve(&s, 1, &a), -ERR_NOSPACE);
    /* A page in a new leaf range: neither a block nor a leaf is taken. */
    assert_int_equal(swap_page_alloc(&s, &m, 3000, &blk), -ERR_NOSPACE);
    assert_int_equal(swap_page_alloc(&s, &m, n, &blk), -ERR_NOSPACE);
    snapshot_assert_same(&s, &snap);
    assert_int_equal(pool.nfree, POOL_LEAVES - 1);
    assert_int_equal(m.count, n);
    assert_int_equal(swap_map_lookup(&m, 3000), SWAP_NONE);

    /* A page already on swap can still be paged out again: it keeps its block. */
    assert_int_equal(swap_page_alloc(&s, &m, 7, &blk), 0);
    assert_int_equal(blk, 7);

    /* One page comes back in; exactly one block is available again. */
    assert_int_equal(swap_page_free(&s, &m, 17), 0);
    assert_int_equal(swap_page_alloc(&s, &m, n, &blk), 0);
    assert_int_equal(blk, 17);
    assert_int_equal(swap_alloc(&s, 1, &blk), -ERR_NOSPACE);
    swap_map_release(&s, &m);
    assert_one_chunk(&s);
}

/* The disk-map pool runs out of leaves: -ERR_NOMEM, no block taken. */
static void test_swap_map_pool_empty(void **state)
{
    struct swap_space s;
    struct swap_map_pool pool;
    struct swap_map m;
    swap_blk_t blk;

    (void)state;
    space_init(&s, 64);
    assert_int_equal(swap_map_pool_init(&pool, leaves, 2), 0);
    assert_int_equal(swap_map_init(&m, &pool, SWAP_MAP_MAX_PAGES), 0);
    assert_int_equal(swap_page_alloc(&s, &m, 0, &blk), 0);
    assert_int_equal(swap_page_alloc(&s, &m, 1024, &blk), 0);
    assert_int_equal(swap_page_alloc(&s, &m, 2048, &blk), -ERR_NOMEM);
    assert_int_equal(s.nfree, 62);
    assert_int_equal(swap_page_alloc(&s, &m, 1, &blk), 0); /* existing leaf: fine */
    swap_map_release(&s, &m);
    assert_int_equal(pool.nfree, 2);
    assert_one_chunk(&s);
}

/* Tasks with areas and disk maps come and go; after all exit, free space is back at baseline. */
static void test_swap_release_on_exit(void **state)
{
    struct swap_space s;
    struct swap_map_pool pool;
    struct swap_area area[5];
    struct swap_map map[5];
    struct swap_stats base, st;
    swap_blk_t blk;

    (void)state;
    space_init(&s, 1000);
    assert_int_equal(swap_map_pool_init(&pool, leaves, POOL_LEAVES), 0);
    swap_stats_get(&s, &base);
    for (int t = 0; t < 5; t++) {
        assert_int_equal(swap_area_reserve(&s, (swap_blk_t)(10 + 7 * t), &area[t]), 0);
        assert_int_equal(swap_map_init(&map[t], &pool, 100000), 0);
        for (swap_blk_t p = 0; p < 30; p++) {
            swap_blk_t page = p * (swap_blk_t)(t + 1) * 97;
            assert_int_equal(swap_page_alloc(&s, &map[t], page, &blk), 0);
        }
    }
    swap_stats_get(&s, &st);
    assert_int_equal(st.free_blocks, base.free_blocks - (10 + 17 + 24 + 31 + 38) - 150);
    for (int t = 4; t >= 0; t -= 2) { /* exit in a mixed order */
        swap_map_release(&s, &map[t]);
        assert_int_equal(swap_area_release(&s, &area[t]), 0);
    }
    for (int t = 1; t < 5; t += 2) {
        assert_int_equal(swap_area_release(&s, &area[t]), 0);
        swap_map_release(&s, &map[t]);
    }
    swap_stats_get(&s, &st);
    assert_memory_equal(&st, &base, sizeof(st));
    assert_int_equal(pool.nfree, POOL_LEAVES);
    assert_one_chunk(&s);
}

/*
 * Per-owner counts: two owners, one with two maps; each count is exactly the blocks its maps hold
 * after every allocation (a page that has its block already takes none), free, failed call,
 * release and change of owner, random operations checked against the maps' own counts.
 */
static void test_swap_owner_charge(void **state)
{
    struct swap_space s;
    struct swap_map_pool pool;
    struct swap_map map[3];
    uint64_t owner[2] = {0, 0};
    swap_blk_t blk;

    (void)state;
    space_init(&s, 64);
    assert_int_equal(swap_map_pool_init(&pool, leaves, 3), 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(swap_map_init(&map[i], &pool, SWAP_MAP_MAX_PAGES), 0);
    assert_int_equal(swap_page_alloc(&s, &map[2], 5, &blk), 0); /* before it has an owner */
    swap_map_charge(&map[0], &owner[0]);
    swap_map_charge(&map[1], &owner[0]);
    swap_map_charge(&map[2], &owner[1]); /* its block moves to the owner */
    assert_int_equal(owner[1], 1);
    assert_int_equal(swap_page_alloc(&s, &map[0], 0, &blk), 0);
    assert_int_equal(swap_page_alloc(&s, &map[0], 0, &blk), 0); /* kept: no new block */
    assert_int_equal(swap_page_alloc(&s, &map[1], 3, &blk), 0);
    assert_int_equal(owner[0], 2);
    /* Failures charge nothing: no leaf left (each map holds one), then swap full. */
    assert_int_equal(swap_page_alloc(&s, &map[1], 1024, &blk), -ERR_NOMEM);
    assert_int_equal(owner[0], 2);
    for (swap_blk_t p = 6; s.nfree > 0; p++)
        assert_int_equal(swap_page_alloc(&s, &map[2], p, &blk), 0);
    assert_int_equal(owner[1], 62);
    assert_int_equal(swap_page_alloc(&s, &map[0], 1, &blk), -ERR_NOSPACE);
    assert_int_equal(owner[0], 2);
    assert_int_equal(swap_page_free(&s, &map[0], 1), -ERR_NOENT);
    assert_int_equal(swap_page_free(&s, &map[0], 0), 0);
    assert_int_equal(owner[0], 1);
    swap_map_release(&s, &map[2]);
    assert_int_equal(owner[1], 0);
    swap_map_charge(&map[1], &owner[1]); /* a new owner takes the map's block along */
    assert_int_equal(owner[0], 0);
    assert_int_equal(owner[1], 1);
    /* Random pageouts and page-ins: the count follows the map's. */
    srand(7);
    for (int op = 0; op < 5000; op++) {
        swap_blk_t page = (swap_blk_t)(rand() % 1024);
        if (rand() % 2)
            (void)swap_page_alloc(&s, &map[0], page, &blk);
        else
            (void)swap_page_free(&s, &map[0], page);
        assert_int_equal(owner[0], map[0].count);
        assert_int_equal(owner[0] + owner[1], s.nblocks - s.nfree);
    }
    swap_map_release(&s, &map[0]);
    swap_map_release(&s, &map[1]);
    assert_int_equal(owner[0] + owner[1], 0);
    assert_one_chunk(&s);
}

/* Double frees, partial overlaps and out-of-range frees are refused and change nothing. */
static void test_swap_free_rejects_bad(void **state)
{
    struct swap_space s;
    struct snapshot snap;
    swap_blk_t a, b;

    (void)state;
    space_init(&s, 32);
    assert_int_equal(swap_alloc(&s, 8, &a), 0);
    assert_int_equal(swap_alloc(&s, 8, &b), 0);
    assert_int_equal(swap_free(&s, a, 8), 0);
    snapshot_take(&s, &snap);
    assert_int_equal(swap_free(&s, a, 8), -ERR_INVAL);     /* double free */
    assert_int_equal(swap_free(&s, a + 4, 8), -ERR_INVAL); /* tail in the free chunk */
    assert_int_equal(swap_free(&s, b + 4, 8), -ERR_INVAL); /* runs into the free end */
    assert_int_equal(swap_free(&s, 30, 3), -ERR_INVAL);
    assert_int_equal(swap_free(&s, 32, 1), -ERR_INVAL);
    assert_int_equal(swap_free(&s, b, 0), -ERR_INVAL);
    assert_int_equal(swap_alloc(&s, 0, &a), -ERR_INVAL);
    snapshot_assert_same(&s, &snap);
    assert_int_equal(swap_free(&s, b, 8), 0);
    assert_one_chunk(&s);
}

/* The worst case of the table: every other block free fills SWAP_CHUNKS_FOR(n) - 1 or all. */
static void test_swap_worst_case_table(void **state)
{
    (void)state;
    for (swap_blk_t n = 1; n <= 12; n++) {
        struct swap_space s;
        swap_blk_t blk;
        assert_int_equal(swap_init(&s, n, table, SWAP_CHUNKS_FOR(n)), 0);
        for (swap_blk_t i = 0; i < n; i++)
            assert_int_equal(swap_alloc(&s, 1, &blk), 0);
        for (swap_blk_t i = 0; i < n; i += 2)
            assert_int_equal(swap_free(&s, i, 1), 0);
        assert_int_equal(s.count, (n + 1) / 2);
        for (swap_blk_t i = 1; i < n; i += 2)
            assert_int_equal(swap_free(&s, i, 1), 0);
        assert_one_chunk(&s);
    }
}

/* A table smaller than the worst case bounds the live allocations so no free can fail. */
static void test_swap_small_table_limit(void **state)
{
    struct swap_space s;
    struct swap_chunk small[4];
    swap_blk_t blk[3], extra;

    (void)state;
    assert_int_equal(swap_init(&s, 100, small, 4), 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(swap_alloc(&s, 10, &blk[i]), 0);
    assert_int_equal(swap_alloc(&s, 10, &extra), -ERR_LIMIT);
    assert_int_equal(s.nfree, 70);
    /* Free the middle, then the outer ones: the chunk count peaks without overflow. */
    assert_int_equal(swap_free(&s, blk[1], 10), 0);
    assert_int_equal(swap_alloc(&s, 10, &extra), 0);
    assert_int_equal(extra, blk[1]);
    assert_int_equal(swap_free(&s, blk[0], 10), 0);
    assert_int_equal(swap_free(&s, blk[2], 10), 0);
    assert_int_equal(swap_free(&s, extra, 10), 0);
    assert_one_chunk(&s);
}

/* Freeing part of an allocation is outside the bound: with the table full it gets -ERR_FULL,
 * changes nothing, and the caller still owns (and can later free) the blocks. */
static void test_swap_split_free_full(void **state)
{
    struct swap_space s;
    struct swap_chunk small[2];
    struct snapshot snap;
    swap_blk_t blk;

    (void)state;
    assert_int_equal(swap_init(&s, 100, small, 2), 0);
    assert_int_equal(swap_alloc(&s, 10, &blk), 0);
    assert_int_equal(swap_free(&s, 2, 3), 0); /* part of it: a second chunk */
    snapshot_take(&s, &snap);
    assert_int_equal(swap_free(&s, 6, 2), -ERR_FULL);
    snapshot_assert_same(&s, &snap);
    assert_int_equal(swap_free(&s, 5, 5), 0); /* joins the end chunk */
    assert_int_equal(swap_free(&s, 0, 2), 0); /* joins the first */
    assert_int_equal(s.count, 1);
    assert_int_equal(s.nfree, 100);
    assert_int_equal(swap_check(&s), 0);
}

/* ---- Random stress against a bitmap model. ---- */

struct model {
    unsigned char used[MAX_BLOCKS];
    swap_blk_t n;
    swap_blk_t start[MAX_BLOCKS];
    swap_blk_t len[MAX_BLOCKS];
    uint32_t nallocs;
};

/* First fit in the model: the lowest start of @len free blocks in a row, or SWAP_NONE. */
static swap_blk_t model_first_fit(const struct model *m, swap_blk_t len)
{
    swap_blk_t run = 0;

    for (swap_blk_t b = 0; b < m->n; b++) {
        run = m->used[b] ? 0 : run + 1;
        if (run == len)
            return b + 1 - len;
    }
    return SWAP_NONE;
}

static void model_assert_same(const struct swap_space *s, const struct model *m)
{
    swap_blk_t free_blocks = 0;

    assert_int_equal(swap_check(s), 0);
    for (swap_blk_t b = 0; b < m->n; b++) {
        assert_int_equal(swap_block_is_free(s, b), !m->used[b]);
        free_blocks += !m->used[b];
    }
    assert_int_equal(s->nfree, free_blocks);
    assert_int_equal(s->live, m->nallocs);
}

static void stress_alloc(struct swap_space *s, struct model *m)
{
    swap_blk_t len = 1 + (swap_blk_t)(rand() % (rand() % 4 == 0 ? 64 : 8));
    swap_blk_t expect = model_first_fit(m, len);
    swap_blk_t got;
    int err = swap_alloc(s, len, &got);

    if (expect == SWAP_NONE) {
        assert_int_equal(err, -ERR_NOSPACE);
        return;
    }
    if (m->nallocs >= s->live_max) { /* a small table: the bound on live allocations */
        assert_int_equal(err, -ERR_LIMIT);
        return;
    }
    assert_int_equal(err, 0);
    assert_int_equal(got, expect);
    for (swap_blk_t b = got; b < got + len; b++) {
        assert_false(m->used[b]); /* no overlap with a live allocation */
        m->used[b] = 1;
    }
    m->start[m->nallocs] = got;
    m->len[m->nallocs] = len;
    m->nallocs++;
}

static void stress_free(struct swap_space *s, struct model *m)
{
    if (m->nallocs == 0)
        return;
    uint32_t i = (uint32_t)rand() % m->nallocs;

    assert_int_equal(swap_free(s, m->start[i], m->len[i]), 0);
    for (swap_blk_t b = m->start[i]; b < m->start[i] + m->len[i]; b++)
        m->used[b] = 0;
    m->nallocs--;
    m->start[i] = m->start[m->nallocs];
    m->len[i] = m->len[m->nallocs];
}

/* @ops random operations on @n blocks with a chunk table of @capacity entries. */
static void stress_run(swap_blk_t n, uint32_t capacity, unsigned seed, int ops)
{
    static struct model m;
    struct swap_space s;

    memset(&m, 0, sizeof(m));
    m.n = n;
    srand(seed);
    assert_int_equal(swap_init(&s, n, table, capacity), 0);
    for (int op = 0; op < ops; op++) {
        /* Phases of growth and shrinkage, so the space fills and fragments. */
        int bias = (op / 500) % 2 ? 30 : 70;
        if (rand() % 100 < bias)
            stress_alloc(&s, &m);
        else
            stress_free(&s, &m);
        model_assert_same(&s, &m);
    }
    while (m.nallocs > 0)
        stress_free(&s, &m);
    model_assert_same(&s, &m);
    assert_one_chunk(&s);
}

static void test_swap_random_stress(void **state)
{
    (void)state;
    stress_run(512, SWAP_CHUNKS_FOR(512), 1, 6000);
    stress_run(97, SWAP_CHUNKS_FOR(97), 2, 6000);
    stress_run(MAX_BLOCKS, SWAP_CHUNKS_FOR(MAX_BLOCKS), 3, 4000);
    /* Small tables: frees must still never fail (stress_free asserts 0). */
    stress_run(512, 8, 4, 6000);
    stress_run(300, 2, 5, 3000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_swap_init_one_chunk),
        cmocka_unit_test(test_swap_static_area),
        cmocka_unit_test(test_swap_dynamic_map),
        cmocka_unit_test(test_swap_dynamic_page_in),
        cmocka_unit_test(test_swap_coalesce_every_order),
        cmocka_unit_test(test_swap_fragmentation),
        cmocka_unit_test(test_swap_full),
        cmocka_unit_test(test_swap_map_pool_empty),
        cmocka_unit_test(test_swap_release_on_exit),
        cmocka_unit_test(test_swap_owner_charge),
        cmocka_unit_test(test_swap_free_rejects_bad),
        cmocka_unit_test(test_swap_worst_case_table),
        cmocka_unit_test(test_swap_small_table_limit),
        cmocka_unit_test(test_swap_split_free_full),
        cmocka_unit_test(test_swap_random_stress),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
