/*
 * Not recently used: a frame's class is 2R + M (0: neither referenced nor
 * modified, 3: both); the victim is a frame of the lowest non-empty class,
 * the oldest of them. Every clock tick clears R so that R means "recently".
 * The choice comes from a batch of candidates that the tick fills
 * (vm_policy_batch.c), not from a look at every frame per victim.
 */
#include <vm/policy/vm_policy.h>

/* The class of @bits: 0 (R=0, M=0) to 3 (R=1, M=1). */
static unsigned nru_class(unsigned bits)
{
    return ((bits & VM_POLICY_REF) ? 2u : 0u) + ((bits & VM_POLICY_MOD) ? 1u : 0u);
}

/* Clear the R bit of every resident frame, offering each to the batch of candidates. */
static void nru_tick(struct vm_policy *p)
{
    uint32_t frame = p->hand;

    vm_policy_batch_begin(p);
    for (uint32_t i = 0; i < p->count; i++, frame = vm_policy_next(p, frame)) {
        unsigned bits = vm_policy_bits_read(p, frame, true);
        vm_policy_batch_offer(p, frame, nru_class(bits & ~VM_POLICY_REF));
    }
}

/* The class: the oldest frame of the lowest class goes first (vm_policy_batch.c). */
static uint64_t nru_key(struct vm_policy *p, uint32_t frame)
{
    return nru_class(vm_policy_bits_read(p, frame, false));
}

const struct vm_policy_ops vm_policy_nru_ops = {
    .name = "nru",
    .tick = nru_tick,
    .key = nru_key,
};
