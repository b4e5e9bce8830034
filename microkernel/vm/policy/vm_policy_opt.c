/*
 * Belady's optimal replacement, as a reference: evict the page whose next
 * use lies farthest in the future (or never comes). It needs the whole
 * reference string (vm_policy_set_future) and every reference reported in
 * order; a frame's stamp is the position of the reference that loaded it.
 */
#include <vm/policy/vm_policy.h>

/* Loaded while the reference at the current position faulted. */
static void opt_insert(struct vm_policy *p, uint32_t frame)
{
    p->frames[frame].stamp = p->refs;
}

/* Position of the next use of @frame's page from the current one, or SIZE_MAX. */
static size_t opt_next_use(const struct vm_policy *p, uint32_t frame)
{
    uint64_t loaded = p->frames[frame].stamp;

    if (loaded >= p->future_len)
        return SIZE_MAX; /* page unknown: no known future use */
    uint32_t page = p->future[loaded];
    for (size_t pos = p->refs; pos < p->future_len; pos++) {
        if (p->future[pos] == page)
            return pos;
    }
    return SIZE_MAX;
}

/* The frame used farthest ahead; the oldest of those never used again. */
static uint32_t opt_choose(struct vm_policy *p)
{
    uint32_t frame = p->hand, best = p->hand;
    size_t best_use = 0;

    for (uint32_t i = 0; i < p->count; i++, frame = vm_policy_next(p, frame)) {
        size_t use = opt_next_use(p, frame);
        if (use == SIZE_MAX)
            return frame;
        if (use > best_use) {
            best = frame;
            best_use = use;
        }
    }
    return best;
}

const struct vm_policy_ops vm_policy_opt_ops = {
    .name = "opt",
    .insert = opt_insert,
    .choose = opt_choose,
};
