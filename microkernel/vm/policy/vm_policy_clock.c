/*
 * Second chance as a clock: the hand walks the ring of frames in load order;
 * a frame with R set has R cleared and is passed over (it goes to the back,
 * as if just loaded), the first frame with R clear is the victim. When every
 * frame is referenced it degenerates to FIFO after one sweep.
 */
#include <vm/policy/vm_policy.h>

/* Advance the hand past referenced frames, clearing their R; return the first clear one. */
static uint32_t clock_choose(struct vm_policy *p)
{
    /* One sweep clears every R, so the second sweep always stops. */
    for (uint64_t step = 0; step <= 2 * (uint64_t)p->count; step++) {
        uint32_t frame = p->hand;
        if (!(vm_policy_bits_read(p, frame, true) & VM_POLICY_REF))
            return frame;
        p->hand = vm_policy_next(p, frame);
    }
    return p->hand; /* only if the bits never clear: still a resident frame */
}

const struct vm_policy_ops vm_policy_clock_ops = {
    .name = "clock",
    .choose = clock_choose,
};
