/*
 * Exact least recently used, as a reference: every reference moves its frame
 * to the back of the ring, so the hand is always the least recently used
 * frame. Hardware does not report every reference, so pageout cannot run
 * it; simulations can (vm_policy_touch on each reference).
 */
#include <vm/policy/vm_policy.h>

/* A reference: @frame becomes the most recently used. */
static void lru_touch(struct vm_policy *p, uint32_t frame)
{
    vm_policy_ring_move_last(p, frame);
}

/* The least recently used frame. */
static uint32_t lru_choose(struct vm_policy *p)
{
    return p->hand;
}

const struct vm_policy_ops vm_policy_lru_ops = {
    .name = "lru",
    .touch = lru_touch,
    .choose = lru_choose,
};
