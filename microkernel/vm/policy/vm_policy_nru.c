/*
 * Not recently used: a frame's class is 2R + M (0: neither referenced nor
 * modified, 3: both); the victim is a frame of the lowest non-empty class,
 * the oldest of them. Every clock tick clears R so that R means "recently".
 */
#include <vm/policy/vm_policy.h>

/* Clear the R bit of every resident frame. */
static void nru_tick(struct vm_policy *p)
{
    uint32_t frame = p->hand;

    for (uint32_t i = 0; i < p->count; i++, frame = vm_policy_next(p, frame))
        (void)vm_policy_bits_read(p, frame, true);
}

/* The class of @bits: 0 (R=0, M=0) to 3 (R=1, M=1). */
static unsigned nru_class(unsigned bits)
{
    return ((bits & VM_POLICY_REF) ? 2u : 0u) + ((bits & VM_POLICY_MOD) ? 1u : 0u);
}

/* The oldest frame of the lowest class; stops at the first class 0 frame. */
static uint32_t nru_choose(struct vm_policy *p)
{
    uint32_t frame = p->hand, best = p->hand;
    unsigned best_class = 4;

    for (uint32_t i = 0; i < p->count; i++, frame = vm_policy_next(p, frame)) {
        unsigned class = nru_class(vm_policy_bits_read(p, frame, false));
        if (class < best_class) {
            best = frame;
            best_class = class;
            if (class == 0)
                break;
        }
    }
    return best;
}

const struct vm_policy_ops vm_policy_nru_ops = {
    .name = "nru",
    .tick = nru_tick,
    .choose = nru_choose,
};
