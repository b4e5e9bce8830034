/*
 * FIFO replacement: evict the page loaded longest ago, whatever its use.
 * The ring already keeps load order with the oldest frame at the hand, so
 * the policy has no state and no hooks of its own. It suffers Belady's anomaly.
 */
#include <vm/policy/vm_policy.h>

/* The oldest resident frame. */
static uint32_t fifo_choose(struct vm_policy *p)
{
    return p->hand;
}

const struct vm_policy_ops vm_policy_fifo_ops = {
    .name = "fifo",
    .choose = fifo_choose,
};
