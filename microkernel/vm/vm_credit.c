/*
 * Pager credits (vm_credit.h): per-pager and pooled charges against the
 * frame reserve, voided together when an episode of pressure ends. A
 * pager's charges carry the episode they count in, so ending an episode is
 * one increment, whatever the number of pagers.
 */
#include <lib/lib.h>
#include <vm/vm_credit.h>

void vm_credit_pool_init(struct vm_credit_pool *pool, uint64_t reserve)
{
    *pool = (struct vm_credit_pool){
        .epoch = 1, /* a zeroed struct vm_credit counts in no episode */
        .cap = MAX(reserve / 2, 1),
        .share = MAX(reserve / 4, 1),
    };
}

uint64_t vm_credit_share(const struct vm_credit_pool *pool, uint64_t task_share)
{
    return task_share ? task_share : pool->share;
}

uint64_t vm_credit_used(const struct vm_credit_pool *pool, const struct vm_credit *c)
{
    return c->epoch == pool->epoch ? c->used : 0;
}

bool vm_credit_spent(const struct vm_credit_pool *pool, const struct vm_credit *c,
                     uint64_t task_share)
{
    return vm_credit_used(pool, c) >= vm_credit_share(pool, task_share) || pool->used >= pool->cap;
}

bool vm_credit_take(struct vm_credit_pool *pool, struct vm_credit *c, uint64_t task_share)
{
    if (vm_credit_spent(pool, c, task_share))
        return false;
    if (c->epoch != pool->epoch)
        *c = (struct vm_credit){.epoch = pool->epoch, .used = 0};
    c->used++;
    pool->used++;
    pool->max_used = MAX(pool->max_used, c->used);
    return true;
}

void vm_credit_refund(struct vm_credit_pool *pool, struct vm_credit *c, uint64_t n)
{
    uint64_t back = MIN(n, vm_credit_used(pool, c));

    c->used -= back; /* back > 0 only for charges of this episode */
    pool->used -= back;
}

void vm_credit_restore(struct vm_credit_pool *pool)
{
    if (pool->used == 0)
        return; /* nothing charged: every pager's charges are void already */
    pool->epoch++;
    pool->used = 0;
}
