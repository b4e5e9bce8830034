/*
 * WSClock: the clock over the working set. Each frame keeps its last-use
 * time (in ticks), refreshed when the hand finds R set. A frame unused for
 * more than tau ticks has left the working set: if clean it is the victim,
 * if dirty the hand asks for a write-back (bits.clean) and moves on.
 */
#include <vm/policy/vm_policy.h>

/* A newly loaded frame was just used. */
static void wsclock_insert(struct vm_policy *p, uint32_t frame)
{
    p->frames[frame].stamp = p->now;
}

/* Whether @frame has been unused for longer than the window. */
static bool wsclock_old(const struct vm_policy *p, uint32_t frame)
{
    return p->now - p->frames[frame].stamp > p->tau;
}

/* After a sweep: an old frame that became clean (its write-back finished). */
static uint32_t wsclock_find_cleaned(struct vm_policy *p)
{
    uint32_t frame = p->hand;

    for (uint32_t i = 0; i < p->count; i++, frame = vm_policy_next(p, frame)) {
        unsigned bits = vm_policy_bits_read(p, frame, false);
        if (!(bits & (VM_POLICY_REF | VM_POLICY_MOD)) && wsclock_old(p, frame))
            return frame;
    }
    return VM_POLICY_NONE;
}

/* Pick the frame and leave the hand on it (removing it moves the hand on). */
static uint32_t wsclock_take(struct vm_policy *p, uint32_t frame)
{
    p->hand = frame;
    return frame;
}

/*
 * One sweep: the first old clean frame wins. Failing that, an old frame
 * whose write-back finished, the first old dirty frame (pageout writes it),
 * the first clean frame, or the frame under the hand.
 */
static uint32_t wsclock_choose(struct vm_policy *p)
{
    uint32_t frame = p->hand, start = p->hand;
    uint32_t dirty = VM_POLICY_NONE, clean = VM_POLICY_NONE;

    for (uint32_t i = 0; i < p->count; i++, frame = vm_policy_next(p, frame)) {
        unsigned bits = vm_policy_bits_read(p, frame, true);
        if (bits & VM_POLICY_REF) {
            p->frames[frame].stamp = p->now;
        } else if (wsclock_old(p, frame)) {
            if (!(bits & VM_POLICY_MOD))
                return wsclock_take(p, frame);
            if (dirty == VM_POLICY_NONE)
                dirty = frame;
            if (p->bits.clean)
                p->bits.clean(p->bits.ctx, frame);
            continue;
        }
        if (!(bits & VM_POLICY_MOD) && clean == VM_POLICY_NONE)
            clean = frame;
    }
    if (dirty != VM_POLICY_NONE && p->bits.clean) {
        uint32_t cleaned = wsclock_find_cleaned(p);
        if (cleaned != VM_POLICY_NONE)
            return wsclock_take(p, cleaned);
    }
    if (dirty != VM_POLICY_NONE)
        return wsclock_take(p, dirty);
    return wsclock_take(p, clean != VM_POLICY_NONE ? clean : start);
}

const struct vm_policy_ops vm_policy_wsclock_ops = {
    .name = "wsclock",
    .insert = wsclock_insert,
    .choose = wsclock_choose,
    .choose_sweeps = true,
};
