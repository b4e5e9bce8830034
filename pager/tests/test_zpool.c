/*
 * The compressed pager's pool allocator on the host: slot sizes, objects
 * that never overlap and keep their bytes, a full pool refusing with
 * nothing changed, chunks going back to any class once empty, and a random
 * stress run checked object by object with zpool_check after every step.
 */
#include "zpool.h"

#include <abi/errors.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define POOL_CHUNKS 8u
#define POOL_BYTES (POOL_CHUNKS * ZPOOL_CHUNK)

static uint8_t pool_mem[POOL_BYTES] __attribute__((aligned(64)));
static struct zpool_chunk pool_table[POOL_CHUNKS];

static void pool_setup(struct zpool *p)
{
    assert_int_equal(zpool_chunks_for(POOL_BYTES), POOL_CHUNKS);
    zpool_init(p, pool_mem, POOL_BYTES, pool_table);
    assert_int_equal(zpool_check(p), 0);
}

static void test_zpool_slot_sizes(void **state)
{
    (void)state;
    assert_int_equal(zpool_slot_size(0), 0);
    assert_int_equal(zpool_slot_size(1), 32);
    assert_int_equal(zpool_slot_size(32), 32);
    assert_int_equal(zpool_slot_size(33), 64);
    assert_int_equal(zpool_slot_size(1111), 1120);
    assert_int_equal(zpool_slot_size(ZPOOL_OBJECT_MAX), ZPOOL_OBJECT_MAX);
    assert_int_equal(zpool_slot_size(ZPOOL_OBJECT_MAX + 1), 0);
}

static void test_zpool_rejects_bad_sizes(void **state)
{
    struct zpool p;
    uint32_t h = 7;

    (void)state;
    pool_setup(&p);
    assert_int_equal(zpool_alloc(&p, 0, &h), -ERR_INVAL);
    assert_int_equal(zpool_alloc(&p, ZPOOL_OBJECT_MAX + 1, &h), -ERR_INVAL);
    assert_int_equal(h, 7);
    assert_int_equal(p.objects, 0);
    assert_int_equal(zpool_check(&p), 0);
}

/* Objects of one class fill chunk after chunk, packed end to end, until the pool is full. */
static void test_zpool_fill_and_full(void **state)
{
    struct zpool p;
    uint32_t per_chunk = ZPOOL_CHUNK / 1120, n = per_chunk * POOL_CHUNKS, h;
    static uint32_t handles[POOL_CHUNKS * (ZPOOL_CHUNK / 1120)];

    (void)state;
    pool_setup(&p);
    for (uint32_t i = 0; i < n; i++) {
        assert_int_equal(zpool_alloc(&p, 1100, &handles[i]), 0);
        memset(zpool_map(&p, handles[i]), (int)(i & 0xff), 1100);
    }
    assert_int_equal(p.bytes, (uint64_t)n * 1120);
    assert_int_equal(p.chunks_used, POOL_CHUNKS);
    /* Packed: at most one slot's tail per chunk is lost. */
    assert_true(p.bytes * 100 >= (uint64_t)POOL_BYTES * 96);
    assert_int_equal(zpool_alloc(&p, 1100, &h), -ERR_NOMEM);
    assert_int_equal(zpool_alloc(&p, 32, &h), -ERR_NOMEM); /* no chunk for another class */
    assert_int_equal(zpool_check(&p), 0);
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *b = zpool_map(&p, handles[i]);
        assert_true(b >= pool_mem && b + 1100 <= pool_mem + POOL_BYTES);
        for (uint32_t j = 0; j < 1100; j++)
            assert_int_equal(b[j], i & 0xff);
    }
    /* One freed slot takes the next object of its class, not of another. */
    zpool_free(&p, handles[5]);
    assert_int_equal(zpool_alloc(&p, 64, &h), -ERR_NOMEM);
    assert_int_equal(zpool_alloc(&p, 1090, &h), 0);
    assert_int_equal(h, handles[5]);
    for (uint32_t i = 0; i < n; i++)
        zpool_free(&p, handles[i]);
    assert_int_equal(p.bytes, 0);
    assert_int_equal(p.chunks_used, 0);
    assert_int_equal(zpool_check(&p), 0);
}

/* An emptied chunk serves another class. */
static void test_zpool_chunk_reuse(void **state)
{
    struct zpool p;
    uint32_t small[POOL_CHUNKS], h;

    (void)state;
    pool_setup(&p);
    /* Objects of 4096 bytes, 8 to a chunk, take every chunk. */
    static uint32_t big[POOL_CHUNKS * (ZPOOL_CHUNK / 4096)];
    for (uint32_t i = 0; i < POOL_CHUNKS * (ZPOOL_CHUNK / 4096); i++)
        assert_int_equal(zpool_alloc(&p, 4096, &big[i]), 0);
    assert_int_equal(zpool_alloc(&p, 100, &small[0]), -ERR_NOMEM);
    for (uint32_t i = 0; i < ZPOOL_CHUNK / 4096; i++) /* empty the first chunk */
        zpool_free(&p, big[i]);
    assert_int_equal(p.chunks_used, POOL_CHUNKS - 1);
    assert_int_equal(zpool_alloc(&p, 100, &h), 0);
    assert_int_equal(h >> ZPOOL_SLOT_BITS, big[0] >> ZPOOL_SLOT_BITS);
    assert_int_equal(zpool_check(&p), 0);
}

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Random allocations and frees: every live object keeps its own bytes. */
static void test_zpool_random_stress(void **state)
{
    enum { LIVE = 512, STEPS = 20000 };
    static uint32_t handle[LIVE], len[LIVE];
    static uint8_t tag[LIVE];
    struct zpool p;
    uint64_t seed = 0x9e3779b97f4a7c15ull;

    (void)state;
    pool_setup(&p);
    memset(len, 0, sizeof(len));
    for (int step = 0; step < STEPS; step++) {
        uint32_t i = (uint32_t)(rnd(&seed) % LIVE);
        if (len[i] != 0) {
            const uint8_t *b = zpool_map(&p, handle[i]);
            for (uint32_t j = 0; j < len[i]; j++)
                assert_int_equal(b[j], tag[i]);
            zpool_free(&p, handle[i]);
            len[i] = 0;
        } else {
            uint32_t l = (uint32_t)(rnd(&seed) % 3000) + 1;
            int err = zpool_alloc(&p, l, &handle[i]);
            assert_true(err == 0 || err == -ERR_NOMEM);
            if (err == 0) {
                len[i] = l;
                tag[i] = (uint8_t)step;
                memset(zpool_map(&p, handle[i]), tag[i], l);
            }
        }
        assert_int_equal(zpool_check(&p), 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zpool_slot_sizes),    cmocka_unit_test(test_zpool_rejects_bad_sizes),
        cmocka_unit_test(test_zpool_fill_and_full), cmocka_unit_test(test_zpool_chunk_reuse),
        cmocka_unit_test(test_zpool_random_stress),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
