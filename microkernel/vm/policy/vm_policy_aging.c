/*
 * Aging, the software approximation of LRU: at every clock tick each
 * resident frame's counter shifts right with its R bit (then cleared) coming
 * in at the top, and the victim is the frame with the smallest counter.
 * Ties go to a frame not referenced since the tick, then to the oldest.
 */
#include <vm/policy/vm_policy.h>

#define AGING_TOP_BIT (UINT64_C(1) << (VM_POLICY_AGING_BITS - 1))

/* Shift each resident frame's R bit into its counter and clear R. */
static void aging_tick(struct vm_policy *p)
{
    uint32_t frame = p->hand;

    for (uint32_t i = 0; i < p->count; i++, frame = vm_policy_next(p, frame)) {
        unsigned bits = vm_policy_bits_read(p, frame, true);
        uint64_t counter = p->frames[frame].stamp >> 1;
        if (bits & VM_POLICY_REF)
            counter |= AGING_TOP_BIT;
        p->frames[frame].stamp = counter;
    }
}

/* The frame with the smallest counter (then R clear, then oldest). */
static uint32_t aging_choose(struct vm_policy *p)
{
    uint32_t frame = p->hand, best = VM_POLICY_NONE;
    uint64_t best_key = 0;

    for (uint32_t i = 0; i < p->count; i++, frame = vm_policy_next(p, frame)) {
        unsigned bits = vm_policy_bits_read(p, frame, false);
        uint64_t key = p->frames[frame].stamp << 1 | ((bits & VM_POLICY_REF) ? 1 : 0);
        if (best == VM_POLICY_NONE || key < best_key) {
            best = frame;
            best_key = key;
        }
    }
    return best;
}

const struct vm_policy_ops vm_policy_aging_ops = {
    .name = "aging",
    .tick = aging_tick,
    .choose = aging_choose,
};
