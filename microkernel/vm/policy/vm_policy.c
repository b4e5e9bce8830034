/*
 * The policy-independent half of page replacement: checks on the caller's
 * frame indices, the ring of resident frames in load order with its hand,
 * virtual time, and dispatch to the chosen policy's hooks (vm_policy_*.c),
 * or to the batch of candidates for a policy that ranks frames by key
 * (vm_policy_batch.c).
 */
#include <vm/policy/vm_policy.h>

static const struct vm_policy_ops *const policy_table[VM_POLICY_KIND_COUNT] = {
    [VM_POLICY_FIFO] = &vm_policy_fifo_ops,       [VM_POLICY_CLOCK] = &vm_policy_clock_ops,
    [VM_POLICY_AGING] = &vm_policy_aging_ops,     [VM_POLICY_NRU] = &vm_policy_nru_ops,
    [VM_POLICY_WSCLOCK] = &vm_policy_wsclock_ops, [VM_POLICY_LRU] = &vm_policy_lru_ops,
    [VM_POLICY_OPT] = &vm_policy_opt_ops,
};

int vm_policy_init(struct vm_policy *p, enum vm_policy_kind kind, struct vm_policy_frame *frames,
                   uint32_t nframes, const struct vm_policy_bits *bits)
{
    if ((unsigned)kind >= VM_POLICY_KIND_COUNT || !frames || !bits || !bits->read)
        return -1;
    if (nframes == 0 || nframes >= VM_POLICY_NONE)
        return -1;
    p->ops = policy_table[kind];
    p->bits = *bits;
    p->frames = frames;
    p->nframes = nframes;
    p->count = 0;
    p->hand = VM_POLICY_NONE;
    p->now = 0;
    p->refs = 0;
    p->tau = VM_POLICY_WSCLOCK_TAU;
    p->future = NULL;
    p->future_len = 0;
    p->batch.n = 0;
    p->batch.valid = false;
    p->batch.scans = 0;
    for (uint32_t i = 0; i < nframes; i++) {
        frames[i].next = VM_POLICY_NONE;
        frames[i].prev = VM_POLICY_NONE;
        frames[i].stamp = 0;
        frames[i].resident = false;
        frames[i].batched = false;
    }
    return 0;
}

int vm_policy_switch(struct vm_policy *p, enum vm_policy_kind kind)
{
    if ((unsigned)kind >= VM_POLICY_KIND_COUNT)
        return -1;
    vm_policy_batch_reset(p);
    p->ops = policy_table[kind];
    p->future = NULL; /* OPT starts again from the reference reported next */
    p->future_len = 0;
    p->refs = 0;
    uint32_t f = p->hand;
    for (uint32_t n = 0; n < p->count; n++, f = p->frames[f].next) {
        p->frames[f].stamp = 0; /* the state a fresh insert starts from */
        if (p->ops->insert)
            p->ops->insert(p, f);
    }
    return 0;
}

enum vm_policy_kind vm_policy_kind(const struct vm_policy *p)
{
    unsigned k = 0;

    while (k < VM_POLICY_KIND_COUNT - 1 && policy_table[k] != p->ops)
        k++;
    return (enum vm_policy_kind)k;
}

const char *vm_policy_name(enum vm_policy_kind kind)
{
    if ((unsigned)kind >= VM_POLICY_KIND_COUNT)
        return NULL;
    return policy_table[kind]->name;
}

/* Link resident-to-be @frame just behind the hand: the hand reaches it last. */
static void ring_link_last(struct vm_policy *p, uint32_t frame)
{
    struct vm_policy_frame *f = &p->frames[frame];

    if (p->hand == VM_POLICY_NONE) {
        f->next = frame;
        f->prev = frame;
        p->hand = frame;
        return;
    }
    struct vm_policy_frame *head = &p->frames[p->hand];
    f->next = p->hand;
    f->prev = head->prev;
    p->frames[head->prev].next = frame;
    head->prev = frame;
}

/* Unlink @frame from the ring; a hand on it moves to the next frame. */
static void ring_unlink(struct vm_policy *p, uint32_t frame)
{
    struct vm_policy_frame *f = &p->frames[frame];

    if (f->next == frame) {
        p->hand = VM_POLICY_NONE;
    } else {
        p->frames[f->prev].next = f->next;
        p->frames[f->next].prev = f->prev;
        if (p->hand == frame)
            p->hand = f->next;
    }
    f->next = VM_POLICY_NONE;
    f->prev = VM_POLICY_NONE;
}

void vm_policy_ring_move_last(struct vm_policy *p, uint32_t frame)
{
    if (p->hand == frame) {
        /* The ring is circular: the old hand is now just behind the new one. */
        p->hand = p->frames[frame].next;
        return;
    }
    ring_unlink(p, frame);
    ring_link_last(p, frame);
}

int vm_policy_insert(struct vm_policy *p, uint32_t frame)
{
    if (frame >= p->nframes || p->frames[frame].resident)
        return -1;
    p->frames[frame].resident = true;
    p->frames[frame].stamp = 0;
    ring_link_last(p, frame);
    p->count++;
    if (p->ops->insert)
        p->ops->insert(p, frame);
    /* The newest frame, after every other; key 0 is below any (its own is read when chosen). */
    if (p->ops->key && p->batch.valid)
        vm_policy_batch_offer(p, frame, 0);
    return 0;
}

int vm_policy_remove(struct vm_policy *p, uint32_t frame)
{
    if (frame >= p->nframes || !p->frames[frame].resident)
        return -1;
    ring_unlink(p, frame);
    vm_policy_batch_drop(p, frame);
    p->frames[frame].resident = false;
    p->count--;
    return 0;
}

void vm_policy_touch(struct vm_policy *p, uint32_t frame)
{
    if (frame < p->nframes && p->frames[frame].resident && p->ops->touch)
        p->ops->touch(p, frame);
    p->refs++;
}

void vm_policy_tick(struct vm_policy *p)
{
    p->now++;
    if (p->ops->tick && p->count > 0)
        p->ops->tick(p);
}

uint32_t vm_policy_choose(struct vm_policy *p)
{
    if (p->count == 0)
        return VM_POLICY_NONE;
    return p->ops->choose ? p->ops->choose(p) : vm_policy_batch_choose(p);
}

void vm_policy_set_future(struct vm_policy *p, const uint32_t *refs, size_t len)
{
    p->future = refs;
    p->future_len = refs ? len : 0;
}
