/*
 * Aging, the software approximation of LRU: at every clock tick each
 * resident frame's counter shifts right with its R bit (then cleared) coming
 * in at the top, and the victim is the frame with the smallest counter.
 * Ties go to a frame not referenced since the tick, then to the oldest.
 * The choice comes from a batch of candidates that the tick fills
 * (vm_policy_batch.c), not from a look at every frame per victim.
 */
#include <vm/policy/vm_policy.h>

#define AGING_TOP_BIT (UINT64_C(1) << (VM_POLICY_AGING_BITS - 1))

/*
 * Shift each resident frame's R bit into its counter and clear R; each
 * frame is offered to the batch of candidates on the way.
 */
static void aging_tick(struct vm_policy *p)
{
    uint32_t frame = p->hand;

    vm_policy_batch_begin(p);
    for (uint32_t i = 0; i < p->count; i++, frame = vm_policy_next(p, frame)) {
        unsigned bits = vm_policy_bits_read(p, frame, true);
        uint64_t counter = p->frames[frame].stamp >> 1;
        if (bits & VM_POLICY_REF)
            counter |= AGING_TOP_BIT;
        p->frames[frame].stamp = counter;
        vm_policy_batch_offer(p, frame, counter << 1); /* R is clear now */
    }
}

/* The counter, then R: the smallest goes first (ties: the oldest, vm_policy_batch.c). */
static uint64_t aging_key(struct vm_policy *p, uint32_t frame)
{
    unsigned bits = vm_policy_bits_read(p, frame, false);

    return p->frames[frame].stamp << 1 | ((bits & VM_POLICY_REF) ? 1 : 0);
}

/* The counter alone: what the key is at least, whatever R says. */
static uint64_t aging_key_floor(struct vm_policy *p, uint32_t frame)
{
    return p->frames[frame].stamp << 1;
}

const struct vm_policy_ops vm_policy_aging_ops = {
    .name = "aging",
    .tick = aging_tick,
    .key = aging_key,
    .key_floor = aging_key_floor,
};
