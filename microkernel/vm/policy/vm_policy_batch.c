/*
 * Victims in batches for the policies that name the frame of least key,
 * the oldest of them (aging, NRU). Instead of looking at every resident
 * frame per victim, a look at every frame (which their tick does anyway)
 * keeps the VM_POLICY_BATCH least-keyed frames; each choice reads the best
 * of those again and takes it while it is below the least key left out. The
 * choices are the ones a full scan would make while keys only grow between
 * two looks, and a new look is taken when the batch cannot tell.
 */
#include <vm/policy/vm_policy.h>

/* Is (@ka, @pa) before (@kb, @pb): a smaller key, or the same key and older? */
static bool batch_before(uint64_t ka, uint64_t pa, uint64_t kb, uint64_t pb)
{
    return ka < kb || (ka == kb && pa < pb);
}

/* The index of the candidate of greatest (key, position); @b has some. */
static uint32_t batch_find_worst(const struct vm_policy_batch *b)
{
    uint32_t w = 0;

    for (uint32_t i = 1; i < b->n; i++)
        if (batch_before(b->key[w], b->pos[w], b->key[i], b->pos[i]))
            w = i;
    return w;
}

/* A frame of (@key, @pos) stays out of the batch: the bound may fall to it. */
static void batch_leave_out(struct vm_policy_batch *b, uint64_t key, uint64_t pos)
{
    if (batch_before(key, pos, b->bound_key, b->bound_pos)) {
        b->bound_key = key;
        b->bound_pos = pos;
    }
}

void vm_policy_batch_reset(struct vm_policy *p)
{
    struct vm_policy_batch *b = &p->batch;

    for (uint32_t i = 0; i < b->n; i++)
        p->frames[b->frame[i]].batched = false;
    b->n = 0;
    b->valid = false;
}

void vm_policy_batch_begin(struct vm_policy *p)
{
    struct vm_policy_batch *b = &p->batch;

    vm_policy_batch_reset(p);
    b->next_pos = 0;
    b->bound_key = UINT64_MAX;
    b->bound_pos = UINT64_MAX;
    b->valid = true;
    b->scans++;
}

void vm_policy_batch_offer(struct vm_policy *p, uint32_t frame, uint64_t key)
{
    struct vm_policy_batch *b = &p->batch;
    uint64_t pos = b->next_pos++;
    uint32_t i = b->n;

    if (b->n == VM_POLICY_BATCH) {
        /* Full: it replaces the worst candidate if it comes before it. */
        i = b->worst;
        if (!batch_before(key, pos, b->key[i], b->pos[i])) {
            batch_leave_out(b, key, pos);
            return;
        }
        batch_leave_out(b, b->key[i], b->pos[i]);
        p->frames[b->frame[i]].batched = false;
        b->frame[i] = frame, b->key[i] = key, b->pos[i] = pos;
        b->worst = batch_find_worst(b);
    } else {
        b->frame[i] = frame, b->key[i] = key, b->pos[i] = pos;
        if (b->n++ == 0 || batch_before(b->key[b->worst], b->pos[b->worst], key, pos))
            b->worst = i; /* appended in position order: the newest of equal keys */
    }
    p->frames[frame].batched = true;
}

void vm_policy_batch_drop(struct vm_policy *p, uint32_t frame)
{
    struct vm_policy_batch *b = &p->batch;

    if (!p->frames[frame].batched)
        return;
    p->frames[frame].batched = false;
    for (uint32_t i = 0; i < b->n; i++) {
        if (b->frame[i] != frame)
            continue;
        b->n--;
        b->frame[i] = b->frame[b->n];
        b->key[i] = b->key[b->n];
        b->pos[i] = b->pos[b->n];
        break;
    }
    if (b->n > 0)
        b->worst = batch_find_worst(b);
}

/*
 * Look at every resident frame, from the hand, and keep the least-keyed.
 * With @floor (and a key_floor) the look reads no bits: a floor can only
 * make a frame left out look better than it is (a second look), never worse.
 */
static void batch_build(struct vm_policy *p, bool floor)
{
    uint64_t (*key)(struct vm_policy *, uint32_t) =
        floor && p->ops->key_floor ? p->ops->key_floor : p->ops->key;
    uint32_t frame = p->hand;

    vm_policy_batch_begin(p);
    for (uint32_t i = 0; i < p->count; i++, frame = vm_policy_next(p, frame))
        vm_policy_batch_offer(p, frame, key(p, frame));
}

/*
 * The index of the best candidate (the batch has some). When the batch holds
 * every frame, all keys are read again, as a full scan would. Otherwise only
 * the least stored key is read, until one reads as stored: stored keys are
 * never above the real ones while keys only grow, so that one is the least.
 */
static uint32_t batch_best(struct vm_policy *p)
{
    struct vm_policy_batch *b = &p->batch;
    uint32_t best = 0;
    bool all = b->n == p->count;

    for (;;) {
        best = 0;
        for (uint32_t i = 0; i < b->n; i++) {
            if (all)
                b->key[i] = p->ops->key(p, b->frame[i]);
            if (i > 0 && batch_before(b->key[i], b->pos[i], b->key[best], b->pos[best]))
                best = i;
        }
        uint64_t key = all ? b->key[best] : p->ops->key(p, b->frame[best]);
        if (key == b->key[best])
            break;
        b->key[best] = key;
    }
    b->worst = batch_find_worst(b);
    return best;
}

uint32_t vm_policy_batch_choose(struct vm_policy *p)
{
    struct vm_policy_batch *b = &p->batch;

    if (!b->valid || b->n == 0)
        batch_build(p, true);
    uint32_t best = batch_best(p);
    if (!batch_before(b->key[best], b->pos[best], b->bound_key, b->bound_pos)) {
        /* A frame left out may come first now: look at them all again, bits read. */
        batch_build(p, false);
        best = batch_best(p);
    }
    return b->frame[best];
}
