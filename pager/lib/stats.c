/*
 * pager_stats get: the one statistics interface every pager built on the
 * framework answers on its port (libipc/idl/pager_stats.idl). The counters
 * are the framework's own; the figures of a backing store come from the
 * concrete pager's on_store_stats callback.
 */
#include <pager/pager.h>

#include <ipc/string.h>
#include <pager_stats_defs.h>

_Static_assert(PAGER_NAME_MAX == PAGER_STATS_GET_NAME_MAX, "a pager's name fits pager_stats get");

/* Objects in @pager's table now. */
static uint64_t pager_stats_objects(struct pager *pager)
{
    uint64_t n;

    pager_spin_lock(&pager->table_lock);
    n = pager->table.table.count;
    pager_spin_unlock(&pager->table_lock);
    return n;
}

/* The store's figures from the concrete pager's callback, all 0 without one. */
static void pager_stats_store(struct pager *pager, struct pager_store_stats *st)
{
    *st = (struct pager_store_stats){0};
    if (pager->ops->on_store_stats != NULL)
        pager->ops->on_store_stats(pager, st);
}

/* Handler of pager_stats get (generated dispatch): @ctx is the struct pager. */
int pager_stats_do_get(void *ctx, char *name, uint64_t *objects, uint64_t *resident,
                       uint64_t *stored, uint64_t *requests, uint64_t *returns, uint64_t *supplies,
                       uint64_t *unavailable, uint64_t *errors, uint64_t *disk, uint64_t *blocks,
                       uint64_t *used, uint64_t *writes, uint64_t *reads, uint64_t *kept)
{
    struct pager *pager = ctx;
    struct pager_store_stats st;

    pager_stats_store(pager, &st);
    memcpy(name, pager->name, PAGER_NAME_MAX);
    *objects = pager_stats_objects(pager);
    *resident = __atomic_load_n(&pager->resident, __ATOMIC_RELAXED);
    *stored = st.stored;
    *requests = __atomic_load_n(&pager->requests, __ATOMIC_RELAXED);
    *returns = __atomic_load_n(&pager->returns, __ATOMIC_RELAXED);
    *supplies = __atomic_load_n(&pager->supplies, __ATOMIC_RELAXED);
    *unavailable = __atomic_load_n(&pager->unavailable, __ATOMIC_RELAXED);
    *errors = __atomic_load_n(&pager->errors, __ATOMIC_RELAXED);
    *disk = st.disk, *blocks = st.blocks, *used = st.used;
    *writes = st.writes, *reads = st.reads, *kept = st.kept;
    return 0;
}

/* Handler of pager_stats pool (generated dispatch): @ctx is the struct pager. */
int pager_stats_do_pool(void *ctx, uint64_t *bytes, uint64_t *capacity, uint64_t *pages,
                        uint64_t *original, uint64_t *hits, uint64_t *zero, uint64_t *rejected,
                        uint64_t *evicted)
{
    struct pager_store_stats st;

    pager_stats_store(ctx, &st);
    *bytes = st.pool_bytes, *capacity = st.pool_capacity;
    *pages = st.pool_pages, *original = st.pool_original;
    *hits = st.pool_hits, *zero = st.pool_zero;
    *rejected = st.pool_rejected, *evicted = st.pool_evicted;
    return 0;
}

/* Handler of pager_stats forged (generated dispatch): @ctx is the struct pager. */
int pager_stats_do_forged(void *ctx, uint64_t *count)
{
    struct pager *pager = ctx;

    *count = __atomic_load_n(&pager->forged, __ATOMIC_RELAXED);
    return 0;
}

/* Handler of pager_stats policy (generated dispatch): @ctx is the struct pager. */
int pager_stats_do_policy(void *ctx, uint64_t *quota, uint64_t *resident, uint64_t *peak,
                          uint64_t *signals, uint64_t *evictions, uint64_t *vetoes,
                          uint64_t *rounds)
{
    struct pager_store_stats st;

    pager_stats_store(ctx, &st);
    *quota = st.policy_quota, *resident = st.policy_resident, *peak = st.policy_peak;
    *signals = st.policy_signals, *evictions = st.policy_evictions;
    *vetoes = st.policy_vetoes, *rounds = st.policy_rounds;
    return 0;
}
