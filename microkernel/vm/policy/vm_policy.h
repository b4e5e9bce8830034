/*
 * Page replacement policies, machine independent and free of kernel state so
 * the same code runs in pageout and on the host against reference strings.
 * A policy sees frames as indices 0..n-1 that the caller tracks, reads and
 * clears their R bits and reads M through callbacks, and names a victim.
 */
#ifndef KERNEL_VM_POLICY_H
#define KERNEL_VM_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VM_POLICY_NONE UINT32_MAX /* no frame (an empty policy, an end of list) */

/* Bits returned by the read callback. */
#define VM_POLICY_REF 0x1u /* R: referenced since it was last cleared */
#define VM_POLICY_MOD 0x2u /* M: modified since it was last written back */

enum vm_policy_kind {
    VM_POLICY_FIFO = 0,
    VM_POLICY_CLOCK,   /* second chance on a circular list */
    VM_POLICY_AGING,   /* R shifted into a counter per tick; smallest counter */
    VM_POLICY_NRU,     /* lowest class 2R + M; tick clears R */
    VM_POLICY_WSCLOCK, /* clock over last-use times with window tau */
    VM_POLICY_LRU,     /* exact LRU: needs every reference (reference only) */
    VM_POLICY_OPT,     /* Belady's optimum: needs the future (reference only) */
    VM_POLICY_KIND_COUNT,
};

/*
 * How a policy reaches the hardware bits of a frame. In the kernel they come
 * from the MMU handler through the frame's mappings; on the host from a
 * simulator. read returns VM_POLICY_REF | VM_POLICY_MOD for @frame and clears
 * R when @clear_ref (M must keep being reported until the page is clean).
 * clean may be NULL; otherwise WSClock calls it to start writing back a dirty
 * page it passes over (M reads 0 once the write is done).
 */
struct vm_policy_bits {
    unsigned (*read)(void *ctx, uint32_t frame, bool clear_ref);
    void (*clean)(void *ctx, uint32_t frame);
    void *ctx;
};

/* Per-frame policy state; the caller provides an array of n of them. */
struct vm_policy_frame {
    uint32_t next, prev; /* the ring of resident frames, in policy order */
    uint64_t stamp;      /* aging counter, last-use time, or page number (OPT) */
    bool resident;
    bool batched; /* in the policy's batch of candidates (vm_policy_batch.c) */
};

struct vm_policy;

/*
 * One policy's hooks; NULL hooks do nothing. Either choose or key is set.
 * A policy whose victim is the frame of least key, the oldest of them
 * (aging, NRU), gives key and no choose: vm_policy_batch.c then chooses
 * from a batch of candidates instead of looking at every frame per victim.
 */
struct vm_policy_ops {
    const char *name;
    void (*insert)(struct vm_policy *p, uint32_t frame);
    void (*touch)(struct vm_policy *p, uint32_t frame);
    void (*tick)(struct vm_policy *p);
    uint32_t (*choose)(struct vm_policy *p);
    /* @frame's rank now (reads its bits, clears none): smaller goes first. */
    uint64_t (*key)(struct vm_policy *p, uint32_t frame);
    /* A rank no greater than key's, without reading bits (NULL: key is used). */
    uint64_t (*key_floor)(struct vm_policy *p, uint32_t frame);
    /* choose may sweep every frame (WSClock from its hand): pageout lets
     * others run after each choice, not after a batch of them. */
    bool choose_sweeps;
};

#define VM_POLICY_BATCH 32 /* candidates kept between two looks at every frame */

/*
 * The least-keyed frames seen in the last look at every frame (a tick or a
 * rebuild), with their positions in ring order from the hand then (frames
 * inserted since come after), and the least (key, position) of any frame
 * left out. Stored keys are never above the real ones (a new frame's is 0).
 * A choice reads the least stored key again until one reads as stored;
 * while that one is below the bound it is the frame a full scan would
 * name, as long as keys only grow between ticks (R and M set by the CPU,
 * cleared by ticks). A batch that holds every frame reads them all.
 */
struct vm_policy_batch {
    uint32_t frame[VM_POLICY_BATCH];
    uint64_t key[VM_POLICY_BATCH];
    uint64_t pos[VM_POLICY_BATCH];
    uint32_t n;     /* candidates */
    uint32_t worst; /* index of the candidate of greatest (key, pos), when n > 0 */
    uint64_t next_pos;
    uint64_t bound_key, bound_pos; /* least of the frames left out (UINT64_MAX: none) */
    bool valid;
    uint64_t scans; /* looks at every frame so far (ticks that offered them, rebuilds) */
};

struct vm_policy {
    const struct vm_policy_ops *ops;
    struct vm_policy_bits bits;
    struct vm_policy_frame *frames;
    uint32_t nframes;
    uint32_t count;         /* resident frames */
    uint32_t hand;          /* oldest frame / clock hand; VM_POLICY_NONE when empty */
    uint64_t now;           /* ticks so far (virtual time) */
    uint64_t refs;          /* references reported with vm_policy_touch */
    uint64_t tau;           /* WSClock: a page unused for more ticks is old */
    const uint32_t *future; /* OPT: the whole reference string (page numbers) */
    size_t future_len;
    struct vm_policy_batch batch; /* aging, NRU: the candidates (vm_policy_batch.c) */
};

#define VM_POLICY_WSCLOCK_TAU 4 /* default working-set window, in ticks */
#define VM_POLICY_AGING_BITS 32 /* width of an aging counter (in the frame's stamp) */

/*
 * Set up @p as policy @kind over @nframes frames whose state lives in
 * @frames (the caller's memory, @nframes entries; nothing is allocated).
 * No frame is resident afterwards. Returns 0, or -1 for an unknown @kind,
 * a NULL read callback or @nframes of 0 or VM_POLICY_NONE and above.
 */
int vm_policy_init(struct vm_policy *p, enum vm_policy_kind kind, struct vm_policy_frame *frames,
                   uint32_t nframes, const struct vm_policy_bits *bits);

/*
 * Make @p policy @kind, keeping its resident frames and their order (oldest
 * first, as inserted); each frame's state starts as if just inserted.
 * O(resident frames). Returns 0, or -1 for an unknown @kind.
 */
int vm_policy_switch(struct vm_policy *p, enum vm_policy_kind kind);
/* @p's kind. */
enum vm_policy_kind vm_policy_kind(const struct vm_policy *p);

/* The policy's name ("fifo", "clock", ...), or NULL for an unknown @kind. */
const char *vm_policy_name(enum vm_policy_kind kind);

/*
 * Report that @frame now holds a page (loaded, or unwired). It becomes the
 * newest frame. Returns 0, or -1 if @frame is out of range or resident.
 * Wired frames must not be resident: remove them while they are pinned.
 */
int vm_policy_insert(struct vm_policy *p, uint32_t frame);

/*
 * Report that @frame is no longer a candidate (freed, evicted or wired).
 * A clock hand on it moves to the next frame. Returns 0, or -1 if @frame is
 * out of range or not resident.
 */
int vm_policy_remove(struct vm_policy *p, uint32_t frame);

/*
 * Report one reference to resident @frame. Only exact LRU and OPT need it,
 * and then for every reference, in order; OPT takes the page inserted while
 * @p->refs references were reported to be future[@p->refs].
 */
void vm_policy_touch(struct vm_policy *p, uint32_t frame);

/* A clock tick: advances virtual time (aging shifts, NRU clears R bits). */
void vm_policy_tick(struct vm_policy *p);

/*
 * Name the frame to evict, without removing it (the caller calls
 * vm_policy_remove once the frame is freed). May read and clear R bits and
 * move the hand. Returns a resident frame, or VM_POLICY_NONE when none is.
 */
uint32_t vm_policy_choose(struct vm_policy *p);

/* OPT: the reference string the caller will report with vm_policy_touch. */
void vm_policy_set_future(struct vm_policy *p, const uint32_t *refs, size_t len);

/* For the policies: R and M of @frame, clearing R when @clear_ref. */
static inline unsigned vm_policy_bits_read(struct vm_policy *p, uint32_t frame, bool clear_ref)
{
    return p->bits.read(p->bits.ctx, frame, clear_ref);
}

/* For the policies: the resident frame after @frame in ring order. */
static inline uint32_t vm_policy_next(const struct vm_policy *p, uint32_t frame)
{
    return p->frames[frame].next;
}

/* For the policies: move @frame to the end of the ring (just behind the hand). */
void vm_policy_ring_move_last(struct vm_policy *p, uint32_t frame);

/*
 * The batch of candidates of a policy with a key hook (vm_policy_batch.c).
 * A tick that looks at every frame anyway calls begin, then offer for each
 * frame in ring order from the hand with its key, so that the choices up
 * to the next tick need no scan of their own.
 */
void vm_policy_batch_begin(struct vm_policy *p);
void vm_policy_batch_offer(struct vm_policy *p, uint32_t frame, uint64_t key);
/* Forget the batch (a switch of policy); the next choice looks at every frame. */
void vm_policy_batch_reset(struct vm_policy *p);
/* @frame left the policy: out of the batch too. */
void vm_policy_batch_drop(struct vm_policy *p, uint32_t frame);
/* The least (key, position) frame, from the batch; rebuilt when it cannot tell. */
uint32_t vm_policy_batch_choose(struct vm_policy *p);

extern const struct vm_policy_ops vm_policy_fifo_ops;
extern const struct vm_policy_ops vm_policy_clock_ops;
extern const struct vm_policy_ops vm_policy_aging_ops;
extern const struct vm_policy_ops vm_policy_nru_ops;
extern const struct vm_policy_ops vm_policy_wsclock_ops;
extern const struct vm_policy_ops vm_policy_lru_ops;
extern const struct vm_policy_ops vm_policy_opt_ops;

#endif
